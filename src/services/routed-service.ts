import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { AutoscalingOptions, PodDisruptionBudgetOptions } from './autoscaling';
import { PodTemplate } from './pod-template';
import { HeaderOperations, RetryPolicy } from '../model/resilience';
import { RouteRule, ServiceRouting } from '../model/routing-model';
import { ServiceProtocol } from '../model/service-protocol';
import { TrafficPolicy } from '../model/traffic-policy';
import { TrafficProvider } from '../providers/traffic-provider';

/**
 * One version of an application: its label value, image and Deployment settings.
 * Containers are built with cdk8s-plus, so its secure defaults apply (non-root, read-only
 * root file system, no privilege escalation, default resources), unless the version takes its
 * pods from a `podTemplate`, which is kept as it is.
 */
export interface VersionSpec {
  /**
   * The version: the value of the pods' `version` label, the DestinationRule subset name and
   * the suffix of the Deployment name (`<service>-<version>`). A DNS-1123 label, e.g. `v2`.
   */
  readonly version: string;

  /**
   * The container image, e.g. `docker.io/istio/examples-bookinfo-reviews-v2:1.20.2`. With
   * `podTemplate`, it replaces the image of the template's application container.
   * @default - required without `podTemplate`; with it, the template's image
   */
  readonly image?: string;

  /**
   * The version's pods from a pod template the team already has (a Deployment or pod
   * template loaded with cdk8s `Include` or `Yaml.load`, e.g. from a Helm chart's output, or
   * synthesized by any cdk8s-plus version). Every field is kept; the library sets only the
   * Deployment's name, the `app` and `version` labels, the selector, `replicas` and, when
   * `image` is set, the application container's image, and lists what it changed in the
   * Deployment's annotation `cdk8s-canary.io/pod-template-changes`. The container settings
   * below (`envVariables` to `minReady`) then belong in the template and must not be set.
   * @default - a pod with one container built from the settings below
   */
  readonly podTemplate?: PodTemplate;

  /**
   * Number of pods. 0 keeps the Deployment but runs no pods; a version with 0 replicas
   * cannot receive or mirror traffic. Not with `autoscaling`.
   * @default - with `podTemplate` from a Deployment, its `replicas`; otherwise 1
   */
  readonly replicas?: number;

  /**
   * A HorizontalPodAutoscaler (autoscaling/v2) for the version's Deployment, which is then
   * rendered without `replicas`; the version's capacity is `minReplicas`.
   * @default - no autoscaler: `replicas` pods
   */
  readonly autoscaling?: AutoscalingOptions;

  /**
   * A PodDisruptionBudget (policy/v1) for the version's pods.
   * @default - none
   */
  readonly podDisruptionBudget?: PodDisruptionBudgetOptions;

  /**
   * The port the container listens on. Every version of a service uses the same one.
   * @default - the service port
   */
  readonly containerPort?: number;

  /**
   * Environment variables of the container.
   * @default - none
   */
  readonly envVariables?: { [name: string]: kplus.EnvValue };

  /**
   * Container command (the image's ENTRYPOINT is used when not set).
   * @default - the image's entrypoint
   */
  readonly command?: string[];

  /**
   * Container arguments.
   * @default - the image's CMD
   */
  readonly args?: string[];

  /**
   * CPU and memory requests and limits.
   * @default - cdk8s-plus defaults
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * Readiness probe. Istio only sends traffic to ready pods, so give every version one.
   * @default - a TCP probe on the container port (cdk8s-plus default)
   */
  readonly readiness?: kplus.Probe;

  /**
   * Liveness probe.
   * @default - none
   */
  readonly liveness?: kplus.Probe;

  /**
   * Startup probe.
   * @default - none
   */
  readonly startup?: kplus.Probe;

  /**
   * Container security context.
   * @default - cdk8s-plus defaults (non-root, read-only root file system, no privilege escalation)
   */
  readonly securityContext?: kplus.ContainerSecurityContextProps;

  /**
   * Rolling update: how many pods may be created above `replicas`.
   * @default - 25%
   */
  readonly maxSurge?: kplus.PercentOrAbsolute;

  /**
   * Rolling update: how many pods may be unavailable.
   * @default - 25%
   */
  readonly maxUnavailable?: kplus.PercentOrAbsolute;

  /**
   * How long a new pod must be ready before it counts as available.
   * @default Duration.seconds(0)
   */
  readonly minReady?: Duration;
}

/** Props shared by every service construct. */
export interface RoutedServiceOptions {
  /**
   * The Kubernetes Service name, also the Istio host, the `app` label and the prefix of
   * every object name. A DNS-1035 label (a Kubernetes Service name: it starts with a letter).
   * @default - the construct id, lower-cased, with other characters than a-z, 0-9 and '-' replaced by '-'
   */
  readonly serviceName?: string;

  /** The service port, 1 to 65535. */
  readonly port: number;

  /**
   * The application protocol; it names the port as Istio's protocol selection expects.
   * @default ServiceProtocol.HTTP
   * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
   */
  readonly protocol?: ServiceProtocol;

  /**
   * Gateways the routing is bound to, as `<namespace>/<name>` or `<name>`: Istio Gateways
   * (the VirtualService's `gateways`), or with `TrafficProvider.gatewayApi()` Gateway API
   * Gateways (the HTTPRoute's `parentRefs`).
   * @default - none: in-mesh traffic only
   */
  readonly gateways?: string[];

  /**
   * Whether the routing also applies to in-mesh traffic (the reserved gateway `mesh`) when
   * `gateways` are set.
   * @default true
   */
  readonly includeMesh?: boolean;

  /**
   * Further hosts the routing serves, e.g. the public host name at a gateway (with
   * `TrafficProvider.gatewayApi()`: the `hostnames` of the route attached to the Gateways).
   * @default - none: only the service name
   */
  readonly hosts?: string[];

  /**
   * Request headers clients could set themselves to opt into an unreleased version (e.g.
   * `x-beta`). At the service's gateways they are removed before the request is forwarded,
   * and routes that match them apply to in-mesh traffic only, where trusted services set
   * them. Needs `gateways`.
   * @default - none: every header is trusted
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers
   */
  readonly untrustedHeaders?: string[];

  /**
   * Annotate objects for Argo CD so that a sync applies them make-before-break: Deployments
   * and the Service in sync wave 0, the DestinationRule in wave 1, the VirtualService in
   * wave 2 (Argo CD waits for each wave to be healthy), and Deployments and the
   * DestinationRule pruned last, after routes have moved away from them. With
   * `TrafficProvider.gatewayApi()`: the version Services in wave 0 (pruned last), any
   * DestinationRules in wave 1, the routes in wave 2.
   * @default false
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
   */
  readonly argoCdSyncWaves?: boolean;

  /**
   * Traffic policy for every version (load balancer, connection pool, outlier detection).
   * @default - Istio's defaults
   */
  readonly trafficPolicy?: TrafficPolicy;

  /**
   * Timeout of a request, retries included, on the service's default route and on the
   * routes added to it (a `HeaderMatchRoute` can set its own).
   * @default - none: Istio's default (no timeout)
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
   */
  readonly timeout?: Duration;

  /**
   * How failed requests are retried, on the service's default route and on the routes added
   * to it (a `HeaderMatchRoute` can set its own; `{ attempts: 0 }` disables retries there).
   * @default - Istio's default retries (2 attempts)
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
   */
  readonly retries?: RetryPolicy;

  /**
   * Request and response headers set, added or removed, on the service's default route and
   * on the routes added to it. A `HeaderMatchRoute` with its own `headers` replaces these.
   * @default - none
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers
   */
  readonly headers?: HeaderOperations;

  /**
   * Which routing API to render: Istio's VirtualService and DestinationRule, or the
   * Kubernetes Gateway API's HTTPRoute (GRPCRoute for gRPC) for Istio ambient, GAMMA meshes
   * and Gateway API gateways. What the provider cannot express fails in the constructor.
   * @default TrafficProvider.istio()
   */
  readonly provider?: TrafficProvider;
}

/**
 * A service with versions whose routing other constructs (such as `HeaderMatchRoute`) can
 * extend. Implemented by `CanaryService` and `BlueGreenService`.
 */
export interface IRoutedService extends IConstruct {
  /** The service name and Istio host. */
  readonly serviceName: string;

  /** The names of the versions the service runs. */
  readonly versions: string[];

  /** The routing model: versions and ordered rules (a copy). */
  readonly routing: ServiceRouting;

  /**
   * Adds a matched rule. Matched rules render in the order they are added, before the
   * service's own default (catch-all) rule. Throws when the rule is invalid for the service.
   *
   * @param rule the rule; it must have at least one match
   * @param source who adds it, for messages (e.g. `HeaderMatchRoute 'jason'`)
   */
  addRoute(rule: RouteRule, source: string): void;
}

import { ProviderImpl } from './_provider';
import { PROVIDERS } from './registry';
import { fail, show, validateDns1123Label } from '../internal/validation';

/** Options of the Gateway API provider (`TrafficProvider.gatewayApi()`). */
export interface GatewayApiProviderOptions {
  /**
   * Istio ambient mode: the name of the waypoint that enforces the routing. Every Service of
   * the app is labelled `istio.io/use-waypoint: <waypoint>`, so that in-mesh traffic to it
   * goes through the waypoint, which applies the HTTPRoute.
   * @default - no label: a sidecar mesh, or a waypoint enrolled at namespace level
   * @see https://istio.io/latest/docs/ambient/usage/waypoint/
   */
  readonly waypoint?: string;

  /**
   * Whether the cluster runs the Gateway API's experimental channel CRDs. Routes with
   * `retries` need them (they render as the experimental HTTPRoute field `retry`); without
   * this option, retries fail in the construct that sets them.
   * @default false
   * @see https://gateway-api.sigs.k8s.io/concepts/versioning/
   */
  readonly experimentalChannel?: boolean;
}

/** The `pathType` of an Ingress path. */
export enum IngressPathType {
  /** Matches the path's `/`-separated elements as a prefix. */
  PREFIX = 'Prefix',
  /** Matches the path exactly. */
  EXACT = 'Exact',
  /** The ingress controller decides (ingress-nginx: a prefix, or a regex with `use-regex`). */
  IMPLEMENTATION_SPECIFIC = 'ImplementationSpecific',
}

/** Options of the ingress-nginx provider (`TrafficProvider.ingressNginx()`). */
export interface IngressNginxProviderOptions {
  /**
   * The IngressClass of the ingress-nginx controller.
   * @default 'nginx'
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-class
   */
  readonly ingressClassName?: string;

  /**
   * The path the Ingresses route (an absolute path).
   * @default '/'
   */
  readonly path?: string;

  /**
   * How the path matches.
   * @default IngressPathType.PREFIX
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#path-types
   */
  readonly pathType?: IngressPathType;
}

/**
 * Which routing API the service constructs render: Istio's VirtualService and
 * DestinationRule (the default), or the Kubernetes Gateway API's HTTPRoute/GRPCRoute (for
 * Istio ambient, GAMMA meshes and any Gateway API gateway).
 *
 * The constructs build the same routing model with either; what a provider cannot express
 * fails in the constructor, naming the construct, the provider, the feature and an
 * alternative. The README's capability table lists what each provider supports.
 */
export class TrafficProvider {
  /**
   * Istio VirtualService and DestinationRule (networking.istio.io/v1), one subset per
   * version. The default.
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
   */
  public static istio(): TrafficProvider {
    return TrafficProvider._of('istio', {});
  }

  /**
   * Kubernetes Gateway API (gateway.networking.k8s.io/v1): an HTTPRoute (GRPCRoute for
   * `ServiceProtocol.GRPC`) attached to the app's Service (GAMMA, in-mesh) and to the
   * service's `gateways`, and one Service per version as its backends.
   * @see https://gateway-api.sigs.k8s.io/api-types/httproute/
   * @see https://gateway-api.sigs.k8s.io/mesh/
   */
  public static gatewayApi(options: GatewayApiProviderOptions = {}): TrafficProvider {
    const who = 'TrafficProvider.gatewayApi';
    if (options === null || typeof options !== 'object') fail(who, `options must be GatewayApiProviderOptions, got ${show(options)}`);
    if (options.waypoint !== undefined) validateDns1123Label(who, 'waypoint', options.waypoint);
    if (options.experimentalChannel !== undefined && typeof options.experimentalChannel !== 'boolean') {
      fail(who, `experimentalChannel must be true or false, got ${show(options.experimentalChannel)}`);
    }
    return TrafficProvider._of('gateway-api', { waypoint: options.waypoint, experimentalChannel: options.experimentalChannel ?? false });
  }

  /**
   * Plain Kubernetes, no mesh and no routing objects: the app's Service selects every
   * version's pods, so a version's share of the traffic is its share of the ready pods. A
   * canary weight must be exactly what the replica counts give (20% needs stable:canary
   * replicas 4:1, 8:2, ...); a rule sending everything to one version makes the Service select
   * that version's pods only (the blue-green switch). Matched routes, mirroring, splits between
   * more than two versions and resilience settings are not expressible.
   * @see https://kubernetes.io/docs/concepts/workloads/management/#canary-deployments
   */
  public static kubernetes(): TrafficProvider {
    return TrafficProvider._of('kubernetes', {});
  }

  /**
   * ingress-nginx canary Ingresses (networking.k8s.io/v1): one Service per version, the
   * Ingress `<service>` to the stable (first) version and, while a second version runs, the
   * canary Ingress `<service>-canary` with `canary-weight`, at most one header cohort
   * (`canary-by-header` with `-value` or `-pattern`) and one cookie cohort
   * (`canary-by-cookie`, for `RequestMatch.cookie(name, 'always')`). The host is the
   * service's one entry in `hosts`. More than two versions, cohorts to the stable version or
   * split between versions, other matches, mirroring and resilience settings are not
   * expressible. ingress-nginx is retired (best-effort maintenance ended March 2026): see the
   * README's "Leaving ingress-nginx".
   * @see https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#canary
   */
  public static ingressNginx(options: IngressNginxProviderOptions = {}): TrafficProvider {
    const who = 'TrafficProvider.ingressNginx';
    if (options === null || typeof options !== 'object') fail(who, `options must be IngressNginxProviderOptions, got ${show(options)}`);
    const ingressClassName = options.ingressClassName ?? 'nginx';
    if (typeof ingressClassName !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(ingressClassName) || ingressClassName.length > 253) {
      fail(who, `ingressClassName must be an IngressClass name (a lower-case DNS subdomain), got ${show(ingressClassName)}`);
    }
    const path = options.path ?? '/';
    if (typeof path !== 'string' || !/^\/[-A-Za-z0-9/._~!$&'()*+,;=:@%]*$/.test(path)) {
      fail(who, `path must be an absolute path ('/' first, URL path characters), got ${show(path)}`);
    }
    const pathType = options.pathType ?? IngressPathType.PREFIX;
    if (!Object.values(IngressPathType).includes(pathType)) {
      fail(who, `pathType must be one of ${Object.values(IngressPathType).join(', ')}, got ${show(pathType)}`);
    }
    return TrafficProvider._of('ingress-nginx', { ingressClassName, path, pathType });
  }

  /**
   * The registered provider `name`, rendering with `options` (validated by the caller).
   * @internal
   */
  public static _of(name: string, options: any): TrafficProvider {
    const plugin = PROVIDERS.get(name);
    if (!plugin) throw new Error(`TrafficProvider: no provider named ${JSON.stringify(name)} is registered`);
    return new TrafficProvider(name, plugin.renderer(options));
  }

  /** The provider's name: `istio`, `gateway-api`, `kubernetes` or `ingress-nginx`. */
  public readonly name: string;

  /** @internal */
  public readonly _impl: ProviderImpl;

  private constructor(name: string, impl: ProviderImpl) {
    this.name = name;
    this._impl = impl;
  }
}

// The provider seam (internal): what a traffic provider does for the service constructs.
// The constructs build the workloads and the routing model; a provider validates what it
// can express and renders the routing objects. Nothing provider-specific lives in the
// constructs or in ServiceCore; adding a provider touches no construct.
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MetricSource } from '../analysis/metric-source';
import { StringMatch } from '../model/request-match';
import { RouteRule, ServiceRouting } from '../model/routing-model';
import { ServiceProtocol } from '../model/service-protocol';
import { TrafficPolicy } from '../model/traffic-policy';

/** What a provider is told about the service it renders routing for. */
export interface ProviderContext {
  /** The owner construct: routing objects are created in its scope. */
  readonly scope: Construct;
  /** For messages, e.g. `CanaryService 'reviews'`. */
  readonly who: string;
  /** The service name (the host, the `app` label). */
  readonly name: string;
  /** The service port. */
  readonly port: number;
  /** The service port name (`http`, `http2`, `grpc`). */
  readonly portName: string;
  /** The application protocol. */
  readonly protocol: ServiceProtocol;
  /** The container port every version listens on. */
  readonly targetPort: number;
  /** The app's Service (selects every version). */
  readonly service: kplus.Service;
  /** The versions, in order. */
  readonly versions: string[];
  /** Gateways the service is bound to, `mesh` included when it serves in-mesh traffic; [] for mesh only. */
  readonly gateways: string[];
  /** Further hosts the service serves (not the service name). */
  readonly hosts: string[];
  /** The traffic policy, if any. */
  readonly trafficPolicy?: TrafficPolicy;
  /** Whether to annotate routing objects with Argo CD sync waves. */
  readonly argoCdSyncWaves: boolean;
  /** The routing model, as it is at synth (rules are added after construction). */
  routing(): ServiceRouting;
  /** Annotates `o` with an Argo CD sync wave (and PruneLast when asked). */
  wave(o: ApiObject, wave: number, pruneLast: boolean): void;
}

/** The routing objects a provider rendered. */
export interface RenderedRouting {
  /** Every routing object, in output order. */
  readonly objects: ApiObject[];
  /** The object whose construct path is the routing's `source` in messages. */
  readonly primary: ApiObject;
  /** Istio only: the VirtualService. */
  readonly virtualService?: ApiObject;
  /** Istio only: the DestinationRule. */
  readonly destinationRule?: ApiObject;
}

/** The object serving a preview host. */
export interface RenderedPreview {
  /** The route. */
  readonly route: ApiObject;
  /** Istio only: the same object, a VirtualService. */
  readonly virtualService?: ApiObject;
}

/** What the data plane's own metrics give canary analysis (a plug-in's metrics face). */
export interface ProviderMetrics {
  /** The default metric source; absent when the data plane reports nothing to analyse. */
  readonly source?: MetricSource;
  /** The provider as configured, for messages, e.g. `TrafficProvider.gatewayApi() without a waypoint`. */
  readonly described: string;
}

/** One traffic provider's implementation. */
export interface ProviderImpl {
  /** For messages, e.g. `the Gateway API provider`. */
  readonly displayName: string;

  /**
   * The metrics its data plane exposes for canary analysis.
   * @default - none: analysis needs a MetricSource
   */
  metrics?(): ProviderMetrics;

  /** Checks the service-level props the provider cannot express; throws naming `who`. */
  checkService(who: string, props: { trafficPolicy?: TrafficPolicy; gateways: string[]; hosts: string[]; protocol: ServiceProtocol }): void;

  /**
   * Checks one rule against what the provider can express, given the rules already in the
   * routing (in model order) and whether the new rule goes last (a default) or before the
   * defaults (a matched rule). Throws naming `who` (the construct adding the rule).
   */
  checkRule(ctx: ProviderContext, rule: RouteRule, what: string, who: string, position: RulePosition): void;

  /** Renders the routing objects in the owner's scope (after the Deployments and the Service). */
  render(ctx: ProviderContext): RenderedRouting;

  /** Renders the objects serving `previewHost` at the service's gateways, all to `version`. */
  renderPreviewHost(ctx: ProviderContext, rendered: RenderedRouting, previewHost: string, rule: RouteRule): RenderedPreview;

  /** Called when a matched rule was added (a provider may add objects, e.g. a second route). */
  ruleAdded?(ctx: ProviderContext, rendered: RenderedRouting): void;

  /**
   * Checks that the provider can render sticky sessions (cookie match rules, and a
   * `set-cookie` response header per destination: `RouteDestination._responseHeaders`);
   * throws naming `ctx.who` when it cannot. Absent: it cannot.
   */
  checkStickySessions?(ctx: ProviderContext): void;

  /** How the provider renders a SharedHost; absent when it cannot. */
  sharedHost?(host: SharedHostContext): SharedHostRenderer;
}

/** A path of a SharedHost and the service it leads to. */
export interface SharedHostPath {
  readonly match: StringMatch;
  /** The service's provider context. */
  readonly service: ProviderContext;
  /** 1-based index among the paths of its service, in the order they were added. */
  readonly index: number;
}

/** What a provider is told about a SharedHost. */
export interface SharedHostContext {
  /** The SharedHost construct: its objects are created in its scope. */
  readonly scope: Construct;
  /** For messages, e.g. `SharedHost 'shop'`. */
  readonly who: string;
  /** The root object's name and the suffix of each service's object. */
  readonly name: string;
  readonly hosts: string[];
  readonly gateways: string[];
  /** The paths in first-match order: exact, then prefixes longest first, then regexes as added. */
  ordered(): SharedHostPath[];
  /** The paths of one service. */
  pathsOf(service: ProviderContext): SharedHostPath[];
  /** A service's rules that reach the host's gateways (at synth). */
  reaching(service: ProviderContext): RouteRule[];
  /** Those rules with their matches ANDed with `paths` (each path's segment-prefix matches). */
  serviceRules(service: ProviderContext, paths: SharedHostPath[]): RouteRule[];
  /** Throws when a service rule cannot be narrowed to the service's paths. */
  checkRules(service: ProviderContext): void;
  /** The object a service's routing is rendered as (the new objects depend on it). */
  primaryOf(service: ProviderContext): ApiObject;
}

/** A provider's rendering of a SharedHost. */
export interface SharedHostRenderer {
  /** The objects rendered so far, in output order. */
  readonly objects: ApiObject[];
  /** Renders what a newly added path needs. */
  addPath(path: SharedHostPath): void;
}

/** Where a new rule goes in the model. */
export interface RulePosition {
  /** The rules that come before it (first-match order). */
  readonly before: RouteRule[];
  /** The rules that come after it. */
  readonly after: RouteRule[];
}

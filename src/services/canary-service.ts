import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { serviceNameFor, ServiceCore, WeightScaling } from './_service-core';
import { stickyRouting, validateStickySessions } from './_sticky';
import { ReplicaPolicy } from './replica-policy';
import { IRoutedService, RoutedServiceOptions, VersionSpec } from './routed-service';
import { StickySessions } from './sticky-sessions';
import { ANALYSIS_ANNOTATION, STATE_ANNOTATION, planAnalysis, renderAnalysisTemplate, renderPrometheusRule } from '../analysis/_render';
import { annotationState } from '../analysis/_state';
import { CanaryAnalysis } from '../analysis/canary-analysis';
import { checkArrayProps, checkProps } from '../internal/props';
import { fail, owner, show, validateIntRange, validateNumberRange } from '../internal/validation';
import { split } from '../model/_util';
import { RouteRule, ServiceRouting } from '../model/routing-model';
import { ServiceProtocol } from '../model/service-protocol';
import { TrafficProvider } from '../providers/traffic-provider';

/** Props of a `CanaryService`. */
export interface CanaryServiceProps extends RoutedServiceOptions {
  /** The version that serves production traffic. */
  readonly stable: VersionSpec;

  /**
   * The new version being released. Deploy it at `canaryWeight` 0 first: its pods and
   * subset then exist before any route sends it traffic.
   * @default - no canary: all traffic goes to `stable`
   */
  readonly canary?: VersionSpec;

  /**
   * Further versions that run beside stable and canary and get traffic only from matched
   * routes (`HeaderMatchRoute`), e.g. Bookinfo's v3 for an A/B/n test. Each gets a
   * Deployment and a subset.
   * @default - none
   */
  readonly extraVersions?: VersionSpec[];

  /**
   * Percent of the default traffic sent to the canary, an integer from 0 to 100; the
   * stable version gets the rest. Raise it one step per commit (e.g. 5, 10, 20, 50, 100);
   * set it back to 0 to abort.
   * @default 0
   */
  readonly canaryWeight?: number;

  /**
   * Percent of the default traffic copied to the canary (responses discarded), from 0 to
   * 100, while the canary gets no live traffic (`canaryWeight` 0).
   * @default - no mirroring
   * @see https://istio.io/latest/docs/tasks/traffic-management/mirroring/
   */
  readonly mirrorPercent?: number;

  /**
   * Automated canary analysis: the canary's weight comes from the analysis' state file (see
   * `CanaryAnalysis.stateFile`) instead of `canaryWeight`, and synth adds the analysis to the
   * VirtualService (annotations `cdk8s-canary.io/analysis` and `cdk8s-canary.io/analysis-state`), a Prometheus Operator
   * `PrometheusRule` with the checks' recording rules and alerts, and optionally an Argo
   * Rollouts `AnalysisTemplate`. Nothing is added while there is no canary.
   * @default - no analysis: the weight is `canaryWeight`
   * @see https://prometheus-operator.dev/docs/developer/alerting/
   */
  readonly analysis?: CanaryAnalysis;

  /**
   * How many pods the canary runs at each stage. With `ReplicaPolicy.matchTrafficWeight()`,
   * the canary's replicas (or its autoscaler's `minReplicas`) are its weight's share of the
   * stable version's, rounded up, at least one, so that a canary at 50% does not serve half
   * the traffic with one pod while ten stable pods idle; the canary must then not set
   * `replicas`.
   * @default ReplicaPolicy.fixed(): the canary's own `replicas` or `autoscaling`
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/canary/#setcanaryscale
   */
  readonly canaryReplicas?: ReplicaPolicy;

  /**
   * Sticky canary sessions: a request without the cookie is split by the weight, the version
   * it reaches answers with `Set-Cookie: <cookieName>=<version>` (added by the route), and
   * requests carrying the cookie keep reaching that version. The weight is then the share of
   * new sessions. Rendered only while the canary's weight is between 1 and 99: an abort
   * (weight 0) or a promotion (weight 100) ends stickiness. Istio and the Gateway API only
   * (with the Gateway API, a header regex match and a backendRef filter are
   * implementation-specific features; Istio supports both). Not for gRPC.
   * @default - no sticky sessions: every request is split by the weight
   * @see https://docs.flagger.app/usage/deployment-strategies#canary-release-with-session-affinity
   */
  readonly stickySessions?: StickySessions;
}

/**
 * A stable version and an optional canary version of one app behind one host, with a
 * weighted split between them.
 *
 * Synthesizes one Deployment per version (`<service>-<version>`, pods labelled `app` and
 * `version`), one Service selecting `app=<service>`, one DestinationRule with a subset per
 * version and one VirtualService sending `100 - canaryWeight` percent to the stable subset
 * and `canaryWeight` percent to the canary subset. `HeaderMatchRoute`s add matched rules
 * before that default split. With `provider: TrafficProvider.gatewayApi()`, one Service per
 * version and an HTTPRoute (GRPCRoute for gRPC) with backend weights replace the
 * DestinationRule and the VirtualService.
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/traffic-shifting/
 */
export class CanaryService extends Construct implements IRoutedService {
  /** The service name and Istio host. */
  public readonly serviceName: string;
  /** The rendered Kubernetes Service. */
  public readonly service: kplus.Service;
  /**
   * The rendered DestinationRule (networking.istio.io/v1), for `addJsonPatch`; set by the
   * Istio provider.
   * @default - none with another provider: see `routingObjects`
   */
  public readonly destinationRule?: ApiObject;
  /**
   * The rendered VirtualService (networking.istio.io/v1), for `addJsonPatch`; set by the
   * Istio provider.
   * @default - none with another provider: see `routingObjects`
   */
  public readonly virtualService?: ApiObject;
  /**
   * The routing objects the provider rendered, in output order, for `addJsonPatch` (Istio:
   * the DestinationRule and the VirtualService; Gateway API: the per-version Services, the
   * HTTPRoute or GRPCRoute, and a DestinationRule when `trafficPolicy` is set). Objects a
   * later `HeaderMatchRoute` makes the provider add are not included.
   */
  public readonly routingObjects: ApiObject[];
  /** The stable version's Deployment. */
  public readonly stableDeployment: kplus.Deployment;
  /**
   * The canary version's Deployment.
   * @default - none when there is no canary
   */
  public readonly canaryDeployment?: kplus.Deployment;
  /** Percent of the default traffic that goes to the canary. */
  public readonly canaryWeight: number;
  /**
   * The PrometheusRule (monitoring.coreos.com/v1) of the analysis.
   * @default - none without `analysis` and a canary
   */
  public readonly prometheusRule?: ApiObject;
  /**
   * The Argo Rollouts AnalysisTemplate (argoproj.io/v1alpha1) of the analysis.
   * @default - none unless `analysis.argoPrometheusAddress` is set
   */
  public readonly analysisTemplate?: ApiObject;

  /** Set while the analysis has aborted the release: matched rules send nothing to the canary. */
  private readonly abortedCanary?: { readonly stable: string; readonly canary: string };

  private readonly core: ServiceCore;

  public constructor(scope: Construct, id: string, props: CanaryServiceProps) {
    super(scope, id);
    checkArrayProps(`CanaryService '${id}'`, 'CanaryServiceProps', props);
    if (!props.stable || typeof props.stable !== 'object') fail(`CanaryService '${id}'`, `stable must be a VersionSpec, got ${JSON.stringify(props.stable)}`);
    const versions = [props.stable, ...(props.canary ? [props.canary] : []), ...(props.extraVersions ?? [])];
    const who = owner('CanaryService', id);
    this.serviceName = serviceNameFor(who, id, props.serviceName);

    if (props.analysis !== undefined && props.canaryWeight !== undefined) {
      fail(who, `canaryWeight is ${props.canaryWeight} but analysis is set, which takes the weight from its state file; remove canaryWeight, or edit the state file`);
    }
    if (props.analysis !== undefined && props.mirrorPercent !== undefined) {
      fail(who, `mirrorPercent is ${props.mirrorPercent} but analysis is set, which sends the canary live traffic; remove mirrorPercent or analysis`);
    }
    const namespace = Chart.of(this).namespace;
    const provider = props.analysis !== undefined ? props.provider ?? TrafficProvider.istio() : undefined;
    const releaseVersions = props.canary && { stable: props.stable.version, canary: props.canary.version };
    const release = releaseVersions && provider && { who, service: this.serviceName, namespace, ...releaseVersions, provider, root: this.node.root };
    const plan = props.analysis !== undefined && release ? planAnalysis(release, props.analysis) : undefined;
    if (plan) this.abortedCanary = plan.state.status === 'aborted' ? { stable: props.stable.version, canary: props.canary!.version } : undefined;
    this.canaryWeight = plan ? plan.state.weight : validateIntRange(who, 'canaryWeight', props.canaryWeight ?? 0, 0, 100);
    // The replicas follow the weight: known before the Deployments are built.
    this.core = new ServiceCore(this, 'CanaryService', props, versions, weightScaling(who, props, this.canaryWeight));
    if (plan) {
      // Every step must be expressible now, not when the release reaches it.
      plan.steps.forEach((weight, i) => {
        const rule: RouteRule = { destinations: split(props.stable.version, props.canary!.version, weight) };
        this.core.provider.checkRule(this.core.context, rule, `analysis step ${weight}%`, `${who}: analysis.steps[${i}] (${weight}%)`, { before: [], after: [] });
      });
    }
    if (this.canaryWeight > 0 && !props.canary) {
      fail(who, `canaryWeight is ${this.canaryWeight} but there is no canary; add a canary version or set canaryWeight to 0`);
    }
    if (props.mirrorPercent !== undefined) {
      validateNumberRange(who, 'mirrorPercent', props.mirrorPercent, 0, 100);
      if (!props.canary) fail(who, `mirrorPercent is ${props.mirrorPercent} but there is no canary to mirror to; add a canary version or remove mirrorPercent`);
    }

    const rule: RouteRule = {
      destinations: props.canary
        ? split(props.stable.version, props.canary.version, this.canaryWeight)
        : [{ version: props.stable.version, weight: 100 }],
      mirror: props.canary && props.mirrorPercent !== undefined ? { version: props.canary.version, percent: props.mirrorPercent } : undefined,
    };
    if (props.canary && this.canaryWeight > 0 && (props.canary.replicas ?? 1) === 0) {
      fail(who, `canaryWeight is ${this.canaryWeight} but canary version ${JSON.stringify(props.canary.version)} has 0 replicas; scale the canary up first, or set canaryWeight to 0`);
    }
    if (rule.mirror && this.canaryWeight > 0) {
      fail(who, `mirrorPercent mirrors to canary ${JSON.stringify(props.canary!.version)}, which already receives ${this.canaryWeight}% of live traffic; set canaryWeight to 0 while mirroring, or remove mirrorPercent`);
    }
    if (props.stickySessions === undefined) {
      this.core.setDefaultRule(rule);
    } else {
      const sticky = validateStickySessions(who, this.serviceName, props.stickySessions);
      if (props.protocol === ServiceProtocol.GRPC) {
        fail(who, 'stickySessions pin sessions with an HTTP cookie, which gRPC clients do not keep; remove stickySessions, or route a cohort with a HeaderMatchRoute on a header the client sends');
      }
      if (!props.canary) fail(who, 'stickySessions pin users to the canary or the stable version, but there is no canary; add a canary version, or remove stickySessions');
      this.core.checkStickySessions();
      const pinned = stickyRouting(sticky, props.stable.version, props.canary.version, rule.destinations, this.canaryWeight);
      this.core.setDefaultRule({ ...rule, destinations: pinned.destinations }, pinned.rules);
    }

    this.service = this.core.service;
    this.destinationRule = this.core.rendered.destinationRule;
    this.virtualService = this.core.rendered.virtualService;
    this.routingObjects = [...this.core.rendered.objects];
    this.stableDeployment = this.core.deployments.get(props.stable.version)!;
    this.canaryDeployment = props.canary ? this.core.deployments.get(props.canary.version) : undefined;
    if (plan) {
      const { state, ...analysis } = plan;
      // On the provider's main routing object (Istio: the VirtualService; Gateway API: the route).
      this.core.rendered.primary.metadata.addAnnotation(ANALYSIS_ANNOTATION, JSON.stringify(analysis));
      this.core.rendered.primary.metadata.addAnnotation(STATE_ANNOTATION, JSON.stringify(annotationState(state)));
      this.prometheusRule = renderPrometheusRule(this, plan);
      if (props.analysis!.argoPrometheusAddress !== undefined) {
        this.analysisTemplate = renderAnalysisTemplate(this, plan, props.analysis!.argoPrometheusAddress);
      }
    }
    // Last: the validators above give the more specific messages; this catches what they ignore.
    checkProps(`CanaryService '${id}'`, 'CanaryServiceProps', props);
  }

  /**
   * The pods each version runs at least: its replicas, or its autoscaler's `minReplicas`
   * (after `canaryReplicas` applied), e.g. `{ v1: 10, v2: 2 }`.
   */
  public get replicas(): { [version: string]: number } {
    return Object.fromEntries(this.core.routing().versions.map(v => [v.version, v.replicas ?? 0]));
  }

  /**
   * The Deployment of one version. For a version built from a `podTemplate`, its object
   * (`ApiObject.of(...)`) holds the template: change the template, not the cdk8s-plus
   * Deployment (containers, init containers or volumes added to it fail the synth).
   */
  public deploymentOf(version: string): kplus.Deployment {
    const d = this.core.deployments.get(version);
    if (!d) fail(this.core.who, `has no version ${JSON.stringify(version)} (versions: ${this.versions.join(', ')})`);
    return d;
  }

  /** The names of the versions the service runs (stable first). */
  public get versions(): string[] {
    return this.core.versionNames;
  }

  /** The routing model: versions and ordered rules (a copy). */
  public get routing(): ServiceRouting {
    return this.core.routing();
  }

  /**
   * Adds a matched rule before the default split; see `IRoutedService.addRoute`. After the
   * analysis aborted the release, nothing goes to the canary: a rule sending all its traffic
   * to the canary (a cohort) is left out, so its requests take the default route to the stable
   * version; other rules send the canary's share to the stable version and mirror nothing to it.
   */
  public addRoute(rule: RouteRule, source: string): void {
    const aborted = this.abortedCanary;
    if (aborted && rule && Array.isArray(rule.destinations)) {
      const toCanary = (d: { version?: string; host?: string }) => d.version === aborted.canary && d.host === undefined;
      const live = rule.destinations.filter(d => d.weight > 0);
      if (live.length > 0 && live.every(toCanary)) return;
      const canaryWeight = rule.destinations.filter(toCanary).reduce((n, d) => n + d.weight, 0);
      const others = rule.destinations.filter(d => !toCanary(d));
      const stableIndex = others.findIndex(d => d.version === aborted.stable && d.host === undefined);
      const destinations = stableIndex >= 0
        ? others.map((d, i) => i === stableIndex ? { ...d, weight: d.weight + canaryWeight } : d)
        : [...others, ...(canaryWeight > 0 ? [{ version: aborted.stable, weight: canaryWeight }] : [])];
      const mirror = rule.mirror && rule.mirror.version === aborted.canary ? undefined : rule.mirror;
      this.core.addRoute({ ...rule, destinations, mirror }, source);
      return;
    }
    this.core.addRoute(rule, source);
  }
}

/** What `canaryReplicas` asks for, checked. */
function weightScaling(who: string, props: CanaryServiceProps, weight: number): WeightScaling | undefined {
  const policy = props.canaryReplicas;
  if (policy === undefined) return undefined;
  if (!(policy instanceof ReplicaPolicy)) fail(who, `canaryReplicas must be ReplicaPolicy.fixed() or ReplicaPolicy.matchTrafficWeight(), got ${show(policy)}`);
  if (!policy._matchWeight) return undefined;
  if (!props.canary) fail(who, 'canaryReplicas is ReplicaPolicy.matchTrafficWeight() but there is no canary; add a canary version, or remove canaryReplicas');
  if (props.canary.replicas !== undefined) {
    fail(who, `canaryReplicas is ReplicaPolicy.matchTrafficWeight(), which sets the canary's replicas, but canary version ${show(props.canary.version)} sets replicas ${show(props.canary.replicas)}; remove one of them`);
  }
  return { stable: props.stable.version, canary: props.canary.version, weight, dynamicStableScale: policy._dynamicStableScale };
}

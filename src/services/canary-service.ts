import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ServiceCore } from './_service-core';
import { IRoutedService, RoutedServiceOptions, VersionSpec } from './routed-service';
import { ANALYSIS_ANNOTATION, STATE_ANNOTATION, planAnalysis, renderAnalysisTemplate, renderPrometheusRule } from '../analysis/_render';
import { CanaryAnalysis } from '../analysis/canary-analysis';
import { checkArrayProps, checkProps } from '../internal/props';
import { fail, validateIntRange, validateNumberRange } from '../internal/validation';
import { split } from '../model/_util';
import { RouteRule, ServiceRouting } from '../model/routing-model';

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

  private readonly core: ServiceCore;

  public constructor(scope: Construct, id: string, props: CanaryServiceProps) {
    super(scope, id);
    checkArrayProps(`CanaryService '${id}'`, 'CanaryServiceProps', props);
    if (!props.stable || typeof props.stable !== 'object') fail(`CanaryService '${id}'`, `stable must be a VersionSpec, got ${JSON.stringify(props.stable)}`);
    const versions = [props.stable, ...(props.canary ? [props.canary] : []), ...(props.extraVersions ?? [])];
    this.core = new ServiceCore(this, 'CanaryService', props, versions);
    const who = this.core.who;
    this.serviceName = this.core.name;

    if (props.analysis !== undefined && props.canaryWeight !== undefined) {
      fail(who, `canaryWeight is ${props.canaryWeight} but analysis is set, which takes the weight from its state file; remove canaryWeight, or edit the state file`);
    }
    if (props.analysis !== undefined && props.mirrorPercent !== undefined) {
      fail(who, `mirrorPercent is ${props.mirrorPercent} but analysis is set, which sends the canary live traffic; remove mirrorPercent or analysis`);
    }
    const namespace = Chart.of(this).namespace;
    const release = props.canary && { who, service: this.serviceName, namespace, stable: props.stable.version, canary: props.canary.version };
    const plan = props.analysis !== undefined && release ? planAnalysis(release, props.analysis) : undefined;
    this.canaryWeight = plan ? plan.state.weight : validateIntRange(who, 'canaryWeight', props.canaryWeight ?? 0, 0, 100);
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
    this.core.setDefaultRule(rule);

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
      this.core.rendered.primary.metadata.addAnnotation(STATE_ANNOTATION, JSON.stringify(state));
      this.prometheusRule = renderPrometheusRule(this, plan);
      if (props.analysis!.argoPrometheusAddress !== undefined) {
        this.analysisTemplate = renderAnalysisTemplate(this, plan, props.analysis!.argoPrometheusAddress);
      }
    }
    // Last: the validators above give the more specific messages; this catches what they ignore.
    checkProps(`CanaryService '${id}'`, 'CanaryServiceProps', props);
  }

  /** The Deployment of one version. */
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

  /** Adds a matched rule before the default split; see `IRoutedService.addRoute`. */
  public addRoute(rule: RouteRule, source: string): void {
    this.core.addRoute(rule, source);
  }
}

import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ServiceCore, WeightScaling } from './_service-core';
import { ReplicaPolicy } from './replica-policy';
import { IRoutedService, RoutedServiceOptions, VersionSpec } from './routed-service';
import { ANALYSIS_ANNOTATION, planAnalysis, renderAnalysisTemplate, renderPrometheusRule, STATE_ANNOTATION } from '../analysis/_render';
import { annotationState } from '../analysis/_state';
import { CanaryAnalysis } from '../analysis/canary-analysis';
import { checkArrayProps, checkProps } from '../internal/props';
import { fail, show, validateNonEmptyString, validateNumberRange } from '../internal/validation';
import { RequestMatch } from '../model/request-match';
import { RouteRule, ServiceRouting } from '../model/routing-model';
import { TrafficProvider } from '../providers/traffic-provider';

/** The two environments of a `BlueGreenService`. */
export enum Color {
  /** The blue environment. */
  BLUE = 'blue',
  /** The green environment. */
  GREEN = 'green',
}

/** Props of a `BlueGreenService`. */
export interface BlueGreenServiceProps extends RoutedServiceOptions {
  /**
   * The blue environment's version. One colour may be left out while the service starts its
   * life blue-green: the active colour alone, the other added later as the idle one.
   * @default - no blue environment (then `green` is set and active)
   */
  readonly blue?: VersionSpec;

  /**
   * The green environment's version. One colour may be left out: see `blue`.
   * @default - no green environment (then `blue` is set and active)
   */
  readonly green?: VersionSpec;

  /**
   * The colour that receives all production traffic. Flip it to switch; flip it back to
   * roll back. The active colour must have at least one replica.
   */
  readonly active: Color;

  /**
   * Requests that satisfy this match reach the idle colour, so it can be tested without
   * touching production traffic (e.g. header `x-preview: true`). No `HeaderMatchRoute` on
   * the service may match the same headers.
   * @default - no preview route
   */
  readonly previewMatch?: RequestMatch;

  /**
   * A separate host, served at the service's `gateways`, whose traffic all goes to the idle
   * colour (a VirtualService `<service>-preview`), e.g. `preview.api.example.com`.
   * @default - no preview host
   */
  readonly previewHost?: string;

  /**
   * Percent of production traffic copied to the idle colour (responses discarded), from 0
   * to 100: a rehearsal before the switch.
   * @default - no mirroring
   * @see https://istio.io/latest/docs/tasks/traffic-management/mirroring/
   */
  readonly mirrorPercent?: number;

  /**
   * Automated pre-switch analysis of the idle colour, on its preview (`previewMatch`,
   * `previewHost`) or mirrored (`mirrorPercent`) traffic, one of which is required. The switch
   * is one step: when `npx cdk8s-canary advance` records the idle version as promoted in the
   * state file (its checks passed for `bakeTime`), all traffic goes to it, whatever `active`
   * says; then make that colour `active` in code. `steps` do not apply.
   * @default - no analysis: `active` alone decides
   */
  readonly analysis?: CanaryAnalysis;

  /**
   * How many pods the idle colour runs. With `ReplicaPolicy.matchTrafficWeight()`, it is sized
   * for the traffic it takes at the switch, all of it: the active colour's replicas (or
   * autoscaler `minReplicas`), so that flipping `active` never moves the production traffic to
   * fewer pods; the idle colour must then not set `replicas`. Scale it down after a release by
   * going back to `ReplicaPolicy.fixed()` with its own `replicas`.
   * @default ReplicaPolicy.fixed(): the idle colour's own `replicas` or `autoscaling`
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/bluegreen/#previewreplicacount
   */
  readonly idleReplicas?: ReplicaPolicy;
}

/**
 * Two full environments (blue and green) of one app behind one host. All production
 * traffic goes to the `active` colour (a service may start with that colour alone and add
 * the other later, idle); the idle one can be previewed by a match or a preview
 * host, can receive mirrored traffic, and can be scaled to 0 after a release.
 *
 * Renders the same Deployments, Service and DestinationRule as `CanaryService` (one
 * Deployment per version, one subset per version) and a VirtualService sending 100% of the
 * default traffic to the active colour's subset (with `TrafficProvider.gatewayApi()`: a
 * Service per colour and an HTTPRoute).
 *
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/bluegreen/
 */
export class BlueGreenService extends Construct implements IRoutedService {
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
  /**
   * The preview host's VirtualService; set by the Istio provider.
   * @default - none when there is no previewHost, or with another provider: see `previewRoute`
   */
  public readonly previewVirtualService?: ApiObject;
  /**
   * The preview host's route (Istio: the VirtualService `<service>-preview`; Gateway API: the
   * HTTPRoute `<service>-preview`).
   * @default - none when there is no previewHost
   */
  public readonly previewRoute?: ApiObject;
  /**
   * The blue version's Deployment.
   * @default - none when `blue` is not set
   */
  public readonly blueDeployment?: kplus.Deployment;
  /**
   * The green version's Deployment.
   * @default - none when `green` is not set
   */
  public readonly greenDeployment?: kplus.Deployment;
  /** The colour that receives production traffic. */
  public readonly active: Color;
  /** The version that receives production traffic. */
  public readonly activeVersion: string;
  /**
   * The version of the idle colour.
   * @default - none while the service runs one colour
   */
  public readonly idleVersion?: string;
  /**
   * The PrometheusRule (monitoring.coreos.com/v1) of the pre-switch analysis.
   * @default - none without `analysis`
   */
  public readonly prometheusRule?: ApiObject;
  /**
   * The Argo Rollouts AnalysisTemplate (argoproj.io/v1alpha1) of the pre-switch analysis.
   * @default - none unless `analysis.argoPrometheusAddress` is set
   */
  public readonly analysisTemplate?: ApiObject;

  private readonly core: ServiceCore;

  public constructor(scope: Construct, id: string, props: BlueGreenServiceProps) {
    super(scope, id);
    const who = `BlueGreenService '${id}'`;
    checkArrayProps(who, 'BlueGreenServiceProps', props);
    for (const color of ['blue', 'green'] as const) {
      if (props[color] !== undefined && (props[color] === null || typeof props[color] !== 'object')) {
        fail(who, `${color} must be a VersionSpec, got ${show(props[color])}`);
      }
    }
    if (props.blue === undefined && props.green === undefined) {
      fail(who, 'blue and green are both unset; set the colour that serves traffic (e.g. blue) and make it active');
    }
    if (!Object.values(Color).includes(props.active)) {
      fail(who, `active must be Color.BLUE or Color.GREEN, got ${show(props.active)}`);
    }
    if (props.blue?.version !== undefined && props.blue.version === props.green?.version) {
      fail(who, `blue and green must run different versions, got ${show(props.blue.version)} for both; give the new release its own version`);
    }
    this.active = props.active;
    const [active, idle] = props.active === Color.BLUE ? [props.blue, props.green] : [props.green, props.blue];
    const idleColor = props.active === Color.BLUE ? Color.GREEN : Color.BLUE;
    if (active === undefined) {
      fail(who, `active is ${props.active} but ${props.active} is not set; set ${props.active}, or make ${idleColor} active`);
    }
    if ((active.replicas ?? 1) === 0) {
      fail(who, `active is ${props.active} but ${props.active} version ${show(active.version)} has 0 replicas; scale ${props.active} up before switching to it`);
    }
    // The idle colour, when set, comes second (blue, then green, as before).
    const specs = [props.blue, props.green].filter((v): v is VersionSpec => v !== undefined);

    this.core = new ServiceCore(this, 'BlueGreenService', props, specs, idle === undefined ? undefined : idleScaling(who, props, active, idle, idleColor));
    this.serviceName = this.core.name;
    const idleScaledDown = idle !== undefined && (idle.replicas ?? 1) === 0;
    // Preview, mirror and analysis reach the idle colour: it must exist.
    const needIdle = (prop: string) => {
      if (idle === undefined) fail(who, `${prop} reaches the idle colour ${idleColor}, which is not set; set ${idleColor}, or remove ${prop}`);
      return idle;
    };

    if (props.mirrorPercent !== undefined) {
      validateNumberRange(who, 'mirrorPercent', props.mirrorPercent, 0, 100);
      needIdle('mirrorPercent');
      if (idleScaledDown) {
        fail(who, `mirrorPercent mirrors to the idle ${idleColor} version ${show(idle.version)}, which has 0 replicas; scale ${idleColor} up, or remove mirrorPercent`);
      }
    }
    if (props.previewMatch !== undefined) {
      if (!(props.previewMatch instanceof RequestMatch)) fail(who, `previewMatch must be a RequestMatch, got ${show(props.previewMatch)}`);
      const target = needIdle('previewMatch');
      if (idleScaledDown) {
        fail(who, `previewMatch routes to the idle ${idleColor} version ${show(target.version)}, which has 0 replicas; scale ${idleColor} up, or remove previewMatch`);
      }
      this.core.addReservedRoute({ name: 'preview', matches: [props.previewMatch], destinations: [{ version: target.version, weight: 100 }] }, who);
    }
    if (props.previewHost !== undefined) {
      validateNonEmptyString(who, 'previewHost', props.previewHost);
      const target = needIdle('previewHost');
      if (idleScaledDown) {
        fail(who, `previewHost routes to the idle ${idleColor} version ${show(target.version)}, which has 0 replicas; scale ${idleColor} up, or remove previewHost`);
      }
      const preview = this.core.addPreviewHost(props.previewHost, target.version);
      this.previewRoute = preview.route;
      this.previewVirtualService = preview.virtualService;
    }

    let plan;
    if (props.analysis !== undefined) {
      if (props.previewMatch === undefined && props.previewHost === undefined && props.mirrorPercent === undefined) {
        fail(who, 'analysis checks the idle colour on its preview or mirrored traffic, but there is none; set previewMatch, previewHost or mirrorPercent');
      }
      const target = needIdle('analysis');
      const namespace = Chart.of(this).namespace;
      const provider = props.provider ?? TrafficProvider.istio();
      const versions = { stable: active.version, canary: target.version };
      const release = { who, service: this.serviceName, namespace, ...versions, preSwitch: true, provider, root: this.node.root };
      plan = planAnalysis(release, props.analysis);
    }
    // Switched by the analysis: all traffic to the idle version, nothing mirrored. Aborted:
    // nothing mirrored to the idle version any more.
    const switched = plan?.state.status === 'promoted' && idle !== undefined;
    const aborted = plan?.state.status === 'aborted';
    this.activeVersion = switched ? idle.version : active.version;
    this.idleVersion = switched ? active.version : idle?.version;
    this.core.setDefaultRule({
      destinations: [{ version: switched ? idle.version : active.version, weight: 100 }],
      mirror: props.mirrorPercent !== undefined && !switched && !aborted && idle !== undefined
        ? { version: idle.version, percent: props.mirrorPercent } : undefined,
    });

    this.service = this.core.service;
    this.destinationRule = this.core.rendered.destinationRule;
    this.virtualService = this.core.rendered.virtualService;
    this.routingObjects = [...this.core.rendered.objects];
    this.blueDeployment = props.blue ? this.core.deployments.get(props.blue.version) : undefined;
    this.greenDeployment = props.green ? this.core.deployments.get(props.green.version) : undefined;
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
    checkProps(who, 'BlueGreenServiceProps', props);
  }

  /**
   * The pods each version runs at least: its replicas, or its autoscaler's `minReplicas`
   * (after `idleReplicas` applied), e.g. `{ v1: 6, v2: 6 }`.
   */
  public get replicas(): { [version: string]: number } {
    return Object.fromEntries(this.core.routing().versions.map(v => [v.version, v.replicas ?? 0]));
  }

  /** The names of the versions the service runs: blue, then green (one while one colour is set). */
  public get versions(): string[] {
    return this.core.versionNames;
  }

  /** The routing model: versions and ordered rules (a copy). */
  public get routing(): ServiceRouting {
    return this.core.routing();
  }

  /** Adds a matched rule before the default route; see `IRoutedService.addRoute`. */
  public addRoute(rule: RouteRule, source: string): void {
    this.core.addRoute(rule, source);
  }
}

/** What `idleReplicas` asks for, checked: the idle colour sized for all the traffic. */
function idleScaling(who: string, props: BlueGreenServiceProps, active: VersionSpec, idle: VersionSpec, idleColor: Color): WeightScaling | undefined {
  const policy = props.idleReplicas;
  if (policy === undefined) return undefined;
  if (!(policy instanceof ReplicaPolicy)) fail(who, `idleReplicas must be ReplicaPolicy.fixed() or ReplicaPolicy.matchTrafficWeight(), got ${show(policy)}`);
  if (!policy._matchWeight) return undefined;
  if (policy._dynamicStableScale) {
    fail(who, 'idleReplicas is ReplicaPolicy.matchTrafficWeight({ dynamicStableScale: true }), but a blue-green switch moves all traffic at once: the active colour keeps its replicas; remove dynamicStableScale');
  }
  if (idle.replicas !== undefined) {
    fail(who, `idleReplicas is ReplicaPolicy.matchTrafficWeight(), which sizes the idle ${idleColor} version ${show(idle.version)} like the active one, but it sets replicas ${show(idle.replicas)}; remove one of them`);
  }
  return { stable: active.version, canary: idle.version, weight: 100, dynamicStableScale: false };
}

import { Duration } from 'cdk8s';
import { MetricCheck } from './metric-check';

/**
 * Which Istio proxy reports the metrics the checks read (the `reporter` label).
 * @see https://istio.io/latest/docs/reference/config/metrics/#labels
 */
export enum IstioReporter {
  /** The canary's own sidecar (`reporter="destination"`): every request the canary served. */
  DESTINATION = 'destination',
  /** The callers' sidecars or gateways (`reporter="source"`). */
  SOURCE = 'source',
  /** The ambient mode waypoint proxy in front of the canary (`reporter="waypoint"`). */
  WAYPOINT = 'waypoint',
}

/**
 * Automated canary analysis: the checks a canary must pass, the steps of its release, and the
 * state file that records where the release is.
 *
 * The release's current step is read from `stateFile` at synth, so advancing a release
 * changes that file (by `npx cdk8s-canary advance`, or by hand) and the synthesized YAML,
 * never the TypeScript. The analysis is written to the VirtualService's
 * `cdk8s-canary.io/analysis` annotation and the state to `cdk8s-canary.io/analysis-state`, so `npx cdk8s-canary analyze <dist>` needs only the
 * synth output; a Prometheus Operator `PrometheusRule` records every check and alerts when
 * the canary fails one.
 *
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusRule
 */
export interface CanaryAnalysis {
  /** The checks the canary must pass before each step (at least one). */
  readonly checks: MetricCheck[];

  /**
   * The JSON state file, committed beside the app, that records the release's current weight,
   * since when, and failed checks (keyed by service name). Relative paths are resolved from
   * the working directory of the synth (the app's directory). A missing file, or one without
   * this service's canary version, means the canary is deployed at weight 0.
   */
  readonly stateFile: string;

  /**
   * The canary weights of the release, in percent: increasing integers from 1 to 100. After
   * the last step the release is promoted (weight 100).
   * @default [5, 10, 20, 50, 100]
   */
  readonly steps?: number[];

  /**
   * How long each step must run, with every check passing, before the next one.
   * @default Duration.minutes(5)
   */
  readonly bakeTime?: Duration;

  /**
   * The window each check is computed over (the PromQL range), from 10 seconds to 1 day in
   * whole seconds.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;

  /**
   * The fewest canary requests in the interval for the checks to count: with fewer the
   * verdict is hold, never advance.
   * @default 10
   */
  readonly minRequests?: number;

  /**
   * How many failed evaluations abort the release (canary weight back to 0), from 1 to 100.
   * @default 2
   */
  readonly failureThreshold?: number;

  /**
   * Which Istio proxy's metrics the checks read.
   * @default IstioReporter.DESTINATION
   */
  readonly reporter?: IstioReporter;

  /**
   * When set, also synthesize an Argo Rollouts `AnalysisTemplate` with the same checks,
   * querying the Prometheus server at this URL, for teams that verify promotions with Argo
   * Rollouts or Kargo.
   * @default - no AnalysisTemplate
   * @see https://argo-rollouts.readthedocs.io/en/stable/analysis/prometheus/
   */
  readonly argoPrometheusAddress?: string;
}

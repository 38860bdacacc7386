import { Duration } from 'cdk8s';
import { MetricCheck } from './metric-check';
import { IstioReporter, MetricSource } from './metric-source';

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
   * since when, the last evaluation and failed checks (keyed by `<namespace>/<service>`).
   * A relative path is resolved against the app's directory: the working directory of the
   * synth (`cdk8s synth` runs the app in the directory of `cdk8s.yaml`). The file must exist:
   * `{"releases": {}}` is an empty state (every canary at weight 0); a missing file fails the
   * synth, naming the absolute path it looked for. An entry for another canary version means
   * this canary is deployed at weight 0.
   */
  readonly stateFile: string;

  /**
   * The namespace the release runs in, for its metrics and its state file entry. Required
   * when the chart has no namespace (else every namespace's metrics would be summed).
   * @default - the chart's namespace
   */
  readonly namespace?: string;

  /**
   * Where the built-in checks and the `minRequests` gate read requests, 5xx answers and
   * request durations.
   * @default - the traffic provider's: Istio's destination reporter for `istio()`, the
   * waypoint reporter for `gatewayApi({ waypoint })`, ingress-nginx's metrics for
   * `ingressNginx()`; none for `kubernetes()` and `gatewayApi()` without a waypoint (set one)
   */
  readonly metricSource?: MetricSource;

  /**
   * How long a release may go without a passing evaluation at its current step before it
   * aborts, from 1 minute to 1 day in whole seconds. The time counts from the first
   * evaluation that could not pass: a failed evaluation, no canary requests while the stable
   * version served some, fewer than `minRequests` canary requests with 5xx answers among them,
   * or a check without a usable number. Too few canary requests and no 5xx does not count.
   * @default Duration.minutes(10)
   */
  readonly progressDeadline?: Duration;

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
   * The resolution of every check, from 10 seconds to 1 day in whole seconds: each
   * evaluation judges every interval-long window since the release's previous evaluation, and
   * a check fails when it fails in any of them.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;

  /**
   * The fewest canary requests in an interval for the checks of that window to count: a
   * window with fewer is not judged, and when no window since the previous evaluation has
   * enough the verdict is hold (see `progressDeadline` for when that aborts), never advance.
   * @default 10
   */
  readonly minRequests?: number;

  /**
   * How many failed evaluations abort the release (canary weight back to 0), from 1 to 100.
   * @default 2
   */
  readonly failureThreshold?: number;

  /**
   * Which Istio proxy's metrics the checks read: the same as
   * `metricSource: MetricSource.istio({ reporter })` (do not set both).
   * @default - see `metricSource`
   */
  readonly reporter?: IstioReporter;

  /**
   * When set, also synthesize an Argo Rollouts `AnalysisTemplate` with the same checks and
   * request gate, querying the Prometheus server at this URL, for teams that verify
   * promotions with Argo Rollouts or Kargo: finite (`count` = bake time / interval), and
   * `failureLimit`, `consecutiveErrorLimit` and `inconclusiveLimit` from the thresholds.
   * @default - no AnalysisTemplate
   * @see https://argo-rollouts.readthedocs.io/en/stable/analysis/prometheus/
   */
  readonly argoPrometheusAddress?: string;
}

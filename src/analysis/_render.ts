// Rendering of a CanaryService's analysis (internal): the weight from the state file, the
// `cdk8s-canary.io/analysis` annotation the CLI reads, the PrometheusRule and the optional
// Argo Rollouts AnalysisTemplate.
import * as path from 'path';
import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ANALYSIS_FORMAT_VERSION } from './_annotations';
import { CheckContext, ReleaseSeries, RenderedCheck, requestsPromql, VersionSeries } from './_promql';
import { initialState, readStateFile, releaseKey, ReleaseState } from './_state';
import { CanaryAnalysis } from './canary-analysis';
import { MetricCheck } from './metric-check';
import { IstioReporter, MetricSource } from './metric-source';
import { fail, show, validateDns1123Label, validateIntRange, validateNonEmptyString, validateUnique } from '../internal/validation';
import { TrafficProvider } from '../providers/traffic-provider';

export { ANALYSIS_ANNOTATION, ANALYSIS_FORMAT_VERSION, STATE_ANNOTATION } from './_annotations';

/** What the annotations hold (JSON): the state in its own annotation, so a step's diff is one line. */
export interface AnalysisDocument {
  readonly version: 2;
  readonly service: string;
  readonly namespace: string;
  readonly stable: string;
  readonly canary: string;
  /**
   * A blue-green switch: the checks run on the idle version's preview or mirrored traffic at
   * weight 0, and advancing switches all traffic to it (one step, 100).
   */
  readonly preSwitch?: boolean;
  readonly steps: number[];
  readonly bakeSeconds: number;
  readonly intervalSeconds: number;
  readonly progressDeadlineSeconds: number;
  readonly minRequests: number;
  readonly failureThreshold: number;
  /** What reports the series, for messages. */
  readonly source: string;
  /** The series selectors of each version's requests, 5xx answers and duration buckets. */
  readonly series: { readonly canary: VersionSeries; readonly stable: VersionSeries };
  /** Canary requests in one interval. */
  readonly requests: string;
  readonly checks: RenderedCheck[];
  /** The state the YAML was synthesized from. */
  readonly state: ReleaseState;
}

export interface AnalysisInput {
  readonly who: string;
  readonly service: string;
  /** The chart's namespace. */
  readonly namespace?: string;
  readonly stable: string;
  readonly canary: string;
  /** The service's traffic provider (for its default metric source). */
  readonly provider: TrafficProvider;
  /** The construct tree's root: two releases of one app never share a state entry. */
  readonly root: Construct;
  /** Blue-green: analyse the idle version before the switch. */
  readonly preSwitch?: boolean;
}

const DEFAULT_STEPS = [5, 10, 20, 50, 100];
const REPORTERS = Object.values(IstioReporter) as string[];

/** The state file entries each app's releases use: absolute file -> keys. */
const ENTRIES = new WeakMap<Construct, Map<string, string>>();

function seconds(who: string, prop: string, value: unknown, min: number, max: number): number {
  if (!(value instanceof Duration)) fail(who, `${prop} must be a Duration, got ${show(value)}`);
  const s = value.toMilliseconds() / 1000;
  if (!Number.isInteger(s) || s < min || s > max) fail(who, `${prop} must be whole seconds from ${min} to ${max}, got ${value.toMilliseconds() / 1000} seconds`);
  return s;
}

function metricSource(who: string, analysis: CanaryAnalysis, provider: TrafficProvider): MetricSource {
  const reporter = analysis.reporter;
  if (reporter !== undefined && !REPORTERS.includes(reporter)) fail(who, `analysis.reporter must be one of ${REPORTERS.join(', ')}, got ${show(reporter)}`);
  if (analysis.metricSource !== undefined) {
    if (!(analysis.metricSource instanceof MetricSource)) fail(who, `analysis.metricSource must be a MetricSource (MetricSource.istio, .ingressNginx or .custom), got ${show(analysis.metricSource)}`);
    if (reporter !== undefined) fail(who, `analysis.reporter is ${show(reporter)} but analysis.metricSource is set too; remove reporter, or use metricSource: MetricSource.istio({ reporter })`);
    return analysis.metricSource;
  }
  if (reporter !== undefined) return MetricSource.istio({ reporter });
  // The provider's metrics face: its data plane's own metrics, if it has any.
  const metrics = provider._impl.metrics?.() ?? { described: provider._impl.displayName };
  const source = metrics.source;
  if (!source) {
    fail(who, `analysis.metricSource must be set with ${metrics.described}, which has no metrics of its own to analyse; `
      + 'set metricSource to MetricSource.istio({ reporter }) (a sidecar or ambient mesh), MetricSource.ingressNginx() (traffic through ingress-nginx) '
      + 'or MetricSource.custom({ requests, errors, durationBuckets }) (the application\'s or another data plane\'s metrics)');
  }
  return source;
}

/** Validates the analysis, reads the state file and renders the analysis document. */
export function planAnalysis(input: AnalysisInput, analysis: CanaryAnalysis): AnalysisDocument {
  const who = input.who;
  if (!analysis || typeof analysis !== 'object') fail(who, `analysis must be a CanaryAnalysis, got ${show(analysis)}`);
  const stateFile = path.resolve(validateNonEmptyString(who, 'analysis.stateFile', analysis.stateFile));
  if (analysis.namespace !== undefined) {
    validateDns1123Label(who, 'analysis.namespace', analysis.namespace);
    if (input.namespace !== undefined && input.namespace !== analysis.namespace) {
      fail(who, `analysis.namespace is ${show(analysis.namespace)} but the chart's namespace is ${show(input.namespace)}; remove analysis.namespace (it is for charts without a namespace)`);
    }
  }
  const namespace = analysis.namespace ?? input.namespace;
  if (namespace === undefined) {
    fail(who, 'analysis needs the namespace the release runs in, but the chart has none (its metrics would be summed over every namespace); '
      + 'give the Chart a namespace, or set analysis.namespace');
  }
  // It reaches PromQL and the state file's keys: a Kubernetes namespace name, nothing else.
  validateDns1123Label(who, "the chart's namespace", namespace);
  if (input.preSwitch && analysis.steps !== undefined) fail(who, `analysis.steps do not apply to a blue-green switch (one step: all traffic), got ${show(analysis.steps)}; remove steps`);
  const steps = input.preSwitch ? [100] : analysis.steps ?? DEFAULT_STEPS;
  if (!Array.isArray(steps) || steps.length === 0) fail(who, `analysis.steps must be a non-empty list of weights, got ${show(steps)}`);
  steps.forEach((s, i) => {
    validateIntRange(who, `analysis.steps[${i}]`, s, 1, 100);
    if (i > 0 && s <= steps[i - 1]) fail(who, `analysis.steps must increase, got ${s} after ${steps[i - 1]}`);
  });
  const bakeSeconds = seconds(who, 'analysis.bakeTime', analysis.bakeTime ?? Duration.minutes(5), 0, 7 * 86400);
  const intervalSeconds = seconds(who, 'analysis.interval', analysis.interval ?? Duration.minutes(1), 10, 86400);
  const progressDeadlineSeconds = seconds(who, 'analysis.progressDeadline', analysis.progressDeadline ?? Duration.minutes(10), 60, 86400);
  if (progressDeadlineSeconds < intervalSeconds) {
    fail(who, `analysis.progressDeadline (${progressDeadlineSeconds}s) must be at least analysis.interval (${intervalSeconds}s)`);
  }
  const minRequests = validateIntRange(who, 'analysis.minRequests', analysis.minRequests ?? 10, 0, 1_000_000_000);
  const failureThreshold = validateIntRange(who, 'analysis.failureThreshold', analysis.failureThreshold ?? 2, 1, 100);
  if (analysis.argoPrometheusAddress !== undefined && !/^https?:\/\/\S+$/.test(String(analysis.argoPrometheusAddress))) {
    fail(who, `analysis.argoPrometheusAddress must be an http:// or https:// URL, got ${show(analysis.argoPrometheusAddress)}`);
  }
  if (!Array.isArray(analysis.checks) || analysis.checks.length === 0) fail(who, `analysis.checks must list at least one MetricCheck, got ${show(analysis.checks)}`);
  const source = metricSource(who, analysis, input.provider);
  const series: ReleaseSeries = source._series({ who, service: input.service, namespace, stable: input.stable, canary: input.canary });

  const interval = `${intervalSeconds}s`;
  const ctx: CheckContext = { who, interval, service: input.service, namespace, stable: input.stable, canary: input.canary, series };
  const checks = analysis.checks.map((c, i) => {
    if (!(c instanceof MetricCheck)) fail(who, `analysis.checks[${i}] must be a MetricCheck (MetricCheck.successRate, .latency, .query, ...), got ${show(c)}`);
    return c._render(ctx, i);
  });
  validateUnique(who, 'analysis check names', checks, c => c.name);

  // One state entry per release of the app.
  const key = releaseKey(namespace, input.service);
  const entries = ENTRIES.get(input.root) ?? new Map<string, string>();
  ENTRIES.set(input.root, entries);
  const entry = `${stateFile}\n${key}`;
  if (entries.has(entry)) {
    fail(who, `analysis: ${entries.get(entry)} already keeps its release in ${stateFile} under ${JSON.stringify(key)}; two releases cannot share a state entry: give this one another namespace or state file`);
  }
  entries.set(entry, who);

  let state: ReleaseState;
  try {
    state = readStateFile(stateFile).releases[key];
  } catch (e) {
    fail(who, `analysis.stateFile: ${(e as Error).message}`);
  }
  if (!state || state.version !== input.canary) state = initialState(input.canary);
  const allowed = state.status === 'promoted' ? [100] : state.status === 'aborted' || input.preSwitch ? [0] : [0, ...steps];
  if (!allowed.includes(state.weight)) {
    fail(who, `analysis.stateFile ${stateFile}: ${JSON.stringify(key)} is a ${state.status} release, whose weight must be ${allowed.join(', ')}, got ${state.weight}`);
  }

  return {
    version: ANALYSIS_FORMAT_VERSION,
    service: input.service,
    namespace,
    stable: input.stable,
    canary: input.canary,
    ...(input.preSwitch ? { preSwitch: true } : {}),
    steps: [...steps],
    bakeSeconds,
    intervalSeconds,
    progressDeadlineSeconds,
    minRequests,
    failureThreshold,
    source: series.description,
    series: { canary: series.canary, stable: series.stable },
    requests: requestsPromql(series.canary, interval),
    checks,
    state,
  };
}

/** `>= 99`, `<= 500`, `from -1 to 1`. */
export function thresholdText(check: { min?: number; max?: number }): string {
  if (check.min !== undefined && check.max !== undefined) return `>= ${check.min} and <= ${check.max}`;
  return check.min !== undefined ? `>= ${check.min}` : `<= ${check.max}`;
}

/** The PromQL of a failing check: the recorded value outside its bounds. */
function failingExpr(series: string, check: RenderedCheck): string {
  const parts: string[] = [];
  if (check.min !== undefined) parts.push(`${series} < ${check.min}`);
  if (check.max !== undefined) parts.push(`${series} > ${check.max}`);
  return parts.join(' or ');
}

/** The PrometheusRule: one recording rule per check plus the request count, and an alert per check. */
export function renderPrometheusRule(scope: Construct, doc: AnalysisDocument): ApiObject {
  const labels = { canary_namespace: doc.namespace, canary_service: doc.service, canary_version: doc.canary };
  const matcher = `canary_namespace="${doc.namespace}",canary_service="${doc.service}",canary_version="${doc.canary}"`;
  const rules: any[] = [
    { record: 'cdk8s_canary:requests:increase', expr: doc.requests, labels },
    ...doc.checks.map(c => ({ record: 'cdk8s_canary:check:value', expr: c.promql, labels: { ...labels, check: c.name } })),
    ...doc.checks.map(c => ({
      alert: 'CanaryCheckFailing',
      // Only while the canary has enough requests for the check to count.
      expr: `(${failingExpr(`cdk8s_canary:check:value{${matcher},check="${c.name}"}`, c)}) and on() (cdk8s_canary:requests:increase{${matcher}} >= ${doc.minRequests})`,
      for: `${doc.intervalSeconds * doc.failureThreshold}s`,
      labels: { ...labels, check: c.name, severity: 'warning' },
      annotations: {
        summary: `Canary ${doc.namespace}/${doc.service} ${doc.canary} fails check ${c.name}`,
        description: `${c.name} of ${doc.namespace}/${doc.service} ${doc.canary} is {{ $value }}, which must be ${thresholdText(c)}; 'npx cdk8s-canary advance' aborts the release after ${doc.failureThreshold} failed evaluations.`,
      },
    })),
  ];
  return new ApiObject(scope, 'PrometheusRule', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: `${doc.service}-canary-analysis`, labels: { app: doc.service } },
    spec: { groups: [{ name: `cdk8s-canary.${doc.namespace}.${doc.service}`, interval: `${doc.intervalSeconds}s`, rules }] },
  });
}

/**
 * The Argo Rollouts AnalysisTemplate with the same checks and request gate, following Argo's
 * rules (a metric fails when its failed measurements exceed `failureLimit`, is inconclusive when
 * its inconclusive ones exceed `inconclusiveLimit`, errs when consecutive errors exceed
 * `consecutiveErrorLimit`, and succeeds once `count` measurements are taken otherwise). Each
 * metric takes `count` measurements, one per interval over the bake time, so the run completes.
 * The gate (`requests`) is inconclusive in an interval below `minRequests` and, with
 * `inconclusiveLimit` = `count - 1`, inconclusive overall when no interval had enough (where
 * `advance` holds); a check is judged only in intervals with enough requests (its query is
 * empty otherwise, which passes). `failureLimit` is `failureThreshold - 1`, and
 * `consecutiveErrorLimit` the intervals in `progressDeadline` less one.
 */
export function renderAnalysisTemplate(scope: Construct, doc: AnalysisDocument, address: string): ApiObject {
  const count = Math.max(1, Math.ceil(doc.bakeSeconds / doc.intervalSeconds));
  const deadlineIntervals = Math.max(1, Math.floor(doc.progressDeadlineSeconds / doc.intervalSeconds));
  const gate = doc.minRequests > 0 ? ` and on() (${doc.requests} >= ${doc.minRequests})` : '';
  const condition = (c: RenderedCheck) => {
    const parts: string[] = [];
    if (c.min !== undefined) parts.push(`result[0] >= ${c.min}`);
    if (c.max !== undefined) parts.push(`result[0] <= ${c.max}`);
    return `len(result) == 0 || (${parts.join(' && ')})`;
  };
  const common = { interval: `${doc.intervalSeconds}s`, count, failureLimit: doc.failureThreshold - 1, consecutiveErrorLimit: deadlineIntervals - 1 };
  return new ApiObject(scope, 'AnalysisTemplate', {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: `${doc.service}-canary-analysis`, labels: { app: doc.service } },
    spec: {
      metrics: [
        {
          name: 'requests',
          ...common,
          // Too few requests is neither success nor failure: inconclusive.
          successCondition: `len(result) > 0 && result[0] >= ${doc.minRequests}`,
          failureCondition: 'false',
          inconclusiveLimit: count - 1,
          provider: { prometheus: { address, query: `${doc.requests} or on() vector(0)` } },
        },
        ...doc.checks.map(c => ({
          name: c.name,
          ...common,
          successCondition: condition(c),
          provider: { prometheus: { address, query: `(${c.promql})${gate}` } },
        })),
      ],
    },
  });
}

// Rendering of a CanaryService's analysis (internal): the weight from the state file, the
// `cdk8s-canary.io/analysis` annotation the CLI reads, the PrometheusRule and the optional
// Argo Rollouts AnalysisTemplate.
import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { CheckContext, ISTIO_REQUESTS, RenderedCheck } from './_promql';
import { readStateFile, ReleaseState } from './_state';
import { CanaryAnalysis, IstioReporter } from './canary-analysis';
import { MetricCheck } from './metric-check';
import { fail, show, validateIntRange, validateNonEmptyString, validateUnique } from '../internal/validation';

/** The VirtualService annotation that carries the analysis (without the state). */
export const ANALYSIS_ANNOTATION = 'cdk8s-canary.io/analysis';
/** The VirtualService annotation that carries the state the YAML was synthesized from. */
export const STATE_ANNOTATION = 'cdk8s-canary.io/analysis-state';

/** What the annotations hold (JSON): the state in its own annotation, so a step's diff is one line. */
export interface AnalysisDocument {
  readonly version: 1;
  readonly service: string;
  readonly namespace?: string;
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
  readonly minRequests: number;
  readonly failureThreshold: number;
  /** Canary requests in the interval. */
  readonly requests: string;
  /** Counter resets of the canary's request counter in the interval. */
  readonly resets: string;
  readonly checks: RenderedCheck[];
  /** The state the YAML was synthesized from. */
  readonly state: ReleaseState;
}

export interface AnalysisInput {
  readonly who: string;
  readonly service: string;
  readonly namespace?: string;
  readonly stable: string;
  readonly canary: string;
  /** Blue-green: analyse the idle version before the switch. */
  readonly preSwitch?: boolean;
}

const DEFAULT_STEPS = [5, 10, 20, 50, 100];
const REPORTERS = Object.values(IstioReporter) as string[];

function seconds(who: string, prop: string, value: unknown, min: number, max: number): number {
  if (!(value instanceof Duration)) fail(who, `${prop} must be a Duration, got ${show(value)}`);
  const s = value.toMilliseconds() / 1000;
  if (!Number.isInteger(s) || s < min || s > max) fail(who, `${prop} must be whole seconds from ${min} to ${max}, got ${value.toMilliseconds() / 1000} seconds`);
  return s;
}

/** Label matchers of one version's Istio metrics. */
function selector(reporter: string, input: AnalysisInput, version: string): string {
  return [
    // Label values as PromQL strings (JSON's escapes are Go's): a namespace cannot close the quote.
    `reporter=${JSON.stringify(reporter)}`,
    `destination_service_name=${JSON.stringify(input.service)}`,
    ...(input.namespace ? [`destination_service_namespace=${JSON.stringify(input.namespace)}`] : []),
    `destination_workload=${JSON.stringify(`${input.service}-${version}`)}`,
    `destination_version=${JSON.stringify(version)}`,
  ].join(',');
}

/** Validates the analysis, reads the state file and renders the analysis document. */
export function planAnalysis(input: AnalysisInput, analysis: CanaryAnalysis): AnalysisDocument {
  const who = input.who;
  if (!analysis || typeof analysis !== 'object') fail(who, `analysis must be a CanaryAnalysis, got ${show(analysis)}`);
  const stateFile = validateNonEmptyString(who, 'analysis.stateFile', analysis.stateFile);
  if (input.preSwitch && analysis.steps !== undefined) fail(who, `analysis.steps do not apply to a blue-green switch (one step: all traffic), got ${show(analysis.steps)}; remove steps`);
  const steps = input.preSwitch ? [100] : analysis.steps ?? DEFAULT_STEPS;
  if (!Array.isArray(steps) || steps.length === 0) fail(who, `analysis.steps must be a non-empty list of weights, got ${show(steps)}`);
  steps.forEach((s, i) => {
    validateIntRange(who, `analysis.steps[${i}]`, s, 1, 100);
    if (i > 0 && s <= steps[i - 1]) fail(who, `analysis.steps must increase, got ${s} after ${steps[i - 1]}`);
  });
  const bakeSeconds = seconds(who, 'analysis.bakeTime', analysis.bakeTime ?? Duration.minutes(5), 0, 7 * 86400);
  const intervalSeconds = seconds(who, 'analysis.interval', analysis.interval ?? Duration.minutes(1), 10, 86400);
  const minRequests = validateIntRange(who, 'analysis.minRequests', analysis.minRequests ?? 10, 0, 1_000_000_000);
  const failureThreshold = validateIntRange(who, 'analysis.failureThreshold', analysis.failureThreshold ?? 2, 1, 100);
  const reporter = analysis.reporter ?? IstioReporter.DESTINATION;
  if (!REPORTERS.includes(reporter)) fail(who, `analysis.reporter must be one of ${REPORTERS.join(', ')}, got ${show(reporter)}`);
  if (analysis.argoPrometheusAddress !== undefined && !/^https?:\/\/\S+$/.test(String(analysis.argoPrometheusAddress))) {
    fail(who, `analysis.argoPrometheusAddress must be an http:// or https:// URL, got ${show(analysis.argoPrometheusAddress)}`);
  }
  if (!Array.isArray(analysis.checks) || analysis.checks.length === 0) fail(who, `analysis.checks must list at least one MetricCheck, got ${show(analysis.checks)}`);

  const interval = `${intervalSeconds}s`;
  const ctx: CheckContext = {
    who,
    interval,
    service: input.service,
    namespace: input.namespace,
    stable: input.stable,
    canary: input.canary,
    canarySelector: selector(reporter, input, input.canary),
    stableSelector: selector(reporter, input, input.stable),
  };
  const checks = analysis.checks.map((c, i) => {
    if (!(c instanceof MetricCheck)) fail(who, `analysis.checks[${i}] must be a MetricCheck (MetricCheck.successRate, .latency, .query, ...), got ${show(c)}`);
    return c._render(ctx, i);
  });
  validateUnique(who, 'analysis check names', checks, c => c.name);

  let state: ReleaseState;
  try {
    state = readStateFile(stateFile).releases[input.service];
  } catch (e) {
    fail(who, `analysis.stateFile: ${(e as Error).message}`);
  }
  if (!state || state.version !== input.canary) {
    state = { version: input.canary, weight: 0, status: 'progressing', failures: 0 };
  }
  const allowed = state.status === 'promoted' ? [100] : state.status === 'aborted' || input.preSwitch ? [0] : [0, ...steps];
  if (!allowed.includes(state.weight)) {
    fail(who, `analysis.stateFile ${JSON.stringify(stateFile)}: a ${state.status} release's weight must be ${allowed.join(', ')}, got ${state.weight}`);
  }

  return {
    version: 1,
    service: input.service,
    namespace: input.namespace,
    stable: input.stable,
    canary: input.canary,
    ...(input.preSwitch ? { preSwitch: true } : {}),
    steps: [...steps],
    bakeSeconds,
    intervalSeconds,
    minRequests,
    failureThreshold,
    requests: `sum(increase(${ISTIO_REQUESTS}{${ctx.canarySelector}}[${interval}]))`,
    resets: `sum(resets(${ISTIO_REQUESTS}{${ctx.canarySelector}}[${interval}]))`,
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
  const labels = { canary_service: doc.service, canary_version: doc.canary };
  const matcher = `canary_service="${doc.service}",canary_version="${doc.canary}"`;
  const rules: any[] = [
    { record: 'cdk8s_canary:requests:increase', expr: doc.requests, labels },
    ...doc.checks.map(c => ({ record: 'cdk8s_canary:check:value', expr: c.promql, labels: { ...labels, check: c.name } })),
    ...doc.checks.map(c => ({
      alert: 'CanaryCheckFailing',
      expr: failingExpr(`cdk8s_canary:check:value{${matcher},check="${c.name}"}`, c),
      for: `${doc.intervalSeconds * doc.failureThreshold}s`,
      labels: { ...labels, check: c.name, severity: 'warning' },
      annotations: {
        summary: `Canary ${doc.service} ${doc.canary} fails check ${c.name}`,
        description: `${c.name} of ${doc.service} ${doc.canary} is {{ $value }}, which must be ${thresholdText(c)}; 'npx cdk8s-canary advance' aborts the release after ${doc.failureThreshold} failed evaluations.`,
      },
    })),
  ];
  return new ApiObject(scope, 'PrometheusRule', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: `${doc.service}-canary-analysis`, labels: { app: doc.service } },
    spec: { groups: [{ name: `cdk8s-canary.${doc.service}`, interval: `${doc.intervalSeconds}s`, rules }] },
  });
}

/** The Argo Rollouts AnalysisTemplate with the same checks. */
export function renderAnalysisTemplate(scope: Construct, doc: AnalysisDocument, address: string): ApiObject {
  const condition = (c: RenderedCheck) => {
    const parts: string[] = [];
    if (c.min !== undefined) parts.push(`result[0] >= ${c.min}`);
    if (c.max !== undefined) parts.push(`result[0] <= ${c.max}`);
    return parts.join(' && ');
  };
  return new ApiObject(scope, 'AnalysisTemplate', {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: `${doc.service}-canary-analysis`, labels: { app: doc.service } },
    spec: {
      metrics: doc.checks.map(c => ({
        name: c.name,
        interval: `${doc.intervalSeconds}s`,
        failureLimit: doc.failureThreshold - 1,
        successCondition: condition(c),
        provider: { prometheus: { address, query: c.promql } },
      })),
    },
  });
}

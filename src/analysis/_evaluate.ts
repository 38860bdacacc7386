// Verdicts of automated canary analysis (internal, used by `cdk8s-canary analyze|advance`).
//
// The cadence rule: each evaluation judges the whole span since the release's previous
// evaluation (`evaluatedAt` in the state file; the step's `since` when there is none), at the
// analysis interval's resolution: every check is computed for each interval-long window of
// the span that had at least `minRequests` canary requests (a PromQL subquery
// `[span:interval]`), and fails when it fails in any of them. So running `advance` less often
// than every interval loses nothing; it only decides later.
import { PrometheusClient, QueryAnswer } from './_prometheus';
import { errorsPromql, requestsPromql, restartsPromql } from './_promql';
import { ANALYSIS_ANNOTATION, ANALYSIS_FORMAT_VERSION, AnalysisDocument, STATE_ANNOTATION, thresholdText } from './_render';
import { parseRfc3339, ReleaseState } from './_state';
import { loadManifests } from '../internal/manifest-files';

export type Verdict = 'advance' | 'hold' | 'abort';

export interface CheckVerdict {
  readonly name: string;
  /** The worst value of any judged window in the span; null when Prometheus gave no usable number. */
  readonly value: number | null;
  readonly threshold: string;
  readonly passed: boolean;
  /** Why there is no value, or why the value is impossible. */
  readonly problem?: string;
}

export interface ReleaseVerdict {
  readonly service: string;
  readonly namespace: string;
  readonly version: string;
  readonly verdict: Verdict;
  readonly reason: string;
  /** The canary weight now, and after applying the verdict. */
  readonly weight: number;
  readonly nextWeight: number;
  /** Canary requests in the span; null when not queried or no usable number. */
  readonly requests: number | null;
  /** The span judged: from (RFC 3339) and its length in seconds. */
  readonly from?: string;
  readonly spanSeconds?: number;
  readonly checks: CheckVerdict[];
  /** The release state after applying the verdict. */
  readonly nextState: ReleaseState;
}

/** The analyses in a synth output, one per analysed release. Throws on malformed annotations. */
export function loadAnalyses(paths: string[]): AnalysisDocument[] {
  const docs: AnalysisDocument[] = [];
  for (const m of loadManifests(paths)) {
    const text = m?.metadata?.annotations?.[ANALYSIS_ANNOTATION];
    if (text === undefined) continue;
    const parse = (annotation: string, value: unknown) => {
      try {
        return JSON.parse(String(value));
      } catch (e) {
        throw new Error(`${m.kind} ${m.metadata.name}: annotation ${annotation} is not valid JSON: ${(e as Error).message}`);
      }
    };
    const doc = { ...parse(ANALYSIS_ANNOTATION, text), state: parse(STATE_ANNOTATION, m.metadata.annotations[STATE_ANNOTATION]) };
    if (doc.version !== ANALYSIS_FORMAT_VERSION || !Array.isArray(doc.checks) || typeof doc.namespace !== 'string' || !doc.series || !doc.state || typeof doc.state.weight !== 'number') {
      throw new Error(`${m.kind} ${m.metadata.name}: annotation ${ANALYSIS_ANNOTATION} is not a version ${ANALYSIS_FORMAT_VERSION} analysis (got version ${JSON.stringify(doc.version)}); synthesize again with this cdk8s-canary`);
    }
    docs.push(doc);
  }
  return docs;
}

/** The values the built-in checks can take, by unit: a success rate, its difference, a latency. */
const POSSIBLE: { [unit: string]: [number, number] } = { '%': [0, 100], ' points': [-100, 100], ' ms': [0, Infinity] };

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(3)));
}

export function duration(seconds: number): string {
  if (seconds % 3600 === 0 && seconds > 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0 && seconds > 0) return `${seconds / 60}m`;
  if (seconds > 60) return `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s`;
  return `${Math.round(seconds)}s`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

function nextStep(doc: AnalysisDocument, weight: number): { weight: number; promote: boolean } {
  if (doc.preSwitch) return { weight: 100, promote: true };
  if (weight === 0) return { weight: doc.steps[0], promote: false };
  const i = doc.steps.indexOf(weight);
  if (i < 0 || i === doc.steps.length - 1) return { weight: 100, promote: true };
  return { weight: doc.steps[i + 1], promote: false };
}

/** A number from an answer; 0 for an empty result (no series: nothing counted). */
function count(a: QueryAnswer): number | null {
  return a.value ?? (a.problem === 'no data (empty result)' ? 0 : null);
}

/**
 * Evaluates one release at `at`, from `state` (the state file's, or the one the YAML was
 * synthesized from). Throws PrometheusUnavailable when Prometheus cannot answer.
 */
export async function evaluate(doc: AnalysisDocument, state: ReleaseState, prometheus: PrometheusClient, at: Date): Promise<ReleaseVerdict> {
  const base = { service: doc.service, namespace: doc.namespace, version: doc.canary, weight: state.weight };
  const nowMs = at.getTime();
  const now = iso(nowMs);
  if (state.status === 'promoted' || state.status === 'aborted') {
    const reason = state.status === 'promoted'
      ? `promoted at ${state.weight}%; make ${doc.canary} the stable version`
      : `aborted${state.reason ? `: ${state.reason}` : ''}; set its status to progressing in the state file to retry`;
    return { ...base, verdict: 'hold', reason, nextWeight: state.weight, requests: null, checks: [], nextState: state };
  }

  // The span: since the previous evaluation, at least one interval.
  const previous = parseRfc3339(state.evaluatedAt) ?? parseRfc3339(state.since);
  const fromMs = Math.min(previous ?? nowMs - doc.intervalSeconds * 1000, nowMs - doc.intervalSeconds * 1000);
  const spanSeconds = Math.ceil((nowMs - fromMs) / 1000);
  const span = `${spanSeconds}s`;
  // The windows ending after the span's start: a subquery's range includes its start in
  // Prometheus 2 (not in 3), and the window ending there was judged by the previous evaluation.
  const windows = `${spanSeconds > doc.intervalSeconds ? spanSeconds - 1 : spanSeconds}s`;
  const interval = `${doc.intervalSeconds}s`;
  const window = duration(spanSeconds);
  const gate = doc.minRequests > 0 ? `(${doc.requests} >= ${doc.minRequests})` : `(${doc.requests})`;
  const judged = (promql: string) => doc.minRequests > 0 ? `(${promql}) and on() ${gate}` : promql;

  const queries = [
    requestsPromql(doc.series.canary, span),
    errorsPromql(doc.series.canary, span),
    requestsPromql(doc.series.stable, span),
    `count_over_time(${gate}[${windows}:${interval}])`,
    restartsPromql(doc.series.canary, span),
    ...doc.checks.flatMap(c => [
      c.min !== undefined ? `min_over_time((${judged(c.promql)})[${windows}:${interval}])` : undefined,
      c.max !== undefined ? `max_over_time((${judged(c.promql)})[${windows}:${interval}])` : undefined,
    ]),
  ];
  const answers = await Promise.all(queries.map(q => q === undefined ? Promise.resolve<QueryAnswer>({}) : prometheus.query(q, at)));
  const [requestsAnswer, errorsAnswer, stableAnswer, windowsAnswer, restartsAnswer] = answers;
  const checks: CheckVerdict[] = doc.checks.map((c, i) => {
    const low = answers[5 + 2 * i];
    const high = answers[6 + 2 * i];
    const lowOk = c.min === undefined || (low.value !== undefined && low.value >= c.min);
    const highOk = c.max === undefined || (high.value !== undefined && high.value <= c.max);
    const shown = c.min !== undefined && (!lowOk || c.max === undefined) ? low : high;
    const problem = (c.min !== undefined ? low.problem : undefined) ?? (c.max !== undefined ? high.problem : undefined);
    const value = problem ? null : shown.value ?? null;
    // A value the check cannot take (a success rate above 100%, a negative latency) means the
    // query or the data is wrong: it fails the check, whatever the threshold says.
    const [lo, hi] = POSSIBLE[c.unit] ?? [-Infinity, Infinity];
    const impossible = [low.value, high.value].find(v => v !== undefined && (v < lo || v > hi));
    if (!problem && impossible !== undefined) {
      return { name: c.name, value: impossible, threshold: thresholdText(c), passed: false, problem: `${fmt(impossible)}${c.unit} is impossible for this check (it lies between ${lo} and ${hi}${c.unit}): the query or the data is wrong` };
    }
    return { name: c.name, value, threshold: thresholdText(c), passed: !problem && lowOk && highOk, ...(problem ? { problem } : {}) };
  });
  const requests = count(requestsAnswer);
  const judgedWindows = count(windowsAnswer);
  const common = { requests, from: iso(fromMs), spanSeconds, checks };
  const at0 = state.weight === 0 && !doc.preSwitch;

  const hold = (reason: string, next: Partial<ReleaseState> = {}): ReleaseVerdict =>
    ({ ...base, ...common, verdict: 'hold', reason, nextWeight: state.weight, nextState: { ...state, evaluatedAt: now, ...next } });
  const abort = (reason: string, failures = state.failures): ReleaseVerdict =>
    ({ ...base, ...common, verdict: 'abort', reason, nextWeight: 0, nextState: { ...state, weight: 0, status: 'aborted', since: now, evaluatedAt: now, stalledSince: undefined, failures, reason } });
  /** A hold that counts toward the progress deadline: aborts once it has passed. */
  const stalled = (reason: string, failures = state.failures): ReleaseVerdict => {
    const stalledSince = state.stalledSince ?? iso(fromMs);
    const stuck = (nowMs - parseRfc3339(stalledSince)!) / 1000;
    const where = doc.preSwitch ? `for ${doc.canary} before the switch` : `at ${state.weight}%`;
    if (stuck >= doc.progressDeadlineSeconds) {
      return abort(`no passing evaluation ${where} for ${duration(Math.floor(stuck))} (progressDeadline ${duration(doc.progressDeadlineSeconds)}): ${reason}`, failures);
    }
    return hold(`${reason}; no passing evaluation ${where} for ${duration(Math.floor(stuck))}, the release aborts at ${duration(doc.progressDeadlineSeconds)}`, { stalledSince, failures });
  };

  const failed = checks.filter(c => c.value !== null && !c.passed);
  if (failed.length > 0) {
    const failures = state.failures + 1;
    const what = failed.map(c => `${c.name} ${fmt(c.value!)} not ${c.threshold}`).join(', ');
    const where = `worst ${duration(doc.intervalSeconds)} window of ${window}`;
    if (failures >= doc.failureThreshold) return abort(`${what} (${where}); failed evaluation ${failures} of ${doc.failureThreshold} allowed`, failures);
    return stalled(`${what} (${where}); failed evaluation ${failures}, the release aborts at ${doc.failureThreshold}`, failures);
  }
  if (at0) {
    // Nothing failed on the traffic the canary had at weight 0 (cohorts): the first step.
    const reason = `start: canary ${doc.canary} gets its first ${doc.steps[0]}%`;
    return { ...base, ...common, verdict: 'advance', reason, nextWeight: doc.steps[0], nextState: { ...state, weight: doc.steps[0], since: now, evaluatedAt: now, stalledSince: undefined, reason } };
  }

  if (requests === null) return stalled(`request count unusable: ${requestsAnswer.problem}`);
  if (judgedWindows === null) return stalled(`request count per window unusable: ${windowsAnswer.problem}`);
  if (judgedWindows === 0) {
    const errors = count(errorsAnswer) ?? 0;
    const stable = count(stableAnswer) ?? 0;
    const few = `${fmt(requests)} canary requests in ${window}, fewer than ${doc.minRequests} in every ${duration(doc.intervalSeconds)} window`;
    if (requests === 0 && stable > 0 && state.weight > 0) {
      return stalled(`no canary data: ${doc.canary} reported no requests in ${window} while ${doc.stable} served ${fmt(stable)}`);
    }
    if (errors > 0) return stalled(`too little traffic with errors: ${few}, ${fmt(errors)} of them 5xx`);
    return hold(`too little traffic: ${few}`);
  }
  const restarts = restartsAnswer.value ?? 0;
  if (restarts > 0) {
    return hold(`counter reset: ${doc.source} of ${doc.canary} restarted ${fmt(restarts)} time${restarts === 1 ? '' : 's'} in ${window} (the checks passed); advancing waits for an evaluation without a restart`);
  }
  if (restartsAnswer.problem && restartsAnswer.problem !== 'no data (empty result)') return stalled(`counter restarts unusable: ${restartsAnswer.problem}`);
  const unusable = checks.filter(c => c.value === null);
  if (unusable.length > 0) return stalled(unusable.map(c => `${c.name}: ${c.problem}`).join('; '));

  // A passing evaluation: the deadline starts again.
  if (doc.preSwitch && !state.since) {
    // The bake time of a blue-green switch starts at the first passing evaluation.
    return hold(`checks passed; baking ${doc.canary} before the switch for 0s of ${duration(doc.bakeSeconds)}`, { since: now, stalledSince: undefined });
  }
  const since = parseRfc3339(state.since);
  const baked = since === undefined ? doc.bakeSeconds : (nowMs - since) / 1000;
  if (baked < doc.bakeSeconds) {
    const what = doc.preSwitch ? `${doc.canary} before the switch` : `at ${state.weight}%`;
    return hold(`checks passed; baking ${what} for ${duration(Math.max(0, Math.floor(baked)))} of ${duration(doc.bakeSeconds)}`, { stalledSince: undefined });
  }
  const next = nextStep(doc, state.weight);
  const reason = doc.preSwitch
    ? `checks passed and ${doc.canary} baked ${duration(doc.bakeSeconds)} before the switch: switched`
    : next.promote
      ? `checks passed and ${state.weight}% baked ${duration(doc.bakeSeconds)}: promoted`
      : `checks passed and ${state.weight}% baked ${duration(doc.bakeSeconds)}`;
  return {
    ...base,
    ...common,
    verdict: 'advance',
    reason,
    nextWeight: next.weight,
    nextState: { ...state, weight: next.weight, status: next.promote ? 'promoted' : 'progressing', since: now, evaluatedAt: now, stalledSince: undefined, reason },
  };
}

/** One line per release for people. */
export function formatVerdicts(verdicts: ReleaseVerdict[]): string {
  if (verdicts.length === 0) return 'no analysed release (no routing object with a cdk8s-canary.io/analysis annotation)';
  const lines: string[] = [];
  for (const v of verdicts) {
    lines.push(`${v.namespace}/${v.service} ${v.version}: ${v.verdict.toUpperCase()} at ${v.weight}%${v.nextWeight !== v.weight ? ` -> ${v.nextWeight}%` : ''}: ${v.reason}`);
    if (v.requests !== null) lines.push(`  requests: ${fmt(v.requests)} in ${duration(v.spanSeconds ?? 0)} from ${v.from}`);
    for (const c of v.checks) {
      lines.push(`  ${c.passed ? 'pass' : 'FAIL'} ${c.name}: ${c.value === null || c.problem ? c.problem : fmt(c.value)} (must be ${c.threshold})`);
    }
  }
  return lines.join('\n');
}

/** The one-line summary a commit message needs. */
export function commitSummary(verdicts: ReleaseVerdict[]): string {
  if (verdicts.length === 0) return 'canary: no analysed release';
  return `canary: ${verdicts.map(v => {
    if (v.verdict === 'advance') return `${v.namespace}/${v.service} ${v.version} ${v.weight}% -> ${v.nextState.status === 'promoted' ? 'promoted' : `${v.nextWeight}%`}`;
    if (v.verdict === 'abort') return `${v.namespace}/${v.service} ${v.version} aborted at ${v.weight}% (${v.reason})`;
    return `${v.namespace}/${v.service} ${v.version} holds at ${v.weight}% (${v.reason})`;
  }).join('; ')}`;
}

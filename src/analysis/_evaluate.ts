// Verdicts of automated canary analysis (internal, used by `cdk8s-canary analyze|advance`).
import { PrometheusClient, QueryAnswer } from './_prometheus';
import { AnalysisDocument, ANALYSIS_ANNOTATION, STATE_ANNOTATION, thresholdText } from './_render';
import { ReleaseState } from './_state';
import { loadManifests } from '../internal/manifest-files';

export type Verdict = 'advance' | 'hold' | 'abort';

export interface CheckVerdict {
  readonly name: string;
  /** The measured value; null when Prometheus gave no usable number. */
  readonly value: number | null;
  readonly threshold: string;
  readonly passed: boolean;
  /** Why there is no value. */
  readonly problem?: string;
}

export interface ReleaseVerdict {
  readonly service: string;
  readonly namespace?: string;
  readonly version: string;
  readonly verdict: Verdict;
  readonly reason: string;
  /** The canary weight now, and after applying the verdict. */
  readonly weight: number;
  readonly nextWeight: number;
  /** Canary requests in the interval; null when not queried or no usable number. */
  readonly requests: number | null;
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
    if (doc.version !== 1 || !Array.isArray(doc.checks) || !doc.state || typeof doc.state.weight !== 'number') {
      throw new Error(`${m.kind} ${m.metadata.name}: annotation ${ANALYSIS_ANNOTATION} is not a version 1 analysis`);
    }
    docs.push(doc);
  }
  return docs;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(3)));
}

function duration(seconds: number): string {
  if (seconds % 3600 === 0 && seconds > 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0 && seconds > 0) return `${seconds / 60}m`;
  return `${Math.round(seconds)}s`;
}

function nextStep(doc: AnalysisDocument, weight: number): { weight: number; promote: boolean } {
  if (doc.preSwitch) return { weight: 100, promote: true };
  if (weight === 0) return { weight: doc.steps[0], promote: false };
  const i = doc.steps.indexOf(weight);
  if (i < 0 || i === doc.steps.length - 1) return { weight: 100, promote: true };
  return { weight: doc.steps[i + 1], promote: false };
}

/**
 * Evaluates one release at `at`, from `state` (the state file's, or the one the YAML was
 * synthesized from). Throws PrometheusUnavailable when Prometheus cannot answer.
 */
export async function evaluate(doc: AnalysisDocument, state: ReleaseState, prometheus: PrometheusClient, at: Date): Promise<ReleaseVerdict> {
  const base = { service: doc.service, namespace: doc.namespace, version: doc.canary, weight: state.weight };
  const now = at.toISOString().replace(/\.000Z$/, 'Z');
  const stay = (reason: string, checks: CheckVerdict[] = [], requests: number | null = null, failures = state.failures): ReleaseVerdict =>
    ({ ...base, verdict: 'hold', reason, nextWeight: state.weight, requests, checks, nextState: { ...state, failures } });

  if (state.status === 'promoted') return stay(`promoted at ${state.weight}%; make ${doc.canary} the stable version`);
  if (state.status === 'aborted') return stay(`aborted${state.reason ? `: ${state.reason}` : ''}; set its status to progressing in the state file to retry`);
  if (state.weight === 0 && !doc.preSwitch) {
    const reason = `start: canary ${doc.canary} gets its first ${doc.steps[0]}%`;
    return { ...base, verdict: 'advance', reason, nextWeight: doc.steps[0], requests: null, checks: [], nextState: { ...state, weight: doc.steps[0], since: now, reason } };
  }

  const [requestsAnswer, resetsAnswer, ...answers] = await Promise.all(
    [doc.requests, doc.resets, ...doc.checks.map(c => c.promql)].map(q => prometheus.query(q, at)),
  );
  const checks: CheckVerdict[] = doc.checks.map((c, i) => {
    const a: QueryAnswer = answers[i];
    const value = a.value ?? null;
    const passed = value !== null && (c.min === undefined || value >= c.min) && (c.max === undefined || value <= c.max);
    return { name: c.name, value, threshold: thresholdText(c), passed, ...(a.problem ? { problem: a.problem } : {}) };
  });
  // No series at all means no traffic: 0 requests.
  const requests = requestsAnswer.value ?? (requestsAnswer.problem === 'no data (empty result)' ? 0 : null);
  const window = duration(doc.intervalSeconds);

  if (requests === null) return stay(`request count unusable: ${requestsAnswer.problem}`, checks, requests);
  if (requests < doc.minRequests) return stay(`too little traffic: ${fmt(requests)} canary requests in ${window}, need ${doc.minRequests}`, checks, requests);
  if (resetsAnswer.value !== undefined && resetsAnswer.value > 0) {
    return stay(`counter reset: istio_requests_total of ${doc.canary} reset ${fmt(resetsAnswer.value)} times in ${window}; evaluate again later`, checks, requests);
  }
  if (resetsAnswer.problem && resetsAnswer.problem !== 'no data (empty result)') return stay(`counter resets unusable: ${resetsAnswer.problem}`, checks, requests);

  const failed = checks.filter(c => c.value !== null && !c.passed);
  if (failed.length > 0) {
    const failures = state.failures + 1;
    const what = failed.map(c => `${c.name} ${fmt(c.value!)} not ${c.threshold}`).join(', ');
    if (failures >= doc.failureThreshold) {
      const reason = `${what}; failed evaluation ${failures} of ${doc.failureThreshold} allowed`;
      return { ...base, verdict: 'abort', reason, nextWeight: 0, requests, checks, nextState: { ...state, weight: 0, status: 'aborted', since: now, failures, reason } };
    }
    return stay(`${what}; failed evaluation ${failures}, the release aborts at ${doc.failureThreshold}`, checks, requests, failures);
  }
  const unusable = checks.filter(c => c.value === null);
  if (unusable.length > 0) return stay(unusable.map(c => `${c.name}: ${c.problem}`).join('; '), checks, requests);

  if (doc.preSwitch && !state.since) {
    // The bake time of a blue-green switch starts at the first passing evaluation.
    return { ...stay(`checks passed; baking ${doc.canary} before the switch for 0s of ${duration(doc.bakeSeconds)}`, checks, requests), nextState: { ...state, since: now } };
  }
  const since = state.since ? Date.parse(state.since) : undefined;
  const baked = since === undefined ? doc.bakeSeconds : (at.getTime() - since) / 1000;
  if (baked < doc.bakeSeconds) {
    const what = doc.preSwitch ? `${doc.canary} before the switch` : `at ${state.weight}%`;
    return stay(`checks passed; baking ${what} for ${duration(Math.max(0, Math.floor(baked)))} of ${duration(doc.bakeSeconds)}`, checks, requests);
  }
  const next = nextStep(doc, state.weight);
  const reason = doc.preSwitch
    ? `checks passed and ${doc.canary} baked ${duration(doc.bakeSeconds)} before the switch: switched`
    : next.promote
      ? `checks passed and ${state.weight}% baked ${duration(doc.bakeSeconds)}: promoted`
      : `checks passed and ${state.weight}% baked ${duration(doc.bakeSeconds)}`;
  return {
    ...base,
    verdict: 'advance',
    reason,
    nextWeight: next.weight,
    requests,
    checks,
    nextState: { ...state, weight: next.weight, status: next.promote ? 'promoted' : 'progressing', since: now, reason },
  };
}

/** One line per release for people. */
export function formatVerdicts(verdicts: ReleaseVerdict[]): string {
  if (verdicts.length === 0) return 'no analysed release (no routing object with a cdk8s-canary.io/analysis annotation)';
  const lines: string[] = [];
  for (const v of verdicts) {
    lines.push(`${v.service} ${v.version}: ${v.verdict.toUpperCase()} at ${v.weight}%${v.nextWeight !== v.weight ? ` -> ${v.nextWeight}%` : ''}: ${v.reason}`);
    if (v.requests !== null) lines.push(`  requests: ${fmt(v.requests)}`);
    for (const c of v.checks) {
      lines.push(`  ${c.passed ? 'pass' : 'FAIL'} ${c.name}: ${c.value === null ? c.problem : fmt(c.value)} (must be ${c.threshold})`);
    }
  }
  return lines.join('\n');
}

/** The one-line summary a commit message needs. */
export function commitSummary(verdicts: ReleaseVerdict[]): string {
  if (verdicts.length === 0) return 'canary: no analysed release';
  return `canary: ${verdicts.map(v => {
    if (v.verdict === 'advance') return `${v.service} ${v.version} ${v.weight}% -> ${v.nextState.status === 'promoted' ? 'promoted' : `${v.nextWeight}%`}`;
    if (v.verdict === 'abort') return `${v.service} ${v.version} aborted at ${v.weight}% (${v.reason})`;
    return `${v.service} ${v.version} holds at ${v.weight}% (${v.reason})`;
  }).join('; ')}`;
}

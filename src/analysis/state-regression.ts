// State regressions (internal): a release whose state file entry goes backwards between two
// commits without an abort, e.g. promoted -> progressing, or a weight going down. `advance`
// only moves a release forward or aborts it; anything else is a hand edit or a bad merge that
// would take traffic from a canary the analysis had judged healthy (or give a promoted
// version's traffic back to a release in progress). For `cdk8s-canary check`, which compares
// two commits (wired in by gitops/ at merge).
import { ANALYSIS_ANNOTATION, STATE_ANNOTATION } from './_annotations';
import { releaseKey, ReleaseState, StateFile } from './_state';

/** One release whose state went backwards. */
export interface StateRegression {
  /** `<namespace>/<service>`. */
  readonly key: string;
  readonly before: ReleaseState;
  /** Undefined when the entry was removed. */
  readonly after?: ReleaseState;
  readonly message: string;
}

function describe(state: ReleaseState): string {
  return state.status === 'progressing' ? `progressing at ${state.weight}%` : `${state.status} at ${state.weight}%`;
}

/**
 * The releases of `before` whose state in `after` is behind it without an abort: promoted ->
 * progressing, a lower weight while progressing, or the entry of a release with traffic
 * removed. A new canary version, an abort, and retrying an aborted release are not regressions.
 */
export function stateRegressions(before: StateFile, after: StateFile): StateRegression[] {
  const out: StateRegression[] = [];
  for (const key of Object.keys(before.releases).sort()) {
    const b = before.releases[key];
    const a = after.releases[key];
    const what = `${key} ${b.version}`;
    if (a === undefined) {
      // A promoted release's entry goes when its canary has become the stable version.
      if (b.weight > 0 && b.status === 'progressing') {
        out.push({ key, before: b, message: `${what}: the state entry was removed while ${describe(b)}, which sends the canary 0% without an abort; restore the entry, or set its status to aborted` });
      }
      continue;
    }
    if (a.version !== b.version || a.status === 'aborted' || b.status === 'aborted') continue;
    if (b.status === 'promoted' && a.status !== 'promoted') {
      out.push({ key, before: b, after: a, message: `${what}: the state went from ${describe(b)} to ${describe(a)} without an abort; a promoted release only ends when its canary becomes the stable version` });
    } else if (a.weight < b.weight) {
      out.push({ key, before: b, after: a, message: `${what}: the state went from ${describe(b)} to ${describe(a)} without an abort; the weight goes down only by an abort (status aborted, weight 0)` });
    }
  }
  return out;
}

/**
 * The release states a synth output carries (each analysed routing object's annotations), by
 * `<namespace>/<service>`. Objects whose annotations are not JSON objects are skipped: `check`
 * judges routing, and `analyze` reports malformed annotations.
 */
export function releaseStatesOf(objects: any[]): StateFile {
  const releases: { [key: string]: ReleaseState } = {};
  for (const o of objects) {
    const annotations = o?.metadata?.annotations;
    if (!annotations || typeof annotations[ANALYSIS_ANNOTATION] !== 'string' || typeof annotations[STATE_ANNOTATION] !== 'string') continue;
    let doc: any;
    let state: any;
    try {
      doc = JSON.parse(annotations[ANALYSIS_ANNOTATION]);
      state = JSON.parse(annotations[STATE_ANNOTATION]);
    } catch {
      continue;
    }
    if (typeof doc?.namespace !== 'string' || typeof doc?.service !== 'string' || typeof state?.version !== 'string' || typeof state?.weight !== 'number') continue;
    if (!['progressing', 'promoted', 'aborted'].includes(state.status)) continue;
    releases[releaseKey(doc.namespace, doc.service)] = { version: state.version, weight: state.weight, status: state.status, failures: Number(state.failures) || 0, reason: typeof state.reason === 'string' ? state.reason : undefined };
  }
  return { releases };
}

/** The releases that go from another status to aborted between two synth outputs, by key, with the state after. */
export function abortsBetween(before: StateFile, after: StateFile): Map<string, ReleaseState> {
  const out = new Map<string, ReleaseState>();
  for (const [key, a] of Object.entries(after.releases)) {
    const b = before.releases[key];
    if (a.status === 'aborted' && (b === undefined || b.status !== 'aborted' || b.version !== a.version)) out.set(key, a);
  }
  return out;
}

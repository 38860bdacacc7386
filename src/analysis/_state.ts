// The release state file (internal): read at synth, written by `cdk8s-canary advance`.
//
//   {
//     "releases": {
//       "reviews": { "version": "v2", "weight": 20, "status": "progressing",
//                    "since": "2026-11-23T10:00:00Z", "failures": 0, "reason": "..." }
//     }
//   }
//
// `weight` is the canary's percent (0 or a step; 100 when promoted), `since` when it was set,
// `failures` how many evaluations failed during the release, `reason` why the last change.
import * as fs from 'fs';
import { writeFileAtomic } from '../internal/atomic-write';

export type ReleaseStatus = 'progressing' | 'promoted' | 'aborted';
const STATUSES: ReleaseStatus[] = ['progressing', 'promoted', 'aborted'];

export interface ReleaseState {
  readonly version: string;
  readonly weight: number;
  readonly status: ReleaseStatus;
  readonly since?: string;
  readonly failures: number;
  readonly reason?: string;
}

export interface StateFile {
  readonly releases: { [service: string]: ReleaseState };
}

/** Reads a state file; a missing file is an empty state. Throws naming the file and field. */
export function readStateFile(file: string): StateFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { releases: {} };
    throw new Error(`cannot read state file ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
  let json: any;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`state file ${JSON.stringify(file)} is not valid JSON: ${(e as Error).message}`);
  }
  const bad = (what: string) => new Error(`state file ${JSON.stringify(file)}: ${what}`);
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw bad(`must be an object with "releases", got ${JSON.stringify(json)}`);
  const releases = json.releases ?? {};
  if (typeof releases !== 'object' || Array.isArray(releases)) throw bad(`"releases" must be an object keyed by service name, got ${JSON.stringify(releases)}`);
  for (const [service, r] of Object.entries<any>(releases)) {
    const at = `releases.${service}`;
    if (!r || typeof r !== 'object') throw bad(`${at} must be an object, got ${JSON.stringify(r)}`);
    if (typeof r.version !== 'string' || r.version === '') throw bad(`${at}.version must be the canary's version name, got ${JSON.stringify(r.version)}`);
    if (typeof r.weight !== 'number' || !Number.isInteger(r.weight) || r.weight < 0 || r.weight > 100) throw bad(`${at}.weight must be an integer from 0 to 100, got ${JSON.stringify(r.weight)}`);
    if (!STATUSES.includes(r.status)) throw bad(`${at}.status must be one of ${STATUSES.join(', ')}, got ${JSON.stringify(r.status)}`);
    if (r.since !== undefined && (typeof r.since !== 'string' || Number.isNaN(Date.parse(r.since)))) throw bad(`${at}.since must be an RFC 3339 time, got ${JSON.stringify(r.since)}`);
    if (r.failures !== undefined && (typeof r.failures !== 'number' || !Number.isInteger(r.failures) || r.failures < 0)) throw bad(`${at}.failures must be a non-negative integer, got ${JSON.stringify(r.failures)}`);
    if (r.reason !== undefined && typeof r.reason !== 'string') throw bad(`${at}.reason must be a string, got ${JSON.stringify(r.reason)}`);
  }
  const out: { [service: string]: ReleaseState } = {};
  for (const [service, r] of Object.entries<any>(releases)) {
    out[service] = { version: r.version, weight: r.weight, status: r.status, since: r.since, failures: r.failures ?? 0, reason: r.reason };
  }
  return { releases: out };
}

/**
 * Writes a state file atomically and exclusively (internal/atomic-write.ts). `expected` is the
 * content read before deciding (null: no file): when another run changed the file since, nothing
 * is written and ConcurrentUpdate is thrown.
 */
export function writeStateFile(file: string, state: StateFile, expected?: string | null): void {
  const sorted: { [service: string]: ReleaseState } = {};
  for (const key of Object.keys(state.releases).sort()) sorted[key] = state.releases[key];
  const text = `${JSON.stringify({ releases: sorted }, undefined, 2)}\n`;
  writeFileAtomic(file, text, { expected });
}

// The release state file (internal): read at synth, written by `cdk8s-canary advance`.
//
//   {
//     "version": 1,
//     "releases": {
//       "bookinfo/reviews": { "version": "v2", "weight": 20, "status": "progressing",
//                             "since": "2026-11-23T10:00:00Z", "evaluatedAt": "2026-11-23T10:05:00Z",
//                             "failures": 0, "reason": "..." }
//     }
//   }
//
// Keys are `<namespace>/<service>`. `weight` is the canary's percent (0 or a step; 100 when
// promoted), `since` when it was set, `evaluatedAt` the last evaluation (the next one judges
// the time from there), `stalledSince` the start of the time without a passing evaluation at
// this step that counts toward the progress deadline, `failures` how many evaluations failed
// during the release, `reason` why the last change. Fields this version does not know, at any
// level, are kept as they are when `advance` rewrites the file.
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../internal/atomic-write';

export type ReleaseStatus = 'progressing' | 'promoted' | 'aborted';
const STATUSES: ReleaseStatus[] = ['progressing', 'promoted', 'aborted'];

/** The state file format this version reads and writes. */
export const STATE_FORMAT_VERSION = 1;

export interface ReleaseState {
  readonly version: string;
  readonly weight: number;
  readonly status: ReleaseStatus;
  readonly since?: string;
  readonly evaluatedAt?: string;
  readonly stalledSince?: string;
  readonly failures: number;
  readonly reason?: string;
  /** Fields this version does not know, kept as read. */
  readonly extra?: { [field: string]: unknown };
}

export interface StateFile {
  readonly releases: { [key: string]: ReleaseState };
  /** Top-level fields this version does not know, kept as read. */
  readonly extra?: { [field: string]: unknown };
}

const KNOWN_RELEASE_FIELDS = ['version', 'weight', 'status', 'since', 'evaluatedAt', 'stalledSince', 'failures', 'reason'];

/** The state file key of a release. */
export function releaseKey(namespace: string, service: string): string {
  return `${namespace}/${service}`;
}

/** The state a release starts from: its canary deployed at weight 0. */
export function initialState(version: string): ReleaseState {
  return { version, weight: 0, status: 'progressing', failures: 0 };
}

/** What the synthesized YAML records of a state: the fields that decide the routing and why. */
export function annotationState(state: ReleaseState): object {
  const { version, weight, status, since, failures, reason } = state;
  return { version, weight, status, ...(since !== undefined ? { since } : {}), failures, ...(reason !== undefined ? { reason } : {}) };
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Milliseconds since the epoch of a strict RFC 3339 time (`2026-11-23T10:00:00Z`, a `T`, seconds
 * and a zone required, every field in its range); undefined otherwise.
 */
export function parseRfc3339(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[9] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  const ms = Date.parse(text.toUpperCase());
  return Number.isNaN(ms) ? undefined : ms;
}

/** The first key that occurs twice in one object of valid JSON `text`, with its path. */
function duplicateKey(text: string): string | undefined {
  // A scanner over valid JSON: a stack of the open containers, each object with its keys.
  const stack: Array<{ keys?: Set<string>; path: string; expectKey: boolean; lastKey?: string; index: number }> = [];
  const here = () => stack[stack.length - 1];
  const childPath = () => {
    const top = here();
    if (!top) return '';
    return top.keys ? `${top.path}${top.path ? '.' : ''}${top.lastKey}` : `${top.path}[${top.index}]`;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const value = JSON.parse(text.slice(i, j + 1)) as string;
      const top = here();
      if (top?.keys && top.expectKey) {
        if (top.keys.has(value)) return `${top.path}${top.path ? '.' : ''}${value}`;
        top.keys.add(value);
        top.lastKey = value;
        top.expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      const p = childPath();
      stack.push(c === '{' ? { keys: new Set(), path: p, expectKey: true, index: 0 } : { path: p, expectKey: false, index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = here();
      if (top?.keys) top.expectKey = true;
      else if (top) top.index++;
    }
  }
  return undefined;
}

function extraFields(json: { [k: string]: unknown }, known: string[]): { [field: string]: unknown } | undefined {
  const extra = Object.fromEntries(Object.entries(json).filter(([k]) => !known.includes(k)));
  return Object.keys(extra).length > 0 ? extra : undefined;
}

/**
 * Reads a state file. A missing file is an error naming its absolute path and how to create
 * one; so is anything malformed, naming the file and the field.
 */
export function readStateFile(file: string): StateFile {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`state file ${absolute} does not exist; create it with the content {"releases": {}} (no release started yet: every canary at weight 0), commit it, and synthesize again`);
    }
    throw new Error(`cannot read state file ${absolute}: ${(e as Error).message}`);
  }
  let json: any;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`state file ${absolute} is not valid JSON: ${(e as Error).message}`);
  }
  const bad = (what: string) => new Error(`state file ${absolute}: ${what}`);
  const duplicate = duplicateKey(text);
  if (duplicate !== undefined) throw bad(`key ${duplicate} occurs twice; keep one`);
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw bad(`must be an object with "releases", got ${JSON.stringify(json)}`);
  if (json.version !== undefined && json.version !== STATE_FORMAT_VERSION) {
    throw bad(`version must be ${STATE_FORMAT_VERSION} (the format this cdk8s-canary reads), got ${JSON.stringify(json.version)}`);
  }
  const releases = json.releases;
  if (!releases || typeof releases !== 'object' || Array.isArray(releases)) throw bad(`"releases" must be an object keyed by "<namespace>/<service>", got ${JSON.stringify(releases)}`);
  const out: { [key: string]: ReleaseState } = {};
  for (const [key, r] of Object.entries<any>(releases)) {
    const at = `releases[${JSON.stringify(key)}]`;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(key)) {
      throw bad(`${at}: keys must be "<namespace>/<service>", e.g. "default/${key.includes('/') ? 'reviews' : key}"; rename the key to the namespace the service runs in`);
    }
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw bad(`${at} must be an object, got ${JSON.stringify(r)}`);
    if (typeof r.version !== 'string' || r.version === '') throw bad(`${at}.version must be the canary's version name, got ${JSON.stringify(r.version)}`);
    if (typeof r.weight !== 'number' || !Number.isInteger(r.weight) || r.weight < 0 || r.weight > 100) throw bad(`${at}.weight must be an integer from 0 to 100, got ${JSON.stringify(r.weight)}`);
    if (!STATUSES.includes(r.status)) throw bad(`${at}.status must be one of ${STATUSES.join(', ')}, got ${JSON.stringify(r.status)}`);
    for (const field of ['since', 'evaluatedAt', 'stalledSince']) {
      if (r[field] !== undefined && parseRfc3339(r[field]) === undefined) throw bad(`${at}.${field} must be an RFC 3339 time such as 2026-11-23T10:00:00Z, got ${JSON.stringify(r[field])}`);
    }
    if (r.failures !== undefined && (typeof r.failures !== 'number' || !Number.isInteger(r.failures) || r.failures < 0)) throw bad(`${at}.failures must be a non-negative integer, got ${JSON.stringify(r.failures)}`);
    if (r.reason !== undefined && typeof r.reason !== 'string') throw bad(`${at}.reason must be a string, got ${JSON.stringify(r.reason)}`);
    const extra = extraFields(r, KNOWN_RELEASE_FIELDS);
    out[key] = {
      version: r.version,
      weight: r.weight,
      status: r.status,
      since: r.since,
      evaluatedAt: r.evaluatedAt,
      stalledSince: r.stalledSince,
      failures: r.failures ?? 0,
      reason: r.reason,
      ...(extra ? { extra } : {}),
    };
  }
  const extra = extraFields(json, ['version', 'releases']);
  return { releases: out, ...(extra ? { extra } : {}) };
}

/** The file's text: `version`, unknown fields as read, then the releases sorted by key. */
export function stateFileText(state: StateFile): string {
  const releases: { [key: string]: object } = {};
  for (const key of Object.keys(state.releases).sort()) {
    const r = state.releases[key];
    const known = Object.fromEntries(KNOWN_RELEASE_FIELDS.map(f => [f, (r as any)[f]]).filter(([, v]) => v !== undefined));
    releases[key] = { ...known, ...r.extra };
  }
  return `${JSON.stringify({ version: STATE_FORMAT_VERSION, ...state.extra, releases }, undefined, 2)}\n`;
}

/**
 * Writes a state file atomically and exclusively (internal/atomic-write.ts). `expected` is the
 * content read before deciding (null: no file): when another run changed the file since, nothing
 * is written and ConcurrentUpdate is thrown.
 */
export function writeStateFile(file: string, state: StateFile, expected?: string | null): void {
  writeFileAtomic(file, stateFileText(state), { expected });
}

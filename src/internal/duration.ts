// Duration checks shared by every Duration prop (internal).
import type { Duration } from 'cdk8s';
import { fail, show } from './validation';

// cdk8s is loaded when a duration is built, not with this module: the readers use it, and the
// commands that only read (check, diff, explain) would otherwise load cdk8s for every run.
const cdk8s = () => require('cdk8s') as typeof import('cdk8s'); // eslint-disable-line @typescript-eslint/no-require-imports

/**
 * The longest duration Istio's CRDs accept, in milliseconds: their rule
 * `duration(self) >= duration('1ms')` evaluates durations as int64 nanoseconds, which
 * overflow above 2^63-1 ns (about 292 years), and the API server then rejects the object.
 */
export const MAX_DURATION_MS = 9_223_372_036_854;

/** MAX_DURATION_MS for messages. */
const MAX_TEXT = `${MAX_DURATION_MS}ms (about 292 years; Istio's CRD rule evaluates durations as int64 nanoseconds)`;

/**
 * The milliseconds of `d`, checked the way Istio checks a duration: a whole number of
 * milliseconds (Istio's webhook: "only durations to ms precision are supported"), at least 1ms
 * (or 0 when `allowZero`) and at most MAX_DURATION_MS. Throws naming `who` and `prop`.
 */
export function validateDuration(who: string, prop: string, d: unknown, allowZero = false): number {
  if (typeof (d as Duration)?.toMilliseconds !== 'function') fail(who, `${prop} must be a Duration (e.g. Duration.seconds(2)), got ${show(d)}`);
  const ms = (d as Duration).toMilliseconds({ integral: false });
  const min = allowZero ? 0 : 1;
  if (!Number.isFinite(ms) || ms < min) {
    fail(who, `${prop} must be at least ${min}ms, got ${Number.isFinite(ms) ? ms : String(ms)}ms`);
  }
  if (ms > MAX_DURATION_MS) fail(who, `${prop} must be at most ${MAX_TEXT}, got ${ms}ms`);
  if (!Number.isInteger(ms)) fail(who, `${prop} must be a whole number of milliseconds (Istio's precision), got ${ms}ms`);
  return ms;
}

/** A protobuf duration string (`1.5s`) of a valid duration. */
export function durationString(who: string, prop: string, d: unknown, allowZero = false): string {
  return `${validateDuration(who, prop, d, allowZero) / 1000}s`;
}

const GO_DURATION_PART = /([0-9]*\.?[0-9]+)(ms|us|µs|ns|h|m|s)/gy;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/**
 * Parses a duration as Istio's YAML spells it (`1.5s`, `100ms`, `1m30s`), or undefined when it
 * is not one.
 */
export function parseDuration(text: unknown): Duration | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  GO_DURATION_PART.lastIndex = 0;
  let ms = 0;
  let end = 0;
  for (let m = GO_DURATION_PART.exec(text); m; m = GO_DURATION_PART.exec(text)) {
    ms += Number(m[1]) * UNIT_MS[m[2]];
    end = GO_DURATION_PART.lastIndex;
  }
  if (end !== text.length) return undefined;
  const rounded = Math.round(ms * 1_000_000) / 1_000_000;
  return cdk8s().Duration.millis(rounded);
}

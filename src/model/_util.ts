// Helpers over the routing model (internal).
import { RouteDestination, ServiceVersion } from './routing-model';

export { JWT_CLAIM_HEADER_PREFIX, MESH_GATEWAY } from './_constants';

/** The labels that select a version's pods. */
export function versionLabels(v: ServiceVersion): { [key: string]: string } {
  return v.labels ?? { version: v.version };
}

/**
 * A weighted split between `first` and `second` that adds up to 100; a version with weight 0
 * is left out, so a route never names a version it does not send traffic to.
 */
export function split(first: string, second: string, secondWeight: number): RouteDestination[] {
  if (secondWeight <= 0) return [{ version: first, weight: 100 }];
  if (secondWeight >= 100) return [{ version: second, weight: 100 }];
  return [{ version: first, weight: 100 - secondWeight }, { version: second, weight: secondWeight }];
}


/** A copy of `o` without its undefined fields. */
export function withoutUndefined<T extends object>(o: T): T {
  const out: any = {};
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * Weights scaled to integers adding up to 100 by the largest remainder (a weight 0 stays 0),
 * as the readers model weights that do not add up to 100. The weights must not all be 0.
 */
export function toPercentages<T extends { weight: number }>(raw: T[]): T[] {
  const total = raw.reduce((s, d) => s + d.weight, 0);
  const ints = roundTo100(raw.map(d => d.weight * 100 / total));
  return raw.map((d, i) => ({ ...d, weight: ints[i] }));
}

/** Exact percentages (adding up to 100) as integers adding up to 100: largest remainders first. */
export function roundTo100(exact: number[]): number[] {
  const floors = exact.map(Math.floor);
  let left = 100 - floors.reduce((s, x) => s + x, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i]).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floors[i]++;
    left--;
  }
  return floors;
}

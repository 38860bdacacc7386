// Human descriptions of routing-model parts, shared by the simulator, the diff and the
// transition check (internal).
import { RouteDestination, RouteRule } from '../model/routing-model';

/** `header end-user exact "jason" or uri prefix "/beta"`, `every request` for a catch-all. */
export function describeMatches(rule: RouteRule): string {
  const matches = rule.matches ?? [];
  const what = matches.length === 0 ? 'every request' : matches.map(m => m.toString()).join(' or ');
  const gateways = rule.gateways ?? [];
  return gateways.length > 0 ? `${what} at gateway ${gateways.join(', ')}` : what;
}

/** `rule 2 "jason"` or `rule 2`. */
export function describeRule(rule: RouteRule, index: number): string {
  return rule.name ? `rule ${index} "${rule.name}"` : `rule ${index}`;
}

/** A destination's label: `v2`, `ratings/v1` for another host, `reviews (any pod)` without a subset. */
export function targetLabel(version: string | undefined, host: string | undefined, ownHost?: string): string {
  const h = host ?? ownHost;
  if (!version) return `${h ?? '?'} (any pod)`;
  return host !== undefined && host !== ownHost ? `${host}/${version}` : version;
}

/** `80/20 v1/v2`, or `v2` alone. */
export function describeSplit(destinations: RouteDestination[], ownHost?: string): string {
  const live = destinations.filter(d => d.weight > 0);
  if (live.length === 0) return 'nothing';
  const labels = live.map(d => targetLabel(d.version, d.host, ownHost));
  if (live.length === 1) return labels[0];
  return `${live.map(d => fmt(d.weight)).join('/')} ${labels.join('/')}`;
}

/** A number without needless decimals: 30, 33.3. */
export function fmt(n: number): string {
  return String(Math.round(n * 10) / 10);
}

// Proof that two renderings route a host alike (internal; `migrate` prints it): the routing
// read from each, with destinations named by their backend Service (the same Service is
// version `v2` to one reader and `shop-v2 (any pod)` to another), compared twice:
//
// - as a traffic diff (`TrafficDiff`'s table): every cohort and the default route unchanged;
// - through the simulator, on probe requests built from every value the rules of either side
//   match on (each path and its neighbours, each header value, `always`/`never`, cookies
//   alone and among others, and no value at all), and their combinations: each probe must
//   reach the same Services with the same probabilities.
import { probes } from './_probes';
import { RouteExplanation, RouteSimulator, SimulatedRequest } from './route-simulator';
import { diffRoutings, HostTrafficDiff } from './traffic-diff';
import { RouteRule, ServiceRouting } from '../model/routing-model';
import { PROVIDERS } from '../providers/registry';
import { ObjectIndex, RoutingInfo } from '../reading/object-index';

/** A probe request that two renderings route differently. */
export interface Divergence {
  readonly host: string;
  readonly request: SimulatedRequest;
  readonly before: string;
  readonly after: string;
}

/** The proof for a set of hosts. */
export interface Equivalence {
  readonly hosts: HostTrafficDiff[];
  readonly probes: number;
  readonly divergences: Divergence[];
}


/**
 * Compares the routing of `hosts` by provider `from` in `before` with their routing by provider
 * `to` in `after`; `a`: `before` read already (by the migration).
 */
export function proveMigration(before: any[], after: any[], hosts: string[], from: string, to: string, a: ObjectIndex = PROVIDERS.index('migrate: input', before)): Equivalence {
  const b = PROVIDERS.index('migrate: output', after);
  const out: Equivalence = { hosts: [], probes: 0, divergences: [] };
  for (const host of hosts) {
    const { old, now } = routingsOf(a, b, host, from, to);
    out.hosts.push(diffRoutings(old, now));
    const requests = probes(host, [old?.routing, now?.routing].filter((r): r is ServiceRouting => r !== undefined));
    (out as { probes: number }).probes += requests.length;
    for (const request of requests) {
      const x = where(request, old);
      const y = where(request, now);
      if (x !== y) out.divergences.push({ host, request, before: x, after: y });
    }
  }
  return out;
}

/** The routing of `host` in each index, by each provider, destinations named by backend Service. */
function routingsOf(a: ObjectIndex, b: ObjectIndex, host: string, from: string, to: string): { old?: RoutingInfo; now?: RoutingInfo } {
  return { old: routingOf(a, host, from), now: routingOf(b, host, to) };
}

/**
 * Where `request` goes with the routing of `host` by provider `from` in `before` and by provider
 * `to` in `after`: the backend Services and their probabilities (`no route` when none).
 */
export function whereBoth(before: any[], after: any[], host: string, from: string, to: string): (request: SimulatedRequest) => [string, string] {
  const { old, now } = routingsOf(PROVIDERS.index('input', before), PROVIDERS.index('output', after), host, from, to);
  return request => [where(request, old), where(request, now)];
}

function where(request: SimulatedRequest, r: RoutingInfo | undefined): string {
  if (!r) return 'no route';
  const e: RouteExplanation = RouteSimulator._route(request, [r.routing]);
  if (!e.matched || e.destinations.length === 0) return 'no route';
  const to = e.destinations.map(d => `${d.version ?? d.host} ${Math.round(d.probability * 1e6) / 1e4}%`).sort().join(', ');
  const mirrors = e.mirrors ?? (e.mirror ? [e.mirror] : []);
  return mirrors.length > 0 ? `${to} (${mirrors.map(m => `mirror ${m.version ?? m.host} ${Math.round(m.probability * 1e6) / 1e4}%`).join(', ')})` : to;
}

/** A routing for `host` whose destinations are named by Service (`<namespace>/<name>`), without gateways. */
function normalized(r: RoutingInfo, host: string, serviceKeyOf: (d: { version?: string; host?: string }) => string): RoutingInfo {
  // `<name>` for a Service of the routing's namespace, else `<name>.<namespace>`.
  const serviceOf = (d: { version?: string; host?: string }) => {
    const key = serviceKeyOf(d);
    const slash = key.indexOf('/');
    return slash < 0 ? key : key.slice(0, slash) === r.namespace ? key.slice(slash + 1) : `${key.slice(slash + 1)}.${key.slice(0, slash)}`;
  };
  const rules: RouteRule[] = r.routing.rules.map(rule => {
    const { gateways: _g, ...rest } = rule;
    return {
      ...rest,
      destinations: rule.destinations.map(d => ({ version: serviceOf(d), weight: d.weight })),
      ...(rule.mirror ? { mirror: { version: serviceOf(rule.mirror), percent: rule.mirror.percent } } : {}),
      ...(rule.mirrors ? { mirrors: rule.mirrors.map(m => ({ version: serviceOf(m), percent: m.percent })) } : {}),
    };
  });
  const services = [...new Set(rules.flatMap(rule => rule.destinations.map(d => d.version!)))];
  const routing: ServiceRouting = { host, versions: services.map(version => ({ version })), rules, source: r.routing.source };
  return { ...r, routing, hostKey: host };
}

/** The first routing of `provider` for `host` (its host or among its hosts), destinations named by backend Service. */
function routingOf(index: ObjectIndex, host: string, provider: string): RoutingInfo | undefined {
  const r = lookupOf(index, provider).get(host);
  if (!r) return undefined;
  const plugin = PROVIDERS.get(provider);
  return normalized(r, host, d => plugin?.backendService?.(index, r, d) ?? `${d.host ?? '?'}`);
}

const LOOKUPS = new WeakMap<ObjectIndex, Map<string, Map<string, RoutingInfo>>>();

/** The first routing of each host by a provider, built once (a search per host would be quadratic in the hosts). */
function lookupOf(index: ObjectIndex, provider: string): Map<string, RoutingInfo> {
  let byProvider = LOOKUPS.get(index);
  if (!byProvider) {
    byProvider = new Map();
    LOOKUPS.set(index, byProvider);
  }
  let routes = byProvider.get(provider);
  if (!routes) {
    routes = new Map<string, RoutingInfo>();
    for (const r of index.routings) {
      if (r.provider !== provider) continue;
      for (const h of [r.routing.host, ...r.routing.hosts ?? []]) if (!routes.has(h)) routes.set(h, r);
    }
    byProvider.set(provider, routes);
  }
  return routes;
}

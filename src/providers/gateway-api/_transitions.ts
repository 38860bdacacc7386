// Make-before-break for Gateway API routing, at Service level (internal; part of TransitionCheck).
//
// HTTPRoute has no subsets: a version is the set of pods a per-version Service selects, and a
// backendRef names that Service. So a version's Service and pods must exist before any
// backendRef names it, and a backendRef must be gone before its Service is deleted. A
// backendRef to a missing Service answers 500, to a Service without ready endpoints 503
// (httproute_types.go, HTTPRouteRule.BackendRefs).
import { gatewayApiOf } from './_route-index';
import { Severity } from '../../analyzer/finding';
import { addReference, ServiceReference, serviceTransitions, ServiceWording } from '../../gitops/_service-transitions';
import { FindingKind, TransitionFinding } from '../../gitops/transition-finding';
import { MESH_GATEWAY } from '../../model/_util';
import { RouteRule } from '../../model/routing-model';
import { ObjectIndex, RoutingInfo } from '../../reading/object-index';

const WORDING: ServiceWording = {
  aRef: 'a backendRef',
  ref: 'backendRef',
  refs: 'backendRefs',
  missing: 'the Gateway API answers those requests with HTTP 500 (an invalid backendRef)',
  newFails: 'fail (500 without the Service, 503 without ready endpoints)',
  deleted: 'HTTP 500',
  applied: 'every proxy has the new routes',
  live: 'the new routes are live on every proxy',
};

/** The Gateway API findings of the step from `previous` to `next`. */
export function gatewayApiTransitions(before: ObjectIndex, after: ObjectIndex, previous: any[], next: any[]): TransitionFinding[] {
  return [
    ...serviceTransitions(WORDING, refs(before), refs(after), before, after, previous, next),
    ...providerSwitches(before, after),
  ];
}

/** Every Service a route of `index` sends traffic to (weight > 0) or mirrors to. */
function refs(index: ObjectIndex): Map<string, ServiceReference> {
  const out = new Map<string, ServiceReference>();
  for (const route of gatewayApiOf(index).routes) {
    for (const { backend, weight, mirror } of route.backends) {
      if (!backend.isService || weight <= 0) continue;
      addReference(out, {
        serviceKey: backend.serviceKey,
        host: backend.host,
        version: backend.version,
        weight: mirror ? 0 : weight,
        mirror: mirror ? weight : 0,
        source: route.source,
        wave: route.wave,
      });
    }
  }
  return out;
}

/**
 * A host whose routing moves between a VirtualService and a Gateway API route in one commit.
 * Istio leaves mixing VirtualService and HTTPRoute for one workload undefined
 * (istio.io ambient/migrate), and the old and new objects coexist or are both absent for a
 * while during any sync, so the safe sequence keeps both with identical routing for one step.
 */
function providerSwitches(before: ObjectIndex, after: ObjectIndex): TransitionFinding[] {
  const out: TransitionFinding[] = [];
  const gwBefore = new Set(gatewayApiOf(before).routings);
  const gwAfter = new Set(gatewayApiOf(after).routings);
  // The first routing of each host, of the Gateway API and of the others: lookups, not a search per host.
  const firstByHost = (routings: Iterable<RoutingInfo>) => {
    const first = new Map<string, RoutingInfo>();
    for (const r of routings) if (!first.has(r.hostKey)) first.set(r.hostKey, r);
    return first;
  };
  const others = new Map<ObjectIndex, Map<string, RoutingInfo>>([
    [before, firstByHost(before.routings.filter(r => !gwBefore.has(r)))],
    [after, firstByHost(after.routings.filter(r => !gwAfter.has(r)))],
  ]);
  const gateway = new Map<Set<RoutingInfo>, Map<string, RoutingInfo>>([[gwBefore, firstByHost(gwBefore)], [gwAfter, firstByHost(gwAfter)]]);
  const vs = (index: ObjectIndex, _gw: Set<RoutingInfo>, key: string) => others.get(index)!.get(key);
  const gwr = (gw: Set<RoutingInfo>, key: string) => gateway.get(gw)!.get(key);
  const keys = new Set([...before.routings, ...after.routings].map(r => r.hostKey));
  for (const key of keys) {
    const oldVs = vs(before, gwBefore, key);
    const oldGw = gwr(gwBefore, key);
    const newVs = vs(after, gwAfter, key);
    const newGw = gwr(gwAfter, key);
    const host = (newGw ?? newVs ?? oldGw ?? oldVs)!.routing.host;
    if (newVs && newGw) {
      const same = routingText(newVs) === routingText(newGw);
      out.push({
        severity: same ? Severity.WARNING : Severity.ERROR,
        kind: FindingKind.PROVIDER_SWITCH,
        host,
        message: `${newVs.routing.source} and ${newGw.routing.source} both route ${host}${same ? ', identically' : ', differently'}; Istio leaves mixing VirtualService and HTTPRoute `
          + `for one workload undefined${same ? ', which is harmless only while both send every request to the same place' : ', so requests may follow either'}`,
        fix: same ? `remove ${newVs.routing.source} in the next commit` : `give both the same routing (cdk8s-canary diff shows no traffic change between them), then remove ${newVs.routing.source}`,
        safeSequence: switchSequence(host, 'VirtualService', 'HTTPRoute'),
      });
      continue;
    }
    const toGw = oldVs && !oldGw && newGw && !newVs;
    const toVs = oldGw && !oldVs && newVs && !newGw;
    if (!toGw && !toVs) continue;
    const [from, to] = toGw ? [oldVs!, newGw!] : [oldGw!, newVs!];
    const [fromKind, toKind] = toGw ? ['VirtualService', 'HTTPRoute'] : ['HTTPRoute', 'VirtualService'];
    out.push({
      severity: Severity.ERROR,
      kind: FindingKind.PROVIDER_SWITCH,
      host,
      message: `the routing of ${host} moves from ${from.routing.source} to ${to.routing.source} in one commit; during the sync both exist (Istio leaves mixing `
        + `VirtualService and HTTPRoute for one workload undefined) or neither does (requests reach any pod of ${host}, ignoring weights and cohorts)`,
      fix: `add the ${toKind} with exactly the routing of the ${fromKind} first, keeping the ${fromKind}; remove the ${fromKind} in the next commit`,
      safeSequence: switchSequence(host, fromKind, toKind),
    });
  }
  return out;
}

function switchSequence(host: string, fromKind: string, toKind: string): string[] {
  const steps: string[] = [];
  if (toKind === 'HTTPRoute') {
    steps.push(`add the per-version Services of ${host} (<service>-<version>, selecting the pods that already run), with no route naming them yet`);
  }
  steps.push(
    `add the ${toKind} with exactly the routing of the ${fromKind} (cdk8s-canary diff between the two shows no traffic change), keeping the ${fromKind}: `
      + 'while both exist, proxies may use either, and both send every request to the same place',
    `remove the ${fromKind}${fromKind === 'VirtualService' ? ' (and the DestinationRule subsets nothing routes to any more)' : ''}`,
    `change the routing of ${host} (weights, cohorts) only in later commits, through the ${toKind}`,
  );
  return steps.map((step, i) => `${i + 1}) ${step}`);
}

/** The routing's behaviour as text: equal for routings that send every request to the same place. */
function routingText(r: RoutingInfo): string {
  const gateways = (g?: string[]) => [...(g && g.length > 0 ? g : [MESH_GATEWAY])].sort().join(',');
  const rule = (x: RouteRule) => JSON.stringify([
    x.gateways ? gateways(x.gateways) : '',
    (x.matches ?? []).map(m => m.key).sort(),
    x.destinations.filter(d => d.weight > 0).map(d => `${d.host ?? ''}/${d.version ?? ''}=${d.weight}`).sort(),
    (x.mirrors ?? (x.mirror ? [x.mirror] : [])).map(m => `${m.host ?? ''}/${m.version}=${m.percent}`).join(','),
  ]);
  return JSON.stringify([gateways(r.routing.gateways), r.routing.rules.map(rule)]);
}

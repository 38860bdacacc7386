// Make-before-break for Gateway API routing, at Service level (internal; part of TransitionCheck).
//
// HTTPRoute has no subsets: a version is the set of pods a per-version Service selects, and a
// backendRef names that Service. So a version's Service and pods must exist before any
// backendRef names it, and a backendRef must be gone before its Service is deleted. A
// backendRef to a missing Service answers 500, to a Service without ready endpoints 503
// (httproute_types.go, HTTPRouteRule.BackendRefs).
import { gatewayApiOf, RouteSummary } from './_route-index';
import { Severity } from '../../analyzer/finding';
import { FindingKind, TransitionFinding } from '../../gitops/transition-check';
import { MESH_GATEWAY } from '../../model/_util';
import { RouteRule } from '../../model/routing-model';
import { ARGO_SYNC_WAVE, DeploymentInfo, IstioIndex, RoutingInfo } from '../istio/_object-index';

interface Svc {
  readonly key: string;
  readonly name: string;
  readonly namespace: string;
  readonly selector: Record<string, string>;
  readonly wave: number;
}

type Services = Map<string, Svc>;

interface Ref {
  readonly serviceKey: string;
  readonly host: string;
  readonly version?: string;
  readonly weight: number;
  readonly mirror: number;
  readonly route: RouteSummary;
}

/** The Gateway API findings of the step from `previous` to `next`. */
export function gatewayApiTransitions(before: IstioIndex, after: IstioIndex, previous: any[], next: any[]): TransitionFinding[] {
  const out: TransitionFinding[] = [];
  const oldServices = services(previous);
  const newServices = services(next);
  const oldRefs = refs(before);
  const newRefs = refs(after);

  for (const r of newRefs.values()) out.push(...routedInNext(r, oldServices, newServices, before, after));
  for (const r of oldRefs.values()) {
    if (newRefs.has(r.serviceKey)) continue;
    out.push(...removedWhileRouted(r, oldServices, newServices, before, after));
  }
  out.push(...providerSwitches(before, after));
  return out;
}

function services(objects: any[]): Map<string, Svc> {
  const out = new Map<string, Svc>();
  for (const o of objects) {
    if (o?.kind !== 'Service' || o?.apiVersion !== 'v1') continue;
    const namespace = typeof o.metadata?.namespace === 'string' && o.metadata.namespace ? o.metadata.namespace : 'default';
    const name = String(o.metadata?.name ?? '');
    const selector: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.spec?.selector ?? {})) if (typeof v === 'string') selector[k] = v;
    const wave = Number(o.metadata?.annotations?.[ARGO_SYNC_WAVE] ?? 0);
    out.set(`${namespace}/${name}`, { key: `${namespace}/${name}`, name, namespace, selector, wave: Number.isFinite(wave) ? wave : 0 });
  }
  return out;
}

/** Every Service a route of `index` sends traffic to (weight > 0) or mirrors to. */
function refs(index: IstioIndex): Map<string, Ref> {
  const out = new Map<string, Ref>();
  for (const route of gatewayApiOf(index).routes) {
    for (const { backend, weight, mirror } of route.backends) {
      if (!backend.isService || weight <= 0) continue;
      const old = out.get(backend.serviceKey);
      out.set(backend.serviceKey, {
        serviceKey: backend.serviceKey,
        host: backend.host,
        version: backend.version,
        weight: Math.max(old?.weight ?? 0, mirror ? 0 : weight),
        mirror: Math.max(old?.mirror ?? 0, mirror ? weight : 0),
        route: old?.route ?? route,
      });
    }
  }
  return out;
}

function podsOf(index: IstioIndex, svc: Svc): DeploymentInfo[] {
  if (Object.keys(svc.selector).length === 0) return [];
  return index.deployments.filter(d => d.namespace === svc.namespace && Object.entries(svc.selector).every(([k, v]) => d.podLabels[k] === v));
}

function label(r: Ref): string {
  return `Service ${r.serviceKey}${r.version ? ` (${r.host} ${r.version})` : ''}`;
}

function sends(r: Ref): string {
  const parts = [];
  if (r.weight > 0) parts.push('sends it traffic');
  if (r.mirror > 0) parts.push(`mirrors ${r.mirror}% of a rule's traffic to it`);
  return parts.join(' and ');
}

function severityOf(r: Ref): Severity {
  // Mirrored copies are fire-and-forget: their failures never reach clients.
  return r.weight > 0 ? Severity.ERROR : Severity.WARNING;
}

function names(deps: DeploymentInfo[]): string {
  return deps.map(d => d.name).join(', ');
}

function finding(r: Ref, kind: FindingKind, message: string, fix: string, safeSequence: string[]): TransitionFinding {
  return { severity: severityOf(r), kind, host: r.host, ...(r.version ? { version: r.version } : {}), message, fix, safeSequence };
}

/** A Service routed in `next`: it must exist, select running pods, and predate the backendRef. */
function routedInNext(r: Ref, oldServices: Services, newServices: Services, before: IstioIndex, after: IstioIndex): TransitionFinding[] {
  const svc = newServices.get(r.serviceKey);
  const route = r.route.source;
  if (!svc) {
    const existed = oldServices.has(r.serviceKey);
    return [finding(r, existed ? FindingKind.SERVICE_REMOVED_WHILE_ROUTED : FindingKind.ROUTED_TO_MISSING_SERVICE,
      `${route} ${sends(r)} (${label(r)}), but the Service ${existed ? 'is deleted in this commit' : 'is not in the output'}; `
        + 'the Gateway API answers those requests with HTTP 500 (an invalid backendRef)',
      existed ? `keep Service ${r.serviceKey} while a backendRef names it` : `add Service ${r.serviceKey} and its pods before a backendRef names it`,
      [`1) add Service ${r.serviceKey} and the Deployment whose pods it selects, with no backendRef to it`, '2) once its pods are ready, add the backendRef (weight 0 first if you shift traffic step by step)'])];
  }
  const pods = podsOf(after, svc);
  if (pods.length === 0 && after.deployments.some(d => d.namespace === svc.namespace)) {
    return [finding(r, FindingKind.ROUTED_TO_NO_REPLICAS,
      `${route} ${sends(r)} (${label(r)}), but no Deployment runs pods that Service ${r.serviceKey} selects (${JSON.stringify(svc.selector)}); `
        + 'those requests get HTTP 503 (no ready endpoints)',
      `deploy the pods of ${r.serviceKey} (or keep their Deployment) while a backendRef names it`,
      [`1) deploy the pods Service ${r.serviceKey} selects`, '2) once they are ready, send traffic to it', '3) remove pods only after the backendRef is gone, in a later commit'])];
  }
  if (pods.length > 0 && pods.every(d => d.replicas === 0)) {
    return [finding(r, FindingKind.ROUTED_TO_NO_REPLICAS,
      `${route} ${sends(r)} (${label(r)}), but ${names(pods)} has 0 replicas; those requests get HTTP 503 (no ready endpoints)`,
      `scale ${names(pods)} up before routing to it, or send it no traffic`,
      [`1) scale ${names(pods)} up (replicas > 0), with no traffic to ${r.serviceKey}`, `2) once its pods are ready, send traffic to ${r.serviceKey}`])];
  }
  const newService = !oldServices.has(r.serviceKey);
  const fresh = pods.filter(d => !before.deployments.some(o => o.key === d.key));
  const newPods = pods.length > 0 && fresh.length === pods.length;
  if (!newService && !newPods) return [];
  const wave = r.route.wave;
  if (svc.wave < wave && fresh.every(d => d.wave < wave)) return [];
  const what = [newService ? `Service ${r.serviceKey}` : '', newPods ? `Deployment ${names(fresh)}` : ''].filter(x => x).join(' and ');
  return [finding(r, FindingKind.ROUTED_TO_NEW_VERSION,
    `${what} ${newService && newPods ? 'are' : 'is'} new in this commit and ${route} already ${sends(r)}; nothing orders the new objects before the route, `
      + 'and new pods need time to become ready, so those requests fail (500 without the Service, 503 without ready endpoints) meanwhile',
    `add the Service and its pods in one commit and the backendRef in the next; or give the Service and Deployment a lower ${ARGO_SYNC_WAVE} than the route`,
    [
      `1) add ${r.version ? `${r.host} ${r.version}` : r.serviceKey} (Service ${r.serviceKey} and its Deployment), with no backendRef to it`,
      '2) once its pods are ready, add the backendRef and move traffic to it step by step',
      '3) remove the old version in a later commit, after its backendRefs are gone',
    ])];
}

/** A Service routed before and not now: it and its pods must outlive the old backendRefs. */
function removedWhileRouted(r: Ref, oldServices: Services, newServices: Services, before: IstioIndex, after: IstioIndex): TransitionFinding[] {
  const oldSvc = oldServices.get(r.serviceKey);
  if (!oldSvc) return [];
  const newSvc = newServices.get(r.serviceKey);
  const oldPods = podsOf(before, oldSvc).filter(d => d.replicas > 0);
  const newPods = newSvc
    ? podsOf(after, newSvc)
    : oldPods.map(d => after.deployments.find(n => n.key === d.key)).filter((d): d is DeploymentInfo => d !== undefined);
  const podsGone = oldPods.length > 0 && !newPods.some(d => d.replicas > 0);
  const sequence = [
    `1) remove every backendRef to ${r.serviceKey}${r.mirror > 0 ? ' and the mirror' : ''} (move its traffic to other backends), keeping the Service and its pods`,
    `2) once the new routes are live on every proxy, delete Service ${r.serviceKey}${oldPods.length > 0 ? ` and scale down or remove ${names(oldPods)}` : ''}`,
  ];
  if (!newSvc) {
    return [finding(r, FindingKind.SERVICE_REMOVED_WHILE_ROUTED,
      `Service ${r.serviceKey}${r.version ? ` (${r.host} ${r.version})` : ''} is deleted${podsGone ? `, with its pods (${names(oldPods)}),` : ''} in the same commit that removes the backendRef `
        + `of ${r.route.source}, which ${sends(r)}; until every proxy has the new routes, those requests get HTTP 500`,
      `keep Service ${r.serviceKey}${podsGone ? ` and ${names(oldPods)}` : ''} in this commit; delete ${podsGone ? 'them' : 'it'} in a later commit`,
      sequence)];
  }
  if (podsGone) {
    return [finding(r, FindingKind.ROUTED_TO_NO_REPLICAS,
      `the pods of Service ${r.serviceKey} (${names(oldPods)}) are ${newPods.length > 0 ? 'scaled to 0' : 'removed'} in the same commit that removes the backendRef of ${r.route.source}, `
        + `which ${sends(r)}; until every proxy has the new routes, those requests get HTTP 503`,
      `keep ${names(oldPods)} running in this commit; scale it down or remove it in a later commit`,
      sequence)];
  }
  return [];
}

/**
 * A host whose routing moves between a VirtualService and a Gateway API route in one commit.
 * Istio leaves mixing VirtualService and HTTPRoute for one workload undefined
 * (istio.io ambient/migrate), and the old and new objects coexist or are both absent for a
 * while during any sync, so the safe sequence keeps both with identical routing for one step.
 */
function providerSwitches(before: IstioIndex, after: IstioIndex): TransitionFinding[] {
  const out: TransitionFinding[] = [];
  const gwBefore = new Set(gatewayApiOf(before).routings);
  const gwAfter = new Set(gatewayApiOf(after).routings);
  const vs = (index: IstioIndex, gw: Set<RoutingInfo>, key: string) => index.routings.find(r => !gw.has(r) && r.hostKey === key);
  const gwr = (gw: Set<RoutingInfo>, key: string) => [...gw].find(r => r.hostKey === key);
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
    x.mirror ? `${x.mirror.host ?? ''}/${x.mirror.version}=${x.mirror.percent}` : '',
  ]);
  return JSON.stringify([gateways(r.routing.gateways), r.routing.rules.map(rule)]);
}

// Make-before-break at Service level (internal; part of TransitionCheck), for the providers
// whose routing objects name one Service per version (Gateway API backendRefs, ingress-nginx
// Ingress backends): a version is the set of pods its Service selects. So a Service and its
// pods must exist before a route sends them traffic, and a route must stop sending traffic to
// a Service before the Service or its pods go. Each provider lists its references and words
// the findings in its own terms (what a reference is, what a proxy answers).
import { FindingKind, TransitionFinding } from './transition-finding';
import { Severity } from '../analyzer/finding';
import { DeploymentInfo, deploymentsWith, ObjectIndex } from '../reading/object-index';
import { ARGO_SYNC_WAVE, namespaceOf, waveOf } from '../reading/objects';

/** A Service a routing object sends traffic to or mirrors to. */
export interface ServiceReference {
  /** `<namespace>/<name>` of the Service. */
  readonly serviceKey: string;
  /** The host whose traffic it serves (for findings). */
  readonly host: string;
  /** The version the Service selects, if known. */
  readonly version?: string;
  /** The largest share of traffic it receives (> 0 when it receives live traffic). */
  readonly weight: number;
  /** The largest percent of traffic mirrored to it. */
  readonly mirror: number;
  /** The routing object, e.g. `HTTPRoute default/reviews`. */
  readonly source: string;
  /** The routing object's Argo CD sync wave. */
  readonly wave: number;
  /**
   * The routed host served nothing before this commit (no routing object for it in the
   * previous output): new objects routed at once fail no request that used to succeed.
   */
  readonly firstDeployment?: boolean;
}

/** How a provider words the findings. */
export interface ServiceWording {
  /** A reference, with its article: `a backendRef`. */
  readonly aRef: string;
  /** The reference: `backendRef`. */
  readonly ref: string;
  /** The references: `backendRefs`. */
  readonly refs: string;
  /** What a request to a Service missing from the output gets: `the Gateway API answers those requests with HTTP 500 (an invalid backendRef)`. */
  readonly missing: string;
  /** How requests to new objects fail meanwhile: `fail (500 without the Service, 503 without ready endpoints)`. */
  readonly newFails: string;
  /** What a request gets while the old routes still name a deleted Service: `HTTP 500`. */
  readonly deleted: string;
  /** Until when the old routes may still be used: `every proxy has the new routes`. */
  readonly applied: string;
  /** When the old references are gone everywhere: `the new routes are live on every proxy`. */
  readonly live: string;
}

interface Svc {
  readonly key: string;
  readonly namespace: string;
  readonly selector: Record<string, string>;
  readonly wave: number;
}

type Services = Map<string, Svc>;

/**
 * The findings of a step, given every Service reference of the previous and of the next
 * output (one per Service: the largest weight and mirror, the first routing object).
 */
export function serviceTransitions(w: ServiceWording, oldRefs: Map<string, ServiceReference>, newRefs: Map<string, ServiceReference>,
  before: ObjectIndex, after: ObjectIndex, previous: any[], next: any[]): TransitionFinding[] {
  const out: TransitionFinding[] = [];
  const oldServices = services(previous);
  const newServices = services(next);
  for (const r of newRefs.values()) out.push(...routedInNext(w, r, oldServices, newServices, before, after));
  for (const r of oldRefs.values()) {
    if (newRefs.has(r.serviceKey)) continue;
    out.push(...removedWhileRouted(w, r, oldServices, newServices, before, after));
  }
  return out;
}

/** Adds a reference to `refs`, merging it with an earlier one to the same Service. */
export function addReference(refs: Map<string, ServiceReference>, r: ServiceReference): void {
  if (r.weight <= 0 && r.mirror <= 0) return;
  const old = refs.get(r.serviceKey);
  refs.set(r.serviceKey, old ? {
    ...old,
    weight: Math.max(old.weight, r.weight),
    mirror: Math.max(old.mirror, r.mirror),
    firstDeployment: old.firstDeployment && r.firstDeployment,
  } : r);
}

function services(objects: any[]): Services {
  const out = new Map<string, Svc>();
  for (const o of objects) {
    if (o?.kind !== 'Service' || o?.apiVersion !== 'v1') continue;
    const namespace = namespaceOf(o);
    const name = String(o.metadata?.name ?? '');
    const selector: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.spec?.selector ?? {})) if (typeof v === 'string') selector[k] = v;
    out.set(`${namespace}/${name}`, { key: `${namespace}/${name}`, namespace, selector, wave: waveOf(o) });
  }
  return out;
}

function podsOf(index: ObjectIndex, svc: Svc): DeploymentInfo[] {
  if (Object.keys(svc.selector).length === 0) return [];
  return deploymentsWith(index, svc.namespace, svc.selector);
}

function label(r: ServiceReference): string {
  return `Service ${r.serviceKey}${r.version ? ` (${r.host} ${r.version})` : ''}`;
}

function sends(r: ServiceReference): string {
  const parts = [];
  if (r.weight > 0) parts.push('sends it traffic');
  if (r.mirror > 0) parts.push(`mirrors ${r.mirror}% of a rule's traffic to it`);
  return parts.join(' and ');
}

function severityOf(r: ServiceReference): Severity {
  // Mirrored copies are fire-and-forget: their failures never reach clients.
  return r.weight > 0 ? Severity.ERROR : Severity.WARNING;
}

function names(deps: DeploymentInfo[]): string {
  return deps.map(d => d.name).join(', ');
}

function finding(r: ServiceReference, kind: FindingKind, message: string, fix: string, safeSequence: string[]): TransitionFinding {
  return { severity: severityOf(r), kind, host: r.host, ...(r.version ? { version: r.version } : {}), message, fix, safeSequence };
}

/** A Service routed in `next`: it must exist, select running pods, and predate the reference. */
function routedInNext(w: ServiceWording, r: ServiceReference, oldServices: Services, newServices: Services,
  before: ObjectIndex, after: ObjectIndex): TransitionFinding[] {
  const svc = newServices.get(r.serviceKey);
  const route = r.source;
  if (!svc) {
    const existed = oldServices.has(r.serviceKey);
    return [finding(r, existed ? FindingKind.SERVICE_REMOVED_WHILE_ROUTED : FindingKind.ROUTED_TO_MISSING_SERVICE,
      `${route} ${sends(r)} (${label(r)}), but the Service ${existed ? 'is deleted in this commit' : 'is not in the output'}; ${w.missing}`,
      existed ? `keep Service ${r.serviceKey} while ${w.aRef} names it` : `add Service ${r.serviceKey} and its pods before ${w.aRef} names it`,
      [`1) add Service ${r.serviceKey} and the Deployment whose pods it selects, with no ${w.ref} to it`, `2) once its pods are ready, add the ${w.ref} (weight 0 first if you shift traffic step by step)`])];
  }
  const pods = podsOf(after, svc);
  if (pods.length === 0 && after.deployments.some(d => d.namespace === svc.namespace)) {
    return [finding(r, FindingKind.ROUTED_TO_NO_REPLICAS,
      `${route} ${sends(r)} (${label(r)}), but no Deployment runs pods that Service ${r.serviceKey} selects (${JSON.stringify(svc.selector)}); `
        + 'those requests get HTTP 503 (no ready endpoints)',
      `deploy the pods of ${r.serviceKey} (or keep their Deployment) while ${w.aRef} names it`,
      [`1) deploy the pods Service ${r.serviceKey} selects`, '2) once they are ready, send traffic to it', `3) remove pods only after the ${w.ref} is gone, in a later commit`])];
  }
  if (pods.length > 0 && pods.every(d => d.replicas === 0)) {
    return [finding(r, FindingKind.ROUTED_TO_NO_REPLICAS,
      `${route} ${sends(r)} (${label(r)}), but ${names(pods)} has 0 replicas; those requests get HTTP 503 (no ready endpoints)`,
      `scale ${names(pods)} up before routing to it, or send it no traffic`,
      [`1) scale ${names(pods)} up (replicas > 0), with no traffic to ${r.serviceKey}`, `2) once its pods are ready, send traffic to ${r.serviceKey}`])];
  }
  if (r.firstDeployment) return [];
  const newService = !oldServices.has(r.serviceKey);
  // Pods that ran no replica before (a new Deployment, or one scaled up from 0) are not ready yet.
  const fresh = pods.filter(d => !before.deployments.some(o => o.key === d.key && o.replicas > 0));
  const scaled = fresh.filter(d => before.deployments.some(o => o.key === d.key));
  const newPods = pods.length > 0 && fresh.length === pods.length;
  if (!newService && !newPods) return [];
  if (svc.wave < r.wave && fresh.every(d => d.wave < r.wave)) return [];
  const what = [newService ? `Service ${r.serviceKey}` : '', newPods ? `Deployment ${names(fresh)}${scaled.length > 0 ? ' (scaled up from 0 replicas)' : ''}` : '']
    .filter(x => x).join(' and ');
  return [finding(r, FindingKind.ROUTED_TO_NEW_VERSION,
    `${what} ${newService && newPods ? 'are' : 'is'} new in this commit and ${route} already ${sends(r)}; nothing orders the new objects before the route, `
      + `and new pods need time to become ready, so those requests ${w.newFails} meanwhile`,
    `add the Service and its pods in one commit and the ${w.ref} in the next; or give the Service and Deployment a lower ${ARGO_SYNC_WAVE} than the route`,
    [
      `1) add ${r.version ? `${r.host} ${r.version}` : r.serviceKey} (Service ${r.serviceKey} and its Deployment), with no ${w.ref} to it`,
      `2) once its pods are ready, add the ${w.ref} and move traffic to it step by step`,
      `3) remove the old version in a later commit, after its ${w.refs} are gone`,
    ])];
}

/** A Service routed before and not now: it and its pods must outlive the old references. */
function removedWhileRouted(w: ServiceWording, r: ServiceReference, oldServices: Services, newServices: Services,
  before: ObjectIndex, after: ObjectIndex): TransitionFinding[] {
  const oldSvc = oldServices.get(r.serviceKey);
  if (!oldSvc) return [];
  const newSvc = newServices.get(r.serviceKey);
  const oldPods = podsOf(before, oldSvc).filter(d => d.replicas > 0);
  const newPods = newSvc
    ? podsOf(after, newSvc)
    : oldPods.map(d => after.deployments.find(n => n.key === d.key)).filter((d): d is DeploymentInfo => d !== undefined);
  const podsGone = oldPods.length > 0 && !newPods.some(d => d.replicas > 0);
  const sequence = [
    `1) remove every ${w.ref} to ${r.serviceKey}${r.mirror > 0 ? ' and the mirror' : ''} (move its traffic to other backends), keeping the Service and its pods`,
    `2) once ${w.live}, delete Service ${r.serviceKey}${oldPods.length > 0 ? ` and scale down or remove ${names(oldPods)}` : ''}`,
  ];
  if (!newSvc) {
    return [finding(r, FindingKind.SERVICE_REMOVED_WHILE_ROUTED,
      `Service ${r.serviceKey}${r.version ? ` (${r.host} ${r.version})` : ''} is deleted${podsGone ? `, with its pods (${names(oldPods)}),` : ''} in the same commit that removes the ${w.ref} `
        + `of ${r.source}, which ${sends(r)}; until ${w.applied}, those requests get ${w.deleted}`,
      `keep Service ${r.serviceKey}${podsGone ? ` and ${names(oldPods)}` : ''} in this commit; delete ${podsGone ? 'them' : 'it'} in a later commit`,
      sequence)];
  }
  if (podsGone) {
    return [finding(r, FindingKind.ROUTED_TO_NO_REPLICAS,
      `the pods of Service ${r.serviceKey} (${names(oldPods)}) are ${newPods.length > 0 ? 'scaled to 0' : 'removed'} in the same commit that removes the ${w.ref} of ${r.source}, `
        + `which ${sends(r)}; until ${w.applied}, those requests get HTTP 503`,
      `keep ${names(oldPods)} running in this commit; scale it down or remove it in a later commit`,
      sequence)];
  }
  return [];
}

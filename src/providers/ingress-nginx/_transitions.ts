// Make-before-break for ingress-nginx Ingresses, at Service level (internal; part of
// TransitionCheck).
//
// An Ingress backend names a Service; ingress-nginx sends a request to the Service's ready
// endpoints and answers 503 when it has none: a Service missing from the cluster, selecting
// no pods, or whose pods are not ready yet. Per host and path, the main Ingress serves what
// the canary Ingress does not take: the canary's Service gets traffic when its weight is
// above 0 or a header or cookie cohort selects it; the main Ingress's Service unless the
// canary takes every request (weight 100 and no `never` cohort). After a promotion the
// canary Ingress is gone and the main Ingress alone sends everything to its Service. The
// main Ingress's `mirror-target` copies every request of the location to a Service.
import { ingressesOf, NginxCanary, NginxHostRead, nginxMirrorOf } from './_reader';
import { Severity } from '../../analyzer/finding';
import { addReference, ServiceReference, serviceTransitions, ServiceWording } from '../../gitops/_service-transitions';
import { FindingKind, TransitionFinding } from '../../gitops/transition-finding';
import { hostKey } from '../../reading/hosts';
import { deploymentsWith, ObjectIndex } from '../../reading/object-index';
import { waveOf } from '../../reading/objects';

const WORDING: ServiceWording = {
  aRef: 'an Ingress backend',
  ref: 'Ingress backend',
  refs: 'Ingress backends',
  missing: 'ingress-nginx answers those requests with HTTP 503 (a backend Service it cannot find has no endpoints)',
  newFails: 'get HTTP 503 from ingress-nginx (no ready endpoints)',
  deleted: 'HTTP 503 from ingress-nginx',
  applied: 'ingress-nginx has loaded the new Ingresses',
  live: 'ingress-nginx serves the new Ingresses',
};

/** The ingress-nginx findings of the step from `previous` to `next`. */
export function ingressNginxTransitions(before: ObjectIndex, after: ObjectIndex, previous: any[], next: any[]): TransitionFinding[] {
  const served = new Set([...ingressesOf(before).values()].map(h => h.host));
  return [
    ...serviceTransitions(WORDING, references(before), references(after, served), before, after, previous, next),
    ...spreadingServices(after, next),
  ];
}

/**
 * Services of `next` that select the pods of two or more versions an Ingress routing sends
 * to through their own Services (the app Service `<service>` selecting `app: <service>`,
 * say): ingress-nginx splits only what enters through the Ingresses, so in-cluster callers
 * of such a Service get each version in proportion to its ready pods. An error when a
 * version it selects gets no traffic from the routing (a canary at weight 0 is live to
 * in-cluster callers), else a warning.
 */
export function spreadingServices(index: ObjectIndex, next: any[]): TransitionFinding[] {
  const out: TransitionFinding[] = [];
  const reported = new Set<string>();
  for (const read of ingressesOf(index).values()) {
    // The routing's versions: each backend Service's pods (running), and whether any rule sends it traffic.
    const versions = new Map<string, { deployments: Set<string>; routed: boolean; namespace: string }>();
    for (const g of read.groups) {
      const backends: Array<[string | undefined, { service: string; namespace: string }]> = [
        [g.versions.main, g.main], [g.versions.canary, g.canary?.path ?? g.main],
      ];
      for (const [version, p] of backends) {
        if (version === undefined || versions.has(version)) continue;
        const selector = index.selectors.get(hostKey(p.service, p.namespace)) ?? {};
        const deployments = Object.keys(selector).length === 0 ? [] : deploymentsWith(index, p.namespace, selector).filter(d => d.replicas > 0);
        const routed = read.routing.routing.rules.some(r => r.destinations.some(d => d.version === version && d.weight > 0));
        versions.set(version, { deployments: new Set(deployments.map(d => d.key)), routed, namespace: p.namespace });
      }
    }
    if (versions.size < 2) continue;
    const backendServices = new Set(read.groups.flatMap(g => [`${g.main.namespace}/${g.main.service}`, ...(g.canary ? [`${g.canary.path.namespace}/${g.canary.path.service}`] : [])]));
    for (const o of next) {
      if (o?.kind !== 'Service' || o?.apiVersion !== 'v1') continue;
      const namespace = o.metadata?.namespace ?? 'default';
      const key = `${namespace}/${o.metadata?.name}`;
      if (backendServices.has(key) || reported.has(key)) continue;
      const selector: Record<string, string> = o.spec?.selector ?? {};
      if (Object.keys(selector).length === 0) continue;
      const selected = new Set(deploymentsWith(index, namespace, selector).filter(d => d.replicas > 0).map(d => d.key));
      const spread = [...versions].filter(([, v]) => v.namespace === namespace && [...v.deployments].some(d => selected.has(d)));
      if (spread.length < 2) continue;
      reported.add(key);
      const unrouted = spread.filter(([, v]) => !v.routed).map(([name]) => name);
      out.push({
        severity: unrouted.length > 0 ? Severity.ERROR : Severity.WARNING,
        kind: FindingKind.SERVICE_SPREADS_VERSIONS,
        host: read.host,
        ...(unrouted.length > 0 ? { version: unrouted[0] } : {}),
        message: `Service ${key} selects the pods of versions ${spread.map(([name]) => name).join(' and ')} of ${read.host}'s Ingress routing; ingress-nginx splits only the requests that enter through the Ingresses, `
          + `so in-cluster callers of ${o.metadata?.name} get each version in proportion to its ready pods${unrouted.length > 0 ? `, ${unrouted.join(' and ')} included though the Ingresses send it no traffic` : ', not as the release says'}`,
        fix: `make Service ${key} select one version's pods (add its version label to the selector), or have in-cluster callers use the version Services`,
        safeSequence: [`narrow Service ${key}'s selector to the stable version in the same commit that deploys the new version, or before it`],
      });
    }
  }
  return out;
}

/**
 * The Services the Ingresses read into `index` send traffic or mirror to. `served`: the hosts
 * an Ingress served before; a host that none served is a first deployment.
 */
function references(index: ObjectIndex, served?: Set<string>): Map<string, ServiceReference> {
  const out = new Map<string, ServiceReference>();
  for (const { host, groups } of ingressesOf(index).values()) {
    const first = served !== undefined && !served.has(host);
    for (const { main, canary } of groups) {
      const ref = (p: { service: string; namespace: string; ingress: any; source: string }, weight: number, mirror = 0): ServiceReference => ({
        serviceKey: `${p.namespace}/${p.service}`,
        host,
        version: index.selectors.get(hostKey(p.service, p.namespace))?.version,
        weight,
        mirror,
        source: p.source,
        wave: waveOf(p.ingress),
        firstDeployment: first,
      });
      const split = canary ? canarySplit(canary) : { weight: 0, cohort: false, never: false };
      addReference(out, ref(main, Math.max(100 - split.weight, split.never ? 100 : 0)));
      if (canary) addReference(out, ref(canary.path, split.cohort ? 100 : split.weight));
      const mirror = nginxMirrorOf(main.ingress);
      if (mirror) addReference(out, ref({ ...main, service: mirror.name, namespace: mirror.namespace }, 0, 100));
    }
  }
  return out;
}

/**
 * What a canary Ingress takes: its weight in percent, whether a header or cookie cohort
 * selects it, and whether a `never` value keeps requests on the main Ingress.
 */
function canarySplit(c: NginxCanary): { weight: number; cohort: boolean; never: boolean } {
  const weight = c.total > 0 ? c.weight * 100 / c.total : 0;
  const headerNever = c.header !== undefined && c.headerValue === undefined && c.headerPattern === undefined;
  return { weight, cohort: c.header !== undefined || c.cookie !== undefined, never: headerNever || c.cookie !== undefined };
}

/**
 * Whether the Service behind a version of an Ingress routing selects running pods (replicas
 * > 0): a blue-green switch between two running versions is not a weight jump.
 */
export function nginxVersionRunning(index: ObjectIndex, read: NginxHostRead, version: string): boolean {
  for (const { main, canary, versions } of read.groups) {
    const p = versions.main === version ? main : versions.canary === version ? canary?.path : undefined;
    if (!p) continue;
    const selector = index.selectors.get(hostKey(p.service, p.namespace)) ?? {};
    if (Object.keys(selector).length === 0) return false;
    return deploymentsWith(index, p.namespace, selector).some(d => d.replicas > 0);
  }
  return false;
}

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
import { addReference, ServiceReference, serviceTransitions, ServiceWording } from '../../gitops/_service-transitions';
import { TransitionFinding } from '../../gitops/transition-finding';
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
  return serviceTransitions(WORDING, references(before), references(after, served), before, after, previous, next);
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

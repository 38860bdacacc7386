// What the capacity rule of `check` needs from ingress-nginx (internal): the replicas of each
// version of an Ingress routing. The reader names versions after their backend Services and
// leaves their replicas unknown; here each version's replicas are those of the Deployments
// its Service selects.
import { ingressesOf } from './_reader';
import { ServiceRouting } from '../../model/routing-model';
import { hostKey } from '../../reading/hosts';
import { deploymentsWith, ObjectIndex, RoutingInfo } from '../../reading/object-index';

/** Each Ingress routing of the index, with its versions' replicas (unknown where a Service selects no Deployment). */
export function nginxRoutingsWithReplicas(index: ObjectIndex): Map<RoutingInfo, ServiceRouting> {
  const out = new Map<RoutingInfo, ServiceRouting>();
  for (const [info, read] of ingressesOf(index)) {
    const replicas = new Map<string, number>();
    for (const g of read.groups) {
      const backends: Array<[string | undefined, { namespace: string; service: string } | undefined]> = [
        [g.versions.main, g.main], [g.versions.canary, g.canary?.path], [g.versions.mirror, undefined],
      ];
      for (const [version, p] of backends) {
        if (version === undefined || p === undefined || replicas.has(version)) continue;
        const selector = index.selectors.get(hostKey(p.service, p.namespace));
        if (!selector || Object.keys(selector).length === 0) continue;
        const deps = deploymentsWith(index, p.namespace, selector);
        if (deps.length > 0) replicas.set(version, deps.reduce((n, d) => n + d.replicas, 0));
      }
    }
    const routing = info.routing;
    const known = (v: ServiceRouting['versions'][number]) => v.replicas === undefined && replicas.has(v.version);
    const versions = routing.versions.map(v => (known(v) ? { ...v, replicas: replicas.get(v.version) } : v));
    out.set(info, { ...routing, versions });
  }
  return out;
}

// Reading plain Kubernetes Services (no VirtualService, HTTPRoute or GRPCRoute routes them)
// into the routing model (internal; the tools get these routings from indexObjects).
//
// A Service spreads connections over the ready pods it selects: each version's share of the
// traffic is its share of those pods. The versions are the Deployments the Service's selector
// selects once its `version` key is left out (so that a Service switched to one version still
// knows the others), grouped by their pods' `version` label; the traffic goes to those the
// full selector selects, in proportion to their replicas.
import { VERSION_LABEL } from './_labels';
import { withoutUndefined } from '../../model/_util';
import { RouteDestination, ServiceVersion } from '../../model/routing-model';
import { hostKey } from '../../reading/hosts';
import { DeploymentInfo, deploymentsWith, ObjectIndex, RoutingInfo } from '../../reading/object-index';
import { namespaceOf } from '../../reading/objects';

/** What the transition check needs of a plain Service's routing. */
export interface PlainServiceRead {
  readonly routing: RoutingInfo;
  /** The Service's selector. */
  readonly selector: Record<string, string>;
  /** Replicas per version (the sum over its Deployments). */
  readonly replicas: Map<string, number>;
  /** The versions the Service selects. */
  readonly selected: string[];
}

/** The provider name the plain-Service reader stamps on its routings. */
export const KUBERNETES = 'kubernetes';

const READ = new WeakMap<ObjectIndex, Map<RoutingInfo, PlainServiceRead>>();

/** The plain Services read from an index, by routing. */
export function plainServicesOf(index: ObjectIndex): Map<RoutingInfo, PlainServiceRead> {
  return READ.get(index) ?? new Map();
}

function subsetOf(a: Record<string, string>, b: Record<string, string>): boolean {
  return Object.entries(a).every(([k, v]) => b[k] === v);
}

/**
 * Routings for the Services that no routing routes and no DestinationRule names, whose pods are versioned (the
 * Deployments carry a `version` label) and that are not a per-version backend of a routed
 * Service (a selector that includes a routed Service's selector).
 */
export function readPlainServices(objects: any[], index: ObjectIndex): RoutingInfo[] {
  // Hosts routed already, and the backends other routing objects route (e.g. an Ingress's).
  const routed = new Set([...index.routings.map(r => r.hostKey), ...index.backendHosts]);
  const services = objects.filter(o => o.kind === 'Service' && o.apiVersion === 'v1' && typeof o.metadata?.name === 'string');
  const routedSelectors = services
    .filter(o => routed.has(hostKey(o.metadata.name, namespaceOf(o))))
    .map(o => ({ namespace: namespaceOf(o), selector: index.selectors.get(hostKey(o.metadata.name, namespaceOf(o))) ?? {} }))
    .filter(s => Object.keys(s.selector).length > 0);
  const out: RoutingInfo[] = [];
  const read = new Map<RoutingInfo, PlainServiceRead>();
  for (const o of services) {
    const namespace = namespaceOf(o);
    const key = hostKey(o.metadata.name, namespace);
    // A host a provider configures (e.g. with a DestinationRule) is that provider's: the tools keep
    // reading it as "any pod" until a route exists.
    if (routed.has(key) || index.configuredHosts.has(key)) continue;
    const selector = index.selectors.get(key) ?? {};
    if (Object.keys(selector).length === 0) continue;
    if (routedSelectors.some(s => s.namespace === namespace && subsetOf(s.selector, selector))) continue;
    const { [VERSION_LABEL]: selectedVersion, ...base } = selector;
    if (Object.keys(base).length === 0) continue;
    const byVersion = new Map<string, DeploymentInfo[]>();
    let unversioned = false;
    for (const d of deploymentsWith(index, namespace, base)) {
      const v = d.podLabels[VERSION_LABEL];
      if (v === undefined) unversioned = true;
      else byVersion.set(v, [...byVersion.get(v) ?? [], d]);
    }
    // A Service of one unversioned workload, or of one version only: nothing to route.
    if (unversioned || byVersion.size === 0 || (byVersion.size === 1 && selectedVersion === undefined)) continue;
    const replicas = new Map([...byVersion].map(([v, ds]) => [v, ds.reduce((n, d) => n + d.replicas, 0)]));
    const selected = [...byVersion.keys()].filter(v => selectedVersion === undefined || v === selectedVersion);
    const versions: ServiceVersion[] = [...byVersion.keys()].map(v => ({ version: v, labels: { [VERSION_LABEL]: v }, replicas: replicas.get(v) }));
    const total = selected.reduce((n, v) => n + replicas.get(v)!, 0);
    const destinations: RouteDestination[] = selected.length === 0
      ? [{ version: selectedVersion, weight: 100 }]
      : selected.map(v => ({ version: v, weight: total > 0 ? replicas.get(v)! * 100 / total : 100 / selected.length }))
        .filter(d => total === 0 || d.weight > 0);
    const id = `${namespace}/${o.metadata.name}`;
    const info: RoutingInfo = {
      routing: withoutUndefined({ host: o.metadata.name, versions, rules: [{ destinations }], source: `Service ${id}` }),
      key: id,
      namespace,
      hostKey: key,
      wave: Number(o.metadata?.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0) || 0,
      provider: KUBERNETES,
    };
    index.versionLabels.set(key, new Map(versions.map(v => [v.version, { [VERSION_LABEL]: v.version }])));
    read.set(info, { routing: info, selector, replicas, selected });
    out.push(info);
  }
  READ.set(index, read);
  return out;
}

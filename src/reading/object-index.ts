// The object index (internal): what every tool reads from a set of Kubernetes objects before
// it asks the providers' readers for routings. It knows Deployments, Services and Argo CD
// waves; the routing kinds are the readers' business (see providers/registry.ts).
import { hostKey, serviceOf } from './hosts';
import { idOf, namespaceOf, pruneLastOf, stringMap, waveOf } from './objects';
import { show } from '../internal/validation';
import { ServiceRouting } from '../model/routing-model';

/** A problem the reader met and worked around; the model may be less precise there. */
export interface Warning {
  readonly source: string;
  readonly host?: string;
  readonly message: string;
}

/** A Deployment: its identity, replicas, pod labels and Argo CD annotations. */
export interface DeploymentInfo {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
  readonly podLabels: Record<string, string>;
  readonly wave: number;
  readonly pruneLast: boolean;
}

/** A ServiceRouting with where it comes from. */
export interface RoutingInfo {
  readonly routing: ServiceRouting;
  /** The routing object, `<namespace>/<name>`. */
  readonly key: string;
  readonly namespace: string;
  /** The fully qualified form of routing.host. */
  readonly hostKey: string;
  readonly wave: number;
  /** The name of the provider whose reader read it (`ProviderPlugin.name`). */
  readonly provider: string;
}

/** Everything the tools read from a set of objects. */
export interface ObjectIndex {
  /** The routings every reader read, in registry order, each in its reader's order. */
  readonly routings: RoutingInfo[];
  readonly deployments: DeploymentInfo[];
  /** Service selectors by fully qualified host. */
  readonly selectors: Map<string, Record<string, string>>;
  /**
   * The pod labels of each version, by fully qualified host, where a routing object defines
   * versions by labels (an Istio subset; a plain Service's `version` label).
   */
  readonly versionLabels: Map<string, Map<string, Record<string, string>>>;
  /** Hosts a routing object sends traffic to as backends, besides the routings' own hosts (e.g. Ingress backends). */
  readonly backendHosts: Set<string>;
  /** Hosts a provider configures without routing them yet (e.g. a DestinationRule without a route). */
  readonly configuredHosts: Set<string>;
  readonly warnings: Warning[];
}

/** A provider's reader, as the index runs it. */
export interface IndexReader {
  /** The provider's name, stamped on its routings. */
  readonly name: string;
  /**
   * Reads the provider's objects among `objects` into routings (which the index appends to
   * `index.routings`, after those of the readers before it). A reader may add to the index's
   * warnings, versionLabels, backendHosts and configuredHosts, and keep what its own
   * transition rules need per index (a WeakMap keyed by the index).
   */
  read(objects: any[], index: ObjectIndex): RoutingInfo[];
}

/**
 * Reads objects: Services and Deployments here, the routing kinds through `readers` (in
 * order: a reader sees the routings of those before it); other kinds are ignored.
 */
export function indexObjects(who: string, objects: unknown, readers: readonly IndexReader[]): ObjectIndex {
  if (!Array.isArray(objects)) throw new Error(`${who}: objects must be an array of Kubernetes objects, got ${show(objects)}`);
  objects.forEach((o, i) => {
    if (!o || typeof o !== 'object' || typeof (o as any).apiVersion !== 'string' || typeof (o as any).kind !== 'string') {
      const text = show(o);
      throw new Error(`${who}: objects[${i}] must be a Kubernetes object (with apiVersion and kind), got ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`);
    }
  });
  const deployments: DeploymentInfo[] = objects.filter(o => o.kind === 'Deployment' && /^apps\//.test(o.apiVersion)).map(o => ({
    key: idOf(o),
    namespace: namespaceOf(o),
    name: o.metadata?.name,
    replicas: typeof o.spec?.replicas === 'number' ? o.spec.replicas : 1,
    podLabels: stringMap(o.spec?.template?.metadata?.labels),
    wave: waveOf(o),
    pruneLast: pruneLastOf(o),
  }));

  const selectors = new Map<string, Record<string, string>>();
  for (const o of objects.filter(x => x.kind === 'Service' && x.apiVersion === 'v1')) {
    selectors.set(hostKey(`${o.metadata?.name}`, namespaceOf(o)), stringMap(o.spec?.selector));
  }

  const index: ObjectIndex = {
    routings: [], deployments, selectors, versionLabels: new Map(), backendHosts: new Set(), configuredHosts: new Set(), warnings: [],
  };
  for (const reader of readers) index.routings.push(...reader.read(objects, index));
  return index;
}

/** Deployments by namespace, and by namespace, pod label and value, in input order. */
interface DeploymentLookup {
  readonly byNamespace: Map<string, DeploymentInfo[]>;
  /** namespace -> label -> value -> Deployments: nested maps, no key strings to build per query. */
  readonly byLabel: Map<string, Map<string, Map<string, DeploymentInfo[]>>>;
  /** deploymentsOf results by host key and version: the reader and the check ask for the same ones. */
  readonly versions: Map<string, Map<string, DeploymentInfo[] | undefined>>;
}

const lookups = new WeakMap<DeploymentInfo[], DeploymentLookup>();

function getOrAdd<K, V>(map: Map<K, V>, k: K, make: () => V): V {
  let v = map.get(k);
  if (v === undefined) {
    v = make();
    map.set(k, v);
  }
  return v;
}

/** The lookup of an index's Deployments, built once: without it, matching is quadratic in the number of services. */
function lookupOf(index: ObjectIndex): DeploymentLookup {
  let lookup = lookups.get(index.deployments);
  if (!lookup) {
    lookup = { byNamespace: new Map(), byLabel: new Map(), versions: new Map() };
    for (const d of index.deployments) {
      getOrAdd(lookup.byNamespace, d.namespace, () => []).push(d);
      const labels = getOrAdd(lookup.byLabel, d.namespace, () => new Map<string, Map<string, DeploymentInfo[]>>());
      for (const k in d.podLabels) getOrAdd(getOrAdd(labels, k, () => new Map<string, DeploymentInfo[]>()), d.podLabels[k], () => []).push(d);
    }
    lookups.set(index.deployments, lookup);
  }
  return lookup;
}

const NONE: DeploymentInfo[] = [];

/** The Deployments of a namespace whose pod labels include `labels`, in input order. */
export function deploymentsWith(index: ObjectIndex, namespace: string, labels: Record<string, string>): DeploymentInfo[] {
  const lookup = lookupOf(index);
  const byLabel = lookup.byLabel.get(namespace);
  // The shortest candidate list: the Deployments with one of the labels (all of the namespace if none).
  let candidates = lookup.byNamespace.get(namespace) ?? NONE;
  let all = true;
  for (const k in labels) {
    all = false;
    const list = byLabel?.get(k)?.get(labels[k]) ?? NONE;
    if (list.length < candidates.length) candidates = list;
  }
  if (all) return candidates.slice();
  return candidates.filter(d => {
    for (const k in labels) if (d.podLabels[k] !== labels[k]) return false;
    return true;
  });
}

/** The Deployments that run a version (subset) of a host: pod labels include the Service selector and the subset labels. */
export function deploymentsOf(index: ObjectIndex, key: string, version: string): DeploymentInfo[] | undefined {
  const memo = getOrAdd(lookupOf(index).versions, key, () => new Map<string, DeploymentInfo[] | undefined>());
  if (!memo.has(version)) memo.set(version, findDeploymentsOf(index, key, version));
  return memo.get(version);
}

function findDeploymentsOf(index: ObjectIndex, key: string, version: string): DeploymentInfo[] | undefined {
  const subsetLabels = index.versionLabels.get(key)?.get(version);
  const svc = serviceOf(key);
  if (!subsetLabels || !svc) return undefined;
  let selector = index.selectors.get(key);
  if (!selector) {
    selector = deploymentsWith(index, svc.namespace, { app: svc.name }).length > 0 ? { app: svc.name } : {};
  }
  return deploymentsWith(index, svc.namespace, { ...selector, ...subsetLabels });
}

/** Whether the index holds any Deployment of the host's Service (so missing ones are meaningful). */
export function hasDeploymentsFor(index: ObjectIndex, key: string): boolean {
  const svc = serviceOf(key);
  if (!svc) return false;
  return deploymentsWith(index, svc.namespace, index.selectors.get(key) ?? { app: svc.name }).length > 0;
}

/** The fully qualified host a destination of a routing goes to. */
export function destinationKey(info: RoutingInfo, host: string | undefined): string {
  return host === undefined ? info.hostKey : hostKey(host, info.namespace);
}

// Reading Istio and Kubernetes objects into the routing model, with what the transition
// check needs besides (object identities, Argo CD sync waves, Deployments per version).
// Internal: the public entry point is IstioReader.
import { delegateKey, expandDelegation } from './_delegation';
import { readResilience } from './_read-resilience';
import { escapeRegex, isRegexRejected, regexRejected, rejectingRegex } from '../../internal/regex';
import { show } from '../../internal/validation';
import { JWT_CLAIM_HEADER_PREFIX, MESH_GATEWAY, toPercentages, withoutUndefined } from '../../model/_util';
import { RequestMatch, StringMatch } from '../../model/request-match';
import { MirrorPolicy, RouteDestination, RouteRule, ServiceRouting, ServiceVersion } from '../../model/routing-model';
import { readGatewayApiRoutes } from '../gateway-api/_route-index';
import { readIngresses } from '../ingress-nginx/_reader';
import { readPlainServices } from '../kubernetes/_reader';

export const ARGO_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const ARGO_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

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

/** A DestinationRule, by the host it applies to. */
export interface DestinationRuleInfo {
  readonly key: string;
  readonly namespace: string;
  readonly host: string;
  readonly hostKey: string;
  readonly subsets: Map<string, Record<string, string>>;
  readonly wave: number;
}

/** A ServiceRouting with where it comes from. */
export interface RoutingInfo {
  readonly routing: ServiceRouting;
  /** The VirtualService, `<namespace>/<name>`. */
  readonly key: string;
  readonly namespace: string;
  /** The fully qualified form of routing.host. */
  readonly hostKey: string;
  readonly wave: number;
}

/** Everything the tools read from a set of objects. */
export interface IstioIndex {
  readonly routings: RoutingInfo[];
  readonly destinationRules: Map<string, DestinationRuleInfo>;
  readonly deployments: DeploymentInfo[];
  /** Service selectors by fully qualified host. */
  readonly selectors: Map<string, Record<string, string>>;
  /** Plain Services read as routings (no VirtualService or route): the labels of each version by host. */
  readonly serviceVersions: Map<string, Map<string, Record<string, string>>>;
  readonly warnings: Warning[];
}

const NETWORKING_VERSIONS = ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'];

/**
 * The fully qualified form of a host: a short name `reviews` is `reviews.<namespace>.svc.cluster.local`
 * (Istio's rule); `reviews.<ns>` and `reviews.<ns>.svc` are expanded too; other names are kept.
 */
export function hostKey(host: string, namespace: string): string {
  // Memoized: the reader asks for the same few hosts once per destination (5% of a `diff`).
  let byHost = hostKeys.get(namespace);
  if (!byHost) {
    if (hostKeys.size > 1000) hostKeys.clear();
    byHost = new Map();
    hostKeys.set(namespace, byHost);
  }
  let key = byHost.get(host);
  if (key === undefined) {
    if (byHost.size > 100_000) byHost.clear();
    key = computeHostKey(host, namespace);
    byHost.set(host, key);
  }
  return key;
}

const hostKeys = new Map<string, Map<string, string>>();

function computeHostKey(host: string, namespace: string): string {
  const h = host.toLowerCase();
  if (h.includes('*')) return h;
  const labels = h.split('.');
  if (labels.length === 1) return `${h}.${namespace}.svc.cluster.local`;
  if (labels.length === 3 && labels[2] === 'svc') return `${h}.cluster.local`;
  return h;
}

/** The Service name and namespace of a cluster-local host key, if it is one. */
function serviceOf(key: string): { name: string; namespace: string } | undefined {
  const m = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(key);
  return m ? { name: m[1], namespace: m[2] } : undefined;
}

/** An object's namespace; `default` when it has none. */
export function namespaceOf(o: any): string {
  return typeof o?.metadata?.namespace === 'string' && o.metadata.namespace ? o.metadata.namespace : 'default';
}

/** `<namespace>/<name>`. */
export function idOf(o: any): string {
  return `${namespaceOf(o)}/${o?.metadata?.name ?? '(unnamed)'}`;
}

/** An object's Argo CD sync wave (0 when it has none or it is not a number). */
export function waveOf(o: any): number {
  const w = Number(o.metadata?.annotations?.[ARGO_SYNC_WAVE] ?? 0);
  return Number.isFinite(w) ? w : 0;
}

function pruneLastOf(o: any): boolean {
  return String(o.metadata?.annotations?.[ARGO_SYNC_OPTIONS] ?? '').split(',').map(s => s.trim()).includes('PruneLast=true');
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** Reads objects: VirtualServices, DestinationRules, HTTPRoutes, GRPCRoutes, Services and Deployments; others are ignored. */
export function indexObjects(who: string, objects: unknown): IstioIndex {
  if (!Array.isArray(objects)) throw new Error(`${who}: objects must be an array of Kubernetes objects, got ${show(objects)}`);
  objects.forEach((o, i) => {
    if (!o || typeof o !== 'object' || typeof (o as any).apiVersion !== 'string' || typeof (o as any).kind !== 'string') {
      const text = show(o);
      throw new Error(`${who}: objects[${i}] must be a Kubernetes object (with apiVersion and kind), got ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`);
    }
  });
  const warnings: Warning[] = [];
  const istio = (o: any, kind: string) => o.kind === kind && NETWORKING_VERSIONS.includes(o.apiVersion);

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

  const destinationRules = new Map<string, DestinationRuleInfo>();
  for (const o of objects.filter(x => istio(x, 'DestinationRule'))) {
    const source = `DestinationRule ${idOf(o)}`;
    const host = o.spec?.host;
    if (typeof host !== 'string' || host === '') {
      warnings.push({ source, message: 'has no spec.host; ignored' });
      continue;
    }
    const key = hostKey(host, namespaceOf(o));
    if (destinationRules.has(key)) {
      warnings.push({ source, host, message: `is a second DestinationRule for host ${host} (after ${destinationRules.get(key)!.key}); its subsets are ignored` });
      continue;
    }
    const subsets = new Map<string, Record<string, string>>();
    for (const s of Array.isArray(o.spec?.subsets) ? o.spec.subsets : []) {
      if (typeof s?.name === 'string') subsets.set(s.name, stringMap(s.labels));
    }
    destinationRules.set(key, { key: idOf(o), namespace: namespaceOf(o), host, hostKey: key, subsets, wave: waveOf(o) });
  }

  const index: IstioIndex = { routings: [], destinationRules, deployments, selectors, serviceVersions: new Map(), warnings };
  const seenHosts = new Map<string, string>();
  const virtualServices = objects.filter(x => istio(x, 'VirtualService'));
  const delegates = delegatesOf(virtualServices);
  for (const o of virtualServices) {
    const info = rejectingRegex(`VirtualService ${idOf(o)}`, () => readVirtualService(o, index, delegates));
    if (!info) continue;
    const earlier = seenHosts.get(info.hostKey);
    if (earlier) {
      warnings.push({
        source: `VirtualService ${info.key}`,
        host: info.routing.host,
        message: `routes host ${info.routing.host}, as VirtualService ${earlier} does; Istio merges them only at gateways, so the simulator uses the first`,
      });
    } else {
      seenHosts.set(info.hostKey, info.key);
    }
    index.routings.push(info);
  }
  for (const o of objects.filter(x => /^networking\.istio\.io\//.test(x.apiVersion) && ['VirtualService', 'DestinationRule'].includes(x.kind))) {
    if (!NETWORKING_VERSIONS.includes(o.apiVersion)) {
      warnings.push({ source: `${o.kind} ${idOf(o)}`, message: `has apiVersion ${o.apiVersion}; only ${NETWORKING_VERSIONS.join(', ')} are read, so it is ignored` });
    }
  }
  index.routings.push(...readGatewayApiRoutes(objects, index).routings);
  index.routings.push(...readIngresses(objects, index));
  index.routings.push(...readPlainServices(objects, index));
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
function lookupOf(index: IstioIndex): DeploymentLookup {
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
export function deploymentsWith(index: IstioIndex, namespace: string, labels: Record<string, string>): DeploymentInfo[] {
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
export function deploymentsOf(index: IstioIndex, key: string, version: string): DeploymentInfo[] | undefined {
  const memo = getOrAdd(lookupOf(index).versions, key, () => new Map<string, DeploymentInfo[] | undefined>());
  if (!memo.has(version)) memo.set(version, findDeploymentsOf(index, key, version));
  return memo.get(version);
}

function findDeploymentsOf(index: IstioIndex, key: string, version: string): DeploymentInfo[] | undefined {
  const subsetLabels = index.destinationRules.get(key)?.subsets.get(version) ?? index.serviceVersions.get(key)?.get(version);
  const svc = serviceOf(key);
  if (!subsetLabels || !svc) return undefined;
  let selector = index.selectors.get(key);
  if (!selector) {
    selector = deploymentsWith(index, svc.namespace, { app: svc.name }).length > 0 ? { app: svc.name } : {};
  }
  return deploymentsWith(index, svc.namespace, { ...selector, ...subsetLabels });
}

/** Whether the index holds any Deployment of the host's Service (so missing ones are meaningful). */
export function hasDeploymentsFor(index: IstioIndex, key: string): boolean {
  const svc = serviceOf(key);
  if (!svc) return false;
  return deploymentsWith(index, svc.namespace, index.selectors.get(key) ?? { app: svc.name }).length > 0;
}

/** The fully qualified host a destination of a routing goes to. */
export function destinationKey(info: RoutingInfo, host: string | undefined): string {
  return host === undefined ? info.hostKey : hostKey(host, info.namespace);
}

/** VirtualServices without hosts (delegates) by `<namespace>/<name>`, and the keys some root delegates to. */
function delegatesOf(virtualServices: any[]): { byKey: Map<string, any>; referenced: Set<string> } {
  const byKey = new Map<string, any>();
  const referenced = new Set<string>();
  for (const o of virtualServices) {
    const hosts = o.spec?.hosts;
    if (!Array.isArray(hosts) || hosts.length === 0) byKey.set(delegateKey(namespaceOf(o), `${o.metadata?.name}`), o);
    for (const r of Array.isArray(o.spec?.http) ? o.spec.http : []) {
      if (typeof r?.delegate?.name === 'string') referenced.add(delegateKey(r.delegate.namespace || namespaceOf(o), r.delegate.name));
    }
  }
  return { byKey, referenced };
}

function readVirtualService(o: any, index: IstioIndex, delegates: { byKey: Map<string, any>; referenced: Set<string> }): RoutingInfo | undefined {
  const key = idOf(o);
  const namespace = namespaceOf(o);
  const source = `VirtualService ${key}`;
  const spec = o.spec ?? {};
  const hosts: string[] = Array.isArray(spec.hosts) ? spec.hosts.filter((h: unknown) => typeof h === 'string' && h !== '') : [];
  const warn = (message: string) => index.warnings.push({ source, host: hosts[0], message });
  if (hosts.length === 0) {
    // A delegate is read through the root VirtualService that delegates to it.
    if (delegates.referenced.has(delegateKey(namespace, `${o.metadata?.name}`))) return undefined;
    warn(Array.isArray(spec.http) ? 'has no hosts (a delegate VirtualService, used only through another one\'s delegate); ignored' : 'has no hosts; ignored');
    return undefined;
  }
  const host = hosts[0];
  const self = hostKey(host, namespace);
  if (Array.isArray(spec.tcp) && spec.tcp.length > 0) warn('has tcp routes; they are not modelled (HTTP routes only)');
  if (Array.isArray(spec.tls) && spec.tls.length > 0) warn('has tls routes; they are not modelled (HTTP routes only)');

  const rules: RouteRule[] = [];
  const http: any[] = Array.isArray(spec.http) ? spec.http : [];
  for (const e of expandDelegation(http, namespace, delegates.byKey, warn)) {
    const ruleSelf = e.namespace === namespace ? self : hostKey(host, e.namespace);
    rules.push(...readRule(e.rule, e.where, ruleSelf, e.namespace, warn));
  }

  const dr = index.destinationRules.get(self);
  const versions: ServiceVersion[] = [];
  for (const [name, labels] of dr?.subsets ?? []) {
    const deps = deploymentsOf(index, self, name);
    const replicas = deps && deps.length > 0 ? deps.reduce((sum, d) => sum + d.replicas, 0) : undefined;
    versions.push({ version: name, labels: { ...labels }, replicas });
  }
  for (const rule of rules) {
    const targets = [...rule.destinations, ...(rule.mirror ? [rule.mirror] : [])];
    for (const d of targets) {
      if (!d.version) continue;
      const k = hostKey(d.host ?? host, namespace);
      if (!index.destinationRules.get(k)?.subsets.has(d.version)) {
        warn(`sends traffic to subset ${show(d.version)} of ${d.host ?? host}, which no DestinationRule defines; Istio answers such requests with 503`);
      }
    }
  }
  const gateways: string[] | undefined = Array.isArray(spec.gateways) && spec.gateways.length > 0 ? spec.gateways.map(String) : undefined;
  return {
    routing: {
      host,
      hosts: hosts.slice(1),
      gateways,
      versions,
      rules,
      source,
    },
    key,
    namespace,
    hostKey: self,
    wave: waveOf(o),
  };
}

type Warn = (message: string) => void;

const KNOWN_RULE_FIELDS = new Set([
  'name', 'match', 'route', 'mirror', 'mirrors', 'mirrorPercentage', 'mirrorPercent', 'mirror_percent', 'headers',
  'timeout', 'retries', 'rewrite', 'corsPolicy', 'redirect', 'directResponse', 'delegate', 'fault',
]);

function readRule(r: any, where: string, self: string, namespace: string, warn: Warn): RouteRule[] {
  const name: string | undefined = typeof r.name === 'string' ? r.name : undefined;
  for (const k of Object.keys(r)) if (!KNOWN_RULE_FIELDS.has(k)) warn(`${where}: field ${k} is not modelled; ignored`);
  if (r.fault) warn(`${where}: fault injection is not simulated; requests are modelled as reaching their destination`);

  let destinations: RouteDestination[] = [];
  if (r.redirect || r.directResponse || r.delegate) {
    const what = r.redirect ? 'redirect' : r.directResponse ? 'directResponse' : 'delegate';
    warn(`${where}: ${what} is not modelled; the rule's requests reach no version`);
  } else if (Array.isArray(r.route) && r.route.length > 0) {
    destinations = readDestinations(r.route, where, self, namespace, warn);
  } else {
    warn(`${where}: has no route; the rule's requests reach no version`);
  }

  const mirror = readMirror(r, where, self, namespace, warn);
  const remove: unknown = r.headers?.request?.remove;
  const removeRequestHeaders = Array.isArray(remove) && remove.length > 0 ? remove.map(h => String(h).toLowerCase()) : undefined;
  const base = { name, destinations, mirror, removeRequestHeaders, ...readResilience(r, where, warn) };

  const matches: any[] = Array.isArray(r.match) ? r.match : [];
  if (matches.length === 0) return [withoutUndefined(base)];

  // Matches with different gateways become consecutive rules with the same destinations:
  // first-match semantics are unchanged.
  const groups: Array<{ gateways?: string[]; matches: Array<RequestMatch | undefined> }> = [];
  matches.forEach((m, j) => {
    const gateways = Array.isArray(m?.gateways) && m.gateways.length > 0 ? m.gateways.map(String) : undefined;
    const converted = readMatch(m ?? {}, `${where}.match[${j}]`, warn);
    const last = groups[groups.length - 1];
    if (last && (last.gateways ?? []).join(',') === (gateways ?? []).join(',')) last.matches.push(converted);
    else groups.push({ gateways, matches: [converted] });
  });
  return groups.map(g => withoutUndefined({
    ...base,
    // A match without conditions we can model takes every request.
    matches: g.matches.some(m => m === undefined) ? undefined : g.matches as RequestMatch[],
    gateways: g.gateways,
  }));
}

function readDestinations(route: any[], where: string, self: string, namespace: string, warn: Warn): RouteDestination[] {
  const raw = route.map((d, i) => {
    const host = d?.destination?.host;
    if (typeof host !== 'string' || host === '') warn(`${where}.route[${i}]: has no destination host`);
    if (d?.destination?.port) warn(`${where}.route[${i}]: destination port is not modelled`);
    return {
      host: typeof host === 'string' && hostKey(host, namespace) !== self ? host : undefined,
      version: typeof d?.destination?.subset === 'string' && d.destination.subset !== '' ? d.destination.subset : undefined,
      weight: typeof d?.weight === 'number' && d.weight > 0 ? d.weight : 0,
    };
  });
  if (raw.length === 1) return [{ ...withoutUndefined(raw[0]), weight: 100 }];
  const total = raw.reduce((s, d) => s + d.weight, 0);
  if (total === 100) return raw.map(d => withoutUndefined(d));
  if (total === 0) {
    warn(`${where}: no destination has a weight; modelled as equal shares`);
    return normalize(raw.map(d => ({ ...d, weight: 1 })));
  }
  warn(`${where}: weights add up to ${total}, not 100; modelled as shares of ${total}`);
  return normalize(raw);
}

/** Weights scaled to integers adding up to 100 (largest remainder). */
function normalize(raw: Array<{ host?: string; version?: string; weight: number }>): RouteDestination[] {
  return toPercentages(raw).map(d => withoutUndefined(d));
}

function readMirror(r: any, where: string, self: string, namespace: string, warn: Warn): MirrorPolicy | undefined {
  let target = r.mirror;
  let percentage = r.mirrorPercentage?.value ?? r.mirrorPercent ?? r.mirror_percent;
  if (!target && Array.isArray(r.mirrors) && r.mirrors.length > 0) {
    if (r.mirrors.length > 1) warn(`${where}: has ${r.mirrors.length} mirrors; only the first is modelled`);
    target = r.mirrors[0].destination;
    percentage = r.mirrors[0].percentage?.value;
  }
  if (!target) return undefined;
  const host = typeof target.host === 'string' && hostKey(target.host, namespace) !== self ? target.host : undefined;
  const percent = typeof percentage === 'number' ? Math.min(100, Math.max(0, percentage)) : 100;
  return withoutUndefined({ version: typeof target.subset === 'string' ? target.subset : '', host, percent });
}

const KNOWN_MATCH_FIELDS = new Set(['name', 'gateways', 'headers', 'withoutHeaders', 'uri', 'queryParams', 'method', 'sourceLabels', 'ignoreUriCase', 'statPrefix']);
const UNSUPPORTED_MATCH_FIELDS = ['authority', 'scheme', 'port', 'sourceNamespace'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

/** One HTTPMatchRequest as ANDed conditions; `undefined` when none can be modelled (it matches every request). */
function readMatch(m: any, where: string, warn: Warn): RequestMatch | undefined {
  const parts: RequestMatch[] = [];
  const attempt = (what: string, make: () => RequestMatch) => {
    try {
      parts.push(make());
    } catch (e) {
      // The regex judge's refusal is an error, never a match treated as satisfied by every request.
      if (isRegexRejected(e)) throw regexRejected(`${where}: ${(e as Error).message}`);
      warn(`${where}: ${what} cannot be modelled (${(e as Error).message}); treated as satisfied by every request`);
    }
  };
  for (const k of Object.keys(m)) {
    if (UNSUPPORTED_MATCH_FIELDS.includes(k)) warn(`${where}: ${k} matches are not modelled; treated as satisfied by every request`);
    else if (!KNOWN_MATCH_FIELDS.has(k)) warn(`${where}: field ${k} is not modelled; ignored`);
  }
  for (const [name, sm] of Object.entries(m.headers ?? {})) {
    attempt(`header ${name}`, () => {
      const match = readStringMatch(sm, false);
      return name.startsWith(JWT_CLAIM_HEADER_PREFIX)
        ? RequestMatch.jwtClaim(name.slice(JWT_CLAIM_HEADER_PREFIX.length), match)
        : RequestMatch._read(name, match);
    });
  }
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) {
    attempt(`withoutHeaders ${name}`, () => {
      const match = readStringMatch(sm, false);
      return match.type === 'present' ? RequestMatch.withoutHeader(name) : RequestMatch.withoutHeader(name, match);
    });
  }
  if (m.uri !== undefined) attempt('uri', () => RequestMatch.uri(readStringMatch(m.uri, m.ignoreUriCase === true)));
  for (const [name, sm] of Object.entries(m.queryParams ?? {})) {
    attempt(`query parameter ${name}`, () => {
      const s = sm as any;
      if (s && typeof s.prefix === 'string' && s.exact === undefined && s.regex === undefined) {
        warn(`${where}: query parameter ${name} uses prefix, which Istio does not document for queryParams; modelled as a regex`);
        return RequestMatch.queryParam(name, StringMatch.regex(`^${escapeRegex(s.prefix)}.*$`));
      }
      return RequestMatch.queryParam(name, readStringMatch(sm, false));
    });
  }
  if (m.method !== undefined) {
    attempt('method', () => {
      const sm = readStringMatch(m.method, false);
      if (sm.type !== 'exact' || !METHODS.includes(sm.value)) throw new Error(`only an exact method among ${METHODS.join(', ')} is modelled, got ${sm}`);
      return RequestMatch.method(sm.value);
    });
  }
  for (const [name, value] of Object.entries(m.sourceLabels ?? {})) {
    attempt(`source label ${name}`, () => RequestMatch.sourceLabel(name, String(value)));
  }
  return parts.length === 0 ? undefined : RequestMatch.all(...parts);
}

/** Istio's StringMatch JSON (`{exact}`, `{prefix}`, `{regex}`, `{}`) as a StringMatch. */
function readStringMatch(sm: any, ignoreCase: boolean): StringMatch {
  if (!sm || typeof sm !== 'object') throw new Error(`expected a StringMatch object, got ${show(sm)}`);
  const set = ['exact', 'prefix', 'regex'].filter(k => sm[k] !== undefined);
  if (set.length > 1) throw new Error(`a StringMatch sets one of exact, prefix and regex, got ${set.join(' and ')}`);
  if (set.length === 0) return StringMatch._present();
  const value = String(sm[set[0]]);
  const flags = ignoreCase && set[0] !== 'regex' ? '(?i)' : '';
  switch (set[0]) {
    case 'exact': return value === '' || flags ? StringMatch.regex(`${flags}^${escapeRegex(value)}$`) : StringMatch.exact(value);
    case 'prefix': return value === '' ? StringMatch._present() : flags ? StringMatch.regex(`${flags}^${escapeRegex(value)}.*$`) : StringMatch.prefix(value);
    default: return StringMatch.regex(value === '' ? '^$' : value);
  }
}

/** Whether gateway `a` (as a rule or routing names it) is gateway `b` (as a request names it). */
export function sameGateway(a: string, b: string): boolean {
  if (a === b) return true;
  if (a === MESH_GATEWAY || b === MESH_GATEWAY) return false;
  const short = (g: string) => g.split('/').pop();
  return (!a.includes('/') || !b.includes('/')) && short(a) === short(b);
}

/**
 * Whether a routing host (`reviews`, `reviews.default.svc.cluster.local`, `*.example.com`)
 * covers a request host. Short names match their cluster-local forms in any namespace.
 */
export function sameHost(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  if (p === '*' || p === host) return true;
  if (p.startsWith('*.')) return host.endsWith(p.slice(1));
  const local = (h: string) => h.replace(/\.svc(\.cluster\.local)?$/, '').split('.');
  const [a, b] = [local(p), local(host)];
  if (a.length > 2 || b.length > 2) return false;
  return a[0] === b[0] && (a.length === 1 || b.length === 1 || a[1] === b[1]);
}

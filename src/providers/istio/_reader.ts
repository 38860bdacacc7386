// Reading Istio's VirtualServices and DestinationRules into the routing model (internal; the
// reader face of the Istio plug-in, run by the object index). Subsets become versions with their
// labels; what the transition check needs of DestinationRules is kept per index.
import { delegateKey, expandDelegation } from './_delegation';
import { readResilience } from './_read-resilience';
import { escapeRegex, isRegexRejected, regexRejected, rejectingRegex } from '../../internal/regex';
import { show } from '../../internal/validation';
import { withPathPrefixes } from '../../model/_paths';
import { JWT_CLAIM_HEADER_PREFIX, MESH_GATEWAY, toPercentages, withoutUndefined } from '../../model/_util';
import { RequestMatch, StringMatch } from '../../model/request-match';
import { MirrorPolicy, RouteDestination, RouteRule, ServiceVersion } from '../../model/routing-model';
import { hostKey } from '../../reading/hosts';
import { deploymentsOf, ObjectIndex, RoutingInfo } from '../../reading/object-index';
import { idOf, namespaceOf, stringMap, waveOf } from '../../reading/objects';

/** The provider name the Istio reader stamps on its routings. */
export const ISTIO = 'istio';

/** A DestinationRule, by the host it applies to. */
export interface DestinationRuleInfo {
  readonly key: string;
  readonly namespace: string;
  readonly host: string;
  readonly hostKey: string;
  readonly subsets: Map<string, Record<string, string>>;
  readonly wave: number;
}

const NETWORKING_VERSIONS = ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'];

const DESTINATION_RULES = new WeakMap<ObjectIndex, Map<string, DestinationRuleInfo>>();

/** The DestinationRules read into an index, by fully qualified host (the first one per host). */
export function destinationRulesOf(index: ObjectIndex): Map<string, DestinationRuleInfo> {
  return DESTINATION_RULES.get(index) ?? new Map();
}

/** Reads the VirtualServices and DestinationRules among `objects` (the Istio plug-in's reader). */
export function readIstio(objects: any[], index: ObjectIndex): RoutingInfo[] {
  const warnings = index.warnings;
  const istio = (o: any, kind: string) => o.kind === kind && NETWORKING_VERSIONS.includes(o.apiVersion);

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
    index.versionLabels.set(key, subsets);
    index.configuredHosts.add(key);
  }
  DESTINATION_RULES.set(index, destinationRules);

  const routings: RoutingInfo[] = [];
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
    routings.push(info);
  }
  for (const o of objects.filter(x => /^networking\.istio\.io\//.test(x.apiVersion) && ['VirtualService', 'DestinationRule'].includes(x.kind))) {
    if (!NETWORKING_VERSIONS.includes(o.apiVersion)) {
      warnings.push({ source: `${o.kind} ${idOf(o)}`, message: `has apiVersion ${o.apiVersion}; only ${NETWORKING_VERSIONS.join(', ')} are read, so it is ignored` });
    }
  }
  return routings;
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

function readVirtualService(o: any, index: ObjectIndex, delegates: { byKey: Map<string, any>; referenced: Set<string> }): RoutingInfo | undefined {
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
  // A gateway-only VirtualService for public names that routes to the Service it is named
  // after (what the constructs render with includeMesh: false) is that Service's routing at
  // the gateways, with the public names as further hosts: as the Gateway API reader reads it.
  const ownService = gatewayOnlyServiceOf(o, hosts);
  const host = ownService ?? hosts[0];
  const self = hostKey(host, namespace);
  if (Array.isArray(spec.tcp) && spec.tcp.length > 0) warn('has tcp routes; they are not modelled (HTTP routes only)');
  if (Array.isArray(spec.tls) && spec.tls.length > 0) warn('has tls routes; they are not modelled (HTTP routes only)');

  const rules: RouteRule[] = [];
  const http: any[] = Array.isArray(spec.http) ? spec.http : [];
  for (const e of expandDelegation(http, namespace, delegates.byKey, warn)) {
    const ruleSelf = e.namespace === namespace ? self : hostKey(host, e.namespace);
    rules.push(...readRule(e.rule, e.where, ruleSelf, e.namespace, warn));
  }

  const dr = destinationRulesOf(index).get(self);
  const versions: ServiceVersion[] = [];
  for (const [name, labels] of dr?.subsets ?? []) {
    const deps = deploymentsOf(index, self, name);
    const replicas = deps && deps.length > 0 ? deps.reduce((sum, d) => sum + d.replicas, 0) : undefined;
    versions.push({ version: name, labels: { ...labels }, replicas });
  }
  for (const rule of rules) {
    const targets = [...rule.destinations, ...(rule.mirrors ?? (rule.mirror ? [rule.mirror] : []))];
    for (const d of targets) {
      if (!d.version) continue;
      const k = hostKey(d.host ?? host, namespace);
      if (!destinationRulesOf(index).get(k)?.subsets.has(d.version)) {
        warn(`sends traffic to subset ${show(d.version)} of ${d.host ?? host}, which no DestinationRule defines; Istio answers such requests with 503`);
      }
    }
  }
  const gateways: string[] | undefined = Array.isArray(spec.gateways) && spec.gateways.length > 0 ? spec.gateways.map(String) : undefined;
  return {
    routing: {
      host,
      hosts: ownService ? hosts : hosts.slice(1),
      gateways,
      versions,
      rules,
      source,
    },
    key,
    namespace,
    hostKey: self,
    wave: waveOf(o),
    provider: ISTIO,
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

  const mirrors = readMirrors(r, self, namespace);
  const remove: unknown = r.headers?.request?.remove;
  const removeRequestHeaders = Array.isArray(remove) && remove.length > 0 ? remove.map(h => String(h).toLowerCase()) : undefined;
  const base = {
    name,
    destinations,
    mirror: mirrors[0],
    mirrors: mirrors.length > 1 ? mirrors : undefined,
    removeRequestHeaders,
    ...readResilience(r, where, warn),
  };

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
    matches: g.matches.some(m => m === undefined) ? undefined : withPathPrefixes(g.matches as RequestMatch[]),
    gateways: g.gateways,
  }));
}

/**
 * The Service a gateway-only VirtualService (gateways, not `mesh`) is named after and routes
 * to alone, when its hosts do not name it: every route and mirror goes to that short name.
 */
function gatewayOnlyServiceOf(o: any, hosts: string[]): string | undefined {
  const spec = o.spec ?? {};
  const name = o.metadata?.name;
  const gateways: unknown[] = Array.isArray(spec.gateways) ? spec.gateways : [];
  if (typeof name !== 'string' || name.includes('.') || hosts.includes(name)) return undefined;
  if (gateways.length === 0 || gateways.includes(MESH_GATEWAY)) return undefined;
  const http: any[] = Array.isArray(spec.http) ? spec.http : [];
  if (http.length === 0 || http.some(r => !r || typeof r !== 'object' || r.delegate)) return undefined;
  const targets = http.flatMap(r => [
    ...(Array.isArray(r.route) ? r.route.map((d: any) => d?.destination?.host) : []),
    ...(r.mirror ? [r.mirror.host] : []),
  ]);
  return targets.length > 0 && targets.every(h => h === name) ? name : undefined;
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
      _responseHeaders: destinationHeaders(d?.headers, `${where}.route[${i}]`, warn),
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

/**
 * A destination's `headers.response.add` (e.g. sticky sessions' `set-cookie`); its other
 * header operations do not change where requests go and are warned about.
 */
function destinationHeaders(headers: any, where: string, warn: Warn): { [name: string]: string } | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const other = [...Object.keys(headers.request ?? {}).map(k => `request.${k}`), ...Object.keys(headers.response ?? {}).filter(k => k !== 'add').map(k => `response.${k}`)];
  if (other.length > 0) warn(`${where}: headers ${other.join(', ')} of a destination are not modelled; ignored`);
  const add = headers.response?.add;
  if (!add || typeof add !== 'object' || Array.isArray(add)) return undefined;
  const out: { [name: string]: string } = {};
  for (const [k, v] of Object.entries(add)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Weights scaled to integers adding up to 100 (largest remainder). */
function normalize(raw: Array<{ host?: string; version?: string; weight: number }>): RouteDestination[] {
  return toPercentages(raw).map(d => withoutUndefined(d));
}

/** The rule's mirrors: `mirror` (with its percentage), else each of `mirrors` (Istio 1.18+). */
function readMirrors(r: any, self: string, namespace: string): MirrorPolicy[] {
  const one = (target: any, percentage: unknown): MirrorPolicy[] => {
    if (!target || typeof target !== 'object') return [];
    const host = typeof target.host === 'string' && hostKey(target.host, namespace) !== self ? target.host : undefined;
    const percent = typeof percentage === 'number' ? Math.min(100, Math.max(0, percentage)) : 100;
    return [withoutUndefined({ version: typeof target.subset === 'string' ? target.subset : '', host, percent })];
  };
  if (r.mirror) return one(r.mirror, r.mirrorPercentage?.value ?? r.mirrorPercent ?? r.mirror_percent);
  return (Array.isArray(r.mirrors) ? r.mirrors : []).flatMap((m: any) => one(m?.destination, m?.percentage?.value));
}

const KNOWN_MATCH_FIELDS = new Set(['name', 'gateways', 'headers', 'withoutHeaders', 'uri', 'queryParams', 'method', 'sourceLabels', 'ignoreUriCase', 'statPrefix',
  'port', 'sourceNamespace']);
const UNSUPPORTED_MATCH_FIELDS = ['authority', 'scheme'];
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
  // The port the request is sent to (a Service port at a sidecar, a server port at a gateway).
  if (m.port !== undefined) attempt(`port ${show(m.port)}`, () => RequestMatch._port([m.port]));
  // The calling workload's namespace (in-mesh traffic only, as source labels).
  if (m.sourceNamespace !== undefined) attempt(`sourceNamespace ${show(m.sourceNamespace)}`, () => RequestMatch._sourceNamespace(m.sourceNamespace));
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

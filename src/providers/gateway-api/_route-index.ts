// Reading Gateway API HTTPRoutes and GRPCRoutes into the routing model (internal; the
// public entry point is GatewayApiReader, and the tools get these routings from
// indexObjects).
//
// The Gateway API does not take the first matching rule: across every route attached to
// the same parent (and hostname), the most specific match wins (httproute_types.go,
// HTTPRouteRule.Matches; grpcroute_types.go, GRPCRouteRule.Matches). The model is
// first-match, so the reader sorts the matches by that precedence and emits one rule per
// run of matches of the same route rule: the simulator then picks what the Gateway API picks.
import { Duration } from 'cdk8s';
import { attach, BackendCheck, backendCheck, GatewayInfo, gatewaysOf } from './_gateways';
import { compareMatchPrecedence, grpcMatchPrecedence, httpMatchPrecedence, MatchPrecedence } from './_precedence';
import { parseDuration } from '../../internal/duration';
import { escapeRegex, isRegexRejected, regexRejected, rejectingRegex } from '../../internal/regex';
import { show } from '../../internal/validation';
import { pathElementPrefix } from '../../model/_paths';
import { MESH_GATEWAY, withoutUndefined } from '../../model/_util';
import { MatchField, RequestMatch, StringMatch, StringMatchType } from '../../model/request-match';
import { HeaderOperations, RetryPolicy } from '../../model/resilience';
import { MirrorPolicy, RouteDestination, RouteRule, ServiceRouting, ServiceVersion } from '../../model/routing-model';
import { hostKey } from '../../reading/hosts';
import { ObjectIndex, RoutingInfo } from '../../reading/object-index';
import { idOf, namespaceOf, waveOf } from '../../reading/objects';

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** The provider name the Gateway API reader stamps on its routings. */
export const GATEWAY_API = 'gateway-api';
/** The served versions of the route kinds we read (v1.6.1 serves HTTPRoute v1 and v1beta1, GRPCRoute v1). */
export const ROUTE_API_VERSIONS = [`${GATEWAY_API_GROUP}/v1`, `${GATEWAY_API_GROUP}/v1beta1`];
export const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute'];

type Warn = (message: string) => void;

/** Whether `o` is an HTTPRoute or GRPCRoute we read. */
export function isGatewayRoute(o: any): boolean {
  return ROUTE_KINDS.includes(o?.kind) && ROUTE_API_VERSIONS.includes(o?.apiVersion);
}


/** A parentRef, resolved. */
export interface ParentInfo {
  /** `mesh` for a Service parent; `<namespace>/<name>` for a Gateway (the route's namespace when the parentRef has none). */
  readonly tag: string;
  /** Service parent: the Service's host key; Gateway parent: `<namespace>/<name>`. */
  readonly id: string;
  readonly kind: 'Service' | 'Gateway';
  readonly name: string;
  readonly namespace: string;
  /**
   * Gateway parent in the input: the hostnames its listeners serve the route for.
   * @default - the route's hostnames (the Gateway is not in the input)
   */
  readonly hostnames?: string[];
  /**
   * The ports the route serves on this parent: per hostname for a Gateway (its listeners'
   * ports), under `*` for a Service (the parentRef's port); absent for a hostname: any port.
   */
  readonly ports?: Map<string, number[]>;
  /**
   * Service parent of another namespace: the route is a GAMMA consumer route, for clients in
   * this namespace (the route's) only.
   */
  readonly consumer?: string;
}

/** A backendRef (or mirror backendRef), resolved to a host and version. */
export interface BackendInfo {
  /** The backend Service `<namespace>/<name>`. */
  readonly serviceKey: string;
  /** The backend Service's host key. */
  readonly serviceHostKey: string;
  readonly name: string;
  readonly namespace: string;
  /** The host the traffic goes to, as the model names it (short when in the route's namespace). */
  readonly host: string;
  readonly hostKey: string;
  /** The version, when the backend Service selects a subset of an app Service's pods. */
  readonly version?: string;
  /** The labels that select the version's pods, besides the app Service's selector. */
  readonly labels?: Record<string, string>;
  /** Whether the backend is a core Service. */
  readonly isService: boolean;
}

interface Route {
  readonly kind: string;
  readonly obj: any;
  readonly key: string;
  readonly name: string;
  readonly namespace: string;
  readonly source: string;
  readonly created: number | undefined;
  readonly hostnames: string[];
  readonly parents: ParentInfo[];
  readonly wave: number;
  readonly rules: ReadRule[];
  readonly warn: Warn;
}

interface ReadRule {
  readonly name?: string;
  /** Absolute destinations: host and version; `invalid`: answered 500, not in the model (its weight as written). */
  readonly destinations: Array<{ backend?: BackendInfo; weight: number; invalid?: boolean; responseHeaders?: { [name: string]: string } }>;
  /** Every RequestMirror filter, in order. */
  readonly mirrors: Array<{ backend: BackendInfo; percent: number }>;
  readonly removeRequestHeaders?: string[];
  /** The rule's timeout, retries and header operations. */
  readonly resilience: Pick<RouteRule, 'timeout' | 'retries' | 'headers'>;
  readonly matches: ReadMatch[];
}

interface ReadMatch {
  /** The match as the model sees it; undefined when it takes every request. */
  readonly match?: RequestMatch;
  /** The match's Gateway API precedence key. */
  readonly precedence: MatchPrecedence;
}

interface Entry {
  readonly route: Route;
  readonly ruleIndex: number;
  readonly matchIndex: number;
  readonly match: ReadMatch;
}

/** An attachment point: one parent (and, for a Gateway, one hostname) of one route kind. */
interface Point {
  readonly id: string;
  readonly tag: string;
  readonly kind: string;
  /** The host the point serves: the Service name, or the hostname (`*` for none). */
  readonly host: string;
  readonly isMesh: boolean;
  readonly parent: ParentInfo;
  readonly entries: Entry[];
  readonly routes: Route[];
  anchor?: Anchor;
}

/** Everything the Gateway API reading adds to the index. */
export interface GatewayApiRead {
  readonly routings: RoutingInfo[];
  /** Every route read, with its parents and backends, for the transition check. */
  readonly routes: RouteSummary[];
}

/** A route's identity, parents and backends. */
export interface RouteSummary {
  readonly key: string;
  readonly kind: string;
  readonly source: string;
  readonly wave: number;
  readonly parents: ParentInfo[];
  /** Backends and mirror backends, with their weight (share of the rule, or mirror percent). */
  readonly backends: Array<{ backend: BackendInfo; weight: number; mirror: boolean }>;
}

/**
 * Reads the HTTPRoutes and GRPCRoutes of `objects` into routings, using the Services and
 * Deployments already in `index`; warnings go to `index.warnings`.
 */
export function readGatewayApiRoutes(objects: any[], index: ObjectIndex): GatewayApiRead {
  const services = serviceTable(objects);
  const gateways = gatewaysOf(objects);
  const check = backendCheck(objects);
  const routes: Route[] = [];
  for (const o of objects) {
    if (ROUTE_KINDS.includes(o.kind) && typeof o.apiVersion === 'string' && o.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`)) {
      if (!ROUTE_API_VERSIONS.includes(o.apiVersion)) {
        index.warnings.push({ source: `${o.kind} ${idOf(o)}`, message: `has apiVersion ${o.apiVersion}; only ${ROUTE_API_VERSIONS.join(', ')} are read, so it is ignored` });
        continue;
      }
      const route = rejectingRegex(`${o.kind} ${idOf(o)}`, () => readRoute(o, index, services, gateways, check));
      if (route) routes.push(route);
    }
  }

  // Attachment points, each with its entries in precedence order.
  const points = new Map<string, Point>();
  for (const route of routes) {
    for (const parent of route.parents) {
      const own = parent.namespace === route.namespace ? parent.name : `${parent.name}.${parent.namespace}`;
      const hosts = parent.kind === 'Service' ? [own] : parent.hostnames ?? (route.hostnames.length > 0 ? route.hostnames : ['*']);
      for (const host of hosts) {
        const id = `${route.kind}|${parent.kind === 'Service' ? parent.id : `${parent.id}|${host}`}`;
        let p = points.get(id);
        if (!p) {
          p = { id, tag: parent.tag, kind: route.kind, host, isMesh: parent.kind === 'Service', parent, entries: [], routes: [] };
          points.set(id, p);
        }
        if (p.routes.includes(route)) continue;
        p.routes.push(route);
        const point = p;
        route.rules.forEach((rule, ruleIndex) => rule.matches.forEach((match, matchIndex) => {
          point.entries.push({ route, ruleIndex, matchIndex, match });
        }));
      }
    }
  }
  for (const p of points.values()) {
    const regex = p.entries.find(e => e.match.precedence.pathType === 'RegularExpression');
    if (regex && p.entries.some(e => compareMatchPrecedence(regex.match.precedence, e.match.precedence) === undefined)) {
      regex.route.warn(`the precedence of its RegularExpression path among the matches attached to ${p.isMesh ? `Service ${p.host}` : `gateway ${p.tag}`} is implementation-specific; modelled in Istio's order (after Exact and PathPrefix paths, longer patterns first)`);
    }
    // GAMMA: a consumer route's matches come before the producer routes' (for its clients).
    const consumerRank = (e: Entry) => (extraOf(e.route, p).consumer ? 0 : 1);
    p.entries.sort((a, b) => consumerRank(a) - consumerRank(b) || comparePrecedence(a, b));
    gather(p.entries);
    p.anchor = anchorOf(p);
  }

  // One routing per anchor host (the Service whose traffic the point routes), as the Istio
  // reader has one per VirtualService host; points of different gateways become rules bound
  // to those gateways.
  const byAnchor = new Map<string, Point[]>();
  for (const p of points.values()) {
    const list = byAnchor.get(p.anchor!.key);
    if (list) list.push(p);
    else byAnchor.set(p.anchor!.key, [p]);
  }
  const out: RoutingInfo[] = [];
  for (const group of byAnchor.values()) out.push(...routingsOf(group, index, services));

  // Exact hosts before wildcards: the simulator takes the first routing that covers a request's host.
  const wildness = (r: RoutingInfo) => {
    const hosts = [r.routing.host, ...(r.routing.hosts ?? [])];
    return hosts.every(h => h === '*') ? 2 : hosts.every(h => h.startsWith('*')) ? 1 : 0;
  };
  const sorted = out.map((r, i) => ({ r, i })).sort((a, b) => wildness(a.r) - wildness(b.r) || a.i - b.i).map(x => x.r);

  // Istio: mixing VirtualService and HTTPRoute for one workload is undefined (ambient/migrate).
  for (const r of sorted) {
    const vs = index.routings.find(o => o.hostKey === r.hostKey);
    if (vs) {
      index.warnings.push({
        source: r.routing.source!,
        host: r.routing.host,
        message: `routes host ${r.routing.host}, as ${vs.routing.source} does; Istio leaves mixing VirtualService and HTTPRoute for one workload undefined, so the simulator uses the VirtualService`,
      });
    }
  }

  const result: GatewayApiRead = {
    routings: sorted,
    routes: routes.map(r => ({
      key: r.key,
      kind: r.kind,
      source: r.source,
      wave: r.wave,
      parents: r.parents,
      backends: r.rules.flatMap(rule => [
        ...rule.destinations.filter(d => d.backend).map(d => ({ backend: d.backend!, weight: d.weight, mirror: false })),
        ...rule.mirrors.map(m => ({ backend: m.backend, weight: m.percent, mirror: true })),
      ]),
    })),
  };
  READ.set(index, result);
  return result;
}

const READ = new WeakMap<ObjectIndex, GatewayApiRead>();

/** What `readGatewayApiRoutes` read into `index` (nothing when the index has no Gateway API routes). */
export function gatewayApiOf(index: ObjectIndex): GatewayApiRead {
  return READ.get(index) ?? { routings: [], routes: [] };
}

// ---------------------------------------------------------------------------------------
// Services: selectors, to map per-version backend Services to versions.
// ---------------------------------------------------------------------------------------

interface ServiceEntry {
  readonly name: string;
  readonly namespace: string;
  readonly key: string;
  readonly selector: Record<string, string>;
  /** The Service's port numbers. */
  readonly ports: number[];
}

type ServiceTable = Map<string, ServiceEntry>;

function serviceTable(objects: any[]): ServiceTable {
  const out: ServiceTable = new Map();
  for (const o of objects) {
    if (o.kind !== 'Service' || o.apiVersion !== 'v1') continue;
    const name = String(o.metadata?.name ?? '');
    const namespace = namespaceOf(o);
    const key = hostKey(name, namespace);
    if (out.has(key)) continue;
    const selector: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.spec?.selector ?? {})) if (typeof v === 'string') selector[k] = v;
    const ports = (Array.isArray(o.spec?.ports) ? o.spec.ports : []).map((sp: any) => sp?.port).filter((n: unknown): n is number => typeof n === 'number');
    out.set(key, { name, namespace, key, selector, ports });
  }
  return out;
}

function isSubset(small: Record<string, string>, big: Record<string, string>): boolean {
  return Object.entries(small).every(([k, v]) => big[k] === v);
}

/** The app Service a per-version Service belongs to: one whose selector is a proper subset of its own. */
function appServiceOf(svc: ServiceEntry, services: ServiceTable, prefer: string[]): ServiceEntry | undefined {
  const size = Object.keys(svc.selector).length;
  const candidates = [...services.values()].filter(a => a.namespace === svc.namespace && a.key !== svc.key
    && Object.keys(a.selector).length > 0 && Object.keys(a.selector).length < size && isSubset(a.selector, svc.selector));
  if (candidates.length === 0) return undefined;
  return candidates.find(a => prefer.includes(a.key))
    ?? candidates.find(a => svc.name.startsWith(`${a.name}-`))
    ?? candidates.sort((a, b) => Object.keys(b.selector).length - Object.keys(a.selector).length)[0];
}

/** The versions of an app Service: the Services that select a subset of its pods. */
function versionServicesOf(app: ServiceEntry, services: ServiceTable): ServiceEntry[] {
  return [...services.values()].filter(s => s.key !== app.key && appServiceOf(s, services, [app.key])?.key === app.key);
}

function versionOf(svc: ServiceEntry, app: ServiceEntry): { version: string; labels: Record<string, string> } {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.selector)) if (app.selector[k] !== v) labels[k] = v;
  const version = labels.version ?? (svc.name.startsWith(`${app.name}-`) ? svc.name.slice(app.name.length + 1) : svc.name);
  return { version, labels };
}

// ---------------------------------------------------------------------------------------
// Routes.
// ---------------------------------------------------------------------------------------

function readRoute(o: any, index: ObjectIndex, services: ServiceTable, gateways: Map<string, GatewayInfo>, check: BackendCheck): Route | undefined {
  const kind: string = o.kind;
  const key = idOf(o);
  const namespace = namespaceOf(o);
  const source = `${kind} ${key}`;
  const spec = o.spec ?? {};
  const hostnames: string[] = Array.isArray(spec.hostnames) ? spec.hostnames.filter((h: unknown) => typeof h === 'string' && h !== '').map((h: string) => h.toLowerCase()) : [];
  // The host warnings are about (explain shows a host's warnings): the first hostname until a Service parent is read.
  let firstHost: string | undefined = hostnames[0];
  const warn: Warn = message => index.warnings.push({ source, host: firstHost, message });

  for (const k of Object.keys(spec)) {
    if (!['parentRefs', 'hostnames', 'rules'].includes(k)) warn(`field spec.${k} is not modelled; ignored`);
  }
  const parents: ParentInfo[] = [];
  let unattached = false;
  (Array.isArray(spec.parentRefs) ? spec.parentRefs : []).forEach((p: any, i: number) => {
    const where = `parentRefs[${i}]`;
    const group = p?.group ?? GATEWAY_API_GROUP;
    const pkind = p?.kind ?? 'Gateway';
    const name = typeof p?.name === 'string' ? p.name : '';
    if (name === '') {
      warn(`${where}: has no name; ignored`);
      return;
    }
    const ns = typeof p?.namespace === 'string' && p.namespace !== '' ? p.namespace : namespace;
    if (pkind === 'Service' && (group === '' || group === 'core')) {
      if (ns !== namespace) {
        // GEP-1294 (mesh-consumer-route): it applies to clients in the route's namespace only, before the producer routes.
        warn(`${where}: Service ${ns}/${name} is in another namespace, so this is a GAMMA consumer route: it applies only to clients in namespace ${namespace}, `
          + `before the producer routes; the answers differ per client namespace (explain --from-namespace ${namespace})`);
      }
      // A route on the only port of its Service (what our constructs render) applies to every port: exact.
      const only = services.get(hostKey(name, ns))?.ports;
      let ports: Map<string, number[]> | undefined;
      if (p?.port !== undefined && !(only?.length === 1 && only[0] === p.port)) {
        if (typeof p.port === 'number' && Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535) ports = new Map([['*', [p.port]]]);
        else warn(`${where}: port ${show(p.port)} is not a port number; the route is modelled as applying to every port of Service ${name}`);
      }
      parents.push(withoutUndefined({ tag: MESH_GATEWAY, id: hostKey(name, ns), kind: 'Service' as const, name, namespace: ns, ports, consumer: ns !== namespace ? namespace : undefined }));
    } else if (pkind === 'Gateway' && group === GATEWAY_API_GROUP) {
      // A parentRef without a namespace names a Gateway of the route's own namespace.
      const gateway = gateways.get(`${ns}/${name}`);
      if (!gateway) {
        // A parentRef port names the listeners' port itself: the route serves that port only, whatever the Gateway.
        const port = typeof p?.port === 'number' && Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535 ? p.port : undefined;
        const section = typeof p?.sectionName === 'string' && port === undefined
          ? ` on any port (the port of its listener ${show(p.sectionName)} is not in the input)` : '';
        warn(`${where}: Gateway ${ns}/${name} is not in the input; the answers assume a listener of it accepts the route for its hostnames${section}`);
        const ports = port === undefined ? undefined : new Map((hostnames.length > 0 ? hostnames : ['*']).map(h => [h, [port]]));
        parents.push({ tag: `${ns}/${name}`, id: `${ns}/${name}`, kind: 'Gateway', name, namespace: ns, ...(ports ? { ports } : {}) });
        return;
      }
      const a = attach(gateway, kind, namespace, hostnames, typeof p?.sectionName === 'string' ? p.sectionName : undefined, typeof p?.port === 'number' ? p.port : undefined);
      for (const note of a.assumptions) warn(`${where}: ${note}`);
      if (a.hostnames.length === 0) {
        warn(`${where}: not attached to Gateway ${ns}/${name}: ${a.notes.join('; ')}`);
        unattached = true;
        return;
      }
      parents.push({ tag: `${ns}/${name}`, id: `${ns}/${name}`, kind: 'Gateway', name, namespace: ns, hostnames: a.hostnames, ...(a.ports.size > 0 ? { ports: a.ports } : {}) });
    } else {
      warn(`${where}: parent ${group ? `${group}/` : ''}${pkind} ${name} is not modelled (only Gateways and Services are); ignored`);
    }
  });
  firstHost = parents.find(p => p.kind === 'Service')?.name ?? hostnames[0];
  if (parents.length === 0) {
    if (unattached) return undefined; // said per parentRef
    warn('has no parentRefs the model reads (a Gateway or a Service); ignored');
    return undefined;
  }

  const ruleList: any[] = Array.isArray(spec.rules) && spec.rules.length > 0 ? spec.rules : [{}];
  const routeParents = parents.filter(p => p.kind === 'Service').map(p => p.id);
  const rules = ruleList.map((r, i) => readRule(kind, r ?? {}, `rules[${i}]${r?.name ? ` (${r.name})` : ''}`, namespace, routeParents, services, warn, check));
  const created = Date.parse(o.metadata?.creationTimestamp ?? '');
  return {
    kind,
    obj: o,
    key,
    name: String(o.metadata?.name ?? ''),
    namespace,
    source,
    created: Number.isFinite(created) ? created : undefined,
    hostnames,
    parents,
    wave: waveOf(o),
    rules,
    warn,
  };
}

const KNOWN_RULE_FIELDS = ['name', 'matches', 'filters', 'backendRefs', 'timeouts', 'retry', 'sessionPersistence'];

function readRule(kind: string, r: any, where: string, namespace: string, parents: string[], services: ServiceTable, warn: Warn,
  check: BackendCheck): ReadRule {
  for (const k of Object.keys(r)) if (!KNOWN_RULE_FIELDS.includes(k)) warn(`${where}: field ${k} is not modelled; ignored`);
  const name = typeof r.name === 'string' ? r.name : undefined;

  let redirected = false;
  const mirrors: ReadRule['mirrors'] = [];
  let removeRequestHeaders: string[] | undefined;
  let requestMod: any;
  let responseMod: any;
  (Array.isArray(r.filters) ? r.filters : []).forEach((f: any, i: number) => {
    const at = `${where}.filters[${i}]`;
    switch (f?.type) {
      case 'RequestMirror': {
        // Several RequestMirror filters each copy the request (httproute_types.go, HTTPRouteFilter).
        const m = f.requestMirror ?? {};
        const backend = resolveBackend(m.backendRef ?? {}, `${at}.requestMirror.backendRef`, namespace, parents, services, warn);
        let percent = 100;
        if (typeof m.percent === 'number') {percent = m.percent;} else if (m.fraction && typeof m.fraction.numerator === 'number') {
          const denominator = typeof m.fraction.denominator === 'number' && m.fraction.denominator > 0 ? m.fraction.denominator : 100;
          percent = m.fraction.numerator * 100 / denominator;
        }
        mirrors.push({ backend, percent: Math.min(100, Math.max(0, percent)) });
        return;
      }
      case 'RequestHeaderModifier': {
        const mod = f.requestHeaderModifier ?? {};
        if (Array.isArray(mod.remove) && mod.remove.length > 0) removeRequestHeaders = mod.remove.map((h: unknown) => String(h).toLowerCase());
        requestMod = mod;
        return;
      }
      case 'RequestRedirect':
        redirected = true;
        warn(`${at}: RequestRedirect is not modelled; the rule's requests reach no version`);
        return;
      case 'ResponseHeaderModifier':
        responseMod = f.responseHeaderModifier ?? {};
        return;
      case 'CORS':
        return; // no effect on where requests go
      default:
        warn(`${at}: filter ${show(f?.type)} is not modelled; ignored`);
    }
  });

  const destinations: ReadRule['destinations'] = [];
  const refs: any[] = Array.isArray(r.backendRefs) ? r.backendRefs : [];
  if (!redirected) {
    // httproute_types.go, HTTPRouteRule.BackendRefs: no backendRefs and no filter that responds is a 500.
    if (refs.length === 0) warn(`${where}: has no backendRefs; the Gateway API answers its requests with 500, modelled as reaching no version`);
    refs.forEach((b: any, i: number) => {
      const at = `${where}.backendRefs[${i}]`;
      const responseHeaders = backendResponseHeaders(b?.filters, at, warn);
      const weight = b?.weight === undefined ? 1 : typeof b.weight === 'number' && b.weight > 0 ? b.weight : 0;
      const invalid = check(kind, namespace, b ?? {});
      if (invalid) {
        // The Gateway API answers this backendRef's share with 500; the model has no 500 destination.
        warn(`${at}: ${invalid}, so the Gateway API answers the requests it would get with 500; modelled as sending them to the rule's other backendRefs (none: reaching no version)`);
        destinations.push({ backend: resolveBackend(b ?? {}, at, namespace, parents, services, () => undefined), weight, invalid: true });
        return;
      }
      destinations.push(withoutUndefined({ backend: resolveBackend(b ?? {}, at, namespace, parents, services, warn), weight, responseHeaders }));
    });
    if (refs.length > 0 && destinations.every(d => d.weight === 0 || d.invalid) && destinations.some(d => !d.invalid)) {
      warn(`${where}: every backendRef has weight 0, so no request can be forwarded (the Gateway API answers 500); modelled as reaching no version`);
    }
  }
  // Weights are proportions (Envoy's weighted clusters): exact percentages, 1:999 is 0.1%.
  const valid = destinations.filter(d => !d.invalid);
  const sum = valid.reduce((n, d) => n + d.weight, 0);
  const percent = (w: number) => (Number.isInteger(w * 100 / sum) ? w * 100 / sum : Math.round(w * 1e8 / sum) / 1e6);
  const live = [...sum > 0 ? valid.map(d => ({ ...d, weight: percent(d.weight) })) : [], ...destinations.filter(d => d.invalid && d.weight > 0)];

  const rawMatches: any[] = Array.isArray(r.matches) && r.matches.length > 0 ? r.matches : [{}];
  const matches = rawMatches.map((m, j) => (kind === 'GRPCRoute'
    ? readGrpcMatch(m ?? {}, `${where}.matches[${j}]`, warn)
    : readHttpMatch(m ?? {}, `${where}.matches[${j}]`, warn)));
  const resilience = readResilience(r, requestMod, responseMod, where, warn);
  return { name, destinations: live, mirrors, removeRequestHeaders, resilience, matches };
}

/**
 * The headers a backendRef's ResponseHeaderModifier adds (sticky sessions' `set-cookie`), in
 * the model's format; its other filters do not change where requests go and are warned about.
 */
function backendResponseHeaders(filters: unknown, where: string, warn: Warn): { [name: string]: string } | undefined {
  if (!Array.isArray(filters) || filters.length === 0) return undefined;
  let out: { [name: string]: string } | undefined;
  filters.forEach((f: any, i: number) => {
    const mod = f?.type === 'ResponseHeaderModifier' ? f.responseHeaderModifier ?? {} : undefined;
    const others = mod ? Object.keys(mod).filter(k => k !== 'add') : [];
    if (!mod || others.length > 0 || out) {
      warn(`${where}.filters[${i}]: ${mod ? (out ? 'a second ResponseHeaderModifier' : `responseHeaderModifier ${others.join(', ')}`) : `filter ${show(f?.type)}`} of a backendRef is not modelled; ignored`);
    }
    if (mod && !out) {
      const add = headerMap(mod.add);
      if (add) out = Object.fromEntries(Object.entries(add).map(([k, v]) => [k.toLowerCase(), v]));
    }
  });
  return out;
}

/** A header value as written (literal) in the model's Envoy format (`%%` for a literal `%`). */
function modelHeaderValue(value: unknown): string {
  return String(value).replace(/%/g, '%%');
}

function headerMap(list: unknown): { [name: string]: string } | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: { [name: string]: string } = {};
  for (const h of list) if (typeof h?.name === 'string' && h.value !== undefined) out[h.name] = modelHeaderValue(h.value);
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * A rule's `timeouts`, experimental `retry` and header modifiers as the model's timeout,
 * retries and header operations (request removals are `removeRequestHeaders`, read above).
 */
function readResilience(r: any, requestMod: any, responseMod: any, where: string, warn: Warn): ReadRule['resilience'] {
  const duration = (value: unknown, what: string): Duration | undefined => {
    if (value === undefined || value === null) return undefined;
    const d = parseDuration(value);
    if (!d) warn(`${where}: ${what} ${show(value)} is not a duration; ignored`);
    // A zero timeout disables it: the model's "no timeout".
    return d && d.toMilliseconds({ integral: false }) > 0 ? d : undefined;
  };
  const timeout = duration(r.timeouts?.request, 'timeouts.request');
  const backendRequest = duration(r.timeouts?.backendRequest, 'timeouts.backendRequest');
  let retries: RetryPolicy | undefined;
  if (r.retry && typeof r.retry === 'object') {
    const codes: number[] = Array.isArray(r.retry.codes) ? r.retry.codes.filter((c: unknown) => typeof c === 'number') : [];
    if (typeof r.retry.attempts !== 'number') warn(`${where}: retry without attempts retries an implementation-specific number of times; modelled as 2 (Istio's default)`);
    if (codes.length === 0) warn(`${where}: retry without codes retries on implementation-specific conditions; modelled as the provider's default conditions`);
    if (r.retry.backoff !== undefined) warn(`${where}: retry.backoff is not modelled; ignored`);
    retries = withoutUndefined({
      attempts: typeof r.retry.attempts === 'number' ? r.retry.attempts : 2,
      perTryTimeout: backendRequest,
      retryOnStatusCodes: codes.length > 0 ? codes : undefined,
    });
  } else if (backendRequest) {
    warn(`${where}: timeouts.backendRequest without retry is not modelled; ignored`);
  }
  const headers: HeaderOperations = withoutUndefined({
    requestSet: headerMap(requestMod?.set),
    requestAdd: headerMap(requestMod?.add),
    responseSet: headerMap(responseMod?.set),
    responseAdd: headerMap(responseMod?.add),
    responseRemove: Array.isArray(responseMod?.remove) && responseMod.remove.length > 0 ? responseMod.remove.map(String) : undefined,
  });
  return withoutUndefined({ timeout, retries, headers: Object.keys(headers).length > 0 ? headers : undefined });
}

function resolveBackend(b: any, where: string, namespace: string, parents: string[], services: ServiceTable, warn: Warn): BackendInfo {
  const name = typeof b.name === 'string' ? b.name : '';
  const ns = typeof b.namespace === 'string' && b.namespace !== '' ? b.namespace : namespace;
  const group = b.group ?? '';
  const kind = b.kind ?? 'Service';
  const serviceHostKey = hostKey(name || '(unnamed)', ns);
  const asWritten = ns === namespace ? name : `${name}.${ns}`;
  const plain = { serviceKey: `${ns}/${name}`, serviceHostKey, name, namespace: ns };
  if (name === '') warn(`${where}: has no name`);
  if (!(kind === 'Service' && (group === '' || group === 'core'))) {
    warn(`${where}: backend ${group ? `${group}/` : ''}${kind} ${name} is not a Service; modelled as any pod of host ${asWritten}`);
    return { ...plain, host: asWritten, hostKey: serviceHostKey, isService: false };
  }
  const svc = services.get(serviceHostKey);
  if (!svc) {
    // Without the Service, infer the version from the name `<app>-<version>` of a parent Service.
    const app = parents.map(p => services.get(p) ?? { name: p.split('.')[0], namespace: p.split('.')[1], key: p, selector: {} })
      .find(p => p.namespace === ns && name.startsWith(`${p.name}-`));
    if (app) {
      warn(`${where}: Service ${name} is not among the objects; modelled as version ${show(name.slice(app.name.length + 1))} of ${app.name} by its name`);
      return { ...plain, host: ns === namespace ? app.name : `${app.name}.${ns}`, hostKey: app.key, version: name.slice(app.name.length + 1), isService: true };
    }
    warn(`${where}: Service ${name} is not among the objects; modelled as any pod of ${asWritten}`);
    return { ...plain, host: asWritten, hostKey: serviceHostKey, isService: true };
  }
  if (parents.includes(svc.key)) return { ...plain, host: asWritten, hostKey: serviceHostKey, isService: true };
  const app = appServiceOf(svc, services, parents);
  if (!app) return { ...plain, host: asWritten, hostKey: serviceHostKey, isService: true };
  const { version, labels } = versionOf(svc, app);
  return { ...plain, host: ns === namespace ? app.name : `${app.name}.${ns}`, hostKey: app.key, version, labels, isService: true };
}

// ---------------------------------------------------------------------------------------
// Matches and their precedence.
// ---------------------------------------------------------------------------------------

const KNOWN_HTTP_MATCH_FIELDS = ['path', 'headers', 'queryParams', 'method'];

/**
 * An HTTPRouteMatch as model conditions and its precedence: Exact path, then the longest
 * PathPrefix, then a method, then the most headers, then the most query parameters
 * (httproute_types.go, HTTPRouteRule.Matches; the key is _precedence.ts's).
 */
function readHttpMatch(m: any, where: string, warn: Warn): ReadMatch {
  for (const k of Object.keys(m)) if (!KNOWN_HTTP_MATCH_FIELDS.includes(k)) warn(`${where}: field ${k} is not modelled; ignored`);
  const parts: RequestMatch[] = [];
  const attempt = (what: string, make: () => RequestMatch | undefined) => {
    try {
      const made = make();
      if (made) parts.push(made);
    } catch (e) {
      // The regex judge's refusal is an error, never a match treated as satisfied by every request.
      if (isRegexRejected(e)) throw regexRejected(`${where}: ${(e as Error).message}`);
      warn(`${where}: ${what} cannot be modelled (${(e as Error).message}); treated as satisfied by every request`);
    }
  };
  const pathType: string = m.path?.type ?? 'PathPrefix';
  const pathValue: string = typeof m.path?.value === 'string' ? m.path.value : '/';
  attempt(`path ${pathType} ${show(pathValue)}`, () => {
    switch (pathType) {
      case 'Exact': return RequestMatch.uri(StringMatch.exact(pathValue));
      case 'PathPrefix': return pathPrefix(pathValue, m.path !== undefined);
      case 'RegularExpression': return RequestMatch.uri(pathValue === '.*' ? StringMatch.regex(pathValue) : simplified(pathValue, false));
      default: throw new Error(`unknown path type ${show(pathType)}`);
    }
  });
  const headerNames = new Set<string>();
  (Array.isArray(m.headers) ? m.headers : []).forEach((h: any) => {
    const name = String(h?.name ?? '').toLowerCase();
    if (headerNames.has(name)) {
      warn(`${where}: a second match on header ${name} is ignored (the Gateway API considers only the first entry for a name)`);
      return;
    }
    headerNames.add(name);
    attempt(`header ${name}`, () => RequestMatch._read(name, valueMatch(h, true)));
  });
  const queryNames = new Set<string>();
  (Array.isArray(m.queryParams) ? m.queryParams : []).forEach((q: any) => {
    const name = String(q?.name ?? '');
    if (queryNames.has(name)) {
      warn(`${where}: a second match on query parameter ${name} is ignored (the Gateway API considers only the first entry for a name)`);
      return;
    }
    queryNames.add(name);
    attempt(`query parameter ${name}`, () => RequestMatch.queryParam(name, valueMatch(q)));
  });
  if (m.method !== undefined) attempt(`method ${show(m.method)}`, () => RequestMatch.method(String(m.method)));
  return {
    match: parts.length === 0 ? undefined : RequestMatch.all(...parts),
    precedence: httpMatchPrecedence(m),
  };
}

/**
 * PathPrefix matches path elements: `/abc` matches `/abc`, `/abc/` and `/abc/def`, not
 * `/abcd`; a trailing `/` is ignored (httproute_types.go, PathMatchPathPrefix).
 */
function pathPrefix(value: string, written: boolean): RequestMatch | undefined {
  // `/` matches every path: a condition only when written (as the model's `uri prefix "/"` renders).
  return pathElementPrefix(value) ?? (written ? RequestMatch.uri(StringMatch.prefix('/')) : undefined);
}

function valueMatch(h: any, header = false): StringMatch {
  const type = h?.type ?? 'Exact';
  const value = typeof h?.value === 'string' ? h.value : '';
  if (type === 'Exact') return value === '' ? StringMatch.regex('^$') : StringMatch.exact(value);
  if (type === 'RegularExpression') return value === '' ? StringMatch.regex('^$') : simplified(value, header);
  throw new Error(`unknown match type ${show(type)}`);
}

/**
 * A regex as the simplest equal match, so that routing rendered from the same model by
 * either provider reads back alike: `.*` on a header is presence (the Gateway API has no
 * presence match), `<literal>.*` a prefix (the regex must match the whole value).
 */
function simplified(pattern: string, header: boolean): StringMatch {
  if (header && (pattern === '.*' || pattern === '^.*$')) return StringMatch._present();
  const literal = /^((?:[^\\.^$|?*+()[\]{}]|\\[\\.^$|?*+()[\]{}])+)\.\*$/.exec(pattern);
  if (literal) return StringMatch.prefix(literal[1].replace(/\\(.)/g, '$1'));
  return StringMatch.regex(pattern);
}

/**
 * A GRPCRouteMatch: the method becomes a match on the path `/<service>/<method>`; precedence
 * is the longest service, then the longest method, then the most headers
 * (grpcroute_types.go, GRPCRouteRule.Matches).
 */
function readGrpcMatch(m: any, where: string, warn: Warn): ReadMatch {
  for (const k of Object.keys(m)) if (!['method', 'headers'].includes(k)) warn(`${where}: field ${k} is not modelled; ignored`);
  const parts: RequestMatch[] = [];
  const service: string | undefined = typeof m.method?.service === 'string' && m.method.service !== '' ? m.method.service : undefined;
  const method: string | undefined = typeof m.method?.method === 'string' && m.method.method !== '' ? m.method.method : undefined;
  const type = m.method?.type ?? 'Exact';
  try {
    if (service !== undefined || method !== undefined) {
      if (type === 'Exact') {
        if (service !== undefined && method !== undefined) parts.push(RequestMatch.uri(StringMatch.exact(`/${service}/${method}`)));
        else if (service !== undefined) parts.push(RequestMatch.uri(StringMatch.prefix(`/${service}/`)));
        else parts.push(RequestMatch.uri(StringMatch.regex(`^/[^/]+/${escapeRegex(method!)}$`)));
      } else if (type === 'RegularExpression') {
        parts.push(RequestMatch.uri(StringMatch.regex(`^/(?:${service ?? '[^/]+'})/(?:${method ?? '[^/]+'})$`)));
      } else {
        throw new Error(`unknown method match type ${show(type)}`);
      }
    }
  } catch (e) {
    // The regex judge's refusal is an error, never a match treated as satisfied by every request.
    if (isRegexRejected(e)) throw regexRejected(`${where}: ${(e as Error).message}`);
    warn(`${where}: method cannot be modelled (${(e as Error).message}); treated as satisfied by every request`);
  }
  const names = new Set<string>();
  for (const h of Array.isArray(m.headers) ? m.headers : []) {
    const name = String(h?.name ?? '').toLowerCase();
    if (names.has(name)) continue;
    names.add(name);
    try {
      parts.push(RequestMatch.header(name, valueMatch(h, true)));
    } catch (e) {
      // The regex judge's refusal is an error, never a match treated as satisfied by every request.
      if (isRegexRejected(e)) throw regexRejected(`${where}: ${(e as Error).message}`);
      warn(`${where}: header ${name} cannot be modelled (${(e as Error).message}); treated as satisfied by every request`);
    }
  }
  return {
    match: parts.length === 0 ? undefined : RequestMatch.all(...parts),
    precedence: grpcMatchPrecedence(m),
  };
}

/**
 * Gateway API precedence between two matches (compareMatchPrecedence); where the spec leaves
 * it to the implementation (RegularExpression paths), Istio's order: after Exact and
 * PathPrefix paths, longer patterns first (pilot sortHTTPRoutes). Ties: the older route, then
 * `<namespace>/<name>`, then rule and match order.
 */
function comparePrecedence(a: Entry, b: Entry): number {
  const d = compareMatchPrecedence(a.match.precedence, b.match.precedence) ?? istioOrder(a.match.precedence, b.match.precedence);
  if (d !== 0) return d;
  if (a.route !== b.route) {
    const ca = a.route.created;
    const cb = b.route.created;
    if (ca !== undefined && cb !== undefined && ca !== cb) return ca - cb;
    if (ca !== undefined && cb === undefined) return -1; // an object without a timestamp is not created yet
    if (ca === undefined && cb !== undefined) return 1;
    if (a.route.key !== b.route.key) return a.route.key < b.route.key ? -1 : 1;
  }
  return a.ruleIndex - b.ruleIndex || a.matchIndex - b.matchIndex;
}

const PATH_RANK: Record<string, number> = { Exact: 3, PathPrefix: 2, RegularExpression: 1 };

/**
 * Restores list order among neighbours that send requests to the same place (same backends,
 * mirror and removed headers) or that no request satisfies both of: swapping two such
 * neighbours changes where no request goes, and keeps the rules as the model they were
 * rendered from has them (its matches together, its order).
 */
/** A comparable key of a rule's resilience settings. */
function resilienceKey(r: Pick<RouteRule, 'timeout' | 'retries' | 'headers'>): string {
  const ms = (d: Duration | undefined) => d?.toMilliseconds({ integral: false });
  return JSON.stringify([ms(r.timeout), r.retries ? { ...r.retries, perTryTimeout: ms(r.retries.perTryTimeout) } : null, r.headers ?? null]);
}

function gather(entries: Entry[]): void {
  const action = (e: Entry) => {
    const r = e.route.rules[e.ruleIndex];
    const mirror = r.mirrors.map(m => [m.backend.serviceKey, m.percent]);
    const backends = r.destinations.map(d => [d.backend?.serviceKey, d.weight, d.responseHeaders ?? null]);
    return JSON.stringify([backends, mirror, r.removeRequestHeaders ?? [], resilienceKey(r.resilience)]);
  };
  const listOrder = (a: Entry, b: Entry) => (a.route === b.route ? 0 : a.route.key < b.route.key ? -1 : 1)
    || a.ruleIndex - b.ruleIndex || a.matchIndex - b.matchIndex;
  for (let swapped = true; swapped;) {
    swapped = false;
    for (let i = 0; i + 1 < entries.length; i++) {
      const [a, b] = [entries[i], entries[i + 1]];
      if (listOrder(b, a) < 0 && (action(a) === action(b) || disjoint(a.match.match, b.match.match))) {
        [entries[i], entries[i + 1]] = [b, a];
        swapped = true;
      }
    }
  }
}

/** Whether no request satisfies both matches (a condition of one excludes one of the other). */
function disjoint(a: RequestMatch | undefined, b: RequestMatch | undefined): boolean {
  if (!a || !b) return false;
  const excludes = (x: StringMatch, y: StringMatch) => {
    if (x.type === StringMatchType.PRESENT || y.type === StringMatchType.PRESENT) return false;
    if (x.type === StringMatchType.EXACT) return !y.matches(x.value);
    if (y.type === StringMatchType.EXACT) return !x.matches(y.value);
    return x.type === StringMatchType.PREFIX && y.type === StringMatchType.PREFIX && !x.value.startsWith(y.value) && !y.value.startsWith(x.value);
  };
  return a.conditions.some(ca => b.conditions.some(cb => ca.field === cb.field && ca.name === cb.name
    && ca.field !== MatchField.WITHOUT_HEADER && excludes(ca.match, cb.match)));
}

function istioOrder(a: MatchPrecedence, b: MatchPrecedence): number {
  const rank = (p: MatchPrecedence) => PATH_RANK[p.pathType ?? 'PathPrefix'] ?? 0;
  const length = (p: MatchPrecedence) => (p.pathType === 'Exact' ? 0 : (p.pathValue ?? '').length);
  return (rank(b) - rank(a)) || (length(b) - length(a)) || (Number(b.method ?? false) - Number(a.method ?? false))
    || (b.headers - a.headers) || ((b.queryParams ?? 0) - (a.queryParams ?? 0));
}

// ---------------------------------------------------------------------------------------
// Points to routings.
// ---------------------------------------------------------------------------------------

/** The Service whose traffic a point routes: the parent Service, or the one its backends are versions of. */
function anchorOf(p: Point): Anchor {
  if (p.isMesh) return { host: p.host, key: p.parent.id, namespace: p.parent.namespace };
  const route = p.routes[0];
  const parent = route.parents.find(x => x.kind === 'Service');
  if (parent) {
    return { host: parent.namespace === route.namespace ? parent.name : `${parent.name}.${parent.namespace}`, key: parent.id, namespace: parent.namespace };
  }
  const backends = p.routes.flatMap(r => r.rules.flatMap(rule => rule.destinations.map(d => d.backend!).filter(b => b.version !== undefined)));
  if (backends.length > 0 && backends.every(b => b.hostKey === backends[0].hostKey)) {
    return { host: backends[0].host, key: backends[0].hostKey, namespace: backends[0].namespace };
  }
  return { host: p.host, key: `${p.kind}|${p.id}`, namespace: route.namespace };
}

/** The rule for requests that routes of a Service apply to but none matches: a 404. */
export const NO_ROUTE_MATCHES = '(a route applies, no rule matches: 404)';
/** The rule for requests that no route of a Service applies to (another port or client namespace): the Service itself. */
export const NO_ROUTE_APPLIES = '(no route applies: the Service itself)';

/**
 * What a route's attachment at a point adds to each of its matches: the ports it serves there
 * (a Gateway listener's, a GAMMA parentRef's), and the client namespace of a consumer route.
 */
function extraOf(route: Route, p: Point): { matches: RequestMatch[]; consumer?: string } {
  const parents = route.parents.filter(x => x.kind === p.parent.kind && x.id === p.parent.id);
  const key = p.isMesh ? '*' : p.host;
  // Several parentRefs to one parent: the union of their ports, any port when one has none.
  const ports = parents.some(x => !x.ports?.has(key)) ? undefined : [...new Set(parents.flatMap(x => x.ports!.get(key)!))];
  const consumer = parents.find(x => x.consumer !== undefined)?.consumer;
  const matches: RequestMatch[] = [];
  if (ports) matches.push(RequestMatch._port(ports));
  if (consumer) matches.push(RequestMatch._sourceNamespace(consumer));
  return { matches, consumer };
}

interface Anchor {
  readonly host: string;
  readonly key: string;
  readonly namespace: string;
}

function routingsOf(points: Point[], index: ObjectIndex, services: ServiceTable): RoutingInfo[] {
  const anchor = points[0].anchor!;
  // Points of one tag with different rule lists cannot share a routing (rules are bound to
  // gateways, not hosts), nor can a catch-all hostname share one with in-mesh traffic.
  const listKey = (p: Point) => p.entries.map(e => `${e.route.key}|${e.ruleIndex}|${e.matchIndex}`).join(',');
  const byTag = new Map<string, Set<string>>();
  for (const p of points) byTag.set(`${p.kind}|${p.tag}`, (byTag.get(`${p.kind}|${p.tag}`) ?? new Set()).add(listKey(p)));
  const hasMesh = points.some(p => p.isMesh);
  const alone = (p: Point) => byTag.get(`${p.kind}|${p.tag}`)!.size > 1 || (hasMesh && !p.isMesh && p.host === '*')
    || (p.kind === 'GRPCRoute' && points.some(o => o.kind === 'HTTPRoute'));
  const together = points.filter(p => !alone(p));
  const out: RoutingInfo[] = [];
  if (together.length > 0) out.push(makeRouting(together, anchor.host, anchor, index, services));
  for (const p of points.filter(alone)) {
    const routes = p.routes.map(r => r.source).join(', ');
    if (byTag.get(`${p.kind}|${p.tag}`)!.size > 1) {
      p.routes[0].warn(`routes attached to ${p.isMesh ? `Service ${p.host}` : `gateway ${p.tag}`} differ by hostname (${routes}); each hostname is modelled as its own routing`);
    }
    out.push(makeRouting([p], p.isMesh ? anchor.host : p.host, anchor, index, services));
  }
  return out;
}

function makeRouting(points: Point[], host: string, anchor: Anchor, index: ObjectIndex, services: ServiceTable): RoutingInfo {
  const routes = [...new Set(points.flatMap(p => p.routes))];
  const first = routes[0];
  const gateways = [...new Set(points.map(p => p.tag))];
  const hosts = [...new Set(points.map(p => p.host))].filter(h => h !== host);
  const ownKey = host === anchor.host ? anchor.key : hostKey(host, first.namespace);
  const namespace = ownKey === anchor.key ? anchor.namespace : first.namespace;

  // Each point's rules, first-match; the rules after a catch-all are never reached.
  const listOf = (p: Point): RouteRule[] => {
    const entries = p.entries;
    const out: RouteRule[] = [];
    const matchOf = (e: Entry): RequestMatch | undefined => {
      const extra = extraOf(e.route, p).matches;
      if (extra.length === 0) return e.match.match;
      return RequestMatch.all(...(e.match.match ? [e.match.match] : []), ...extra);
    };
    let i = 0;
    while (i < entries.length && (out.length === 0 || out[out.length - 1].matches !== undefined)) {
      // A run of matches of the same route rule is one model rule (its matches ORed).
      let j = i + 1;
      while (j < entries.length && entries[j].route === entries[i].route && entries[j].ruleIndex === entries[i].ruleIndex) j++;
      const run = entries.slice(i, j);
      const rule = run[0].route.rules[run[0].ruleIndex];
      out.push(withoutUndefined({
        name: rule.name,
        matches: run.some(e => matchOf(e) === undefined) ? undefined : run.map(e => matchOf(e)!),
        destinations: rule.destinations.filter(d => !d.invalid).map(d => destinationOf(d, ownKey, namespace)),
        mirror: rule.mirrors.length > 0 ? mirrorOf(rule.mirrors[0], ownKey, namespace) : undefined,
        mirrors: rule.mirrors.length > 1 ? rule.mirrors.map(m => mirrorOf(m, ownKey, namespace)) : undefined,
        removeRequestHeaders: rule.removeRequestHeaders ? [...rule.removeRequestHeaders] : undefined,
        ...rule.resilience,
      }));
      i = j;
    }
    // GAMMA: when every route applies only to some requests (a port, a consumer namespace),
    // a request no route applies to goes to the Service itself (mesh-ports,
    // mesh-consumer-route), and one some route applies to but none matches gets a 404.
    if (p.isMesh && (out.length === 0 || out[out.length - 1].matches !== undefined)) {
      const scopes = p.routes.map(r => extraOf(r, p).matches);
      if (scopes.length > 0 && scopes.every(m => m.length > 0)) {
        const applies = [...new Map(scopes.map(m => RequestMatch.all(...m)).map(m => [m.key, m])).values()];
        out.push({ name: NO_ROUTE_MATCHES, matches: applies, destinations: [] });
        out.push({ name: NO_ROUTE_APPLIES, destinations: [{ weight: 100 }] });
      }
    }
    return out;
  };
  // Points whose rules behave alike share them, bound to their gateways (all: unbound).
  const lists = new Map<string, { tags: string[]; rules: RouteRule[] }>();
  for (const p of points) {
    const rules = listOf(p);
    const k = JSON.stringify(rules.map(r => [r.name, (r.matches ?? []).map(m => m.key), r.destinations, r.mirror, r.mirrors, r.removeRequestHeaders,
      resilienceKey(r)]));
    const l = lists.get(k);
    if (l) {
      if (!l.tags.includes(p.tag)) l.tags.push(p.tag);
    } else {
      lists.set(k, { tags: [p.tag], rules });
    }
  }
  // In-mesh rules last, as Istio's model writes them (gateway-bound rules, then the rest); when
  // every other list ends with a catch-all, the last list's catch-all needs no binding.
  const ordered = [...lists.values()].sort((a, b) => Number(a.tags.includes(MESH_GATEWAY)) - Number(b.tags.includes(MESH_GATEWAY)));
  const rules: RouteRule[] = [];
  ordered.forEach(({ tags, rules: list }, n) => {
    const bound = tags.length === gateways.length ? undefined : tags;
    const othersEndInCatchAll = ordered.every((o, m) => m === n || (o.rules.length > 0 && o.rules[o.rules.length - 1].matches === undefined));
    list.forEach((rule, i) => {
      const last = n === ordered.length - 1 && i === list.length - 1 && rule.matches === undefined && othersEndInCatchAll;
      rules.push(bound && !last ? { ...rule, gateways: [...bound] } : rule);
    });
  });

  const routing: ServiceRouting = {
    host,
    hosts,
    gateways,
    versions: versionsOf(ownKey, routes, index, services),
    rules,
    source: routes.map(r => r.source).join(', '),
  };
  return {
    routing,
    key: first.key,
    namespace,
    hostKey: ownKey,
    wave: first.wave,
    provider: GATEWAY_API,
  };
}

function destinationOf(d: ReadRule['destinations'][number], ownKey: string, namespace: string): RouteDestination {
  const b = d.backend!;
  return withoutUndefined({
    version: b.version,
    host: b.hostKey === ownKey ? undefined : hostIn(b, namespace),
    weight: d.weight,
    _responseHeaders: d.responseHeaders ? { ...d.responseHeaders } : undefined,
  });
}

function mirrorOf(m: { backend: BackendInfo; percent: number }, ownKey: string, namespace: string): MirrorPolicy {
  return withoutUndefined({ version: m.backend.version ?? '', host: m.backend.hostKey === ownKey ? undefined : hostIn(m.backend, namespace), percent: m.percent });
}

/**
 * A backend's host as a routing of `namespace` names it: short in that namespace, else
 * `<name>.<namespace>` (a routing gathers the routes of several namespaces on one hostname,
 * and a backend's host as read is relative to its own route's namespace).
 */
function hostIn(b: BackendInfo, namespace: string): string {
  if (!b.isService) return b.host;
  const short = b.host.split('.')[0];
  return b.namespace === namespace ? short : `${short}.${b.namespace}`;
}

/** The versions of the routing's own Service: its per-version Services, with the replicas of the pods they select. */
function versionsOf(ownKey: string, routes: Route[], index: ObjectIndex, services: ServiceTable): ServiceVersion[] {
  const out = new Map<string, ServiceVersion>();
  const app = services.get(ownKey);
  const replicasOf = (namespace: string, selector: Record<string, string>) => {
    const deps = index.deployments.filter(d => d.namespace === namespace && isSubset(selector, d.podLabels));
    return deps.length > 0 ? deps.reduce((s, d) => s + d.replicas, 0) : undefined;
  };
  if (app) {
    for (const svc of versionServicesOf(app, services)) {
      const { version, labels } = versionOf(svc, app);
      if (!out.has(version)) out.set(version, withoutUndefined({ version, labels, replicas: replicasOf(svc.namespace, svc.selector) }));
    }
  }
  // Versions named by backends whose Services are not among the objects.
  const named = routes.flatMap(r => r.rules.flatMap(rule => [...rule.destinations.map(d => d.backend), ...rule.mirrors.map(m => m.backend)]))
    .filter((b): b is BackendInfo => b !== undefined && b.hostKey === ownKey && b.version !== undefined);
  for (const b of named) if (!out.has(b.version!)) out.set(b.version!, withoutUndefined({ version: b.version!, labels: b.labels }));
  return [...out.values()];
}

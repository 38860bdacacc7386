// Reading Gateways (internal; the Gateway API reader asks which listeners accept a route and
// for which hostnames). Gateway API v1.6.1, apis/v1/gateway_types.go and shared_types.go:
//
// - a parentRef names a Gateway (namespace: the route's by default) and, optionally, a
//   listener by `sectionName` and/or `port`; without either, every listener of the Gateway;
// - a listener accepts the route when its protocol carries the route's kind (HTTP or HTTPS for
//   HTTPRoute and GRPCRoute), its `allowedRoutes.namespaces.from` admits the route's namespace
//   (`Same`, the default: the Gateway's namespace; `All`; `Selector`: namespace labels, which
//   are not in our input, so assumed to admit it, with a warning) and its `allowedRoutes.kinds`,
//   when set, list the route's kind;
// - the hostnames the route is served for on a listener are the intersection of the route's
//   hostnames and the listener's hostname (a listener without one takes the route's; a route
//   without any takes the listener's); a route that intersects no accepting listener is not
//   attached there (a request for its hostnames gets a 404).
import { show } from '../../internal/validation';
import { namespaceOf } from '../../reading/objects';

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** A listener of a Gateway. */
export interface ListenerInfo {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  /** The listener's hostname; undefined for every hostname. */
  readonly hostname?: string;
  /** `allowedRoutes.namespaces.from`. */
  readonly from: string;
  /** `allowedRoutes.kinds` (kind names); undefined for the protocol's default kinds. */
  readonly kinds?: string[];
}

/** A Gateway: its listeners. */
export interface GatewayInfo {
  readonly namespace: string;
  readonly name: string;
  readonly listeners: ListenerInfo[];
}

/** The Gateways among `objects`, by `<namespace>/<name>`. */
export function gatewaysOf(objects: any[]): Map<string, GatewayInfo> {
  const out = new Map<string, GatewayInfo>();
  for (const o of objects) {
    if (o?.kind !== 'Gateway' || typeof o?.apiVersion !== 'string' || !o.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`)) continue;
    const namespace = namespaceOf(o);
    const name = String(o.metadata?.name ?? '');
    const listeners: ListenerInfo[] = (Array.isArray(o.spec?.listeners) ? o.spec.listeners : []).map((l: any) => ({
      name: String(l?.name ?? ''),
      port: Number(l?.port),
      protocol: String(l?.protocol ?? ''),
      ...(typeof l?.hostname === 'string' && l.hostname !== '' ? { hostname: l.hostname.toLowerCase() } : {}),
      from: String(l?.allowedRoutes?.namespaces?.from ?? 'Same'),
      ...(Array.isArray(l?.allowedRoutes?.kinds) && l.allowedRoutes.kinds.length > 0
        ? { kinds: l.allowedRoutes.kinds.filter((k: any) => (k?.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP).map((k: any) => String(k?.kind)) }
        : {}),
    }));
    out.set(`${namespace}/${name}`, { namespace, name, listeners });
  }
  return out;
}

/** A route's attachment to one Gateway parentRef. */
export interface Attachment {
  /** The hostnames the route is served for there (`*` for any); empty when not attached. */
  readonly hostnames: string[];
  /** Why listeners do not accept the route (worth saying when none does). */
  readonly notes: string[];
  /** What the answer assumes (always worth saying). */
  readonly assumptions: string[];
  /**
   * For each hostname, the ports of the listeners that serve the route for it, when they are
   * not every port on which the Gateway carries the route's kind (a request on another port
   * does not reach the route); absent: any port.
   */
  readonly ports: Map<string, number[]>;
}

/**
 * Where a route of `kind` in `namespace`, with `hostnames`, is served on `gateway` through a
 * parentRef with `sectionName` and `port` (undefined: not given).
 */
export function attach(gateway: GatewayInfo, kind: string, namespace: string, hostnames: string[],
  sectionName: string | undefined, port: number | undefined): Attachment {
  const notes: string[] = [];
  const assumptions: string[] = [];
  const named = gateway.listeners.filter(l => (sectionName === undefined || l.name === sectionName) && (port === undefined || l.port === port));
  const gw = `Gateway ${gateway.namespace}/${gateway.name}`;
  if (named.length === 0) {
    const which = [sectionName !== undefined ? `sectionName ${show(sectionName)}` : '', port !== undefined ? `port ${port}` : ''].filter(x => x).join(' and ');
    notes.push(`${gw} has no listener with ${which}: the route is not attached there (requests get a 404)`);
    return { hostnames: [], notes, assumptions, ports: new Map() };
  }
  const out = new Set<string>();
  const portsOf = new Map<string, Set<number>>();
  for (const l of named) {
    const why = refusal(l, kind, namespace, gateway.namespace);
    if (why) {
      notes.push(`${gw} listener ${show(l.name)} does not accept it: ${why}`);
      continue;
    }
    if (l.from === 'Selector') assumptions.push(`${gw} listener ${show(l.name)} admits namespaces by label selector, which the input does not hold; assumed to admit ${namespace}`);
    const served = intersect(l.hostname, hostnames);
    if (served.length === 0) notes.push(`${gw} listener ${show(l.name)}: no hostname of the route is within its hostname ${show(l.hostname)}`);
    for (const h of served) {
      out.add(h);
      portsOf.set(h, (portsOf.get(h) ?? new Set()).add(l.port));
    }
  }
  // The ports on which the Gateway carries the kind at all: a route served on each of them needs no port condition.
  const kindPorts = [...new Set(gateway.listeners.filter(l => (l.kinds ? l.kinds.includes(kind) : ['HTTP', 'HTTPS'].includes(l.protocol))).map(l => l.port))];
  const ports = new Map<string, number[]>();
  for (const [h, set] of portsOf) {
    if (kindPorts.some(n => !set.has(n)) && [...set].every(n => Number.isInteger(n) && n >= 1 && n <= 65535)) {
      ports.set(h, [...set].sort((a, b) => a - b));
    }
  }
  return { hostnames: [...out], notes, assumptions, ports };
}

/** Why a listener does not accept a route; undefined when it does. */
function refusal(l: ListenerInfo, kind: string, namespace: string, gatewayNamespace: string): string | undefined {
  if (l.kinds ? !l.kinds.includes(kind) : !['HTTP', 'HTTPS'].includes(l.protocol)) {
    return l.kinds ? `its allowedRoutes.kinds are ${l.kinds.join(', ')}` : `its protocol ${l.protocol} carries no ${kind}`;
  }
  if (l.from === 'Same' && namespace !== gatewayNamespace) return `it admits routes of namespace ${gatewayNamespace} only (allowedRoutes.namespaces.from Same)`;
  if (l.from !== 'Same' && l.from !== 'All' && l.from !== 'Selector') return `allowedRoutes.namespaces.from ${show(l.from)} is not a value the Gateway API defines`;
  return undefined;
}

/**
 * The hostnames a route with `hostnames` is served for on a listener with `listener`
 * (undefined: any): the route's within the listener's, the listener's within a route
 * wildcard; `*` when neither names one.
 */
export function intersect(listener: string | undefined, hostnames: string[]): string[] {
  if (listener === undefined) return hostnames.length > 0 ? hostnames : ['*'];
  if (hostnames.length === 0) return [listener];
  const out = new Set<string>();
  for (const h of hostnames) {
    if (within(h, listener)) out.add(h);
    else if (within(listener, h)) out.add(listener);
  }
  return [...out];
}

/** Whether every host `a` names is one `b` names (`x.foo.io` and `*.foo.io` within `*.io`; `foo.io` not within `*.foo.io`). */
function within(a: string, b: string): boolean {
  if (a === b) return true;
  if (!b.startsWith('*.')) return false;
  const suffix = b.slice(1);
  const rest = a.startsWith('*.') ? a.slice(1) : a;
  return rest.endsWith(suffix) && rest.length > suffix.length;
}

/**
 * Why a route's backendRef cannot be used (the Gateway API answers what it would get with
 * 500), given the ReferenceGrants and Services among `objects`; undefined when it can. A
 * backendRef must be a core Service (httproute-invalid-backendref-unknown-kind), one of
 * another namespace needs a ReferenceGrant there from the route's kind and namespace
 * (httproute-invalid-cross-namespace-backend-ref, httproute-reference-grant), and it must
 * exist (httproute-invalid-nonexistent-backendref): judged only for a namespace whose
 * Services the input holds, since an input without them is a partial view.
 */
export type BackendCheck = (routeKind: string, routeNamespace: string, ref: any) => string | undefined;

export function backendCheck(objects: any[]): BackendCheck {
  const grants = objects.filter(o => o?.kind === 'ReferenceGrant' && typeof o?.apiVersion === 'string' && o.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`));
  const services = new Set<string>();
  const namespaces = new Set<string>();
  for (const o of objects) {
    if (o?.kind === 'Service' && o?.apiVersion === 'v1') {
      services.add(`${namespaceOf(o)}/${o.metadata?.name}`);
      namespaces.add(namespaceOf(o));
    }
  }
  return (routeKind, routeNamespace, ref) => {
    const group = ref?.group ?? '';
    const kind = ref?.kind ?? 'Service';
    const name = String(ref?.name ?? '');
    const ns = typeof ref?.namespace === 'string' && ref.namespace !== '' ? ref.namespace : routeNamespace;
    if (!(kind === 'Service' && (group === '' || group === 'core'))) return `backend ${group ? `${group}/` : ''}${kind} ${name} is not a Service`;
    if (ns !== routeNamespace) {
      const granted = grants.some(g => namespaceOf(g) === ns
        && (Array.isArray(g.spec?.from) ? g.spec.from : [])
          .some((f: any) => f?.group === GATEWAY_API_GROUP && f?.kind === routeKind && f?.namespace === routeNamespace)
        && (Array.isArray(g.spec?.to) ? g.spec.to : [])
          .some((t: any) => (t?.group ?? '') === '' && t?.kind === 'Service' && (t?.name === undefined || t.name === '' || t.name === name)));
      if (!granted) return `Service ${ns}/${name} is in another namespace and no ReferenceGrant there lets ${routeKind}s of ${routeNamespace} refer to it`;
    }
    if (namespaces.has(ns) && !services.has(`${ns}/${name}`)) return `Service ${ns}/${name} does not exist (the input holds Services of ${ns}, not this one)`;
    return undefined;
  };
}

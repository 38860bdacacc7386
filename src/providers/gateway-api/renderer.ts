// The Gateway API renderer: ServiceRouting (the provider-neutral model) -> HTTPRoute and
// GRPCRoute specs (gateway.networking.k8s.io/v1). Internal: the public API exposes the
// rendered objects as ApiObjects, never the generated types. What the model holds that the
// Gateway API cannot express is rejected earlier, by the provider's capability checks
// (./_provider.ts); these functions assume a model that passed them.
import { GrpcRouteSpec, GrpcRouteSpecRules, GrpcRouteSpecRulesMatches } from './imports/grpcroute-gateway.networking.k8s.io';
import { HttpRouteSpec, HttpRouteSpecParentRefs, HttpRouteSpecRules, HttpRouteSpecRulesFilters, HttpRouteSpecRulesMatches } from './imports/httproute-gateway.networking.k8s.io';
import { escapeRegex } from '../../internal/regex';
import { MESH_GATEWAY } from '../../model/_util';
import { MatchField, RequestMatch, StringMatch, StringMatchType } from '../../model/request-match';
import { MirrorPolicy, RouteDestination, RouteRule } from '../../model/routing-model';

/** Where one route attaches and what it serves. */
export interface RouteTarget {
  /** The app's Service name (the GAMMA parent, and the backends' prefix). */
  readonly service: string;
  /** The Service port. */
  readonly port: number;
  /** Whether the route attaches to the app's Service (in-mesh traffic). */
  readonly mesh: boolean;
  /** The Gateways it attaches to (`<namespace>/<name>` or `<name>`). */
  readonly gateways: string[];
  /** Hostnames; empty for none. */
  readonly hostnames: string[];
}

/** The name of the Service that selects one version's pods (HTTPRoute has no subsets). */
export function versionServiceName(service: string, version: string): string {
  return `${service}-${version}`;
}

/** The parentRefs of a route. */
export function parentRefs(target: RouteTarget): HttpRouteSpecParentRefs[] {
  const refs: HttpRouteSpecParentRefs[] = [];
  if (target.mesh) refs.push({ group: '', kind: 'Service', name: target.service, port: target.port });
  for (const g of target.gateways) {
    if (g === MESH_GATEWAY) continue;
    const slash = g.indexOf('/');
    refs.push(slash < 0
      ? { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: g }
      : { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: g.slice(0, slash), name: g.slice(slash + 1) });
  }
  return refs;
}

/** The HTTPRoute spec for `rules` (model order) at `target`. */
export function renderHttpRouteSpec(target: RouteTarget, rules: RouteRule[]): HttpRouteSpec {
  return {
    parentRefs: parentRefs(target),
    hostnames: target.hostnames.length > 0 ? [...target.hostnames] : undefined,
    rules: rules.map(rule => renderHttpRule(target, rule)),
  };
}

function renderHttpRule(target: RouteTarget, rule: RouteRule): HttpRouteSpecRules {
  const matches = (rule.matches ?? []).map(renderHttpMatch);
  const out: any = {
    name: rule.name,
    matches: matches.length > 0 ? matches : undefined,
    filters: filters(target, rule) as HttpRouteSpecRulesFilters[] | undefined,
    backendRefs: backendRefs(target, rule.destinations),
  };
  const timeouts = renderTimeouts(rule);
  if (timeouts) out.timeouts = timeouts;
  // `retry` is in the experimental channel's HTTPRoute only (the generated types are the standard one's).
  const retry = renderRetry(rule);
  if (retry) out.retry = retry;
  return out;
}

/**
 * A Gateway API duration (GEP-2257: up to 4 parts of at most 5 digits, units h, m, s, ms) of
 * a whole number of milliseconds, e.g. `1m30s`, `1s500ms`; undefined when it has none (more
 * than 99999 hours).
 */
export function gatewayDuration(ms: number): string | undefined {
  if (!Number.isInteger(ms) || ms < 0) return undefined;
  if (ms === 0) return '0s';
  const units: Array<[string, number]> = [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  let rest = ms;
  let out = '';
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n === 0) continue;
    if (n > 99999) return undefined;
    out += `${n}${unit}`;
  }
  return out;
}

/** `timeouts.request` (the model's timeout: the whole request, retries included) and `backendRequest` (each attempt). */
function renderTimeouts(rule: RouteRule): { request?: string; backendRequest?: string } | undefined {
  const request = rule.timeout ? gatewayDuration(rule.timeout.toMilliseconds({ integral: false })) : undefined;
  const per = rule.retries?.perTryTimeout;
  const backendRequest = per ? gatewayDuration(per.toMilliseconds({ integral: false })) : undefined;
  if (request === undefined && backendRequest === undefined) return undefined;
  const out: { request?: string; backendRequest?: string } = {};
  if (request !== undefined) out.request = request;
  if (backendRequest !== undefined) out.backendRequest = backendRequest;
  return out;
}

/** The experimental `retry`: attempts and the retried status codes (the checks allow nothing else). */
function renderRetry(rule: RouteRule): { attempts: number; codes?: number[] } | undefined {
  const r = rule.retries;
  if (!r) return undefined;
  const codes = [...new Set(r.retryOnStatusCodes ?? [])];
  return codes.length > 0 ? { attempts: r.attempts, codes } : { attempts: r.attempts };
}

/**
 * A model header value (Envoy's format, checked: `%%` for a literal `%`, variables rejected
 * for this provider) as the literal value the Gateway API takes.
 */
export function literalHeaderValue(value: string): string {
  return value.replace(/%%/g, '%');
}

function headerList(map: { [name: string]: string } | undefined): Array<{ name: string; value: string }> | undefined {
  const entries = Object.entries(map ?? {});
  return entries.length > 0 ? entries.map(([name, value]) => ({ name, value: literalHeaderValue(value) })) : undefined;
}

function headerModifier(set: { [name: string]: string } | undefined, add: { [name: string]: string } | undefined, remove: string[]): any | undefined {
  const out: any = {};
  const s = headerList(set);
  const a = headerList(add);
  if (s) out.set = s;
  if (a) out.add = a;
  if (remove.length > 0) out.remove = remove;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The HTTPRouteMatch JSON of one model match. */
export function renderHttpMatch(match: RequestMatch): HttpRouteSpecRulesMatches {
  const out: any = {};
  for (const c of match.conditions) {
    switch (c.field) {
      case MatchField.URI: out.path = pathMatch(c.match); break;
      case MatchField.HEADER: (out.headers ??= []).push({ name: c.name, ...valueMatch(c.match) }); break;
      case MatchField.QUERY_PARAM: (out.queryParams ??= []).push({ name: c.name, ...valueMatch(c.match) }); break;
      case MatchField.METHOD: out.method = c.match.value; break;
      default: throw new Error(`unreachable: ${c.field} is rejected by the Gateway API provider`);
    }
  }
  return out;
}

/**
 * A path match. Our path prefix is the Gateway API's PathPrefix; our prefix is a character
 * prefix (Istio's), the Gateway API's PathPrefix a path-segment prefix (`/api` does not match
 * `/apis`): only `/` is the same in both, so other prefixes render as the equivalent anchored
 * regular expression.
 */
function pathMatch(m: StringMatch): { type: string; value: string } {
  switch (m.type) {
    case StringMatchType.EXACT: return { type: 'Exact', value: m.value };
    case StringMatchType.PATH_PREFIX: return { type: 'PathPrefix', value: m.value };
    case StringMatchType.PREFIX: return m.value === '/' ? { type: 'PathPrefix', value: '/' } : { type: 'RegularExpression', value: `${escapeRegex(m.value)}.*` };
    default: return { type: 'RegularExpression', value: m.value };
  }
}

/**
 * A header or query parameter match: Exact, or RegularExpression for regex, prefix
 * (`<escaped prefix>.*`) and presence (`.*`, any value of a present header).
 */
function valueMatch(m: StringMatch): { type: string; value: string } {
  switch (m.type) {
    case StringMatchType.EXACT: return { type: 'Exact', value: m.value };
    case StringMatchType.PREFIX: return { type: 'RegularExpression', value: `${escapeRegex(m.value)}.*` };
    case StringMatchType.PRESENT: return { type: 'RegularExpression', value: '.*' };
    default: return { type: 'RegularExpression', value: m.value };
  }
}

function backendRefs(target: RouteTarget, destinations: RouteDestination[]) {
  const single = destinations.length === 1;
  return destinations.map(d => {
    const out: any = {
      name: versionServiceName(d.host ?? target.service, d.version as string),
      port: target.port,
      // A lone backend takes all the traffic whatever its weight; leave it out, as the samples do.
      weight: single && d.weight === 100 ? undefined : d.weight,
    };
    // Applied only to the requests forwarded to this backend (sticky sessions' cookie).
    const add = headerList(d._responseHeaders);
    if (add) out.filters = [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add } }];
    return out;
  });
}

function filters(target: RouteTarget, rule: RouteRule): any[] | undefined {
  const out: any[] = [];
  const h = rule.headers ?? {};
  // One filter of each type per rule (CEL): removeRequestHeaders and the header operations merge.
  const remove = [...new Set([...(rule.removeRequestHeaders ?? []), ...(h.requestRemove ?? [])])];
  const request = headerModifier(h.requestSet, h.requestAdd, remove);
  if (request) out.push({ type: 'RequestHeaderModifier', requestHeaderModifier: request });
  const response = headerModifier(h.responseSet, h.responseAdd, [...new Set(h.responseRemove ?? [])]);
  if (response) out.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: response });
  if (rule.mirror) out.push({ type: 'RequestMirror', requestMirror: mirror(target, rule.mirror) });
  return out.length > 0 ? out : undefined;
}

function mirror(target: RouteTarget, m: MirrorPolicy): any {
  const backendRef = { name: versionServiceName(m.host ?? target.service, m.version), port: target.port };
  if (Number.isInteger(m.percent)) return { backendRef, percent: m.percent };
  return { backendRef, fraction: mirrorFraction(m.percent)! };
}

/** A non-integer percent as a fraction with a power-of-ten denominator; undefined if it needs more than 6 decimals. */
export function mirrorFraction(percent: number): { numerator: number; denominator: number } | undefined {
  for (let denominator = 1000; denominator <= 100_000_000; denominator *= 10) {
    const numerator = Math.round(percent * denominator / 100);
    if (Math.abs(numerator * 100 / denominator - percent) < 1e-9) return { numerator, denominator };
  }
  return undefined;
}

/** The GRPCRoute spec for `rules` (model order) at `target`. */
export function renderGrpcRouteSpec(target: RouteTarget, rules: RouteRule[]): GrpcRouteSpec {
  return {
    parentRefs: parentRefs(target) as any,
    hostnames: target.hostnames.length > 0 ? [...target.hostnames] : undefined,
    rules: rules.map(rule => renderGrpcRule(target, rule)),
  };
}

function renderGrpcRule(target: RouteTarget, rule: RouteRule): GrpcRouteSpecRules {
  const matches = (rule.matches ?? []).map(renderGrpcMatch);
  const f = filters(target, rule)?.map(x => x.type === 'RequestMirror' ? { ...x, requestMirror: { backendRef: x.requestMirror.backendRef } } : x);
  return {
    name: rule.name,
    matches: matches.length > 0 ? matches : undefined,
    filters: f,
    backendRefs: backendRefs(target, rule.destinations),
  } as GrpcRouteSpecRules;
}

/** The gRPC service and method of a path `/<service>/<method>` (exact) or `/<service>/` (prefix). */
export function grpcMethodOf(m: StringMatch): { service: string; method?: string } | undefined {
  const exact = /^\/([A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)*)\/([A-Za-z_][A-Za-z_0-9]*)$/.exec(m.value);
  if (m.type === StringMatchType.EXACT && exact) return { service: exact[1], method: exact[2] };
  const prefix = /^\/([A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)*)\/$/.exec(m.value);
  if (m.type === StringMatchType.PREFIX && prefix) return { service: prefix[1] };
  return undefined;
}

/** The GRPCRouteMatch JSON of one model match. */
export function renderGrpcMatch(match: RequestMatch): GrpcRouteSpecRulesMatches {
  const out: any = {};
  for (const c of match.conditions) {
    switch (c.field) {
      case MatchField.URI: out.method = { type: 'Exact', ...grpcMethodOf(c.match)! }; break;
      case MatchField.HEADER: (out.headers ??= []).push({ name: c.name, ...valueMatch(c.match) }); break;
      default: throw new Error(`unreachable: ${c.field} is rejected for gRPC by the Gateway API provider`);
    }
  }
  return out;
}

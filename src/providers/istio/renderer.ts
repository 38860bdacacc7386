// The Istio renderer: ServiceRouting (the provider-neutral model) -> VirtualService and
// DestinationRule specs (networking.istio.io/v1). Internal: the public API exposes the
// rendered objects as ApiObjects, never the generated types.
import {
  DestinationRuleSpec,
  DestinationRuleSpecTrafficPolicy,
  VirtualServiceSpec,
  VirtualServiceSpecHttp,
  VirtualServiceSpecHttpFault,
  VirtualServiceSpecHttpHeaders,
  VirtualServiceSpecHttpMatch,
  VirtualServiceSpecHttpMatchHeaders,
  VirtualServiceSpecHttpRetries,
} from './imports/networking.istio.io';
import { durationString } from '../../internal/duration';
import { MESH_GATEWAY, versionLabels, withoutUndefined } from '../../model/_util';
import { MatchCondition, MatchField, RequestMatch, StringMatch, StringMatchType } from '../../model/request-match';
import { FaultInjection, RetryPolicy } from '../../model/resilience';
import { RouteDestination, RouteRule, ServiceRouting } from '../../model/routing-model';

/** The VirtualService spec for a service's routing. */
export function renderVirtualServiceSpec(routing: ServiceRouting): VirtualServiceSpec {
  const gateways = routing.gateways ?? [];
  const boundToMeshOnly = gateways.length === 0 || (gateways.length === 1 && gateways[0] === MESH_GATEWAY);
  // Bound to gateways only (includeMesh: false), the route serves the public hosts alone: the
  // service name would be a host no request through those gateways carries.
  const publicHosts = routing.hosts ?? [];
  const gatewayOnly = !boundToMeshOnly && !gateways.includes(MESH_GATEWAY) && publicHosts.length > 0;
  return {
    hosts: gatewayOnly ? [...publicHosts] : [routing.host, ...publicHosts],
    gateways: boundToMeshOnly ? undefined : [...gateways],
    http: routing.rules.map(rule => renderRule(routing.host, rule)),
  };
}

/** The DestinationRule spec: one subset per version, labelled by version. */
export function renderDestinationRuleSpec(routing: ServiceRouting, trafficPolicy?: DestinationRuleSpecTrafficPolicy): DestinationRuleSpec {
  return {
    host: routing.host,
    trafficPolicy,
    subsets: routing.versions.map(v => ({ name: v.version, labels: { ...versionLabels(v) } })),
  };
}

function renderRule(host: string, rule: RouteRule): VirtualServiceSpecHttp {
  const single = rule.destinations.length === 1;
  const who = `the route ${rule.name ? JSON.stringify(rule.name) : '(unnamed)'} of ${host}`;
  return {
    name: rule.name,
    match: renderMatches(rule),
    route: rule.destinations.map(d => ({
      destination: destination(host, d),
      // A lone destination takes all the traffic; Istio's samples leave its weight out.
      weight: single && d.weight === 100 ? undefined : d.weight,
      // Per destination: added to the responses of this destination only (sticky sessions' cookie).
      headers: d._responseHeaders && Object.keys(d._responseHeaders).length > 0 ? { response: { add: { ...d._responseHeaders } } } : undefined,
    })),
    timeout: rule.timeout ? durationString(who, 'timeout', rule.timeout) : undefined,
    retries: renderRetries(who, rule.retries),
    fault: renderFault(who, rule.fault),
    mirror: rule.mirror ? { host: rule.mirror.host ?? host, subset: rule.mirror.version } : undefined,
    mirrorPercentage: rule.mirror ? { value: rule.mirror.percent } : undefined,
    headers: renderHeaders(rule),
  };
}

/** Istio's HTTPRetry: retryOn is a comma-separated list of conditions and status codes. */
function renderRetries(who: string, retries?: RetryPolicy): VirtualServiceSpecHttpRetries | undefined {
  if (!retries) return undefined;
  const codes = (retries.retryOnStatusCodes ?? []).map(String);
  // Istio turns numeric entries into Envoy's retriable status codes, and adds retriable-status-codes.
  const retryOn = [...new Set([...(retries.retryOn ?? []), ...codes])];
  return {
    attempts: retries.attempts,
    perTryTimeout: retries.perTryTimeout ? durationString(who, 'retries.perTryTimeout', retries.perTryTimeout) : undefined,
    retryOn: retryOn.length > 0 ? retryOn.join(',') : undefined,
  };
}

function renderFault(who: string, fault?: FaultInjection): VirtualServiceSpecHttpFault | undefined {
  if (!fault) return undefined;
  const delay = fault.injectedDelay;
  const abort = fault.injectedAbort;
  return {
    delay: delay ? { fixedDelay: durationString(who, 'fault fixedDelay', delay.fixedDelay), percentage: { value: delay.percent ?? 100 } } : undefined,
    abort: abort ? { httpStatus: abort.httpStatus, percentage: { value: abort.percent ?? 100 } } : undefined,
  };
}

/** Istio's Headers: `removeRequestHeaders` and `headers.requestRemove` merge into request.remove. */
function renderHeaders(rule: RouteRule): VirtualServiceSpecHttpHeaders | undefined {
  const h = rule.headers ?? {};
  const remove = [...new Set([...(rule.removeRequestHeaders ?? []), ...(h.requestRemove ?? [])])];
  const part = (set?: Record<string, string>, add?: Record<string, string>, rm?: string[]) => {
    const out = withoutUndefined({
      set: set && Object.keys(set).length > 0 ? { ...set } : undefined,
      add: add && Object.keys(add).length > 0 ? { ...add } : undefined,
      remove: rm && rm.length > 0 ? [...rm] : undefined,
    });
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const request = part(h.requestSet, h.requestAdd, remove);
  const response = part(h.responseSet, h.responseAdd, h.responseRemove);
  return request || response ? withoutUndefined({ request, response }) : undefined;
}

function destination(host: string, d: RouteDestination) {
  return { host: d.host ?? host, subset: d.version };
}

function renderMatches(rule: RouteRule): VirtualServiceSpecHttpMatch[] | undefined {
  const gateways = rule.gateways && rule.gateways.length > 0 ? [...rule.gateways] : undefined;
  const matches = rule.matches ?? [];
  if (matches.length === 0) return gateways ? [{ gateways }] : undefined;
  return matches.flatMap(pathPrefixAlternatives).map(m => ({ ...renderMatch(m), gateways }));
}

/**
 * A match with a whole-segment path prefix as Istio matches: `/api` is exact `/api` or prefix
 * `/api/` (Istio's prefix is a prefix of characters); `/` is prefix `/`.
 */
function pathPrefixAlternatives(m: RequestMatch): RequestMatch[] {
  const i = m.conditions.findIndex(c => c.field === MatchField.URI && c.match.type === StringMatchType.PATH_PREFIX);
  if (i < 0) return [m];
  const c = m.conditions[i];
  const alternatives = c.match.value === '/' ? [StringMatch.prefix('/')] : [StringMatch.exact(c.match.value), StringMatch.prefix(`${c.match.value}/`)];
  return alternatives.map(alt => RequestMatch._ofConditions(m.conditions.map((x, j) => (j === i ? { ...x, match: alt } : x))));
}

function renderMatch(match: RequestMatch): VirtualServiceSpecHttpMatch {
  const out: {
    headers?: Record<string, VirtualServiceSpecHttpMatchHeaders>;
    withoutHeaders?: Record<string, VirtualServiceSpecHttpMatchHeaders>;
    queryParams?: Record<string, VirtualServiceSpecHttpMatchHeaders>;
    sourceLabels?: Record<string, string>;
    uri?: VirtualServiceSpecHttpMatchHeaders;
    method?: VirtualServiceSpecHttpMatchHeaders;
    sourceNamespace?: string;
    port?: number;
  } = {};
  for (const c of match.conditions) {
    switch (c.field) {
      case MatchField.HEADER: (out.headers ??= {})[name(c)] = stringMatch(c.match); break;
      case MatchField.WITHOUT_HEADER: (out.withoutHeaders ??= {})[name(c)] = stringMatch(c.match); break;
      case MatchField.QUERY_PARAM: (out.queryParams ??= {})[name(c)] = stringMatch(c.match); break;
      case MatchField.SOURCE_LABEL: (out.sourceLabels ??= {})[name(c)] = c.match.value; break;
      case MatchField.URI: out.uri = stringMatch(c.match); break;
      case MatchField.METHOD: out.method = stringMatch(c.match); break;
      case MatchField.SOURCE_NAMESPACE: out.sourceNamespace = c.match.value; break;
      case MatchField.PORT:
        if (c.match.type !== StringMatchType.EXACT) throw new Error(`unreachable: ${c.description} is read from routing objects, never rendered`);
        out.port = Number(c.match.value);
        break;
    }
  }
  return out;
}

function name(c: MatchCondition): string {
  return c.name as string;
}

/** Istio's StringMatch: one of exact, prefix, regex; `{}` checks presence. */
export function stringMatch(m: StringMatch): VirtualServiceSpecHttpMatchHeaders {
  switch (m.type) {
    case StringMatchType.EXACT: return { exact: m.value };
    case StringMatchType.PREFIX: return { prefix: m.value };
    case StringMatchType.REGEX: return { regex: m.value };
    case StringMatchType.PRESENT: return {};
    case StringMatchType.PATH_PREFIX: return { prefix: m.value }; // only `/` reaches here (pathPrefixAlternatives)
  }
}

// The Istio renderer: ServiceRouting (the provider-neutral model) -> VirtualService and
// DestinationRule specs (networking.istio.io/v1). Internal: the public API exposes the
// rendered objects as ApiObjects, never the generated types.
import {
  DestinationRuleSpec,
  DestinationRuleSpecTrafficPolicy,
  VirtualServiceSpec,
  VirtualServiceSpecHttp,
  VirtualServiceSpecHttpMatch,
  VirtualServiceSpecHttpMatchHeaders,
} from './imports/networking.istio.io';
import { MESH_GATEWAY, versionLabels } from '../../model/_util';
import { MatchCondition, MatchField, RequestMatch, StringMatch, StringMatchType } from '../../model/request-match';
import { RouteDestination, RouteRule, ServiceRouting } from '../../model/routing-model';

/** The VirtualService spec for a service's routing. */
export function renderVirtualServiceSpec(routing: ServiceRouting): VirtualServiceSpec {
  const gateways = routing.gateways ?? [];
  const boundToMeshOnly = gateways.length === 0 || (gateways.length === 1 && gateways[0] === MESH_GATEWAY);
  return {
    hosts: [routing.host, ...(routing.hosts ?? [])],
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
  const remove = rule.removeRequestHeaders ?? [];
  return {
    name: rule.name,
    match: renderMatches(rule),
    route: rule.destinations.map(d => ({
      destination: destination(host, d),
      // A lone destination takes all the traffic; Istio's samples leave its weight out.
      weight: single && d.weight === 100 ? undefined : d.weight,
    })),
    mirror: rule.mirror ? { host: rule.mirror.host ?? host, subset: rule.mirror.version } : undefined,
    mirrorPercentage: rule.mirror ? { value: rule.mirror.percent } : undefined,
    headers: remove.length > 0 ? { request: { remove: [...remove] } } : undefined,
  };
}

function destination(host: string, d: RouteDestination) {
  return { host: d.host ?? host, subset: d.version };
}

function renderMatches(rule: RouteRule): VirtualServiceSpecHttpMatch[] | undefined {
  const gateways = rule.gateways && rule.gateways.length > 0 ? [...rule.gateways] : undefined;
  const matches = rule.matches ?? [];
  if (matches.length === 0) return gateways ? [{ gateways }] : undefined;
  return matches.map(m => ({ ...renderMatch(m), gateways }));
}

function renderMatch(match: RequestMatch): VirtualServiceSpecHttpMatch {
  const out: {
    headers?: Record<string, VirtualServiceSpecHttpMatchHeaders>;
    withoutHeaders?: Record<string, VirtualServiceSpecHttpMatchHeaders>;
    queryParams?: Record<string, VirtualServiceSpecHttpMatchHeaders>;
    sourceLabels?: Record<string, string>;
    uri?: VirtualServiceSpecHttpMatchHeaders;
    method?: VirtualServiceSpecHttpMatchHeaders;
  } = {};
  for (const c of match.conditions) {
    switch (c.field) {
      case MatchField.HEADER: (out.headers ??= {})[name(c)] = stringMatch(c.match); break;
      case MatchField.WITHOUT_HEADER: (out.withoutHeaders ??= {})[name(c)] = stringMatch(c.match); break;
      case MatchField.QUERY_PARAM: (out.queryParams ??= {})[name(c)] = stringMatch(c.match); break;
      case MatchField.SOURCE_LABEL: (out.sourceLabels ??= {})[name(c)] = c.match.value; break;
      case MatchField.URI: out.uri = stringMatch(c.match); break;
      case MatchField.METHOD: out.method = stringMatch(c.match); break;
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
  }
}

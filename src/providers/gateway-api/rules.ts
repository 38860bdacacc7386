// RoutingAnalyzer rules for Gateway API objects (HTTPRoute, GRPCRoute, Gateway), run offline.
// Each cites the spec it follows: the field docs of gateway-api v1.6.1 (apis/v1/httproute_types.go,
// grpcroute_types.go, gateway_types.go, shared_types.go, as rendered in the vendored CRDs).
import { ROUTE_KINDS, GATEWAY_API_GROUP } from './_route-index';
import { Finding, Severity } from '../../analyzer/finding';
import { parseDuration } from '../../internal/duration';
import { MAX_REGEX_LENGTH, regexError } from '../../internal/regex';
import { isHttpToken } from '../../internal/validation';
import { namespaceOf } from '../../reading/objects';

/** A Kubernetes object and where it comes from (as RoutingAnalyzer passes them). */
export interface AnalyzedObject {
  readonly json: any;
  readonly source: string;
}


/** Runs every Gateway API rule on `objects`; objects of other kinds are context (Services, Deployments). */
export function analyzeGatewayApi(objects: AnalyzedObject[]): Finding[] {
  const gw = (o: AnalyzedObject) => typeof o.json?.apiVersion === 'string' && o.json.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`);
  const routes = objects.filter(o => gw(o) && ROUTE_KINDS.includes(o.json.kind));
  if (routes.length === 0) return [];
  const findings: Finding[] = [];
  const add = (severity: Severity, rule: string, o: AnalyzedObject, message: string) => findings.push({ severity, rule, source: o.source, message });

  const services = new Map<string, any>();
  for (const o of objects) {
    if (o.json?.kind === 'Service' && o.json?.apiVersion === 'v1') services.set(`${namespaceOf(o.json)}/${o.json.metadata?.name}`, o.json);
  }
  const deployments = objects.filter(o => o.json?.kind === 'Deployment').map(o => o.json);
  const gateways = new Map<string, any>();
  for (const o of objects) if (gw(o) && o.json.kind === 'Gateway') gateways.set(`${namespaceOf(o.json)}/${o.json.metadata?.name}`, o.json);

  // Matches already claimed, per parent and hostname, for duplicate detection.
  const claimed = new Map<string, { route: AnalyzedObject; where: string }>();

  for (const route of routes) {
    const spec = route.json.spec ?? {};
    const ns = namespaceOf(route.json);
    const isGrpc = route.json.kind === 'GRPCRoute';
    const hostnames: string[] = Array.isArray(spec.hostnames) ? spec.hostnames.map(String) : [];
    const parents: any[] = Array.isArray(spec.parentRefs) ? spec.parentRefs : [];

    // Hostnames a Gateway parent cannot serve (HTTPRouteSpec.Hostnames: "If both the Listener and
    // HTTPRoute have specified hostnames, any HTTPRoute hostnames that do not match the Listener
    // hostname MUST be ignored [...] and none match [...] then the HTTPRoute is not accepted").
    const attachKeys: string[] = [];
    parents.forEach((p, i) => {
      const kind = p?.kind ?? 'Gateway';
      const group = p?.group ?? GATEWAY_API_GROUP;
      const pns = p?.namespace ?? ns;
      if (kind === 'Service' && (group === '' || group === 'core')) {
        attachKeys.push(`Service ${pns}/${p?.name}`);
        return;
      }
      if (kind !== 'Gateway' || group !== GATEWAY_API_GROUP) return;
      for (const h of hostnames.length > 0 ? hostnames : ['*']) attachKeys.push(`Gateway ${pns}/${p?.name} ${h}`);
      const gateway = gateways.get(`${pns}/${p?.name}`);
      if (!gateway || hostnames.length === 0) return;
      const listeners: any[] = (gateway.spec?.listeners ?? []).filter((l: any) => p?.sectionName === undefined || l?.name === p.sectionName);
      if (listeners.length === 0) return;
      const listenerHosts = listeners.map(l => (typeof l?.hostname === 'string' ? l.hostname : undefined));
      if (listenerHosts.some(h => h === undefined)) return; // a listener without hostname serves every hostname
      const served = hostnames.filter(h => listenerHosts.some(l => hostnamesIntersect(h, l!)));
      const listed = listenerHosts.join(', ');
      const via = p?.sectionName !== undefined ? `listener ${p.sectionName} of ` : '';
      if (served.length === 0) {
        add(Severity.ERROR, 'gateway-api-hostname-not-served', route, `parentRefs[${i}]: none of the hostnames ${hostnames.join(', ')} matches the hostnames of ${via}Gateway ${pns}/${p?.name} (${listed}), `
          + 'so the route is not accepted there (HTTPRouteSpec.hostnames); add a listener for them, or fix the hostnames');
      } else if (served.length < hostnames.length) {
        add(Severity.WARNING, 'gateway-api-hostname-not-served', route, `parentRefs[${i}]: hostnames ${hostnames.filter(h => !served.includes(h)).join(', ')} match no hostname of ${via}Gateway `
          + `${pns}/${p?.name} (${listed}) and are ignored there (HTTPRouteSpec.hostnames); add a listener for them, or remove them`);
      }
    });

    const rules: any[] = Array.isArray(spec.rules) ? spec.rules : [];
    rules.forEach((rule, i) => {
      const where = `rules[${i}]${rule?.name ? ` (${rule.name})` : ''}`;
      const refs: any[] = Array.isArray(rule?.backendRefs) ? rule.backendRefs : [];

      // All weights 0 (HTTPBackendRef.weight: "If weight is set to 0, no traffic should be forwarded
      // for this entry"; HTTPRouteRule.backendRefs: a rule with no usable backend answers 500).
      const weights = refs.map(b => (b?.weight === undefined ? 1 : b.weight));
      if (refs.length > 0 && weights.every(w => w === 0)) {
        add(Severity.ERROR, 'gateway-api-weight-all-zero', route, `${where} gives every backendRef weight 0, so no request can be forwarded and the rule's requests get HTTP 500 `
          + '(HTTPBackendRef.weight); give one backend a positive weight');
      }

      // Backends (HTTPRouteRule.backendRefs: "When a HTTPBackendRef is invalid, 500 status codes MUST be
      // returned for requests that would have otherwise been routed to an invalid backend" - a
      // reference to a Service that does not exist is invalid, BackendNotFound; "When a
      // HTTPBackendRef refers to a Service that has no ready endpoints, implementations SHOULD
      // return a 503").
      const mirrors = (Array.isArray(rule?.filters) ? rule.filters : []).filter((f: any) => f?.type === 'RequestMirror').map((f: any) => f.requestMirror?.backendRef);
      const targets = [
        ...refs.map((b, j) => ({ b, at: `${where} backendRefs[${j}]`, weight: weights[j], mirror: false })),
        ...mirrors.map((b: any, j: number) => ({ b, at: `${where} RequestMirror[${j}]`, weight: 1, mirror: true })),
      ];
      for (const { b, at, weight, mirror } of targets) {
        if (!b || (b.kind ?? 'Service') !== 'Service' || !['', 'core', undefined].includes(b.group)) continue;
        const bns = b.namespace ?? ns;
        const svc = services.get(`${bns}/${b.name}`);
        if (!svc) {
          add(mirror ? Severity.WARNING : Severity.ERROR, 'gateway-api-backend-not-found', route, mirror
            ? `${at} mirrors to Service ${bns}/${b.name}, which is not in the output; the copies fail (HTTPRouteRule.backendRefs, BackendNotFound); add the Service, or remove the mirror`
            : `${at} sends traffic to Service ${bns}/${b.name}, which is not in the output; those requests get HTTP 500 (HTTPRouteRule.backendRefs: an invalid backendRef answers 500); `
            + 'add the Service, or remove the backendRef');
          continue;
        }
        const selector: Record<string, string> = svc.spec?.selector ?? {};
        if (weight === 0 || mirror || Object.keys(selector).length === 0) continue;
        const selects = (d: any) => Object.entries(selector).every(([k, v]) => d.spec?.template?.metadata?.labels?.[k] === v);
        const pods = deployments.filter(d => namespaceOf(d) === bns && selects(d));
        if (pods.length > 0 && pods.every(d => d.spec?.replicas === 0)) {
          add(Severity.ERROR, 'gateway-api-backend-zero-replicas', route, `${at} sends traffic to Service ${bns}/${b.name}, whose Deployments (${pods.map(d => d.metadata?.name).join(', ')}) have 0 replicas; `
            + 'those requests get HTTP 503 (HTTPRouteRule.backendRefs: no ready endpoints); scale it up first, or send it no traffic');
        }
      }

      // Header modifiers (HTTPHeaderFilter): the CRD keeps names unique within set, within add
      // (case-sensitively) and within remove, but not across them, nor across case; the result of
      // one name set twice, or set and removed, is not specified.
      (Array.isArray(rule?.filters) ? rule.filters : []).forEach((f: any, j: number) => {
        const mod = f?.type === 'RequestHeaderModifier' ? f.requestHeaderModifier : f?.type === 'ResponseHeaderModifier' ? f.responseHeaderModifier : undefined;
        if (!mod || typeof mod !== 'object') return;
        const seen = new Map<string, string>();
        const names = [
          ...(Array.isArray(mod.set) ? mod.set : []).map((h: any) => ['set', h?.name]),
          ...(Array.isArray(mod.add) ? mod.add : []).map((h: any) => ['add', h?.name]),
          ...(Array.isArray(mod.remove) ? mod.remove : []).map((n: any) => ['remove', n]),
        ].filter(([, n]) => typeof n === 'string');
        const reported = new Set<string>();
        for (const [op, name] of names) {
          const key = name.toLowerCase();
          const first = seen.get(key);
          if (first === undefined) {
            seen.set(key, `${op} ${name}`);
          } else if (!reported.has(key)) {
            reported.add(key);
            add(Severity.WARNING, 'gateway-api-header-modifier-conflict', route, `${where} filters[${j}] (${f.type}) lists header ${name} twice (${first}, then ${op} ${name}; header names are case-insensitive), `
              + 'and the Gateway API does not say which operation wins (HTTPHeaderFilter); keep one operation per header');
          }
        }
      });

      // A retry whose backoff is at least the request timeout never retries (HTTPRouteRetry.backoff:
      // "the entire duration of the initial request and any retry attempts MUST not exceed the
      // Request timeout duration").
      const backoff = parseDuration(rule?.retry?.backoff)?.toMilliseconds({ integral: false });
      const request = parseDuration(rule?.timeouts?.request)?.toMilliseconds({ integral: false });
      if (backoff !== undefined && request !== undefined && request > 0 && backoff >= request) {
        add(Severity.WARNING, 'gateway-api-retry-backoff', route, `${where} waits retry.backoff ${rule.retry.backoff} before a retry, but timeouts.request ${rule.timeouts.request} ends the request by then, `
          + 'so no retry is ever made (HTTPRouteRetry.backoff); make the backoff shorter than the request timeout, or remove the retry');
      }

      const matches: any[] = Array.isArray(rule?.matches) && rule.matches.length > 0 ? rule.matches : [{}];
      matches.forEach((m, k) => {
        const at = `${where} matches[${k}]`;
        // Header names (HTTPHeaderName / GRPCHeaderName: an RFC 7230 token, pattern ^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$).
        for (const h of Array.isArray(m?.headers) ? m.headers : []) {
          if (!isHttpToken(h?.name)) {
            add(Severity.ERROR, 'gateway-api-header-name', route, `${at} header name ${JSON.stringify(h?.name)} is not a valid header name (HTTPHeaderName: an RFC 7230 token; `
              + "pseudo-headers such as ':method' are not supported); fix the name");
          }
          if (h?.type === 'RegularExpression') checkRegex(h.value, `${at} header ${h?.name}`, route);
        }
        for (const q of Array.isArray(m?.queryParams) ? m.queryParams : []) {
          if (q?.type === 'RegularExpression') checkRegex(q.value, `${at} queryParam ${q?.name}`, route);
        }
        if (m?.path?.type === 'RegularExpression') checkRegex(m.path.value, `${at} path`, route);
        if (isGrpc && m?.method?.type === 'RegularExpression') {
          if (m.method.service !== undefined) checkRegex(m.method.service, `${at} method.service`, route);
          if (m.method.method !== undefined) checkRegex(m.method.method, `${at} method.method`, route);
        }

        // Identical matches on one parent and hostname (HTTPRouteRule.matches: ties go to the oldest
        // route, then by namespace/name, then to the first rule, so the other never matches).
        const key = `${route.json.kind}|${matchKey(m, isGrpc)}`;
        for (const a of attachKeys) {
          const earlier = claimed.get(`${a}|${key}`);
          if (!earlier) {
            claimed.set(`${a}|${key}`, { route, where: at });
          } else if (earlier.route !== route) {
            add(Severity.WARNING, 'gateway-api-duplicate-match', route, `${at} is the same match as ${earlier.where} of ${earlier.route.source} on ${a.replace(/ \*$/, '')}; `
              + 'only one of them gets the requests (the older route, then the first by namespace/name: HTTPRouteRule.matches); remove one, or make them differ');
          }
        }
      });
    });
  }
  return findings;

  function checkRegex(pattern: unknown, where: string, o: AnalyzedObject): void {
    if (typeof pattern !== 'string') return;
    if (Buffer.byteLength(pattern, 'utf8') > MAX_REGEX_LENGTH) {
      add(Severity.ERROR, 'gateway-api-regex-length', o, `${where}: regex is longer than ${MAX_REGEX_LENGTH} bytes, which Istio rejects`);
      return;
    }
    const error = regexError(pattern);
    if (error) {
      add(Severity.ERROR, 'gateway-api-regex-syntax', o, `${where}: regex ${JSON.stringify(pattern)} is not valid RE2 (RegularExpression matches are implementation-specific; `
        + `Envoy-based implementations such as Istio and Envoy Gateway use RE2): ${error}`);
    }
  }
}

/** Whether a route hostname and a listener hostname intersect (either may be a `*.` wildcard). */
export function hostnamesIntersect(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return true;
  if (x.startsWith('*.') && y.endsWith(x.slice(1))) return true;
  return y.startsWith('*.') && x.endsWith(y.slice(1));
}

/** A key equal for matches that match the same requests (defaults filled in, order of lists ignored). */
function matchKey(m: any, grpc: boolean): string {
  // Header names are case-insensitive; query parameter names are not.
  const list = (xs: any, fold: boolean) => (Array.isArray(xs) ? xs : [])
    .map((x: any) => JSON.stringify([x?.type ?? 'Exact', fold ? String(x?.name ?? '').toLowerCase() : x?.name, x?.value]))
    .sort().join(',');
  if (grpc) {
    return JSON.stringify([m?.method?.type ?? 'Exact', m?.method?.service ?? '', m?.method?.method ?? '', list(m?.headers, true)]);
  }
  return JSON.stringify([m?.path?.type ?? 'PathPrefix', m?.path?.value ?? '/', m?.method ?? '', list(m?.headers, true), list(m?.queryParams, false)]);
}

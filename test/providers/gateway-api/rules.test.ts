import { Finding, RoutingAnalyzer, Severity } from '../../../src';
import { validateManifests } from '../../util';
import { backend, GATEWAY_API, httpRoute, JASON_V2_ROUTE, reviewsServices } from '../../util/gateway-api-bookinfo';

/** Findings for `objects`, which must be valid against their schemas (the analyzer checks what the API server accepts). */
function analyze(objects: any[]): Finding[] {
  validateManifests(objects);
  return RoutingAnalyzer.analyzeManifests(objects);
}

function gateway(listeners: any[]): any {
  return { apiVersion: GATEWAY_API, kind: 'Gateway', metadata: { name: 'public', namespace: 'istio-system' }, spec: { gatewayClassName: 'istio', listeners } };
}

describe('RoutingAnalyzer on Gateway API objects', () => {
  test('reports nothing for Bookinfo\'s jason route with its Services and Deployments', () => {
    expect(analyze([...reviewsServices(['v1', 'v2']), JASON_V2_ROUTE])).toEqual([]);
  });

  test('fails a backendRef to a Service that is not in the output (HTTP 500)', () => {
    const findings = analyze([...reviewsServices(['v1']), JASON_V2_ROUTE]);
    expect(findings).toEqual([{
      severity: Severity.ERROR,
      rule: 'gateway-api-backend-not-found',
      source: 'HTTPRoute/reviews',
      message: 'rules[0] backendRefs[0] sends traffic to Service default/reviews-v2, which is not in the output; those requests get HTTP 500 '
        + '(HTTPRouteRule.backendRefs: an invalid backendRef answers 500); add the Service, or remove the backendRef',
    }]);
  });

  test('reports a mirror to a Service that is not in the output as a warning', () => {
    const route = httpRoute([{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'reviews-v3', port: 9080 }, percent: 10 } }], backendRefs: [backend('v1')] }]);
    expect(analyze([...reviewsServices(['v1']), route])).toEqual([{
      severity: Severity.WARNING,
      rule: 'gateway-api-backend-not-found',
      source: 'HTTPRoute/reviews',
      message: 'rules[0] RequestMirror[0] mirrors to Service default/reviews-v3, which is not in the output; the copies fail (HTTPRouteRule.backendRefs, BackendNotFound); add the Service, or remove the mirror',
    }]);
  });

  test('fails a backend Service whose pods have 0 replicas (HTTP 503)', () => {
    const findings = analyze([...reviewsServices(['v1', 'v2'], { v2: 0 }), JASON_V2_ROUTE]);
    expect(findings.map(f => [f.severity, f.rule, f.message])).toEqual([[
      Severity.ERROR,
      'gateway-api-backend-zero-replicas',
      'rules[0] backendRefs[0] sends traffic to Service default/reviews-v2, whose Deployments (reviews-v2) have 0 replicas; those requests get HTTP 503 '
        + '(HTTPRouteRule.backendRefs: no ready endpoints); scale it up first, or send it no traffic',
    ]]);
    // weight 0 sends it nothing: no finding
    const idle = httpRoute([{ backendRefs: [backend('v1', 1), backend('v2', 0)] }]);
    expect(analyze([...reviewsServices(['v1', 'v2'], { v2: 0 }), idle])).toEqual([]);
  });

  test('fails a rule whose backendRefs all have weight 0', () => {
    const route = httpRoute([{ backendRefs: [backend('v1', 0), backend('v2', 0)] }]);
    expect(analyze([...reviewsServices(['v1', 'v2']), route]).map(f => [f.severity, f.rule, f.message])).toEqual([[
      Severity.ERROR,
      'gateway-api-weight-all-zero',
      'rules[0] gives every backendRef weight 0, so no request can be forwarded and the rule\'s requests get HTTP 500 (HTTPBackendRef.weight); give one backend a positive weight',
    ]]);
  });

  test('reports two routes on the same parent with identical matches', () => {
    // GIVEN: a second route for jason, header name in another case
    const other = httpRoute([{ matches: [{ headers: [{ name: 'End-User', value: 'jason', type: 'Exact' }], path: { type: 'PathPrefix', value: '/' } }], backendRefs: [backend('v1')] }], {}, 'reviews-jason');
    // WHEN
    const findings = analyze([...reviewsServices(['v1', 'v2']), JASON_V2_ROUTE, other]);
    // THEN
    expect(findings).toEqual([{
      severity: Severity.WARNING,
      rule: 'gateway-api-duplicate-match',
      source: 'HTTPRoute/reviews-jason',
      message: 'rules[0] matches[0] is the same match as rules[0] matches[0] of HTTPRoute/reviews on Service default/reviews; only one of them gets the requests '
        + '(the older route, then the first by namespace/name: HTTPRouteRule.matches); remove one, or make them differ',
    }]);
    // on different parents they do not compete
    const elsewhere = httpRoute(other.spec.rules, { parentRefs: [{ name: 'public', namespace: 'istio-system' }], hostnames: ['reviews.example.com'] }, 'reviews-jason');
    expect(analyze([...reviewsServices(['v1', 'v2']), JASON_V2_ROUTE, elsewhere])).toEqual([]);
  });

  test('warns about a header modifier that lists one header twice, across operations or case', () => {
    // GIVEN: valid against the CRD, which keeps names unique only within each list, case-sensitively
    const route = httpRoute([{
      filters: [
        { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }, { name: 'X-A', value: '2' }], remove: ['x-b'] } },
        { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'server', value: 'v2' }], remove: ['Server'] } },
      ],
      backendRefs: [backend('v1')],
    }]);
    // WHEN
    const findings = analyze([...reviewsServices(['v1']), route]);
    // THEN
    const why = 'and the Gateway API does not say which operation wins (HTTPHeaderFilter); keep one operation per header';
    expect(findings.map(f => [f.severity, f.rule, f.message])).toEqual([
      [Severity.WARNING, 'gateway-api-header-modifier-conflict', `rules[0] filters[0] (RequestHeaderModifier) lists header X-A twice (set x-a, then set X-A; header names are case-insensitive), ${why}`],
      [Severity.WARNING, 'gateway-api-header-modifier-conflict', `rules[0] filters[1] (ResponseHeaderModifier) lists header Server twice (add server, then remove Server; header names are case-insensitive), ${why}`],
    ]);
  });

  test('warns about a retry backoff as long as the request timeout: no retry is ever made', () => {
    // GIVEN: the experimental channel's retry
    const route = httpRoute([
      { name: 'never', timeouts: { request: '1s' }, retry: { attempts: 2, codes: [503], backoff: '1s' }, backendRefs: [backend('v1')] },
      { name: 'fine', timeouts: { request: '10s' }, retry: { attempts: 2, codes: [503], backoff: '100ms' }, backendRefs: [backend('v1')] },
    ]);
    const objects = [...reviewsServices(['v1']), route];
    validateManifests(objects, 'experimental');
    // WHEN
    const findings = RoutingAnalyzer.analyzeManifests(objects);
    // THEN
    expect(findings.map(f => [f.severity, f.rule, f.message])).toEqual([[
      Severity.WARNING,
      'gateway-api-retry-backoff',
      'rules[0] (never) waits retry.backoff 1s before a retry, but timeouts.request 1s ends the request by then, so no retry is ever made (HTTPRouteRetry.backoff); '
        + 'make the backoff shorter than the request timeout, or remove the retry',
    ]]);
  });

  test('fails a header name that is not an HTTP token', () => {
    // GIVEN: the CRD's pattern rejects it, so the object is built as the analyzer may see it from Include'd YAML
    const route = httpRoute([{ matches: [{ headers: [{ name: 'end user', value: 'jason' }] }], backendRefs: [backend('v1')] }]);
    // WHEN
    const findings = RoutingAnalyzer.analyzeManifests([...reviewsServices(['v1']), route]);
    // THEN
    expect(() => validateManifests([route])).toThrow(/headers\[0\]\.name: Invalid value: "end user": should match/);
    expect(findings.map(f => [f.severity, f.rule, f.message])).toEqual([[
      Severity.ERROR,
      'gateway-api-header-name',
      'rules[0] matches[0] header name "end user" is not a valid header name (HTTPHeaderName: an RFC 7230 token; pseudo-headers such as \':method\' are not supported); fix the name',
    ]]);
  });

  test('fails a RegularExpression match that is not RE2', () => {
    const route = httpRoute([{
      matches: [{ path: { type: 'RegularExpression', value: '/(?!admin).*' }, headers: [{ type: 'RegularExpression', name: 'x-id', value: '(a)\\1' }] }],
      backendRefs: [backend('v1')],
    }]);
    const findings = analyze([...reviewsServices(['v1']), route]);
    const why = 'is not valid RE2 (RegularExpression matches are implementation-specific; Envoy-based implementations such as Istio and Envoy Gateway use RE2)';
    expect(findings.map(f => [f.severity, f.rule, f.message])).toEqual([
      [Severity.ERROR, 'gateway-api-regex-syntax', `rules[0] matches[0] header x-id: regex "(a)\\\\1" ${why}: "\\\\1" at offset 3 is a back-reference, which RE2 (Envoy's engine) does not support; repeat the text, or list the alternatives`],
      [Severity.ERROR, 'gateway-api-regex-syntax', `rules[0] matches[0] path: regex "/(?!admin).*" ${why}: "(?!" at offset 1 starts a negative look-ahead, which RE2 (Envoy's engine) does not support; list the allowed values, or use RequestMatch.withoutHeader() for "does not match" (Istio only)`],
    ]);
  });

  test('fails hostnames the Gateway parent cannot serve, and warns about those it ignores', () => {
    // GIVEN
    const public_ = gateway([{ name: 'https', hostname: '*.example.com', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } }]);
    const parentRefs = [{ name: 'public', namespace: 'istio-system' }];
    const none = httpRoute([{ backendRefs: [backend('v1')] }], { parentRefs, hostnames: ['reviews.example.org'] });
    const some = httpRoute([{ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [backend('v1')] }],
      { parentRefs, hostnames: ['reviews.example.com', 'reviews.example.org'] }, 'reviews-some');
    // WHEN
    const findings = analyze([...reviewsServices(['v1']), public_, none, some]);
    // THEN
    expect(findings.map(f => [f.severity, f.rule, f.source, f.message])).toEqual([
      [Severity.ERROR, 'gateway-api-hostname-not-served', 'HTTPRoute/reviews', 'parentRefs[0]: none of the hostnames reviews.example.org matches the hostnames of Gateway istio-system/public '
        + '(*.example.com), so the route is not accepted there (HTTPRouteSpec.hostnames); add a listener for them, or fix the hostnames'],
      [Severity.WARNING, 'gateway-api-hostname-not-served', 'HTTPRoute/reviews-some', 'parentRefs[0]: hostnames reviews.example.org match no hostname of Gateway istio-system/public '
        + '(*.example.com) and are ignored there (HTTPRouteSpec.hostnames); add a listener for them, or remove them'],
    ]);
    // without the Gateway in the output, nothing is known about its listeners
    expect(analyze([...reviewsServices(['v1']), none])).toEqual([]);
  });

  test('runs at synth through RoutingAnalyzer.analyze on hand-written ApiObjects', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ApiObject, Testing } = require('cdk8s');
    const chart = Testing.chart();
    for (const o of [...reviewsServices(['v1']), JASON_V2_ROUTE]) new ApiObject(chart, `${o.kind}-${o.metadata.name}`, o);
    expect(RoutingAnalyzer.analyze(chart).map(f => f.rule)).toEqual(['gateway-api-backend-not-found']);
  });
});

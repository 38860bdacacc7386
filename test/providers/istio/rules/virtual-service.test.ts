import { Finding, Severity } from '../../../../src';
import { checkIstioObject } from '../../../../src/providers/istio/rules';

const DEST = { destination: { host: 'reviews' } };
const vs = (spec: any, namespace?: string) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', ...(namespace ? { namespace } : {}) },
  spec,
});
/** A VirtualService for host reviews with one HTTP rule. */
const rule = (http: any, extra: any = {}) => vs({ hosts: ['reviews'], ...extra, http: [http] });
/** The same, with a route to reviews plus `fields`. */
const routed = (fields: any) => rule({ route: [DEST], ...fields });

function findings(json: any): Finding[] {
  return checkIstioObject(json, 'VirtualService/reviews');
}

// [rule, what is wrong, object, severity, message]
const CASES: Array<[string, string, any, Severity, string]> = [
  ['vs-host', 'an invalid host', vs({ hosts: ['foo.*.com'], http: [{ route: [DEST] }] }), Severity.ERROR,
    'hosts[0]: "foo.*.com" is not a valid host: label "*" is invalid'],
  ['vs-host', 'host * bound to the mesh', vs({ hosts: ['*'], http: [{ route: [DEST] }] }), Severity.ERROR,
    'hosts[0]: wildcard host * is not allowed for virtual services bound to the mesh gateway; name the hosts, or bind the VirtualService to gateways only'],
  ['vs-host', 'overlapping hosts', vs({ hosts: ['*.foo.com', '*.com'], http: [{ route: [DEST] }] }), Severity.ERROR,
    'hosts: duplicate hosts in virtual service: *.foo.com & *.com; one covers the other, keep one'],
  ['vs-gateway', 'a gateway name that is not a DNS label', rule({ route: [DEST] }, { gateways: ['istio-system/Bad_Name'] }), Severity.ERROR,
    'gateways[0]: invalid value for gateway name: "Bad_Name"; a gateway name is a DNS-1123 label'],
  ['vs-gateway-legacy', 'a gateway written name.namespace', rule({ route: [DEST] }, { gateways: ['public.istio-system'] }), Severity.WARNING,
    'gateways[0]: using legacy gatewayName format "public.istio-system"; prefer the <namespace>/<name> format: "istio-system/public"'],
  ['vs-routes', 'no http, tcp or tls', vs({ hosts: ['reviews'] }), Severity.ERROR,
    'http, tcp or tls must be provided in virtual service; add an http route'],
  ['http-route', 'route and redirect', routed({ redirect: { uri: '/v2' } }), Severity.ERROR,
    'http[0]: HTTP route cannot contain both route and redirect; keep one'],
  ['route-destination', 'a route without destination', rule({ route: [{}] }), Severity.ERROR,
    'http[0] route[0]: destination is required; name the host to route to'],
  ['destination', 'a destination host *', rule({ route: [{ destination: { host: '*' } }] }), Severity.ERROR,
    'http[0] route[0] destination: invalid destination host *: name a service'],
  ['destination', 'a port out of range', rule({ route: [{ destination: { host: 'reviews', port: { number: 70000 } } }] }), Severity.ERROR,
    'http[0] route[0] destination port: port number must be an integer from 1 to 65535, got 70000'],
  ['header-match', 'a null header match', routed({ match: [{ headers: { 'x-user': null } }] }), Severity.ERROR,
    'http[0] match[0]: header match "x-user" cannot be null; give a string match, or remove it'],
  ['string-match', 'an empty prefix header match', routed({ match: [{ headers: { 'x-user': { prefix: '' } } }] }), Severity.ERROR,
    'http[0] match[0] headers.x-user: prefix string match should not be empty; remove the match or give a prefix'],
  ['match', 'a source namespace that is not a DNS label', routed({ match: [{ sourceNamespace: 'Team_1' }] }), Severity.ERROR,
    'http[0] match[0]: sourceNamespace match "Team_1" is invalid: a namespace is a DNS-1123 label'],
  ['header-operation', 'a pseudo-header set on requests', routed({ headers: { request: { set: { ':path': '/x' } } } }), Severity.ERROR,
    'http[0] headers.request.set: invalid header ":path": header cannot have ":" prefix'],
  ['header-operation', 'the Host header set on responses', routed({ headers: { response: { set: { Host: 'x' } } } }), Severity.ERROR,
    'http[0] headers.response.set: invalid header "Host": cannot set Host header'],
  ['header-value', 'an unescaped % in a header value', rule({ route: [{ ...DEST, headers: { request: { add: { 'x-rate': '100%' } } } }] }), Severity.ERROR,
    'http[0] route[0] headers.request.add.x-rate: header value "100%" is invalid: an unescaped % ends the value (write %% for a percent sign)'],
  ['cors', 'an unsupported CORS method', routed({ corsPolicy: { allowMethods: ['GET', 'FETCH'] } }), Severity.ERROR,
    'http[0] corsPolicy.allowMethods: "FETCH" is not a supported HTTP method; use GET, HEAD, POST, PUT, PATCH, DELETE, CONNECT, OPTIONS, TRACE, *'],
  ['cors', 'a CORS maxAge with milliseconds', routed({ corsPolicy: { maxAge: '1.5s' } }), Severity.ERROR,
    'http[0] corsPolicy.maxAge: max_age duration is accurate only to seconds precision, got "1.5s"'],
  ['fault', 'an abort with status 100', routed({ fault: { abort: { httpStatus: 100, percentage: { value: 5 } } } }), Severity.ERROR,
    'http[0] fault.abort.httpStatus: HTTP status 100 is not in range 200-599'],
  ['fault', 'a delay for more than 100%', routed({ fault: { delay: { fixedDelay: '5s', percentage: { value: 120 } } } }), Severity.ERROR,
    'http[0] fault.delay.percentage: percentage must be 0, or from 0.0001 to 100, got 120'],
  ['fault', 'an abort without error type', routed({ fault: { abort: { percentage: { value: 5 } } } }), Severity.WARNING,
    'http[0] fault.abort: abort configured, but error type not set; add httpStatus or grpcStatus'],
  ['mirror', 'a mirror without destination', routed({ mirrors: [{ percentage: { value: 5 } }] }), Severity.ERROR,
    'http[0] mirrors[0]: destination is required for mirrors; name the host to mirror to'],
  ['mirror-percent', 'the deprecated mirrorPercent above 100', routed({ mirror: { host: 'reviews-shadow' }, mirrorPercent: 150 }), Severity.ERROR,
    'http[0] mirrorPercent must be an integer from 0 to 100, got 150'],
  ['mirror-percent-deprecated', 'the deprecated mirrorPercent', routed({ mirror: { host: 'reviews-shadow' }, mirrorPercent: 50 }), Severity.WARNING,
    'http[0]: using deprecated setting "mirrorPercent", use "mirrorPercentage" instead'],
  ['redirect', 'a redirect code that is not 3xx', rule({ redirect: { uri: '/v2', redirectCode: 200 } }), Severity.ERROR,
    'http[0] redirect.redirectCode: 200 is not a valid redirect code, must be 3xx'],
  ['redirect', 'a prefixRewrite after an exact uri match', rule({ match: [{ uri: { exact: '/a' } }], redirect: { prefixRewrite: '/b' } }), Severity.ERROR,
    'http[0] redirect: redirect prefixRewrite requires all URI matches to use prefix match type'],
  ['direct-response', 'a direct response with status 700', rule({ directResponse: { status: 700 } }), Severity.ERROR,
    'http[0] directResponse.status: HTTP status 700 is not in range 200-599'],
  ['direct-response', 'a direct response body over 100KB', rule({ directResponse: { status: 200, body: { string: 'a'.repeat(200 * 1024) } } }), Severity.WARNING,
    'http[0] directResponse.body: large direct_responses may impact control plane performance (204800 bytes, over 100KB)'],
  ['regex-syntax', 'an invalid uriRegexRewrite regex', routed({ rewrite: { uriRegexRewrite: { match: '/v1/(.*', rewrite: '/v2/\\1' } } }), Severity.ERROR,
    'http[0] rewrite.uriRegexRewrite.match: regex "/v1/(.*" is not valid RE2 (Istio uses RE2 style regex-based match): error parsing regexp: missing closing ): `/v1/(.*`'],
  ['rewrite', 'the authority rewritten twice', routed({ rewrite: { authority: 'a' }, headers: { request: { set: { host: 'b' } } } }), Severity.ERROR,
    'http[0]: authority header cannot be set multiple times: have "a", attempting to set "b"'],
  ['retries', 'a retry policy with attempts 0', routed({ retries: { attempts: 0, retryOn: '5xx' } }), Severity.ERROR,
    'http[0] retries: http retry policy configured when attempts are set to 0 (disabled); set attempts, or remove the policy'],
  ['retries', 'an unknown retryOn condition', routed({ retries: { attempts: 3, retryOn: '5xx, reset' } }), Severity.ERROR,
    'http[0] retries.retryOn: " reset" is not a valid retryOn policy; use an HTTP status code or one of 5xx, gateway-error, reset, reset-before-request, '
    + 'connect-failure, retriable-4xx, refused-stream, retriable-status-codes, retriable-headers, envoy-ratelimited, http3-post-connect-failure, '
    + 'cancelled, deadline-exceeded, internal, resource-exhausted, unavailable, separated by commas without spaces'],
  ['retries', 'a per-try timeout under 1ms', routed({ retries: { attempts: 3, perTryTimeout: '500us' } }), Severity.ERROR,
    'http[0] retries.perTryTimeout: duration must be greater than 1ms, got "500us"'],
  ['timeout', 'a timeout with nanoseconds', routed({ timeout: '1.0000001s' }), Severity.ERROR,
    'http[0] timeout: only durations to ms precision are supported, got "1.0000001s"'],
  ['timeout', 'a timeout that is not a duration', routed({ timeout: 'soon' }), Severity.ERROR,
    'http[0] timeout: must be a duration such as "1s", "100ms" or "1m30s", got "soon"'],
  ['export-to', 'exportTo ~', vs({ hosts: ['reviews'], exportTo: ['~'], http: [{ route: [DEST] }] }), Severity.ERROR,
    'exportTo: exportTo ~ (none) is not allowed for Istio configuration objects'],
  ['export-to', 'exportTo . and the own namespace', vs({ hosts: ['reviews'], exportTo: ['team1', '.'], http: [{ route: [DEST] }] }, 'team1'), Severity.ERROR,
    'exportTo: duplicate entries in exportTo: . and current namespace team1; keep one'],
  ['ineffective-match', 'a prefix covered by an earlier, shorter one', vs({
    hosts: ['reviews'],
    http: [{ match: [{ uri: { prefix: '/api' } }], route: [DEST] }, { name: 'v2', match: [{ uri: { prefix: '/api/v2' } }], route: [DEST] }],
  }), Severity.WARNING,
  'virtualService rule "v2" match #0 of prefix "/api/v2" is not used (overlapping match: prefix "/api" of rule #0 comes first) (IST0131); put the longer prefix first'],
  ['unreachable-rule', 'a rule whose matches all repeat earlier ones', vs({
    hosts: ['reviews'],
    http: [{ match: [{ uri: { exact: '/a' } }], route: [DEST] }, { name: 'again', match: [{ uri: { exact: '/a' } }], route: [DEST] }],
  }), Severity.WARNING, 'virtualService rule "again" not used (all matches used by prior rules) (IST0130); remove it'],
];

describe('VirtualService rules', () => {
  test.each(CASES)('%s: fails on %s', (ruleId, _what, json, severity, message) => {
    // GIVEN a VirtualService with one mistake
    // WHEN it is checked alone
    const found = findings(json).filter(f => f.rule === ruleId);
    // THEN exactly that finding, with its message
    expect(found.map(f => ({ severity: f.severity, message: f.message }))).toContainEqual({ severity, message });
  });

  test('accepts what Istio accepts: Go durations, an empty uri prefix, withoutHeaders regex "*", IP hosts at a gateway', () => {
    // GIVEN valid forms that are easy to reject by mistake
    const json = vs({
      hosts: ['reviews', '10.0.0.1'],
      gateways: ['istio-system/public', 'mesh'],
      http: [{
        match: [{ uri: { prefix: '' }, withoutHeaders: { 'x-debug': { regex: '*' } } }],
        route: [{ destination: { host: 'reviews', subset: 'V1', port: { number: 9080 } }, weight: 100 }],
        timeout: '1m30s',
        retries: { attempts: 2, perTryTimeout: '250ms', retryOn: '503,gateway-error,cancelled' },
        headers: { request: { set: { ':authority': 'reviews.internal', 'x-when': '%START_TIME(%s)%' } } },
        fault: { delay: { fixedDelay: '1s', percentage: { value: 0.5 } } },
        corsPolicy: { allowOrigins: [{ exact: 'https://example.com' }], allowMethods: ['GET', '*'], allowHeaders: ['*'], maxAge: '24h' },
      }],
    });
    // WHEN / THEN
    expect(findings(json)).toEqual([]);
  });

  test('checks nothing on other kinds', () => {
    expect(findings({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { hosts: ['*'] } })).toEqual([]);
  });
});

// The catalogue of bad inputs (issue #5): each row is a mistake a user can make through the
// public API, and the message they get. The README's "What is checked" lists the same rules.
import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import {
  BlueGreenService, CanaryService, CanaryServiceProps, ClientBrowser, ClientOs, Color, FaultInjection, HeaderMatchRoute, LoadBalancer,
  LoadBalancerAlgorithm, RequestMatch, RetryCondition, RoutingAnalyzer, StringMatch,
} from '../src';

const V1 = { version: 'v1', image: 'example/app:v1' };
const V2 = { version: 'v2', image: 'example/app:v2' };
const V3 = { version: 'v3', image: 'example/app:v3' };
const JASON = RequestMatch.header('end-user', StringMatch.exact('jason'));

function canary(props: Partial<CanaryServiceProps> = {}): CanaryService {
  return new CanaryService(Testing.chart(), 'reviews', { port: 9080, stable: V1, canary: V2, ...props });
}

function route(extra: Record<string, unknown>, service: Partial<CanaryServiceProps> = {}): void {
  const chart = Testing.chart();
  const target = new CanaryService(chart, 'reviews', { port: 9080, stable: V1, canary: V2, extraVersions: [V3], ...service });
  new HeaderMatchRoute(chart, 'r', { target, matches: [JASON], version: 'v2', ...extra });
}

function twoRoutes(first: RequestMatch[], second: RequestMatch[]): void {
  const chart = Testing.chart();
  const target = new CanaryService(chart, 'reviews', { port: 9080, stable: V1, canary: V2 });
  new HeaderMatchRoute(chart, 'first', { target, matches: first, version: 'v2' });
  new HeaderMatchRoute(chart, 'second', { target, matches: second, version: 'v2' });
}

function blueGreen(props: Record<string, unknown>): BlueGreenService {
  return new BlueGreenService(Testing.chart(), 'api', { port: 8080, blue: V1, green: V2, active: Color.BLUE, ...props });
}

function analyzed(...objects: any[]): void {
  const chart = new Chart(Testing.app(), 'hand-written');
  objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o));
  RoutingAnalyzer.validate(chart);
}

const vsWith = (rule: any) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r' }, spec: { hosts: ['r'], http: [rule] } });

const CATALOGUE: Array<[string, () => unknown, string]> = [
  // CanaryService
  ['canary weight over 100', () => canary({ canaryWeight: 120 }), "CanaryService 'reviews': canaryWeight must be an integer from 0 to 100, got 120"],
  ['fractional canary weight', () => canary({ canaryWeight: 12.5 }), 'canaryWeight must be an integer from 0 to 100, got 12.5'],
  ['NaN canary weight', () => canary({ canaryWeight: NaN }), 'canaryWeight must be an integer from 0 to 100, got NaN'],
  ['canary weight without a canary', () => canary({ canary: undefined, canaryWeight: 5 }), 'canaryWeight is 5 but there is no canary'],
  ['stable and canary with the same version', () => canary({ canary: V1 }), 'version must be unique, got "v1" twice'],
  ['upper-case version', () => canary({ canary: { ...V2, version: 'V2' } }), 'version must be a DNS-1123 label'],
  ['version with a dot', () => canary({ canary: { ...V2, version: 'v2.1' } }), 'version must be a DNS-1123 label'],
  ['service name with upper case', () => canary({ serviceName: 'Reviews' }), 'serviceName must be a DNS-1035 label'],
  ['service name starting with a digit', () => canary({ serviceName: '2048-game' }), 'serviceName must be a DNS-1035 label'],
  ['port 0', () => canary({ port: 0 }), 'port must be an integer from 1 to 65535, got 0'],
  ['port 65536', () => canary({ port: 65536 }), 'port must be an integer from 1 to 65535, got 65536'],
  ['negative replicas', () => canary({ canary: { ...V2, replicas: -2 } }), 'replicas of version v2 must be an integer from 0 to 1000000, got -2'],
  ['canary with traffic and 0 replicas', () => canary({ canary: { ...V2, replicas: 0 }, canaryWeight: 50 }), 'canaryWeight is 50 but canary version "v2" has 0 replicas'],
  ['mirror percent over 100', () => canary({ mirrorPercent: 150 }), 'mirrorPercent must be a number from 0 to 100, got 150'],
  ['mirror to a canary that already gets traffic', () => canary({ mirrorPercent: 10, canaryWeight: 10 }), 'which already receives 10% of live traffic'],
  ['empty image', () => canary({ canary: { ...V2, image: '' } }), 'image of version v2 must be a non-empty string'],
  ['different container ports', () => canary({ canary: { ...V2, containerPort: 8080 } }), 'every version must use the same containerPort'],
  ['gateway with a space', () => canary({ gateways: ['my gateway'] }), 'gateways[0] must be a gateway name'],
  ['outlier ejection over 100%', () => canary({ trafficPolicy: { outlierDetection: { maxEjectionPercent: 101 } } }), 'trafficPolicy.outlierDetection.maxEjectionPercent must be an integer from 0 to 100, got 101'],
  ['connection limit over int32', () => canary({ trafficPolicy: { connectionPool: { maxConnections: 2 ** 31 } } }), 'maxConnections must be an integer from 1 to 2147483647'],
  ['untrusted headers without gateways', () => canary({ untrustedHeaders: ['x-beta'] }), 'untrustedHeaders are removed at the service\'s gateways, but it is bound to none'],
  // HeaderMatchRoute
  ['route to a version the service does not run', () => route({ version: 'v9' }), 'the route sends traffic to version "v9", which CanaryService \'reviews\' does not run'],
  ['route with no matches', () => route({ matches: [] }), 'matches must list at least one RequestMatch'],
  ['route with both version and split', () => route({ split: [{ version: 'v2', weight: 50 }, { version: 'v3', weight: 50 }] }), 'set exactly one of version and split, got both'],
  ['split weights adding up to 90', () => route({ version: undefined, split: [{ version: 'v2', weight: 50 }, { version: 'v3', weight: 40 }] }), 'must add up to 100, got 90'],
  ['route to a version with 0 replicas', () => route({ version: 'v3' }, { extraVersions: [{ ...V3, replicas: 0 }] }), 'which has 0 replicas'],
  ['route name with punctuation', () => route({ name: 'beta!' }), "HeaderMatchRoute 'r': name must be a DNS-1123 label"],
  ['same match as an earlier route', () => twoRoutes([JASON], [JASON]), 'is the same as one of HeaderMatchRoute \'first\', which comes first, so it could never select this route'],
  ['JWT claim on a mesh-bound service', () => route({ matches: [RequestMatch.jwtClaim('groups', StringMatch.exact('beta'))] }), 'which Istio accepts only in a VirtualService bound to gateways and not to mesh'],
  ['untrusted header matched at a public gateway', () => route({ gateways: ['public'], matches: [RequestMatch.header('x-beta', StringMatch.exact('1'))] },
    { gateways: ['public'], untrustedHeaders: ['x-beta'] }), 'it matches untrusted header "x-beta" at gateway "public"'],
  // Matches
  ['regex with a look-ahead', () => StringMatch.regex('^(?=beta).*$'), 'StringMatch.regex: pattern must be a valid RE2 regular expression'],
  ['regex with a back-reference', () => StringMatch.regex('(a)\\1'), 'StringMatch.regex: pattern must be a valid RE2 regular expression'],
  ['regex over 1024 bytes', () => StringMatch.regex('a'.repeat(1025)), 'pattern must be at most 1024 bytes (Istio\'s limit), got 1025 bytes'],
  ['empty exact match', () => StringMatch.exact(''), 'StringMatch.exact: value must be a non-empty string, got ""'],
  ['header name with a space', () => RequestMatch.header('end user', StringMatch.exact('x')), 'RequestMatch.header: name must be an HTTP header name'],
  ['pseudo-header as a header name', () => RequestMatch.header(':path', StringMatch.exact('/')), 'RequestMatch.header: name must be an HTTP header name'],
  ['cookie value with a semicolon', () => RequestMatch.cookie('beta', 'a;b'), 'RequestMatch.cookie: value must be a cookie value'],
  ['cookie name with a space', () => RequestMatch.cookie('be ta', 'true'), 'RequestMatch.cookie: name must be a cookie name'],
  ['prefix match on a query parameter', () => RequestMatch.queryParam('v', StringMatch.prefix('1')), 'Istio has no prefix match on query parameters'],
  ['lower-case HTTP method', () => RequestMatch.method('get'), 'RequestMatch.method: method must be one of GET, HEAD, POST'],
  ['unknown client OS', () => RequestMatch.clientOs('beos' as ClientOs), 'RequestMatch.clientOs: os must be one of windows, macos, linux, android, ios, got "beos"'],
  ['unknown client browser', () => RequestMatch.clientBrowser('lynx' as ClientBrowser), 'RequestMatch.clientBrowser: browser must be one of chrome, firefox, safari, edge, opera, samsung-internet, got "lynx"'],
  ['header match without a StringMatch (from JavaScript)', () => RequestMatch.header('end-user', undefined as any), 'RequestMatch.header: match must be a StringMatch, got undefined'],
  ['regex with a look-behind', () => StringMatch.regex('(?<=x)abc'), '"(?<=" at offset 0 starts a look-behind, which RE2 (Envoy\'s engine) does not support'],
  ['JWT claim name with a space', () => RequestMatch.jwtClaim('my group', StringMatch.exact('x')), "RequestMatch.jwtClaim: claim must be a claim name, nested names separated by '.'"],
  ['two conditions on one header', () => RequestMatch.all(RequestMatch.cookie('a', '1'), RequestMatch.cookie('b', '2')), 'Istio allows one condition per header "cookie" in a match'],
  ['source label value with a space', () => RequestMatch.sourceLabel('app', 'product page'), 'RequestMatch.sourceLabel: value must be a Kubernetes label value'],
  ['unknown load balancer', () => LoadBalancer.simple('FASTEST' as LoadBalancerAlgorithm), 'LoadBalancer.simple: algorithm must be one of UNSPECIFIED, ROUND_ROBIN'],
  ['zero connect timeout', () => canary({ trafficPolicy: { connectionPool: { connectTimeout: Duration.seconds(0) } } }), 'connectTimeout must be at least 1ms, got 0ms'],
  ['outlier interval of 300 years', () => canary({ trafficPolicy: { outlierDetection: { interval: Duration.days(300 * 365) } } }), 'trafficPolicy.outlierDetection.interval must be at most 9223372036854ms (about 292 years'],
  ['sub-millisecond connect timeout', () => canary({ trafficPolicy: { connectionPool: { connectTimeout: Duration.millis(0.5) } } }), 'connectTimeout must be at least 1ms, got 0.5ms'],
  ['cookie ttl of 300 years', () => LoadBalancer.consistentHashByCookie('session', Duration.days(300 * 365)), 'LoadBalancer.consistentHashByCookie: ttl must be at most 9223372036854ms'],
  // Resilience settings
  ['route timeout of 300 years', () => route({ timeout: Duration.days(300 * 365) }), "HeaderMatchRoute 'r': timeout must be at most 9223372036854ms (about 292 years"],
  ['service timeout under 1ms', () => canary({ timeout: Duration.millis(0.5) }), "CanaryService 'reviews': timeout must be at least 1ms, got 0.5ms"],
  ['negative retry attempts', () => canary({ retries: { attempts: -1 } }), 'retries.attempts must be an integer from 0 to 2147483647, got -1'],
  ['unknown retry condition', () => route({ retries: { attempts: 1, retryOn: ['timeouts' as RetryCondition] } }), 'retries.retryOn[0] must be one of 5xx, gateway-error'],
  ['retry settings with retries disabled', () => route({ retries: { attempts: 0, perTryTimeout: Duration.seconds(1) } }), 'retries.attempts is 0 (retries disabled) but perTryTimeout is set'],
  ['header value with a line break', () => canary({ headers: { requestSet: { 'x-a': '1\r\nx-b: 2' } } }), 'headers.requestSet["x-a"] must be a header value Envoy accepts'],
  ['removing the Host header', () => canary({ headers: { requestRemove: ['host'] } }), 'headers.requestRemove[0] cannot be "host"'],
  ['fault abort status 600', () => FaultInjection.abort({ httpStatus: 600 }), 'FaultInjection.abort: httpStatus must be an integer from 200 to 599, got 600'],
  ['fault percent over 100', () => FaultInjection.delay({ fixedDelay: Duration.seconds(1), percent: 150 }), 'FaultInjection.delay: delay percent must be 0 or a number from 0.0001 to 100, got 150'],
  ['fault on the service itself', () => canary({ fault: FaultInjection.abort({ httpStatus: 503 }) } as any), 'fault is set on a route of the service itself; inject faults with a HeaderMatchRoute'],
  // BlueGreenService
  ['same version in both colours', () => blueGreen({ green: V1 }), "BlueGreenService 'api': blue and green must run different versions"],
  ['unknown active colour', () => blueGreen({ active: 'red' }), 'active must be Color.BLUE or Color.GREEN, got "red"'],
  ['switch to a colour with 0 replicas', () => blueGreen({ active: Color.GREEN, green: { ...V2, replicas: 0 } }), 'scale green up before switching to it'],
  ['preview of a colour with 0 replicas', () => blueGreen({ green: { ...V2, replicas: 0 }, previewMatch: JASON }), 'previewMatch routes to the idle green version "v2", which has 0 replicas'],
  ['mirror to a colour with 0 replicas', () => blueGreen({ green: { ...V2, replicas: 0 }, mirrorPercent: 5 }), 'mirrorPercent mirrors to the idle green version "v2", which has 0 replicas'],
  ['preview host without gateways', () => blueGreen({ previewHost: 'preview.example.com' }), 'previewHost "preview.example.com" is served at the service\'s gateways, but it is bound to none'],
  ['HeaderMatchRoute on the preview header', () => {
    const chart = Testing.chart();
    const target = new BlueGreenService(chart, 'api', { port: 8080, blue: V1, green: V2, active: Color.BLUE, previewMatch: RequestMatch.headerPresent('x-preview') });
    new HeaderMatchRoute(chart, 'r', { target, matches: [RequestMatch.header('x-preview', StringMatch.exact('beta'))], version: 'v2' });
  }, 'it matches header "x-preview", which the preview route of BlueGreenService \'api\' uses'],
  // Hand-written objects, through RoutingAnalyzer.validate
  ['hand-written route to an undefined subset', () => analyzed(vsWith({ route: [{ destination: { host: 'r', subset: 'v2' } }] })), 'routes to subset "v2" of host "r", which no DestinationRule defines (IST0101)'],
  ['hand-written weights all zero', () => analyzed(vsWith({ route: [{ destination: { host: 'r' }, weight: 0 }, { destination: { host: 'x' }, weight: 0 }] })), 'gives every destination weight 0'],
  ['hand-written rule without a destination', () => analyzed(vsWith({ name: 'noop' })), 'http[0] (noop) has no route, redirect, directResponse or delegate'],
];

describe('catalogue of bad inputs', () => {
  test('has at least 40 entries', () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(40);
  });

  test.each(CATALOGUE)('fails on %s', (_, build, message) => {
    expect(build).toThrow(message);
    try {
      build();
    } catch (e) {
      // A plain Error with our message, never a TypeError or an exception from a library.
      expect((e as Error).constructor).toBe(Error);
    }
  });
});

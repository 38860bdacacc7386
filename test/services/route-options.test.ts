import { Duration, Testing } from 'cdk8s';
import {
  BlueGreenService, CanaryService, CanaryServiceProps, Color, FaultInjection, HeaderMatchRoute, HeaderMatchRouteProps, RequestMatch, RetryCondition,
  StringMatch,
} from '../../src';
import { find, synthValid } from '../util';

// The resilience settings (timeout, retries, headers, fault) of the service constructs and
// HeaderMatchRoute: how they apply to routes, and every validation rule.

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;
const V1 = { version: 'v1', image: image('v1') };
const V2 = { version: 'v2', image: image('v2') };
const TESTERS = [RequestMatch.header('x-tester', StringMatch.exact('1'))];

function reviews(props: Partial<CanaryServiceProps> = {}) {
  const chart = Testing.chart();
  const svc = new CanaryService(chart, 'reviews', { port: 9080, stable: V1, canary: V2, canaryWeight: 10, ...props });
  return { chart, svc };
}

function http(chart: any): any[] {
  return find(synthValid(chart), 'VirtualService', 'reviews').spec.http;
}

describe('resilience settings on routes', () => {
  test('a cohort of testers gets a delay and an abort on the new version, with its own timeout, retries and headers', () => {
    // GIVEN
    const { chart, svc } = reviews();
    // WHEN
    new HeaderMatchRoute(chart, 'testers', {
      target: svc,
      matches: TESTERS,
      version: 'v2',
      timeout: Duration.seconds(3),
      retries: { attempts: 2, perTryTimeout: Duration.millis(1500), retryOn: [RetryCondition.GATEWAY_ERROR, RetryCondition.CONNECT_FAILURE] },
      headers: { requestSet: { 'x-cohort': 'testers' }, responseAdd: { 'x-served-by': '%HOSTNAME%' }, responseRemove: ['server'] },
      fault: FaultInjection.delayAndAbort({ fixedDelay: Duration.seconds(5), percent: 10 }, { httpStatus: 503, percent: 0.5 }),
    });
    // THEN: the route carries them, valid against the Istio CRD; the default route has none
    const [testers, byDefault] = http(chart);
    expect(testers).toEqual({
      name: 'testers',
      match: [{ headers: { 'x-tester': { exact: '1' } } }],
      route: [{ destination: { host: 'reviews', subset: 'v2' } }],
      timeout: '3s',
      retries: { attempts: 2, perTryTimeout: '1.5s', retryOn: 'gateway-error,connect-failure' },
      fault: { delay: { fixedDelay: '5s', percentage: { value: 10 } }, abort: { httpStatus: 503, percentage: { value: 0.5 } } },
      headers: { request: { set: { 'x-cohort': 'testers' } }, response: { add: { 'x-served-by': '%HOSTNAME%' }, remove: ['server'] } },
    });
    expect(Object.keys(byDefault)).toEqual(['route']);
  });

  test('the service\'s timeout, retries and headers apply to its default route and to routes that set none', () => {
    // GIVEN
    const { chart, svc } = reviews({
      timeout: Duration.seconds(10),
      retries: { attempts: 3, retryOn: [RetryCondition.SERVER_ERROR], retryOnStatusCodes: [429] },
      headers: { responseSet: { 'x-service': 'reviews' } },
    });
    // WHEN: one route overrides retries and headers, another sets nothing
    new HeaderMatchRoute(chart, 'testers', { target: svc, matches: TESTERS, version: 'v2', retries: { attempts: 0 }, headers: { requestAdd: { 'x-a': '1' } } });
    new HeaderMatchRoute(chart, 'beta', { target: svc, matches: [RequestMatch.cookie('beta', 'true')], version: 'v2' });
    // THEN
    const [testers, beta, byDefault] = http(chart);
    const serviceRetries = { attempts: 3, retryOn: '5xx,429' };
    expect([testers.timeout, testers.retries, testers.headers]).toEqual(['10s', { attempts: 0 }, { request: { add: { 'x-a': '1' } } }]);
    expect([beta.timeout, beta.retries, beta.headers]).toEqual(['10s', serviceRetries, { response: { set: { 'x-service': 'reviews' } } }]);
    expect([byDefault.timeout, byDefault.retries, byDefault.headers]).toEqual(['10s', serviceRetries, { response: { set: { 'x-service': 'reviews' } } }]);
    // AND the routing model carries the effective settings per rule
    expect(svc.routing.rules.map(r => r.timeout?.toSeconds())).toEqual([10, 10, 10]);
  });

  test('removed request headers merge with the untrusted headers removed at the gateway', () => {
    // GIVEN
    const { chart } = reviews({ gateways: ['istio-system/public'], untrustedHeaders: ['x-beta'], headers: { requestRemove: ['x-debug', 'x-beta'], requestSet: { 'x-env': 'prod' } } });
    // THEN: the gateway default removes both, once each; the in-mesh default removes x-debug and x-beta
    const [gateway, mesh] = http(chart);
    expect(gateway.headers).toEqual({ request: { set: { 'x-env': 'prod' }, remove: ['x-beta', 'x-debug'] } });
    expect(mesh.headers).toEqual({ request: { set: { 'x-env': 'prod' }, remove: ['x-debug', 'x-beta'] } });
  });

  test('a delay alone and an abort alone take 100% of the cohort unless a percent is given', () => {
    const { chart, svc } = reviews();
    new HeaderMatchRoute(chart, 'slow', { target: svc, matches: TESTERS, version: 'v2', fault: FaultInjection.delay({ fixedDelay: Duration.millis(250) }) });
    new HeaderMatchRoute(chart, 'broken', { target: svc, matches: [RequestMatch.headerPresent('x-chaos')], version: 'v2', fault: FaultInjection.abort({ httpStatus: 500 }) });
    const [slow, broken] = http(chart);
    expect(slow.fault).toEqual({ delay: { fixedDelay: '0.25s', percentage: { value: 100 } } });
    expect(broken.fault).toEqual({ abort: { httpStatus: 500, percentage: { value: 100 } } });
  });

  test('BlueGreenService takes the same settings', () => {
    const chart = Testing.chart();
    new BlueGreenService(chart, 'reviews', { port: 9080, blue: V1, green: V2, active: Color.BLUE, timeout: Duration.minutes(1), retries: { attempts: 1 } });
    const rules = http(chart);
    expect(rules[rules.length - 1]).toMatchObject({ timeout: '60s', retries: { attempts: 1 } });
  });

  test('the longest timeout Istio can evaluate is accepted', () => {
    const { chart } = reviews({ timeout: Duration.millis(9_223_372_036_854) });
    expect(http(chart)[0].timeout).toBe('9223372036.854s');
  });
});

describe('rejects bad resilience settings with the construct, prop, value and what is allowed', () => {
  const HEADER_NAME = "must be an HTTP header name (a token of letters, digits and !#$%&'*+-.^_`|~), got";
  const CONDITIONS = Object.values(RetryCondition).join(', ');
  const bad: Array<[string, Partial<HeaderMatchRouteProps>, string]> = [
    ['fails on a timeout under 1ms', { timeout: Duration.millis(0.5) }, 'timeout must be at least 1ms, got 0.5ms'],
    [
      'fails on a timeout of 300 years',
      { timeout: Duration.days(300 * 365) },
      `timeout must be at most 9223372036854ms (about 292 years; Istio's CRD rule evaluates durations as int64 nanoseconds), got ${300 * 365 * 86_400_000}ms`,
    ],
    ['fails on a timeout with a fraction of a millisecond', { timeout: Duration.millis(2.5) }, "timeout must be a whole number of milliseconds (Istio's precision), got 2.5ms"],
    ['fails on a timeout that is not a Duration', { timeout: '5s' as any }, 'timeout must be a Duration (e.g. Duration.seconds(2)), got "5s"'],
    ['fails on retries that are not an object', { retries: 3 as any }, 'retries must be a RetryPolicy (with attempts), got 3'],
    ['fails on negative attempts', { retries: { attempts: -1 } }, 'retries.attempts must be an integer from 0 to 2147483647, got -1'],
    ['fails on missing attempts', { retries: {} as any }, 'retries.attempts must be an integer from 0 to 2147483647, got undefined'],
    ['fails on a zero perTryTimeout', { retries: { attempts: 2, perTryTimeout: Duration.seconds(0) } }, 'retries.perTryTimeout must be at least 1ms, got 0ms'],
    [
      'fails on a perTryTimeout of 300 years',
      { retries: { attempts: 2, perTryTimeout: Duration.days(300 * 365) } },
      'retries.perTryTimeout must be at most 9223372036854ms (about 292 years',
    ],
    ['fails on an unknown retryOn condition', { retries: { attempts: 2, retryOn: ['5xx', 'timeout' as any] } }, `retries.retryOn[1] must be one of ${CONDITIONS}, got "timeout"`],
    ['fails on an unknown status code', { retries: { attempts: 2, retryOnStatusCodes: [503, 599] } }, 'retries.retryOnStatusCodes[1] must be an HTTP status code (e.g. 503), got 599'],
    [
      'fails on a retry policy with retries disabled',
      { retries: { attempts: 0, perTryTimeout: Duration.seconds(1), retryOn: [RetryCondition.RESET] } },
      'retries.attempts is 0 (retries disabled) but perTryTimeout and retryOn are set; set attempts to at least 1, or remove perTryTimeout and retryOn',
    ],
    ['fails on headers that are not an object', { headers: 'x-a: 1' as any }, 'headers must be a HeaderOperations object, got "x-a: 1"'],
    ['fails on a header map that is a list', { headers: { requestSet: ['x-a'] as any } }, 'headers.requestSet must map header names to values, got ["x-a"]'],
    ['fails on a header name with a space', { headers: { requestSet: { 'x a': '1' } } }, `a header name of headers.requestSet ${HEADER_NAME} "x a"`],
    ['fails on a pseudo-header name', { headers: { responseAdd: { ':status': '200' } } }, `a header name of headers.responseAdd ${HEADER_NAME} ":status"`],
    ['fails on removing the Host header', { headers: { requestRemove: ['Host'] } }, 'headers.requestRemove[0] cannot be "host": Istio only sets or adds Host on requests'],
    ['fails on setting Host on responses', { headers: { responseSet: { host: 'a' } } }, 'a header name of headers.responseSet cannot be "host"'],
    ['fails on a removal list that is not a list', { headers: { responseRemove: 'server' as any } }, 'headers.responseRemove must be a list of header names, got "server"'],
    ['fails on a bad name in a removal list', { headers: { responseRemove: ['server', ''] } }, `headers.responseRemove[1] ${HEADER_NAME} ""`],
    [
      'fails on a header value with a line break',
      { headers: { requestSet: { 'x-a': 'a\r\nx-admin: 1' } } },
      'headers.requestSet["x-a"] must be a header value Envoy accepts (it must not contain control characters (CR, LF...)), got "a\\r\\nx-admin: 1"',
    ],
    [
      'fails on a header value with a lone %',
      { headers: { responseSet: { 'x-load': '100%' } } },
      'headers.responseSet["x-load"] must be a header value Envoy accepts (the \'%\' at offset 3 must start an Envoy variable like %HOSTNAME% or %REQ(x-id)%; write %% for a literal \'%\'), got "100%"',
    ],
    ['fails on a header value that is not a string', { headers: { requestAdd: { 'x-a': 1 as any } } }, 'headers.requestAdd["x-a"] must be a header value Envoy accepts (it must be a string), got 1'],
    ['fails on a fault that is not a FaultInjection', { fault: { delay: { fixedDelay: Duration.seconds(1) } } as any }, 'fault must be a FaultInjection (FaultInjection.delay(), .abort() or .delayAndAbort()), got'],
  ];
  test.each(bad)('%s', (_, props, message) => {
    const { chart, svc } = reviews();
    expect(() => new HeaderMatchRoute(chart, 'r', { target: svc, matches: TESTERS, version: 'v2', ...props })).toThrow(`HeaderMatchRoute 'r': ${message}`);
  });

  test('accepts header values Envoy accepts: variables, doubled %, tabs', () => {
    const { chart, svc } = reviews();
    new HeaderMatchRoute(chart, 'r', {
      target: svc,
      matches: TESTERS,
      version: 'v2',
      headers: { requestSet: { 'x-a': 'prefix %HOSTNAME% suffix', 'x-b': '100%%', 'x-c': '%REQ(x-id):10%', 'x-d': 'a\tb' } },
    });
    expect(http(chart)[0].headers.request.set['x-b']).toBe('100%%');
  });

  test('fails on a service timeout under 1ms, naming the service', () => {
    expect(() => reviews({ timeout: Duration.millis(0) })).toThrow("CanaryService 'reviews': timeout must be at least 1ms, got 0ms");
  });

  test('fails on bad service retries, naming the service', () => {
    expect(() => reviews({ retries: { attempts: 1.5 } })).toThrow("CanaryService 'reviews': retries.attempts must be an integer from 0 to 2147483647, got 1.5");
  });

  test('fails on bad service headers, naming the service', () => {
    expect(() => reviews({ headers: { responseRemove: ['host'] } })).toThrow("CanaryService 'reviews': headers.responseRemove[0] cannot be \"host\"");
  });

  test('fails on a fault on the service itself (from JavaScript): faults are for a cohort', () => {
    expect(() => reviews({ fault: FaultInjection.abort({ httpStatus: 503 }) } as any)).toThrow(
      "CanaryService 'reviews': fault is set on a route of the service itself; inject faults with a HeaderMatchRoute, for a cohort only",
    );
  });

  test('fails on a raw rule added with bad settings, naming its source', () => {
    const { svc } = reviews();
    expect(() => svc.addRoute({ matches: TESTERS, destinations: [{ version: 'v2', weight: 100 }], timeout: Duration.millis(0) }, 'my-tool')).toThrow(
      'my-tool: timeout must be at least 1ms, got 0ms',
    );
  });
});

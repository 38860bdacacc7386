import { Duration, Testing } from 'cdk8s';
import { CanaryService, LoadBalancer, LoadBalancerAlgorithm, TrafficPolicy } from '../../src';
import { find, synthValid } from '../util';

const V1 = { version: 'v1', image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2' };
const V2 = { version: 'v2', image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2' };

/** Synthesizes a reviews CanaryService with `trafficPolicy`; returns its schema-valid DestinationRule. */
function destinationRule(trafficPolicy: TrafficPolicy): any {
  const chart = Testing.chart();
  new CanaryService(chart, 'reviews', { port: 9080, stable: V1, canary: V2, canaryWeight: 10, trafficPolicy });
  return find(synthValid(chart), 'DestinationRule', 'reviews');
}

function reviews(trafficPolicy: TrafficPolicy): void {
  new CanaryService(Testing.chart(), 'reviews', { port: 9080, stable: V1, canary: V2, trafficPolicy });
}

describe('LoadBalancer', () => {
  test.each(Object.values(LoadBalancerAlgorithm))('simple(%s) renders a schema-valid simple load balancer', (algorithm) => {
    // GIVEN / WHEN
    const dr = destinationRule({ loadBalancer: LoadBalancer.simple(algorithm) });
    // THEN
    expect(dr.spec.trafficPolicy).toEqual({ loadBalancer: { simple: algorithm } });
    expect(dr.spec.subsets).toEqual([{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }]);
  });

  test('covers exactly Istio\'s non-deprecated simple algorithms', () => {
    expect(Object.values(LoadBalancerAlgorithm).sort()).toEqual(['LEAST_REQUEST', 'PASSTHROUGH', 'RANDOM', 'ROUND_ROBIN', 'UNSPECIFIED']);
  });

  test.each<[string, LoadBalancer, any]>([
    ['a header, name lower-cased', LoadBalancer.consistentHashByHeader('X-User-ID'), { consistentHash: { httpHeaderName: 'x-user-id' } }],
    ['a lower-case header', LoadBalancer.consistentHashByHeader('end-user'), { consistentHash: { httpHeaderName: 'end-user' } }],
    ['a cookie without ttl', LoadBalancer.consistentHashByCookie('session'), { consistentHash: { httpCookie: { name: 'session' } } }],
    [
      'a cookie, name case kept (cookie names are case-sensitive)',
      LoadBalancer.consistentHashByCookie('JSESSIONID'),
      { consistentHash: { httpCookie: { name: 'JSESSIONID' } } },
    ],
    [
      'a cookie with a ttl in hours',
      LoadBalancer.consistentHashByCookie('session', Duration.hours(1)),
      { consistentHash: { httpCookie: { name: 'session', ttl: '3600s' } } },
    ],
    [
      'a cookie with a ttl in millis',
      LoadBalancer.consistentHashByCookie('session', Duration.millis(1500)),
      { consistentHash: { httpCookie: { name: 'session', ttl: '1.5s' } } },
    ],
    [
      'a cookie with a zero ttl (a session cookie)',
      LoadBalancer.consistentHashByCookie('session', Duration.seconds(0)),
      { consistentHash: { httpCookie: { name: 'session', ttl: '0s' } } },
    ],
    ['the source IP', LoadBalancer.consistentHashBySourceIp(), { consistentHash: { useSourceIp: true } }],
  ])('consistent hashing by %s', (_, loadBalancer, expected) => {
    expect(destinationRule({ loadBalancer }).spec.trafficPolicy).toEqual({ loadBalancer: expected });
  });

  test('exposes Istio\'s JSON for the renderers', () => {
    expect(LoadBalancer.consistentHashByHeader('X-A')._toIstio()).toEqual({ consistentHash: { httpHeaderName: 'x-a' } });
  });
});

describe('TrafficPolicy', () => {
  test('renders every field, schema-valid, with Istio\'s JSON names', () => {
    // GIVEN
    const policy: TrafficPolicy = {
      loadBalancer: LoadBalancer.consistentHashByCookie('user', Duration.minutes(30)),
      connectionPool: {
        maxConnections: 2147483647,
        connectTimeout: Duration.millis(1),
        http1MaxPendingRequests: 1,
        http2MaxRequests: 1,
        maxRequestsPerConnection: 1,
        maxRetries: 0,
        idleTimeout: Duration.hours(1),
      },
      outlierDetection: {
        consecutive5xxErrors: 0,
        consecutiveGatewayErrors: 4294967295,
        interval: Duration.millis(1),
        baseEjectionTime: Duration.minutes(3),
        maxEjectionPercent: 100,
        minHealthPercent: 0,
      },
    };
    // WHEN
    const dr = destinationRule(policy);
    // THEN
    expect(dr.spec.trafficPolicy).toEqual({
      loadBalancer: { consistentHash: { httpCookie: { name: 'user', ttl: '1800s' } } },
      connectionPool: {
        tcp: { maxConnections: 2147483647, connectTimeout: '0.001s' },
        http: { http1MaxPendingRequests: 1, http2MaxRequests: 1, maxRequestsPerConnection: 1, maxRetries: 0, idleTimeout: '3600s' },
      },
      outlierDetection: {
        consecutive5xxErrors: 0,
        consecutiveGatewayErrors: 4294967295,
        interval: '0.001s',
        baseEjectionTime: '180s',
        maxEjectionPercent: 100,
        minHealthPercent: 0,
      },
    });
  });

  test.each<[string, TrafficPolicy, any]>([
    ['only tcp settings', { connectionPool: { maxConnections: 10 } }, { connectionPool: { tcp: { maxConnections: 10 } } }],
    ['only http settings', { connectionPool: { http2MaxRequests: 10 } }, { connectionPool: { http: { http2MaxRequests: 10 } } }],
    ['only an outlier interval', { outlierDetection: { interval: Duration.seconds(5) } }, { outlierDetection: { interval: '5s' } }],
  ])('renders %s and nothing else', (_, policy, expected) => {
    expect(destinationRule(policy).spec.trafficPolicy).toEqual(expected);
  });

  test.each<[string, TrafficPolicy]>([
    ['an empty policy', {}],
    ['empty connection pool and outlier detection', { connectionPool: {}, outlierDetection: {} }],
  ])('renders no trafficPolicy for %s', (_, policy) => {
    expect(destinationRule(policy).spec.trafficPolicy).toBeUndefined();
  });
});

describe('rejects bad input with the factory or construct, prop, value and what is allowed', () => {
  const ALGORITHMS = 'UNSPECIFIED, ROUND_ROBIN, LEAST_REQUEST, RANDOM, PASSTHROUGH';
  test.each<[string, () => unknown, string]>([
    [
      'fails on an unknown algorithm',
      () => LoadBalancer.simple('FASTEST' as LoadBalancerAlgorithm),
      `LoadBalancer.simple: algorithm must be one of ${ALGORITHMS}, got "FASTEST"`,
    ],
    [
      'fails on Istio\'s deprecated LEAST_CONN',
      () => LoadBalancer.simple('LEAST_CONN' as LoadBalancerAlgorithm),
      `LoadBalancer.simple: algorithm must be one of ${ALGORITHMS}, got "LEAST_CONN"`,
    ],
    [
      'fails on a lower-case algorithm',
      () => LoadBalancer.simple('round_robin' as LoadBalancerAlgorithm),
      `LoadBalancer.simple: algorithm must be one of ${ALGORITHMS}, got "round_robin"`,
    ],
    [
      'fails on an empty hash header name',
      () => LoadBalancer.consistentHashByHeader(''),
      'LoadBalancer.consistentHashByHeader: headerName must be a non-empty string, got ""',
    ],
    [
      'fails on an empty hash cookie name',
      () => LoadBalancer.consistentHashByCookie(''),
      'LoadBalancer.consistentHashByCookie: cookieName must be a non-empty string, got ""',
    ],
    [
      'fails on an empty hash cookie name with a ttl',
      () => LoadBalancer.consistentHashByCookie('', Duration.hours(1)),
      'LoadBalancer.consistentHashByCookie: cookieName must be a non-empty string, got ""',
    ],
    [
      // A negative Duration cannot be built: cdk8s rejects it first.
      'fails on a negative cookie ttl',
      () => LoadBalancer.consistentHashByCookie('session', Duration.seconds(-1)),
      'Duration amounts cannot be negative. Received: -1',
    ],
  ])('%s', (_, make, message) => {
    expect(make).toThrow(message);
  });

  const WHO = "CanaryService 'reviews'";
  const MAX = 4294967295;
  // The connection pool fields are int32 in Istio's API and CRD.
  const POOL_MAX = 2147483647;
  test.each<[string, TrafficPolicy, string]>([
    [
      'fails on maxEjectionPercent over 100',
      { outlierDetection: { maxEjectionPercent: 101 } },
      'trafficPolicy.outlierDetection.maxEjectionPercent must be an integer from 0 to 100, got 101',
    ],
    [
      'fails on a negative maxEjectionPercent',
      { outlierDetection: { maxEjectionPercent: -1 } },
      'trafficPolicy.outlierDetection.maxEjectionPercent must be an integer from 0 to 100, got -1',
    ],
    [
      'fails on a fractional maxEjectionPercent',
      { outlierDetection: { maxEjectionPercent: 12.5 } },
      'trafficPolicy.outlierDetection.maxEjectionPercent must be an integer from 0 to 100, got 12.5',
    ],
    [
      'fails on minHealthPercent over 100',
      { outlierDetection: { minHealthPercent: 150 } },
      'trafficPolicy.outlierDetection.minHealthPercent must be an integer from 0 to 100, got 150',
    ],
    [
      'fails on a negative minHealthPercent',
      { outlierDetection: { minHealthPercent: -5 } },
      'trafficPolicy.outlierDetection.minHealthPercent must be an integer from 0 to 100, got -5',
    ],
    [
      'fails on a NaN minHealthPercent',
      { outlierDetection: { minHealthPercent: NaN } },
      'trafficPolicy.outlierDetection.minHealthPercent must be an integer from 0 to 100, got NaN',
    ],
    [
      'fails on negative consecutive5xxErrors',
      { outlierDetection: { consecutive5xxErrors: -1 } },
      `trafficPolicy.outlierDetection.consecutive5xxErrors must be an integer from 0 to ${MAX}, got -1`,
    ],
    [
      'fails on consecutiveGatewayErrors over uint32',
      { outlierDetection: { consecutiveGatewayErrors: MAX + 1 } },
      `trafficPolicy.outlierDetection.consecutiveGatewayErrors must be an integer from 0 to ${MAX}, got ${MAX + 1}`,
    ],
    [
      'fails on zero maxConnections',
      { connectionPool: { maxConnections: 0 } },
      `trafficPolicy.connectionPool.maxConnections must be an integer from 1 to ${POOL_MAX}, got 0`,
    ],
    [
      'fails on zero http1MaxPendingRequests',
      { connectionPool: { http1MaxPendingRequests: 0 } },
      `trafficPolicy.connectionPool.http1MaxPendingRequests must be an integer from 1 to ${POOL_MAX}, got 0`,
    ],
    [
      'fails on negative http2MaxRequests',
      { connectionPool: { http2MaxRequests: -1 } },
      `trafficPolicy.connectionPool.http2MaxRequests must be an integer from 1 to ${POOL_MAX}, got -1`,
    ],
    [
      'fails on zero maxRequestsPerConnection',
      { connectionPool: { maxRequestsPerConnection: 0 } },
      `trafficPolicy.connectionPool.maxRequestsPerConnection must be an integer from 1 to ${POOL_MAX}, got 0`,
    ],
    [
      'fails on negative maxRetries',
      { connectionPool: { maxRetries: -1 } },
      `trafficPolicy.connectionPool.maxRetries must be an integer from 0 to ${POOL_MAX}, got -1`,
    ],
    [
      'fails on fractional maxConnections',
      { connectionPool: { maxConnections: 1.5 } },
      `trafficPolicy.connectionPool.maxConnections must be an integer from 1 to ${POOL_MAX}, got 1.5`,
    ],
    [
      'fails on a zero connectTimeout',
      { connectionPool: { connectTimeout: Duration.millis(0) } },
      'trafficPolicy.connectionPool.connectTimeout must be at least 1ms, got 0ms',
    ],
    [
      'fails on a zero idleTimeout',
      { connectionPool: { idleTimeout: Duration.seconds(0) } },
      'trafficPolicy.connectionPool.idleTimeout must be at least 1ms, got 0ms',
    ],
    [
      'fails on a zero outlier interval',
      { outlierDetection: { interval: Duration.minutes(0) } },
      'trafficPolicy.outlierDetection.interval must be at least 1ms, got 0ms',
    ],
    [
      'fails on a zero baseEjectionTime',
      { outlierDetection: { baseEjectionTime: Duration.millis(0) } },
      'trafficPolicy.outlierDetection.baseEjectionTime must be at least 1ms, got 0ms',
    ],
  ])('%s', (_, trafficPolicy, message) => {
    expect(() => reviews(trafficPolicy)).toThrow(`${WHO}: ${message}`);
  });

  // Istio requires at least 1ms, in whole milliseconds: our message names the prop, not cdk8s' conversion error.
  test('fails on a sub-millisecond duration', () => {
    expect(() => reviews({ connectionPool: { connectTimeout: Duration.millis(0.5) } })).toThrow(
      `${WHO}: trafficPolicy.connectionPool.connectTimeout must be at least 1ms, got 0.5ms`,
    );
  });

  test('fails on a duration with a fraction of a millisecond', () => {
    expect(() => reviews({ outlierDetection: { interval: Duration.millis(1.5) } })).toThrow(
      `${WHO}: trafficPolicy.outlierDetection.interval must be a whole number of milliseconds (Istio's precision), got 1.5ms`,
    );
  });

  // Istio's CRD rule `duration(self) >= duration('1ms')` cannot evaluate above 2^63-1 ns: the API server rejects the object.
  test.each([
    ['connectionPool', 'connectTimeout'], ['connectionPool', 'idleTimeout'], ['outlierDetection', 'interval'], ['outlierDetection', 'baseEjectionTime'],
  ] as const)('fails on a %s.%s of 300 years', (group, key) => {
    const years300 = Duration.days(300 * 365);
    expect(() => reviews({ [group]: { [key]: years300 } })).toThrow(
      `${WHO}: trafficPolicy.${group}.${key} must be at most 9223372036854ms (about 292 years; Istio's CRD rule evaluates durations `
        + `as int64 nanoseconds), got ${300 * 365 * 86_400_000}ms`,
    );
  });

  test('accepts the longest duration Istio can evaluate, and renders it in seconds', () => {
    // GIVEN 2^63-1 ns, rounded down to whole milliseconds
    const chart = Testing.chart();
    new CanaryService(chart, 'reviews', { port: 9080, stable: V1, trafficPolicy: { outlierDetection: { baseEjectionTime: Duration.millis(9_223_372_036_854) } } });
    // THEN
    const dr = find(synthValid(chart), 'DestinationRule', 'reviews');
    expect(dr.spec.trafficPolicy.outlierDetection.baseEjectionTime).toBe('9223372036.854s');
  });

  // The connection pool fields are int32 in Istio's API and CRD (`format: int32`): the API server rejects 2147483648.
  test.each([
    'maxConnections', 'http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries',
  ] as const)('fails on %s over int32', (key) => {
    const min = key === 'maxRetries' ? 0 : 1;
    expect(() => reviews({ connectionPool: { [key]: 2147483648 } })).toThrow(
      `${WHO}: trafficPolicy.connectionPool.${key} must be an integer from ${min} to 2147483647, got 2147483648`,
    );
  });
});

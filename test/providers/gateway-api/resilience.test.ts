import { Duration, Testing } from 'cdk8s';
import {
  CanaryService, CanaryServiceProps, FaultInjection, GatewayApiReader, HeaderMatchRoute, HeaderMatchRouteProps, RequestMatch, RetryCondition,
  ServiceProtocol, StringMatch, TrafficProvider,
} from '../../../src';
import { find, synthValid, validateManifests } from '../../util';

// The resilience settings (timeout, retries, header operations, fault) with the Gateway API
// provider: what renders, on which channel, and what fails with a capability message.

const TESTERS = [RequestMatch.header('x-tester', StringMatch.exact('1'))];
const base: CanaryServiceProps = {
  port: 9080,
  stable: { version: 'v1', image: 'reviews:1' },
  canary: { version: 'v2', image: 'reviews:2' },
  canaryWeight: 10,
  provider: TrafficProvider.gatewayApi(),
};
const experimental = () => TrafficProvider.gatewayApi({ experimentalChannel: true });

function service(extra: Partial<CanaryServiceProps> = {}) {
  const chart = Testing.chart();
  const svc = new CanaryService(chart, 'reviews', { ...base, ...extra });
  const route = (id: string, props: Partial<HeaderMatchRouteProps> = {}) => new HeaderMatchRoute(chart, id, { target: svc, matches: TESTERS, version: 'v2', ...props });
  return { chart, svc, route };
}

/** The rule of `kind` `name` named `rule`. */
function ruleOf(manifests: any[], kind: string, name: string, rule: string): any {
  const found = find(manifests, kind, name).spec.rules.filter((r: any) => r.name === rule);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('Gateway API provider: timeouts and header operations', () => {
  test('renders timeout as timeouts.request, in the Gateway API duration format', () => {
    // GIVEN
    const { chart, route } = service({ timeout: Duration.seconds(90) });
    // WHEN
    route('testers', { name: 'testers', timeout: Duration.millis(1500) });
    route('slow', { name: 'slow', matches: [RequestMatch.header('x-slow', StringMatch.exact('1'))], timeout: Duration.hours(2) });
    const manifests = synthValid(chart);
    // THEN
    expect(ruleOf(manifests, 'HTTPRoute', 'reviews', 'testers').timeouts).toEqual({ request: '1s500ms' });
    expect(ruleOf(manifests, 'HTTPRoute', 'reviews', 'slow').timeouts).toEqual({ request: '2h' });
    const rules = find(manifests, 'HTTPRoute', 'reviews').spec.rules;
    expect(rules[rules.length - 1].timeouts).toEqual({ request: '1m30s' });
  });

  test('renders header operations as RequestHeaderModifier and ResponseHeaderModifier filters, %% as a literal %', () => {
    // GIVEN
    const { chart, route } = service();
    // WHEN
    route('testers', {
      name: 'testers',
      headers: {
        requestSet: { 'x-cohort': 'testers' },
        requestAdd: { 'x-discount': '10%%' },
        requestRemove: ['x-debug'],
        responseSet: { 'x-version': 'v2' },
        responseAdd: { 'x-served-by': 'canary' },
        responseRemove: ['server'],
      },
    });
    const manifests = synthValid(chart);
    // THEN
    expect(ruleOf(manifests, 'HTTPRoute', 'reviews', 'testers').filters).toEqual([
      {
        type: 'RequestHeaderModifier',
        requestHeaderModifier: { set: [{ name: 'x-cohort', value: 'testers' }], add: [{ name: 'x-discount', value: '10%' }], remove: ['x-debug'] },
      },
      {
        type: 'ResponseHeaderModifier',
        responseHeaderModifier: { set: [{ name: 'x-version', value: 'v2' }], add: [{ name: 'x-served-by', value: 'canary' }], remove: ['server'] },
      },
    ]);
  });

  test('merges headers.requestRemove with the untrusted headers removed at the Gateway: one RequestHeaderModifier per rule', () => {
    // GIVEN
    const { chart } = service({
      gateways: ['istio-system/public'],
      hosts: ['reviews.example.com'],
      untrustedHeaders: ['x-tester'],
      headers: { requestSet: { 'x-from': 'gw' }, requestRemove: ['x-debug', 'x-tester'] },
    });
    // WHEN
    const manifests = synthValid(chart);
    // THEN
    const gatewayDefault = ruleOf(manifests, 'HTTPRoute', 'reviews-gateway', 'gateway-default');
    expect(gatewayDefault.filters).toEqual([
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-from', value: 'gw' }], remove: ['x-tester', 'x-debug'] } },
    ]);
  });

  test('renders header operations on a GRPCRoute', () => {
    // GIVEN
    const { chart, route } = service({ protocol: ServiceProtocol.GRPC });
    // WHEN
    route('testers', { name: 'testers', headers: { requestSet: { 'x-cohort': 'testers' }, responseRemove: ['server'] } });
    const manifests = synthValid(chart);
    // THEN
    expect(ruleOf(manifests, 'GRPCRoute', 'reviews', 'testers').filters).toEqual([
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-cohort', value: 'testers' }] } },
      { type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['server'] } },
    ]);
  });
});

describe('Gateway API provider: retries on the experimental channel', () => {
  test('renders retries as the experimental retry, perTryTimeout as timeouts.backendRequest', () => {
    // GIVEN
    const { chart, route } = service({ provider: experimental() });
    // WHEN
    route('testers', {
      name: 'testers',
      timeout: Duration.seconds(10),
      retries: { attempts: 3, perTryTimeout: Duration.seconds(2), retryOn: [RetryCondition.RETRIABLE_STATUS_CODES], retryOnStatusCodes: [502, 503] },
    });
    const manifests = Testing.synth(chart);
    validateManifests(manifests, 'experimental');
    // THEN
    const rule = ruleOf(manifests, 'HTTPRoute', 'reviews', 'testers');
    expect(rule.retry).toEqual({ attempts: 3, codes: [502, 503] });
    expect(rule.timeouts).toEqual({ request: '10s', backendRequest: '2s' });
  });

  test('the experimental retry fails the standard channel CRD', () => {
    // GIVEN
    const { chart, route } = service({ provider: experimental() });
    // WHEN
    route('testers', { name: 'testers', retries: { attempts: 1, retryOnStatusCodes: [503] } });
    const manifests = Testing.synth(chart);
    // THEN
    expect(() => validateManifests(manifests)).toThrow(/retry/);
  });
});

describe('Gateway API provider: resilience settings it cannot express fail in the constructor', () => {
  const who = 'HeaderMatchRoute \'testers\': the Gateway API provider';

  test('fails on fault injection', () => {
    const { route } = service();
    expect(() => route('testers', { fault: FaultInjection.abort({ httpStatus: 503, percent: 50 }) })).toThrow(
      `${who} cannot inject faults (abort with 503 for 50% of requests on the route): the Gateway API has no fault injection filter; remove fault, or use TrafficProvider.istio()`);
  });

  test('fails on a timeout on a GRPCRoute', () => {
    const { route } = service({ protocol: ServiceProtocol.GRPC });
    expect(() => route('testers', { timeout: Duration.seconds(1) })).toThrow(
      `${who} cannot render timeout on the route: a GRPCRoute has no timeouts; remove timeout, or use TrafficProvider.istio()`);
  });

  test('fails on a timeout longer than a Gateway API duration', () => {
    const { route } = service();
    expect(() => route('testers', { timeout: Duration.hours(100_000) })).toThrow(
      `${who} cannot render timeout 360000000000ms on the route: a Gateway API duration is at most 99999h; shorten it, or use TrafficProvider.istio()`);
  });

  test('fails on retries on the standard channel', () => {
    const { route } = service();
    expect(() => route('testers', { retries: { attempts: 2, retryOnStatusCodes: [503] } })).toThrow(
      `${who} renders retries on the route as the HTTPRoute field retry, which only the Gateway API's experimental channel CRD has; `
      + 'install it and use TrafficProvider.gatewayApi({ experimentalChannel: true }), remove retries, or use TrafficProvider.istio()');
  });

  test('fails on retries on a GRPCRoute', () => {
    const { route } = service({ protocol: ServiceProtocol.GRPC, provider: experimental() });
    expect(() => route('testers', { retries: { attempts: 2, retryOnStatusCodes: [503] } })).toThrow(
      `${who} cannot render retries on the route: a GRPCRoute has no retry policy; remove retries, or use TrafficProvider.istio()`);
  });

  test('fails on disabling retries', () => {
    const { route } = service({ provider: experimental() });
    expect(() => route('testers', { retries: { attempts: 0 } })).toThrow(
      `${who} cannot disable retries (retries.attempts 0 on the route): an HTTPRoute retry takes at least 1 attempt, and without one retries are implementation-specific; remove retries, or use TrafficProvider.istio()`);
  });

  test('fails on a retry condition that is not a status code list', () => {
    const { route } = service({ provider: experimental() });
    expect(() => route('testers', { retries: { attempts: 2, retryOn: [RetryCondition.GATEWAY_ERROR, RetryCondition.CONNECT_FAILURE], retryOnStatusCodes: [503] } })).toThrow(
      `${who} cannot retry on gateway-error, connect-failure (retries.retryOn of the route): an HTTPRoute retry lists status codes only; `
      + 'list the codes in retryOnStatusCodes (e.g. [502, 503, 504] for gateway-error), or use TrafficProvider.istio()');
  });

  test('fails on retries without status codes', () => {
    const { route } = service({ provider: experimental() });
    expect(() => route('testers', { retries: { attempts: 2 } })).toThrow(
      `${who} cannot render retries on the route without retryOnStatusCodes: an HTTPRoute retry without codes retries on implementation-specific conditions, not Istio's default ones; set retryOnStatusCodes, or use TrafficProvider.istio()`);
  });

  test('fails on a retried status code outside 400-599', () => {
    const { route } = service({ provider: experimental() });
    expect(() => route('testers', { retries: { attempts: 2, retryOnStatusCodes: [503, 302] } })).toThrow(
      `${who} cannot retry on status 302 (retries.retryOnStatusCodes of the route): an HTTPRoute retry code is from 400 to 599; remove it, or use TrafficProvider.istio()`);
  });

  test('fails on a perTryTimeout longer than the timeout', () => {
    const { route } = service({ provider: experimental() });
    expect(() => route('testers', { timeout: Duration.seconds(1), retries: { attempts: 2, perTryTimeout: Duration.seconds(2), retryOnStatusCodes: [503] } })).toThrow(
      `${who} cannot render retries.perTryTimeout 2000ms longer than timeout 1000ms on the route: it renders as timeouts.backendRequest, which cannot be longer than timeouts.request; make perTryTimeout at most the timeout, or use TrafficProvider.istio()`);
  });

  test('fails on a perTryTimeout longer than a Gateway API duration', () => {
    const { route } = service({ provider: experimental() });
    expect(() => route('testers', { retries: { attempts: 2, perTryTimeout: Duration.hours(100_000), retryOnStatusCodes: [503] } })).toThrow(
      `${who} cannot render retries.perTryTimeout 360000000000ms on the route: a Gateway API duration is at most 99999h; shorten it, or use TrafficProvider.istio()`);
  });

  test('fails on an Envoy variable in a header value', () => {
    const { route } = service();
    expect(() => route('testers', { headers: { requestSet: { 'x-host': '%HOSTNAME%' } } })).toThrow(
      `${who} cannot render the Envoy variable in headers.requestSet["x-host"] "%HOSTNAME%" of the route: Gateway API header values are literal; use a literal value (%% for '%'), or use TrafficProvider.istio()`);
  });

  test('fails on an empty header value', () => {
    const { route } = service();
    expect(() => route('testers', { headers: { responseAdd: { 'x-empty': '' } } })).toThrow(
      `${who} cannot render headers.responseAdd["x-empty"] of the route: a Gateway API header value has 1 to 4096 characters, got 0; change it, or use TrafficProvider.istio()`);
  });

  test('fails on more than 16 headers set', () => {
    const { route } = service();
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`x-h${i}`, '1']));
    expect(() => route('testers', { headers: { responseSet: many } })).toThrow(
      `${who} cannot render 17 headers in headers.responseSet of the route: a header modifier takes at most 16; remove some, or use TrafficProvider.istio()`);
  });

  test('fails on a header name longer than 256 characters', () => {
    const { route } = service();
    const long = `x-${'a'.repeat(255)}`;
    expect(() => route('testers', { headers: { requestAdd: { [long]: '1' } } })).toThrow(
      `${who} cannot render the header name "${long}" (headers.requestAdd of the route): a Gateway API header name has at most 256 characters; shorten it, or use TrafficProvider.istio()`);
  });

  test('fails on more than 16 request headers removed, counting the untrusted ones', () => {
    const { route } = service();
    const names = Array.from({ length: 17 }, (_, i) => `x-h${i}`);
    expect(() => route('testers', { headers: { requestRemove: names } })).toThrow(
      `${who} cannot remove 17 headers (removeRequestHeaders and headers.requestRemove of the route): a header modifier removes at most 16; remove fewer, or use TrafficProvider.istio()`);
  });

  test('fails on one header in two operations of a header modifier', () => {
    const { route } = service();
    expect(() => route('testers', { headers: { requestSet: { 'X-Tester': '1' }, requestRemove: ['x-debug', 'x-tester'] } })).toThrow(
      `${who} cannot set X-Tester and remove request header x-tester on the route: the Gateway API does not say which operation of a header modifier wins; keep one operation per header, or use TrafficProvider.istio()`);
  });

  test('fails on a removed header name longer than 256 characters', () => {
    const { route } = service();
    const long = `x-${'a'.repeat(255)}`;
    expect(() => route('testers', { headers: { responseRemove: [long] } })).toThrow(
      `${who} cannot render the header name "${long}" (headers.responseRemove of the route): a Gateway API header name has at most 256 characters; shorten it, or use TrafficProvider.istio()`);
  });
});

describe('GatewayApiReader: resilience settings', () => {
  test('reads back timeouts, retries and header operations as the model has them', () => {
    // GIVEN
    const { chart, svc, route } = service({ provider: experimental() });
    const testers = route('testers', {
      name: 'testers',
      timeout: Duration.seconds(10),
      retries: { attempts: 3, perTryTimeout: Duration.millis(2500), retryOnStatusCodes: [503] },
      headers: { requestSet: { 'x-discount': '10%%' }, requestAdd: { 'x-a': '1' }, requestRemove: ['x-debug'], responseSet: { 'x-v': '2' }, responseAdd: { 'x-b': '2' }, responseRemove: ['server'] },
    });
    const manifests = Testing.synth(chart);
    validateManifests(manifests, 'experimental');
    // WHEN
    const { routings } = GatewayApiReader.read(manifests);
    // THEN
    const read = routings[0].rules.find(r => r.name === 'testers')!;
    expect(read.timeout!.toMilliseconds()).toBe(10_000);
    expect(read.retries!.perTryTimeout!.toMilliseconds()).toBe(2500);
    expect({ ...read.retries, perTryTimeout: undefined }).toEqual({ attempts: 3, retryOnStatusCodes: [503], perTryTimeout: undefined });
    expect(read.removeRequestHeaders).toEqual(['x-debug']);
    const { requestRemove, ...rest } = testers.rule.headers!;
    expect(requestRemove).toEqual(['x-debug']);
    expect(read.headers).toEqual(rest);
    expect(svc.routing.rules.length).toBe(routings[0].rules.length);
  });

  test('warns about a retry without attempts or codes, and about backoff', () => {
    // GIVEN
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'reviews' },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }],
        rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }], retry: { backoff: '100ms' }, timeouts: { request: '0s' } }],
      },
    };
    validateManifests([route], 'experimental');
    // WHEN
    const { routings, warnings } = GatewayApiReader.read([route]);
    // THEN
    expect(warnings.map(w => w.message)).toEqual(expect.arrayContaining([
      'rules[0]: retry without attempts retries an implementation-specific number of times; modelled as 2 (Istio\'s default)',
      'rules[0]: retry without codes retries on implementation-specific conditions; modelled as the provider\'s default conditions',
      'rules[0]: retry.backoff is not modelled; ignored',
    ]));
    expect(routings[0].rules[0].retries).toEqual({ attempts: 2 });
    expect(routings[0].rules[0].timeout).toBeUndefined();
  });
});

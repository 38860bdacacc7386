import { Testing } from 'cdk8s';
import {
  BlueGreenService, CanaryService, CanaryServiceProps, Color, HeaderMatchRoute, RequestMatch, ServiceProtocol, StringMatch, TrafficProvider,
} from '../../../src';
import { find, synthValid } from '../../util';

const gw = () => TrafficProvider.gatewayApi();
const base: CanaryServiceProps = {
  port: 9080,
  stable: { version: 'v1', image: 'reviews:1' },
  canary: { version: 'v2', image: 'reviews:2' },
  extraVersions: [{ version: 'v3', image: 'reviews:3' }],
  provider: gw(),
};

function service(extra: Partial<CanaryServiceProps> = {}) {
  const chart = Testing.chart();
  const svc = new CanaryService(chart, 'reviews', { ...base, ...extra });
  const route = (id: string, matches: RequestMatch[], version = 'v2', gateways?: string[]) =>
    new HeaderMatchRoute(chart, id, { target: svc, matches, version, gateways });
  return { chart, svc, route };
}

const header = (name: string, value: string) => RequestMatch.header(name, StringMatch.exact(value));

describe('Gateway API provider: what it cannot express fails in the constructor', () => {
  test('fails on a JWT claim match', () => {
    const { route } = service({ gateways: ['istio-system/public'], hosts: ['reviews.example.com'], includeMesh: false });
    expect(() => route('beta', [RequestMatch.jwtClaim('groups', StringMatch.exact('beta'))])).toThrow(
      'HeaderMatchRoute \'beta\': the Gateway API provider cannot match JWT claims (JWT claim groups exact "beta" in the route); '
      + 'use TrafficProvider.istio() or a header your gateway sets after authentication');
  });

  test('fails on withoutHeader', () => {
    const { route } = service();
    expect(() => route('nobeta', [RequestMatch.withoutHeader('x-beta')])).toThrow(
      'HeaderMatchRoute \'nobeta\': the Gateway API provider cannot match a header\'s absence or mismatch (header x-beta absent in the route): '
      + 'HTTPRoute header matches cannot be negated; use TrafficProvider.istio(), or match a value of the header');
  });

  test('fails on a source label match', () => {
    const { route } = service();
    expect(() => route('frontend', [RequestMatch.sourceLabel('app', 'frontend')])).toThrow(
      'HeaderMatchRoute \'frontend\': the Gateway API provider cannot match the calling workload\'s labels (source label app=frontend in the route); '
      + 'use TrafficProvider.istio(), or a header the calling workload sets');
  });

  test('fails on a method match for gRPC', () => {
    const { route } = service({ protocol: ServiceProtocol.GRPC });
    expect(() => route('post', [RequestMatch.method('POST')])).toThrow(
      'HeaderMatchRoute \'post\': the Gateway API provider cannot match the HTTP method of gRPC traffic (method POST in the route): '
      + 'a GRPCRoute matches services and methods; match the path /<service>/<method>, or use TrafficProvider.istio()');
  });

  test('fails on a query parameter match for gRPC', () => {
    const { route } = service({ protocol: ServiceProtocol.GRPC });
    expect(() => route('q', [RequestMatch.queryParam('a', StringMatch.exact('1'))])).toThrow(
      'HeaderMatchRoute \'q\': the Gateway API provider cannot match query parameters of gRPC traffic (query a exact "1" in the route); match a header, or use TrafficProvider.istio()');
  });

  test('fails on a gRPC path that is not a service or method', () => {
    const { route } = service({ protocol: ServiceProtocol.GRPC });
    expect(() => route('p', [RequestMatch.uri(StringMatch.regex('/helloworld\\..*'))])).toThrow(
      'HeaderMatchRoute \'p\': the Gateway API provider cannot match uri regex "/helloworld\\\\..*" on gRPC traffic (in the route): '
      + 'a GRPCRoute matches an exact path /<service>/<method> or a prefix /<service>/; use one of those, or TrafficProvider.istio()');
  });

  test('fails on an exact path the HTTPRoute schema rejects', () => {
    const { route } = service();
    expect(() => route('p', [RequestMatch.uri(StringMatch.exact('/a//b'))])).toThrow(
      'HeaderMatchRoute \'p\': the Gateway API provider cannot match uri exact "/a//b" (in the route): an Exact path must be an absolute, normalized path '
      + '(\'/\' first; no \'//\', \'/./\', \'/../\', \'%2f\' or \'#\'); use such a path, StringMatch.regex(), or TrafficProvider.istio()');
  });

  test('fails on more than 64 matches in a rule', () => {
    const { route } = service();
    const matches = Array.from({ length: 65 }, (_, i) => header('x-user', `u${i}`));
    expect(() => route('many', matches)).toThrow(
      'HeaderMatchRoute \'many\': the Gateway API provider cannot render the route with 65 matches: a route rule takes at most 64; split it into several routes, or use TrafficProvider.istio()');
  });

  test('fails on more than 16 header conditions in a match', () => {
    const { route } = service();
    const all = RequestMatch.all(...Array.from({ length: 17 }, (_, i) => header(`x-h${i}`, '1')));
    expect(() => route('wide', [all])).toThrow(/HeaderMatchRoute 'wide': the Gateway API provider cannot render the match \(.*\) of the route: a match takes at most 16 header and 16 query parameter conditions; split it, or use TrafficProvider.istio\(\)/);
  });

  test('fails on more than 16 rules in a route', () => {
    const { route } = service();
    for (let i = 0; i < 15; i++) route(`r${i}`, [header('x-user', `u${i}`)]);
    expect(() => route('r15', [header('x-user', 'u15')])).toThrow(
      'HeaderMatchRoute \'r15\': the Gateway API provider cannot render more than 16 rules in one route, got 17 with the route; remove a route, or use TrafficProvider.istio()');
  });

  test('fails on more than 128 matches in a route (the CRD\'s CEL rule: "<= 128")', () => {
    const { route } = service();
    route('a', Array.from({ length: 64 }, (_, i) => header('x-a', `u${i}`)));
    // 64 + 63 + the default rule's match: 128, which the CRD accepts
    route('b', Array.from({ length: 63 }, (_, i) => header('x-b', `u${i}`)));
    expect(() => route('c', [header('x-c', 'u')])).toThrow(
      'HeaderMatchRoute \'c\': the Gateway API provider cannot render more than 128 matches in one route, got 129 with the route; remove matches, or use TrafficProvider.istio()');
  });

  test('a route of exactly 128 matches is valid against the HTTPRoute CRD and its CEL rules', () => {
    // GIVEN 64 + 63 header matches and the default rule
    const { chart, route } = service();
    route('a', Array.from({ length: 64 }, (_, i) => header('x-a', `u${i}`)));
    route('b', Array.from({ length: 63 }, (_, i) => header('x-b', `u${i}`)));
    // WHEN synthesized THEN valid (synthValid runs the CRD's CEL rules), with 128 matches
    const httpRoute = synthValid(chart).find((o: any) => o.kind === 'HTTPRoute');
    expect(httpRoute.spec.rules.reduce((n: number, r: any) => n + (r.matches?.length ?? 1), 0)).toBe(128);
  });

  test('fails on mirroring part of gRPC traffic', () => {
    expect(() => service({ protocol: ServiceProtocol.GRPC, mirrorPercent: 10 })).toThrow(
      'CanaryService \'reviews\': the Gateway API provider cannot mirror 10% of gRPC traffic: a GRPCRoute RequestMirror filter copies every request; mirror 100, or use TrafficProvider.istio()');
  });

  test('fails on a mirror percent with more than 6 decimal places', () => {
    expect(() => service({ mirrorPercent: 0.00000001 })).toThrow(
      'CanaryService \'reviews\': the Gateway API provider cannot mirror 1e-8% of traffic: the RequestMirror fraction takes at most 6 decimal places of a percent; round mirrorPercent, or use TrafficProvider.istio()');
  });

  test('fails on a rule restricted to some of the Gateways', () => {
    const { route } = service({ gateways: ['istio-system/a', 'istio-system/b'], hosts: ['reviews.example.com'] });
    expect(() => route('a-only', [header('x-a', '1')], 'v2', ['istio-system/a'])).toThrow(
      'HeaderMatchRoute \'a-only\': the Gateway API provider cannot restrict the route to some of the service\'s Gateways (istio-system/a of istio-system/a, istio-system/b): '
      + 'all Gateway parents of one HTTPRoute share its rules; list all of them or \'mesh\' only, or use TrafficProvider.istio()');
  });

  test('fails on a host that is not a DNS name', () => {
    // Refused for every provider now, before the provider's own check (test/hostile/synth.test.ts).
    expect(() => service({ gateways: ['public'], hosts: ['10.0.0.1:80'] })).toThrow(
      'CanaryService \'reviews\': hosts[0] must be a lowercase DNS-1123 subdomain (labels of a-z, 0-9 and \'-\' separated by \'.\', at most 253 characters), optionally after a leading "*.", got "10.0.0.1:80"');
  });

  test('fails on more than 16 hosts', () => {
    const hosts = Array.from({ length: 17 }, (_, i) => `h${i}.example.com`);
    expect(() => service({ gateways: ['public'], hosts })).toThrow(
      'CanaryService \'reviews\': the Gateway API provider cannot serve more than 16 hosts in one route, got 17; split the service, or use TrafficProvider.istio()');
  });

  test('fails on hosts for in-mesh traffic only', () => {
    expect(() => service({ hosts: ['reviews.example.internal'] })).toThrow(
      'CanaryService \'reviews\': the Gateway API provider cannot route further hosts (reviews.example.internal) for in-mesh traffic: a GAMMA HTTPRoute is attached to the service\'s own Service; '
      + 'set gateways to serve them at a Gateway, or use TrafficProvider.istio()');
  });

  test('fails on a preview host that is not a DNS name', () => {
    expect(() => new BlueGreenService(Testing.chart(), 'api', {
      port: 80,
      blue: { version: 'blue', image: 'a' },
      green: { version: 'green', image: 'a' },
      active: Color.BLUE,
      gateways: ['public'],
      hosts: ['api.example.com'],
      previewHost: 'Preview_Host',
      provider: gw(),
    })).toThrow('BlueGreenService \'api\': the Gateway API provider cannot serve previewHost "Preview_Host": an HTTPRoute hostname is a lower-case DNS name, optionally prefixed with \'*.\', and no IP address; use a DNS name, or TrafficProvider.istio()');
  });
});

describe('Gateway API provider: first-match order against Gateway API precedence', () => {
  test('renders a later rule with more header matches after the intersection that keeps the earlier one first', () => {
    // GIVEN jason first, then jason on mobile: Gateway API prefers the two-header match
    const { chart, route } = service();
    route('jason', [header('end-user', 'jason')]);
    route('jason-mobile', [RequestMatch.all(header('end-user', 'jason'), header('x-device', 'mobile'))], 'v3');
    // WHEN
    const rules = find(synthValid(chart), 'HTTPRoute', 'reviews').spec.rules;
    // THEN jason also takes jason on mobile, with as many header matches as jason-mobile, listed first
    expect(rules.map((r: any) => [r.name, r.matches])).toEqual([
      ['jason', [
        { headers: [{ name: 'end-user', type: 'Exact', value: 'jason' }] },
        { headers: [{ name: 'end-user', type: 'Exact', value: 'jason' }, { name: 'x-device', type: 'Exact', value: 'mobile' }] },
      ]],
      ['jason-mobile', [{ headers: [{ name: 'end-user', type: 'Exact', value: 'jason' }, { name: 'x-device', type: 'Exact', value: 'mobile' }] }]],
      [undefined, undefined],
    ]);
  });

  test('fails on a path regex before the default rule: its precedence is implementation-specific', () => {
    const { route } = service();
    expect(() => route('api', [RequestMatch.uri(StringMatch.prefix('/api'))])).toThrow(
      'HeaderMatchRoute \'api\': the Gateway API provider cannot keep the first-match order of the route: the default rule (every request) comes after rule "api" (uri prefix "/api"), '
      + 'but the Gateway API may prefer it (the precedence of a RegularExpression path is implementation-specific), so a request with uri prefix "/api" would reach the default rule instead of rule "api"; '
      + 'use StringMatch.pathPrefix() or StringMatch.exact() for the path (a character prefix renders as a RegularExpression path), or TrafficProvider.istio()');
  });

  test('accepts a more specific later rule that is disjoint from the earlier one', () => {
    // GIVEN jason, then the two-header match for another user: no request satisfies both
    const { chart, route } = service();
    route('jason', [header('end-user', 'jason')]);
    route('kim-mobile', [RequestMatch.all(header('end-user', 'kim'), header('x-device', 'mobile'))], 'v3');
    // WHEN / THEN both render, in model order
    expect(find(synthValid(chart), 'HTTPRoute', 'reviews').spec.rules.map((r: any) => r.name)).toEqual(['jason', 'kim-mobile', undefined]);
  });

  test('accepts a more specific later rule that sends traffic where the earlier one does', () => {
    const { chart, route } = service();
    route('jason', [header('end-user', 'jason')]);
    route('jason-mobile', [RequestMatch.all(header('end-user', 'jason'), header('x-device', 'mobile'))]);
    expect(find(synthValid(chart), 'HTTPRoute', 'reviews').spec.rules).toHaveLength(3);
  });

  test('accepts an exact path and a root prefix before the default rule', () => {
    const { chart, route } = service();
    route('exact', [RequestMatch.uri(StringMatch.exact('/reviews/1'))]);
    route('root', [RequestMatch.all(RequestMatch.uri(StringMatch.prefix('/')), header('x-a', '1'))], 'v3');
    expect(find(synthValid(chart), 'HTTPRoute', 'reviews').spec.rules[1].matches[0].path).toEqual({ type: 'PathPrefix', value: '/' });
  });
});

describe('TrafficProvider', () => {
  test('names its provider', () => {
    expect(TrafficProvider.istio().name).toBe('istio');
    expect(TrafficProvider.gatewayApi().name).toBe('gateway-api');
  });

  test('fails on a waypoint that is not a DNS label', () => {
    expect(() => TrafficProvider.gatewayApi({ waypoint: 'Way_Point' })).toThrow(/^TrafficProvider.gatewayApi: waypoint must be/);
  });

  test('fails on a non-boolean experimentalChannel', () => {
    expect(() => TrafficProvider.gatewayApi({ experimentalChannel: 'yes' as any })).toThrow('TrafficProvider.gatewayApi: experimentalChannel must be true or false, got "yes"');
  });

  test('fails on options that are not an object', () => {
    expect(() => TrafficProvider.gatewayApi(null as any)).toThrow('TrafficProvider.gatewayApi: options must be GatewayApiProviderOptions, got null');
  });

  test('fails on a provider that is not a TrafficProvider', () => {
    expect(() => new CanaryService(Testing.chart(), 'a', { ...base, provider: 'istio' as any })).toThrow(
      'CanaryService \'a\': provider must be TrafficProvider.istio() or TrafficProvider.gatewayApi(), got "istio"');
  });
});

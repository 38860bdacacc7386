import { Chart, Testing } from 'cdk8s';
import {
  BlueGreenService, CanaryService, ClientOs, Color, GatewayApiReader, HeaderMatchRoute, IstioReader, RequestMatch, RouteSimulator, ServiceProtocol,
  StringMatch, TrafficProvider,
} from '../../../src';
import { find, inventory, synthValid, validateManifests } from '../../util';

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;

function reviews(chart: Chart, extra: Record<string, unknown> = {}): CanaryService {
  return new CanaryService(chart, 'reviews', {
    port: 9080,
    stable: { version: 'v1', image: image('v1') },
    canary: { version: 'v2', image: image('v2') },
    extraVersions: [{ version: 'v3', image: image('v3') }],
    canaryWeight: 20,
    provider: TrafficProvider.gatewayApi(),
    ...extra,
  });
}

describe('Gateway API provider: objects', () => {
  test('renders per-version Services and an HTTPRoute attached to the app Service', () => {
    // GIVEN a canary at 20% with the Gateway API provider
    const chart = Testing.chart();
    const svc = reviews(chart);
    // WHEN
    const m = synthValid(chart);
    // THEN Deployments, the app Service, one Service per version, then the HTTPRoute
    expect(inventory(m)).toEqual([
      'Deployment/reviews-v1', 'Deployment/reviews-v2', 'Deployment/reviews-v3', 'Service/reviews',
      'Service/reviews-v1', 'Service/reviews-v2', 'Service/reviews-v3', 'HTTPRoute/reviews',
    ]);
    expect(find(m, 'Service', 'reviews-v2').spec.selector).toEqual({ app: 'reviews', version: 'v2' });
    expect(find(m, 'Service', 'reviews').spec.selector).toEqual({ app: 'reviews' });
    const route = find(m, 'HTTPRoute', 'reviews');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'reviews', port: 9080 }]);
    expect(route.spec.hostnames).toBeUndefined();
    expect(route.spec.rules).toEqual([{
      backendRefs: [{ name: 'reviews-v1', port: 9080, weight: 80 }, { name: 'reviews-v2', port: 9080, weight: 20 }],
    }]);
    expect(svc.virtualService).toBeUndefined();
    expect(svc.destinationRule).toBeUndefined();
    expect(svc.routingObjects.map(o => `${o.kind}/${o.name}`)).toEqual(['Service/reviews-v1', 'Service/reviews-v2', 'Service/reviews-v3', 'HTTPRoute/reviews']);
  });

  test('renders matches, rule names and a lone backend without weight, in model order', () => {
    // GIVEN path, method and query, then header, cookie and client OS routes
    const chart = Testing.chart();
    const svc = reviews(chart);
    new HeaderMatchRoute(chart, 'api', {
      target: svc,
      matches: [RequestMatch.all(RequestMatch.uri(StringMatch.exact('/reviews/0')), RequestMatch.method('GET'), RequestMatch.queryParam('debug', StringMatch.exact('1')))],
      version: 'v3',
    });
    new HeaderMatchRoute(chart, 'jason', { target: svc, matches: [RequestMatch.header('end-user', StringMatch.exact('jason'))], version: 'v2' });
    new HeaderMatchRoute(chart, 'beta', { target: svc, matches: [RequestMatch.cookie('beta', 'true')], version: 'v3' });
    new HeaderMatchRoute(chart, 'mac', { target: svc, matches: [RequestMatch.clientOs(ClientOs.MACOS)], version: 'v3' });
    // WHEN
    const rules = find(synthValid(chart), 'HTTPRoute', 'reviews').spec.rules;
    // THEN
    expect(rules.map((r: any) => r.name)).toEqual(['api', 'jason', 'beta', 'mac', undefined]);
    expect(rules[0].matches).toEqual([{ path: { type: 'Exact', value: '/reviews/0' }, method: 'GET', queryParams: [{ name: 'debug', type: 'Exact', value: '1' }] }]);
    expect(rules[1]).toEqual({ name: 'jason', matches: [{ headers: [{ name: 'end-user', type: 'Exact', value: 'jason' }] }], backendRefs: [{ name: 'reviews-v2', port: 9080 }] });
    expect(rules[2].matches[0].headers[0]).toMatchObject({ name: 'cookie', type: 'RegularExpression' });
    expect(rules[3].matches[0].headers[0]).toMatchObject({ name: 'user-agent', type: 'RegularExpression' });
  });

  test('renders prefix and presence as anchored regular expressions, and a character path prefix as a path regex', () => {
    // GIVEN a header prefix, a header presence and a path prefix
    const chart = Testing.chart();
    const svc = reviews(chart);
    new HeaderMatchRoute(chart, 'p', { target: svc, matches: [RequestMatch.header('x-group', StringMatch.prefix('qa.'))], version: 'v3' });
    new HeaderMatchRoute(chart, 'q', { target: svc, matches: [RequestMatch.headerPresent('x-debug')], version: 'v3' });
    // WHEN
    const rules = find(synthValid(chart), 'HTTPRoute', 'reviews').spec.rules;
    // THEN
    expect(rules[0].matches[0].headers).toEqual([{ name: 'x-group', type: 'RegularExpression', value: 'qa\\..*' }]);
    expect(rules[1].matches[0].headers).toEqual([{ name: 'x-debug', type: 'RegularExpression', value: '.*' }]);
  });

  test('renders the mirror as a RequestMirror filter with percent, or a fraction', () => {
    // GIVEN mirroring 10% and 0.5%
    const chart = Testing.chart();
    new CanaryService(chart, 'a', { port: 80, stable: { version: 'v1', image: 'a' }, canary: { version: 'v2', image: 'a' }, mirrorPercent: 10, provider: TrafficProvider.gatewayApi() });
    new CanaryService(chart, 'b', { port: 80, stable: { version: 'v1', image: 'b' }, canary: { version: 'v2', image: 'b' }, mirrorPercent: 0.5, provider: TrafficProvider.gatewayApi() });
    // WHEN
    const m = synthValid(chart);
    // THEN
    expect(find(m, 'HTTPRoute', 'a').spec.rules[0].filters).toEqual([{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'a-v2', port: 80 }, percent: 10 } }]);
    expect(find(m, 'HTTPRoute', 'b').spec.rules[0].filters[0].requestMirror.fraction).toEqual({ numerator: 5, denominator: 1000 });
  });

  test('attaches to the app Service and every Gateway, with hostnames only at the Gateways', () => {
    // GIVEN a service at two gateways, without and with public hosts
    const chart = Testing.chart();
    new CanaryService(chart, 'a', { port: 80, stable: { version: 'v1', image: 'a' }, gateways: ['istio-system/public', 'internal'], hosts: ['a.example.com'], provider: TrafficProvider.gatewayApi() });
    new CanaryService(chart, 'b', { port: 80, stable: { version: 'v1', image: 'b' }, gateways: ['istio-system/public'], hosts: ['b.example.com'], provider: TrafficProvider.gatewayApi() });
    new CanaryService(chart, 'c', { port: 80, stable: { version: 'v1', image: 'c' }, gateways: ['istio-system/public'], includeMesh: false, hosts: ['c.example.com'], provider: TrafficProvider.gatewayApi() });
    // WHEN
    const m = synthValid(chart);
    // THEN the Service parent in one route, every Gateway parent in the other
    expect(find(m, 'HTTPRoute', 'a').spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'a', port: 80 }]);
    expect(find(m, 'HTTPRoute', 'a-gateway').spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'istio-system', name: 'public' },
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'internal' },
    ]);
    // hosts apply at Gateways only: a second route carries them
    expect(find(m, 'HTTPRoute', 'b').spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'b', port: 80 }]);
    expect(find(m, 'HTTPRoute', 'b').spec.hostnames).toBeUndefined();
    expect(find(m, 'HTTPRoute', 'b-gateway').spec).toMatchObject({ hostnames: ['b.example.com'], parentRefs: [{ kind: 'Gateway', namespace: 'istio-system', name: 'public' }] });
    // without mesh, one Gateway route
    expect(find(m, 'HTTPRoute', 'c').spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'istio-system', name: 'public' }]);
    expect(find(m, 'HTTPRoute', 'c').spec.hostnames).toEqual(['c.example.com']);
  });

  test('renders mesh-only rules and untrusted headers as a second route for the Gateways', () => {
    // GIVEN untrusted x-beta, routed in-mesh only
    const chart = Testing.chart();
    const svc = reviews(chart, { gateways: ['istio-system/public'], hosts: ['reviews.example.com'], untrustedHeaders: ['x-beta'] });
    new HeaderMatchRoute(chart, 'beta', { target: svc, matches: [RequestMatch.header('x-beta', StringMatch.exact('1'))], version: 'v3' });
    // WHEN
    const m = synthValid(chart);
    // THEN the mesh route has the cohort, the Gateway route removes the header
    const mesh = find(m, 'HTTPRoute', 'reviews').spec;
    expect(mesh.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'reviews', port: 9080 }]);
    expect(mesh.rules.map((r: any) => r.name)).toEqual(['beta', undefined]);
    const gw = find(m, 'HTTPRoute', 'reviews-gateway').spec;
    expect(gw.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'istio-system', name: 'public' }]);
    expect(gw.rules[0]).toMatchObject({ name: 'gateway-default', filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['x-beta'] } }] });
    expect(gw.rules.map((r: any) => r.name)).toEqual(['gateway-default', undefined]);
  });

  test('renders a GRPCRoute for gRPC, matching services and methods', () => {
    // GIVEN a gRPC service with a method route
    const chart = Testing.chart();
    const svc = new CanaryService(chart, 'greeter', {
      port: 50051, protocol: ServiceProtocol.GRPC, stable: { version: 'v1', image: 'g' }, canary: { version: 'v2', image: 'g' }, canaryWeight: 10, provider: TrafficProvider.gatewayApi(),
    });
    new HeaderMatchRoute(chart, 'hello', { target: svc, matches: [RequestMatch.all(RequestMatch.uri(StringMatch.exact('/helloworld.Greeter/SayHello')), RequestMatch.header('x-team', StringMatch.exact('a')))], version: 'v2' });
    // WHEN
    const m = synthValid(chart);
    // THEN
    const route = find(m, 'GRPCRoute', 'greeter');
    expect(route.spec.rules[0].matches).toEqual([{ method: { type: 'Exact', service: 'helloworld.Greeter', method: 'SayHello' }, headers: [{ name: 'x-team', type: 'Exact', value: 'a' }] }]);
    expect(route.spec.rules[1].backendRefs).toEqual([{ name: 'greeter-v1', port: 50051, weight: 90 }, { name: 'greeter-v2', port: 50051, weight: 10 }]);
    expect(find(m, 'Service', 'greeter-v1').spec.ports[0].name).toBe('grpc');
  });

  test('labels every Service for the waypoint and renders a DestinationRule per version Service for trafficPolicy', () => {
    // GIVEN Istio ambient with a waypoint and a traffic policy
    const chart = Testing.chart();
    new CanaryService(chart, 'a', {
      port: 80,
      stable: { version: 'v1', image: 'a' },
      provider: TrafficProvider.gatewayApi({ waypoint: 'waypoint' }),
      trafficPolicy: { connectionPool: { maxConnections: 100 } },
    });
    // WHEN
    const m = synthValid(chart);
    // THEN
    expect(find(m, 'Service', 'a').metadata.labels['istio.io/use-waypoint']).toBe('waypoint');
    expect(find(m, 'Service', 'a-v1').metadata.labels['istio.io/use-waypoint']).toBe('waypoint');
    const dr = find(m, 'DestinationRule', 'a-v1');
    expect(dr.spec).toEqual({ host: 'a-v1', trafficPolicy: { connectionPool: { tcp: { maxConnections: 100 } } } });
  });

  test('blue-green: preview match, preview host and Argo CD waves', () => {
    // GIVEN a blue-green service at a Gateway with a preview host
    const chart = Testing.chart();
    const bg = new BlueGreenService(chart, 'api', {
      port: 8080,
      blue: { version: 'blue', image: 'api:1' },
      green: { version: 'green', image: 'api:2' },
      active: Color.BLUE,
      gateways: ['istio-system/public'],
      includeMesh: false,
      hosts: ['api.example.com'],
      previewHost: 'preview.api.example.com',
      previewMatch: RequestMatch.header('x-preview', StringMatch.exact('true')),
      argoCdSyncWaves: true,
      provider: TrafficProvider.gatewayApi(),
    });
    // WHEN
    const m = synthValid(chart);
    // THEN
    const route = find(m, 'HTTPRoute', 'api');
    expect(route.spec.rules.map((r: any) => r.backendRefs[0].name)).toEqual(['api-green', 'api-blue']);
    expect(route.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('2');
    expect(find(m, 'Service', 'api-green').metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '0', 'argocd.argoproj.io/sync-options': 'PruneLast=true' });
    const preview = find(m, 'HTTPRoute', 'api-preview');
    expect(preview.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'istio-system', name: 'public' }],
      hostnames: ['preview.api.example.com'],
      rules: [{ name: 'preview', backendRefs: [{ name: 'api-green', port: 8080 }] }],
    });
    expect(bg.previewRoute?.name).toBe('api-preview');
    expect(bg.previewVirtualService).toBeUndefined();
  });

  test('validates against the experimental channel too', () => {
    const chart = Testing.chart();
    reviews(chart);
    expect(() => validateManifests(Testing.synth(chart), 'experimental')).not.toThrow();
  });
});

describe('StringMatch.pathPrefix() on every provider', () => {
  /** The same route, rendered by a provider. */
  function render(provider?: TrafficProvider): any[] {
    const chart = Testing.chart();
    const svc = reviews(chart, { provider });
    new HeaderMatchRoute(chart, 'api', { target: svc, matches: [RequestMatch.all(RequestMatch.uri(StringMatch.pathPrefix('/api/')), RequestMatch.method('GET'))], version: 'v3' });
    return synthValid(chart);
  }

  test('renders as PathPrefix on the Gateway API and as exact or prefix <path>/ on Istio, read back as pathPrefix by both', () => {
    // GIVEN GETs under /api/ (trailing slash ignored) to v3
    // WHEN rendered by both providers
    const gw = render(TrafficProvider.gatewayApi());
    const istio = render();
    // THEN the Gateway API has PathPrefix /api; Istio two matches
    expect(find(gw, 'HTTPRoute', 'reviews').spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/api' }, method: 'GET' }]);
    expect(find(istio, 'VirtualService', 'reviews').spec.http[0].match).toEqual([
      { uri: { exact: '/api' }, method: { exact: 'GET' } },
      { uri: { prefix: '/api/' }, method: { exact: 'GET' } },
    ]);
    // and both read back as one match, printed alike
    const a = IstioReader.read(istio).routings[0];
    const b = GatewayApiReader.read(gw).routings[0];
    expect(a.rules[0].matches!.map(m => m.toString())).toEqual(['uri pathPrefix "/api" and method GET']);
    expect(b.rules[0].matches!.map(m => m.toString())).toEqual(['uri pathPrefix "/api" and method GET']);
    // and the simulator sends whole segments only there
    for (const [path, version] of [['/api', 'v3'], ['/api/', 'v3'], ['/api/v1', 'v3'], ['/apix', undefined], ['/', undefined]]) {
      for (const routings of [[a], [b]]) {
        const e = RouteSimulator.explain({ host: 'reviews', path, method: 'GET' }, routings);
        expect([path, e.destinations.length === 1 ? e.destinations[0].version : undefined]).toEqual([path, version]);
      }
    }
  });
});

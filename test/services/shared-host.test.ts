import { App, Chart, JsonPatch, Testing } from 'cdk8s';
import {
  BlueGreenService, CanaryService, Color, GatewayApiReader, HeaderMatchRoute, IstioReader, RequestMatch, RouteExplanation, RouteSimulator,
  ServiceProtocol, SharedHost, StringMatch, TrafficProvider,
} from '../../src';
import { find, synthValid } from '../util';

const GATEWAY = 'istio-system/public';
const HOST = 'shop.example.com';

type Provider = () => TrafficProvider;
const istio: Provider = () => TrafficProvider.istio();
const gatewayApi: Provider = () => TrafficProvider.gatewayApi();

/** orders (a canary) on /orders, cart (blue-green) on /cart and /orders-feed, at shop.example.com. */
function shop(provider: Provider = istio, ordersWeight = 10, app?: App) {
  const chart = app ? new Chart(app, 'test') : Testing.chart();
  const orders = new CanaryService(chart, 'orders', {
    port: 8080,
    provider: provider(),
    stable: { version: 'v1', image: 'shop/orders:1' },
    canary: { version: 'v2', image: 'shop/orders:2' },
    canaryWeight: ordersWeight,
  });
  const cart = new BlueGreenService(chart, 'cart', {
    port: 8080,
    provider: provider(),
    blue: { version: 'v1', image: 'shop/cart:1' },
    green: { version: 'v2', image: 'shop/cart:2' },
    active: Color.BLUE,
  });
  const host = new SharedHost(chart, 'shop', { hosts: [HOST], gateways: [GATEWAY], provider: provider() });
  host.addPath(StringMatch.prefix('/orders'), orders);
  host.addPath(StringMatch.prefix('/cart'), cart);
  host.addPath(StringMatch.exact('/orders-feed'), cart);
  return { chart, orders, cart, host };
}

/** Where a request goes: host/version=probability, sorted. */
function outcome(e: RouteExplanation): string {
  return e.destinations.map(d => `${d.host}/${d.version ?? '*'}=${d.probability.toFixed(6)}`).sort().join(', ') || 'none';
}

function at(path: string, headers?: Record<string, string>) {
  return { host: HOST, gateway: GATEWAY, path, headers };
}

describe('SharedHost with the Istio provider', () => {
  test('renders a root VirtualService delegating each path to a VirtualService without hosts', () => {
    // GIVEN orders on /orders and cart on /cart and /orders-feed
    const { chart } = shop();

    // WHEN
    const manifests = synthValid(chart);

    // THEN the root binds the host to the gateway, exact paths first, one rule per path
    const root = find(manifests, 'VirtualService', 'shop');
    expect(root.spec.hosts).toEqual([HOST]);
    expect(root.spec.gateways).toEqual([GATEWAY]);
    expect(root.spec.http).toEqual([
      { name: 'cart-2', match: [{ uri: { exact: '/orders-feed' } }], delegate: { name: 'cart-shop-2' } },
      { name: 'orders-1', match: [{ uri: { exact: '/orders' } }, { uri: { prefix: '/orders/' } }], delegate: { name: 'orders-shop' } },
      { name: 'cart-1', match: [{ uri: { exact: '/cart' } }, { uri: { prefix: '/cart/' } }], delegate: { name: 'cart-shop' } },
    ]);
    // AND each delegate has no hosts or gateways, and its matches lie within its root rule's
    const orders = find(manifests, 'VirtualService', 'orders-shop');
    expect(orders.spec.hosts).toBeUndefined();
    expect(orders.spec.gateways).toBeUndefined();
    expect(orders.spec.http).toEqual([{
      match: [{ uri: { exact: '/orders' } }, { uri: { prefix: '/orders/' } }],
      route: [{ destination: { host: 'orders', subset: 'v1' }, weight: 90 }, { destination: { host: 'orders', subset: 'v2' }, weight: 10 }],
    }]);
    expect(find(manifests, 'VirtualService', 'cart-shop-2').spec.http).toEqual([{
      match: [{ uri: { exact: '/orders-feed' } }],
      route: [{ destination: { host: 'cart', subset: 'v1' } }],
    }]);
    // AND each service keeps its own in-mesh VirtualService
    expect(find(manifests, 'VirtualService', 'orders').spec.hosts).toEqual(['orders']);
  });

  test('orders paths: exact first, then prefixes longest first, then regexes as added', () => {
    // GIVEN paths added shortest first
    const chart = Testing.chart();
    const a = new CanaryService(chart, 'a', { port: 80, stable: { version: 'v1', image: 'a' } });
    const b = new CanaryService(chart, 'b', { port: 80, stable: { version: 'v1', image: 'b' } });
    const host = new SharedHost(chart, 'web', { hosts: ['web.example.com'], gateways: ['public'] });
    host.addPath(StringMatch.regex('/r/[0-9]+'), b);
    host.addPath(StringMatch.prefix('/'), a);
    host.addPath(StringMatch.prefix('/api'), a);
    host.addPath(StringMatch.prefix('/api/v2'), b);
    host.addPath(StringMatch.exact('/api'), b);

    // WHEN
    const root = find(synthValid(chart), 'VirtualService', 'web');

    // THEN
    expect(root.spec.http.map((r: any) => r.name)).toEqual(['b-3', 'b-2', 'a-2', 'a-1', 'b-1']);
  });

  test('a header route of a service applies at the shared host on its paths only', () => {
    // GIVEN a header route on orders
    const { chart, orders } = shop();
    new HeaderMatchRoute(chart, 'beta', { target: orders, matches: [RequestMatch.header('x-beta', StringMatch.exact('1'))], version: 'v2' });

    // WHEN
    const manifests = synthValid(chart);

    // THEN its delegate rule is narrowed to /orders
    expect(find(manifests, 'VirtualService', 'orders-shop').spec.http[0].match).toEqual([
      { uri: { exact: '/orders' }, headers: { 'x-beta': { exact: '1' } } },
      { uri: { prefix: '/orders/' }, headers: { 'x-beta': { exact: '1' } } },
    ]);
    // AND read back through the delegation, the request goes where the model says
    const routings = IstioReader.read(manifests).routings;
    const e = RouteSimulator.explain(at('/orders/1', { 'x-beta': '1' }), routings);
    expect(outcome(e)).toBe('orders/v2=1.000000');
    expect(outcome(RouteSimulator.explain(at('/cart', { 'x-beta': '1' }), routings))).toBe('cart/v1=1.000000');
  });
});

describe('SharedHost with the Gateway API provider', () => {
  test('renders one HTTPRoute per service with the shared hostname and path-restricted rules', () => {
    // GIVEN
    const { chart } = shop(gatewayApi);

    // WHEN
    const manifests = synthValid(chart);

    // THEN
    const orders = find(manifests, 'HTTPRoute', 'orders-shop');
    expect(orders.spec.hostnames).toEqual([HOST]);
    expect(orders.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'istio-system', name: 'public' }]);
    expect(orders.spec.rules).toEqual([{
      matches: [{ path: { type: 'PathPrefix', value: '/orders' } }],
      backendRefs: [{ name: 'orders-v1', port: 8080, weight: 90 }, { name: 'orders-v2', port: 8080, weight: 10 }],
    }]);
    expect(find(manifests, 'HTTPRoute', 'cart-shop').spec.rules[0].matches).toEqual([
      { path: { type: 'Exact', value: '/orders-feed' } },
      { path: { type: 'PathPrefix', value: '/cart' } },
    ]);
    // AND no root object
    expect(manifests.filter((o: any) => o.metadata.name === 'shop')).toEqual([]);
  });
});

describe.each([['istio', istio], ['gateway-api', gatewayApi]])('SharedHost (%s)', (_name, provider) => {
  test('a release stage of orders leaves every object of cart byte-identical', () => {
    // GIVEN the shop with orders at 10%, then at 20%
    const before = synthValid(shop(provider, 10).chart);
    const after = synthValid(shop(provider, 20).chart);

    // WHEN
    const changed = after.filter((o: any, i: number) => JSON.stringify(o) !== JSON.stringify(before[i])).map((o: any) => `${o.kind}/${o.metadata.name}`);

    // THEN only orders' routing objects change
    expect(after.length).toBe(before.length);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((n: string) => /\/orders(-|$)/.test(n) && !/orders-feed/.test(n))).toBe(true);
    expect(changed.filter((n: string) => n.includes('cart') || n.endsWith('/shop'))).toEqual([]);
  });

  test('read back and simulated, the rendering agrees with the SharedHost model', () => {
    // GIVEN the shop, with a header route on orders
    const { chart, orders, host } = shop(provider);
    new HeaderMatchRoute(chart, 'beta', { target: orders, matches: [RequestMatch.header('x-beta', StringMatch.exact('1'))], version: 'v2' });
    const manifests = synthValid(chart);

    // WHEN requests to the shared host are simulated on the rendering and on the model
    const read = provider === istio ? IstioReader.read(manifests).routings : GatewayApiReader.read(manifests).routings;
    const model = [host.routing];
    const paths = ['/', '/orders', '/orders/', '/orders/1', '/ordersx', '/orders-feed', '/orders-feed/1', '/cart', '/cart/x', '/cartx', '/other'];

    // THEN both send every request to the same versions
    for (const path of paths) {
      for (const headers of [undefined, { 'x-beta': '1' }]) {
        const request = at(path, headers);
        expect(`${path} ${outcome(RouteSimulator.explain(request, read))}`).toBe(`${path} ${outcome(RouteSimulator.explain(request, model))}`);
      }
    }
    // AND a prefix path is a path-segment prefix
    expect(outcome(RouteSimulator.explain(at('/ordersx'), model))).toBe('none');
    expect(outcome(RouteSimulator.explain(at('/orders/1'), model))).toBe('orders/v1=0.900000, orders/v2=0.100000');
  });

  test('read back and simulated, a later rule that outranks an earlier one keeps the first-match order', () => {
    // GIVEN the shop, with beta testers on orders, then beta testers on mobile to another version
    const { chart, orders, host } = shop(provider);
    new HeaderMatchRoute(chart, 'beta', { target: orders, matches: [RequestMatch.header('x-beta', StringMatch.exact('1'))], version: 'v2' });
    new HeaderMatchRoute(chart, 'beta-mobile', {
      target: orders, matches: [RequestMatch.all(RequestMatch.header('x-beta', StringMatch.exact('1')), RequestMatch.header('x-device', StringMatch.exact('mobile')))], version: 'v1',
    });
    const manifests = synthValid(chart);

    // WHEN requests to the shared host are simulated on the rendering and on the model
    const read = provider === istio ? IstioReader.read(manifests).routings : GatewayApiReader.read(manifests).routings;
    const model = [host.routing];

    // THEN both send every request to the same versions (beta on mobile: v2, the earlier rule)
    for (const path of ['/orders', '/orders/1', '/cart']) {
      for (const headers of [undefined, { 'x-beta': '1' }, { 'x-beta': '1', 'x-device': 'mobile' }, { 'x-device': 'mobile' }] as Array<Record<string, string> | undefined>) {
        const request = at(path, headers);
        expect(`${path} ${JSON.stringify(headers)} ${outcome(RouteSimulator.explain(request, read))}`)
          .toBe(`${path} ${JSON.stringify(headers)} ${outcome(RouteSimulator.explain(request, model))}`);
      }
    }
    expect(outcome(RouteSimulator.explain(at('/orders', { 'x-beta': '1', 'x-device': 'mobile' }), model))).toBe('orders/v2=1.000000');
  });

  test('a regex path that may overlap another path is a warning', () => {
    // GIVEN
    const { chart, orders, host } = shop(provider);
    void chart;

    // WHEN
    host.addPath(StringMatch.regex('/c.*'), orders);

    // THEN
    expect(host.warnings).toEqual([expect.stringContaining('the regex path regex "/c.*" may overlap prefix "/cart"')]);
    expect(host.node.metadata.map(m => m.type)).toEqual(['warning']);
  });
});

describe('SharedHost rejections', () => {
  test('fails when two services have the same path', () => {
    const { orders, host } = shop();
    void orders;
    expect(() => host.addPath(StringMatch.prefix('/cart'), orders))
      .toThrow("SharedHost 'shop': addPath: the path prefix \"/cart\" leads to both BlueGreenService 'cart' and CanaryService 'orders'; give each path one service");
  });

  test('fails when a service gets the same path twice', () => {
    const { orders, host } = shop();
    expect(() => host.addPath(StringMatch.prefix('/orders'), orders))
      .toThrow("SharedHost 'shop': addPath: the path prefix \"/orders\" already leads to CanaryService 'orders'; add it once");
  });

  test('fails when the service uses another provider', () => {
    const chart = Testing.chart();
    const svc = new CanaryService(chart, 'orders', { port: 80, stable: { version: 'v1', image: 'x' }, provider: TrafficProvider.gatewayApi() });
    const host = new SharedHost(chart, 'shop', { hosts: [HOST], gateways: [GATEWAY] });
    expect(() => host.addPath(StringMatch.prefix('/orders'), svc))
      .toThrow("SharedHost 'shop': addPath: CanaryService 'orders' uses the Gateway API provider but the SharedHost uses the Istio provider; give both the same provider");
  });

  test('fails when the service lists the shared host in its own hosts', () => {
    const chart = Testing.chart();
    const svc = new CanaryService(chart, 'orders', { port: 80, stable: { version: 'v1', image: 'x' }, hosts: [HOST], gateways: [GATEWAY] });
    const host = new SharedHost(chart, 'shop', { hosts: [HOST], gateways: [GATEWAY] });
    expect(() => host.addPath(StringMatch.prefix('/orders'), svc))
      .toThrow(`SharedHost 'shop': addPath: CanaryService 'orders' lists the shared host "${HOST}" in its own hosts; remove it from the service's hosts, the SharedHost serves it`);
  });

  test('fails for a prefix path ending with /', () => {
    const { orders, host } = shop();
    expect(() => host.addPath(StringMatch.prefix('/static/'), orders))
      .toThrow('SharedHost \'shop\': addPath: the prefix path prefix "/static/" of CanaryService \'orders\' ends with \'/\'; a prefix path is a path-segment prefix, so write StringMatch.prefix("/static"), which matches it and everything below it');
  });

  test('fails for a path not starting with /', () => {
    const { orders, host } = shop();
    expect(() => host.addPath(StringMatch.exact('login'), orders))
      .toThrow('SharedHost \'shop\': addPath: the path exact "login" of CanaryService \'orders\' must start with \'/\'');
  });

  test('fails for something that is not a service construct', () => {
    const { host } = shop();
    expect(() => host.addPath(StringMatch.exact('/x'), {} as any)).toThrow("SharedHost 'shop': addPath: service must be a CanaryService or a BlueGreenService");
  });

  test('fails for a gRPC service', () => {
    const chart = Testing.chart();
    const svc = new CanaryService(chart, 'orders', { port: 80, protocol: ServiceProtocol.GRPC, stable: { version: 'v1', image: 'x' } });
    const host = new SharedHost(chart, 'shop', { hosts: [HOST], gateways: [GATEWAY] });
    expect(() => host.addPath(StringMatch.prefix('/orders'), svc))
      .toThrow("SharedHost 'shop': addPath: CanaryService 'orders' serves gRPC, which a SharedHost does not route yet; attach HTTP services only");
  });

  test('fails for a service rule that matches the path', () => {
    const chart = Testing.chart();
    const svc = new CanaryService(chart, 'orders', { port: 80, stable: { version: 'v1', image: 'x' }, canary: { version: 'v2', image: 'y' } });
    new HeaderMatchRoute(chart, 'preview', { target: svc, matches: [RequestMatch.uri(StringMatch.prefix('/preview'))], version: 'v2' });
    const host = new SharedHost(chart, 'shop', { hosts: [HOST], gateways: [GATEWAY] });
    expect(() => host.addPath(StringMatch.prefix('/orders'), svc))
      .toThrow("SharedHost 'shop': CanaryService 'orders' has rule \"preview\" matching the path (uri prefix \"/preview\"), which a SharedHost cannot narrow to the service's paths yet; match headers, or route that path with its own addPath");
  });

  test('fails, with the Gateway API, when the paths of a service multiply its matches past the HTTPRoute limits', () => {
    // GIVEN a service whose testers route ORs 22 header values, on 3 paths (66 matches in one rule)
    const chart = Testing.chart();
    const svc = new CanaryService(chart, 'orders', { port: 80, provider: gatewayApi(), stable: { version: 'v1', image: 'x' }, canary: { version: 'v2', image: 'y' } });
    const values = Array.from({ length: 22 }, (_, i) => RequestMatch.header('x-tester', StringMatch.exact(`t${i}`)));
    new HeaderMatchRoute(chart, 'testers', { target: svc, matches: values, version: 'v2' });
    const host = new SharedHost(chart, 'shop', { hosts: [HOST], gateways: [GATEWAY], provider: gatewayApi() });
    host.addPath(StringMatch.prefix('/orders'), svc);
    host.addPath(StringMatch.prefix('/order'), svc);
    host.addPath(StringMatch.exact('/basket'), svc);
    // WHEN synthesized THEN the route's limit is named, not left to the API server
    expect(() => Testing.synth(chart)).toThrow(
      "SharedHost 'shop': the Gateway API provider cannot render rule 0 of HTTPRoute orders-shop with 66 matches (3 paths times 22 matches of CanaryService 'orders'): a route rule takes at most 64");
    // AND with 2 paths (44 + 2 matches) it renders, valid against the CRD
    const ok = Testing.chart();
    const svc2 = new CanaryService(ok, 'orders', { port: 80, provider: gatewayApi(), stable: { version: 'v1', image: 'x' }, canary: { version: 'v2', image: 'y' } });
    new HeaderMatchRoute(ok, 'testers', { target: svc2, matches: values, version: 'v2' });
    const host2 = new SharedHost(ok, 'shop', { hosts: [HOST], gateways: [GATEWAY], provider: gatewayApi() });
    host2.addPath(StringMatch.prefix('/orders'), svc2);
    host2.addPath(StringMatch.exact('/basket'), svc2);
    expect(find(synthValid(ok), 'HTTPRoute', 'orders-shop').spec.rules[0].matches).toHaveLength(44);
  });

  test('fails, with the Gateway API, when the paths multiply the matches of all rules past 128 in one HTTPRoute', () => {
    // GIVEN two tester routes of 21 header values each, on 3 paths (63 + 63 + 3 matches, each rule within 64)
    const chart = Testing.chart();
    const svc = new CanaryService(chart, 'orders', { port: 80, provider: gatewayApi(), stable: { version: 'v1', image: 'x' }, canary: { version: 'v2', image: 'y' } });
    for (const group of ['a', 'b']) {
      const values = Array.from({ length: 21 }, (_, i) => RequestMatch.header(`x-${group}`, StringMatch.exact(`t${i}`)));
      new HeaderMatchRoute(chart, group, { target: svc, matches: values, version: 'v2' });
    }
    const host = new SharedHost(chart, 'shop', { hosts: [HOST], gateways: [GATEWAY], provider: gatewayApi() });
    for (const path of ['/orders', '/order', '/basket']) host.addPath(StringMatch.prefix(path), svc);
    // WHEN synthesized THEN
    expect(() => Testing.synth(chart)).toThrow(
      "SharedHost 'shop': the Gateway API provider cannot render HTTPRoute orders-shop with 129 matches in all (3 paths times the matches of CanaryService 'orders''s rules): a route takes at most 128");
  });

  test('a JSON patch on its objects is analyzed as written: app.synth() fails on a webhook rule the patch breaks', () => {
    // GIVEN the shop, its orders delegate patched with a retry policy without attempts
    const app = Testing.app();
    const { host } = shop(istio, 10, app);
    const delegate = host.routingObjects.find(o => o.name === 'orders-shop')!;
    delegate.addJsonPatch(JsonPatch.add('/spec/http/0/retries', { attempts: 0, retryOn: '5xx' }));
    // WHEN / THEN
    expect(() => app.synth()).toThrow('http retry policy configured when attempts are set to 0 (disabled)');
  });

  test('fails for a provider that cannot serve a shared host', () => {
    const chart = Testing.chart();
    expect(() => new SharedHost(chart, 'shop', { hosts: [HOST], gateways: [GATEWAY], provider: TrafficProvider.ingressNginx() }))
      .toThrow("SharedHost 'shop': the ingress-nginx provider cannot serve a SharedHost: its routing has no gateways to share a host at; use TrafficProvider.istio() or TrafficProvider.gatewayApi()");
    expect(() => new SharedHost(chart, 'plain', { hosts: [HOST], gateways: [GATEWAY], provider: TrafficProvider.kubernetes() }))
      .toThrow('the Kubernetes provider cannot serve a SharedHost');
  });

  test('fails for the mesh gateway, no gateways or no hosts', () => {
    const chart = Testing.chart();
    expect(() => new SharedHost(chart, 'a', { hosts: [HOST], gateways: ['mesh'] }))
      .toThrow("SharedHost 'a': gateways[0] is 'mesh', but a SharedHost serves gateways only (each service's in-mesh routing stays in its own objects); remove it");
    expect(() => new SharedHost(chart, 'b', { hosts: [HOST], gateways: [] })).toThrow("SharedHost 'b': gateways must list at least one gateway, got []");
    expect(() => new SharedHost(chart, 'c', { hosts: [], gateways: [GATEWAY] })).toThrow("SharedHost 'c': hosts must list at least one host name, got []");
  });
});

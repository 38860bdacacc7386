import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { GatewayApiReader, IstioReader, RouteSimulator, StringMatchType, TrafficDiff } from '../../../src';
import { main } from '../../../src/cli/main';
import { validateManifests } from '../../util';
import { JASON_V2, REVIEWS_80_20, reviewsBase } from '../../util/bookinfo';
import { backend, GATEWAY_API, httpRoute, JASON_V2_ROUTE, REVIEWS_80_20_ROUTE, reviewsServices, service } from '../../util/gateway-api-bookinfo';

/** Reads `objects` (validated against their schemas first) and returns the one routing. */
function readOne(objects: any[]) {
  validateManifests(objects);
  const result = GatewayApiReader.read(objects);
  expect(result.routings).toHaveLength(1);
  return { routing: result.routings[0], warnings: result.warnings.map(w => w.message) };
}

/** The version a request goes to (or `host (any pod)`), with its probability. */
function where(routings: any[], request: any): string {
  const e = RouteSimulator.explain({ host: 'reviews', ...request }, routings);
  return e.destinations.map(d => `${d.version ?? `${d.host} (any pod)`}${d.probability < 1 ? ` ${Math.round(d.probability * 100)}%` : ''}`).join(', ') || 'none';
}

describe('GatewayApiReader', () => {
  describe('a parentRef port', () => {
    const onPort = (port: number) => httpRoute([{ backendRefs: [backend('v1')] }], { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port }] });

    test('on the only port of its Service is exact: no warning (what our constructs render)', () => {
      // GIVEN the app Service with one port, 9080, and a route attached to that port
      const { warnings } = readOne([...reviewsServices(['v1']), onPort(9080)]);
      // THEN
      expect(warnings).toEqual([]);
    });

    test('on a Service with several ports applies to that port only: its matches gain the port', () => {
      // GIVEN the app Service with ports 9080 and 9090
      const objects = reviewsServices(['v1']);
      objects[0].spec.ports = [{ port: 9080, name: 'http' }, { port: 9090, name: 'http-admin' }];
      // WHEN the route attaches to 9080 only
      const { routing, warnings } = readOne([...objects, onPort(9080)]);
      // THEN no warning: the rule matches requests on port 9080
      expect(warnings).toEqual([]);
      // (then a 404 on that port when no rule matches, and the Service itself on the others)
      expect(routing.rules.map(r => (r.matches ?? []).map(m => m.toString()))).toEqual([['port 9080'], ['port 9080'], []]);
    });

    test('on a port the Service does not expose is modelled as written (requests on it only)', () => {
      const { routing, warnings } = readOne([...reviewsServices(['v1']), onPort(8080)]);
      expect(warnings).toEqual([]);
      expect(routing.rules.map(r => (r.matches ?? []).map(m => m.toString()))).toEqual([['port 8080'], ['port 8080'], []]);
    });

    test('fails on a port that is not a port number: said, and modelled as every port', () => {
      const route = httpRoute([{ backendRefs: [backend('v1')] }], { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 'http' }] });
      // GIVEN a hostile input the schema rejects (not validated here)
      const result = GatewayApiReader.read([...reviewsServices(['v1']), route]);
      expect(result.warnings.map(w => w.message)).toEqual(['parentRefs[0]: port "http" is not a port number; the route is modelled as applying to every port of Service reviews']);
      expect(result.routings[0].rules[0].matches).toBeUndefined();
    });
  });

  test('check on our own Gateway API output models all of it but the Gateway it does not hold', () => {
    // GIVEN two stages of the Gateway API Bookinfo example (the Gateway itself is the platform's, not in the output)
    const dist = path.join(__dirname, '..', '..', '..', 'examples', 'bookinfo-gateway', 'dist');
    const out: string[] = [];
    const err: string[] = [];
    // WHEN
    const code = main(['check', path.join(dist, 'gateway-api-02-v2-deployed-at-0.k8s.yaml'), path.join(dist, 'gateway-api-03-jason-v2.k8s.yaml')], { out: t => out.push(t), err: t => err.push(t) });
    // THEN it is safe, and what it does not model is only that Gateway (no port of our own Services)
    const notModelled = out.join('\n').split('\nnot modelled:\n')[1]?.split('\n') ?? [];
    expect({ code, verdict: out.join('\n').split('\n')[0], err: err.join('\n') }).toEqual({ code: 0, verdict: 'SAFE: no unsafe step found', err: '' });
    expect(notModelled.length).toBeGreaterThan(0);
    for (const line of notModelled) expect(line).toMatch(/HTTPRoute default\/productpage-bookinfo: parentRefs\[0\]: Gateway default\/bookinfo-gateway is not in the input/);
  });

  test('reads Bookinfo\'s jason route as a GAMMA HTTPRoute: versions from the per-version Services, replicas from the Deployments', () => {
    // GIVEN
    const objects = [...reviewsServices(['v1', 'v2'], { v2: 3 }), JASON_V2_ROUTE];
    // WHEN
    const { routing, warnings } = readOne(objects);
    // THEN
    expect(warnings).toEqual([]);
    expect(routing.host).toBe('reviews');
    expect(routing.gateways).toEqual(['mesh']);
    expect(routing.source).toBe('HTTPRoute default/reviews');
    expect(routing.versions).toEqual([
      { version: 'v1', labels: { version: 'v1' }, replicas: 1 },
      { version: 'v2', labels: { version: 'v2' }, replicas: 3 },
    ]);
    expect(routing.rules.map(r => r.matches?.map(m => m.toString()))).toEqual([['header end-user exact "jason"'], undefined]);
    expect(routing.rules.map(r => r.destinations)).toEqual([[{ version: 'v2', weight: 100 }], [{ version: 'v1', weight: 100 }]]);
  });

  test('orders rules by Gateway API precedence, not list order: Exact path, longest PathPrefix, method, headers, query params', () => {
    // GIVEN: rules listed from least to most specific
    const route = httpRoute([
      { name: 'all', backendRefs: [backend('v1')] },
      { name: 'query', matches: [{ queryParams: [{ name: 'beta', value: 'on' }] }], backendRefs: [backend('v2')] },
      { name: 'headers', matches: [{ headers: [{ name: 'x-a', value: '1' }, { name: 'x-b', value: '1' }] }], backendRefs: [backend('v3')] },
      { name: 'method', matches: [{ method: 'POST' }], backendRefs: [backend('v2')] },
      { name: 'prefix', matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [backend('v3')] },
      { name: 'longer', matches: [{ path: { type: 'PathPrefix', value: '/api/v2' } }], backendRefs: [backend('v2')] },
      { name: 'exact', matches: [{ path: { type: 'Exact', value: '/api' } }], backendRefs: [backend('v1')] },
    ]);
    // WHEN
    const { routing, warnings } = readOne([...reviewsServices(), route]);
    // THEN
    expect(warnings).toEqual([]);
    // (list order where no request can tell: Exact /api and PathPrefix /api/v2 take no request in common)
    expect(routing.rules.map(r => r.name)).toEqual(['longer', 'exact', 'prefix', 'method', 'headers', 'query', 'all']);
    // a POST with both headers and the query parameter takes the method rule; /api/v2/x the longer prefix
    expect(where([routing], { method: 'POST', path: '/?beta=on', headers: { 'x-a': '1', 'x-b': '1' } })).toBe('v2');
    expect(where([routing], { path: '/api/v2/x', method: 'POST' })).toBe('v2');
    expect(where([routing], { path: '/api', method: 'POST' })).toBe('v1');
    expect(where([routing], { path: '/?beta=on', headers: { 'x-a': '1', 'x-b': '1' } })).toBe('v3');
  });

  test('models PathPrefix by path elements: /api matches /api and /api/x, not /apis', () => {
    // GIVEN
    const route = httpRoute([
      { matches: [{ path: { type: 'PathPrefix', value: '/api/' } }], backendRefs: [backend('v2')] },
      { backendRefs: [backend('v1')] },
    ]);
    // WHEN
    const { routing } = readOne([...reviewsServices(), route]);
    // THEN
    expect(['/api', '/api/', '/api/x', '/apis', '/ap'].map(p => where([routing], { path: p }))).toEqual(['v2', 'v2', 'v2', 'v1', 'v1']);
  });

  test('orders matches across routes on the same parent: oldest route first, then namespace/name, then rule order', () => {
    // GIVEN: three routes with equally specific matches for the same header
    const match = [{ headers: [{ name: 'x-team', value: 'qa' }] }];
    const a = httpRoute([{ matches: match, backendRefs: [backend('v1')] }], {}, 'a-route', { creationTimestamp: '2026-03-02T00:00:00Z' });
    const b = httpRoute([{ matches: match, backendRefs: [backend('v2')] }], {}, 'b-route', { creationTimestamp: '2026-03-01T00:00:00Z' });
    const c = httpRoute([{ matches: match, backendRefs: [backend('v3')] }, { backendRefs: [backend('v3')] }], {}, 'c-route');
    const objects = [...reviewsServices(), c, a, b];
    validateManifests(objects.map(o => ({ ...o, metadata: { name: o.metadata.name } }))); // the schema has no creationTimestamp
    // WHEN
    const { routings } = GatewayApiReader.read(objects);
    // THEN: b is the oldest; c has no timestamp yet (not created) and comes last
    expect(routings).toHaveLength(1);
    expect(routings[0].source).toBe('HTTPRoute default/c-route, HTTPRoute default/a-route, HTTPRoute default/b-route');
    expect(routings[0].rules.map(r => r.destinations[0].version)).toEqual(['v2', 'v1', 'v3', 'v3']);
    expect(where(routings, { headers: { 'x-team': 'qa' } })).toBe('v2');
  });

  test('orders routes without timestamps by namespace/name', () => {
    const match = [{ headers: [{ name: 'x-team', value: 'qa' }] }];
    const z = httpRoute([{ matches: match, backendRefs: [backend('v1')] }], {}, 'z');
    const m = httpRoute([{ matches: match, backendRefs: [backend('v2')] }, { backendRefs: [backend('v1')] }], {}, 'm');
    const { routings } = GatewayApiReader.read([...reviewsServices(), z, m]);
    expect(where(routings, { headers: { 'x-team': 'qa' } })).toBe('v2');
  });

  test('reads weights as integer percentages of their sum, the default weight being 1', () => {
    // GIVEN
    const route = httpRoute([{ backendRefs: [backend('v1', 3), backend('v2', 1), backend('v3', 0)] }]);
    // WHEN
    const { routing } = readOne([...reviewsServices(), route]);
    // THEN
    expect(routing.rules[0].destinations).toEqual([{ version: 'v1', weight: 75 }, { version: 'v2', weight: 25 }, { version: 'v3', weight: 0 }]);
    const even = readOne([...reviewsServices(), httpRoute([{ backendRefs: [backend('v1'), backend('v2')] }])]).routing;
    expect(even.rules[0].destinations).toEqual([{ version: 'v1', weight: 50 }, { version: 'v2', weight: 50 }]);
  });

  test('reads a Gateway parent with hostnames and a Service parent into one routing bound to both', () => {
    // GIVEN
    const route = httpRoute([
      { matches: [{ headers: [{ name: 'end-user', value: 'jason' }] }], backendRefs: [backend('v2')] },
      { backendRefs: [backend('v1', 90), backend('v2', 10)] },
    ], {
      parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }, { name: 'public', namespace: 'istio-system' }],
      hostnames: ['reviews.example.com'],
    });
    // WHEN
    const { routing, warnings } = readOne([...reviewsServices(), route]);
    // THEN
    expect(warnings).toEqual(['parentRefs[1]: Gateway istio-system/public is not in the input; the answers assume a listener of it accepts the route for its hostnames']);
    expect(routing.host).toBe('reviews');
    expect(routing.hosts).toEqual(['reviews.example.com']);
    expect(routing.gateways).toEqual(['mesh', 'istio-system/public']);
    expect(routing.rules.every(r => r.gateways === undefined)).toBe(true);
    expect(where([routing], { host: 'reviews.example.com', gateway: 'istio-system/public', headers: { 'end-user': 'jason' } })).toBe('v2');
  });

  test('reads a gateway-only route as the routing of the Service its backends are versions of', () => {
    // GIVEN
    const route = httpRoute([{ backendRefs: [backend('v1', 50), backend('v2', 50)] }], {
      parentRefs: [{ name: 'public', namespace: 'istio-system' }],
      hostnames: ['reviews.example.com'],
    });
    // WHEN
    const { routing } = readOne([...reviewsServices(), route]);
    // THEN
    expect([routing.host, routing.hosts, routing.gateways]).toEqual(['reviews', ['reviews.example.com'], ['istio-system/public']]);
    expect(where([routing], { host: 'reviews.example.com', gateway: 'istio-system/public' })).toBe('v1 50%, v2 50%');
    expect(where([routing], { host: 'reviews.example.com' })).toBe('reviews.example.com (any pod)');
  });

  test('binds the rules of routes attached to different parents to those parents', () => {
    // GIVEN: in-mesh jason to v2; at the gateway everyone to v1, with x-debug removed
    const mesh = httpRoute([
      { matches: [{ headers: [{ name: 'end-user', value: 'jason' }] }], backendRefs: [backend('v2')] },
      { backendRefs: [backend('v1')] },
    ]);
    const edge = httpRoute([{
      filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['X-Debug'] } }],
      backendRefs: [backend('v1')],
    }], { parentRefs: [{ name: 'public', namespace: 'istio-system' }], hostnames: ['reviews.example.com'] }, 'reviews-edge');
    // WHEN
    const { routing } = readOne([...reviewsServices(), mesh, edge]);
    // THEN
    expect(routing.gateways).toEqual(['mesh', 'istio-system/public']);
    // gateway-bound rules first, then the in-mesh ones, whose catch-all no gateway reaches: as the Istio model writes them
    expect(routing.rules.map(r => [r.gateways, r.removeRequestHeaders])).toEqual([[['istio-system/public'], ['x-debug']], [['mesh'], undefined], [undefined, undefined]]);
    expect(where([routing], { headers: { 'end-user': 'jason' } })).toBe('v2');
    expect(where([routing], { host: 'reviews.example.com', gateway: 'istio-system/public', headers: { 'end-user': 'jason' } })).toBe('v1');
  });

  test('reads routes of different parents with the same rules as one set of rules for both', () => {
    // GIVEN: in-mesh and at the gateway, the same split, in two routes
    const rules = [{ backendRefs: [backend('v1', 90), backend('v2', 10)] }];
    const mesh = httpRoute(rules);
    const edge = httpRoute(rules, { parentRefs: [{ name: 'public', namespace: 'istio-system' }], hostnames: ['reviews.example.com'] }, 'reviews-gateway');
    // WHEN
    const { routing } = readOne([...reviewsServices(), mesh, edge]);
    // THEN
    expect(routing.rules).toEqual([{ destinations: [{ version: 'v1', weight: 90 }, { version: 'v2', weight: 10 }] }]);
  });

  test('reads the regexes a renderer writes for presence and prefixes as presence and prefixes', () => {
    // GIVEN
    const route = httpRoute([{
      matches: [{
        path: { type: 'RegularExpression', value: '/api/v1\\.x.*' },
        headers: [{ type: 'RegularExpression', name: 'x-beta', value: '.*' }, { type: 'RegularExpression', name: 'x-tier', value: 'gold.*' }],
      }],
      backendRefs: [backend('v2')],
    }]);
    // WHEN
    const { routing } = readOne([...reviewsServices(), route]);
    // THEN
    expect(routing.rules[0].matches![0].toString()).toBe('uri prefix "/api/v1.x" and header x-beta present and header x-tier prefix "gold"');
  });

  test('reads every match kind', () => {
    // GIVEN
    const route = httpRoute([{
      matches: [{
        path: { type: 'RegularExpression', value: '/api/v[0-9]+' },
        headers: [{ name: 'X-Group', value: 'qa' }, { type: 'RegularExpression', name: 'cookie', value: '^(.*;[ \\t]*)?beta=true([ \\t]*;.*)?$' }],
        queryParams: [{ name: 'variant', value: 'b' }, { type: 'RegularExpression', name: 'id', value: '[0-9]+' }],
        method: 'PATCH',
      }],
      backendRefs: [backend('v2')],
    }]);
    // WHEN
    const { routing, warnings } = readOne([...reviewsServices(), route]);
    // THEN
    expect(warnings).toEqual([]);
    expect(routing.rules[0].matches![0].toString()).toBe([
      'uri regex "/api/v[0-9]+"', 'header x-group exact "qa"', 'cookie beta=true',
      'query variant exact "b"', 'query id regex "[0-9]+"', 'method PATCH',
    ].join(' and '));
    expect(where([routing], { method: 'PATCH', path: '/api/v12?variant=b&id=7', headers: { 'x-group': 'qa' }, cookies: { beta: 'true' } })).toBe('v2');
  });

  test('warns that the precedence of a RegularExpression path is implementation-specific, and orders it as Istio does: after every PathPrefix', () => {
    // GIVEN
    const route = httpRoute([
      { backendRefs: [backend('v1')] },
      { matches: [{ path: { type: 'RegularExpression', value: '/api/v[0-9]+' } }], backendRefs: [backend('v2')] },
    ]);
    // WHEN
    const { routing, warnings } = readOne([...reviewsServices(), route]);
    // THEN
    expect(warnings).toEqual([
      'the precedence of its RegularExpression path among the matches attached to Service reviews is implementation-specific; '
        + 'modelled in Istio\'s order (after Exact and PathPrefix paths, longer patterns first)',
    ]);
    expect(where([routing], { path: '/api/v1' })).toBe('v1');
  });

  test('reads a RequestMirror filter (percent or fraction) as the rule\'s mirror', () => {
    const mirror = (requestMirror: any) => httpRoute([{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'reviews-v2', port: 9080 }, ...requestMirror } }], backendRefs: [backend('v1')] }]);
    expect(readOne([...reviewsServices(), mirror({ percent: 25 })]).routing.rules[0].mirror).toEqual({ version: 'v2', percent: 25 });
    expect(readOne([...reviewsServices(), mirror({ fraction: { numerator: 1, denominator: 8 } })]).routing.rules[0].mirror).toEqual({ version: 'v2', percent: 12.5 });
    expect(readOne([...reviewsServices(), mirror({})]).routing.rules[0].mirror).toEqual({ version: 'v2', percent: 100 });
  });

  test('reads a GRPCRoute: service and method become the request path, with gRPC precedence', () => {
    // GIVEN
    const route = {
      apiVersion: GATEWAY_API,
      kind: 'GRPCRoute',
      metadata: { name: 'reviews' },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }],
        rules: [
          { backendRefs: [backend('v1')] },
          { matches: [{ method: { service: 'bookinfo.Reviews' } }], backendRefs: [backend('v2')] },
          { matches: [{ method: { service: 'bookinfo.Reviews', method: 'List' } }], backendRefs: [backend('v3')] },
        ],
      },
    };
    // WHEN
    const { routing } = readOne([...reviewsServices(), route]);
    // THEN
    expect(routing.rules.map(r => r.destinations[0].version)).toEqual(['v3', 'v2', 'v1']);
    expect(['/bookinfo.Reviews/List', '/bookinfo.Reviews/Get', '/other.Svc/List'].map(p => where([routing], { path: p, method: 'POST' }))).toEqual(['v3', 'v2', 'v1']);
  });

  test('warns about what it does not model and models it conservatively', () => {
    // GIVEN
    const route = httpRoute([
      { matches: [{ path: { type: 'Exact', value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/new' } } }] },
      {
        matches: [{ path: { type: 'PathPrefix', value: '/x' } }],
        filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'x.example.com' } }],
        backendRefs: [{ ...backend('v2'), filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['x-b'] } }] }],
        timeouts: { backendRequest: '2s' },
      },
      { backendRefs: [backend('v9'), { name: 'ratings', port: 9080, namespace: 'other' }] },
    ], { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', namespace: 'bookinfo' }, { group: 'example.com', kind: 'Mesh', name: 'm' }] });
    const objects = [...reviewsServices(['v1', 'v2']), route];
    validateManifests(objects);
    // WHEN
    const { routings, warnings } = GatewayApiReader.read(objects);
    // THEN
    expect(warnings.map(w => `${w.source}: ${w.message}`)).toEqual([
      'HTTPRoute default/reviews: parentRefs[0]: Service bookinfo/reviews is in another namespace, so this is a GAMMA consumer route: it applies only to clients in namespace default, before the producer routes; the answers differ per client namespace (explain --from-namespace default)',
      'HTTPRoute default/reviews: parentRefs[1]: parent example.com/Mesh m is not modelled (only Gateways and Services are); ignored',
      'HTTPRoute default/reviews: rules[0].filters[0]: RequestRedirect is not modelled; the rule\'s requests reach no version',
      'HTTPRoute default/reviews: rules[1].filters[0]: filter "URLRewrite" is not modelled; ignored',
      'HTTPRoute default/reviews: rules[1].backendRefs[0].filters[0]: filter "RequestHeaderModifier" of a backendRef is not modelled; ignored',
      'HTTPRoute default/reviews: rules[1]: timeouts.backendRequest without retry is not modelled; ignored',
      // (the input holds Services of default, so a missing one is a 500, as is another namespace's without a ReferenceGrant)
      'HTTPRoute default/reviews: rules[2].backendRefs[0]: Service default/reviews-v9 does not exist (the input holds Services of default, not this one), '
      + 'so the Gateway API answers the requests it would get with 500; modelled as sending them to the rule\'s other backendRefs (none: reaching no version)',
      'HTTPRoute default/reviews: rules[2].backendRefs[1]: Service other/ratings is in another namespace and no ReferenceGrant there lets HTTPRoutes of default refer to it, '
      + 'so the Gateway API answers the requests it would get with 500; modelled as sending them to the rule\'s other backendRefs (none: reaching no version)',
    ]);
    expect(routings[0].host).toBe('reviews.bookinfo');
    // (the routing is reviews.bookinfo's: the route's backends in default are named with their namespace)
    // (a consumer route: its rules are for clients in default; then a 404 for them when none matches, and the Service itself for other clients)
    expect(routings[0].rules.map(r => r.destinations)).toEqual([[], [{ version: 'v2', host: 'reviews.default', weight: 100 }], [], [], [{ weight: 100 }]]);
    expect(routings[0].rules.map(r => r.name ?? '')).toEqual(['', '', '', '(a route applies, no rule matches: 404)', '(no route applies: the Service itself)']);
  });

  test('warns when one host is routed by a VirtualService and an HTTPRoute, and simulates the VirtualService', () => {
    // GIVEN
    const objects = [...reviewsBase(['v1', 'v2']), JASON_V2, service('reviews-v1', { app: 'reviews', version: 'v1' }), REVIEWS_80_20_ROUTE];
    // WHEN
    const read = IstioReader.read(objects);
    // THEN
    expect(read.warnings.map(w => w.message)).toContain(
      'routes host reviews, as VirtualService default/reviews does; Istio leaves mixing VirtualService and HTTPRoute for one workload undefined, so the simulator uses the VirtualService');
    expect(where(read.routings, { headers: { 'end-user': 'jason' } })).toBe('v2');
  });

  test('lets the tools read Gateway API routing: the same app as VirtualService and as HTTPRoute shows no traffic change', () => {
    // GIVEN
    const istio = [...reviewsBase(['v1', 'v2']), JASON_V2];
    const gatewayApi = [...reviewsServices(['v1', 'v2']), JASON_V2_ROUTE];
    // WHEN
    const same = TrafficDiff.compare(istio, gatewayApi);
    const moved = TrafficDiff.compare(istio, [...reviewsServices(['v1', 'v2']), REVIEWS_80_20_ROUTE]);
    // THEN
    expect(same.hosts.map(h => h.summary)).toEqual(['reviews: default v1 -> v1 (0% of traffic moves); cohort header end-user exact "jason": v2 -> v2']);
    expect(same.hosts[0].cohorts.map(c => c.change)).toEqual(['unchanged', 'unchanged']);
    expect(moved.hosts[0].defaultMovedPercent).toBe(20);
    expect(TrafficDiff.compare([...reviewsBase(['v1', 'v2']), REVIEWS_80_20], [...reviewsServices(['v1', 'v2']), REVIEWS_80_20_ROUTE]).hosts[0].defaultMovedPercent).toBe(0);
  });

  test('reads YAML files', () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwapi-'));
    fs.writeFileSync(path.join(dir, 'reviews.yaml'), Yaml.stringify(...reviewsServices(['v1', 'v2']), JASON_V2_ROUTE));
    // WHEN
    const { routings } = GatewayApiReader.readFiles([dir]);
    // THEN
    expect(routings.map(r => r.host)).toEqual(['reviews']);
    expect(routings[0].rules[0].matches![0].conditions[0].match.type).toBe(StringMatchType.EXACT);
  });

  test('lets the CLI explain requests routed by HTTPRoutes', () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwapi-'));
    fs.writeFileSync(path.join(dir, 'reviews.yaml'), Yaml.stringify(...reviewsServices(['v1', 'v2']), JASON_V2_ROUTE));
    const out: string[] = [];
    // WHEN
    const code = main(['explain', dir, '--host', 'reviews', '--header', 'end-user=jason'], { out: t => out.push(t), err: t => out.push(t) });
    // THEN
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('rule 0 matches (header end-user exact "jason"): v2 100%');
    expect(out.join('\n')).toContain('routing: HTTPRoute default/reviews');
  });

  test('fails on paths that list nothing', () => {
    expect(() => GatewayApiReader.readFiles([])).toThrow('GatewayApiReader.readFiles: paths must list at least one file or directory, got []');
  });
});

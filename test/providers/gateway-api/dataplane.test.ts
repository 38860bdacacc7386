// What a conformant Gateway does with routes, written from the Gateway API v1.6.1 spec
// (apis/v1/httproute_types.go, shared_types.go) and its conformance tests
// (conformance/tests/httproute-*.go/.yaml): the cases below are our own, built from theirs.
import * as fs from 'fs';
import * as os from 'os';
import * as nodePath from 'path';
import { GatewayApiReader, IstioReader, RouteSimulator, TrafficDiff, TransitionCheck } from '../../../src';
import { main } from '../../../src/cli/main';
import { validateManifests } from '../../util';

const GW = 'gateway.networking.k8s.io';

function service(name: string, namespace: string): any {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080 }] } };
}

interface Listener {
  readonly name: string;
  readonly hostname?: string;
  readonly port?: number;
  readonly protocol?: string;
  readonly from?: string;
  readonly kinds?: string[];
}

function gateway(name: string, namespace: string, listeners: Listener[]): any {
  return {
    apiVersion: `${GW}/v1`,
    kind: 'Gateway',
    metadata: { name, namespace },
    spec: {
      gatewayClassName: 'test',
      listeners: listeners.map(l => ({
        name: l.name,
        port: l.port ?? 80,
        protocol: l.protocol ?? 'HTTP',
        ...(l.hostname ? { hostname: l.hostname } : {}),
        allowedRoutes: { namespaces: { from: l.from ?? 'Same' }, ...(l.kinds ? { kinds: l.kinds.map(kind => ({ kind })) } : {}) },
      })),
    },
  };
}

function route(name: string, namespace: string, spec: any): any {
  return { apiVersion: `${GW}/v1`, kind: 'HTTPRoute', metadata: { name, namespace }, spec };
}

/** Where a request through `gateway` goes: the backend Services' hosts, or `none`. */
function where(objects: any[], host: string, through: string, path = '/'): string {
  validateManifests(objects);
  const e = RouteSimulator.explain({ host, path, gateway: through }, GatewayApiReader.read(objects).routings);
  return e.destinations.map(d => d.host ?? d.version).join(', ') || 'none';
}

describe('Gateway API data plane', () => {
  test('a parentRef without namespace names a Gateway of the route\'s own namespace', () => {
    // GIVEN a route in team-b attached to {name: gw}
    const objects = [service('web', 'team-b'), route('web', 'team-b', { parentRefs: [{ name: 'gw' }], hostnames: ['web.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] })];
    // THEN it serves team-b/gw, not infra/gw (httproute-invalid-cross-namespace-parent-ref: the route attaches nowhere else)
    expect(where(objects, 'web.example.com', 'team-b/gw')).toBe('web');
    expect(where(objects, 'web.example.com', 'infra/gw')).toBe('none');
  });

  test('of two wildcard hostnames, the one with the most characters that matches wins, in either order', () => {
    // GIVEN *.example.com and *.foo.example.com on one Gateway
    const wide = route('wide', 'infra', { parentRefs: [{ name: 'gw' }], hostnames: ['*.example.com'], rules: [{ backendRefs: [{ name: 'wide', port: 8080 }] }] });
    const narrow = route('narrow', 'infra', { parentRefs: [{ name: 'gw' }], hostnames: ['*.foo.example.com'], rules: [{ backendRefs: [{ name: 'narrow', port: 8080 }] }] });
    const exact = route('exact', 'infra', { parentRefs: [{ name: 'gw' }], hostnames: ['x.foo.example.com'], rules: [{ backendRefs: [{ name: 'exact', port: 8080 }] }] });
    const services = ['wide', 'narrow', 'exact'].map(n => service(n, 'infra'));
    for (const routes of [[wide, narrow], [narrow, wide]]) {
      // THEN x.foo.example.com reaches narrow, y.example.com wide
      expect(where([...services, ...routes], 'x.foo.example.com', 'infra/gw')).toBe('narrow');
      expect(where([...services, ...routes], 'y.example.com', 'infra/gw')).toBe('wide');
    }
    // AND an exact hostname beats every wildcard
    expect(where([...services, wide, narrow, exact], 'x.foo.example.com', 'infra/gw')).toBe('exact');
    expect(where([...services, wide, narrow, exact], 'y.foo.example.com', 'infra/gw')).toBe('narrow');
  });

  test('the Istio reader picks the most specific VirtualService host too', () => {
    const vs = (name: string, host: string) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name, namespace: 'infra' },
      spec: { hosts: [host], gateways: ['gw'], http: [{ route: [{ destination: { host: name } }] }] },
    });
    for (const order of [[vs('wide', '*.example.com'), vs('narrow', '*.foo.example.com')], [vs('narrow', '*.foo.example.com'), vs('wide', '*.example.com')]]) {
      const routings = IstioReader.read(order).routings;
      expect(RouteSimulator.explain({ host: 'x.foo.example.com', gateway: 'infra/gw' }, routings).destinations.map(d => d.host)).toEqual(['narrow']);
      expect(RouteSimulator.explain({ host: 'x.example.com', gateway: 'infra/gw' }, routings).destinations.map(d => d.host)).toEqual(['wide']);
    }
  });

  test('a rule without backendRefs is a 500 (httproute_types.go, BackendRefs), modelled as reaching nothing', () => {
    const objects = [gateway('gw', 'infra', [{ name: 'http' }]),
      route('web', 'infra', { parentRefs: [{ name: 'gw' }], hostnames: ['web.example.com'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/x' } }] }] })];
    validateManifests(objects);
    expect(GatewayApiReader.read(objects).warnings.map(w => w.message)).toEqual(['rules[0]: has no backendRefs; the Gateway API answers its requests with 500, modelled as reaching no version']);
    expect(where(objects, 'web.example.com', 'infra/gw', '/x')).toBe('none');
  });

  describe('Gateways and their listeners', () => {
    const NS = 'gateway-conformance-infra';
    const backends = ['infra-backend-v1', 'infra-backend-v2', 'infra-backend-v3'].map(n => service(n, NS));
    const to = (n: number) => [{ backendRefs: [{ name: `infra-backend-v${n}`, port: 8080 }] }];

    test('hostname intersection (httproute-hostname-intersection): a route is served for its hostnames within a listener\'s', () => {
      // GIVEN the conformance test's Gateway (very.specific.com, *.wildcard.io, *.anotherwildcard.io) and routes
      const objects = [...backends,
        gateway('gw', NS, [{ name: 'listener-1', hostname: 'very.specific.com' }, { name: 'listener-2', hostname: '*.wildcard.io' }, { name: 'listener-3', hostname: '*.anotherwildcard.io' }]),
        route('s1', NS, { parentRefs: [{ name: 'gw' }], hostnames: ['non.matching.com', '*.nonmatchingwildcard.io', 'very.specific.com'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/s1' } }], ...to(1)[0] }] }),
        route('s2', NS, { parentRefs: [{ name: 'gw' }], hostnames: ['non.matching.com', 'wildcard.io', 'foo.wildcard.io', 'bar.wildcard.io', 'foo.bar.wildcard.io'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/s2' } }], ...to(2)[0] }] }),
        route('s3', NS, { parentRefs: [{ name: 'gw' }], hostnames: ['non.matching.com', '*.specific.com'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/s3' } }], ...to(3)[0] }] }),
        route('s4', NS, { parentRefs: [{ name: 'gw' }], hostnames: ['*.anotherwildcard.io'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/s4' } }], ...to(1)[0] }] }),
        route('s5', NS, { parentRefs: [{ name: 'gw' }], hostnames: ['specific.but.wrong.com', 'wildcard.io'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/s5' } }], ...to(2)[0] }] })];
      const gw = `${NS}/gw`;
      // THEN the conformance test's expectations (none: a 404)
      const cases: Array<[string, string, string]> = [
        ['very.specific.com', '/s1', 'infra-backend-v1'], ['non.matching.com', '/s1', 'none'], ['foo.nonmatchingwildcard.io', '/s1', 'none'],
        ['foo.wildcard.io', '/s1', 'none'], ['very.specific.com', '/non-matching-prefix', 'none'],
        ['foo.wildcard.io', '/s2', 'infra-backend-v2'], ['bar.wildcard.io', '/s2', 'infra-backend-v2'], ['foo.bar.wildcard.io', '/s2', 'infra-backend-v2'],
        ['non.matching.com', '/s2', 'none'], ['wildcard.io', '/s2', 'none'], ['very.specific.com', '/s2', 'none'],
        ['very.specific.com', '/s3', 'infra-backend-v3'], ['non.matching.com', '/s3', 'none'], ['foo.specific.com', '/s3', 'none'], ['foo.wildcard.io', '/s3', 'none'],
        ['foo.anotherwildcard.io', '/s4', 'infra-backend-v1'], ['foo.bar.anotherwildcard.io', '/s4', 'infra-backend-v1'], ['anotherwildcard.io', '/s4', 'none'],
        ['specific.but.wrong.com', '/s5', 'none'], ['wildcard.io', '/s5', 'none'],
      ];
      expect(cases.map(([host, path]) => [host, path, where(objects, host, gw, path)])).toEqual(cases);
      // AND the route that intersects no listener is named
      expect(GatewayApiReader.read(objects).warnings.map(w => `${w.source}: ${w.message}`)).toEqual([
        `HTTPRoute ${NS}/s5: parentRefs[0]: not attached to Gateway ${NS}/gw: Gateway ${NS}/gw listener "listener-1": no hostname of the route is within its hostname "very.specific.com"; `
        + `Gateway ${NS}/gw listener "listener-2": no hostname of the route is within its hostname "*.wildcard.io"; Gateway ${NS}/gw listener "listener-3": no hostname of the route is within its hostname "*.anotherwildcard.io"`,
      ]);
    });

    test('attachment by sectionName, the most specific listener first (httproute-listener-hostname-matching)', () => {
      const objects = [...backends,
        gateway('gw', NS, [{ name: 'listener-1', hostname: 'bar.com' }, { name: 'listener-2', hostname: 'foo.bar.com' }, { name: 'listener-3', hostname: '*.bar.com' }, { name: 'listener-4', hostname: '*.foo.com' }]),
        route('v1', NS, { parentRefs: [{ name: 'gw', sectionName: 'listener-1' }], rules: to(1) }),
        route('v2', NS, { parentRefs: [{ name: 'gw', sectionName: 'listener-2' }], rules: to(2) }),
        route('v3', NS, { parentRefs: [{ name: 'gw', sectionName: 'listener-3' }, { name: 'gw', sectionName: 'listener-4' }], rules: to(3) })];
      const cases: Array<[string, string]> = [
        ['bar.com', 'infra-backend-v1'], ['foo.bar.com', 'infra-backend-v2'], ['baz.bar.com', 'infra-backend-v3'], ['boo.bar.com', 'infra-backend-v3'],
        ['multiple.prefixes.bar.com', 'infra-backend-v3'], ['multiple.prefixes.foo.com', 'infra-backend-v3'], ['foo.com', 'none'], ['no.matching.host', 'none'],
      ];
      expect(cases.map(([host]) => [host, where(objects, host, `${NS}/gw`)])).toEqual(cases);
    });

    test('a sectionName or port no listener has: not attached, and said (httproute-invalid-parentref-not-matching-*)', () => {
      const objects = [...backends, gateway('gw', NS, [{ name: 'http', port: 80 }]),
        route('a', NS, { parentRefs: [{ name: 'gw', sectionName: 'http1', port: 80 }], hostnames: ['a.example.com'], rules: to(1) }),
        route('b', NS, { parentRefs: [{ name: 'gw', port: 81 }], hostnames: ['b.example.com'], rules: to(1) }),
        route('c', NS, { parentRefs: [{ name: 'gw', sectionName: 'http', port: 81 }], hostnames: ['c.example.com'], rules: to(1) })];
      expect(['a', 'b', 'c'].map(h => where(objects, `${h}.example.com`, `${NS}/gw`))).toEqual(['none', 'none', 'none']);
      expect(GatewayApiReader.read(objects).warnings.map(w => w.message)).toEqual([
        `parentRefs[0]: not attached to Gateway ${NS}/gw: Gateway ${NS}/gw has no listener with sectionName "http1" and port 80: the route is not attached there (requests get a 404)`,
        `parentRefs[0]: not attached to Gateway ${NS}/gw: Gateway ${NS}/gw has no listener with port 81: the route is not attached there (requests get a 404)`,
        `parentRefs[0]: not attached to Gateway ${NS}/gw: Gateway ${NS}/gw has no listener with sectionName "http" and port 81: the route is not attached there (requests get a 404)`,
      ]);
    });

    test('allowedRoutes: namespaces Same (the default) and All, and kinds', () => {
      const web = service('web', 'team-b');
      const r = route('web', 'team-b', { parentRefs: [{ name: 'gw', namespace: 'infra' }], hostnames: ['web.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] });
      // GIVEN a route of team-b on a Gateway of infra
      const same = [web, r, gateway('gw', 'infra', [{ name: 'http' }])];
      const all = [web, r, gateway('gw', 'infra', [{ name: 'http', from: 'All' }])];
      const grpcOnly = [web, r, gateway('gw', 'infra', [{ name: 'http', from: 'All', kinds: ['GRPCRoute'] }])];
      const tcp = [web, r, gateway('gw', 'infra', [{ name: 'tcp', from: 'All', protocol: 'TCP' }])];
      // THEN only All admits it, for HTTPRoutes, on an HTTP listener (httproute-disallowed-kind, httproute-cross-namespace)
      expect([same, all, grpcOnly, tcp].map(o => where(o, 'web.example.com', 'infra/gw'))).toEqual(['none', 'web', 'none', 'none']);
      expect([same, grpcOnly, tcp].map(o => GatewayApiReader.read(o).warnings.map(w => w.message))).toEqual([
        ['parentRefs[0]: not attached to Gateway infra/gw: Gateway infra/gw listener "http" does not accept it: it admits routes of namespace infra only (allowedRoutes.namespaces.from Same)'],
        ['parentRefs[0]: not attached to Gateway infra/gw: Gateway infra/gw listener "http" does not accept it: its allowedRoutes.kinds are GRPCRoute'],
        ['parentRefs[0]: not attached to Gateway infra/gw: Gateway infra/gw listener "tcp" does not accept it: its protocol TCP carries no HTTPRoute'],
      ]);
    });

    test('a Gateway not in the input: a warning says the answer assumes a listener that accepts the route', () => {
      const objects = [service('web', 'infra'), route('web', 'infra', { parentRefs: [{ name: 'gw' }], hostnames: ['web.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] })];
      expect(where(objects, 'web.example.com', 'infra/gw')).toBe('web');
      expect(GatewayApiReader.read(objects).warnings.map(w => [w.host, w.message])).toEqual([
        ['web.example.com', 'parentRefs[0]: Gateway infra/gw is not in the input; the answers assume a listener of it accepts the route for its hostnames'],
      ]);
      // AND explain shows it with the answer
      const out: string[] = [];
      const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'cdk8s-canary-gw-'));
      fs.writeFileSync(nodePath.join(dir, 'in.yaml'), objects.map(o => `---\n${JSON.stringify(o)}\n`).join(''));
      main(['explain', dir, '--host', 'web.example.com', '--gateway', 'infra/gw'], { out: t => out.push(t), err: t => out.push(t) });
      fs.rmSync(dir, { recursive: true, force: true });
      expect(out.join('\n')).toContain('HTTPRoute infra/web: parentRefs[0]: Gateway infra/gw is not in the input; the answers assume a listener of it accepts the route for its hostnames');
    });
  });

  describe('backendRefs the Gateway API answers with 500', () => {
    const NS = 'gateway-conformance-infra';
    const APP = 'gateway-conformance-app-backend';
    const gw = gateway('same-namespace', NS, [{ name: 'http' }]);
    const grant = (name: string) => ({
      apiVersion: `${GW}/v1`,
      kind: 'ReferenceGrant',
      metadata: { name: 'grant', namespace: APP },
      spec: { from: [{ group: GW, kind: 'HTTPRoute', namespace: NS }], to: [{ group: '', kind: 'Service', name }] },
    });
    const r = route('invalid-reference-grant', NS, {
      parentRefs: [{ name: 'same-namespace' }],
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/v2' } }], backendRefs: [{ name: 'app-backend-v2', namespace: APP, port: 8080 }] },
        { backendRefs: [{ name: 'app-backend-v1', namespace: APP, port: 8080 }] },
      ],
    });
    const services = [service('app-backend-v1', APP), service('app-backend-v2', APP)];

    test('a Service of another namespace needs a ReferenceGrant there (httproute-partially-invalid-via-invalid-reference-grant, httproute-reference-grant)', () => {
      // GIVEN a grant for app-backend-v1 only
      const objects = [gw, ...services, grant('app-backend-v1'), r];
      // THEN /v2 (to app-backend-v2, not granted) reaches nothing (a 500), / reaches app-backend-v1
      expect(where(objects, 'any.example.com', `${NS}/same-namespace`, '/v2')).toBe('none');
      expect(where(objects, 'any.example.com', `${NS}/same-namespace`, '/')).toBe(`app-backend-v1.${APP}`);
      expect(GatewayApiReader.read(objects).warnings.map(w => w.message)).toEqual([
        `rules[0].backendRefs[0]: Service ${APP}/app-backend-v2 is in another namespace and no ReferenceGrant there lets HTTPRoutes of ${NS} refer to it, `
        + 'so the Gateway API answers the requests it would get with 500; modelled as sending them to the rule\'s other backendRefs (none: reaching no version)',
      ]);
      // AND a grant for every Service of the namespace (no name) admits both
      const all = { ...grant('x'), spec: { ...grant('x').spec, to: [{ group: '', kind: 'Service' }] } };
      expect(where([gw, ...services, all, r], 'any.example.com', `${NS}/same-namespace`, '/v2')).toBe(`app-backend-v2.${APP}`);
      // AND a grant from another kind or namespace does not
      const grpc = { ...grant('app-backend-v2'), spec: { ...grant('app-backend-v2').spec, from: [{ group: GW, kind: 'GRPCRoute', namespace: NS }] } };
      expect(where([gw, ...services, grpc, r], 'any.example.com', `${NS}/same-namespace`, '/v2')).toBe('none');
    });

    test('an unknown backend kind and a missing Service are 500s; a weighted rule keeps its valid share (httproute-invalid-backendref-unknown-kind, -nonexistent-backendref)', () => {
      const objects = [gw, service('infra-backend-v1', NS), route('r', NS, {
        parentRefs: [{ name: 'same-namespace' }],
        rules: [
          { matches: [{ path: { type: 'PathPrefix', value: '/kind' } }], backendRefs: [{ group: 'unknownkind.example.com', kind: 'NonExistent', name: 'infra-backend-v1', port: 8080 }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/missing' } }], backendRefs: [{ name: 'nonexistent', port: 8080 }] },
          { backendRefs: [{ name: 'infra-backend-v1', port: 8080, weight: 1 }, { name: 'nonexistent', port: 8080, weight: 1 }] },
        ],
      })];
      expect(['/kind', '/missing', '/'].map(p => where(objects, 'any.example.com', `${NS}/same-namespace`, p))).toEqual(['none', 'none', 'infra-backend-v1']);
      expect(GatewayApiReader.read(objects).warnings.map(w => w.message.split(', so ')[0])).toEqual([
        'rules[0].backendRefs[0]: backend unknownkind.example.com/NonExistent infra-backend-v1 is not a Service',
        `rules[1].backendRefs[0]: Service ${NS}/nonexistent does not exist (the input holds Services of ${NS}, not this one)`,
        `rules[2].backendRefs[1]: Service ${NS}/nonexistent does not exist (the input holds Services of ${NS}, not this one)`,
      ]);
    });
  });
});

// Ports, GAMMA consumer routes and several mirrors, written from the conformance tests
// mesh/mesh-ports, mesh/mesh-consumer-route, httproute-request-multiple-mirrors and
// httproute-listener-port-matching; the objects are ours.
describe('ports, client namespaces and mirrors', () => {
  const MESH = 'mesh-app';
  const CONSUMER = 'mesh-client';
  const twoPorts = (name: string, namespace = MESH) => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }, { name: 'http-alt', port: 8080 }] },
  });
  const setHeader = { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Header-Set', value: 'set' }] } };
  /** A GAMMA route in `namespace` on Service `parent` (of namespace `parentNs`), one rule named `name`, to `to` (default: the parent). */
  const meshRoute = (name: string, namespace: string, parent: string, parentNs: string, extra: any = {}, rule: any = {}, to = parent) => {
    const ns = parentNs !== namespace ? { namespace: parentNs } : {};
    return route(name, namespace, {
      parentRefs: [{ group: '', kind: 'Service', name: parent, ...ns, ...extra }],
      rules: [{ name, filters: [setHeader], backendRefs: [{ name: to, ...ns, port: 80 }], ...rule }],
    });
  };
  const grantFrom = (namespace: string, to: string) => ({
    apiVersion: `${GW}/v1beta1`,
    kind: 'ReferenceGrant',
    metadata: { name: `from-${namespace}`, namespace: to },
    spec: { from: [{ group: GW, kind: 'HTTPRoute', namespace }], to: [{ group: '', kind: 'Service' }] },
  });
  /** The rule that answers and where it sends the request. */
  function answer(objects: any[], request: any): string {
    validateManifests(objects);
    const e = RouteSimulator.explain(request, GatewayApiReader.read(objects).routings);
    // Hosts by Service name (a consumer route's routing names them with their namespace).
    const to = e.destinations.map(d => (d.host ?? d.version)!.split('.')[0]).join(', ') || 'none';
    return `${e.ruleName ?? (e.matched ? `rule ${e.ruleIndex}` : 'no rule')} -> ${to}`;
  }

  describe('a GAMMA parentRef port (mesh-ports)', () => {
    const objects = [twoPorts('echo-v1'), twoPorts('echo-v2'),
      meshRoute('v1-on-80', MESH, 'echo-v1', MESH, { port: 80 }), meshRoute('v2-any-port', MESH, 'echo-v2', MESH)];

    test('the route applies on its port only; on another port the Service answers itself', () => {
      // GIVEN a route on port 80 of echo-v1 (of two ports), and one on every port of echo-v2
      // WHEN / THEN
      expect(answer(objects, { host: 'echo-v1', port: 80 })).toBe('v1-on-80 -> echo-v1');
      expect(answer(objects, { host: 'echo-v1:8080' })).toBe('(no route applies: the Service itself) -> echo-v1');
      expect(answer(objects, { host: 'echo-v2', port: 8080 })).toBe('v2-any-port -> echo-v2');
      expect(answer(objects, { host: 'echo-v2' })).toBe('v2-any-port -> echo-v2');
    });

    test('check: a weight jump on the port-bound route is a jump of that port\'s default route', () => {
      // GIVEN a route on port 80 of echo-v1 splitting 90/10 between echo-v1 and echo-v2, then 10/90
      const split = (a: number, b: number) => [twoPorts('echo-v1'), twoPorts('echo-v2'), meshRoute('split', MESH, 'echo-v1', MESH, { port: 80 },
        { backendRefs: [{ name: 'echo-v1', port: 80, weight: a }, { name: 'echo-v2', port: 80, weight: b }] })];
      const [before, after] = [split(90, 10), split(10, 90)];
      validateManifests(after);
      // WHEN
      const report = TransitionCheck.check(before, after);
      // THEN the jump is found, for port 80
      expect(report.findings.filter(f => f.kind === 'weight-jump').map(f => f.message)).toEqual([
        expect.stringMatching(/^the default route of echo-v1 for port 80 shifts .*in one commit, more than the allowed step of 50 points$/),
      ]);
    });

    test('without a port, explain says which port it assumed and lists the answer per port', () => {
      // WHEN no port is given
      const e = RouteSimulator.explain({ host: 'echo-v1' }, GatewayApiReader.read(objects).routings);
      // THEN the answer assumes port 80, and says port 8080 differs
      expect(e.summary).toMatch(/^rule 0 "v1-on-80" matches \(port 80\) \(assuming port 80: the request gives none\): echo-v1 \(any pod\) 100% \(the answer depends on the port: see alternatives\)$/);
      expect(e.alternatives).toEqual([
        expect.stringMatching(/^port 80: rule 0 "v1-on-80" matches/),
        expect.stringMatching(/^port other: rule 2 "\(no route applies: the Service itself\)" matches/),
      ]);
      // AND a route on every port has no alternatives
      expect(RouteSimulator.explain({ host: 'echo-v2' }, GatewayApiReader.read(objects).routings).alternatives).toBeUndefined();
    });

    test('several routes on one port: a request on it that none matches gets a 404, not the Service', () => {
      const only = [twoPorts('echo-v1'), meshRoute('v1-api', MESH, 'echo-v1', MESH, { port: 80 }, { matches: [{ path: { type: 'PathPrefix', value: '/api' } }] })];
      expect(answer(only, { host: 'echo-v1', port: 80, path: '/api/x' })).toBe('v1-api -> echo-v1');
      expect(answer(only, { host: 'echo-v1', port: 80, path: '/web' })).toBe('(a route applies, no rule matches: 404) -> none');
      expect(answer(only, { host: 'echo-v1', port: 8080, path: '/web' })).toBe('(no route applies: the Service itself) -> echo-v1');
    });
  });

  describe('GAMMA consumer routes (mesh-consumer-route)', () => {
    const base = [twoPorts('echo-v1'), twoPorts('echo-v2'), grantFrom(CONSUMER, MESH)];
    const consumer = meshRoute('consumer', CONSUMER, 'echo-v1', MESH);

    test('a route of another namespace applies to clients of that namespace only', () => {
      // GIVEN a consumer route in mesh-client on Service mesh-app/echo-v1, and no producer route
      const objects = [...base, consumer];
      // WHEN / THEN a client in mesh-client gets it; one in mesh-app, the Service itself
      expect(answer(objects, { host: 'echo-v1.mesh-app', sourceNamespace: CONSUMER })).toBe('consumer -> echo-v1');
      expect(answer(objects, { host: 'echo-v1.mesh-app', sourceNamespace: MESH })).toBe('(no route applies: the Service itself) -> echo-v1');
    });

    test('without a client namespace, explain answers for a client the routes do not name and lists each namespace', () => {
      const e = RouteSimulator.explain({ host: 'echo-v1.mesh-app' }, GatewayApiReader.read([...base, consumer]).routings);
      expect(e.summary).toMatch(/the answer depends on the client namespace: see alternatives\)$/);
      expect(e.alternatives).toEqual([
        expect.stringMatching(/^client namespace mesh-client: rule 0 "consumer" matches/),
        expect.stringMatching(/^client namespace other: rule 2 "\(no route applies: the Service itself\)" matches/),
      ]);
      // AND the reader says so, for check and explain
      expect(GatewayApiReader.read([...base, consumer]).warnings.map(w => w.message)).toEqual([
        'parentRefs[0]: Service mesh-app/echo-v1 is in another namespace, so this is a GAMMA consumer route: it applies only to clients in namespace mesh-client, '
        + 'before the producer routes; the answers differ per client namespace (explain --from-namespace mesh-client)',
      ]);
    });

    test('a consumer route comes before the producer route for its clients; requests it does not match fall to the producer route', () => {
      // GIVEN a producer route on every request and a consumer route on /consumer only, to echo-v2
      const producer = meshRoute('producer', MESH, 'echo-v1', MESH);
      const narrow = meshRoute('consumer', CONSUMER, 'echo-v1', MESH, {}, { matches: [{ path: { type: 'PathPrefix', value: '/consumer' } }] }, 'echo-v2');
      for (const objects of [[...base, producer, narrow], [...base, narrow, producer]]) {
        // WHEN / THEN in either order
        expect(answer(objects, { host: 'echo-v1.mesh-app', path: '/consumer', sourceNamespace: CONSUMER })).toBe('consumer -> echo-v2');
        expect(answer(objects, { host: 'echo-v1.mesh-app', path: '/other', sourceNamespace: CONSUMER })).toBe('producer -> echo-v1');
        expect(answer(objects, { host: 'echo-v1.mesh-app', path: '/consumer', sourceNamespace: MESH })).toBe('producer -> echo-v1');
        expect(answer(objects, { host: 'echo-v1.mesh-app', path: '/consumer' })).toBe('producer -> echo-v1');
      }
    });

    test('a consumer route is for in-mesh clients: at a gateway it does not apply', () => {
      const e = RouteSimulator.explain({ host: 'echo-v1.mesh-app', sourceNamespace: CONSUMER, gateway: 'infra/gw' }, GatewayApiReader.read([...base, consumer]).routings);
      expect(e.routingHost).toBeUndefined();
    });
  });

  describe('listener ports (sectionName and port on a Gateway of several listeners)', () => {
    const gw = gateway('gw', 'infra', [{ name: 'http', port: 80 }, { name: 'http-alt', port: 8080 }]);
    const services = ['a', 'b'].map(n => service(n, 'infra'));
    const onSection = route('a', 'infra', { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['x.example.com'], rules: [{ name: 'a', backendRefs: [{ name: 'a', port: 8080 }] }] });
    const onAll = route('b', 'infra', { parentRefs: [{ name: 'gw' }], hostnames: ['x.example.com'], rules: [{ name: 'b', backendRefs: [{ name: 'b', port: 8080 }] }] });
    const onPort = route('a', 'infra', { parentRefs: [{ name: 'gw', port: 8080 }], hostnames: ['x.example.com'], rules: [{ name: 'a', backendRefs: [{ name: 'a', port: 8080 }] }] });

    test('a route attached to one listener serves its port only; the others\' routes serve the rest', () => {
      const objects = [gw, ...services, onSection, onAll];
      // WHEN / THEN port 80: a (older by name, same precedence); port 8080: only b is attached there
      expect(answer(objects, { host: 'x.example.com', gateway: 'infra/gw', port: 80 })).toBe('a -> a');
      expect(answer(objects, { host: 'x.example.com:8080', gateway: 'infra/gw' })).toBe('b -> b');
      // AND by port rather than sectionName
      expect(answer([gw, ...services, onPort, onAll], { host: 'x.example.com', gateway: 'infra/gw', port: 8080 })).toBe('a -> a');
      expect(answer([gw, ...services, onPort, onAll], { host: 'x.example.com', gateway: 'infra/gw', port: 80 })).toBe('b -> b');
    });

    test('a Gateway not in the input: a parentRef port still binds the route to that port; a sectionName is said to leave it open', () => {
      // GIVEN routes attached by port 8080 and by sectionName to a Gateway the input does not hold
      const byPort = [...services, onPort];
      const bySection = [...services, onSection];
      // WHEN / THEN the port binds
      expect(answer(byPort, { host: 'x.example.com', gateway: 'infra/gw', port: 8080 })).toBe('a -> a');
      expect(answer(byPort, { host: 'x.example.com', gateway: 'infra/gw', port: 80 })).toBe('no rule -> none');
      // AND the sectionName's port is unknown: any port, said
      expect(answer(bySection, { host: 'x.example.com', gateway: 'infra/gw', port: 80 })).toBe('a -> a');
      expect(GatewayApiReader.read(bySection).warnings.map(w => w.message)).toEqual([
        'parentRefs[0]: Gateway infra/gw is not in the input; the answers assume a listener of it accepts the route for its hostnames on any port (the port of its listener "http" is not in the input)',
      ]);
    });

    test('a route on every listener needs no port; a port no listener has gets a 404', () => {
      expect(answer([gw, ...services, onAll], { host: 'x.example.com', gateway: 'infra/gw', port: 80 })).toBe('b -> b');
      const e = RouteSimulator.explain({ host: 'x.example.com', gateway: 'infra/gw', port: 9999 }, GatewayApiReader.read([gw, ...services, onSection]).routings);
      expect([e.matched, e.destinations]).toEqual([false, []]);
      expect(RouteSimulator.explain({ host: 'x.example.com', gateway: 'infra/gw' }, GatewayApiReader.read([gw, ...services, onAll]).routings).alternatives).toBeUndefined();
    });
  });

  describe('several mirrors (httproute-request-multiple-mirrors)', () => {
    const mirror = (name: string, extra: any = {}) => ({ type: 'RequestMirror', requestMirror: { backendRef: { name, port: 8080 }, ...extra } });
    const objects = [gateway('gw', 'infra', [{ name: 'http' }]), ...['web', 'copy-a', 'copy-b'].map(n => service(n, 'infra')),
      route('web', 'infra', {
        parentRefs: [{ name: 'gw' }],
        hostnames: ['web.example.com'],
        rules: [{ filters: [mirror('copy-a', { percent: 50 }), mirror('copy-b', { fraction: { numerator: 1, denominator: 4 } })], backendRefs: [{ name: 'web', port: 8080 }] }],
      })];

    test('each RequestMirror is a mirror with its percent or fraction; explain reports each', () => {
      validateManifests(objects);
      const read = GatewayApiReader.read(objects);
      // WHEN
      const e = RouteSimulator.explain({ host: 'web.example.com', gateway: 'infra/gw' }, read.routings);
      // THEN no "only the first mirror" warning, and both mirrors
      expect(read.warnings).toEqual([]);
      expect(e.mirrors).toEqual([{ host: 'copy-a', probability: 0.5 }, { host: 'copy-b', probability: 0.25 }]);
      expect(e.mirror).toEqual({ host: 'copy-a', probability: 0.5 });
      expect(e.summary).toMatch(/; mirrored to copy-a \(any pod\) 50%, copy-b \(any pod\) 25%$/);
      // AND sampling counts the copies to each
      const sampled = RouteSimulator.sample({ host: 'web.example.com', gateway: 'infra/gw' }, read.routings, 10000);
      expect(sampled.mirrored).toBeGreaterThan(7000);
      expect(sampled.mirrored).toBeLessThan(8000);
    });

    test('diff reports each mirror', () => {
      const before = objects.map(o => (o.kind === 'HTTPRoute' ? { ...o, spec: { ...o.spec, rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] } } : o));
      const cohort = TrafficDiff.compare(before, objects).hosts.flatMap(h => h.cohorts)[0];
      expect([cohort.change, cohort.mirrorBefore, cohort.mirrorAfter]).toEqual(['changed', undefined, 'copy-a (any pod) 50%, copy-b (any pod) 25%']);
    });

    test('Istio mirrors (1.18+): each one, with its percentage', () => {
      const vs = {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'web', namespace: 'infra' },
        spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web' } }], mirrors: [{ destination: { host: 'copy-a' }, percentage: { value: 50 } }, { destination: { host: 'copy-b' } }] }] },
      };
      const read = IstioReader.read([vs]);
      expect(read.warnings.map(w => w.message).filter(m => /mirror/.test(m))).toEqual([]);
      expect(RouteSimulator.explain({ host: 'web' }, read.routings).mirrors).toEqual([{ host: 'copy-a', probability: 0.5 }, { host: 'copy-b', probability: 1 }]);
    });
  });

  describe('Istio match.port and match.sourceNamespace', () => {
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'web', namespace: 'infra' },
      spec: {
        hosts: ['web'],
        http: [
          { name: 'admin', match: [{ port: 9090 }], route: [{ destination: { host: 'web-admin' } }] },
          { name: 'team-a', match: [{ sourceNamespace: 'team-a' }], route: [{ destination: { host: 'web-beta' } }] },
          { name: 'rest', route: [{ destination: { host: 'web' } }] },
        ],
      },
    };
    test('are modelled: a request on the port, or from the namespace, matches', () => {
      const routings = IstioReader.read([vs]).routings;
      const rule = (request: any) => RouteSimulator.explain({ host: 'web', ...request }, routings).ruleName;
      expect([rule({ port: 9090 }), rule({ port: 80 }), rule({ port: 80, sourceNamespace: 'team-a' }), rule({ port: 80, sourceNamespace: 'team-b' })])
        .toEqual(['admin', 'rest', 'team-a', 'rest']);
      // AND without a port, the port-bound rule is assumed to hold, and the alternatives say otherwise
      const e = RouteSimulator.explain({ host: 'web' }, routings);
      expect([e.ruleName, e.alternatives?.map(a => a.split(':')[0])]).toEqual(['admin', ['port 9090', 'port other']]);
      // AND on another port, the answer depends on the client namespace
      expect(RouteSimulator.explain({ host: 'web', port: 80 }, routings).alternatives?.map(a => a.split(':')[0])).toEqual(['client namespace team-a', 'client namespace other']);
    });
  });

  describe('explain --port and --from-namespace', () => {
    const objects = [twoPorts('echo-v1'), grantFrom(CONSUMER, MESH), meshRoute('consumer', CONSUMER, 'echo-v1', MESH, { port: 80 })];
    function run(...args: string[]): { code: number; out: string } {
      const out: string[] = [];
      const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'cdk8s-canary-ports-'));
      try {
        fs.writeFileSync(nodePath.join(dir, 'in.yaml'), objects.map(o => `---\n${JSON.stringify(o)}\n`).join(''));
        const code = main(['explain', dir, ...args], { out: t => out.push(t), err: t => out.push(t) });
        return { code, out: out.join('\n') };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }

    test('the answer for the port and client namespace given', () => {
      const r = run('--host', 'echo-v1.mesh-app', '--port', '80', '--from-namespace', CONSUMER);
      expect(r.code).toBe(0);
      expect(r.out.split('\n')[0]).toMatch(/^rule 0 "consumer" matches \(port 80 and client namespace mesh-client\): echo-v1\.mesh-app \(any pod\) 100%$/);
      expect(r.out).not.toContain('the answer depends on');
    });

    test('without them, the answers per client namespace', () => {
      const r = run('--host', 'echo-v1.mesh-app');
      expect(r.out).toContain('the answer depends on what the request leaves open:\n  client namespace mesh-client: rule 0 "consumer" matches');
      expect(r.out).toContain('\n  client namespace other: rule 2 "(no route applies: the Service itself)" matches');
    });

    test('check says that a consumer route\'s answers differ per client namespace', () => {
      // GIVEN the Service alone, then with the consumer route
      const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'cdk8s-canary-consumer-'));
      const out: string[] = [];
      try {
        const write = (name: string, list: any[]) => fs.writeFileSync(nodePath.join(dir, name), list.map(o => `---\n${JSON.stringify(o)}\n`).join(''));
        write('old.yaml', objects.slice(0, 2));
        write('new.yaml', objects);
        // WHEN
        main(['check', nodePath.join(dir, 'old.yaml'), nodePath.join(dir, 'new.yaml')], { out: t => out.push(t), err: t => out.push(t) });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      // THEN
      expect(out.join('\n')).toContain('so this is a GAMMA consumer route: it applies only to clients in namespace mesh-client, before the producer routes; '
        + 'the answers differ per client namespace (explain --from-namespace mesh-client)');
    });

    test('fails on a port out of range, a port that differs from the host\'s, and a namespace that is not a name', () => {
      expect(run('--host', 'echo-v1', '--port', '0')).toEqual({ code: 2, out: expect.stringContaining('--port must be an integer from 1 to 65535, got "0"') });
      expect(run('--host', 'echo-v1:8080', '--port', '80')).toEqual({ code: 2, out: expect.stringContaining('--port 80 differs from the port in --host "echo-v1:8080"; give one') });
      expect(run('--host', 'echo-v1', '--from-namespace', 'Team_A')).toEqual({ code: 2, out: expect.stringContaining('--from-namespace must be a namespace name (a DNS-1123 label), got "Team_A"') });
    });
  });
});

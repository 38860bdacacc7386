// What a conformant Gateway does with routes, written from the Gateway API v1.6.1 spec
// (apis/v1/httproute_types.go, shared_types.go) and its conformance tests
// (conformance/tests/httproute-*.go/.yaml): the cases below are our own, built from theirs.
import { GatewayApiReader, IstioReader, RouteSimulator } from '../../../src';
import { validateManifests } from '../../util';

const GW = 'gateway.networking.k8s.io';

function service(name: string, namespace: string): any {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080 }] } };
}

function route(name: string, namespace: string, spec: any): any {
  return { apiVersion: `${GW}/v1`, kind: 'HTTPRoute', metadata: { name, namespace }, spec };
}

/** Where a request through `gateway` goes: the backend Services' hosts, or `none`. */
function where(objects: any[], host: string, gateway: string, path = '/'): string {
  validateManifests(objects);
  const e = RouteSimulator.explain({ host, path, gateway }, GatewayApiReader.read(objects).routings);
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
    const objects = [route('web', 'infra', { parentRefs: [{ name: 'gw' }], hostnames: ['web.example.com'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/x' } }] }] })];
    validateManifests(objects);
    expect(GatewayApiReader.read(objects).warnings.map(w => w.message)).toEqual(['rules[0]: has no backendRefs; the Gateway API answers its requests with 500, modelled as reaching no version']);
    expect(where(objects, 'web.example.com', 'infra/gw', '/x')).toBe('none');
  });
});

// Property test for SharedHost (fast-check): for random sets of services (canary weights, a
// header route) and paths (exact and path-segment prefix, nested and overlapping), both
// providers' renderings, read back (IstioReader through the delegation, GatewayApiReader
// merging the routes by Gateway API precedence) and simulated (RouteSimulator), send every
// sampled request to the same versions with the same shares as the SharedHost's model.
import { Testing } from 'cdk8s';
import * as fc from 'fast-check';
import {
  CanaryService, GatewayApiReader, HeaderMatchRoute, IstioReader, RequestMatch, RouteExplanation, RouteSimulator, SharedHost, StringMatch,
  TrafficProvider,
} from '../src';
import { validateManifests } from './util';

const RUNS = 60;
if (process.env.FC_SEED) fc.configureGlobal({ seed: Number(process.env.FC_SEED) });

const HOST = 'shop.example.com';
const GATEWAY = 'istio-system/public';
const SEGMENTS = ['/a', '/a/b', '/a/b/c', '/b', '/ab'];

interface ServiceModel { readonly weight: number; readonly header: boolean }
interface PathModel { readonly exact: boolean; readonly value: string; readonly service: number }

const arb = fc.record({
  services: fc.array(fc.record({ weight: fc.constantFrom(0, 10, 50, 100), header: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  paths: fc.uniqueArray(fc.record({ exact: fc.boolean(), value: fc.constantFrom(...SEGMENTS, '/'), service: fc.nat(2) }), {
    minLength: 1, maxLength: 6, selector: p => `${p.exact}${p.value}`,
  }),
});

function build(provider: () => TrafficProvider, services: ServiceModel[], paths: PathModel[]) {
  const chart = Testing.chart();
  const built = services.map((s, i) => {
    const svc = new CanaryService(chart, `svc${i}`, {
      port: 8080,
      provider: provider(),
      stable: { version: 'v1', image: 'x:1' },
      canary: { version: 'v2', image: 'x:2' },
      canaryWeight: s.weight,
    });
    if (s.header) new HeaderMatchRoute(chart, `beta${i}`, { target: svc, matches: [RequestMatch.header('x-beta', StringMatch.exact('1'))], version: 'v2' });
    return svc;
  });
  const host = new SharedHost(chart, 'shop', { hosts: [HOST], gateways: [GATEWAY], provider: provider() });
  for (const p of paths) host.addPath(p.exact ? StringMatch.exact(p.value) : StringMatch.prefix(p.value), built[p.service % built.length]);
  return { manifests: Testing.synth(chart), model: host.routing };
}

function outcome(e: RouteExplanation): string {
  return e.destinations.map(d => `${d.host}/${d.version ?? '*'}=${d.probability.toFixed(6)}`).sort().join(', ') || 'none';
}

const REQUEST_PATHS = ['/', '/a', '/a/', '/a/b', '/a/b/', '/a/b/c', '/a/b/c/d', '/ab', '/abc', '/a/bc', '/b', '/b/x', '/c'];

test('both providers\' renderings agree with the SharedHost model on sampled requests', () => {
  let compared = 0;
  const validated: any[] = [];
  fc.assert(fc.property(arb, ({ services, paths }) => {
    const istio = build(() => TrafficProvider.istio(), services, paths);
    const gatewayApi = build(() => TrafficProvider.gatewayApi(), services, paths);
    if (validated.length < 200) validated.push(...istio.manifests, ...gatewayApi.manifests);
    const readIstio = IstioReader.read(istio.manifests).routings;
    const readGatewayApi = GatewayApiReader.read(gatewayApi.manifests).routings;
    for (const path of REQUEST_PATHS) {
      for (const headers of [undefined, { 'x-beta': '1' }]) {
        const request = { host: HOST, gateway: GATEWAY, path, headers };
        const expected = `${path} ${JSON.stringify(headers ?? {})} ${outcome(RouteSimulator.explain(request, [istio.model]))}`;
        expect(`${path} ${JSON.stringify(headers ?? {})} ${outcome(RouteSimulator.explain(request, readIstio))}`).toBe(expected);
        expect(`${path} ${JSON.stringify(headers ?? {})} ${outcome(RouteSimulator.explain(request, readGatewayApi))}`).toBe(expected);
        compared++;
      }
    }
  }), { numRuns: RUNS });
  validateManifests(validated);
  expect(compared).toBe(RUNS * REQUEST_PATHS.length * 2);
});

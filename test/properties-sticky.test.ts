// Property test (fast-check): sticky sessions rendered by the Istio provider and by the Gateway
// API provider, each read back (RoutingReader) and simulated (RouteSimulator), send random
// requests (random cookie headers: our cookie naming either version or another, look-alike
// names and values, other cookies, any separators) to the same versions with the same shares,
// the same Set-Cookie per destination and the same sessions note, in the mesh and through a
// Gateway (with an untrusted header, so the cookie rules have gateway variants). 60 models x 5
// requests.
import { Duration, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { CanaryService, HeaderMatchRoute, RequestMatch, RouteSimulator, RoutingReader, StringMatch, TrafficProvider } from '../src';

if (process.env.FC_SEED) fc.configureGlobal({ seed: Number(process.env.FC_SEED) });

interface Model {
  readonly weight: number;
  readonly stable: boolean;
  readonly cookieName?: string;
  readonly maxAge?: number;
  readonly cohort: boolean;
  /** Bound to a Gateway too, with an untrusted header (cookie rules then have gateway variants). */
  readonly gateway: boolean;
}

function synth(m: Model, provider: TrafficProvider): any[] {
  const chart = Testing.chart();
  const svc = new CanaryService(chart, 'reviews', {
    port: 9080,
    stable: { version: 'v1', image: 'reviews:1' },
    canary: { version: 'v2', image: 'reviews:2' },
    extraVersions: [{ version: 'v3', image: 'reviews:3' }],
    canaryWeight: m.weight,
    ...(m.gateway ? { gateways: ['istio-system/public'], hosts: ['reviews.example.com'], untrustedHeaders: ['x-beta'] } : {}),
    stickySessions: { stable: m.stable, cookieName: m.cookieName, maxAge: m.maxAge ? Duration.seconds(m.maxAge) : undefined },
    provider,
  });
  if (m.cohort) new HeaderMatchRoute(chart, 'testers', { target: svc, matches: [RequestMatch.header('x-tester', StringMatch.exact('1'))], version: 'v3' });
  return Testing.synth(chart);
}

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/).filter(t => !/^__(secure|host)-/i.test(t));
const model: fc.Arbitrary<Model> = fc.record({
  weight: fc.oneof(fc.integer({ min: 1, max: 99 }), fc.constantFrom(0, 100)),
  stable: fc.boolean(),
  cookieName: fc.option(token, { nil: undefined }),
  maxAge: fc.option(fc.integer({ min: 1, max: 86400 }), { nil: undefined }),
  cohort: fc.boolean(),
  gateway: fc.boolean(),
});

/** A cookie header of 0 to 3 pairs: ours naming a version or not, look-alikes, others. */
function cookieHeader(name: string): fc.Arbitrary<string | undefined> {
  const pair = fc.oneof(
    fc.constantFrom('v1', 'v2', 'v3', 'v22', '').map(v => `${name}=${v}`),
    fc.constantFrom(`x${name}=v2`, `${name}x=v2`, `${name.toUpperCase()}=v2`, 'session=abc'),
  );
  return fc.option(fc.tuple(fc.array(pair, { maxLength: 3 }), fc.constantFrom('; ', ';', ' ; ', ';\t'))
    .map(([pairs, sep]) => pairs.join(sep)), { nil: undefined });
}

describe('sticky sessions: the Gateway API rendering routes as the Istio one (reader + simulator)', () => {
  test('same destinations, shares, Set-Cookie and sessions note for random models and cookie headers', () => {
    let requests = 0;
    fc.assert(fc.property(model, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (m, seed) => {
      const istio = RoutingReader.read(synth(m, TrafficProvider.istio()));
      const gatewayApi = RoutingReader.read(synth(m, TrafficProvider.gatewayApi()));
      const name = m.cookieName ?? 'canary-reviews';
      const samples = fc.sample(fc.tuple(cookieHeader(name), fc.boolean(), fc.boolean()), { numRuns: 5, seed });
      for (const [cookie, tester, viaGateway] of samples) {
        const headers: { [k: string]: string } = { ...(cookie !== undefined ? { cookie } : {}), ...(tester ? { 'x-tester': '1' } : {}) };
        const at = m.gateway && viaGateway ? { host: 'reviews.example.com', gateway: 'istio-system/public' } : { host: 'reviews' };
        const outcome = (routings: any) => {
          const e = RouteSimulator.explain({ ...at, headers }, routings);
          return { destinations: e.destinations.map(d => [d.version, d.probability, d.setCookie]), sessions: e.sessions, rule: e.ruleName };
        };
        expect(outcome(gatewayApi.routings)).toEqual(outcome(istio.routings));
        requests++;
      }
    }), { numRuns: 60 });
    expect(requests).toBe(300);
  });
});

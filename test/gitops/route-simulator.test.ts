import { Testing } from 'cdk8s';
import {
  CanaryService, ClientBrowser, ClientOs, HeaderMatchRoute, RequestMatch, ServiceRouting, StringMatch, IstioReader, RouteSimulator, SimulatedRequest,
} from '../../src';
import { synthValid } from '../util';
import { constructs, JASON_V2, REVIEWS_80_20, REVIEWS_V2_V3, reviewsBase, virtualService } from '../util/bookinfo';
import { BROWSER_USER_AGENTS } from '../util/user-agents';

const dest = (subset: string, weight?: number) => ({ destination: { host: 'reviews', subset }, ...(weight === undefined ? {} : { weight }) });

function routingsOf(http: any[], extra: any = {}): ServiceRouting[] {
  return IstioReader.read([...reviewsBase(), virtualService(http, extra)]).routings;
}

function versionOf(request: Partial<SimulatedRequest>, routings: ServiceRouting[]): string[] {
  return RouteSimulator.explain({ host: 'reviews', ...request }, routings).destinations.map(d => d.version ?? '-');
}

describe('RouteSimulator', () => {
  describe('Istio semantics', () => {
    test('the first matching rule wins, even when a later one is more specific', () => {
      // GIVEN
      const routings = routingsOf([
        { name: 'any-group', match: [{ headers: { 'x-group': {} } }], route: [dest('v2')] },
        { name: 'qa', match: [{ headers: { 'x-group': { exact: 'qa' } } }], route: [dest('v3')] },
        { route: [dest('v1')] },
      ]);
      // WHEN
      const e = RouteSimulator.explain({ host: 'reviews', headers: { 'x-group': 'qa' } }, routings);
      // THEN
      expect([e.ruleIndex, e.ruleName, e.destinations]).toEqual([0, 'any-group', [{ host: 'reviews', version: 'v2', probability: 1 }]]);
      expect(e.trace).toEqual(['rule 0 "any-group" (header x-group present): matches']);
    });

    test('conditions in one match are ANDed; matches of a rule are ORed', () => {
      const routings = routingsOf([
        { match: [{ headers: { 'x-a': { exact: '1' } }, uri: { prefix: '/beta' } }, { queryParams: { ab: { exact: 'b' } } }], route: [dest('v2')] },
        { route: [dest('v1')] },
      ]);
      expect(versionOf({ headers: { 'x-a': '1' }, path: '/beta/x' }, routings)).toEqual(['v2']);
      expect(versionOf({ headers: { 'x-a': '1' }, path: '/other' }, routings)).toEqual(['v1']);
      expect(versionOf({ path: '/beta' }, routings)).toEqual(['v1']);
      expect(versionOf({ path: '/other?ab=b' }, routings)).toEqual(['v2']);
      expect(versionOf({ queryParams: { ab: 'b' } }, routings)).toEqual(['v2']);
      const miss = RouteSimulator.explain({ host: 'reviews', path: '/other' }, routings);
      expect(miss.trace[0]).toBe('rule 0 (header x-a exact "1" and uri prefix "/beta" or query ab exact "b"): no, '
        + 'header x-a exact "1" does not hold (absent); query ab exact "b" does not hold (absent)');
    });

    test('header names are case-insensitive; values are case-sensitive', () => {
      const routings = routingsOf([{ match: [{ headers: { 'End-User': { exact: 'jason' } } }], route: [dest('v2')] }, { route: [dest('v1')] }]);
      expect(versionOf({ headers: { 'END-USER': 'jason' } }, routings)).toEqual(['v2']);
      expect(versionOf({ headers: { 'end-user': 'Jason' } }, routings)).toEqual(['v1']);
    });

    test('a regex matches the whole value (Envoy), a prefix the start', () => {
      const routings = routingsOf([
        { match: [{ headers: { 'x-build': { regex: 'beta' } } }], route: [dest('v2')] },
        { match: [{ headers: { 'x-build': { prefix: 'rc' } } }], route: [dest('v3')] },
        { route: [dest('v1')] },
      ]);
      expect(versionOf({ headers: { 'x-build': 'beta' } }, routings)).toEqual(['v2']);
      expect(versionOf({ headers: { 'x-build': 'xbeta' } }, routings)).toEqual(['v1']);
      expect(versionOf({ headers: { 'x-build': 'rc1' } }, routings)).toEqual(['v3']);
    });

    test('withoutHeaders holds when the header is absent or does not match', () => {
      const routings = routingsOf([{ match: [{ withoutHeaders: { 'x-tier': { exact: 'free' } } }], route: [dest('v2')] }, { route: [dest('v1')] }]);
      expect(versionOf({}, routings)).toEqual(['v2']);
      expect(versionOf({ headers: { 'x-tier': 'gold' } }, routings)).toEqual(['v2']);
      expect(versionOf({ headers: { 'x-tier': 'free' } }, routings)).toEqual(['v1']);
    });

    test('cookies, user agent, method and source labels', () => {
      // GIVEN: our factories, through the model directly
      const routing: ServiceRouting = {
        host: 'reviews',
        versions: [],
        rules: [
          { matches: [RequestMatch.cookie('beta', 'true')], destinations: [{ version: 'v2', weight: 100 }] },
          { matches: [RequestMatch.all(RequestMatch.method('POST'), RequestMatch.sourceLabel('app', 'productpage'))], destinations: [{ version: 'v3', weight: 100 }] },
          { matches: [RequestMatch.header('user-agent', StringMatch.regex('.*Android.*'))], destinations: [{ version: 'v4', weight: 100 }] },
          { destinations: [{ version: 'v1', weight: 100 }] },
        ],
      };
      expect(versionOf({ cookies: { session: 'x', beta: 'true' } }, [routing])).toEqual(['v2']);
      expect(versionOf({ headers: { cookie: 'xbeta=true' } }, [routing])).toEqual(['v1']);
      expect(versionOf({ method: 'post', sourceLabels: { app: 'productpage' } }, [routing])).toEqual(['v3']);
      // Source labels describe sidecar callers: never true at a gateway.
      expect(RouteSimulator.explain({ host: 'reviews', method: 'POST', sourceLabels: { app: 'productpage' }, gateway: 'public' }, [{ ...routing, gateways: ['public'] }])
        .destinations.map(d => d.version)).toEqual(['v1']);
      expect(versionOf({ userAgent: 'Mozilla/5.0 (Linux; Android 14)' }, [routing])).toEqual(['v4']);
    });

    test('rules bound to gateways apply to requests through them only', () => {
      const routings = routingsOf([
        { match: [{ headers: { 'x-beta': { exact: '1' } }, gateways: ['mesh'] }], route: [dest('v2')] },
        { route: [dest('v1')] },
      ], { gateways: ['istio-system/public', 'mesh'], hosts: ['reviews', 'reviews.example.com'] });
      expect(versionOf({ headers: { 'x-beta': '1' } }, routings)).toEqual(['v2']);
      expect(RouteSimulator.explain({ host: 'reviews.example.com', headers: { 'x-beta': '1' }, gateway: 'istio-system/public' }, routings).destinations
        .map(d => d.version)).toEqual(['v1']);
      // A short gateway name matches the namespaced one.
      expect(RouteSimulator.explain({ host: 'reviews.example.com:443', gateway: 'public' }, routings).ruleIndex).toBe(1);
    });

    test('without a routing: any pod in the mesh, 404 at a gateway; without a matching rule: 404', () => {
      const routings = routingsOf([{ match: [{ headers: { 'x-a': { exact: '1' } } }], route: [dest('v2')] }]);
      expect(RouteSimulator.explain({ host: 'ratings' }, routings)).toMatchObject({
        matched: false, destinations: [{ host: 'ratings', probability: 1 }], summary: 'no routing for ratings in the mesh: the request goes to any pod of ratings',
      });
      expect(RouteSimulator.explain({ host: 'reviews', gateway: 'public' }, routings)).toMatchObject({ matched: false, destinations: [] });
      expect(RouteSimulator.explain({ host: 'reviews' }, routings)).toMatchObject({ matched: false, destinations: [], summary: 'no rule of VirtualService default/reviews matches: Istio answers 404' });
    });

    test('cluster-local host names reach the short-named routing', () => {
      const routings = IstioReader.read([...reviewsBase(), REVIEWS_80_20]).routings;
      expect(RouteSimulator.explain({ host: 'reviews.default.svc.cluster.local:9080' }, routings).routingHost).toBe('reviews');
      expect(RouteSimulator.explain({ host: 'reviews.default' }, routings).routingHost).toBe('reviews');
      expect(RouteSimulator.explain({ host: 'reviews.example.com' }, routings).routingHost).toBeUndefined();
    });

    test('weights become probabilities; the mirror is reported separately', () => {
      const routings = routingsOf([{ route: [dest('v1', 75), dest('v2', 25)], mirror: { host: 'reviews', subset: 'v3' }, mirrorPercentage: { value: 10 } }]);
      const e = RouteSimulator.explain({ host: 'reviews' }, routings);
      expect(e.destinations).toEqual([{ host: 'reviews', version: 'v1', probability: 0.75 }, { host: 'reviews', version: 'v2', probability: 0.25 }]);
      expect(e.mirror).toEqual({ host: 'reviews', version: 'v3', probability: 0.1 });
      expect(e.summary).toBe('rule 0 matches (every request): v1 75%, v2 25%; mirrored to v3 10%');
      const s = RouteSimulator.sample({ host: 'reviews' }, routings, 50_000, 3);
      expect(Math.abs(s.mirrored / 50_000 - 0.1)).toBeLessThan(0.01);
    });

    test('sampling is deterministic for a seed', () => {
      const routings = IstioReader.read([...reviewsBase(), REVIEWS_80_20]).routings;
      const a = RouteSimulator.sample({ host: 'reviews' }, routings, 1000, 42);
      const b = RouteSimulator.sample({ host: 'reviews' }, routings, 1000, 42);
      expect(a.destinations).toEqual(b.destinations);
      expect(() => RouteSimulator.sample({ host: 'reviews' }, routings, 0)).toThrow('RouteSimulator.sample: requests must be an integer from 1 to 10000000, got 0');
    });

    test('rejects a request without host or with a relative path', () => {
      expect(() => RouteSimulator.explain({ host: '' }, [])).toThrow('RouteSimulator: request.host must be a non-empty string, got ""');
      expect(() => RouteSimulator.explain({ host: 'a', path: 'x' }, [])).toThrow('RouteSimulator: request.path must start with \'/\', got "x"');
    });
  });

  describe.each([
    ['hand-written Istio JSON', (what: 'jason-v2' | '80-20' | 'v2-v3') => [...reviewsBase(), { 'jason-v2': JASON_V2, '80-20': REVIEWS_80_20, 'v2-v3': REVIEWS_V2_V3 }[what]]],
    ['CanaryService + HeaderMatchRoute', (what: 'jason-v2' | '80-20' | 'v2-v3') => constructs(what)],
  ])('Bookinfo, %s', (_, objects) => {
    const N = 100_000;
    const shares = (request: SimulatedRequest, what: 'jason-v2' | '80-20' | 'v2-v3') => {
      const s = RouteSimulator.sample(request, IstioReader.read(objects(what)).routings, N, 2024);
      return Object.fromEntries(s.destinations.map(d => [d.version, d.share]));
    };

    test('jason goes to v2 through the end-user header; everyone else to v1', () => {
      expect(shares({ host: 'reviews', headers: { 'end-user': 'jason' } }, 'jason-v2')).toEqual({ v2: 1 });
      expect(shares({ host: 'reviews', headers: { 'end-user': 'alice' } }, 'jason-v2')).toEqual({ v1: 1 });
      expect(shares({ host: 'reviews' }, 'jason-v2')).toEqual({ v1: 1 });
    });

    test('reviews 80/20: measured within 1 percentage point', () => {
      const s = shares({ host: 'reviews' }, '80-20');
      expect(Math.abs(s.v1 - 0.8)).toBeLessThan(0.01);
      expect(Math.abs(s.v2 - 0.2)).toBeLessThan(0.01);
    });

    test('reviews v2/v3 50/50: measured within 1 percentage point', () => {
      const s = shares({ host: 'reviews' }, 'v2-v3');
      expect(Math.abs(s.v2 - 0.5)).toBeLessThan(0.01);
      expect(Math.abs(s.v3 - 0.5)).toBeLessThan(0.01);
    });
  });
});

describe('withoutHeaders semantics', () => {
  test('a value match treats a missing header as empty, as Istio does', () => {
    // GIVEN a rule taken by requests whose x-env is not matched by `.*` (i.e. never, since an absent header counts as "")
    const routings = routingsOf([
      { match: [{ withoutHeaders: { 'x-env': { regex: '.*' } } }], route: [dest('v2')] },
      { route: [dest('v1')] },
    ]);
    // WHEN / THEN
    expect(RouteSimulator.explain({ host: 'reviews' }, routings).destinations).toEqual([{ host: 'reviews', version: 'v1', probability: 1 }]);
  });

  test('a presence match selects requests without the header', () => {
    const routings = routingsOf([
      { match: [{ withoutHeaders: { 'x-env': {} } }], route: [dest('v2')] },
      { route: [dest('v1')] },
    ]);
    expect(RouteSimulator.explain({ host: 'reviews' }, routings).destinations).toEqual([{ host: 'reviews', version: 'v2', probability: 1 }]);
    expect(RouteSimulator.explain({ host: 'reviews', headers: { 'X-Env': 'qa' } }, routings).destinations).toEqual([{ host: 'reviews', version: 'v1', probability: 1 }]);
  });
});

describe('client browser cohorts: the simulator and the rendered VirtualService agree', () => {
  // GIVEN one route per browser, in enum order, then the default route
  const chart = Testing.chart();
  const reviews = new CanaryService(chart, 'reviews', { port: 9080, stable: { version: 'v1', image: 'reviews:v1' }, canary: { version: 'v2', image: 'reviews:v2' } });
  for (const browser of Object.values(ClientBrowser)) {
    new HeaderMatchRoute(chart, browser, { target: reviews, matches: [RequestMatch.clientBrowser(browser)], version: 'v2' });
  }
  const fromModel = [reviews.routing];
  // The synthesized YAML (valid against the Istio CRD) read back: its regexes are the rendered ones.
  const fromYaml = IstioReader.read(synthValid(chart)).routings;

  test.each(BROWSER_USER_AGENTS)('%s: %s', (browser, _, ua) => {
    // WHEN
    const viaModel = RouteSimulator.explain({ host: 'reviews', userAgent: ua }, fromModel);
    const viaYaml = RouteSimulator.explain({ host: 'reviews', userAgent: ua }, fromYaml);
    // THEN: the browser's own route, or the default route for none
    expect(viaModel.ruleName).toBe(browser);
    expect(viaYaml.ruleName).toBe(browser);
    expect(viaYaml.ruleIndex).toBe(viaModel.ruleIndex);
  });

  test('a browser route and an OS route are ORed when listed as two matches', () => {
    const c = Testing.chart();
    const svc = new CanaryService(c, 'reviews', { port: 9080, stable: { version: 'v1', image: 'reviews:v1' }, canary: { version: 'v2', image: 'reviews:v2' } });
    new HeaderMatchRoute(c, 'apple', { target: svc, matches: [RequestMatch.clientBrowser(ClientBrowser.SAFARI), RequestMatch.clientOs(ClientOs.IOS)], version: 'v2' });
    const routings = IstioReader.read(synthValid(c)).routings;
    const chromeOnIphone = BROWSER_USER_AGENTS.find(([, label]) => label === 'Chrome on iPhone (CriOS)')![2];
    const safariOnMac = BROWSER_USER_AGENTS.find(([, label]) => label === 'Safari on macOS')![2];
    const firefoxOnWindows = BROWSER_USER_AGENTS.find(([, label]) => label === 'Firefox on Windows')![2];
    expect([chromeOnIphone, safariOnMac, firefoxOnWindows].map(ua => RouteSimulator.explain({ host: 'reviews', userAgent: ua }, routings).ruleName))
      .toEqual(['apple', 'apple', undefined]);
  });
});

describe('RouteSimulator._route (the proof\'s fast path)', () => {
  test('routes every request where explain does, without the words', () => {
    // GIVEN a routing with a header rule, a regex cookie, a path prefix, a weighted default and a mirror
    const routings = routingsOf([
      {
        name: 'qa',
        match: [{ headers: { 'x-group': { exact: 'qa' } } }, { headers: { cookie: { regex: '^(.*;[ \\t]*)?beta=on([ \\t]*;.*)?$' } } }],
        route: [dest('v3')],
      },
      { name: 'api', match: [{ uri: { prefix: '/api' } }], route: [dest('v2', 30), dest('v1', 70)], mirror: { host: 'reviews', subset: 'v3' }, mirrorPercentage: { value: 5 } },
      { route: [dest('v1')] },
    ]);
    const requests: SimulatedRequest[] = [
      { host: 'reviews' }, { host: 'reviews', headers: { 'x-group': 'qa' } }, { host: 'reviews', cookies: { beta: 'on' } },
      { host: 'reviews', path: '/api/x' }, { host: 'reviews', path: '/ap' }, { host: 'other' }, { host: 'reviews', gateway: 'istio-system/public' },
    ];
    for (const request of requests) {
      // WHEN routed both ways
      const full = RouteSimulator.explain(request, routings);
      const fast = RouteSimulator._route(request, routings);
      // THEN the same outcome, and no text
      const { summary, trace, ruleMatches, ...outcome } = full;
      const words = { summary: undefined, trace: undefined, ruleMatches: undefined };
      expect({ request, ...fast, ...words }).toEqual({ request, ...outcome, ...words });
      expect([fast.summary, fast.trace, fast.ruleMatches ?? '']).toEqual(['', [], '']);
      expect(summary).not.toBe('');
    }
  });
});

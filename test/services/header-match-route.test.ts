import { Chart, Testing } from 'cdk8s';
import {
  CanaryService, CanaryServiceProps, ClientOs, HeaderMatchRoute, HeaderMatchRouteProps, IRoutedService, RequestMatch, StringMatch,
} from '../../src';
import { find, synthValid } from '../util';

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;
const V1 = { version: 'v1', image: image('v1') };
const V2 = { version: 'v2', image: image('v2') };
const V3 = { version: 'v3', image: image('v3') };

function service(props: Partial<CanaryServiceProps> = {}): { chart: Chart; reviews: CanaryService } {
  const chart = Testing.chart();
  const reviews = new CanaryService(chart, 'reviews', { port: 9080, stable: V1, canary: V2, extraVersions: [V3], ...props });
  return { chart, reviews };
}

function http(chart: Chart): any[] {
  return find(synthValid(chart), 'VirtualService', 'reviews').spec.http;
}

describe('HeaderMatchRoute', () => {
  test('sends Bookinfo user jason to v2 and everyone else through the default route', () => {
    // GIVEN
    const { chart, reviews } = service({ extraVersions: undefined, canary: V2, canaryWeight: 0 });
    // WHEN
    new HeaderMatchRoute(chart, 'jason', { target: reviews, matches: [RequestMatch.header('end-user', StringMatch.exact('jason'))], version: 'v2' });
    // THEN: samples/bookinfo/networking/virtual-service-reviews-test-v2.yaml, with the rule named
    expect(http(chart)).toEqual([
      { name: 'jason', match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
      { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
    ]);
  });

  test('renders several routes in creation order, before exactly one catch-all', () => {
    const { chart, reviews } = service({ canaryWeight: 20 });
    new HeaderMatchRoute(chart, 'testers', { target: reviews, matches: [RequestMatch.header('x-tester', StringMatch.exact('1'))], version: 'v3' });
    new HeaderMatchRoute(chart, 'beta', { target: reviews, matches: [RequestMatch.cookie('beta', 'true')], version: 'v2' });
    new HeaderMatchRoute(chart, 'ios', { target: reviews, matches: [RequestMatch.clientOs(ClientOs.IOS)], version: 'v1' });
    const rules = http(chart);
    expect(rules.map(r => r.name)).toEqual(['testers', 'beta', 'ios', undefined]);
    expect(rules.filter(r => r.match === undefined)).toHaveLength(1);
    expect(rules[3].route).toEqual([
      { destination: { host: 'reviews', subset: 'v1' }, weight: 80 },
      { destination: { host: 'reviews', subset: 'v2' }, weight: 20 },
    ]);
  });

  test('ANDs conditions inside one match and ORs several matches', () => {
    const { chart, reviews } = service();
    new HeaderMatchRoute(chart, 'preview', {
      target: reviews,
      matches: [
        RequestMatch.all(RequestMatch.clientOs(ClientOs.MACOS), RequestMatch.uri(StringMatch.prefix('/preview'))),
        RequestMatch.queryParam('beta', StringMatch.exact('1')),
      ],
      version: 'v3',
    });
    expect(http(chart)[0].match).toEqual([
      { headers: { 'user-agent': { regex: '^.*\\(Macintosh;[^)]*Mac OS X[^)]*\\).*$' } }, uri: { prefix: '/preview' } },
      { queryParams: { beta: { exact: '1' } } },
    ]);
  });

  test('renders every match kind in a schema-valid VirtualService', () => {
    const { chart, reviews } = service({ gateways: ['istio-system/public'] });
    const kinds: Array<[string, RequestMatch]> = [
      ['exact', RequestMatch.header('X-Group', StringMatch.exact('qa'))],
      ['prefix', RequestMatch.header('x-region', StringMatch.prefix('eu-'))],
      ['regex', RequestMatch.header('x-build', StringMatch.regex('^[0-9]+$'))],
      ['present', RequestMatch.headerPresent('x-debug')],
      ['absent', RequestMatch.all(RequestMatch.withoutHeader('x-legacy'), RequestMatch.method('POST'))],
      ['cookie', RequestMatch.cookie('beta', 'true')],
      ['uri', RequestMatch.uri(StringMatch.regex('^/api/v[23]/.*$'))],
      ['query', RequestMatch.queryParam('variant', StringMatch.regex('^b$'))],
      ['source', RequestMatch.sourceLabel('app', 'productpage')],
    ];
    for (const [id, match] of kinds) new HeaderMatchRoute(chart, id, { target: reviews, matches: [match], version: 'v3' });
    const matches = http(chart).slice(0, kinds.length).map(r => r.match[0]);
    expect(matches).toEqual([
      { headers: { 'x-group': { exact: 'qa' } } },
      { headers: { 'x-region': { prefix: 'eu-' } } },
      { headers: { 'x-build': { regex: '^[0-9]+$' } } },
      { headers: { 'x-debug': {} } },
      { withoutHeaders: { 'x-legacy': {} }, method: { exact: 'POST' } },
      { headers: { cookie: { regex: '^(.*;[ \\t]*)?beta=true([ \\t]*;.*)?$' } } },
      { uri: { regex: '^/api/v[23]/.*$' } },
      { queryParams: { variant: { regex: '^b$' } } },
      { sourceLabels: { app: 'productpage' } },
    ]);
  });

  test('routes on a JWT claim in a gateway-only VirtualService', () => {
    // GIVEN a service bound to the ingress gateway only, as Istio 1.24+ requires for JWT claims
    const { chart, reviews } = service({ gateways: ['istio-system/public'], includeMesh: false });
    // WHEN
    new HeaderMatchRoute(chart, 'beta-group', { target: reviews, matches: [RequestMatch.jwtClaim('groups', StringMatch.exact('beta'))], version: 'v3' });
    // THEN
    const vs = find(synthValid(chart), 'VirtualService', 'reviews');
    expect(vs.spec.gateways).toEqual(['istio-system/public']);
    expect(vs.spec.http[0].match).toEqual([{ headers: { '@request.auth.claims.groups': { exact: 'beta' } } }]);
  });

  test('splits a matched cohort between versions (A/B/n, Bookinfo v2/v3 50/50)', () => {
    const { chart, reviews } = service();
    new HeaderMatchRoute(chart, 'ab', {
      target: reviews,
      matches: [RequestMatch.header('end-user', StringMatch.exact('jason'))],
      split: [{ version: 'v2', weight: 50 }, { version: 'v3', weight: 50 }],
    });
    const manifests = synthValid(chart);
    expect(find(manifests, 'VirtualService', 'reviews').spec.http[0].route).toEqual([
      { destination: { host: 'reviews', subset: 'v2' }, weight: 50 },
      { destination: { host: 'reviews', subset: 'v3' }, weight: 50 },
    ]);
    expect(find(manifests, 'DestinationRule', 'reviews').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2', 'v3']);
    expect(find(manifests, 'Deployment', 'reviews-v3').spec.template.metadata.labels.version).toBe('v3');
  });

  test('binds a route to chosen gateways', () => {
    const { chart, reviews } = service({ gateways: ['public'] });
    new HeaderMatchRoute(chart, 'internal', { target: reviews, matches: [RequestMatch.header('x-qa', StringMatch.exact('1'))], version: 'v3', gateways: ['mesh'] });
    expect(http(chart)[0].match).toEqual([{ headers: { 'x-qa': { exact: '1' } }, gateways: ['mesh'] }]);
  });

  test('strips untrusted headers at the gateway and keeps their routes in the mesh', () => {
    // GIVEN a public service whose beta cohort uses a header clients could forge
    const { chart, reviews } = service({ gateways: ['istio-system/public'], untrustedHeaders: ['X-Beta'], canaryWeight: 10 });
    // WHEN
    new HeaderMatchRoute(chart, 'beta', { target: reviews, matches: [RequestMatch.header('x-beta', StringMatch.exact('true'))], version: 'v3' });
    // THEN the route serves in-mesh traffic only, gateway traffic loses the header, one catch-all remains
    const rules = http(chart);
    expect(rules[0].match).toEqual([{ headers: { 'x-beta': { exact: 'true' } }, gateways: ['mesh'] }]);
    expect(rules[1]).toEqual({
      name: 'gateway-default',
      match: [{ gateways: ['istio-system/public'] }],
      route: rules[2].route,
      headers: { request: { remove: ['x-beta'] } },
    });
    expect(rules[2].match).toBeUndefined();
    expect(rules).toHaveLength(3);
  });

  test('accepts any IRoutedService as target', () => {
    const { chart, reviews } = service();
    const target: IRoutedService = reviews;
    const route = new HeaderMatchRoute(chart, 'Beta Users', { target, matches: [RequestMatch.cookie('beta', 'true')], version: 'v2' });
    expect(route.rule.name).toBe('beta-users');
    expect(reviews.routing.rules[0]).toEqual(route.rule);
  });

  test('matches the snapshot', () => {
    const { chart, reviews } = service({ canaryWeight: 10 });
    new HeaderMatchRoute(chart, 'macos', { target: reviews, matches: [RequestMatch.clientOs(ClientOs.MACOS)], version: 'v3' });
    expect(synthValid(chart)).toMatchSnapshot();
  });

  describe('rejects bad input', () => {
    const jason = [RequestMatch.header('end-user', StringMatch.exact('jason'))];
    const bad: Array<[string, Partial<HeaderMatchRouteProps>, string]> = [
      ['fails on no matches', { matches: [] }, "HeaderMatchRoute 'r': matches must list at least one RequestMatch"],
      ['fails on a match that is not a RequestMatch', { matches: [{} as any] }, "HeaderMatchRoute 'r': matches[0] must be a RequestMatch, got {}"],
      ['fails on neither version nor split', { version: undefined }, "HeaderMatchRoute 'r': set exactly one of version and split, got neither"],
      ['fails on both version and split', { split: [{ version: 'v2', weight: 50 }, { version: 'v3', weight: 50 }] }, 'set exactly one of version and split, got both'],
      ['fails on a split with one version', { version: undefined, split: [{ version: 'v2', weight: 100 }] }, 'split must list at least two versions (use version for one), got 1'],
      ['fails on an unknown version', { version: 'v9' }, "HeaderMatchRoute 'r': the route sends traffic to version \"v9\", which CanaryService 'reviews' does not run (versions: v1, v2, v3); add the version to the service, or remove the route"],
      ['fails on split weights not adding up to 100', { version: undefined, split: [{ version: 'v2', weight: 50 }, { version: 'v3', weight: 40 }] }, 'HeaderMatchRoute \'r\': the weights of the route must add up to 100, got 90 (v2=50, v3=40)'],
      ['fails on a fractional split weight', { version: undefined, split: [{ version: 'v2', weight: 50.5 }, { version: 'v3', weight: 49.5 }] }, 'weight of version "v2" must be an integer from 0 to 100, got 50.5'],
      ['fails on a split naming a version twice', { version: undefined, split: [{ version: 'v2', weight: 50 }, { version: 'v2', weight: 50 }] }, 'must be unique, got "v2" twice'],
      ['fails on a bad rule name', { name: 'Jason!' }, "HeaderMatchRoute 'r': name must be a DNS-1123 label"],
      ['fails on a gateway the service is not bound to', { gateways: ['public'] }, "gateways lists \"public\", but CanaryService 'reviews' is bound to mesh only"],
    ];
    test.each(bad)('%s', (_, props, message) => {
      const { chart, reviews } = service();
      expect(() => new HeaderMatchRoute(chart, 'r', { target: reviews, matches: jason, version: 'v2', ...props })).toThrow(message);
    });

    test('fails on a version with 0 replicas', () => {
      const { chart, reviews } = service({ extraVersions: [{ ...V3, replicas: 0 }] });
      expect(() => new HeaderMatchRoute(chart, 'r', { target: reviews, matches: jason, version: 'v3' })).toThrow(
        "HeaderMatchRoute 'r': the route sends 100% of its traffic to version \"v3\", which has 0 replicas; scale it up first, or send it no traffic",
      );
    });

    test('fails on the same matches as an earlier route (unreachable rule)', () => {
      const { chart, reviews } = service();
      new HeaderMatchRoute(chart, 'first', { target: reviews, matches: jason, version: 'v2' });
      expect(() => new HeaderMatchRoute(chart, 'second', { target: reviews, matches: [RequestMatch.header('End-User', StringMatch.exact('jason'))], version: 'v3' })).toThrow(
        "HeaderMatchRoute 'second': its match (header end-user exact \"jason\") is the same as one of HeaderMatchRoute 'first', which comes first, so it could never select this route",
      );
    });

    test('fails on a match shared with an earlier route among other matches', () => {
      const { chart, reviews } = service();
      new HeaderMatchRoute(chart, 'first', { target: reviews, matches: [RequestMatch.cookie('a', '1'), ...jason], version: 'v2' });
      expect(() => new HeaderMatchRoute(chart, 'second', { target: reviews, matches: [RequestMatch.cookie('b', '1'), ...jason], version: 'v3' })).toThrow(
        "its match (header end-user exact \"jason\") is the same as one of HeaderMatchRoute 'first'",
      );
    });

    test('fails on the same match listed twice', () => {
      const { chart, reviews } = service();
      expect(() => new HeaderMatchRoute(chart, 'r', { target: reviews, matches: [...jason, ...jason], version: 'v2' })).toThrow(
        "HeaderMatchRoute 'r': it lists the match (header end-user exact \"jason\") twice; remove one",
      );
    });

    test('fails on a duplicate rule name', () => {
      const { chart, reviews } = service();
      new HeaderMatchRoute(chart, 'first', { target: reviews, matches: jason, version: 'v2', name: 'beta' });
      expect(() => new HeaderMatchRoute(chart, 'second', { target: reviews, matches: [RequestMatch.cookie('b', '1')], version: 'v3', name: 'beta' })).toThrow(
        'route name "beta" is already used on CanaryService \'reviews\'',
      );
    });

    test.each([
      ['bound to no gateway', {}],
      ['bound to a gateway and mesh', { gateways: ['public'] }],
    ])('fails on a JWT claim on a service %s', (_, props) => {
      const { chart, reviews } = service(props);
      expect(() => new HeaderMatchRoute(chart, 'r', { target: reviews, matches: [RequestMatch.jwtClaim('groups', StringMatch.exact('beta'))], version: 'v2' })).toThrow(
        "HeaderMatchRoute 'r': the route matches a JWT claim, which Istio accepts only in a VirtualService bound to gateways and not to mesh; "
        + "set gateways and includeMesh: false on CanaryService 'reviews'",
      );
    });

    test('fails on an untrusted header matched at a public gateway', () => {
      const { chart, reviews } = service({ gateways: ['public'], untrustedHeaders: ['x-beta'] });
      expect(() => new HeaderMatchRoute(chart, 'r', {
        target: reviews, matches: [RequestMatch.header('x-beta', StringMatch.exact('1'))], version: 'v2', gateways: ['public'],
      })).toThrow("it matches untrusted header \"x-beta\" at gateway \"public\", where clients can set it; bind the route to 'mesh' only, or use a JWT claim");
    });

    test('fails on untrusted headers without gateways', () => {
      expect(() => service({ untrustedHeaders: ['x-beta'] })).toThrow(
        "CanaryService 'reviews': untrustedHeaders are removed at the service's gateways, but it is bound to none; set gateways, or remove untrustedHeaders",
      );
    });

    test('fails on an untrusted header name that is not a token', () => {
      expect(() => service({ gateways: ['public'], untrustedHeaders: ['x beta'] })).toThrow('untrustedHeaders[0] must be an HTTP header name, got "x beta"');
    });

    test('fails on a target that is not a routed service', () => {
      expect(() => new HeaderMatchRoute(Testing.chart(), 'r', { target: {} as any, matches: jason, version: 'v2' })).toThrow(
        "HeaderMatchRoute 'r': target must be a CanaryService or BlueGreenService (an IRoutedService), got {}",
      );
    });
  });
});

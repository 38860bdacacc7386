import { Duration } from 'cdk8s';
import { ClientOs, FaultInjection, LoadBalancer, RequestMatch, RetryCondition, ServiceRouting, StringMatch } from '../../../src';
import { renderTrafficPolicy } from '../../../src/providers/istio/_traffic-policy';
import { toJson_DestinationRuleSpec, toJson_VirtualServiceSpec } from '../../../src/providers/istio/imports/networking.istio.io';
import { renderDestinationRuleSpec, renderVirtualServiceSpec, stringMatch } from '../../../src/providers/istio/renderer';
import { validateManifests } from '../../util';

/** An object as the DestinationRule and VirtualService constructs emit it: the spec through the generated toJson. */
function manifest(kind: 'VirtualService' | 'DestinationRule', name: string, spec: any): any {
  const json = kind === 'VirtualService' ? toJson_VirtualServiceSpec(spec) : toJson_DestinationRuleSpec(spec);
  return { apiVersion: 'networking.istio.io/v1', kind, metadata: { name }, spec: JSON.parse(JSON.stringify(json)) };
}

/** A JSON round trip: drops the keys whose value is undefined. */
function plain(x: unknown): any {
  return JSON.parse(JSON.stringify(x));
}

const REVIEWS: ServiceRouting = {
  host: 'reviews',
  hosts: ['reviews.example.com'],
  gateways: ['istio-system/public', 'mesh'],
  versions: [
    { version: 'v1' },
    { version: 'v2', labels: { 'app': 'reviews', 'app.kubernetes.io/version': '2.0.0' }, replicas: 2 },
    { version: 'v3', replicas: 0 },
  ],
  rules: [
    {
      name: 'testers',
      // ORed: one HTTPMatchRequest each
      matches: [
        RequestMatch.header('End-User', StringMatch.exact('jason')),
        RequestMatch.headerPresent('X-Tester'),
        RequestMatch.cookie('beta', 'true'),
      ],
      destinations: [{ version: 'v2', weight: 100 }],
    },
    {
      name: 'and',
      // ANDed: one HTTPMatchRequest with every condition
      matches: [
        RequestMatch.all(
          RequestMatch.header('X-Group', StringMatch.prefix('qa-')),
          RequestMatch.clientOs(ClientOs.MACOS),
          RequestMatch.uri(StringMatch.regex('^/api/v[23]/.*$')),
          RequestMatch.queryParam('variant', StringMatch.exact('b')),
          RequestMatch.queryParam('debug', StringMatch.regex('^(1|true)$')),
          RequestMatch.withoutHeader('X-Legacy'),
          RequestMatch.withoutHeader('X-Env', StringMatch.regex('^prod.*$')),
          RequestMatch.method('POST'),
          RequestMatch.sourceLabel('app', 'productpage'),
          RequestMatch.sourceLabel('version', 'v1'),
        ),
      ],
      gateways: ['mesh'],
      destinations: [{ version: 'v3', weight: 100 }],
    },
    {
      name: 'jwt',
      matches: [
        RequestMatch.jwtClaim('groups', StringMatch.exact('beta')),
        RequestMatch.all(RequestMatch.jwtClaim('realm_access.roles', StringMatch.prefix('beta-')), RequestMatch.uri(StringMatch.exact('/'))),
      ],
      gateways: ['istio-system/public'],
      destinations: [{ version: 'v2', weight: 100 }],
    },
    {
      name: 'public-split',
      // No matches, only gateways: every request through the public gateway
      gateways: ['istio-system/public'],
      destinations: [{ version: 'v1', weight: 90 }, { version: 'v2', weight: 10 }],
      removeRequestHeaders: ['x-tester', 'end-user'],
    },
    {
      // The catch-all, with a mirror to v3 and a destination on another host
      destinations: [{ version: 'v1', weight: 80 }, { version: 'v1', host: 'reviews-legacy.legacy.svc.cluster.local', weight: 20 }],
      mirror: { version: 'v3', percent: 12.5 },
    },
  ],
};

describe('Istio renderer', () => {
  describe('VirtualService', () => {
    const spec = renderVirtualServiceSpec(REVIEWS);
    const http = plain(spec).http;

    test('renders hosts, gateways and one HTTPRoute per rule, in order', () => {
      expect(plain(spec).hosts).toEqual(['reviews', 'reviews.example.com']);
      expect(plain(spec).gateways).toEqual(['istio-system/public', 'mesh']);
      expect(http.map((r: any) => r.name)).toEqual(['testers', 'and', 'jwt', 'public-split', undefined]);
    });

    test('renders ORed matches as several HTTPMatchRequests, presence as {}, and leaves a lone destination\'s weight out', () => {
      expect(http[0]).toEqual({
        name: 'testers',
        match: [
          { headers: { 'end-user': { exact: 'jason' } } },
          { headers: { 'x-tester': {} } },
          { headers: { cookie: { regex: '^(.*;[ \\t]*)?beta=true([ \\t]*;.*)?$' } } },
        ],
        route: [{ destination: { host: 'reviews', subset: 'v2' } }],
      });
    });

    test('renders ANDed conditions in one HTTPMatchRequest, with the rule\'s gateways on it', () => {
      expect(http[1]).toEqual({
        name: 'and',
        match: [{
          headers: {
            'x-group': { prefix: 'qa-' },
            'user-agent': { regex: '^.*\\(Macintosh;[^)]*Mac OS X[^)]*\\).*$' },
          },
          uri: { regex: '^/api/v[23]/.*$' },
          queryParams: { variant: { exact: 'b' }, debug: { regex: '^(1|true)$' } },
          withoutHeaders: { 'x-legacy': {}, 'x-env': { regex: '^prod.*$' } },
          method: { exact: 'POST' },
          sourceLabels: { app: 'productpage', version: 'v1' },
          gateways: ['mesh'],
        }],
        route: [{ destination: { host: 'reviews', subset: 'v3' } }],
      });
    });

    test('renders JWT claims as @request.auth.claims headers and copies the rule\'s gateways onto every match', () => {
      expect(http[2].match).toEqual([
        { headers: { '@request.auth.claims.groups': { exact: 'beta' } }, gateways: ['istio-system/public'] },
        { headers: { '@request.auth.claims.realm_access.roles': { prefix: 'beta-' } }, uri: { exact: '/' }, gateways: ['istio-system/public'] },
      ]);
    });

    test('renders a gateway-only rule as one match of gateways, keeps the weights of a split and removes headers', () => {
      expect(http[3]).toEqual({
        name: 'public-split',
        match: [{ gateways: ['istio-system/public'] }],
        route: [
          { destination: { host: 'reviews', subset: 'v1' }, weight: 90 },
          { destination: { host: 'reviews', subset: 'v2' }, weight: 10 },
        ],
        headers: { request: { remove: ['x-tester', 'end-user'] } },
      });
    });

    test('renders the catch-all with no match, a mirror on the service host with its percentage, and another destination host', () => {
      expect(http[4]).toEqual({
        route: [
          { destination: { host: 'reviews', subset: 'v1' }, weight: 80 },
          { destination: { host: 'reviews-legacy.legacy.svc.cluster.local', subset: 'v1' }, weight: 20 },
        ],
        mirror: { host: 'reviews', subset: 'v3' },
        mirrorPercentage: { value: 12.5 },
      });
    });

    test('uses the CRD\'s own field names: the generated toJson changes nothing', () => {
      expect(plain(toJson_VirtualServiceSpec(spec))).toEqual(plain(spec));
    });

    test('is valid against Istio\'s VirtualService schema', () => {
      expect(() => validateManifests([manifest('VirtualService', 'reviews', spec)])).not.toThrow();
    });

    test('does not share the rule\'s arrays with the output', () => {
      const gateways = ['istio-system/public'];
      const remove = ['x-a'];
      const out = renderVirtualServiceSpec({
        host: 'h',
        versions: [{ version: 'v1' }],
        rules: [{ gateways, removeRequestHeaders: remove, destinations: [{ version: 'v1', weight: 100 }] }],
      });
      expect(out.http![0].match![0].gateways).not.toBe(gateways);
      expect(out.http![0].headers!.request!.remove).not.toBe(remove);
    });
  });

  describe('VirtualService resilience settings', () => {
    // GIVEN a model with every setting on one rule, none on the other
    const routing: ServiceRouting = {
      host: 'reviews',
      versions: [{ version: 'v1' }, { version: 'v2' }],
      rules: [
        {
          name: 'testers',
          matches: [RequestMatch.headerPresent('x-tester')],
          destinations: [{ version: 'v2', weight: 100 }],
          timeout: Duration.millis(2500),
          retries: {
            attempts: 4,
            perTryTimeout: Duration.seconds(1),
            retryOn: [RetryCondition.GRPC_UNAVAILABLE, RetryCondition.GRPC_CANCELLED],
            retryOnStatusCodes: [503, 504],
          },
          removeRequestHeaders: ['x-beta'],
          headers: {
            requestSet: { 'x-env': 'test' },
            requestAdd: { 'x-trace': '%REQ(x-request-id)%' },
            requestRemove: ['x-beta', 'x-debug'],
            responseSet: { 'cache-control': 'no-store' },
            responseAdd: { 'x-version': 'v2' },
            responseRemove: ['server'],
          },
          fault: FaultInjection.abort({ httpStatus: 504, percent: 25 }),
        },
        { destinations: [{ version: 'v1', weight: 100 }], retries: { attempts: 0 } },
      ],
    };
    // WHEN
    const http = plain(renderVirtualServiceSpec(routing)).http;

    test('renders timeout, retries (conditions then status codes), merged header operations and the fault', () => {
      // THEN
      expect(http[0]).toEqual({
        name: 'testers',
        match: [{ headers: { 'x-tester': {} } }],
        route: [{ destination: { host: 'reviews', subset: 'v2' } }],
        timeout: '2.5s',
        retries: { attempts: 4, perTryTimeout: '1s', retryOn: 'unavailable,cancelled,503,504' },
        fault: { abort: { httpStatus: 504, percentage: { value: 25 } } },
        headers: {
          request: { set: { 'x-env': 'test' }, add: { 'x-trace': '%REQ(x-request-id)%' }, remove: ['x-beta', 'x-debug'] },
          response: { set: { 'cache-control': 'no-store' }, add: { 'x-version': 'v2' }, remove: ['server'] },
        },
      });
    });

    test('renders retries disabled as attempts 0 only', () => {
      expect(http[1]).toEqual({ route: [{ destination: { host: 'reviews', subset: 'v1' } }], retries: { attempts: 0 } });
    });

    test('is valid against the Istio CRD, strictly', () => {
      expect(() => validateManifests([manifest('VirtualService', 'reviews', renderVirtualServiceSpec(routing))])).not.toThrow();
    });
  });

  describe('VirtualService gateways and hosts', () => {
    const catchAll = [{ destinations: [{ version: 'v1', weight: 100 }] }];
    test.each<[string, string[] | undefined, string[] | undefined]>([
      ['no gateways: mesh only, field left out', undefined, undefined],
      ['an empty list: mesh only, field left out', [], undefined],
      ['mesh alone: field left out (Istio\'s default)', ['mesh'], undefined],
      ['a gateway only', ['public'], ['public']],
      ['a gateway and mesh', ['istio-system/public', 'mesh'], ['istio-system/public', 'mesh']],
    ])('%s', (_, gateways, expected) => {
      const spec = renderVirtualServiceSpec({ host: 'ratings', versions: [{ version: 'v1' }], rules: catchAll, gateways });
      expect(spec.gateways).toEqual(expected);
      const http = [{ route: [{ destination: { host: 'ratings', subset: 'v1' } }] }];
      expect(plain(spec)).toEqual(plain({ hosts: ['ratings'], gateways: expected, http }));
      expect(() => validateManifests([manifest('VirtualService', 'ratings', spec)])).not.toThrow();
    });

    test('renders a destination without a version with no subset', () => {
      const spec = renderVirtualServiceSpec({ host: 'ratings', versions: [], rules: [{ destinations: [{ weight: 100 }] }] });
      expect(plain(spec).http).toEqual([{ route: [{ destination: { host: 'ratings' } }] }]);
      expect(() => validateManifests([manifest('VirtualService', 'ratings', spec)])).not.toThrow();
    });

    test('keeps the weight of a lone destination that does not take 100', () => {
      const spec = renderVirtualServiceSpec({ host: 'ratings', versions: [], rules: [{ destinations: [{ version: 'v1', weight: 0 }] }] });
      expect(plain(spec).http[0].route).toEqual([{ destination: { host: 'ratings', subset: 'v1' }, weight: 0 }]);
    });

    test('renders a mirror to another host', () => {
      const spec = renderVirtualServiceSpec({
        host: 'ratings',
        versions: [],
        rules: [{ destinations: [{ version: 'v1', weight: 100 }], mirror: { version: 'v2', host: 'ratings-shadow', percent: 100 } }],
      });
      expect(plain(spec).http[0]).toEqual({
        route: [{ destination: { host: 'ratings', subset: 'v1' } }],
        mirror: { host: 'ratings-shadow', subset: 'v2' },
        mirrorPercentage: { value: 100 },
      });
    });
  });

  describe('DestinationRule', () => {
    test('renders one subset per version, labelled by version unless labels are given', () => {
      // GIVEN / WHEN
      const spec = renderDestinationRuleSpec(REVIEWS);
      // THEN
      expect(plain(spec)).toEqual({
        host: 'reviews',
        subsets: [
          { name: 'v1', labels: { version: 'v1' } },
          { name: 'v2', labels: { 'app': 'reviews', 'app.kubernetes.io/version': '2.0.0' } },
          { name: 'v3', labels: { version: 'v3' } },
        ],
      });
      expect(() => validateManifests([manifest('DestinationRule', 'reviews', spec)])).not.toThrow();
    });

    test('copies the version labels rather than sharing them', () => {
      const labels = { track: 'canary' };
      const spec = renderDestinationRuleSpec({ host: 'h', versions: [{ version: 'v2', labels }], rules: [] });
      expect(spec.subsets![0].labels).toEqual(labels);
      expect(spec.subsets![0].labels).not.toBe(labels);
    });

    test('renders a traffic policy, schema-valid once through the generated toJson (consecutive5xxErrors)', () => {
      // GIVEN
      const trafficPolicy = renderTrafficPolicy('test', {
        loadBalancer: LoadBalancer.consistentHashByHeader('X-User'),
        connectionPool: { maxConnections: 10, idleTimeout: Duration.seconds(30) },
        outlierDetection: { consecutive5xxErrors: 3, interval: Duration.seconds(10), maxEjectionPercent: 50 },
      });
      // WHEN
      const spec = renderDestinationRuleSpec(REVIEWS, trafficPolicy);
      const dr = manifest('DestinationRule', 'reviews', spec);
      // THEN
      expect(dr.spec.trafficPolicy).toEqual({
        loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } },
        connectionPool: { tcp: { maxConnections: 10 }, http: { idleTimeout: '30s' } },
        outlierDetection: { consecutive5xxErrors: 3, interval: '10s', maxEjectionPercent: 50 },
      });
      expect(dr.spec.subsets).toHaveLength(3);
      expect(() => validateManifests([dr])).not.toThrow();
    });

    test('renders no subsets for no versions', () => {
      const spec = renderDestinationRuleSpec({ host: 'ratings', versions: [], rules: [] });
      expect(plain(spec)).toEqual({ host: 'ratings', subsets: [] });
      expect(() => validateManifests([manifest('DestinationRule', 'ratings', spec)])).not.toThrow();
    });
  });

  test('validates the VirtualService and DestinationRule of one routing together', () => {
    expect(() => validateManifests([
      manifest('DestinationRule', 'reviews', renderDestinationRuleSpec(REVIEWS)),
      manifest('VirtualService', 'reviews', renderVirtualServiceSpec(REVIEWS)),
    ])).not.toThrow();
  });

  test('the schema check catches a broken spec (the validation is not vacuous)', () => {
    const vs = manifest('VirtualService', 'reviews', renderVirtualServiceSpec(REVIEWS));
    vs.spec.http[1].match[0].headers['x-group'] = { prefix: 'qa-', exact: 'qa' };
    expect(() => validateManifests([vs])).toThrow('VirtualService reviews');
  });

  describe('stringMatch', () => {
    const present = RequestMatch.headerPresent('x').conditions[0].match;
    test.each<[string, StringMatch, any]>([
      ['exact', StringMatch.exact('a'), { exact: 'a' }],
      ['prefix', StringMatch.prefix('/a'), { prefix: '/a' }],
      ['regex', StringMatch.regex('^a$'), { regex: '^a$' }],
      ['present', present, {}],
    ])('renders %s', (_, match, expected) => {
      expect(stringMatch(match)).toEqual(expected);
    });
  });
});

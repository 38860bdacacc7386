import { Chart, Duration, Testing } from 'cdk8s';
import {
  BlueGreenService, CanaryService, CanaryServiceProps, Color, HeaderMatchRoute, IngressPathType, RequestMatch, StringMatch, TrafficProvider,
} from '../../../src';
import { find, inventory, synthValid } from '../../util';

const base: CanaryServiceProps = {
  port: 8080,
  hosts: ['shop.example.com'],
  stable: { version: 'v1', image: 'shop:1' },
  canary: { version: 'v2', image: 'shop:2' },
  canaryWeight: 10,
  provider: TrafficProvider.ingressNginx(),
};
const A = 'nginx.ingress.kubernetes.io/';
const alt = 'use TrafficProvider.gatewayApi() or TrafficProvider.istio()';

function shop(extra: Partial<CanaryServiceProps> = {}) {
  const chart = Testing.chart();
  const svc = new CanaryService(chart, 'shop', { ...base, ...extra });
  const route = (id: string, matches: RequestMatch[], version = 'v2') => new HeaderMatchRoute(chart, id, { target: svc, matches, version });
  return { chart, svc, route };
}

/** As `shop`, in a chart with a namespace. */
function shopIn(namespace: string, extra: Partial<CanaryServiceProps> = {}) {
  const chart = new Chart(Testing.app(), 'test', { namespace });
  const svc = new CanaryService(chart, 'shop', { ...base, ...extra });
  const route = (id: string, matches: RequestMatch[], version = 'v2') => new HeaderMatchRoute(chart, id, { target: svc, matches, version });
  return { chart, svc, route };
}

describe('ingress-nginx provider: mirror-target', () => {
  test('a canary at weight 0 mirrored at 100% renders mirror-target on the main Ingress, to the canary\'s Service', () => {
    // GIVEN v2 deployed at weight 0, every request copied to it
    const { chart } = shopIn('shop', { canaryWeight: 0, mirrorPercent: 100 });
    // WHEN synthesized
    const manifests = synthValid(chart);
    // THEN the main Ingress (whose location serves every request) mirrors to shop-v2 by its full DNS name
    expect(find(manifests, 'Ingress', 'shop').metadata.annotations).toEqual({
      [`${A}mirror-target`]: 'http://shop-v2.shop.svc.cluster.local:8080$request_uri',
    });
    // and the canary Ingress, which ingress-nginx reads canary annotations only from, keeps its weight only
    expect(find(manifests, 'Ingress', 'shop-canary').metadata.annotations).toEqual({ [`${A}canary`]: 'true', [`${A}canary-weight`]: '0' });
    expect(find(manifests, 'Service', 'shop-v2').metadata.namespace).toBe('shop');
  });

  test('a blue-green service mirrors to the idle colour\'s Service, the active one on the canary Ingress', () => {
    // GIVEN green active (the canary Ingress at 100) and blue idle, mirrored
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    new BlueGreenService(chart, 'shop', {
      port: 8080,
      hosts: ['shop.example.com'],
      blue: { version: 'v1', image: 'shop:1' },
      green: { version: 'v2', image: 'shop:2' },
      active: Color.GREEN,
      mirrorPercent: 100,
      provider: TrafficProvider.ingressNginx(),
    });
    // WHEN synthesized
    const manifests = synthValid(chart);
    // THEN
    expect(find(manifests, 'Ingress', 'shop').metadata.annotations).toEqual({ [`${A}mirror-target`]: 'http://shop-v1.shop.svc.cluster.local:8080$request_uri' });
    expect(find(manifests, 'Ingress', 'shop-canary').metadata.annotations[`${A}canary-weight`]).toBe('100');
  });

  test('a mirror at 0% renders no mirror-target', () => {
    const manifests = synthValid(shop({ canaryWeight: 0, mirrorPercent: 0 }).chart);
    expect(find(manifests, 'Ingress', 'shop').metadata.annotations).toBeUndefined();
  });
});

describe('ingress-nginx provider: the canary Ingress pair', () => {
  test('a canary at weight 10 renders per-version Services, the main Ingress and the canary Ingress', () => {
    // GIVEN a canary at 10%
    const { chart } = shop();
    // WHEN synthesized
    const manifests = synthValid(chart);
    // THEN the main Ingress goes to v1's Service and the canary Ingress to v2's, with the weight
    expect(inventory(manifests)).toEqual([
      'Deployment/shop-v1', 'Deployment/shop-v2', 'Service/shop', 'Service/shop-v1', 'Service/shop-v2', 'Ingress/shop', 'Ingress/shop-canary',
    ]);
    const main = find(manifests, 'Ingress', 'shop');
    expect(main.spec).toEqual({
      ingressClassName: 'nginx',
      rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'shop-v1', port: { number: 8080 } } } }] } }],
    });
    expect(main.metadata.annotations).toBeUndefined();
    const canary = find(manifests, 'Ingress', 'shop-canary');
    expect(canary.spec.rules[0].http.paths[0].backend.service.name).toBe('shop-v2');
    expect(canary.metadata.annotations).toEqual({ [`${A}canary`]: 'true', [`${A}canary-weight`]: '10' });
    expect(find(manifests, 'Service', 'shop-v2').spec.selector).toEqual({ app: 'shop', version: 'v2' });
  });

  test('testers with x-canary: always reach the canary (canary-by-header-value)', () => {
    // GIVEN a header cohort at weight 0
    const { chart, route } = shop({ canaryWeight: 0 });
    route('testers', [RequestMatch.header('x-canary', StringMatch.exact('always'))]);
    // WHEN synthesized
    const canary = find(synthValid(chart), 'Ingress', 'shop-canary');
    // THEN the canary Ingress selects the header value
    expect(canary.metadata.annotations).toEqual({
      [`${A}canary`]: 'true', [`${A}canary-weight`]: '0', [`${A}canary-by-header`]: 'x-canary', [`${A}canary-by-header-value`]: 'always',
    });
  });

  test('a regex header cohort renders canary-by-header-pattern, anchored; a cookie cohort canary-by-cookie', () => {
    const { chart, route } = shop({ canaryWeight: 50 });
    route('beta', [RequestMatch.header('x-group', StringMatch.regex('beta|alpha'))]);
    route('cookie', [RequestMatch.cookie('canary', 'always')]);
    const canary = find(synthValid(chart), 'Ingress', 'shop-canary');
    expect(canary.metadata.annotations).toEqual({
      [`${A}canary`]: 'true',
      [`${A}canary-weight`]: '50',
      [`${A}canary-by-header`]: 'x-group',
      [`${A}canary-by-header-pattern`]: '^(?:beta|alpha)$',
      [`${A}canary-by-cookie`]: 'canary',
    });
  });

  test('without a canary there is no canary Ingress; options set class, path and pathType', () => {
    const { chart } = shop({
      canary: undefined,
      canaryWeight: undefined,
      provider: TrafficProvider.ingressNginx({ ingressClassName: 'internal', path: '/api', pathType: IngressPathType.EXACT }),
    });
    const manifests = synthValid(chart);
    expect(inventory(manifests).filter(i => i.startsWith('Ingress/'))).toEqual(['Ingress/shop']);
    const spec = find(manifests, 'Ingress', 'shop').spec;
    expect([spec.ingressClassName, spec.rules[0].http.paths[0].path, spec.rules[0].http.paths[0].pathType]).toEqual(['internal', '/api', 'Exact']);
  });
});

describe('ingress-nginx provider: what it cannot express fails in the constructor', () => {
  test('fails without exactly one host', () => {
    expect(() => shop({ hosts: [] })).toThrow(
      `CanaryService 'shop': the ingress-nginx provider needs exactly one host in hosts (the Ingress rule's host), got none; set hosts to the one public host name, or ${alt}`);
  });

  test('fails on more than two versions', () => {
    expect(() => shop({ extraVersions: [{ version: 'v3', image: 'shop:3' }] })).toThrow(
      'CanaryService \'shop\': the ingress-nginx provider cannot route more than two versions on one host and path (v1, v2, v3): '
      + `ingress-nginx takes one canary Ingress per host and path; run a stable and a canary version only, or ${alt}`);
  });

  test('fails on a cohort to the stable version', () => {
    const { route } = shop();
    expect(() => route('old', [RequestMatch.header('x-old', StringMatch.exact('1'))], 'v1')).toThrow(
      'HeaderMatchRoute \'old\': the ingress-nginx provider cannot send a cohort to "v1" (the route): ingress-nginx selects requests by header or cookie for the canary version only, '
      + `and "v1" is the stable one; send the cohort to the canary, or ${alt}`);
  });

  test('fails on a JWT claim', () => {
    const { route } = shop();
    expect(() => route('jwt', [RequestMatch.jwtClaim('groups', StringMatch.exact('beta'))])).toThrow(
      `HeaderMatchRoute 'jwt': the ingress-nginx provider cannot match JWT claim groups exact "beta" (in the route): it is not a header value (canary-by-header matches a request header); or ${alt}`);
  });

  test('fails on a query parameter match', () => {
    const { route } = shop();
    expect(() => route('q', [RequestMatch.queryParam('beta', StringMatch.exact('1'))])).toThrow(
      'the ingress-nginx provider cannot match query beta exact "1" (in the route): only a header or a cookie selects the canary Ingress');
  });

  test('fails on a client OS match', () => {
    const { route } = shop();
    expect(() => route('ios', [RequestMatch.clientOs('ios' as any)])).toThrow(/cannot match client OS .* it is not a header value/);
  });

  test('fails on a cookie value other than always', () => {
    const { route } = shop();
    expect(() => route('c', [RequestMatch.cookie('canary', 'yes')])).toThrow(
      'cannot match cookie canary=yes (in the route): canary-by-cookie sends a request to the canary when the cookie\'s value is "always"');
  });

  test('fails on a header value, header or cookie name, or pattern that ingress-nginx\'s annotation validation would ignore', () => {
    const { route } = shop();
    expect(() => route('at', [RequestMatch.header('x-user', StringMatch.exact('jason@example.com'))])).toThrow(
      'cannot match header value "jason@example.com" (in the route): ingress-nginx ignores a canary-by-header-value other than letters, digits, spaces inside');
    expect(() => route('name', [RequestMatch.header('x!beta', StringMatch.exact('1'))])).toThrow(
      'ingress-nginx ignores a canary-by-header that is not letters, digits, \'-\', \'.\', \'_\' and \'~\'');
    expect(() => route('cookie', [RequestMatch.cookie('beta!', 'always')])).toThrow('ingress-nginx ignores a canary-by-cookie that is not');
    expect(() => route('pattern', [RequestMatch.header('x-group', StringMatch.regex('qa,beta'))])).toThrow(
      'its canary-by-header-pattern "^(?:qa,beta)$" has characters ingress-nginx\'s annotation validation rejects');
    expect(() => route('space', [RequestMatch.header('x-group', StringMatch.exact('qa team'))])).not.toThrow();
  });

  test('fails on a second header cohort', () => {
    const { route } = shop();
    route('a', [RequestMatch.header('x-a', StringMatch.exact('1'))]);
    expect(() => route('b', [RequestMatch.header('x-b', StringMatch.exact('1'))])).toThrow(
      'HeaderMatchRoute \'b\': the ingress-nginx provider cannot select a second header cohort (header x-b exact "1" in the route, besides header x-a exact "1"): '
      + `the canary Ingress takes one canary-by-header; use one header for every tester, or ${alt}`);
  });

  test('fails on two conditions in one cohort', () => {
    const { route } = shop();
    expect(() => route('ab', [RequestMatch.all(RequestMatch.header('x-a', StringMatch.exact('1')), RequestMatch.header('x-b', StringMatch.exact('1')))])).toThrow(
      'the canary Ingress selects requests by one header and one cookie, each a separate cohort');
  });

  test('fails on mirroring less than every request', () => {
    expect(() => shopIn('shop', { canaryWeight: 0, mirrorPercent: 50 })).toThrow(
      'CanaryService \'shop\': the ingress-nginx provider cannot mirror 50% of the default route to version "v2": its mirror-target (all requests) copies every request, '
      + `it does not sample; set the mirror percent (mirrorPercent) to 100, or ${alt}`);
  });

  test('fails on mirroring the default route when a cohort route is not mirrored', () => {
    // GIVEN the default route mirrored to v2
    const { route } = shopIn('shop', { canaryWeight: 0, mirrorPercent: 100 });
    // WHEN testers get their own route, which mirrors nothing
    // THEN mirror-target would copy the testers' requests too
    expect(() => route('testers', [RequestMatch.header('x-canary', StringMatch.exact('always'))])).toThrow(
      'HeaderMatchRoute \'testers\': the ingress-nginx provider cannot mirror only some of the requests of shop.example.com (the default route mirrors 100% to version "v2", '
      + 'the route matching (header x-canary exact "always") mirrors nothing): its mirror-target (all requests) copies every request the Ingress serves, cohorts included; '
      + `mirror every request to one version at 100%, remove the routes that are not mirrored, or ${alt}`);
  });

  test('fails on mirroring in a chart without a namespace', () => {
    expect(() => shop({ canaryWeight: 0, mirrorPercent: 100 })).toThrow(
      'CanaryService \'shop\': the ingress-nginx provider cannot mirror the default route to version "v2" without the chart\'s namespace: mirror-target (all requests) names '
      + `Service shop-v2 by its DNS name, which nginx resolves without the cluster's search domains; set the namespace of the chart, or ${alt}`);
  });

  test('fails on resilience settings', () => {
    expect(() => shop({ timeout: Duration.seconds(1) })).toThrow(
      `CanaryService 'shop': the ingress-nginx provider does not render timeout on the default route; remove it, or ${alt}`);
  });

  test('fails on gateways', () => {
    expect(() => shop({ gateways: ['istio-system/public'] })).toThrow(
      'the ingress-nginx provider cannot bind the service to gateways (istio-system/public): the Ingress is its entry point');
  });

  test('fails on bad options', () => {
    expect(() => TrafficProvider.ingressNginx({ path: 'api' })).toThrow('TrafficProvider.ingressNginx: path must be an absolute path (\'/\' first, URL path characters), got "api"');
    expect(() => TrafficProvider.ingressNginx({ ingressClassName: 'Nginx' })).toThrow('TrafficProvider.ingressNginx: ingressClassName must be an IngressClass name');
    expect(() => TrafficProvider.ingressNginx({ pathType: 'Glob' as any })).toThrow('TrafficProvider.ingressNginx: pathType must be one of Prefix, Exact, ImplementationSpecific, got "Glob"');
  });
});

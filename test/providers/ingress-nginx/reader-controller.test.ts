// What ingress-nginx's controller and Lua balancer do beyond the canary annotations' docs,
// each case written from their source (internal/ingress/controller/controller.go,
// mergeAlternativeBackends; rootfs/etc/nginx/lua/balancer.lua, route_to_alternative_balancer;
// internal/ingress/controller/template/template.go, buildLocation and enforceRegexModifier)
// and their e2e canary tests (test/e2e/annotations/canary.go).
import { IstioReader, RouteSimulator } from '../../../src';
import { validateManifests } from '../../util';

const A = 'nginx.ingress.kubernetes.io/';

interface PathSpec {
  readonly path: string;
  readonly service: string;
  readonly host?: string;
  readonly pathType?: string;
}

function ingress(name: string, namespace: string, paths: PathSpec[], annotations?: Record<string, string>): any {
  const hosts = [...new Set(paths.map(p => p.host ?? 'shop.example.com'))];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
    spec: {
      ingressClassName: 'nginx',
      rules: hosts.map(host => ({
        host,
        http: {
          paths: paths.filter(p => (p.host ?? 'shop.example.com') === host)
            .map(p => ({ path: p.path, pathType: p.pathType ?? 'Prefix', backend: { service: { name: p.service, port: { number: 80 } } } })),
        },
      })),
    },
  };
}

const canary = (annotations: Record<string, string> = {}) => ({ [`${A}canary`]: 'true', ...annotations });

/** Where a request goes: `<version>:<probability>` per destination. */
function where(objects: any[], path: string, headers: Record<string, string> = {}, host = 'shop.example.com'): string[] {
  // use-regex is not an annotation this library renders, so the schemas refuse it.
  if (!objects.some(o => o.metadata.annotations?.[`${A}use-regex`])) validateManifests(objects);
  const routings = IstioReader.read(objects).routings;
  return RouteSimulator.explain({ host, path, headers }, routings).destinations.map(d => `${d.version}:${d.probability}`).sort();
}

function warnings(objects: any[]): string[] {
  return IstioReader.read(objects).warnings.map(w => `${w.source}: ${w.message}`);
}

describe('ingress-nginx as its controller and balancer route', () => {
  test('canary-weight-total below 100 is read as 100 (balancer.lua: weightTotal is 100 unless the annotation is above 100)', () => {
    // GIVEN canary-weight 5 of canary-weight-total 10, and 10 of 5
    const fiveOfTen = [ingress('shop', 'shop', [{ path: '/', service: 'shop-v1' }]),
      ingress('shop-canary', 'shop', [{ path: '/', service: 'shop-v2' }], canary({ [`${A}canary-weight`]: '5', [`${A}canary-weight-total`]: '10' }))];
    const tenOfFive = [ingress('shop', 'shop', [{ path: '/', service: 'shop-v1' }]),
      ingress('shop-canary', 'shop', [{ path: '/', service: 'shop-v2' }], canary({ [`${A}canary-weight`]: '10', [`${A}canary-weight-total`]: '5' }))];
    // THEN 5% and 10% reach the canary, not 50% and 100%
    expect(where(fiveOfTen, '/')).toEqual(['shop-v1:0.95', 'shop-v2:0.05']);
    expect(where(tenOfFive, '/')).toEqual(['shop-v1:0.9', 'shop-v2:0.1']);
    // AND a total above 100 scales, as the e2e test "canary weight is 100 and weight total is 200"
    const half = [ingress('shop', 'shop', [{ path: '/', service: 'shop-v1' }]),
      ingress('shop-canary', 'shop', [{ path: '/', service: 'shop-v2' }], canary({ [`${A}canary-weight`]: '100', [`${A}canary-weight-total`]: '200' }))];
    expect(where(half, '/')).toEqual(['shop-v1:0.5', 'shop-v2:0.5']);
  });

  test('a canary attaches to the main Service\'s upstream: every path and host that Service serves gets the split', () => {
    // GIVEN shop-v1 serving /a and /b of shop.example.com and / of www.example.com, a canary only on /a
    const objects = [
      ingress('shop', 'shop', [{ path: '/a', service: 'shop-v1' }, { path: '/b', service: 'shop-v1' }, { path: '/', service: 'shop-v1', host: 'www.example.com' }]),
      ingress('shop-canary', 'shop', [{ path: '/a', service: 'shop-v2' }], canary({ [`${A}canary-weight`]: '20', [`${A}canary-by-header`]: 'x-canary' })),
    ];
    // THEN /b and the other host are split too, header cohort included
    expect(where(objects, '/a')).toEqual(['shop-v1:0.8', 'shop-v2:0.2']);
    expect(where(objects, '/b')).toEqual(['shop-v1:0.8', 'shop-v2:0.2']);
    expect(where(objects, '/b', { 'x-canary': 'always' })).toEqual(['shop-v2:1']);
    expect(where(objects, '/', {}, 'www.example.com')).toEqual(['shop-v1:0.8', 'shop-v2:0.2']);
    expect(warnings(objects)).toEqual([]);
  });

  test('a canary whose backend is the main backend of another path of its host is not merged: no split, a warning', () => {
    // GIVEN /a to shop-v1, /b to shop-v2, and a canary on /a to shop-v2
    const objects = [
      ingress('shop', 'shop', [{ path: '/a', service: 'shop-v1' }, { path: '/b', service: 'shop-v2' }]),
      ingress('shop-canary', 'shop', [{ path: '/a', service: 'shop-v2' }], canary({ [`${A}canary-weight`]: '50' })),
    ];
    // THEN /a stays on shop-v1 (controller.go: "alternative upstream ... is primary upstream in Other Ingress")
    expect(where(objects, '/a')).toEqual(['shop-v1:1']);
    expect(warnings(objects)).toEqual([
      'Ingress shop/shop-canary: is a canary Ingress whose backend (Service shop/shop-v2) is the main backend of shop.example.com/b (Ingress shop/shop); ingress-nginx merges no canary for it, so it splits nothing',
    ]);
  });

  test('a canary Ingress in another namespace is merged (mergeAlternativeBackends never compares namespaces)', () => {
    const objects = [
      ingress('shop', 'team-a', [{ path: '/', service: 'shop-v1' }]),
      ingress('shop-canary', 'team-b', [{ path: '/', service: 'shop-v2' }], canary({ [`${A}canary-weight`]: '30' })),
    ];
    expect(where(objects, '/')).toEqual(['shop-v1:0.7', 'shop-v2:0.3']);
    expect(warnings(objects)).toEqual([]);
  });

  test('a header pattern that does not compile sends requests with the header to the main backend, skipping the cookie and the weight', () => {
    // GIVEN the e2e test's broken pattern "[][**da?$&*", a cookie cohort and the whole weight
    const objects = [
      ingress('foo', 'shop', [{ path: '/info', service: 'shop-v1' }]),
      ingress('foo-canary', 'shop', [{ path: '/info', service: 'shop-v2' }], canary({
        [`${A}canary-by-header`]: 'CanaryByHeader',
        [`${A}canary-by-header-pattern`]: '[][**da?$&*',
        [`${A}canary-by-cookie`]: 'CanaryByCookie',
        [`${A}canary-weight`]: '100',
      })),
    ];
    // THEN with the header (and cookie always) the main backend answers, as the e2e test expects
    expect(where(objects, '/info', { canarybyheader: 'DoCanary', cookie: 'CanaryByCookie=always' })).toEqual(['shop-v1:1']);
    expect(where(objects, '/info', { canarybyheader: '' })).toEqual(['shop-v1:1']);
    // AND without the header the cookie and the weight still decide
    expect(where(objects, '/info', { cookie: 'CanaryByCookie=never' })).toEqual(['shop-v1:1']);
    expect(where(objects, '/info')).toEqual(['shop-v2:1']);
  });

  test('a pattern nginx\'s PCRE takes but RE2 does not is a warning, not a broken pattern', () => {
    const objects = [
      ingress('shop', 'shop', [{ path: '/', service: 'shop-v1' }]),
      ingress('shop-canary', 'shop', [{ path: '/', service: 'shop-v2' }], canary({ [`${A}canary-by-header`]: 'x-group', [`${A}canary-by-header-pattern`]: 'a++b' })),
    ];
    expect(where(objects, '/', { 'x-group': 'aab' })).toEqual(['shop-v1:1']);
    expect(warnings(objects)).toEqual([expect.stringMatching(/^Ingress shop\/shop-canary: its canary-by-header "x-group" is not modelled: .*; left out$/)]);
  });

  test('cookie names match in any case ($cookie_<name>)', () => {
    const objects = [
      ingress('shop', 'shop', [{ path: '/', service: 'shop-v1' }]),
      ingress('shop-canary', 'shop', [{ path: '/', service: 'shop-v2' }], canary({ [`${A}canary-by-cookie`]: 'beta' })),
    ];
    expect(where(objects, '/', { cookie: 'a=1; BETA=always' })).toEqual(['shop-v2:1']);
    expect(where(objects, '/', { cookie: 'Beta=always' })).toEqual(['shop-v2:1']);
    expect(where(objects, '/', { cookie: 'xbeta=always' })).toEqual(['shop-v1:1']);
    expect(where(objects, '/', { cookie: 'beta=Always' })).toEqual(['shop-v1:1']);
  });

  test('canary-by-header with underscores matches the header with dashes ($http_<name>)', () => {
    const objects = [
      ingress('shop', 'shop', [{ path: '/', service: 'shop-v1' }]),
      ingress('shop-canary', 'shop', [{ path: '/', service: 'shop-v2' }], canary({ [`${A}canary-by-header`]: 'X_Canary' })),
    ];
    expect(where(objects, '/', { 'x-canary': 'always' })).toEqual(['shop-v2:1']);
    expect(where(objects, '/', { 'x-canary': 'maybe' })).toEqual(['shop-v1:1']);
  });

  test('use-regex on one Ingress makes every location of the host a case-insensitive regex (enforceRegexModifier)', () => {
    // GIVEN /static with use-regex, and another Ingress's Prefix /Shop
    const objects = [
      ingress('static', 'shop', [{ path: '/static', service: 'static' }], { [`${A}use-regex`]: 'true' }),
      ingress('shop', 'shop', [{ path: '/Shop', service: 'shop' }]),
    ];
    // THEN /shopping reaches shop: ~* "^/Shop" matches it, which a Prefix /Shop would not
    expect(where(objects, '/shopping')).toEqual(['shop:1']);
    // AND without the use-regex Ingress it does not
    expect(where([objects[1]], '/shopping')).toEqual([]);
    expect(warnings(objects)).toEqual([
      expect.stringMatching(/^Ingress shop\/static: has use-regex: its path "\/static" is modelled as a case-insensitive regex/),
      expect.stringMatching(/^Ingress shop\/shop: is on a host with use-regex or rewrite-target: its path "\/Shop" is modelled as a case-insensitive regex/),
    ]);
  });

  test('session affinity and spec.defaultBackend are warned: they change where requests go and are not modelled', () => {
    const main = ingress('shop', 'shop', [{ path: '/', service: 'shop-v1' }], { [`${A}affinity`]: 'cookie' });
    main.spec.defaultBackend = { service: { name: 'fallback', port: { number: 80 } } };
    const objects = [main, ingress('shop-canary', 'shop', [{ path: '/', service: 'shop-v2' }], canary({ [`${A}canary-weight`]: '10' }))];
    expect(warnings(objects)).toEqual([
      'Ingress shop/shop: has nginx.ingress.kubernetes.io/affinity "cookie": a client holding the affinity cookie stays on the backend it was sent to (main or canary) whatever the header, cookie and weight; not modelled',
      'Ingress shop/shop: has spec.defaultBackend: ingress-nginx serves requests no Ingress rule matches from it (and merges a canary\'s into the default server); not modelled',
    ]);
  });
});

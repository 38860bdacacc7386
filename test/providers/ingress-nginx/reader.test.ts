import { Chart, Testing } from 'cdk8s';
import {
  CanaryService, HeaderMatchRoute, IstioReader, RequestMatch, RouteSimulator, StringMatch, TrafficProvider,
} from '../../../src';
import { nginxMirrorOf } from '../../../src/providers/ingress-nginx/_reader';
import { synthValid, validateManifests } from '../../util';

const A = 'nginx.ingress.kubernetes.io/';

function ingress(name: string, service: string, annotations?: Record<string, string>): any {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: {
      ingressClassName: 'nginx',
      rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }],
    },
  };
}

/** A hand-written pair: the main Ingress to shop-v1, the canary to shop-v2. */
function pair(annotations: Record<string, string>): any[] {
  const objects = [ingress('shop', 'shop-v1'), ingress('shop-canary', 'shop-v2', { [`${A}canary`]: 'true', ...annotations })];
  validateManifests(objects);
  return objects;
}

function where(objects: any[], headers: Record<string, string> = {}): string[] {
  const routings = IstioReader.read(objects).routings;
  return RouteSimulator.explain({ host: 'shop.example.com', headers }, routings).destinations.map(d => `${d.version}:${d.probability}`);
}

describe('Reading ingress-nginx canary pairs with nginx precedence', () => {
  test('header without value: always to the canary, never to the main backend, others fall through to the weight', () => {
    const objects = pair({ [`${A}canary-by-header`]: 'X-Canary', [`${A}canary-weight`]: '10' });
    expect(where(objects, { 'x-canary': 'always' })).toEqual(['shop-v2:1']);
    expect(where(objects, { 'x-canary': 'never' })).toEqual(['shop-v1:1']);
    expect(where(objects, { 'x-canary': 'maybe' })).toEqual(['shop-v1:0.9', 'shop-v2:0.1']);
  });

  test('header with value: that value to the canary, never falls through', () => {
    const objects = pair({ [`${A}canary-by-header`]: 'x-canary', [`${A}canary-by-header-value`]: 'yes', [`${A}canary-by-cookie`]: 'beta' });
    expect(where(objects, { 'x-canary': 'yes' })).toEqual(['shop-v2:1']);
    expect(where(objects, { 'x-canary': 'never', 'cookie': 'beta=always' })).toEqual(['shop-v2:1']);
    expect(where(objects, { 'x-canary': 'never' })).toEqual(['shop-v1:1']);
  });

  test('header before cookie: header never wins over cookie always', () => {
    const objects = pair({ [`${A}canary-by-header`]: 'x-canary', [`${A}canary-by-cookie`]: 'beta', [`${A}canary-weight`]: '50' });
    expect(where(objects, { 'x-canary': 'never', 'cookie': 'beta=always' })).toEqual(['shop-v1:1']);
    expect(where(objects, { cookie: 'a=b; beta=never' })).toEqual(['shop-v1:1']);
    expect(where(objects, { cookie: 'beta=always' })).toEqual(['shop-v2:1']);
  });

  test('pattern is searched in the value; canary-weight-total scales the weight', () => {
    const objects = pair({ [`${A}canary-by-header`]: 'x-group', [`${A}canary-by-header-pattern`]: 'beta', [`${A}canary-weight`]: '250', [`${A}canary-weight-total`]: '1000' });
    expect(where(objects, { 'x-group': 'the-beta-testers' })).toEqual(['shop-v2:1']);
    expect(where(objects)).toEqual(['shop-v1:0.75', 'shop-v2:0.25']);
  });

  test('reads what the ingress-nginx provider renders, and routes as the model', () => {
    // GIVEN a canary at 10% with a header cohort, rendered by the provider
    const chart = Testing.chart();
    const svc = new CanaryService(chart, 'shop', {
      port: 80,
      hosts: ['shop.example.com'],
      provider: TrafficProvider.ingressNginx(),
      stable: { version: 'v1', image: 'shop:1' },
      canary: { version: 'v2', image: 'shop:2' },
      canaryWeight: 10,
    });
    new HeaderMatchRoute(chart, 'testers', { target: svc, version: 'v2', matches: [RequestMatch.header('x-canary', StringMatch.exact('always'))] });
    // WHEN read
    const read = IstioReader.read(synthValid(chart));
    // THEN one routing for the host, versions by the backend Services' version labels
    // (the app Service shop selects the stable version only: no in-cluster split to read)
    expect(read.routings.map(r => r.host)).toEqual(['shop.example.com']);
    const r = read.routings.find(x => x.host === 'shop.example.com')!;
    expect(r.rules.map(x => x.destinations)).toEqual([[{ version: 'v2', weight: 100 }], [{ version: 'v1', weight: 90 }, { version: 'v2', weight: 10 }]]);
  });

  describe('paths and hosts', () => {
    function at(name: string, service: string, paths: Array<[string, string]>, annotations?: Record<string, string>): any {
      const o = ingress(name, service, annotations);
      o.spec.rules = [{ host: 'shop.example.com', http: { paths: paths.map(([path, pathType]) => ({ path, pathType, backend: { service: { name: service, port: { number: 80 } } } })) } }];
      return o;
    }
    const go = (objects: any[], path: string, headers: Record<string, string> = {}) => {
      const e = RouteSimulator.explain({ host: 'shop.example.com', path, headers }, IstioReader.read(objects).routings);
      return e.matched ? e.destinations.map(d => `${d.version}:${d.probability}`).join(',') : 'no route';
    };

    test('one routing per host: Exact paths first, then longer paths, a lone Ingress included', () => {
      // GIVEN a canary pair on /api, a lone Ingress for / and an Exact /api/health
      const objects = [
        at('web', 'web', [['/', 'Prefix'], ['/api/health', 'Exact']]),
        at('shop', 'shop-v1', [['/api', 'Prefix']]),
        at('shop-canary', 'shop-v2', [['/api', 'Prefix']], { [`${A}canary`]: 'true', [`${A}canary-weight`]: '100' }),
      ];
      // WHEN read
      const routings = IstioReader.read(objects).routings;
      // THEN one routing, and requests go where ingress-nginx sends them
      expect(routings.map(r => r.host)).toEqual(['shop.example.com']);
      expect(routings[0].rules.map(r => `${(r.matches ?? []).join(' or ') || '*'} -> ${r.destinations.map(d => d.version).join()}`)).toEqual([
        'uri exact "/api/health" -> web',
        'uri pathPrefix "/api" -> shop-v2',
        '* -> web',
      ]);
      expect([go(objects, '/api/v1'), go(objects, '/api'), go(objects, '/apis'), go(objects, '/api/health')]).toEqual(['shop-v2:1', 'shop-v2:1', 'web:1', 'web:1']);
    });

    test('an implementation-specific path is an nginx prefix of characters', () => {
      const objects = [at('web', 'web', [['/static', 'ImplementationSpecific']])];
      expect([go(objects, '/staticfoo'), go(objects, '/static/a'), go(objects, '/')]).toEqual(['web:1', 'web:1', 'no route']);
    });

    test('use-regex paths are case-insensitive regexes anchored at the start, with a warning', () => {
      const objects = [at('web', 'web', [['/api/v[0-9]+', 'ImplementationSpecific']], { [`${A}use-regex`]: 'true' })];
      expect([go(objects, '/API/V2/users'), go(objects, '/api/x')]).toEqual(['web:1', 'no route']);
      expect(IstioReader.read(objects).warnings).toEqual([expect.objectContaining({ source: 'Ingress default/web', message: expect.stringContaining('case-insensitive regex') })]);
    });

    test('a canary Ingress without a main Ingress, and a second main Ingress, are warnings', () => {
      const canaryOnly = [at('shop-canary', 'shop-v2', [['/', 'Prefix']], { [`${A}canary`]: 'true' })];
      expect(IstioReader.read(canaryOnly).warnings.map(w => w.message)).toEqual([expect.stringContaining('without a main Ingress; ingress-nginx ignores it')]);
      const twoMains = [at('a', 'shop-v1', [['/', 'Prefix']]), at('b', 'shop-v2', [['/', 'Prefix']])];
      expect(IstioReader.read(twoMains).warnings.map(w => w.message)).toEqual([expect.stringContaining('as Ingress default/a does; ingress-nginx uses one, the reader the first')]);
      expect(go(twoMains, '/')).toBe('shop-v1:1');
    });

    test('an annotation value ingress-nginx\'s validation rejects is read as unset, with a warning', () => {
      // GIVEN a header value with '@': ingress-nginx ignores it, so `always`/`never` decide
      const objects = [ingress('shop', 'shop-v1'), ingress('shop-canary', 'shop-v2', { [`${A}canary`]: 'True', [`${A}canary-by-header`]: 'x-user', [`${A}canary-by-header-value`]: 'jason@example.com' })];
      // THEN
      expect(where(objects, { 'x-user': 'jason@example.com' })).toEqual(['shop-v1:1']);
      expect(where(objects, { 'x-user': 'always' })).toEqual(['shop-v2:1']);
      expect(IstioReader.read(objects).warnings.map(w => w.message)).toEqual([expect.stringContaining('canary-by-header-value is "jason@example.com", which ingress-nginx\'s annotation validation rejects')]);
    });

    test('a cohort the model cannot hold (a pattern that is not RE2) is a warning; the other cohorts and the weight still route', () => {
      const objects = pair({ [`${A}canary-by-header`]: 'x-group', [`${A}canary-by-header-pattern`]: 'a(?=b)', [`${A}canary-by-cookie`]: 'beta', [`${A}canary-weight`]: '10' });
      expect(IstioReader.read(objects).warnings.map(w => w.message)).toEqual([expect.stringMatching(/^its canary-by-header "x-group" is not modelled: .*; left out$/)]);
      expect(where(objects, { 'x-group': 'ab' })).toEqual(['shop-v1:0.9', 'shop-v2:0.1']);
      expect(where(objects, { cookie: 'beta=always' })).toEqual(['shop-v2:1']);
    });
  });

  test('mirror-target: a URL naming a Service in any of its DNS forms is that Service; an outside URL is none', () => {
    const at = (target: string) => nginxMirrorOf({ ...ingress('shop', 'shop-v1'), metadata: { name: 'shop', namespace: 'web', annotations: { [`${A}mirror-target`]: target } } });
    expect(at('http://shop-v2:8080$request_uri')).toEqual({ name: 'shop-v2', namespace: 'web' });
    expect(at('http://shop-v2.shop$request_uri')).toEqual({ name: 'shop-v2', namespace: 'shop' });
    expect(at('http://shop-v2.shop.svc:80/mirror$request_uri')).toEqual({ name: 'shop-v2', namespace: 'shop' });
    expect(at('https://shop-v2.shop.svc.cluster.local$request_uri')).toEqual({ name: 'shop-v2', namespace: 'shop' });
    expect(at('https://test.env.example.com$request_uri')).toBeUndefined();
    expect(at('http://10.0.0.1:8080$request_uri')).toBeUndefined();
    expect(at('$scheme://$host$request_uri')).toBeUndefined();
    expect(nginxMirrorOf(ingress('shop', 'shop-v1'))).toBeUndefined();
  });

  test('reads the provider\'s mirror-target back as a 100% mirror of every rule', () => {
    // GIVEN a canary at 0% mirrored at 100%, rendered by the provider
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    new CanaryService(chart, 'shop', {
      port: 80,
      hosts: ['shop.example.com'],
      provider: TrafficProvider.ingressNginx(),
      stable: { version: 'v1', image: 'shop:1' },
      canary: { version: 'v2', image: 'shop:2' },
      canaryWeight: 0,
      mirrorPercent: 100,
    });
    // WHEN read
    const r = IstioReader.read(synthValid(chart)).routings.find(x => x.host === 'shop.example.com')!;
    // THEN
    expect(r.rules).toEqual([{ destinations: [{ version: 'v1', weight: 100 }], mirror: { version: 'v2', percent: 100 } }]);
  });
});

describe('Only the Ingresses ingress-nginx serves are read as its', () => {
  const withClass = (o: any, className: string | undefined) => ({ ...o, spec: { ...o.spec, ingressClassName: className } });
  const ingressClass = (name: string, controller: string, isDefault = false) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
    spec: { controller },
  });
  const read = (objects: any[]) => {
    const r = IstioReader.read(objects);
    return { hosts: r.routings.map(x => x.host), warnings: r.warnings.map(w => `${w.source}: ${w.message}`) };
  };

  test('an Ingress of another controller\'s default class is not read, and the reader says so', () => {
    // GIVEN an Ingress of class traefik, with no IngressClass in the input
    const objects = [withClass(ingress('shop', 'shop-v1'), 'traefik')];
    // WHEN read / THEN no routing, and a warning naming the Ingress and the class
    expect(read(objects)).toEqual({
      hosts: [],
      warnings: [expect.stringMatching(/^Ingress default\/shop: is of class "traefik", Traefik's default class, not ingress-nginx's .*: not read/)],
    });
  });

  test('IngressClasses in the input decide by their controller', () => {
    // GIVEN class "public" of ingress-nginx and class "nginx" of another controller (F5's NGINX Ingress Controller)
    const classes = [ingressClass('public', 'k8s.io/ingress-nginx'), ingressClass('nginx', 'nginx.org/ingress-controller')];
    // WHEN / THEN the first is read, the second is not
    expect(read([...classes, withClass(ingress('shop', 'shop-v1'), 'public')]).hosts).toEqual(['shop.example.com']);
    expect(read([...classes, ingress('shop', 'shop-v1')])).toEqual({
      hosts: [],
      warnings: [expect.stringContaining('is of IngressClass "nginx", whose controller is "nginx.org/ingress-controller", not ingress-nginx')],
    });
  });

  test('an Ingress without a class belongs to the default IngressClass\'s controller', () => {
    // GIVEN an Ingress without a class
    const objects = [withClass(ingress('shop', 'shop-v1'), undefined)];
    // WHEN the default class is another controller's / ingress-nginx's / not in the input
    const other = read([ingressClass('traefik', 'traefik.io/ingress-controller', true), ...objects]);
    const nginx = read([ingressClass('traefik', 'traefik.io/ingress-controller'), ingressClass('nginx', 'k8s.io/ingress-nginx', true), ...objects]);
    const unknown = read(objects);
    // THEN read only when the default may be ingress-nginx
    expect(other).toEqual({ hosts: [], warnings: [expect.stringContaining('has no class, and the default IngressClass "traefik" is controller "traefik.io/ingress-controller"\'s')] });
    expect(nginx).toEqual({ hosts: ['shop.example.com'], warnings: [] });
    expect(unknown).toEqual({ hosts: ['shop.example.com'], warnings: [] });
  });

  test('a class the input does not describe, and no well-known controller uses, is read as ingress-nginx\'s', () => {
    // GIVEN class nginx-internal (a second ingress-nginx install, as many clusters name it)
    // WHEN / THEN read, without a warning
    expect(read([withClass(ingress('shop', 'shop-v1'), 'nginx-internal')])).toEqual({ hosts: ['shop.example.com'], warnings: [] });
  });
});

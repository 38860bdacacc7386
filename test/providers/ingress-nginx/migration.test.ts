import { proveMigration } from '../../../src/gitops/_equivalence';
import { migrateToGatewayApi } from '../../../src/providers/ingress-nginx/_migration';
import { find, validateManifests } from '../../util';

const A = 'nginx.ingress.kubernetes.io/';

interface PathSpec {
  readonly path?: string;
  readonly pathType?: string;
  readonly service: string;
  readonly port?: number | string;
}

function ingress(name: string, paths: PathSpec[], annotations?: Record<string, string>, host: string | undefined = 'shop.example.com', extra: any = {}): any {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'shop', ...(annotations ? { annotations } : {}) },
    spec: {
      ingressClassName: 'nginx',
      ...extra,
      rules: [{
        ...(host ? { host } : {}),
        http: {
          paths: paths.map(p => ({
            path: p.path ?? '/',
            pathType: p.pathType ?? 'Prefix',
            backend: { service: { name: p.service, port: typeof p.port === 'string' ? { name: p.port } : { number: p.port ?? 80 } } },
          })),
        },
      }],
    },
  };
}

function service(name: string, version: string): any {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'shop' },
    spec: { selector: { app: 'shop', version }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

const SERVICES = [service('shop', 'v1'), service('shop-canary', 'v2')];

/** A main Ingress to `shop` and a canary Ingress to `shop-canary` with `annotations`. */
function pair(annotations: Record<string, string>, path: PathSpec = { service: '' }): any[] {
  return [
    ...SERVICES,
    ingress('shop', [{ ...path, service: 'shop' }]),
    ingress('shop-canary', [{ ...path, service: 'shop-canary' }], { [`${A}canary`]: 'true', ...annotations }),
  ];
}

/** Migrates, validates the output against the CRDs, and proves it. */
function migrate(input: any[], gateway = { namespace: 'infra', name: 'public' }) {
  const m = migrateToGatewayApi(input, gateway);
  validateManifests(m.objects);
  const replaced = new Set(m.replaced);
  const after = [...input.filter(o => !replaced.has(o) && !m.objects.includes(o)), ...m.objects];
  return { ...m, proof: proveMigration(input, after, m.hosts, 'ingress-nginx', 'gateway-api') };
}

const backends = (rule: any) => rule.backendRefs.map((b: any) => `${b.name}${b.weight !== undefined ? `=${b.weight}` : ''}`).join(',');
const headers = (rule: any) => (rule.matches ?? []).flatMap((m: any) => (m.headers ?? []).map((h: any) => `${h.name} ${h.type} ${h.value}`)).join(';');

describe('migrate --to gateway-api', () => {
  test('a header, a cookie and a weight: rules in nginx precedence, the Services carried over, proven', () => {
    // GIVEN a canary pair with every kind of canary annotation but the value
    const input = pair({ [`${A}canary-by-header`]: 'X-Canary', [`${A}canary-by-cookie`]: 'beta', [`${A}canary-weight`]: '10' });
    // WHEN
    const m = migrate(input);
    // THEN one HTTPRoute named after the main Ingress, attached to the Gateway, for the host
    const route = find(m.objects, 'HTTPRoute', 'shop');
    expect(route.metadata.namespace).toBe('shop');
    expect(route.spec.parentRefs).toEqual([{ name: 'public', namespace: 'infra' }]);
    expect(route.spec.hostnames).toEqual(['shop.example.com']);
    expect(route.spec.rules.map((r: any) => [headers(r), backends(r)])).toEqual([
      ['x-canary Exact always', 'shop-canary'],
      ['x-canary Exact never', 'shop'],
      ['cookie RegularExpression ^(.*;[ \\t]*)?(?i:beta)=always([ \\t]*;.*)?$', 'shop-canary'],
      ['cookie RegularExpression ^(.*;[ \\t]*)?(?i:beta)=never([ \\t]*;.*)?$', 'shop'],
      ['', 'shop=90,shop-canary=10'],
    ]);
    // AND the backend Services, unchanged; the Ingresses replaced
    expect(find(m.objects, 'Service', 'shop-canary')).toBe(input[1]);
    expect(m.replaced.map(o => o.metadata.name)).toEqual(['shop', 'shop-canary']);
    expect(m.notCarried).toEqual([]);
    // AND proven: no cohort changes, no probe diverges
    expect(m.proof.divergences).toEqual([]);
    expect(m.proof.probes).toBeGreaterThan(100);
    expect(m.proof.hosts[0].cohorts.map(c => [c.cohort, c.change])).toEqual([
      ['header x-canary exact "always"', 'unchanged'],
      ['header x-canary exact "never"', 'unchanged'],
      ['cookie beta=always (name in any case)', 'unchanged'],
      ['cookie beta=never (name in any case)', 'unchanged'],
      ['every request', 'unchanged'],
    ]);
  });

  test('a header value is one Exact rule; a pattern is a regex on the whole value', () => {
    // GIVEN a value, and a pattern ingress-nginx finds anywhere in the value
    const value = migrate(pair({ [`${A}canary-by-header`]: 'x-group', [`${A}canary-by-header-value`]: 'qa' }));
    const pattern = migrate(pair({ [`${A}canary-by-header`]: 'x-group', [`${A}canary-by-header-pattern`]: '^beta|qa' }));
    // THEN
    expect(find(value.objects, 'HTTPRoute', 'shop').spec.rules.map(headers)).toEqual(['x-group Exact qa', '']);
    expect(find(pattern.objects, 'HTTPRoute', 'shop').spec.rules.map(headers)).toEqual(['x-group RegularExpression .*(?:^beta|qa).*', '']);
    expect([value.proof.divergences, pattern.proof.divergences]).toEqual([[], []]);
  });

  test('weights: 0 keeps the main backend alone, all of the total the canary alone, canary-weight-total kept', () => {
    const rules = (ann: Record<string, string>) => find(migrate(pair(ann)).objects, 'HTTPRoute', 'shop').spec.rules.map(backends);
    expect(rules({})).toEqual(['shop']);
    expect(rules({ [`${A}canary-weight`]: '100' })).toEqual(['shop-canary']);
    expect(rules({ [`${A}canary-weight`]: '1', [`${A}canary-weight-total`]: '1000' })).toEqual(['shop=999,shop-canary=1']);
    expect(migrate(pair({ [`${A}canary-weight`]: '1', [`${A}canary-weight-total`]: '1000' })).proof.divergences).toEqual([]);
  });

  test('several paths of a host: the pair on /api before the lone Ingress on /, Exact paths kept', () => {
    // GIVEN a canary pair on /api and an Exact path beside the catch-all
    const input = [
      ...SERVICES,
      service('web', 'web'),
      ingress('web', [{ service: 'web' }, { path: '/health', pathType: 'Exact', service: 'web' }]),
      ingress('shop', [{ path: '/api', service: 'shop' }]),
      ingress('shop-canary', [{ path: '/api', service: 'shop-canary' }], { [`${A}canary`]: 'true', [`${A}canary-by-header`]: 'x-canary', [`${A}canary-weight`]: '50' }),
    ];
    // WHEN
    const m = migrate(input);
    // THEN one route per main Ingress, each path's match kept
    const paths = (name: string) => find(m.objects, 'HTTPRoute', name).spec.rules.map((r: any) => (r.matches ?? []).map((x: any) => (x.path ? `${x.path.type} ${x.path.value}` : '-')).join());
    expect(paths('shop')).toEqual(['PathPrefix /api', 'PathPrefix /api', 'PathPrefix /api']);
    expect(paths('web')).toEqual(['Exact /health', '']);
    // AND the Gateway API's precedence (longest path first) routes as nginx's locations do
    expect(m.proof.divergences).toEqual([]);
    expect(m.proof.hosts.flatMap(h => h.cohorts.map(c => c.change))).not.toContain('changed');
  });

  test('fails to carry an implementation-specific path other than /: a PathPrefix, and the proof shows where it differs', () => {
    // GIVEN an nginx prefix location /static (it matches /staticfoo) beside the catch-all
    const input = [...SERVICES, ingress('web', [{ service: 'shop' }, { path: '/static', pathType: 'ImplementationSpecific', service: 'shop-canary' }])];
    // WHEN
    const m = migrate(input);
    // THEN written as a PathPrefix (a regex would rank after /), named, and the differing requests shown
    expect(find(m.objects, 'HTTPRoute', 'web').spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/static' } }]);
    expect(m.notCarried).toEqual([expect.objectContaining({ what: 'path /static (pathType ImplementationSpecific)', why: expect.stringContaining('use pathType Prefix') })]);
    expect(m.proof.divergences.map(d => d.request.path)).toEqual(expect.arrayContaining(['/staticx']));
    expect(m.proof.divergences.map(d => d.request.path)).not.toContain('/static/x');
  });

  test('mirror-target to a Service of the namespace: a RequestMirror filter on every rule, proven; an outside URL is reported', () => {
    // GIVEN the main Ingress mirrors every request to shop-canary, with a header cohort
    const input = pair({ [`${A}canary-by-header`]: 'x-canary' });
    input[2].metadata.annotations = { [`${A}mirror-target`]: 'http://shop-canary.shop.svc.cluster.local:80$request_uri' };
    // WHEN
    const m = migrate(input);
    // THEN each rule mirrors, and the proof holds (the mirror included)
    const rules = find(m.objects, 'HTTPRoute', 'shop').spec.rules;
    expect(rules.map((r: any) => r.filters)).toEqual(rules.map(() => [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'shop-canary', port: 80 } } }]));
    expect(m.notCarried).toEqual([]);
    expect(m.proof.divergences).toEqual([]);
    expect(m.proof.hosts[0].cohorts.every(c => c.change === 'unchanged' && c.mirrorAfter === 'shop-canary 100%')).toBe(true);
    // AND a mirror to an outside URL (which the reader does not model) is named
    const outside = pair({});
    outside[2].metadata.annotations = { [`${A}mirror-target`]: 'https://test.example.com$request_uri' };
    const o = migrate(outside);
    expect(o.notCarried.map(n => n.what)).toEqual([`${A}mirror-target: "https://test.example.com$request_uri"`]);
  });

  test('a port by name is looked up in the Service', () => {
    const input = [...SERVICES, ingress('shop', [{ service: 'shop', port: 'http' }])];
    expect(find(migrate(input).objects, 'HTTPRoute', 'shop').spec.rules[0].backendRefs).toEqual([{ name: 'shop', port: 80 }]);
  });

  test('fails to carry a named port of a Service that is not among the files', () => {
    const m = migrateToGatewayApi([ingress('shop', [{ service: 'shop', port: 'http' }])]);
    expect(m.notCarried).toEqual([expect.objectContaining({ source: 'Ingress shop/shop', what: 'backend shop port "http"', why: expect.stringContaining('give the Service\'s file too') })]);
  });

  test('fails to carry a header pattern that is not RE2', () => {
    const m = migrate(pair({ [`${A}canary-by-header`]: 'x-group', [`${A}canary-by-header-pattern`]: 'beta(?=1)' }));
    expect(m.notCarried).toEqual([expect.objectContaining({ source: 'Ingress shop/shop-canary', what: `${A}canary-by-header-pattern "beta(?=1)"`, why: expect.stringContaining('rewrite it in RE2') })]);
  });

  test('fails to carry other nginx annotations, TLS and a default backend, naming where they go', () => {
    // GIVEN an Ingress with a redirect, a rewrite, TLS and a default backend
    const input = [...SERVICES, ingress('shop', [{ service: 'shop' }], { [`${A}ssl-redirect`]: 'true', [`${A}rewrite-target`]: '/', [`${A}enable-cors`]: 'true' }, 'shop.example.com', {
      tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
      defaultBackend: { service: { name: 'shop', port: { number: 80 } } },
    })];
    // WHEN
    const m = migrate(input);
    // THEN each is named with its Gateway API counterpart, and the routing is still proven
    expect(m.notCarried.map(n => [n.what, n.why.split(' ').slice(0, 3).join(' ')])).toEqual([
      [`${A}ssl-redirect: "true"`, 'redirect HTTP to'],
      [`${A}rewrite-target: "/"`, 'an HTTPRoute URLRewrite'],
      [`${A}enable-cors: "true"`, 'it is specific'],
      ['spec.tls', 'TLS terminates at'],
      ['spec.defaultBackend', 'an HTTPRoute has'],
    ]);
    expect(m.proof.divergences).toEqual([]);
  });

  test('fails to carry regex paths (use-regex); the proof shows the cohort removed', () => {
    const input = [...SERVICES, ingress('shop', [{ path: '/api/v[0-9]+', pathType: 'ImplementationSpecific', service: 'shop' }], { [`${A}use-regex`]: 'true' })];
    const m = migrate(input);
    expect(m.notCarried.map(n => n.what)).toEqual([`${A}use-regex: "true"`]);
    expect(m.proof.hosts[0].cohorts.map(c => c.change)).toContain('removed');
  });

  test('without a gateway, routes attach to a Gateway named after the IngressClass, with a note', () => {
    const m = migrateToGatewayApi(pair({}));
    expect(find(m.objects, 'HTTPRoute', 'shop').spec.parentRefs).toEqual([{ name: 'nginx' }]);
    expect(m.notes).toEqual([expect.stringContaining('no --gateway')]);
  });

  test('an Ingress with two hosts: one route per host; a rule without host: no hostnames', () => {
    const two = ingress('shop', [{ service: 'shop' }]);
    two.spec.rules.push({ ...two.spec.rules[0], host: 'www.example.com' });
    const m = migrate([...SERVICES, two, ingress('any', [{ service: 'shop-canary' }], undefined, '')]);
    expect(m.objects.filter(o => o.kind === 'HTTPRoute').map(o => [o.metadata.name, o.spec.hostnames])).toEqual([
      ['shop-shop-example-com', ['shop.example.com']], ['shop-www-example-com', ['www.example.com']], ['any', undefined],
    ]);
    expect(m.proof.divergences).toEqual([]);
  });

  test('more than 16 rules for a host: several routes, each path whole in one', () => {
    // GIVEN 5 canary pairs of 4 rules each (header always/never, cookie... ) on 5 paths
    const input: any[] = [...SERVICES];
    const mainPaths: PathSpec[] = [];
    const canaryPaths: PathSpec[] = [];
    for (let i = 0; i < 5; i++) {
      mainPaths.push({ path: `/p${i}`, service: 'shop' });
      canaryPaths.push({ path: `/p${i}`, service: 'shop-canary' });
    }
    input.push(ingress('shop', mainPaths), ingress('shop-canary', canaryPaths, { [`${A}canary`]: 'true', [`${A}canary-by-header`]: 'x-canary', [`${A}canary-by-cookie`]: 'beta' }));
    // WHEN
    const m = migrate(input);
    // THEN 25 rules in two routes of at most 16
    const routes = m.objects.filter(o => o.kind === 'HTTPRoute');
    expect(routes.map(r => [r.metadata.name, r.spec.rules.length])).toEqual([['shop', 15], ['shop-2', 10]]);
    expect(m.proof.divergences).toEqual([]);
  });
});

import { proveMigration } from '../../src/gitops/_equivalence';
import { probes } from '../../src/gitops/_probes';
import { RequestMatch, StringMatch } from '../../src/model/request-match';
import { migrateToGatewayApi } from '../../src/providers/ingress-nginx/_migration';

const A = 'nginx.ingress.kubernetes.io/';

function ingress(name: string, service: string, annotations?: Record<string, string>): any {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'shop', ...(annotations ? { annotations } : {}) },
    spec: { rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }] },
  };
}

const service = (name: string, version: string) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { selector: { app: 'shop', version }, ports: [{ port: 80 }] },
});

/** A pair with a header and a cookie cohort and a weight, its migration, and the objects after it. */
function migrated() {
  const input = [
    service('shop', 'v1'), service('shop-canary', 'v2'),
    ingress('shop', 'shop'),
    ingress('shop-canary', 'shop-canary', { [`${A}canary`]: 'true', [`${A}canary-by-header`]: 'x-canary', [`${A}canary-by-cookie`]: 'beta', [`${A}canary-weight`]: '20' }),
  ];
  const m = migrateToGatewayApi(input, { name: 'public' });
  const route = m.objects.find(o => o.kind === 'HTTPRoute');
  return { input, route, after: (r: any) => [input[0], input[1], r] };
}

describe('Proving a migration', () => {
  test('the faithful migration: no divergence, every cohort unchanged', () => {
    const { input, route, after } = migrated();
    const proof = proveMigration(input, after(route), ['shop.example.com'], 'ingress-nginx', 'gateway-api');
    expect(proof.divergences).toEqual([]);
    expect(proof.hosts[0].cohorts.every(c => c.change === 'unchanged')).toBe(true);
  });

  test('rules in the wrong order: the diff sees the same cohorts, the simulator the divergence', () => {
    // GIVEN the cookie rules moved before the header rules (the cookie then wins over `x-canary: never`)
    const { input, route, after } = migrated();
    const rules = route.spec.rules;
    const swapped = { ...route, spec: { ...route.spec, rules: [rules[2], rules[3], rules[0], rules[1], rules[4]] } };
    // WHEN
    const proof = proveMigration(input, after(swapped), ['shop.example.com'], 'ingress-nginx', 'gateway-api');
    // THEN
    expect(proof.hosts[0].cohorts.every(c => c.change === 'unchanged')).toBe(true);
    expect(proof.divergences).toContainEqual(expect.objectContaining({
      request: expect.objectContaining({ headers: { 'x-canary': 'never', 'cookie': 'beta=always' } }),
      before: 'shop 100%',
      after: 'shop-canary 100%',
    }));
  });

  test('a different weight: both the diff and the simulator see it', () => {
    const { input, route, after } = migrated();
    const last = route.spec.rules[4];
    const split = { ...last, backendRefs: [{ ...last.backendRefs[0], weight: 70 }, { ...last.backendRefs[1], weight: 30 }] };
    const heavier = { ...route, spec: { ...route.spec, rules: [...route.spec.rules.slice(0, 4), split] } };
    const proof = proveMigration(input, after(heavier), ['shop.example.com'], 'ingress-nginx', 'gateway-api');
    expect(proof.hosts[0].defaultMovedPercent).toBe(10);
    expect(proof.divergences[0]).toMatchObject({ before: 'shop 80%, shop-canary 20%', after: 'shop 70%, shop-canary 30%' });
  });

  test('a missing route: every request diverges', () => {
    const { input } = migrated();
    const proof = proveMigration(input, [input[0], input[1]], ['shop.example.com'], 'ingress-nginx', 'gateway-api');
    expect(proof.divergences.length).toBe(proof.probes);
    expect(proof.divergences[0].after).toBe('no route');
  });

  test('probes try each value, its neighbours and its absence, and cookies among others', () => {
    // GIVEN rules on a path, a header value and a cookie
    const routing = {
      host: 'shop.example.com',
      versions: [{ version: 'v1' }],
      rules: [{
        matches: [RequestMatch.all(RequestMatch.uri(StringMatch.regex('^/api(/.*)?$')), RequestMatch.header('x-group', StringMatch.exact('qa')))],
        destinations: [{ version: 'v1', weight: 100 }],
      },
      { matches: [RequestMatch.cookie('beta', 'on')], destinations: [{ version: 'v1', weight: 100 }] }],
    };
    // WHEN
    const all = probes('shop.example.com', [routing]);
    // THEN
    const paths = new Set(all.map(r => r.path));
    expect([...paths]).toEqual(expect.arrayContaining(['/', '/api', '/api/x', '/apix']));
    const groups = new Set(all.map(r => r.headers!['x-group']));
    expect([...groups]).toEqual(expect.arrayContaining([undefined, 'qa', 'qax', 'always', 'never']));
    const cookies = new Set(all.map(r => r.headers!.cookie));
    expect([...cookies]).toEqual(expect.arrayContaining(['beta=on', 'a=b; beta=on', 'beta=on; a=b', 'xbeta=on']));
  });
});

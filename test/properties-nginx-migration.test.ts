// Property test (fast-check) of leaving ingress-nginx: random canary Ingress pairs (a weight of
// any canary-weight-total, a header cohort with `always`/`never`, a value or a pattern, a cookie
// cohort, on a Prefix or Exact path or `/` as implementation-specific, beside a lone Ingress on
// another path, with or without a mirror-target to the canary's Service) are read with nginx's
// precedence, migrated to HTTPRoutes, and both are simulated: every probe request the proof
// builds and 30 random requests per model reach the same backend Services with the same
// probabilities (and mirrors). Zero divergences, nothing left behind, every route valid against
// the HTTPRoute CRD (with its CEL rules).
//
// As ingress-nginx's controller and balancer do it (see the reader): weight totals below 100
// (read as 100), main Services shared with another path and host (the canary attaches to the
// Service's upstream, so they are split too), canary Ingresses in another namespace (merged;
// the migration writes a ReferenceGrant), header patterns that do not compile, canaries whose
// backend is another path's main Service (no split). A model the reader warns about is a
// refusal (`migrate` says NOT PROVEN and exits 1): allowed, counted, never most of the runs.
import * as fc from 'fast-check';
import { validateManifests } from './util';
import { proveMigration, whereBoth } from '../src/gitops/_equivalence';
import { SimulatedRequest } from '../src/gitops/route-simulator';
import { migrateToGatewayApi } from '../src/providers/ingress-nginx/_migration';

const RUNS = 150;
if (process.env.FC_SEED) fc.configureGlobal({ seed: Number(process.env.FC_SEED) });

const A = 'nginx.ingress.kubernetes.io/';
const HOST = 'shop.example.com';

interface PairModel {
  readonly header?: { name: string; value?: string; pattern?: string };
  readonly cookie?: string;
  readonly weight: number;
  readonly total: number;
  readonly path: { path: string; pathType: string };
  readonly lone?: { path: string; pathType: string };
  readonly labelled: boolean;
  /** The main Ingress mirrors every request to the canary's Service (mirror-target). */
  readonly mirror: boolean;
  /** The main Ingress's Service also serves /shared and www.example.com. */
  readonly shared: boolean;
  /** The canary Ingress's namespace. */
  readonly canaryNamespace: string;
  /** The lone Ingress's Service: its own, or the canary's (then the canary splits nothing). */
  readonly loneService: string;
}

const paths = fc.constantFrom(
  { path: '/', pathType: 'Prefix' }, { path: '/api', pathType: 'Prefix' }, { path: '/api/', pathType: 'Prefix' },
  { path: '/api', pathType: 'Exact' }, { path: '/', pathType: 'ImplementationSpecific' },
);

const models: fc.Arbitrary<PairModel> = fc.record({
  header: fc.option(fc.record({
    name: fc.constantFrom('x-canary', 'X-Group', 'x-beta'),
    value: fc.option(fc.constantFrom('qa', 'always', 'never', '1'), { nil: undefined }),
    pattern: fc.option(fc.constantFrom('beta', '^qa$', 'a|b', '[0-9]+', '^x', 'always', '[][**da?$&*', '(qa'), { nil: undefined }),
  }), { nil: undefined }),
  cookie: fc.option(fc.constantFrom('beta', 'canary', 'b_1'), { nil: undefined }),
  total: fc.constantFrom(100, 10, 1000, 3, 50, 101),
  weight: fc.nat(1000),
  path: paths,
  lone: fc.option(paths, { nil: undefined }),
  labelled: fc.boolean(),
  mirror: fc.boolean(),
  shared: fc.boolean(),
  canaryNamespace: fc.constantFrom('shop', 'shop', 'beta'),
  loneService: fc.constantFrom('web', 'web', 'web', 'shop-v2'),
}).map(m => ({ ...m, weight: m.weight % (m.total + 1) }));

function ingress(name: string, service: string, path: { path: string; pathType: string }[], annotations?: Record<string, string>,
  namespace = 'shop', others: Array<{ host: string; path: string; pathType: string }> = []): any {
  const backend = { service: { name: service, port: { number: 80 } } };
  const rules = [{ host: HOST, http: { paths: path.map(p => ({ ...p, backend })) } }];
  for (const o of others) {
    const rule = rules.find(r => r.host === o.host) ?? rules[rules.push({ host: o.host, http: { paths: [] } }) - 1];
    rule.http.paths.push({ path: o.path, pathType: o.pathType, backend });
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
    spec: { ingressClassName: 'nginx', rules },
  };
}

function inputOf(m: PairModel): any[] {
  const annotations: Record<string, string> = { [`${A}canary`]: 'true', [`${A}canary-weight`]: String(m.weight) };
  if (m.total !== 100) annotations[`${A}canary-weight-total`] = String(m.total);
  if (m.header) {
    annotations[`${A}canary-by-header`] = m.header.name;
    if (m.header.value !== undefined) annotations[`${A}canary-by-header-value`] = m.header.value;
    if (m.header.pattern !== undefined) annotations[`${A}canary-by-header-pattern`] = m.header.pattern;
  }
  if (m.cookie) annotations[`${A}canary-by-cookie`] = m.cookie;
  const service = (name: string, version: string, namespace = 'shop') => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name.split('-')[0], version }, ports: [{ port: 80 }] },
  });
  const main = m.mirror ? { [`${A}mirror-target`]: 'http://shop-v2.shop.svc.cluster.local:80$request_uri' } : undefined;
  const shared = m.shared ? [{ host: HOST, path: '/shared', pathType: 'Prefix' }, { host: 'www.example.com', path: '/', pathType: 'Prefix' }] : [];
  const out = [ingress('shop', 'shop-v1', [m.path], main, 'shop', shared), ingress('shop-canary', 'shop-v2', [m.path], annotations, m.canaryNamespace)];
  // A lone Ingress on another path (ingress-nginx takes one main Ingress per host and path).
  const samePath = m.lone && m.lone.path.replace(/\/+$/, '') === m.path.path.replace(/\/+$/, '') && (m.lone.pathType === 'Exact') === (m.path.pathType === 'Exact');
  if (m.lone && !samePath) out.push(ingress('web', m.loneService, [m.lone], undefined, m.canaryNamespace));
  if (m.labelled) out.push(service('shop-v1', 'v1'), service('shop-v2', 'v2', m.canaryNamespace), service('web', 'web', m.canaryNamespace));
  return out;
}

const requests: fc.Arbitrary<SimulatedRequest[]> = fc.array(fc.record({
  path: fc.constantFrom('/', '/api', '/api/', '/api/v1', '/apis', '/ap', '/static', '/x/api', '/shared', '/shared/x'),
  header: fc.constantFrom(undefined, 'qa', 'always', 'never', 'xbetax', 'beta', 'b', '42', 'x1', 'QA', ''),
  headerName: fc.constantFrom('x-canary', 'x-group', 'x-beta'),
  cookie: fc.constantFrom(undefined, 'beta=always', 'a=1; canary=always', 'b_1=never', 'beta=never; canary=always', 'xbeta=always', 'beta=alwaysx', 'canary=always;b_1=always',
    'BETA=always', 'Canary=never'),
}).map(r => ({
  host: HOST,
  path: r.path,
  headers: { ...(r.header !== undefined ? { [r.headerName]: r.header } : {}), ...(r.cookie !== undefined ? { cookie: r.cookie } : {}) },
})), { minLength: 30, maxLength: 30 });

describe('Leaving ingress-nginx (property)', () => {
  test(`${RUNS} random canary pairs: read, migrated and simulated alike`, () => {
    const routes: any[] = [];
    let probes = 0;
    let refused = 0;
    fc.assert(fc.property(models, requests, (m, sample) => {
      // GIVEN a pair; WHEN migrated
      const input = inputOf(m);
      const migration = migrateToGatewayApi(input, { namespace: 'infra', name: 'public' });
      const written = migration.objects.filter(o => o.kind === 'HTTPRoute' || o.kind === 'ReferenceGrant');
      const after = [...input.filter(o => o.kind !== 'Ingress'), ...written];
      routes.push(...written);
      // A model the reader warns about is refused: migrate says NOT PROVEN and exits 1.
      if (migration.index.warnings.length > 0) {
        refused++;
        return;
      }
      // THEN nothing is left behind, the proof holds, and random requests agree too
      expect(migration.notCarried).toEqual([]);
      const proof = proveMigration(input, after, migration.hosts, 'ingress-nginx', 'gateway-api');
      probes += proof.probes;
      expect(proof.divergences).toEqual([]);
      expect(proof.hosts.flatMap(h => h.cohorts.filter(c => c.change !== 'unchanged'))).toEqual([]);
      const both = whereBoth(input, after, HOST, 'ingress-nginx', 'gateway-api');
      const www = whereBoth(input, after, 'www.example.com', 'ingress-nginx', 'gateway-api');
      for (const request of [...sample, ...sample.slice(0, 5).map(r => ({ ...r, host: 'www.example.com' }))]) {
        if (request.host === 'www.example.com') {
          if (!m.shared) continue;
          const [nginx, gatewayApi] = www(request);
          expect({ request, gatewayApi }).toEqual({ request, gatewayApi: nginx });
          continue;
        }
        const [nginx, gatewayApi] = both(request);
        expect({ request, gatewayApi }).toEqual({ request, gatewayApi: nginx });
      }
    }), { numRuns: RUNS });
    validateManifests(routes);
    expect(refused).toBeLessThan(RUNS / 2);
    // eslint-disable-next-line no-console
    console.log(`nginx -> Gateway API: ${RUNS} pairs (${refused} refused for reader warnings), ${probes} probe requests and ${RUNS * 30} random requests, zero divergences; ${routes.length} HTTPRoutes and ReferenceGrants valid`);
  });
});

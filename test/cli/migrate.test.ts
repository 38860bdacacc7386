import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IstioReader } from '../../src';
import { validateManifests } from '../util';
import { run } from '../util/cli';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'nginx-migration');
const INPUT = path.join(EXAMPLE, 'ingress-nginx.yaml');

describe('cdk8s-canary migrate', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-migrate-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the example: writes the committed HTTPRoutes, proves them and exits 0', () => {
    // WHEN the README's command runs on the hand-written pair
    const out = path.join(dir, 'httproutes.yaml');
    const r = run('migrate', INPUT, '--to', 'gateway-api', '--gateway', 'infra/public', '--out', out);
    // THEN the file is examples/nginx-migration/httproutes.yaml, valid against the CRDs
    expect(r.code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(path.join(EXAMPLE, 'httproutes.yaml'), 'utf8'));
    validateManifests(IstioReader.loadFiles([out]));
    // AND the report shows the diff without a change and the simulator's verdict
    expect(r.out).toContain('migrated 2 Ingress(es) to 1 HTTPRoute(s) for shop.example.com');
    expect(r.out).toMatch(/shop\.example\.com\s+cookie beta=always \(name in any case\)\s+shop-canary 100\s+shop-canary 100\s+unchanged/);
    expect(r.out).toMatch(/simulator: \d+ probe request\(s\) route alike/);
    expect(r.out).toContain('PROVEN: the HTTPRoutes route every request as the Ingresses do');
    expect(r.err).toBe('');
  });

  test('without --out: the YAML on stdout, the report on stderr', () => {
    const r = run('migrate', INPUT, '--to', 'gateway-api');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^---\napiVersion: gateway.networking.k8s.io\/v1\nkind: HTTPRoute/);
    expect(r.err).toContain('no --gateway: each route attaches to a Gateway named after its IngressClass');
  });

  test('exits 1 when something is not carried over, naming it', () => {
    const file = path.join(dir, 'in.yaml');
    fs.writeFileSync(file, fs.readFileSync(INPUT, 'utf8').replace('  name: shop\n  namespace: shop\nspec:\n  ingressClassName',
      '  name: shop\n  namespace: shop\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-redirect: "true"\nspec:\n  ingressClassName'));
    const r = run('migrate', file, '--to', 'gateway-api', '--gateway', 'public', '--out', path.join(dir, 'out.yaml'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('not carried over:\n  Ingress shop/shop: nginx.ingress.kubernetes.io/ssl-redirect: "true": redirect HTTP to HTTPS');
    expect(r.out).toContain('PROVEN for routing, with the leftovers above to carry by hand');
  });

  test('never says PROVEN nor exits 0 while the reader warns about the input, and lists the warnings', () => {
    // GIVEN the example with a canary-weight ingress-nginx reads as 0 (not an integer): the
    // reader warns, and its model routes like the HTTPRoutes
    const file = path.join(dir, 'in.yaml');
    fs.writeFileSync(file, fs.readFileSync(INPUT, 'utf8').replace('canary-weight: "10"', 'canary-weight: "10%"'));
    // WHEN migrate runs
    const r = run('migrate', file, '--to', 'gateway-api', '--gateway', 'public', '--out', path.join(dir, 'out.yaml'));
    // THEN it exits 1, names the warning and does not claim a proof
    expect(r.code).toBe(1);
    expect(r.out).toContain('reader warnings (the proof compares what the reader models; these it does not, or not exactly):\n'
      + '  Ingress shop/shop-canary (shop.example.com): nginx.ingress.kubernetes.io/canary-weight is "10%", not an integer; read as 0');
    expect(r.out).not.toMatch(/^PROVEN/m);
    expect(r.out).toContain('NOT PROVEN: the models route alike, but the reader warnings above name what they leave out');
  });

  test('fails without --to gateway-api, with a bad --gateway, without paths, or without Ingresses', () => {
    expect(run('migrate', INPUT)).toMatchObject({ code: 2, err: expect.stringContaining('migrate needs --to gateway-api (the only target so far), got none') });
    expect(run('migrate', INPUT, '--to', 'istio')).toMatchObject({ code: 2, err: expect.stringContaining('got "istio"') });
    expect(run('migrate', INPUT, '--to', 'gateway-api', '--gateway', 'Infra/Public')).toMatchObject({ code: 2, err: expect.stringContaining('--gateway must be <namespace>/<name> or <name>') });
    expect(run('migrate', '--to', 'gateway-api')).toMatchObject({ code: 2, err: expect.stringContaining('migrate needs at least one path') });
    const empty = path.join(dir, 'svc.yaml');
    fs.writeFileSync(empty, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports: [{port: 80}]\n');
    expect(run('migrate', empty, '--to', 'gateway-api')).toMatchObject({ code: 2, err: expect.stringContaining('holds no Ingress') });
    expect(run('migrate', '--help')).toMatchObject({ code: 0, out: expect.stringContaining('Usage: cdk8s-canary migrate <path>... --to gateway-api') });
  });
});

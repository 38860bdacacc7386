import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../util/cli';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'bookinfo-reviews', 'dist', '03-v2-at-20.k8s.yaml');

const BAD = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v3}
    retries: {attempts: 0, retryOn: 5xx}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
`;

const WARNING_ONLY = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
      weight: 1
    - destination: {host: ratings}
      weight: 1
`;

describe('cdk8s-canary validate', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-validate-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  test('exits 0 on what the constructs synthesize', () => {
    // GIVEN a synthesized stage of the bookinfo example
    // WHEN validated
    const r = run('validate', EXAMPLE);
    // THEN no finding; the VirtualService, the DestinationRule, the Service and both Deployments are counted
    expect(r).toEqual({ code: 0, out: '5 object(s) validated in 1 file(s): 0 error(s), 0 warning(s)', err: '' });
  });

  test('exits 1 on errors, naming the file, the object, the rule and the fix', () => {
    // GIVEN a directory with a retry policy on 0 attempts and a route to an undefined subset
    const file = write('routing.yaml', BAD);
    // WHEN the directory is validated
    const r = run('validate', dir);
    // THEN both errors, each with its source
    expect(r.code).toBe(1);
    expect(r.out.split('\n')).toEqual([
      `Error: ${file}: VirtualService/shop/reviews: http[0] retries: http retry policy configured when attempts are set to 0 (disabled); set attempts, or remove the policy [retries]`,
      `Error: ${file}: VirtualService/shop/reviews: http[0] routes to subset "v3" of host "reviews", which no DestinationRule defines (IST0101); add the version to the service, or remove the route [subset-not-found]`,
      '2 object(s) validated in 1 file(s): 2 error(s), 0 warning(s)',
    ]);
  });

  test('--json prints the findings', () => {
    const file = write('routing.yaml', BAD);
    const r = run('validate', file, '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ valid: false, files: 1, objects: 2, errors: 2, warnings: 0 });
    expect(report.findings.map((f: any) => f.rule)).toEqual(['retries', 'subset-not-found']);
  });

  test('warnings exit 0, or 1 with --strict', () => {
    const file = write('routing.yaml', WARNING_ONLY);
    expect(run('validate', file)).toMatchObject({ code: 0, out: expect.stringContaining('weights add up to 2, not 100') });
    expect(run('validate', file, '--strict').code).toBe(1);
  });

  test('exits 2 on unreadable input: a missing file, invalid YAML', () => {
    expect(run('validate', path.join(dir, 'missing.yaml'))).toMatchObject({ code: 2, err: expect.stringContaining('no such file or directory') });
    const broken = write('broken.yaml', 'kind: [VirtualService\n');
    expect(run('validate', broken)).toMatchObject({ code: 2, err: expect.stringContaining('document 1 is not valid YAML') });
  });

  test('exits 2 with the help on a bad command line', () => {
    expect(run('validate')).toMatchObject({ code: 2, err: expect.stringContaining('validate needs at least one path') });
    expect(run('validate', EXAMPLE, '--yaml')).toMatchObject({ code: 2, err: expect.stringContaining('unknown option "--yaml"') });
    expect(run('validate', '--help')).toMatchObject({ code: 0, out: expect.stringContaining('Usage: cdk8s-canary validate <path>...') });
  });
});

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { JASON_V2, REVIEWS_80_20, reviewsBase, virtualService } from '../util/bookinfo';
import { run } from '../util/cli';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'bookinfo-reviews', 'dist');
const stage = (name: string) => path.join(EXAMPLE, `${name}.k8s.yaml`);

describe('cdk8s-canary CLI', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-cli-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('--help on the command and on each subcommand', () => {
    expect(run('--help')).toMatchObject({ code: 0, out: expect.stringContaining('Usage: cdk8s-canary <command> [options]') });
    for (const command of ['check', 'explain', 'diff']) {
      expect(run(command, '--help')).toMatchObject({ code: 0, out: expect.stringContaining(`Usage: cdk8s-canary ${command} `) });
    }
    expect(run()).toMatchObject({ code: 2, err: expect.stringContaining('Usage:') });
    expect(run('deploy')).toMatchObject({ code: 2, err: expect.stringContaining('unknown command "deploy"; expected check, explain, diff, validate, analyze, advance or migrate') });
  });

  describe('check', () => {
    test('exits 0 on a documented step', () => {
      const r = run('check', stage('02-v2-deployed-at-0'), stage('03-v2-at-20'));
      expect(r).toEqual({ code: 0, out: 'SAFE: no unsafe step found', err: '' });
    });

    test('exits 1 on an unsafe step, with the finding, its fix and a safe sequence', () => {
      const r = run('check', stage('01-all-v1'), stage('03-v2-at-20'));
      expect(r.code).toBe(1);
      expect(r.out).toContain('UNSAFE: 1 error(s), 0 warning(s)');
      expect(r.out).toContain('ERROR [routed-to-new-version] reviews v2');
      expect(r.out).toContain('1) add reviews v2 (Deployment and subset) at weight 0');
    });

    test('warnings pass unless --strict; --max-step and --json', () => {
      expect(run('check', stage('03-v2-at-20'), stage('04-v2-at-100')).code).toBe(0);
      expect(run('check', stage('03-v2-at-20'), stage('04-v2-at-100'), '--strict').code).toBe(1);
      const json = run('check', stage('03-v2-at-20'), stage('04-v2-at-100'), '--max-step', '80', '--json');
      expect(json.code).toBe(0);
      expect(JSON.parse(json.out)).toEqual({ safe: true, findings: [], notes: [], warnings: [] });
      expect(run('check', stage('03-v2-at-20'), stage('04-v2-at-100'), '--max-step=0')).toMatchObject({
        code: 2, err: expect.stringContaining('cdk8s-canary check: --max-step must be an integer from 1 to 100, got "0"'),
      });
    });

    test('exits 2 on usage and read errors, with clear messages', () => {
      expect(run('check', stage('01-all-v1'))).toMatchObject({ code: 2, err: expect.stringContaining(`check needs two paths, <old> and <new>, got 1: ${stage('01-all-v1')}`) });
      expect(run('check', stage('01-all-v1'), stage('02-v2-deployed-at-0'), '--fast')).toMatchObject({ code: 2, err: expect.stringContaining('unknown option "--fast"') });
      const missing = path.join(dir, 'nope.yaml');
      expect(run('check', missing, stage('01-all-v1'))).toEqual({ code: 2, out: '', err: `cdk8s-canary check: cannot read "${missing}": no such file or directory` });
      const notK8s = path.join(dir, 'values.yaml');
      fs.writeFileSync(notK8s, 'replicaCount: 2\nimage: nginx\n');
      expect(run('check', notK8s, stage('01-all-v1'))).toEqual({
        code: 2, out: '', err: `cdk8s-canary check: ${notK8s}: document 1 (line 1) is not a Kubernetes object (an object with apiVersion and kind), got {"replicaCount":2,"image":"nginx"}`,
      });
      const broken = path.join(dir, 'broken.yaml');
      fs.writeFileSync(broken, 'kind: [unclosed\n');
      expect(run('diff', broken, stage('01-all-v1'))).toMatchObject({ code: 2, err: expect.stringContaining(`${broken}: document 1 is not valid YAML`) });
    });

    test('fails on an unknown short option, naming it; a path after -- may start with -', () => {
      // WHEN a short flag is given THEN it is a usage error, not a third path
      expect(run('check', '-j', stage('01-all-v1'), stage('02-v2-deployed-at-0'))).toMatchObject({
        code: 2, err: expect.stringContaining('cdk8s-canary check: unknown option "-j" (options are long, e.g. --json; put a path that starts with \'-\' after --)'),
      });
      expect(run('diff', stage('01-all-v1'), stage('02-v2-deployed-at-0'), '-x')).toMatchObject({ code: 2, err: expect.stringContaining('unknown option "-x"') });
      expect(run('explain', dir, '-H', 'reviews')).toMatchObject({ code: 2, err: expect.stringContaining('unknown option "-H"') });
      // GIVEN a file named -old.yaml THEN after -- it is a path
      const dashed = path.join(dir, '-old.yaml');
      fs.copyFileSync(stage('02-v2-deployed-at-0'), dashed);
      const cwd = process.cwd();
      try {
        process.chdir(dir);
        expect(run('check', '--', '-old.yaml', stage('03-v2-at-20'))).toEqual({ code: 0, out: 'SAFE: no unsafe step found', err: '' });
      } finally {
        process.chdir(cwd);
      }
    });

    test('a first deployment from an empty file is safe; the empty file is reported on stderr', () => {
      // GIVEN an empty old output
      const empty = path.join(dir, 'empty.yaml');
      fs.writeFileSync(empty, '');
      // WHEN / THEN
      expect(run('check', empty, stage('03-v2-at-20'))).toEqual({
        code: 0, out: 'SAFE: no unsafe step found', err: `cdk8s-canary check: warning: ${empty} holds no Kubernetes object (empty file)`,
      });
    });

    test('fails on outputs without any VirtualService', () => {
      // GIVEN two files with objects but no routing
      const plain = path.join(dir, 'plain.yaml');
      fs.writeFileSync(plain, 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n');
      const empty = path.join(dir, 'empty.yaml');
      fs.writeFileSync(empty, '# nothing\n');
      // WHEN / THEN: an error, not a silent SAFE
      expect(run('check', plain, empty)).toEqual({
        code: 2,
        out: '',
        err: `cdk8s-canary check: warning: ${empty} holds no Kubernetes object (empty file)\n`
          + `cdk8s-canary check: neither ${plain} nor ${empty} holds a VirtualService, HTTPRoute or GRPCRoute: nothing to check; give the files or directories cdk8s synth writes (e.g. dist/)`,
      });
      expect(run('diff', plain, plain)).toMatchObject({ code: 2, err: expect.stringContaining(`neither ${plain} nor ${plain} holds a VirtualService, HTTPRoute or GRPCRoute: nothing to diff`) });
      expect(run('explain', plain, '--host', 'reviews')).toMatchObject({ code: 2, err: `cdk8s-canary explain: ${plain} holds no VirtualService, HTTPRoute or GRPCRoute: nothing to explain; give the files or directories cdk8s synth writes (e.g. dist/)` });
    });

    test('checks outputs whose only routing is a main Ingress without a canary Ingress', () => {
      // GIVEN a main Ingress switched from shop-v1 to shop-v2, with v1 scaled to 0 in the same commit
      const objects = (backend: string, v1Replicas: number) => [
        ...['v1', 'v2'].flatMap(v => [
          { apiVersion: 'v1', kind: 'Service', metadata: { name: `shop-${v}` }, spec: { ports: [{ port: 80 }], selector: { app: 'shop', version: v } } },
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: `shop-${v}` },
            spec: {
              replicas: v === 'v1' ? v1Replicas : 1,
              selector: { matchLabels: { app: 'shop', version: v } },
              template: { metadata: { labels: { app: 'shop', version: v } }, spec: { containers: [{ name: 'shop', image: `shop:${v}` }] } },
            },
          },
        ]),
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'shop' },
          spec: { rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: backend, port: { number: 80 } } } }] } }] },
        },
      ];
      const old = path.join(dir, 'old.yaml');
      const next = path.join(dir, 'new.yaml');
      fs.writeFileSync(old, objects('shop-v1', 1).map(o => JSON.stringify(o)).join('\n---\n'));
      fs.writeFileSync(next, objects('shop-v2', 0).map(o => JSON.stringify(o)).join('\n---\n'));
      // WHEN
      const r = run('check', old, next, '--max-step', '100');
      // THEN the old backend's pods go while ingress-nginx may still send it requests
      expect(r.code).toBe(1);
      expect(r.out).toContain('ERROR [routed-to-no-replicas] shop.example.com v1');
    });

    test('--strict: the verdict in the text and the JSON agrees with the exit code', () => {
      // GIVEN a step with a warning only (v2 20 -> 100)
      const r = run('check', stage('03-v2-at-20'), stage('04-v2-at-100'), '--strict');
      // THEN
      expect(r.code).toBe(1);
      expect(r.out.split('\n')[0]).toBe('UNSAFE (strict: warnings fail the check): 0 error(s), 1 warning(s)');
      const json = run('check', stage('03-v2-at-20'), stage('04-v2-at-100'), '--strict', '--json');
      expect(json.code).toBe(1);
      expect(JSON.parse(json.out)).toMatchObject({ safe: true, strict: true, passed: false });
    });

    test('a blue-green switch passes --strict', () => {
      const bg = (name: string) => path.join(__dirname, '..', '..', 'examples', 'micro-api-blue-green', 'dist', `${name}.k8s.yaml`);
      expect(run('check', bg('04-v2-mirrored-10'), bg('05-switch-to-green'), '--strict')).toEqual({ code: 0, out: 'SAFE: no unsafe step found', err: '' });
      expect(run('check', bg('05-switch-to-green'), bg('06-rollback-to-blue'), '--strict')).toEqual({ code: 0, out: 'SAFE: no unsafe step found', err: '' });
    });

    test('YAML errors show the offending line', () => {
      const broken = path.join(dir, 'broken.yaml');
      fs.writeFileSync(broken, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n   labels: x\n');
      expect(run('check', broken, stage('01-all-v1'))).toEqual({
        code: 2,
        out: '',
        err: `cdk8s-canary check: ${broken}: document 1 is not valid YAML: bad indentation of a mapping entry at line 5, column 10:\n  5 |    labels: x\n    |          ^`,
      });
    });

    test('reads directories recursively', () => {
      fs.mkdirSync(path.join(dir, 'old', 'nested'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'new'));
      fs.copyFileSync(stage('01-all-v1'), path.join(dir, 'old', 'nested', 'app.yaml'));
      fs.copyFileSync(stage('03-v2-at-20'), path.join(dir, 'new', 'app.yml'));
      expect(run('check', path.join(dir, 'old'), path.join(dir, 'new')).code).toBe(1);
    });
  });

  describe('explain', () => {
    beforeEach(() => Yaml.save(path.join(dir, 'bookinfo.yaml'), [...reviewsBase(), JASON_V2]));

    test('shows the matched rule, the destination and the trace', () => {
      const r = run('explain', dir, '--host', 'reviews', '--header', 'end-user=jason');
      expect(r).toEqual({
        code: 0,
        err: '',
        out: [
          'rule 0 matches (header end-user exact "jason"): v2 100%',
          'routing: VirtualService default/reviews',
          '  rule 0 (header end-user exact "jason"): matches',
        ].join('\n'),
      });
      const other = run('explain', dir, '--host', 'reviews', '--header', 'end-user=alice', '--path', '/reviews/1', '--cookie', 'a=b', '--user-agent', 'curl', '--json');
      expect(JSON.parse(other.out)).toMatchObject({ matched: true, ruleIndex: 1, destinations: [{ host: 'reviews', version: 'v1', probability: 1 }], warnings: [] });
    });

    test('samples requests', () => {
      Yaml.save(path.join(dir, 'bookinfo.yaml'), [...reviewsBase(), REVIEWS_80_20]);
      const r = run('explain', dir, '--host', 'reviews', '--samples', '10000', '--seed', '5');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/sampled 10000 requests:\n {2}v1: \d+ \((79|80)\.\d%\)/);
    });

    test('names the known hosts for an unknown host, and needs --host', () => {
      expect(run('explain', dir, '--host', 'ratings').out).toContain('hosts with a routing: reviews');
      expect(run('explain', dir)).toMatchObject({ code: 2, err: expect.stringContaining('explain needs --host, e.g. --host reviews') });
      expect(run('explain', dir, '--host', 'reviews', '--header', 'novalue')).toMatchObject({ code: 2, err: expect.stringContaining('--header must be key=value, got "novalue"') });
    });
  });

  describe('diff', () => {
    test('prints a table, JSON or Mermaid', () => {
      const table = run('diff', stage('02-v2-deployed-at-0'), stage('03-v2-at-20'));
      expect(table.code).toBe(0);
      expect(table.out).toContain('reviews: default v1 -> 80/20 v1/v2 (20% of traffic moves)');
      expect(JSON.parse(run('diff', stage('02-v2-deployed-at-0'), stage('03-v2-at-20'), '--json').out).hosts[0].defaultMovedPercent).toBe(20);
      expect(run('diff', stage('02-v2-deployed-at-0'), stage('03-v2-at-20'), '--mermaid').out).toMatch(/^%% reviews\nflowchart LR\n/);
    });
  });

  test('diff never cuts a cohort: a long one continues on the next lines, one ORed match per line', () => {
    // GIVEN a cohort of two matches: a 150-character regex on end-user, or a short cookie match
    const regex = `^(${Array.from({ length: 20 }, (_, i) => `user${i}`).join('|')})$`;
    const match = [{ headers: { 'end-user': { regex } } }, { headers: { 'x-browser': { exact: 'Chrome or Firefox' } } }];
    const vs = (v: string) => virtualService([{ match, route: [{ destination: { host: 'reviews', subset: v } }] }, { route: [{ destination: { host: 'reviews', subset: 'v1' } }] }]);
    Yaml.save(path.join(dir, 'old.yaml'), [...reviewsBase(), vs('v2')]);
    Yaml.save(path.join(dir, 'new.yaml'), [...reviewsBase(), vs('v3')]);
    // WHEN
    const table = run('diff', path.join(dir, 'old.yaml'), path.join(dir, 'new.yaml'));
    // THEN the first line holds the whole first match, the next line the second (not split inside its quoted value)
    const lines = table.out.split('\n');
    expect(lines[1]).toMatch(new RegExp(`^reviews +header end-user regex ${JSON.stringify(regex).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} or +v2 100 +v3 100 +100% of the cohort moves$`));
    expect(lines[2]).toBe(`${' '.repeat(lines[1].indexOf('header'))}header x-browser exact "Chrome or Firefox"`);
    // and nothing is shortened anywhere
    expect(table.out).not.toContain('...');
    expect(JSON.parse(run('diff', path.join(dir, 'old.yaml'), path.join(dir, 'new.yaml'), '--json').out).hosts[0].cohorts[0].cohort)
      .toBe(`header end-user regex ${JSON.stringify(regex)} or header x-browser exact "Chrome or Firefox"`);
  });

  test('the bin launcher calls mainAsync (which runs every command)', () => {
    const bin = fs.readFileSync(path.join(__dirname, '..', '..', 'bin', 'cdk8s-canary'), 'utf8');
    expect(bin.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(bin).toContain("require('../lib/cli/main').mainAsync(process.argv.slice(2))");
  });
});

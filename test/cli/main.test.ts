import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { main } from '../../src/cli/main';
import { JASON_V2, REVIEWS_80_20, reviewsBase } from '../util/bookinfo';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'bookinfo-reviews', 'dist');
const stage = (name: string) => path.join(EXAMPLE, `${name}.k8s.yaml`);

function run(...argv: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: t => out.push(t), err: t => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

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
    expect(run('deploy')).toMatchObject({ code: 2, err: expect.stringContaining('unknown command "deploy"; expected check, explain, diff, validate, analyze or advance') });
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
      expect(JSON.parse(json.out)).toEqual({ safe: true, findings: [], warnings: [] });
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
        code: 2, out: '', err: `cdk8s-canary check: ${notK8s}: document 1 is not a Kubernetes object (an object with apiVersion and kind), got {"replicaCount":2,"image":"nginx"}`,
      });
      const broken = path.join(dir, 'broken.yaml');
      fs.writeFileSync(broken, 'kind: [unclosed\n');
      expect(run('diff', broken, stage('01-all-v1'))).toMatchObject({ code: 2, err: expect.stringContaining(`${broken}: document 1 is not valid YAML`) });
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

  test('the bin launcher calls mainAsync (which runs every command)', () => {
    const bin = fs.readFileSync(path.join(__dirname, '..', '..', 'bin', 'cdk8s-canary'), 'utf8');
    expect(bin.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(bin).toContain("require('../lib/cli/main').mainAsync(process.argv.slice(2))");
  });
});

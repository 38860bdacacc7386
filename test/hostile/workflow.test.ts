// The example workflow (examples/automated-canary/canary-advance.yml) with a hostile summary:
// its steps run in bash as GitHub runs them, in a temporary git repository.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jsyaml from 'js-yaml';

const WORKFLOW = path.join(__dirname, '..', '..', 'examples', 'automated-canary', 'canary-advance.yml');
const steps: any[] = (jsyaml.load(fs.readFileSync(WORKFLOW, 'utf8')) as any).jobs.advance.steps;
const step = (prefix: string) => steps.find(s => typeof s.name === 'string' && s.name.startsWith(prefix));

/** A summary that runs commands if pasted into a script. */
const HOSTILE = 'canary: x $(touch PWNED1) `touch PWNED2` "; touch PWNED3; echo " \' ; touch PWNED4 #';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-workflow-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs a step's script as GitHub does (bash -eo pipefail), with its env: given as values. */
function runStep(s: any, env: Record<string, string>, cwd: string): { code: number | null; out: string; err: string } {
  const script = path.join(dir, 'step.sh');
  fs.writeFileSync(script, s.run);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd,
    env: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('no run: script pastes an expression: step outputs and variables go through env:', () => {
  for (const s of steps.filter(x => x.run)) expect(s.run).not.toContain('${{');
  expect(step('Apply the verdicts').env).toEqual({ PROMETHEUS_URL: '${{ vars.PROMETHEUS_URL }}' });
  expect(step('Commit').env).toEqual({ SUMMARY: '${{ steps.advance.outputs.summary }}' });
});

test('the commit step commits a hostile summary as text and runs none of it', () => {
  // GIVEN a repository with a remote, a changed state file, and a hostile summary
  const origin = path.join(dir, 'origin.git');
  const repo = path.join(dir, 'repo');
  git(dir, 'init', '-q', '--bare', origin);
  git(dir, 'init', '-q', '-b', 'main', repo);
  git(repo, 'config', 'user.name', 't');
  git(repo, 'config', 'user.email', 't@example.com');
  fs.mkdirSync(path.join(repo, 'dist'));
  fs.writeFileSync(path.join(repo, 'dist', 'app.k8s.yaml'), 'a: 1\n');
  fs.writeFileSync(path.join(repo, 'canary-state.json'), '{}\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'init');
  git(repo, 'remote', 'add', 'origin', origin);
  git(repo, 'push', '-q', '-u', 'origin', 'main');
  fs.writeFileSync(path.join(repo, 'canary-state.json'), '{"releases":{}}\n');
  // WHEN the commit step runs with the summary in its env
  const r = runStep(step('Commit'), { SUMMARY: HOSTILE }, repo);
  // THEN it commits with the summary as the message, pushes, and no command of the summary ran
  expect(r).toMatchObject({ code: 0 });
  expect(git(origin, 'log', '-1', '--format=%B', 'main').trim()).toBe(HOSTILE);
  expect(fs.readdirSync(repo).filter(f => f.startsWith('PWNED'))).toEqual([]);
  expect(fs.readdirSync(dir).filter(f => f.startsWith('PWNED'))).toEqual([]);
});

describe('the advance step', () => {
  /** A fake npx printing `line` as cdk8s-canary advance's output. */
  function fakeNpx(line: string): string {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(dir, 'line.txt'), `${line}\nsecond line\n`);
    fs.writeFileSync(path.join(bin, 'npx'), `#!/bin/sh\ncat ${JSON.stringify(path.join(dir, 'line.txt'))}\n`, { mode: 0o755 });
    return `${bin}${path.delimiter}${process.env.PATH}`;
  }

  test('passes one line of our words and numbers to the step output', () => {
    const output = path.join(dir, 'output');
    const r = runStep(step('Apply the verdicts'), { PATH: fakeNpx('canary: reviews v2 20% -> 50%'), GITHUB_OUTPUT: output, PROMETHEUS_URL: 'http://p' }, dir);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(output, 'utf8')).toBe('summary=canary: reviews v2 20% -> 50%\n');
  });

  test.each([
    ['shell syntax', HOSTILE],
    ['a second output through a newline-free trick', 'canary: x\u001b]0;pwn\u0007'],
    ['a line not from cdk8s-canary', 'summary=evil'],
  ])('fails on a summary with %s, and writes no output', (_, line) => {
    const output = path.join(dir, 'output');
    const r = runStep(step('Apply the verdicts'), { PATH: fakeNpx(line), GITHUB_OUTPUT: output, PROMETHEUS_URL: 'http://p' }, dir);
    expect(r.code).toBe(1);
    expect(fs.existsSync(output)).toBe(false);
    expect(fs.readdirSync(dir).filter(f => f.startsWith('PWNED'))).toEqual([]);
  });
});

describe('advance\'s summary line', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { summaryLine } = require('../../src/cli/analyze') as typeof import('../../src/cli/analyze');
  const verdict = (over: any): any => ({ namespace: 'default', service: 'reviews', version: 'v2', verdict: 'hold', reason: 'checks passed', weight: 5, nextWeight: 5, requests: 10, checks: [], nextState: { status: 'progressing' }, ...over });

  test('keeps our words and numbers', () => {
    expect(summaryLine([verdict({ reason: 'success-rate 92.5 not >= 99' })])).toBe('canary: default/reviews v2 holds at 5% (success-rate 92.5 not >= 99)');
  });

  test('replaces a reason holding text from Prometheus, and names that are not DNS names', () => {
    // GIVEN a reason carrying a Prometheus error message and a service name with shell syntax
    const line = summaryLine([verdict({ namespace: 'a"b', service: 'x$(id)', reason: 'latency: query error (bad_data): "$(curl evil)"\n::error::' })]);
    // THEN the line is ours only, and passes the workflow's check
    expect(line).toBe('canary: a namespace/a release v2 holds at 5% (reason in the job log)');
    expect(line).toMatch(/^canary: [A-Za-z0-9 .,:;%()<>=/+_-]*$/);
  });
});

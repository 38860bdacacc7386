// `check --format markdown` and `diff --format markdown`: one pull-request comment each.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { mdCode, mdFence, mdText } from '../../src/cli/_markdown';
import { reviewsBase, virtualService } from '../util/bookinfo';
import { run } from '../util/cli';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'bookinfo-reviews', 'dist');
const stage = (name: string) => path.join(EXAMPLE, `${name}.k8s.yaml`);

/** The cells of a GFM table row: split on pipes that are not escaped. */
function cells(row: string): string[] {
  return row.replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/);
}

/** The table rows of a Markdown text (lines starting with `|`). */
function tableRows(md: string): string[] {
  return md.split('\n').filter(l => l.startsWith('|'));
}

describe('check --format markdown', () => {
  test('an unsafe step: verdict, the finding with its fix and safe sequence, the traffic table and a Mermaid chart; exit 1', () => {
    // GIVEN all v1, WHEN v2 is deployed and routed in one commit
    const r = run('check', stage('01-all-v1'), stage('03-v2-at-20'), '--format', 'markdown');
    // THEN
    expect(r.code).toBe(1);
    const md = r.out;
    expect(md.split('\n').slice(0, 4)).toEqual(['<!-- cdk8s-canary check -->', '### :x: cdk8s-canary check: UNSAFE', '', '1 error(s), 0 warning(s).']);
    expect(md).toContain('#### Error `routed-to-new-version`: `reviews` `v2`');
    expect(md).toContain('**Fix:** deploy v2 at weight 0 in one commit and route to it in the next');
    expect(md).toContain('1. add reviews v2 \\(Deployment and subset\\) at weight 0');
    expect(tableRows(md)).toEqual([
      '| host | cohort | before | after | change |',
      '|---|---|---|---|---|',
      '| `reviews` | `default (every request)` | `v1 100` | `v1 80, v2 20` | 20% of default traffic moves |',
    ]);
    expect(md).toContain('```mermaid\nflowchart LR\n  req(["reviews"])');
    expect(md.trimEnd().endsWith('```')).toBe(true);
  });

  test('a safe step says SAFE, exit 0; a step that moves nothing says so', () => {
    const safe = run('check', stage('02-v2-deployed-at-0'), stage('03-v2-at-20'), '--format=markdown');
    expect(safe.code).toBe(0);
    expect(safe.out).toContain('### :white_check_mark: cdk8s-canary check: SAFE\n\nNo unsafe step between the two outputs.');
    const same = run('check', stage('03-v2-at-20'), stage('03-v2-at-20'), '--format', 'markdown');
    expect(same.out).toContain('No traffic moves: 1 host(s), every cohort unchanged.');
  });

  test('with --strict a warning fails, and the comment says why', () => {
    // GIVEN a weight step of 20 points (a warning above --max-step 10)
    const r = run('check', stage('02-v2-deployed-at-0'), stage('03-v2-at-20'), '--format', 'markdown', '--strict', '--max-step', '10');
    expect(r.code).toBe(1);
    expect(r.out).toContain('### :x: cdk8s-canary check: UNSAFE (strict: warnings fail the check)');
    expect(r.out).toContain('#### Warning `weight-jump`');
  });

  test.each([
    [['--format', 'html'], '--format must be text, json or markdown, got "html"'],
    [['--json', '--format', 'markdown'], '--format markdown and --format json contradict each other; give one'],
    [['--format', 'json', '--format', 'markdown'], 'option --format may be given once, got 2 times'],
  ])('fails on %j with its message (exit 2)', (options, message) => {
    const r = run('check', stage('01-all-v1'), stage('02-v2-deployed-at-0'), ...options);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});

describe('diff --format markdown', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'md-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('lists the cohorts that change, the summary and a chart per changed host', () => {
    const r = run('diff', stage('03-v2-at-20'), stage('04-v2-at-100'), '--format', 'markdown');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(0, 2)).toEqual(['<!-- cdk8s-canary diff -->', '### cdk8s-canary diff: 1 host(s) change']);
    expect(tableRows(r.out)[2]).toBe('| `reviews` | `default (every request)` | `v1 80, v2 20` | `v2 100` | 80% of default traffic moves |');
    expect(r.out).toContain('```mermaid\n');
    expect(run('diff', stage('03-v2-at-20'), stage('04-v2-at-100'), '--mermaid', '--format', 'markdown').code).toBe(2);
  });

  test('hostile names cannot break the table, the code spans, the fence, inject HTML or mention anyone', () => {
    // GIVEN a cohort whose header value holds pipes, backticks, a fence, HTML, a mention and a newline
    const evil = 'a|b`c```\n</details><script>x</script> @org/team ``` |';
    const vs = (v: string) => virtualService([
      { name: 'evil', match: [{ headers: { 'x-evil': { exact: evil } } }], route: [{ destination: { host: 'reviews', subset: v } }] },
      { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
    ]);
    Yaml.save(path.join(dir, 'old.yaml'), [...reviewsBase(), vs('v2')]);
    Yaml.save(path.join(dir, 'new.yaml'), [...reviewsBase(), vs('v3')]);
    // WHEN
    const md = run('diff', path.join(dir, 'old.yaml'), path.join(dir, 'new.yaml'), '--format', 'markdown').out;
    // THEN every table row has five cells
    for (const row of tableRows(md)) expect(cells(row)).toHaveLength(5);
    // the value sits inside one code span, pipes escaped, no raw HTML tag outside code, no bare mention
    const row = tableRows(md)[2];
    expect(row).toContain('a\\|b`c```');
    const outsideCode = md.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, '').replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
    expect(outsideCode).not.toMatch(/<script|<\/details>|(^|\s)@org/);
    // the Mermaid fence is longer than any backtick run inside it, and is closed
    const fence = /^(`{4,})mermaid$/m.exec(md);
    expect(fence).not.toBeNull();
    expect(md.split('\n').filter(l => l === fence![1])).toHaveLength(1);
  });
});

describe('escaping helpers', () => {
  test('mdText escapes Markdown, HTML and mentions on one line', () => {
    expect(mdText('a <b> & *c* @d\n|e')).toBe('a &lt;b&gt; &amp; \\*c\\* \\@d \\|e');
  });

  test('mdCode picks a delimiter longer than any backtick run and escapes pipes', () => {
    expect(mdCode('plain')).toBe('`plain`');
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`x`')).toBe('`` `x` ``');
    expect(mdCode('a|b')).toBe('`a\\|b`');
  });

  test('mdFence is never closed early', () => {
    expect(mdFence('mermaid', 'x\n```\ny')).toBe('````mermaid\nx\n```\ny\n````');
    expect(mdFence('mermaid', 'x')).toBe('```mermaid\nx\n```');
  });
});

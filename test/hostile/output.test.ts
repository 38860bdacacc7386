// Untrusted text in the output: names and values from a pull request's YAML are printed
// escaped; no line of ours starts with `::` (a GitHub workflow command); --json stays exact.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import { Severity } from '../../src/analyzer/finding';
import { safeOutput, safeText } from '../../src/internal/safe-text';
import { PROVIDERS } from '../../src/providers/registry';
import { JASON_V2, reviewsBase, virtualService } from '../util/bookinfo';
import { run } from '../util/cli';

const HOSTILE = 'x\n::error file=a,line=1::pwned\u001b[31m\u009b2J\u202e';

/** No escape or control character (but newline) and no line starting with `::`. */
function expectSafe(text: string): void {
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  for (const line of text.split('\n')) expect(line.trimStart().startsWith('::')).toBe(false);
}

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-output-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, objects: any[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, objects.map(o => `---\n${jsyaml.dump(o)}`).join(''));
  return file;
}

test('safeText escapes control characters, escape codes and newlines, and cuts long values with an ellipsis', () => {
  expect(safeText(HOSTILE)).toBe('x\\n::error file=a,line=1::pwned\\u001b[31m\\u009b2J\\u202e');
  expect(safeText('a'.repeat(300))).toBe(`${'a'.repeat(199)}…`);
  expect(safeText('reviews', 3)).toBe('re…');
});

test('safeOutput keeps JSON exact: it parses to the same values', () => {
  // GIVEN a JSON text holding the hostile string (JSON.stringify leaves C1 controls and U+202E raw)
  const json = JSON.stringify({ name: HOSTILE }, undefined, 2);
  // WHEN made safe THEN it is safe and parses to the same object
  expectSafe(safeOutput(json));
  expect(JSON.parse(safeOutput(json))).toEqual({ name: HOSTILE });
});

describe.each([
  ['check', (f: string, g: string) => ['check', f, g]],
  ['validate', (f: string) => ['validate', f]],
  ['explain', (f: string) => ['explain', f, '--host', 'reviews']],
  ['diff', (f: string, g: string) => ['diff', f, g]],
])('%s', (command, args) => {
  test('prints a hostile object name escaped, and --json exactly', () => {
    // GIVEN outputs whose VirtualService and a subset are named with a workflow command and escape codes
    const vs = virtualService([{ route: [{ destination: { host: 'reviews', subset: HOSTILE } }] }]);
    vs.metadata.name = HOSTILE;
    const before = write('before.yaml', [...reviewsBase(), JASON_V2]);
    const after = write(`after-${command}.yaml`, [...reviewsBase(), vs, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: HOSTILE } }]);
    // WHEN the command runs on them
    const r = run(...args(after, before));
    const s = run(...args(before, after));
    // THEN neither stdout nor stderr carries a control character or a line starting with '::'
    for (const x of [r, s]) {
      expectSafe(x.out);
      expectSafe(x.err);
    }
    // AND --json (where the command has it) parses back to the exact strings
    if (command !== 'diff') {
      const j = run(...args(before, after), '--json');
      expectSafe(j.out);
      expect(() => JSON.parse(j.out)).not.toThrow();
    }
  });
});

describe.each([
  ['check', (f: string, g: string) => ['check', g, f]],
  ['explain', (f: string) => ['explain', f, '--host', 'reviews']],
])('%s keeps a hostile name on its line', (_command, args) => {
  test('a newline in a name is written as \\n, not as a line of its own', () => {
    // GIVEN a VirtualService routing to a subset whose name holds a newline and a workflow command
    const vs = virtualService([{ route: [{ destination: { host: 'reviews', subset: HOSTILE } }] }]);
    vs.metadata.name = HOSTILE;
    const before = write('lines-before.yaml', [...reviewsBase(), JASON_V2]);
    const after = write('lines-after.yaml', [...reviewsBase(), vs]);
    // WHEN the command writes text
    const r = run(...args(after, before));
    // THEN no line starts with the text after the newline: it stays escaped on its line
    expect(r.out.split('\n').some(l => /^\s*\\?::error/.test(l))).toBe(false);
    expect(r.out).toContain('x\\n::error file=a,line=1::pwned');
  });
});

describe('validate keeps a finding\'s message on its line', () => {
  // A provider's rule that quotes input raw (a plug-in's own words are not ours to trust).
  const RAW = 'raw-rule-provider';
  beforeAll(() => PROVIDERS.register({
    name: RAW,
    displayName: 'a provider quoting raw',
    capabilities: [],
    renderer: () => { throw new Error('not rendered'); },
    read: () => [],
    analyzer: {
      kinds: ['VirtualService'],
      analyze: objects => objects.filter(o => o.json.kind === 'VirtualService').map(o => ({
        severity: Severity.ERROR, rule: 'raw', source: o.source, message: `name ${o.json.metadata.name} is wrong`,
      })),
    },
  }));
  afterAll(() => PROVIDERS.unregister(RAW));

  test('a newline in a message is written as \\n, not as a line of its own', () => {
    // GIVEN a VirtualService whose name holds a newline and a workflow command, and a rule quoting it raw
    const vs = virtualService([{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }]);
    vs.metadata.name = HOSTILE;
    const file = write('raw.yaml', [...reviewsBase(), vs]);
    // WHEN validated, as text
    const r = run('validate', file);
    // THEN the message stays on its line, escaped
    expectSafe(r.out);
    expect(r.out.split('\n').filter(l => l.endsWith('[raw]'))).toEqual([expect.stringContaining('name x\\n::error file=a,line=1::pwned\\u001b[31m')]);
  });
});

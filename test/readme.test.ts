// Every TypeScript block of README.md must compile and synthesize as it stands (issue 15): each
// ```ts block is written to a file of its own, type-checked (strict) against the package, then
// run with node in a fresh directory. The one change: `from 'cdk8s-canary'` points at src/.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src');

interface Block {
  /** The line of README.md the block starts on (its ```ts line). */
  readonly line: number;
  readonly code: string;
}

/** The ```ts (or ```typescript) blocks of a Markdown text, with their line numbers. */
export function tsBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i === lines.length) throw new Error(`README.md:${start + 1}: the block is not closed`);
    blocks.push({ line: start + 1, code: body.join('\n') });
  }
  return blocks;
}

/** The block as a module importing the package from src/. */
function asModule(code: string): string {
  return `${code.replace(/from 'cdk8s-canary'/g, `from ${JSON.stringify(SRC)}`)}\nexport {};\n`;
}

const BLOCKS = tsBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

describe('README.md', () => {
  // Below the repository's node_modules, so that cdk8s, constructs and ts-node resolve.
  const cache = path.join(ROOT, 'node_modules', '.cache');
  let dir: string;
  const file = (b: Block) => path.join(dir, `readme-line-${b.line}.ts`);

  beforeAll(() => {
    fs.mkdirSync(cache, { recursive: true });
    dir = fs.mkdtempSync(path.join(cache, 'readme-blocks-'));
    for (const b of BLOCKS) fs.writeFileSync(file(b), asModule(b.code));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('finds the TypeScript blocks, with their lines', () => {
    // GIVEN a Markdown text with a ts block, a shell block and a typescript block
    const md = 'text\n```ts\nconst a = 1;\n```\n```sh\nls\n```\n```typescript\nconst b = 2;\nconst c = 3;\n```\n';
    // WHEN / THEN
    expect(tsBlocks(md)).toEqual([{ line: 2, code: 'const a = 1;' }, { line: 8, code: 'const b = 2;\nconst c = 3;' }]);
    expect(() => tsBlocks('```ts\nconst a = 1;\n')).toThrow('README.md:1: the block is not closed');
    // and the README has some
    expect(BLOCKS.length).toBeGreaterThanOrEqual(5);
  });

  test('every block type-checks (strict) against the package', () => {
    // WHEN all blocks are compiled as separate modules
    const program = ts.createProgram(BLOCKS.map(file), {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
    });
    // THEN no diagnostic, each named by its README line
    const problems = ts.getPreEmitDiagnostics(program).map(d => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return text;
      const block = BLOCKS.find(b => file(b) === path.resolve(d.file!.fileName));
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return block ? `README.md:${block.line + 1 + line}: ${text}` : `${d.file.fileName}:${line + 1}: ${text}`;
    });
    expect(problems).toEqual([]);
  });

  // Every block runs in one node process (transpile-only: the type check is the test above), one
  // after the other, each in a fresh working directory for its dist/. Loading the package through
  // ts-node takes seconds and a block milliseconds, so one process per block cost most of this file's
  // time; the runner records each block's outcome in a file, so a block that exits the process
  // leaves the blocks after it without an outcome (a failure), never a pass.
  const outcomes = new Map<number, { ok: boolean; error?: string; cwd: string }>();
  beforeAll(() => {
    const runner = path.join(dir, 'run-blocks.js');
    const results = path.join(dir, 'outcomes.json');
    fs.writeFileSync(runner, RUNNER);
    spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', runner, results, ...BLOCKS.map(b => `${b.line}=${file(b)}`)], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), TS_NODE_SKIP_IGNORE: 'true' },
    });
    if (fs.existsSync(results)) {
      for (const [line, outcome] of Object.entries(JSON.parse(fs.readFileSync(results, 'utf8')))) outcomes.set(Number(line), outcome as any);
    }
  });

  test.each(BLOCKS.map(b => [b.line, b]))('the block at line %i runs and synthesizes', (_line, b) => {
    // GIVEN the block's outcome in the shared run
    const outcome = outcomes.get((b as Block).line);
    // THEN it ran to the end without an exception
    expect(outcome && { ok: outcome.ok, error: outcome.error }).toEqual({ ok: true, error: undefined });
    // and a block that synthesizes wrote Kubernetes YAML in its own directory
    if (/\bapp\.synth\(\)/.test((b as Block).code)) {
      const written = fs.readdirSync(path.join(outcome!.cwd, 'dist'));
      expect(written.length).toBeGreaterThan(0);
      expect(fs.readFileSync(path.join(outcome!.cwd, 'dist', written[0]), 'utf8')).toContain('apiVersion:');
    }
  });
});

/**
 * Runs each block (`<line>=<file>` arguments) in a fresh directory, waiting a turn of the event loop
 * after each, and writes `{ [line]: { ok, error?, cwd } }` to the results file after every block.
 */
const RUNNER = `
const fs = require('fs');
const path = require('path');
const [results, ...blocks] = process.argv.slice(2);
const outcomes = {};
let current;
process.on('uncaughtException', e => { if (current) outcomes[current] = { ...outcomes[current], ok: false, error: String(e && e.stack || e) }; });
process.on('unhandledRejection', e => { if (current) outcomes[current] = { ...outcomes[current], ok: false, error: String(e && e.stack || e) }; });
(async () => {
  for (const arg of blocks) {
    const at = arg.indexOf('=');
    current = arg.slice(0, at);
    const cwd = fs.mkdtempSync(path.join(path.dirname(results), 'run-'));
    process.chdir(cwd);
    try {
      require(arg.slice(at + 1));
      outcomes[current] = { ok: true, cwd };
    } catch (e) {
      outcomes[current] = { ok: false, error: String(e && e.stack || e), cwd };
    }
    await new Promise(resolve => setImmediate(resolve));
    fs.writeFileSync(results, JSON.stringify(outcomes));
  }
})();
`;

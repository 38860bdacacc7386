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

  test.each(BLOCKS.map(b => [b.line, b]))('the block at line %i runs and synthesizes', (_line, b) => {
    // GIVEN a fresh directory for the block's dist/
    const cwd = fs.mkdtempSync(path.join(dir, 'run-'));
    // WHEN it runs with node (transpile-only: the type check is the test above)
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', file(b as Block)], {
      cwd, encoding: 'utf8', env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), TS_NODE_SKIP_IGNORE: 'true' },
    });
    // THEN it exits 0, and a block that synthesizes wrote Kubernetes YAML
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    if (/\bapp\.synth\(\)/.test((b as Block).code)) {
      const written = fs.readdirSync(path.join(cwd, 'dist'));
      expect(written.length).toBeGreaterThan(0);
      expect(fs.readFileSync(path.join(cwd, 'dist', written[0]), 'utf8')).toContain('apiVersion:');
    }
  });
});

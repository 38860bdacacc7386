// Runs the command line in a child process, under limits far above normal use: a hostile
// input must end in an error within them (a hang, or a heap growing past them, fails the test).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

/** Limits of a run: wall-clock time and V8 heap. */
export const TIME_LIMIT_MS = 20_000;
export const HEAP_LIMIT_MB = 512;

export interface CliRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly timedOut: boolean;
}

/** `cdk8s-canary ...args` in a child process (sources through ts-node, transpile only). */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const script = `require(${JSON.stringify(path.join(ROOT, 'src', 'cli', 'main'))}).mainAsync(process.argv.slice(1)).then(c => { process.exitCode = c; })`;
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_LIMIT_MB}`, '-r', 'ts-node/register/transpile-only', '-e', script, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), ...options.env },
    encoding: 'utf8',
    timeout: TIME_LIMIT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, out: r.stdout, err: r.stderr, timedOut: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' };
}

/** Every file under `dir` with its content (to assert that nothing was written). */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
      else out[path.relative(dir, full)] = e.isSymbolicLink() ? `-> ${fs.readlinkSync(full)}` : '(special)';
    }
  };
  walk(dir);
  return out;
}

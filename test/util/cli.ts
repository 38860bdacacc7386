import { main } from '../../src/cli/main';

/** Runs the command line in-process with `argv`; returns its exit code and what it wrote. */
export function run(...argv: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: t => out.push(t), err: t => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

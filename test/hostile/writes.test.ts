// Writes: advance's state file and migrate --out are written atomically and exclusively.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { snapshot } from './cli';
import { mainAsync } from '../../src/cli/main';
import { ConcurrentUpdate, readIfExists, writeFileAtomic } from '../../src/internal/atomic-write';
import { run } from '../util/cli';

jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..', '..');
const MIGRATE_INPUT = path.join(ROOT, 'examples', 'nginx-migration', 'ingress-nginx.yaml');

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-writes-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  test('fails when the file changed since it was read, and leaves the newer content', () => {
    // GIVEN run A read the file, then run B wrote it
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, '{"failures":1}\n');
    const readByA = readIfExists(file);
    writeFileAtomic(file, '{"failures":2}\n', { expected: readIfExists(file) });
    // WHEN run A writes what it decided THEN it fails and B's update stays
    expect(() => writeFileAtomic(file, '{"failures":2}\n', { expected: readByA })).toThrow(ConcurrentUpdate);
    expect(() => writeFileAtomic(file, 'x', { expected: readByA })).toThrow(`"${file}" changed since it was read (another run wrote it); nothing written. Run again to decide on the new content`);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"failures":2}\n');
    // AND a file that appeared since a run found none is not overwritten either
    expect(() => writeFileAtomic(file, 'x', { expected: null })).toThrow(ConcurrentUpdate);
    // AND nothing is left beside it
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
  });

  test('concurrent writers in separate processes never lose an update', async () => {
    // GIVEN 4 processes, each adding 1 to a counter 15 times (read, decide, write; again on ConcurrentUpdate)
    const file = path.join(dir, 'counter');
    fs.writeFileSync(file, '0');
    const script = `
      const { writeFileAtomic, readIfExists, ConcurrentUpdate } = require(${JSON.stringify(path.join(ROOT, 'src', 'internal', 'atomic-write'))});
      for (let i = 0; i < 15;) {
        const before = readIfExists(process.argv[1]);
        try { writeFileAtomic(process.argv[1], String(Number(before) + 1), { expected: before, lockTimeoutMs: 60000 }); i++; }
        catch (e) { if (!(e instanceof ConcurrentUpdate)) throw e; }
      }`;
    const runs = [0, 1, 2, 3].map(() => new Promise<number | null>(resolve => {
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script, file], { stdio: 'inherit', env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') } });
      child.on('exit', resolve);
    }));
    // WHEN they run at once THEN every update is counted
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0]);
    expect(fs.readFileSync(file, 'utf8')).toBe('60');
    expect(fs.readdirSync(dir)).toEqual(['counter']);
  });

  test('waits for another writer\'s lock, fails naming it, and removes a stale lock', () => {
    const file = path.join(dir, 'state.json');
    // GIVEN a lock held by a running process (this one)
    fs.writeFileSync(`${file}.lock`, `${process.pid}\n`);
    // WHEN a write waits 200 ms THEN it fails naming the lock, and writes nothing
    expect(() => writeFileAtomic(file, 'x', { lockTimeoutMs: 200 })).toThrow(`"${file}" is locked by another writer ("${file}.lock", process ${process.pid}); nothing written`);
    expect(fs.existsSync(file)).toBe(false);
    // AND a lock of a process that no longer runs is removed
    fs.writeFileSync(`${file}.lock`, '2147483646\n');
    writeFileAtomic(file, 'x', { lockTimeoutMs: 200 });
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
  });

  test('keeps the file\'s mode, and refuses a symbolic link as the target', () => {
    // GIVEN a file readable by its owner only
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, 'a', { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    writeFileAtomic(file, 'b');
    expect(fs.statSync(file).mode % 0o1000).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe('b');
    // AND a symbolic link planted as the target is refused; the file it names is unchanged
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'keep');
    const link = path.join(dir, 'link.json');
    fs.symlinkSync(victim, link);
    expect(() => writeFileAtomic(link, 'evil')).toThrow(`"${link}" is a symbolic link; refused`);
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep');
    expect(() => readIfExists(link)).toThrow(`"${link}" is a symbolic link; refused`);
  });
});

describe('advance', () => {
  test('refuses a state file that is a symbolic link, and writes nothing', async () => {
    // GIVEN canary-state.json -> a file outside
    const victim = path.join(dir, 'victim.json');
    fs.writeFileSync(victim, '{"releases":{}}\n');
    const link = path.join(dir, 'canary-state.json');
    fs.symlinkSync(victim, link);
    const before = snapshot(dir);
    const err: string[] = [];
    // WHEN advance runs THEN it fails before querying Prometheus, and nothing changed
    const code = await mainAsync(['advance', link, path.join(ROOT, 'examples', 'automated-canary', 'dist', '04-v2-at-20.k8s.yaml'), '--prometheus', 'http://127.0.0.1:1'], { out: () => undefined, err: t => err.push(t) });
    expect({ code, err: err.join('\n') }).toEqual({ code: 2, err: `cdk8s-canary advance: "${link}" is a symbolic link; refused (give the file it names)` });
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('migrate --out', () => {
  test('refuses to overwrite one of its inputs (by path, symbolic link or hard link), and writes nothing', () => {
    // GIVEN an input copied to the temp directory, a hard link to it and a directory holding it
    const input = path.join(dir, 'in', 'ingress.yaml');
    fs.mkdirSync(path.dirname(input));
    fs.copyFileSync(MIGRATE_INPUT, input);
    const hard = path.join(dir, 'hard.yaml');
    fs.linkSync(input, hard);
    const before = snapshot(dir);
    // WHEN --out names the input THEN exit 2 naming it
    expect(run('migrate', input, '--to', 'gateway-api', '--out', input)).toMatchObject({
      code: 2, err: `cdk8s-canary migrate: --out "${input}" is one of the inputs ("${input}"); refused: write the HTTPRoutes to a new file`,
    });
    expect(run('migrate', path.join(dir, 'in'), '--to', 'gateway-api', '--out', hard).err).toContain(`--out "${hard}" is one of the inputs ("${input}")`);
    expect(snapshot(dir)).toEqual(before);
  });

  test('does not follow a symbolic link, and writes a new file atomically with nothing left beside it', () => {
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'keep');
    const link = path.join(dir, 'out.yaml');
    fs.symlinkSync(victim, link);
    expect(run('migrate', MIGRATE_INPUT, '--to', 'gateway-api', '--out', link)).toMatchObject({ code: 2, err: `cdk8s-canary migrate: --out "${link}" is a symbolic link; refused (name the file itself)` });
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep');
    // AND a new file is written, alone
    const out = path.join(dir, 'routes.yaml');
    expect([0, 1]).toContain(run('migrate', MIGRATE_INPUT, '--to', 'gateway-api', '--out', out).code);
    expect(fs.readFileSync(out, 'utf8')).toContain('kind: HTTPRoute');
    expect(fs.readdirSync(dir).sort()).toEqual(['out.yaml', 'routes.yaml', 'victim']);
  });
});

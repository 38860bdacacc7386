// Hostile input files: every command reads them through one reader (internal/manifest-files.ts).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import { runCli, snapshot } from './cli';
import { DEFAULT_READ_LIMITS, loadManifests } from '../../src/internal/manifest-files';
import { run } from '../util/cli';

jest.setTimeout(60_000);

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'bookinfo-reviews', 'dist');
const stage = (name: string) => path.join(EXAMPLE, `${name}.k8s.yaml`);

/** A billion laughs: 9 levels of 9 aliases, 373 bytes, 10^9 nodes when walked. */
const BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((l, i) => `${l}: &${l} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  'apiVersion: v1', 'kind: ConfigMap', 'metadata: { name: x }', ''].join('\n');

let dir: string;
let outsideDir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-reader-'));
  outsideDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-secret-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(outsideDir, { recursive: true, force: true });
});

/** A directory `name` in the temp dir holding copies of stages. */
function dist(name: string, ...stages: string[]): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  for (const s of stages) fs.copyFileSync(stage(s), path.join(d, `${s}.k8s.yaml`));
  return d;
}

describe('what is read', () => {
  test('a .json file in a directory is read: a step that is unsafe in JSON is UNSAFE', () => {
    // GIVEN the unsafe step 01 -> 03 with the new output written as a JSON list in dist/extra.json
    const before = dist('before', '01-all-v1');
    const after = dist('after');
    fs.writeFileSync(path.join(after, 'extra.json'), JSON.stringify(loadManifests([stage('03-v2-at-20')])));
    // WHEN it is checked THEN the JSON is read and the step is unsafe
    const r = run('check', before, after);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^UNSAFE/);
  });

  test('JSON kind: List and YAML kind: List are flattened, as kubectl reads them', () => {
    // GIVEN a JSON List and a YAML List
    const objects = loadManifests([stage('03-v2-at-20')]);
    fs.writeFileSync(path.join(dir, 'list.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, undefined, 2));
    fs.writeFileSync(path.join(dir, 'list.yml'), jsyaml.dump({ apiVersion: 'v1', kind: 'List', items: objects }));
    // WHEN the directory is loaded THEN both lists give the objects
    expect(loadManifests([dir])).toEqual([...objects, ...objects]);
  });

  test('fails on invalid JSON naming the file and the line', () => {
    // GIVEN a JSON file broken on line 3
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, '{\n  "apiVersion": "v1",\n  "kind": \n}\n');
    // WHEN it is read THEN the error names the file and line 4 (where the value is missing)
    expect(run('validate', file)).toMatchObject({ code: 2, err: expect.stringMatching(new RegExp(`^cdk8s-canary validate: ${file}: line 4 is not valid JSON: `)) });
  });

  test('fails on a document that is not an object naming the file, the document and its line', () => {
    // GIVEN a second document on line 5 that is a list
    const file = path.join(dir, 'values.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: Service\nmetadata: { name: a }\n# next\n---\n- 1\n');
    // WHEN it is read THEN the error names file, document 2 and line 5
    expect(run('explain', file, '--host', 'a').err).toBe(`cdk8s-canary explain: ${file}: document 2 (line 5) is not a Kubernetes object (an object with apiVersion and kind), got [1]`);
  });

  test('a symbolic link that resolves inside the directory given is followed', () => {
    // GIVEN dist/current.yaml -> stages/03.yaml, inside dist
    const d = dist('dist');
    fs.mkdirSync(path.join(d, 'stages'));
    fs.copyFileSync(stage('03-v2-at-20'), path.join(d, 'stages', '03.txt'));
    fs.symlinkSync(path.join('stages', '03.txt'), path.join(d, 'current.yaml'));
    // WHEN it is read THEN the link's objects are read
    expect(loadManifests([d])).toEqual(loadManifests([stage('03-v2-at-20')]));
  });
});

describe('what is refused', () => {
  test.each([
    ['the CI environment', '/proc/self/environ'],
    ['a credentials file outside', 'SECRET'],
    ['/dev/zero', '/dev/zero'],
    ['a parent directory', '..'],
  ])('fails on a symbolic link to %s, naming the link and not printing the target or its content', (_, target) => {
    // GIVEN dist/zz.yaml -> a path outside dist (a secret file holds a token)
    const secret = path.join(outsideDir, '.git-credentials');
    fs.writeFileSync(secret, 'apiVersion: v1\nkind: Secret\nmetadata: { name: https://user:ghp_TOKEN@github.com }\n');
    const d = dist('dist', '03-v2-at-20');
    const link = path.join(d, 'zz.yaml');
    fs.symlinkSync(target === 'SECRET' ? secret : target, link);
    const before = snapshot(dir);
    // WHEN check reads it
    const r = runCli(['check', stage('02-v2-deployed-at-0'), d], { env: { CANARY_TEST_TOKEN: 'ghp_ENVTOKEN' } });
    // THEN exit 2 naming the link, without the target's content, within the limits, nothing written
    expect(r.timedOut).toBe(false);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toBe(`cdk8s-canary check: ${JSON.stringify(link)} is a symbolic link to a path outside ${JSON.stringify(d)}; refused (links are followed only inside the directory given)\n`);
    expect(r.err).not.toContain('TOKEN');
    expect(snapshot(dir)).toEqual(before);
  });

  test('fails on a path given that is a link out of its directory', () => {
    // GIVEN new.yaml -> a file in another directory
    const secret = path.join(outsideDir, 'secret.yaml');
    fs.writeFileSync(secret, 'token: ghp_TOKEN\n');
    const link = path.join(dir, 'new.yaml');
    fs.symlinkSync(secret, link);
    // WHEN it is checked THEN it is refused, naming the link
    const r = run('check', stage('02-v2-deployed-at-0'), link);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${JSON.stringify(link)} is a symbolic link to a path outside`);
    expect(r.err).not.toContain('TOKEN');
  });

  test('fails at once on a FIFO in the directory, and on a device given', () => {
    // GIVEN dist/zz.yaml is a FIFO nobody writes to
    const d = dist('dist', '03-v2-at-20');
    const fifo = path.join(d, 'zz.yaml');
    execFileSync('mkfifo', [fifo]);
    // WHEN check reads the directory THEN it fails naming the FIFO, without hanging
    const r = runCli(['check', stage('02-v2-deployed-at-0'), d]);
    expect(r.timedOut).toBe(false);
    expect(r).toMatchObject({ code: 2, err: `cdk8s-canary check: ${JSON.stringify(fifo)} is a FIFO; only regular files are read\n` });
    // AND a FIFO or a device given by path is refused too
    expect(run('validate', fifo)).toMatchObject({ code: 2, err: `cdk8s-canary validate: ${JSON.stringify(fifo)} is a FIFO; only regular files are read` });
    expect(run('validate', '/dev/zero')).toMatchObject({ code: 2, err: 'cdk8s-canary validate: "/dev/zero" is a character device; only regular files are read' });
  });

  test('fails on a file larger than the cap, and reads it when the cap is raised', () => {
    // GIVEN a 2 MiB file (a valid manifest padded with a comment)
    const file = path.join(dir, 'big.yaml');
    fs.writeFileSync(file, `${fs.readFileSync(stage('03-v2-at-20'), 'utf8')}\n# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    // WHEN the cap is 1 MiB THEN it fails naming the file, the cap and the flag
    expect(run('validate', file, '--max-file-size', '1M')).toMatchObject({
      code: 2,
      err: `cdk8s-canary validate: ${JSON.stringify(file)} is larger than 1048576 bytes, the most read from one file; raise the limit with --max-file-size or --max-total-size if the file is expected`,
    });
    // AND the total cap applies over all files
    expect(run('check', stage('02-v2-deployed-at-0'), file, '--max-total-size=1M').err).toContain('is larger than');
    // AND with the default (64 MiB: a mesh of 5,000 services is about 20 MiB) it is read
    expect(DEFAULT_READ_LIMITS).toEqual({ maxFileBytes: 64 * 1024 * 1024, maxTotalBytes: 256 * 1024 * 1024 });
    expect(run('validate', file).code).toBe(0);
    // AND a bad size is a usage error
    expect(run('validate', file, '--max-file-size', 'lots')).toMatchObject({ code: 2, err: 'cdk8s-canary validate: --max-file-size must be a size in bytes, or with K, M or G (e.g. 64M), got "lots"' });
  });

  test('fails on a YAML alias bomb at once, naming the file, within the limits', () => {
    // GIVEN a 400-byte billion laughs
    const file = path.join(dir, 'bomb.yaml');
    fs.writeFileSync(file, BOMB);
    expect(BOMB.length).toBeLessThan(500);
    // WHEN each command reads it THEN each fails naming the file, in well under 2 s of reading
    for (const args of [['check', file, file], ['validate', file], ['explain', file, '--host', 'x'], ['diff', file, file], ['migrate', file, '--to', 'gateway-api']]) {
      const started = Date.now();
      const r = run(...args);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(r).toMatchObject({ code: 2, err: `cdk8s-canary ${args[0]}: ${file}: document 1 (line 1) contains excessive aliasing: 490329036 of 490329059 nodes are reached through YAML aliases (kubectl refuses the same)` });
    }
    // AND in a child process under a 512 MiB heap, too
    const r = runCli(['check', file, file]);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(2);
  });

  test('reads aliases within go-yaml\'s bound (anchors reused a few times)', () => {
    // GIVEN a Deployment whose labels are an anchor used twice
    const file = path.join(dir, 'anchors.yaml');
    fs.writeFileSync(file, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: a, labels: &l { app: a } }\nspec: { selector: { matchLabels: *l }, template: { metadata: { labels: *l } } }\n');
    // WHEN it is read THEN the aliases are resolved
    expect(loadManifests([file])[0].spec.template.metadata.labels).toEqual({ app: 'a' });
  });
});

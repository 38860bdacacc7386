// One regex judge: every command and construct refuses what RE2 (Envoy's engine) refuses, and
// no command treats an unreadable match as matching every request.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import { StringMatch } from '../../src';
import { MAX_PROGRAM_SIZE, regexError } from '../../src/internal/regex';
import { JASON_V2, reviewsBase } from '../util/bookinfo';
import { run } from '../util/cli';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-regex-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, objects: any[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, objects.map(o => `---\n${jsyaml.dump(o)}`).join(''));
  return file;
}

/** JASON_V2 with the end-user header matched by `pattern`. */
function jasonBy(pattern: string): any {
  const vs = JSON.parse(JSON.stringify(JASON_V2));
  vs.spec.http[0].match[0].headers['end-user'] = { regex: pattern };
  return vs;
}

const httpRoute = (pattern: string) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'reviews' },
  spec: {
    parentRefs: [{ name: 'gw' }],
    hostnames: ['reviews.example.com'],
    rules: [
      { matches: [{ headers: [{ type: 'RegularExpression', name: 'end-user', value: pattern }] }], backendRefs: [{ name: 'reviews-v2', port: 9080 }] },
      { backendRefs: [{ name: 'reviews-v1', port: 9080 }] },
    ],
  },
});

test('the program size limit: \\pL{1000} is refused, \\pL{10} and [a-z]{1000} are not', () => {
  expect(MAX_PROGRAM_SIZE).toBe(32768);
  expect(regexError('\\pL{1000}')).toMatch(/^its RE2 program is too large \(about \d+ instructions; Envoy under Istio refuses more than 32768/);
  expect(regexError('\\pL{10}')).toBeUndefined();
  expect(regexError('[a-z]{1000}')).toBeUndefined();
  expect(() => StringMatch.regex('\\pL{1000}')).toThrow(/^StringMatch.regex: pattern must be a valid RE2 regular expression .*its RE2 program is too large/);
});

describe.each([
  ['a look-ahead', '(?=j)jason', '"(?=" at offset 0 starts a look-ahead'],
  ['a back-reference', '(j)\\1ason', 'is a back-reference'],
  ['a program too large', '\\pL{1000}', 'its RE2 program is too large'],
])('a VirtualService match with %s', (_, pattern, why) => {
  test('check, explain and diff fail naming the VirtualService and the pattern, never SAFE', () => {
    // GIVEN the step from the 80/20 routing to one whose jason rule uses the pattern
    const before = write('before.yaml', [...reviewsBase(), JASON_V2]);
    const after = write('after.yaml', [...reviewsBase(), jasonBy(pattern)]);
    // WHEN each command reads it THEN it fails (exit 2) naming the object, the rule and why
    for (const args of [['check', before, after], ['diff', before, after], ['explain', after, '--host', 'reviews', '--header', 'end-user=jason']]) {
      const r = run(...args);
      expect(r).toMatchObject({ code: 2, out: '' });
      expect(r.err).toContain(`cdk8s-canary ${args[0]}: VirtualService default/reviews: http[0].match[0]: StringMatch.regex: pattern must be a valid RE2 regular expression`);
      expect(r.err).toContain(why);
    }
    // AND validate reports it as an error
    expect(run('validate', after)).toMatchObject({ code: 1, out: expect.stringContaining(why) });
  });
});

test('an HTTPRoute with a regex RE2 refuses: check fails, validate reports an error', () => {
  const before = write('before.yaml', [httpRoute('jason')]);
  const after = write('after.yaml', [httpRoute('\\pL{1000}')]);
  const r = run('check', before, after);
  expect(r.code).toBe(2);
  expect(r.err).toContain('HTTPRoute default/reviews: rules[0].matches[0]');
  expect(r.err).toContain('its RE2 program is too large');
  const v = run('validate', after);
  expect(v.code).not.toBe(0);
  expect(`${v.out}${v.err}`).toContain('its RE2 program is too large');
});

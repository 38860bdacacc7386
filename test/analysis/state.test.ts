import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { CanaryService, MetricCheck } from '../../src';
import { parseRfc3339, readStateFile, stateFileText, writeStateFile } from '../../src/analysis/_state';

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-state-'));
  file = path.join(dir, 'state.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const entry = { version: 'v2', weight: 20, status: 'progressing', since: '2026-01-01T00:20:00Z', failures: 0 };

function service(stateFile: string): CanaryService {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'bookinfo' });
  return new CanaryService(chart, 'reviews', {
    port: 9080,
    stable: { version: 'v1', image: image('v1') },
    canary: { version: 'v2', image: image('v2') },
    analysis: { checks: [MetricCheck.successRate({ min: 99 })], stateFile },
  });
}

describe('the state file', () => {
  test('{"releases": {}} with or without version is an empty state', () => {
    fs.writeFileSync(file, '{"releases": {}}');
    expect(readStateFile(file)).toEqual({ releases: {} });
    fs.writeFileSync(file, '{"version": 1, "releases": {}}');
    expect(readStateFile(file)).toEqual({ releases: {} });
  });

  test('a missing file fails the synth, naming its absolute path and how to create it', () => {
    // GIVEN a relative path to a file that does not exist
    // WHEN synthesized THEN the error names the absolute path (resolved against the working directory)
    expect(() => service('no-such-dir/canary-state.json')).toThrow(
      `CanaryService 'reviews': analysis.stateFile: state file ${path.resolve('no-such-dir/canary-state.json')} does not exist; `
      + 'create it with the content {"releases": {}} (no release started yet: every canary at weight 0), commit it, and synthesize again');
  });

  test('a relative path resolves against the working directory of the synth', () => {
    // GIVEN a state file at 20%, named relative to the working directory
    fs.writeFileSync(file, JSON.stringify({ releases: { 'bookinfo/reviews': entry } }));
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      // WHEN synthesized from that directory THEN the file is found
      expect(service('state.json').canaryWeight).toBe(20);
    } finally {
      process.chdir(cwd);
    }
  });

  test('unknown fields, at the top and in a release, survive a rewrite; version is written', () => {
    // GIVEN fields this version does not know
    fs.writeFileSync(file, JSON.stringify({ owner: 'team-a', releases: { 'bookinfo/reviews': { ...entry, ticket: 'OPS-1' } } }));
    // WHEN read and written back
    const state = readStateFile(file);
    writeStateFile(file, { ...state, releases: { 'bookinfo/reviews': { ...state.releases['bookinfo/reviews'], weight: 50 } } });
    // THEN they are kept
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ version: 1, owner: 'team-a', releases: { 'bookinfo/reviews': { ...entry, weight: 50, ticket: 'OPS-1' } } });
  });

  test('releases are written sorted by key, so two writes of one state are identical', () => {
    const releases = { 'b/x': { ...entry, status: 'progressing' as const }, 'a/x': { ...entry, status: 'progressing' as const } };
    expect(Object.keys(JSON.parse(stateFileText({ releases })).releases)).toEqual(['a/x', 'b/x']);
  });

  describe('fails', () => {
    const fails = (text: string, message: string) => {
      fs.writeFileSync(file, text);
      expect(() => readStateFile(file)).toThrow(`state file ${file}: ${message}`);
    };
    test('fails on an unknown version', () => fails('{"version": 2, "releases": {}}', 'version must be 1 (the format this cdk8s-canary reads), got 2'));
    test('fails without releases', () => fails('{}', '"releases" must be an object keyed by "<namespace>/<service>", got undefined'));
    test('fails on a key without a namespace', () => fails(JSON.stringify({ releases: { reviews: entry } }),
      'releases["reviews"]: keys must be "<namespace>/<service>", e.g. "default/reviews"; rename the key to the namespace the service runs in'));
    test('fails on a duplicate release', () => fails(`{"releases": {"bookinfo/reviews": ${JSON.stringify(entry)}, "bookinfo/reviews": ${JSON.stringify({ ...entry, weight: 0 })}}}`,
      'key releases.bookinfo/reviews occurs twice; keep one'));
    test('fails on a duplicate field', () => fails('{"releases": {"bookinfo/reviews": {"version": "v2", "weight": 5, "weight": 50, "status": "progressing"}}}',
      'key releases.bookinfo/reviews.weight occurs twice; keep one'));
    test('fails on a time that is not strict RFC 3339', () => {
      for (const since of ['2026-01-01 00:20:00Z', '2026-01-01T00:20:00', '2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z', 'Thu, 01 Jan 2026 00:00:00 GMT', '2026-01-01T00:20Z']) {
        fails(JSON.stringify({ releases: { 'bookinfo/reviews': { ...entry, since } } }),
          `releases["bookinfo/reviews"].since must be an RFC 3339 time such as 2026-11-23T10:00:00Z, got ${JSON.stringify(since)}`);
      }
    });
    test('fails on a bad evaluatedAt', () => fails(JSON.stringify({ releases: { 'bookinfo/reviews': { ...entry, evaluatedAt: 'now' } } }),
      'releases["bookinfo/reviews"].evaluatedAt must be an RFC 3339 time such as 2026-11-23T10:00:00Z, got "now"'));
  });

  test('strict RFC 3339 accepts offsets and fractions', () => {
    expect(parseRfc3339('2026-01-01T01:20:00+01:00')).toBe(Date.parse('2026-01-01T00:20:00Z'));
    expect(parseRfc3339('2026-01-01t00:20:00.5z')).toBe(Date.parse('2026-01-01T00:20:00.500Z'));
    expect(parseRfc3339('2028-02-29T00:00:00Z')).toBe(Date.parse('2028-02-29T00:00:00Z'));
    expect(parseRfc3339('2026-01-01T00:00:00+24:00')).toBeUndefined();
  });
});

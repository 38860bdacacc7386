import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { CanaryAnalysis, CanaryService, MetricCheck } from '../../src';
import { mainAsync } from '../../src/cli/main';
import { PrometheusServer } from '../analysis/prometheus';
import { at, FAST, istioSamples, METRIC_TYPES, SLOW, Traffic } from '../analysis/traffic';
import { find, validateManifests } from '../util';

jest.setTimeout(60_000);

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;

// One recording, one namespace per scenario; the stable version v1 is healthy everywhere. The
// canary v2 gets its traffic from minute 10 (the first step), none before (weight 0).
type Scenario = Omit<Traffic, 'service' | 'version' | 'latency'> & { latency?: number[]; silent?: boolean };
const SCENARIOS: Scenario[] = [
  { namespace: 'healthy', rps: 20, errorRatio: 0.002 },
  { namespace: 'errors', rps: 20, errorRatio: 0.08 },
  { namespace: 'slow', rps: 20, errorRatio: 0.002, latency: SLOW },
  { namespace: 'quiet', rps: 0.05, errorRatio: 0 },
  { namespace: 'restarted', rps: 20, errorRatio: 0, resetAtMinute: 15.5 },
  // 8% 5xx from minute 21 to 24, between two evaluations (20 and 25)
  { namespace: 'burst', rps: 20, errorRatio: 0.002, errorRatioFrom: [[21, 0.08], [24, 0.002]] },
  // 8% 5xx in the one minute before an evaluation (19 to 20)
  { namespace: 'blip', rps: 20, errorRatio: 0.002, errorRatioFrom: [[19, 0.08], [20, 0.002]] },
  // never ready: callers get 503 from their own proxies, the canary's sidecar reports nothing
  { namespace: 'unready', rps: 0, errorRatio: 0, silent: true },
  // 3 requests a minute, 10% of them 5xx
  { namespace: 'trickle', rps: 0.05, errorRatio: 0.1 },
  // 3 healthy requests a minute until minute 22, then 20 a second
  { namespace: 'rising', rps: 0.05, errorRatio: 0, rpsFrom: [[22, 20]] },
];

let prometheus: PrometheusServer;
let dir: string;

beforeAll(async () => {
  const samples = SCENARIOS.flatMap(s => [
    ...istioSamples({ namespace: s.namespace, service: 'reviews', version: 'v1', rps: 100, errorRatio: 0.001, latency: FAST }),
    ...(s.silent ? [] : istioSamples({ ...s, service: 'reviews', version: 'v2', rps: 0, rpsFrom: [[10, s.rps], ...s.rpsFrom ?? []], latency: s.latency ?? FAST })),
  ]);
  prometheus = await PrometheusServer.start(METRIC_TYPES, samples);
});
afterAll(async () => prometheus?.stop());
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-analyze-'));
  fs.writeFileSync(path.join(dir, 'state.json'), '{"releases": {}}\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const CHECKS = [
  MetricCheck.successRate({ min: 99 }),
  MetricCheck.latency({ percentile: 99, max: Duration.millis(500) }),
  MetricCheck.successRateVsStable({ maxDrop: 1 }),
];

/** Synthesizes the reviews release of one namespace into <dir>/dist, as the app's CI does. */
function synth(namespace: string, analysis: Partial<CanaryAnalysis> = {}): any[] {
  const outdir = path.join(dir, 'dist');
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  const chart = new Chart(app, 'reviews', { namespace });
  new CanaryService(chart, 'reviews', {
    port: 9080,
    stable: { version: 'v1', image: image('v1') },
    canary: { version: 'v2', image: image('v2') },
    analysis: { checks: CHECKS, stateFile: path.join(dir, 'state.json'), bakeTime: Duration.minutes(5), minRequests: 10, failureThreshold: 2, ...analysis },
  });
  app.synth();
  const manifests = chart.toJson();
  validateManifests(manifests);
  return manifests;
}

function canaryWeight(manifests: any[]): number {
  const vs = find(manifests, 'VirtualService', 'reviews');
  const route = vs.spec.http[vs.spec.http.length - 1].route;
  const v2 = route.find((d: any) => d.destination.subset === 'v2');
  return v2 ? v2.weight ?? 100 : 0;
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await mainAsync(argv, { out: t => out.push(t), err: t => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const state = (namespace?: string) => {
  const releases = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).releases;
  if (namespace) return releases[`${namespace}/reviews`];
  const keys = Object.keys(releases);
  expect(keys).toHaveLength(1);
  return releases[keys[0]];
};
const advance = (time: string) => run('advance', path.join(dir, 'state.json'), path.join(dir, 'dist'), '--prometheus', prometheus.url, '--at', time);
const analyze = async (time: string) => {
  const r = await run('analyze', path.join(dir, 'dist'), '--prometheus', prometheus.url, '--json', '--at', time);
  return { code: r.code, err: r.err, release: r.out ? JSON.parse(r.out).releases[0] : undefined };
};

describe('cdk8s-canary analyze and advance against a real Prometheus', () => {
  test('a healthy canary advances through every step to promotion, holding until each step has baked', async () => {
    // GIVEN a release at weight 0 (no state file yet)
    expect(canaryWeight(synth('healthy'))).toBe(0);

    // WHEN advance runs every few minutes, the app synthesized after each
    // THEN it starts at 5%, holds while a step bakes, then takes each step until promoted
    const expected: Array<[number, string, number, string]> = [
      [10, 'advance', 5, 'progressing'],
      [12, 'hold', 5, 'progressing'], // baked 2 of 5 minutes
      [15, 'advance', 10, 'progressing'],
      [20, 'advance', 20, 'progressing'],
      [25, 'advance', 50, 'progressing'],
      [30, 'advance', 100, 'progressing'],
      [35, 'advance', 100, 'promoted'],
    ];
    for (const [minute, verdict, weight, status] of expected) {
      const analysis = await analyze(at(minute));
      expect(analysis).toMatchObject({ code: 0, release: { service: 'reviews', version: 'v2', verdict } });
      const result = await advance(at(minute));
      expect(result.code).toBe(0);
      expect(state()).toMatchObject({ version: 'v2', weight, status, failures: 0 });
      expect(canaryWeight(synth('healthy'))).toBe(weight);
    }
    expect(state().since).toBe(at(35));

    // the checks of a step, with values, thresholds and results
    const last = await analyze(at(20));
    expect(last.release.verdict).toBe('hold');
    expect(last.release.reason).toContain('promoted');
  });

  test('each check reports its value, threshold and result', async () => {
    // GIVEN the healthy release at 5% since minute 10
    synth('healthy');
    await advance(at(10));
    synth('healthy');

    // WHEN analyzed at minute 12
    const { release } = await analyze(at(12));

    // THEN every check passed with the recorded values; the step has not baked yet
    expect(release).toMatchObject({ verdict: 'hold', weight: 5, nextWeight: 5, requests: expect.any(Number) });
    expect(release.reason).toBe('checks passed; baking at 5% for 2m of 5m');
    // the span judged: from the step's start (minute 10) to minute 12
    expect(release).toMatchObject({ from: at(10), spanSeconds: 120 });
    expect(release.requests).toBeCloseTo(2400, -1);
    const checks = Object.fromEntries(release.checks.map((c: any) => [c.name, c]));
    expect(checks['success-rate']).toMatchObject({ threshold: '>= 99', passed: true });
    expect(checks['success-rate'].value).toBeCloseTo(99.8, 1);
    expect(checks['latency-p99']).toMatchObject({ threshold: '<= 500', passed: true });
    expect(checks['latency-p99'].value).toBeLessThanOrEqual(100);
    expect(checks['success-rate-vs-stable']).toMatchObject({ threshold: '>= -1', passed: true });

    // AND without --json, one line per release and per check
    const text = await run('analyze', path.join(dir, 'dist'), '--prometheus', prometheus.url, '--at', at(12));
    const lines = text.out.split('\n');
    expect(text.code).toBe(0);
    expect(lines[0]).toBe('healthy/reviews v2: HOLD at 5%: checks passed; baking at 5% for 2m of 5m');
    expect(lines[1]).toMatch(/^ {2}requests: 2\d\d\d in 2m from 2026-01-01T00:10:00Z$/);
    expect(lines[2]).toMatch(/^ {2}pass success-rate: 99\.\d+ \(must be >= 99\)$/);
    expect(lines).toHaveLength(5);
  });

  test('8% 5xx from the canary holds once, then aborts at the failure threshold', async () => {
    synth('errors');
    await advance(at(10));
    synth('errors');

    // WHEN the first failed evaluation
    expect((await analyze(at(16))).release).toMatchObject({ verdict: 'hold' });
    expect((await advance(at(16))).code).toBe(0);
    // THEN hold at 5% with the failure counted
    expect(state()).toMatchObject({ weight: 5, status: 'progressing', failures: 1 });
    expect(canaryWeight(synth('errors'))).toBe(5);

    // WHEN the second: analyze says abort (exit 1), advance sets the weight to 0
    const analysis = await analyze(at(17));
    expect(analysis.code).toBe(1);
    expect(analysis.release.verdict).toBe('abort');
    expect(analysis.release.checks.find((c: any) => c.name === 'success-rate')).toMatchObject({ passed: false });
    expect(analysis.release.checks.find((c: any) => c.name === 'success-rate').value).toBeCloseTo(92, 0);
    const result = await advance(at(17));
    expect(result.code).toBe(0);
    expect(result.out.split('\n')[0]).toMatch(/^canary: errors\/reviews v2 aborted at 5% \(success-rate 92(\.\d+)? not >= 99/);
    expect(state()).toMatchObject({ weight: 0, status: 'aborted', failures: 2, since: at(17), reason: expect.stringContaining('success-rate') });

    // THEN the YAML sends the canary nothing, and its Deployment stays for diagnosis
    const manifests = synth('errors');
    expect(canaryWeight(manifests)).toBe(0);
    expect(find(manifests, 'Deployment', 'reviews-v2').spec.replicas).toBe(1);
    // an aborted release is not aborted again
    expect(await analyze(at(18))).toMatchObject({ code: 0, release: { verdict: 'hold' } });
  });

  test('a slow canary (p99 above the limit) aborts', async () => {
    synth('slow');
    await advance(at(10));
    synth('slow');
    await advance(at(16));
    expect(state()).toMatchObject({ weight: 5, failures: 1 });
    synth('slow');

    const analysis = await analyze(at(17));
    expect(analysis.release.verdict).toBe('abort');
    const p99 = analysis.release.checks.find((c: any) => c.name === 'latency-p99');
    expect(p99.passed).toBe(false);
    expect(p99.value).toBeGreaterThan(1000);
    await advance(at(17));
    expect(state()).toMatchObject({ weight: 0, status: 'aborted', reason: expect.stringContaining('latency-p99') });
  });

  test('too little traffic holds, never advances', async () => {
    synth('quiet');
    await advance(at(10));
    synth('quiet');
    const analysis = await analyze(at(30));
    expect(analysis.release).toMatchObject({ verdict: 'hold', reason: 'too little traffic: 60 canary requests in 20m, fewer than 10 in every 1m window' });
    await advance(at(30));
    // healthy but quiet: no deadline runs
    expect(state()).toMatchObject({ weight: 5, status: 'progressing', failures: 0, since: at(10), evaluatedAt: at(30) });
    expect(state().stalledSince).toBeUndefined();
  });

  test('a counter reset in the window holds', async () => {
    synth('restarted');
    await advance(at(10));
    synth('restarted');
    const analysis = await analyze(at(16));
    expect(analysis.release.verdict).toBe('hold');
    // one restart of the pod, though it reset two series (200 and 503)
    expect(analysis.release.reason).toBe('counter reset: istio_requests_total (reporter "destination") of v2 restarted 1 time in 6m (the checks passed); advancing waits for an evaluation without a restart');
    await advance(at(16));
    synth('restarted');
    // the next span (from minute 16) has no restart
    const next = await advance(at(17.5));
    expect(next.out).toBe('canary: restarted/reviews v2 5% -> 10%');
  });

  test('an empty vector, NaN and extra series from a query hold with the reason', async () => {
    // GIVEN a query without series, one dividing 0 by 0 and one returning a series per response code
    const checks = [
      MetricCheck.query({ name: 'empty', promql: 'sum(rate(istio_requests_total{ {{canarySelector}},response_code="404"}[{{interval}}]))', max: 1 }),
      MetricCheck.query({ name: 'nan', promql: '0 * sum(rate(istio_requests_total{ {{canarySelector}} }[{{interval}}])) / 0', max: 1 }),
      MetricCheck.query({ name: 'by-code', promql: 'sum by (response_code) (rate(istio_requests_total{ {{canarySelector}} }[{{interval}}]))', min: 0 }),
    ];
    synth('healthy', { checks });
    await advance(at(10));
    synth('healthy', { checks });
    const { release } = await analyze(at(15));
    expect(release.verdict).toBe('hold');
    expect(release.checks).toEqual([
      { name: 'empty', value: null, threshold: '<= 1', passed: false, problem: 'no data (empty result)' },
      { name: 'nan', value: null, threshold: '<= 1', passed: false, problem: 'not a number (NaN)' },
      { name: 'by-code', value: null, threshold: '>= 0', passed: false, problem: '2 series returned, a check needs one' },
    ]);
    expect(release.reason).toBe('empty: no data (empty result); nan: not a number (NaN); by-code: 2 series returned, a check needs one; no passing evaluation at 5% for 5m, the release aborts at 10m');
    // a check that never gives a number counts toward the progress deadline
    expect((await analyze(at(20))).release).toMatchObject({ verdict: 'abort', reason: expect.stringMatching(/^no passing evaluation at 5% for 10m \(progressDeadline 10m\): empty: no data/) });
  });

  /** advance at each minute, synthesizing after each; returns each summary line. */
  async function runRelease(namespace: string, minutes: number[]): Promise<string[]> {
    const summaries: string[] = [];
    synth(namespace);
    for (const minute of minutes) {
      const r = await advance(at(minute));
      expect(r).toMatchObject({ code: 0, err: '' });
      summaries.push(r.out);
      synth(namespace);
    }
    return summaries;
  }

  test('a 3-minute 8% 5xx burst between two evaluations fails the evaluation after it', async () => {
    // GIVEN a canary at 20% since minute 20, with 8% 5xx from minute 21 to 24
    const summaries = await runRelease('burst', [10, 15, 20]);
    expect(summaries[2]).toBe('canary: burst/reviews v2 10% -> 20%');
    expect(state()).toMatchObject({ weight: 20, evaluatedAt: at(20) });

    // WHEN advance runs at minute 25, when the last minute alone is healthy again
    const result = await advance(at(25));

    // THEN the whole span since minute 20 is judged, minute by minute: the burst fails it
    expect(result.out).toMatch(/^canary: burst\/reviews v2 holds at 20% \(success-rate 92(\.\d+)? not >= 99, success-rate-vs-stable -7\.\d+ not >= -1 \(worst 1m window of 5m\); failed evaluation 1, the release aborts at 2/);
    expect(state()).toMatchObject({ weight: 20, failures: 1, evaluatedAt: at(25), stalledSince: at(20) });
    // AND with failureThreshold 1 it aborts
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ releases: { 'burst/reviews': { version: 'v2', weight: 20, status: 'progressing', since: at(20), evaluatedAt: at(20), failures: 0 } } }));
    synth('burst', { failureThreshold: 1 });
    expect((await advance(at(25))).out).toMatch(/^canary: burst\/reviews v2 aborted at 20% \(success-rate 92/);
    expect(canaryWeight(synth('burst', { failureThreshold: 1 }))).toBe(0);
  });

  test('a bad minute just before an evaluation fails that evaluation only, not the next one too', async () => {
    // GIVEN 8% 5xx from minute 19 to 20, advance every 5 minutes
    const summaries = await runRelease('blip', [10, 15, 20, 25]);
    // THEN the evaluation at 20 fails (its last window), the one at 25 judges the windows after 20 only
    expect(summaries[2]).toMatch(/^canary: blip\/reviews v2 holds at 10% \(success-rate 92/);
    expect(summaries[3]).toBe('canary: blip/reviews v2 10% -> 20%');
    expect(state()).toMatchObject({ weight: 20, failures: 1 });
  });

  test('a canary that never reports a request while the stable version serves aborts at the progress deadline', async () => {
    // GIVEN a canary that never became ready: its 5% go nowhere, its sidecar reports nothing
    const summaries = await runRelease('unready', [10, 15, 20]);

    // THEN 0 -> 5% (nothing failed at weight 0), a hold with the deadline running, then abort
    // 10 minutes after the weight left 0
    expect(summaries[0]).toBe('canary: unready/reviews v2 0% -> 5%');
    expect(summaries[1]).toMatch(/^canary: unready\/reviews v2 holds at 5% \(no canary data: v2 reported no requests in 5m while v1 served 30000; no passing evaluation at 5% for 5m, the release aborts at 10m\)$/);
    expect(summaries[2]).toBe('canary: unready/reviews v2 aborted at 5% (no passing evaluation at 5% for 10m (progressDeadline 10m): no canary data: v2 reported no requests in 5m while v1 served 30000)');
    expect(state()).toMatchObject({ weight: 0, status: 'aborted', since: at(20) });
  });

  test('low traffic with errors aborts at the progress deadline', async () => {
    const summaries = await runRelease('trickle', [10, 15, 20]);
    expect(summaries[1]).toMatch(/^canary: trickle\/reviews v2 holds at 5% \(too little traffic with errors: 15 canary requests in 5m, fewer than 10 in every 1m window, 1\.5 of them 5xx; no passing/);
    expect(summaries[2]).toMatch(/^canary: trickle\/reviews v2 aborted at 5% \(no passing evaluation at 5% for 10m \(progressDeadline 10m\): too little traffic with errors/);
    expect(state()).toMatchObject({ weight: 0, status: 'aborted' });
  });

  test('low healthy traffic holds without a deadline, then advances once traffic arrives', async () => {
    const summaries = await runRelease('rising', [10, 15, 20, 25]);
    expect(summaries.slice(1, 3)).toEqual([
      'canary: rising/reviews v2 holds at 5% (too little traffic: 15 canary requests in 5m, fewer than 10 in every 1m window)',
      'canary: rising/reviews v2 holds at 5% (too little traffic: 15 canary requests in 5m, fewer than 10 in every 1m window)',
    ]);
    // minute 25: the windows from minute 22 on have traffic, and pass; 5% has baked since minute 10
    expect(summaries[3]).toBe('canary: rising/reviews v2 5% -> 10%');
    expect(state()).toMatchObject({ weight: 10, failures: 0, since: at(25) });
  });

  test('two namespaces in one state file stay apart', async () => {
    // GIVEN reviews in namespaces healthy and errors, one app, one state file, one dist
    const both = () => {
      const outdir = path.join(dir, 'dist');
      fs.rmSync(outdir, { recursive: true, force: true });
      const app = new App({ outdir });
      const weights: number[] = [];
      for (const namespace of ['healthy', 'errors']) {
        const chart = new Chart(app, namespace, { namespace });
        new CanaryService(chart, 'reviews', {
          port: 9080,
          stable: { version: 'v1', image: image('v1') },
          canary: { version: 'v2', image: image('v2') },
          analysis: { checks: CHECKS, stateFile: path.join(dir, 'state.json') },
        });
        weights.push(canaryWeight(chart.toJson()));
      }
      app.synth();
      return weights;
    };
    both();
    // WHEN advanced at minutes 10, 16 and 17
    for (const minute of [10, 16, 17]) {
      expect((await advance(at(minute))).code).toBe(0);
      both();
    }
    // THEN each release has its own entry: the failing one aborted, the healthy one advanced
    expect(state('errors')).toMatchObject({ weight: 0, status: 'aborted' });
    expect(state('healthy')).toMatchObject({ weight: 10, status: 'progressing' });
    expect(both()).toEqual([10, 0]);
  });

  test('Prometheus down or answering errors exits 2 and changes nothing', async () => {
    synth('healthy');
    await advance(at(10));
    synth('healthy');
    const before = fs.readFileSync(path.join(dir, 'state.json'));

    // GIVEN a closed port
    const down = await run('advance', path.join(dir, 'state.json'), path.join(dir, 'dist'), '--prometheus', 'http://127.0.0.1:1', '--at', at(20));
    expect(down).toMatchObject({ code: 2, err: expect.stringContaining('cannot reach Prometheus at http://127.0.0.1:1') });
    expect((await run('analyze', path.join(dir, 'dist'), '--prometheus', 'http://127.0.0.1:1')).code).toBe(2);

    // GIVEN a server answering 503
    const server = http.createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"status":"error","errorType":"unavailable","error":"TSDB not ready"}');
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as any).port}`;
    try {
      const erroring = await run('advance', path.join(dir, 'state.json'), path.join(dir, 'dist'), '--prometheus', url, '--at', at(20));
      expect(erroring).toMatchObject({ code: 2, err: `cdk8s-canary advance: Prometheus at ${url} answered HTTP 503: TSDB not ready` });
    } finally {
      server.closeAllConnections();
      server.close();
    }
    expect(fs.readFileSync(path.join(dir, 'state.json'))).toEqual(before);
  });

  test('advance refuses a synth output that does not match the state file', async () => {
    synth('healthy');
    await advance(at(10));
    // not synthesized again: dist still says 0%
    const result = await advance(at(20));
    expect(result).toMatchObject({ code: 2, err: expect.stringContaining('synthesize again first') });
    expect(state().weight).toBe(5);
  });

  test('usage errors exit 2', async () => {
    expect(await run('analyze', path.join(dir, 'dist'))).toMatchObject({ code: 2, err: expect.stringContaining('needs --prometheus <url>') });
    expect(await run('analyze', '--prometheus', 'http://x:9090')).toMatchObject({ code: 2, err: expect.stringContaining('needs one path, the synth output <dist>, got 0 arguments') });
    expect(await run('analyze', dir, '--prometheus', 'http://x:9090', '--at', 'yesterday')).toMatchObject({ code: 2, err: expect.stringContaining('--at must be an RFC 3339 time') });
    expect(await run('advance', '--help')).toMatchObject({ code: 0, out: expect.stringContaining('Usage: cdk8s-canary advance <state file> <dist>') });
  });
});

import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { CanaryAnalysis, CanaryService, MetricCheck } from '../../src';
import { mainAsync } from '../../src/cli/main';
import { PrometheusServer } from '../analysis/prometheus';
import { at, FAST, istioSamples, METRIC_TYPES, SLOW } from '../analysis/traffic';
import { find, validateManifests } from '../util';

jest.setTimeout(60_000);

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;

// One recording, one namespace per scenario; the stable version v1 is healthy everywhere.
const SCENARIOS: Array<{ namespace: string; rps: number; errorRatio: number; latency: number[]; resetAtMinute?: number }> = [
  { namespace: 'healthy', rps: 20, errorRatio: 0.002, latency: FAST },
  { namespace: 'errors', rps: 20, errorRatio: 0.08, latency: FAST },
  { namespace: 'slow', rps: 20, errorRatio: 0.002, latency: SLOW },
  { namespace: 'quiet', rps: 0.05, errorRatio: 0, latency: FAST },
  { namespace: 'restarted', rps: 20, errorRatio: 0, latency: FAST, resetAtMinute: 15.5 },
];

let prometheus: PrometheusServer;
let dir: string;

beforeAll(async () => {
  const samples = SCENARIOS.flatMap(s => [
    ...istioSamples({ namespace: s.namespace, service: 'reviews', version: 'v1', rps: 100, errorRatio: 0.001, latency: FAST }),
    ...istioSamples({ namespace: s.namespace, service: 'reviews', version: 'v2', rps: s.rps, errorRatio: s.errorRatio, latency: s.latency, resetAtMinute: s.resetAtMinute }),
  ]);
  prometheus = await PrometheusServer.start(METRIC_TYPES, samples);
});
afterAll(async () => prometheus?.stop());
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-analyze-')); });
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

const state = () => JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).releases.reviews;
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
    expect(release.requests).toBeCloseTo(1200, -1);
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
    expect(lines[0]).toBe('reviews v2: HOLD at 5%: checks passed; baking at 5% for 2m of 5m');
    expect(lines[1]).toMatch(/^ {2}requests: 1\d\d\d/);
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
    expect(result.out.split('\n')[0]).toMatch(/^canary: reviews v2 aborted at 5% \(success-rate 92(\.\d+)? not >= 99/);
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
    expect(analysis.release).toMatchObject({ verdict: 'hold', reason: 'too little traffic: 3 canary requests in 1m, need 10' });
    await advance(at(30));
    expect(state()).toMatchObject({ weight: 5, status: 'progressing', failures: 0, since: at(10) });
  });

  test('a counter reset in the window holds', async () => {
    synth('restarted');
    await advance(at(10));
    synth('restarted');
    const analysis = await analyze(at(16));
    expect(analysis.release.verdict).toBe('hold');
    expect(analysis.release.reason).toMatch(/^counter reset: istio_requests_total of v2 reset/);
    // a minute later the window is clean again
    expect((await analyze(at(17.5))).release.verdict).toBe('advance');
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
    const { release } = await analyze(at(20));
    expect(release.verdict).toBe('hold');
    expect(release.checks).toEqual([
      { name: 'empty', value: null, threshold: '<= 1', passed: false, problem: 'no data (empty result)' },
      { name: 'nan', value: null, threshold: '<= 1', passed: false, problem: 'not a number (NaN)' },
      { name: 'by-code', value: null, threshold: '>= 0', passed: false, problem: '2 series returned, a check needs one' },
    ]);
    expect(release.reason).toBe('empty: no data (empty result); nan: not a number (NaN); by-code: 2 series returned, a check needs one');
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

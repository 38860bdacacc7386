// Each provider's metric source, against a real Prometheus: ingress-nginx without a mesh is
// judged on ingress-nginx's metrics, ambient on the waypoint reporter, Istio sidecars on the
// destination reporter, with requests from outside the mesh (destination_service "unknown").
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { PrometheusServer } from './prometheus';
import { at, FAST, istioSamples, METRIC_TYPES, NGINX_METRIC_TYPES, nginxSamples } from './traffic';
import { CanaryService, CanaryServiceProps, HistogramUnit, IstioReporter, MetricCheck, MetricSource, TrafficProvider } from '../../src';
import { mainAsync } from '../../src/cli/main';

jest.setTimeout(60_000);

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;

let prometheus: PrometheusServer;
let dir: string;

beforeAll(async () => {
  const canary = { service: 'reviews', version: 'v2', rps: 0, rpsFrom: [[10, 20]] as Array<[number, number]>, latency: FAST };
  prometheus = await PrometheusServer.start({ ...METRIC_TYPES, ...NGINX_METRIC_TYPES }, [
    // ingress-nginx, no mesh: the canary answers 8% 5xx
    ...nginxSamples({ namespace: 'edge', service: 'reviews', version: 'v1', rps: 100, errorRatio: 0.001, latency: FAST, canary: false }),
    ...nginxSamples({ namespace: 'edge', ...canary, errorRatio: 0.08, canary: true }),
    // ambient: only the waypoint reports HTTP metrics; the canary is healthy
    ...istioSamples({ namespace: 'ambient', service: 'reviews', version: 'v1', rps: 100, errorRatio: 0.001, latency: FAST, reporter: 'waypoint' }),
    ...istioSamples({ namespace: 'ambient', ...canary, errorRatio: 0.001, reporter: 'waypoint' }),
    // sidecars behind ingress-nginx: Istio labels the requests destination_service "unknown"; 8% 5xx
    ...istioSamples({ namespace: 'sidecar', service: 'reviews', version: 'v1', rps: 100, errorRatio: 0.001, latency: FAST, destinationService: 'unknown' }),
    ...istioSamples({ namespace: 'sidecar', ...canary, errorRatio: 0.08, destinationService: 'unknown' }),
  ]);
});
afterAll(async () => prometheus?.stop());
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-sources-'));
  fs.writeFileSync(path.join(dir, 'state.json'), '{"releases": {}}\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function synth(namespace: string, props: Partial<CanaryServiceProps>, reporter?: IstioReporter): void {
  const outdir = path.join(dir, 'dist');
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  new CanaryService(new Chart(app, 'app', { namespace }), 'reviews', {
    port: 9080,
    stable: { version: 'v1', image: image('v1') },
    canary: { version: 'v2', image: image('v2') },
    analysis: {
      checks: [MetricCheck.successRate({ min: 99 }), MetricCheck.latency({ percentile: 99, max: Duration.millis(500) })],
      stateFile: path.join(dir, 'state.json'),
      reporter,
    },
    ...props,
  });
  app.synth();
}

async function analyze(minute: number): Promise<any> {
  const out: string[] = [];
  const err: string[] = [];
  await mainAsync(['analyze', path.join(dir, 'dist'), '--prometheus', prometheus.url, '--json', '--at', at(minute)], { out: t => out.push(t), err: t => err.push(t) });
  expect(err).toEqual([]);
  return JSON.parse(out.join('\n')).releases[0];
}

async function release(namespace: string, props: Partial<CanaryServiceProps>): Promise<any> {
  // GIVEN the release at 5% since minute 10
  synth(namespace, props);
  const out: string[] = [];
  expect(await mainAsync(['advance', path.join(dir, 'state.json'), path.join(dir, 'dist'), '--prometheus', prometheus.url, '--at', at(10)], { out: t => out.push(t), err: t => out.push(t) })).toBe(0);
  expect(out[0]).toBe(`canary: ${namespace}/reviews v2 0% -> 5%`);
  synth(namespace, props);
  // WHEN analysed at minute 16
  return analyze(16);
}

const value = (r: any, check: string) => r.checks.find((c: any) => c.name === check).value;

describe('metric sources against a real Prometheus', () => {
  test('ingress-nginx without a mesh is judged on ingress-nginx\'s metrics', async () => {
    const r = await release('edge', { provider: TrafficProvider.ingressNginx(), hosts: ['reviews.example.com'] });
    // THEN the canary's 8% 5xx fail it, its latency (seconds, shown in ms) passes
    expect(r.requests).toBeCloseTo(7200, -1);
    expect(value(r, 'success-rate')).toBeCloseTo(92, 1);
    expect(value(r, 'latency-p99')).toBeLessThanOrEqual(100);
    expect(r.reason).toMatch(/^success-rate 92 not >= 99/);
  });

  test('ambient mode is judged on the waypoint reporter', async () => {
    const r = await release('ambient', { provider: TrafficProvider.gatewayApi({ waypoint: 'waypoint' }) });
    expect(r.requests).toBeCloseTo(7200, -1);
    expect(value(r, 'success-rate')).toBeCloseTo(99.9, 1);
    expect(r).toMatchObject({ verdict: 'advance', reason: 'checks passed and 5% baked 5m' });
    // AND the sidecars' destination reporter, which ambient mode does not have, sees no canary at all
    synth('ambient', { provider: TrafficProvider.gatewayApi({ waypoint: 'waypoint' }) }, IstioReporter.DESTINATION);
    expect((await analyze(16)).reason).toBe('too little traffic: 0 canary requests in 6m, fewer than 10 in every 1m window');
  });

  test('Istio sidecars count requests from outside the mesh (destination_service "unknown")', async () => {
    const r = await release('sidecar', {});
    expect(r.requests).toBeCloseTo(7200, -1);
    expect(value(r, 'success-rate')).toBeCloseTo(92, 1);
  });
});

describe('MetricSource', () => {
  const selector = 'http_requests_total{app="{{service}}",version="{{version}}"}';
  test('fails on an unknown reporter', () => expect(() => MetricSource.istio({ reporter: 'proxy' as IstioReporter })).toThrow(
    'MetricSource.istio: reporter must be one of destination, source, waypoint, got "proxy"'));
  test('fails on a custom selector that is not a series selector', () => expect(() => MetricSource.custom({ requests: 'sum(rate(x[1m]))', errors: selector })).toThrow(
    'MetricSource.custom: requests must be a PromQL series selector such as http_requests_total{service="{{service}}",version="{{version}}"}, got "sum(rate(x[1m]))"'));
  test('fails on a custom selector without {{version}}', () => expect(() => MetricSource.custom({ requests: selector, errors: 'http_requests_total{app="{{service}}",code=~"5.."}' })).toThrow(
    'MetricSource.custom: errors must select one version with {{version}} (else the canary and the stable version read the same series), got "http_requests_total{app=\\"{{service}}\\",code=~\\"5..\\"}"'));
  test('fails on an unknown placeholder', () => expect(() => MetricSource.custom({ requests: selector, errors: selector, durationBuckets: 'h_bucket{v="{{version}}",x="{{canary}}"}' })).toThrow(
    'MetricSource.custom: durationBuckets has an unknown placeholder {{canary}}; known: {{service}}, {{namespace}}, {{version}}'));
  test('fails on an unknown histogram unit', () => expect(() => MetricSource.custom({ requests: selector, errors: selector, durationUnit: 'minutes' as HistogramUnit })).toThrow(
    'MetricSource.custom: durationUnit must be one of seconds, milliseconds, got "minutes"'));
});

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import { CanaryService, MetricCheck, MetricSource } from '../../src';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-checks-'));
  fs.writeFileSync(path.join(dir, 'state.json'), '{"releases": {}}');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;

/** Builds a CanaryService with one check; checks are validated there, naming the service. */
function build(check: MetricCheck, metricSource?: MetricSource): void {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'bookinfo' });
  new CanaryService(chart, 'reviews', {
    port: 9080,
    stable: { version: 'v1', image: image('v1') },
    canary: { version: 'v2', image: image('v2') },
    analysis: { checks: [check], stateFile: path.join(dir, 'state.json'), metricSource },
  });
}

describe('MetricCheck', () => {
  test('valid checks build', () => {
    // GIVEN one of each WHEN built THEN no error
    for (const check of [
      MetricCheck.successRate({ min: 99.5 }),
      MetricCheck.successRateVsStable({ maxDrop: 0 }),
      MetricCheck.latency({ percentile: 99.9, max: Duration.seconds(1) }),
      MetricCheck.latencyVsStable({ percentile: 50, maxIncrease: Duration.millis(0) }),
      MetricCheck.query({ name: 'cpu', promql: 'sum(rate(container_cpu_usage_seconds_total{namespace="{{namespace}}",pod=~"{{service}}-{{canary}}-.*"}[{{interval}}]))', max: 2 }),
    ]) {
      expect(() => build(check)).not.toThrow();
    }
  });

  test('fails on a success rate above 100', () => {
    expect(() => build(MetricCheck.successRate({ min: 101 }))).toThrow("CanaryService 'reviews': analysis.checks[0] (successRate) min must be a number from 0 to 100, got 101");
  });
  test('fails on a negative maxDrop', () => {
    expect(() => build(MetricCheck.successRateVsStable({ maxDrop: -1 }))).toThrow("CanaryService 'reviews': analysis.checks[0] (successRateVsStable) maxDrop must be a number from 0 to 100, got -1");
  });
  test('fails on an unknown percentile', () => {
    expect(() => build(MetricCheck.latency({ percentile: 98, max: Duration.millis(500) }))).toThrow("CanaryService 'reviews': analysis.checks[0] (latency) percentile must be one of 50, 75, 90, 95, 99, 99.9, got 98");
  });
  test('fails on a latency limit below 1 ms', () => {
    expect(() => build(MetricCheck.latency({ percentile: 99, max: Duration.millis(0) }))).toThrow("CanaryService 'reviews': analysis.checks[0] (latency) max must be at least 1 ms, got 0 ms");
  });
  test('fails on a latency limit that is not a Duration', () => {
    expect(() => build(MetricCheck.latency({ percentile: 99, max: 500 as any }))).toThrow("CanaryService 'reviews': analysis.checks[0] (latency) max must be a Duration, got 500");
  });
  test('fails on an unknown percentile relative to stable', () => {
    expect(() => build(MetricCheck.latencyVsStable({ percentile: 100, maxIncrease: Duration.millis(5) }))).toThrow("CanaryService 'reviews': analysis.checks[0] (latencyVsStable) percentile must be one of 50, 75, 90, 95, 99, 99.9, got 100");
  });
  test('fails on an empty PromQL', () => {
    expect(() => build(MetricCheck.query({ name: 'x', promql: '  ', max: 1 }))).toThrow("CanaryService 'reviews': analysis.checks[0] (query x) promql must be a non-empty PromQL expression, got \"  \"");
  });
  test('fails on a bad query name', () => {
    expect(() => build(MetricCheck.query({ name: 'Error Rate', promql: 'up', max: 1 }))).toThrow("CanaryService 'reviews': analysis.checks[0] (query) name must be lower-case letters, digits and '-' (at most 63, starting and ending with a letter or digit), got \"Error Rate\"");
  });
  test('fails on a query without bounds', () => {
    expect(() => build(MetricCheck.query({ name: 'x', promql: 'up' }))).toThrow("CanaryService 'reviews': analysis.checks[0] (query x) needs min, max or both, got neither");
  });
  test('fails on a query with min above max', () => {
    expect(() => build(MetricCheck.query({ name: 'x', promql: 'up', min: 2, max: 1 }))).toThrow("CanaryService 'reviews': analysis.checks[0] (query x) min must be at most max, got min 2 and max 1");
  });
  test('fails on a query with a bound that is not a number', () => {
    expect(() => build(MetricCheck.query({ name: 'x', promql: 'up', max: NaN }))).toThrow("CanaryService 'reviews': analysis.checks[0] (query x) max must be a finite number, got NaN");
  });
  test('fails on an unknown placeholder', () => {
    expect(() => build(MetricCheck.query({ name: 'x', promql: 'up{job="{{job}}"}', max: 1 }))).toThrow("CanaryService 'reviews': analysis.checks[0] (query x) promql has an unknown placeholder {{job}}; known: {{service}}, {{namespace}}, {{canary}}, {{stable}}, {{interval}}, {{canarySelector}}, {{stableSelector}}");
  });

  test('fails on a success rate given as a fraction', () => {
    // GIVEN 0.99 meant as 99% WHEN built THEN refused: it would accept 99.01% errors
    expect(() => build(MetricCheck.successRate({ min: 0.99 }))).toThrow("CanaryService 'reviews': analysis.checks[0] (successRate) min is a percent from 0 to 100, got 0.99, which accepts 99.01% errors: did you mean 99?");
    expect(() => build(MetricCheck.successRate({ min: 1 }))).toThrow('did you mean 100?');
    // AND 0 (no gate) and values above 1 are percents
    expect(() => build(MetricCheck.successRate({ min: 0 }))).not.toThrow();
    expect(() => build(MetricCheck.successRate({ min: 1.5 }))).not.toThrow();
  });

  test('fails on a latency check when the metric source has no histogram', () => {
    const source = MetricSource.custom({ requests: 'http_requests_total{app="{{service}}",version="{{version}}"}', errors: 'http_requests_total{app="{{service}}",version="{{version}}",code=~"5.."}' });
    expect(() => build(MetricCheck.latency({ percentile: 99, max: Duration.millis(500) }), source)).toThrow(
      "CanaryService 'reviews': analysis.checks[0] (latency) needs a request duration histogram, but the metric source http_requests_total has none; set durationBuckets in MetricSource.custom, or remove the check");
    expect(() => build(MetricCheck.successRate({ min: 99 }), source)).not.toThrow();
  });
});

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { binary } from './prometheus';
import { CanaryAnalysis, CanaryService, CanaryServiceProps, HeaderMatchRoute, IstioReporter, MetricCheck, MetricSource, RequestMatch, StringMatch, TrafficProvider } from '../../src';
import { mainAsync } from '../../src/cli/main';
import { find, synthValid } from '../util';

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;
const v1 = { version: 'v1', image: image('v1') };
const v2 = { version: 'v2', image: image('v2') };

let dir: string;
let stateFile: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-analysis-'));
  stateFile = path.join(dir, 'state.json');
  fs.writeFileSync(stateFile, '{"releases": {}}\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const CHECKS = [
  MetricCheck.successRate({ min: 99 }),
  MetricCheck.successRateVsStable({ maxDrop: 1 }),
  MetricCheck.latency({ percentile: 99, max: Duration.millis(500) }),
  MetricCheck.latencyVsStable({ percentile: 99.9, maxIncrease: Duration.millis(100) }),
  MetricCheck.query({ name: 'error-budget', promql: 'sum(rate(istio_requests_total{ {{canarySelector}} }[{{interval}}]))', min: 0, max: 1000 }),
];

function chart(analysis: Partial<CanaryAnalysis> = {}, props: Partial<CanaryServiceProps> = {}, namespace: string | null = 'bookinfo'): { chart: Chart; service: CanaryService } {
  const c = new Chart(Testing.app(), 'test', { namespace: namespace ?? undefined });
  const service = new CanaryService(c, 'reviews', { port: 9080, stable: v1, canary: v2, analysis: { checks: CHECKS, stateFile, ...analysis }, ...props });
  return { chart: c, service };
}

function writeState(releases: any): void {
  fs.writeFileSync(stateFile, JSON.stringify({ releases: Object.fromEntries(Object.entries(releases).map(([k, v]) => [k.includes('/') ? k : `bookinfo/${k}`, v])) }));
}

const weightOf = (manifests: any[], subset: string) => {
  const route = find(manifests, 'VirtualService', 'reviews').spec.http[0].route;
  const d = route.find((r: any) => r.destination.subset === subset);
  return d ? d.weight ?? 100 : 0;
};

describe('CanaryService analysis', () => {
  test('with an empty state file the canary is deployed at weight 0 and the analysis travels in an annotation', () => {
    // GIVEN the empty state file {"releases": {}} WHEN synthesized
    const manifests = synthValid(chart().chart);

    // THEN the canary gets nothing yet
    expect(weightOf(manifests, 'v2')).toBe(0);
    // AND the VirtualService carries the analysis, with the rendered PromQL
    const annotations = find(manifests, 'VirtualService', 'reviews').metadata.annotations;
    const doc = JSON.parse(annotations['cdk8s-canary.io/analysis']);
    expect(doc).toEqual(expect.objectContaining({
      version: 2,
      service: 'reviews',
      namespace: 'bookinfo',
      stable: 'v1',
      canary: 'v2',
      steps: [5, 10, 20, 50, 100],
      bakeSeconds: 300,
      intervalSeconds: 60,
      progressDeadlineSeconds: 600,
      minRequests: 10,
      failureThreshold: 2,
      source: 'istio_requests_total (reporter "destination")',
    }));
    expect(doc.state).toBeUndefined();
    expect(JSON.parse(annotations['cdk8s-canary.io/analysis-state'])).toEqual({ version: 'v2', weight: 0, status: 'progressing', failures: 0 });
    // selected by workload, so requests Istio labels destination_service="unknown" (callers outside the mesh) count
    const selector = 'reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-v2",destination_version="v2"';
    expect(doc.series.canary).toEqual({
      requests: `istio_requests_total{${selector}}`,
      errors: `istio_requests_total{${selector},response_code=~"5.."}`,
      durationBuckets: `istio_request_duration_milliseconds_bucket{${selector}}`,
    });
    expect(doc.requests).toBe(`sum(increase(istio_requests_total{${selector}}[60s]))`);
    expect(doc.checks[0]).toEqual({
      name: 'success-rate',
      promql: `100 * (1 - (sum(rate(istio_requests_total{${selector},response_code=~"5.."}[60s])) or vector(0)) / sum(rate(istio_requests_total{${selector}}[60s])))`,
      min: 99,
      unit: '%',
    });
    expect(doc.checks.map((c: any) => c.name)).toEqual(['success-rate', 'success-rate-vs-stable', 'latency-p99', 'latency-p999-vs-stable', 'error-budget']);
    expect(doc.checks[2]).toMatchObject({ promql: `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${selector}}[60s])))`, max: 500 });
    expect(doc.checks[3].promql).toContain('histogram_quantile(0.999,');
    expect(doc.checks[4].promql).toBe(`sum(rate(istio_requests_total{ ${selector} }[60s]))`);
  });

  test('the weight comes from the state file', () => {
    // GIVEN the state file records 20%
    writeState({ reviews: { version: 'v2', weight: 20, status: 'progressing', since: '2026-01-01T00:10:00Z', failures: 1 } });
    const { chart: c, service } = chart();
    // THEN 80/20, and the annotation has the state
    const manifests = synthValid(c);
    expect(service.canaryWeight).toBe(20);
    expect([weightOf(manifests, 'v1'), weightOf(manifests, 'v2')]).toEqual([80, 20]);
    expect(JSON.parse(find(manifests, 'VirtualService', 'reviews').metadata.annotations['cdk8s-canary.io/analysis-state'])).toMatchObject({ weight: 20, failures: 1 });
  });

  test('an aborted release sends the canary nothing, a promoted one everything; another version\'s state is ignored', () => {
    writeState({ reviews: { version: 'v2', weight: 0, status: 'aborted', failures: 2, reason: 'success-rate 92 not >= 99' } });
    expect(weightOf(synthValid(chart().chart), 'v2')).toBe(0);
    writeState({ reviews: { version: 'v2', weight: 100, status: 'promoted', failures: 0 } });
    expect(weightOf(synthValid(chart().chart), 'v2')).toBe(100);
    writeState({ reviews: { version: 'v3', weight: 50, status: 'progressing', failures: 0 } });
    expect(weightOf(synthValid(chart().chart), 'v2')).toBe(0);
  });

  test('the PrometheusRule records every check and alerts on a failing one', () => {
    const manifests = synthValid(chart({ interval: Duration.seconds(30), failureThreshold: 3 }).chart);
    const rule = find(manifests, 'PrometheusRule', 'reviews-canary-analysis');
    expect(rule.metadata).toMatchObject({ namespace: 'bookinfo', labels: { app: 'reviews' } });
    const group = rule.spec.groups[0];
    expect(group).toMatchObject({ name: 'cdk8s-canary.bookinfo.reviews', interval: '30s' });
    expect(group.rules[0].labels).toEqual({ canary_namespace: 'bookinfo', canary_service: 'reviews', canary_version: 'v2' });
    const records = group.rules.filter((r: any) => r.record);
    expect(records.map((r: any) => [r.record, r.labels.check])).toEqual([
      ['cdk8s_canary:requests:increase', undefined],
      ...['success-rate', 'success-rate-vs-stable', 'latency-p99', 'latency-p999-vs-stable', 'error-budget'].map(c => ['cdk8s_canary:check:value', c]),
    ]);
    const alerts = group.rules.filter((r: any) => r.alert);
    expect(alerts).toHaveLength(5);
    expect(alerts[0]).toMatchObject({
      alert: 'CanaryCheckFailing',
      expr: '(cdk8s_canary:check:value{canary_namespace="bookinfo",canary_service="reviews",canary_version="v2",check="success-rate"} < 99) and on() (cdk8s_canary:requests:increase{canary_namespace="bookinfo",canary_service="reviews",canary_version="v2"} >= 10)',
      for: '90s',
      labels: { canary_namespace: 'bookinfo', canary_service: 'reviews', canary_version: 'v2', check: 'success-rate', severity: 'warning' },
    });
    const m = 'canary_namespace="bookinfo",canary_service="reviews",canary_version="v2"';
    expect(alerts[4].expr).toBe(`(cdk8s_canary:check:value{${m},check="error-budget"} < 0 or cdk8s_canary:check:value{${m},check="error-budget"} > 1000) and on() (cdk8s_canary:requests:increase{${m}} >= 10)`);
  });

  test('Prometheus parses every emitted rule (promtool check rules)', () => {
    // GIVEN every kind of check, from the chart's namespace or analysis.namespace, from the waypoint reporter
    const rules = [
      find(synthValid(chart().chart), 'PrometheusRule', 'reviews-canary-analysis'),
      find(synthValid(chart({ reporter: IstioReporter.WAYPOINT, namespace: 'shop' }, {}, null).chart), 'PrometheusRule', 'reviews-canary-analysis'),
    ];
    rules.forEach((rule, i) => {
      const file = path.join(dir, `rules-${i}.yaml`);
      fs.writeFileSync(file, YAML.stringify({ groups: rule.spec.groups }));
      // WHEN promtool checks them THEN it exits 0 (execFileSync throws otherwise) and counts them
      const out = execFileSync(binary('promtool'), ['check', 'rules', file], { encoding: 'utf8' });
      expect(out).toContain('SUCCESS: 11 rules found');
    });
    expect(rules[1].spec.groups[0].rules[0].expr).toContain('reporter="waypoint"');
    expect(rules[1].spec.groups[0].rules[0].expr).toContain('destination_workload_namespace="shop"');
  });

  test('an Argo Rollouts AnalysisTemplate with the same checks, on request', () => {
    const { chart: c, service } = chart({ argoPrometheusAddress: 'http://prometheus.monitoring:9090', failureThreshold: 3 });
    const manifests = synthValid(c);
    const template = find(manifests, 'AnalysisTemplate', 'reviews-canary-analysis');
    expect(service.analysisTemplate).toBeDefined();
    expect(template.spec.metrics).toHaveLength(6);
    // finite: 5 measurements, one a minute over the 5-minute bake; inconclusive when none had 10 requests; the deadline's 10 intervals bound errors
    expect(template.spec.metrics[0]).toMatchObject({
      name: 'requests',
      interval: '60s',
      count: 5,
      failureLimit: 2,
      consecutiveErrorLimit: 9,
      inconclusiveLimit: 4,
      successCondition: 'len(result) > 0 && result[0] >= 10',
      failureCondition: 'false',
    });
    expect(template.spec.metrics[1]).toMatchObject({
      name: 'success-rate',
      interval: '60s',
      count: 5,
      failureLimit: 2,
      consecutiveErrorLimit: 9,
      successCondition: 'len(result) == 0 || (result[0] >= 99)',
      provider: { prometheus: { address: 'http://prometheus.monitoring:9090', query: expect.stringMatching(/^\(100 \* .*istio_requests_total.*\) and on\(\) \(sum\(increase\(istio_requests_total\{.*\}\[60s\]\)\) >= 10\)$/) } },
    });
    expect(template.spec.metrics[5].successCondition).toBe('len(result) == 0 || (result[0] >= 0 && result[0] <= 1000)');
    // not without the address
    expect(synthValid(chart().chart).filter(m => m.kind === 'AnalysisTemplate')).toEqual([]);
  });

  test('without a canary nothing is added', () => {
    const c = new Chart(Testing.app(), 'test');
    new CanaryService(c, 'reviews', { port: 9080, stable: v1, analysis: { checks: CHECKS, stateFile } });
    const manifests = synthValid(c);
    expect(manifests.map(m => m.kind)).not.toContain('PrometheusRule');
    expect(find(manifests, 'VirtualService', 'reviews').metadata.annotations).toBeUndefined();
  });

  test('an aborted release sends nothing to the canary in any provider: cohorts, splits and mirrors go back to stable', async () => {
    const providers: Array<[string, TrafficProvider, Partial<CanaryServiceProps>]> = [
      ['istio', TrafficProvider.istio(), {}],
      ['gateway-api', TrafficProvider.gatewayApi({ waypoint: 'waypoint' }), {}],
      ['ingress-nginx', TrafficProvider.ingressNginx(), { hosts: ['reviews.example.com'] }],
    ];
    for (const [name, provider, props] of providers) {
      const build = () => {
        const { chart: c, service } = chart({}, { provider, ...props });
        // a cohort to the canary, and (except ingress-nginx) a split and a mirror
        new HeaderMatchRoute(c, 'beta', { target: service, matches: [RequestMatch.header('x-beta', StringMatch.exact('true'))], version: 'v2' });
        if (name !== 'ingress-nginx') {
          service.addRoute({ name: 'half', matches: [RequestMatch.header('x-half', StringMatch.exact('true'))], destinations: [{ version: 'v1', weight: 50 }, { version: 'v2', weight: 50 }] }, 'test');
          service.addRoute({ name: 'shadow', matches: [RequestMatch.header('x-shadow', StringMatch.exact('true'))], destinations: [{ version: 'v1', weight: 100 }], mirror: { version: 'v2', percent: 10 } }, 'test');
        }
        return { manifests: synthValid(c), service };
      };
      // GIVEN the release progressing at 20%: the cohort reaches the canary
      writeState({ reviews: { version: 'v2', weight: 20, status: 'progressing', failures: 0 } });
      const before = build();
      expect(JSON.stringify(before.manifests)).toContain('x-beta');
      expect(before.service.routing.rules.some(r => r.destinations.some(d => d.version === 'v2' && d.weight > 0))).toBe(true);

      // WHEN the analysis aborted it
      writeState({ reviews: { version: 'v2', weight: 0, status: 'aborted', failures: 2, reason: 'success-rate 92 not >= 99' } });
      const after = build();

      // THEN no rule sends or mirrors anything to the canary; the cohort rule is gone
      const rules = after.service.routing.rules;
      expect({ name, live: rules.filter(r => r.destinations.some(d => d.version === 'v2' && d.weight > 0) || r.mirror?.version === 'v2').map(r => r.name) }).toEqual({ name, live: [] });
      expect(JSON.stringify(after.manifests)).not.toContain('x-beta');
      if (name !== 'ingress-nginx') {
        expect(rules.find(r => r.name === 'half')!.destinations).toEqual([{ version: 'v1', weight: 100 }]);
        expect(rules.find(r => r.name === 'shadow')!.mirror).toBeUndefined();
      }
      // AND the canary keeps running for diagnosis
      expect(after.manifests.filter(m => m.kind === 'Deployment').map(m => m.metadata.name)).toContain('reviews-v2');
      // AND check finds the abort commit safe
      const write = (stage: string, manifests: any[]) => {
        const file = path.join(dir, `${stage}.yaml`);
        fs.writeFileSync(file, manifests.map(m => YAML.stringify(m)).join('---\n'));
        return file;
      };
      const out: string[] = [];
      const code = await mainAsync(['check', write('before', before.manifests), write('after', after.manifests)], { out: t => out.push(t), err: t => out.push(t) });
      expect({ name, code, out: out.join('\n') }).toEqual({ name, code: 0, out: expect.stringMatching(/^SAFE/) });
      // AND says why: the commit is the release's rollback
      expect(out.join('\n')).toMatch(/notes:\n {2}bookinfo\/reviews v2 is aborted \(.*\): its routes go back to the stable version in this commit/);
    }
  });

  test('the metric source defaults to the provider\'s', () => {
    const seriesOf = (provider: TrafficProvider, props: Partial<CanaryServiceProps> = {}, analysis: Partial<CanaryAnalysis> = {}) => {
      const manifests = synthValid(chart(analysis, { provider, ...props }).chart);
      const primary = manifests.find(m => m.metadata?.annotations?.['cdk8s-canary.io/analysis']);
      return JSON.parse(primary.metadata.annotations['cdk8s-canary.io/analysis']).series.canary.requests;
    };
    expect(seriesOf(TrafficProvider.istio())).toBe('istio_requests_total{reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-v2",destination_version="v2"}');
    expect(seriesOf(TrafficProvider.gatewayApi({ waypoint: 'waypoint' }))).toContain('reporter="waypoint"');
    expect(seriesOf(TrafficProvider.ingressNginx(), { hosts: ['reviews.example.com'] })).toBe('nginx_ingress_controller_requests{namespace="bookinfo",ingress="reviews",canary!=""}');
    // OpenTelemetry's http.server.request.duration as exported to Prometheus (seconds)
    const custom = MetricSource.custom({
      requests: 'http_server_request_duration_seconds_count{service_name="{{service}}",k8s_namespace_name="{{namespace}}",service_version="{{version}}"}',
      errors: 'http_server_request_duration_seconds_count{service_name="{{service}}",k8s_namespace_name="{{namespace}}",service_version="{{version}}",http_response_status_code=~"5.."}',
      durationBuckets: 'http_server_request_duration_seconds_bucket{service_name="{{service}}",k8s_namespace_name="{{namespace}}",service_version="{{version}}"}',
    });
    expect(seriesOf(TrafficProvider.kubernetes(), {}, { metricSource: custom, steps: [50, 100] })).toBe('http_server_request_duration_seconds_count{service_name="reviews",k8s_namespace_name="bookinfo",service_version="v2"}');
    const doc = JSON.parse(find(synthValid(chart({ metricSource: custom }).chart), 'VirtualService', 'reviews').metadata.annotations['cdk8s-canary.io/analysis']);
    // seconds to milliseconds
    expect(doc.checks[2].promql).toBe('histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{service_name="reviews",k8s_namespace_name="bookinfo",service_version="v2"}[60s]))) * 1000');
  });

  test('two releases of one service name: apart in two namespaces, refused in one', () => {
    // GIVEN reviews in bookinfo (20%) and in shop (aborted), one state file
    writeState({ 'bookinfo/reviews': { version: 'v2', weight: 20, status: 'progressing', failures: 0 }, 'shop/reviews': { version: 'v2', weight: 0, status: 'aborted', failures: 2 } });
    const app = Testing.app();
    const build = (id: string, namespace: string) => new CanaryService(new Chart(app, id, { namespace }), 'reviews', { port: 9080, stable: v1, canary: v2, analysis: { checks: CHECKS, stateFile } });
    // THEN each reads its own entry
    expect(build('a', 'bookinfo').canaryWeight).toBe(20);
    expect(build('b', 'shop').canaryWeight).toBe(0);
    // AND a second release in bookinfo cannot share the entry
    expect(() => build('c', 'bookinfo')).toThrow(`CanaryService 'reviews': analysis: CanaryService 'reviews' already keeps its release in ${stateFile} under "bookinfo/reviews"; two releases cannot share a state entry: give this one another namespace or state file`);
  });

  describe('validation', () => {
    const fails = (analysis: Partial<CanaryAnalysis>, message: string, props: Partial<CanaryServiceProps> = {}) =>
      expect(() => chart(analysis, props)).toThrow(message);

    test('fails with canaryWeight', () => fails({}, "CanaryService 'reviews': canaryWeight is 10 but analysis is set, which takes the weight from its state file; remove canaryWeight, or edit the state file", { canaryWeight: 10 }));
    test('fails with mirrorPercent', () => fails({}, "CanaryService 'reviews': mirrorPercent is 5 but analysis is set", { mirrorPercent: 5 }));
    test('fails without checks', () => fails({ checks: [] }, "CanaryService 'reviews': analysis.checks must list at least one MetricCheck, got []"));
    test('fails on a check that is not a MetricCheck', () => fails({ checks: [{ min: 1 } as any] }, "CanaryService 'reviews': analysis.checks[0] must be a MetricCheck"));
    test('fails on the same check twice', () => fails({ checks: [MetricCheck.successRate({ min: 99 }), MetricCheck.successRate({ min: 98 })] }, "CanaryService 'reviews': analysis check names must be unique, got \"success-rate\" twice"));
    test('fails without a state file', () => fails({ stateFile: '' }, "CanaryService 'reviews': analysis.stateFile must be a non-empty string, got \"\""));
    test('fails on steps that do not increase', () => fails({ steps: [10, 5] }, "CanaryService 'reviews': analysis.steps must increase, got 5 after 10"));
    test('fails on a step out of range', () => fails({ steps: [0, 50] }, "CanaryService 'reviews': analysis.steps[0] must be an integer from 1 to 100, got 0"));
    test('fails on no steps', () => fails({ steps: [] }, "CanaryService 'reviews': analysis.steps must be a non-empty list of weights, got []"));
    test('fails on a short interval', () => fails({ interval: Duration.seconds(5) }, "CanaryService 'reviews': analysis.interval must be whole seconds from 10 to 86400, got 5 seconds"));
    test('fails on a fractional bake time', () => fails({ bakeTime: Duration.millis(1500) }, "CanaryService 'reviews': analysis.bakeTime must be whole seconds from 0 to 604800, got 1.5 seconds"));
    test('fails on negative minRequests', () => fails({ minRequests: -1 }, "CanaryService 'reviews': analysis.minRequests must be an integer from 0 to 1000000000, got -1"));
    test('fails on a zero failure threshold', () => fails({ failureThreshold: 0 }, "CanaryService 'reviews': analysis.failureThreshold must be an integer from 1 to 100, got 0"));
    test('fails on an unknown reporter', () => fails({ reporter: 'proxy' as any }, "CanaryService 'reviews': analysis.reporter must be one of destination, source, waypoint, got \"proxy\""));
    test('fails without a namespace', () => expect(() => chart({}, {}, null)).toThrow(
      "CanaryService 'reviews': analysis needs the namespace the release runs in, but the chart has none (its metrics would be summed over every namespace); give the Chart a namespace, or set analysis.namespace"));
    test('fails on a chart namespace that is not a namespace name (it reaches PromQL)', () => expect(() => chart({}, {}, 'a"} or vector(1)')).toThrow(
      "CanaryService 'reviews': the chart's namespace must be a DNS-1123 label (at most 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit), got \"a\\\"} or vector(1)\""));
    test('fails on a namespace other than the chart\'s', () => fails({ namespace: 'shop' },
      "CanaryService 'reviews': analysis.namespace is \"shop\" but the chart's namespace is \"bookinfo\"; remove analysis.namespace (it is for charts without a namespace)"));
    test('fails on a progress deadline shorter than a minute', () => fails({ progressDeadline: Duration.seconds(30) },
      "CanaryService 'reviews': analysis.progressDeadline must be whole seconds from 60 to 86400, got 30 seconds"));
    test('fails on a progress deadline shorter than the interval', () => fails({ progressDeadline: Duration.minutes(2), interval: Duration.minutes(5) },
      "CanaryService 'reviews': analysis.progressDeadline (120s) must be at least analysis.interval (300s)"));
    test('fails with kubernetes() and no metric source', () => fails({}, "CanaryService 'reviews': analysis.metricSource must be set with TrafficProvider.kubernetes(), which has no metrics of its own to analyse; "
      + 'set metricSource to MetricSource.istio({ reporter }) (a sidecar or ambient mesh), MetricSource.ingressNginx() (traffic through ingress-nginx) '
      + "or MetricSource.custom({ requests, errors, durationBuckets }) (the application's or another data plane's metrics)", { provider: TrafficProvider.kubernetes() }));
    test('fails with gatewayApi() without a waypoint and no metric source', () => fails({}, "CanaryService 'reviews': analysis.metricSource must be set with TrafficProvider.gatewayApi() without a waypoint",
      { provider: TrafficProvider.gatewayApi() }));
    test('fails with both reporter and metricSource', () => fails({ reporter: IstioReporter.SOURCE, metricSource: MetricSource.istio() },
      "CanaryService 'reviews': analysis.reporter is \"source\" but analysis.metricSource is set too; remove reporter, or use metricSource: MetricSource.istio({ reporter })"));
    test('fails at the first synth on a step kubernetes() cannot express with the replicas', () => {
      // GIVEN v1:v2 replicas 4:1 (20%) and the default steps, at weight 0
      const metricSource = MetricSource.istio();
      const props = { provider: TrafficProvider.kubernetes(), stable: { ...v1, replicas: 4 }, canary: { ...v2, replicas: 1 } };
      // THEN the first step (5%) fails now, not when the release reaches it
      fails({ metricSource }, "CanaryService 'reviews': analysis.steps[0] (5%): the Kubernetes provider cannot send 5% to version \"v2\" with v1:v2 replicas 4:1, which give it 20%", props);
      // AND steps the replicas can express build
      expect(() => chart({ metricSource, steps: [20, 100] }, props)).not.toThrow();
    });
    test('fails on a bad Argo address', () => fails({ argoPrometheusAddress: 'prometheus:9090' }, "CanaryService 'reviews': analysis.argoPrometheusAddress must be an http:// or https:// URL, got \"prometheus:9090\""));
    test('fails on a state file that is not JSON', () => {
      fs.writeFileSync(stateFile, '{');
      fails({}, `CanaryService 'reviews': analysis.stateFile: state file ${stateFile} is not valid JSON`);
    });
    test('fails on a state file with a bad weight', () => {
      writeState({ reviews: { version: 'v2', weight: 120, status: 'progressing' } });
      fails({}, `CanaryService 'reviews': analysis.stateFile: state file ${stateFile}: releases["bookinfo/reviews"].weight must be an integer from 0 to 100, got 120`);
    });
    test('fails on a state file with an unknown status', () => {
      writeState({ reviews: { version: 'v2', weight: 5, status: 'paused' } });
      fails({}, 'releases["bookinfo/reviews"].status must be one of progressing, promoted, aborted, got "paused"');
    });
    test('fails on a state file with a bad time', () => {
      writeState({ reviews: { version: 'v2', weight: 5, status: 'progressing', since: 'monday' } });
      fails({}, 'releases["bookinfo/reviews"].since must be an RFC 3339 time such as 2026-11-23T10:00:00Z, got "monday"');
    });
    test('fails on a weight that is not a step', () => {
      writeState({ reviews: { version: 'v2', weight: 30, status: 'progressing' } });
      fails({}, `CanaryService 'reviews': analysis.stateFile ${stateFile}: "bookinfo/reviews" is a progressing release, whose weight must be 0, 5, 10, 20, 50, 100, got 30`);
    });
  });
});

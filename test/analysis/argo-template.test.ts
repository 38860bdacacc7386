// The Argo Rollouts AnalysisTemplate reaches our verdict on the same data: the template is run
// through a model of Argo's rules, written from its documentation (Analysis / "Failure
// Conditions and Failure Limit", "Inconclusive Runs", "Error limit", "count"), against the
// recorded metrics in a real Prometheus, and compared with `advance` on the same step.
//
// The model: a metric takes `count` measurements, one per `interval`. A measurement is
// Successful when `successCondition` holds; otherwise Failed when there is no
// `failureCondition` or it holds, else Inconclusive; a query error is an Error. The metric is
// Failed when failed measurements exceed `failureLimit`, Inconclusive when inconclusive ones
// exceed `inconclusiveLimit`, Error when consecutive errors exceed `consecutiveErrorLimit`, and
// Successful once `count` is reached otherwise. The run is Failed (or Error) when a metric is,
// else Inconclusive when a metric is, else Successful.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { PrometheusServer } from './prometheus';
import { at, FAST, istioSamples, METRIC_TYPES, T0 } from './traffic';
import { CanaryService, MetricCheck } from '../../src';
import { mainAsync } from '../../src/cli/main';
import { find } from '../util';

jest.setTimeout(60_000);

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;

// The canary gets traffic from minute 10; v1 is healthy everywhere.
const SCENARIOS: Array<{ namespace: string; rps?: number; errorRatio?: number }> = [
  { namespace: 'healthy', rps: 20, errorRatio: 0.002 },
  { namespace: 'errors', rps: 20, errorRatio: 0.08 },
  { namespace: 'unready' },
  { namespace: 'quiet', rps: 0.05, errorRatio: 0 },
];

let prometheus: PrometheusServer;
let dir: string;
beforeAll(async () => {
  prometheus = await PrometheusServer.start(METRIC_TYPES, SCENARIOS.flatMap(s => [
    ...istioSamples({ namespace: s.namespace, service: 'reviews', version: 'v1', rps: 100, errorRatio: 0.001, latency: FAST }),
    ...(s.rps === undefined ? [] : istioSamples({ namespace: s.namespace, service: 'reviews', version: 'v2', rps: 0, rpsFrom: [[10, s.rps]], errorRatio: s.errorRatio!, latency: FAST })),
  ]));
});
afterAll(async () => prometheus?.stop());
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-argo-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

type Phase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

async function instant(query: string, seconds: number): Promise<number[] | 'error'> {
  const response = await fetch(`${prometheus.url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query, time: String(seconds) }) });
  const body: any = await response.json();
  if (body.status !== 'success') return 'error';
  if (body.data.resultType === 'scalar') return [Number(body.data.result[1])];
  return body.data.result.map((r: any) => Number(r.value[1]));
}

/** Argo's expression language for the conditions we render: `len(result)`, `result[0]`, comparisons, `&&`, `||`, `false`. */
function holds(condition: string, result: number[]): boolean {
  if (!/^[\s\w[\]().<>=!&|-]*$/.test(condition)) throw new Error(`the model does not read ${condition}`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return Boolean(new Function('result', 'len', `return (${condition});`)(result, (a: unknown[]) => a.length));
}

/** Runs the template from `startMinute` as Argo would, per the model above. */
async function runTemplate(template: any, startMinute: number): Promise<{ phase: Phase; metrics: { [name: string]: Phase } }> {
  const metrics: { [name: string]: Phase } = {};
  for (const m of template.spec.metrics) {
    const interval = Number(/^(\d+)s$/.exec(m.interval)![1]);
    let failed = 0;
    let inconclusive = 0;
    let consecutiveErrors = 0;
    let phase: Phase = 'Successful';
    for (let i = 1; i <= m.count; i++) {
      const result = await instant(m.provider.prometheus.query, T0 + startMinute * 60 + i * interval);
      if (result === 'error') {
        consecutiveErrors++;
      } else {
        consecutiveErrors = 0;
        const success = holds(m.successCondition, result);
        const failure = !success && (m.failureCondition === undefined || holds(m.failureCondition, result));
        if (failure) failed++;
        if (!success && !failure) inconclusive++;
      }
      if (failed > (m.failureLimit ?? 0)) { phase = 'Failed'; break; }
      if (inconclusive > (m.inconclusiveLimit ?? 0)) { phase = 'Inconclusive'; break; }
      if (consecutiveErrors > (m.consecutiveErrorLimit ?? 4)) { phase = 'Error'; break; }
    }
    metrics[m.name] = phase;
  }
  const phases = Object.values(metrics);
  const phase = phases.find(p => p === 'Failed' || p === 'Error') ?? (phases.includes('Inconclusive') ? 'Inconclusive' : 'Successful');
  return { phase, metrics };
}

function synth(namespace: string): any {
  const app = new App({ outdir: path.join(dir, 'dist') });
  const chart = new Chart(app, 'app', { namespace });
  new CanaryService(chart, 'reviews', {
    port: 9080,
    stable: { version: 'v1', image: image('v1') },
    canary: { version: 'v2', image: image('v2') },
    analysis: {
      checks: [MetricCheck.successRate({ min: 99 }), MetricCheck.latency({ percentile: 99, max: Duration.millis(500) })],
      stateFile: path.join(dir, 'state.json'),
      argoPrometheusAddress: 'http://prometheus:9090',
    },
  });
  app.synth();
  return find(chart.toJson(), 'AnalysisTemplate', 'reviews-canary-analysis');
}

async function advance(minute: number): Promise<string> {
  const out: string[] = [];
  await mainAsync(['advance', path.join(dir, 'state.json'), path.join(dir, 'dist'), '--prometheus', prometheus.url, '--at', at(minute)], { out: t => out.push(t), err: t => out.push(t) });
  return out[0];
}

describe('the Argo AnalysisTemplate under a model of Argo\'s rules', () => {
  // [scenario, Argo's run over the step from minute 10, our advance at 15 and 20]
  const cases: Array<[string, Phase, RegExp, RegExp]> = [
    ['healthy', 'Successful', /5% -> 10%$/, /10% -> 20%$/],
    ['errors', 'Failed', /holds at 5% \(success-rate 92/, /aborted at 5%/],
    ['unready', 'Inconclusive', /holds at 5% \(no canary data/, /aborted at 5% \(no passing evaluation/],
    ['quiet', 'Inconclusive', /holds at 5% \(too little traffic:/, /holds at 5% \(too little traffic:/],
  ];
  test.each(cases)('%s: Argo %s, advance the same', async (namespace, argo, first, second) => {
    // GIVEN the release at 5% since minute 10
    fs.writeFileSync(path.join(dir, 'state.json'), '{"releases": {}}');
    synth(namespace);
    expect(await advance(10)).toMatch(/0% -> 5%$/);
    const template = synth(namespace);

    // WHEN Argo runs the template over the step, and advance runs at minutes 15 and 20
    const run = await runTemplate(template, 10);
    const ours = [await advance(15)];
    synth(namespace);
    ours.push(await advance(20));

    // THEN Argo completes with the matching verdict: Successful where we advance, Failed where we
    // fail and abort, Inconclusive (the Rollout pauses) where we hold
    expect(run.phase).toBe(argo);
    expect(ours[0]).toMatch(first);
    expect(ours[1]).toMatch(second);
  });
});

// examples/automated-canary: every stage's state file is what `cdk8s-canary advance` writes
// from the stage before, against recorded Istio metrics in a real Prometheus. Run with
// UPDATE_EXAMPLE_STATES=1 to rewrite the committed state files.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { PrometheusServer } from './analysis/prometheus';
import { at, FAST, istioSamples, METRIC_TYPES } from './analysis/traffic';
import { build, STAGES } from '../examples/automated-canary/main';
import { stageChart } from '../examples/stages';
import { mainAsync } from '../src/cli/main';

jest.setTimeout(60_000);

const ROOT = path.join(__dirname, '..');
const UPDATE = process.env.UPDATE_EXAMPLE_STATES === '1';

let prometheus: PrometheusServer;
let dir: string;
beforeAll(async () => {
  // Recorded traffic: v1 at 100 requests/s, v2 at 20/s, both healthy, from 2026-01-01T00:00Z.
  prometheus = await PrometheusServer.start(METRIC_TYPES, [
    ...istioSamples({ namespace: 'default', service: 'reviews', version: 'v1', rps: 100, errorRatio: 0.001, latency: FAST }),
    ...istioSamples({ namespace: 'default', service: 'reviews', version: 'v2', rps: 20, errorRatio: 0.002, latency: FAST }),
  ]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-example-'));
});
afterAll(async () => {
  await prometheus?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function advance(stage: string, stateFile: string, minute: number): Promise<string> {
  const dist = path.join(dir, stage);
  fs.mkdirSync(dist, { recursive: true });
  const props = STAGES.find(([name]) => name === stage)![1];
  fs.writeFileSync(path.join(dist, 'app.k8s.yaml'), (stageChart('automated-canary', build, props).node.scope as App).synthYaml());
  const out: string[] = [];
  const err: string[] = [];
  const code = await mainAsync(['advance', stateFile, dist, '--prometheus', prometheus.url, '--at', at(minute)], { out: t => out.push(t), err: t => err.push(t) });
  expect({ code, err: err.join('\n') }).toEqual({ code: 0, err: '' });
  return out[0];
}

test('each stage is one advance from the stage before', async () => {
  // GIVEN the state of each stage, advanced every 6 minutes (the steps bake 5)
  const transitions: Array<[string, string, number, string]> = [
    ['01-v2-deployed-at-0', '02-v2-at-5', 10, 'canary: default/reviews v2 0% -> 5%'],
    ['02-v2-at-5', '03-v2-at-10', 16, 'canary: default/reviews v2 5% -> 10%'],
    ['03-v2-at-10', '04-v2-at-20', 22, 'canary: default/reviews v2 10% -> 20%'],
    ['04-v2-at-20', '05-v2-at-50', 28, 'canary: default/reviews v2 20% -> 50%'],
    ['05-v2-at-50', '06-v2-at-100', 34, 'canary: default/reviews v2 50% -> 100%'],
    ['06-v2-at-100', '07-v2-promoted', 40, 'canary: default/reviews v2 100% -> promoted'],
  ];
  for (const [from, to, minute, summary] of transitions) {
    // WHEN advance runs on a copy of the stage's state file and its synthesized YAML
    const stateFile = path.join(dir, `${from}.json`);
    fs.copyFileSync(path.join(ROOT, 'examples', 'automated-canary', 'state', `${from}.json`), stateFile);
    expect(await advance(from, stateFile, minute)).toBe(summary);
    // THEN it writes the next stage's state file
    const committed = path.join(ROOT, 'examples', 'automated-canary', 'state', `${to}.json`);
    if (UPDATE) fs.copyFileSync(stateFile, committed);
    expect(fs.readFileSync(stateFile, 'utf8')).toBe(fs.readFileSync(committed, 'utf8'));
  }
});

test('before a step has baked, advance holds and records only when it evaluated', async () => {
  const stateFile = path.join(dir, '02-v2-at-5.json');
  const committed = path.join(ROOT, 'examples', 'automated-canary', 'state', '02-v2-at-5.json');
  fs.copyFileSync(committed, stateFile);
  expect(await advance('02-v2-at-5', stateFile, 13)).toBe('canary: default/reviews v2 holds at 5% (checks passed; baking at 5% for 3m of 5m)');
  const committedState = JSON.parse(fs.readFileSync(committed, 'utf8'));
  committedState.releases['default/reviews'].evaluatedAt = at(13);
  expect(JSON.parse(fs.readFileSync(stateFile, 'utf8'))).toEqual(committedState);
});

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { PrometheusServer } from './prometheus';
import { at, FAST, istioSamples, METRIC_TYPES } from './traffic';
import { BlueGreenService, BlueGreenServiceProps, CanaryAnalysis, Color, MetricCheck, RequestMatch, StringMatch } from '../../src';
import { mainAsync } from '../../src/cli/main';
import { find, synthValid, validateManifests } from '../util';

jest.setTimeout(60_000);

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;

let dir: string;
let stateFile: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-bluegreen-'));
  stateFile = path.join(dir, 'state.json');
  fs.writeFileSync(stateFile, '{"releases": {}}\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function service(analysis: Partial<CanaryAnalysis> = {}, props: Partial<BlueGreenServiceProps> = {}, app = new App({ outdir: path.join(dir, 'dist') })): { chart: Chart; bg: BlueGreenService } {
  const chart = new Chart(app, 'test', { namespace: 'shop' });
  const bg = new BlueGreenService(chart, 'reviews', {
    port: 9080,
    blue: { version: 'v1', image: image('v1') },
    green: { version: 'v2', image: image('v2') },
    active: Color.BLUE,
    previewMatch: RequestMatch.header('x-preview', StringMatch.exact('true')),
    analysis: { checks: [MetricCheck.successRate({ min: 99 })], stateFile, bakeTime: Duration.minutes(5), ...analysis },
    ...props,
  });
  return { chart, bg };
}

const defaultDestination = (manifests: any[]) => {
  const http = find(manifests, 'VirtualService', 'reviews').spec.http;
  return http[http.length - 1].route.map((r: any) => r.destination.subset);
};

describe('BlueGreenService pre-switch analysis', () => {
  test('analyses the idle colour; the state file switches to it once promoted', () => {
    // GIVEN no state yet THEN blue is active and the analysis targets green (v2)
    const first = synthValid(service().chart);
    expect(defaultDestination(first)).toEqual(['v1']);
    const vs = find(first, 'VirtualService', 'reviews');
    const doc = JSON.parse(vs.metadata.annotations['cdk8s-canary.io/analysis']);
    expect(doc).toMatchObject({ service: 'reviews', stable: 'v1', canary: 'v2', preSwitch: true, steps: [100] });
    expect(doc.checks[0].promql).toContain('destination_version="v2"');
    expect(find(first, 'PrometheusRule', 'reviews-canary-analysis').spec.groups[0].rules).toHaveLength(3);

    // WHEN the state file records v2 as promoted THEN all traffic goes to green
    fs.writeFileSync(stateFile, JSON.stringify({ releases: { 'shop/reviews': { version: 'v2', weight: 100, status: 'promoted', failures: 0 } } }));
    const { chart, bg } = service();
    expect(defaultDestination(synthValid(chart))).toEqual(['v2']);
    expect([bg.activeVersion, bg.idleVersion]).toEqual(['v2', 'v1']);
  });

  test('mirrored traffic is not mirrored any more after the switch', () => {
    fs.writeFileSync(stateFile, JSON.stringify({ releases: { 'shop/reviews': { version: 'v2', weight: 100, status: 'promoted', failures: 0 } } }));
    const manifests = synthValid(service({}, { previewMatch: undefined, mirrorPercent: 50 }).chart);
    const http = find(manifests, 'VirtualService', 'reviews').spec.http;
    expect(http[http.length - 1].mirror).toBeUndefined();
  });

  test('an aborted switch mirrors nothing to the idle colour any more; all traffic stays on the active one', () => {
    // GIVEN mirroring to the idle v2 while the analysis runs
    const mirrorOf = () => {
      const http = find(synthValid(service({}, { previewMatch: undefined, mirrorPercent: 50 }).chart), 'VirtualService', 'reviews').spec.http;
      return { mirror: http[http.length - 1].mirror, route: http[http.length - 1].route.map((d: any) => d.destination.subset) };
    };
    expect(mirrorOf()).toEqual({ mirror: expect.objectContaining({ subset: 'v2' }), route: ['v1'] });
    // WHEN the analysis aborted the switch THEN nothing is mirrored
    fs.writeFileSync(stateFile, JSON.stringify({ releases: { 'shop/reviews': { version: 'v2', weight: 0, status: 'aborted', failures: 2 } } }));
    expect(mirrorOf()).toEqual({ mirror: undefined, route: ['v1'] });
  });

  test('fails without preview or mirrored traffic', () => {
    expect(() => service({}, { previewMatch: undefined })).toThrow("BlueGreenService 'reviews': analysis checks the idle colour on its preview or mirrored traffic, but there is none; set previewMatch, previewHost or mirrorPercent");
  });
  test('fails with steps', () => {
    expect(() => service({ steps: [50, 100] })).toThrow("BlueGreenService 'reviews': analysis.steps do not apply to a blue-green switch (one step: all traffic), got [50,100]; remove steps");
  });
  test('fails on a partial weight in the state file', () => {
    fs.writeFileSync(stateFile, JSON.stringify({ releases: { 'shop/reviews': { version: 'v2', weight: 50, status: 'progressing' } } }));
    expect(() => service()).toThrow(`BlueGreenService 'reviews': analysis.stateFile ${stateFile}: "shop/reviews" is a progressing release, whose weight must be 0, got 50`);
  });

  test('advance bakes the idle version on preview traffic, then switches (real Prometheus)', async () => {
    // GIVEN green (v2) gets 5 preview requests/s, healthy
    const prometheus = await PrometheusServer.start(METRIC_TYPES, [
      ...istioSamples({ namespace: 'shop', service: 'reviews', version: 'v1', rps: 50, errorRatio: 0.001, latency: FAST }),
      ...istioSamples({ namespace: 'shop', service: 'reviews', version: 'v2', rps: 5, errorRatio: 0, latency: FAST }),
    ]);
    try {
      const step = async (minute: number) => {
        const app = new App({ outdir: path.join(dir, 'dist') });
        const { chart } = service({}, {}, app);
        app.synth();
        validateManifests(chart.toJson());
        const out: string[] = [];
        const code = await mainAsync(['advance', stateFile, path.join(dir, 'dist'), '--prometheus', prometheus.url, '--at', at(minute)], { out: t => out.push(t), err: t => out.push(t) });
        expect(code).toBe(0);
        return out[0];
      };
      // WHEN advanced: the first passing evaluation starts the bake, the switch follows after it
      expect(await step(10)).toBe('canary: shop/reviews v2 holds at 0% (checks passed; baking v2 before the switch for 0s of 5m)');
      expect(JSON.parse(fs.readFileSync(stateFile, 'utf8')).releases['shop/reviews']).toMatchObject({ weight: 0, status: 'progressing', since: at(10) });
      expect(await step(12)).toBe('canary: shop/reviews v2 holds at 0% (checks passed; baking v2 before the switch for 2m of 5m)');
      expect(await step(15)).toBe('canary: shop/reviews v2 0% -> promoted');
      expect(JSON.parse(fs.readFileSync(stateFile, 'utf8')).releases['shop/reviews']).toMatchObject({ weight: 100, status: 'promoted', reason: 'checks passed and v2 baked 5m before the switch: switched' });
      // THEN the next synth switches all traffic to green
      expect(defaultDestination(synthValid(service().chart))).toEqual(['v2']);
    } finally {
      await prometheus.stop();
    }
  });
});

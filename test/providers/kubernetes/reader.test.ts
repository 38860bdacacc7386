import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing, Yaml } from 'cdk8s';
import {
  BlueGreenService, CanaryService, Color, FindingKind, IstioReader, RouteSimulator, Severity,
  TrafficDiff, TrafficProvider, TransitionCheck, VersionSpec,
} from '../../../src';
import { main } from '../../../src/cli/main';
import { synthValid } from '../../util';

/** The synth output of a canary of reviews with plain Kubernetes routing. */
function canary(stable: number, canaryReplicas: number | undefined, weight: number): any[] {
  const chart = Testing.chart();
  new CanaryService(chart, 'reviews', {
    port: 9080,
    stable: { version: 'v1', image: 'reviews:1', replicas: stable },
    canary: canaryReplicas === undefined ? undefined : { version: 'v2', image: 'reviews:2', replicas: canaryReplicas },
    canaryWeight: weight,
    provider: TrafficProvider.kubernetes(),
  });
  return synthValid(chart);
}

function blueGreen(active: Color, blue: Partial<VersionSpec> = {}): any[] {
  const chart = Testing.chart();
  new BlueGreenService(chart, 'web', {
    port: 80,
    blue: { version: 'blue', image: 'web:1', replicas: 2, ...blue },
    green: { version: 'green', image: 'web:2', replicas: 2 },
    active,
    provider: TrafficProvider.kubernetes(),
  });
  return synthValid(chart);
}

describe('Reading plain Services: the share of traffic is the share of pods', () => {
  test('a Service selecting two versions splits by replicas', () => {
    // GIVEN 3 stable and 1 canary pods behind one Service
    // WHEN read
    const read = IstioReader.read(canary(3, 1, 25));
    // THEN the routing sends 75/25, by replicas
    expect(read.routings).toEqual([{
      host: 'reviews',
      versions: [{ version: 'v1', labels: { version: 'v1' }, replicas: 3 }, { version: 'v2', labels: { version: 'v2' }, replicas: 1 }],
      rules: [{ destinations: [{ version: 'v1', weight: 75 }, { version: 'v2', weight: 25 }] }],
      source: 'Service default/reviews',
    }]);
  });

  test('a Service switched to one version knows the others and sends to it only', () => {
    // GIVEN a blue-green service with green active
    const read = IstioReader.read(blueGreen(Color.GREEN));
    // THEN both versions are known and green takes everything
    expect(read.routings[0].versions.map(v => v.version)).toEqual(['blue', 'green']);
    expect(read.routings[0].rules).toEqual([{ destinations: [{ version: 'green', weight: 100 }] }]);
  });

  test('explain follows the pods', () => {
    // GIVEN 1 of 4 pods on the canary
    const read = IstioReader.read(canary(3, 1, 25));
    // WHEN a request is explained
    const explanation = RouteSimulator.explain({ host: 'reviews' }, read.routings);
    // THEN it names the split
    expect(explanation.destinations.map(d => [d.version, d.probability])).toEqual([['v1', 0.75], ['v2', 0.25]]);
  });

  test('a Service of one unversioned workload is not a routing', () => {
    // GIVEN a Service and a Deployment without version label
    const objects = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { selector: { app: 'db' }, ports: [{ port: 5432 }] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'db' }, spec: { replicas: 1, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'db' }] } } } },
    ];
    // THEN nothing is read
    expect(IstioReader.read(objects).routings).toEqual([]);
  });

  test('diff shows the share moving with the replicas', () => {
    // WHEN the canary goes from 1 of 4 to 2 of 4 pods
    const diff = TrafficDiff.compare(canary(3, 1, 25), canary(2, 2, 50));
    // THEN the default traffic changes
    expect(diff.hosts.map(h => h.host)).toEqual(['reviews']);
    expect(TrafficDiff.toTable(diff)).toMatch(/75\/25 v1\/v2.*50\/50 v1\/v2/s);
  });
});

describe('TransitionCheck on plain Services: capacity during the rollout', () => {
  test('passes scaling the canary up first (3:1 -> 3:2)', () => {
    const report = TransitionCheck.check(canary(3, 1, 25), canary(3, 2, 40));
    expect(report.findings).toEqual([]);
  });

  test('passes scaling the stable version down once the canary runs (3:2 -> 2:2)', () => {
    const report = TransitionCheck.check(canary(3, 2, 40), canary(2, 2, 50));
    expect(report.findings).toEqual([]);
  });

  test('fails scaling the canary up and the stable version down in one commit', () => {
    // WHEN 3:1 -> 2:2 in one commit
    const report = TransitionCheck.check(canary(3, 1, 25), canary(2, 2, 50));
    // THEN capacity drops to 3 of 4 pods during the rollout
    expect(report.findings.map(f => [f.severity, f.kind, f.host])).toEqual([[Severity.ERROR, FindingKind.CAPACITY_DROP, 'reviews']]);
    expect(report.findings[0].message).toBe('Service default/reviews shares traffic by pods, and this commit scales v1 3 -> 2, v2 1 -> 2: '
      + 'pods scaled down stop at once and new ones serve only when ready, so only 3 of the 4 pods that serve the traffic are sure to be ready during the rollout');
    expect(report.findings[0].safeSequence).toEqual(['1) scale up: v1 3, v2 2', '2) once the new pods are ready: v1 2, v2 2']);
  });

  test('fails adding a canary Deployment and scaling stable down in one commit', () => {
    const report = TransitionCheck.check(canary(4, undefined, 0), canary(3, 1, 25));
    expect(report.findings.map(f => f.kind)).toEqual([FindingKind.CAPACITY_DROP]);
  });

  test('passes a blue-green selector switch between running versions', () => {
    const report = TransitionCheck.check(blueGreen(Color.BLUE), blueGreen(Color.GREEN));
    expect(report.findings).toEqual([]);
  });

  test('fails a switch to a version scaled to 0 before', () => {
    // GIVEN blue at 0 replicas while green serves; WHEN switching to blue scaled up in the same commit
    const report = TransitionCheck.check(blueGreen(Color.GREEN, { replicas: 0 }), blueGreen(Color.BLUE));
    // THEN blue's pods are not ready when the Service selects them (and all traffic jumps at once)
    expect(report.findings.map(f => f.kind)).toEqual([FindingKind.CAPACITY_DROP, FindingKind.WEIGHT_JUMP]);
  });
});

describe('the command line on plain Services', () => {
  test('check reads a replica-ratio canary and reports the capacity drop', () => {
    // GIVEN two synth outputs of a replica-ratio canary, 3:1 then 2:2
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-provider-'));
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'b.yaml');
    fs.writeFileSync(a, Yaml.stringify(...canary(3, 1, 25)));
    fs.writeFileSync(b, Yaml.stringify(...canary(2, 2, 50)));
    const out: string[] = [];
    // WHEN checked
    const code = main(['check', a, b], { out: (t: string) => out.push(t), err: () => undefined });
    // THEN the step is unsafe, naming the capacity drop
    expect(code).toBe(1);
    expect(out.join('\n')).toContain('ERROR [capacity-drop] reviews');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

import { Testing } from 'cdk8s';
import { CanaryService, CanaryServiceProps, FindingKind, ReplicaPolicy, RequestMatch, ServiceRouting, Severity, StringMatch, TrafficProvider, TransitionCheck, VersionSpec } from '../../src';
import { autoscalerMinimums, capacityWarnings, withAutoscalerCapacity } from '../../src/gitops/_capacity';
import { nginxRoutingsWithReplicas } from '../../src/providers/ingress-nginx/_capacity';
import { PROVIDERS as REGISTRY } from '../../src/providers/registry';
import { synthValid } from '../util';

const PROVIDERS: Array<[string, () => TrafficProvider, string[] | undefined]> = [
  ['istio', () => TrafficProvider.istio(), undefined],
  ['gateway-api', () => TrafficProvider.gatewayApi(), undefined],
  ['ingress-nginx', () => TrafficProvider.ingressNginx(), ['reviews.example.com']],
];

/** Synthesizes a release stage and reads it back as `check` does: autoscaled Deployments at their minimum, every provider's routings. */
function readStage(props: Partial<CanaryServiceProps>, provider = PROVIDERS[0]): ServiceRouting[] {
  const chart = Testing.chart();
  new CanaryService(chart, 'reviews', {
    port: 9080,
    provider: provider[1](),
    hosts: provider[2],
    stable: { version: 'v1', image: 'reviews:1', replicas: 10 },
    canary: { version: 'v2', image: 'reviews:2', replicas: 1 },
    ...props,
  });
  const index = REGISTRY.index('test', withAutoscalerCapacity(synthValid(chart)));
  const nginx = nginxRoutingsWithReplicas(index);
  return index.routings.map(r => nginx.get(r) ?? r.routing);
}

describe('capacity rule', () => {
  describe.each(PROVIDERS)('with the %s provider', (_name, ...rest) => {
    const provider = [_name, ...rest] as typeof PROVIDERS[number];

    test('warns when the canary serves half the traffic with one pod while ten stable pods share the rest', () => {
      // GIVEN v2 at 50% with 1 pod, v1 with 10
      const routings = readStage({ canaryWeight: 50 }, provider);
      // WHEN checked with the default ratio
      const warnings = capacityWarnings(routings);
      // THEN one warning naming both loads and the replicas that fix it
      expect(warnings.map(w => [w.heavy.version, w.light.version, w.ratio, w.minimumReplicas, w.equalLoadReplicas])).toEqual([['v2', 'v1', 10, 5, 10]]);
      // (ingress-nginx routes the public host)
      expect(warnings[0].message).toBe(`${provider[2]?.[0] ?? 'reviews'}: in the default route, version v2 serves 50% of the traffic with 1 pod (50% per pod) and version v1 50% with 10 pods (5% per pod): `
        + '10 times the load per pod, more than 2');
      expect(warnings[0].fix).toBe('run v2 with at least 5 replicas (10 for the same load per pod as v1), e.g. with canaryReplicas: ReplicaPolicy.matchTrafficWeight(), or lower its weight');
    });

    test('is silent through a release with ReplicaPolicy.matchTrafficWeight()', () => {
      // GIVEN the canary's replicas following its weight, WHEN each stage is checked
      for (const weight of [0, 5, 10, 20, 50, 100]) {
        const routings = readStage({ canaryWeight: weight, canary: { version: 'v2', image: 'reviews:2' }, canaryReplicas: ReplicaPolicy.matchTrafficWeight() }, provider);
        // THEN nothing to say
        expect([weight, capacityWarnings(routings)]).toEqual([weight, []]);
      }
    });
  });

  test('warns about an overloaded stable version too', () => {
    // GIVEN 90% on one stable pod, 10% on ten canary pods
    const routings = readStage({ canaryWeight: 10, stable: { version: 'v1', image: 'reviews:1', replicas: 1 }, canary: { version: 'v2', image: 'reviews:2', replicas: 10 } });
    // THEN v1 is named, with 5 replicas (90 * 10 / (2 * 10)) as the fix
    const [w] = capacityWarnings(routings);
    expect([w.heavy.version, w.heavy.perPod, w.light.perPod, w.ratio, w.minimumReplicas, w.equalLoadReplicas]).toEqual(['v1', 90, 1, 90, 45, 90]);
  });

  test.each(PROVIDERS)('counts an autoscaled version at its autoscaler\'s minimum (HPA-owned Deployments have no replicas), with the %s provider', (...provider) => {
    // GIVEN v1 autoscaled from 10 to 30 pods (its Deployment without replicas), v2 at 50% with 2 pods
    const stable: VersionSpec = { version: 'v1', image: 'reviews:1', autoscaling: { minReplicas: 10, maxReplicas: 30 } };
    const props = { canaryWeight: 50, stable, canary: { version: 'v2', image: 'reviews:2', replicas: 2 } };
    // WHEN read as check reads it
    const warnings = capacityWarnings(readStage(props, provider));
    // THEN v1 counts 10 pods: v2 carries 5 times the load per pod
    expect(warnings.map(w => [w.heavy.version, w.light.replicas, w.ratio])).toEqual([['v2', 10, 5]]);
  });

  test('without the autoscalers, the reader would count 1 pod (Kubernetes\' default) and blame the wrong version', () => {
    // GIVEN the same objects read without withAutoscalerCapacity
    const chart = Testing.chart();
    new CanaryService(chart, 'reviews', {
      port: 9080,
      canaryWeight: 50,
      stable: { version: 'v1', image: 'reviews:1', autoscaling: { minReplicas: 10, maxReplicas: 30 } },
      canary: { version: 'v2', image: 'reviews:2', replicas: 2 },
    });
    const manifests = synthValid(chart);
    // THEN the minimum is found by the autoscaler's target
    expect(autoscalerMinimums(manifests)).toEqual(new Map([['default/reviews-v1', 10]]));
    expect(capacityWarnings(REGISTRY.index('test', manifests).routings.map(r => r.routing)).map(w => w.heavy.version)).toEqual([]);
  });

  test('--max-load-ratio raises the limit', () => {
    // GIVEN v2 at 20% with 1 pod (20% per pod), v1 at 80% with 10 (8% per pod): 2.5 times
    const routings = readStage({ canaryWeight: 20 });
    // THEN a warning at the default 2, none at 3
    expect(capacityWarnings(routings).map(w => w.ratio)).toEqual([2.5]);
    expect(capacityWarnings(routings, 3)).toEqual([]);
  });

  test('leaves the plain Kubernetes provider alone: there the share of traffic is the share of pods', () => {
    const routings = readStage({ canaryWeight: 50, provider: TrafficProvider.kubernetes(), canary: { version: 'v2', image: 'reviews:2', replicas: 10 } });
    expect(capacityWarnings(routings)).toEqual([]);
  });

  test('compares only rules that split every request, and reads autoscalers of other API versions', () => {
    // GIVEN a matched rule sending all its traffic to one pod, and an autoscaling/v1 HPA
    const routing: ServiceRouting = {
      host: 'shop',
      versions: [{ version: 'a', replicas: 1 }, { version: 'b', replicas: 20 }],
      rules: [{ matches: [], destinations: [{ version: 'a', weight: 50 }, { version: 'b', weight: 50 }] }],
    };
    const matched = { ...routing.rules[0], name: 'beta', matches: [RequestMatch.header('x-beta', StringMatch.exact('1'))] };
    expect(capacityWarnings([{ ...routing, rules: [matched] }])).toEqual([]);
    expect(capacityWarnings([routing]).map(w => w.rule)).toEqual(['the default route']);
    // a named catch-all rule is named in the warning
    expect(capacityWarnings([{ ...routing, rules: [{ ...routing.rules[0], name: 'split' }] }]).map(w => w.rule)).toEqual(['route "split"']);
    const hpa = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'shop' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'a' }, maxReplicas: 3 } };
    expect(withAutoscalerCapacity([hpa, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a', namespace: 'shop' }, spec: {} }])[1].spec.replicas).toBe(1);
  });

  test('fails when the ratio is below 1', () => {
    expect(() => capacityWarnings([], 0.5)).toThrow('max-load-ratio must be a number of at least 1, got 0.5');
  });
});

describe('capacity rule in TransitionCheck', () => {
  const stage = (weight: number, canaryReplicas: number) => {
    const chart = Testing.chart();
    new CanaryService(chart, 'reviews', {
      port: 9080,
      stable: { version: 'v1', image: 'reviews:1', replicas: 10 },
      canary: { version: 'v2', image: 'reviews:2', replicas: canaryReplicas },
      canaryWeight: weight,
    });
    return synthValid(chart);
  };

  test('warns on the commit that loads one pod with half the traffic, naming the loads and the fix', () => {
    // GIVEN 10 stable pods and 1 canary pod, the canary going from 20% to 50%
    // WHEN checked
    const report = TransitionCheck.check(stage(20, 1), stage(50, 1));
    // THEN a warning names both loads and the replicas that fix it
    const w = report.findings.filter(f => f.kind === FindingKind.CAPACITY_IMBALANCE);
    expect(w).toEqual([expect.objectContaining({
      severity: Severity.WARNING,
      host: 'reviews',
      version: 'v2',
      message: expect.stringContaining('version v2 serves 50% of the traffic with 1 pod (50% per pod) and version v1 50% with 10 pods (5% per pod): 10 times the load per pod, more than 2'),
      fix: expect.stringContaining('run v2 with at least 5 replicas'),
    })]);
    expect(report.safe).toBe(true);
  });

  test('is silent when the replicas follow the weight, and maxLoadRatio raises the limit', () => {
    const imbalances = (report: { findings: Array<{ kind: FindingKind }> }) => report.findings.filter(f => f.kind === FindingKind.CAPACITY_IMBALANCE);
    expect(imbalances(TransitionCheck.check(stage(20, 2), stage(50, 5)))).toEqual([]);
    expect(imbalances(TransitionCheck.check(stage(20, 1), stage(50, 1), { maxLoadRatio: 10 }))).toEqual([]);
  });

  test('fails on a maxLoadRatio below 1', () => {
    expect(() => TransitionCheck.check([], [], { maxLoadRatio: 0.5 })).toThrow('TransitionCheck.check: maxLoadRatio must be a number of at least 1, got 0.5');
  });
});

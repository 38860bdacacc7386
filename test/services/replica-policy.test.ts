import { Testing } from 'cdk8s';
import { BlueGreenService, BlueGreenServiceProps, CanaryService, CanaryServiceProps, Color, ReplicaPolicy, TrafficProvider } from '../../src';
import { find, synthValid } from '../util';

const STAGES = [0, 5, 10, 20, 50, 100];

function stage(weight: number, props: Partial<CanaryServiceProps>) {
  const chart = Testing.chart();
  const svc = new CanaryService(chart, 'reviews', {
    port: 9080,
    stable: { version: 'v1', image: 'reviews:1', replicas: 10 },
    canary: { version: 'v2', image: 'reviews:2' },
    canaryWeight: weight,
    canaryReplicas: ReplicaPolicy.matchTrafficWeight(),
    ...props,
  });
  return { manifests: synthValid(chart), svc };
}

describe('ReplicaPolicy.matchTrafficWeight()', () => {
  test('the canary\'s replicas follow its weight through a full release: the share of the stable\'s, rounded up, at least one', () => {
    // GIVEN 10 stable pods, WHEN the release goes through each stage
    const replicas = STAGES.map(w => {
      const { manifests, svc } = stage(w, {});
      // THEN the Deployment and the construct agree
      expect(find(manifests, 'Deployment', 'reviews-v2').spec.replicas).toBe(svc.replicas.v2);
      expect(find(manifests, 'Deployment', 'reviews-v1').spec.replicas).toBe(10);
      return svc.replicas.v2;
    });
    // THEN 1 pod at 0% (ready before any traffic), then the weight's share of 10 pods, rounded up
    expect(replicas).toEqual([1, 1, 1, 2, 5, 10]);
  });

  test('rounds up: 3 stable pods at 20% give 1 canary pod, at 50% give 2', () => {
    const at = (w: number) => stage(w, { stable: { version: 'v1', image: 'reviews:1', replicas: 3 } }).svc.replicas.v2;
    expect([at(20), at(34), at(50), at(67)]).toEqual([1, 2, 2, 3]);
  });

  test('dynamicStableScale scales the stable version down to its share', () => {
    // GIVEN dynamicStableScale, WHEN the release goes through each stage
    const replicas = STAGES.map(w => {
      const { svc, manifests } = stage(w, { canaryReplicas: ReplicaPolicy.matchTrafficWeight({ dynamicStableScale: true }) });
      expect(find(manifests, 'Deployment', 'reviews-v1').spec.replicas).toBe(svc.replicas.v1);
      return [svc.replicas.v1, svc.replicas.v2];
    });
    // THEN the stable keeps its share (at least one pod), the canary gets its own
    expect(replicas).toEqual([[10, 1], [10, 1], [9, 1], [8, 2], [5, 5], [1, 10]]);
  });

  test('with autoscalers, the canary\'s minReplicas follow the stable\'s minReplicas', () => {
    // GIVEN both versions autoscaled, the stable at least 4 pods
    const props: Partial<CanaryServiceProps> = {
      stable: { version: 'v1', image: 'reviews:1', autoscaling: { minReplicas: 4, maxReplicas: 20, cpuUtilization: 70 } },
      canary: { version: 'v2', image: 'reviews:2', autoscaling: { maxReplicas: 3, cpuUtilization: 70 } },
    };
    // WHEN the release goes through each stage
    const hpas = STAGES.map(w => find(stage(w, props).manifests, 'HorizontalPodAutoscaler', 'reviews-v2').spec);
    // THEN minReplicas follow the weight, and maxReplicas rise to it when needed; neither Deployment sets replicas
    expect(hpas.map(s => [s.minReplicas, s.maxReplicas])).toEqual([[1, 3], [1, 3], [1, 3], [1, 3], [2, 3], [4, 4]]);
    expect(find(stage(50, props).manifests, 'Deployment', 'reviews-v2').spec).not.toHaveProperty('replicas');
  });

  test('ReplicaPolicy.fixed() keeps the canary\'s own replicas', () => {
    // GIVEN ReplicaPolicy.fixed() at 50%, THEN the canary keeps its own 2 replicas
    expect(stage(50, { canaryReplicas: ReplicaPolicy.fixed(), canary: { version: 'v2', image: 'reviews:2', replicas: 2 } }).svc.replicas.v2).toBe(2);
  });

  test('the plain Kubernetes provider still refuses a split the pods do not give', () => {
    // GIVEN 10 stable pods at 25%: 3 canary pods give 23.08%
    expect(() => stage(25, { provider: TrafficProvider.kubernetes() })).toThrow(
      'CanaryService \'reviews\': the Kubernetes provider cannot send 25% to version "v2" with v1:v2 replicas 10:3, which give it 23.08%');
  });

  describe('fails', () => {
    test('fails when canaryReplicas is not a ReplicaPolicy', () => {
      expect(() => stage(10, { canaryReplicas: 'match' as any })).toThrow(
        'CanaryService \'reviews\': canaryReplicas must be ReplicaPolicy.fixed() or ReplicaPolicy.matchTrafficWeight(), got "match"');
    });

    test('fails without a canary', () => {
      expect(() => stage(0, { canary: undefined })).toThrow(
        'CanaryService \'reviews\': canaryReplicas is ReplicaPolicy.matchTrafficWeight() but there is no canary; add a canary version, or remove canaryReplicas');
    });

    test('fails when the canary sets its own replicas', () => {
      expect(() => stage(10, { canary: { version: 'v2', image: 'reviews:2', replicas: 3 } })).toThrow(
        'CanaryService \'reviews\': canaryReplicas is ReplicaPolicy.matchTrafficWeight(), which sets the canary\'s replicas, but canary version "v2" sets replicas 3; remove one of them');
    });
  });
});

describe('BlueGreenService idleReplicas', () => {
  function blueGreen(props: Partial<BlueGreenServiceProps>) {
    const chart = Testing.chart();
    const svc = new BlueGreenService(chart, 'reviews', {
      port: 9080,
      blue: { version: 'v1', image: 'reviews:1', replicas: 6 },
      green: { version: 'v2', image: 'reviews:2' },
      active: Color.BLUE,
      idleReplicas: ReplicaPolicy.matchTrafficWeight(),
      ...props,
    });
    return { manifests: synthValid(chart), svc };
  }

  test('the idle colour runs as many pods as the active one, before and after the switch', () => {
    // GIVEN blue active with 6 pods, WHEN green is deployed idle
    const before = blueGreen({});
    // THEN green runs 6 pods too
    expect(find(before.manifests, 'Deployment', 'reviews-v2').spec.replicas).toBe(6);
    expect(before.svc.replicas).toEqual({ v1: 6, v2: 6 });
    // WHEN the switch moves the replicas to green, now active
    const after = blueGreen({ blue: { version: 'v1', image: 'reviews:1' }, green: { version: 'v2', image: 'reviews:2', replicas: 6 }, active: Color.GREEN });
    // THEN blue, now idle, keeps 6 pods: a rollback has the same capacity
    expect(after.svc.replicas).toEqual({ v1: 6, v2: 6 });
  });

  test('with autoscalers, the idle colour\'s minimum is the active one\'s', () => {
    const { manifests } = blueGreen({
      blue: { version: 'v1', image: 'reviews:1', autoscaling: { minReplicas: 4, maxReplicas: 12 } },
      green: { version: 'v2', image: 'reviews:2', autoscaling: { maxReplicas: 12 } },
    });
    expect(find(manifests, 'HorizontalPodAutoscaler', 'reviews-v2').spec.minReplicas).toBe(4);
    expect(find(manifests, 'Deployment', 'reviews-v2').spec).not.toHaveProperty('replicas');
  });

  test('ReplicaPolicy.fixed() keeps the idle colour\'s own replicas (e.g. 0 after a release)', () => {
    expect(blueGreen({ idleReplicas: ReplicaPolicy.fixed(), green: { version: 'v2', image: 'reviews:2', replicas: 0 } }).svc.replicas).toEqual({ v1: 6, v2: 0 });
  });

  describe('fails', () => {
    test('fails when idleReplicas is not a ReplicaPolicy', () => {
      expect(() => blueGreen({ idleReplicas: {} as any })).toThrow(
        'BlueGreenService \'reviews\': idleReplicas must be ReplicaPolicy.fixed() or ReplicaPolicy.matchTrafficWeight(), got {}');
    });

    test('fails with dynamicStableScale', () => {
      expect(() => blueGreen({ idleReplicas: ReplicaPolicy.matchTrafficWeight({ dynamicStableScale: true }) })).toThrow(
        'BlueGreenService \'reviews\': idleReplicas is ReplicaPolicy.matchTrafficWeight({ dynamicStableScale: true }), but a blue-green switch moves all traffic at once: the active colour keeps its replicas; remove dynamicStableScale');
    });

    test('fails when the idle colour sets its own replicas', () => {
      expect(() => blueGreen({ green: { version: 'v2', image: 'reviews:2', replicas: 0 } })).toThrow(
        'BlueGreenService \'reviews\': idleReplicas is ReplicaPolicy.matchTrafficWeight(), which sizes the idle green version "v2" like the active one, but it sets replicas 0; remove one of them');
    });
  });
});

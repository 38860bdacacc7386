import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { BlueGreenService, CanaryService, CanaryServiceProps, Color, PodTemplate, TrafficProvider } from '../../src';
import { find, inventory, synthValid, validateManifests } from '../util';

const V1 = { version: 'v1', image: 'reviews:1' };
const V2 = { version: 'v2', image: 'reviews:2' };

function reviews(props: Partial<CanaryServiceProps>) {
  const chart = Testing.chart();
  const svc = new CanaryService(chart, 'reviews', { port: 9080, stable: V1, canary: V2, ...props });
  return { chart, svc };
}

describe('VersionSpec.autoscaling', () => {
  test('renders an autoscaling/v2 HorizontalPodAutoscaler per autoscaled version, and its Deployment without replicas', () => {
    // GIVEN v1 autoscaled on CPU and memory with a custom metric and a behavior, v2 with 2 replicas
    const requests = {
      type: 'Pods',
      pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: '50' } },
    };
    const behavior = { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } };
    const { chart, svc } = reviews({
      stable: { ...V1, autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70, memoryUtilization: 80, metrics: [requests], behavior } },
      canary: { ...V2, replicas: 2 },
      canaryWeight: 10,
    });
    // WHEN synthesized (each object validated against the Kubernetes OpenAPI; HPA and PDB against 1.35)
    const manifests = synthValid(chart);
    // THEN the HPA targets v1's Deployment with every metric, in order
    expect(find(manifests, 'HorizontalPodAutoscaler', 'reviews-v1')).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'reviews-v1', labels: { app: 'reviews', version: 'v1' } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'reviews-v1' },
        minReplicas: 3,
        maxReplicas: 10,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
          requests,
        ],
        behavior,
      },
    });
    // THEN v1's Deployment leaves replicas to the HPA; v2 keeps its own and has no HPA
    expect(find(manifests, 'Deployment', 'reviews-v1').spec).not.toHaveProperty('replicas');
    expect(find(manifests, 'Deployment', 'reviews-v2').spec.replicas).toBe(2);
    expect(inventory(manifests).filter(n => n.startsWith('HorizontalPodAutoscaler'))).toEqual(['HorizontalPodAutoscaler/reviews-v1']);
    // THEN the routing model counts the HPA's minimum as v1's capacity
    expect(svc.routing.versions.map(v => [v.version, v.replicas])).toEqual([['v1', 3], ['v2', 2]]);
  });

  test('an autoscaled version built from a pod template leaves replicas out too', () => {
    // GIVEN a pod template from a Deployment with replicas: 5, autoscaled
    const template = PodTemplate.fromObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 5, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
    });
    const chart = Testing.chart();
    new CanaryService(chart, 'web', { port: 8080, stable: { version: 'v1', podTemplate: template, autoscaling: { maxReplicas: 4 } } });
    // WHEN synthesized
    const manifests = synthValid(chart);
    // THEN no replicas, and the change is reported; the HPA has Kubernetes' default metric (none listed)
    const d = find(manifests, 'Deployment', 'web-v1');
    expect(d.spec).not.toHaveProperty('replicas');
    expect(d.metadata.annotations['cdk8s-canary.io/pod-template-changes']).toContain('spec.replicas: 5 -> (none)');
    expect(find(manifests, 'HorizontalPodAutoscaler', 'web-v1').spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-v1' }, minReplicas: 1, maxReplicas: 4,
    });
  });

  test('renders a policy/v1 PodDisruptionBudget per version on request', () => {
    // GIVEN v1 with minAvailable 50%, v2 with the default budget (maxUnavailable 1), in Argo CD sync waves
    const { chart } = reviews({
      stable: { ...V1, replicas: 4, podDisruptionBudget: { minAvailable: kplus.PercentOrAbsolute.percent(50) } },
      canary: { ...V2, autoscaling: { maxReplicas: 3 }, podDisruptionBudget: {} },
      argoCdSyncWaves: true,
    });
    // WHEN synthesized
    const manifests = synthValid(chart);
    // THEN each budget selects its version's pods
    expect(find(manifests, 'PodDisruptionBudget', 'reviews-v1').spec).toEqual({ selector: { matchLabels: { app: 'reviews', version: 'v1' } }, minAvailable: '50%' });
    expect(find(manifests, 'PodDisruptionBudget', 'reviews-v2').spec).toEqual({ selector: { matchLabels: { app: 'reviews', version: 'v2' } }, maxUnavailable: 1 });
    // THEN they go with the Deployments: wave 0, pruned last
    for (const kind of ['PodDisruptionBudget', 'HorizontalPodAutoscaler']) {
      expect(find(manifests, kind, 'reviews-v2').metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '0', 'argocd.argoproj.io/sync-options': 'PruneLast=true' });
    }
  });

  test.each([
    ['gateway-api', () => TrafficProvider.gatewayApi(), undefined],
    ['ingress-nginx', () => TrafficProvider.ingressNginx(), ['reviews.example.com']],
  ])('works the same with the %s provider, and on a BlueGreenService', (_name, provider, hosts) => {
    // GIVEN both colours autoscaled, with budgets
    const chart = Testing.chart();
    new BlueGreenService(chart, 'reviews', {
      port: 9080,
      hosts,
      provider: provider(),
      blue: {
        ...V1,
        autoscaling: { minReplicas: 2, maxReplicas: 6, cpuUtilization: 60 },
        podDisruptionBudget: { maxUnavailable: kplus.PercentOrAbsolute.absolute(1) },
      },
      green: { ...V2, autoscaling: { minReplicas: 2, maxReplicas: 6, cpuUtilization: 60 } },
      active: Color.GREEN,
    });
    // WHEN synthesized
    const manifests = synthValid(chart);
    // THEN an HPA per colour, no replicas on either Deployment, one budget
    expect(inventory(manifests).filter(n => /^(HorizontalPodAutoscaler|PodDisruptionBudget)/.test(n)).sort()).toEqual([
      'HorizontalPodAutoscaler/reviews-v1', 'HorizontalPodAutoscaler/reviews-v2', 'PodDisruptionBudget/reviews-v1',
    ]);
    for (const v of ['v1', 'v2']) expect(find(manifests, 'Deployment', `reviews-${v}`).spec).not.toHaveProperty('replicas');
  });

  test('the schemas reject an invalid HorizontalPodAutoscaler and PodDisruptionBudget (the validation is not vacuous)', () => {
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'x' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, minReplicas: 4, maxReplicas: 2, replicas: 3 },
    };
    expect(() => validateManifests([hpa])).toThrow(/spec.replicas: .*unknown field|unknown field.*spec.replicas/);
    expect(() => validateManifests([{ ...hpa, spec: { ...hpa.spec, replicas: undefined } }])).toThrow('spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`');
    const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'x' }, spec: { minAvailable: 1, maxUnavailable: '120%' } };
    expect(() => validateManifests([pdb])).toThrow('minAvailable and maxUnavailable cannot be both set');
    expect(() => validateManifests([pdb])).toThrow('must be a percentage from 0% to 100%');
  });

  describe('fails', () => {
    const build = (stable: any) => () => new CanaryService(Testing.chart(), 'reviews', { port: 9080, stable });

    test('fails when replicas and autoscaling are both set', () => {
      expect(build({ ...V1, replicas: 2, autoscaling: { maxReplicas: 3 } })).toThrow(
        'CanaryService \'reviews\': version v1 sets replicas (2) and autoscaling, whose autoscaler owns the replicas; remove replicas, or set autoscaling.minReplicas');
    });

    test('fails when autoscaling is not an object', () => {
      expect(build({ ...V1, autoscaling: 3 })).toThrow('CanaryService \'reviews\': autoscaling of version v1 must be an AutoscalingOptions object, got 3');
    });

    test('fails when maxReplicas is out of range', () => {
      expect(build({ ...V1, autoscaling: { maxReplicas: 0 } })).toThrow(
        'CanaryService \'reviews\': autoscaling of version v1: maxReplicas must be an integer from 1 to 1000000, got 0');
    });

    test('fails when minReplicas exceeds maxReplicas', () => {
      expect(build({ ...V1, autoscaling: { minReplicas: 5, maxReplicas: 3 } })).toThrow(
        'CanaryService \'reviews\': autoscaling of version v1: minReplicas (at most maxReplicas, 3) must be an integer from 1 to 3, got 5');
    });

    test('fails when a utilization is out of range', () => {
      expect(build({ ...V1, autoscaling: { maxReplicas: 3, cpuUtilization: 0 } })).toThrow(
        'CanaryService \'reviews\': autoscaling of version v1: cpuUtilization must be an integer from 1 to 1000, got 0');
      expect(build({ ...V1, autoscaling: { maxReplicas: 3, memoryUtilization: 50.5 } })).toThrow(
        'CanaryService \'reviews\': autoscaling of version v1: memoryUtilization must be an integer from 1 to 1000, got 50.5');
    });

    test('fails when a metric is not a MetricSpec', () => {
      expect(build({ ...V1, autoscaling: { maxReplicas: 3, metrics: [{ type: 'Cpu' }] } })).toThrow(
        'CanaryService \'reviews\': autoscaling of version v1: metrics[0] must be an autoscaling/v2 MetricSpec with type Resource, Pods, Object, External or ContainerResource, got {"type":"Cpu"}');
      expect(build({ ...V1, autoscaling: { maxReplicas: 3, metrics: 'cpu' } })).toThrow(
        'CanaryService \'reviews\': autoscaling of version v1: metrics must be a list of autoscaling/v2 MetricSpec objects, got "cpu"');
    });

    test('fails when behavior is not an object', () => {
      expect(build({ ...V1, autoscaling: { maxReplicas: 3, behavior: [] } })).toThrow(
        'CanaryService \'reviews\': autoscaling of version v1: behavior must be an autoscaling/v2 HorizontalPodAutoscalerBehavior object, got []');
    });

    test('fails when a budget sets both fields', () => {
      const both = { minAvailable: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.absolute(1) };
      expect(build({ ...V1, podDisruptionBudget: both })).toThrow(
        'CanaryService \'reviews\': podDisruptionBudget of version v1 sets minAvailable and maxUnavailable; a PodDisruptionBudget takes one of them');
    });

    test('fails when a budget value is out of range or not a PercentOrAbsolute', () => {
      expect(build({ ...V1, podDisruptionBudget: { minAvailable: kplus.PercentOrAbsolute.percent(150) } })).toThrow(
        'CanaryService \'reviews\': podDisruptionBudget of version v1: minAvailable must be PercentOrAbsolute.absolute(n) with n from 0 to 1000000 or PercentOrAbsolute.percent(p) with p from 0 to 100, got "150%"');
      expect(build({ ...V1, podDisruptionBudget: { maxUnavailable: 1 } })).toThrow(
        'CanaryService \'reviews\': podDisruptionBudget of version v1: maxUnavailable must be PercentOrAbsolute.absolute(n) with n from 0 to 1000000 or PercentOrAbsolute.percent(p) with p from 0 to 100, got 1');
    });

    test('fails when podDisruptionBudget is not an object', () => {
      expect(build({ ...V1, podDisruptionBudget: 'yes' })).toThrow('CanaryService \'reviews\': podDisruptionBudget of version v1 must be a PodDisruptionBudgetOptions object, got "yes"');
    });
  });
});

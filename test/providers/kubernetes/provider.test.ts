import { Duration, Testing } from 'cdk8s';
import {
  BlueGreenService, CanaryService, CanaryServiceProps, Color, HeaderMatchRoute, RequestMatch, StringMatch, TrafficProvider,
} from '../../../src';
import { replicaRatios } from '../../../src/providers/kubernetes/_provider';
import { find, inventory, synthValid } from '../../util';

const base: CanaryServiceProps = {
  port: 9080,
  stable: { version: 'v1', image: 'reviews:1', replicas: 3 },
  canary: { version: 'v2', image: 'reviews:2', replicas: 1 },
  canaryWeight: 25,
  provider: TrafficProvider.kubernetes(),
};

function canary(extra: Partial<CanaryServiceProps> = {}) {
  const chart = Testing.chart();
  const svc = new CanaryService(chart, 'reviews', { ...base, ...extra });
  return { chart, svc };
}

describe('Kubernetes provider: the share of traffic is the share of pods', () => {
  test('a canary at 1 of 4 pods renders the Deployments and one Service selecting both', () => {
    // GIVEN a canary with 3 stable and 1 canary pods at weight 25
    const { chart, svc } = canary();
    // WHEN synthesized
    const manifests = synthValid(chart);
    // THEN there are no routing objects, and the Service selects the app only
    expect(inventory(manifests)).toEqual(['Deployment/reviews-v1', 'Deployment/reviews-v2', 'Service/reviews']);
    expect(find(manifests, 'Service', 'reviews').spec.selector).toEqual({ app: 'reviews' });
    expect(find(manifests, 'Deployment', 'reviews-v2').spec.replicas).toBe(1);
    expect(svc.virtualService).toBeUndefined();
    expect(svc.routingObjects.map(o => o.kind)).toEqual(['Service']);
    expect(svc.routing.rules).toEqual([{ destinations: [{ version: 'v1', weight: 75 }, { version: 'v2', weight: 25 }] }]);
  });

  test('a canary at weight 0 makes the Service select the stable version only', () => {
    // GIVEN a canary that runs a pod but gets no traffic
    const { chart } = canary({ canaryWeight: 0 });
    // WHEN synthesized
    const manifests = synthValid(chart);
    // THEN the Service selects the stable version's pods
    expect(find(manifests, 'Service', 'reviews').spec.selector).toEqual({ app: 'reviews', version: 'v1' });
  });

  test('promotion: all traffic to the canary selects its pods', () => {
    // GIVEN weight 100
    const { chart } = canary({ canaryWeight: 100 });
    // THEN the Service selects the canary's pods
    expect(find(synthValid(chart), 'Service', 'reviews').spec.selector).toEqual({ app: 'reviews', version: 'v2' });
  });

  test('blue-green switches by the Service selector', () => {
    // GIVEN a blue-green service, green active
    const chart = Testing.chart();
    new BlueGreenService(chart, 'web', {
      port: 80,
      blue: { version: 'blue', image: 'web:1', replicas: 2 },
      green: { version: 'green', image: 'web:2', replicas: 2 },
      active: Color.GREEN,
      provider: TrafficProvider.kubernetes(),
    });
    // WHEN synthesized
    const manifests = synthValid(chart);
    // THEN the Service selects green's pods only
    expect(find(manifests, 'Service', 'web').spec.selector).toEqual({ app: 'web', version: 'green' });
  });

  test('replica ratios for a weight', () => {
    expect(replicaRatios(20)).toBe('4:1, 8:2, 12:3');
    expect(replicaRatios(50)).toBe('1:1, 2:2, 3:3');
    expect(replicaRatios(33)).toBe('67:33, 134:66, 201:99');
  });
});

describe('Kubernetes provider: what it cannot express fails in the constructor', () => {
  const alt = 'use TrafficProvider.istio(), TrafficProvider.gatewayApi() or TrafficProvider.ingressNginx()';

  test('fails on a weight the replicas cannot give, naming replicas that would', () => {
    expect(() => canary({ canaryWeight: 20 })).toThrow(
      'CanaryService \'reviews\': the Kubernetes provider cannot send 20% to version "v2" with v1:v2 replicas 3:1, which give it 25%: '
      + `the share of traffic is the share of ready pods; 20% needs v1:v2 replicas 4:1, 8:2, 12:3, ...; set the replicas to one of those, or ${alt}`);
  });

  test('fails on a weight that rounds close but is not exact', () => {
    expect(() => canary({ canaryWeight: 33, stable: { version: 'v1', image: 'reviews:1', replicas: 2 } })).toThrow(
      'cannot send 33% to version "v2" with v1:v2 replicas 2:1, which give it 33.33%');
  });

  test('fails on a header-matched route', () => {
    const { chart, svc } = canary();
    expect(() => new HeaderMatchRoute(chart, 'testers', { target: svc, version: 'v2', matches: [RequestMatch.header('x-canary', StringMatch.exact('always'))] })).toThrow(
      'HeaderMatchRoute \'testers\': the Kubernetes provider cannot route matched requests (header x-canary exact "always" in the route): '
      + `a Service spreads requests over its pods without looking at them; ${alt}`);
  });

  test('fails on mirroring', () => {
    expect(() => canary({ canaryWeight: 0, mirrorPercent: 10 })).toThrow(
      `CanaryService 'reviews': the Kubernetes provider cannot mirror traffic (10% to version "v2" in the default route): a Service sends each request to one pod; remove the mirror, or ${alt}`);
  });

  test('fails on resilience settings', () => {
    expect(() => canary({ timeout: Duration.seconds(2) })).toThrow(
      `CanaryService 'reviews': the Kubernetes provider cannot apply timeout on the default route: a Service forwards connections and does not see requests; remove it, or ${alt}`);
  });

  test('fails on a third version that runs pods', () => {
    expect(() => canary({ extraVersions: [{ version: 'v3', image: 'reviews:3' }] })).toThrow(
      'CanaryService \'reviews\': the Kubernetes provider cannot split traffic between "v1" and "v2" while version "v3" runs 1 pods: '
      + `the Service selects every version's pods, so it would get a share too; scale "v3" to 0, or ${alt}`);
  });

  test('fails on gateways', () => {
    expect(() => canary({ gateways: ['istio-system/public'] })).toThrow(
      `CanaryService 'reviews': the Kubernetes provider cannot bind the service to gateways (istio-system/public): it renders no routing objects, only the Service; remove gateways, or ${alt}`);
  });

  test('fails on hosts', () => {
    expect(() => canary({ hosts: ['reviews.example.com'] })).toThrow(
      `CanaryService 'reviews': the Kubernetes provider cannot serve further hosts (reviews.example.com): it renders no routing objects, only the Service; remove hosts, or ${alt}`);
  });

  test('fails on a traffic policy', () => {
    expect(() => canary({ trafficPolicy: {} as any })).toThrow(
      'CanaryService \'reviews\': the Kubernetes provider cannot apply a trafficPolicy');
  });
});

import { Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { CanaryService, CanaryServiceProps, LoadBalancer, LoadBalancerAlgorithm, ServiceProtocol } from '../../src';
import { find, inventory, synthValid } from '../util';

const V1 = { version: 'v1', image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2' };
const V2 = { version: 'v2', image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2' };

function reviews(props: Partial<CanaryServiceProps> = {}): { chart: Chart; svc: CanaryService } {
  const chart = Testing.chart();
  const svc = new CanaryService(chart, 'reviews', { port: 9080, stable: V1, canary: V2, ...props });
  return { chart, svc };
}

function routeOf(manifests: any[], name = 'reviews'): any[] {
  const http = find(manifests, 'VirtualService', name).spec.http;
  return http[http.length - 1].route;
}

describe('CanaryService', () => {
  test('reproduces Istio Bookinfo reviews 80/20 from five lines', () => {
    // GIVEN
    const chart = Testing.chart();
    // WHEN
    new CanaryService(chart, 'reviews', {
      port: 9080,
      stable: V1,
      canary: V2,
      canaryWeight: 20,
    });
    const manifests = synthValid(chart);
    // THEN: samples/bookinfo/networking/virtual-service-reviews-80-20.yaml (Istio, Apache-2.0)
    expect(find(manifests, 'VirtualService', 'reviews')).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews' },
      spec: {
        hosts: ['reviews'],
        http: [{
          route: [
            { destination: { host: 'reviews', subset: 'v1' }, weight: 80 },
            { destination: { host: 'reviews', subset: 'v2' }, weight: 20 },
          ],
        }],
      },
    });
    // THEN: the reviews DestinationRule of samples/bookinfo/networking/destination-rule-all.yaml, for v1 and v2
    expect(find(manifests, 'DestinationRule', 'reviews')).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews' },
      spec: {
        host: 'reviews',
        subsets: [
          { name: 'v1', labels: { version: 'v1' } },
          { name: 'v2', labels: { version: 'v2' } },
        ],
      },
    });
  });

  test('labels each version Deployment with app and version, selecting on both', () => {
    const { chart } = reviews();
    const manifests = synthValid(chart);
    for (const v of ['v1', 'v2']) {
      const d = find(manifests, 'Deployment', `reviews-${v}`);
      const labels = { 'app': 'reviews', 'version': v, 'app.kubernetes.io/name': 'reviews', 'app.kubernetes.io/version': v };
      expect(d.metadata.labels).toEqual(labels);
      // cdk8s-plus adds its own address label, derived from the construct path (stable across stages).
      expect(d.spec.template.metadata.labels).toEqual({ ...labels, 'cdk8s.io/metadata.addr': expect.stringMatching(new RegExp(`^test-reviews-Deployment-${v}-[0-9a-f]{8}$`)) });
      expect(d.spec.selector).toEqual({ matchLabels: { app: 'reviews', version: v } });
      expect(d.spec.replicas).toBe(1);
      expect(d.spec.template.spec.containers[0].image).toBe(v === 'v1' ? V1.image : V2.image);
      expect(d.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 9080 }]);
    }
  });

  test('renders one Service selecting the app across versions, with an Istio port name', () => {
    const { chart } = reviews();
    const svc = find(synthValid(chart), 'Service', 'reviews');
    expect(svc.spec.selector).toEqual({ app: 'reviews' });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 9080, targetPort: 9080 }]);
  });

  test('writes no empty externalIPs on the Service (cdk8s-plus writes [])', () => {
    // GIVEN a service, WHEN synthesized
    const { chart } = reviews();
    const svc = find(synthValid(chart), 'Service', 'reviews');
    // THEN the spec holds what a reviewer would write, nothing empty
    expect(svc.spec).toEqual({ ports: [{ name: 'http', port: 9080, targetPort: 9080 }], selector: { app: 'reviews' }, type: 'ClusterIP' });
    expect(svc.spec).not.toHaveProperty('externalIPs');
  });

  test.each([
    [ServiceProtocol.HTTP, 'http'],
    [ServiceProtocol.HTTP2, 'http2'],
    [ServiceProtocol.GRPC, 'grpc'],
  ])('names the port for protocol %s', (protocol, name) => {
    const { chart } = reviews({ protocol, stable: { ...V1, containerPort: 8080 }, canary: { ...V2, containerPort: 8080 } });
    const svc = find(synthValid(chart), 'Service', 'reviews');
    expect(svc.spec.ports).toEqual([{ name, port: 9080, targetPort: 8080 }]);
  });

  test('emits make-before-break order: Deployments, then DestinationRule, then VirtualService', () => {
    const { chart } = reviews({ canaryWeight: 10 });
    const order = inventory(synthValid(chart));
    const at = (x: string) => order.indexOf(x);
    expect(at('Deployment/reviews-v1')).toBeLessThan(at('DestinationRule/reviews'));
    expect(at('Deployment/reviews-v2')).toBeLessThan(at('DestinationRule/reviews'));
    expect(at('DestinationRule/reviews')).toBeLessThan(at('VirtualService/reviews'));
    expect(at('Service/reviews')).toBeLessThan(at('VirtualService/reviews'));
    expect(order).toEqual(['Deployment/reviews-v1', 'Deployment/reviews-v2', 'Service/reviews', 'DestinationRule/reviews', 'VirtualService/reviews']);
  });

  describe('release flow, one prop per stage', () => {
    test('all traffic on v1 without a canary', () => {
      const { chart } = reviews({ canary: undefined });
      const manifests = synthValid(chart);
      expect(routeOf(manifests)).toEqual([{ destination: { host: 'reviews', subset: 'v1' } }]);
      expect(find(manifests, 'DestinationRule', 'reviews').spec.subsets.map((s: any) => s.name)).toEqual(['v1']);
      expect(inventory(manifests)).not.toContain('Deployment/reviews-v2');
    });

    test('canary deployed at weight 0: its subset exists, no route references it', () => {
      const { chart } = reviews({ canaryWeight: 0 });
      const manifests = synthValid(chart);
      expect(routeOf(manifests)).toEqual([{ destination: { host: 'reviews', subset: 'v1' } }]);
      expect(find(manifests, 'DestinationRule', 'reviews').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2']);
      expect(find(manifests, 'Deployment', 'reviews-v2').spec.replicas).toBe(1);
    });

    test.each([5, 10, 20, 50])('canary at %i%% gets exactly that share, stable the rest', (w) => {
      const { chart } = reviews({ canaryWeight: w });
      expect(routeOf(synthValid(chart))).toEqual([
        { destination: { host: 'reviews', subset: 'v1' }, weight: 100 - w },
        { destination: { host: 'reviews', subset: 'v2' }, weight: w },
      ]);
    });

    test('canary at 100% takes all traffic while v1 keeps running', () => {
      const { chart } = reviews({ canaryWeight: 100 });
      const manifests = synthValid(chart);
      expect(routeOf(manifests)).toEqual([{ destination: { host: 'reviews', subset: 'v2' } }]);
      expect(find(manifests, 'Deployment', 'reviews-v1')).toBeDefined();
    });

    test('promotion: the canary becomes stable, v1 and its subset are gone, v2 keeps its name', () => {
      const { chart } = reviews({ stable: V2, canary: undefined });
      const manifests = synthValid(chart);
      expect(routeOf(manifests)).toEqual([{ destination: { host: 'reviews', subset: 'v2' } }]);
      expect(inventory(manifests)).toEqual(['Deployment/reviews-v2', 'Service/reviews', 'DestinationRule/reviews', 'VirtualService/reviews']);
    });

    test('abort: weight back to 0 keeps the canary running for diagnosis', () => {
      const { chart } = reviews({ canaryWeight: 0 });
      const manifests = synthValid(chart);
      expect(routeOf(manifests)).toEqual([{ destination: { host: 'reviews', subset: 'v1' } }]);
      expect(find(manifests, 'Deployment', 'reviews-v2').spec.replicas).toBe(1);
    });
  });

  test('mirrors a percentage of traffic to the canary at weight 0', () => {
    const { chart } = reviews({ mirrorPercent: 10 });
    const rule = find(synthValid(chart), 'VirtualService', 'reviews').spec.http[0];
    expect(rule.mirror).toEqual({ host: 'reviews', subset: 'v2' });
    expect(rule.mirrorPercentage).toEqual({ value: 10 });
    expect(rule.route).toEqual([{ destination: { host: 'reviews', subset: 'v1' } }]);
  });

  test('binds to gateways and mesh with extra hosts', () => {
    const { chart } = reviews({ gateways: ['istio-system/public'], hosts: ['reviews.example.com'] });
    const vs = find(synthValid(chart), 'VirtualService', 'reviews');
    expect(vs.spec.gateways).toEqual(['istio-system/public', 'mesh']);
    expect(vs.spec.hosts).toEqual(['reviews', 'reviews.example.com']);
  });

  test('binds to gateways only when includeMesh is false', () => {
    const { chart } = reviews({ gateways: ['public'], includeMesh: false });
    expect(find(synthValid(chart), 'VirtualService', 'reviews').spec.gateways).toEqual(['public']);
  });

  test('a gateway-only route (includeMesh: false) serves the public hosts only', () => {
    // GIVEN a public host at a gateway, not in the mesh
    const { chart } = reviews({ gateways: ['istio-system/public'], includeMesh: false, hosts: ['reviews.example.com'] });
    // WHEN synthesized
    const vs = find(synthValid(chart), 'VirtualService', 'reviews');
    // THEN the short service name, which no request through the gateway carries, is not a host
    expect(vs.spec.hosts).toEqual(['reviews.example.com']);
    expect(vs.spec.gateways).toEqual(['istio-system/public']);
    // and the routes still send to the service's subsets
    expect(vs.spec.http[0].route[0].destination).toEqual({ host: 'reviews', subset: 'v1' });
  });

  test('a route bound to the mesh too keeps the service name beside the public hosts', () => {
    // GIVEN a public host at a gateway and in the mesh (the default)
    const { chart } = reviews({ gateways: ['istio-system/public'], hosts: ['reviews.example.com'] });
    // THEN
    expect(find(synthValid(chart), 'VirtualService', 'reviews').spec.hosts).toEqual(['reviews', 'reviews.example.com']);
  });

  test('a gateway-only route without public hosts keeps the service name (a VirtualService needs a host)', () => {
    const { chart } = reviews({ gateways: ['istio-system/public'], includeMesh: false });
    expect(find(synthValid(chart), 'VirtualService', 'reviews').spec.hosts).toEqual(['reviews']);
  });

  test('renders the DestinationRule traffic policy', () => {
    const { chart } = reviews({
      trafficPolicy: {
        loadBalancer: LoadBalancer.simple(LoadBalancerAlgorithm.LEAST_REQUEST),
        connectionPool: {
          maxConnections: 100,
          connectTimeout: Duration.millis(500),
          http1MaxPendingRequests: 10,
          http2MaxRequests: 1000,
          maxRequestsPerConnection: 10,
          maxRetries: 3,
          idleTimeout: Duration.minutes(5),
        },
        outlierDetection: {
          consecutive5xxErrors: 5,
          consecutiveGatewayErrors: 3,
          interval: Duration.seconds(10),
          baseEjectionTime: Duration.seconds(30),
          maxEjectionPercent: 50,
          minHealthPercent: 20,
        },
      },
    });
    expect(find(synthValid(chart), 'DestinationRule', 'reviews').spec.trafficPolicy).toEqual({
      loadBalancer: { simple: 'LEAST_REQUEST' },
      connectionPool: {
        tcp: { maxConnections: 100, connectTimeout: '0.5s' },
        http: { http1MaxPendingRequests: 10, http2MaxRequests: 1000, maxRequestsPerConnection: 10, maxRetries: 3, idleTimeout: '300s' },
      },
      outlierDetection: { consecutive5xxErrors: 5, consecutiveGatewayErrors: 3, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50, minHealthPercent: 20 },
    });
  });

  test.each([
    ['header', LoadBalancer.consistentHashByHeader('X-User'), { consistentHash: { httpHeaderName: 'x-user' } }],
    ['cookie', LoadBalancer.consistentHashByCookie('session', Duration.hours(1)), { consistentHash: { httpCookie: { name: 'session', ttl: '3600s' } } }],
    ['source IP', LoadBalancer.consistentHashBySourceIp(), { consistentHash: { useSourceIp: true } }],
  ])('renders consistent hashing by %s', (_, loadBalancer, expected) => {
    const { chart } = reviews({ trafficPolicy: { loadBalancer } });
    expect(find(synthValid(chart), 'DestinationRule', 'reviews').spec.trafficPolicy.loadBalancer).toEqual(expected);
  });

  test('applies VersionSpec Deployment settings', () => {
    const { chart } = reviews({
      canary: {
        ...V2,
        replicas: 3,
        envVariables: { LOG_LEVEL: kplus.EnvValue.fromValue('debug') },
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
        minReady: Duration.seconds(15),
        readiness: kplus.Probe.fromHttpGet('/health'),
      },
    });
    const d = find(synthValid(chart), 'Deployment', 'reviews-v2');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.minReadySeconds).toBe(15);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const c = d.spec.template.spec.containers[0];
    expect(c.env).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 9080, scheme: 'HTTP' });
    expect(c.securityContext.runAsNonRoot).toBe(true);
  });

  test('derives the service name from the id', () => {
    const chart = Testing.chart();
    const svc = new CanaryService(chart, 'Product_Page', { port: 9080, stable: V1 });
    expect(svc.serviceName).toBe('product-page');
    expect(find(synthValid(chart), 'Service', 'product-page')).toBeDefined();
  });

  test('exposes rendered objects for escape-hatch patches', () => {
    const { chart, svc } = reviews({ canaryWeight: 20 });
    svc.virtualService!.addJsonPatch(JsonPatch.add('/spec/http/0/timeout', '5s'));
    svc.destinationRule!.addJsonPatch(JsonPatch.add('/spec/exportTo', ['.']));
    svc.canaryDeployment!.metadata.addAnnotation('team', 'reviews');
    const manifests = synthValid(chart);
    expect(find(manifests, 'VirtualService', 'reviews').spec.http[0].timeout).toBe('5s');
    expect(find(manifests, 'DestinationRule', 'reviews').spec.exportTo).toEqual(['.']);
    expect(find(manifests, 'Deployment', 'reviews-v2').metadata.annotations).toEqual({ team: 'reviews' });
    expect(svc.stableDeployment.name).toBe('reviews-v1');
    expect(svc.service.name).toBe('reviews');
  });

  test('exposes the routing model', () => {
    const { svc } = reviews({ canaryWeight: 20 });
    expect(svc.versions).toEqual(['v1', 'v2']);
    expect(svc.routing.rules).toEqual([{ destinations: [{ version: 'v1', weight: 80 }, { version: 'v2', weight: 20 }], mirror: undefined }]);
  });

  test('matches the snapshot', () => {
    const { chart } = reviews({ canaryWeight: 20, gateways: ['public'], mirrorPercent: undefined });
    expect(synthValid(chart)).toMatchSnapshot();
  });

  describe('rejects bad input with the construct, prop, value and what is allowed', () => {
    const bad: Array<[string, Partial<CanaryServiceProps>, string]> = [
      ['fails on a fractional weight', { canaryWeight: 20.5 }, "CanaryService 'reviews': canaryWeight must be an integer from 0 to 100, got 20.5"],
      ['fails on a weight over 100', { canaryWeight: 120 }, "CanaryService 'reviews': canaryWeight must be an integer from 0 to 100, got 120"],
      ['fails on a negative weight', { canaryWeight: -1 }, 'canaryWeight must be an integer from 0 to 100, got -1'],
      ['fails on a weight without a canary', { canary: undefined, canaryWeight: 10 }, "CanaryService 'reviews': canaryWeight is 10 but there is no canary; add a canary version or set canaryWeight to 0"],
      ['fails on stable and canary with the same version', { canary: { ...V2, version: 'v1' } }, "CanaryService 'reviews': version must be unique, got \"v1\" twice"],
      ['fails on a version that is not a DNS-1123 label', { canary: { ...V2, version: 'V2' } }, "CanaryService 'reviews': version must be a DNS-1123 label (at most 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit), got \"V2\""],
      ['fails on a service name that is not a DNS-1035 label', { serviceName: 'reviews.v1' }, "CanaryService 'reviews': serviceName must be a DNS-1035 label (at most 63 characters of a-z, 0-9 and '-', starting with a letter and ending with a letter or digit), got \"reviews.v1\""],
      // Kubernetes Service names are DNS-1035 labels: the API server rejects a leading digit.
      ['fails on a service name starting with a digit', { serviceName: '2048-game' }, "CanaryService 'reviews': serviceName must be a DNS-1035 label (at most 63 characters of a-z, 0-9 and '-', starting with a letter and ending with a letter or digit), got \"2048-game\""],
      ['fails on a port out of range', { port: 70000 }, "CanaryService 'reviews': port must be an integer from 1 to 65535, got 70000"],
      ['fails on a container port out of range', { canary: { ...V2, containerPort: 0 } }, 'containerPort of version v2 must be an integer from 1 to 65535, got 0'],
      ['fails on versions with different container ports', { canary: { ...V2, containerPort: 8080 } }, 'every version must use the same containerPort (the Service has one targetPort), got 9080 and 8080'],
      ['fails on negative replicas', { stable: { ...V1, replicas: -1 } }, "CanaryService 'reviews': replicas of version v1 must be an integer from 0 to 1000000, got -1"],
      ['fails on a canary receiving traffic with 0 replicas', { canary: { ...V2, replicas: 0 }, canaryWeight: 10 }, "CanaryService 'reviews': canaryWeight is 10 but canary version \"v2\" has 0 replicas; scale the canary up first, or set canaryWeight to 0"],
      ['fails on a stable version receiving traffic with 0 replicas', { stable: { ...V1, replicas: 0 }, canaryWeight: 10 }, "CanaryService 'reviews': the default route sends 90% of its traffic to version \"v1\", which has 0 replicas; scale it up first, or send it no traffic"],
      ['fails on a mirror percent over 100', { mirrorPercent: 101 }, "CanaryService 'reviews': mirrorPercent must be a number from 0 to 100, got 101"],
      ['fails on mirroring to the canary that already gets traffic', { mirrorPercent: 10, canaryWeight: 20 }, "CanaryService 'reviews': mirrorPercent mirrors to canary \"v2\", which already receives 20% of live traffic; set canaryWeight to 0 while mirroring, or remove mirrorPercent"],
      ['fails on mirroring without a canary', { canary: undefined, mirrorPercent: 10 }, 'mirrorPercent is 10 but there is no canary to mirror to'],
      ['fails on mirroring to a canary with 0 replicas', { canary: { ...V2, replicas: 0 }, mirrorPercent: 10 }, 'mirrors to version "v2", which has 0 replicas'],
      ['fails on an empty image', { canary: { ...V2, image: '' } }, 'image of version v2 must be a non-empty string, got ""'],
      ['fails on a malformed gateway', { gateways: ['Istio System/gw'] }, 'gateways[0] must be a gateway name, \'<namespace>/<name>\' or \'mesh\', got "Istio System/gw"'],
      ['fails on a duplicate host', { hosts: ['reviews'] }, 'hosts must be unique, got "reviews" twice'],
      ['fails on an out-of-range outlier percent', { trafficPolicy: { outlierDetection: { maxEjectionPercent: 150 } } }, 'trafficPolicy.outlierDetection.maxEjectionPercent must be an integer from 0 to 100, got 150'],
      ['fails on a zero connection limit', { trafficPolicy: { connectionPool: { maxConnections: 0 } } }, 'trafficPolicy.connectionPool.maxConnections must be an integer from 1 to 2147483647, got 0'],
      ['fails on a zero duration', { trafficPolicy: { connectionPool: { connectTimeout: Duration.millis(0) } } }, 'trafficPolicy.connectionPool.connectTimeout must be at least 1ms, got 0ms'],
      ['fails on a name too long for a Deployment', { serviceName: 'a'.repeat(61) }, `the Deployment name "${'a'.repeat(61)}-v1" must be at most 63 characters`],
    ];
    test.each(bad)('%s', (_, props, message) => {
      expect(() => reviews(props)).toThrow(message);
    });

    test('fails on an id that gives no service name', () => {
      expect(() => new CanaryService(Testing.chart(), '***', { port: 80, stable: V1 })).toThrow(
        "CanaryService '***': serviceName is not set and the id \"***\" does not give a DNS-1035 label (at most 63 characters of a-z, 0-9 and '-', starting with a letter and ending with a letter or digit) (got \"\"); set serviceName",
      );
    });

    test('fails on an id that gives a service name starting with a digit', () => {
      // GIVEN an id without serviceName; WHEN the name is derived from it; THEN it must be a DNS-1035 label too
      expect(() => new CanaryService(Testing.chart(), '2048-Game', { port: 80, stable: V1 })).toThrow(
        "CanaryService '2048-Game': serviceName is not set and the id \"2048-Game\" does not give a DNS-1035 label (at most 63 characters of a-z, 0-9 and '-', starting with a letter and ending with a letter or digit) (got \"2048-game\"); set serviceName",
      );
    });
  });
});

import { Chart, Testing } from 'cdk8s';
import { BlueGreenService, BlueGreenServiceProps, Color, HeaderMatchRoute, MetricCheck, RequestMatch, StringMatch, TrafficProvider, TransitionCheck } from '../../src';
import { find, inventory, synthValid } from '../util';

const V1 = { version: 'v1', image: 'registry.example.com/micro-api:v1', replicas: 3 };
const V2 = { version: 'v2', image: 'registry.example.com/micro-api:v2', replicas: 3 };
const PREVIEW = RequestMatch.header('x-preview', StringMatch.exact('true'));

function api(props: Partial<BlueGreenServiceProps> = {}): { chart: Chart; svc: BlueGreenService } {
  const chart = Testing.chart();
  const svc = new BlueGreenService(chart, 'micro-api', { port: 8080, blue: V1, green: V2, active: Color.BLUE, ...props });
  return { chart, svc };
}

function http(manifests: any[], name = 'micro-api'): any[] {
  return find(manifests, 'VirtualService', name).spec.http;
}

describe('BlueGreenService', () => {
  test('sends all traffic to the active colour, both colours deployed with a subset each', () => {
    // GIVEN / WHEN
    const { chart, svc } = api();
    const manifests = synthValid(chart);
    // THEN
    expect(http(manifests)).toEqual([{ route: [{ destination: { host: 'micro-api', subset: 'v1' } }] }]);
    expect(find(manifests, 'DestinationRule', 'micro-api').spec.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
    ]);
    expect(find(manifests, 'Deployment', 'micro-api-v1').spec.replicas).toBe(3);
    expect(find(manifests, 'Deployment', 'micro-api-v2').spec.replicas).toBe(3);
    expect(find(manifests, 'Service', 'micro-api').spec.selector).toEqual({ app: 'micro-api' });
    expect(svc.activeVersion).toBe('v1');
    expect(svc.idleVersion).toBe('v2');
  });

  test('switch: flipping active moves 100% to green and changes nothing else', () => {
    const before = synthValid(api().chart);
    const after = synthValid(api({ active: Color.GREEN }).chart);
    expect(http(after)).toEqual([{ route: [{ destination: { host: 'micro-api', subset: 'v2' } }] }]);
    const others = (ms: any[]) => ms.filter(m => m.kind !== 'VirtualService');
    expect(others(after)).toEqual(others(before));
  });

  test('rollback: flipping back restores the exact previous output', () => {
    const original = synthValid(api().chart);
    synthValid(api({ active: Color.GREEN }).chart);
    expect(synthValid(api({ active: Color.BLUE }).chart)).toEqual(original);
  });

  test('preview: the idle colour answers requests with the preview header', () => {
    const { chart } = api({ previewMatch: PREVIEW });
    expect(http(synthValid(chart))).toEqual([
      { name: 'preview', match: [{ headers: { 'x-preview': { exact: 'true' } } }], route: [{ destination: { host: 'micro-api', subset: 'v2' } }] },
      { route: [{ destination: { host: 'micro-api', subset: 'v1' } }] },
    ]);
  });

  test('preview follows the idle colour after a switch', () => {
    const { chart } = api({ previewMatch: PREVIEW, active: Color.GREEN });
    const rules = http(synthValid(chart));
    expect(rules[0].route).toEqual([{ destination: { host: 'micro-api', subset: 'v1' } }]);
    expect(rules[1].route).toEqual([{ destination: { host: 'micro-api', subset: 'v2' } }]);
  });

  test('preview host: a separate VirtualService at the gateway routes to the idle colour', () => {
    const { chart, svc } = api({ gateways: ['istio-system/public'], hosts: ['api.example.com'], previewHost: 'preview.api.example.com' });
    const manifests = synthValid(chart);
    expect(find(manifests, 'VirtualService', 'micro-api-preview').spec).toEqual({
      hosts: ['preview.api.example.com'],
      gateways: ['istio-system/public'],
      http: [{ name: 'preview', route: [{ destination: { host: 'micro-api', subset: 'v2' } }] }],
    });
    expect(find(manifests, 'VirtualService', 'micro-api').spec.hosts).toEqual(['micro-api', 'api.example.com']);
    expect(svc.previewVirtualService).toBeDefined();
    const order = inventory(manifests);
    expect(order.indexOf('DestinationRule/micro-api')).toBeLessThan(order.indexOf('VirtualService/micro-api-preview'));
  });

  test('mirror: copies a share of live traffic to the idle colour', () => {
    const { chart } = api({ mirrorPercent: 10 });
    expect(http(synthValid(chart))).toEqual([{
      route: [{ destination: { host: 'micro-api', subset: 'v1' } }],
      mirror: { host: 'micro-api', subset: 'v2' },
      mirrorPercentage: { value: 10 },
    }]);
  });

  test('idle scale-down: the idle colour keeps its Deployment and subset at 0 replicas', () => {
    const { chart } = api({ active: Color.GREEN, blue: { ...V1, replicas: 0 } });
    const manifests = synthValid(chart);
    expect(find(manifests, 'Deployment', 'micro-api-v1').spec.replicas).toBe(0);
    expect(http(manifests)).toEqual([{ route: [{ destination: { host: 'micro-api', subset: 'v2' } }] }]);
  });

  test('HeaderMatchRoutes on another header render after the preview route', () => {
    const { chart, svc } = api({ previewMatch: PREVIEW });
    new HeaderMatchRoute(chart, 'qa', { target: svc, matches: [RequestMatch.header('x-qa', StringMatch.exact('1'))], version: 'v2' });
    expect(http(synthValid(chart)).map(r => r.name)).toEqual(['preview', 'qa', undefined]);
  });

  test('annotates Argo CD sync waves for make-before-break apply', () => {
    const { chart } = api({ argoCdSyncWaves: true, gateways: ['public'], previewHost: 'preview.example.com' });
    const manifests = synthValid(chart);
    const annotations = (kind: string, name: string) => find(manifests, kind, name).metadata.annotations;
    const wave = 'argocd.argoproj.io/sync-wave';
    const opts = 'argocd.argoproj.io/sync-options';
    expect(annotations('Deployment', 'micro-api-v1')).toEqual({ [wave]: '0', [opts]: 'PruneLast=true' });
    expect(annotations('Service', 'micro-api')).toEqual({ [wave]: '0' });
    expect(annotations('DestinationRule', 'micro-api')).toEqual({ [wave]: '1', [opts]: 'PruneLast=true' });
    expect(annotations('VirtualService', 'micro-api')).toEqual({ [wave]: '2' });
  });

  test('matches the snapshot', () => {
    const { chart } = api({ previewMatch: PREVIEW, mirrorPercent: 5 });
    expect(synthValid(chart)).toMatchSnapshot();
  });

  describe('one colour first, the other added later', () => {
    test('starts with the active colour alone: one Deployment, one subset, all traffic to it', () => {
      // GIVEN a first release, blue only
      const { chart, svc } = api({ green: undefined });
      // WHEN synthesized
      const manifests = synthValid(chart);
      // THEN only blue runs and serves
      expect(inventory(manifests)).toEqual(['Deployment/micro-api-v1', 'Service/micro-api', 'DestinationRule/micro-api', 'VirtualService/micro-api']);
      expect(find(manifests, 'DestinationRule', 'micro-api').spec.subsets).toEqual([{ name: 'v1', labels: { version: 'v1' } }]);
      expect(http(manifests)).toEqual([{ route: [{ destination: { host: 'micro-api', subset: 'v1' } }] }]);
      expect([svc.activeVersion, svc.idleVersion, svc.versions]).toEqual(['v1', undefined, ['v1']]);
      expect(svc.blueDeployment).toBeDefined();
      expect(svc.greenDeployment).toBeUndefined();
    });

    test('green alone, active green', () => {
      const { chart, svc } = api({ blue: undefined, active: Color.GREEN });
      expect(http(synthValid(chart))).toEqual([{ route: [{ destination: { host: 'micro-api', subset: 'v2' } }] }]);
      expect([svc.activeVersion, svc.idleVersion, svc.blueDeployment]).toEqual(['v2', undefined, undefined]);
    });

    test('adding the idle colour later changes no route, and the transition check passes', () => {
      // GIVEN the one-colour stage and the next commit adding green, idle
      const first = synthValid(api({ green: undefined }).chart);
      const second = synthValid(api().chart);
      // THEN the routes are unchanged, green's Deployment and subset are new
      expect(http(second)).toEqual(http(first));
      expect(inventory(second)).toEqual(['Deployment/micro-api-v1', 'Deployment/micro-api-v2', 'Service/micro-api', 'DestinationRule/micro-api', 'VirtualService/micro-api']);
      // and the pull-request gate finds nothing unsafe in either step
      expect(TransitionCheck.check([], first).findings).toEqual([]);
      expect(TransitionCheck.check(first, second).findings).toEqual([]);
    });

    test('with the Gateway API provider: one version Service and the route to it', () => {
      const { chart } = api({ green: undefined, provider: TrafficProvider.gatewayApi() });
      const manifests = synthValid(chart);
      expect(inventory(manifests)).toEqual(['Deployment/micro-api-v1', 'Service/micro-api', 'Service/micro-api-v1', 'HTTPRoute/micro-api']);
      expect(find(manifests, 'HTTPRoute', 'micro-api').spec.rules).toEqual([{ backendRefs: [{ name: 'micro-api-v1', port: 8080 }] }]);
    });
  });

  describe('rejects bad input', () => {
    const bad: Array<[string, Partial<BlueGreenServiceProps>, string]> = [
      ['fails on the same version in both colours', { green: { ...V2, version: 'v1' } },
        "BlueGreenService 'micro-api': blue and green must run different versions, got \"v1\" for both; give the new release its own version"],
      ['fails on an unknown active value', { active: 'purple' as Color }, "BlueGreenService 'micro-api': active must be Color.BLUE or Color.GREEN, got \"purple\""],
      ['fails on a switch to a colour with 0 replicas', { active: Color.GREEN, green: { ...V2, replicas: 0 } },
        "BlueGreenService 'micro-api': active is green but green version \"v2\" has 0 replicas; scale green up before switching to it"],
      ['fails on a preview of a colour with 0 replicas', { green: { ...V2, replicas: 0 }, previewMatch: PREVIEW },
        "BlueGreenService 'micro-api': previewMatch routes to the idle green version \"v2\", which has 0 replicas; scale green up, or remove previewMatch"],
      ['fails on a preview host of a colour with 0 replicas', { green: { ...V2, replicas: 0 }, gateways: ['public'], previewHost: 'p.example.com' },
        'previewHost routes to the idle green version "v2", which has 0 replicas'],
      ['fails on mirroring to a colour with 0 replicas', { green: { ...V2, replicas: 0 }, mirrorPercent: 10 },
        "BlueGreenService 'micro-api': mirrorPercent mirrors to the idle green version \"v2\", which has 0 replicas; scale green up, or remove mirrorPercent"],
      ['fails on a mirror percent out of range', { mirrorPercent: -5 }, "BlueGreenService 'micro-api': mirrorPercent must be a number from 0 to 100, got -5"],
      ['fails on a preview host without gateways', { previewHost: 'p.example.com' },
        "BlueGreenService 'micro-api': previewHost \"p.example.com\" is served at the service's gateways, but it is bound to none; set gateways"],
      ['fails on a preview host equal to a service host', { gateways: ['public'], hosts: ['api.example.com'], previewHost: 'api.example.com' },
        'previewHost must differ from the service\'s hosts (micro-api, api.example.com), got "api.example.com"'],
      ['fails on a preview match that is not a RequestMatch', { previewMatch: {} as RequestMatch }, 'previewMatch must be a RequestMatch, got {}'],
      ['fails on a colour that is not a VersionSpec', { green: null as any }, "BlueGreenService 'micro-api': green must be a VersionSpec, got null"],
      ['fails on no colour at all', { blue: undefined, green: undefined },
        "BlueGreenService 'micro-api': blue and green are both unset; set the colour that serves traffic (e.g. blue) and make it active"],
      ['fails on an active colour that is not set', { green: undefined, active: Color.GREEN },
        "BlueGreenService 'micro-api': active is green but green is not set; set green, or make blue active"],
      ['fails on a preview match without the idle colour', { green: undefined, previewMatch: PREVIEW },
        "BlueGreenService 'micro-api': previewMatch reaches the idle colour green, which is not set; set green, or remove previewMatch"],
      ['fails on a preview host without the idle colour', { green: undefined, gateways: ['public'], previewHost: 'p.example.com' },
        "BlueGreenService 'micro-api': previewHost reaches the idle colour green, which is not set; set green, or remove previewHost"],
      ['fails on mirroring without the idle colour', { blue: undefined, active: Color.GREEN, mirrorPercent: 10 },
        "BlueGreenService 'micro-api': mirrorPercent reaches the idle colour blue, which is not set; set blue, or remove mirrorPercent"],
      ['fails on analysis without the idle colour', { green: undefined, analysis: { stateFile: 'state.json', checks: [MetricCheck.successRate({ min: 99 })] } },
        "BlueGreenService 'micro-api': analysis checks the idle colour on its preview or mirrored traffic, but there is none; set previewMatch, previewHost or mirrorPercent"],
      ['fails on analysis with a mirror but without the idle colour', { green: undefined, mirrorPercent: 10, analysis: { stateFile: 'state.json', checks: [MetricCheck.successRate({ min: 99 })] } },
        "BlueGreenService 'micro-api': mirrorPercent reaches the idle colour green, which is not set; set green, or remove mirrorPercent"],
    ];
    test.each(bad)('%s', (_, props, message) => {
      expect(() => api(props)).toThrow(message);
    });

    test('fails on a HeaderMatchRoute that collides with the preview header', () => {
      const { chart, svc } = api({ previewMatch: PREVIEW });
      expect(() => new HeaderMatchRoute(chart, 'beta', { target: svc, matches: [RequestMatch.header('X-Preview', StringMatch.exact('beta'))], version: 'v2' })).toThrow(
        "HeaderMatchRoute 'beta': it matches header \"x-preview\", which the preview route of BlueGreenService 'micro-api' uses",
      );
    });
  });
});

import * as path from 'path';
import { ApiObject, App, Chart, Include, Testing, Yaml } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import * as kplus33 from 'cdk8s-plus-33';
import { BlueGreenService, CanaryService, CanaryServiceProps, Color, PodTemplate, TrafficProvider } from '../../src';
import { find, synthValid } from '../util';

const FIXTURE = path.join(__dirname, 'fixtures', 'helm-reviews-deployment.yaml');
const HELM_DEPLOYMENT = Yaml.load(FIXTURE).find((o: any) => o.kind === 'Deployment');
const V2_IMAGE = 'registry.example.com/bookinfo/reviews:1.21.0';

/** The chart's Deployment, loaded with cdk8s Include in an app that is not synthesized. */
function included(): ApiObject {
  const helm = new Chart(new App(), 'helm');
  new Include(helm, 'reviews', { url: FIXTURE });
  return helm.node.findAll().filter(ApiObject.isApiObject).find(o => o.kind === 'Deployment')!;
}

function sortedKeys(v: any): any {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map(k => [k, sortedKeys(v[k])]));
}

const PROVIDERS: Array<[string, () => TrafficProvider]> = [
  ['istio', () => TrafficProvider.istio()],
  ['gateway-api', () => TrafficProvider.gatewayApi()],
  ['ingress-nginx', () => TrafficProvider.ingressNginx()],
  ['kubernetes', () => TrafficProvider.kubernetes()],
];

function reviews(props: Partial<CanaryServiceProps>, namespace?: string): { chart: Chart; svc: CanaryService } {
  const chart = new Chart(Testing.app(), 'test', { namespace });
  const template = PodTemplate.fromApiObject(included());
  const svc = new CanaryService(chart, 'reviews', {
    port: 9080,
    stable: { version: 'v1', podTemplate: template },
    canary: { version: 'v2', podTemplate: template, image: V2_IMAGE, replicas: 4 },
    ...props,
  });
  return { chart, svc };
}

describe('VersionSpec.podTemplate', () => {
  describe.each(PROVIDERS)('with the %s provider', (_name, provider) => {
    test.each([0, 50, 100])('a Helm chart\'s Deployment keeps every field through a release v1 -> v2, at weight %d', weight => {
      // GIVEN the chart's Deployment (volumes, sidecar, init container, service account, tolerations, topology spread), included from YAML
      const hosts = _name === 'ingress-nginx' ? ['reviews.example.com'] : undefined;
      // WHEN both versions are built from it, v2 with a new image, at this stage of the release
      const { chart } = reviews({ canaryWeight: weight, provider: provider(), hosts }, 'bookinfo');
      const manifests = synthValid(chart);
      // THEN each version's pod template is the chart's, field for field, with only app/version labels added and v2's image
      for (const [version, image] of [['v1', HELM_DEPLOYMENT.spec.template.spec.containers[0].image], ['v2', V2_IMAGE]]) {
        const d = find(manifests, 'Deployment', `reviews-${version}`);
        const expectedPodSpec = JSON.parse(JSON.stringify(HELM_DEPLOYMENT.spec.template.spec));
        expectedPodSpec.containers[0].image = image;
        expect(d.spec.template.spec).toStrictEqual(expectedPodSpec);
        // THEN byte for byte, in cdk8s' key order (every object it synthesizes has sorted keys)
        expect(JSON.stringify(sortedKeys(d.spec.template.spec))).toBe(JSON.stringify(sortedKeys(expectedPodSpec)));
        expect(d.spec.template.metadata).toStrictEqual({
          labels: { ...HELM_DEPLOYMENT.spec.template.metadata.labels, app: 'reviews', version },
          annotations: HELM_DEPLOYMENT.spec.template.metadata.annotations,
        });
        // THEN the Deployment's own fields are kept, and only the owned ones are set
        const { template: _t, selector: _s, replicas: _r, ...rest } = d.spec;
        const { template: _t2, selector: _s2, replicas: _r2, ...helmRest } = HELM_DEPLOYMENT.spec;
        expect(rest).toStrictEqual(helmRest);
        expect(d.spec.selector).toEqual({ matchLabels: { app: 'reviews', version } });
        expect(d.spec.replicas).toBe(4);
        expect(d.metadata.name).toBe(`reviews-${version}`);
        expect(d.metadata.namespace).toBe('bookinfo');
        expect(d.metadata.labels).toEqual({ ...HELM_DEPLOYMENT.metadata.labels, app: 'reviews', version });
        expect(d.metadata.annotations['meta.helm.sh/release-name']).toBe('prod');
      }
    });
  });

  test('the Deployment says which fields the library changed', () => {
    // GIVEN the chart's Deployment as v2, with a new image, in a chart without a namespace
    const { chart, svc } = reviews({ canaryWeight: 10 });
    // WHEN synthesized
    const manifests = synthValid(chart);
    // THEN the annotation lists each change, before and after
    expect(find(manifests, 'Deployment', 'reviews-v2').metadata.annotations['cdk8s-canary.io/pod-template-changes'].split('; ')).toEqual([
      'metadata.name: "prod-reviews" -> "reviews-v2"',
      'metadata.namespace: "bookinfo" -> (none)',
      'spec.selector: {"matchLabels":{"app.kubernetes.io/instance":"prod","app.kubernetes.io/name":"reviews"}} -> {"matchLabels":{"app":"reviews","version":"v2"}}',
      'spec.template.metadata.labels.app: (none) -> "reviews"',
      'spec.template.metadata.labels.version: (none) -> "v2"',
      'spec.template.spec.containers[0].image: "registry.example.com/bookinfo/reviews:1.20.2" -> "registry.example.com/bookinfo/reviews:1.21.0"',
    ]);
    // THEN the construct tree carries the same report
    expect(svc.deploymentOf('v2').node.metadata.map(m => m.data).join('\n')).toContain('version v2\'s Deployment changes Deployment "prod-reviews": metadata.name');
  });

  test('replicas default to the Deployment\'s', () => {
    // GIVEN v1 from the chart's Deployment (replicas: 4) without replicas of its own
    const { chart, svc } = reviews({ canaryWeight: 0 });
    // THEN the Deployment and the routing model have 4
    expect(find(synthValid(chart), 'Deployment', 'reviews-v1').spec.replicas).toBe(4);
    expect(svc.routing.versions.find(v => v.version === 'v1')!.replicas).toBe(4);
  });

  test('a cdk8s-plus-33 Deployment\'s template works the same way', () => {
    // GIVEN a Deployment synthesized by cdk8s-plus-33 in its own app, with a volume and a sidecar
    const other = new Chart(new App(), 'plus33');
    const dep = new kplus33.Deployment(other, 'web', { replicas: 2 });
    const scratch = kplus33.Volume.fromEmptyDir(other, 'scratch', 'scratch');
    dep.addContainer({ name: 'web', image: 'web:1', portNumber: 8080, volumeMounts: [{ path: '/scratch', volume: scratch }] });
    dep.addContainer({ name: 'proxy', image: 'envoyproxy/envoy:v1.31.0', portNumber: 9901 });
    const source = ApiObject.of(dep).toJson();
    // WHEN it is the pod template of both versions of a CanaryService
    const chart = Testing.chart();
    new CanaryService(chart, 'web', {
      port: 8080,
      stable: { version: 'v1', podTemplate: PodTemplate.fromApiObject(ApiObject.of(dep)) },
      canary: { version: 'v2', podTemplate: PodTemplate.fromApiObject(ApiObject.of(dep), { container: 'web' }), image: 'web:2' },
      canaryWeight: 20,
    });
    const manifests = synthValid(chart);
    // THEN its pod spec is kept, v2's image aside, and its replicas too
    const v2 = find(manifests, 'Deployment', 'web-v2');
    expect(v2.spec.template.spec).toStrictEqual({ ...source.spec.template.spec, containers: source.spec.template.spec.containers.map((c: any) => c.name === 'web' ? { ...c, image: 'web:2' } : c) });
    expect(find(manifests, 'Deployment', 'web-v1').spec.template.spec).toStrictEqual(source.spec.template.spec);
    expect(v2.spec.replicas).toBe(2);
  });

  test('a plain pod template object and a PodTemplate object work too', () => {
    // GIVEN the chart's pod template as a bare object and as a v1 PodTemplate
    const template = HELM_DEPLOYMENT.spec.template;
    const chart = Testing.chart();
    new BlueGreenService(chart, 'reviews', {
      port: 9080,
      blue: { version: 'v1', podTemplate: PodTemplate.fromObject(template) },
      green: { version: 'v2', podTemplate: PodTemplate.fromObject({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'x' }, template }), image: V2_IMAGE },
      active: Color.BLUE,
    });
    // WHEN synthesized
    const manifests = synthValid(chart);
    // THEN both keep the pod spec, with 1 replica
    expect(find(manifests, 'Deployment', 'reviews-v1').spec.template.spec).toStrictEqual(template.spec);
    expect(find(manifests, 'Deployment', 'reviews-v2').spec.template.spec.containers[1]).toStrictEqual(template.spec.containers[1]);
    expect(find(manifests, 'Deployment', 'reviews-v2').spec.replicas).toBe(1);
    // THEN the caller's object is not changed
    expect(template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'reviews', 'app.kubernetes.io/instance': 'prod' });
  });

  test('fails at synth when containers are added to the cdk8s-plus Deployment of a template version', () => {
    // GIVEN v1 built from a pod template, and a sidecar added the cdk8s-plus way
    const { chart, svc } = reviews({ canaryWeight: 0 });
    svc.deploymentOf('v1').addContainer({ name: 'extra', image: 'extra:1' });
    // THEN synth says it would be lost
    expect(() => Testing.synth(chart)).toThrow(
      'CanaryService \'reviews\': version v1\'s Deployment comes from its podTemplate, so containers added to the cdk8s-plus Deployment are not rendered; add them to the pod template');
  });

  describe('fails', () => {
    const build = (stable: any) => () => new CanaryService(Testing.chart(), 'reviews', { port: 9080, stable });

    test('fails when podTemplate is not a PodTemplate', () => {
      expect(build({ version: 'v1', podTemplate: HELM_DEPLOYMENT })).toThrow(
        'CanaryService \'reviews\': podTemplate of version v1 must be a PodTemplate (PodTemplate.fromApiObject or PodTemplate.fromObject), got {');
    });

    test('fails when container settings are set besides podTemplate', () => {
      expect(build({ version: 'v1', podTemplate: PodTemplate.fromObject(HELM_DEPLOYMENT), command: ['x'], envVariables: {} })).toThrow(
        'CanaryService \'reviews\': version v1 sets podTemplate and envVariables, command, which the pod template replaces; set them in the template, or remove podTemplate');
    });

    test('fails when the object is of another kind', () => {
      expect(build({ version: 'v1', podTemplate: PodTemplate.fromObject({ apiVersion: 'v1', kind: 'Service', spec: {} }) })).toThrow(
        'CanaryService \'reviews\': podTemplate of version v1 must be a Deployment (apps/v1), a PodTemplate (v1) or a pod template, got kind "Service"');
    });

    test('fails when a Deployment is not apps/v1', () => {
      expect(build({ version: 'v1', podTemplate: PodTemplate.fromObject({ ...HELM_DEPLOYMENT, apiVersion: 'extensions/v1beta1' }) })).toThrow(
        'CanaryService \'reviews\': podTemplate of version v1 is a Deployment of apiVersion "extensions/v1beta1"; only apps/v1 is supported');
    });

    test('fails when the pod spec has no container', () => {
      const t = { metadata: {}, spec: { containers: [] } };
      expect(build({ version: 'v1', podTemplate: PodTemplate.fromObject(t), image: 'x:1' })).toThrow(
        'CanaryService \'reviews\': podTemplate of version v1: the pod spec of the pod template must have at least one container, got []');
    });

    test('fails when there is no pod spec', () => {
      expect(build({ version: 'v1', podTemplate: PodTemplate.fromObject({ metadata: {} }) })).toThrow(
        'CanaryService \'reviews\': podTemplate of version v1: the pod template has no pod spec (template.spec), got undefined');
    });

    test('fails when a Deployment has no template', () => {
      expect(build({ version: 'v1', podTemplate: PodTemplate.fromObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' }, spec: { replicas: 1 } }) })).toThrow(
        'CanaryService \'reviews\': podTemplate of version v1: Deployment "a" has no pod template (spec.template), got undefined');
    });

    test('fails when a container has no name', () => {
      expect(build({ version: 'v1', podTemplate: PodTemplate.fromObject({ spec: { containers: [{ image: 'x' }] } }) })).toThrow(
        'CanaryService \'reviews\': podTemplate of version v1: containers[0] of the pod template must be an object with a name, got {"image":"x"}');
    });

    test('fails when pod labels are not strings', () => {
      expect(build({ version: 'v1', podTemplate: PodTemplate.fromObject({ metadata: { labels: { tier: 1 } }, spec: { containers: [{ name: 'a' }] } }) })).toThrow(
        'CanaryService \'reviews\': podTemplate of version v1: the pod labels of the pod template must map names to strings, got {"tier":1}');
    });

    test('fails when the image has no container to go to', () => {
      // GIVEN two containers, neither named like the service, and no container option
      const t = { spec: { containers: [{ name: 'app', image: 'a:1' }, { name: 'proxy', image: 'p:1' }] } };
      expect(build({ version: 'v1', podTemplate: PodTemplate.fromObject(t), image: 'a:2' })).toThrow(
        'CanaryService \'reviews\': podTemplate of version v1: image is set but the pod template has no container "reviews" to set it on (containers: app, proxy); name the application\'s container with PodTemplateOptions.container');
    });

    test('fails when the named container does not exist', () => {
      const t = { spec: { containers: [{ name: 'app', image: 'a:1' }] } };
      expect(build({ version: 'v1', podTemplate: PodTemplate.fromObject(t, { container: 'web' }) })).toThrow(
        'CanaryService \'reviews\': podTemplate of version v1: container is "web" but the pod template has no such container (containers: app)');
    });

    test('fails without image nor podTemplate', () => {
      expect(build({ version: 'v1' })).toThrow('CanaryService \'reviews\': image of version v1');
    });

    test('fails when the template declares ports but not the Service\'s', () => {
      // GIVEN the chart's Deployment (reviews listens on 9080) behind a Service on 8080 with no containerPort
      const v1 = { version: 'v1', podTemplate: PodTemplate.fromObject(HELM_DEPLOYMENT) };
      expect(() => new CanaryService(Testing.chart(), 'reviews', { port: 8080, stable: v1 })).toThrow(
        'CanaryService \'reviews\': podTemplate of version v1: the Service sends traffic to port 8080, which no container of Deployment "prod-reviews" declares (reviews: 9080); '
        + 'set containerPort to the port the application listens on');
      // THEN containerPort fixes it
      expect(() => new CanaryService(Testing.chart(), 'reviews', { port: 8080, stable: { ...v1, containerPort: 9080 } })).not.toThrow();
    });

    test('fails when the Deployment\'s replicas are invalid', () => {
      expect(build({ version: 'v1', podTemplate: PodTemplate.fromObject({ ...HELM_DEPLOYMENT, spec: { ...HELM_DEPLOYMENT.spec, replicas: -1 } }) })).toThrow(
        'CanaryService \'reviews\': replicas of the podTemplate of version v1 must be an integer from 0 to 1000000, got -1');
    });

    test('fails when the ApiObject belongs to the app being synthesized', () => {
      // GIVEN the chart's Deployment included in the same chart as the service
      const chart = Testing.chart();
      new Include(chart, 'helm', { url: FIXTURE });
      const dep = chart.node.findAll().filter(ApiObject.isApiObject).find(o => o.kind === 'Deployment')!;
      // THEN it would be applied twice and its pods would join the service's
      expect(() => new CanaryService(chart, 'reviews', { port: 9080, stable: { version: 'v1', podTemplate: PodTemplate.fromApiObject(dep) } })).toThrow(
        'CanaryService \'reviews\': podTemplate of version v1 comes from Deployment "test/helm/prod-reviews-deployment-bookinfo", which is part of the app being synthesized: it would be applied besides the version\'s Deployment and its pods would join the service\'s; load it in an App you do not synthesize, or with Yaml.load and PodTemplate.fromObject');
    });

    test('fails when a kplus-27 Deployment is passed where a PodTemplate is expected', () => {
      const dep = new kplus27.Deployment(Testing.chart(), 'd', { containers: [{ image: 'x' }] });
      expect(build({ version: 'v1', podTemplate: dep })).toThrow('CanaryService \'reviews\': podTemplate of version v1 must be a PodTemplate');
    });
  });
});

// The four ways the benchmark builds the same N services. Each `load()` requires what its
// way needs (timed apart as module load) and returns `build(n)`, which constructs the
// objects and synthesizes them to one multi-document YAML string (the timed part).
//
// cdk8s-canary is loaded from the compiled lib/ (what `require('cdk8s-canary')` gives
// users: package.json "main": "lib/index.js"), not from src/ through ts-node.
// BENCH_LIB=<dir> points it at another build (run.js --lib), e.g. an older commit or a
// patched copy, to compare.
'use strict';
const path = require('path');
const m = require('./manifests');

const LIB = path.resolve(process.env.BENCH_LIB || path.join(__dirname, '..', 'lib'));

/**
 * Ours: one CanaryService and one HeaderMatchRoute per service. `gatewayApi`: the same
 * services with `provider: TrafficProvider.gatewayApi()` (bench/providers.js, issue #10).
 */
function ours(analyze = true, gatewayApi = false) {
  const { App, Chart } = require('cdk8s');
  const { CanaryService, HeaderMatchRoute, RequestMatch, RoutingAnalyzer, StringMatch, TrafficProvider } = require(LIB);
  const provider = gatewayApi ? TrafficProvider.gatewayApi() : undefined;
  return n => {
    const app = new App();
    // With analyze false: RoutingAnalyzer's synth-time analysis turned off (RoutingAnalyzer.CONTEXT_KEY).
    if (!analyze) app.node.setContext(RoutingAnalyzer.CONTEXT_KEY, false);
    const chart = new Chart(app, m.CHART_ID);
    for (let i = 0; i < n; i++) {
      const svc = new CanaryService(chart, m.serviceName(i), {
        port: m.PORT,
        stable: { version: m.STABLE, image: m.image(i, m.STABLE) },
        canary: { version: m.CANARY, image: m.image(i, m.CANARY) },
        canaryWeight: m.CANARY_WEIGHT,
        provider,
      });
      new HeaderMatchRoute(chart, `${m.serviceName(i)}-beta`, {
        target: svc,
        matches: [RequestMatch.header(m.HEADER, StringMatch.exact(m.HEADER_VALUE))],
        version: m.CANARY,
      });
    }
    return app.synthYaml();
  };
}

/**
 * (a) Floor: the same objects as plain JSON, serialized exactly as cdk8s' Yaml.stringify
 * does (node_modules/cdk8s/lib/yaml.js: one YAML.stringify per document with
 * { keepUndefined: true, lineWidth: 0, version: '1.1' }, joined with '---\n').
 * Uses the project's `yaml` devDependency; cdk8s bundles its own copy (versions in the results).
 */
function floor() {
  // BENCH_FLOOR_YAML=cdk8s: use the copy bundled in cdk8s instead (to compare versions).
  const YAML = process.env.BENCH_FLOOR_YAML === 'cdk8s'
    ? require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s/package.json'))] }))
    : require('yaml');
  const options = { keepUndefined: true, lineWidth: 0, version: '1.1' };
  return n => {
    const docs = [];
    for (let i = 0; i < n; i++) docs.push(...m.manifestsFor(i));
    return docs.map(d => (d === undefined ? '\n' : YAML.stringify(d, options))).join('---\n');
  };
}

/** (b) Raw cdk8s: one ApiObject per manifest, literal specs, same construct paths. */
function raw() {
  const { ApiObject, App, Chart } = require('cdk8s');
  const { Construct } = require('constructs');
  const IDS = [`Deployment-${m.STABLE}`, `Deployment-${m.CANARY}`, 'Service', 'DestinationRule', 'VirtualService'];
  return n => {
    const app = new App();
    const chart = new Chart(app, m.CHART_ID);
    for (let i = 0; i < n; i++) {
      const scope = new Construct(chart, m.serviceName(i));
      m.manifestsFor(i).forEach((manifest, k) => new ApiObject(scope, IDS[k], manifest));
    }
    return app.synthYaml();
  };
}

/**
 * (c) By hand without cdk8s-canary: cdk8s-plus-27 Deployments and Service as a user would
 * write them to get the same labels and selectors, and ApiObjects with literal Istio specs.
 */
function handwritten() {
  const { ApiObject, App, Chart, JsonPatch } = require('cdk8s');
  const kplus = require('cdk8s-plus-27');
  const { Construct } = require('constructs');
  return n => {
    const app = new App();
    const chart = new Chart(app, m.CHART_ID);
    for (let i = 0; i < n; i++) {
      const name = m.serviceName(i);
      const scope = new Construct(chart, name);
      for (const version of [m.STABLE, m.CANARY]) {
        const labels = { 'app': name, 'version': version, 'app.kubernetes.io/name': name, 'app.kubernetes.io/version': version };
        const deployment = new kplus.Deployment(scope, `Deployment-${version}`, {
          metadata: { name: `${name}-${version}`, labels },
          podMetadata: { labels },
          replicas: 1,
          select: false,
          containers: [{ name, image: m.image(i, version), portNumber: m.PORT }],
        });
        deployment.select(kplus.LabelSelector.of({ labels: { app: name, version } }));
      }
      const service = new kplus.Service(scope, 'Service', {
        metadata: { name, labels: { app: name, service: name } },
        ports: [{ name: 'http', port: m.PORT, targetPort: m.PORT }],
      });
      service.selectLabel('app', name);
      ApiObject.of(service).addJsonPatch(JsonPatch.remove('/spec/externalIPs')); // as a reviewer would: no empty list
      new ApiObject(scope, 'DestinationRule', m.destinationRule(i));
      new ApiObject(scope, 'VirtualService', m.virtualService(i));
    }
    return app.synthYaml();
  };
}

module.exports = {
  ours: { label: 'ours (CanaryService + HeaderMatchRoute)', load: () => ours(true) },
  oursLean: { label: 'ours with the synth-time RoutingAnalyzer turned off', load: () => ours(false) },
  oursGatewayApi: { label: 'ours with TrafficProvider.gatewayApi() (bench/providers.js only)', load: () => ours(true, true) },
  floor: { label: '(a) plain JSON -> yaml', load: floor },
  raw: { label: '(b) raw cdk8s ApiObjects', load: raw },
  handwritten: { label: '(c) cdk8s-plus-27 + ApiObjects by hand', load: handwritten },
};

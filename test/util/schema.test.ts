// Tests of the validator every other test relies on (test/util/schema.ts): it must accept valid
// objects, and reject what the API server rejects, with the rule's message and the field's path.
import * as fs from 'fs';
import * as path from 'path';
import { compileRule, celFieldName, isTransitionRule, parseRequestUri, toCel } from './cel';
import { selects } from './k8s-go';
import { crdSchemas, k8sSpec, KUBERNETES_VERSIONS, manifestErrors, validateManifests } from './schema';
import { checkKeywords, skippedTransitionRules } from '../../src/validation/structural';

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o));

/** Every `x-kubernetes-validations` rule of a schema, with its path. */
function rulesOf(schema: any, at = ''): Array<{ at: string; rule: string }> {
  if (!schema || typeof schema !== 'object') return [];
  const out = (schema['x-kubernetes-validations'] ?? []).map((r: any) => ({ at, rule: r.rule }));
  for (const [k, v] of Object.entries(schema.properties ?? {})) out.push(...rulesOf(v, `${at}.${k}`));
  if (typeof schema.additionalProperties === 'object') out.push(...rulesOf(schema.additionalProperties, `${at}{}`));
  if (schema.items) out.push(...rulesOf(schema.items, `${at}[]`));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Valid objects of every vendored kind
// ---------------------------------------------------------------------------------------------

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'reviews-v1', namespace: 'shop', labels: { 'app': 'reviews', 'app.kubernetes.io/version': 'v1' }, annotations: { 'example.com/owner': 'team a' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'reviews', version: 'v1' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
    template: {
      metadata: { labels: { app: 'reviews', version: 'v1' } },
      spec: {
        containers: [{
          name: 'main',
          image: 'example/reviews:1',
          ports: [{ containerPort: 9080, name: 'http' }],
          resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: 0.25 } },
          readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 5 },
          livenessProbe: { tcpSocket: { port: 9080 } },
        }],
      },
    },
  },
};

const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'reviews', labels: { app: 'reviews' } },
  spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 80, targetPort: 9080 }, { name: 'grpc', port: 81, targetPort: 'grpc', protocol: 'TCP' }] },
};

const ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'reviews' },
  spec: {
    ingressClassName: 'nginx',
    rules: [{ host: 'reviews.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'reviews', port: { number: 80 } } } }] } }],
  },
};

const virtualService = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews' },
  spec: {
    hosts: ['reviews'],
    http: [
      { match: [{ headers: { 'x-beta': { exact: 'true' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }], timeout: '2s' },
      { route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 90 }, { destination: { host: 'reviews', subset: 'v2' }, weight: 10 }], mirror: { host: 'reviews', subset: 'v3' }, mirrorPercentage: { value: 5 } },
    ],
  },
};

const destinationRule = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'reviews' },
  spec: {
    host: 'reviews',
    trafficPolicy: { connectionPool: { http: { idleTimeout: '30s' }, tcp: { connectTimeout: '1ms' } }, outlierDetection: { consecutive5xxErrors: 5, interval: '10s' } },
    subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { connectionPool: { http: { idleTimeout: '1m' } } } }],
  },
};

const httpRoute = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'reviews' },
  spec: {
    parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 80 }, { name: 'public', namespace: 'gateways', sectionName: 'https' }],
    hostnames: ['reviews.example.com'],
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/beta' }, headers: [{ name: 'x-beta', value: 'true' }] }, { headers: [{ type: 'RegularExpression', name: 'cookie', value: '.*beta=1.*' }] }],
        filters: [
          { type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['x-internal'] } },
          { type: 'RequestMirror', requestMirror: { backendRef: { name: 'reviews-v3', port: 80 }, percent: 5 } },
        ],
        backendRefs: [{ name: 'reviews-v2', port: 80 }],
        timeouts: { request: '10s', backendRequest: '2s' },
      },
      { backendRefs: [{ name: 'reviews-v1', port: 80, weight: 90 }, { name: 'reviews-v2', port: 80, weight: 10 }] },
    ],
  },
};

const grpcRoute = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'GRPCRoute',
  metadata: { name: 'reviews' },
  spec: {
    parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }],
    rules: [{ matches: [{ method: { service: 'shop.Reviews', method: 'Get' } }], backendRefs: [{ name: 'reviews-v1', port: 81 }] }],
  },
};

const gateway = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'public' },
  spec: {
    gatewayClassName: 'istio',
    listeners: [
      { name: 'http', port: 80, protocol: 'HTTP' },
      { name: 'https', port: 443, protocol: 'HTTPS', hostname: '*.example.com', tls: { certificateRefs: [{ name: 'cert' }] } },
    ],
  },
};

const referenceGrant = {
  apiVersion: 'gateway.networking.k8s.io/v1beta1',
  kind: 'ReferenceGrant',
  metadata: { name: 'from-gateways', namespace: 'shop' },
  spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'gateways' }], to: [{ group: '', kind: 'Service' }] },
};

const prometheusRule = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'reviews-slo' },
  spec: { groups: [{ name: 'reviews', rules: [{ alert: 'HighErrorRate', expr: 'sum(rate(x[5m])) > 0.1', for: '5m', labels: { severity: 'page' } }, { record: 'reviews:rate5m', expr: 'rate(x[5m])' }] }] },
};

const analysisTemplate = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AnalysisTemplate',
  metadata: { name: 'success-rate' },
  spec: {
    args: [{ name: 'service' }],
    metrics: [{ name: 'success-rate', interval: '1m', count: 5, successCondition: 'result[0] >= 0.95', failureLimit: 1, provider: { prometheus: { address: 'http://prometheus:9090', query: 'sum(rate(x[1m]))' } } }],
  },
};

const VALID = {
  deployment, service, ingress, virtualService, destinationRule, httpRoute, grpcRoute, gateway, referenceGrant, prometheusRule, analysisTemplate,
};

/** The errors of `obj` after `change` was applied to a copy of it. */
function errorsAfter<T>(obj: T, change: (o: any) => void, channel: 'standard' | 'experimental' = 'standard'): string[] {
  const o = clone(obj);
  change(o);
  return manifestErrors(o, channel);
}

describe('validateManifests', () => {
  test.each(Object.entries(VALID))('accepts a valid %s', (_name, obj) => {
    // GIVEN a valid object of a vendored kind
    // WHEN it is validated (every CEL rule on its path evaluated)
    // THEN there is no error
    expect(manifestErrors(obj)).toEqual([]);
    expect(() => validateManifests([obj])).not.toThrow();
  });

  test('fails an object of a kind there is no schema for', () => {
    // GIVEN a built-in kind we vendor no spec for, and a custom resource with no CRD
    const unknownBuiltIn = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' }, spec: {} };
    const unknownCr = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' }, spec: {} };
    const unknownCoreKind = { apiVersion: 'v1', kind: 'Widget', metadata: { name: 'x' } };
    // WHEN / THEN each fails, naming the kind
    expect(() => validateManifests([unknownBuiltIn])).toThrow(/no vendored CRD in crds\/ \(nor Kubernetes schema\) for batch\/v1 Job/);
    expect(() => validateManifests([unknownCr])).toThrow(/for example.com\/v1 Widget/);
    expect(manifestErrors(unknownCoreKind)).toEqual([
      '[Kubernetes v1.27] no schema for v1 Widget in Kubernetes v1.27',
      '[Kubernetes v1.35] no schema for v1 Widget in Kubernetes v1.35',
    ]);
  });

  test('names every invalid object in one error', () => {
    // GIVEN two invalid objects among valid ones
    const badService = clone(service) as any;
    badService.spec.ports[0].port = 0;
    const badRoute = clone(httpRoute) as any;
    badRoute.spec.rules[0].matches[0].path.value = 'beta';
    // WHEN they are validated together
    // THEN one error names both
    expect(() => validateManifests([deployment, badService, virtualService, badRoute])).toThrow(/Service reviews: .*spec\.ports\[0\]\.port[\s\S]*HTTPRoute reviews: .*spec\.rules\[0\]\.matches\[0\]\.path/);
  });
});

// ---------------------------------------------------------------------------------------------
// Built-in kinds against the Kubernetes OpenAPI specs, 1.27 and 1.35
// ---------------------------------------------------------------------------------------------

describe('Kubernetes kinds (OpenAPI v3, 1.27 and 1.35)', () => {
  /** The errors for both versions, expected to be the same message for each. */
  const both = (message: string) => KUBERNETES_VERSIONS.map(v => `[Kubernetes ${v}] ${message}`);

  test('rejects an unknown field, at any depth, in both versions', () => {
    // GIVEN unknown fields at the top, in the pod template and inside an array item
    // WHEN validated / THEN each is reported with its path, for 1.27 and 1.35
    expect(errorsAfter(deployment, d => { d.spec.replica = 2; })).toEqual(both('spec.replica: unknown field "replica"'));
    expect(errorsAfter(deployment, d => { d.spec.template.spec.containers[0].ports[0].contianerPort = 1; }))
      .toEqual(both('spec.template.spec.containers[0].ports[0].contianerPort: unknown field "contianerPort"'));
    expect(errorsAfter(service, s => { s.metadata.label = {}; })).toEqual(both('metadata.label: unknown field "label"'));
  });

  test('checks required fields, types, int32 ranges and IntOrString', () => {
    expect(errorsAfter(deployment, d => { delete d.spec.template.spec.containers[0].name; })).toEqual(both('spec.template.spec.containers[0].name: Required value'));
    expect(errorsAfter(deployment, d => { d.spec.replicas = '2'; })).toEqual(both('spec.replicas: Invalid value: "2": must be of type integer'));
    expect(errorsAfter(deployment, d => { d.spec.replicas = 2 ** 31; })).toEqual(both('spec.replicas: Invalid value: 2147483648: must be of format int32'));
    expect(errorsAfter(service, s => { s.spec.ports[0].targetPort = true; })).toEqual(both('spec.ports[0].targetPort: Invalid value: true: must validate one and only one schema (oneOf), matched 0'));
    expect(errorsAfter(deployment, d => { d.spec.template.spec.containers[0].resources.limits.cpu = 'half'; }))
      .toEqual(both('spec.template.spec.containers[0].resources.limits.cpu: Invalid value: "half": must be a quantity'));
  });

  test('validates against each version: a field 1.35 has and 1.27 lacks fails for 1.27 only', () => {
    // GIVEN a Service with trafficDistribution (added in Kubernetes 1.30)
    // WHEN validated / THEN only the 1.27 schema rejects it
    expect(errorsAfter(service, s => { s.spec.trafficDistribution = 'PreferClose'; }))
      .toEqual(['[Kubernetes v1.27] spec.trafficDistribution: unknown field "trafficDistribution"']);
  });

  test('adds the Go validations the specs lack: names', () => {
    expect(errorsAfter(deployment, d => { d.metadata.name = 'Reviews_V1'; })).toEqual(both(
      'metadata.name: Invalid value: "Reviews_V1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character'));
    // A Service name is a DNS-1035 label: no dots, starting with a letter.
    expect(errorsAfter(service, s => { s.metadata.name = 'reviews.v1'; })).toHaveLength(2);
    expect(errorsAfter(service, s => { s.metadata.name = '1reviews'; })[0]).toMatch(/metadata\.name: Invalid value: "1reviews": a DNS-1035 label/);
    expect(errorsAfter(deployment, d => { d.metadata.name = 'a'.repeat(254); })[0]).toMatch(/metadata\.name: .*must be no more than 253 characters/);
    expect(errorsAfter(deployment, d => { delete d.metadata.name; })).toEqual(both('metadata.name: Required value: name or generateName is required'));
    expect(errorsAfter(deployment, d => { d.metadata.namespace = 'Shop'; })[0]).toMatch(/metadata\.namespace: Invalid value: "Shop"/);
    expect(errorsAfter(deployment, d => { d.spec.template.spec.containers[0].name = 'Main'; })[0]).toMatch(/spec\.template\.spec\.containers\[0\]\.name: Invalid value: "Main"/);
  });

  test('adds the Go validations the specs lack: labels, annotations and selectors', () => {
    expect(errorsAfter(deployment, d => { d.metadata.labels['-bad'] = 'x'; })[0]).toMatch(/metadata\.labels: Invalid value: "-bad": name part must consist/);
    expect(errorsAfter(deployment, d => { d.metadata.labels['Example.com/x'] = 'x'; })[0]).toMatch(/metadata\.labels: Invalid value: "Example.com\/x": prefix part/);
    expect(errorsAfter(deployment, d => { d.spec.template.metadata.labels.extra = 'a b'; })[0]).toMatch(/spec\.template\.metadata\.labels\[extra\]: Invalid value: "a b"/);
    expect(errorsAfter(deployment, d => { d.metadata.labels.long = 'x'.repeat(64); })[0]).toMatch(/metadata\.labels\[long\]: .*must be no more than 63 characters/);
    expect(errorsAfter(deployment, d => { d.metadata.annotations['a/b/c'] = ''; })[0]).toMatch(/metadata\.annotations: Invalid value: "a\/b\/c"/);
    expect(errorsAfter(service, s => { s.spec.selector = { 'app/': 'x' }; })[0]).toMatch(/spec\.selector: Invalid value: "app\/": name part must be non-empty/);
    expect(errorsAfter(deployment, d => { d.spec.selector.matchExpressions[0].operator = 'Exists'; })[0]).toMatch(/matchExpressions\[0\]\.values: Forbidden/);
  });

  test('adds the Go validations the specs lack: ports', () => {
    expect(errorsAfter(service, s => { s.spec.ports[0].port = 0; })).toEqual(both('spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'));
    expect(errorsAfter(service, s => { s.spec.ports[0].targetPort = 65536; })).toEqual(both('spec.ports[0].targetPort: Invalid value: 65536: must be between 1 and 65535, inclusive'));
    expect(errorsAfter(service, s => { s.spec.ports[1].targetPort = 'grpc-'; })[0]).toMatch(/spec\.ports\[1\]\.targetPort: Invalid value: "grpc-": must not begin or end with a hyphen/);
    expect(errorsAfter(service, s => { delete s.spec.ports[1].name; })).toEqual(both('spec.ports[1].name: Required value'));
    expect(errorsAfter(service, s => { s.spec.ports[1].name = 'http'; })).toEqual(both('spec.ports[1].name: Duplicate value: "http"'));
    expect(errorsAfter(service, s => { s.spec.ports[1].port = 80; })[0]).toMatch(/spec\.ports\[1\]: Duplicate value/);
    expect(errorsAfter(service, s => { s.spec.ports[0].protocol = 'HTTP'; })[0]).toMatch(/spec\.ports\[0\]\.protocol: Unsupported value: "HTTP"/);
    expect(errorsAfter(service, s => { s.spec.type = 'Internal'; })[0]).toMatch(/spec\.type: Unsupported value: "Internal"/);
    expect(errorsAfter(deployment, d => { d.spec.template.spec.containers[0].ports[0].containerPort = 70000; })[0]).toMatch(/containers\[0\]\.ports\[0\]\.containerPort: Invalid value: 70000/);
    expect(errorsAfter(deployment, d => { d.spec.template.spec.containers[0].ports[0].name = 'http-port-number-1'; })[0]).toMatch(/ports\[0\]\.name: .*must be no more than 15 characters/);
    expect(errorsAfter(deployment, d => { d.spec.template.spec.containers[0].readinessProbe.httpGet.port = 0; })[0]).toMatch(/readinessProbe\.httpGet\.port: Invalid value: 0/);
    expect(errorsAfter(deployment, d => { d.spec.template.spec.containers[0].livenessProbe.tcpSocket.port = '8080'; })[0]).toMatch(/livenessProbe\.tcpSocket\.port: Invalid value: "8080": must contain at least one letter/);
  });

  test('adds the Go validations the specs lack: a Deployment selector must match its template labels', () => {
    // GIVEN a selector that the template's labels do not satisfy
    // WHEN validated / THEN it is reported for both versions
    expect(errorsAfter(deployment, d => { d.spec.selector.matchLabels.version = 'v2'; })).toEqual(both(
      'spec.template.metadata.labels: Invalid value: {"app":"reviews","version":"v1"}: `selector` does not match template `labels`'));
    expect(errorsAfter(deployment, d => { d.spec.template.metadata.labels.tier = 'db'; })[0]).toMatch(/`selector` does not match template `labels`/);
    expect(errorsAfter(deployment, d => { d.spec.selector = {}; })[0]).toMatch(/spec\.selector: Invalid value: \{\}: empty selector is invalid for deployment/);
    expect(errorsAfter(deployment, d => { delete d.spec.selector; })).toContain('[Kubernetes v1.27] spec.selector: Required value');
    expect(errorsAfter(deployment, d => { d.spec.template.spec.restartPolicy = 'Never'; })[0]).toMatch(/spec\.template\.spec\.restartPolicy: Unsupported value: "Never"/);
    expect(errorsAfter(deployment, d => { d.spec.template.spec.containers.push(clone(d.spec.template.spec.containers[0])); })[0]).toMatch(/containers\[1\]\.name: Duplicate value: "main"/);
  });

  test('label selectors select as the API server does', () => {
    const labels = { app: 'a', version: 'v1' };
    expect(selects({ matchLabels: { app: 'a' } }, labels)).toBe(true);
    expect(selects({ matchLabels: { app: 'b' } }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'version', operator: 'In', values: ['v1', 'v2'] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'version', operator: 'NotIn', values: ['v1'] }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(true);
  });

  test('adds the Go validations the specs lack: Ingress', () => {
    expect(errorsAfter(ingress, i => { delete i.spec.rules[0].http.paths[0].pathType; })[0]).toMatch(/paths\[0\]\.pathType: Required value/);
    expect(errorsAfter(ingress, i => { i.spec.rules[0].http.paths[0].path = 'api'; })[0]).toMatch(/paths\[0\]\.path: Invalid value: "api": must be an absolute path/);
    expect(errorsAfter(ingress, i => { i.spec.rules[0].http.paths[0].backend.service.port = { number: 80, name: 'http' }; })[0]).toMatch(/backend\.service\.port: .*exactly one of name or number/);
    expect(errorsAfter(ingress, i => { i.spec.rules[0].host = 'Reviews.example.com'; })[0]).toMatch(/spec\.rules\[0\]\.host: Invalid value/);
    expect(errorsAfter(ingress, i => { i.spec.rules[0].host = '*.example.com'; })).toEqual([]);
  });

  test('checks ingress-nginx annotation values as its annotation validation does', () => {
    const annotate = (k: string, v: string) => (i: any) => { i.metadata.annotations = { [`nginx.ingress.kubernetes.io/${k}`]: v }; };
    expect(errorsAfter(ingress, annotate('canary', 'True'))).toEqual([]);
    expect(errorsAfter(ingress, annotate('canary', 'yes'))[0]).toMatch(/nginx.ingress.kubernetes.io\/canary\]: Invalid value: "yes": ingress-nginx ignores it unless it is a bool/);
    expect(errorsAfter(ingress, annotate('canary-weight', '10%'))[0]).toMatch(/unless it is an integer/);
    expect(errorsAfter(ingress, annotate('canary-by-header-value', 'qa team'))).toEqual([]);
    expect(errorsAfter(ingress, annotate('canary-by-header-value', 'a@b'))[0]).toMatch(/unless it is BasicChars/);
    expect(errorsAfter(ingress, annotate('canary-by-header-pattern', '^(qa|beta)$'))).toEqual([]);
    expect(errorsAfter(ingress, annotate('canary-by-header-pattern', 'a,b'))[0]).toMatch(/unless it is IsValidRegex characters/);
    expect(errorsAfter(ingress, annotate('mirror-target', 'http://shop-v2.shop.svc.cluster.local:80$request_uri'))).toEqual([]);
    expect(errorsAfter(ingress, annotate('rewrite-target', '/'))[0]).toMatch(/not an annotation this library renders/);
  });
});

// ---------------------------------------------------------------------------------------------
// Custom resources: structural schema
// ---------------------------------------------------------------------------------------------

describe('custom resources (CRD openAPIV3Schema)', () => {
  test('rejects unknown fields inside arrays and nested objects, and in metadata', () => {
    expect(errorsAfter(virtualService, v => { v.spec.http[1].route[0].destination.port = { numbr: 80 }; }))
      .toEqual(['[istio-networking-1.30.3.yaml] spec.http[1].route[0].destination.port.numbr: unknown field "numbr"']);
    expect(errorsAfter(httpRoute, r => { r.spec.rules[0].backendRefs[0].wieght = 1; }))
      .toEqual(['[gateway-api-v1.6.1-httproutes.yaml] spec.rules[0].backendRefs[0].wieght: unknown field "wieght"']);
    expect(errorsAfter(virtualService, v => { v.metadata.label = { a: 'b' }; })).toEqual(['[istio-networking-1.30.3.yaml] metadata.label: unknown field "label"']);
  });

  test('checks types, enums, patterns, lengths, ranges, required fields, list-map keys and oneOf', () => {
    expect(errorsAfter(virtualService, v => { v.spec.http[1].route[0].weight = '90'; })).toEqual(['[istio-networking-1.30.3.yaml] spec.http[1].route[0].weight: Invalid value: "90": must be of type integer']);
    expect(errorsAfter(httpRoute, r => { r.spec.rules[1].backendRefs[0].weight = 1000001; })[0]).toMatch(/spec\.rules\[1\]\.backendRefs\[0\]\.weight: Invalid value: 1000001: should be less than or equal to 1000000/);
    expect(errorsAfter(httpRoute, r => { r.spec.rules[0].matches[0].path.type = 'Prefix'; })[0]).toMatch(/spec\.rules\[0\]\.matches\[0\]\.path\.type: Unsupported value: "Prefix"/);
    expect(errorsAfter(httpRoute, r => { r.spec.hostnames = ['Reviews']; })[0]).toMatch(/spec\.hostnames\[0\]: Invalid value: "Reviews": should match/);
    expect(errorsAfter(httpRoute, r => { delete r.spec.rules[1].backendRefs[0].name; })[0]).toMatch(/spec\.rules\[1\]\.backendRefs\[0\]\.name: Required value/);
    expect(errorsAfter(destinationRule, d => { delete d.spec.host; })).toEqual(['[istio-networking-1.30.3.yaml] spec.host: Required value']);
    expect(errorsAfter(prometheusRule, p => { p.spec.groups.push(clone(p.spec.groups[0])); })[0]).toMatch(/spec\.groups\[1\]: Duplicate value: \{"name":"reviews"\}/);
    expect(errorsAfter(virtualService, v => { v.spec.http[0].match[0].headers['x-beta'] = { exact: 'a', prefix: 'b' }; })[0])
      .toMatch(/spec\.http\[0\]\.match\[0\]\.headers\.x-beta: Invalid value: .*oneOf/);
    expect(errorsAfter(httpRoute, r => { delete r.spec; })).toEqual(['[gateway-api-v1.6.1-httproutes.yaml] spec: Required value']);
    expect(errorsAfter(httpRoute, r => { r.apiVersion = 'gateway.networking.k8s.io/v1beta1'; })).toEqual([]);
  });

  test('applies defaults before validating, as the API server does', () => {
    // GIVEN a match without a path: the CRD defaults it to PathPrefix '/'
    // WHEN a URLRewrite with ReplacePrefixMatch needs exactly one PathPrefix match
    // THEN the defaulted path satisfies the rule (it would not without defaults)
    const rewrite = { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } };
    expect(errorsAfter(httpRoute, r => { r.spec.rules[1].matches = [{ headers: [{ name: 'a', value: 'b' }] }]; r.spec.rules[1].filters = [rewrite]; })).toEqual([]);
    // AND an Exact match does not
    expect(errorsAfter(httpRoute, r => { r.spec.rules[1].matches = [{ path: { type: 'Exact', value: '/a' } }]; r.spec.rules[1].filters = [rewrite]; })).toEqual([
      expect.stringMatching(/^\[gateway-api-v1.6.1-httproutes.yaml\] spec\.rules\[1\]: Invalid value: .*: When using URLRewrite filter with path\.replacePrefixMatch, exactly one PathPrefix match must be specified$/),
    ]);
  });

  test('uses the experimental channel only when asked', () => {
    // GIVEN an HTTPRoute rule with retry (experimental channel only)
    const withRetry = (r: any) => { r.spec.rules[1].retry = { attempts: 2, codes: [503] }; };
    // WHEN / THEN the standard channel rejects it, the experimental one accepts it
    expect(errorsAfter(httpRoute, withRetry)).toEqual(['[gateway-api-v1.6.1-httproutes.yaml] spec.rules[1].retry: unknown field "retry"']);
    expect(errorsAfter(httpRoute, withRetry, 'experimental')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Custom resources: CEL rules
// ---------------------------------------------------------------------------------------------

describe('CEL rules (x-kubernetes-validations)', () => {
  const istio = '[istio-networking-1.30.3.yaml]';
  const gw = '[gateway-api-v1.6.1-httproutes.yaml]';

  test('Istio: durations must be at least 1ms, in objects and inside arrays', () => {
    expect(errorsAfter(virtualService, v => { v.spec.http[0].timeout = '500us'; }))
      .toEqual([`${istio} spec.http[0].timeout: Invalid value: "500us": must be a valid duration greater than 1ms`]);
    expect(errorsAfter(destinationRule, d => { d.spec.subsets[1].trafficPolicy.connectionPool.http.idleTimeout = '0s'; }))
      .toEqual([`${istio} spec.subsets[1].trafficPolicy.connectionPool.http.idleTimeout: Invalid value: "0s": must be a valid duration greater than 1ms`]);
    // Not a duration at all: the rule fails to evaluate, which the API server reports too.
    expect(errorsAfter(destinationRule, d => { d.spec.trafficPolicy.connectionPool.tcp.connectTimeout = '1 day'; })[0])
      .toMatch(/spec\.trafficPolicy\.connectionPool\.tcp\.connectTimeout: .*rule evaluation error/);
  });

  test('Istio: rules on maps see the map (keys) as self', () => {
    expect(errorsAfter(destinationRule, d => { d.spec.workloadSelector = { matchLabels: { 'app*': 'x' } }; }))
      .toEqual([`${istio} spec.workloadSelector.matchLabels: Invalid value: {"app*":"x"}: wildcard not allowed in label key match`]);
    expect(errorsAfter(destinationRule, d => { d.spec.workloadSelector = { matchLabels: { app: 'x*' } }; }))
      .toEqual([`${istio} spec.workloadSelector.matchLabels.app: Invalid value: "x*": wildcard not allowed in label value match`]);
  });

  test('Gateway API: a RequestMirror with both percent and fraction', () => {
    expect(errorsAfter(httpRoute, r => { r.spec.rules[0].filters[1].requestMirror.fraction = { numerator: 1, denominator: 20 }; })).toEqual([
      expect.stringMatching(/^\[gateway-api-v1.6.1-httproutes.yaml\] spec\.rules\[0\]\.filters\[1\]\.requestMirror: Invalid value: \{"backendRef":.*: Only one of percent or fraction may be specified in HTTPRequestMirrorFilter$/),
    ]);
    expect(errorsAfter(httpRoute, r => {
      delete r.spec.rules[0].filters[1].requestMirror.percent;
      r.spec.rules[0].filters[1].requestMirror.fraction = { numerator: 3, denominator: 2 };
    })).toEqual([
      `${gw} spec.rules[0].filters[1].requestMirror.fraction: Invalid value: {"numerator":3,"denominator":2}: numerator must be less than or equal to denominator`,
    ]);
  });

  test("Gateway API: a PathPrefix value not starting with '/'", () => {
    expect(errorsAfter(httpRoute, r => { r.spec.rules[0].matches[0].path.value = 'beta'; })).toEqual([
      `${gw} spec.rules[0].matches[0].path: Invalid value: {"type":"PathPrefix","value":"beta"}: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']`,
    ]);
    expect(errorsAfter(httpRoute, r => { r.spec.rules[0].matches[0].path.value = '/a//b'; })[0]).toMatch(/spec\.rules\[0\]\.matches\[0\]\.path: .*must not contain '\/\/'/);
    // A RegularExpression path need not start with '/'.
    expect(errorsAfter(httpRoute, r => { r.spec.rules[0].matches[0].path = { type: 'RegularExpression', value: '.*beta' }; })).toEqual([]);
  });

  test('Gateway API: more than one RequestHeaderModifier, a filter whose field does not match its type', () => {
    expect(errorsAfter(httpRoute, r => { r.spec.rules[0].filters.push(clone(r.spec.rules[0].filters[0])); })).toEqual([
      expect.stringMatching(/^\[gateway-api-v1.6.1-httproutes.yaml\] spec\.rules\[0\]\.filters: Invalid value: .*: RequestHeaderModifier filter cannot be repeated$/),
    ]);
    expect(errorsAfter(httpRoute, r => { r.spec.rules[0].filters[0].type = 'ResponseHeaderModifier'; })).toEqual([
      expect.stringMatching(/spec\.rules\[0\]\.filters\[0\]: .*: filter\.requestHeaderModifier must be nil if the filter\.type is not RequestHeaderModifier$/),
      expect.stringMatching(/spec\.rules\[0\]\.filters\[0\]: .*: filter\.responseHeaderModifier must be specified for ResponseHeaderModifier filter\.type$/),
    ]);
  });

  test('Gateway API: RequestRedirect together with backendRefs; backendRequest timeout above request', () => {
    expect(errorsAfter(httpRoute, r => { r.spec.rules[1].filters = [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }]; })).toEqual([
      expect.stringMatching(/spec\.rules\[1\]: .*: RequestRedirect filter must not be used together with backendRefs$/),
    ]);
    expect(errorsAfter(httpRoute, r => { r.spec.rules[0].timeouts = { request: '1s', backendRequest: '2s' }; })).toEqual([
      expect.stringMatching(/spec\.rules\[0\]\.timeouts: .*: backendRequest timeout cannot be longer than request timeout$/),
    ]);
  });

  test('Gateway API: parentRefs to the same parent need distinct sectionNames (escaped field name `namespace`)', () => {
    // GIVEN two refs to the same Gateway in the same namespace, one without sectionName
    const errors = errorsAfter(httpRoute, r => { r.spec.parentRefs = [{ name: 'public', namespace: 'gateways' }, { name: 'public', namespace: 'gateways', sectionName: 'https' }]; });
    // THEN the rule (which reads p1.__namespace__) reports it; in other namespaces it would not
    expect(errors).toEqual([expect.stringMatching(/^\[gateway-api-v1.6.1-httproutes.yaml\] spec\.parentRefs: .*: sectionName must be specified when parentRefs includes 2 or more references to the same parent$/)]);
    expect(errorsAfter(httpRoute, r => { r.spec.parentRefs = [{ name: 'public', namespace: 'a' }, { name: 'public', namespace: 'b' }]; })).toEqual([]);
  });

  test('Gateway API: GRPCRoute method names, Gateway listeners', () => {
    expect(errorsAfter(grpcRoute, g => { g.spec.rules[0].matches[0].method.method = 'get-it'; })).toEqual([
      expect.stringMatching(/^\[gateway-api-v1.6.1-grpcroutes.yaml\] spec\.rules\[0\]\.matches\[0\]\.method: Invalid value: .*/),
    ]);
    // A duplicate listener name breaks both the list-map key (x-kubernetes-list-map-keys: name) and a rule.
    expect(errorsAfter(gateway, g => { g.spec.listeners[1].name = 'http'; })).toEqual([
      '[gateway-api-v1.6.1-gateways.yaml] spec.listeners[1]: Duplicate value: {"name":"http"}',
      expect.stringMatching(/^\[gateway-api-v1.6.1-gateways.yaml\] spec\.listeners: .*: Listener name must be unique within the Gateway$/),
    ]);
    expect(errorsAfter(gateway, g => { g.spec.listeners[0].tls = { certificateRefs: [{ name: 'c' }] }; })).toEqual([
      expect.stringMatching(/spec\.listeners: .*: tls must not be specified for protocols \['HTTP', 'TCP', 'UDP'\]$/),
    ]);
  });

  test('a rule that fails to evaluate on an object is reported, not skipped', () => {
    // GIVEN a Gateway TLS listener in Terminate mode without certificateRefs: the rule reads
    // self.certificateRefs, which is absent (the API server reports "no such key" the same way)
    const errors = errorsAfter(gateway, g => { g.spec.listeners[1].tls = { mode: 'Terminate' }; });
    // THEN the evaluation error is an error of the object
    expect(errors).toEqual([expect.stringMatching(/spec\.listeners\[1\]\.tls: .*rule evaluation error: .*certificateRefs.* \(rule: self\.mode == 'Terminate'/)]);
  });
});

// ---------------------------------------------------------------------------------------------
// The validator itself
// ---------------------------------------------------------------------------------------------

describe('self-test over every vendored CRD', () => {
  const files = fs.readdirSync(path.join(__dirname, '..', '..', 'crds')).filter(f => /\.ya?ml$/.test(f));
  const all = new Map([...crdSchemas('standard'), ...[...crdSchemas('experimental')].map(([k, v]) => [`${k} (experimental)`, v] as const)]);

  test('has the CRDs the project renders', () => {
    const kinds = [...all.keys()];
    for (const k of ['networking.istio.io/v1/VirtualService', 'networking.istio.io/v1/DestinationRule', 'gateway.networking.k8s.io/v1/HTTPRoute',
      'gateway.networking.k8s.io/v1/GRPCRoute', 'gateway.networking.k8s.io/v1/Gateway', 'gateway.networking.k8s.io/v1beta1/ReferenceGrant',
      'monitoring.coreos.com/v1/PrometheusRule', 'argoproj.io/v1alpha1/AnalysisTemplate', 'gateway.networking.k8s.io/v1/HTTPRoute (experimental)']) {
      expect(kinds).toContain(k);
    }
    expect(new Set([...all.values()].map(v => v.file))).toEqual(new Set(files));
  });

  test.each([...all.entries()])('%s: every keyword is implemented and every CEL rule compiles', (_key, crd) => {
    // GIVEN a vendored CRD version / WHEN its schema is checked / THEN nothing is unsupported
    expect(() => checkKeywords(crd.schema)).not.toThrow();
    for (const { rule } of rulesOf(crd.schema)) expect(() => compileRule(rule)).not.toThrow();
  });

  test.each(KUBERNETES_VERSIONS.flatMap(v => ['v1', 'apps/v1', 'networking.k8s.io/v1'].map(g => [v, g] as const)))(
    'Kubernetes %s %s spec: every keyword is implemented, every $ref resolves, Deployment/Service/Ingress are there', (version, group) => {
      const spec = k8sSpec(version, group)!;
      for (const [name, schema] of Object.entries(spec.mode.components!)) {
        expect(() => checkKeywords(schema)).not.toThrow();
        JSON.stringify(schema, (k, v) => {
          if (k === '$ref') expect([name, v, spec.mode.components![v.replace('#/components/schemas/', '')] !== undefined]).toEqual([name, v, true]);
          return v;
        });
      }
      expect(spec.kinds.get({ 'v1': 'Service', 'apps/v1': 'Deployment', 'networking.k8s.io/v1': 'Ingress' }[group]!)).toBeDefined();
    });

  test('the vendored CRDs have CEL rules, and no transition rule among them is evaluated', () => {
    const rules = [...all.values()].flatMap(c => rulesOf(c.schema));
    expect(rules.length).toBeGreaterThan(100);
    expect(rules.filter(r => isTransitionRule(r.rule))).toEqual([]);
    expect(isTransitionRule('self == oldSelf')).toBe(true);
  });

  test('a keyword or a CEL function the validator does not implement fails the self-test', () => {
    expect(() => checkKeywords({ type: 'object', properties: { a: { type: 'string', dependentRequired: {} } } })).toThrow(/keyword 'dependentRequired' at \.a is not implemented/);
    expect(() => checkKeywords({ 'type': 'string', 'x-kubernetes-validations': [{ rule: 'isCIDR(self)' }] })).toThrow(/does not implement, 'isCIDR'/);
    expect(() => checkKeywords({ 'type': 'string', 'x-kubernetes-validations': [{ rule: 'self.startsWith(' }] })).toThrow();
    expect(() => compileRule('other.size() > 0')).toThrow(/unknown variable 'other'/);
  });

  test("a rule's reason, fieldPath and messageExpression shape the error as the API server's do", () => {
    const { validateNode } = jest.requireActual('../../src/validation/structural');
    const schema = {
      'type': 'object',
      'properties': { a: { type: 'integer' } },
      'x-kubernetes-validations': [
        { rule: 'self.a < 10', messageExpression: "'a is ' + string(self.a)", fieldPath: '.a', reason: 'FieldValueForbidden' },
        { rule: 'self.a < 5' },
      ],
    };
    const errors: string[] = [];
    validateNode(schema, { a: 12 }, 'spec', { crd: true }, errors);
    expect(errors).toEqual(['spec.a: Forbidden: a is 12', 'spec: Invalid value: {"a":12}: failed rule: self.a < 5']);
  });

  test('transition rules (oldSelf) are skipped and recorded', () => {
    // GIVEN a schema with an immutability rule, which only applies to updates
    const crd = { type: 'object', properties: { spec: { type: 'object', properties: { a: { 'type': 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'immutable' }] } } } } };
    const { validateNode } = jest.requireActual('../../src/validation/structural');
    const errors: string[] = [];
    // WHEN an object is validated (as a create) / THEN the rule is not evaluated, and is recorded
    validateNode(crd, { spec: { a: 'x' } }, '', { crd: true }, errors);
    expect(errors).toEqual([]);
    expect(skippedTransitionRules.has('self == oldSelf')).toBe(true);
  });
});

describe('CEL environment', () => {
  const run = (rule: string, self: unknown) => compileRule(rule)(self);

  test('Kubernetes URL functions', () => {
    expect(run("isURL(self) && url(self).getScheme() == 'https' && url(self).getHost() == 'example.com:8443' && url(self).getHostname() == 'example.com' && url(self).getPort() == '8443' && url(self).getEscapedPath() == '/a'", 'https://example.com:8443/a?x=1')).toBe(true);
    expect(run('isURL(self)', 'not a url')).toBe(false);
    expect(run('isURL(self)', 'relative/path')).toBe(false);
    expect(run("url(self).getScheme() == ''", '/absolute/path')).toBe(true);
    expect(() => run('url(self).getScheme()', 'x y')).toThrow(/URL parse error/);
    expect(parseRequestUri('oci://registry/image:tag')).toMatchObject({ scheme: 'oci', host: 'registry', path: '/image:tag' });
  });

  test('standard and strings-extension functions the CRDs use', () => {
    expect(run("self.split('/')[0].size() < 253 && self.substring(0, 3) == 'abc' && self.lowerAscii() == 'abc/def' && self.indexOf('/') == 3", 'ABC/def'.toLowerCase())).toBe(true);
    expect(run("self.matches(r'''^(?i)\\.?[a-z_]+$''')", 'Shop')).toBe(true);
    expect(run('self.all(k, 0 < int(k) && int(k) <= 65535) && self.exists(k, k == "80") && self.exists_one(k, k == "81") && self.filter(k, k > "8").size() == 2 && self.map(k, int(k) * 2)[0] == 160', ['80', '81'])).toBe(true);
    expect(run("duration(self) > duration('1ms')", '1h2m3.5s')).toBe(true);
  });

  test('values are typed from the schema: integers as int, field names escaped, map keys not', () => {
    const schema = { type: 'object', properties: { 'namespace': { type: 'string' }, 'a-b': { type: 'integer' }, 'ratio': { type: 'number' }, 'm': { type: 'object', additionalProperties: { type: 'integer' } } } };
    const self = toCel(schema, { 'namespace': 'x', 'a-b': 2, 'ratio': 2, 'm': { 'k-1': 3 } });
    expect(run("self.__namespace__ == 'x' && self.a__dash__b * 2 == 4 && self.ratio == 2.0 && self.m['k-1'] == 3", self)).toBe(true);
    expect(celFieldName('x.y/z__w')).toBe('x__dot__y__slash__z__underscores__w');
    expect(celFieldName('a b')).toBeUndefined();
  });
});

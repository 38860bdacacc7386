import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Include, JsonPatch, Testing } from 'cdk8s';
import { CanaryService, Finding, RoutingAnalyzer, Severity } from '../../src';
import { validateManifests } from '../util';

const V1 = { version: 'v1', image: 'example/reviews:v1' };
const V2 = { version: 'v2', image: 'example/reviews:v2' };
const dr = (subsets: any[], host = 'reviews', name = 'reviews') => ({
  apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name }, spec: { host, subsets },
});
const vs = (http: any[], extra: any = {}, name = 'reviews') => ({
  apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name }, spec: { hosts: ['reviews'], ...extra, http },
});
const to = (subset: string, weight?: number) => ({ destination: { host: 'reviews', subset }, ...(weight === undefined ? {} : { weight }) });
const SUBSETS = [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }];

/** Findings for hand-written objects in a chart. */
function analyze(...objects: any[]): Finding[] {
  const chart = Testing.chart();
  objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o));
  return RoutingAnalyzer.analyze(chart);
}

function only(findings: Finding[], rule: string): Finding {
  const found = findings.filter(f => f.rule === rule);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('RoutingAnalyzer', () => {
  test('finds nothing in what the constructs render, on every stage of every example', () => {
    const examples = path.join(__dirname, '..', '..', 'examples');
    for (const name of fs.readdirSync(examples).filter(n => fs.existsSync(path.join(examples, n, 'main.ts')))) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const example = require(path.join(examples, name, 'main.ts'));
      for (const [stage, props] of example.STAGES) {
        const chart = new Chart(new App(), name);
        example.build(chart, props);
        expect({ stage, findings: RoutingAnalyzer.analyze(chart) }).toEqual({ stage, findings: [] });
      }
    }
  });

  test('finds nothing in valid hand-written routing', () => {
    expect(analyze(dr(SUBSETS), vs([{ route: [to('v1', 90), to('v2', 10)] }]))).toEqual([]);
  });

  test('reports the construct path as the source', () => {
    const f = only(analyze(vs([{ route: [to('v9')] }])), 'subset-not-found');
    expect(f.source).toBe('test/o0');
  });

  describe('one finding per rule', () => {
    test('fails on an invalid subset name', () => {
      const f = only(analyze(dr([{ name: 'v_1', labels: { version: 'v1' } }])), 'subset-name');
      expect(f).toMatchObject({ severity: Severity.ERROR, message: expect.stringContaining('subset name "v_1" is invalid: it must be a DNS-1123 label') });
    });

    test('accepts an upper-case subset name, as Istio does', () => {
      expect(analyze(dr([{ name: 'V1', labels: { version: 'v1' } }]))).toEqual([]);
    });

    test('fails on duplicate subsets', () => {
      expect(only(analyze(dr([...SUBSETS, SUBSETS[0]])), 'duplicate-subset').message).toBe('duplicate subset names: v1; remove one');
    });

    test('warns on two DestinationRules for one host', () => {
      const f = only(analyze(dr(SUBSETS), dr(SUBSETS, 'reviews', 'reviews-2')), 'duplicate-destination-rule');
      expect(f.severity).toBe(Severity.WARNING);
      expect(f.message).toBe('another DestinationRule (test/o0) also configures host "reviews" in namespace "default"; '
        + 'Istio merges them: subsets are combined and only one top-level traffic policy applies; merge them into one');
    });

    test('fails on two VirtualServices claiming one host', () => {
      const f = only(analyze(dr(SUBSETS), vs([{ route: [to('v1')] }]), vs([{ route: [to('v2')] }], {}, 'reviews-2')), 'conflicting-host');
      expect(f.message).toBe('host "reviews" at gateway "mesh" is also claimed by test/o1; Istio would pick one unpredictably (IST0109); give each host one VirtualService');
    });

    test('fails on two CanaryServices with the same service name at synth', () => {
      const app = Testing.app();
      const chart = new Chart(app, 'c');
      new CanaryService(chart, 'a', { serviceName: 'reviews', port: 80, stable: V1 });
      new CanaryService(chart, 'b', { serviceName: 'reviews', port: 80, stable: V1 });
      expect(() => app.synth()).toThrow(/c\/b\/VirtualService: host "reviews" at gateway "mesh" is also claimed by c\/a\/VirtualService/);
    });

    test('fails on a rule without a destination', () => {
      expect(only(analyze(vs([{ name: 'empty' }])), 'route-destination').message).toBe('http[0] (empty) has no route, redirect, directResponse or delegate; add a destination');
    });

    test('fails on a negative weight', () => {
      expect(only(analyze(dr(SUBSETS), vs([{ route: [to('v1', 110), to('v2', -10)] }])), 'weight-range').message)
        .toBe('http[0] route[1] weight must be a non-negative integer, got -10');
    });

    test('fails when every weight is zero', () => {
      expect(only(analyze(dr(SUBSETS), vs([{ route: [to('v1', 0), to('v2', 0)] }])), 'weight-all-zero').message)
        .toBe('http[0] gives every destination weight 0, so no request can be routed; give one destination a positive weight');
    });

    test('warns when weights do not add up to 100', () => {
      const f = only(analyze(dr(SUBSETS), vs([{ route: [to('v1', 3), to('v2', 1)] }])), 'weight-sum');
      expect(f.severity).toBe(Severity.WARNING);
      expect(f.message).toContain('weights add up to 4, not 100');
    });

    test('fails on mirror and mirrors together', () => {
      const http = [{ route: [to('v1')], mirror: { host: 'reviews', subset: 'v2' }, mirrors: [{ destination: { host: 'reviews', subset: 'v2' } }] }];
      expect(only(analyze(dr(SUBSETS), vs(http)), 'mirror-and-mirrors').message).toBe('http[0] sets both mirror and mirrors; use one of them');
    });

    test('fails on a mirror percentage over 100', () => {
      const http = [{ route: [to('v1')], mirror: { host: 'reviews', subset: 'v2' }, mirrorPercentage: { value: 150 } }];
      expect(only(analyze(dr(SUBSETS), vs(http)), 'mirror-percent').message).toBe('http[0] mirror percentage must be from 0 to 100, got 150');
    });

    test('fails on an invalid header name', () => {
      const http = [{ match: [{ headers: { 'x beta': { exact: '1' } } }], route: [to('v2')] }, { route: [to('v1')] }];
      expect(only(analyze(dr(SUBSETS), vs(http)), 'header-name').message).toBe('http[0] match[0] headers: header name "x beta" is not a valid header name (an RFC 7230 token)');
    });

    test('warns on an upper-case header name', () => {
      const http = [{ match: [{ withoutHeaders: { 'X-Beta': {} } }], route: [to('v2')] }, { route: [to('v1')] }];
      const f = only(analyze(dr(SUBSETS), vs(http)), 'header-name-case');
      expect(f).toMatchObject({ severity: Severity.WARNING, message: expect.stringContaining('write it as "x-beta"') });
    });

    test('fails on a JWT claim in a VirtualService bound to the mesh', () => {
      const http = [{ match: [{ headers: { '@request.auth.claims.groups': { exact: 'beta' } } }], route: [to('v2')] }, { route: [to('v1')] }];
      const f = only(analyze(dr(SUBSETS), vs(http, { gateways: ['public', 'mesh'] })), 'jwt-claim-gateway');
      expect(f.message).toBe('http[0] match[0] uses JWT claim based routing (key: @request.auth.claims.groups), which is only supported for gateway; '
        + 'bind the VirtualService to ingress gateways only (no mesh)');
      const authn = { apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name: 'jwt' }, spec: { jwtRules: [{ issuer: 'https://issuer.example.com' }] } };
      expect(analyze(dr(SUBSETS), vs(http, { gateways: ['public'] }), authn)).toEqual([]);
    });

    test('warns on a JWT-claim route when the input holds no RequestAuthentication (IST0149)', () => {
      const http = [{ match: [{ headers: { '@request.auth.claims.groups': { exact: 'beta' } } }], route: [to('v2')] }, { route: [to('v1')] }];
      expect(analyze(dr(SUBSETS), vs(http, { gateways: ['public'] }))).toEqual([expect.objectContaining({
        severity: Severity.WARNING,
        rule: 'jwt-claim-without-request-authentication',
        message: 'http[0] routes on JWT claim @request.auth.claims.groups, but the input holds no RequestAuthentication (IST0149): without one, no request carries validated claims '
          + 'and the match never holds; apply a RequestAuthentication to the gateway\'s workloads',
      })]);
    });

    test('fails on a regex over 1024 bytes', () => {
      const http = [{ match: [{ uri: { regex: 'é'.repeat(513) } }], route: [to('v2')] }, { route: [to('v1')] }];
      expect(only(analyze(dr(SUBSETS), vs(http)), 'regex-length').message).toBe('http[0] match[0] uri: regex is too large, max length allowed is 1024 bytes');
    });

    test('fails on a regex that is not RE2', () => {
      const http = [{ match: [{ queryParams: { v: { regex: '(?!x)' } } }], route: [to('v2')] }, { route: [to('v1')] }];
      expect(only(analyze(dr(SUBSETS), vs(http)), 'regex-syntax').message).toContain('http[0] match[0] queryParams.v: regex "(?!x)" is not valid RE2');
    });

    test('warns on a rule after a catch-all (unreachable)', () => {
      const http = [{ route: [to('v1')] }, { name: 'late', match: [{ uri: { prefix: '/x' } }], route: [to('v2')] }];
      const f = only(analyze(dr(SUBSETS), vs(http)), 'unreachable-rule');
      expect(f).toMatchObject({ severity: Severity.WARNING, message: expect.stringContaining('virtualService rule "late" not used (route without matches defined before) (IST0130)') });
    });

    test('warns on a match identical to an earlier one', () => {
      const m = { headers: { 'end-user': { exact: 'jason' } } };
      const http = [{ match: [m], route: [to('v2')] }, { match: [{ ...m, name: 'again' }], route: [to('v1')] }, { route: [to('v1')] }];
      expect(only(analyze(dr(SUBSETS), vs(http)), 'ineffective-match').message).toContain('virtualService rule #1 has a match that is not used (duplicate match in an earlier rule) (IST0131)');
    });

    test('fails on a route to a subset no DestinationRule defines', () => {
      expect(only(analyze(dr(SUBSETS), vs([{ route: [to('v1', 50), to('v3', 50)] }])), 'subset-not-found').message)
        .toBe('http[0] routes to subset "v3" of host "reviews", which no DestinationRule defines (IST0101); add the version to the service, or remove the route');
    });

    test('fails on a mirror to a subset no DestinationRule defines', () => {
      const http = [{ route: [to('v1')], mirror: { host: 'reviews.default.svc.cluster.local', subset: 'v3' } }];
      expect(only(analyze(dr(SUBSETS), vs(http)), 'subset-not-found').message).toContain('mirrors to subset "v3"');
    });

    test('fails on a subset that selects no Deployment', () => {
      // GIVEN our service, and a hand-written subset for a version that is not deployed
      const chart = Testing.chart();
      const svc = new CanaryService(chart, 'reviews', { port: 80, stable: V1, canary: V2 });
      svc.destinationRule!.addJsonPatch(JsonPatch.add('/spec/subsets/-', { name: 'v3', labels: { version: 'v3' } }));
      // WHEN / THEN
      expect(only(RoutingAnalyzer.analyze(chart), 'subset-selects-nothing').message).toBe(
        'The Subset v3 defined in the DestinationRule does not select any pods (IST0173), which leads to 503 UH (NoHealthyUpstream); '
        + 'deploy the version with labels {"version":"v3"}, or remove the subset');
    });

    test('a subset by node topology labels (zone, region, subzone, hostname) selects the version\'s pods: Istio adds those labels from the node', () => {
      // GIVEN a subset of v1's pods in one zone
      const chart = Testing.chart();
      const svc = new CanaryService(chart, 'reviews', { port: 80, stable: V1, canary: V2 });
      svc.destinationRule!.addJsonPatch(JsonPatch.add('/spec/subsets/-', { name: 'v1-zone-a', labels: { 'version': 'v1', 'topology.kubernetes.io/zone': 'a' } }));
      svc.destinationRule!.addJsonPatch(JsonPatch.add('/spec/subsets/-', { name: 'v3-zone-a', labels: { 'version': 'v3', 'topology.kubernetes.io/zone': 'a' } }));
      // THEN only the subset of a version that is not deployed selects nothing
      expect(RoutingAnalyzer.analyze(chart).filter(f => f.rule === 'subset-selects-nothing').map(f => f.message)).toEqual([
        'The Subset v3-zone-a defined in the DestinationRule does not select any pods (IST0173), which leads to 503 UH (NoHealthyUpstream); '
        + 'deploy the version with labels {"version":"v3","topology.kubernetes.io/zone":"a"}, or remove the subset',
      ]);
    });

    test('fails on traffic to a subset whose Deployments have 0 replicas', () => {
      const chart = Testing.chart();
      const svc = new CanaryService(chart, 'reviews', { port: 80, stable: V1, canary: { ...V2, replicas: 0 } });
      svc.virtualService!.addJsonPatch(JsonPatch.replace('/spec/http/0/route/0/destination/subset', 'v2'));
      expect(only(RoutingAnalyzer.analyze(chart), 'subset-zero-replicas').message).toBe(
        'http[0] sends traffic to subset "v2" of "reviews", whose Deployments have 0 replicas; scale it up first, or send it no traffic');
    });
  });

  test('app.synth() fails on errors a patch introduces, naming the object path', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'bookinfo');
    const svc = new CanaryService(chart, 'reviews', { port: 9080, stable: V1, canary: V2, canaryWeight: 20 });
    svc.virtualService!.addJsonPatch(JsonPatch.replace('/spec/http/0/route/1/destination/subset', 'v3'));
    expect(() => app.synth()).toThrow(/bookinfo\/reviews\/VirtualService: http\[0\] routes to subset "v3" of host "reviews", which no DestinationRule defines/);
  });

  test("app.synth() fails on a webhook rule a patch breaks, with Istio's reason", () => {
    // GIVEN our service, patched with a retry policy that has no attempts
    const app = Testing.app();
    const chart = new Chart(app, 'bookinfo');
    const svc = new CanaryService(chart, 'reviews', { port: 9080, stable: V1, canary: V2, canaryWeight: 20 });
    svc.virtualService!.addJsonPatch(JsonPatch.add('/spec/http/0/retries', { attempts: 0, retryOn: '5xx' }));
    // WHEN / THEN
    expect(() => app.synth()).toThrow('bookinfo/reviews/VirtualService: http[0] retries: http retry policy configured when attempts are set to 0 (disabled); '
      + 'set attempts, or remove the policy [retries]');
  });

  test('analyzes once per synth and prints each warning once', () => {
    // GIVEN a chart with our service and a hand-written route whose weights do not add up to 100
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    new CanaryService(chart, 'reviews', { port: 80, stable: V1, canary: V2 });
    new ApiObject(chart, 'other', vs([{ route: [{ destination: { host: 'other' }, weight: 1 }, { destination: { host: 'x' }, weight: 1 }] }], { hosts: ['other'] }, 'other'));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      // WHEN cdk8s validates twice (App.synthYaml, then Chart.toJson)
      app.synthYaml();
      // THEN
      expect(stderr.mock.calls.filter(c => String(c[0]).includes('weights add up to 2'))).toHaveLength(1);
    } finally {
      stderr.mockRestore();
    }
  });

  test('analyzes again when the tree changed since the last synth', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    new CanaryService(chart, 'reviews', { port: 80, stable: V1, canary: V2 });
    expect(() => app.synthYaml()).not.toThrow();
    new ApiObject(chart, 'bad', vs([{ route: [to('v9')] }]));
    expect(() => app.synthYaml()).toThrow(/c\/bad: http\[0\] routes to subset "v9"/);
  });

  test('sees patches on our own VirtualService and DestinationRule', () => {
    const chart = Testing.chart();
    const svc = new CanaryService(chart, 'reviews', { port: 80, stable: V1, canary: V2, canaryWeight: 10 });
    expect(RoutingAnalyzer.analyze(chart)).toEqual([]);
    svc.destinationRule!.addJsonPatch(JsonPatch.replace('/spec/subsets/1/name', 'v2b'));
    expect(only(RoutingAnalyzer.analyze(chart), 'subset-not-found').source).toBe('test/reviews/VirtualService');
  });

  test('does not analyze at synth when the context turns it off', () => {
    const app = Testing.app();
    app.node.setContext(RoutingAnalyzer.CONTEXT_KEY, false);
    const chart = new Chart(app, 'c');
    new CanaryService(chart, 'reviews', { port: 80, stable: V1, canary: V2 });
    new ApiObject(chart, 'bad', vs([{ route: [to('v9')] }], { hosts: ['other'] }, 'other'));
    expect(() => app.synthYaml()).not.toThrow();
    expect(only(RoutingAnalyzer.analyze(chart), 'subset-not-found').source).toBe('c/bad');
  });

  test('checks our objects against a hand-written VirtualService in the same chart', () => {
    // GIVEN our service (v1, v2) and a hand-written route to a version it does not run
    const chart = Testing.chart();
    new CanaryService(chart, 'reviews', { port: 80, stable: V1, canary: V2 });
    new ApiObject(chart, 'edge', vs([{ route: [to('v2', 50), to('v3', 50)] }], { hosts: ['reviews.example.com'], gateways: ['public'] }, 'edge'));
    // WHEN / THEN our DestinationRule's subsets are read: v2 exists, v3 does not
    expect(only(RoutingAnalyzer.analyze(chart), 'subset-not-found').message).toContain('routes to subset "v3" of host "reviews"');
  });

  test('checks hosts across our services when nothing else is in the chart', () => {
    const chart = Testing.chart();
    new CanaryService(chart, 'a', { serviceName: 'reviews', port: 80, stable: V1, gateways: ['public'], hosts: ['shop.example.com'] });
    new CanaryService(chart, 'b', { serviceName: 'ratings', port: 80, stable: V1, gateways: ['public'], hosts: ['shop.example.com'] });
    // THEN both gateways clash; IST0109 is the code of the mesh gateway's check only
    expect(RoutingAnalyzer.analyze(chart).map(f => `${f.rule} ${f.source}: ${f.message}`)).toEqual(['public', 'mesh'].map(gw =>
      `conflicting-host test/b/VirtualService: host "shop.example.com" at gateway "${gw}" is also claimed by test/a/VirtualService; `
      + `Istio would pick one unpredictably${gw === 'mesh' ? ' (IST0109)' : ''}; give each host one VirtualService`));
  });

  test('validate() prints warnings and throws on errors', () => {
    const chart = Testing.chart();
    new ApiObject(chart, 'dr', dr(SUBSETS));
    new ApiObject(chart, 'vs', vs([{ route: [to('v1', 1), to('v2', 1)] }]));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => RoutingAnalyzer.validate(chart)).not.toThrow();
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('Warning: test/vs: http[0] weights add up to 2, not 100'));
      new ApiObject(chart, 'bad', vs([{ route: [to('v9')] }], { hosts: ['other'] }, 'other'));
      expect(() => RoutingAnalyzer.validate(chart)).toThrow('routing validation failed:\n  test/bad: http[0] routes to subset "v9"');
    } finally {
      stderr.mockRestore();
    }
  });

  test('analyzes Included YAML and plain manifests', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'analyzer-'));
    const file = path.join(dir, 'routing.yaml');
    fs.writeFileSync(file, [dr(SUBSETS), vs([{ route: [to('v1', 50), to('v4', 50)] }])].map(o => JSON.stringify(o)).join('\n---\n'));
    const chart = Testing.chart();
    new Include(chart, 'hand-written', { url: file });
    validateManifests(Testing.synth(chart));
    expect(only(RoutingAnalyzer.analyze(chart), 'subset-not-found').source).toBe('test/hand-written/reviews-virtualservice');
    expect(only(RoutingAnalyzer.analyzeManifests(Testing.synth(chart)), 'subset-not-found').source).toBe('VirtualService/reviews');
  });

  test('analyzes YAML files and directories', () => {
    // GIVEN a directory with a synthesized file routing to a missing subset
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'analyzer-files-'));
    fs.mkdirSync(path.join(dir, 'dist'));
    fs.writeFileSync(path.join(dir, 'dist', 'app.k8s.yaml'), [dr(SUBSETS), vs([{ route: [to('v1', 50), to('v4', 50)] }])].map(o => JSON.stringify(o)).join('\n---\n'));
    // WHEN / THEN
    expect(only(RoutingAnalyzer.analyzeFiles([path.join(dir, 'dist')]), 'subset-not-found').source).toBe('VirtualService/reviews');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('fails on a missing file, naming it, and on no paths', () => {
    const missing = path.join(os.tmpdir(), 'no-such-dir', 'app.k8s.yaml');
    expect(() => RoutingAnalyzer.analyzeFiles([missing])).toThrow(`cannot read "${missing}": no such file or directory`);
    expect(() => RoutingAnalyzer.analyzeFiles([])).toThrow('RoutingAnalyzer.analyzeFiles: paths must list at least one file or directory, got []');
  });
});

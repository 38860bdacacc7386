import { Chart, Testing } from 'cdk8s';
import { CanaryService, RoutingAnalyzer } from '../../../../src';
import { Severity } from '../../../../src/analyzer/finding';
import { looksPublic } from '../../../../src/providers/istio/rules/public-hosts';

const V1 = { version: 'v1', image: 'registry.example.com/api:1' };
const vs = (spec: any) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'api' }, spec });
const route = [{ route: [{ destination: { host: 'api' } }] }];

describe('public-looking hosts', () => {
  test.each([
    ['api.example.com', true],
    ['*.example.com', true],
    ['shop.example.co.uk', true],
    ['example.io', true],
    ['api', false],
    ['reviews.default', false],
    ['reviews.default.svc.cluster.local', false],
    ['reviews.team-a.svc', false],
    ['api.corp.internal', false],
    ['printer.local', false],
    ['10.0.0.1', false],
    ['*', false],
    ['', false],
    ['api..example.com', false],
  ])('%j looks public: %s', (host, expected) => {
    expect(looksPublic(host)).toBe(expected);
  });
});

describe('public-host-mesh-only', () => {
  test('warns about a public host on a VirtualService bound to the mesh only, naming both fixes', () => {
    // GIVEN a hand-written VirtualService without gateways that lists a public name
    const findings = RoutingAnalyzer.analyzeManifests([vs({ hosts: ['api', 'api.example.com'], http: route })]);
    // THEN one warning, with the host, the gateway fix and the removal fix
    const f = findings.filter(x => x.rule === 'public-host-mesh-only');
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe(Severity.WARNING);
    expect(f[0].message).toBe('hosts[1]: "api.example.com" looks like a public host, but the VirtualService is bound to no gateway, so only in-mesh callers that send that name reach it; '
      + 'bind it to a gateway (`gateways: [\'<namespace>/<gateway>\']`, with `includeMesh: false` for the public route only), or remove the host (in-mesh callers use "api")');
  });

  test.each([
    ['bound to a gateway', { gateways: ['istio-system/public'], hosts: ['api.example.com'], http: route }],
    ['bound to a gateway and the mesh', { gateways: ['istio-system/public', 'mesh'], hosts: ['api', 'api.example.com'], http: route }],
    ['in-mesh names only', { hosts: ['api', 'api.default.svc.cluster.local', 'api.default'], http: route }],
  ])('does not warn when %s', (_what, spec) => {
    expect(RoutingAnalyzer.analyzeManifests([vs(spec)]).filter(x => x.rule === 'public-host-mesh-only')).toEqual([]);
  });

  test('fires at synth for a CanaryService with hosts and no gateways, and the warning is printed', () => {
    // GIVEN a service claiming a public name inside the mesh only
    const app = Testing.app();
    const chart = new Chart(app, 'api');
    new CanaryService(chart, 'api', { port: 8080, stable: V1, hosts: ['api.example.com'] });
    const printed: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => { printed.push(String(s)); return true; });
    try {
      // WHEN synthesized
      app.synth();
    } finally {
      spy.mockRestore();
    }
    // THEN the warning is printed with the object's path and the rule
    expect(printed.join('')).toContain('Warning: api/api/VirtualService: hosts[1]: "api.example.com" looks like a public host');
    expect(printed.join('')).toContain('[public-host-mesh-only]');
  });
});

describe('warnings the constructs do not check, printed at synth', () => {
  test('a legacy name.namespace gateway of a CanaryService is warned at synth, as by validate', () => {
    // GIVEN a service bound to a gateway written the legacy way
    const app = Testing.app();
    const chart = new Chart(app, 'api');
    new CanaryService(chart, 'api', { port: 8080, stable: V1, gateways: ['public.istio-system'], hosts: ['api.example.com'] });
    // WHEN analyzed as synth does
    const findings = RoutingAnalyzer.analyze(app).filter(f => f.rule === 'vs-gateway-legacy');
    // THEN the legacy gateway is reported with the <namespace>/<name> form to use
    expect(findings).toEqual([{
      severity: Severity.WARNING,
      rule: 'vs-gateway-legacy',
      source: 'api/api/VirtualService',
      message: 'gateways[0]: using legacy gatewayName format "public.istio-system"; prefer the <namespace>/<name> format: "istio-system/public"',
    }]);
    // and app.synth() prints it, as the README says of warnings
    const printed: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((t: any) => { printed.push(String(t)); return true; });
    try {
      app.synth();
    } finally {
      spy.mockRestore();
    }
    expect(printed.join('')).toContain('Warning: api/api/VirtualService: gateways[0]: using legacy gatewayName format "public.istio-system"; prefer the <namespace>/<name> format: "istio-system/public" [vs-gateway-legacy]');
  });
});

import { RoutingAnalyzer } from '../../../../src';
import { fqdn, hostsMatch, serviceKey, visibility } from '../../../../src/providers/istio/rules/hosts';

const vs = (name: string, namespace: string | undefined, spec: any) => ({
  apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, ...(namespace ? { namespace } : {}) }, spec,
});
const dr = (name: string, namespace: string | undefined, spec: any) => ({
  apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, ...(namespace ? { namespace } : {}) }, spec,
});
const to = (host: string, subset?: string) => [{ route: [{ destination: { host, ...(subset ? { subset } : {}) } }] }];

/** `rule source` of each finding. */
function analyze(...objects: any[]): string[] {
  return RoutingAnalyzer.analyzeManifests(objects).map(f => `${f.rule} ${f.source}`);
}

describe('host identity', () => {
  test('a short name is a Service of the object namespace; FQDNs and names with dots are kept', () => {
    expect(fqdn('ratings', 'team1')).toBe('ratings.team1.svc.cluster.local');
    expect(fqdn('ratings.team2.svc.cluster.local', 'team1')).toBe('ratings.team2.svc.cluster.local');
    expect(fqdn('ratings.team2', 'team1')).toBe('ratings.team2');
    expect(fqdn('*.example.com', 'team1')).toBe('*.example.com');
    expect(serviceKey('sample.bar.svc.cluster.local', 'default')).toBe('bar/sample');
    expect(serviceKey('sample', 'default')).toBe('default/sample');
  });

  test('wildcards overlap as Istio matches them', () => {
    expect(hostsMatch('*.example.com', 'a.example.com')).toBe(true);
    expect(hostsMatch('*.example.com', '*.b.example.com')).toBe(true);
    expect(hostsMatch('*.com', '*.example.com')).toBe(true);
    expect(hostsMatch('*.example.com', 'example.com')).toBe(false);
    expect(hostsMatch('a.example.com', 'b.example.com')).toBe(false);
  });

  test('exportTo: nothing or * is every namespace, . is the own one', () => {
    expect(visibility(undefined, 'team1')).toEqual(['*']);
    expect(visibility(['.', 'team2'], 'team1')).toEqual(['team1', 'team2']);
    expect(visibility(['*'], 'team1')).toEqual(['*']);
  });
});

describe('conflicting hosts (IST0109) with namespaces and exportTo', () => {
  test('ratings in team1 and ratings in team2 are different hosts', () => {
    // GIVEN one VirtualService for the short name ratings in each of two namespaces
    const findings = analyze(vs('ratings', 'team1', { hosts: ['ratings'], http: to('ratings') }),
      vs('ratings', 'team2', { hosts: ['ratings'], http: to('ratings') }));
    // THEN no conflict
    expect(findings).toEqual([]);
  });

  test('the short name and the FQDN of one Service clash', () => {
    const findings = analyze(vs('a', 'team1', { hosts: ['ratings'], http: to('ratings') }),
      vs('b', 'team2', { hosts: ['ratings.team1.svc.cluster.local'], http: to('ratings.team1.svc.cluster.local') }));
    expect(findings).toEqual(['conflicting-host VirtualService/team2/b']);
  });

  test('VirtualServices exported to disjoint namespaces do not clash; one exported everywhere clashes with both', () => {
    // GIVEN *.productpage.b in foo (exported to foo) and in bar (exported to bar): each namespace sees one
    const scoped = [vs('pp', 'foo', { hosts: ['*.productpage.b'], exportTo: ['foo'], http: to('productpage') }),
      vs('pp', 'bar', { hosts: ['*.productpage.b'], exportTo: ['.'], http: to('productpage') })];
    expect(analyze(...scoped)).toEqual([]);
    // WHEN a third one is exported to every namespace
    const findings = analyze(...scoped, vs('pp', 'baz', { hosts: ['*.productpage.b'], http: to('productpage') }));
    // THEN it clashes
    expect(findings).toEqual(['conflicting-host VirtualService/baz/pp']);
  });
});

describe('subsets looked up by Service, namespaces included', () => {
  const SUBSETS = [{ name: 'v1', labels: { version: 'v1' } }];

  test('a VirtualService without namespace keeps sample.bar.svc.cluster.local in namespace bar', () => {
    // GIVEN a route to subset v1 of sample in namespace bar, and a DestinationRule for sample in namespace default
    const route = vs('sample', undefined, { hosts: ['sample'], http: to('sample.bar.svc.cluster.local', 'v1') });
    // WHEN / THEN the default namespace's subsets are not bar's
    expect(analyze(route, dr('sample', undefined, { host: 'sample', subsets: SUBSETS }))).toEqual(['subset-not-found VirtualService/sample']);
    expect(analyze(route, dr('sample', 'bar', { host: 'sample', subsets: SUBSETS }))).toEqual([]);
  });

  test('a short destination host is the Service of the VirtualService namespace', () => {
    const route = vs('reviews', 'shop', { hosts: ['reviews'], http: to('reviews', 'v1') });
    expect(analyze(route, dr('reviews', 'shop', { host: 'reviews.shop.svc.cluster.local', subsets: SUBSETS }))).toEqual([]);
    expect(analyze(route, dr('reviews', 'other', { host: 'reviews', subsets: SUBSETS }))).toEqual(['subset-not-found VirtualService/shop/reviews']);
  });

  test('two DestinationRules for one host warn only within one namespace', () => {
    expect(analyze(dr('a', 'team1', { host: 'ratings' }), dr('a', 'team2', { host: 'ratings' }))).toEqual([]);
    expect(analyze(dr('a', 'team1', { host: 'ratings' }), dr('b', 'team1', { host: 'ratings.team1.svc.cluster.local' })))
      .toEqual(['duplicate-destination-rule DestinationRule/team1/b']);
  });
});

describe('destination ports (IST0112, IST0101) for Services among the objects', () => {
  const svc = (ports: number[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: 'shop' }, spec: { ports: ports.map(port => ({ port })) } });
  const route = (port?: number) => vs('reviews', 'shop', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', ...(port ? { port: { number: port } } : {}) } }] }] });

  test('fails on a route without port to a Service with several ports', () => {
    // GIVEN a Service with ports 80 and 9080, and a route that names none
    const findings = RoutingAnalyzer.analyzeManifests([svc([80, 9080]), route()]);
    // THEN
    expect(findings.map(f => `${f.rule}: ${f.message}`)).toEqual([
      'destination-port: http[0] routes to "reviews", which exposes ports 80, 9080: name the port in the destination (IST0112)',
    ]);
  });

  test('fails on a port the Service does not expose', () => {
    const findings = RoutingAnalyzer.analyzeManifests([svc([9080]), route(8080)]);
    expect(findings.map(f => `${f.rule}: ${f.message}`)).toEqual([
      'destination-port: http[0] routes to port 8080 of "reviews", which exposes only 9080 (IST0101); use one of them',
    ]);
  });

  test('accepts a route without port to a Service with one port, and a named port', () => {
    expect(RoutingAnalyzer.analyzeManifests([svc([9080]), route()])).toEqual([]);
    expect(RoutingAnalyzer.analyzeManifests([svc([80, 9080]), route(9080)])).toEqual([]);
  });
});

describe("Istio's IST0109 analyzer test data (virtualservice_conflictingmeshgatewayhosts*.yaml)", () => {
  // [namespace, name, hosts, gateways, exportTo]: the VirtualServices of Istio's two files, as data
  type Row = [string, string, string[], string[] | undefined, string[] | undefined];
  const objects = (rows: Row[]) => rows.map(([ns, name, hosts, gateways, exportTo]) =>
    vs(name, ns, { hosts, ...(gateways ? { gateways } : {}), ...(exportTo ? { exportTo } : {}), http: to('productpage') }));
  const conflicts = (rows: Row[]) => [...new Set(RoutingAnalyzer.analyzeManifests(objects(rows))
    .filter(f => f.rule === 'conflicting-host')
    .map(f => `${f.source} ~ ${/claimed by (\S+);/.exec(f.message)![1]}`))].sort();

  test('namespaces, FQDNs and gateways', () => {
    // GIVEN Istio's first file; Istio flags team3/team4, foo/bar ratings, the two productpages, team2 (google.com)
    const rows: Row[] = [
      ['foo', 'productpage', ['productpage'], undefined, undefined],
      ['foo', 'bogus-productpage', ['productpage'], undefined, undefined],
      ['foo', 'reviews', ['reviews'], undefined, undefined],
      ['bar', 'reviews', ['reviews.foo.svc.cluster.local'], ['istio-ingressgateway'], undefined],
      ['foo', 'ratings', ['ratings'], ['mesh'], undefined],
      ['bar', 'ratings', ['ratings.foo.svc.cluster.local', 'google.com'], ['istio-ingressgateway', 'mesh'], undefined],
      ['team1', 'ratings', ['ratings'], ['mesh'], ['.']],
      ['team2', 'ratings', ['ratings.team1.svc.cluster.local', 'google.com'], ['istio-ingressgateway', 'mesh'], ['.']],
      ['team3', 'ratings', ['ratings'], ['mesh'], ['*']],
      ['team4', 'ratings', ['ratings.team3.svc.cluster.local'], ['istio-ingressgateway', 'mesh'], undefined],
    ];
    // WHEN / THEN the same pairs, each reported once on the later VirtualService
    expect(conflicts(rows)).toEqual([
      'VirtualService/bar/ratings ~ VirtualService/foo/ratings',
      'VirtualService/foo/bogus-productpage ~ VirtualService/foo/productpage',
      'VirtualService/team2/ratings ~ VirtualService/bar/ratings',
      'VirtualService/team4/ratings ~ VirtualService/team3/ratings',
    ]);
  });

  test('exportTo and wildcards', () => {
    // GIVEN Istio's second file; Istio flags productpage, productpage-c and productpage-d in foo and bar
    const rows: Row[] = [
      ['foo', 'productpage', ['*.productpage'], undefined, undefined],
      ['bar', 'productpage', ['*.productpage'], undefined, undefined],
      ['foo', 'productpage-b', ['*.productpage.b'], undefined, ['foo']],
      ['bar', 'productpage-b', ['*.productpage.b'], undefined, ['.']],
      ['foo', 'productpage-c', ['*.productpage.c'], undefined, ['foo']],
      ['bar', 'productpage-c', ['*.productpage.c'], undefined, ['*']],
      ['foo', 'productpage-d', ['*.productpage.d'], undefined, ['.']],
      ['bar', 'productpage-d', ['*.d'], undefined, ['*']],
    ];
    // WHEN / THEN
    expect(conflicts(rows)).toEqual([
      'VirtualService/bar/productpage ~ VirtualService/foo/productpage',
      'VirtualService/bar/productpage-c ~ VirtualService/foo/productpage-c',
      'VirtualService/bar/productpage-d ~ VirtualService/foo/productpage-d',
    ]);
  });
});

describe('VirtualService hosts a Gateway among the objects does not serve (IST0132)', () => {
  const gateway = (hosts: string[]) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: 'public', namespace: 'istio-system' },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }] },
  });
  const route = vs('shop', 'shop', { hosts: ['shop.example.com'], gateways: ['istio-system/public'], http: to('shop') });

  test('warns when no host of the VirtualService is served by the Gateway', () => {
    // GIVEN a Gateway serving *.example.org, and a VirtualService for shop.example.com bound to it
    const findings = RoutingAnalyzer.analyzeManifests([gateway(['*.example.org']), route]);
    // THEN
    expect(findings.map(f => `${f.severity} ${f.rule}: ${f.message}`)).toEqual([
      'warning gateway-host: gateways[0]: none of the hosts ["shop.example.com"] is served by Gateway Gateway/istio-system/public '
      + '(its hosts for namespace shop: *.example.org) (IST0132); add the host to a server of the Gateway, or fix the VirtualService\'s hosts',
    ]);
  });

  test('reads namespace-scoped server hosts, and ignores Gateways that are not among the objects', () => {
    expect(RoutingAnalyzer.analyzeManifests([gateway(['shop/*.example.com']), route])).toEqual([]);
    expect(RoutingAnalyzer.analyzeManifests([gateway(['other/*.example.com']), route]).map(f => f.rule)).toEqual(['gateway-host']);
    expect(RoutingAnalyzer.analyzeManifests([route])).toEqual([]);
  });
});

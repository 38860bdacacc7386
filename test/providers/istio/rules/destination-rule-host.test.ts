import { RoutingAnalyzer, Severity } from '../../../../src';

// Cases written from Istio's analyzer (destinationrule/subset.go with util/service_lookup.go,
// GetDestinationHost) and its IST0174 test data; the objects are ours.
const svc = (name: string, namespace: string, exportTo?: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace, ...(exportTo !== undefined ? { annotations: { 'networking.istio.io/exportTo': exportTo } } : {}) },
  spec: { selector: { app: name }, ports: [{ port: 80 }] },
});
const dr = (name: string, namespace: string, host: string, exportTo?: string[]) => ({
  apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace }, spec: { host, ...(exportTo ? { exportTo } : {}) },
});
const se = (name: string, namespace: string, hosts: string[], exportTo?: string[]) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name, namespace },
  spec: { hosts, location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 443, name: 'https', protocol: 'TLS' }], ...(exportTo ? { exportTo } : {}) },
});

/** The sources of the IST0174 findings. */
function unknownHosts(...objects: any[]): string[] {
  return RoutingAnalyzer.analyzeManifests(objects).filter(f => f.rule === 'destination-rule-host-not-found').map(f => f.source);
}

describe('DestinationRule host that matches no Service (IST0174)', () => {
  test('warns on a host no Service of its namespace has, naming the host', () => {
    // GIVEN Services reviews in shop, and DestinationRules for reviews and ratings there
    const objects = [svc('reviews', 'shop'), dr('reviews', 'shop', 'reviews'), dr('ratings', 'shop', 'ratings')];
    // WHEN
    const findings = RoutingAnalyzer.analyzeManifests(objects).filter(f => f.rule === 'destination-rule-host-not-found');
    // THEN only ratings, as a warning
    expect(findings.map(f => [f.severity, f.source, f.message])).toEqual([[Severity.WARNING, 'DestinationRule/shop/ratings',
      'The host ratings defined in the DestinationRule does not match any services in the mesh (IST0174): no Service or ServiceEntry of the input '
      + 'has host "ratings.shop.svc.cluster.local" visible to namespace shop; its settings apply to no traffic: fix the host, or add the Service or ServiceEntry']]);
  });

  test('says nothing when the input holds no Services, or none of the host\'s namespace', () => {
    // GIVEN no Services at all
    expect(unknownHosts(dr('ratings', 'shop', 'ratings'))).toEqual([]);
    // GIVEN Services of shop only, and a rule for a Service of another namespace
    expect(unknownHosts(svc('reviews', 'shop'), dr('ratings', 'shop', 'ratings.other.svc.cluster.local'))).toEqual([]);
    // WHEN the input holds that namespace's Services, but not this one
    expect(unknownHosts(svc('reviews', 'other'), dr('ratings', 'shop', 'ratings.other.svc.cluster.local'))).toEqual(['DestinationRule/shop/ratings']);
    // WHEN it holds it
    expect(unknownHosts(svc('ratings', 'other'), dr('ratings', 'shop', 'ratings.other.svc.cluster.local'))).toEqual([]);
  });

  test('a short host is the Service of the rule\'s namespace, not of another', () => {
    // GIVEN ratings in other, and a rule in shop for the short name ratings (ratings.shop)
    expect(unknownHosts(svc('ratings', 'other'), svc('reviews', 'shop'), dr('ratings', 'shop', 'ratings'))).toEqual(['DestinationRule/shop/ratings']);
  });

  test('a ServiceEntry host counts, as written or by a wildcard', () => {
    const base = svc('reviews', 'shop');
    // GIVEN a ServiceEntry for api.example.com exported everywhere
    expect(unknownHosts(base, se('api', 'egress', ['api.example.com']), dr('api', 'shop', 'api.example.com'))).toEqual([]);
    // WHEN there is none
    expect(unknownHosts(base, dr('api', 'shop', 'api.example.com'))).toEqual(['DestinationRule/shop/api']);
    // WHEN a wildcard ServiceEntry covers it, and a narrower wildcard rule host
    const wild = se('wild', 'egress', ['*.example.com']);
    expect(unknownHosts(base, wild, dr('api', 'shop', 'api.example.com'), dr('sub', 'shop', '*.api.example.com'))).toEqual([]);
    // WHEN the wildcard does not cover it
    expect(unknownHosts(base, wild, dr('api', 'shop', 'api.example.org'))).toEqual(['DestinationRule/shop/api']);
  });

  test('a wildcard rule host matches no Service (only a wildcard ServiceEntry)', () => {
    expect(unknownHosts(svc('reviews', 'shop'), dr('all', 'shop', '*.shop.svc.cluster.local'))).toEqual(['DestinationRule/shop/all']);
  });

  test('exportTo: a ServiceEntry or Service visible to the rule\'s namespace only counts there', () => {
    const base = svc('reviews', 'shop');
    // GIVEN a ServiceEntry exported to its own namespace (egress)
    const local = se('api', 'egress', ['api.example.com'], ['.']);
    // WHEN the rule is in egress / in shop / in shop but exported to egress (Istio looks the host up in the rule's exportTo scopes)
    expect(unknownHosts(base, local, dr('api', 'egress', 'api.example.com'))).toEqual([]);
    expect(unknownHosts(base, local, dr('api', 'shop', 'api.example.com'))).toEqual(['DestinationRule/shop/api']);
    expect(unknownHosts(base, local, dr('api', 'shop', 'api.example.com', ['egress']))).toEqual([]);
    // GIVEN a Service exported to its own namespace by annotation
    const hidden = svc('ratings', 'data', '.');
    expect(unknownHosts(hidden, dr('ratings', 'data', 'ratings'))).toEqual([]);
    expect(unknownHosts(hidden, dr('ratings', 'shop', 'ratings.data.svc.cluster.local'))).toEqual(['DestinationRule/shop/ratings']);
  });
});

describe('conflicting mesh hosts (IST0109): exportTo ~', () => {
  const vs = (name: string, namespace: string, exportTo?: string[]) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: { hosts: ['ratings.data.svc.cluster.local'], ...(exportTo ? { exportTo } : {}), http: [{ route: [{ destination: { host: 'ratings.data.svc.cluster.local' } }] }] },
  });
  const conflicts = (...objects: any[]) => RoutingAnalyzer.analyzeManifests(objects).filter(f => f.rule === 'conflicting-host').map(f => f.source);

  test('a VirtualService exported nowhere (~) claims no host, even beside another exported nowhere', () => {
    // GIVEN two VirtualServices for one host in two namespaces
    // WHEN both are exported everywhere / both to ~ / one to ~
    expect(conflicts(vs('a', 'team1'), vs('b', 'team2'))).toEqual(['VirtualService/team2/b']);
    expect(conflicts(vs('a', 'team1', ['~']), vs('b', 'team2', ['~']))).toEqual([]);
    expect(conflicts(vs('a', 'team1', ['~']), vs('b', 'team2'))).toEqual([]);
  });
});

import { Finding, Severity } from '../../../../src';
import { checkIstioObject } from '../../../../src/providers/istio/rules';

const dr = (spec: any, namespace = 'shop') => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'reviews', namespace },
  spec: { host: 'reviews', ...spec },
});
/** A DestinationRule for reviews with a top-level traffic policy. */
const policy = (trafficPolicy: any) => dr({ trafficPolicy });

function findings(json: any): Finding[] {
  return checkIstioObject(json, 'DestinationRule/shop/reviews');
}

// [rule, what is wrong, object, severity, message]
const CASES: Array<[string, string, any, Severity, string]> = [
  ['dr-host', 'an IP address as host', dr({ host: '10.0.0.1' }), Severity.ERROR,
    'host: "10.0.0.1" is not a valid host: top level domain "1" cannot be all-numeric'],
  ['dr-host', 'no host', dr({ host: undefined }), Severity.ERROR, 'host: "" is not a valid host: an empty domain name is not allowed'],
  ['subset-name', 'an empty subset name', dr({ subsets: [{ name: '', labels: { version: 'v1' } }] }), Severity.ERROR, 'subsets[0]: subset name cannot be empty'],
  ['subset-labels', 'a label value with a space', dr({ subsets: [{ name: 'v1', labels: { version: 'v 1' } }] }), Severity.ERROR,
    'subsets[0].labels: label value "v 1" of "version" is invalid: at most 63 letters, digits, \'-\', \'_\' or \'.\', starting and ending with a letter or digit'],
  ['workload-selector', 'a wildcard in the workload selector', dr({ workloadSelector: { matchLabels: { app: 'rev*' } } }), Severity.ERROR,
    'workloadSelector.matchLabels: wildcard is not supported in selector: "app=rev*"'],
  ['workload-selector', 'a workload selector without labels', dr({ workloadSelector: {} }), Severity.WARNING,
    'workloadSelector: workload selector specified without labels; it selects every workload of the namespace'],
  ['export-to', 'a workload-selector rule exported elsewhere', dr({ workloadSelector: { matchLabels: { app: 'a' } }, exportTo: ['other'] }), Severity.ERROR,
    'exportTo: destination rule with workload selector cannot have exportTo beyond current namespace "shop"'],
  ['traffic-policy', 'an empty traffic policy', policy({}), Severity.ERROR,
    'trafficPolicy: traffic policy must have at least one field (outlierDetection, connectionPool, loadBalancer, tls, portLevelSettings, tunnel, proxyProtocol, retryBudget); remove it, or set one'],
  ['traffic-policy', 'a subset traffic policy that is empty', dr({ subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: {} }] }), Severity.ERROR,
    'subsets[0].trafficPolicy: traffic policy must have at least one field (outlierDetection, connectionPool, loadBalancer, tls, portLevelSettings, tunnel, proxyProtocol, retryBudget); remove it, or set one'],
  ['traffic-policy', 'a port-level setting without port', policy({ portLevelSettings: [{ tls: { mode: 'ISTIO_MUTUAL' } }] }), Severity.ERROR,
    'trafficPolicy.portLevelSettings[0]: portTrafficPolicy must have valid port; set port.number'],
  ['traffic-policy', 'tunnel and proxy protocol together', policy({ tunnel: { targetHost: 'a.b', targetPort: 80 }, proxyProtocol: { version: 'V1' } }), Severity.ERROR,
    'trafficPolicy: tunnel and proxyProtocol must not be set together; keep one'],
  ['traffic-policy', 'a tunnel target port 0', policy({ tunnel: { targetHost: 'egress.example.com', targetPort: 0 } }), Severity.ERROR,
    'trafficPolicy.tunnel.targetPort: port number must be an integer from 1 to 65535, got 0'],
  ['connection-pool', 'a connection pool without http or tcp', policy({ connectionPool: {} }), Severity.ERROR,
    'trafficPolicy.connectionPool: connection pool must have at least one field (http, tcp); remove it, or set one'],
  ['connection-pool', 'a negative max connections', policy({ connectionPool: { tcp: { maxConnections: -1 } } }), Severity.ERROR,
    'trafficPolicy.connectionPool.tcp.maxConnections: must be a non-negative integer, got -1'],
  ['connection-pool', 'an h2 upgrade with the client protocol', policy({ connectionPool: { http: { h2UpgradePolicy: 'UPGRADE', useClientProtocol: true } } }), Severity.ERROR,
    'trafficPolicy.connectionPool.http: use client protocol must not be true when h2UpgradePolicy is UPGRADE; keep one'],
  ['connection-pool', 'a connect timeout under 1ms', policy({ connectionPool: { tcp: { connectTimeout: '0.5ms' } } }), Severity.ERROR,
    'trafficPolicy.connectionPool.tcp.connectTimeout: duration must be greater than 1ms, got "0.5ms"'],
  ['load-balancer', 'a hash cookie without name', policy({ loadBalancer: { consistentHash: { httpCookie: { ttl: '0s' } } } }), Severity.ERROR,
    'trafficPolicy.loadBalancer.consistentHash.httpCookie: name required for httpCookie'],
  ['load-balancer', 'a maglev table size that is not prime', policy({ loadBalancer: { consistentHash: { useSourceIp: true, maglev: { tableSize: 1000 } } } }), Severity.ERROR,
    'trafficPolicy.loadBalancer.consistentHash.maglev.tableSize: tableSize must be a prime number for maglev, got 1000'],
  ['load-balancer', 'the deprecated minimumRingSize', policy({ loadBalancer: { consistentHash: { useSourceIp: true, minimumRingSize: 1024 } } }), Severity.WARNING,
    "trafficPolicy.loadBalancer.consistentHash.minimumRingSize: consistent hash minimumRingSize is deprecated, use consistentHash's ringHash configuration instead"],
  ['load-balancer', 'a warmup without duration', policy({ loadBalancer: { simple: 'ROUND_ROBIN', warmup: { minimumPercent: 10 } } }), Severity.ERROR,
    'trafficPolicy.loadBalancer.warmup: duration is required'],
  ['locality-lb', 'distribute weights that do not add up to 100', policy({
    loadBalancer: { localityLbSetting: { distribute: [{ from: 'us-east/*', to: { 'us-east/*': 60, 'us-west/*': 30 } }] } },
  }), Severity.ERROR, 'trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to: total locality weight 90 != 100; make the weights add up to 100'],
  ['locality-lb', 'overlapping source localities', policy({
    loadBalancer: { localityLbSetting: { distribute: [{ from: 'us-east/*', to: { 'us-east/*': 100 } }, { from: 'us-east/zone1', to: { 'us-east/*': 100 } }] } },
  }), Severity.ERROR, 'trafficPolicy.loadBalancer.localityLbSetting.distribute: locality us-east/zone1 overlap with previous specified ones'],
  ['locality-lb', 'failover to the same region', policy({
    loadBalancer: { localityLbSetting: { failover: [{ from: 'us-east', to: 'us-east' }] } }, outlierDetection: { consecutive5xxErrors: 5 },
  }), Severity.ERROR, 'trafficPolicy.loadBalancer.localityLbSetting.failover[0]: locality lb failover settings must specify different regions, got "us-east" twice'],
  ['locality-lb', 'failover without outlier detection', policy({ loadBalancer: { localityLbSetting: { failover: [{ from: 'us-east', to: 'us-west' }] } } }), Severity.WARNING,
    'trafficPolicy.loadBalancer.localityLbSetting: outlier detection policy must be provided for failover; add trafficPolicy.outlierDetection'],
  ['outlier-detection', 'local origin failures without split errors', policy({ outlierDetection: { consecutiveLocalOriginFailures: 3 } }), Severity.ERROR,
    'trafficPolicy.outlierDetection: outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false; set splitExternalLocalOriginErrors: true'],
  ['outlier-detection', 'a max ejection percent above 100', policy({ outlierDetection: { maxEjectionPercent: 101 } }), Severity.ERROR,
    'trafficPolicy.outlierDetection.maxEjectionPercent: percentage must be an integer from 0 to 100, got 101'],
  ['outlier-detection', 'the deprecated consecutiveErrors', policy({ outlierDetection: { consecutiveErrors: 5 } }), Severity.WARNING,
    'trafficPolicy.outlierDetection.consecutiveErrors: outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead'],
  ['tls', 'mutual TLS without client certificate', policy({ tls: { mode: 'MUTUAL', privateKey: '/k.pem' } }), Severity.ERROR,
    'trafficPolicy.tls: client certificate required for mutual tls; set clientCertificate or credentialName'],
  ['tls', 'a credential and certificates together', policy({ portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'SIMPLE', credentialName: 'c', caCertificates: '/ca.pem' } }] }), Severity.ERROR,
    'trafficPolicy.portLevelSettings[0].tls: cannot specify client certificates or CA certificate or CA CRL if credentialName is set; the credential holds them'],
  ['tls', 'a configmap credential of another namespace', policy({ tls: { mode: 'SIMPLE', credentialName: 'configmap://other/ca' } }), Severity.ERROR,
    'trafficPolicy.tls.credentialName: invalid configmap:// credentialName: namespace must match the configuration namespace "shop"'],
];

describe('DestinationRule and traffic policy rules', () => {
  test.each(CASES)('%s: fails on %s', (ruleId, _what, json, severity, message) => {
    // GIVEN a DestinationRule with one mistake
    // WHEN it is checked alone
    const found = findings(json).filter(f => f.rule === ruleId);
    // THEN that finding, with its message
    expect(found.map(f => ({ severity: f.severity, message: f.message }))).toContainEqual({ severity, message });
  });

  test('accepts a complete valid policy, with Go durations and a disabled tcp idle timeout', () => {
    // GIVEN every part of a traffic policy, valid
    const json = dr({
      host: '*.shop.svc.cluster.local',
      exportTo: ['.'],
      trafficPolicy: {
        connectionPool: {
          tcp: { maxConnections: 100, connectTimeout: '30ms', idleTimeout: '0s', tcpKeepalive: { time: '2h', interval: '75s' } },
          http: { http1MaxPendingRequests: 10, maxRequestsPerConnection: 0, idleTimeout: '1m' },
        },
        loadBalancer: { consistentHash: { httpCookie: { name: 'user', ttl: '0s' } }, localityLbSetting: { failoverPriority: ['topology.kubernetes.io/zone'] } },
        outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 100 },
        tls: { mode: 'ISTIO_MUTUAL' },
        portLevelSettings: [{ port: { number: 9080 }, loadBalancer: { simple: 'LEAST_REQUEST', warmup: { duration: '60s' } } }],
      },
      subsets: [{ name: 'V1', labels: { 'app.kubernetes.io/version': 'v1' } }],
    });
    // WHEN / THEN
    expect(findings(json)).toEqual([]);
  });
});

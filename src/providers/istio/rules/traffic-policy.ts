// Istio's webhook rules for a DestinationRule's traffic policy (internal): connection pool,
// load balancer (consistent hash, locality and zone-aware settings, warmup), outlier
// detection, TLS, port-level settings, tunnel and proxy protocol. Follows istio/istio
// pkg/config/validation validateTrafficPolicy and its callees, and agent/validation.go
// (ValidateTLS, ValidateLocalityLbSetting, ValidateZoneAwareLbSetting); the code is ours.
import {
  Report, checkDuration, checkNonNegative, checkPercent, checkPort, entries, fqdnError, isIpAddress, isObject, isSet, list, parseDuration, show,
} from './_check';

const TOPOLOGY_LABELS = new Set(['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone']);
const RULE = 'traffic-policy';

/** A traffic policy at the top level or of a subset; `at` is its path. */
export function checkTrafficPolicy(r: Report, at: string, policy: any, namespace: string): void {
  if (policy === undefined || policy === null) return;
  if (!isObject(policy)) {
    r.error(RULE, at, `must be an object, got ${show(policy)}`);
    return;
  }
  const fields = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol', 'retryBudget'];
  if (!fields.some(f => policy[f] !== undefined && policy[f] !== null)) {
    r.error(RULE, at, `traffic policy must have at least one field (${fields.join(', ')}); remove it, or set one`);
    return;
  }
  if (isObject(policy.tunnel) && isObject(policy.proxyProtocol)) {
    r.error(RULE, at, 'tunnel and proxyProtocol must not be set together; keep one');
    return;
  }
  checkOutlierDetection(r, `${at}.outlierDetection`, policy.outlierDetection);
  checkConnectionPool(r, `${at}.connectionPool`, policy.connectionPool);
  checkLoadBalancer(r, `${at}.loadBalancer`, policy.loadBalancer, policy.outlierDetection);
  checkTls(r, `${at}.tls`, policy.tls, namespace);
  for (const [i, pl] of list(policy.portLevelSettings).entries()) {
    const where = `${at}.portLevelSettings[${i}]`;
    if (!isObject(pl)) {
      r.error(RULE, where, 'traffic policy may not be null');
      continue;
    }
    if (!isObject(pl.port)) r.error(RULE, where, 'portTrafficPolicy must have valid port; set port.number');
    if (!['outlierDetection', 'connectionPool', 'loadBalancer', 'tls'].some(f => pl[f] !== undefined && pl[f] !== null)) {
      r.error(RULE, where, 'port traffic policy must have at least one field (outlierDetection, connectionPool, loadBalancer, tls)');
      continue;
    }
    checkOutlierDetection(r, `${where}.outlierDetection`, pl.outlierDetection);
    checkConnectionPool(r, `${where}.connectionPool`, pl.connectionPool);
    checkLoadBalancer(r, `${where}.loadBalancer`, pl.loadBalancer, pl.outlierDetection);
    checkTls(r, `${where}.tls`, pl.tls, namespace);
  }
  checkTunnel(r, `${at}.tunnel`, policy.tunnel);
  if (isObject(policy.proxyProtocol) && policy.proxyProtocol.version !== undefined && !['V1', 'V2', 0, 1].includes(policy.proxyProtocol.version)) {
    r.error(RULE, `${at}.proxyProtocol.version`, `proxy protocol version is invalid: ${show(policy.proxyProtocol.version)}; use V1 or V2`);
  }
}

function checkOutlierDetection(r: Report, at: string, o: any): void {
  if (!isObject(o)) return;
  const rule = 'outlier-detection';
  if (o.baseEjectionTime !== undefined) checkDuration(r, rule, `${at}.baseEjectionTime`, o.baseEjectionTime);
  if (isSet(o.consecutiveErrors)) {
    r.warn(rule, `${at}.consecutiveErrors`, 'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead');
  }
  if (!o.splitExternalLocalOriginErrors && typeof o.consecutiveLocalOriginFailures === 'number' && o.consecutiveLocalOriginFailures > 0) {
    r.error(rule, at, 'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false; set splitExternalLocalOriginErrors: true');
  }
  if (o.interval !== undefined) checkDuration(r, rule, `${at}.interval`, o.interval);
  checkPercent(r, rule, `${at}.maxEjectionPercent`, o.maxEjectionPercent);
  checkPercent(r, rule, `${at}.minHealthPercent`, o.minHealthPercent);
}

function checkConnectionPool(r: Report, at: string, pool: any): void {
  if (pool === undefined || pool === null) return;
  const rule = 'connection-pool';
  if (!isObject(pool) || (!isObject(pool.http) && !isObject(pool.tcp))) {
    r.error(rule, at, 'connection pool must have at least one field (http, tcp); remove it, or set one');
    return;
  }
  const http = pool.http;
  if (isObject(http)) {
    for (const f of ['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'maxConcurrentStreams']) {
      checkNonNegative(r, rule, `${at}.http.${f}`, http[f]);
    }
    if (http.idleTimeout !== undefined) checkDuration(r, rule, `${at}.http.idleTimeout`, http.idleTimeout);
    if (http.h2UpgradePolicy === 'UPGRADE' && http.useClientProtocol === true) {
      r.error(rule, `${at}.http`, 'use client protocol must not be true when h2UpgradePolicy is UPGRADE; keep one');
    }
    if (isObject(http.http2KeepAlive)) {
      for (const f of ['interval', 'timeout']) {
        if (http.http2KeepAlive[f] === undefined) r.error(rule, `${at}.http.http2KeepAlive`, `http2 keepalive ${f} is required`);
        else checkDuration(r, rule, `${at}.http.http2KeepAlive.${f}`, http.http2KeepAlive[f]);
      }
    }
  }
  const tcp = pool.tcp;
  if (isObject(tcp)) {
    checkNonNegative(r, rule, `${at}.tcp.maxConnections`, tcp.maxConnections);
    if (tcp.connectTimeout !== undefined) checkDuration(r, rule, `${at}.tcp.connectTimeout`, tcp.connectTimeout);
    if (tcp.maxConnectionDuration !== undefined) checkDuration(r, rule, `${at}.tcp.maxConnectionDuration`, tcp.maxConnectionDuration);
    // 0s turns the idle timeout off.
    if (tcp.idleTimeout !== undefined && Math.trunc((parseDuration(tcp.idleTimeout) ?? -1) / 1e6) !== 0) {
      checkDuration(r, rule, `${at}.tcp.idleTimeout`, tcp.idleTimeout);
    }
    if (isObject(tcp.tcpKeepalive)) {
      if (tcp.tcpKeepalive.time !== undefined) checkDuration(r, rule, `${at}.tcp.tcpKeepalive.time`, tcp.tcpKeepalive.time);
      if (tcp.tcpKeepalive.interval !== undefined) checkDuration(r, rule, `${at}.tcp.tcpKeepalive.interval`, tcp.tcpKeepalive.interval);
    }
  }
}

function checkLoadBalancer(r: Report, at: string, lb: any, outlier: any): void {
  if (!isObject(lb)) return;
  const rule = 'load-balancer';
  const hash = lb.consistentHash;
  if (isObject(hash)) {
    const cookie = hash.httpCookie;
    if (isObject(cookie)) {
      if (!isSet(cookie.name)) r.error(rule, `${at}.consistentHash.httpCookie`, 'name required for httpCookie');
      const names = new Set<string>();
      for (const attr of list(cookie.attributes)) {
        if (!isSet(attr?.name)) {
          r.error(rule, `${at}.consistentHash.httpCookie.attributes`, 'cookie attribute name cannot be empty');
        } else if (names.has(attr.name)) {
          r.error(rule, `${at}.consistentHash.httpCookie.attributes`, `duplicate cookie attribute name: ${attr.name}`);
        } else {
          names.add(attr.name);
        }
      }
    }
    if (isSet(hash.minimumRingSize)) {
      r.warn(rule, `${at}.consistentHash.minimumRingSize`, "consistent hash minimumRingSize is deprecated, use consistentHash's ringHash configuration instead");
      if (hash.ringHash !== undefined || hash.maglev !== undefined) {
        r.error(rule, `${at}.consistentHash`, 'only one of minimumRingSize or maglev/ringHash can be specified');
      }
    }
    if (isObject(hash.maglev)) {
      const size = hash.maglev.tableSize ?? 0;
      if (size === 0) r.error(rule, `${at}.consistentHash.maglev.tableSize`, 'tableSize must be set for maglev');
      if (size >= 5000011) r.error(rule, `${at}.consistentHash.maglev.tableSize`, `tableSize must be less than 5000011 for maglev, got ${show(size)}`);
      if (!isPrime(size)) r.error(rule, `${at}.consistentHash.maglev.tableSize`, `tableSize must be a prime number for maglev, got ${show(size)}`);
    }
  }
  if (lb.localityLbSetting !== undefined && lb.localityLbSetting !== null && lb.zoneAwareLbSetting !== undefined && lb.zoneAwareLbSetting !== null) {
    r.error(rule, at, 'only one of localityLbSetting and zoneAwareLbSetting can be set');
  }
  checkLocalityLb(r, `${at}.localityLbSetting`, lb.localityLbSetting, outlier);
  checkZoneAwareLb(r, `${at}.zoneAwareLbSetting`, lb.zoneAwareLbSetting, outlier);
  if (isObject(lb.warmup)) {
    const w = lb.warmup;
    if (w.duration === undefined) r.error(rule, `${at}.warmup`, 'duration is required');
    else checkDuration(r, rule, `${at}.warmup.duration`, w.duration);
    if (typeof w.minimumPercent === 'number' && w.minimumPercent > 100) {
      r.error(rule, `${at}.warmup.minimumPercent`, `minimumPercent value should be less than or equal to 100, got ${show(w.minimumPercent)}`);
    }
    if (w.aggression !== undefined && w.aggression !== null && !(typeof w.aggression === 'number' && w.aggression > 0)) {
      r.error(rule, `${at}.warmup.aggression`, `aggression should be greater than 0, got ${show(w.aggression)}`);
    }
  }
}

/** Envoy's primality test for Maglev table sizes. */
function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  const limit = Math.floor(Math.sqrt(x));
  for (let f = 3; f <= limit; f += 2) if (x % f === 0) return false;
  return true;
}

function checkLocalityLb(r: Report, at: string, lb: any, outlier: any): void {
  if (!isObject(lb)) return;
  const rule = 'locality-lb';
  const distribute = list(lb.distribute);
  const failover = list(lb.failover);
  const priority = list(lb.failoverPriority);
  if (distribute.length > 0 && failover.length > 0) {
    r.error(rule, at, "can not simultaneously specify 'distribute' and 'failover'; keep one");
    return;
  }
  if (failover.length > 0) {
    const topo = priority.find(p => TOPOLOGY_LABELS.has(p));
    if (topo) {
      r.error(rule, at, `can not simultaneously set 'failover' and topology label '${topo}' in 'failoverPriority'`);
      return;
    }
  }
  const sources: string[] = [];
  for (const [i, d] of distribute.entries()) {
    sources.push(d?.from ?? '');
    const to = entries(d?.to);
    let total = 0;
    for (const [, w] of to) {
      if (typeof w !== 'number' || w <= 0 || w > 100) {
        r.error(rule, `${at}.distribute[${i}].to`, `locality weight must be in range [1, 100], got ${show(w)}`);
        return;
      }
      total += w;
    }
    if (total !== 100) {
      r.error(rule, `${at}.distribute[${i}].to`, `total locality weight ${total} != 100; make the weights add up to 100`);
      return;
    }
    const error = localitiesError(to.map(([k]) => k));
    if (error) r.error(rule, `${at}.distribute[${i}].to`, error);
  }
  const error = localitiesError(sources);
  if (error) r.error(rule, `${at}.distribute`, error);
  if ((failover.length > 0 || priority.length > 0) && (outlier === undefined || outlier === null)) {
    r.warn(rule, at, 'outlier detection policy must be provided for failover; add trafficPolicy.outlierDetection');
  }
  for (const [i, f] of failover.entries()) checkFailover(r, `${at}.failover[${i}]`, f, 'locality lb failover');
}

function checkZoneAwareLb(r: Report, at: string, lb: any, outlier: any): void {
  if (!isObject(lb)) return;
  const rule = 'locality-lb';
  const failover = list(lb.failover);
  const priority = list(lb.failoverPriority);
  for (const p of priority) {
    if (TOPOLOGY_LABELS.has(p)) {
      r.error(rule, `${at}.failoverPriority`, `'failoverPriority' for zone aware lb must not use topology label '${p}'; region- and zone-level routing are handled automatically`);
    }
  }
  if ((failover.length > 0 || priority.length > 0) && (outlier === undefined || outlier === null)) {
    r.warn(rule, at, 'outlier detection policy must be provided for failover; add trafficPolicy.outlierDetection');
  }
  for (const [i, f] of failover.entries()) checkFailover(r, `${at}.failover[${i}]`, f, 'zone aware lb failover');
}

function checkFailover(r: Report, at: string, f: any, what: string): void {
  const from = String(f?.from ?? '');
  const to = String(f?.to ?? '');
  if (from === to) r.error('locality-lb', at, `${what} settings must specify different regions, got ${show(from)} twice`);
  if (from.includes('/') || to.includes('/')) r.error('locality-lb', at, `${what} only specifies regions (no '/'), got ${show(from)} to ${show(to)}`);
  if (from.includes('*') || to.includes('*')) r.error('locality-lb', at, `${what} region should not contain '*' wildcard`);
}

/**
 * Localities `region[/zone[/subzone]]`, with at most one `*`, at the end; none may overlap
 * another (validateLocalities).
 */
function localitiesError(localities: string[]): string | undefined {
  const regions = new Map<string, Map<string, Set<string>>>();
  for (const locality of localities) {
    const stars = locality.split('*').length - 1;
    if (stars > 1 || (stars === 1 && !locality.endsWith('*'))) return `locality ${locality} wildcard '*' number can not exceed 1 and must be in the end`;
    if (regions.has('*')) return `locality ${locality} overlap with previous specified ones`;
    const parts = splitN(locality, '/', 3);
    if (parts.some(p => p === '')) return `locality ${show(locality)} must not contain empty region/zone/subzone info`;
    const [region, zone, subzone] = parts;
    const zones = regions.get(region);
    if (parts.length === 1) {
      if (zones) return `locality ${locality} overlap with previous specified ones`;
      regions.set(region, new Map([['*', new Set(['*'])]]));
    } else if (parts.length === 2) {
      if (zones && (zones.has('*') || zones.has(zone))) return `locality ${locality} overlap with previous specified ones`;
      if (zones) zones.set(zone, new Set(['*']));
      else regions.set(region, new Map([[zone, new Set(['*'])]]));
    } else {
      if (zones?.has('*')) return `locality ${locality} overlap with previous specified ones`;
      const subzones = zones?.get(zone);
      if (subzones && (subzones.has('*') || subzones.has(subzone))) return `locality ${locality} overlap with previous specified ones`;
      if (subzones) subzones.add(subzone);
      else if (zones) zones.set(zone, new Set([subzone]));
      else regions.set(region, new Map([[zone, new Set([subzone])]]));
    }
  }
  return undefined;
}

function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

function checkTls(r: Report, at: string, tls: any, namespace: string): void {
  if (!isObject(tls)) return;
  const rule = 'tls';
  const mode = tls.mode;
  if (typeof tls.credentialName === 'string' && tls.credentialName.startsWith('configmap://')) {
    const parts = tls.credentialName.slice('configmap://'.length).split('/');
    const ns = parts.length === 1 ? namespace : parts[0];
    if (parts.length > 2 || parts.some((p: string) => p === '')) {
      r.error(rule, `${at}.credentialName`, `invalid configmap:// credentialName ${show(tls.credentialName)}: write configmap://<name> or configmap://<namespace>/<name>`);
    } else if (ns !== namespace) {
      r.error(rule, `${at}.credentialName`, `invalid configmap:// credentialName: namespace must match the configuration namespace ${show(namespace)}`);
    }
  }
  if (tls.insecureSkipVerify === true) {
    if (mode === 'SIMPLE' && (isSet(tls.caCertificates) || isSet(tls.credentialName) || tls.subjectAltNames !== undefined)) {
      r.error(rule, at, 'cannot specify caCertificates or credentialName or subjectAltNames when insecureSkipVerify is set true');
    }
    if (mode === 'MUTUAL' && (isSet(tls.caCertificates) || tls.subjectAltNames !== undefined)) {
      r.error(rule, at, 'cannot specify caCertificates or subjectAltNames when insecureSkipVerify is set true');
    }
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && isSet(tls.credentialName)) {
    if (isSet(tls.clientCertificate) || isSet(tls.caCertificates) || isSet(tls.privateKey) || isSet(tls.caCrl)) {
      r.error(rule, at, 'cannot specify client certificates or CA certificate or CA CRL if credentialName is set; the credential holds them');
    }
    return;
  }
  if (mode === 'MUTUAL') {
    if (!isSet(tls.clientCertificate)) r.error(rule, at, 'client certificate required for mutual tls; set clientCertificate or credentialName');
    if (!isSet(tls.privateKey)) r.error(rule, at, 'private key required for mutual tls; set privateKey or credentialName');
  }
}

function checkTunnel(r: Report, at: string, tunnel: any): void {
  if (!isObject(tunnel)) return;
  if (isSet(tunnel.protocol) && tunnel.protocol !== 'CONNECT' && tunnel.protocol !== 'POST') {
    r.error(RULE, `${at}.protocol`, `tunnel protocol must be "CONNECT" or "POST", got ${show(tunnel.protocol)}`);
  }
  const host = tunnel.targetHost ?? '';
  if (fqdnError(host) && !(typeof host === 'string' && isIpAddress(host))) {
    r.error(RULE, `${at}.targetHost`, `tunnel target host must be valid FQDN or IP address, got ${show(host)}`);
  }
  checkPort(r, RULE, `${at}.targetPort`, tunnel.targetPort ?? 0);
}

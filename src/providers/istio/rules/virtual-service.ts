// Istio's webhook rules for one VirtualService's hosts, gateways and HTTP routes (internal).
// Follows istio/istio pkg/config/validation (ValidateVirtualService, validateHTTPRoute,
// validateHTTPRouteDestinations, validateDestination, validateHTTPRedirect, ...) and
// agent/validation.go (ValidateHTTPRetry); the code and messages are ours. Delegate
// VirtualServices, TCP and TLS routes are not checked beyond their presence.
import {
  Report, checkDuration, checkLabels, checkPercentage, checkPort, checkRegex, checkStringMatch, entries, fqdnError, headerValueError,
  isAuthorityHeader, isHeaderToken, isIpAddress, isIstioDnsLabel, isObject, isSet, list, parseDuration, show, wildcardDomainError, PSEUDO_HEADERS,
} from './_check';
import { checkExportTo } from './export-to';
import { hostsMatch } from './hosts';
import { MESH_GATEWAY } from '../../../model/_util';

const JWT_CLAIM = /^@request\.auth\.claims[.[]/i;
const CORS_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', '*']);
const GRPC_STATUSES = new Set(['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL',
  'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED']);
/** Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on conditions. */
const RETRY_ON = new Set(['5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']);
/** The HTTP status codes with a registered meaning (what Go's http.StatusText knows). */
const KNOWN_STATUS = new Set([100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429,
  431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511]);
const KB = 1024;
const MB = 1024 * KB;

/** The webhook rules on one VirtualService. */
export function checkVirtualService(json: any, namespace: string, r: Report): void {
  const spec = isObject(json?.spec) ? json.spec : {};
  const hosts = list(spec.hosts);
  const gateways = list(spec.gateways);
  const http = list(spec.http);
  const hasL4 = list(spec.tcp).length > 0 || list(spec.tls).length > 0;

  if (hosts.length === 0 && gateways.length > 0) {
    r.error('vs-gateway', 'gateways', 'a delegate VirtualService (one without hosts) must not name gateways; remove them, or add hosts');
  }
  const boundToGateway = gateways.length > 0 && !gateways.includes(MESH_GATEWAY);
  checkGatewayNames(r, 'gateways', gateways);

  // Hosts: DNS names with an optional wildcard first label, or IP addresses; `*` not for the mesh.
  let hostsValid = true;
  for (const [i, host] of hosts.entries()) {
    const error = wildcardDomainError(host);
    if (error && !(typeof host === 'string' && isIpAddress(host))) {
      r.error('vs-host', `hosts[${i}]`, `${show(host)} is not a valid host: ${error}`);
      hostsValid = false;
    } else if (!boundToGateway && host === '*') {
      r.error('vs-host', `hosts[${i}]`, 'wildcard host * is not allowed for virtual services bound to the mesh gateway; name the hosts, or bind the VirtualService to gateways only');
      hostsValid = false;
    }
  }
  if (hostsValid) checkDuplicateHosts(r, hosts);

  if (http.length === 0 && !hasL4) {
    r.error('vs-routes', '', 'http, tcp or tls must be provided in virtual service; add an http route');
  }
  checkExportTo(r, spec.exportTo, namespace, false);

  http.forEach((rule: any, i: number) => {
    const where = `http[${i}]${rule?.name ? ` (${rule.name})` : ''}`;
    if (!isObject(rule)) {
      r.error('route-destination', where, 'http route may not be null');
      return;
    }
    checkHttpRoute(r, where, rule, hosts.length === 0, !boundToGateway);
  });
}

/** Pairs of hosts of one VirtualService that overlap (`*.foo.com` and `*.com`, or the same host twice). */
function checkDuplicateHosts(r: Report, hosts: any[]): void {
  const names = hosts.filter((h): h is string => typeof h === 'string');
  if (names.length > 64) {
    // Beyond a handful of hosts, look for exact duplicates only: the check stays linear.
    const seen = new Set<string>();
    for (const h of names) {
      if (seen.has(h)) r.error('vs-host', 'hosts', `duplicate hosts in virtual service: ${h} & ${h}; remove one`);
      seen.add(h);
    }
    return;
  }
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      if (hostsMatch(names[i], names[j])) r.error('vs-host', 'hosts', `duplicate hosts in virtual service: ${names[i]} & ${names[j]}; one covers the other, keep one`);
    }
  }
}

/** Gateway references: `<namespace>/<name>`, or a name (DNS name, legacy `name.namespace` warned). */
export function checkGatewayNames(r: Report, at: string, gateways: any[]): void {
  let plainSeen = false;
  for (const [i, gw] of gateways.entries()) {
    const where = `${at}[${i}]`;
    if (typeof gw !== 'string') {
      r.error('vs-gateway', where, `gateway must be a string, got ${show(gw)}`);
      continue;
    }
    const slash = gw.indexOf('/');
    if (slash < 0) {
      if (plainSeen) continue; // Istio checks only the first gateway written without a namespace.
      plainSeen = true;
      if (gw.includes('.')) {
        const parts = gw.split('.');
        r.warn('vs-gateway-legacy', where, `using legacy gatewayName format ${show(gw)}; prefer the <namespace>/<name> format: ${show(`${parts[1]}/${parts[0]}`)}`);
      }
      const error = fqdnError(gw);
      if (error) r.error('vs-gateway', where, `gateway name ${show(gw)} is invalid: ${error}`);
      continue;
    }
    const ns = gw.slice(0, slash);
    const name = gw.slice(slash + 1);
    if (ns === '' || name === '') {
      r.error('vs-gateway', where, `config namespace and gateway name cannot be empty, got ${show(gw)}; write <namespace>/<name>`);
      continue;
    }
    if (!isIstioDnsLabel(ns)) r.error('vs-gateway', where, `invalid value for namespace: ${show(ns)}; a namespace is a DNS-1123 label`);
    if (!isIstioDnsLabel(name)) r.error('vs-gateway', where, `invalid value for gateway name: ${show(name)}; a gateway name is a DNS-1123 label`);
  }
}

function checkHttpRoute(r: Report, where: string, rule: any, delegate: boolean, boundToMesh: boolean): void {
  const route = list(rule.route);
  const has = (k: string) => rule[k] !== undefined && rule[k] !== null;

  // What the rule does: one of route, redirect, directResponse (or delegate).
  if (has('delegate')) {
    if (delegate) r.error('http-route', where, 'a delegate VirtualService cannot delegate again; remove delegate');
    if (has('redirect')) r.error('http-route', where, `root HTTP route ${rule.name ?? ''} must not specify redirect with delegate`.replace('  ', ' '));
    if (route.length > 0) r.error('http-route', where, `root HTTP route ${rule.name ?? ''} must not specify route with delegate`.replace('  ', ' '));
  } else if (has('redirect')) {
    if (route.length > 0) r.error('http-route', where, 'HTTP route cannot contain both route and redirect; keep one');
    if (has('fault')) r.error('http-route', where, 'HTTP route cannot contain both fault and redirect; keep one');
    if (has('rewrite')) r.error('http-route', where, 'HTTP route rule cannot contain both rewrite and redirect; keep one');
    if (has('directResponse')) r.error('http-route', where, 'HTTP route rule cannot contain both direct_response and redirect; keep one');
  } else if (has('directResponse')) {
    if (route.length > 0) r.error('http-route', where, 'HTTP route cannot contain both route and direct_response; keep one');
    if (has('fault')) r.error('http-route', where, 'HTTP route cannot contain both fault and direct_response; keep one');
    if (has('rewrite')) r.error('http-route', where, 'HTTP route rule cannot contain both rewrite and direct_response; keep one');
  } else if (route.length === 0) {
    r.error('route-destination', '', `${where} has no route, redirect, directResponse or delegate; add a destination`);
  }
  if (has('mirror') && list(rule.mirrors).length > 0) {
    r.error('mirror-and-mirrors', '', `${where} sets both mirror and mirrors; use one of them`);
  }

  checkMatches(r, where, rule, boundToMesh);
  checkHeaderOperations(r, `${where} headers`, rule.headers);
  checkCors(r, `${where} corsPolicy`, rule.corsPolicy);
  checkFault(r, `${where} fault`, rule.fault);

  // Mirroring: mirrorPercent (deprecated integer), mirrorPercentage, mirror, mirrors.
  if (has('mirrorPercent')) {
    const p = rule.mirrorPercent;
    if (typeof p !== 'number' || p > 100 || p < 0 || !Number.isInteger(p)) {
      r.error('mirror-percent', '', `${where} mirrorPercent must be an integer from 0 to 100, got ${show(p)}`);
    }
    r.warn('mirror-percent-deprecated', where, 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead');
  }
  const mirrorPercent = isObject(rule.mirrorPercentage) ? rule.mirrorPercentage.value : undefined;
  if (mirrorPercent !== undefined && (typeof mirrorPercent !== 'number' || mirrorPercent < 0 || mirrorPercent > 100)) {
    r.error('mirror-percent', '', `${where} mirror percentage must be from 0 to 100, got ${show(mirrorPercent)}`);
  }
  if (has('mirror')) checkDestination(r, `${where} mirror`, rule.mirror);
  for (const [j, m] of list(rule.mirrors).entries()) {
    const at = `${where} mirrors[${j}]`;
    if (!isObject(m)) {
      r.error('mirror', at, 'mirror cannot be null');
      continue;
    }
    if (!isObject(m.destination)) {
      r.error('mirror', at, 'destination is required for mirrors; name the host to mirror to');
      continue;
    }
    checkDestination(r, `${at} destination`, m.destination);
    const p = isObject(m.percentage) ? m.percentage.value : undefined;
    if (p !== undefined && (typeof p !== 'number' || p < 0 || p > 100)) {
      r.error('mirror-percent', '', `${at} mirror percentage must be from 0 to 100, got ${show(p)}`);
    }
  }

  checkRedirect(r, `${where} redirect`, rule.redirect, list(rule.match));
  checkDirectResponse(r, `${where} directResponse`, rule.directResponse);
  checkRetries(r, `${where} retries`, rule.retries);
  checkRewrite(r, `${where} rewrite`, rule.rewrite);
  checkAuthorityRewrite(r, where, rule);
  checkRouteDestinations(r, where, route);
  if (has('timeout')) checkDuration(r, 'timeout', `${where} timeout`, rule.timeout);
}

function checkMatches(r: Report, where: string, rule: any, boundToMesh: boolean): void {
  for (const [k, m] of list(rule.match).entries()) {
    if (!isObject(m)) continue;
    const at = `${where} match[${k}]`;
    for (const field of ['headers', 'withoutHeaders'] as const) {
      for (const [name, sm] of entries(m[field])) {
        const isClaim = JWT_CLAIM.test(name);
        if (field === 'headers' && (sm === null || sm === undefined)) {
          r.error('header-match', at, `header match ${show(name)} cannot be null; give a string match, or remove it`);
        }
        if (name === '') {
          r.error('header-name', '', `${at} ${field}: header name cannot be empty`);
        } else if (!isClaim && !isHeaderToken(name) && !PSEUDO_HEADERS.has(name)) {
          r.error('header-name', '', `${at} ${field}: header name ${show(name)} is not a valid header name (an RFC 7230 token)`);
        } else if (!isClaim && name !== name.toLowerCase()) {
          r.warn('header-name-case', '', `${at} ${field}: header name ${show(name)} is not lower case, as Istio's API requires; Envoy ignores the case, write it as ${show(name.toLowerCase())}`);
        }
        if (isClaim && boundToMesh) {
          r.error('jwt-claim-gateway', '', `${at} uses JWT claim based routing (key: ${name}), which is only supported for gateway; `
            + 'bind the VirtualService to ingress gateways only (no mesh)');
        }
        // In withoutHeaders, regex "*" is Istio's "header present", not a regex.
        if (!(field === 'withoutHeaders' && isObject(sm) && sm.regex === '*')) checkStringMatch(r, `${at} ${field}.${name}`, sm);
      }
    }
    // An empty uri prefix matches every path (Envoy allows it); scheme, method and authority do not.
    if (isObject(m.uri) && 'regex' in m.uri) checkStringMatch(r, `${at} uri`, m.uri, true);
    checkStringMatch(r, `${at} scheme`, m.scheme);
    checkStringMatch(r, `${at} method`, m.method);
    checkStringMatch(r, `${at} authority`, m.authority);
    for (const [name, sm] of entries(m.queryParams)) checkStringMatch(r, `${at} queryParams.${name}`, sm);
    if (isSet(m.port)) checkPort(r, 'match', `${at} port`, m.port);
    checkLabels(r, 'match', `${at} sourceLabels`, m.sourceLabels);
    checkGatewayNames(r, `${at} gateways`, list(m.gateways));
    if (isSet(m.sourceNamespace) && !isIstioDnsLabel(m.sourceNamespace)) {
      r.error('match', at, `sourceNamespace match ${show(m.sourceNamespace)} is invalid: a namespace is a DNS-1123 label`);
    }
  }
}

/** Header set/add/remove on requests and responses (ValidateHTTPHeader*OperationName, ValidateHTTPHeaderValue). */
function checkHeaderOperations(r: Report, at: string, headers: any): void {
  if (!isObject(headers)) return;
  for (const side of ['request', 'response'] as const) {
    const ops = headers[side];
    if (!isObject(ops)) continue;
    for (const op of ['set', 'add'] as const) {
      for (const [name, value] of entries(ops[op])) {
        const where = `${at}.${side}.${op}`;
        const nameError = side === 'request' ? requestHeaderNameError(name) : headerNameError(name);
        if (nameError) r.error('header-operation', where, nameError);
        const valueError = headerValueError(value);
        if (valueError) r.error('header-value', `${where}.${name}`, `header value ${show(value)} is invalid: ${valueError}`);
      }
    }
    for (const name of list(ops.remove)) {
      const nameError = headerNameError(name);
      if (nameError) r.error('header-operation', `${at}.${side}.remove`, nameError);
    }
  }
}

/** Request set/add: any name but pseudo-headers; the authority (`:authority`, `host`) may be set. */
function requestHeaderNameError(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if ((name.startsWith(':') || name.toLowerCase() === 'host') && !isAuthorityHeader(name)) return `invalid header ${show(name)}: header cannot have ":" prefix`;
  return undefined;
}

/** Request remove and every response operation: no Host header, no pseudo-headers. */
function headerNameError(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return `header name cannot be empty, got ${show(name)}`;
  if (name.toLowerCase() === 'host') return `invalid header ${show(name)}: cannot set Host header`;
  if (name.startsWith(':')) return `invalid header ${show(name)}: header cannot have ":" prefix`;
  return undefined;
}

function checkCors(r: Report, at: string, cors: any): void {
  if (!isObject(cors)) return;
  for (const [i, origin] of list(cors.allowOrigins).entries()) {
    const value = isObject(origin) ? origin.exact ?? origin.prefix ?? origin.regex : undefined;
    if (!isSet(value)) {
      r.error('cors', `${at}.allowOrigins[${i}]`, `${show(origin)} is not a valid match for CORS allow origins: give a non-empty exact, prefix or regex`);
    } else if (isObject(origin) && typeof origin.regex === 'string') {
      checkRegex(r, `${at}.allowOrigins[${i}]`, origin.regex);
    }
  }
  for (const method of list(cors.allowMethods)) {
    if (!CORS_METHODS.has(method)) {
      r.error('cors', `${at}.allowMethods`, `${show(method)} is not a supported HTTP method; use ${[...CORS_METHODS].join(', ')}`);
    }
  }
  for (const field of ['allowHeaders', 'exposeHeaders'] as const) {
    for (const name of list(cors[field])) {
      if (name === '') r.error('cors', `${at}.${field}`, 'header name cannot be empty');
      else if (name !== '*' && !isHeaderToken(name)) r.error('cors', `${at}.${field}`, `header name ${show(name)} is not a valid header name (an RFC 7230 token)`);
    }
  }
  if (cors.maxAge !== undefined && cors.maxAge !== null) {
    checkDuration(r, 'cors', `${at}.maxAge`, cors.maxAge);
    const ns = parseDuration(cors.maxAge);
    if (ns !== undefined && ns % 1e9 !== 0) r.error('cors', `${at}.maxAge`, `max_age duration is accurate only to seconds precision, got ${show(cors.maxAge)}`);
  }
}

function checkFault(r: Report, at: string, fault: any): void {
  if (!isObject(fault)) return;
  const abort = fault.abort;
  const delay = fault.delay;
  if (!isObject(abort) && !isObject(delay)) {
    r.error('fault', at, 'HTTP fault injection must have an abort and/or a delay');
  }
  if (isObject(abort)) {
    checkPercentage(r, 'fault', `${at}.abort.percentage`, abort.percentage);
    if (abort.grpcStatus !== undefined) {
      if (!GRPC_STATUSES.has(abort.grpcStatus)) {
        r.error('fault', `${at}.abort.grpcStatus`, `gRPC status ${show(abort.grpcStatus)} is not supported; use a code name such as "NOT_FOUND" or "UNAVAILABLE"`);
      }
    } else if (abort.http2Error !== undefined) {
      r.error('fault', `${at}.abort.http2Error`, 'HTTP/2 abort fault injection is not supported yet; use httpStatus or grpcStatus');
    } else if (abort.httpStatus !== undefined) {
      checkStatus(r, 'fault', `${at}.abort.httpStatus`, abort.httpStatus);
    } else {
      r.warn('fault', `${at}.abort`, 'abort configured, but error type not set; add httpStatus or grpcStatus');
    }
  }
  if (isObject(delay)) {
    checkPercentage(r, 'fault', `${at}.delay.percentage`, delay.percentage);
    if (delay.fixedDelay !== undefined) checkDuration(r, 'fault', `${at}.delay.fixedDelay`, delay.fixedDelay);
    if (delay.exponentialDelay !== undefined) {
      checkDuration(r, 'fault', `${at}.delay.exponentialDelay`, delay.exponentialDelay);
      r.error('fault', `${at}.delay.exponentialDelay`, 'exponentialDelay is not supported yet; use fixedDelay');
    }
  }
}

/** validateHTTPStatus: 200 to 600. */
function checkStatus(r: Report, rule: string, at: string, status: unknown): void {
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 600) {
    r.error(rule, at, `HTTP status ${show(status)} is not in range 200-599`);
  }
}

function checkRedirect(r: Report, at: string, redirect: any, matches: any[]): void {
  if (!isObject(redirect)) return;
  if (isSet(redirect.uri) && isSet(redirect.prefixRewrite)) {
    r.error('redirect', at, 'redirect may only specify one of uri or prefixRewrite');
  }
  if (isSet(redirect.prefixRewrite) && matches.some(m => isObject(m) && isObject(m.uri) && !('prefix' in m.uri))) {
    r.error('redirect', at, 'redirect prefixRewrite requires all URI matches to use prefix match type');
  }
  if (!isSet(redirect.uri) && !isSet(redirect.prefixRewrite) && !isSet(redirect.authority) && !isSet(redirect.port)
    && redirect.derivePort === undefined && !isSet(redirect.scheme)) {
    r.error('redirect', at, 'redirect must specify URI, authority, scheme, or port');
  }
  if (isSet(redirect.redirectCode)
    && (typeof redirect.redirectCode !== 'number' || redirect.redirectCode < 300 || redirect.redirectCode > 399)) {
    r.error('redirect', `${at}.redirectCode`, `${show(redirect.redirectCode)} is not a valid redirect code, must be 3xx`);
  }
  if (isSet(redirect.scheme) && redirect.scheme !== 'http' && redirect.scheme !== 'https') {
    r.error('redirect', `${at}.scheme`, `invalid redirect scheme ${show(redirect.scheme)}, must be "http" or "https"`);
  }
  if (isSet(redirect.port)) checkPort(r, 'redirect', `${at}.port`, redirect.port);
}

function checkDirectResponse(r: Report, at: string, dr: any): void {
  if (!isObject(dr)) return;
  const body = isObject(dr.body) ? dr.body : undefined;
  if (body) {
    let size = 0;
    if (typeof body.string === 'string') size = Buffer.byteLength(body.string, 'utf8');
    else if (typeof body.bytes === 'string') size = Buffer.from(body.bytes, 'base64').length;
    if (size > MB) r.error('direct-response', `${at}.body`, `large direct_responses may impact control plane performance, must be less than 1MB, got ${size} bytes`);
    else if (size > 100 * KB) r.warn('direct-response', `${at}.body`, `large direct_responses may impact control plane performance (${size} bytes, over 100KB)`);
  }
  checkStatus(r, 'direct-response', `${at}.status`, dr.status);
}

function checkRetries(r: Report, at: string, retries: any): void {
  if (!isObject(retries)) return;
  const attempts = retries.attempts ?? 0;
  if (typeof attempts !== 'number' || attempts < 0) r.error('retries', `${at}.attempts`, `attempts cannot be negative, got ${show(attempts)}`);
  const remoteLocalities = retries.retryRemoteLocalities !== undefined && retries.retryRemoteLocalities !== null;
  if (attempts === 0 && (retries.perTryTimeout !== undefined || isSet(retries.retryOn) || remoteLocalities)) {
    r.error('retries', at, 'http retry policy configured when attempts are set to 0 (disabled); set attempts, or remove the policy');
  }
  if (retries.perTryTimeout !== undefined) checkDuration(r, 'retries', `${at}.perTryTimeout`, retries.perTryTimeout);
  if (isSet(retries.retryOn)) {
    for (const policy of String(retries.retryOn).split(',')) {
      const code = /^[+-]?\d+$/.test(policy) ? Number(policy) : NaN;
      if (!KNOWN_STATUS.has(code) && !RETRY_ON.has(policy)) {
        r.error('retries', `${at}.retryOn`, `${show(policy)} is not a valid retryOn policy; use an HTTP status code or one of ${[...RETRY_ON].join(', ')}, separated by commas without spaces`);
      }
    }
  }
  if (retries.backoff !== undefined) checkDuration(r, 'retries', `${at}.backoff`, retries.backoff);
}

function checkRewrite(r: Report, at: string, rewrite: any): void {
  if (!isObject(rewrite)) return;
  const regexRewrite = isObject(rewrite.uriRegexRewrite) ? rewrite.uriRegexRewrite : undefined;
  if (isSet(rewrite.uri) && regexRewrite) {
    r.error('rewrite', at, 'rewrite may only contain one of uri or uriRegexRewrite');
  } else if (!isSet(rewrite.uri) && !regexRewrite && !isSet(rewrite.authority)) {
    r.error('rewrite', at, 'rewrite must specify at least one of uri, uriRegexRewrite, or authority');
  }
  if (regexRewrite) {
    if (!isSet(regexRewrite.match) || !isSet(regexRewrite.rewrite)) {
      r.error('rewrite', `${at}.uriRegexRewrite`, 'uriRegexRewrite requires both rewrite and match fields to be specified');
    } else if (typeof regexRewrite.match === 'string') {
      checkRegex(r, `${at}.uriRegexRewrite.match`, regexRewrite.match);
    }
  }
}

/** The authority may be rewritten in one place only: rewrite.authority or a request header :authority/host. */
function checkAuthorityRewrite(r: Report, where: string, rule: any): void {
  const request = isObject(rule.headers) && isObject(rule.headers.request) ? rule.headers.request : {};
  const values = [
    ...(isSet(rule.rewrite?.authority) ? [rule.rewrite.authority] : []),
    ...entries(request.set).filter(([k]) => isAuthorityHeader(k)).map(([, v]) => v),
    ...entries(request.add).filter(([k]) => isAuthorityHeader(k)).map(([, v]) => v),
  ];
  if (values.length > 1) {
    r.error('rewrite', where, `authority header cannot be set multiple times: have ${show(values[0])}, attempting to set ${show(values[1])}`);
  }
}

function checkRouteDestinations(r: Report, where: string, route: any[]): void {
  route.forEach((d: any, j: number) => {
    const at = `${where} route[${j}]`;
    if (!isObject(d)) {
      r.error('route-destination', at, 'destination may not be null');
      return;
    }
    if (!isObject(d.destination)) r.error('route-destination', at, 'destination is required; name the host to route to');
    else checkDestination(r, `${at} destination`, d.destination);
    checkHeaderOperations(r, `${at} headers`, d.headers);
  });
  // Weights: non-negative integers, not all zero.
  const weights = route.map(d => d?.weight ?? (route.length === 1 ? 100 : 0));
  weights.forEach((w, j) => {
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 0) {
      r.error('weight-range', '', `${where} route[${j}] weight must be a non-negative integer, got ${show(w)}`);
    }
  });
  const total = weights.reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0);
  if (route.length > 1 && total === 0) {
    r.error('weight-all-zero', '', `${where} gives every destination weight 0, so no request can be routed; give one destination a positive weight`);
  } else if (route.length > 1 && total !== 100) {
    r.warn('weight-sum', '', `${where} weights add up to ${total}, not 100; Istio releases before 1.15 rejected this and the shares are hard to read; make them add up to 100`);
  }
}

/** A destination (validateDestination): a host (not `*`), a DNS-1123 subset name, a valid port. */
export function checkDestination(r: Report, at: string, d: any): void {
  if (!isObject(d)) return;
  if (d.host === '*') {
    r.error('destination', at, 'invalid destination host *: name a service');
  } else {
    const error = wildcardDomainError(d.host ?? '');
    if (error) r.error('destination', at, `host ${show(d.host ?? '')} is invalid: ${error}`);
  }
  if (isSet(d.subset) && !isIstioDnsLabel(d.subset)) {
    r.error('destination', at, `subset name ${show(d.subset)} is invalid: it must be a DNS-1123 label (letters, digits, '-', at most 63)`);
  }
  if (isObject(d.port)) checkPort(r, 'destination', `${at} port`, d.port.number ?? 0);
}

// Validation of a route's resilience settings (timeout, retries, header operations, fault),
// shared by the service constructs and HeaderMatchRoute (internal).
import { Duration } from 'cdk8s';
import { validateDuration } from '../internal/duration';
import { fail, isHttpToken, show, validateIntRange } from '../internal/validation';
import { withoutUndefined } from '../model/_util';
import { FaultInjection, HeaderOperations, RetryCondition, RetryPolicy } from '../model/resilience';
import { RouteRule } from '../model/routing-model';

/** The resilience settings a route can carry (the RouteRule fields and the props of the same names). */
export interface RouteResilience {
  readonly timeout?: Duration;
  readonly retries?: RetryPolicy;
  readonly headers?: HeaderOperations;
  readonly fault?: FaultInjection;
}

/** Istio's HTTPRetry.attempts is an int32. */
const MAX_ATTEMPTS = 2147483647;

/**
 * The status codes Istio's webhook accepts in retryOn: those Go's net/http knows
 * (`http.StatusText(code) != ""`).
 */
const KNOWN_STATUS_CODES = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451,
  500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** Validates the resilience settings of a route; throws naming `who` and the prop. */
export function validateRouteResilience(who: string, r: RouteResilience, allowFault: boolean): void {
  if (r.timeout !== undefined) validateDuration(who, 'timeout', r.timeout);
  if (r.retries !== undefined) validateRetries(who, r.retries);
  if (r.headers !== undefined) validateHeaderOperations(who, r.headers);
  if (r.fault !== undefined) {
    if (!allowFault) fail(who, 'fault is set on a route of the service itself; inject faults with a HeaderMatchRoute, for a cohort only');
    if (!(r.fault instanceof FaultInjection)) {
      fail(who, `fault must be a FaultInjection (FaultInjection.delay(), .abort() or .delayAndAbort()), got ${show(r.fault)}`);
    }
  }
}

function validateRetries(who: string, retries: RetryPolicy): void {
  if (!retries || typeof retries !== 'object') fail(who, `retries must be a RetryPolicy (with attempts), got ${show(retries)}`);
  const attempts = validateIntRange(who, 'retries.attempts', retries.attempts, 0, MAX_ATTEMPTS);
  if (retries.perTryTimeout !== undefined) validateDuration(who, 'retries.perTryTimeout', retries.perTryTimeout);
  const conditions = Object.values(RetryCondition) as string[];
  (retries.retryOn ?? []).forEach((c, i) => {
    if (!conditions.includes(c)) fail(who, `retries.retryOn[${i}] must be one of ${conditions.join(', ')}, got ${show(c)}`);
  });
  (retries.retryOnStatusCodes ?? []).forEach((c, i) => {
    if (!KNOWN_STATUS_CODES.has(c)) fail(who, `retries.retryOnStatusCodes[${i}] must be an HTTP status code (e.g. 503), got ${show(c)}`);
  });
  // Istio's webhook rejects a retry policy configured with retries disabled.
  const configured = [
    retries.perTryTimeout !== undefined && 'perTryTimeout',
    (retries.retryOn ?? []).length > 0 && 'retryOn',
    (retries.retryOnStatusCodes ?? []).length > 0 && 'retryOnStatusCodes',
  ].filter(Boolean);
  if (attempts === 0 && configured.length > 0) {
    fail(who, `retries.attempts is 0 (retries disabled) but ${configured.join(' and ')} ${configured.length > 1 ? 'are' : 'is'} set; set attempts to at least 1, or remove ${configured.join(' and ')}`);
  }
}

/** Envoy's header value format: no control characters but tab; `%` starts a `%VARIABLE%` or is doubled. */
function headerValueError(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'it must be a string';
  if (/[\x00-\x08\x0A-\x1F\x7F]/.test(value)) return 'it must not contain control characters (CR, LF...)';
  const variable = /^%[A-Z][A-Z0-9_]*(\([^%)]*\))?(:[0-9]+)?%/;
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '%') continue;
    if (value[i + 1] === '%') {
      i++;
      continue;
    }
    const m = variable.exec(value.slice(i));
    if (!m) return `the '%' at offset ${i} must start an Envoy variable like %HOSTNAME% or %REQ(x-id)%; write %% for a literal '%'`;
    i += m[0].length - 1;
  }
  return undefined;
}

function validateHeaderOperations(who: string, ops: HeaderOperations): void {
  if (!ops || typeof ops !== 'object') fail(who, `headers must be a HeaderOperations object, got ${show(ops)}`);
  const name = (prop: string, n: unknown, hostAllowed: boolean) => {
    if (!isHttpToken(n)) fail(who, `${prop} must be an HTTP header name (a token of letters, digits and !#$%&'*+-.^_\`|~), got ${show(n)}`);
    // Istio's webhook (ValidateHTTPHeaderOperationName): Host can only be set or added on requests.
    if (!hostAllowed && n.toLowerCase() === 'host') fail(who, `${prop} cannot be "host": Istio only sets or adds Host on requests`);
  };
  for (const prop of ['requestSet', 'requestAdd', 'responseSet', 'responseAdd'] as const) {
    const map = ops[prop];
    if (map === undefined) continue;
    if (!map || typeof map !== 'object' || Array.isArray(map)) fail(who, `headers.${prop} must map header names to values, got ${show(map)}`);
    for (const [n, v] of Object.entries(map)) {
      name(`a header name of headers.${prop}`, n, prop.startsWith('request'));
      const error = headerValueError(v);
      if (error) fail(who, `headers.${prop}[${JSON.stringify(n)}] must be a header value Envoy accepts (${error}), got ${show(v)}`);
    }
  }
  for (const prop of ['requestRemove', 'responseRemove'] as const) {
    const list = ops[prop];
    if (list === undefined) continue;
    if (!Array.isArray(list)) fail(who, `headers.${prop} must be a list of header names, got ${show(list)}`);
    list.forEach((n, i) => name(`headers.${prop}[${i}]`, n, false));
  }
}

/** `rule` with the service's timeout, retries and headers where it has none of its own. */
export function withRouteDefaults(rule: RouteRule, defaults: RouteResilience): RouteRule {
  const filled = withoutUndefined({
    timeout: rule.timeout ?? defaults.timeout,
    retries: rule.retries ?? defaults.retries,
    headers: rule.headers ?? defaults.headers,
  });
  return Object.keys(filled).length === 0 ? rule : { ...rule, ...filled };
}

import { Duration } from 'cdk8s';
import { durationString } from '../internal/duration';
import { fail, show } from '../internal/validation';

/*
 * Resilience settings of a route, provider-neutral: timeout, retries, header operations and
 * fault injection. The service constructs and HeaderMatchRoute take them as props; the
 * routing model (RouteRule) carries them; each provider renders them.
 */

/**
 * A condition under which a request is retried (Envoy's `x-envoy-retry-on` and
 * `x-envoy-retry-grpc-on` values, as Istio's `retryOn` accepts them).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export enum RetryCondition {
  /** Any 5xx response, a reset, a connect failure or a refused stream (`5xx`). */
  SERVER_ERROR = '5xx',
  /** 502, 503 or 504 responses (`gateway-error`). */
  GATEWAY_ERROR = 'gateway-error',
  /** No response at all: a disconnect, reset or read timeout (`reset`). */
  RESET = 'reset',
  /** A reset before any byte of the request was sent upstream, safe for every method (`reset-before-request`). */
  RESET_BEFORE_REQUEST = 'reset-before-request',
  /** A failed connection to the upstream, e.g. a connect timeout (`connect-failure`). */
  CONNECT_FAILURE = 'connect-failure',
  /** A 409 response (`retriable-4xx`). */
  RETRIABLE_4XX = 'retriable-4xx',
  /** The upstream refused the stream with REFUSED_STREAM (`refused-stream`). */
  REFUSED_STREAM = 'refused-stream',
  /** A response whose status is one of `retryOnStatusCodes` (`retriable-status-codes`); Istio adds it when those are set. */
  RETRIABLE_STATUS_CODES = 'retriable-status-codes',
  /** A response carrying one of the route's retriable headers (`retriable-headers`). */
  RETRIABLE_HEADERS = 'retriable-headers',
  /** A 429 answered by Envoy's own rate limiter (`envoy-ratelimited`). */
  ENVOY_RATELIMITED = 'envoy-ratelimited',
  /** A failed HTTP/3 request after the connection was made, retried over another protocol (`http3-post-connect-failure`). */
  HTTP3_POST_CONNECT_FAILURE = 'http3-post-connect-failure',
  /** gRPC status CANCELLED (`cancelled`). */
  GRPC_CANCELLED = 'cancelled',
  /** gRPC status DEADLINE_EXCEEDED (`deadline-exceeded`). */
  GRPC_DEADLINE_EXCEEDED = 'deadline-exceeded',
  /** gRPC status INTERNAL (`internal`). */
  GRPC_INTERNAL = 'internal',
  /** gRPC status RESOURCE_EXHAUSTED (`resource-exhausted`). */
  GRPC_RESOURCE_EXHAUSTED = 'resource-exhausted',
  /** gRPC status UNAVAILABLE (`unavailable`). */
  GRPC_UNAVAILABLE = 'unavailable',
}

/**
 * How failed requests are retried.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export interface RetryPolicy {
  /**
   * Number of retries after the first attempt; 0 disables retries (then set nothing else).
   * The total time is still bounded by the route's `timeout`.
   */
  readonly attempts: number;

  /**
   * Timeout of each attempt, including the first; at least 1ms.
   * @default - the route's timeout
   */
  readonly perTryTimeout?: Duration;

  /**
   * The conditions under which a request is retried.
   * @default - Istio's default: connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes
   */
  readonly retryOn?: RetryCondition[];

  /**
   * HTTP status codes that are retried, e.g. `[503]` (Istio's numeric `retryOn` entries).
   * @default - none
   */
  readonly retryOnStatusCodes?: number[];
}

/**
 * Headers set, added or removed on the requests a route forwards and on the responses it
 * returns. Values may use Envoy's `%VARIABLE%` substitutions; write `%%` for a literal `%`.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#custom-request-response-headers
 */
export interface HeaderOperations {
  /**
   * Request headers set (replacing any value the request has).
   * @default - none
   */
  readonly requestSet?: { [name: string]: string };

  /**
   * Request headers added (besides any value the request has).
   * @default - none
   */
  readonly requestAdd?: { [name: string]: string };

  /**
   * Request headers removed.
   * @default - none
   */
  readonly requestRemove?: string[];

  /**
   * Response headers set (replacing any value the response has).
   * @default - none
   */
  readonly responseSet?: { [name: string]: string };

  /**
   * Response headers added (besides any value the response has).
   * @default - none
   */
  readonly responseAdd?: { [name: string]: string };

  /**
   * Response headers removed.
   * @default - none
   */
  readonly responseRemove?: string[];
}

/** A delay injected before requests are forwarded. */
export interface FaultDelay {
  /** How long requests are held; at least 1ms. */
  readonly fixedDelay: Duration;

  /**
   * Percent of the route's requests that are delayed, from 0 to 100 (fractions allowed).
   * @default 100
   */
  readonly percent?: number;
}

/** An error returned instead of forwarding requests. */
export interface FaultAbort {
  /** The HTTP status returned, from 200 to 599 (e.g. 503). */
  readonly httpStatus: number;

  /**
   * Percent of the route's requests that are aborted, from 0 to 100 (fractions allowed).
   * @default 100
   */
  readonly percent?: number;
}

/**
 * Faults injected into a route's requests, to test how callers behave when the service is
 * slow or failing: a delay, an abort, or both. Put it on a `HeaderMatchRoute` so that only
 * a cohort (e.g. testers) sees it.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection
 */
export class FaultInjection {
  /** Requests are held for `fixedDelay` before being forwarded. */
  public static delay(delay: FaultDelay): FaultInjection {
    return new FaultInjection(FaultInjection.checkDelay('FaultInjection.delay', delay), undefined);
  }

  /** Requests are answered with `httpStatus` instead of being forwarded. */
  public static abort(abort: FaultAbort): FaultInjection {
    return new FaultInjection(undefined, FaultInjection.checkAbort('FaultInjection.abort', abort));
  }

  /** Both: requests are delayed, and some are aborted (each with its own percentage). */
  public static delayAndAbort(delay: FaultDelay, abort: FaultAbort): FaultInjection {
    return new FaultInjection(
      FaultInjection.checkDelay('FaultInjection.delayAndAbort', delay),
      FaultInjection.checkAbort('FaultInjection.delayAndAbort', abort),
    );
  }

  private static checkDelay(who: string, delay: FaultDelay): FaultDelay {
    if (!delay || typeof delay !== 'object') fail(who, `delay must be an object with fixedDelay and percent, got ${show(delay)}`);
    durationString(who, 'fixedDelay', delay.fixedDelay);
    return { fixedDelay: delay.fixedDelay, percent: checkPercent(who, 'delay percent', delay.percent) };
  }

  private static checkAbort(who: string, abort: FaultAbort): FaultAbort {
    if (!abort || typeof abort !== 'object') fail(who, `abort must be an object with httpStatus and percent, got ${show(abort)}`);
    const status = abort.httpStatus;
    // Istio's webhook (validateHTTPStatus) accepts statuses from 200 to 599.
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
      fail(who, `httpStatus must be an integer from 200 to 599, got ${show(status)}`);
    }
    return { httpStatus: status, percent: checkPercent(who, 'abort percent', abort.percent) };
  }

  /**
   * The delay, its percent filled in.
   * @default - no delay
   */
  public readonly injectedDelay?: FaultDelay;

  /**
   * The abort, its percent filled in.
   * @default - no abort
   */
  public readonly injectedAbort?: FaultAbort;

  private constructor(delay?: FaultDelay, abort?: FaultAbort) {
    this.injectedDelay = delay;
    this.injectedAbort = abort;
  }

  /** A short human description, e.g. `delay 5s for 10% of requests`. */
  public toString(): string {
    const parts: string[] = [];
    const d = this.injectedDelay;
    const a = this.injectedAbort;
    if (d) parts.push(`delay ${d.fixedDelay.toMilliseconds({ integral: false })}ms for ${d.percent}% of requests`);
    if (a) parts.push(`abort with ${a.httpStatus} for ${a.percent}% of requests`);
    return parts.join(' and ');
  }
}

/** Istio's fractional percentage: 0, or from 0.0001 to 100 (validatePercentage). */
function checkPercent(who: string, prop: string, percent: unknown): number {
  if (percent === undefined) return 100;
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100 || (percent > 0 && percent < 0.0001)) {
    fail(who, `${prop} must be 0 or a number from 0.0001 to 100, got ${show(percent)}`);
  }
  return percent;
}

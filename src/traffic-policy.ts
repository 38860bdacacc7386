import { Duration } from 'cdk8s';
import { fail, show, validateIntRange, validateNonEmptyString } from './_validation';
import { DestinationRuleSpecTrafficPolicy } from './imports/networking.istio.io';

/** Istio's simple load-balancing algorithms. */
export enum LoadBalancerAlgorithm {
  /** Istio's default: round robin, or least request on recent Istio. */
  UNSPECIFIED = 'UNSPECIFIED',
  /** Requests go to endpoints in turn. */
  ROUND_ROBIN = 'ROUND_ROBIN',
  /** Requests go to the endpoint with the fewest active requests. */
  LEAST_REQUEST = 'LEAST_REQUEST',
  /** Requests go to a random endpoint. */
  RANDOM = 'RANDOM',
  /** Requests go to the address the caller asked for. */
  PASSTHROUGH = 'PASSTHROUGH',
}

/**
 * How requests are spread over a version's pods: a simple algorithm or consistent hashing
 * for session affinity.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings
 */
export class LoadBalancer {
  /** One of Istio's simple algorithms. */
  public static simple(algorithm: LoadBalancerAlgorithm): LoadBalancer {
    if (!Object.values(LoadBalancerAlgorithm).includes(algorithm)) {
      fail('LoadBalancer.simple', `algorithm must be one of ${Object.values(LoadBalancerAlgorithm).join(', ')}, got ${show(algorithm)}`);
    }
    return new LoadBalancer({ simple: algorithm });
  }

  /** Sticky sessions keyed on a request header. */
  public static consistentHashByHeader(headerName: string): LoadBalancer {
    validateNonEmptyString('LoadBalancer.consistentHashByHeader', 'headerName', headerName);
    return new LoadBalancer({ consistentHash: { httpHeaderName: headerName.toLowerCase() } });
  }

  /**
   * Sticky sessions keyed on a cookie; with `ttl`, Envoy creates the cookie when it is missing.
   */
  public static consistentHashByCookie(cookieName: string, ttl?: Duration): LoadBalancer {
    validateNonEmptyString('LoadBalancer.consistentHashByCookie', 'cookieName', cookieName);
    return new LoadBalancer({
      consistentHash: { httpCookie: { name: cookieName, ...(ttl ? { ttl: istioDuration('LoadBalancer.consistentHashByCookie', 'ttl', ttl, true) } : {}) } },
    });
  }

  /** Sticky sessions keyed on the client's IP address. */
  public static consistentHashBySourceIp(): LoadBalancer {
    return new LoadBalancer({ consistentHash: { useSourceIp: true } });
  }

  private constructor(private readonly json: any) {}

  /** @internal Istio's LoadBalancerSettings JSON */
  public _toIstio(): any {
    return this.json;
  }
}

/**
 * Connection limits toward each pod (Istio's ConnectionPoolSettings), the circuit breaker
 * of a version.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings
 */
export interface ConnectionPool {
  /**
   * Maximum number of TCP connections to a destination host.
   * @default - Istio's default (2^32-1)
   */
  readonly maxConnections?: number;

  /**
   * TCP connect timeout.
   * @default - Istio's default (10s)
   */
  readonly connectTimeout?: Duration;

  /**
   * Maximum number of requests queued while waiting for a connection.
   * @default - Istio's default (2^32-1)
   */
  readonly http1MaxPendingRequests?: number;

  /**
   * Maximum number of active requests to a destination.
   * @default - Istio's default (2^32-1)
   */
  readonly http2MaxRequests?: number;

  /**
   * Maximum number of requests per connection; 1 disables keep-alive.
   * @default - unlimited
   */
  readonly maxRequestsPerConnection?: number;

  /**
   * Maximum number of outstanding retries to all hosts of the destination.
   * @default - Istio's default (2^32-1)
   */
  readonly maxRetries?: number;

  /**
   * How long a connection may be idle before it is closed.
   * @default - Istio's default (1h)
   */
  readonly idleTimeout?: Duration;
}

/**
 * Ejection of failing pods from the load-balancing pool (Istio's OutlierDetection).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
 */
export interface OutlierDetection {
  /**
   * Number of consecutive 5xx errors before a pod is ejected; 0 disables this check.
   * @default - Istio's default (5)
   */
  readonly consecutive5xxErrors?: number;

  /**
   * Number of consecutive gateway errors (502, 503, 504) before a pod is ejected.
   * @default - disabled
   */
  readonly consecutiveGatewayErrors?: number;

  /**
   * Time between ejection sweeps.
   * @default - Istio's default (10s)
   */
  readonly interval?: Duration;

  /**
   * Minimum ejection duration; it grows with each ejection of the same pod.
   * @default - Istio's default (30s)
   */
  readonly baseEjectionTime?: Duration;

  /**
   * Maximum percent of a version's pods that can be ejected, 0 to 100.
   * @default - Istio's default (10)
   */
  readonly maxEjectionPercent?: number;

  /**
   * Outlier detection stays on while at least this percent of pods is healthy, 0 to 100.
   * @default - Istio's default (0)
   */
  readonly minHealthPercent?: number;
}

/**
 * Traffic policy applied to every version of a service (Istio's DestinationRule trafficPolicy).
 */
export interface TrafficPolicy {
  /**
   * How requests are spread over pods.
   * @default - Istio's default load balancer
   */
  readonly loadBalancer?: LoadBalancer;

  /**
   * Connection limits (circuit breaking).
   * @default - Istio's defaults
   */
  readonly connectionPool?: ConnectionPool;

  /**
   * Ejection of failing pods.
   * @default - no outlier detection
   */
  readonly outlierDetection?: OutlierDetection;
}

const MAX_UINT32 = 4294967295;

/** Validates a traffic policy; throws naming `who` and the prop. */
export function validateTrafficPolicy(who: string, policy: TrafficPolicy): void {
  const pool = policy.connectionPool ?? {};
  for (const key of ['maxConnections', 'http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries'] as const) {
    if (pool[key] !== undefined) validateIntRange(who, `trafficPolicy.connectionPool.${key}`, pool[key], key === 'maxRetries' ? 0 : 1, MAX_UINT32);
  }
  const od = policy.outlierDetection ?? {};
  for (const key of ['consecutive5xxErrors', 'consecutiveGatewayErrors'] as const) {
    if (od[key] !== undefined) validateIntRange(who, `trafficPolicy.outlierDetection.${key}`, od[key], 0, MAX_UINT32);
  }
  for (const key of ['maxEjectionPercent', 'minHealthPercent'] as const) {
    if (od[key] !== undefined) validateIntRange(who, `trafficPolicy.outlierDetection.${key}`, od[key], 0, 100);
  }
  // Durations are checked when rendered (istioDuration), which happens here too, eagerly.
  renderTrafficPolicy(who, policy);
}

/** Renders a traffic policy as Istio's JSON, or undefined when empty. */
export function renderTrafficPolicy(who: string, policy?: TrafficPolicy): DestinationRuleSpecTrafficPolicy | undefined {
  if (!policy) return undefined;
  const pool = policy.connectionPool;
  const od = policy.outlierDetection;
  const tcp = pool && compact({
    maxConnections: pool.maxConnections,
    connectTimeout: optDuration(who, 'trafficPolicy.connectionPool.connectTimeout', pool.connectTimeout),
  });
  const http = pool && compact({
    http1MaxPendingRequests: pool.http1MaxPendingRequests,
    http2MaxRequests: pool.http2MaxRequests,
    maxRequestsPerConnection: pool.maxRequestsPerConnection,
    maxRetries: pool.maxRetries,
    idleTimeout: optDuration(who, 'trafficPolicy.connectionPool.idleTimeout', pool.idleTimeout),
  });
  return compact({
    loadBalancer: policy.loadBalancer?._toIstio(),
    connectionPool: pool && compact({ tcp, http }),
    outlierDetection: od && compact({
      consecutive5XxErrors: od.consecutive5xxErrors,
      consecutiveGatewayErrors: od.consecutiveGatewayErrors,
      interval: optDuration(who, 'trafficPolicy.outlierDetection.interval', od.interval),
      baseEjectionTime: optDuration(who, 'trafficPolicy.outlierDetection.baseEjectionTime', od.baseEjectionTime),
      maxEjectionPercent: od.maxEjectionPercent,
      minHealthPercent: od.minHealthPercent,
    }),
  });
}

function optDuration(who: string, prop: string, d?: Duration): string | undefined {
  return d === undefined ? undefined : istioDuration(who, prop, d, false);
}

/** A protobuf duration string (`1.5s`); Istio requires at least 1ms. */
export function istioDuration(who: string, prop: string, d: Duration, allowZero: boolean): string {
  const ms = d.toMilliseconds();
  if (!Number.isFinite(ms) || ms < 0 || (!allowZero && ms < 1)) {
    fail(who, `${prop} must be at least 1ms, got ${ms}ms`);
  }
  return `${ms / 1000}s`;
}

/** Drops undefined values; undefined when nothing is left. */
function compact(obj: Record<string, any>): any {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

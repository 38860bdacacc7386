import { Duration } from 'cdk8s';
import { durationString } from '../internal/duration';
import { fail, show, validateNonEmptyString } from '../internal/validation';

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
      consistentHash: { httpCookie: { name: cookieName, ...(ttl ? { ttl: durationString('LoadBalancer.consistentHashByCookie', 'ttl', ttl, true) } : {}) } },
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

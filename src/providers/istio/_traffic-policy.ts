// Validation and Istio rendering of TrafficPolicy (internal).
import { Duration } from 'cdk8s';
import { DestinationRuleSpecTrafficPolicy } from './imports/networking.istio.io';
import { durationString } from '../../internal/duration';
import { validateIntRange } from '../../internal/validation';
import { TrafficPolicy } from '../../model/traffic-policy';

const MAX_UINT32 = 4294967295;
/** Istio's connection pool limits are int32. */
const MAX_INT32 = 2147483647;

/** Validates a traffic policy; throws naming `who` and the prop. */
export function validateTrafficPolicy(who: string, policy: TrafficPolicy): void {
  const pool = policy.connectionPool ?? {};
  for (const key of ['maxConnections', 'http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries'] as const) {
    if (pool[key] !== undefined) validateIntRange(who, `trafficPolicy.connectionPool.${key}`, pool[key], key === 'maxRetries' ? 0 : 1, MAX_INT32);
  }
  const od = policy.outlierDetection ?? {};
  for (const key of ['consecutive5xxErrors', 'consecutiveGatewayErrors'] as const) {
    if (od[key] !== undefined) validateIntRange(who, `trafficPolicy.outlierDetection.${key}`, od[key], 0, MAX_UINT32);
  }
  for (const key of ['maxEjectionPercent', 'minHealthPercent'] as const) {
    if (od[key] !== undefined) validateIntRange(who, `trafficPolicy.outlierDetection.${key}`, od[key], 0, 100);
  }
  // Durations are checked when rendered (durationString), which happens here too, eagerly.
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
  return d === undefined ? undefined : durationString(who, prop, d, false);
}

/** Drops undefined values; undefined when nothing is left. */
function compact(obj: Record<string, any>): any {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

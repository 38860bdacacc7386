// PromQL of the built-in checks over Istio's standard metrics (internal).

/** What a check needs to know about the release to render its PromQL. */
export interface CheckContext {
  readonly who: string;
  /** e.g. `60s` */
  readonly interval: string;
  readonly service: string;
  readonly namespace?: string;
  readonly stable: string;
  readonly canary: string;
  /** Label matchers without braces. */
  readonly canarySelector: string;
  readonly stableSelector: string;
}

/** A check rendered for one release. */
export interface RenderedCheck {
  readonly name: string;
  readonly promql: string;
  readonly min?: number;
  readonly max?: number;
  /** How values are shown, e.g. `%` or `ms`. */
  readonly unit: string;
}


/** The Istio standard metric of requests, a counter. */
export const ISTIO_REQUESTS = 'istio_requests_total';
/** The Istio standard metric of request durations, a histogram in milliseconds. */
export const ISTIO_DURATION_BUCKET = 'istio_request_duration_milliseconds_bucket';

/** Percent of requests not answered with a 5xx status. */
export function successRatePromql(selector: string, interval: string): string {
  return `100 * (1 - (sum(rate(${ISTIO_REQUESTS}{${selector},response_code=~"5.."}[${interval}])) or vector(0)) / sum(rate(${ISTIO_REQUESTS}{${selector}}[${interval}])))`;
}

/** A latency percentile in milliseconds. */
export function latencyPromql(selector: string, interval: string, percentile: number): string {
  const q = Number((percentile / 100).toFixed(6));
  return `histogram_quantile(${q}, sum by (le) (rate(${ISTIO_DURATION_BUCKET}{${selector}}[${interval}])))`;
}


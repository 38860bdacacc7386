// PromQL of the built-in checks (internal), over the series a MetricSource names.

/** The series of one version, as PromQL series selectors (`name{matchers}`). */
export interface VersionSeries {
  /** A counter of every request the version answered. */
  readonly requests: string;
  /** A counter of the requests it answered with a 5xx status. */
  readonly errors: string;
  /** The `_bucket` series of a histogram of request durations (label `le`). */
  readonly durationBuckets: string;
}

/** What a metric source needs to know about the release. */
export interface SourceRelease {
  readonly who: string;
  readonly service: string;
  readonly namespace: string;
  readonly stable: string;
  readonly canary: string;
}

/** What a metric source gives a release: the series of each version. */
export interface ReleaseSeries {
  /** What reports the series, for messages (e.g. `istio_requests_total (reporter "destination")`). */
  readonly description: string;
  readonly canary: VersionSeries;
  readonly stable: VersionSeries;
  /** Multiplies the histogram's unit to milliseconds (1000 for seconds, 1 for milliseconds). */
  readonly durationScale: number;
  /** Label matchers of each version, without braces, for `MetricCheck.query`'s placeholders. */
  readonly canarySelector: string;
  readonly stableSelector: string;
}

/** What a check needs to know about the release to render its PromQL. */
export interface CheckContext {
  readonly who: string;
  /** e.g. `60s` */
  readonly interval: string;
  readonly service: string;
  readonly namespace: string;
  readonly stable: string;
  readonly canary: string;
  readonly series: ReleaseSeries;
}

/** A check rendered for one release. */
export interface RenderedCheck {
  readonly name: string;
  /** The check's value over one interval, ending at the evaluation time. */
  readonly promql: string;
  readonly min?: number;
  readonly max?: number;
  /** How values are shown, e.g. `%` or `ms`. */
  readonly unit: string;
}

/** Percent of requests not answered with a 5xx status, over `interval`. */
export function successRatePromql(series: VersionSeries, interval: string): string {
  return `100 * (1 - (sum(rate(${series.errors}[${interval}])) or vector(0)) / sum(rate(${series.requests}[${interval}])))`;
}

/** A latency percentile in milliseconds, over `interval`. */
export function latencyPromql(series: VersionSeries, interval: string, percentile: number, scale: number): string {
  const q = Number((percentile / 100).toFixed(6));
  const quantile = `histogram_quantile(${q}, sum by (le) (rate(${series.durationBuckets}[${interval}])))`;
  return scale === 1 ? quantile : `${quantile} * ${scale}`;
}

/** Requests of a version over `range`. */
export function requestsPromql(series: VersionSeries, range: string): string {
  return `sum(increase(${series.requests}[${range}]))`;
}

/** 5xx answers of a version over `range`. */
export function errorsPromql(series: VersionSeries, range: string): string {
  return `sum(increase(${series.errors}[${range}]))`;
}

/**
 * Restarts of a version's request counter over `range`: a restarted process resets every
 * series it exports at once (one per response code, ...), so the resets are counted once per
 * scrape target (`instance`, `pod`), not once per series.
 */
export function restartsPromql(series: VersionSeries, range: string): string {
  return `sum(max by (namespace, pod, instance) (resets(${series.requests}[${range}])))`;
}

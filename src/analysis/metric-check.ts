import { Duration } from 'cdk8s';
import { CheckContext, latencyPromql, RenderedCheck, successRatePromql } from './_promql';
import { fail, show, validateNumberRange } from '../internal/validation';

/** Options of `MetricCheck.successRate`. */
export interface SuccessRateCheckOptions {
  /**
   * The lowest acceptable percent of the canary's requests answered without a 5xx status,
   * from 0 to 100 (e.g. 99). A fraction in (0, 1] is refused (0.99 would accept 99% errors):
   * write 99.
   */
  readonly min: number;
}

/** Options of `MetricCheck.successRateVsStable`. */
export interface SuccessRateVsStableCheckOptions {
  /**
   * How many percentage points the canary's success rate may be below the stable version's,
   * from 0 to 100 (e.g. 1: stable at 99.5% lets the canary pass down to 98.5%).
   */
  readonly maxDrop: number;
}

/** Options of `MetricCheck.latency`. */
export interface LatencyCheckOptions {
  /** The percentile: 50, 75, 90, 95, 99 or 99.9. */
  readonly percentile: number;

  /** The highest acceptable request duration at that percentile (at least 1 ms). */
  readonly max: Duration;
}

/** Options of `MetricCheck.latencyVsStable`. */
export interface LatencyVsStableCheckOptions {
  /** The percentile: 50, 75, 90, 95, 99 or 99.9. */
  readonly percentile: number;

  /** How much slower than the stable version the canary may be at that percentile. */
  readonly maxIncrease: Duration;
}

/** Options of `MetricCheck.query`. */
export interface QueryCheckOptions {
  /** The check's name in verdicts, rules and alerts: lower-case letters, digits and '-', e.g. `error-budget`. */
  readonly name: string;

  /**
   * A PromQL expression returning one number as a one-element instant vector, over the
   * last `{{interval}}` (each evaluation computes it for every interval-long window since the
   * previous one). These placeholders are replaced at synth: `{{service}}`, `{{namespace}}`,
   * `{{canary}}` and `{{stable}}` (version names), `{{interval}}` (the analysis interval,
   * e.g. `60s`) and `{{canarySelector}}` / `{{stableSelector}}` (the metric source's label
   * matchers of that version, without braces).
   * @see https://prometheus.io/docs/prometheus/latest/querying/basics/
   */
  readonly promql: string;

  /**
   * The lowest passing value.
   * @default - no lower bound (at least one of min and max is required)
   */
  readonly min?: number;

  /**
   * The highest passing value.
   * @default - no upper bound (at least one of min and max is required)
   */
  readonly max?: number;
}

const PERCENTILES = [50, 75, 90, 95, 99, 99.9];
const CHECK_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

function validatePercentile(who: string, prop: string, value: unknown): number {
  if (typeof value !== 'number' || !PERCENTILES.includes(value)) {
    fail(who, `${prop} must be one of ${PERCENTILES.join(', ')}, got ${show(value)}`);
  }
  return value;
}

/** A percent from 0 to 100, refusing a fraction in (0, 1] that was meant as a percent. */
function percent(who: string, prop: string, value: unknown): number {
  const v = validateNumberRange(who, prop, value, 0, 100);
  if (v > 0 && v <= 1) fail(who, `${prop} is a percent from 0 to 100, got ${v}, which accepts ${Number((100 - v).toFixed(6))}% errors: did you mean ${Number((v * 100).toFixed(6))}?`);
  return v;
}

function milliseconds(who: string, prop: string, value: unknown, min: number): number {
  if (!(value instanceof Duration)) fail(who, `${prop} must be a Duration, got ${show(value)}`);
  const ms = value.toMilliseconds();
  if (!Number.isFinite(ms) || ms < min) fail(who, `${prop} must be at least ${min} ms, got ${ms} ms`);
  return ms;
}

/**
 * A metric the canary must satisfy before it gets more traffic. The built-in checks query
 * the analysis' `MetricSource` (by default the traffic provider's: Istio's standard metrics,
 * ingress-nginx's, ...) at the analysis interval; `query` takes any PromQL.
 *
 * Checks are validated when the `CanaryService` is built, so the message names the service.
 *
 * @see https://istio.io/latest/docs/reference/config/metrics/
 */
export class MetricCheck {
  /**
   * The percent of the canary's requests answered without a 5xx status must be at least `min`.
   */
  public static successRate(options: SuccessRateCheckOptions): MetricCheck {
    return new MetricCheck('successRate', options);
  }

  /**
   * The canary's success rate (percent of non-5xx responses) may be at most `maxDrop`
   * percentage points below the stable version's, over the same interval.
   */
  public static successRateVsStable(options: SuccessRateVsStableCheckOptions): MetricCheck {
    return new MetricCheck('successRateVsStable', options);
  }

  /**
   * The canary's request duration at `percentile` must be at most `max`, from Istio's
   * `istio_request_duration_milliseconds` histogram.
   */
  public static latency(options: LatencyCheckOptions): MetricCheck {
    return new MetricCheck('latency', options);
  }

  /**
   * The canary's request duration at `percentile` may exceed the stable version's by at most
   * `maxIncrease`.
   */
  public static latencyVsStable(options: LatencyVsStableCheckOptions): MetricCheck {
    return new MetricCheck('latencyVsStable', options);
  }

  /** Any PromQL expression that returns one number, with bounds. */
  public static query(options: QueryCheckOptions): MetricCheck {
    return new MetricCheck('query', options);
  }

  private constructor(private readonly type: string, private readonly options: any) {}

  /** Validates the options and renders the check for one release. @internal */
  public _render(ctx: CheckContext, index: number): RenderedCheck {
    const who = ctx.who;
    const o = this.options ?? {};
    const at = `analysis.checks[${index}]`;
    const series = ctx.series;
    const histogram = (what: string) => {
      if (series.canary.durationBuckets === '') fail(who, `${at} (${what}) needs a request duration histogram, but the metric source ${series.description} has none; set durationBuckets in MetricSource.custom, or remove the check`);
    };
    switch (this.type) {
      case 'successRate':
        return { name: 'success-rate', promql: successRatePromql(series.canary, ctx.interval), min: percent(who, `${at} (successRate) min`, o.min), unit: '%' };
      case 'successRateVsStable': {
        const drop = validateNumberRange(who, `${at} (successRateVsStable) maxDrop`, o.maxDrop, 0, 100);
        return {
          name: 'success-rate-vs-stable',
          promql: `(${successRatePromql(series.canary, ctx.interval)}) - (${successRatePromql(series.stable, ctx.interval)})`,
          min: drop === 0 ? 0 : -drop,
          unit: ' points',
        };
      }
      case 'latency': {
        const p = validatePercentile(who, `${at} (latency) percentile`, o.percentile);
        const max = milliseconds(who, `${at} (latency) max`, o.max, 1);
        histogram('latency');
        return { name: `latency-p${String(p).replace('.', '')}`, promql: latencyPromql(series.canary, ctx.interval, p, series.durationScale), max, unit: ' ms' };
      }
      case 'latencyVsStable': {
        const p = validatePercentile(who, `${at} (latencyVsStable) percentile`, o.percentile);
        const max = milliseconds(who, `${at} (latencyVsStable) maxIncrease`, o.maxIncrease, 0);
        histogram('latencyVsStable');
        return {
          name: `latency-p${String(p).replace('.', '')}-vs-stable`,
          promql: `(${latencyPromql(series.canary, ctx.interval, p, series.durationScale)}) - (${latencyPromql(series.stable, ctx.interval, p, series.durationScale)})`,
          max,
          unit: ' ms',
        };
      }
      default: {
        if (typeof o.name !== 'string' || !CHECK_NAME.test(o.name) || o.name.length > 63) {
          fail(who, `${at} (query) name must be lower-case letters, digits and '-' (at most 63, starting and ending with a letter or digit), got ${show(o.name)}`);
        }
        const name = `${at} (query ${o.name})`;
        if (typeof o.promql !== 'string' || o.promql.trim() === '') fail(who, `${name} promql must be a non-empty PromQL expression, got ${show(o.promql)}`);
        if (o.min === undefined && o.max === undefined) fail(who, `${name} needs min, max or both, got neither`);
        const bound = (prop: string) => {
          const v = o[prop];
          if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) fail(who, `${name} ${prop} must be a finite number, got ${show(v)}`);
          return v as number | undefined;
        };
        const min = bound('min');
        const max = bound('max');
        if (min !== undefined && max !== undefined && min > max) fail(who, `${name} min must be at most max, got min ${min} and max ${max}`);
        const values: Record<string, string | undefined> = {
          service: ctx.service,
          namespace: ctx.namespace,
          canary: ctx.canary,
          stable: ctx.stable,
          interval: ctx.interval,
          canarySelector: series.canarySelector,
          stableSelector: series.stableSelector,
        };
        const promql = (o.promql as string).trim().replace(PLACEHOLDER, (whole, key: string) => {
          const v = values[key];
          if (v === undefined) fail(who, `${name} promql has an unknown placeholder ${whole}; known: ${Object.keys(values).map(k => `{{${k}}}`).join(', ')}`);
          return v;
        });
        return { name: o.name, promql, min, max, unit: '' };
      }
    }
  }
}

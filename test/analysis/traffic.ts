// Recorded Istio standard metrics for the analysis tests: counters and a latency histogram as
// an Istio sidecar reports them (reporter="destination"), one sample every 15 seconds.
import { Sample } from './prometheus';

/** 2026-01-01T00:00:00Z: the start of every recording. */
export const T0 = Date.parse('2026-01-01T00:00:00Z') / 1000;

/** The RFC 3339 time `minutes` after T0. */
export function at(minutes: number): string {
  return new Date((T0 + minutes * 60) * 1000).toISOString().replace('.000Z', 'Z');
}

export const METRIC_TYPES = { istio_requests: 'counter', istio_request_duration_milliseconds: 'histogram' };

const BUCKETS = [25, 50, 100, 250, 500, 1000, 2500];

export interface Traffic {
  readonly namespace: string;
  readonly service: string;
  readonly version: string;
  /** Requests per second. */
  readonly rps: number;
  /** Share of 503 answers, 0 to 1. */
  readonly errorRatio: number;
  /** Cumulative share of requests at most each of 25, 50, 100, 250, 500, 1000, 2500 ms. */
  readonly latency: number[];
  /** Minutes after T0 when the counters restart from 0 (a pod restart). */
  readonly resetAtMinute?: number;
  /** Minutes of recording. */
  readonly minutes?: number;
  /** The Istio reporter. Default `destination`. */
  readonly reporter?: string;
  /** The destination_service_name label (Istio says `unknown` for callers outside the mesh). Default the service. */
  readonly destinationService?: string;
  /** The share of 503 answers from a minute on, overriding errorRatio: minute -> ratio, in order (e.g. a burst). */
  readonly errorRatioFrom?: Array<[number, number]>;
  /** Requests per second from a minute on, overriding rps: minute -> rps, in order. */
  readonly rpsFrom?: Array<[number, number]>;
}

/** The value in effect at second `s` of a schedule of [minute, value] pairs, else `initial`. */
function scheduled(initial: number, schedule: Array<[number, number]> | undefined, s: number): number {
  let v = initial;
  for (const [minute, value] of schedule ?? []) if (s >= minute * 60) v = value;
  return v;
}

/** Fast: p99 about 100 ms. */
export const FAST = [0.5, 0.9, 0.99, 1, 1, 1, 1];
/** Slow: p99 about 2.2 s. */
export const SLOW = [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1];

export function istioSamples(t: Traffic): Sample[] {
  const labels = `reporter="${t.reporter ?? 'destination'}",destination_service_name="${t.destinationService ?? t.service}",destination_service_namespace="${t.namespace}",destination_workload_namespace="${t.namespace}",destination_workload="${t.service}-${t.version}",destination_version="${t.version}"`;
  const samples: Sample[] = [];
  const end = (t.minutes ?? 120) * 60;
  // Counters accumulate step by step, so rates and error ratios can change over time.
  let total = 0;
  let errors = 0;
  for (let s = 0; s <= end; s += 15) {
    if (s > 0) {
      const added = scheduled(t.rps, t.rpsFrom, s - 15) * 15;
      total += added;
      errors += added * scheduled(t.errorRatio, t.errorRatioFrom, s - 15);
    }
    if (t.resetAtMinute !== undefined && s === Math.ceil(t.resetAtMinute * 4) * 15) {
      total = 0;
      errors = 0;
    }
    const time = T0 + s;
    const round = (n: number) => Math.round(n * 1000) / 1000;
    samples.push({ series: `istio_requests_total{${labels},response_code="200"}`, value: round(total - errors), time });
    samples.push({ series: `istio_requests_total{${labels},response_code="503"}`, value: round(errors), time });
    BUCKETS.forEach((le, i) => samples.push({ series: `istio_request_duration_milliseconds_bucket{${labels},le="${le}"}`, value: round(total * t.latency[i]), time }));
    samples.push({ series: `istio_request_duration_milliseconds_bucket{${labels},le="+Inf"}`, value: round(total), time });
    samples.push({ series: `istio_request_duration_milliseconds_count{${labels}}`, value: round(total), time });
    samples.push({ series: `istio_request_duration_milliseconds_sum{${labels}}`, value: round(total * 40), time });
  }
  return samples;
}

export const NGINX_METRIC_TYPES = { nginx_ingress_controller_requests: 'counter', nginx_ingress_controller_request_duration_seconds: 'histogram' };

/**
 * ingress-nginx's request metrics of the main Ingress `<service>` in `namespace`, as the
 * controller labels them: requests it sent to the canary backend carry `canary` (the canary
 * upstream's name), the others `canary=""`. No mesh: no Istio series.
 */
export function nginxSamples(t: Traffic & { readonly canary: boolean }): Sample[] {
  const canary = t.canary ? `${t.namespace}-${t.service}-${t.version}-80` : '';
  const labels = `namespace="${t.namespace}",ingress="${t.service}",service="${t.service}-v1",canary="${canary}"`;
  const samples: Sample[] = [];
  let total = 0;
  let errors = 0;
  for (let s = 0; s <= (t.minutes ?? 120) * 60; s += 15) {
    if (s > 0) {
      const added = scheduled(t.rps, t.rpsFrom, s - 15) * 15;
      total += added;
      errors += added * scheduled(t.errorRatio, t.errorRatioFrom, s - 15);
    }
    const time = T0 + s;
    const round = (n: number) => Math.round(n * 1000) / 1000;
    samples.push({ series: `nginx_ingress_controller_requests{${labels},status="200"}`, value: round(total - errors), time });
    samples.push({ series: `nginx_ingress_controller_requests{${labels},status="503"}`, value: round(errors), time });
    BUCKETS.forEach((le, i) => samples.push({ series: `nginx_ingress_controller_request_duration_seconds_bucket{${labels},le="${le / 1000}"}`, value: round(total * t.latency[i]), time }));
    samples.push({ series: `nginx_ingress_controller_request_duration_seconds_bucket{${labels},le="+Inf"}`, value: round(total), time });
    samples.push({ series: `nginx_ingress_controller_request_duration_seconds_count{${labels}}`, value: round(total), time });
    samples.push({ series: `nginx_ingress_controller_request_duration_seconds_sum{${labels}}`, value: round(total * 0.04), time });
  }
  return samples;
}

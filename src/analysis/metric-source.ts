import { ReleaseSeries, SourceRelease } from './_promql';
import { fail, show } from '../internal/validation';

/**
 * Which Istio proxy reports the metrics the checks read (the `reporter` label).
 * @see https://istio.io/latest/docs/reference/config/metrics/#labels
 */
export enum IstioReporter {
  /** The canary's own sidecar (`reporter="destination"`): every request the canary served. */
  DESTINATION = 'destination',
  /** The callers' sidecars or gateways (`reporter="source"`). */
  SOURCE = 'source',
  /** The ambient mode waypoint proxy in front of the canary (`reporter="waypoint"`). */
  WAYPOINT = 'waypoint',
}

/** Options of `MetricSource.istio`. */
export interface IstioMetricSourceOptions {
  /**
   * Which proxy's metrics the checks read.
   * @default IstioReporter.DESTINATION
   */
  readonly reporter?: IstioReporter;
}

/** The unit of a request duration histogram's buckets (`le`). */
export enum HistogramUnit {
  /** Seconds, as Prometheus and OpenTelemetry name them (`..._seconds_bucket`). */
  SECONDS = 'seconds',
  /** Milliseconds (Istio's `istio_request_duration_milliseconds_bucket`). */
  MILLISECONDS = 'milliseconds',
}

/** Options of `MetricSource.custom`: PromQL series selectors, with placeholders. */
export interface CustomMetricSourceOptions {
  /**
   * A series selector of a counter of every request a version answered. Placeholders
   * `{{service}}`, `{{namespace}}` and `{{version}}` (the version's name) are replaced at
   * synth, e.g. `http_server_request_duration_seconds_count{service_name="{{service}}",service_version="{{version}}"}`
   * for OpenTelemetry's `http.server.request.duration` exported to Prometheus.
   * @see https://opentelemetry.io/docs/specs/semconv/http/http-metrics/
   */
  readonly requests: string;

  /**
   * The same counter's series of 5xx answers, e.g.
   * `http_server_request_duration_seconds_count{service_name="{{service}}",service_version="{{version}}",http_response_status_code=~"5.."}`.
   */
  readonly errors: string;

  /**
   * The `_bucket` series of a histogram of request durations, for `MetricCheck.latency` and
   * `latencyVsStable`.
   * @default - no histogram: latency checks fail at synth
   */
  readonly durationBuckets?: string;

  /**
   * The unit of `durationBuckets`.
   * @default HistogramUnit.SECONDS
   */
  readonly durationUnit?: HistogramUnit;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
const SELECTOR = /^[a-zA-Z_:][a-zA-Z0-9_:]*\{.*\}$/s;

/**
 * Where the built-in checks (`successRate`, `latency`, ... and the `minRequests` gate) read
 * a version's requests, 5xx answers and request durations. Each traffic provider has a
 * default: Istio's standard metrics for `TrafficProvider.istio()` (the destination reporter)
 * and `TrafficProvider.gatewayApi({ waypoint })` (the waypoint reporter); ingress-nginx's
 * own metrics for `TrafficProvider.ingressNginx()`. `TrafficProvider.kubernetes()` and the
 * Gateway API without a waypoint have none: give one.
 */
export class MetricSource {
  /**
   * Istio's standard metrics `istio_requests_total` and
   * `istio_request_duration_milliseconds_bucket`, selected by the version's workload
   * (`destination_workload="<service>-<version>"`, `destination_workload_namespace`,
   * `destination_version`), so requests from callers outside the mesh (which Istio labels
   * `destination_service="unknown"`) count too.
   * @see https://istio.io/latest/docs/reference/config/metrics/
   */
  public static istio(options: IstioMetricSourceOptions = {}): MetricSource {
    const who = 'MetricSource.istio';
    if (options === null || typeof options !== 'object') fail(who, `options must be IstioMetricSourceOptions, got ${show(options)}`);
    const reporter = options.reporter ?? IstioReporter.DESTINATION;
    if (!(Object.values(IstioReporter) as string[]).includes(reporter)) {
      fail(who, `reporter must be one of ${Object.values(IstioReporter).join(', ')}, got ${show(reporter)}`);
    }
    return new MetricSource(`istio (reporter ${reporter})`, r => {
      const matchers = (version: string) => [
        `reporter=${JSON.stringify(reporter)}`,
        `destination_workload_namespace=${JSON.stringify(r.namespace)}`,
        `destination_workload=${JSON.stringify(`${r.service}-${version}`)}`,
        `destination_version=${JSON.stringify(version)}`,
      ].join(',');
      const series = (version: string) => ({
        requests: `istio_requests_total{${matchers(version)}}`,
        errors: `istio_requests_total{${matchers(version)},response_code=~"5.."}`,
        durationBuckets: `istio_request_duration_milliseconds_bucket{${matchers(version)}}`,
      });
      return {
        description: `istio_requests_total (reporter "${reporter}")`,
        canary: series(r.canary),
        stable: series(r.stable),
        durationScale: 1,
        canarySelector: matchers(r.canary),
        stableSelector: matchers(r.stable),
      };
    });
  }

  /**
   * ingress-nginx's `nginx_ingress_controller_requests` and
   * `nginx_ingress_controller_request_duration_seconds_bucket` of the service's main Ingress
   * (`ingress="<service>"` in the chart's namespace): the canary's requests are those
   * ingress-nginx labels with a canary upstream (`canary!=""`), the stable version's those
   * without (`canary=""`). Only traffic through the Ingress is counted.
   * @see https://kubernetes.github.io/ingress-nginx/user-guide/monitoring/
   */
  public static ingressNginx(): MetricSource {
    return new MetricSource('ingress-nginx', r => {
      const matchers = (canary: boolean) => `namespace=${JSON.stringify(r.namespace)},ingress=${JSON.stringify(r.service)},canary${canary ? '!=""' : '=""'}`;
      const series = (canary: boolean) => ({
        requests: `nginx_ingress_controller_requests{${matchers(canary)}}`,
        errors: `nginx_ingress_controller_requests{${matchers(canary)},status=~"5.."}`,
        durationBuckets: `nginx_ingress_controller_request_duration_seconds_bucket{${matchers(canary)}}`,
      });
      return {
        description: 'nginx_ingress_controller_requests',
        canary: series(true),
        stable: series(false),
        durationScale: 1000,
        canarySelector: matchers(true),
        stableSelector: matchers(false),
      };
    });
  }

  /**
   * Any data plane's or application's metrics, as PromQL series selectors with placeholders
   * `{{service}}`, `{{namespace}}` and `{{version}}`: a request counter, its 5xx series and
   * optionally a request duration histogram.
   */
  public static custom(options: CustomMetricSourceOptions): MetricSource {
    const who = 'MetricSource.custom';
    if (options === null || typeof options !== 'object') fail(who, `options must be CustomMetricSourceOptions, got ${show(options)}`);
    const selector = (prop: string, value: unknown): string => {
      if (typeof value !== 'string' || !SELECTOR.test(value.trim())) {
        fail(who, `${prop} must be a PromQL series selector such as http_requests_total{service="{{service}}",version="{{version}}"}, got ${show(value)}`);
      }
      for (const m of value.matchAll(PLACEHOLDER)) {
        if (!['service', 'namespace', 'version'].includes(m[1])) fail(who, `${prop} has an unknown placeholder ${m[0]}; known: {{service}}, {{namespace}}, {{version}}`);
      }
      if (!/\{\{\s*version\s*\}\}/.test(value)) fail(who, `${prop} must select one version with {{version}} (else the canary and the stable version read the same series), got ${show(value)}`);
      return value.trim();
    };
    const requests = selector('requests', options.requests);
    const errors = selector('errors', options.errors);
    const buckets = options.durationBuckets === undefined ? undefined : selector('durationBuckets', options.durationBuckets);
    const unit = options.durationUnit ?? HistogramUnit.SECONDS;
    if (!(Object.values(HistogramUnit) as string[]).includes(unit)) fail(who, `durationUnit must be one of ${Object.values(HistogramUnit).join(', ')}, got ${show(unit)}`);
    return new MetricSource('custom', r => {
      const fill = (template: string, version: string) => {
        const values: { [key: string]: string } = { service: r.service, namespace: r.namespace, version };
        return template.replace(PLACEHOLDER, (_w, key: string) => values[key]);
      };
      const series = (version: string) => ({
        requests: fill(requests, version),
        errors: fill(errors, version),
        durationBuckets: buckets === undefined ? '' : fill(buckets, version),
      });
      const labels = (s: string) => s.slice(s.indexOf('{') + 1, -1);
      return {
        description: requests.slice(0, requests.indexOf('{')),
        canary: series(r.canary),
        stable: series(r.stable),
        durationScale: unit === HistogramUnit.SECONDS ? 1000 : 1,
        canarySelector: labels(fill(requests, r.canary)),
        stableSelector: labels(fill(requests, r.stable)),
      };
    });
  }

  /** @internal */
  public readonly _name: string;

  private constructor(name: string, private readonly render: (release: SourceRelease) => ReleaseSeries) {
    this._name = name;
  }

  /** The series of one release. @internal */
  public _series(release: SourceRelease): ReleaseSeries {
    return this.render(release);
  }
}

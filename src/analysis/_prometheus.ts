// A minimal Prometheus HTTP API client (internal): instant queries with Node's fetch.
// https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries

/** Prometheus cannot be reached or answers something other than a query result or a query error. */
export class PrometheusUnavailable extends Error {}

/** The answer to one instant query. */
export interface QueryAnswer {
  /** The number, when the query returned exactly one finite sample or a scalar. */
  readonly value?: number;
  /** Why there is no usable number (empty vector, NaN, several series, query error). */
  readonly problem?: string;
}

export class PrometheusClient {
  private readonly base: string;

  public constructor(url: string, private readonly timeoutMs = 10_000) {
    this.base = url.replace(/\/+$/, '');
  }

  /** Evaluates `promql` at `time`. Throws PrometheusUnavailable when the server cannot answer. */
  public async query(promql: string, time: Date): Promise<QueryAnswer> {
    const params = new URLSearchParams({ query: promql, time: (time.getTime() / 1000).toFixed(3) });
    const url = `${this.base}/api/v1/query`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: params.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: Error };
      throw new PrometheusUnavailable(`cannot reach Prometheus at ${this.base}: ${err.cause?.message ?? err.message}`);
    }
    const text = await response.text().catch(() => '');
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    // 400 bad_data and 422 execution: Prometheus rejected this query; other queries may work.
    if ((response.status === 400 || response.status === 422) && body?.status === 'error') {
      return { problem: `query error (${body.errorType}): ${body.error}` };
    }
    if (!response.ok || body?.status !== 'success') {
      const detail = body?.error ?? text.slice(0, 200).trim();
      throw new PrometheusUnavailable(`Prometheus at ${this.base} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`);
    }
    const data = body.data;
    if (data?.resultType === 'scalar') return number(data.result?.[1]);
    if (data?.resultType === 'vector') {
      const result = data.result as any[];
      if (result.length === 0) return { problem: 'no data (empty result)' };
      if (result.length > 1) return { problem: `${result.length} series returned, a check needs one` };
      return number(result[0].value?.[1]);
    }
    return { problem: `unexpected result type ${JSON.stringify(data?.resultType)}` };
  }
}

function number(text: unknown): QueryAnswer {
  const v = Number(text);
  if (typeof text !== 'string' || !Number.isFinite(v)) return { problem: `not a number (${String(text)})` };
  return { value: v };
}

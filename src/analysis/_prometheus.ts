// A Prometheus HTTP API client (internal): instant queries, with the HTTP client settings of
// Prometheus' own tools (`promtool --http.config.file`, the `http_config` of scrape configs):
// basic auth, an Authorization header, TLS with a private CA and client certificates, extra
// headers (X-Scope-OrgID for Mimir and Cortex), redirects, an http:// proxy (`proxy_url`: CONNECT
// for https targets, forwarding for http ones; `no_proxy`). Built on node's http and https
// modules, which give what fetch does not: a CA per client, a cap on the response size, and a
// deadline over the whole exchange, body included.
//
// https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries
// https://prometheus.io/docs/prometheus/latest/configuration/configuration/#http_config
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as nodeTls from 'tls';
import * as jsyaml from 'js-yaml';
import { safeText } from '../internal/safe-text';
import { show } from '../internal/validation';

/** Prometheus cannot be reached or answers something other than a query result or a query error. */
export class PrometheusUnavailable extends Error {}

/** The answer to one instant query. */
export interface QueryAnswer {
  /** The number, when the query returned exactly one finite sample or a scalar. */
  readonly value?: number;
  /** Why there is no usable number (empty vector, NaN, several series, query error). */
  readonly problem?: string;
}

/** The HTTP settings of `--http.config.file`, read. */
export interface HttpClientConfig {
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly authorization?: { readonly type: string; readonly credentials: string };
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly tls: {
    readonly ca?: Buffer;
    readonly cert?: Buffer;
    readonly key?: Buffer;
    readonly serverName?: string;
    readonly insecureSkipVerify: boolean;
  };
  /** true: follow every redirect; false: none; undefined (not set): only to the same host. */
  readonly followRedirects?: boolean;
  /** `proxy_url`: an http:// proxy, its credentials (if any) in the URL; `no_proxy`: the hosts reached directly. */
  readonly proxy?: { readonly url: URL; readonly noProxy?: readonly string[] };
}

/** The default timeout of a query (promtool's is 1 minute; a scheduled job wants less). */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** The largest response read: an instant query for one number is a few hundred bytes. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const MAX_REDIRECTS = 10;

export interface PrometheusClientOptions {
  /** @default DEFAULT_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** @default MAX_RESPONSE_BYTES */
  readonly maxResponseBytes?: number;
  /** @default - no authentication, the system's CAs, same-host redirects only */
  readonly http?: HttpClientConfig;
}

/** `url` without its password: `https://user:xxxxx@host/` (as Go's url.Redacted()). */
export function redactUrl(url: string | URL): string {
  const u = new URL(String(url));
  if (u.password) u.password = 'xxxxx';
  return u.toString().replace(/\/$/, '');
}

/**
 * A duration as Prometheus spells it (`30s`, `1m30s`, `500ms`), in milliseconds; undefined when
 * it is not one or is zero.
 */
export function parsePromDuration(text: string): number | undefined {
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!m || text === '') return undefined;
  const units = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];
  const ms = units.reduce((sum, unit, i) => sum + Number(m[i + 1] ?? 0) * unit, 0);
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

/** A Prometheus duration for the `timeout=` parameter (`30s`, `1500ms`). */
function promDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * A sample value as Prometheus writes it (strconv.FormatFloat) and reads it (strconv.ParseFloat):
 * a decimal with an optional exponent, NaN, +Inf, -Inf. Hexadecimal, empty, blank or anything
 * else is not a number.
 */
export function parseSampleValue(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return undefined;
}

function number(text: unknown): QueryAnswer {
  const v = parseSampleValue(text);
  if (v === undefined) return { problem: `no usable value: ${show(typeof text === 'string' ? safeText(text, 40) : text)} is not a number` };
  if (!Number.isFinite(v)) return { problem: `not a number (${text})` };
  return { value: v };
}

/** One HTTP exchange's answer. */
interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  readonly location?: string;
}

export class PrometheusClient {
  private readonly base: URL;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly config: HttpClientConfig;
  /** The URL for messages: credentials redacted. */
  public readonly shown: string;

  public constructor(url: string, options: PrometheusClientOptions = {}) {
    this.base = new URL(url.replace(/\/+$/, ''));
    this.shown = redactUrl(this.base);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    let config = options.http ?? { headers: [], tls: { insecureSkipVerify: false } };
    // Credentials in the URL are basic auth (as Go's client reads them), unless the file sets them.
    if (this.base.username && !config.basicAuth) {
      config = { ...config, basicAuth: { username: decodeURIComponent(this.base.username), password: decodeURIComponent(this.base.password) } };
    }
    this.base.username = '';
    this.base.password = '';
    this.config = config;
  }

  /** Evaluates `promql` at `time`. Throws PrometheusUnavailable when the server cannot answer. */
  public async query(promql: string, time: Date): Promise<QueryAnswer> {
    const params = new URLSearchParams({ query: promql, time: (time.getTime() / 1000).toFixed(3), timeout: promDuration(this.timeoutMs) });
    const url = new URL(`${this.base.pathname.replace(/\/$/, '')}/api/v1/query`, this.base);
    const { status, text } = await this.post(url, params.toString());
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    // 400 bad_data and 422 execution: Prometheus rejected this query; other queries may work.
    if ((status === 400 || status === 422) && body?.status === 'error') {
      return { problem: `query error (${safeText(String(body.errorType), 40)}): ${safeText(String(body.error))}` };
    }
    if (status < 200 || status > 299 || body?.status !== 'success') {
      const detail = typeof body?.error === 'string' ? body.error : text.slice(0, 200).trim();
      throw new PrometheusUnavailable(`Prometheus at ${this.shown} answered HTTP ${status}${detail ? `: ${safeText(detail)}` : ''}`);
    }
    const data = body.data;
    if (data?.resultType === 'scalar') return number(data.result?.[1]);
    if (data?.resultType === 'vector') {
      const result = data.result;
      if (!Array.isArray(result)) return { problem: 'unexpected answer: a vector without a result list' };
      if (result.length === 0) return { problem: 'no data (empty result)' };
      if (result.length > 1) return { problem: `${result.length} series returned, a check needs one` };
      return number(result[0]?.value?.[1]);
    }
    return { problem: `unexpected result type ${safeText(show(data?.resultType), 40)}` };
  }

  /** POSTs a form to `url`, following redirects as configured, within the deadline and the size cap. */
  private async post(url: URL, form: string): Promise<{ status: number; text: string }> {
    const deadline = Date.now() + this.timeoutMs;
    let current = url;
    let method = 'POST';
    for (let redirects = 0; ; redirects++) {
      const sameHost = current.host === this.base.host && current.protocol === this.base.protocol;
      const r = await this.once(current, method, form, sameHost, deadline);
      if (r.location === undefined) return r;
      let next: URL;
      try {
        next = new URL(r.location, current);
      } catch {
        throw new PrometheusUnavailable(`Prometheus at ${this.shown} redirected to an invalid URL ${show(safeText(r.location))}`);
      }
      const follow = this.config.followRedirects;
      const toOtherHost = next.host !== this.base.host || next.protocol !== this.base.protocol;
      if (follow === false) {
        throw new PrometheusUnavailable(`Prometheus at ${this.shown} answered HTTP ${r.status} (a redirect), and follow_redirects is false`);
      }
      if (toOtherHost && follow !== true) {
        throw new PrometheusUnavailable(`Prometheus at ${this.shown} redirected to another host, ${redactUrl(next.origin)}; refused (set follow_redirects: true in --http.config.file to follow it)`);
      }
      if (redirects >= MAX_REDIRECTS) throw new PrometheusUnavailable(`Prometheus at ${this.shown}: stopped after ${MAX_REDIRECTS} redirects`);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new PrometheusUnavailable(`Prometheus at ${this.shown} redirected to a ${safeText(next.protocol)} URL; refused`);
      // 307 and 308 repeat the POST; 301, 302 and 303 become a GET, which the query API also takes.
      if (r.status !== 307 && r.status !== 308) {
        method = 'GET';
        next.search = form;
      }
      current = next;
    }
  }

  /** The proxy to reach `url` through, if any (Go's http.ProxyURL, or httpproxy.Config with no_proxy). */
  private proxyFor(url: URL): URL | undefined {
    const proxy = this.config.proxy;
    if (!proxy) return undefined;
    if (proxy.noProxy === undefined) return proxy.url;
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    // httpproxy: localhost and loopback addresses are never proxied when no_proxy is in use.
    if (host === 'localhost' || /^127\./.test(host) || host === '::1') return undefined;
    for (const entry of proxy.noProxy) {
      if (entry === '*') return undefined;
      const m = /^(.*?)(?::(\d+))?$/.exec(entry)!;
      const name = m[1].replace(/^\[|\]$/g, '').toLowerCase();
      if (m[2] !== undefined && m[2] !== port) continue;
      if (name.startsWith('.') ? host.endsWith(name) || host === name.slice(1) : host === name || host.endsWith(`.${name}`)) return undefined;
    }
    return proxy.url;
  }

  /** `via the proxy <url>` (redacted) for messages, or nothing. */
  private via(proxy: URL | undefined): string {
    return proxy ? ` through the proxy ${redactUrl(proxy)}` : '';
  }

  /** Opens a CONNECT tunnel to `target` through the http:// `proxy`, within the deadline. */
  private tunnel(proxy: URL, target: URL, deadline: number): Promise<net.Socket> {
    const authority = `${target.hostname}:${target.port || '443'}`;
    const headers: Record<string, string> = { 'host': authority, 'user-agent': 'cdk8s-canary' };
    if (proxy.username) headers['proxy-authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
    return new Promise((resolve, reject) => {
      const fail = (message: string) => reject(new PrometheusUnavailable(message));
      const request = http.request({ host: proxy.hostname.replace(/^\[|\]$/g, ''), port: proxy.port || 80, method: 'CONNECT', path: authority, headers, agent: false });
      const timer = setTimeout(() => {
        request.destroy();
        fail(`Prometheus at ${this.shown} did not answer within ${promDuration(this.timeoutMs)} (--timeout)${this.via(proxy)}`);
      }, Math.max(deadline - Date.now(), 1));
      request.on('connect', (response, socket) => {
        clearTimeout(timer);
        if (response.statusCode !== 200) {
          socket.destroy();
          fail(`the proxy ${redactUrl(proxy)} refused the tunnel to Prometheus at ${this.shown}: HTTP ${response.statusCode}`);
          return;
        }
        resolve(socket);
      });
      request.on('error', e => {
        clearTimeout(timer);
        fail(`cannot reach Prometheus at ${this.shown}${this.via(proxy)}: ${safeText(e.message)}`);
      });
      request.end();
    });
  }

  private async once(url: URL, method: string, form: string, sameHost: boolean, deadline: number): Promise<HttpAnswer> {
    const c = this.config;
    const proxy = this.proxyFor(url);
    const tunnel = proxy && url.protocol === 'https:' ? await this.tunnel(proxy, url, deadline) : undefined;
    const headers: Record<string, string | string[]> = { 'user-agent': 'cdk8s-canary', 'accept': 'application/json' };
    for (const [name, value] of c.headers) {
      const key = name.toLowerCase();
      headers[key] = headers[key] === undefined ? value : [...[headers[key]].flat(), value];
    }
    // Credentials go to the configured host only (Go's client drops them on a redirect elsewhere).
    if (sameHost && c.basicAuth) headers.authorization = `Basic ${Buffer.from(`${c.basicAuth.username}:${c.basicAuth.password}`).toString('base64')}`;
    if (sameHost && c.authorization) headers.authorization = `${c.authorization.type} ${c.authorization.credentials}`;
    const body = method === 'POST' ? Buffer.from(form) : undefined;
    if (body) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(body.length);
    }
    // A plain http:// target through the proxy: the request goes to the proxy with the absolute URL.
    const forward = proxy && url.protocol === 'http:';
    if (forward && proxy.username) headers['proxy-authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
    const left = deadline - Date.now();
    const timeoutText = `${promDuration(this.timeoutMs)} (--timeout)${this.via(proxy)}`;
    let secured: nodeTls.TLSSocket | undefined;
    const answer = new Promise<HttpAnswer>((resolve, reject) => {
      const fail = (message: string) => reject(new PrometheusUnavailable(message));
      const tlsOptions = {
        ca: c.tls.ca,
        cert: c.tls.cert,
        key: c.tls.key,
        servername: c.tls.serverName ?? (/^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname),
        rejectUnauthorized: !c.tls.insecureSkipVerify,
      };
      const options: https.RequestOptions = {
        method,
        headers,
        ...(url.protocol === 'https:' ? tlsOptions : {}),
        // Through a tunnel: TLS to Prometheus over the proxy's socket.
        ...(tunnel ? { createConnection: () => (secured = nodeTls.connect({ ...tlsOptions, host: url.hostname.replace(/^\[|\]$/g, ''), socket: tunnel })) } : {}),
      };
      let answered = false;
      const onResponse = (response: http.IncomingMessage) => {
        answered = true;
        const status = response.statusCode ?? 0;
        const location = status >= 300 && status < 400 ? response.headers.location : undefined;
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxBytes) {
            request.destroy();
            fail(`Prometheus at ${this.shown} answered more than ${this.maxBytes} bytes; refused (an instant query's answer is a few hundred bytes)`);
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status, text: Buffer.concat(chunks).toString('utf8'), location }));
        response.on('error', e => fail(`Prometheus at ${this.shown}: the answer broke off: ${safeText(e.message)}`));
        response.on('aborted', () => fail(`Prometheus at ${this.shown}: the answer broke off`));
      };
      const request = forward
        ? http.request({ ...options, host: proxy.hostname.replace(/^\[|\]$/g, ''), port: proxy.port || 80, path: url.href, headers: { ...headers, host: url.host } }, onResponse)
        : (url.protocol === 'https:' ? https : http).request(url, options, onResponse);
      const timer = setTimeout(() => {
        request.destroy();
        fail(answered
          ? `Prometheus at ${this.shown} started answering but did not finish within ${timeoutText}`
          : `Prometheus at ${this.shown} did not answer within ${timeoutText}`);
      }, Math.max(left, 1));
      request.on('close', () => clearTimeout(timer));
      request.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        fail(`cannot reach Prometheus at ${this.shown}${this.via(proxy)}: ${safeText(e.message)}`);
      });
      request.end(body);
    });
    // A tunnel serves one exchange: closed after it, whatever its end.
    return tunnel ? answer.finally(() => { secured?.destroy(); tunnel.destroy(); }) : answer;
  }
}

const TOP_KEYS = ['basic_auth', 'authorization', 'bearer_token', 'bearer_token_file', 'tls_config', 'http_headers', 'follow_redirects', 'enable_http2', 'proxy_url', 'oauth2', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header'];
const SUPPORTED_KEYS = ['basic_auth', 'authorization', 'bearer_token', 'bearer_token_file', 'tls_config', 'http_headers', 'follow_redirects', 'enable_http2', 'proxy_url', 'no_proxy'];

/**
 * Reads an HTTP client configuration file in Prometheus' format (what `promtool
 * --http.config.file` takes). Secrets may be inline or in files (`password_file`,
 * `credentials_file`, `files` of http_headers), read relative to the working directory.
 * Unknown or unsupported keys are errors, as Prometheus' strict parsing makes them.
 */
export function readHttpConfigFile(file: string): HttpClientConfig {
  const where = `--http.config.file ${show(file)}`;
  const bad = (what: string) => new Error(`${where}: ${what}`);
  const read = (key: string, p: unknown, trim = true): Buffer => {
    if (typeof p !== 'string' || p === '') throw bad(`${key} must be a file path, got ${show(p)}`);
    try {
      const stat = fs.statSync(p);
      if (!stat.isFile()) throw bad(`${key} ${show(p)} is not a regular file`);
      if (stat.size > 1024 * 1024) throw bad(`${key} ${show(p)} is larger than 1 MiB`);
      const content = fs.readFileSync(p);
      return trim ? Buffer.from(content.toString('utf8').trim()) : content;
    } catch (e) {
      if ((e as Error).message.startsWith(where)) throw e;
      throw bad(`cannot read ${key} ${show(p)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  let raw: any;
  try {
    const text = read('the file', file, false).toString('utf8');
    raw = jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA, filename: file }) ?? {};
  } catch (e) {
    if ((e as Error).message.startsWith(where)) throw e;
    throw bad(`not valid YAML: ${safeText((e as Error).message, 300)}`);
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad(`must be a mapping of http_config keys, got ${safeText(show(raw), 80)}`);
  const keys = (at: string, o: any, allowed: string[]) => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad(`${at} must be a mapping, got ${safeText(show(o), 80)}`);
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) throw bad(`unknown key ${show(safeText(k, 60))} in ${at}; expected one of ${allowed.join(', ')}`);
    }
  };
  const str = (at: string, v: unknown) => {
    if (typeof v !== 'string') throw bad(`${at} must be a string, got ${safeText(show(v), 80)}`);
    return v;
  };
  keys('the file', raw, TOP_KEYS);
  for (const k of Object.keys(raw)) {
    if (!SUPPORTED_KEYS.includes(k)) throw bad(`${k} is not supported by cdk8s-canary yet; remove it (or reach Prometheus without it)`);
  }
  const secret = (at: string, o: any, inline: string, fileKey: string): string | undefined => {
    if (o[inline] !== undefined && o[fileKey] !== undefined) throw bad(`${at}: at most one of ${inline} and ${fileKey} may be set`);
    if (o[inline] !== undefined) return str(`${at}.${inline}`, o[inline]);
    if (o[fileKey] !== undefined) return read(`${at}.${fileKey}`, o[fileKey]).toString('utf8');
    return undefined;
  };
  let basicAuth: HttpClientConfig['basicAuth'];
  if (raw.basic_auth !== undefined) {
    keys('basic_auth', raw.basic_auth, ['username', 'username_file', 'password', 'password_file']);
    const username = secret('basic_auth', raw.basic_auth, 'username', 'username_file');
    if (!username) throw bad('basic_auth needs username (or username_file)');
    basicAuth = { username, password: secret('basic_auth', raw.basic_auth, 'password', 'password_file') ?? '' };
  }
  let authorization: HttpClientConfig['authorization'];
  if (raw.authorization !== undefined) {
    keys('authorization', raw.authorization, ['type', 'credentials', 'credentials_file']);
    const type = raw.authorization.type === undefined ? 'Bearer' : str('authorization.type', raw.authorization.type);
    if (/^basic$/i.test(type)) throw bad('authorization.type cannot be Basic; use basic_auth');
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(type)) throw bad(`authorization.type must be an HTTP authentication scheme such as Bearer, got ${show(safeText(type, 40))}`);
    const credentials = secret('authorization', raw.authorization, 'credentials', 'credentials_file');
    if (!credentials) throw bad('authorization needs credentials (or credentials_file)');
    authorization = { type, credentials };
  }
  if (raw.bearer_token !== undefined || raw.bearer_token_file !== undefined) {
    if (authorization) throw bad('at most one of authorization and bearer_token(_file) may be set');
    authorization = { type: 'Bearer', credentials: secret('the file', raw, 'bearer_token', 'bearer_token_file')! };
  }
  if (basicAuth && authorization) throw bad('at most one of basic_auth and authorization may be set');
  for (const [k, v] of [['follow_redirects', raw.follow_redirects], ['enable_http2', raw.enable_http2]] as const) {
    if (v !== undefined && typeof v !== 'boolean') throw bad(`${k} must be true or false, got ${safeText(show(v), 40)}`);
  }
  const tlsRaw = raw.tls_config ?? {};
  keys('tls_config', tlsRaw, ['ca', 'ca_file', 'cert', 'cert_file', 'key', 'key_file', 'server_name', 'insecure_skip_verify', 'min_version', 'max_version']);
  if (tlsRaw.min_version !== undefined || tlsRaw.max_version !== undefined) throw bad('tls_config.min_version and max_version are not supported yet; remove them');
  const pem = (k: string) => {
    const inline = tlsRaw[k];
    const f = tlsRaw[`${k}_file`];
    if (inline !== undefined && f !== undefined) throw bad(`tls_config: at most one of ${k} and ${k}_file may be set`);
    return inline !== undefined ? Buffer.from(str(`tls_config.${k}`, inline)) : f !== undefined ? read(`tls_config.${k}_file`, f, false) : undefined;
  };
  const tls = {
    ca: pem('ca'),
    cert: pem('cert'),
    key: pem('key'),
    serverName: tlsRaw.server_name === undefined ? undefined : str('tls_config.server_name', tlsRaw.server_name),
    insecureSkipVerify: tlsRaw.insecure_skip_verify === undefined ? false : tlsRaw.insecure_skip_verify,
  };
  if (typeof tls.insecureSkipVerify !== 'boolean') throw bad(`tls_config.insecure_skip_verify must be true or false, got ${safeText(show(tls.insecureSkipVerify), 40)}`);
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw bad('tls_config: cert_file and key_file go together (a client certificate and its key)');
  const headers: Array<[string, string]> = [];
  if (raw.http_headers !== undefined) {
    if (typeof raw.http_headers !== 'object' || raw.http_headers === null || Array.isArray(raw.http_headers)) throw bad(`http_headers must be a mapping of header names, got ${safeText(show(raw.http_headers), 80)}`);
    for (const [name, h] of Object.entries<any>(raw.http_headers)) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw bad(`http_headers: ${show(safeText(name, 60))} is not a valid header name`);
      if (/^(authorization|host|content-length|content-type|transfer-encoding|connection|user-agent)$/i.test(name)) throw bad(`http_headers: ${name} is reserved; use basic_auth or authorization for credentials`);
      keys(`http_headers.${name}`, h, ['values', 'secrets', 'files']);
      const list = (k: string) => {
        const v = h[k] ?? [];
        if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) throw bad(`http_headers.${name}.${k} must be a list of strings`);
        return v as string[];
      };
      const values = [...list('values'), ...list('secrets'), ...list('files').map(f => read(`http_headers.${name}.files`, f).toString('utf8'))];
      for (const v of values) {
        if (/[\r\n\0]/.test(v)) throw bad(`http_headers.${name}: a value holds a line break or NUL`);
        headers.push([name, v]);
      }
    }
  }
  let proxy: HttpClientConfig['proxy'];
  if (raw.proxy_url !== undefined) {
    let url: URL;
    try {
      url = new URL(str('proxy_url', raw.proxy_url));
    } catch (e) {
      if ((e as Error).message.startsWith(where)) throw e;
      // The value may hold credentials: it is not printed.
      throw bad('proxy_url is not a valid URL');
    }
    if (url.protocol !== 'http:') throw bad(`proxy_url must be an http:// URL (https targets go through it with CONNECT), got a ${safeText(url.protocol, 20)} URL; https:// and socks5:// proxies are not supported`);
    const noProxy = raw.no_proxy === undefined ? undefined : str('no_proxy', raw.no_proxy).split(',').map(h => h.trim()).filter(h => h !== '');
    proxy = { url, ...(noProxy ? { noProxy } : {}) };
  } else if (raw.no_proxy !== undefined) {
    throw bad('no_proxy needs proxy_url');
  }
  return { basicAuth, authorization, headers, tls, followRedirects: raw.follow_redirects, ...(proxy ? { proxy } : {}) };
}

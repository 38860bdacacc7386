// The Prometheus client against a real Prometheus behind TLS (a test CA, client certificates,
// basic auth: Prometheus' --web.config.file), and a local HTTPS server for what a real
// Prometheus does not do (bearer tokens, stalled or huge bodies, redirects, odd values).
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as nodeHttp from 'http';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { runCli } from './cli';
import { makePki, TestPki } from './tls';
import { parseSampleValue, PrometheusClient, PrometheusUnavailable, readHttpConfigFile, redactUrl } from '../../src/analysis/_prometheus';
import { binary } from '../analysis/prometheus';

jest.setTimeout(120_000);

const AT = new Date('2026-12-01T00:00:00Z');
const DIST = path.join(__dirname, '..', '..', 'examples', 'automated-canary', 'dist', '04-v2-at-20.k8s.yaml');

let dir: string;
let pki: TestPki;
let prometheus: ChildProcess | undefined;
let promUrl: string;
let fake: https.Server;
let fakeUrl: string;
/** What the local server answers next, by path. */
let handler: (req: any, res: any) => void;
let seen: Array<{ path: string; headers: Record<string, any> }> = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

/** An http config file in Prometheus' format. */
function config(text: string): string {
  return write(`http-${Math.random().toString(36).slice(2)}.yml`, text);
}

const vector = (value: string) => JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, value] }] } });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-prometheus-'));
  pki = makePki(dir);
  // A real Prometheus: TLS with our CA, client certificates required, basic auth (bcrypt).
  const hash = execFileSync('python3', ['-W', 'ignore', '-c', 'import crypt; print(crypt.crypt("s3cret-pass", crypt.mksalt(crypt.METHOD_BLOWFISH)))'], { encoding: 'utf8' }).trim();
  const web = write('web.yml', [
    'tls_server_config:',
    `  cert_file: ${pki.serverCert}`,
    `  key_file: ${pki.serverKey}`,
    '  client_auth_type: RequireAndVerifyClientCert',
    `  client_ca_file: ${pki.ca}`,
    'basic_auth_users:',
    `  alice: '${hash}'`,
    '',
  ].join('\n'));
  const promConfig = write('prometheus.yml', 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
  const port = await freePort();
  prometheus = spawn(binary('prometheus'), [`--config.file=${promConfig}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, `--web.config.file=${web}`], { stdio: ['ignore', 'ignore', 'ignore'] });
  promUrl = `https://127.0.0.1:${port}`;
  // The local server, with the same certificate, no client certificate required.
  fake = https.createServer({ cert: fs.readFileSync(pki.serverCert), key: fs.readFileSync(pki.serverKey) }, (req, res) => {
    seen.push({ path: req.url!, headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>(r => fake.listen(0, '127.0.0.1', () => r()));
  fakeUrl = `https://127.0.0.1:${(fake.address() as net.AddressInfo).port}`;
  // Wait for Prometheus (TLS, client certificate, basic auth).
  const ready = readHttpConfigFile(config(`basic_auth: { username: alice, password: s3cret-pass }\ntls_config: { ca_file: ${pki.ca}, cert_file: ${pki.clientCert}, key_file: ${pki.clientKey} }\n`));
  const client = new PrometheusClient(promUrl, { http: ready, timeoutMs: 2000 });
  for (const deadline = Date.now() + 60_000; ;) {
    try {
      await client.query('1', AT);
      break;
    } catch (e) {
      if (Date.now() > deadline || prometheus.exitCode !== null) throw e;
      await new Promise(r => setTimeout(r, 200));
    }
  }
});

afterAll(async () => {
  if (prometheus?.pid !== undefined && prometheus.exitCode === null) {
    const exited = new Promise(r => prometheus!.once('exit', r));
    process.kill(prometheus.pid, 'SIGTERM');
    await exited;
  }
  await new Promise(r => fake?.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  seen = [];
  handler = (_req, res) => res.end(vector('0.5'));
});

describe('a real Prometheus behind TLS, client certificates and basic auth', () => {
  test('answers with the CA, the client certificate and the password (inline or from a file)', async () => {
    // GIVEN the password in a file, and the CA, client certificate and key
    const passwordFile = write('password', 's3cret-pass\n');
    const http = readHttpConfigFile(config(`basic_auth:\n  username: alice\n  password_file: ${passwordFile}\ntls_config:\n  ca_file: ${pki.ca}\n  cert_file: ${pki.clientCert}\n  key_file: ${pki.clientKey}\n`));
    // WHEN a query runs THEN Prometheus answers it
    expect(await new PrometheusClient(promUrl, { http }).query('vector(0.25)', AT)).toEqual({ value: 0.25 });
    // AND server_name checks the certificate against another name it holds
    const named = readHttpConfigFile(config(`basic_auth: { username: alice, password: s3cret-pass }\ntls_config: { ca_file: ${pki.ca}, cert_file: ${pki.clientCert}, key_file: ${pki.clientKey}, server_name: prometheus.test }\n`));
    expect(await new PrometheusClient(promUrl, { http: named }).query('scalar(vector(3))', AT)).toEqual({ value: 3 });
  });

  test('fails with a wrong password, without printing it', async () => {
    const http = readHttpConfigFile(config(`basic_auth: { username: alice, password: wrong-pass }\ntls_config: { ca_file: ${pki.ca}, cert_file: ${pki.clientCert}, key_file: ${pki.clientKey} }\n`));
    const e = await new PrometheusClient(promUrl, { http }).query('1', AT).catch(x => x);
    expect(e).toBeInstanceOf(PrometheusUnavailable);
    expect(e.message).toMatch(new RegExp(`^Prometheus at ${promUrl} answered HTTP 401`));
    expect(e.message).not.toContain('wrong-pass');
  });

  test('fails on a server certificate the CA did not sign, and on a missing client certificate', async () => {
    const other = readHttpConfigFile(config(`tls_config: { ca_file: ${pki.otherCa} }\n`));
    await expect(new PrometheusClient(promUrl, { http: other }).query('1', AT)).rejects.toThrow(`cannot reach Prometheus at ${promUrl}: unable to verify the first certificate`);
    const noClientCert = readHttpConfigFile(config(`basic_auth: { username: alice, password: s3cret-pass }\ntls_config: { ca_file: ${pki.ca} }\n`));
    await expect(new PrometheusClient(promUrl, { http: noClientCert }).query('1', AT)).rejects.toThrow(PrometheusUnavailable);
    // AND a server_name the certificate does not hold fails the check
    const wrongName = readHttpConfigFile(config(`tls_config: { ca_file: ${pki.ca}, server_name: other.test }\n`));
    await expect(new PrometheusClient(promUrl, { http: wrongName }).query('1', AT)).rejects.toThrow(/Hostname\/IP does not match certificate's altnames/);
  });

  test('user:password in --prometheus is basic auth, and the password is printed as xxxxx', async () => {
    // GIVEN the CLI with credentials in the URL and the TLS settings in a file
    const http = config(`tls_config: { ca_file: ${pki.ca}, cert_file: ${pki.clientCert}, key_file: ${pki.clientKey} }\n`);
    const url = promUrl.replace('https://', 'https://alice:s3cret-pass@');
    // WHEN analyze runs THEN Prometheus answers (the checks find no data), and the password appears nowhere
    const ok = runCli(['analyze', DIST, '--prometheus', url, '--http.config.file', http, '--at', AT.toISOString()]);
    expect(`${ok.out}${ok.err}`).not.toContain('s3cret-pass');
    expect(ok.code).toBe(0);
    // AND with a wrong password the error names the URL redacted
    const bad = runCli(['analyze', DIST, '--prometheus', promUrl.replace('https://', 'https://alice:wrong-pass@'), '--http.config.file', http]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`Prometheus at ${promUrl.replace('https://', 'https://alice:xxxxx@')} answered HTTP 401`);
    expect(`${bad.out}${bad.err}`).not.toContain('wrong-pass');
  });
});

describe('a local HTTPS server', () => {
  const trust = () => readHttpConfigFile(config(`tls_config: { ca_file: ${pki.ca} }\n`));

  test('sends the authorization credentials (from a file) and http_headers, and timeout=', async () => {
    // GIVEN a bearer token in a file and an X-Scope-OrgID header (Mimir, Cortex)
    const token = write('token', 'tok-123\n');
    const http = readHttpConfigFile(config(`authorization:\n  credentials_file: ${token}\nhttp_headers:\n  X-Scope-OrgID:\n    values: [tenant-a]\ntls_config: { ca_file: ${pki.ca} }\n`));
    let body = '';
    handler = (req, res) => {
      req.on('data', (d: Buffer) => { body += d; });
      req.on('end', () => res.end(vector('1')));
    };
    // WHEN a query runs
    expect(await new PrometheusClient(fakeUrl, { http, timeoutMs: 1500 }).query('up', AT)).toEqual({ value: 1 });
    // THEN the server received both headers and the timeout parameter
    expect(seen[0].headers).toMatchObject({ 'authorization': 'Bearer tok-123', 'x-scope-orgid': 'tenant-a' });
    expect(new URLSearchParams(body).get('timeout')).toBe('1500ms');
  });

  test('a stalled body is a timeout, not an answer', async () => {
    // GIVEN a server that sends the headers and part of the body, then nothing
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"succ');
    };
    // WHEN the client waits at most 500 ms THEN it fails naming the timeout
    const started = Date.now();
    await expect(new PrometheusClient(fakeUrl, { http: trust(), timeoutMs: 500 }).query('up', AT))
      .rejects.toThrow(`Prometheus at ${fakeUrl} started answering but did not finish within 500ms (--timeout)`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a body larger than the cap is refused', async () => {
    // GIVEN a server that streams 64 MiB
    handler = (_req, res) => {
      const chunk = Buffer.alloc(1024 * 1024, 32);
      let n = 0;
      const more = () => {
        while (n < 64 && res.write(chunk)) n++;
        if (n < 64) res.once('drain', more);
        else res.end();
      };
      more();
    };
    // WHEN the client reads it THEN it stops at the cap
    await expect(new PrometheusClient(fakeUrl, { http: trust(), maxResponseBytes: 1024 * 1024 }).query('up', AT))
      .rejects.toThrow(`Prometheus at ${fakeUrl} answered more than 1048576 bytes; refused`);
  });

  test('a redirect to another host is refused unless follow_redirects, and credentials do not follow it', async () => {
    // GIVEN a server that redirects to the same server under another name (localhost)
    const other = fakeUrl.replace('127.0.0.1', 'localhost');
    handler = (req, res) => {
      if (req.url.startsWith('/moved')) return res.end(vector('7'));
      res.writeHead(307, { location: `${other}/moved/api/v1/query` });
      return res.end();
    };
    const http = (extra: string) => readHttpConfigFile(config(`authorization: { credentials: tok-xyz }\ntls_config: { ca_file: ${pki.ca}, server_name: prometheus.test }\n${extra}`));
    // WHEN it is not allowed THEN refused, naming the other host
    await expect(new PrometheusClient(fakeUrl, { http: http('') }).query('up', AT))
      .rejects.toThrow(`Prometheus at ${fakeUrl} redirected to another host, ${other}; refused (set follow_redirects: true in --http.config.file to follow it)`);
    expect(seen).toHaveLength(1);
    // AND with follow_redirects: false even a redirect to the same host is refused
    handler = (_req, res) => { res.writeHead(302, { location: '/elsewhere' }); res.end(); };
    await expect(new PrometheusClient(fakeUrl, { http: http('follow_redirects: false\n') }).query('up', AT)).rejects.toThrow('answered HTTP 302 (a redirect), and follow_redirects is false');
    // AND with follow_redirects: true it is followed, without the credentials
    seen = [];
    handler = (req, res) => {
      if (req.url.startsWith('/moved')) return res.end(vector('7'));
      res.writeHead(307, { location: `${other}/moved/api/v1/query` });
      return res.end();
    };
    expect(await new PrometheusClient(fakeUrl, { http: http('follow_redirects: true\n') }).query('up', AT)).toEqual({ value: 7 });
    expect(seen.map(s => [s.path, s.headers.authorization])).toEqual([['/api/v1/query', 'Bearer tok-xyz'], ['/moved/api/v1/query', undefined]]);
  });

  test.each([
    ['', 'no usable value: "" is not a number'],
    ['0x63', 'no usable value: "0x63" is not a number'],
    [' 1', 'no usable value: " 1" is not a number'],
    ['1_000', 'no usable value: "1_000" is not a number'],
    ['NaN', 'not a number (NaN)'],
    ['+Inf', 'not a number (+Inf)'],
  ])('a sample value %j is "no usable value"', async (value, problem) => {
    handler = (_req, res) => res.end(vector(value));
    expect(await new PrometheusClient(fakeUrl, { http: trust() }).query('up', AT)).toEqual({ problem });
  });

  test('an error message from the server is printed escaped', async () => {
    handler = (_req, res) => {
      res.writeHead(503);
      res.end(JSON.stringify({ status: 'error', error: 'down\n::error::x\u001b[2J' }));
    };
    await expect(new PrometheusClient(fakeUrl, { http: trust() }).query('up', AT)).rejects.toThrow(`Prometheus at ${fakeUrl} answered HTTP 503: down\\n::error::x\\u001b[2J`);
  });
});

test('parseSampleValue reads Prometheus\' float grammar', () => {
  expect(['1', '-2.5', '.5', '5.', '1e3', '1E-3', '+7', '1e308'].map(parseSampleValue)).toEqual([1, -2.5, 0.5, 5, 1000, 0.001, 7, 1e308]);
  expect(parseSampleValue('-Inf')).toBe(-Infinity);
  expect(parseSampleValue('NaN')).toBeNaN();
  for (const bad of ['', ' ', '0x63', '0b1', '1e', 'e3', '1.2.3', '١', 'Infinityx', '1 ']) expect(parseSampleValue(bad)).toBeUndefined();
});

test('redactUrl hides the password as xxxxx', () => {
  expect(redactUrl('https://alice:pa%3Ass@prom.example:9090/x')).toBe('https://alice:xxxxx@prom.example:9090/x');
  expect(redactUrl('http://prom:9090/')).toBe('http://prom:9090');
});

/**
 * A fake http:// proxy on 127.0.0.1: CONNECT tunnels (for https targets) and forwarding of
 * absolute-URL requests (for http targets), requiring `Proxy-Authorization` when `auth` is set.
 * Records what it was asked.
 */
interface Asked { method: string; target: string; auth?: string }
async function startProxy(auth?: string): Promise<{ url: string; asked: Asked[]; close: () => Promise<void> }> {
  const asked: Asked[] = [];
  const expected = auth ? `Basic ${Buffer.from(auth).toString('base64')}` : undefined;
  const server = nodeHttp.createServer((req, res) => {
    asked.push({ method: req.method!, target: req.url!, auth: req.headers['proxy-authorization'] });
    if (expected && req.headers['proxy-authorization'] !== expected) { res.writeHead(407).end(); return; }
    const target = new URL(req.url!);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = nodeHttp.request({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers }, r => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  const tunnels = new Set<net.Socket>();
  server.on('connect', (req, socket: net.Socket, head) => {
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    asked.push({ method: 'CONNECT', target: req.url!, auth: req.headers['proxy-authorization'] });
    if (expected && req.headers['proxy-authorization'] !== expected) { socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n'); return; }
    const [host, port] = req.url!.split(':');
    const upstream = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const close = () => new Promise<void>(r => {
    tunnels.forEach(t => t.destroy());
    server.closeAllConnections();
    server.close(() => r());
  });
  return { url, asked, close };
}

describe('proxy_url', () => {
  const promTls = () => `basic_auth: { username: alice, password: s3cret-pass }\ntls_config: { ca_file: ${pki.ca}, cert_file: ${pki.clientCert}, key_file: ${pki.clientKey} }\n`;

  test('reaches the real Prometheus (https) through a CONNECT tunnel, with the proxy\'s credentials', async () => {
    // GIVEN a proxy that requires credentials, and them in proxy_url
    const proxy = await startProxy('px-user:px-s3cret');
    try {
      const cfg = readHttpConfigFile(config(`${promTls()}proxy_url: ${proxy.url.replace('http://', 'http://px-user:px-s3cret@')}\n`));
      // WHEN a query runs THEN Prometheus answers through the tunnel (TLS and basic auth end to end)
      expect(await new PrometheusClient(promUrl, { http: cfg }).query('vector(0.75)', AT)).toEqual({ value: 0.75 });
      expect(proxy.asked).toEqual([{ method: 'CONNECT', target: new URL(promUrl).host, auth: `Basic ${Buffer.from('px-user:px-s3cret').toString('base64')}` }]);
    } finally {
      await proxy.close();
    }
  });

  test('forwards requests to an http:// Prometheus with the absolute URL', async () => {
    // GIVEN a plain-http server answering queries, and a proxy without credentials
    const plain = nodeHttp.createServer((_req, res) => res.end(vector('0.5')));
    await new Promise<void>(r => plain.listen(0, '127.0.0.1', () => r()));
    const target = `http://127.0.0.1:${(plain.address() as net.AddressInfo).port}`;
    const proxy = await startProxy();
    try {
      const cfg = readHttpConfigFile(config(`proxy_url: ${proxy.url}\n`));
      // WHEN a query runs THEN the proxy forwarded it, and the answer came back
      expect(await new PrometheusClient(target, { http: cfg }).query('up', AT)).toEqual({ value: 0.5 });
      expect(proxy.asked).toEqual([{ method: 'POST', target: `${target}/api/v1/query`, auth: undefined }]);
    } finally {
      await proxy.close();
      await new Promise(r => plain.close(r));
    }
  });

  test('a refused tunnel names the proxy with its password redacted, never the password', async () => {
    // GIVEN proxy credentials the proxy rejects
    const proxy = await startProxy('px-user:right');
    try {
      const cfg = readHttpConfigFile(config(`${promTls()}proxy_url: ${proxy.url.replace('http://', 'http://px-user:wrong-px@')}\n`));
      // WHEN a query runs THEN the 407 is reported, the proxy URL redacted
      const e = await new PrometheusClient(promUrl, { http: cfg }).query('1', AT).catch(x => x);
      expect(e).toBeInstanceOf(PrometheusUnavailable);
      expect(e.message).toBe(`the proxy ${proxy.url.replace('http://', 'http://px-user:xxxxx@')} refused the tunnel to Prometheus at ${promUrl}: HTTP 407`);
      expect(e.message).not.toContain('wrong-px');
      // AND an unreachable proxy too
      const gone = readHttpConfigFile(config('proxy_url: http://u:gone-pass@127.0.0.1:1\n'));
      const e2 = await new PrometheusClient(promUrl, { http: gone }).query('1', AT).catch(x => x);
      expect(e2.message).toMatch(/^cannot reach Prometheus at https:\/\/127\.0\.0\.1:\d+ through the proxy http:\/\/u:xxxxx@127\.0\.0\.1:1: .*ECONNREFUSED/);
      expect(e2.message).not.toContain('gone-pass');
    } finally {
      await proxy.close();
    }
  });

  test('no_proxy: listed hosts, and loopback addresses (as Go\'s httpproxy), are reached directly', async () => {
    const proxy = await startProxy();
    try {
      // GIVEN no_proxy naming another host: 127.0.0.1 is loopback, never proxied once no_proxy is set
      const cfg = readHttpConfigFile(config(`${promTls()}proxy_url: ${proxy.url}\nno_proxy: prometheus.internal, .example.com\n`));
      // WHEN a query runs THEN Prometheus answers directly: the proxy was not asked
      expect(await new PrometheusClient(promUrl, { http: cfg }).query('vector(1)', AT)).toEqual({ value: 1 });
      expect(proxy.asked).toEqual([]);
      // AND without no_proxy the same query goes through the proxy
      const via = readHttpConfigFile(config(`${promTls()}proxy_url: ${proxy.url}\n`));
      expect(await new PrometheusClient(promUrl, { http: via }).query('vector(1)', AT)).toEqual({ value: 1 });
      expect(proxy.asked).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
});

describe('--http.config.file', () => {
  test.each([
    ['basic_auth: { username: a, password: p, password_file: /x }\n', 'basic_auth: at most one of password and password_file may be set'],
    ['basic_auth: { user: a }\n', 'unknown key "user" in basic_auth; expected one of username, username_file, password, password_file'],
    ['oauth2: { client_id: a }\n', 'oauth2 is not supported by cdk8s-canary yet'],
    ['proxy_url: https://proxy:3128\n', 'proxy_url must be an http:// URL (https targets go through it with CONNECT), got a https: URL; https:// and socks5:// proxies are not supported'],
    ['proxy_url: socks5://proxy:1080\n', 'proxy_url must be an http:// URL'],
    ['proxy_url: "http://u:hunter2@[bad"\n', 'proxy_url is not a valid URL'],
    ['no_proxy: example.com\n', 'no_proxy needs proxy_url'],
    ['proxy_url: http://proxy:3128\nproxy_from_environment: true\n', 'proxy_from_environment is not supported by cdk8s-canary yet'],
    ['follow_redirects: yes\n', 'follow_redirects must be true or false, got "yes"'],
    ['tls_config: { cert_file: /etc/hostname }\n', 'tls_config: cert_file and key_file go together'],
    ['authorization: { type: Basic, credentials: x }\n', 'authorization.type cannot be Basic; use basic_auth'],
    ['http_headers: { "X-A": { values: ["a\\nb"] } }\n', 'http_headers.X-A: a value holds a line break or NUL'],
    ['authorization: { credentials_file: /nonexistent/token }\n', 'cannot read authorization.credentials_file "/nonexistent/token": ENOENT'],
    ['- a\n', 'must be a mapping of http_config keys, got ["a"]'],
  ])('fails on %j', (text, message) => {
    const file = config(text);
    expect(() => readHttpConfigFile(file)).toThrow(`--http.config.file ${JSON.stringify(file)}: ${message}`);
  });

  test('a credential in the file is never printed: a bad file fails without it', () => {
    const file = config('basic_auth: { username: a, password: hunter2 }\nunknown_key: 1\n');
    expect(() => readHttpConfigFile(file)).toThrow(/unknown key "unknown_key"/);
    expect(() => readHttpConfigFile(file)).not.toThrow(/hunter2/);
  });
});

describe('--timeout', () => {
  test('fails on a value that is not a Prometheus duration', () => {
    const r = runCli(['analyze', DIST, '--prometheus', 'http://127.0.0.1:1', '--timeout', '30']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--timeout must be a duration from 1ms to 1h such as 30s or 1m30s, got "30"');
  });

  test('bounds a query to a server that never answers', () => {
    // GIVEN a TCP server that accepts and says nothing (the local server's handler never answers)
    handler = () => undefined;
    const http = config(`tls_config: { ca_file: ${pki.ca} }\n`);
    const started = Date.now();
    const r = runCli(['analyze', DIST, '--prometheus', fakeUrl, '--http.config.file', http, '--timeout', '1s']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`Prometheus at ${fakeUrl} did not answer within 1s (--timeout)`);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

// `cdk8s-canary analyze` and `cdk8s-canary advance`: automated canary analysis against
// Prometheus, with the release state in a file committed beside the app.
import type { CliIo } from './_io';
import { commitSummary, evaluate, formatVerdicts, loadAnalyses, ReleaseVerdict } from '../analysis/_evaluate';
import { DEFAULT_TIMEOUT_MS, HttpClientConfig, parsePromDuration, PrometheusClient, PrometheusUnavailable, readHttpConfigFile, redactUrl } from '../analysis/_prometheus';
import { initialState, parseRfc3339, readStateFile, releaseKey, writeStateFile } from '../analysis/_state';
import { readIfExists } from '../internal/atomic-write';
import { safeText } from '../internal/safe-text';

export const ANALYZE_HELP = `Usage: cdk8s-canary analyze <dist> --prometheus <url> [--json] [--at <time>]

Evaluates every analysed release in the synth output <dist> (routing objects with a
cdk8s-canary.io/analysis annotation) against Prometheus: the verdict advance, hold or abort,
and each check's worst value, threshold and result over the time since the step started.

Options:
  --prometheus URL   the Prometheus server, e.g. http://prometheus.monitoring:9090 (required)
  --http.config.file FILE
                     HTTP client settings in Prometheus' format (as promtool takes them):
                     basic_auth, authorization, tls_config, http_headers, follow_redirects,
                     proxy_url (http://), no_proxy
  --timeout D        the most a query may take, also sent as Prometheus' timeout= (default 30s)
  --at TIME          evaluate at this RFC 3339 time instead of now
  --json             print {"releases":[{"service","version","verdict","reason","checks":[...]}]}

Exit codes: 0 no release must abort, 1 a release must abort, 2 usage error, or Prometheus
cannot be reached or answers an error.`;

export const ADVANCE_HELP = `Usage: cdk8s-canary advance <state file> <dist> --prometheus <url> [--at <time>] [--json]

Applies the verdicts of 'analyze' to the state file: the next step when the checks passed and
the step has baked, hold otherwise (failed evaluations are counted), and on abort the canary's
weight back to 0 with the reason. Each run judges the whole time since the release's previous
evaluation (recorded in the state file as evaluatedAt), one interval-long window at a time. Writes the file atomically, then prints a one-line summary
for the commit message. Synthesize again to update the YAML.

Options:
  --prometheus URL   the Prometheus server (required)
  --http.config.file FILE, --timeout D   as for analyze
  --at TIME          evaluate at this RFC 3339 time instead of now
  --json             print the verdicts as JSON after the summary line

Exit codes: 0 state written (or nothing to change), 2 usage error, state file and <dist> out of
sync, or Prometheus cannot be reached or answers an error (then nothing is written).`;

class AnalyzeUsageError extends Error {}

interface Options {
  readonly positional: string[];
  readonly prometheus: string;
  readonly timeoutMs: number;
  readonly http?: HttpClientConfig;
  readonly at: Date;
  readonly json: boolean;
}

function parseOptions(args: string[], positional: number, what: string): Options {
  const out: string[] = [];
  let prometheus: string | undefined;
  let at: string | undefined;
  let timeout: string | undefined;
  let httpConfig: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? (eq > 0 ? arg.slice(2, eq) : arg.slice(2)) : undefined;
    const value = () => {
      const v = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (v === undefined) throw new AnalyzeUsageError(`option --${name} needs a value`);
      return v;
    };
    if (name === undefined) out.push(arg);
    else if (name === 'json' && eq < 0) json = true;
    else if (name === 'prometheus') prometheus = value();
    else if (name === 'at') at = value();
    else if (name === 'timeout') timeout = value();
    else if (name === 'http.config.file') httpConfig = value();
    else throw new AnalyzeUsageError(`unknown option ${JSON.stringify(arg)}`);
  }
  if (out.length !== positional) throw new AnalyzeUsageError(`needs ${what}, got ${out.length} argument${out.length === 1 ? '' : 's'}${out.length ? `: ${out.join(' ')}` : ''}`);
  if (!prometheus) throw new AnalyzeUsageError('needs --prometheus <url>, e.g. --prometheus http://localhost:9090');
  let url: URL | undefined;
  try {
    url = new URL(prometheus);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || !/^https?:\/\/[^\s/]+/.test(prometheus)) {
    throw new AnalyzeUsageError(`--prometheus must be an http:// or https:// URL, got ${JSON.stringify(url ? redactUrl(url) : prometheus.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:xxxxx@'))}`);
  }
  const timeoutMs = timeout === undefined ? DEFAULT_TIMEOUT_MS : parsePromDuration(timeout);
  if (timeoutMs === undefined || timeoutMs > 3_600_000) throw new AnalyzeUsageError(`--timeout must be a duration from 1ms to 1h such as 30s or 1m30s, got ${JSON.stringify(timeout)}`);
  const http = httpConfig === undefined ? undefined : readHttpConfigFile(httpConfig);
  let time = new Date();
  if (at !== undefined) {
    // RFC 3339: a date, 'T', a time and a zone.
    const ms = parseRfc3339(at);
    if (ms === undefined) throw new AnalyzeUsageError(`--at must be an RFC 3339 time such as 2026-11-23T10:00:00Z, got ${JSON.stringify(at)}`);
    time = new Date(ms);
  }
  return { positional: out, prometheus, timeoutMs, http, at: time, json };
}

async function run(command: string, help: string, io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof AnalyzeUsageError) io.err(`cdk8s-canary ${command}: ${e.message}\n\n${help}`);
    else if (e instanceof PrometheusUnavailable) io.err(`cdk8s-canary ${command}: ${e.message}`);
    else io.err(`cdk8s-canary ${command}: ${(e as Error).message}`);
    return 2;
  }
}

function toJson(verdicts: ReleaseVerdict[]): string {
  return JSON.stringify({
    releases: verdicts.map(v => ({
      namespace: v.namespace,
      service: v.service,
      version: v.version,
      verdict: v.verdict,
      reason: v.reason,
      weight: v.weight,
      nextWeight: v.nextWeight,
      requests: v.requests,
      ...(v.from !== undefined ? { from: v.from, spanSeconds: v.spanSeconds } : {}),
      checks: v.checks,
    })),
  }, undefined, 2);
}

/**
 * The summary line `advance` prints for the commit message: one line of our words and numbers.
 * A release whose reason holds anything else (a Prometheus error message, an odd value) gets
 * "reason in the job log" instead; names are kept only when they are DNS names and versions.
 */
export function summaryLine(verdicts: ReleaseVerdict[]): string {
  const plainName = (n: string) => /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(n);
  const plainReason = (r: string) => /^[A-Za-z0-9 .,:;%()<>=\/+_-]{0,300}$/.test(r);
  const safe = verdicts.map(v => ({
    ...v,
    namespace: plainName(v.namespace) ? v.namespace : 'a namespace',
    service: plainName(v.service) ? v.service : 'a release',
    version: plainName(v.version) ? v.version : 'a version',
    reason: plainReason(v.reason) ? v.reason : 'reason in the job log',
  }));
  return safeText(commitSummary(safe), 1000);
}

/** `cdk8s-canary analyze <dist> --prometheus <url> [--json] [--at <time>]` */
export function analyze(args: string[], io: CliIo): Promise<number> {
  return run('analyze', ANALYZE_HELP, io, async () => {
    const o = parseOptions(args, 1, 'one path, the synth output <dist>');
    const docs = loadAnalyses(o.positional);
    const prometheus = new PrometheusClient(o.prometheus, { timeoutMs: o.timeoutMs, http: o.http });
    const verdicts: ReleaseVerdict[] = [];
    for (const doc of docs) verdicts.push(await evaluate(doc, doc.state, prometheus, o.at));
    io.out(o.json ? toJson(verdicts) : formatVerdicts(verdicts));
    return verdicts.some(v => v.verdict === 'abort') ? 1 : 0;
  });
}

/** `cdk8s-canary advance <state file> <dist> --prometheus <url> [--at <time>] [--json]` */
export function advance(args: string[], io: CliIo): Promise<number> {
  return run('advance', ADVANCE_HELP, io, async () => {
    const o = parseOptions(args, 2, 'two paths, <state file> and <dist>');
    const [stateFile, dist] = o.positional;
    // What was read, to write only if no other run changed the file meanwhile.
    const before = readIfExists(stateFile);
    const state = readStateFile(stateFile);
    const docs = loadAnalyses([dist]);
    const prometheus = new PrometheusClient(o.prometheus, { timeoutMs: o.timeoutMs, http: o.http });
    const verdicts: ReleaseVerdict[] = [];
    for (const doc of docs) {
      const key = releaseKey(doc.namespace, doc.service);
      const recorded = state.releases[key];
      const current = recorded && recorded.version === doc.canary ? recorded : initialState(doc.canary);
      if (current.weight !== doc.state.weight || current.status !== doc.state.status) {
        throw new Error(`${dist} was synthesized with ${key} ${doc.canary} ${doc.state.status} at ${doc.state.weight}%, but ${stateFile} says ${current.status} at ${current.weight}%; synthesize again first`);
      }
      verdicts.push(await evaluate(doc, current, prometheus, o.at));
    }
    // Every query answered: now write, once.
    const releases = { ...state.releases };
    for (const v of verdicts) releases[releaseKey(v.namespace, v.service)] = v.nextState;
    if (verdicts.length > 0) writeStateFile(stateFile, { ...state, releases }, before);
    io.out(summaryLine(verdicts));
    if (o.json) io.out(toJson(verdicts));
    return 0;
  });
}

// The `cdk8s-canary` command: offline GitOps safety checks on synthesized YAML.
//
//   cdk8s-canary check <old> <new>     is the step from old to new safe?
//   cdk8s-canary explain <paths> --host H ...   where does this request go, and why?
//   cdk8s-canary diff <old> <new>      which cohorts and how much traffic move?
//   cdk8s-canary validate <paths>      schemas, CEL and data-plane rules, Istio's rules on any YAML (validate.ts)
//   cdk8s-canary analyze <dist> --prometheus URL          canary verdicts from Prometheus
//   cdk8s-canary advance <state> <dist> --prometheus URL  apply them to the state file
//   cdk8s-canary migrate <paths> --to gateway-api   Ingresses to HTTPRoutes, proven (migrate.ts)
//
// Exit codes: 0 success, 1 unsafe step found by `check`, errors by `validate` or an abort by
// `analyze`, 2 usage or read error.
import { CliIo, EXIT_OK, EXIT_UNSAFE, EXIT_USAGE } from './_io';
import type { SimulatedRequest } from '../gitops/route-simulator';
import { readManifestFiles, setReadLimits, takeReadLimitFlags } from '../internal/manifest-files';
import { safeIo, safeText } from '../internal/safe-text';

// Each command loads only the modules it needs (module load is part of a command's time).
/* eslint-disable @typescript-eslint/no-require-imports */
const simulator = () => require('../gitops/route-simulator') as typeof import('../gitops/route-simulator');
const trafficDiff = () => require('../gitops/traffic-diff') as typeof import('../gitops/traffic-diff');
const transitionCheck = () => require('../gitops/transition-check') as typeof import('../gitops/transition-check');
const providers = () => require('../providers/registry') as typeof import('../providers/registry');
const validation = () => require('./validate') as typeof import('./validate');
const analysis = () => require('./analyze') as typeof import('./analyze');
const migration = () => require('./migrate') as typeof import('./migrate');
const markdown = () => require('./_markdown') as typeof import('./_markdown');
/* eslint-enable @typescript-eslint/no-require-imports */

export type { CliIo } from './_io';
export { EXIT_OK, EXIT_UNSAFE, EXIT_USAGE } from './_io';

const processIo: CliIo = {
  out: text => process.stdout.write(`${text}\n`),
  err: text => process.stderr.write(`${text}\n`),
};


const USAGE = `Usage: cdk8s-canary <command> [options]

Offline checks of synthesized routing YAML: Istio VirtualServices and DestinationRules, Gateway
API HTTPRoutes and GRPCRoutes, ingress-nginx canary Ingresses and plain Services, whether
cdk8s-canary wrote them or not. A <path> is a YAML or JSON file or a directory, read recursively
for *.yaml, *.yml and *.json (regular files only; symbolic links only inside the directory given;
at most 64 MiB a file and 256 MiB in all unless raised with --max-file-size and --max-total-size).

Commands:
  check <old> <new>      report unsafe steps between two synth outputs (exit 1 if any error)
  explain <path>...      show where a request is routed, and why
  diff <old> <new>       show which cohorts change destination and how much traffic moves
  validate <path>...     check objects against their schemas and the providers' rules, offline (exit 1 if any error)
  analyze <dist> --prometheus URL          canary analysis verdicts (exit 1 if one must abort)
  advance <state> <dist> --prometheus URL  apply the verdicts to the release state file
  migrate <path>... --to gateway-api       write HTTPRoutes for Ingresses (ingress-nginx canaries included) and prove them

Run 'cdk8s-canary <command> --help' for a command's options.`;

const HELP: Record<string, string> = {
  check: `Usage: cdk8s-canary check <old> <new> [--max-step N] [--max-load-ratio R] [--strict] [--format text|json|markdown]

Reports every step from <old> to <new> that can fail requests during a GitOps sync:
subsets or Deployments removed while still routed, traffic sent to versions deployed in the
same commit (unless Argo CD sync waves order them first), versions with 0 replicas, and
default-route weight jumps larger than --max-step points (warnings). Reads Istio
VirtualServices, Gateway API HTTPRoutes and GRPCRoutes, ingress-nginx Ingresses (canary
pairs and lone main Ingresses: a backend Service that is missing, runs no pods, is new in
the same commit, or is deleted while the old Ingresses still send it traffic; ingress-nginx
answers those requests with 503) and plain Services (capacity while pods are replaced).
For every provider: a version serving more traffic per ready pod than another version of the
same rule by more than --max-load-ratio (warnings; autoscaled versions count their
minReplicas), and an analysed release whose state goes backwards without an abort (errors).

Options:
  --max-step N   largest allowed change of a default-route weight, in points (default 50)
  --max-load-ratio R  largest allowed ratio of two versions' traffic per pod (default 2)
  --strict       warnings fail the check too: verdict UNSAFE and exit 1
  --format F     text (default); json (with --strict, also "passed"); or markdown: one
                 pull-request comment with the verdict, each finding with its fix, and the
                 traffic diff with Mermaid charts
  --json         the same as --format json

A first deployment (no VirtualService, Ingress or Deployment for a host in <old>) is safe:
<old> may be an empty file. An empty file is reported on stderr; outputs without any VirtualService
are an error (exit 2). A path that starts with '-' goes after '--'.

Exit codes: 0 safe, 1 unsafe, 2 usage or read error.`,
  explain: `Usage: cdk8s-canary explain <path>... --host H [options]

Shows which rule a request matches (Istio semantics: first match wins) and where it goes.

Options:
  --host H             the request's host (required), e.g. reviews
  --path P             the path, with an optional query string (default /)
  --method M           the HTTP method (default GET)
  --header k=v         a request header (repeatable)
  --cookie k=v         a cookie (repeatable)
  --query k=v          a query parameter (repeatable)
  --user-agent UA      the user-agent header
  --gateway G          the gateway the request enters through (default mesh)
  --source-label k=v   a label of the calling workload (repeatable)
  --port N             the port the request is sent to (default: the port in --host, else
                       any: routes bound to a port are taken to apply, and the answer for each
                       port is listed when it differs)
  --from-namespace NS  the namespace of the calling workload, for in-mesh requests: GAMMA
                       consumer routes (HTTPRoutes of NS whose parent is a Service of another
                       namespace) and VirtualService sourceNamespace matches apply to it
                       (default: a client they do not name; the answer for each namespace they
                       name is listed when it differs)
  --samples N          also send N copies and count where they go
  --seed S             seed for --samples (default 1)
  --json               print the explanation as JSON`,
  diff: `Usage: cdk8s-canary diff <old> <new> [--format text|json|mermaid|markdown]

Shows, per host, which cohorts (matched rules) change destination and what share of the
default traffic moves. A long cohort continues on the next lines, never cut.

Options:
  --format F  text (default), json, mermaid (a flowchart per host), or markdown: a
              pull-request comment with the cohorts that change and Mermaid charts
  --json      the same as --format json
  --mermaid   the same as --format mermaid`,
};

/** A command's help; the commands in modules of their own keep it there. */
function help(command: string): string {
  switch (command) {
    case 'validate': return validation().VALIDATE_HELP;
    case 'analyze': return analysis().ANALYZE_HELP;
    case 'advance': return analysis().ADVANCE_HELP;
    case 'migrate': return migration().MIGRATE_HELP;
    default: return HELP[command];
  }
}

class UsageError extends Error {}

interface Parsed {
  readonly positional: string[];
  readonly flags: Set<string>;
  readonly values: Map<string, string[]>;
}

function parse(args: string[], flags: string[], values: string[]): Parsed {
  const out: Parsed = { positional: [], flags: new Set(), values: new Map() };
  let options = true;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!options || arg === '-' || !arg.startsWith('-')) {
      out.positional.push(arg);
      continue;
    }
    if (arg === '--') {
      // Everything after `--` is a path, even if it starts with '-'.
      options = false;
      continue;
    }
    if (!arg.startsWith('--')) {
      throw new UsageError(`unknown option ${JSON.stringify(arg)} (options are long, e.g. --json; put a path that starts with '-' after --)`);
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (flags.includes(name)) {
      if (eq > 0) throw new UsageError(`option --${name} takes no value, got ${JSON.stringify(arg)}`);
      out.flags.add(name);
    } else if (values.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`option --${name} needs a value`);
      out.values.set(name, [...(out.values.get(name) ?? []), value]);
    } else {
      throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  return out;
}

function one(p: Parsed, name: string): string | undefined {
  const v = p.values.get(name);
  if (v && v.length > 1) throw new UsageError(`option --${name} may be given once, got ${v.length} times`);
  return v?.[0];
}

function int(p: Parsed, name: string, min: number, max: number): number | undefined {
  const v = one(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

function pairs(p: Parsed, name: string): { [k: string]: string } | undefined {
  const list = p.values.get(name);
  if (!list) return undefined;
  const out: { [k: string]: string } = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${name} must be key=value, got ${JSON.stringify(item)}`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** The output format: `--format F`, or a flag that names one (`--json`); never two different ones. */
function format(p: Parsed, allowed: string[], aliases: string[]): string {
  const given = one(p, 'format');
  if (given !== undefined && !allowed.includes(given)) throw new UsageError(`--format must be ${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}, got ${JSON.stringify(given)}`);
  const named = aliases.filter(a => p.flags.has(a));
  const all = [...new Set([...(given !== undefined ? [given] : []), ...named])];
  if (all.length > 1) throw new UsageError(`${all.map(f => `--format ${f}`).join(' and ')} contradict each other; give one`);
  return all[0] ?? 'text';
}

function twoPaths(p: Parsed, command: string): [string, string] {
  if (p.positional.length !== 2) {
    throw new UsageError(`${command} needs two paths, <old> and <new>, got ${p.positional.length}${p.positional.length ? `: ${p.positional.join(' ')}` : ''}`);
  }
  return [p.positional[0], p.positional[1]];
}

/** The kinds of objects that route traffic (what the readers turn into routings). */
const ROUTING_KINDS = new Set(['VirtualService', 'HTTPRoute', 'GRPCRoute']);

/**
 * The objects of the YAML files under `paths`. A file without any object (empty, or only
 * comments) is a warning on stderr, not an error: an empty old output is a first deployment.
 */
function load(paths: string[], command: string, io: CliIo): any[] {
  const objects: any[] = [];
  for (const { file, objects: found } of readManifestFiles(paths)) {
    if (found.length === 0) io.err(`cdk8s-canary ${command}: warning: ${file} holds no Kubernetes object (empty file)`);
    for (const o of found) objects.push(o);
  }
  return objects;
}

/** Throws unless some of the objects route traffic: a check of outputs without any would pass silently. */
function needRouting(command: string, paths: string[], ...outputs: any[][]): void {
  // Plain Services of versioned Deployments route by pods (TrafficProvider.kubernetes()); canary Ingress pairs route too.
  const plain = (objects: any[]) => objects.some(o => o.kind === 'Service' || o.kind === 'Ingress') && providers().PROVIDERS.index('explain', objects).routings.length > 0;
  // check also reads a main Ingress without a canary Ingress (its backend Service must outlive it).
  const ingress = (objects: any[]) => command === 'check' && objects.some(o => o.kind === 'Ingress' && o.apiVersion === 'networking.k8s.io/v1');
  if (!outputs.some(objects => objects.some(o => ROUTING_KINDS.has(o.kind)) || ingress(objects) || plain(objects))) {
    const what = paths.length === 1 ? `${paths[0]} holds no` : paths.length === 2 ? `neither ${paths[0]} nor ${paths[1]} holds a` : `none of ${paths.join(', ')} holds a`;
    throw new Error(`${what} VirtualService, HTTPRoute or GRPCRoute: nothing to ${command}; give the files or directories cdk8s synth writes (e.g. dist/)`);
  }
}

function check(args: string[], io: CliIo): number {
  const p = parse(args, ['json', 'strict'], ['max-step', 'max-load-ratio', 'format']);
  const [oldPath, newPath] = twoPaths(p, 'check');
  const maxWeightStep = int(p, 'max-step', 1, 100);
  const ratio = one(p, 'max-load-ratio');
  const maxLoadRatio = ratio === undefined ? undefined : Number(ratio);
  if (maxLoadRatio !== undefined && (!/^[0-9]+(\.[0-9]+)?$/.test(ratio!) || maxLoadRatio < 1)) {
    throw new UsageError(`--max-load-ratio must be a number of at least 1, got ${JSON.stringify(ratio)}`);
  }
  const fmt = format(p, ['text', 'json', 'markdown'], ['json']);
  const [before, after] = [load([oldPath], 'check', io), load([newPath], 'check', io)];
  needRouting('check', [oldPath, newPath], before, after);
  const { TransitionCheck } = transitionCheck();
  const report = TransitionCheck.check(before, after, { maxWeightStep, maxLoadRatio });
  const strict = p.flags.has('strict');
  const failed = !report.safe || (strict && report.findings.length > 0);
  // With --strict, the verdict in the text and the JSON is the one the exit code gives.
  if (fmt === 'json') io.out(JSON.stringify(strict ? { ...report, strict, passed: !failed } : report, undefined, 2));
  else if (fmt === 'markdown') io.out(markdown().checkMarkdown(report, strict, trafficDiff().TrafficDiff.compare(before, after)));
  else io.out(TransitionCheck.format(report, { strict }));
  return failed ? EXIT_UNSAFE : EXIT_OK;
}

function explain(args: string[], io: CliIo): number {
  const p = parse(args, ['json'], ['host', 'path', 'method', 'header', 'cookie', 'query', 'user-agent', 'gateway', 'source-label', 'samples', 'seed',
    'port', 'from-namespace']);
  if (p.positional.length === 0) throw new UsageError('explain needs at least one path (a YAML file or directory)');
  const host = one(p, 'host');
  if (!host) throw new UsageError('explain needs --host, e.g. --host reviews');
  const samples = int(p, 'samples', 1, 10_000_000);
  const seed = int(p, 'seed', 0, 2 ** 32 - 1);
  const request: SimulatedRequest = {
    host,
    path: one(p, 'path'),
    method: one(p, 'method'),
    headers: pairs(p, 'header'),
    cookies: pairs(p, 'cookie'),
    queryParams: pairs(p, 'query'),
    userAgent: one(p, 'user-agent'),
    gateway: one(p, 'gateway'),
    sourceLabels: pairs(p, 'source-label'),
    port: int(p, 'port', 1, 65535),
    sourceNamespace: one(p, 'from-namespace'),
  };
  if (request.sourceNamespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(request.sourceNamespace)) {
    throw new UsageError(`--from-namespace must be a namespace name (a DNS-1123 label), got ${JSON.stringify(request.sourceNamespace)}`);
  }
  const hostPort = /:(\d+)$/.exec(host);
  if (request.port !== undefined && hostPort && Number(hostPort[1]) !== request.port) {
    throw new UsageError(`--port ${request.port} differs from the port in --host ${JSON.stringify(host)}; give one`);
  }
  if (request.path !== undefined && !request.path.startsWith('/')) throw new UsageError(`--path must start with '/', got ${JSON.stringify(request.path)}`);
  const objects = load(p.positional, 'explain', io);
  needRouting('explain', p.positional, objects);
  const { RouteSimulator } = simulator();
  const index = providers().PROVIDERS.index('explain', objects);
  const read = { routings: index.routings.map(r => r.routing), warnings: index.warnings };
  const explanation = RouteSimulator.explain(request, read.routings);
  const sampled = samples ? RouteSimulator.sample(request, read.routings, samples, seed) : undefined;
  const warnings = read.warnings.filter(w => explanation.routingHost === undefined || w.host === explanation.routingHost);
  if (p.flags.has('json')) {
    const samplesJson = sampled ? { requests: sampled.requests, destinations: sampled.destinations, mirrored: sampled.mirrored } : undefined;
    io.out(JSON.stringify({ ...explanation, samples: samplesJson, warnings }, undefined, 2));
    return EXIT_OK;
  }
  // Every line one field: names from the input cannot start lines of their own.
  const line = (text: string) => safeText(text, 4000);
  const lines = [line(explanation.summary)];
  if (explanation.source) lines.push(line(`routing: ${explanation.source}`));
  lines.push(...explanation.trace.map(t => `  ${line(t)}`));
  if (explanation.alternatives) lines.push('the answer depends on what the request leaves open:', ...explanation.alternatives.map(a => `  ${line(a)}`));
  if (sampled) {
    lines.push(`sampled ${sampled.requests} requests:`, ...sampled.destinations.map(d => `  ${line(d.version ?? `${d.host} (any pod)`)}: ${d.count} (${(d.share * 100).toFixed(1)}%)`));
    if (explanation.mirror) lines.push(`  mirrored: ${sampled.mirrored}`);
  }
  if (!explanation.routingHost) {
    const known = [...new Set(read.routings.map(r => r.host))];
    lines.push(line(`hosts with a routing: ${known.length ? known.join(', ') : 'none'}`));
  }
  if (warnings.length > 0) lines.push('not modelled:', ...warnings.map(w => `  ${line(`${w.source}: ${w.message}`)}`));
  io.out(lines.join('\n'));
  return EXIT_OK;
}

function diff(args: string[], io: CliIo): number {
  const p = parse(args, ['json', 'mermaid'], ['format']);
  const [oldPath, newPath] = twoPaths(p, 'diff');
  const fmt = format(p, ['text', 'json', 'mermaid', 'markdown'], ['json', 'mermaid']);
  const [before, after] = [load([oldPath], 'diff', io), load([newPath], 'diff', io)];
  needRouting('diff', [oldPath, newPath], before, after);
  const { TrafficDiff } = trafficDiff();
  const result = TrafficDiff.compare(before, after);
  if (fmt === 'json') {
    io.out(JSON.stringify(result, undefined, 2));
  } else if (fmt === 'markdown') {
    io.out(markdown().diffMarkdown(result));
  } else if (fmt === 'mermaid') {
    io.out(result.hosts.map(h => `%% ${h.host}\n${h.mermaid}`).join('\n\n'));
  } else {
    io.out(result.hosts.length === 0 ? 'no VirtualService in either output' : TrafficDiff.toTable(result));
  }
  return EXIT_OK;
}

function migrate(args: string[], io: CliIo): number {
  const p = parse(args, [], ['to', 'gateway', 'out']);
  return migration().migrateCommand(p.positional, { to: one(p, 'to'), gateway: one(p, 'gateway'), out: one(p, 'out') }, io);
}

const COMMANDS: Record<string, (args: string[], io: CliIo) => number> = {
  check, explain, diff, validate: (args, io) => validation().validateCommand(args, io), analyze: asyncOnly, advance: asyncOnly, migrate,
};
/** The commands that query Prometheus: run by `mainAsync`. */
const ASYNC_COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  analyze: (args, io) => analysis().analyze(args, io),
  advance: (args, io) => analysis().advance(args, io),
};

function asyncOnly(): number {
  throw new Error('this command queries Prometheus and runs only through mainAsync (the cdk8s-canary binary uses it)');
}

/**
 * Like `main`, and also runs `analyze` and `advance`, which query Prometheus. Exit codes as
 * `main`; `analyze` returns 1 when a release must abort.
 */
export async function mainAsync(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...args] = argv;
  const run = command === undefined ? undefined : ASYNC_COMMANDS[command];
  if (!run || args.includes('--help') || args.includes('-h')) return main(argv, io);
  const safe = safeIo(io);
  let taken: ReturnType<typeof takeReadLimitFlags>;
  try {
    taken = takeReadLimitFlags(args);
  } catch (e) {
    safe.err(`cdk8s-canary ${command}: ${(e as Error).message}`);
    return EXIT_USAGE;
  }
  const previous = setReadLimits(taken.limits);
  try {
    return await run(taken.args, safe);
  } finally {
    setReadLimits(previous);
  }
}

/**
 * Runs the command line `argv` (without the node and script paths) and returns the exit
 * code: 0 success, 1 unsafe step found by `check` or errors by `validate`, 2 usage or read error. `analyze` and
 * `advance` run through `mainAsync`.
 */
export function main(argv: string[], unsafeIo: CliIo = processIo): number {
  // Everything printed passes through safeOutput: input and Prometheus control names and values.
  const io = safeIo(unsafeIo);
  const [command, ...allArgs] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`cdk8s-canary: unknown command ${JSON.stringify(command)}; expected check, explain, diff, validate, analyze, advance or migrate\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (allArgs.includes('--help') || allArgs.includes('-h')) {
    io.out(help(command));
    return EXIT_OK;
  }
  let previous: ReturnType<typeof setReadLimits> | undefined;
  try {
    const { args, limits } = takeReadLimitFlags(allArgs);
    previous = setReadLimits(limits);
    return run(args, io);
  } catch (e) {
    if (e instanceof UsageError || (command === 'validate' && e instanceof validation().ValidateUsageError)
      || (command === 'migrate' && e instanceof migration().MigrateUsageError)) {
      io.err(`cdk8s-canary ${command}: ${e.message}\n\n${help(command)}`);
    } else {
      io.err(`cdk8s-canary ${command}: ${(e as Error).message}`);
    }
    return EXIT_USAGE;
  } finally {
    if (previous) setReadLimits(previous);
  }
}

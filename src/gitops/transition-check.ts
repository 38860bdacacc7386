import { capacityWarnings, DEFAULT_MAX_LOAD_RATIO, withAutoscalerCapacity } from './_capacity';
import { fmt, targetLabel } from './_routing-text';
import { FindingKind, TransitionFinding } from './transition-finding';
import { abortsBetween, releaseStatesOf, stateRegressions } from '../analysis/state-regression';
import { Severity } from '../analyzer/finding';
import { safeText } from '../internal/safe-text';
import { validateIntRange } from '../internal/validation';
import { roundTo100 } from '../model/_util';
import { MatchField } from '../model/request-match';
import { RouteRule, ServiceRouting } from '../model/routing-model';
import { PROVIDERS } from '../providers/registry';
import { hostKey } from '../reading/hosts';
import { deploymentsOf, ObjectIndex, RoutingInfo } from '../reading/object-index';
import { ReadWarning } from '../reading/read-warning';

export * from './transition-finding';

/** Options of `TransitionCheck.check`. */
export interface TransitionCheckOptions {
  /**
   * The largest change, in percentage points, of any destination's weight in a default
   * (catch-all) route from one commit to the next; larger jumps are reported as warnings.
   * @default 50
   */
  readonly maxWeightStep?: number;

  /**
   * The largest factor by which a version's share of a rule's traffic per ready pod may exceed
   * another version's (autoscaled versions count their `minReplicas`); larger ones are warnings
   * naming both loads and the replicas that fix them.
   * @default 2
   */
  readonly maxLoadRatio?: number;
}

/** Options of `TransitionCheck.format`. */
export interface TransitionFormatOptions {
  /**
   * Warnings fail the check too (the command line's `--strict`): the verdict is UNSAFE when
   * there is any finding, as the exit code is.
   * @default false
   */
  readonly strict?: boolean;
}

/** The result of `TransitionCheck.check`. */
export interface TransitionReport {
  /** Whether the step is safe: no finding has severity ERROR. */
  readonly safe: boolean;

  /** Every unsafe step found, errors first. */
  readonly findings: TransitionFinding[];

  /**
   * Why steps that would otherwise be findings are safe, e.g. an abort commit of an analysed
   * release moving its traffic back to the stable version at once.
   */
  readonly notes: string[];

  /** What the reader could not model in either output (see `RoutingReader`). */
  readonly warnings: ReadWarning[];
}


/**
 * Checks a GitOps step: given the objects of the previous synth output and of the new one,
 * reports every step that can fail requests while the cluster moves from one to the other:
 *
 * - a subset, or its DestinationRule, removed while the previous VirtualService still sends
 *   it traffic or mirrors to it (make before break: move traffic first, remove later);
 * - traffic sent to a version whose Deployment or subset is new in the same commit, unless
 *   Argo CD sync waves (`argocd.argoproj.io/sync-wave`) order the Deployment and the
 *   DestinationRule before the VirtualService;
 * - a default-route weight that changes by more than `maxWeightStep` points at once (a warning),
 *   except a blue-green switch: all of the traffic moves from one version to another while
 *   both run pods (replicas > 0) in both commits;
 * - a routed version with 0 replicas, or whose Deployment is removed while routed;
 * - a routed subset that no DestinationRule defines;
 * - Gateway API routes (HTTPRoute, GRPCRoute), at Service level: a backendRef to a
 *   per-version Service that is missing (500), selects no running pods (503), or whose
 *   Service or pods are new in the same commit (unless sync waves order them first); a
 *   Service deleted, or its pods removed, in the commit that removes its last backendRef;
 * - ingress-nginx Ingresses (networking.k8s.io/v1), canary pairs and lone main Ingresses, at
 *   Service level: a backend Service that receives traffic (the canary's when its weight is
 *   above 0 or a header or cookie cohort selects it; the main one's unless the canary takes
 *   every request) or the main Ingress's `mirror-target` copies, and is missing, selects no
 *   running pods, or whose Service or pods are new in the same commit (unless sync waves
 *   order them first; ingress-nginx answers 503 meanwhile); a Service deleted, or its pods
 *   removed or scaled to 0, in the commit that moves the Ingress traffic off it. Weight
 *   jumps count between canary pairs and from and to a lone main Ingress (all to one version);
 * - a host whose routing moves between a VirtualService and an HTTPRoute in one commit (or
 *   that both route differently): the safe sequence adds the new route with identical
 *   routing while the old one stays, then removes the old one.
 *
 * - plain Kubernetes Services (no routing objects; the share of traffic is the share of
 *   pods): a commit whose rollout leaves fewer ready pods than serve the traffic before and
 *   after it, i.e. for the selected versions the sum of min(old, new) replicas is below
 *   min(old, new) selected pods (a canary scaled up and the stable version down in one commit);
 *
 * A first deployment of a host (no VirtualService for it and no Deployment of its Service
 * in the previous output) serves no traffic yet, so routing to its new versions is safe.
 *
 * Works on any VirtualService (see `RoutingReader`). Traffic mirrored to a version fails
 * only the copies, so those findings are warnings.
 */
export class TransitionCheck {
  /**
   * Checks the step from `previous` to `next` (parsed Kubernetes objects).
   */
  public static check(previous: any[], next: any[], options: TransitionCheckOptions = {}): TransitionReport {
    const maxStep = validateIntRange('TransitionCheck.check', 'maxWeightStep', options.maxWeightStep ?? 50, 1, 100);
    const maxLoadRatio = options.maxLoadRatio ?? DEFAULT_MAX_LOAD_RATIO;
    if (typeof maxLoadRatio !== 'number' || !Number.isFinite(maxLoadRatio) || maxLoadRatio < 1) {
      throw new Error(`TransitionCheck.check: maxLoadRatio must be a number of at least 1, got ${JSON.stringify(maxLoadRatio)}`);
    }
    // A Deployment an autoscaler owns runs at least the autoscaler's minReplicas.
    [previous, next] = [previous, next].map(o => (Array.isArray(o) ? withAutoscalerCapacity(o) : o));
    const before = PROVIDERS.index('TransitionCheck.check: previous', previous);
    const after = PROVIDERS.index('TransitionCheck.check: next', next);
    const findings: TransitionFinding[] = [];
    for (const plugin of PROVIDERS.plugins) findings.push(...plugin.transitions?.check(before, after, previous, next) ?? []);
    // Analysed releases: their state never goes backwards but by an abort, and an abort moves
    // every route of the release back to the stable version at once, by design.
    const states = [releaseStatesOf(previous), releaseStatesOf(next)];
    const aborted = abortsBetween(states[0], states[1]);
    const abortedHosts = new Set([...aborted.keys()].map(key => hostKey(key.slice(key.indexOf('/') + 1), key.slice(0, key.indexOf('/')))));
    for (const r of stateRegressions(states[0], states[1])) {
      findings.push({
        severity: Severity.ERROR,
        kind: FindingKind.STATE_REGRESSION,
        host: r.key.slice(r.key.indexOf('/') + 1),
        version: r.before.version,
        message: r.message,
        fix: 'keep the state that cdk8s-canary advance wrote; to roll back, abort the release (status aborted, weight 0) and let the next synth route everything to the stable version',
        safeSequence: ['1) set the release to aborted in the state file (or let advance abort it)', '2) synthesize: every route of the release goes back to the stable version'],
      });
    }
    const oldByHost = new Map<string, RoutingInfo>();
    for (const r of before.routings) if (!oldByHost.has(r.hostKey)) oldByHost.set(r.hostKey, r);
    for (const r of after.routings) {
      const old = oldByHost.get(r.hostKey);
      if (old && !abortedHosts.has(r.hostKey)) findings.push(...weightJumps(old, r, maxStep, before, after));
    }
    // Capacity: only a commit that moves load onto a version's pods beyond the ratio is flagged
    // (a stable version keeping fewer requests per pod than before a canary started is no risk).
    const withReplicas = (index: ObjectIndex) => index.routings.map(r => PROVIDERS.get(r.provider)?.withReplicas?.(index, r) ?? r.routing);
    const loadBefore = perPodLoads(withReplicas(before));
    const hostsBefore = new Set(before.routings.map(r => r.routing.host));
    for (const w of capacityWarnings(withReplicas(after), maxLoadRatio)) {
      if (!hostsBefore.has(w.host)) continue; // a first deployment serves nothing yet
      const previousLoad = loadBefore.get(`${w.host}|${w.heavy.version}`);
      if (previousLoad !== undefined && w.heavy.perPod <= previousLoad + 1e-9) continue;
      findings.push({
        severity: Severity.WARNING,
        kind: FindingKind.CAPACITY_IMBALANCE,
        host: w.host,
        version: w.heavy.version,
        message: w.message,
        fix: w.fix,
        safeSequence: [`1) scale ${w.heavy.version} to at least ${w.minimumReplicas} replicas, keeping the weights`, '2) once its pods are ready, change the weights'],
      });
    }
    const notes = [...aborted].map(([key, s]) => `${key} ${s.version} is aborted${s.reason ? ` (${s.reason})` : ''}: its routes go back to the stable version in this commit, `
      + 'weights and cohorts at once (a rollback, not a weight jump), while the canary keeps running for diagnosis');
    findings.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === Severity.ERROR ? -1 : 1));
    return {
      safe: !findings.some(f => f.severity === Severity.ERROR),
      findings,
      notes,
      warnings: [...before.warnings.map(w => ({ ...w, source: `previous: ${w.source}` })), ...after.warnings.map(w => ({ ...w, source: `next: ${w.source}` }))],
    };
  }

  /**
   * The report as readable text: a verdict line, then each finding with its fix and safe sequence.
   * With `strict`, warnings make the verdict UNSAFE (`UNSAFE (strict)`), as they make `--strict` exit 1.
   */
  public static format(report: TransitionReport, options: TransitionFormatOptions = {}): string {
    const errors = report.findings.filter(f => f.severity === Severity.ERROR).length;
    const warnings = report.findings.length - errors;
    const verdict = !report.safe ? 'UNSAFE' : options.strict ? 'UNSAFE (strict: warnings fail the check)' : 'SAFE with warnings';
    const lines = [report.findings.length === 0
      ? 'SAFE: no unsafe step found'
      : `${verdict}: ${errors} error(s), ${warnings} warning(s)`];
    // Every field is one line: names from the input cannot start lines of their own.
    const one = (text: string) => safeText(text, MAX_LINE);
    for (const f of report.findings) {
      lines.push('', one(`${f.severity.toUpperCase()} [${f.kind}] ${f.host}${f.version ? ` ${f.version}` : ''}`));
      lines.push(`  ${one(f.message)}`, `  fix: ${one(f.fix)}`, '  safe sequence of commits:', ...f.safeSequence.map(s => `    ${one(s)}`));
    }
    if ((report.notes ?? []).length > 0) lines.push('', 'notes:', ...report.notes.map(n => `  ${one(n)}`));
    if (report.warnings.length > 0) {
      lines.push('', 'not modelled:', ...report.warnings.map(w => `  ${one(`${w.source}: ${w.message}`)}`));
    }
    return lines.join('\n');
  }

  private constructor() {}
}

/** The longest line `format` writes of one field; findings that name many cohorts run long. */
const MAX_LINE = 4000;

/**
 * The default route of each gateway binding: the first rule without matches, and for each
 * scope (a port, a client namespace: the read rules of routes that apply only there) the
 * first rule whose matches name only the scope.
 */
function defaults(r: RoutingInfo): Map<string, { rule: RouteRule; where: string }> {
  const out = new Map<string, { rule: RouteRule; where: string }>();
  for (const rule of r.routing.rules) {
    const matches = rule.matches ?? [];
    if (matches.some(m => m.conditions.some(c => c.field !== MatchField.PORT && c.field !== MatchField.SOURCE_NAMESPACE))) continue;
    const gateways = [...(rule.gateways ?? [])].sort().join(',');
    const scope = matches.map(m => m.toString()).sort().join(' or ');
    const k = `${gateways}|${scope}`;
    const where = [gateways ? ` at gateway ${gateways}` : '', scope ? ` for ${scope}` : ''].join('');
    if (!out.has(k)) out.set(k, { rule, where });
  }
  return out;
}

function shares(rule: RouteRule, ownHost: string): Map<string, number> {
  const total = rule.destinations.reduce((s, d) => s + d.weight, 0) || 1;
  const out = new Map<string, number>();
  for (const d of rule.destinations) {
    const label = targetLabel(d.version, d.host, ownHost);
    out.set(label, (out.get(label) ?? 0) + d.weight * 100 / total);
  }
  return out;
}

/** Whether a version of the routing's host runs pods (replicas > 0) in the index. */
function running(index: ObjectIndex, r: RoutingInfo, version: string | undefined): boolean {
  if (version === undefined) return false;
  const own = PROVIDERS.get(r.provider)?.transitions?.versionRunning;
  if (own) return own(index, r, version);
  return (deploymentsOf(index, r.hostKey, version) ?? []).some(d => d.replicas > 0);
}

/** The one version of its own host a default route sends all its traffic to, if it does. */
function soleVersion(rule: RouteRule): string | undefined {
  const live = rule.destinations.filter(d => d.weight > 0);
  return live.length === 1 && live[0].host === undefined ? live[0].version : undefined;
}

/**
 * A blue-green switch: all of the default traffic moves from one version to another, both
 * running pods in both commits (nothing starts cold, the idle one stays ready for a rollback).
 */
function isSwitch(prev: RouteRule, rule: RouteRule, old: RoutingInfo, now: RoutingInfo, before: ObjectIndex, after: ObjectIndex): boolean {
  const [from, to] = [soleVersion(prev), soleVersion(rule)];
  return from !== undefined && to !== undefined && from !== to
    && running(before, old, from) && running(before, old, to) && running(after, now, from) && running(after, now, to);
}

/** A default route's weights that change by more than `maxStep` points, with intermediate steps. */
function weightJumps(old: RoutingInfo, now: RoutingInfo, maxStep: number, beforeIndex: ObjectIndex, afterIndex: ObjectIndex): TransitionFinding[] {
  const out: TransitionFinding[] = [];
  const before = defaults(old);
  for (const [key, { rule, where }] of defaults(now)) {
    const prev = before.get(key)?.rule;
    if (!prev) continue;
    const host = now.routing.host;
    const a = shares(prev, host);
    const b = shares(rule, host);
    const labels = [...new Set([...a.keys(), ...b.keys()])];
    const deltas = labels.map(l => ({ l, from: a.get(l) ?? 0, to: b.get(l) ?? 0 }));
    const max = Math.max(...deltas.map(d => Math.abs(d.to - d.from)));
    if (max <= maxStep || isSwitch(prev, rule, old, now, beforeIndex, afterIndex)) continue;
    const steps = Math.ceil(max / maxStep);
    const sequence: string[] = [];
    for (let s = 1; s <= steps; s++) {
      const mid = intermediate(deltas, s / steps);
      sequence.push(`${s}) default route ${labels.map(l => `${l} ${mid.get(l)}`).join(', ')}${s < steps ? '; watch error rates and latency before the next commit' : ''}`);
    }
    out.push({
      severity: Severity.WARNING,
      kind: FindingKind.WEIGHT_JUMP,
      host,
      message: `the default route of ${host}${where} shifts ${deltas.filter(d => d.from !== d.to).map(d => `${d.l} ${fmt(d.from)}% -> ${fmt(d.to)}%`).join(', ')} `
        + `in one commit, more than the allowed step of ${maxStep} points`,
      fix: `shift the default route of ${host} by at most ${maxStep} points per commit`,
      safeSequence: sequence,
    });
  }
  return out;
}

/** The largest share of a split's traffic per pod of each version, by `<host>|<version>`. */
function perPodLoads(routings: ServiceRouting[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const routing of routings) {
    const replicas = new Map(routing.versions.map(v => [v.version, v.replicas]));
    for (const rule of routing.rules) {
      if ((rule.matches ?? []).length > 0) continue;
      for (const d of rule.destinations) {
        const n = d.version === undefined || d.host !== undefined ? undefined : replicas.get(d.version);
        if (n === undefined || n <= 0 || d.weight <= 0) continue;
        const k = `${routing.host}|${d.version}`;
        out.set(k, Math.max(out.get(k) ?? 0, d.weight / n));
      }
    }
  }
  return out;
}

/** Integer weights `fraction` of the way between `from` and `to`, adding up to 100. */
function intermediate(deltas: Array<{ l: string; from: number; to: number }>, fraction: number): Map<string, number> {
  const ints = roundTo100(deltas.map(d => d.from + (d.to - d.from) * fraction));
  return new Map(deltas.map((d, i) => [d.l, ints[i]]));
}

import { fmt, targetLabel } from './_routing-text';
import { Severity } from '../analyzer/finding';
import { validateIntRange } from '../internal/validation';
import { roundTo100 } from '../model/_util';
import { RouteRule } from '../model/routing-model';
import { gatewayApiOf } from '../providers/gateway-api/_route-index';
import { gatewayApiTransitions } from '../providers/gateway-api/_transitions';
import { ingressesOf } from '../providers/ingress-nginx/_reader';
import { ingressNginxTransitions, nginxVersionRunning } from '../providers/ingress-nginx/_transitions';
import {
  DeploymentInfo, deploymentsOf, destinationKey, hasDeploymentsFor, indexObjects, IstioIndex, RoutingInfo,
} from '../providers/istio/_object-index';
import { ReadWarning } from '../providers/istio/reader';
import { plainServicesOf } from '../providers/kubernetes/_reader';
import { kubernetesTransitions } from '../providers/kubernetes/_transitions';

/** What a finding is about. */
export enum FindingKind {
  /** A subset (or its DestinationRule) is removed while the previous routes still send it traffic or mirror to it. */
  SUBSET_REMOVED_WHILE_ROUTED = 'subset-removed-while-routed',
  /** Traffic goes to a version whose Deployment or subset is new in the same commit, with no sync waves ordering them first. */
  ROUTED_TO_NEW_VERSION = 'routed-to-new-version',
  /** A destination of a default route changes by more than the allowed step at once. */
  WEIGHT_JUMP = 'weight-jump',
  /** Traffic goes to a version that runs no pods: 0 replicas, or its Deployment is removed. */
  ROUTED_TO_NO_REPLICAS = 'routed-to-no-replicas',
  /** Traffic goes to a subset that no DestinationRule defines. */
  ROUTED_TO_MISSING_SUBSET = 'routed-to-missing-subset',
  /** Gateway API or ingress-nginx: a backendRef or Ingress backend names a Service that is not in the output (Gateway API: HTTP 500; ingress-nginx: 503). */
  ROUTED_TO_MISSING_SERVICE = 'routed-to-missing-service',
  /** Gateway API or ingress-nginx: a backend Service is deleted while the previous routes or Ingresses (or the new ones) still send it traffic. */
  SERVICE_REMOVED_WHILE_ROUTED = 'service-removed-while-routed',
  /** A host's routing moves between a VirtualService and a Gateway API route in one commit, or both route it. */
  PROVIDER_SWITCH = 'provider-switch',
  /** Plain Kubernetes Service: fewer ready pods serve its traffic during the rollout than before and after it. */
  CAPACITY_DROP = 'capacity-drop',
  /** ingress-nginx: a Service selects the pods of several versions the Ingresses route, so its in-cluster callers get them by pod count, not as the release says. */
  SERVICE_SPREADS_VERSIONS = 'service-spreads-versions',
}

/** One unsafe step between two synth outputs. */
export interface TransitionFinding {
  /** How bad it is. */
  readonly severity: Severity;

  /** What it is about. */
  readonly kind: FindingKind;

  /** The host whose traffic is at risk. */
  readonly host: string;

  /**
   * The version concerned.
   * @default - the finding is about a whole route
   */
  readonly version?: string;

  /** What goes wrong and why. */
  readonly message: string;

  /** How to fix the commit. */
  readonly fix: string;

  /** A safe sequence of commits that reaches the same end state. */
  readonly safeSequence: string[];
}

/** Options of `TransitionCheck.check`. */
export interface TransitionCheckOptions {
  /**
   * The largest change, in percentage points, of any destination's weight in a default
   * (catch-all) route from one commit to the next; larger jumps are reported as warnings.
   * @default 50
   */
  readonly maxWeightStep?: number;
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

  /** What the reader could not model in either output (see `IstioReader`). */
  readonly warnings: ReadWarning[];
}

interface Target {
  readonly key: string;
  readonly host: string;
  readonly version: string;
  /** The largest share of a rule's traffic sent to the version, in percent; 0 when only mirrored. */
  readonly weight: number;
  readonly mirrorPercent: number;
  readonly routing: RoutingInfo;
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
 * Works on any VirtualService (see `IstioReader`). Traffic mirrored to a version fails
 * only the copies, so those findings are warnings.
 */
export class TransitionCheck {
  /**
   * Checks the step from `previous` to `next` (parsed Kubernetes objects).
   */
  public static check(previous: any[], next: any[], options: TransitionCheckOptions = {}): TransitionReport {
    const maxStep = validateIntRange('TransitionCheck.check', 'maxWeightStep', options.maxWeightStep ?? 50, 1, 100);
    const before = indexObjects('TransitionCheck.check: previous', previous);
    const after = indexObjects('TransitionCheck.check: next', next);
    const findings: TransitionFinding[] = [];
    const oldTargets = targets(before);
    const newTargets = targets(after);

    for (const t of oldTargets.values()) {
      if (newTargets.has(id(t))) continue;
      findings.push(...removedWhileRouted(t, before, after));
    }
    const oldByHost = new Map<string, RoutingInfo>();
    for (const r of before.routings) if (!oldByHost.has(r.hostKey)) oldByHost.set(r.hostKey, r);
    for (const t of newTargets.values()) {
      const first = !oldByHost.has(t.routing.hostKey) && !hasDeploymentsFor(before, t.routing.hostKey);
      findings.push(...routedInNext(t, before, after, first));
    }
    for (const r of after.routings) {
      const old = oldByHost.get(r.hostKey);
      if (old) findings.push(...weightJumps(old, r, maxStep, before, after));
    }
    findings.push(...gatewayApiTransitions(before, after, previous, next));
    findings.push(...ingressNginxTransitions(before, after, previous, next));
    findings.push(...kubernetesTransitions(before, after));
    findings.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === Severity.ERROR ? -1 : 1));
    return {
      safe: !findings.some(f => f.severity === Severity.ERROR),
      findings,
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
    for (const f of report.findings) {
      lines.push('', `${f.severity.toUpperCase()} [${f.kind}] ${f.host}${f.version ? ` ${f.version}` : ''}`);
      lines.push(`  ${f.message}`, `  fix: ${f.fix}`, '  safe sequence of commits:', ...f.safeSequence.map(s => `    ${s}`));
    }
    if (report.warnings.length > 0) {
      lines.push('', 'not modelled:', ...report.warnings.map(w => `  ${w.source}: ${w.message}`));
    }
    return lines.join('\n');
  }

  private constructor() {}
}

function id(t: { key: string; version: string }): string {
  return `${t.key}|${t.version}`;
}

/** Every (host, version) a set of routings sends traffic to (weight > 0) or mirrors to. */
function targets(index: IstioIndex): Map<string, Target> {
  const out = new Map<string, Target>();
  const add = (routing: RoutingInfo, host: string | undefined, version: string | undefined, weight: number, mirror: number) => {
    if (!version || (weight <= 0 && mirror <= 0)) return;
    const key = destinationKey(routing, host);
    const k = `${key}|${version}`;
    const old = out.get(k);
    out.set(k, {
      key,
      host: host ?? routing.routing.host,
      version,
      weight: Math.max(old?.weight ?? 0, weight),
      mirrorPercent: Math.max(old?.mirrorPercent ?? 0, mirror),
      routing: old?.routing ?? routing,
    });
  };
  const gatewayApi = new Set(gatewayApiOf(index).routings);
  const plain = plainServicesOf(index);
  const ingresses = ingressesOf(index);
  for (const r of index.routings) {
    if (gatewayApi.has(r) || plain.has(r) || ingresses.has(r)) continue; // checked at Service level (gatewayApiTransitions, ingressNginxTransitions, kubernetesTransitions)
    for (const rule of r.routing.rules) {
      for (const d of rule.destinations) add(r, d.host, d.version, d.weight, 0);
      if (rule.mirror) add(r, rule.mirror.host, rule.mirror.version, 0, rule.mirror.percent);
    }
  }
  return out;
}

function sends(t: Target): string {
  const parts = [];
  if (t.weight > 0) parts.push(`sends it ${fmt(t.weight)}% of a rule's traffic`);
  if (t.mirrorPercent > 0) parts.push(`mirrors ${fmt(t.mirrorPercent)}% of a rule's traffic to it`);
  return parts.join(' and ');
}

function severityOf(t: Target): Severity {
  // Mirrored copies are fire-and-forget: their failures never reach clients.
  return t.weight > 0 ? Severity.ERROR : Severity.WARNING;
}

function names(deps: DeploymentInfo[]): string {
  return deps.map(d => d.name).join(', ');
}

/** A version routed before and not now: its subset and pods must outlive the old routes. */
function removedWhileRouted(t: Target, before: IstioIndex, after: IstioIndex): TransitionFinding[] {
  const oldDr = before.destinationRules.get(t.key);
  const newDr = after.destinationRules.get(t.key);
  const oldDeps = deploymentsOf(before, t.key, t.version) ?? [];
  const newDeps = deploymentsOf(after, t.key, t.version);
  const vs = `VirtualService ${t.routing.key}`;
  const stillRunning = newDeps !== undefined && newDeps.some(d => d.replicas > 0);
  const depsGone = oldDeps.length > 0 && oldDeps.some(d => d.replicas > 0) && (newDeps === undefined || !stillRunning);
  const sequence = [
    `1) move all traffic${t.mirrorPercent > 0 ? ' and mirroring' : ''} off ${t.host} ${t.version} (weight 0), keeping its subset and Deployment`,
    `2) once the new routes are live on every proxy, remove subset ${t.version}${oldDeps.length > 0 ? ` and scale down or remove ${names(oldDeps)}` : ''}`,
  ];
  if (oldDr?.subsets.has(t.version) && !newDr?.subsets.has(t.version)) {
    const how = newDr ? `DestinationRule ${newDr.key} no longer lists it` : `DestinationRule ${oldDr.key} is deleted`;
    const alsoPods = depsGone ? `, and its Deployment ${names(oldDeps)} ${newDeps && newDeps.length > 0 ? 'is scaled to 0' : 'is removed'}` : '';
    return [{
      severity: severityOf(t),
      kind: FindingKind.SUBSET_REMOVED_WHILE_ROUTED,
      host: t.host,
      version: t.version,
      message: `subset ${t.version} of ${t.host} is removed (${how})${alsoPods} in the same commit that moves traffic off it, while the previous ${vs} ${sends(t)}; `
        + 'until every proxy has the new routes, those requests fail with 503',
      fix: `keep subset ${t.version}${depsGone ? ` and ${names(oldDeps)}` : ''} in this commit; remove ${depsGone ? 'them' : 'it'} in a later commit`,
      safeSequence: sequence,
    }];
  }
  if (depsGone) {
    return [{
      severity: severityOf(t),
      kind: FindingKind.ROUTED_TO_NO_REPLICAS,
      host: t.host,
      version: t.version,
      message: `Deployment ${names(oldDeps)} of ${t.host} ${t.version} ${newDeps && newDeps.length > 0 ? 'is scaled to 0' : 'is removed'} in the same commit that moves traffic off it, `
        + `while the previous ${vs} ${sends(t)}; until every proxy has the new routes, those requests fail with 503`,
      fix: `keep ${names(oldDeps)} running in this commit; scale it down or remove it in a later commit`,
      safeSequence: sequence,
    }];
  }
  return [];
}

/**
 * A version routed now: its subset must exist, and its pods must run and predate the route
 * (unless this is the host's first deployment: nothing was served before).
 */
function routedInNext(t: Target, before: IstioIndex, after: IstioIndex, firstDeployment: boolean): TransitionFinding[] {
  const out: TransitionFinding[] = [];
  const vs = `VirtualService ${t.routing.key}`;
  const newDr = after.destinationRules.get(t.key);
  const oldDr = before.destinationRules.get(t.key);
  if (!newDr?.subsets.has(t.version)) {
    const prev = before.destinationRules.get(t.key)?.subsets.has(t.version);
    out.push({
      severity: severityOf(t),
      kind: prev ? FindingKind.SUBSET_REMOVED_WHILE_ROUTED : FindingKind.ROUTED_TO_MISSING_SUBSET,
      host: t.host,
      version: t.version,
      message: `${vs} ${sends(t)} (subset ${t.version} of ${t.host}), but ${newDr ? `DestinationRule ${newDr.key} does not define it` : `no DestinationRule for ${t.host} exists`}`
        + `${prev ? ' any more' : ''}; Istio answers those requests with 503`,
      fix: prev ? `keep subset ${t.version} while a route uses it` : `add subset ${t.version} to the DestinationRule of ${t.host}, with its Deployment, before routing to it`,
      safeSequence: [
        `1) add subset ${t.version} to the DestinationRule of ${t.host} and deploy its pods, at weight 0`,
        `2) send traffic to ${t.version}`,
      ],
    });
    return out;
  }
  const newDeps = deploymentsOf(after, t.key, t.version) ?? [];
  const known = hasDeploymentsFor(after, t.key);
  if (known && newDeps.length === 0) {
    out.push({
      severity: severityOf(t),
      kind: FindingKind.ROUTED_TO_NO_REPLICAS,
      host: t.host,
      version: t.version,
      message: `${vs} ${sends(t)} (${t.host} ${t.version}), but no Deployment runs pods with the labels of subset ${t.version}; those requests fail with 503`,
      fix: `deploy ${t.version} (or keep its Deployment) while a route sends it traffic`,
      safeSequence: [`1) deploy ${t.host} ${t.version} at weight 0`, `2) send traffic to ${t.version} once its pods are ready`, '3) remove a version only after moving its traffic off in an earlier commit'],
    });
    return out;
  }
  if (newDeps.length > 0 && newDeps.every(d => d.replicas === 0)) {
    out.push({
      severity: severityOf(t),
      kind: FindingKind.ROUTED_TO_NO_REPLICAS,
      host: t.host,
      version: t.version,
      message: `${vs} ${sends(t)} (${t.host} ${t.version}), but ${names(newDeps)} has 0 replicas; those requests fail with 503`,
      fix: `scale ${names(newDeps)} up before routing to it, or send ${t.version} no traffic`,
      safeSequence: [`1) scale ${names(newDeps)} up (replicas > 0) at weight 0`, `2) once its pods are ready, send traffic to ${t.version}`],
    });
    return out;
  }
  // Pods that ran no replica before (a new Deployment, or one scaled up from 0) are not ready yet.
  const freshDeps = newDeps.filter(d => !runningKeys(before).has(d.key));
  const scaled = freshDeps.some(d => deploymentKeys(before).has(d.key));
  const newPods = newDeps.length > 0 && freshDeps.length === newDeps.length;
  const newSubset = !oldDr?.subsets.has(t.version);
  if ((!newPods && !newSubset) || firstDeployment) return out;
  const vsWave = t.routing.wave;
  const ordered = newDr.wave < vsWave && freshDeps.every(d => d.wave < vsWave);
  if (ordered) return out;
  const what = [newPods ? `Deployment ${names(freshDeps)}${scaled ? ' (scaled up from 0 replicas)' : ''}` : '', newSubset ? `subset ${t.version}` : '']
    .filter(x => x).join(' and ');
  out.push({
    severity: severityOf(t),
    kind: FindingKind.ROUTED_TO_NEW_VERSION,
    host: t.host,
    version: t.version,
    message: `${what} of ${t.host} ${newPods && newSubset ? 'are' : 'is'} new in this commit and ${vs} already ${sends(t)}; `
      + 'nothing orders the new objects before the route, and new pods need time to become ready, so those requests fail with 503 meanwhile',
    fix: `deploy ${t.version} at weight 0 in one commit and route to it in the next; or give the Deployment and DestinationRule a lower `
      + 'argocd.argoproj.io/sync-wave than the VirtualService (CanaryService and BlueGreenService: argoCdSyncWaves: true)',
    safeSequence: [
      `1) add ${t.host} ${t.version} (Deployment and subset) at weight 0`,
      `2) once its pods are ready, move traffic to ${t.version} step by step`,
      '3) remove the old version in a later commit, after its traffic is gone',
    ],
  });
  return out;
}

const keySets = new WeakMap<IstioIndex, Set<string>>();
const runningSets = new WeakMap<IstioIndex, Set<string>>();

/** The keys of an index's Deployments with replicas, built once per index. */
function runningKeys(index: IstioIndex): Set<string> {
  let keys = runningSets.get(index);
  if (!keys) {
    keys = new Set(index.deployments.filter(d => d.replicas > 0).map(d => d.key));
    runningSets.set(index, keys);
  }
  return keys;
}

/** The keys of an index's Deployments, built once per index. */
function deploymentKeys(index: IstioIndex): Set<string> {
  let keys = keySets.get(index);
  if (!keys) {
    keys = new Set(index.deployments.map(d => d.key));
    keySets.set(index, keys);
  }
  return keys;
}

function defaults(r: RoutingInfo): Map<string, RouteRule> {
  const out = new Map<string, RouteRule>();
  for (const rule of r.routing.rules) {
    if ((rule.matches ?? []).length > 0) continue;
    const k = [...(rule.gateways ?? [])].sort().join(',');
    if (!out.has(k)) out.set(k, rule);
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
function running(index: IstioIndex, r: RoutingInfo, version: string | undefined): boolean {
  if (version === undefined) return false;
  const ingresses = ingressesOf(index).get(r);
  if (ingresses) return nginxVersionRunning(index, ingresses, version);
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
function isSwitch(prev: RouteRule, rule: RouteRule, old: RoutingInfo, now: RoutingInfo, before: IstioIndex, after: IstioIndex): boolean {
  const [from, to] = [soleVersion(prev), soleVersion(rule)];
  return from !== undefined && to !== undefined && from !== to
    && running(before, old, from) && running(before, old, to) && running(after, now, from) && running(after, now, to);
}

/** A default route's weights that change by more than `maxStep` points, with intermediate steps. */
function weightJumps(old: RoutingInfo, now: RoutingInfo, maxStep: number, beforeIndex: IstioIndex, afterIndex: IstioIndex): TransitionFinding[] {
  const out: TransitionFinding[] = [];
  const before = defaults(old);
  for (const [gw, rule] of defaults(now)) {
    const prev = before.get(gw);
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
    const where = gw ? ` at gateway ${gw}` : '';
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

/** Integer weights `fraction` of the way between `from` and `to`, adding up to 100. */
function intermediate(deltas: Array<{ l: string; from: number; to: number }>, fraction: number): Map<string, number> {
  const ints = roundTo100(deltas.map(d => d.from + (d.to - d.from) * fraction));
  return new Map(deltas.map((d, i) => [d.l, ints[i]]));
}

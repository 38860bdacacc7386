// Make-before-break for Istio routing, at subset level (internal; the Istio plug-in's transition
// rules, run by TransitionCheck): a VirtualService names subsets of a host, a DestinationRule
// defines them by pod labels. So a subset and its pods must exist before a route sends them
// traffic, and must outlive the last route that does; a subset no DestinationRule defines
// answers 503.
import { destinationRulesOf, ISTIO } from './_reader';
import { Severity } from '../../analyzer/finding';
import { describeRule, fmt } from '../../gitops/_routing-text';
import { FindingKind, TransitionFinding } from '../../gitops/transition-finding';
import {
  DeploymentInfo, deploymentsOf, destinationKey, hasDeploymentsFor, ObjectIndex, RoutingInfo,
} from '../../reading/object-index';

/** The Istio findings of the step from `before` to `after`. */
export function istioTransitions(before: ObjectIndex, after: ObjectIndex): TransitionFinding[] {
  const findings: TransitionFinding[] = [];
  const oldTargets = targets(before);
  const newTargets = targets(after);
  for (const t of oldTargets.values()) {
    if (newTargets.has(id(t))) continue;
    findings.push(...removedWhileRouted(t, before, after));
  }
  const oldHosts = new Set(before.routings.map(r => r.hostKey));
  for (const t of newTargets.values()) {
    const first = !oldHosts.has(t.routing.hostKey) && !hasDeploymentsFor(before, t.routing.hostKey);
    findings.push(...routedInNext(t, before, after, first));
  }
  return findings;
}

interface Target {
  readonly key: string;
  readonly host: string;
  readonly version: string;
  /** The largest share of a rule's traffic sent to the version, in percent; 0 when only mirrored. */
  readonly weight: number;
  /** The rule that sends `weight`: `the default route` or `rule 1 "jason"`. */
  readonly weightRule?: string;
  readonly mirrorPercent: number;
  /** The rule that mirrors `mirrorPercent`. */
  readonly mirrorRule?: string;
  readonly routing: RoutingInfo;
}

function id(t: { key: string; version: string }): string {
  return `${t.key}|${t.version}`;
}

/** Every (host, version) a set of routings sends traffic to (weight > 0) or mirrors to. */
function targets(index: ObjectIndex): Map<string, Target> {
  const out = new Map<string, Target>();
  const add = (routing: RoutingInfo, host: string | undefined, version: string | undefined, weight: number, mirror: number, rule: string) => {
    if (!version || (weight <= 0 && mirror <= 0)) return;
    const key = destinationKey(routing, host);
    const k = `${key}|${version}`;
    const old = out.get(k);
    const [w, m] = [old?.weight ?? 0, old?.mirrorPercent ?? 0];
    out.set(k, {
      key,
      host: host ?? routing.routing.host,
      version,
      weight: Math.max(w, weight),
      weightRule: weight > w ? rule : old?.weightRule,
      mirrorPercent: Math.max(m, mirror),
      mirrorRule: mirror > m ? rule : old?.mirrorRule,
      routing: old?.routing ?? routing,
    });
  };
  for (const r of index.routings) {
    if (r.provider !== ISTIO) continue; // the other providers check their routings at Service level
    r.routing.rules.forEach((rule, i) => {
      const which = (rule.matches ?? []).length === 0 && (rule.gateways ?? []).length === 0 ? 'the default route' : describeRule(rule, i);
      for (const d of rule.destinations) add(r, d.host, d.version, d.weight, 0, which);
      if (rule.mirror) add(r, rule.mirror.host, rule.mirror.version, 0, rule.mirror.percent, which);
    });
  }
  return out;
}

function sends(t: Target): string {
  const parts = [];
  if (t.weight > 0) parts.push(`sends it ${fmt(t.weight)}% of the traffic of ${t.weightRule ?? 'a rule'}`);
  if (t.mirrorPercent > 0) parts.push(`mirrors ${fmt(t.mirrorPercent)}% of the traffic of ${t.mirrorRule ?? 'a rule'} to it`);
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
function removedWhileRouted(t: Target, before: ObjectIndex, after: ObjectIndex): TransitionFinding[] {
  const oldDr = destinationRulesOf(before).get(t.key);
  const newDr = destinationRulesOf(after).get(t.key);
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
function routedInNext(t: Target, before: ObjectIndex, after: ObjectIndex, firstDeployment: boolean): TransitionFinding[] {
  const out: TransitionFinding[] = [];
  const vs = `VirtualService ${t.routing.key}`;
  const newDr = destinationRulesOf(after).get(t.key);
  const oldDr = destinationRulesOf(before).get(t.key);
  if (!newDr?.subsets.has(t.version)) {
    const prev = destinationRulesOf(before).get(t.key)?.subsets.has(t.version);
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

const keySets = new WeakMap<ObjectIndex, Set<string>>();
const runningSets = new WeakMap<ObjectIndex, Set<string>>();

/** The keys of an index's Deployments with replicas, built once per index. */
function runningKeys(index: ObjectIndex): Set<string> {
  let keys = runningSets.get(index);
  if (!keys) {
    keys = new Set(index.deployments.filter(d => d.replicas > 0).map(d => d.key));
    runningSets.set(index, keys);
  }
  return keys;
}

/** The keys of an index's Deployments, built once per index. */
function deploymentKeys(index: ObjectIndex): Set<string> {
  let keys = keySets.get(index);
  if (!keys) {
    keys = new Set(index.deployments.map(d => d.key));
    keySets.set(index, keys);
  }
  return keys;
}

// The capacity rule of `check` (internal): for every provider, a version whose share of the
// traffic per pod exceeds another version's by more than a factor is a warning, naming both
// loads and the replicas that would fix it. It reads routings as the providers' readers return
// them (versions with replicas, rules with destinations), so it is provider-neutral; the
// readers count a Deployment's `spec.replicas` (1 when absent), and `withAutoscalerCapacity`
// first gives a Deployment a HorizontalPodAutoscaler owns the autoscaler's `minReplicas`.
import { RouteRule, ServiceRouting } from '../model/routing-model';

/** The default of `--max-load-ratio`: a version may serve at most twice the traffic per pod of another. */
export const DEFAULT_MAX_LOAD_RATIO = 2;

/** One version's load in a rule. */
export interface VersionLoad {
  readonly version: string;
  /** Percent of the rule's traffic. */
  readonly weight: number;
  /** Pods it runs (autoscaled: the autoscaler's minimum). */
  readonly replicas: number;
  /** Percent of the rule's traffic per pod. */
  readonly perPod: number;
}

/** A version that serves more traffic per pod than another by more than the allowed factor. */
export interface CapacityWarning {
  /** The host whose traffic it is. */
  readonly host: string;
  /** Where the routing comes from (its `source`, else the host). */
  readonly source: string;
  /** The rule, for messages: `the default route` or `route "<name>"`. */
  readonly rule: string;
  /** The loaded version. */
  readonly heavy: VersionLoad;
  /** The version it is compared with. */
  readonly light: VersionLoad;
  /** heavy.perPod / light.perPod. */
  readonly ratio: number;
  /** The fewest replicas of the loaded version that bring the ratio within the limit. */
  readonly minimumReplicas: number;
  /** The replicas of the loaded version that give both versions the same load per pod. */
  readonly equalLoadReplicas: number;
  readonly message: string;
  readonly fix: string;
}

/**
 * Each version of each routing whose traffic per pod exceeds another's in the same rule by
 * more than `maxLoadRatio`, heaviest first per rule. Only rules that split traffic without
 * matching requests are compared (their weights are shares of the same requests); versions
 * with no traffic, no pods or unknown replicas are left out (other rules report them).
 */
export function capacityWarnings(routings: readonly ServiceRouting[], maxLoadRatio: number = DEFAULT_MAX_LOAD_RATIO): CapacityWarning[] {
  if (typeof maxLoadRatio !== 'number' || !Number.isFinite(maxLoadRatio) || maxLoadRatio < 1) {
    throw new Error(`max-load-ratio must be a number of at least 1, got ${JSON.stringify(maxLoadRatio)}`);
  }
  const out: CapacityWarning[] = [];
  for (const routing of routings) {
    const replicasOf = new Map(routing.versions.map(v => [v.version, v.replicas]));
    const seen = new Set<string>();
    routing.rules.forEach((rule, i) => {
      if (!splitsUnmatched(rule)) return;
      const loads: VersionLoad[] = [];
      for (const d of rule.destinations) {
        if (d.version === undefined || (d.host !== undefined && d.host !== routing.host) || d.weight <= 0) continue;
        const replicas = replicasOf.get(d.version);
        if (replicas === undefined || replicas <= 0) continue;
        loads.push({ version: d.version, weight: d.weight, replicas, perPod: d.weight / replicas });
      }
      if (loads.length < 2) return;
      const light = loads.reduce((a, b) => (b.perPod < a.perPod ? b : a));
      for (const heavy of [...loads].sort((a, b) => b.perPod - a.perPod)) {
        const ratio = heavy.perPod / light.perPod;
        if (heavy === light || ratio <= maxLoadRatio + 1e-9) continue;
        // The same split in two rules (e.g. a gateway variant of the default route) is one warning.
        const key = `${heavy.version}:${heavy.weight}:${light.version}:${light.weight}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(warning(routing, ruleName(rule, i, routing.rules.length), heavy, light, ratio, maxLoadRatio));
      }
    });
  }
  return out;
}

function warning(routing: ServiceRouting, rule: string, heavy: VersionLoad, light: VersionLoad, ratio: number, max: number): CapacityWarning {
  // heavy.weight / r <= max * light.perPod  <=>  r >= heavy.weight / (max * light.perPod)
  const minimumReplicas = Math.ceil(heavy.weight * light.replicas / (max * light.weight) - 1e-9);
  const equalLoadReplicas = Math.ceil(heavy.weight * light.replicas / light.weight - 1e-9);
  const pods = (n: number) => `${n} pod${n === 1 ? '' : 's'}`;
  const message = `${routing.host}: in ${rule}, version ${heavy.version} serves ${heavy.weight}% of the traffic with ${pods(heavy.replicas)} `
    + `(${num(heavy.perPod)}% per pod) and version ${light.version} ${light.weight}% with ${pods(light.replicas)} (${num(light.perPod)}% per pod): `
    + `${num(ratio)} times the load per pod, more than ${num(max)}`;
  const fix = `run ${heavy.version} with at least ${minimumReplicas} replicas (${equalLoadReplicas} for the same load per pod as ${light.version}), `
    + 'e.g. with canaryReplicas: ReplicaPolicy.matchTrafficWeight(), or lower its weight';
  return { host: routing.host, source: routing.source ?? routing.host, rule, heavy, light, ratio, minimumReplicas, equalLoadReplicas, message, fix };
}

/** Whether a rule splits traffic among versions whatever the request (it matches every request). */
function splitsUnmatched(rule: RouteRule): boolean {
  return (rule.matches ?? []).length === 0;
}

function ruleName(rule: RouteRule, i: number, count: number): string {
  if (rule.name !== undefined) return `route ${JSON.stringify(rule.name)}`;
  return i === count - 1 ? 'the default route' : `route ${i + 1}`;
}

function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** The minimum replicas of each Deployment a HorizontalPodAutoscaler scales, by `<namespace>/<name>`. */
export function autoscalerMinimums(objects: readonly any[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of objects) {
    if (!o || o.kind !== 'HorizontalPodAutoscaler' || !/^autoscaling\/v(1|2|2beta1|2beta2)$/.test(o.apiVersion)) continue;
    const ref = o.spec?.scaleTargetRef;
    if (!ref || ref.kind !== 'Deployment' || typeof ref.name !== 'string' || (ref.apiVersion !== undefined && !/^apps\//.test(ref.apiVersion))) continue;
    const min = typeof o.spec.minReplicas === 'number' ? o.spec.minReplicas : 1;
    const key = `${o.metadata?.namespace ?? 'default'}/${ref.name}`;
    // Two autoscalers on one Deployment fight each other; count the smaller minimum.
    out.set(key, Math.min(min, out.get(key) ?? Infinity));
  }
  return out;
}

/**
 * The objects, with each Deployment a HorizontalPodAutoscaler scales given the autoscaler's
 * `minReplicas` as `spec.replicas` (a copy; every other object is returned as it is), so that
 * the readers count an autoscaled version's capacity as its minimum, not the 1 Kubernetes
 * assumes for a Deployment without replicas.
 */
export function withAutoscalerCapacity(objects: readonly any[]): any[] {
  const minimums = autoscalerMinimums(objects);
  if (minimums.size === 0) return [...objects];
  return objects.map(o => {
    if (!o || o.kind !== 'Deployment' || !/^apps\//.test(o.apiVersion)) return o;
    const min = minimums.get(`${o.metadata?.namespace ?? 'default'}/${o.metadata?.name}`);
    return min === undefined ? o : { ...o, spec: { ...o.spec, replicas: min } };
  });
}

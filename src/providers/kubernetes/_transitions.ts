// The transition check for plain Services (internal): a version's share of the traffic is its
// share of the selected pods, so what can fail requests is capacity, not routing.
//
// The rule: while a commit rolls out, a Deployment scaled down loses its pods at once and a
// Deployment scaled up (or new) serves only once its new pods are ready. So the pods that
// surely serve meanwhile are, for each version the new Service selects, the smaller of its
// old and new replica counts. That floor must not fall below the smaller of the old and the
// new number of selected pods: a commit may shrink capacity on purpose, but not by moving
// traffic from running pods to pods that do not run yet. Scaling a canary up and the stable
// version down in one commit therefore fails (3:1 -> 2:2 leaves 3 of 4 pods); scale up first,
// then down in the next commit. A selector switch between two running versions is fine.
import { plainServicesOf } from './_reader';
import { Severity } from '../../analyzer/finding';
import { FindingKind, TransitionFinding } from '../../gitops/transition-finding';
import { ObjectIndex } from '../../reading/object-index';

export function kubernetesTransitions(before: ObjectIndex, after: ObjectIndex): TransitionFinding[] {
  const out: TransitionFinding[] = [];
  const old = new Map([...plainServicesOf(before).values()].map(r => [r.routing.hostKey, r]));
  for (const now of plainServicesOf(after).values()) {
    const prev = old.get(now.routing.hostKey);
    if (!prev) continue;
    const host = now.routing.routing.host;
    const oldTotal = prev.selected.reduce((n, v) => n + (prev.replicas.get(v) ?? 0), 0);
    const newTotal = now.selected.reduce((n, v) => n + (now.replicas.get(v) ?? 0), 0);
    if (newTotal === 0) {
      if (oldTotal > 0) {
        out.push({
          severity: Severity.ERROR,
          kind: FindingKind.ROUTED_TO_NO_REPLICAS,
          host,
          message: `Service ${now.routing.key} selects no running pods (${describe(now.selected, now.replicas) || 'no version'}), where it selected ${oldTotal}; its requests fail`,
          fix: `keep pods running for Service ${host}: scale a version it selects up`,
          safeSequence: ['1) scale up the version that takes the traffic', '2) once its pods are ready, scale the old one down'],
        });
      }
      continue;
    }
    const floor = now.selected.reduce((n, v) => n + Math.min(prev.replicas.get(v) ?? 0, now.replicas.get(v) ?? 0), 0);
    const needed = Math.min(oldTotal, newTotal);
    if (floor >= needed) continue;
    const changes = [...new Set([...prev.replicas.keys(), ...now.replicas.keys()])]
      .filter(v => (prev.replicas.get(v) ?? 0) !== (now.replicas.get(v) ?? 0))
      .map(v => `${v} ${prev.replicas.get(v) ?? 0} -> ${now.replicas.get(v) ?? 0}`);
    const ups = now.selected.filter(v => (now.replicas.get(v) ?? 0) > (prev.replicas.get(v) ?? 0));
    const downs = [...prev.replicas.keys()].filter(v => (now.replicas.get(v) ?? 0) < (prev.replicas.get(v) ?? 0));
    const upState = [...new Set([...prev.replicas.keys(), ...now.replicas.keys()])]
      .map(v => `${v} ${Math.max(prev.replicas.get(v) ?? 0, ups.includes(v) ? now.replicas.get(v) ?? 0 : 0)}`);
    out.push({
      severity: Severity.ERROR,
      kind: FindingKind.CAPACITY_DROP,
      host,
      message: `Service ${now.routing.key} shares traffic by pods, and this commit scales ${changes.join(', ')}: pods scaled down stop at once and new ones serve only when ready, `
        + `so only ${floor} of the ${needed} pods that serve the traffic are sure to be ready during the rollout`,
      fix: `scale ${ups.join(', ') || 'the new version'} up in one commit and ${downs.join(', ') || 'the old version'} down in the next, once the new pods are ready`,
      safeSequence: [
        `1) scale up: ${upState.join(', ')}`,
        `2) once the new pods are ready: ${[...now.replicas].map(([v, n]) => `${v} ${n}`).join(', ')}`,
      ],
    });
  }
  return out;
}

function describe(versions: string[], replicas: Map<string, number>): string {
  return versions.map(v => `${v} ${replicas.get(v) ?? 0}`).join(', ');
}

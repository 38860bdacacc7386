// A canary with plain Kubernetes (TrafficProvider.kubernetes()): no mesh, no Ingress, no
// routing object. The app's Service selects every version's pods, so each version's share of
// the traffic is its share of the ready pods, and canaryWeight must be the share the replica
// counts give (the provider rejects any other).
//
// Pods are replaced one at a time, like a rolling update with maxSurge 1: a commit adds a v2
// pod, and only the next one, once that pod is ready, removes a v1 pod. Removing a v1 pod and
// adding a v2 pod in one commit would leave 3 ready pods for the traffic of 4 while the new pod
// starts (`cdk8s-canary check` reports that as capacity-drop). So the 1-of-4 and 2-of-4 stages
// each follow a stage with one pod more:
//   01 v1 4 pods;
//   02 v2 deployed with 1 pod at weight 0 (the Service still selects v1 only);
//   03 v2 1 of 4 (25%);        04 a second v2 pod (2 of 5, 40%);
//   05 v2 2 of 4 (50%);        06 a third v2 pod (3 of 5, 60%);
//   07 v2 3 of 4 (75%);        08 a fourth v2 pod (4 of 5, 80%);
//   09 promoted: v2 stable with 4 pods, v1 removed.
// Every consecutive pair of stages passes `cdk8s-canary check`.
import { Chart } from 'cdk8s';
import { CanaryService, TrafficProvider } from '../../src';
import { Stages, writeStages } from '../stages';

interface Stage {
  /** The stable version and its pods. */
  readonly stable: string;
  readonly stableReplicas: number;
  /** The canary's pods (undefined: no canary) and its share of the traffic. */
  readonly canaryReplicas?: number;
  readonly canaryWeight?: number;
}

const image = (v: string) => `registry.example.com/shop/catalog:${v === 'v1' ? '1.8.0' : '1.9.0'}`;

export const STAGES: Stages<Stage> = [
  ['01-all-v1', { stable: 'v1', stableReplicas: 4 }],
  ['02-v2-deployed-at-0', { stable: 'v1', stableReplicas: 4, canaryReplicas: 1, canaryWeight: 0 }],
  ['03-v2-1-of-4', { stable: 'v1', stableReplicas: 3, canaryReplicas: 1, canaryWeight: 25 }],
  ['04-v2-second-pod', { stable: 'v1', stableReplicas: 3, canaryReplicas: 2, canaryWeight: 40 }],
  ['05-v2-2-of-4', { stable: 'v1', stableReplicas: 2, canaryReplicas: 2, canaryWeight: 50 }],
  ['06-v2-third-pod', { stable: 'v1', stableReplicas: 2, canaryReplicas: 3, canaryWeight: 60 }],
  ['07-v2-3-of-4', { stable: 'v1', stableReplicas: 1, canaryReplicas: 3, canaryWeight: 75 }],
  ['08-v2-fourth-pod', { stable: 'v1', stableReplicas: 1, canaryReplicas: 4, canaryWeight: 80 }],
  ['09-promoted-all-v2', { stable: 'v2', stableReplicas: 4 }],
];

export function build(chart: Chart, stage: Stage): void {
  new CanaryService(chart, 'catalog', {
    port: 8080,
    stable: { version: stage.stable, image: image(stage.stable), replicas: stage.stableReplicas },
    canary: stage.canaryReplicas === undefined ? undefined : { version: 'v2', image: image('v2'), replicas: stage.canaryReplicas },
    canaryWeight: stage.canaryWeight,
    provider: TrafficProvider.kubernetes(),
  });
}

if (require.main === module) {
  writeStages(__dirname, STAGES, build);
}

// Istio's Bookinfo "reviews" release driven by `cdk8s-canary advance`, one commit per step.
//
// The app's TypeScript does not change during the release: the canary's weight comes from the
// state file. In a real app there is one state file (canary-state.json) that each `advance`
// rewrites; here each stage keeps its own copy in state/, so the release reads as a sequence
// of state-file and YAML diffs. The states were written by `advance` from recorded Istio
// metrics (test/examples-automated-canary.test.ts replays them against a real Prometheus).
import { Chart, Duration } from 'cdk8s';
import { CanaryService, MetricCheck, VersionSpec } from '../../src';
import { Stages, writeStages } from '../stages';

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;
export const V1: VersionSpec = { version: 'v1', image: image('v1'), replicas: 2 };
export const V2: VersionSpec = { version: 'v2', image: image('v2'), replicas: 2 };

export interface Stage {
  readonly stable: VersionSpec;
  readonly canary?: VersionSpec;
  /** The state file of the stage, relative to the repository root (where synth runs). */
  readonly stateFile: string;
}

const state = (name: string) => `examples/automated-canary/state/${name}.json`;

/** The release, stage by stage: `advance` writes each stage's state from the one before. */
export const STAGES: Stages<Stage> = [
  ['01-v2-deployed-at-0', { stable: V1, canary: V2, stateFile: state('01-v2-deployed-at-0') }],
  ['02-v2-at-5', { stable: V1, canary: V2, stateFile: state('02-v2-at-5') }],
  ['03-v2-at-10', { stable: V1, canary: V2, stateFile: state('03-v2-at-10') }],
  ['04-v2-at-20', { stable: V1, canary: V2, stateFile: state('04-v2-at-20') }],
  ['05-v2-at-50', { stable: V1, canary: V2, stateFile: state('05-v2-at-50') }],
  ['06-v2-at-100', { stable: V1, canary: V2, stateFile: state('06-v2-at-100') }],
  ['07-v2-promoted', { stable: V1, canary: V2, stateFile: state('07-v2-promoted') }],
  // A person then makes v2 the stable version: the analysis stays, with nothing to analyse.
  ['08-v1-removed', { stable: V2, stateFile: state('07-v2-promoted') }],
];

export function build(chart: Chart, stage: Stage): void {
  new CanaryService(chart, 'reviews', {
    port: 9080,
    stable: stage.stable,
    canary: stage.canary,
    analysis: {
      checks: [
        MetricCheck.successRate({ min: 99 }),
        MetricCheck.successRateVsStable({ maxDrop: 1 }),
        MetricCheck.latency({ percentile: 99, max: Duration.millis(500) }),
      ],
      stateFile: stage.stateFile,
      // The chart has no namespace (the app is applied with kubectl -n default): say which.
      namespace: 'default',
      steps: [5, 10, 20, 50, 100],
      bakeTime: Duration.minutes(5),
      interval: Duration.minutes(1),
      minRequests: 20,
      failureThreshold: 2,
    },
  });
}

if (require.main === module) {
  writeStages(__dirname, STAGES, build);
}

// Istio's Bookinfo "reviews" gray release, one stage per commit.
//
// Each stage is the same CanaryService with one prop changed; each is synthesized to its own
// file in dist/ so the release reads as a sequence of YAML diffs. In your own app, import
// from 'cdk8s-canary' and keep one chart whose props you edit from commit to commit.
import { Chart } from 'cdk8s';
import { CanaryService, CanaryServiceProps, VersionSpec } from '../../src';
import { Stages, writeStages } from '../stages';

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;
const v1: VersionSpec = { version: 'v1', image: image('v1'), replicas: 2 };
const v2: VersionSpec = { version: 'v2', image: image('v2'), replicas: 2 };

/** The release, stage by stage: only the props in each line change. */
export const STAGES: Stages<Partial<CanaryServiceProps>> = [
  ['01-all-v1', { stable: v1 }],
  ['02-v2-deployed-at-0', { stable: v1, canary: v2, canaryWeight: 0 }],
  ['03-v2-at-20', { stable: v1, canary: v2, canaryWeight: 20 }],
  ['04-v2-at-100', { stable: v1, canary: v2, canaryWeight: 100 }],
  ['05-v1-removed', { stable: v2 }],
];

export function build(chart: Chart, props: Partial<CanaryServiceProps>): void {
  new CanaryService(chart, 'reviews', { port: 9080, stable: v1, ...props });
}

if (require.main === module) {
  writeStages(__dirname, STAGES, build);
}

// KubeSphere's traffic-control gray release, statically: reviews v3 for macOS users, for
// users with the cookie beta=true and for URLs under /preview; everyone else stays on v1.
// Each cohort is an alternative (OR) of one HeaderMatchRoute.
import { Chart } from 'cdk8s';
import { CanaryService, ClientOs, HeaderMatchRoute, RequestMatch, StringMatch, VersionSpec } from '../../src';
import { Stages, writeStages } from '../stages';

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;
const version = (v: string): VersionSpec => ({ version: v, image: image(v) });

export const STAGES: Stages<{ v3: boolean; cohorts: boolean }> = [
  ['01-all-v1', { v3: false, cohorts: false }],
  ['02-v3-deployed-at-0', { v3: true, cohorts: false }],
  ['03-v3-for-macos-beta-preview', { v3: true, cohorts: true }],
];

export function build(chart: Chart, stage: { v3: boolean; cohorts: boolean }): void {
  const reviews = new CanaryService(chart, 'reviews', {
    port: 9080,
    stable: version('v1'),
    canary: stage.v3 ? version('v3') : undefined,
    canaryWeight: 0,
  });
  if (stage.cohorts) {
    new HeaderMatchRoute(chart, 'v3-cohorts', {
      target: reviews,
      matches: [
        RequestMatch.clientOs(ClientOs.MACOS),
        RequestMatch.cookie('beta', 'true'),
        RequestMatch.uri(StringMatch.prefix('/preview')),
      ],
      version: 'v3',
    });
  }
}

if (require.main === module) {
  writeStages(__dirname, STAGES, build);
}

// Istio Bookinfo request routing: user jason sees reviews v2, everyone else v1; then an
// A/B test splits jason's cohort between v2 and v3.
// See https://istio.io/latest/docs/tasks/traffic-management/request-routing/
import { Chart } from 'cdk8s';
import { CanaryService, HeaderMatchRoute, RequestMatch, StringMatch, VersionSpec } from '../../src';
import { Stages, writeStages } from '../stages';

const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;
const version = (v: string): VersionSpec => ({ version: v, image: image(v) });

interface Stage {
  readonly v2?: boolean;
  readonly v3?: boolean;
  readonly jason?: 'v2' | 'v2-v3';
}

// Make before break: a version is deployed one commit before any route sends it traffic.
export const STAGES: Stages<Stage> = [
  ['01-all-v1', {}],
  ['02-v2-deployed', { v2: true }],
  ['03-jason-sees-v2', { v2: true, jason: 'v2' }],
  ['04-v3-deployed', { v2: true, jason: 'v2', v3: true }],
  ['05-jason-ab-v2-v3', { v2: true, jason: 'v2-v3', v3: true }],
];

export function build(chart: Chart, stage: Stage): void {
  // productpage sets `end-user` from its own login: a trusted, in-mesh header.
  const reviews = new CanaryService(chart, 'reviews', {
    port: 9080,
    stable: version('v1'),
    canary: stage.v2 ? version('v2') : undefined,
    extraVersions: stage.v3 ? [version('v3')] : undefined,
  });
  const jason = [RequestMatch.header('end-user', StringMatch.exact('jason'))];
  if (stage.jason === 'v2') {
    new HeaderMatchRoute(chart, 'jason', { target: reviews, matches: jason, version: 'v2' });
  } else if (stage.jason === 'v2-v3') {
    new HeaderMatchRoute(chart, 'jason', { target: reviews, matches: jason, split: [{ version: 'v2', weight: 50 }, { version: 'v3', weight: 50 }] });
  }
}

if (require.main === module) {
  writeStages(__dirname, STAGES, build);
}

// A canary behind ingress-nginx (TrafficProvider.ingressNginx()) for the public host
// shop.example.com: one Service per version (shop-v1, shop-v2), the main Ingress `shop` to the
// stable version's Service and, while v2 runs, the canary Ingress `shop-canary` with
// ingress-nginx's canary annotations (weight, and one header cohort).
//   01 all on v1 (the main Ingress only);
//   02 v2 deployed: its Service, its pods and the canary Ingress at weight 0, which sends
//      nothing yet (make before break: the pods get ready before any request reaches them);
//   03 testers: requests with header `x-canary: always` go to v2 (canary-by-header-value);
//   04 10% of everyone else;  05 50%;  06 100%;
//   07 promoted: v2 is the stable version, the main Ingress points at shop-v2 and the canary
//      Ingress, Service shop-v1 and v1's pods are gone. v1 got no request at 100%, so deleting
//      it in this commit fails none.
// Every consecutive pair of stages passes `cdk8s-canary check`; deploying v2 and routing to it
// in one commit, or deleting shop-v1 while it still gets traffic, does not (ingress-nginx would
// answer 503 meanwhile).
import { Chart } from 'cdk8s';
import { CanaryService, HeaderMatchRoute, RequestMatch, StringMatch, TrafficProvider } from '../../src';
import { Stages, writeStages } from '../stages';

interface Stage {
  readonly stable: string;
  /** v2's share of the traffic (undefined: v2 not deployed). */
  readonly canaryWeight?: number;
  /** Whether testers (x-canary: always) reach v2. */
  readonly testers?: boolean;
}

const version = (v: string) => ({ version: v, image: `registry.example.com/shop/web:${v === 'v1' ? '3.1.0' : '3.2.0'}`, replicas: 2 });

export const STAGES: Stages<Stage> = [
  ['01-all-v1', { stable: 'v1' }],
  ['02-v2-deployed-at-0', { stable: 'v1', canaryWeight: 0 }],
  ['03-testers-on-v2', { stable: 'v1', canaryWeight: 0, testers: true }],
  ['04-v2-at-10', { stable: 'v1', canaryWeight: 10, testers: true }],
  ['05-v2-at-50', { stable: 'v1', canaryWeight: 50, testers: true }],
  ['06-v2-at-100', { stable: 'v1', canaryWeight: 100, testers: true }],
  ['07-promoted-v2', { stable: 'v2' }],
];

export function build(chart: Chart, stage: Stage): void {
  const shop = new CanaryService(chart, 'shop', {
    port: 8080,
    hosts: ['shop.example.com'],
    stable: version(stage.stable),
    canary: stage.canaryWeight === undefined ? undefined : version('v2'),
    canaryWeight: stage.canaryWeight,
    provider: TrafficProvider.ingressNginx(),
  });
  if (stage.testers) {
    new HeaderMatchRoute(chart, 'testers', { target: shop, version: 'v2', matches: [RequestMatch.header('x-canary', StringMatch.exact('always'))] });
  }
}

if (require.main === module) {
  writeStages(__dirname, STAGES, build);
}

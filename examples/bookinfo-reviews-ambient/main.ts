// Istio's Bookinfo on Istio ambient, routed with the Gateway API instead of VirtualServices:
// - reviews (in-mesh, east-west): the whole gray release as HTTPRoutes attached to the reviews
//   Service (GAMMA), enforced by the namespace's waypoint `waypoint`: v2 deployed at 0, jason
//   sees v2, 20% then 100% of everyone else, v1 removed;
// - productpage (north-south): a blue-green release through the Gateway `istio-ingress/bookinfo`
//   for bookinfo.example.com, with a preview host for the idle colour; switch, then the old
//   colour's preview removed (make before break: nothing routes to it any more), then the old
//   colour scaled to 0.
// One stage per commit, each a file in dist/. See the README's "Istio ambient / Gateway API".
import { Chart } from 'cdk8s';
import {
  BlueGreenService, CanaryService, Color, HeaderMatchRoute, RequestMatch, StringMatch, TrafficProvider, VersionSpec,
} from '../../src';
import { Stages, writeStages } from '../stages';

const reviews = (v: string, replicas = 2): VersionSpec => ({ version: v, image: `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`, replicas });
const productpage = (colour: string, tag: string, replicas: number): VersionSpec => ({ version: colour, image: `docker.io/istio/examples-bookinfo-productpage-v1:${tag}`, replicas });
// Ambient: the Services are enrolled in the waypoint that applies the HTTPRoutes.
const ambient = TrafficProvider.gatewayApi({ waypoint: 'waypoint' });

interface Stage {
  /** reviews: stable, canary and the canary's weight; whether jason sees the canary. */
  readonly stable: string;
  readonly canary?: string;
  readonly canaryWeight?: number;
  readonly jason?: boolean;
  /** productpage: the two colours' versions, the active one, and the idle one's replicas. */
  readonly blue: string;
  readonly green: string;
  readonly active: Color;
  readonly idleReplicas?: number;
  /** Whether the idle colour is previewed (while it runs); default true. */
  readonly preview?: boolean;
}

const release: Stage = { stable: 'v1', blue: '1.20.2', green: '1.20.2', active: Color.BLUE, idleReplicas: 0 };

// Make before break: a version is deployed one commit before any route sends it traffic.
export const STAGES: Stages<Stage> = [
  ['01-all-v1', { ...release }],
  ['02-reviews-v2-deployed-at-0', { ...release, canary: 'v2', canaryWeight: 0 }],
  ['03-jason-sees-v2', { ...release, canary: 'v2', canaryWeight: 0, jason: true }],
  ['04-reviews-v2-at-20', { ...release, canary: 'v2', canaryWeight: 20, jason: true }],
  ['05-reviews-v2-at-100', { ...release, canary: 'v2', canaryWeight: 100, jason: true }],
  ['06-reviews-v1-removed', { ...release, stable: 'v2' }],
  ['07-productpage-green-deployed', { ...release, stable: 'v2', green: '1.20.3', idleReplicas: 2, preview: false }],
  ['08-productpage-green-previewed', { ...release, stable: 'v2', green: '1.20.3', idleReplicas: 2 }],
  ['09-productpage-switch-to-green', { ...release, stable: 'v2', green: '1.20.3', active: Color.GREEN, idleReplicas: 2 }],
  ['10-productpage-blue-preview-removed', { ...release, stable: 'v2', green: '1.20.3', active: Color.GREEN, idleReplicas: 2, preview: false }],
  ['11-productpage-blue-scaled-to-0', { ...release, stable: 'v2', green: '1.20.3', active: Color.GREEN, idleReplicas: 0 }],
];

export function build(chart: Chart, stage: Stage): void {
  const svc = new CanaryService(chart, 'reviews', {
    port: 9080,
    stable: reviews(stage.stable),
    canary: stage.canary ? reviews(stage.canary) : undefined,
    canaryWeight: stage.canaryWeight,
    provider: ambient,
  });
  if (stage.jason) {
    // productpage sets `end-user` from its own login: a trusted, in-mesh header.
    new HeaderMatchRoute(chart, 'jason', { target: svc, matches: [RequestMatch.header('end-user', StringMatch.exact('jason'))], version: stage.canary! });
  }

  const idle = stage.idleReplicas ?? 0;
  const blueActive = stage.active === Color.BLUE;
  const previewed = idle > 0 && stage.preview !== false;
  new BlueGreenService(chart, 'productpage', {
    port: 9080,
    blue: productpage('blue', stage.blue, blueActive ? 2 : idle),
    green: productpage('green', stage.green, blueActive ? idle : 2),
    active: stage.active,
    gateways: ['istio-ingress/bookinfo'],
    hosts: ['bookinfo.example.com'],
    previewHost: previewed ? 'preview.bookinfo.example.com' : undefined,
    previewMatch: previewed ? RequestMatch.header('x-preview', StringMatch.exact('true')) : undefined,
    provider: ambient,
  });
}

if (require.main === module) {
  writeStages(__dirname, STAGES, build);
}

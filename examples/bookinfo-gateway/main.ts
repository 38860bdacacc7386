// Istio's Bookinfo behind its gateway (samples/bookinfo/networking/bookinfo-gateway.yaml): the
// public paths all lead to productpage on one host, and reviews is released (jason to v2,
// then 50/50) while productpage stays put. The same app renders with each provider: the
// stages prefixed `istio-` use VirtualServices with delegation, those prefixed `gateway-api-`
// HTTPRoutes attached to a Gateway. They are two releases, one per provider (RELEASES), not one
// sequence of commits: reviews v2 is deployed at weight 0 one commit before jason sees it.
import { Chart } from 'cdk8s';
import { CanaryService, HeaderMatchRoute, RequestMatch, SharedHost, StringMatch, TrafficProvider } from '../../src';
import { Stages, writeStages } from '../stages';

export interface BookinfoStage {
  /** `istio` or `gateway-api`. */
  readonly provider: string;
  /** The reviews release step. */
  readonly reviews: 'v1' | 'v2-deployed-at-0' | 'jason-v2' | 'v2-at-50';
}

const PROVIDERS = ['istio', 'gateway-api'];

export const STAGES: Stages<BookinfoStage> = PROVIDERS.flatMap(provider => [
  [`${provider}-01-reviews-v1`, { provider, reviews: 'v1' }],
  [`${provider}-02-v2-deployed-at-0`, { provider, reviews: 'v2-deployed-at-0' }],
  [`${provider}-03-jason-v2`, { provider, reviews: 'jason-v2' }],
  [`${provider}-04-v2-at-50`, { provider, reviews: 'v2-at-50' }],
] as Stages<BookinfoStage>);

/** The releases, each a sequence of commits (stage names): one per provider. */
export const RELEASES: string[][] = PROVIDERS.map(provider => STAGES.map(([name]) => name).filter(name => name.startsWith(`${provider}-`)));

const image = (app: string, v: string) => `docker.io/istio/examples-bookinfo-${app}-${v}:1.20.2`;

export function build(chart: Chart, stage: BookinfoStage): void {
  const provider = () => stage.provider === 'istio' ? TrafficProvider.istio() : TrafficProvider.gatewayApi();
  const productpage = new CanaryService(chart, 'productpage', { port: 9080, provider: provider(), stable: { version: 'v1', image: image('productpage', 'v1') } });
  new CanaryService(chart, 'details', { port: 9080, provider: provider(), stable: { version: 'v1', image: image('details', 'v1') } });
  new CanaryService(chart, 'ratings', { port: 9080, provider: provider(), stable: { version: 'v1', image: image('ratings', 'v1') } });
  const reviews = new CanaryService(chart, 'reviews', {
    port: 9080,
    provider: provider(),
    stable: { version: 'v1', image: image('reviews', 'v1') },
    canary: stage.reviews === 'v1' ? undefined : { version: 'v2', image: image('reviews', 'v2') },
    canaryWeight: stage.reviews === 'v2-at-50' ? 50 : stage.reviews === 'v1' ? undefined : 0,
  });
  if (stage.reviews === 'jason-v2' || stage.reviews === 'v2-at-50') {
    new HeaderMatchRoute(chart, 'jason', { target: reviews, matches: [RequestMatch.header('end-user', StringMatch.exact('jason'))], version: 'v2' });
  }
  const gateway = new SharedHost(chart, 'bookinfo', { hosts: ['bookinfo.example.com'], gateways: ['bookinfo-gateway'], provider: provider() });
  gateway.addPath(StringMatch.exact('/productpage'), productpage);
  gateway.addPath(StringMatch.prefix('/static'), productpage);
  gateway.addPath(StringMatch.exact('/login'), productpage);
  gateway.addPath(StringMatch.exact('/logout'), productpage);
  gateway.addPath(StringMatch.prefix('/api/v1/products'), productpage);
}

if (require.main === module) {
  writeStages(__dirname, STAGES, build);
}

// Istio's Bookinfo objects for the reviews service, hand-written as in Istio's samples
// (samples/bookinfo/networking/*.yaml and platform/kube/bookinfo.yaml, Apache-2.0), for the
// offline tools' tests.
import { Chart, Testing } from 'cdk8s';
import { CanaryService, CanaryServiceProps, HeaderMatchRoute, RequestMatch, StringMatch } from '../../src';

/** A Bookinfo Deployment `reviews-<version>` (labels app and version). */
export function reviewsDeployment(version: string, replicas = 1): any {
  const labels = { app: 'reviews', version };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `reviews-${version}`, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'reviews', image: `docker.io/istio/examples-bookinfo-reviews-${version}:1.20.2` }] } },
    },
  };
}

/** The reviews Service (selects app=reviews) and its DestinationRule with subsets v1, v2, v3 (destination-rule-all.yaml). */
export function reviewsBase(versions = ['v1', 'v2', 'v3']): any[] {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', labels: { app: 'reviews', service: 'reviews' } }, spec: { ports: [{ port: 9080, name: 'http' }], selector: { app: 'reviews' } } },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews' },
      spec: { host: 'reviews', subsets: versions.map(v => ({ name: v, labels: { version: v } })) },
    },
    ...versions.map(v => reviewsDeployment(v)),
  ];
}

export function virtualService(http: any[], extra: any = {}): any {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews' }, spec: { hosts: ['reviews'], http, ...extra } };
}

const route = (subset: string, weight?: number) => ({ destination: { host: 'reviews', subset }, ...(weight === undefined ? {} : { weight }) });

/** virtual-service-reviews-test-v2.yaml: user jason to v2, everyone else to v1. */
export const JASON_V2 = virtualService([
  { match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [route('v2')] },
  { route: [route('v1')] },
]);

/** virtual-service-reviews-80-20.yaml. */
export const REVIEWS_80_20 = virtualService([{ route: [route('v1', 80), route('v2', 20)] }]);

/** virtual-service-reviews-v2-v3.yaml. */
export const REVIEWS_V2_V3 = virtualService([{ route: [route('v2', 50), route('v3', 50)] }]);

/** The same routings, built with our constructs. */
export function constructs(what: 'jason-v2' | '80-20' | 'v2-v3', props: Partial<CanaryServiceProps> = {}): any[] {
  const image = (v: string) => `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`;
  const v = (version: string) => ({ version, image: image(version) });
  const chart: Chart = Testing.chart();
  if (what === 'v2-v3') {
    new CanaryService(chart, 'reviews', { port: 9080, stable: v('v2'), canary: v('v3'), canaryWeight: 50, ...props });
  } else {
    const reviews = new CanaryService(chart, 'reviews', { port: 9080, stable: v('v1'), canary: v('v2'), canaryWeight: what === '80-20' ? 20 : 0, ...props });
    if (what === 'jason-v2') {
      new HeaderMatchRoute(chart, 'jason', { target: reviews, matches: [RequestMatch.header('end-user', StringMatch.exact('jason'))], version: 'v2' });
    }
  }
  return Testing.synth(chart);
}

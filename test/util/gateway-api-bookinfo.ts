// Bookinfo's reviews service with Gateway API routing, hand-written as in the Gateway API and
// Istio docs (GAMMA: an HTTPRoute whose parent is the Service; one Service per version,
// because HTTPRoute has no subsets), for the offline tools' tests.
import { reviewsDeployment } from './bookinfo';

export const GATEWAY_API = 'gateway.networking.k8s.io/v1';

/** A Service selecting `selector`, port 9080. */
export function service(name: string, selector: Record<string, string>, namespace?: string): any {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec: { ports: [{ port: 9080, name: 'http' }], selector },
  };
}

/** The reviews Service, one Service `reviews-<version>` per version and its Deployment. */
export function reviewsServices(versions = ['v1', 'v2', 'v3'], replicas: Record<string, number> = {}): any[] {
  return [
    service('reviews', { app: 'reviews' }),
    ...versions.flatMap(v => [service(`reviews-${v}`, { app: 'reviews', version: v }), reviewsDeployment(v, replicas[v] ?? 1)]),
  ];
}

/** A backendRef to `reviews-<version>`. */
export function backend(version: string, weight?: number): any {
  return { name: `reviews-${version}`, port: 9080, ...(weight === undefined ? {} : { weight }) };
}

/** An HTTPRoute `name` with `rules` attached to the reviews Service (unless `spec` says otherwise). */
export function httpRoute(rules: any[], spec: any = {}, name = 'reviews', metadata: any = {}): any {
  return {
    apiVersion: GATEWAY_API,
    kind: 'HTTPRoute',
    metadata: { name, ...metadata },
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }], rules, ...spec },
  };
}

/** virtual-service-reviews-test-v2.yaml as an HTTPRoute: user jason to v2, everyone else to v1. */
export const JASON_V2_ROUTE = httpRoute([
  { matches: [{ headers: [{ name: 'end-user', value: 'jason' }] }], backendRefs: [backend('v2')] },
  { backendRefs: [backend('v1')] },
]);

/** virtual-service-reviews-80-20.yaml as an HTTPRoute. */
export const REVIEWS_80_20_ROUTE = httpRoute([{ backendRefs: [backend('v1', 80), backend('v2', 20)] }]);

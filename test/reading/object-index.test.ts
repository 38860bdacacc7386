import { hostKey, sameGateway, sameHost } from '../../src/reading/hosts';
import { deploymentsOf, deploymentsWith, hasDeploymentsFor, indexObjects, IndexReader, RoutingInfo } from '../../src/reading/object-index';
import { idOf, namespaceOf, pruneLastOf, waveOf } from '../../src/reading/objects';

const deployment = (name: string, labels: Record<string, string>, replicas?: number, namespace = 'shop') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: { ...(replicas === undefined ? {} : { replicas }), template: { metadata: { labels } } },
});
const service = (name: string, selector: Record<string, string>, namespace = 'shop') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector } });

describe('object identity', () => {
  test('namespace, id and Argo CD annotations, read defensively', () => {
    expect(namespaceOf({ metadata: {} })).toBe('default');
    expect(namespaceOf({ metadata: { namespace: 42 } })).toBe('default');
    expect(idOf({ metadata: { namespace: 'a' } })).toBe('a/(unnamed)');
    expect(waveOf({ metadata: { annotations: { 'argocd.argoproj.io/sync-wave': '-2' } } })).toBe(-2);
    expect(waveOf({ metadata: { annotations: { 'argocd.argoproj.io/sync-wave': 'soon' } } })).toBe(0);
    expect(pruneLastOf({ metadata: { annotations: { 'argocd.argoproj.io/sync-options': 'Validate=false, PruneLast=true' } } })).toBe(true);
    expect(pruneLastOf({ metadata: {} })).toBe(false);
  });
});

describe('host identity', () => {
  test('short and partial names expand in the namespace; others stay', () => {
    expect(hostKey('Reviews', 'shop')).toBe('reviews.shop.svc.cluster.local');
    expect(hostKey('reviews.other.svc', 'shop')).toBe('reviews.other.svc.cluster.local');
    expect(hostKey('reviews.other', 'shop')).toBe('reviews.other');
    expect(hostKey('*.example.com', 'shop')).toBe('*.example.com');
  });

  test('a routing host covers a request host', () => {
    expect(sameHost('*.example.com', 'a.example.com')).toBe(true);
    expect(sameHost('*.example.com', 'example.com')).toBe(false);
    expect(sameHost('reviews', 'reviews.shop.svc.cluster.local')).toBe(true);
    expect(sameHost('reviews.a', 'reviews.b')).toBe(false);
  });

  test('gateways: a short name is any namespace\'s, mesh is only mesh', () => {
    expect(sameGateway('public', 'infra/public')).toBe(true);
    expect(sameGateway('a/public', 'b/public')).toBe(false);
    expect(sameGateway('mesh', 'infra/mesh')).toBe(false);
  });
});

describe('indexObjects', () => {
  test('reads Deployments and Services; runs the readers in order, each seeing the routings before it', () => {
    // GIVEN two readers, the second reading what the first left
    const seen: number[] = [];
    const routing = (name: string, provider: string): RoutingInfo => ({
      routing: { host: name, versions: [], rules: [] }, key: `shop/${name}`, namespace: 'shop', hostKey: hostKey(name, 'shop'), wave: 0, provider,
    });
    const first: IndexReader = { name: 'first', read: (_o, index) => { seen.push(index.routings.length); return [routing('a', 'first')]; } };
    const second: IndexReader = { name: 'second', read: (_o, index) => { seen.push(index.routings.length); return [routing('b', 'second')]; } };
    // WHEN indexing
    const index = indexObjects('test', [deployment('web-v1', { app: 'web', version: 'v1' }), service('web', { app: 'web' })], [first, second]);
    // THEN the routings come in reader order, each reader seeing those before it
    expect(index.routings.map(r => r.provider)).toEqual(['first', 'second']);
    expect(seen).toEqual([0, 1]);
    expect(index.deployments).toEqual([expect.objectContaining({ key: 'shop/web-v1', replicas: 1, podLabels: { app: 'web', version: 'v1' } })]);
    expect(index.selectors.get('web.shop.svc.cluster.local')).toEqual({ app: 'web' });
  });

  test('finds the Deployments of a version from the Service selector and the version\'s labels', () => {
    // GIVEN two versions of web and a version labelled by a reader
    const index = indexObjects('test', [
      deployment('web-v1', { app: 'web', version: 'v1' }, 3),
      deployment('web-v2', { app: 'web', version: 'v2' }, 0),
      deployment('other', { app: 'other', version: 'v1' }),
      service('web', { app: 'web' }),
    ], [{ name: 'r', read: (_o, i) => { i.versionLabels.set('web.shop.svc.cluster.local', new Map([['v2', { version: 'v2' }]])); return []; } }]);
    // THEN
    expect(deploymentsWith(index, 'shop', { app: 'web' }).map(d => d.name)).toEqual(['web-v1', 'web-v2']);
    expect(deploymentsOf(index, 'web.shop.svc.cluster.local', 'v2')?.map(d => [d.name, d.replicas])).toEqual([['web-v2', 0]]);
    expect(deploymentsOf(index, 'web.shop.svc.cluster.local', 'v1')).toBeUndefined(); // no labels for v1
    expect(hasDeploymentsFor(index, 'web.shop.svc.cluster.local')).toBe(true);
    expect(hasDeploymentsFor(index, 'nope.shop.svc.cluster.local')).toBe(false);
  });

  test('fails on input that is not a list of Kubernetes objects, naming the caller', () => {
    expect(() => indexObjects('who', {}, [])).toThrow('who: objects must be an array of Kubernetes objects, got {}');
    expect(() => indexObjects('who', [{ apiVersion: 'v1' }], [])).toThrow('who: objects[0] must be a Kubernetes object (with apiVersion and kind), got {"apiVersion":"v1"}');
  });
});

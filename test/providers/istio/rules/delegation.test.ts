import { Testing } from 'cdk8s';
import { CanaryService, IstioReader, RoutingAnalyzer, SharedHost, StringMatch } from '../../../../src';
import { synthValid } from '../../../util';

/** The shop: orders on /orders and cart on /cart at shop.example.com, synthesized. */
function shop(): any[] {
  const chart = Testing.chart();
  const orders = new CanaryService(chart, 'orders', { port: 80, stable: { version: 'v1', image: 'x' } });
  const cart = new CanaryService(chart, 'cart', { port: 80, stable: { version: 'v1', image: 'x' } });
  const host = new SharedHost(chart, 'shop', { hosts: ['shop.example.com'], gateways: ['public'] });
  host.addPath(StringMatch.prefix('/orders'), orders);
  host.addPath(StringMatch.prefix('/cart'), cart);
  return synthValid(chart);
}

const named = (manifests: any[], name: string) => manifests.find(o => o.kind === 'VirtualService' && o.metadata.name === name);

describe('VirtualService delegation', () => {
  test('a root with delegates without hosts has no findings, and no conflicting-host', () => {
    // GIVEN / WHEN
    const findings = RoutingAnalyzer.analyzeManifests(shop());

    // THEN
    expect(findings).toEqual([]);
  });

  test('fails on a missing delegate', () => {
    // GIVEN the shop without cart's delegate
    const manifests = shop().filter(o => o.metadata.name !== 'cart-shop');

    // WHEN
    const findings = RoutingAnalyzer.analyzeManifests(manifests);

    // THEN
    expect(findings).toEqual([{
      severity: 'error',
      rule: 'vs-delegate',
      source: 'VirtualService/shop',
      message: 'http[1] (cart-1): delegates to VirtualService default/cart-shop, which does not exist; Istio routes none of the rule\'s requests; add it, or fix the name',
    }]);
    // AND the reader warns and routes the path nowhere
    expect(IstioReader.read(manifests).warnings.map(w => w.message)).toContain('http[1] (cart-1): delegates to VirtualService default/cart-shop, which is not among the objects (or has hosts)');
  });

  test('fails on a delegate rule whose match lies outside the root rule\'s', () => {
    // GIVEN cart's delegate matching /orders
    const manifests = shop();
    named(manifests, 'cart-shop').spec.http[0].match = [{ uri: { prefix: '/orders/' } }];

    // WHEN
    const findings = RoutingAnalyzer.analyzeManifests(manifests);

    // THEN
    expect(findings.map(f => `${f.rule} ${f.source} ${f.message}`)).toEqual([
      'vs-delegate VirtualService/cart-shop http[0]: a match lies outside the matches of VirtualService/shop http[1] (cart-1), which delegates to it; Istio drops the rule; narrow its matches to the root rule\'s',
    ]);
  });

  test('fails on a delegate with hosts', () => {
    // GIVEN cart's delegate with hosts
    const manifests = shop();
    named(manifests, 'cart-shop').spec.hosts = ['cart-public'];

    // WHEN
    const findings = RoutingAnalyzer.analyzeManifests(manifests).filter(f => f.rule === 'vs-delegate');

    // THEN
    expect(findings.map(f => f.message)).toEqual([
      'http[1] (cart-1): delegates to VirtualService default/cart-shop, which has hosts; a delegate must have none, so Istio ignores it; remove its hosts',
    ]);
  });

  test('the reader reads a delegate rule through its root, names merged as Istio does', () => {
    // GIVEN
    const manifests = shop();
    named(manifests, 'orders-shop').spec.http[0].name = 'stable';

    // WHEN
    const routing = IstioReader.read(manifests).routings.find(r => r.host === 'shop.example.com')!;

    // THEN
    expect(routing.rules.map(r => `${r.name} ${(r.matches ?? []).map(m => `${m}`).join(' | ')} -> ${r.destinations.map(d => `${d.host}/${d.version}`)}`)).toEqual([
      // exact /orders or prefix /orders/ (a SharedHost's path prefix) read back as one pathPrefix
      'orders-1-stable uri pathPrefix "/orders" -> orders/v1',
      'cart-1 uri pathPrefix "/cart" -> cart/v1',
    ]);
  });
});

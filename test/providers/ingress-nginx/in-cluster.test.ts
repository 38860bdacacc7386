// In-cluster callers of an ingress-nginx release: ingress-nginx splits only what enters
// through the Ingresses, so a Service selecting several versions' pods splits in-cluster
// traffic by pod count, whatever the release says.
import { Testing } from 'cdk8s';
import { CanaryService, FindingKind, IstioReader, RouteSimulator, Severity, TrafficProvider, TransitionCheck } from '../../../src';
import { synthValid } from '../../util';

function shop(weight?: number, canary = true): any[] {
  const chart = Testing.chart();
  new CanaryService(chart, 'shop', {
    port: 8080,
    hosts: ['shop.example.com'],
    provider: TrafficProvider.ingressNginx(),
    stable: { version: 'v1', image: 'shop:1' },
    canary: canary ? { version: 'v2', image: 'shop:2' } : undefined,
    canaryWeight: weight,
  });
  return synthValid(chart);
}

describe('ingress-nginx: in-cluster callers', () => {
  test('the app Service selects the stable version only: an in-cluster caller of shop never reaches v2 at weight 0', () => {
    // GIVEN v2 deployed at weight 0
    const objects = shop(0);
    // THEN the app Service's selector names v1, and the simulator sends in-cluster requests to v1 only
    expect(objects.find(o => o.kind === 'Service' && o.metadata.name === 'shop').spec.selector).toEqual({ app: 'shop', version: 'v1' });
    const e = RouteSimulator.explain({ host: 'shop' }, IstioReader.read(objects).routings);
    expect(e.destinations.map(d => d.version ?? d.host)).toEqual(['shop']);
    // AND check finds nothing to say about it
    expect(TransitionCheck.check(shop(undefined, false), objects).findings.filter(f => f.kind === FindingKind.SERVICE_SPREADS_VERSIONS)).toEqual([]);
  });

  test('check flags a Service that spreads in-cluster traffic over versions the Ingresses route: an error when one gets no Ingress traffic', () => {
    // GIVEN the output with the app Service widened to every version (what the provider rendered before)
    const widen = (objects: any[]) => objects.map(o => (o.kind === 'Service' && o.metadata.name === 'shop' ? { ...o, spec: { ...o.spec, selector: { app: 'shop' } } } : o));
    // WHEN v2 is deployed at weight 0, then at 10
    const atZero = TransitionCheck.check(shop(undefined, false), widen(shop(0)));
    const atTen = TransitionCheck.check(widen(shop(0)), widen(shop(10)));
    // THEN at 0 it is an error naming v2, at 10 a warning
    const spread = (r: any) => r.findings.filter((f: any) => f.kind === FindingKind.SERVICE_SPREADS_VERSIONS)
      .map((f: any) => [f.severity, f.host, f.version, f.message]);
    expect(spread(atZero)).toEqual([[Severity.ERROR, 'shop.example.com', 'v2',
      'Service default/shop selects the pods of versions v1 and v2 of shop.example.com\'s Ingress routing; ingress-nginx splits only the requests that enter through the Ingresses, '
      + 'so in-cluster callers of shop get each version in proportion to its ready pods, v2 included though the Ingresses send it no traffic']]);
    expect(atZero.safe).toBe(false);
    expect(spread(atTen)).toEqual([[Severity.WARNING, 'shop.example.com', undefined, expect.stringContaining('get each version in proportion to its ready pods, not as the release says')]]);
  });
});

import * as path from 'path';
import { GatewayApiReader, IstioReader, RoutingReader } from '../../src';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const STAGES = [
  path.join(EXAMPLES, 'bookinfo-reviews', 'dist', '03-v2-at-20.k8s.yaml'),
  path.join(EXAMPLES, 'bookinfo-reviews-ambient', 'dist', '04-reviews-v2-at-20.k8s.yaml'),
  path.join(EXAMPLES, 'ingress-nginx-canary', 'dist', '04-v2-at-10.k8s.yaml'),
  path.join(EXAMPLES, 'replica-ratio-canary', 'dist', '03-v2-1-of-4.k8s.yaml'),
];

describe('RoutingReader', () => {
  test('reads every provider of the registry: VirtualServices, HTTPRoutes, Ingresses, plain Services', () => {
    // GIVEN the outputs of the four providers in one set of objects
    const objects = RoutingReader.loadFiles(STAGES);
    // WHEN read
    const read = RoutingReader.read(objects);
    // THEN each provider's routings are there, in registry order
    const kinds = read.routings.map(r => r.source!.split(' ')[0]);
    expect(new Set(kinds)).toEqual(new Set(['VirtualService', 'HTTPRoute', 'Ingress', 'Service']));
    expect(kinds.indexOf('VirtualService')).toBeLessThan(kinds.indexOf('HTTPRoute'));
    expect(kinds.indexOf('HTTPRoute')).toBeLessThan(kinds.indexOf('Ingress'));
    expect(kinds.indexOf('Ingress')).toBeLessThan(kinds.indexOf('Service'));
    // AND the Gateway API reader reads its own part of them
    const gatewayApi = GatewayApiReader.read(objects).routings;
    expect(gatewayApi.length).toBeGreaterThan(0);
    expect(read.routings).toEqual(expect.arrayContaining(gatewayApi));
  });

  test('IstioReader, kept as an alias, reads the same', () => {
    const objects = RoutingReader.loadFiles(STAGES);
    expect(IstioReader.read(objects)).toEqual(RoutingReader.read(objects));
    expect(IstioReader.readFiles(STAGES)).toEqual(RoutingReader.readFiles(STAGES));
  });

  test('fails on objects that are not Kubernetes objects, naming itself', () => {
    expect(() => RoutingReader.read([{ kind: 'Service' }])).toThrow('RoutingReader.read: objects[0] must be a Kubernetes object (with apiVersion and kind), got {"kind":"Service"}');
    expect(() => RoutingReader.read('x' as any)).toThrow('RoutingReader.read: objects must be an array of Kubernetes objects, got "x"');
  });

  test('fails without paths, naming itself', () => {
    expect(() => RoutingReader.loadFiles([])).toThrow('RoutingReader.loadFiles: paths must list at least one file or directory, got []');
  });
});

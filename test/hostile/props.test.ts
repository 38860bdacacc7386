// Props from untyped callers (JavaScript, jsii languages): unknown keys and wrong types fail.
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { CanaryService, HeaderMatchRoute, RequestMatch, StringMatch } from '../../src';
import { closest } from '../../src/internal/props';
import { generatePropSchemas } from '../util/prop-schemas';

jest.setTimeout(120_000);

const v1 = { version: 'v1', image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2' };
const v2 = { version: 'v2', image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2' };
const canary = (extra: any) => () => new CanaryService(Testing.chart(), 'reviews', { port: 9080, stable: v1, canary: v2, ...extra });

test('src/internal/_prop-schemas.ts is generated from the current structs', () => {
  const file = path.join(__dirname, '..', '..', 'src', 'internal', '_prop-schemas.ts');
  const text = generatePropSchemas();
  if (process.env.UPDATE) fs.writeFileSync(file, text);
  expect(fs.readFileSync(file, 'utf8')).toBe(text);
});

test('closest finds the nearest known key', () => {
  expect(closest('weigth', ['canaryWeight', 'port', 'hosts'])).toBe('canaryWeight');
  expect(closest('hots', ['canaryWeight', 'port', 'hosts'])).toBe('hosts');
});

test('fails on an unknown key, naming it and the closest known key', () => {
  expect(canary({ canaryWeigth: 20 })).toThrow(/^CanaryService 'reviews': canaryWeigth is not a prop of CanaryServiceProps; did you mean canaryWeight\? \(known: /);
  expect(canary({ stable: { ...v1, replica: 2 } })).toThrow('CanaryService \'reviews\': stable.replica is not a prop of VersionSpec; did you mean stable.replicas?');
});

test('fails on Istio-style connectionPool: { tcp, http }, naming the prop and the type expected', () => {
  expect(canary({ trafficPolicy: { connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } } } }))
    .toThrow(/^CanaryService 'reviews': trafficPolicy.connectionPool.tcp is not a prop of ConnectionPool; did you mean trafficPolicy.connectionPool.\w+\? \(known: connectTimeout, http1MaxPendingRequests, /);
});

test('fails on a wrong type that no other check catches', () => {
  expect(canary({ includeMesh: 'yes' })).toThrow('CanaryService \'reviews\': includeMesh must be a boolean, got "yes"');
  expect(canary({ gateways: 'public' })).toThrow('CanaryService \'reviews\': gateways must be an array of string, got "public"');
});

test('HeaderMatchRoute: an unknown key fails before the route is added to its target', () => {
  const chart = Testing.chart();
  const svc = new CanaryService(chart, 'reviews', { port: 9080, stable: v1, canary: v2 });
  const props: any = { target: svc, name: 'testers', version: 'v2', matches: [RequestMatch.header('x-tester', StringMatch.exact('1'))], timout: 1 };
  expect(() => new HeaderMatchRoute(chart, 'testers', props)).toThrow('HeaderMatchRoute \'testers\': timout is not a prop of HeaderMatchRouteProps; did you mean timeout?');
  // AND the target has no route named testers: a second, valid route of that name is accepted
  delete props.timout;
  expect(() => new HeaderMatchRoute(chart, 'testers2', props)).not.toThrow();
});

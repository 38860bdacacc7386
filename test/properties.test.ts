// Property-based tests (fast-check): every configuration the constructs accept synthesizes
// objects that pass the Istio CRD schemas, the Kubernetes schemas and our own analyzer, with
// weights adding up to 100 on every weighted route; every configuration they reject fails
// with a plain Error naming the offending prop. No input makes synth crash otherwise.
import { Testing } from 'cdk8s';
import * as fc from 'fast-check';
import {
  BlueGreenService, CanaryService, ClientOs, Color, HeaderMatchRoute, LoadBalancer, LoadBalancerAlgorithm,
  RequestMatch, RoutingAnalyzer, ServiceProtocol, StringMatch,
} from '../src';
import { validateManifests } from './util';

const RUNS = 1000;
// Reproduce a failure with FC_SEED=<seed> (fast-check prints it).
if (process.env.FC_SEED) fc.configureGlobal({ seed: Number(process.env.FC_SEED) });
const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,6}[a-z0-9])?$/);
const image = fc.constantFrom('example/app:1', 'registry.example.com/team/app@sha256:abc', 'nginx');
const gateways = fc.subarray(['istio-system/public', 'internal', 'edge/gw'], { minLength: 0 });
const badNumber = fc.oneof(
  fc.integer({ min: 101, max: 1_000_000 }), fc.integer({ min: -1_000_000, max: -1 }),
  fc.double({ min: 0.01, max: 99.99, noInteger: true }), fc.constant(NaN), fc.constant(Infinity), fc.constant('20' as any),
);
const badLabel = fc.oneof(
  fc.constant(''), fc.constant('V2'), fc.constant('v_2'), fc.constant('-v2'), fc.constant('v2-'), fc.constant('a'.repeat(64)), fc.constant('v2.1'), fc.constant(42 as any),
);
const trafficPolicy = fc.option(fc.record({
  loadBalancer: fc.option(fc.oneof(
    fc.constantFrom(...Object.values(LoadBalancerAlgorithm)).map(a => LoadBalancer.simple(a)),
    fc.constant(LoadBalancer.consistentHashBySourceIp()),
    fc.constant(LoadBalancer.consistentHashByHeader('x-user')),
  ), { nil: undefined }),
  outlierDetection: fc.option(fc.record({
    consecutive5xxErrors: fc.integer({ min: 0, max: 50 }), maxEjectionPercent: fc.integer({ min: 0, max: 100 }),
  }), { nil: undefined }),
  connectionPool: fc.option(fc.record({
    maxConnections: fc.integer({ min: 1, max: 10000 }), http2MaxRequests: fc.integer({ min: 1, max: 10000 }),
  }), { nil: undefined }),
}), { nil: undefined });

/** Everything synthesized by accepted configurations, schema-validated in one batch at the end. */
const accepted: any[] = [];

afterAll(() => {
  validateManifests(accepted);
});

function synthAccepted(chart: any): void {
  const manifests = Testing.synth(chart);
  for (const vs of manifests.filter(m => m.kind === 'VirtualService')) {
    for (const rule of vs.spec.http) {
      if (rule.route.length > 1) expect(rule.route.reduce((a: number, r: any) => a + r.weight, 0)).toBe(100);
    }
    expect(vs.spec.http.filter((r: any) => r.match === undefined)).toHaveLength(1);
  }
  expect(RoutingAnalyzer.analyze(chart)).toEqual([]);
  accepted.push(...manifests);
}

/** The error must be a plain Error (not TypeError & co.) whose message names `prop`. */
function expectRejected(build: () => void, props: string[]): void {
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).constructor).toBe(Error);
  const message = (error as Error).message;
  expect(props.some(p => message.includes(p)) ? message : `${message} (names none of ${props.join(', ')})`).toBe(message);
}

const canaryBase = fc.record({
  stable: label,
  canary: label,
  hasCanary: fc.boolean(),
  canaryWeight: fc.integer({ min: 0, max: 100 }),
  stableReplicas: fc.integer({ min: 1, max: 5 }),
  canaryReplicas: fc.integer({ min: 0, max: 5 }),
  mirror: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
  port: fc.integer({ min: 1, max: 65535 }),
  protocol: fc.constantFrom(...Object.values(ServiceProtocol)),
  gateways,
  includeMesh: fc.boolean(),
  trafficPolicy,
  argoCdSyncWaves: fc.boolean(),
  image,
}).filter(c => c.stable !== c.canary).map(c => {
  const hasCanary = c.hasCanary;
  const canaryWeight = hasCanary && c.canaryReplicas > 0 ? c.canaryWeight : 0;
  return {
    serviceName: 'svc',
    port: c.port,
    protocol: c.protocol,
    stable: { version: c.stable, image: c.image, replicas: c.stableReplicas },
    canary: hasCanary ? { version: c.canary, image: c.image, replicas: c.canaryReplicas } : undefined,
    canaryWeight,
    mirrorPercent: hasCanary && canaryWeight === 0 && c.canaryReplicas > 0 ? c.mirror : undefined,
    gateways: c.gateways,
    includeMesh: c.includeMesh,
    trafficPolicy: c.trafficPolicy,
    argoCdSyncWaves: c.argoCdSyncWaves,
  };
});

type CanaryProps = ConstructorParameters<typeof CanaryService>[2];
const canaryMutations: Array<fc.Arbitrary<[string[], (p: CanaryProps) => CanaryProps]>> = [
  badNumber.map(v => [['canaryWeight'], p => ({ ...p, canary: p.canary ?? { ...p.stable, version: `${p.stable.version}x` }, canaryWeight: v })]),
  fc.oneof(fc.integer({ min: 65536, max: 1e7 }), fc.integer({ min: -1e6, max: 0 }), fc.double({ min: 1.01, max: 999.99, noInteger: true }), fc.constantFrom(NaN, '80' as any, undefined as any))
    .map(v => [['port'], p => ({ ...p, port: v })]),
  badLabel.map(v => [['version'], p => ({ ...p, stable: { ...p.stable, version: v } })]),
  fc.oneof(fc.integer({ max: -1 }), fc.double({ min: 0.1, max: 3.9, noInteger: true })).map(v => [['replicas'], p => ({ ...p, stable: { ...p.stable, replicas: v } })]),
  fc.oneof(fc.double({ min: 100.01, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: -0.01, noNaN: true }), fc.constant(NaN))
    .map(v => [['mirrorPercent'], p => ({ ...p, canary: { version: `${p.stable.version}x`, image: 'x' }, canaryWeight: 0, mirrorPercent: v })]),
  badLabel.filter(v => v !== 42).map(v => [['serviceName'], p => ({ ...p, serviceName: v })]),
  fc.constantFrom('Public', 'a/b/c', '', 'ns/ gw').map(v => [['gateways'], p => ({ ...p, gateways: [v] })]),
  fc.integer({ min: 101, max: 1000 }).map(v => [['maxEjectionPercent'], p => ({ ...p, trafficPolicy: { outlierDetection: { maxEjectionPercent: v } } })]),
  fc.constant([['version'], p => ({ ...p, canary: { ...p.stable } })]),
  fc.integer({ min: 1, max: 100 }).map(v => [['canaryWeight'], p => ({ ...p, canary: undefined, canaryWeight: v })]),
  fc.integer({ min: 1, max: 100 }).map(v => [['canaryWeight', 'replicas'], p => ({ ...p, canary: { version: `${p.stable.version}x`, image: 'x', replicas: 0 }, canaryWeight: v })]),
];

describe('CanaryService properties', () => {
  test(`accepts and synthesizes valid configurations (${RUNS} runs)`, () => {
    fc.assert(fc.property(canaryBase, props => {
      const chart = Testing.chart();
      new CanaryService(chart, 'svc', props);
      synthAccepted(chart);
    }), { numRuns: RUNS });
  });

  test(`rejects invalid configurations naming the prop (${RUNS} runs)`, () => {
    fc.assert(fc.property(canaryBase, fc.oneof(...canaryMutations), (props, [names, mutate]) => {
      expectRejected(() => new CanaryService(Testing.chart(), 'svc', mutate(props)), names);
    }), { numRuns: RUNS });
  });
});

// Matches: any mix of the factories, valid or not, several routes on one service.
const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/);
const value = fc.string({ minLength: 1, maxLength: 8 });
const badOrEmpty = fc.constantFrom('', '(?=x)', '(a)\\1', 'a{2,');
const stringMatch = fc.oneof(
  { weight: 3, arbitrary: value.map(v => () => StringMatch.exact(v)) },
  { weight: 3, arbitrary: value.map(v => () => StringMatch.prefix(v)) },
  { weight: 3, arbitrary: fc.constantFrom('^[0-9]+$', '.*beta.*', '(?i)yes', '[a-z]{2,4}').map(v => () => StringMatch.regex(v)) },
  { weight: 1, arbitrary: fc.oneof(badOrEmpty, fc.string({ maxLength: 6 })).map(v => () => StringMatch.regex(v)) },
);
const condition = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(headerName, stringMatch).map(([n, m]) => () => RequestMatch.header(n, m())) },
  { weight: 1, arbitrary: headerName.map(n => () => RequestMatch.headerPresent(n)) },
  { weight: 1, arbitrary: headerName.map(n => () => RequestMatch.withoutHeader(n)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('beta', 'ab', 'x y'), fc.constantFrom('true', '1', 'a b')).map(([n, v]) => () => RequestMatch.cookie(n, v)) },
  { weight: 2, arbitrary: stringMatch.map(m => () => RequestMatch.uri(m())) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('v', 'variant', ''), stringMatch).map(([n, m]) => () => RequestMatch.queryParam(n, m())) },
  { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'get').map(m => () => RequestMatch.method(m)) },
  { weight: 2, arbitrary: fc.constantFrom(...Object.values(ClientOs), 'beos' as ClientOs).map(os => () => RequestMatch.clientOs(os)) },
  { weight: 1, arbitrary: fc.constantFrom('groups', 'a.b', 'bad claim').map(c => () => RequestMatch.jwtClaim(c, StringMatch.exact('x'))) },
);
const match = fc.array(condition, { minLength: 1, maxLength: 3 })
  .map(cs => () => (cs.length === 1 ? cs[0]() : RequestMatch.all(...cs.map(c => c()))));
const twoVersions = fc.shuffledSubarray(['v1', 'v2', 'v3'], { minLength: 2, maxLength: 2 });
const route = fc.record({
  matches: fc.oneof(
    { weight: 9, arbitrary: fc.array(match, { minLength: 1, maxLength: 2 }) },
    { weight: 1, arbitrary: fc.constant([] as Array<() => RequestMatch>) },
  ),
  target: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('v1', 'v2', 'v3').map(v => ({ version: v })) },
    { weight: 1, arbitrary: fc.constant({ version: 'v9' }) },
    {
      weight: 3,
      arbitrary: fc.tuple(twoVersions, fc.integer({ min: 0, max: 100 }))
        .map(([[a, b], w]) => ({ split: [{ version: a, weight: w }, { version: b, weight: 100 - w }] })),
    },
    {
      weight: 1,
      arbitrary: fc.array(fc.record({ version: fc.constantFrom('v1', 'v2', 'v3'), weight: fc.integer({ min: -5, max: 100 }) }), { minLength: 2, maxLength: 3 })
        .map(split => ({ split })),
    },
  ),
  name: fc.option(fc.constantFrom('a', 'b', 'Bad!'), { nil: undefined, freq: 2 }),
});
const PROPS = [
  'version', 'split', 'matches', 'weight', 'name', 'gateways', 'pattern', 'value', 'match', 'method', 'os', 'claim', 'cookie',
  'RequestMatch.all', 'JWT claim', 'must be unique',
];

describe('HeaderMatchRoute properties', () => {
  test(`accepts valid routes and rejects invalid ones with a message naming the prop (${RUNS} runs)`, () => {
    let acceptedRoutes = 0;
    fc.assert(fc.property(fc.array(route, { minLength: 1, maxLength: 4 }), fc.boolean(), (routes, gatewayOnly) => {
      const chart = Testing.chart();
      const svc = new CanaryService(chart, 'svc', {
        port: 80,
        stable: { version: 'v1', image: 'x' },
        canary: { version: 'v2', image: 'x' },
        extraVersions: [{ version: 'v3', image: 'x' }],
        canaryWeight: 10,
        gateways: gatewayOnly ? ['public'] : undefined,
        includeMesh: !gatewayOnly,
      });
      routes.forEach((r, i) => {
        try {
          new HeaderMatchRoute(chart, `r${i}`, { target: svc, matches: r.matches.map(m => m()), name: r.name, ...r.target });
          acceptedRoutes++;
        } catch (e) {
          expect((e as Error).constructor).toBe(Error);
          expect((e as Error).message).toMatch(/^(HeaderMatchRoute 'r\d+'|RequestMatch\.\w+|StringMatch\.\w+): /);
          const message = (e as Error).message;
          expect(PROPS.some(p => message.includes(p)) ? message : `names no prop: ${message}`).toBe(message);
        }
      });
      synthAccepted(chart);
    }), { numRuns: RUNS });
    expect(acceptedRoutes).toBeGreaterThan(RUNS / 4);
  });
});

const blueGreenBase = fc.record({
  blue: label,
  green: label,
  active: fc.constantFrom(Color.BLUE, Color.GREEN),
  activeReplicas: fc.integer({ min: 1, max: 5 }),
  idleReplicas: fc.integer({ min: 0, max: 5 }),
  preview: fc.boolean(),
  previewHost: fc.boolean(),
  mirror: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  gateways,
  image,
}).filter(c => c.blue !== c.green).map(c => {
  const idleUp = c.idleReplicas > 0;
  const replicas = (color: Color) => (color === c.active ? c.activeReplicas : c.idleReplicas);
  return {
    port: 8080,
    blue: { version: c.blue, image: c.image, replicas: replicas(Color.BLUE) },
    green: { version: c.green, image: c.image, replicas: replicas(Color.GREEN) },
    active: c.active,
    previewMatch: c.preview && idleUp ? RequestMatch.header('x-preview', StringMatch.exact('true')) : undefined,
    previewHost: c.previewHost && idleUp && c.gateways.length > 0 ? 'preview.example.com' : undefined,
    mirrorPercent: idleUp ? c.mirror : undefined,
    gateways: c.gateways,
  };
});

type BlueGreenProps = ConstructorParameters<typeof BlueGreenService>[2];
const blueGreenMutations: Array<fc.Arbitrary<[string[], (p: BlueGreenProps) => BlueGreenProps]>> = [
  fc.constant([['blue and green'], p => ({ ...p, green: { ...p.blue! } })]),
  fc.constantFrom('purple', 'BLUE', '', undefined).map(v => [['active'], p => ({ ...p, active: v as Color })]),
  fc.constant([['active', 'replicas'], p => (p.active === Color.BLUE ? { ...p, blue: { ...p.blue!, replicas: 0 } } : { ...p, green: { ...p.green!, replicas: 0 } })]),
  fc.constant([['previewMatch', 'replicas'], p => ({ ...p, previewMatch: RequestMatch.headerPresent('x-p'), ...idleDown(p) })]),
  fc.constant([['mirrorPercent', 'replicas'], p => ({ ...p, mirrorPercent: 5, ...idleDown(p) })]),
  fc.oneof(fc.integer({ min: 101, max: 1000 }), fc.integer({ max: -1 })).map(v => [['mirrorPercent'], p => ({ ...p, mirrorPercent: v })]),
  fc.constant([['previewHost'], p => ({ ...p, gateways: [], previewHost: 'p.example.com' })]),
  badLabel.map(v => [['version'], p => ({ ...p, green: { ...p.green, version: v } })]),
];

function idleDown(p: BlueGreenProps): Partial<BlueGreenProps> {
  return p.active === Color.BLUE ? { green: { ...p.green!, replicas: 0 } } : { blue: { ...p.blue!, replicas: 0 } };
}

describe('BlueGreenService properties', () => {
  test(`accepts and synthesizes valid configurations (${RUNS} runs)`, () => {
    fc.assert(fc.property(blueGreenBase, props => {
      const chart = Testing.chart();
      new BlueGreenService(chart, 'svc', props);
      synthAccepted(chart);
    }), { numRuns: RUNS });
  });

  test(`rejects invalid configurations naming the prop (${RUNS} runs)`, () => {
    fc.assert(fc.property(blueGreenBase, fc.oneof(...blueGreenMutations), (props, [names, mutate]) => {
      expectRejected(() => new BlueGreenService(Testing.chart(), 'svc', mutate(props)), names);
    }), { numRuns: RUNS });
  });
});

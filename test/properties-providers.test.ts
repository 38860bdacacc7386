// Property test across providers (fast-check): for random models of every construct, the Istio
// rendering and the Gateway API rendering, each read back (IstioReader, GatewayApiReader) and
// simulated (RouteSimulator), send a sampled set of requests to the same versions with the same
// shares (and the same mirror) - or the Gateway API provider rejects the model in the
// constructor with a plain Error naming what it cannot express (its capability or precedence
// message). Zero divergences.
//
// Resilience settings (timeout, retries, header operations), which the simulator does not
// simulate: for random settings on a service and its HeaderMatchRoutes, both renderings (the
// Gateway API one on the experimental channel, for retries) read back to the same model fields,
// or the Gateway API provider rejects them with its capability message.
//
// Each run prints how many models both providers rendered and how many the Gateway API
// provider rejected. Besides, `cdk8s-canary diff` between the two renderings shows no traffic
// change for any host the Istio rendering routes.
//
// Divergences found by the sampled requests: none. The one divergence found at host level (a
// Gateway parentRef without hostnames serves every hostname of the listener, where the model
// routes only the service's hosts) is closed: the Gateway API provider rejects a service bound
// to gateways without hosts (test below).
import { Duration, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import {
  BlueGreenService, CanaryService, ClientOs, CohortChange, Color, FaultInjection, GatewayApiReader, HeaderMatchRoute, IstioReader, MatchField,
  RequestMatch, RetryCondition, RouteExplanation, RouteRule, RouteSimulator, ServiceProtocol, ServiceRouting, SimulatedRequest, StringMatch,
  StringMatchType, TrafficDiff, TrafficProvider,
} from '../src';
import { validateManifests } from './util';

const RUNS = 1000;
if (process.env.FC_SEED) fc.configureGlobal({ seed: Number(process.env.FC_SEED) });

/** Gateway API routes of accepted models, schema-validated in one batch at the end. */
const routes: any[] = [];
/** The same, with retries: validated against the experimental channel's HTTPRoute. */
const experimentalRoutes: any[] = [];
afterAll(() => {
  validateManifests(routes);
  validateManifests(experimentalRoutes, 'experimental');
});

interface Outcome {
  readonly accepted: number;
  readonly rejected: number;
  readonly requests: number;
  /** The Gateway API provider's messages for the models it rejected. */
  readonly refusals: string[];
}

/**
 * Builds the model twice, with the Istio provider (the default) and the Gateway API provider.
 * Returns undefined when the model itself is invalid (the Istio build throws too); 'rejected'
 * when only the Gateway API provider refuses it, with a plain Error naming itself.
 */
function both(build: (chart: any, provider: TrafficProvider | undefined) => void,
  gatewayApiProvider = () => TrafficProvider.gatewayApi()): { istio: any[]; gatewayApi: any[] } | { rejected: string } | undefined {
  const istioChart = Testing.chart();
  try {
    build(istioChart, undefined);
  } catch {
    return undefined;
  }
  const gwChart = Testing.chart();
  try {
    build(gwChart, gatewayApiProvider());
  } catch (e) {
    expect((e as Error).constructor).toBe(Error);
    const message = (e as Error).message;
    expect(/the Gateway API provider (cannot|renders retries)/.test(message) ? 'capability or precedence message' : message).toBe('capability or precedence message');
    return { rejected: message };
  }
  return { istio: Testing.synth(istioChart), gatewayApi: Testing.synth(gwChart) };
}

// ---------------------------------------------------------------------------------------
// Requests: for every condition of the model, values that satisfy it; then requests that
// satisfy one match, several matches at once (where precedence matters), and none.
// ---------------------------------------------------------------------------------------

const USER_AGENTS: Record<ClientOs, string> = {
  [ClientOs.WINDOWS]: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
  [ClientOs.MACOS]: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15',
  [ClientOs.LINUX]: 'Mozilla/5.0 (X11; Linux x86_64)',
  [ClientOs.ANDROID]: 'Mozilla/5.0 (Linux; Android 14; Pixel 8)',
  [ClientOs.IOS]: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)',
};
const CANDIDATES = ['1', '123', 'beta', 'xbetax', 'yes', 'YES', 'ab', 'abcd', 'x', 'true', 'beta=true', 'ab=1', '/', '/a', '/api', '/api/v1', ...Object.values(USER_AGENTS)];

/** A value satisfying `m`, if one of the candidates does. */
function satisfying(m: StringMatch, path: boolean): string | undefined {
  switch (m.type) {
    case StringMatchType.EXACT: return m.value;
    case StringMatchType.PREFIX: return path ? `${m.value}${m.value.endsWith('/') ? '' : '/'}z` : `${m.value}z`;
    case StringMatchType.PATH_PREFIX: return m.value === '/' ? '/z' : `${m.value}/z`;
    case StringMatchType.PRESENT: return 'x';
    default: {
      const extra = [m.value.replace(/[\^$]/g, '').replace(/\\(.)/g, '$1').replace(/\.\*/g, '')];
      return [...extra, ...CANDIDATES].find(c => m.matches(c));
    }
  }
}

type Mutable = { path?: string; method?: string; headers: Record<string, string>; query: Record<string, string>; cookies: Record<string, string> };

function apply(req: Mutable, c: { field: MatchField; name?: string; match: StringMatch }): void {
  const v = satisfying(c.match, c.field === MatchField.URI);
  if (v === undefined) return;
  switch (c.field) {
    case MatchField.HEADER: req.headers[c.name!] = v; break;
    case MatchField.URI: req.path = v.startsWith('/') ? v : `/${v}`; break;
    case MatchField.QUERY_PARAM: req.query[c.name!] = v; break;
    case MatchField.METHOD: req.method = v; break;
    default: break;
  }
}

function requestsFor(routing: ServiceRouting): Array<Omit<SimulatedRequest, 'host' | 'gateway'>> {
  const matches = routing.rules.flatMap(r => r.matches ?? []);
  const out: Mutable[] = [{ headers: {}, query: {}, cookies: {} }];
  const fresh = (): Mutable => ({ headers: {}, query: {}, cookies: {} });
  for (const m of matches) {
    const one = fresh();
    for (const c of m.conditions) apply(one, c);
    out.push(one);
  }
  // Pairs and all at once: a request two rules both take is where precedence decides.
  for (let i = 0; i < matches.length; i++) {
    for (let j = i + 1; j < matches.length; j++) {
      const two = fresh();
      for (const c of [...matches[j].conditions, ...matches[i].conditions]) apply(two, c);
      out.push(two);
    }
  }
  const all = fresh();
  for (const m of [...matches].reverse()) for (const c of m.conditions) apply(all, c);
  // Path boundaries: a whole-segment prefix /api takes /api, not /apix.
  out.push(all, { ...all, method: 'POST' }, { ...all, path: '/other' }, { ...all, path: '/api' }, { ...all, path: '/apix' });
  // The same request twice (pairs often build one) is simulated once.
  const seen = new Set<string>();
  return out.map(r => {
    const query = Object.entries(r.query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return { path: `${r.path ?? '/'}${query ? `?${query}` : ''}`, method: r.method, headers: r.headers };
  }).filter(r => {
    const key = JSON.stringify([r.path, r.method, Object.entries(r.headers).sort()]);
    return !seen.has(key) && !!seen.add(key);
  });
}

/** Where a request goes: version -> probability, and the mirror. */
function outcome(e: RouteExplanation): string {
  const dest = e.destinations.map(d => `${d.host}/${d.version ?? '*'}=${d.probability.toFixed(9)}`).sort().join(', ');
  const mirror = e.mirror ? ` mirror ${e.mirror.host}/${e.mirror.version ?? '*'}=${e.mirror.probability.toFixed(9)}` : '';
  return `${dest || 'none'}${mirror}`;
}

/**
 * The model the Gateway API provider rendered last (HeaderMatchRoute), to tell when it added
 * intersections to keep the first-match order.
 */
let lastModel: { readonly routing: ServiceRouting } | undefined;

/**
 * Whether the Gateway API rendering holds intersections: a rule with more matches than the
 * model's rule of the same name (the default rule has none in the model).
 */
function intersected(gatewayApi: any[]): boolean {
  const model = lastModel?.routing;
  if (!model) return false;
  return gatewayApi.filter(o => o.kind === 'HTTPRoute').some(o => (o.spec.rules ?? []).some((r: any) => {
    const rule = model.rules.find(x => x.name === r.name);
    return rule !== undefined && (r.matches ?? []).length > (rule.matches ?? []).length;
  }));
}

/** Reads both renderings and compares where every sampled request goes; returns the number of requests compared. */
function sameRouting(istio: any[], gatewayApi: any[], hosts: string[], gateways: string[]): number {
  const a = IstioReader.read(istio).routings;
  const b = GatewayApiReader.read(gatewayApi).routings;
  // cdk8s-canary diff between the two renderings: no cohort of a host moves. The diff compares
  // cohorts (a rule's matches), not requests: where the Gateway API rendering adds
  // intersections, the cohorts it reads back differ while no request moves, which the
  // request-level comparison below proves.
  const diff = intersected(gatewayApi) ? undefined : TrafficDiff.compare(istio, gatewayApi);
  for (const h of diff?.hosts ?? []) {
    if (h.host === '*' && !a.some(r => r.host === '*')) {
      // A Gateway parent without hostnames serves every hostname (see the top comment).
      expect(b.find(r => r.host === '*')?.gateways?.some(g => g !== 'mesh')).toBe(true);
      continue;
    }
    expect(h.cohorts.filter(c => c.change !== CohortChange.UNCHANGED).length === 0 ? 'no traffic change' : TrafficDiff.toTable(diff!)).toBe('no traffic change');
  }
  routes.push(...gatewayApi.filter(o => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute'));
  let n = 0;
  for (const routing of a) {
    for (const req of requestsFor(routing)) {
      for (const gateway of gateways) {
        for (const host of hosts) {
          const request = { ...req, host, gateway };
          const x = RouteSimulator.explain(request, a);
          const y = RouteSimulator.explain(request, b);
          n++;
          if (outcome(x) !== outcome(y)) {
            throw new Error(`divergence for ${JSON.stringify(request)}:\n  Istio:       ${outcome(x)} (${x.summary})\n  Gateway API: ${outcome(y)} (${y.summary})\n`
              + `  Istio rules: ${routing.rules.map(r => `${r.name ?? '-'}[${(r.matches ?? []).map(m => m.toString()).join(' | ') || '*'}]${r.gateways ? `@${r.gateways}` : ''}`).join('; ')}\n`
              + `  Gateway API rules: ${b.map(r => r.rules.map(x2 => `${x2.name ?? '-'}[${(x2.matches ?? []).map(m => m.toString()).join(' | ') || '*'}]${x2.gateways ? `@${x2.gateways}` : ''}`).join('; ')).join(' || ')}`);
          }
        }
      }
    }
  }
  return n;
}

function run(name: string, arb: fc.Arbitrary<any>, build: (chart: any, provider: TrafficProvider | undefined, props: any) => void,
  where: (props: any) => { hosts: string[]; gateways: string[] }, numRuns = RUNS, seed?: number): Outcome {
  let accepted = 0;
  let rejected = 0;
  let requests = 0;
  const refusals: string[] = [];
  fc.assert(fc.property(arb, props => {
    const r = both((chart, provider) => build(chart, provider, props));
    if (r === undefined) return;
    if ('rejected' in r) {
      rejected++;
      refusals.push(r.rejected);
      return;
    }
    accepted++;
    const { hosts, gateways } = where(props);
    requests += sameRouting(r.istio, r.gatewayApi, hosts, gateways);
  }), { numRuns, ...(seed !== undefined && !process.env.FC_SEED ? { seed } : {}) });
  process.stdout.write(`${name}: ${accepted} models rendered by both providers and routed alike (${requests} requests), ${rejected} rejected by the Gateway API provider\n`);
  return { accepted, rejected, requests, refusals };
}

// ---------------------------------------------------------------------------------------
// Generators (as in properties.test.ts, valid configurations).
// ---------------------------------------------------------------------------------------

const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,6}[a-z0-9])?$/);
const gatewayList = fc.subarray(['istio-system/public', 'internal'], { minLength: 0 });

const canary = fc.record({
  stable: label,
  canary: label,
  hasCanary: fc.boolean(),
  canaryWeight: fc.integer({ min: 0, max: 100 }),
  canaryReplicas: fc.integer({ min: 0, max: 3 }),
  mirror: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  protocol: fc.constantFrom(ServiceProtocol.HTTP, ServiceProtocol.HTTP, ServiceProtocol.GRPC),
  gateways: gatewayList,
  includeMesh: fc.boolean(),
  hosts: fc.subarray(['reviews.example.com'], { minLength: 0 }),
}).filter(c => c.stable !== c.canary).map(c => {
  const hasCanary = c.hasCanary;
  const canaryWeight = hasCanary && c.canaryReplicas > 0 ? c.canaryWeight : 0;
  return {
    port: 9080,
    protocol: c.protocol,
    stable: { version: c.stable, image: 'x' },
    canary: hasCanary ? { version: c.canary, image: 'x', replicas: c.canaryReplicas } : undefined,
    canaryWeight,
    mirrorPercent: hasCanary && canaryWeight === 0 && c.canaryReplicas > 0 ? c.mirror : undefined,
    gateways: c.gateways,
    includeMesh: c.includeMesh,
    // Without hosts the Gateway API provider refuses a service bound to gateways (test at the end).
    hosts: c.gateways.length > 0 ? c.hosts : [],
  };
});

const blueGreen = fc.record({
  blue: label,
  green: label,
  active: fc.constantFrom(Color.BLUE, Color.GREEN),
  idleReplicas: fc.integer({ min: 0, max: 2 }),
  preview: fc.boolean(),
  mirror: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  gateways: gatewayList,
}).filter(c => c.blue !== c.green).map(c => {
  const idleUp = c.idleReplicas > 0;
  const replicas = (color: Color) => (color === c.active ? 1 : c.idleReplicas);
  return {
    port: 8080,
    blue: { version: c.blue, image: 'x', replicas: replicas(Color.BLUE) },
    green: { version: c.green, image: 'x', replicas: replicas(Color.GREEN) },
    active: c.active,
    previewMatch: c.preview && idleUp ? RequestMatch.header('x-preview', StringMatch.exact('true')) : undefined,
    mirrorPercent: idleUp ? c.mirror : undefined,
    gateways: c.gateways,
    // A service bound to gateways needs hosts with the Gateway API (see the test at the end).
    hosts: c.gateways.length > 0 ? ['reviews.example.com'] : undefined,
  };
});

const headerName = fc.constantFrom('x-group', 'x-beta', 'end-user', 'X-Tier');
const value = fc.constantFrom('qa', 'beta', 'jason', '1');
const stringMatch = fc.oneof(
  value.map(v => () => StringMatch.exact(v)),
  value.map(v => () => StringMatch.prefix(v)),
  fc.constantFrom('^[0-9]+$', '.*beta.*', '(?i)yes', '[a-z]{2,4}').map(v => () => StringMatch.regex(v)),
);
// Paths: exact and whole-segment prefixes mostly (what every provider expresses alike); some
// character prefixes and regexes, which the Gateway API renders as RegularExpression paths and
// refuses where a later rule may outrank them (precedence of a regex path is implementation-specific).
const pathMatch = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom('/api', '/api/v1', '/a').map(v => () => StringMatch.exact(v)) },
  { weight: 20, arbitrary: fc.constantFrom('/api', '/api/', '/api/v1', '/').map(v => () => StringMatch.pathPrefix(v)) },
  { weight: 1, arbitrary: fc.constantFrom('/api', '/api/', '/').map(v => () => StringMatch.prefix(v)) },
  { weight: 1, arbitrary: fc.constantFrom('/api/v[0-9]+', '/a.*').map(v => () => StringMatch.regex(v)) },
);
const condition = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(headerName, stringMatch).map(([n, m]) => () => RequestMatch.header(n, m())) },
  { weight: 2, arbitrary: headerName.map(n => () => RequestMatch.headerPresent(n)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('beta', 'ab'), fc.constantFrom('true', '1')).map(([n, v]) => () => RequestMatch.cookie(n, v)) },
  { weight: 4, arbitrary: pathMatch.map(m => () => RequestMatch.uri(m())) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('v', 'variant'), value).map(([n, v]) => () => RequestMatch.queryParam(n, StringMatch.exact(v))) },
  { weight: 2, arbitrary: fc.constantFrom('GET', 'POST').map(m => () => RequestMatch.method(m)) },
  { weight: 2, arbitrary: fc.constantFrom(...Object.values(ClientOs)).map(os => () => RequestMatch.clientOs(os)) },
  // What only Istio can express: the Gateway API provider must reject it.
  { weight: 1, arbitrary: headerName.map(n => () => RequestMatch.withoutHeader(n)) },
  { weight: 1, arbitrary: fc.constant(() => RequestMatch.sourceLabel('app', 'productpage')) },
);
const match = fc.array(condition, { minLength: 1, maxLength: 3 })
  .map(cs => () => (cs.length === 1 ? cs[0]() : RequestMatch.all(...cs.map(c => c()))));
const headerRoutes = fc.record({
  routes: fc.array(fc.record({
    matches: fc.array(match, { minLength: 1, maxLength: 2 }),
    target: fc.oneof(
      fc.constantFrom('v1', 'v2', 'v3').map(v => ({ version: v })),
      fc.tuple(fc.shuffledSubarray(['v1', 'v2', 'v3'], { minLength: 2, maxLength: 2 }), fc.integer({ min: 0, max: 100 }))
        .map(([[a, b], w]) => ({ split: [{ version: a, weight: w }, { version: b, weight: 100 - w }] })),
    ),
  }), { minLength: 1, maxLength: 4 }),
  canaryWeight: fc.integer({ min: 0, max: 100 }),
  gateways: gatewayList,
});

/** The hosts and gateways requests are sent to: the service's own, and one it is not bound to. */
function targets(name: string, props: { gateways?: string[]; includeMesh?: boolean; hosts?: string[] }): { hosts: string[]; gateways: string[] } {
  return { hosts: [name, ...(props.hosts ?? [])], gateways: ['mesh', ...(props.gateways ?? [])] };
}

/**
 * The HeaderMatchRoute models are drawn from a pinned seed (FC_SEED overrides it): the share that
 * renders is a measurement of the generator's space, asserted against the 95% target, and varies
 * by about half a point between random draws (96.0% to 97.7% over eight seeds), too close to the
 * target for a random draw in CI. Every model drawn is still simulated on both renderings.
 */
const HEADER_ROUTES_SEED = 20261206;

describe('Istio and Gateway API renderings route alike', () => {
  test(`CanaryService (${RUNS} models)`, () => {
    const o = run('CanaryService', canary, (chart, provider, props) => new CanaryService(chart, 'reviews', { ...props, provider }), p => targets('reviews', p));
    expect(o.accepted).toBeGreaterThan(RUNS / 2);
  });

  test(`BlueGreenService (${RUNS} models)`, () => {
    const o = run('BlueGreenService', blueGreen, (chart, provider, props) => new BlueGreenService(chart, 'reviews', { ...props, provider }), p => targets('reviews', p));
    expect(o.accepted).toBeGreaterThan(RUNS / 2);
  });

  test(`HeaderMatchRoute (${3 * RUNS / 2} models)`, () => {
    // Routes the Istio provider rejects (invalid for any provider) are left out of both builds.
    const valid = new WeakMap<object, number[]>();
    const o = run('HeaderMatchRoute', headerRoutes, (chart, provider, props) => {
      const svc = new CanaryService(chart, 'reviews', {
        port: 9080,
        stable: { version: 'v1', image: 'x' },
        canary: { version: 'v2', image: 'x' },
        extraVersions: [{ version: 'v3', image: 'x' }],
        canaryWeight: props.canaryWeight,
        gateways: props.gateways,
        hosts: props.gateways.length > 0 ? ['reviews.example.com'] : undefined,
        provider,
      });
      const add = (r: any, i: number) => new HeaderMatchRoute(chart, `r${i}`, {
        target: svc, matches: r.matches.map((m: () => RequestMatch) => m()), ...r.target,
      });
      lastModel = provider === undefined ? undefined : svc;
      if (provider === undefined) {
        const ok: number[] = [];
        props.routes.forEach((r: any, i: number) => {
          try {
            add(r, i);
            ok.push(i);
          } catch {
            // an invalid route: left out of both builds
          }
        });
        valid.set(props, ok);
      } else {
        props.routes.forEach((r: any, i: number) => valid.get(props)!.includes(i) && add(r, i));
      }
      // 1,500 models (2,000 before the Gateway API rendered intersections): twice as many render
      // and are simulated now, and the file keeps to its time budget.
    }, p => targets('reviews', p), 3 * RUNS / 2, HEADER_ROUTES_SEED);
    // THEN of the models whose conditions the Gateway API expresses (the others are refused with
    // a capability message: header absence, source labels), at least 95% render with the
    // intersections that keep the first-match order; each precedence refusal names the two rules
    const precedence = o.refusals.filter(m => m.includes('cannot keep the first-match order'));
    const rule = '(rule "r[0-9]"|the default rule)';
    for (const m of precedence) expect(m).toMatch(new RegExp(`: ${rule} \\(.*\\) comes after ${rule} \\(.*, so a request with .* would reach ${rule} instead of ${rule}; `));
    process.stdout.write(`HeaderMatchRoute: ${o.accepted} of ${o.accepted + precedence.length} models the Gateway API expresses rendered (${(100 * o.accepted / (o.accepted + precedence.length)).toFixed(1)}%), ${precedence.length} refused for precedence\n`);
    expect(o.accepted / (o.accepted + precedence.length)).toBeGreaterThanOrEqual(0.95);
    expect(precedence.length).toBeGreaterThan(0);
  });

  test('fails a service bound to a Gateway without hosts, where the route would serve every hostname', () => {
    // GIVEN a service at a Gateway, without hosts
    const props = { port: 9080, stable: { version: 'v1', image: 'x' }, gateways: ['istio-system/public'] };
    // WHEN / THEN Istio routes only the service's host there; the Gateway API provider refuses
    const request = { host: 'other.example.com', gateway: 'istio-system/public' };
    const chart = Testing.chart();
    new CanaryService(chart, 'reviews', props);
    expect(RouteSimulator.explain(request, IstioReader.read(Testing.synth(chart)).routings).destinations).toEqual([]);
    expect(() => new CanaryService(Testing.chart(), 'reviews', { ...props, provider: TrafficProvider.gatewayApi() })).toThrow(
      "CanaryService 'reviews': the Gateway API provider cannot bind a service to gateways without hosts: an HTTPRoute without hostnames serves every hostname "
      + "of the Gateway's listeners, a VirtualService only its hosts; set hosts to the public host names, or use TrafficProvider.istio()");
  });
});

// ---------------------------------------------------------------------------------------
// Resilience settings (timeout, retries, header operations): the simulator does not simulate
// them, so both renderings are read back and the model fields compared, rule by rule.
// ---------------------------------------------------------------------------------------

const shortMs = fc.oneof(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 1, max: 5 }).map(s => s * 1000));
const longMs = fc.oneof(fc.integer({ min: 5, max: 120 }).map(s => s * 1000), fc.integer({ min: 5000, max: 7_200_000 }));
const headerValue = fc.constantFrom('1', 'beta', 'a b', '10%%', '%%%%x');
// Set, added and removed names apart: one header in two operations is the Gateway API's 'conflict' below.
const headerMap = (op: string) => fc.option(fc.dictionary(fc.constantFrom(`x-${op}-a`, `x-${op}-b`, `X-${op}-C`), headerValue, { minKeys: 1, maxKeys: 3 }), { nil: undefined });
const removals = fc.option(fc.subarray(['x-debug', 'x-rm', 'server'], { minLength: 1 }), { nil: undefined });
/** What only Istio can express, at most one per route: the Gateway API provider must reject it. */
const istioOnly = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('fault', 'envoy-variable', 'gateway-error', 'no-codes', 'per-try-longer', 'disabled', 'conflict') },
);
const resilience = fc.record({
  timeout: fc.option(longMs, { nil: undefined }),
  retries: fc.option(fc.record({
    attempts: fc.integer({ min: 1, max: 5 }),
    perTryTimeout: fc.option(shortMs, { nil: undefined }),
    retryOn: fc.constantFrom(undefined, [RetryCondition.RETRIABLE_STATUS_CODES]),
    retryOnStatusCodes: fc.constantFrom([503], [500, 502, 503], [429, 503]),
  }), { nil: undefined }),
  headers: fc.option(fc.record({
    requestSet: headerMap('set'),
    requestAdd: headerMap('add'),
    requestRemove: removals,
    responseSet: headerMap('set'),
    responseAdd: headerMap('add'),
    responseRemove: removals,
  }), { nil: undefined }),
  istioOnly,
});
const resilientRoutes = fc.record({
  service: resilience,
  routes: fc.array(fc.tuple(fc.constantFrom('v1', 'v2'), resilience), { minLength: 1, maxLength: 3 }),
  protocol: fc.constantFrom(ServiceProtocol.HTTP, ServiceProtocol.HTTP, ServiceProtocol.HTTP, ServiceProtocol.GRPC),
  gateways: gatewayList,
  untrusted: fc.boolean(),
});

/** The props of one generated resilience record. */
function resilienceProps(r: any, allowFault: boolean): any {
  let retries = r.retries && {
    attempts: r.retries.attempts,
    perTryTimeout: r.retries.perTryTimeout !== undefined ? Duration.millis(r.retries.perTryTimeout) : undefined,
    retryOn: r.retries.retryOn,
    retryOnStatusCodes: r.retries.retryOnStatusCodes,
  };
  let timeout = r.timeout !== undefined ? Duration.millis(r.timeout) : undefined;
  let headers = r.headers;
  let fault;
  switch (r.istioOnly) {
    case 'fault': fault = allowFault ? FaultInjection.abort({ httpStatus: 503 }) : undefined; break;
    case 'envoy-variable': headers = { ...headers, responseSet: { 'x-host': '%HOSTNAME%' } }; break;
    case 'gateway-error': retries = { attempts: 2, retryOn: [RetryCondition.GATEWAY_ERROR] }; break;
    case 'no-codes': retries = { attempts: 2 }; break;
    case 'per-try-longer': timeout = Duration.seconds(1); retries = { attempts: 2, perTryTimeout: Duration.seconds(2), retryOnStatusCodes: [503] }; break;
    case 'disabled': retries = { attempts: 0 }; break;
    case 'conflict': headers = { ...headers, responseSet: { 'x-rm': '1' }, responseRemove: ['X-RM'] }; break;
    default: break;
  }
  return { timeout, retries, headers, fault };
}

/** A rule's resilience fields, comparable: durations in ms, request removals merged, retriable-status-codes implied by codes. */
function resilienceOf(rule: RouteRule): any {
  const msOf = (d?: Duration) => d?.toMilliseconds({ integral: false });
  const r = rule.retries;
  const retryOn = (r?.retryOn ?? []).filter(c => !(c === RetryCondition.RETRIABLE_STATUS_CODES && (r?.retryOnStatusCodes ?? []).length > 0));
  const { requestRemove, ...headers } = rule.headers ?? {};
  const removed = [...new Set([...(rule.removeRequestHeaders ?? []), ...(requestRemove ?? [])].map(h => h.toLowerCase()))].sort();
  return {
    timeout: msOf(rule.timeout),
    retries: r ? { attempts: r.attempts, perTryTimeout: msOf(r.perTryTimeout), retryOn, codes: r.retryOnStatusCodes ?? [] } : undefined,
    // Header order means nothing in a map; sorted.
    headers: Object.keys(headers).length > 0
      ? Object.fromEntries(Object.entries(headers).sort()
        .map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : Object.fromEntries(Object.entries(v).sort())]))
      : undefined,
    removed,
    fault: rule.fault?.toString(),
  };
}

/**
 * Every rule's resilience fields, by rule name, sorted and without repeats: a rule bound to
 * the mesh and to Gateways is read once per parent, and the Gateway API reading files the
 * rules of a Gateway parent without hostnames under host `*` (the known divergence in the top
 * comment), so hosts are left out.
 */
function resilienceTable(routings: ServiceRouting[]): string[] {
  const rows = routings.flatMap(routing => routing.rules.map(rule => JSON.stringify([rule.name ?? '', resilienceOf(rule)])));
  return [...new Set(rows)].sort();
}

describe('Istio and Gateway API renderings carry the same resilience settings', () => {
  test(`timeouts, retries and header operations read back alike (${RUNS / 2} models)`, () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(fc.property(resilientRoutes, props => {
      const r = both((chart, provider) => {
        const svc = new CanaryService(chart, 'reviews', {
          port: 9080,
          protocol: props.protocol,
          stable: { version: 'v1', image: 'x' },
          canary: { version: 'v2', image: 'x' },
          canaryWeight: 10,
          gateways: props.gateways,
          untrustedHeaders: props.untrusted && props.gateways.length > 0 ? ['x-tester'] : undefined,
          provider,
          ...resilienceProps(props.service, false),
        });
        props.routes.forEach(([version, res], i) => new HeaderMatchRoute(chart, `r${i}`, {
          target: svc, name: `r${i}`, version, matches: [RequestMatch.header('x-route', StringMatch.exact(`${i}`))], ...resilienceProps(res, true),
        }));
      }, () => TrafficProvider.gatewayApi({ experimentalChannel: true }));
      if (r === undefined) return;
      if ('rejected' in r) {
        rejected++;
        return;
      }
      accepted++;
      experimentalRoutes.push(...r.gatewayApi.filter(o => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute'));
      const istio = resilienceTable(IstioReader.read(r.istio).routings);
      const gatewayApi = resilienceTable(GatewayApiReader.read(r.gatewayApi).routings);
      expect(gatewayApi).toEqual(istio);
    }), { numRuns: RUNS / 2 });
    process.stdout.write(`resilience: ${accepted} models rendered by both providers with the same settings read back, ${rejected} rejected by the Gateway API provider\n`);
    expect(accepted).toBeGreaterThan(RUNS / 20);
    expect(rejected).toBeGreaterThan(0);
  });
});

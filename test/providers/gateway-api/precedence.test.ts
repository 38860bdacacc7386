// The Gateway API renderer against an independent evaluator of the HTTPRoute spec: for random
// first-match models, either the provider rejects the model (precedence message), or every
// sampled request reaches, under Gateway API precedence, a rule that sends it where the model's
// first matching rule does. RegularExpression paths, whose precedence is implementation-specific,
// are evaluated ranked below PathPrefix, between PathPrefix and Exact, and above Exact.
import { Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import {
  CanaryService, ClientOs, GatewayApiReader, HeaderMatchRoute, IstioReader, RequestMatch, RouteSimulator, SimulatedRequest, StringMatch,
  TrafficProvider,
} from '../../../src';
import { synthValid } from '../../util';

/** Whether an HTTPRouteMatch (JSON) takes a request (spec semantics; regexes match the whole value). */
function gwMatch(m: any, req: any): boolean {
  const path = m.path ?? { type: 'PathPrefix', value: '/' };
  const p = req.path;
  if (path.type === 'Exact' && p !== path.value) return false;
  if (path.type === 'PathPrefix') {
    const v = path.value.replace(/\/$/, '');
    if (!(v === '' || p === v || p.startsWith(v + '/'))) return false;
  }
  if (path.type === 'RegularExpression' && !new RegExp(`^(?:${path.value})$`).test(p)) return false;
  if (m.method && m.method !== req.method) return false;
  for (const h of m.headers ?? []) {
    const v = req.headers[h.name];
    if (v === undefined) return false;
    if (h.type === 'Exact' ? v !== h.value : !new RegExp(`^(?:${h.value})$`).test(v)) return false;
  }
  return true;
}
/** The precedence key: path type, prefix length, method, header and query counts (higher wins). */
function key(m: any, regexRank: number): number[] {
  const path = m.path ?? { type: 'PathPrefix', value: '/' };
  const t = path.type === 'Exact' ? 3 : path.type === 'RegularExpression' ? regexRank : 1;
  return [t, path.type === 'PathPrefix' ? path.value.length : 0, m.method ? 1 : 0, (m.headers ?? []).length, (m.queryParams ?? []).length];
}
/** The rule index the Gateway API picks: the highest precedence key, ties to the first rule. */
function gwRoute(rules: any[], req: any, regexRank: number): number {
  let best = -1;
  let bestKey: number[] | undefined;
  rules.forEach((r, i) => {
    for (const m of r.matches ?? [{}]) {
      if (!gwMatch(m, req)) continue;
      const k = key(m, regexRank);
      const j = bestKey ? k.findIndex((x, n) => x !== bestKey![n]) : 0;
      if (!bestKey || (j >= 0 && k[j] > bestKey[j])) {
        best = i;
        bestKey = k;
      }
    }
  });
  return best;
}

const HEADERS = ['x-a', 'x-b'];
const VALUES = ['1', '2'];
const PATHS = ['/', '/api', '/api/x', '/apix', '/b'];
const cond = fc.oneof(
  fc.record({ h: fc.constantFrom(...HEADERS), v: fc.constantFrom(...VALUES), t: fc.constantFrom('exact', 'prefix', 'regex') }).map(x => x.t === 'exact' ? RequestMatch.header(x.h, StringMatch.exact(x.v)) : x.t === 'prefix' ? RequestMatch.header(x.h, StringMatch.prefix(x.v)) : RequestMatch.header(x.h, StringMatch.regex(`[${x.v}]`))),
  fc.constantFrom(...PATHS).chain(p => fc.constantFrom(RequestMatch.uri(StringMatch.exact(p)), RequestMatch.uri(StringMatch.prefix(p)))),
  fc.constantFrom(RequestMatch.method('GET'), RequestMatch.method('POST')),
);
// RequestMatch.all rejects two conditions on one header or path: keep the first then.
const match = fc.array(cond, { minLength: 1, maxLength: 3 }).map(cs => {
  try {
    return RequestMatch.all(...cs);
  } catch {
    return RequestMatch.all(cs[0]);
  }
});
const rule = fc.record({ matches: fc.array(match, { minLength: 1, maxLength: 2 }), version: fc.constantFrom('v1', 'v2', 'v3') });

test('routes every sampled request where the first-match model does, or rejects the model', () => {
  // GIVEN random rules over two headers, paths (exact, character prefix) and methods
  let accepted = 0;
  fc.assert(fc.property(fc.array(rule, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 100 }), (rules, w) => {
    const chart = Testing.chart();
    let svc: CanaryService;
    try {
      svc = new CanaryService(chart, 'r', { port: 80, stable: { version: 'v1', image: 'a' }, canary: { version: 'v2', image: 'a' }, extraVersions: [{ version: 'v3', image: 'a' }], canaryWeight: w, provider: TrafficProvider.gatewayApi() });
      rules.forEach((r, i) => new HeaderMatchRoute(chart, `r${i}`, { target: svc, matches: r.matches, version: r.version }));
    } catch (e) {
      // WHEN the provider rejects it, it is for the precedence (or a duplicate match, as with Istio)
      if (!/first-match order|twice|same as one of/.test((e as Error).message)) throw e;
      return;
    }
    accepted++;
    // THEN every sampled request goes where the model sends it
    const routing = svc.routing;
    const spec = chart.toJson().find((o: any) => o.kind === 'HTTPRoute').spec;
    const requests = PATHS.flatMap(path => ['GET', 'POST'].flatMap(method => [undefined, ...VALUES, '12'].flatMap(a => [undefined, ...VALUES].map(b => {
      const headers: any = {};
      if (a) headers['x-a'] = a;
      if (b) headers['x-b'] = b;
      return { path, method, headers };
    }))));
    for (const { path, method, headers } of requests) {
      const req = { path, method, headers };
      const model = routing.rules.findIndex(r => !r.matches || r.matches.some(m => m.conditions.every(c => {
        if (c.field === 'uri') return c.match.matches(path);
        if (c.field === 'method') return c.match.matches(method);
        return c.match.matches(headers[c.name!]);
      })));
      for (const rank of [0, 2, 4]) {
        const gw = gwRoute(spec.rules, req, rank);
        const same = JSON.stringify(routing.rules[model].destinations) === JSON.stringify(routing.rules[gw].destinations);
        if (!same) throw new Error(`diverge ${JSON.stringify(req)} model ${model} gw ${gw} rank ${rank}\n${JSON.stringify(spec.rules, null, 1)}`);
      }
    }
  }), { numRuns: 300, seed: 10 });
  // and the test is not vacuous: many models render
  expect(accepted).toBeGreaterThan(50);
});

// ---------------------------------------------------------------------------------------
// Precedence by intersection rules: the examples, each rendered, schema-validated, read
// back and simulated equal to the model (the same model rendered by the Istio provider and
// read back), and the refusals.
// ---------------------------------------------------------------------------------------

type Route = { name: string; matches: RequestMatch[]; version: string };

/** The model rendered by a provider: the CanaryService (v1 stable, v2 at 10%, v3) and its routes. */
function build(routes: Route[], provider?: TrafficProvider): { chart: Chart; svc: CanaryService } {
  const chart = Testing.chart();
  const svc = new CanaryService(chart, 'shop', {
    port: 80, stable: { version: 'v1', image: 'a' }, canary: { version: 'v2', image: 'a' }, extraVersions: [{ version: 'v3', image: 'a' }], canaryWeight: 10, provider,
  });
  for (const r of routes) new HeaderMatchRoute(chart, r.name, { target: svc, ...r });
  return { chart, svc };
}

/** Where a request goes: version -> probability. */
function where(routings: any[], req: Omit<SimulatedRequest, 'host'>): string {
  return RouteSimulator.explain({ host: 'shop', ...req }, routings).destinations.map(d => `${d.version}=${d.probability.toFixed(3)}`).sort().join(',');
}

/**
 * Renders `routes` on the Gateway API (schema-validated) and on Istio, reads both back and
 * checks that every request goes where the model sends it; returns the HTTPRoute's rules.
 */
function renderedAlike(routes: Route[], requests: Array<Omit<SimulatedRequest, 'host'>>): any[] {
  const gw = synthValid(build(routes, TrafficProvider.gatewayApi()).chart);
  const istio = Testing.synth(build(routes).chart);
  const a = IstioReader.read(istio).routings;
  const b = GatewayApiReader.read(gw).routings;
  for (const req of requests) expect([req, where(b, req)]).toEqual([req, where(a, req)]);
  return gw.find((o: any) => o.kind === 'HTTPRoute').spec.rules;
}

const header = (n: string, v: string) => RequestMatch.header(n, StringMatch.exact(v));

describe('Gateway API precedence by intersection rules', () => {
  test('a header cohort before a path rule: the cohort also takes the path, with the Exact path', () => {
    // GIVEN beta testers to v3, then the checkout path to v2
    const routes = [
      { name: 'beta', matches: [header('x-beta', '1')], version: 'v3' },
      { name: 'checkout', matches: [RequestMatch.uri(StringMatch.exact('/checkout'))], version: 'v2' },
    ];
    // WHEN rendered on the Gateway API
    const rules = renderedAlike(routes, [
      { path: '/checkout', headers: { 'x-beta': '1' } }, { path: '/checkout' }, { path: '/', headers: { 'x-beta': '1' } }, { path: '/checkout', headers: { 'x-beta': '2' } },
    ]);
    // THEN beta holds the intersection, whose Exact path outranks checkout's, listed first
    expect(rules.map((r: any) => [r.name, r.matches])).toEqual([
      ['beta', [
        { headers: [{ name: 'x-beta', type: 'Exact', value: '1' }] },
        { headers: [{ name: 'x-beta', type: 'Exact', value: '1' }], path: { type: 'Exact', value: '/checkout' } },
      ]],
      ['checkout', [{ path: { type: 'Exact', value: '/checkout' } }]],
      [undefined, undefined],
    ]);
  });

  test('a method rule after two headers: the two-header rule also takes the method', () => {
    // GIVEN jason on mobile to v3, then every POST to v2
    const routes = [
      { name: 'jason-mobile', matches: [RequestMatch.all(header('end-user', 'jason'), header('x-device', 'mobile'))], version: 'v3' },
      { name: 'writes', matches: [RequestMatch.method('POST')], version: 'v2' },
    ];
    const jason = { 'end-user': 'jason', 'x-device': 'mobile' };
    // WHEN
    const rules = renderedAlike(routes, [
      { method: 'POST', headers: jason }, { method: 'GET', headers: jason }, { method: 'POST' }, { method: 'POST', headers: { 'end-user': 'jason' } },
    ]);
    // THEN jason on mobile keeps its POSTs: the intersection has the method and both headers
    expect(rules[0].matches[1]).toEqual({ headers: [{ name: 'end-user', type: 'Exact', value: 'jason' }, { name: 'x-device', type: 'Exact', value: 'mobile' }], method: 'POST' });
    expect(rules.map((r: any) => r.name)).toEqual(['jason-mobile', 'writes', undefined]);
  });

  test('/api plus a header before /api/health: the intersection has the longer prefix', () => {
    // GIVEN /api for beta testers to v3, then /api/health to v2
    const routes = [
      { name: 'api-beta', matches: [RequestMatch.all(RequestMatch.uri(StringMatch.pathPrefix('/api')), header('x-beta', '1'))], version: 'v3' },
      { name: 'health', matches: [RequestMatch.uri(StringMatch.pathPrefix('/api/health'))], version: 'v2' },
    ];
    // WHEN
    const rules = renderedAlike(routes, [
      { path: '/api/health', headers: { 'x-beta': '1' } }, { path: '/api/health/live', headers: { 'x-beta': '1' } }, { path: '/api/health' },
      { path: '/api', headers: { 'x-beta': '1' } }, { path: '/api/healthz', headers: { 'x-beta': '1' } }, { path: '/apix', headers: { 'x-beta': '1' } },
    ]);
    // THEN api-beta also matches PathPrefix /api/health with the header
    expect(rules[0].matches).toEqual([
      { path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'x-beta', type: 'Exact', value: '1' }] },
      { path: { type: 'PathPrefix', value: '/api/health' }, headers: [{ name: 'x-beta', type: 'Exact', value: '1' }] },
    ]);
  });

  test('an intersection outranked in turn gets its own (the fixpoint)', () => {
    // GIVEN a header, then a path, then the path and a method
    const routes = [
      { name: 'beta', matches: [header('x-beta', '1')], version: 'v3' },
      { name: 'api', matches: [RequestMatch.uri(StringMatch.pathPrefix('/api'))], version: 'v2' },
      { name: 'api-post', matches: [RequestMatch.all(RequestMatch.uri(StringMatch.pathPrefix('/api')), RequestMatch.method('POST'))], version: 'v1' },
    ];
    // WHEN
    const rules = renderedAlike(routes, [
      { path: '/api', method: 'POST', headers: { 'x-beta': '1' } }, { path: '/api', method: 'GET', headers: { 'x-beta': '1' } }, { path: '/api', method: 'POST' }, { path: '/api' },
    ]);
    // THEN beta takes /api, /api with POST; api takes /api with POST
    expect(rules[0].matches).toHaveLength(3);
    expect(rules[1].matches).toHaveLength(2);
  });

  test('two regular expressions on one header: the earlier match keeps its own, with the later one\'s other headers', () => {
    // GIVEN macOS users, then iOS beta testers
    const routes = [
      { name: 'mac', matches: [RequestMatch.clientOs(ClientOs.MACOS)], version: 'v3' },
      { name: 'ios-beta', matches: [RequestMatch.all(RequestMatch.clientOs(ClientOs.IOS), header('x-beta', '1'))], version: 'v2' },
    ];
    const mac = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15';
    const both = `${mac} (iPhone; CPU iPhone OS 17_5 like Mac OS X)`;
    // WHEN / THEN a user agent of both cohorts with the header stays on mac's version
    const rules = renderedAlike(routes, [
      { headers: { 'user-agent': both, 'x-beta': '1' } }, { headers: { 'user-agent': mac, 'x-beta': '1' } }, { headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)', 'x-beta': '1' } },
    ]);
    expect(rules[0].matches[1].headers.map((h: any) => h.name)).toEqual(['user-agent', 'x-beta']);
  });

  test('renders a model accepted before byte for byte as before: no intersection where no later rule outranks', () => {
    // GIVEN rules whose precedence already follows model order
    const routes = [
      { name: 'exact', matches: [RequestMatch.uri(StringMatch.exact('/a'))], version: 'v3' },
      { name: 'jason', matches: [header('end-user', 'jason')], version: 'v2' },
    ];
    // WHEN / THEN one match per rule
    expect(renderedAlike(routes, [{ path: '/a', headers: { 'end-user': 'jason' } }]).map((r: any) => (r.matches ?? []).length)).toEqual([1, 1, 0]);
  });

  test('fails on a character prefix path that a later rule may outrank, naming both rules', () => {
    const routes = [{ name: 'api', matches: [RequestMatch.uri(StringMatch.prefix('/api'))], version: 'v3' }];
    expect(() => build(routes, TrafficProvider.gatewayApi())).toThrow(
      'HeaderMatchRoute \'api\': the Gateway API provider cannot keep the first-match order of the route: the default rule (every request) comes after rule "api" (uri prefix "/api"), '
      + 'but the Gateway API may prefer it (the precedence of a RegularExpression path is implementation-specific), so a request with uri prefix "/api" would reach the default rule instead of rule "api"; '
      + 'use StringMatch.pathPrefix() or StringMatch.exact() for the path (a character prefix renders as a RegularExpression path), or TrafficProvider.istio()');
  });

  test('fails when the intersections would exceed the HTTPRoute CRD\'s 64 matches per rule, naming both rules', () => {
    // GIVEN 40 users, then a two-header rule: each user's match needs an intersection
    const users = Array.from({ length: 40 }, (_, i) => header('end-user', `u${i}`));
    const routes = [
      { name: 'users', matches: users, version: 'v3' },
      { name: 'tier', matches: [RequestMatch.all(header('x-a', '1'), header('x-b', '1'))], version: 'v2' },
    ];
    expect(() => build(routes, TrafficProvider.gatewayApi())).toThrow(
      /^HeaderMatchRoute 'tier': the Gateway API provider cannot keep the first-match order of the route: rule "tier" \(header x-a exact "1" and header x-b exact "1"\) comes after rule "users" \(header end-user exact "u24"\), but the Gateway API may prefer it \(more header matches outrank fewer\), and the intersections that keep the order take at least 65 matches in one route rule, where the HTTPRoute CRD allows 64, so .*; create the more specific routes first, give the routes fewer matches, or use TrafficProvider.istio\(\)$/);
  });

  test('fails when the intersections would exceed the 128 matches per route, naming both rules', () => {
    // GIVEN three rules of 40 users, then a two-header rule
    const users = (k: number) => Array.from({ length: 40 }, (_, i) => header('end-user', `u${k}-${i}`));
    const routes = [
      ...[0, 1, 2].map(k => ({ name: `users${k}`, matches: users(k), version: 'v3' })),
      { name: 'tier', matches: [RequestMatch.all(header('x-a', '1'), header('x-b', '1'))], version: 'v2' },
    ];
    expect(() => build(routes, TrafficProvider.gatewayApi())).toThrow(/rule "tier" .* comes after rule "users0" .* take at least 129 matches in one route, where a route takes at most 128 \(the HTTPRoute CRD's rule on all matches\)/);
  });
});

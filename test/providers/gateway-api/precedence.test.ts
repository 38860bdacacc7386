// The Gateway API renderer against an independent evaluator of the HTTPRoute spec: for random
// first-match models, either the provider rejects the model (precedence message), or every
// sampled request reaches, under Gateway API precedence, a rule that sends it where the model's
// first matching rule does. RegularExpression paths, whose precedence is implementation-specific,
// are evaluated ranked below PathPrefix, between PathPrefix and Exact, and above Exact.
import { Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { CanaryService, HeaderMatchRoute, RequestMatch, StringMatch, TrafficProvider } from '../../../src';

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

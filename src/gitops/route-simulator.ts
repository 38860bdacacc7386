import { describeMatches, describeRule, targetLabel } from './_routing-text';
import { show, validateIntRange, validateNonEmptyString } from '../internal/validation';
import { JWT_CLAIM_HEADER_PREFIX, MESH_GATEWAY, withoutUndefined } from '../model/_util';
import { MatchCondition, MatchField, RequestMatch, StringMatchType } from '../model/request-match';
import { RouteRule, ServiceRouting } from '../model/routing-model';
import { sameGateway, sameHost } from '../reading/hosts';

/** A request to route, as a client or a sidecar sends it. */
export interface SimulatedRequest {
  /**
   * The host the request is for (`reviews`, `reviews.default.svc.cluster.local` or a public
   * host name); a port written in it (`reviews:8080`) is the request's `port` when that is not given.
   */
  readonly host: string;

  /**
   * The port the request is sent to: a route bound to a port (a Gateway listener's, a GAMMA
   * parentRef's `port`, a VirtualService's `match.port`) serves only requests on that port.
   * @default - the port written in `host`; else any port: port-bound rules are taken to hold,
   * the explanation says which port it assumed and lists the answer for each port when it differs
   */
  readonly port?: number;

  /**
   * The namespace of the calling workload, for in-mesh requests: a GAMMA consumer route (an
   * HTTPRoute whose parent is a Service of another namespace) and a VirtualService's
   * `match.sourceNamespace` apply only to clients in their namespace.
   * @default - a client those rules do not name (as a client in the service's own namespace);
   * the explanation lists the answer for each namespace they name when it differs
   */
  readonly sourceNamespace?: string;

  /**
   * The path, with an optional query string (`/api?x=1`); URI matches see the path only.
   * @default '/'
   */
  readonly path?: string;

  /**
   * The HTTP method.
   * @default 'GET'
   */
  readonly method?: string;

  /**
   * Request headers; names are case-insensitive.
   * @default - none
   */
  readonly headers?: { [name: string]: string };

  /**
   * Cookies, sent in the `cookie` header (after any `cookie` given in `headers`).
   * @default - none
   */
  readonly cookies?: { [name: string]: string };

  /**
   * The `user-agent` header (it replaces one given in `headers`).
   * @default - the `user-agent` of `headers`, if any
   */
  readonly userAgent?: string;

  /**
   * The gateway the request enters through, `<namespace>/<name>` or `<name>`; `mesh` for a request from a sidecar.
   * @default 'mesh'
   */
  readonly gateway?: string;

  /**
   * Labels of the calling workload (matched by `sourceLabels`, for in-mesh requests only).
   * @default - none
   */
  readonly sourceLabels?: { [name: string]: string };

  /**
   * Query parameters, besides those of `path` (these win).
   * @default - those of `path`
   */
  readonly queryParams?: { [name: string]: string };

  /**
   * Claims of the request's validated JWT (dotted names for nested claims), matched at gateways only.
   * @default - no JWT
   */
  readonly jwtClaims?: { [claim: string]: string };
}

/** A destination with the probability that a request goes there. */
export interface DestinationProbability {
  /** The host the request goes to. */
  readonly host: string;

  /**
   * The version (subset).
   * @default - any pod of the host
   */
  readonly version?: string;

  /** The probability, from 0 to 1. */
  readonly probability: number;

  /**
   * The `Set-Cookie` the route adds to this destination's responses (sticky sessions), e.g.
   * `canary-reviews=v2; Path=/; HttpOnly`.
   * @default - the route adds none
   */
  readonly setCookie?: string;
}

/** Where a request is routed and why. */
export interface RouteExplanation {
  /** The host of the request. */
  readonly host: string;

  /**
   * The routing that applies (its `host`).
   * @default - no routing applies
   */
  readonly routingHost?: string;

  /**
   * Where that routing comes from (`ServiceRouting.source`).
   * @default - no routing applies, or it has no source
   */
  readonly source?: string;

  /** Whether a rule matched. */
  readonly matched: boolean;

  /**
   * The index of the rule that matched, in `ServiceRouting.rules`.
   * @default - no rule matched
   */
  readonly ruleIndex?: number;

  /**
   * The name of the rule that matched.
   * @default - no rule matched, or it is unnamed
   */
  readonly ruleName?: string;

  /**
   * What the matched rule matches, e.g. `header end-user exact "jason"`, or `every request`.
   * @default - no rule matched
   */
  readonly ruleMatches?: string;

  /**
   * Where the request goes, with probabilities adding up to 1. Empty when Istio answers
   * itself (404 when no rule matches; a redirect or direct response).
   */
  readonly destinations: DestinationProbability[];

  /**
   * Where a copy of the request goes (its response is discarded), with the probability of a
   * copy: the first of `mirrors`.
   * @default - no mirroring
   */
  readonly mirror?: DestinationProbability;

  /**
   * Every mirror of the matched rule (the Gateway API allows several RequestMirror filters, Istio `mirrors`), each with the probability of a copy.
   * @default - no mirroring
   */
  readonly mirrors?: DestinationProbability[];

  /**
   * When the request leaves its port or client namespace open and the answer depends on it,
   * the answer for each value the routing names and for any other, e.g.
   * `port 8080: rule 1 matches (every request): v2 100%`.
   * @default - the answer does not depend on them
   */
  readonly alternatives?: string[];

  /**
   * When the route pins sessions with cookies: the share of new sessions per destination and
   * where returning sessions go, e.g. `new sessions: 90% v1, 10% v2; returning sessions with
   * canary-reviews=v2 stay on v2; v1 sets no cookie, so its sessions are split again on every request`.
   * @default - the route sets no cookie
   */
  readonly sessions?: string;

  /** One line: the rule and the destinations (and `sessions`, when set). */
  readonly summary: string;

  /** Every rule evaluated, in order, with why it did or did not match. */
  readonly trace: string[];
}

/** How many sampled requests went to one destination. */
export interface SampledDestination {
  /** The host. */
  readonly host: string;

  /**
   * The version (subset).
   * @default - any pod of the host
   */
  readonly version?: string;

  /** Number of requests. */
  readonly count: number;

  /** Share of the requests, from 0 to 1. */
  readonly share: number;
}

/** Where `requests` copies of one request went, picked as Envoy picks weighted clusters. */
export interface SampleResult {
  /** The number of requests sent. */
  readonly requests: number;

  /** Counts per destination, in the order of the matched rule's destinations. */
  readonly destinations: SampledDestination[];

  /** Number of copies sent to the mirrors (a request copied to two mirrors counts twice). */
  readonly mirrored: number;

  /** The explanation of the request's routing. */
  readonly explanation: RouteExplanation;
}

interface Prepared {
  readonly host: string;
  readonly path: string;
  readonly method: string;
  readonly headers: Map<string, string>;
  readonly query: Map<string, string>;
  readonly gateway: string;
  readonly sourceLabels: { [name: string]: string };
  readonly claims: { [claim: string]: string };
  /** The port; undefined: any (port-bound rules hold); 0: a port no rule names. */
  readonly port?: number;
  readonly sourceNamespace?: string;
}


/**
 * Routes requests through `ServiceRouting`s with Istio's semantics, offline:
 *
 * - the routing whose hosts include the request's host and that is bound to its gateway applies;
 *   of several, the one with the most specific host (an exact host, then the longest wildcard:
 *   `*.foo.example.com` before `*.example.com` for `x.foo.example.com`), then the first;
 * - its rules are evaluated in order and the first that matches wins; a rule bound to
 *   gateways applies only to requests through them;
 * - a rule matches when any of its matches holds (OR), a match holds when all its
 *   conditions hold (AND);
 * - header names are case-insensitive; a regex must match the whole value (Envoy);
 *   `withoutHeaders` holds when the header is absent or does not match; source labels
 *   hold for in-mesh requests only, JWT claims at gateways only;
 * - weights become probabilities; mirrors are reported beside the destinations;
 * - a port-bound condition holds for a request on that port (any port when the request gives
 *   none: the explanation says which it assumed), a client-namespace condition for an in-mesh
 *   request from that namespace; when the answer depends on what the request leaves open,
 *   `alternatives` gives it for each value.
 *
 * When no routing applies, an in-mesh request goes to any pod of its host (Kubernetes
 * Service load balancing), and a request through a gateway is answered 404 by Istio.
 */
export class RouteSimulator {
  /** Where `request` goes through `routings`, with the rule that matched and why. */
  public static explain(request: SimulatedRequest, routings: ServiceRouting[]): RouteExplanation {
    const req = prepare(request);
    if (!Array.isArray(routings)) throw new Error(`RouteSimulator.explain: routings must be an array of ServiceRouting, got ${show(routings)}`);
    const explanation = route(request, req, routings, true);
    if (explanation.routingHost === undefined) return explanation;
    const routing = routingFor(req, routings)!;
    // What the request leaves open and the routing names: the answer for each value, when it differs.
    const conditions = routing.rules.flatMap(r => (r.matches ?? []).flatMap(m => m.conditions));
    const alternatives: string[] = [];
    const vary = (what: string, values: Array<[string, Prepared]>) => {
      const answers = values.map(([label, variant]) => [label, route(request, variant, routings, true).summary]);
      if (new Set(answers.map(a => a[1])).size > 1) alternatives.push(...answers.map(([label, summary]) => `${what} ${label}: ${summary}`));
    };
    if (req.port === undefined) {
      const ports = [...new Set(conditions.filter(c => c.field === MatchField.PORT).flatMap(c => portsOf(c.match.value)))].sort((a, b) => a - b);
      if (ports.length > 0) vary('port', [...ports.map(p => [String(p), { ...req, port: p }] as [string, Prepared]), ['other', { ...req, port: 0 }]]);
    }
    if (req.sourceNamespace === undefined && req.gateway === MESH_GATEWAY) {
      const namespaces = [...new Set(conditions.filter(c => c.field === MatchField.SOURCE_NAMESPACE).map(c => c.match.value))].sort();
      if (namespaces.length > 0) {
        vary('client namespace', [...namespaces.map(n => [n, { ...req, sourceNamespace: n }] as [string, Prepared]), ['other', req]]);
      }
    }
    if (alternatives.length === 0) return explanation;
    return {
      ...explanation,
      summary: `${explanation.summary} (the answer depends on the ${[req.port === undefined && alternatives.some(a => a.startsWith('port ')) ? 'port' : '',
        alternatives.some(a => a.startsWith('client namespace ')) ? 'client namespace' : ''].filter(x => x).join(' and ')}: see alternatives)`,
      alternatives,
    };
  }

  /**
   * Where `request` goes, as `explain` says, without the words: `summary`, `trace` and
   * `ruleMatches` are empty, and no `alternatives` are worked out. For callers that route many
   * requests and compare only where they go (the migration proof's probes).
   * @internal
   */
  public static _route(request: SimulatedRequest, routings: ServiceRouting[]): RouteExplanation {
    const req = prepare(request);
    if (!Array.isArray(routings)) throw new Error(`RouteSimulator.explain: routings must be an array of ServiceRouting, got ${show(routings)}`);
    return route(request, req, routings, false);
  }

  /**
   * Sends `requests` copies of `request` and counts where they go, choosing among weighted
   * destinations with a seeded pseudo-random generator (the same seed gives the same counts).
   *
   * @param requests number of requests, 1 to 10,000,000
   * @param seed seed of the generator
   */
  public static sample(request: SimulatedRequest, routings: ServiceRouting[], requests: number, seed?: number): SampleResult {
    validateIntRange('RouteSimulator.sample', 'requests', requests, 1, 10_000_000);
    const random = parkMiller(validateIntRange('RouteSimulator.sample', 'seed', seed ?? 1, 0, 2 ** 32 - 1));
    const explanation = RouteSimulator.explain(request, routings);
    const counts = explanation.destinations.map(() => 0);
    let mirrored = 0;
    for (let n = 0; n < requests; n++) {
      const x = random();
      let acc = 0;
      for (let i = 0; i < counts.length; i++) {
        acc += explanation.destinations[i].probability;
        if (x < acc || i === counts.length - 1) {
          counts[i]++;
          break;
        }
      }
      for (const m of explanation.mirrors ?? (explanation.mirror ? [explanation.mirror] : [])) if (random() < m.probability) mirrored++;
    }
    return {
      requests,
      destinations: explanation.destinations.map((d, i) => withoutUndefined({
        host: d.host, version: d.version, count: counts[i], share: counts[i] / requests,
      })),
      mirrored,
      explanation,
    };
  }

  private constructor() {}
}

/** The routing that applies to the request: covering its host, bound to its gateway, the most specific. */
function routingFor(req: Prepared, routings: ServiceRouting[]): ServiceRouting | undefined {
  const forHost = routings.filter(r => [r.host, ...(r.hosts ?? [])].some(h => sameHost(h, req.host)));
  return mostSpecific(forHost.filter(r => boundTo(r, req.gateway)), req.host);
}

/** The port numbers a PORT condition's value names (a number, or `^(80|443)$`). */
function portsOf(value: string): number[] {
  return (value.match(/\d+/g) ?? []).map(Number);
}

/**
 * RouteSimulator.explain for a prepared request, without alternatives; with `text` false, no
 * summary, trace or rule description is written (and no reason a rule does not match is worded).
 */
function route(request: SimulatedRequest, req: Prepared, routings: ServiceRouting[], text: boolean): RouteExplanation {
  const routing = routingFor(req, routings);
  if (!routing) {
    const forHost = !text ? [] : routings.filter(r => [r.host, ...(r.hosts ?? [])].some(h => sameHost(h, req.host)));
    const trace = forHost.map(r => `${r.source ?? r.host}: not bound to gateway ${req.gateway} (bound to ${(r.gateways ?? [MESH_GATEWAY]).join(', ')})`);
    if (req.gateway === MESH_GATEWAY) {
      return {
        host: request.host,
        matched: false,
        destinations: [{ host: req.host, probability: 1 }],
        summary: text ? `no routing for ${req.host} in the mesh: the request goes to any pod of ${req.host}` : '',
        trace,
      };
    }
    return {
      host: request.host,
      matched: false,
      destinations: [],
      summary: text ? `no routing for ${req.host} at gateway ${req.gateway}: Istio answers 404` : '',
      trace,
    };
  }
  const trace: string[] = [];
  for (let i = 0; i < routing.rules.length; i++) {
    const rule = routing.rules[i];
    const why = ruleMatches(rule, req, text);
    if (text) trace.push(`${describeRule(rule, i)} (${describeMatches(rule)}): ${why.ok ? 'matches' : `no, ${why.reason}`}`);
    if (!why.ok) continue;
    const total = rule.destinations.reduce((s, d) => s + Math.max(0, d.weight), 0);
    const destinations = rule.destinations
      .filter(d => (total > 0 ? d.weight > 0 : true))
      .map(d => withoutUndefined({
        host: d.host ?? routing.host,
        version: d.version,
        probability: total > 0 ? d.weight / total : 1 / rule.destinations.length,
        setCookie: setCookieOf(d._responseHeaders),
      }));
    const mirrors = (rule.mirrors ?? (rule.mirror ? [rule.mirror] : [])).filter(m => m.percent > 0).map(m => withoutUndefined({
      host: m.host ?? routing.host, version: m.version || undefined, probability: m.percent / 100,
    }));
    const mirror = mirrors[0];
    const where = !text ? '' : destinations.length === 0
      ? 'no version (Istio answers itself: a redirect, a direct response or a delegation the model does not follow)'
      : destinations.map(d => `${targetLabel(d.version, d.host, routing.host)} ${pct(d.probability)}`).join(', ');
    const mirrored = text && mirrors.length > 0 ? `; mirrored to ${mirrors.map(m => `${targetLabel(m.version, m.host, routing.host)} ${pct(m.probability)}`).join(', ')}` : '';
    const portBound = text && req.port === undefined ? why.match?.conditions.find(c => c.field === MatchField.PORT) : undefined;
    const assumed = portBound ? ` (assuming ${portBound.description}: the request gives none)` : '';
    const sessions = text ? sessionsOf(routing, destinations, req) : undefined;
    return withoutUndefined({
      host: request.host,
      routingHost: routing.host,
      source: routing.source,
      matched: true,
      ruleIndex: i,
      ruleName: rule.name,
      ruleMatches: text ? describeMatches(rule) : '',
      destinations,
      mirror,
      mirrors: mirrors.length > 1 ? mirrors : undefined,
      sessions,
      summary: text ? `${describeRule(rule, i)} matches (${describeMatches(rule)})${assumed}: ${where}${mirrored}${sessions ? `; ${sessions}` : ''}` : '',
      trace,
    });
  }
  return withoutUndefined({
    host: request.host,
    routingHost: routing.host,
    source: routing.source,
    matched: false,
    destinations: [],
    summary: text ? `no rule of ${routing.source ?? routing.host} matches: Istio answers 404` : '',
    trace,
  });
}

/** The literal `set-cookie` value of a destination's added response headers (`%%` is a literal `%`). */
function setCookieOf(headers: { [name: string]: string } | undefined): string | undefined {
  const raw = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'set-cookie')?.[1];
  return raw === undefined ? undefined : raw.replace(/%%/g, '%');
}

/**
 * The sessions note of a routing's rule (`TrafficDiff`'s summary), for a plain request of the
 * routing's host in the mesh; undefined when no destination of the rule sets a cookie.
 * @internal
 */
export function sessionsOfRule(routing: ServiceRouting, rule: RouteRule): string | undefined {
  const total = rule.destinations.reduce((n, d) => n + Math.max(0, d.weight), 0);
  if (total <= 0) return undefined;
  const destinations = rule.destinations.filter(d => d.weight > 0).map(d => withoutUndefined({
    host: d.host ?? routing.host, version: d.version, probability: d.weight / total, setCookie: setCookieOf(d._responseHeaders),
  }));
  return sessionsOf(routing, destinations);
}

/**
 * The sessions note of a sticky split: the share of new sessions, and for each destination
 * whether a request carrying the cookie it sets comes back to it (the first rule it matches
 * sends it there alone). Undefined when no destination sets a cookie.
 */
function sessionsOf(routing: ServiceRouting, destinations: DestinationProbability[], req?: Prepared): string | undefined {
  if (!destinations.some(d => d.setCookie !== undefined)) return undefined;
  const base = req ?? prepare({ host: routing.host });
  const label = (d: { version?: string; host: string }) => targetLabel(d.version, d.host, routing.host);
  const parts = [`new sessions: ${destinations.map(d => `${pct(d.probability)} ${label(d)}`).join(', ')}`];
  for (const d of destinations) {
    const pair = d.setCookie === undefined ? null : /^\s*([^=;\s]+)=([^;]*)/.exec(d.setCookie);
    if (!pair) {
      parts.push(`${label(d)} sets no cookie, so its sessions are split again on every request`);
      continue;
    }
    const cookie = `${pair[1]}=${pair[2].trim()}`;
    const headers = new Map(base.headers);
    headers.set('cookie', [base.headers.get('cookie'), cookie].filter(c => c !== undefined).join('; '));
    const back = routing.rules.find(r => ruleMatches(r, { ...base, headers }, false).ok);
    const live = back ? back.destinations.filter(x => x.weight > 0) : [];
    const same = live.length === 1 && (live[0].host ?? routing.host) === d.host && live[0].version === d.version;
    parts.push(same ? `returning sessions with ${cookie} stay on ${label(d)}` : `returning sessions with ${cookie} are not pinned (split again)`);
  }
  return parts.join('; ');
}

function prepare(r: SimulatedRequest): Prepared {
  const who = 'RouteSimulator';
  if (!r || typeof r !== 'object') throw new Error(`${who}: request must be a SimulatedRequest, got ${show(r)}`);
  const written = validateNonEmptyString(who, 'request.host', r.host).toLowerCase();
  const host = written.replace(/:\d+$/, '');
  const hostPort = written === host ? undefined : Number(written.slice(host.length + 1));
  const port = r.port === undefined ? hostPort : validateIntRange(who, 'request.port', r.port, 1, 65535);
  if (port !== undefined && (port < 1 || port > 65535)) throw new Error(`${who}: the port in request.host must be from 1 to 65535, got ${show(r.host)}`);
  if (hostPort !== undefined && port !== hostPort) throw new Error(`${who}: request.port ${port} differs from the port in request.host ${show(r.host)}; give one`);
  if (r.sourceNamespace !== undefined) validateNonEmptyString(who, 'request.sourceNamespace', r.sourceNamespace);
  const rawPath = r.path ?? '/';
  if (typeof rawPath !== 'string' || !rawPath.startsWith('/')) throw new Error(`${who}: request.path must start with '/', got ${show(rawPath)}`);
  const [path, queryString] = splitOnce(rawPath, '?');
  const query = new Map<string, string>();
  for (const pair of (queryString ?? '').split('&').filter(p => p !== '')) {
    const [k, v] = splitOnce(pair, '=');
    query.set(decode(k), decode(v ?? ''));
  }
  for (const [k, v] of Object.entries(r.queryParams ?? {})) query.set(k, String(v));
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(r.headers ?? {})) headers.set(k.toLowerCase(), String(v));
  const cookies = Object.entries(r.cookies ?? {}).map(([k, v]) => `${k}=${v}`);
  if (cookies.length > 0) headers.set('cookie', [headers.get('cookie'), ...cookies].filter(c => c !== undefined).join('; '));
  if (r.userAgent !== undefined) headers.set('user-agent', r.userAgent);
  return {
    host,
    path,
    method: (r.method ?? 'GET').toUpperCase(),
    headers,
    query,
    gateway: r.gateway ?? MESH_GATEWAY,
    sourceLabels: r.sourceLabels ?? {},
    claims: r.jwtClaims ?? {},
    port,
    sourceNamespace: r.sourceNamespace,
  };
}

/** Whether `rule` matches `req`, the match that holds, and (with `text`) why not. */
function ruleMatches(rule: RouteRule, req: Prepared, text: boolean): { ok: boolean; reason: string; match?: RequestMatch } {
  const gateways = rule.gateways ?? [];
  if (gateways.length > 0 && !gateways.some(g => sameGateway(g, req.gateway))) {
    return { ok: false, reason: text ? `bound to gateway ${gateways.join(', ')}, not ${req.gateway}` : '' };
  }
  const matches = rule.matches ?? [];
  if (matches.length === 0) return { ok: true, reason: '' };
  const reasons: string[] = [];
  for (const m of matches) {
    const failed = firstFailing(m, req, text);
    if (failed === undefined) return { ok: true, reason: '', match: m };
    reasons.push(failed);
  }
  return { ok: false, reason: reasons.join('; ') };
}

/** The first condition of `m` that does not hold, described (with `text`, else ''); `undefined` when all hold. */
function firstFailing(m: RequestMatch, req: Prepared, text: boolean): string | undefined {
  for (const c of m.conditions) {
    if (c.field === MatchField.PORT && req.port === undefined) continue; // any port: assumed to hold
    const value = valueOf(c, req);
    // withoutHeaders inverts the match; for a value match Istio treats a missing header as ""
    // (pilot route.go TranslateRouteMatch), so `regex: .*` does not hold for an absent header.
    const holds = c.field === MatchField.WITHOUT_HEADER
      ? !c.match.matches(c.match.type === StringMatchType.PRESENT ? value : value ?? '')
      : c.match.matches(value);
    if (!holds) return !text ? '' : `${c.description} does not hold (${value === undefined ? 'absent' : `got ${JSON.stringify(value)}`})`;
  }
  return undefined;
}

function valueOf(c: MatchCondition, req: Prepared): string | undefined {
  switch (c.field) {
    case MatchField.HEADER:
    case MatchField.WITHOUT_HEADER:
      if (c.name!.startsWith(JWT_CLAIM_HEADER_PREFIX)) {
        return req.gateway === MESH_GATEWAY ? undefined : req.claims[c.name!.slice(JWT_CLAIM_HEADER_PREFIX.length)];
      }
      return req.headers.get(c.name!);
    case MatchField.URI: return req.path;
    case MatchField.QUERY_PARAM: return req.query.get(c.name!);
    case MatchField.METHOD: return req.method;
    case MatchField.SOURCE_LABEL: return req.gateway === MESH_GATEWAY ? req.sourceLabels[c.name!] : undefined;
    case MatchField.SOURCE_NAMESPACE: return req.gateway === MESH_GATEWAY ? req.sourceNamespace : undefined;
    case MatchField.PORT: return req.port === 0 ? 'another port' : String(req.port);
  }
  return undefined;
}

/**
 * The routing whose host covering `host` is the most specific (Istio's and the Gateway API's
 * rule: an exact host, then the wildcard with the most characters); the first of equals.
 */
function mostSpecific(routings: ServiceRouting[], host: string): ServiceRouting | undefined {
  const specificity = (h: string) => (h === '*' ? 0 : h.startsWith('*') ? h.length : Number.MAX_SAFE_INTEGER);
  let best: ServiceRouting | undefined;
  let bestScore = -1;
  for (const r of routings) {
    const score = Math.max(...[r.host, ...(r.hosts ?? [])].filter(h => sameHost(h, host)).map(specificity));
    if (score > bestScore) [best, bestScore] = [r, score];
  }
  return best;
}

function boundTo(r: ServiceRouting, gateway: string): boolean {
  const gateways = r.gateways && r.gateways.length > 0 ? r.gateways : [MESH_GATEWAY];
  return gateways.some(g => sameGateway(g, gateway));
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function pct(p: number): string {
  return `${Math.round(p * 1000) / 10}%`;
}

/** The Park-Miller "minimal standard" generator: seeded, deterministic, numbers in [0, 1). */
function parkMiller(seed: number): () => number {
  const M = 2147483647;
  let state = (seed % (M - 1)) + 1;
  return () => {
    state = (state * 16807) % M;
    return (state - 1) / (M - 1);
  };
}

// The Gateway API provider (internal): HTTPRoute/GRPCRoute + one Service per version.
import { ApiObject, Lazy } from 'cdk8s';
import { disjoint, expandHttpPrecedence, Expansion, reason, sameAction } from './_intersections';
import { MAX_MATCHES_PER_ROUTE, MAX_MATCHES_PER_RULE, MAX_RULES } from './_limits';
import { gatewayApiMetricSource } from './_metrics';
import { compareMatchPrecedence, grpcMatchPrecedence, MatchPrecedence } from './_precedence';
import { GatewayApiSharedHost } from './_shared-host';
import { GrpcRoute } from './imports/grpcroute-gateway.networking.k8s.io';
import { HttpRoute } from './imports/httproute-gateway.networking.k8s.io';
import { gatewayDuration, grpcMethodOf, literalHeaderValue, mirrorFraction, renderGrpcMatch, renderGrpcRouteSpec, renderHttpRouteSpec, RouteTarget, versionServiceName } from './renderer';
import { OWNED } from '../../internal/owned';
import { fail, show } from '../../internal/validation';
import { JWT_CLAIM_HEADER_PREFIX, MESH_GATEWAY } from '../../model/_util';
import { MatchCondition, MatchField, RequestMatch, StringMatchType } from '../../model/request-match';
import { RetryCondition } from '../../model/resilience';
import { RouteRule } from '../../model/routing-model';
import { ServiceProtocol } from '../../model/service-protocol';
import { TrafficPolicy } from '../../model/traffic-policy';
import { modelled } from '../_modelled-object';
import { ProviderContext, ProviderImpl, ProviderMetrics, RenderedPreview, RenderedRouting, RulePosition, SharedHostContext, SharedHostRenderer } from '../_provider';
import { renderTrafficPolicy, validateTrafficPolicy } from '../istio/_traffic-policy';
import { DestinationRule } from '../istio/imports/networking.istio.io';

/** The label that enrolls a Service in an Istio ambient waypoint. */
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';

/** HTTPRoute/GRPCRoute limits (the v1.6.1 CRDs' maxItems; rules and matches in _limits.ts). */
const MAX_CONDITIONS = 16;
const MAX_HOSTNAMES = 16;
const MAX_HEADER_OPERATIONS = 16;
const MAX_HEADER_NAME = 256;
const MAX_HEADER_VALUE = 4096;

const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;

/** Options of the provider, validated by `TrafficProvider.gatewayApi()`. */
export interface GatewayApiOptions {
  readonly waypoint?: string;
  readonly experimentalChannel: boolean;
}

/** The routes of one service: the main one, and the Gateway one when split. */
interface GatewayRendered extends RenderedRouting {
  gatewayRoute?: ApiObject;
}

/**
 * Renders, after the app's Deployments and Service: one Service `<service>-<version>` per
 * version (the backends; HTTPRoute has no subsets), a DestinationRule per version Service when
 * `trafficPolicy` is set (Istio), and an HTTPRoute (GRPCRoute for gRPC) `<service>` from the
 * routing model, attached to the app's Service (GAMMA) for in-mesh traffic. A service bound to
 * Gateways has `hosts`, which GAMMA routes do not take: the Gateway parents and hostnames go to
 * a second route `<service>-gateway` (or to `<service>` itself with `includeMesh: false`).
 */
export class GatewayApiProvider implements ProviderImpl {
  public readonly displayName = 'the Gateway API provider';

  public constructor(private readonly options: GatewayApiOptions) {}


  public metrics(): ProviderMetrics {
    const waypoint = this.options.waypoint;
    return { source: gatewayApiMetricSource(waypoint), described: `TrafficProvider.gatewayApi()${waypoint ? '' : ' without a waypoint'}` };
  }

  public checkService(who: string, props: { trafficPolicy?: TrafficPolicy; gateways: string[]; hosts: string[]; protocol: ServiceProtocol }): void {
    const p = this.displayName;
    if (props.trafficPolicy) validateTrafficPolicy(who, props.trafficPolicy);
    props.hosts.forEach((h, i) => {
      if (!HOSTNAME.test(h) || h.length > 253) {
        fail(who, `${p} cannot serve hosts[${i}] ${show(h)}: an HTTPRoute hostname is a lower-case DNS name, optionally prefixed with '*.', and no IP address; use a DNS name, or TrafficProvider.istio()`);
      }
    });
    if (props.hosts.length > MAX_HOSTNAMES) {
      fail(who, `${p} cannot serve more than ${MAX_HOSTNAMES} hosts in one route, got ${props.hosts.length}; split the service, or use TrafficProvider.istio()`);
    }
    if (props.hosts.length === 0 && props.gateways.some(g => g !== MESH_GATEWAY)) {
      // An HTTPRoute without hostnames serves every hostname of the Gateway's listeners; a
      // VirtualService bound to a gateway serves only its hosts.
      fail(who, `${p} cannot bind a service to gateways without hosts: an HTTPRoute without hostnames serves every hostname of the Gateway's listeners, a VirtualService only its hosts; set hosts to the public host names, or use TrafficProvider.istio()`);
    }
    if (props.hosts.length > 0 && props.gateways.filter(g => g !== MESH_GATEWAY).length === 0) {
      fail(who, `${p} cannot route further hosts (${props.hosts.join(', ')}) for in-mesh traffic: a GAMMA HTTPRoute is attached to the service's own Service; set gateways to serve them at a Gateway, or use TrafficProvider.istio()`);
    }
  }

  public checkRule(ctx: ProviderContext, rule: RouteRule, what: string, who: string, position: RulePosition): void {
    const p = this.displayName;
    const grpc = ctx.protocol === ServiceProtocol.GRPC;
    const matches = rule.matches ?? [];
    if (matches.length > MAX_MATCHES_PER_RULE) {
      fail(who, `${p} cannot render ${what} with ${matches.length} matches: a route rule takes at most ${MAX_MATCHES_PER_RULE}; split it into several routes, or use TrafficProvider.istio()`);
    }
    for (const m of matches) {
      for (const c of m.conditions) this.checkCondition(c, what, who, grpc);
      const headers = m.conditions.filter(c => c.field === MatchField.HEADER).length;
      const queries = m.conditions.filter(c => c.field === MatchField.QUERY_PARAM).length;
      if (headers > MAX_CONDITIONS || queries > MAX_CONDITIONS) {
        fail(who, `${p} cannot render the match (${m}) of ${what}: a match takes at most ${MAX_CONDITIONS} header and ${MAX_CONDITIONS} query parameter conditions; split it, or use TrafficProvider.istio()`);
      }
    }
    if (rule.mirror) {
      if (grpc && rule.mirror.percent !== 100) {
        fail(who, `${p} cannot mirror ${rule.mirror.percent}% of gRPC traffic: a GRPCRoute RequestMirror filter copies every request; mirror 100, or use TrafficProvider.istio()`);
      }
      if (!Number.isInteger(rule.mirror.percent) && mirrorFraction(rule.mirror.percent) === undefined) {
        fail(who, `${p} cannot mirror ${rule.mirror.percent}% of traffic: the RequestMirror fraction takes at most 6 decimal places of a percent; round mirrorPercent, or use TrafficProvider.istio()`);
      }
    }
    this.checkResilience(rule, what, who, grpc);
    this.checkGateways(ctx, rule, what, who);
    const all = [...position.before, rule, ...position.after];
    for (const group of this.parentGroups(ctx, all)) {
      const inGroup = all.filter(r => appliesTo(r, group, ctx));
      if (inGroup.length > MAX_RULES) {
        fail(who, `${p} cannot render more than ${MAX_RULES} rules in one route, got ${inGroup.length} with ${what}; remove a route, or use TrafficProvider.istio()`);
      }
      const total = inGroup.reduce((n, r) => n + Math.max(1, (r.matches ?? []).length), 0);
      if (total > MAX_MATCHES_PER_ROUTE) {
        fail(who, `${p} cannot render more than ${MAX_MATCHES_PER_ROUTE} matches in one route, got ${total} with ${what}; remove matches, or use TrafficProvider.istio()`);
      }
    }
    this.checkPrecedence(ctx, rule, what, who, position, grpc);
  }

  /**
   * Timeouts, retries, header operations and faults, against what the Gateway API expresses
   * with the same meaning: `timeouts.request` (HTTPRoute only), header modifier filters, the
   * experimental channel's `retry` (status codes only), no fault injection.
   */
  private checkResilience(rule: RouteRule, what: string, who: string, grpc: boolean): void {
    const p = this.displayName;
    const istio = 'or use TrafficProvider.istio()';
    if (rule.fault) {
      fail(who, `${p} cannot inject faults (${rule.fault} on ${what}): the Gateway API has no fault injection filter; remove fault, ${istio}`);
    }
    if (rule.timeout) {
      if (grpc) fail(who, `${p} cannot render timeout on ${what}: a GRPCRoute has no timeouts; remove timeout, ${istio}`);
      const ms = rule.timeout.toMilliseconds({ integral: false });
      if (gatewayDuration(ms) === undefined) {
        fail(who, `${p} cannot render timeout ${ms}ms on ${what}: a Gateway API duration is at most 99999h; shorten it, ${istio}`);
      }
    }
    if (rule.retries) this.checkRetries(rule, what, who, grpc);
    if (rule.headers) this.checkHeaders(rule, what, who);
  }

  private checkRetries(rule: RouteRule, what: string, who: string, grpc: boolean): void {
    const p = this.displayName;
    const istio = 'or use TrafficProvider.istio()';
    const r = rule.retries!;
    if (grpc) fail(who, `${p} cannot render retries on ${what}: a GRPCRoute has no retry policy; remove retries, ${istio}`);
    if (!this.options.experimentalChannel) {
      fail(who, `${p} renders retries on ${what} as the HTTPRoute field retry, which only the Gateway API's experimental channel CRD has; install it and use TrafficProvider.gatewayApi({ experimentalChannel: true }), remove retries, ${istio}`);
    }
    if (r.attempts === 0) {
      fail(who, `${p} cannot disable retries (retries.attempts 0 on ${what}): an HTTPRoute retry takes at least 1 attempt, and without one retries are implementation-specific; remove retries, ${istio}`);
    }
    const inexact = (r.retryOn ?? []).filter(c => c !== RetryCondition.RETRIABLE_STATUS_CODES);
    if (inexact.length > 0) {
      fail(who, `${p} cannot retry on ${inexact.join(', ')} (retries.retryOn of ${what}): an HTTPRoute retry lists status codes only; list the codes in retryOnStatusCodes (e.g. [502, 503, 504] for gateway-error), ${istio}`);
    }
    const codes = r.retryOnStatusCodes ?? [];
    if (codes.length === 0) {
      fail(who, `${p} cannot render retries on ${what} without retryOnStatusCodes: an HTTPRoute retry without codes retries on implementation-specific conditions, not Istio's default ones; set retryOnStatusCodes, ${istio}`);
    }
    const outside = codes.filter(c => c < 400 || c > 599);
    if (outside.length > 0) {
      fail(who, `${p} cannot retry on status ${outside.join(', ')} (retries.retryOnStatusCodes of ${what}): an HTTPRoute retry code is from 400 to 599; remove ${outside.length > 1 ? 'them' : 'it'}, ${istio}`);
    }
    if (r.perTryTimeout) {
      const per = r.perTryTimeout.toMilliseconds({ integral: false });
      if (gatewayDuration(per) === undefined) {
        fail(who, `${p} cannot render retries.perTryTimeout ${per}ms on ${what}: a Gateway API duration is at most 99999h; shorten it, ${istio}`);
      }
      const total = rule.timeout?.toMilliseconds({ integral: false });
      if (total !== undefined && per > total) {
        fail(who, `${p} cannot render retries.perTryTimeout ${per}ms longer than timeout ${total}ms on ${what}: it renders as timeouts.backendRequest, which cannot be longer than timeouts.request; make perTryTimeout at most the timeout, ${istio}`);
      }
    }
  }

  private checkHeaders(rule: RouteRule, what: string, who: string): void {
    const p = this.displayName;
    const istio = 'or use TrafficProvider.istio()';
    const h = rule.headers!;
    for (const prop of ['requestSet', 'requestAdd', 'responseSet', 'responseAdd'] as const) {
      const entries = Object.entries(h[prop] ?? {});
      if (entries.length > MAX_HEADER_OPERATIONS) {
        fail(who, `${p} cannot render ${entries.length} headers in headers.${prop} of ${what}: a header modifier takes at most ${MAX_HEADER_OPERATIONS}; remove some, ${istio}`);
      }
      for (const [name, value] of entries) {
        if (name.length > MAX_HEADER_NAME) fail(who, `${p} cannot render the header name ${show(name)} (headers.${prop} of ${what}): a Gateway API header name has at most ${MAX_HEADER_NAME} characters; shorten it, ${istio}`);
        if (/%(?!%)/.test(value.replace(/%%/g, ''))) {
          fail(who, `${p} cannot render the Envoy variable in headers.${prop}[${JSON.stringify(name)}] ${show(value)} of ${what}: Gateway API header values are literal; use a literal value (%% for '%'), ${istio}`);
        }
        const literal = literalHeaderValue(value);
        if (literal.length < 1 || literal.length > MAX_HEADER_VALUE) {
          fail(who, `${p} cannot render headers.${prop}[${JSON.stringify(name)}] of ${what}: a Gateway API header value has 1 to ${MAX_HEADER_VALUE} characters, got ${literal.length}; change it, ${istio}`);
        }
      }
    }
    const removals: Array<[string, string[]]> = [
      ['removeRequestHeaders and headers.requestRemove', [...new Set([...(rule.removeRequestHeaders ?? []), ...(h.requestRemove ?? [])])]],
      ['headers.responseRemove', [...new Set(h.responseRemove ?? [])]],
    ];
    const ops = (set: object | undefined, add: object | undefined, remove: string[]): string[][] => [
      ...Object.keys(set ?? {}).map(n => ['set', n]), ...Object.keys(add ?? {}).map(n => ['add', n]), ...remove.map(n => ['remove', n]),
    ];
    for (const [side, list] of [['request', ops(h.requestSet, h.requestAdd, removals[0][1])], ['response', ops(h.responseSet, h.responseAdd, removals[1][1])]] as const) {
      const seen = new Map<string, string>();
      for (const [op, name] of list) {
        const first = seen.get(name.toLowerCase());
        if (first !== undefined) {
          fail(who, `${p} cannot ${first} and ${op} ${side} header ${name} on ${what}: the Gateway API does not say which operation of a header modifier wins; keep one operation per header, ${istio}`);
        }
        seen.set(name.toLowerCase(), `${op} ${name}`);
      }
    }
    for (const [prop, names] of removals) {
      if (names.length > MAX_HEADER_OPERATIONS) {
        fail(who, `${p} cannot remove ${names.length} headers (${prop} of ${what}): a header modifier removes at most ${MAX_HEADER_OPERATIONS}; remove fewer, ${istio}`);
      }
      const long = names.find(n => n.length > MAX_HEADER_NAME);
      if (long) fail(who, `${p} cannot render the header name ${show(long)} (${prop} of ${what}): a Gateway API header name has at most ${MAX_HEADER_NAME} characters; shorten it, ${istio}`);
    }
  }

  private checkCondition(c: MatchCondition, what: string, who: string, grpc: boolean): void {
    const p = this.displayName;
    if (c.field === MatchField.HEADER && c.name!.startsWith(JWT_CLAIM_HEADER_PREFIX)) {
      fail(who, `${p} cannot match JWT claims (${c.description} in ${what}); use TrafficProvider.istio() or a header your gateway sets after authentication`);
    }
    switch (c.field) {
      case MatchField.WITHOUT_HEADER:
        fail(who, `${p} cannot match a header's absence or mismatch (${c.description} in ${what}): HTTPRoute header matches cannot be negated; use TrafficProvider.istio(), or match a value of the header`);
      case MatchField.PORT:
      case MatchField.SOURCE_NAMESPACE:
        fail(who, `${p} cannot render ${c.description} (in ${what}) as a match: the Gateway API binds ports and client namespaces through parentRefs; use TrafficProvider.istio()`);
      case MatchField.SOURCE_LABEL:
        fail(who, `${p} cannot match the calling workload's labels (${c.description} in ${what}); use TrafficProvider.istio(), or a header the calling workload sets`);
      case MatchField.METHOD:
        if (grpc) fail(who, `${p} cannot match the HTTP method of gRPC traffic (${c.description} in ${what}): a GRPCRoute matches services and methods; match the path /<service>/<method>, or use TrafficProvider.istio()`);
        return;
      case MatchField.QUERY_PARAM:
        if (grpc) fail(who, `${p} cannot match query parameters of gRPC traffic (${c.description} in ${what}); match a header, or use TrafficProvider.istio()`);
        return;
      case MatchField.URI:
        if (grpc) {
          if (!grpcMethodOf(c.match)) {
            fail(who, `${p} cannot match ${c.description} on gRPC traffic (in ${what}): a GRPCRoute matches an exact path /<service>/<method> or a prefix /<service>/; use one of those, or TrafficProvider.istio()`);
          }
        } else if (c.match.type === StringMatchType.EXACT) {
          const v = c.match.value;
          const bad = !v.startsWith('/') || !PATH_CHARS.test(v) || ['//', '/./', '/../', '%2f', '%2F', '#'].some(s => v.includes(s)) || v.endsWith('/..') || v.endsWith('/.');
          if (bad) {
            fail(who, `${p} cannot match ${c.description} (in ${what}): an Exact path must be an absolute, normalized path ('/' first; no '//', '/./', '/../', '%2f' or '#'); use such a path, StringMatch.regex(), or TrafficProvider.istio()`);
          }
        }
        return;
      default:
        return;
    }
  }

  /** Rules restricted to some gateways render in a second route; only mesh vs Gateways can be told apart. */
  private checkGateways(ctx: ProviderContext, rule: RouteRule, what: string, who: string): void {
    if (!rule.gateways) return;
    const publicGateways = ctx.gateways.filter(g => g !== MESH_GATEWAY);
    const listed = rule.gateways.filter(g => g !== MESH_GATEWAY);
    if (listed.length > 0 && listed.length < publicGateways.length) {
      fail(who, `${this.displayName} cannot restrict ${what} to some of the service's Gateways (${listed.join(', ')} of ${publicGateways.join(', ')}): all Gateway parents of one HTTPRoute share its rules; list all of them or 'mesh' only, or use TrafficProvider.istio()`);
    }
  }

  /** The parent groups of the service: ['mesh'], ['gateways'] or both. */
  private parentGroups(ctx: ProviderContext, _rules: RouteRule[]): Array<'mesh' | 'gateways'> {
    const groups: Array<'mesh' | 'gateways'> = [];
    if (ctx.gateways.length === 0 || ctx.gateways.includes(MESH_GATEWAY)) groups.push('mesh');
    if (ctx.gateways.some(g => g !== MESH_GATEWAY)) groups.push('gateways');
    return groups;
  }

  /**
   * The first-match model against Gateway API precedence. HTTP: the rules of each parent group
   * with the intersections that keep the order (./_intersections.ts), refused when one cannot be
   * written or the CRD's limits would be exceeded. gRPC: for every rule that comes first in the
   * model and every match of each, when the later rule's match may take precedence (it does, or
   * the spec leaves it to the implementation) and both could apply to one request (we cannot
   * prove them disjoint), that request would be routed differently: reject. Sound: if the
   * Gateway API picked a later rule for a request, that rule's match outranks a match of the
   * model's rule that also takes the request.
   */
  private checkPrecedence(ctx: ProviderContext, rule: RouteRule, what: string, who: string, position: RulePosition, grpc: boolean): void {
    const name = (r: RouteRule) => r.name ? `rule ${show(r.name)}` : 'the default rule';
    const describe = (m: RequestMatch | undefined) => m ? `(${m})` : '(every request)';
    const both = (mf: RequestMatch | undefined, ml: RequestMatch | undefined) => [...new Set([mf, ml].flatMap(m => m ? m.conditions.map(c => c.description) : []))].join(' and ') || 'any path';
    if (!grpc) {
      const all = [...position.before, rule, ...position.after];
      for (const group of this.parentGroups(ctx, all)) {
        const c = this.expand(all.filter(r => appliesTo(r, group, ctx))).conflict;
        if (!c) continue;
        const fix = c.kind === 'implementation-specific'
          ? 'use StringMatch.pathPrefix() or StringMatch.exact() for the path (a character prefix renders as a RegularExpression path), or TrafficProvider.istio()'
          : c.kind === 'limit'
            ? 'create the more specific routes first, give the routes fewer matches, or use TrafficProvider.istio()'
            : 'make the two matches disjoint (a condition one has and the other excludes), create the more specific route first, or use TrafficProvider.istio()';
        const detail = c.kind === 'implementation-specific' ? '' : `, and ${c.detail}`;
        fail(who, `${this.displayName} cannot keep the first-match order of ${what}: ${name(c.later)} ${describe(c.laterMatch)} comes after ${name(c.first)} ${describe(c.firstMatch)}, `
          + `but the Gateway API may prefer it (${c.why})${detail}, so a request with ${both(c.firstMatch, c.laterMatch)} would reach ${name(c.later)} instead of ${name(c.first)}; ${fix}`);
      }
      return;
    }
    const prec = (m: RequestMatch | undefined): MatchPrecedence => grpcMatchPrecedence(m ? renderGrpcMatch(m) : {});
    const alts = (r: RouteRule): Array<RequestMatch | undefined> => (r.matches ?? []).length > 0 ? [...r.matches!] : [undefined];
    const check = (first: RouteRule, later: RouteRule) => {
      if (!this.shareParent(ctx, first, later) || sameAction(first, later)) return;
      for (const mf of alts(first)) {
        for (const ml of alts(later)) {
          const order = compareMatchPrecedence(prec(ml), prec(mf));
          if (order !== undefined && order >= 0) continue;
          if (disjoint(mf, ml)) continue;
          const why = order === undefined
            ? 'the precedence of a RegularExpression path is implementation-specific'
            : reason(prec(ml), prec(mf));
          const fix = 'make the two matches disjoint (a condition one has and the other excludes), create the more specific route first, or use TrafficProvider.istio()';
          fail(who, `${this.displayName} cannot keep the first-match order of ${what}: ${name(later)} ${describe(ml)} comes after ${name(first)} ${describe(mf)}, `
            + `but the Gateway API may prefer it (${why}), so a request with ${both(mf, ml)} would reach ${name(later)} instead of ${name(first)}; ${fix}`);
        }
      }
    };
    for (const b of position.before) check(b, rule);
    for (const a of position.after) check(rule, a);
  }

  /** HTTP rules (model order, one parent group) with the intersections that keep the order. */
  private expand(rules: RouteRule[]): Expansion {
    return expandHttpPrecedence(rules, sameAction, { perRule: MAX_MATCHES_PER_RULE, perRoute: MAX_MATCHES_PER_ROUTE });
  }

  private shareParent(ctx: ProviderContext, a: RouteRule, b: RouteRule): boolean {
    return this.parentGroups(ctx, []).some(g => appliesTo(a, g, ctx) && appliesTo(b, g, ctx));
  }

  /**
   * A header match on `cookie` with a RegularExpression and a ResponseHeaderModifier filter on
   * a backendRef: both in the CRDs, their support implementation-specific (Istio has both).
   */
  public checkStickySessions(): void {}

  public render(ctx: ProviderContext): RenderedRouting {
    const waypoint = this.options.waypoint;
    if (waypoint) ctx.service.metadata.addLabel(USE_WAYPOINT_LABEL, waypoint);
    const objects: ApiObject[] = [];
    for (const version of ctx.versions) {
      // `<service>-<version>`, the Deployment's name, whose length the service checks.
      const name = versionServiceName(ctx.name, version);
      const labels: Record<string, string> = { app: ctx.name, service: ctx.name, version };
      if (waypoint) labels[USE_WAYPOINT_LABEL] = waypoint;
      // A literal object with the fields cdk8s-plus gives the app's Service: about half the
      // synth cost of a cdk8s-plus Service (bench/providers.js).
      const svcSpec = {
        ports: [{ name: ctx.portName, port: ctx.port, targetPort: ctx.targetPort }],
        selector: { app: ctx.name, version },
        type: 'ClusterIP',
      };
      const svc = new ModelledService(ctx.scope, `Service-${version}`, { apiVersion: 'v1', kind: 'Service', metadata: { name, labels }, spec: svcSpec });
      svc.model = () => svcSpec;
      OWNED.add(svc);
      if (ctx.argoCdSyncWaves) ctx.wave(svc, 0, true);
      objects.push(svc);
    }
    const trafficPolicy = renderTrafficPolicy(ctx.who, ctx.trafficPolicy);
    if (trafficPolicy) {
      // Istio (ambient waypoints and sidecars) applies a DestinationRule's traffic policy to
      // the destination host: our backends are the per-version Services. No subsets.
      for (const version of ctx.versions) {
        const host = versionServiceName(ctx.name, version);
        const drSpec = { host, trafficPolicy };
        const dr = new ModelledDestinationRule(ctx.scope, `DestinationRule-${version}`, { metadata: { name: host }, spec: drSpec });
        dr.model = () => drSpec;
        OWNED.add(dr);
        if (ctx.argoCdSyncWaves) ctx.wave(dr, 1, true);
        objects.push(dr);
      }
    }
    const rendered: GatewayRendered = { objects, primary: undefined as any };
    const route = this.newRoute(ctx, ctx.protocol === ServiceProtocol.GRPC ? 'GRPCRoute' : 'HTTPRoute', ctx.name, () => this.mainTarget(ctx, rendered), t => this.rulesFor(ctx, t));
    (rendered as any).primary = route;
    objects.push(route);
    return rendered;
  }

  /** A second route for the Gateways, once in-mesh and Gateway traffic need different rules. */
  public ruleAdded(ctx: ProviderContext, rendered: RenderedRouting): void {
    const r = rendered as GatewayRendered;
    if (r.gatewayRoute || !this.needsSplit(ctx)) return;
    const kind = ctx.protocol === ServiceProtocol.GRPC ? 'GRPCRoute' : 'HTTPRoute';
    r.gatewayRoute = this.newRoute(ctx, `Gateway${kind}`, `${ctx.name}-gateway`, () => this.gatewayTarget(ctx), t => this.rulesFor(ctx, t));
  }

  public sharedHost(host: SharedHostContext): SharedHostRenderer {
    return new GatewayApiSharedHost(host);
  }

  public renderPreviewHost(ctx: ProviderContext, _rendered: RenderedRouting, previewHost: string, rule: RouteRule): RenderedPreview {
    if (!HOSTNAME.test(previewHost)) {
      fail(ctx.who, `${this.displayName} cannot serve previewHost ${show(previewHost)}: an HTTPRoute hostname is a lower-case DNS name, optionally prefixed with '*.', and no IP address; use a DNS name, or TrafficProvider.istio()`);
    }
    const gateways = ctx.gateways.filter(g => g !== MESH_GATEWAY);
    const target: RouteTarget = { service: ctx.name, port: ctx.port, mesh: false, gateways, hostnames: [previewHost] };
    const kind = ctx.protocol === ServiceProtocol.GRPC ? 'GRPCRoute' : 'HTTPRoute';
    const route = this.newRoute(ctx, `Preview${kind}`, `${ctx.name}-preview`, () => target, () => [rule]);
    return { route };
  }

  private newRoute(ctx: ProviderContext, id: string, name: string, target: () => RouteTarget, rules: (t: RouteTarget) => RouteRule[]): ApiObject {
    const grpc = ctx.protocol === ServiceProtocol.GRPC;
    const spec = () => {
      const t = target();
      return grpc ? renderGrpcRouteSpec(t, rules(t)) : renderHttpRouteSpec(t, rules(t));
    };
    const route = grpc
      ? new ModelledGrpcRoute(ctx.scope, id, { metadata: { name }, spec: Lazy.any({ produce: spec }) as any })
      : new ModelledHttpRoute(ctx.scope, id, { metadata: { name }, spec: Lazy.any({ produce: spec }) as any });
    route.model = spec;
    OWNED.add(route);
    if (ctx.argoCdSyncWaves) ctx.wave(route, 2, false);
    return route;
  }

  /**
   * Whether the service is bound to the mesh and to Gateways: then it has `hosts` (checkService
   * requires them with Gateways), which a GAMMA route does not take, so the Gateway parents
   * always go to the second route.
   */
  private needsSplit(ctx: ProviderContext): boolean {
    return ctx.gateways.includes(MESH_GATEWAY) && ctx.gateways.some(g => g !== MESH_GATEWAY);
  }

  /** The Service parent when the service is in the mesh (the Gateways then have their own route), else the Gateways. */
  private mainTarget(ctx: ProviderContext, rendered: GatewayRendered): RouteTarget {
    if (rendered.gatewayRoute || !ctx.gateways.some(g => g !== MESH_GATEWAY)) {
      return { service: ctx.name, port: ctx.port, mesh: true, gateways: [], hostnames: [] };
    }
    return this.gatewayTarget(ctx);
  }

  private gatewayTarget(ctx: ProviderContext): RouteTarget {
    return { service: ctx.name, port: ctx.port, mesh: false, gateways: ctx.gateways.filter(g => g !== MESH_GATEWAY), hostnames: [...ctx.hosts] };
  }

  /** The model's rules that apply to a route's parents, in model order. */
  private rulesFor(ctx: ProviderContext, t: RouteTarget): RouteRule[] {
    const groups: Array<'mesh' | 'gateways'> = [];
    if (t.mesh) groups.push('mesh');
    if (t.gateways.length > 0) groups.push('gateways');
    const rules = ctx.routing().rules.filter(r => groups.some(g => appliesTo(r, g, ctx)));
    // A route has one parent group: the mesh, or the Gateways (checkRule expanded the same rules).
    return ctx.protocol === ServiceProtocol.GRPC ? rules : this.expand(rules).rules;
  }
}

function appliesTo(rule: RouteRule, group: 'mesh' | 'gateways', _ctx: ProviderContext): boolean {
  if (!rule.gateways) return true;
  return group === 'mesh' ? rule.gateways.includes(MESH_GATEWAY) : rule.gateways.some(g => g !== MESH_GATEWAY);
}

// Our routes skip the generated classes' key mapping, as the Istio provider's VirtualService does.
const ModelledHttpRoute = modelled(HttpRoute, true);
const ModelledGrpcRoute = modelled(GrpcRoute, true);
const ModelledDestinationRule = modelled(DestinationRule, false);
const ModelledService = modelled(ApiObject, true);

import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { SERVICE_CORES, ServiceCore } from './_service-core';
import { IRoutedService, ServiceProtocol } from './routed-service';
import { OWNED } from '../internal/owned';
import { fail, isDns1035Label, show, validateDns1123Label, validateNonEmptyString, validateUnique } from '../internal/validation';
import { MESH_GATEWAY } from '../model/_util';
import { MatchField, RequestMatch, StringMatch, StringMatchType } from '../model/request-match';
import { RouteRule, ServiceRouting } from '../model/routing-model';
import { HttpRoute } from '../providers/gateway-api/imports/httproute-gateway.networking.k8s.io';
import { renderHttpMatch, renderHttpRouteSpec } from '../providers/gateway-api/renderer';
import { VirtualService } from '../providers/istio/imports/networking.istio.io';
import { renderVirtualServiceSpec, stringMatch } from '../providers/istio/renderer';
import { TrafficProvider } from '../providers/traffic-provider';

/** Props of a `SharedHost`. */
export interface SharedHostProps {
  /**
   * The public host names, e.g. `shop.example.com` (the root VirtualService's `hosts`; with
   * `TrafficProvider.gatewayApi()` the `hostnames` of every service's route for it).
   */
  readonly hosts: string[];

  /**
   * The gateways that serve the hosts, as `<namespace>/<name>` or `<name>`: Istio Gateways,
   * or Gateway API Gateways with `TrafficProvider.gatewayApi()`. `mesh` is not allowed: the
   * services' in-mesh routing stays in their own objects.
   */
  readonly gateways: string[];

  /**
   * The name of the root VirtualService, and the suffix of each service's object for the
   * host (`<service>-<name>`). A DNS-1123 label.
   * @default - the construct id, lower-cased, with other characters than a-z, 0-9 and '-' replaced by '-'
   */
  readonly name?: string;

  /**
   * The routing API; every service added with `addPath` must use the same.
   * @default TrafficProvider.istio()
   */
  readonly provider?: TrafficProvider;
}

interface PathEntry {
  readonly match: StringMatch;
  readonly service: IRoutedService;
  readonly core: ServiceCore;
  /** 1-based index among the paths of its service, in the order they were added. */
  readonly index: number;
  /** The order the path was added in. */
  readonly seq: number;
}

/**
 * One public host whose paths lead to different services, each releasing on its own: a shop
 * sends `/orders` to orders and `/cart` to cart.
 *
 * Each service keeps its own versions, release state (weights, cohorts, mirror) and in-mesh
 * routing; at the shared host its rules apply to its paths only (each rule's matches ANDed
 * with the paths). A release stage of one service changes no object of another service.
 *
 * Istio: a root VirtualService `<name>` for the hosts at the gateways, one rule per path
 * delegating to a VirtualService without hosts (`<service>-<name>` for the service's first
 * path, `<service>-<name>-2`... for further ones), which holds the service's rules narrowed
 * to that path (Istio drops a delegate rule with a match outside the root rule's). Gateway API: one HTTPRoute `<service>-<name>` per service, attached to
 * the Gateways with the shared hostnames, whose rules are restricted to the service's paths;
 * the Gateway's precedence merges them.
 *
 * Paths: `StringMatch.exact('/productpage')`, `StringMatch.prefix('/static')` (a path-segment
 * prefix in both providers: `/static` and `/static/...`, not `/staticfoo`) or
 * `StringMatch.regex(...)`. Exact paths come first, then prefixes longest first, then
 * regexes in the order they were added, so a longer or exact path is never hidden by a
 * shorter prefix; the Gateway API's own precedence gives the same order for exact and prefix
 * paths, while the precedence of a regex is implementation-specific: a regex path that may
 * overlap another path gets a warning.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#httproutematch
 */
export class SharedHost extends Construct {
  /** The name of the root VirtualService and the suffix of each service's object for the host. */
  public readonly name: string;
  /** The public host names. */
  public readonly hosts: string[];
  /** The gateways that serve them. */
  public readonly gateways: string[];

  private readonly provider: TrafficProvider;
  private readonly who: string;
  private readonly entries: PathEntry[] = [];
  private readonly objects = new Map<string, ApiObject>();
  private root?: ApiObject;
  private readonly warningList: string[] = [];

  public constructor(scope: Construct, id: string, props: SharedHostProps) {
    super(scope, id);
    this.who = `SharedHost '${id}'`;
    const who = this.who;
    if (!props || typeof props !== 'object') fail(who, `props must be SharedHostProps, got ${show(props)}`);
    if (props.name !== undefined) {
      this.name = validateDns1123Label(who, 'name', props.name);
    } else {
      const derived = id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
      if (!isDns1035Label(derived)) fail(who, `name is not set and the id ${show(id)} does not give a DNS-1123 label (got ${show(derived)}); set name`);
      this.name = derived;
    }
    if (!Array.isArray(props.hosts) || props.hosts.length === 0) fail(who, `hosts must list at least one host name, got ${show(props.hosts)}`);
    this.hosts = props.hosts.map((h, i) => validateNonEmptyString(who, `hosts[${i}]`, h));
    validateUnique(who, 'hosts', this.hosts, h => h);
    if (!Array.isArray(props.gateways) || props.gateways.length === 0) fail(who, `gateways must list at least one gateway, got ${show(props.gateways)}`);
    props.gateways.forEach((g, i) => {
      if (g === MESH_GATEWAY) fail(who, `gateways[${i}] is '${MESH_GATEWAY}', but a SharedHost serves gateways only (each service's in-mesh routing stays in its own objects); remove it`);
      if (typeof g !== 'string' || !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(g)) {
        fail(who, `gateways[${i}] must be a gateway name or '<namespace>/<name>', got ${show(g)}`);
      }
    });
    this.gateways = [...props.gateways];
    validateUnique(who, 'gateways', this.gateways, g => g);
    const provider = props.provider ?? TrafficProvider.istio();
    if (!(provider instanceof TrafficProvider)) fail(who, `provider must be TrafficProvider.istio() or TrafficProvider.gatewayApi(), got ${show(provider)}`);
    this.provider = provider;
  }

  /**
   * Sends the requests whose path matches `match` to `service` (several paths may lead to
   * one service). Throws when the path is not allowed, when another service has the same
   * path, or when the service uses another provider or lists a shared host itself.
   *
   * @param match the path: `StringMatch.exact('/login')`, `StringMatch.prefix('/static')` (the
   * path-segment prefix: `/static` and `/static/...`) or `StringMatch.regex('/api/v[0-9]+/.*')`
   * @param service the service (a `CanaryService` or `BlueGreenService`)
   */
  public addPath(match: StringMatch, service: IRoutedService): void {
    const who = this.who;
    if (!(match instanceof StringMatch)) fail(who, `addPath: match must be a StringMatch (exact, prefix or regex), got ${show(match)}`);
    const core = service ? SERVICE_CORES.get(service as Construct) : undefined;
    if (!core) fail(who, `addPath: service must be a CanaryService or a BlueGreenService, got ${show(service?.node?.path ?? service)}`);
    const path = `${match}`;
    if (match.type === StringMatchType.PRESENT) fail(who, `addPath: the path must be exact, prefix or regex, got ${path}`);
    if (match.type !== StringMatchType.REGEX && !match.value.startsWith('/')) {
      fail(who, `addPath: the path ${path} of ${core.who} must start with '/'`);
    }
    if (match.type === StringMatchType.PREFIX && match.value !== '/' && match.value.endsWith('/')) {
      fail(who, `addPath: the prefix path ${path} of ${core.who} ends with '/'; a prefix path is a path-segment prefix, so write StringMatch.prefix(${show(match.value.replace(/\/+$/, ''))}), which matches it and everything below it`);
    }
    const ctx = core.context;
    if (core.provider.displayName !== this.provider._impl.displayName) {
      fail(who, `addPath: ${core.who} uses ${core.provider.displayName} but the SharedHost uses ${this.provider._impl.displayName}; give both the same provider`);
    }
    if (ctx.protocol === ServiceProtocol.GRPC) {
      fail(who, `addPath: ${core.who} serves gRPC, which a SharedHost does not route yet; attach HTTP services only`);
    }
    const listed = ctx.hosts.filter(h => this.hosts.includes(h));
    if (listed.length > 0) {
      fail(who, `addPath: ${core.who} lists the shared host ${show(listed[0])} in its own hosts; remove it from the service's hosts, the SharedHost serves it`);
    }
    const same = this.entries.find(e => e.match.type === match.type && e.match.value === match.value);
    if (same) {
      fail(who, same.core === core
        ? `addPath: the path ${path} already leads to ${core.who}; add it once`
        : `addPath: the path ${path} leads to both ${same.core.who} and ${core.who}; give each path one service`);
    }
    this.checkRules(core);
    for (const other of this.entries) {
      const regex = match.type === StringMatchType.REGEX || other.match.type === StringMatchType.REGEX;
      if (other.core !== core && regex && mayOverlap(match, other.match)) {
        this.warningList.push(`${who}: the regex path ${match.type === StringMatchType.REGEX ? path : `${other.match}`} may overlap ${match.type === StringMatchType.REGEX ? `${other.match}` : path} `
          + `(${core.who} and ${other.core.who}); regex paths come after exact and prefix paths with Istio, and the Gateway API leaves their precedence to the implementation; make the paths disjoint`);
      }
    }
    for (const w of this.warningList) {
      if (!this.node.metadata.some(m => m.data === w)) this.node.addMetadata('warning', w);
    }
    const index = this.entries.filter(e => e.core === core).length + 1;
    const entry: PathEntry = { match, service, core, index, seq: this.entries.length };
    this.entries.push(entry);
    this.render(entry);
  }

  /**
   * The routing at the shared host as one first-match model (for the simulator and
   * `explain`): each path in order, with its service's rules ANDed with the path.
   * Destinations name their service's host.
   */
  public get routing(): ServiceRouting {
    const rules: RouteRule[] = [];
    for (const e of this.ordered()) {
      for (const r of this.serviceRules(e.core, [e])) rules.push(r);
    }
    return { host: this.hosts[0], hosts: this.hosts.slice(1), gateways: [...this.gateways], versions: [], rules };
  }

  /**
   * Warnings about the paths (a regex path that may overlap another path), also recorded as
   * `warning` metadata on the construct node.
   */
  public get warnings(): string[] {
    return [...this.warningList];
  }

  /** The routing objects rendered so far: the root VirtualService (Istio), then one object per service. */
  public get routingObjects(): ApiObject[] {
    return [...(this.root ? [this.root] : []), ...this.objects.values()];
  }

  /** Paths in first-match order: exact, then prefixes longest first, then regexes as added. */
  private ordered(): PathEntry[] {
    const rank = (e: PathEntry) => e.match.type === StringMatchType.EXACT ? 0 : e.match.type === StringMatchType.PREFIX ? 1 : 2;
    return [...this.entries].sort((a, b) => rank(a) - rank(b)
      || (rank(a) === 1 ? b.match.value.length - a.match.value.length : 0)
      || a.seq - b.seq);
  }

  /** A service's rules that reach the shared host's gateways, their matches ANDed with `paths`. */
  private serviceRules(core: ServiceCore, paths: PathEntry[]): RouteRule[] {
    const out: RouteRule[] = [];
    for (const rule of this.reaching(core)) {
      const alternatives: Array<RequestMatch | undefined> = (rule.matches ?? []).length > 0 ? [...rule.matches!] : [undefined];
      const matches: RequestMatch[] = [];
      for (const p of paths) {
        for (const pm of pathMatches(p.match)) {
          for (const m of alternatives) matches.push(m ? RequestMatch.all(pm, m) : pm);
        }
      }
      const destinations = rule.destinations.map(d => ({ ...d, host: d.host ?? core.name }));
      const mirror = rule.mirror ? { ...rule.mirror, host: rule.mirror.host ?? core.name } : undefined;
      out.push({ ...rule, gateways: undefined, matches, destinations, mirror });
    }
    return out;
  }

  /** The service's rules that apply at the shared host's gateways (not those for in-mesh traffic only). */
  private reaching(core: ServiceCore): RouteRule[] {
    return core.routing().rules.filter(rule => !rule.gateways || rule.gateways.some(g => this.gateways.includes(g)));
  }

  /** Rules that match the path cannot be narrowed to the service's paths. */
  private checkRules(core: ServiceCore): void {
    for (const rule of core.routing().rules) {
      const uri = (rule.matches ?? []).flatMap(m => m.conditions).find(c => c.field === MatchField.URI);
      if (uri) {
        fail(this.who, `${core.who} has rule ${show(rule.name ?? '(unnamed)')} matching the path (${uri.description}), which a SharedHost cannot narrow to the service's paths yet; match headers, or route that path with its own addPath`);
      }
    }
  }

  private pathsOf(core: ServiceCore): PathEntry[] {
    return this.ordered().filter(e => e.core === core);
  }

  /** The name of the delegate VirtualService of a path: `<service>-<name>`, then `-2`, `-3`... for a service's further paths. */
  private delegateName(e: PathEntry): string {
    return `${e.core.name}-${this.name}${e.index > 1 ? `-${e.index}` : ''}`;
  }

  private render(entry: PathEntry): void {
    const core = entry.core;
    if (this.provider.name === 'istio') {
      // Istio merges a root rule's matches with each delegate rule's, and drops the delegate
      // rule when one of its matches lies outside every root match: one delegate per path,
      // whose rules are narrowed to that path.
      this.root ??= this.renderRoot();
      const spec = () => {
        this.checkRules(core);
        return { http: renderVirtualServiceSpec({ host: core.name, versions: [], rules: this.serviceRules(core, [entry]) }).http };
      };
      const vs = modelledObject(this, `VirtualService-${core.name}-${entry.index}`, VirtualService.GVK, this.delegateName(entry), spec);
      vs.addDependency(core.rendered.primary);
      this.objects.set(`${core.name}-${entry.index}`, vs);
      return;
    }
    if (this.objects.has(core.name)) return;
    const target = { service: core.name, port: core.context.port, mesh: false, gateways: this.gateways, hostnames: this.hosts };
    const spec = () => {
      this.checkRules(core);
      const own = this.reaching(core);
      const base = renderHttpRouteSpec(target, own.map(r => ({ ...r, gateways: undefined, matches: undefined })));
      const rules = own.map((r, i) => ({ ...base.rules![i], matches: this.gatewayMatches(core, r) }));
      this.checkGatewayLimits(core, rules);
      return { ...base, rules };
    };
    const route = modelledObject(this, `HTTPRoute-${core.name}`, HttpRoute.GVK, `${core.name}-${this.name}`, spec);
    route.addDependency(core.rendered.primary);
    this.objects.set(core.name, route);
  }

  /**
   * The Gateway API's limits on one HTTPRoute (its CRD rejects more): 16 rules, 64 matches per
   * rule, 127 in all. A service's paths multiply the matches of each of its rules.
   */
  private checkGatewayLimits(core: ServiceCore, rules: Array<{ matches: unknown[] }>): void {
    const paths = this.pathsOf(core).length;
    const name = `${core.name}-${this.name}`;
    const p = 'the Gateway API provider';
    if (rules.length > 16) {
      fail(this.who, `${p} cannot render HTTPRoute ${name} with ${rules.length} rules for ${core.who}: a route takes at most 16; remove routes of the service, or use TrafficProvider.istio()`);
    }
    rules.forEach((r, i) => {
      if (r.matches.length > 64) {
        fail(this.who, `${p} cannot render rule ${i} of HTTPRoute ${name} with ${r.matches.length} matches (${paths} paths times ${r.matches.length / paths} matches of ${core.who}): `
          + 'a route rule takes at most 64; give the service fewer paths or its routes fewer matches, or use TrafficProvider.istio()');
      }
    });
    const total = rules.reduce((n, r) => n + r.matches.length, 0);
    if (total > 127) {
      fail(this.who, `${p} cannot render HTTPRoute ${name} with ${total} matches in all (${paths} paths times the matches of ${core.who}'s rules): a route takes at most 127; `
        + 'give the service fewer paths or its routes fewer matches, or use TrafficProvider.istio()');
    }
  }

  /**
   * The HTTPRouteMatches of a service rule narrowed to its service's paths: the path renders
   * natively (a prefix as PathPrefix, whose path-segment semantics are the SharedHost's), the
   * rest as the Gateway API provider renders it.
   */
  private gatewayMatches(core: ServiceCore, rule: RouteRule): any[] {
    const alternatives: Array<RequestMatch | undefined> = (rule.matches ?? []).length > 0 ? [...rule.matches!] : [undefined];
    return this.pathsOf(core).flatMap(e => alternatives.map(m => ({ path: gatewayPath(e.match), ...(m ? renderHttpMatch(m) : {}) })));
  }

  private renderRoot(): ApiObject {
    const spec = () => ({
      hosts: [...this.hosts],
      gateways: [...this.gateways],
      http: this.ordered().map(e => ({
        name: `${e.core.name}-${e.index}`,
        match: pathMatches(e.match).map(m => ({ uri: stringMatch(m.conditions[0].match) })),
        delegate: { name: this.delegateName(e) },
      })),
    });
    return modelledObject(this, 'VirtualService', VirtualService.GVK, this.name, spec);
  }
}

/**
 * The model matches of a path: a prefix is a path-segment prefix, `/static` matching
 * `/static` and `/static/...` (the Gateway API's PathPrefix); `/` matches every path.
 */
function pathMatches(m: StringMatch): RequestMatch[] {
  if (m.type === StringMatchType.PREFIX && m.value !== '/') {
    return [RequestMatch.uri(StringMatch.exact(m.value)), RequestMatch.uri(StringMatch.prefix(`${m.value}/`))];
  }
  return [RequestMatch.uri(m)];
}

/** The Gateway API path of a SharedHost path. */
function gatewayPath(m: StringMatch): { type: string; value: string } {
  switch (m.type) {
    case StringMatchType.EXACT: return { type: 'Exact', value: m.value };
    case StringMatchType.PREFIX: return { type: 'PathPrefix', value: m.value };
    default: return { type: 'RegularExpression', value: m.value };
  }
}

/** Whether a regex path may share requests with another path (sampled; two regexes always may). */
function mayOverlap(a: StringMatch, b: StringMatch): boolean {
  if (a.type === StringMatchType.REGEX && b.type === StringMatchType.REGEX) return true;
  const [regex, other] = a.type === StringMatchType.REGEX ? [a, b] : [b, a];
  const samples = other.type === StringMatchType.EXACT ? [other.value] : [other.value, `${other.value.replace(/\/$/, '')}/`, `${other.value.replace(/\/$/, '')}/x`, `${other.value.replace(/\/$/, '')}/x/y.z`];
  return samples.some(s => regex.matches(s));
}

/** A routing object whose spec is produced at synth; RoutingAnalyzer reads it from the model. */
function modelledObject(scope: Construct, id: string, gvk: { apiVersion: string; kind: string }, name: string, spec: () => any): ApiObject {
  const o = new ModelledObject(scope, id, { ...gvk, metadata: { name }, spec: Lazy.any({ produce: spec }) });
  o.model = spec;
  OWNED.add(o);
  return o;
}

class ModelledObject extends ApiObject {
  public model: () => any = () => undefined;
  /** @internal */
  public _analysisJson(): any {
    return { apiVersion: this.apiVersion, kind: this.kind, metadata: { name: this.name, namespace: this.metadata.namespace }, spec: this.model() };
  }
}

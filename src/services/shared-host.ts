import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { SERVICE_CORES, ServiceCore } from './_service-core';
import { IRoutedService } from './routed-service';
import { checkArrayProps, checkProps } from '../internal/props';
import { fail, isDns1035Label, show, validateDns1123Label, validateHost, validateUnique } from '../internal/validation';
import { pathMatches } from '../model/_paths';
import { MESH_GATEWAY } from '../model/_util';
import { MatchField, RequestMatch, StringMatch, StringMatchType } from '../model/request-match';
import { RouteRule, ServiceRouting } from '../model/routing-model';
import { ServiceProtocol } from '../model/service-protocol';
import { ProviderContext, SharedHostContext, SharedHostPath, SharedHostRenderer } from '../providers/_provider';
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
   * The routing API (`TrafficProvider.istio()` or `TrafficProvider.gatewayApi()`); every service
   * added with `addPath` must use the same.
   * @default TrafficProvider.istio()
   */
  readonly provider?: TrafficProvider;
}

interface PathEntry extends SharedHostPath {
  readonly construct: IRoutedService;
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
  private readonly renderer: SharedHostRenderer;
  private readonly warningList: string[] = [];

  public constructor(scope: Construct, id: string, props: SharedHostProps) {
    super(scope, id);
    this.who = `SharedHost '${id}'`;
    const who = this.who;
    if (!props || typeof props !== 'object') fail(who, `props must be SharedHostProps, got ${show(props)}`);
    checkArrayProps(who, 'SharedHostProps', props);
    if (props.name !== undefined) {
      this.name = validateDns1123Label(who, 'name', props.name);
    } else {
      const derived = id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
      if (!isDns1035Label(derived)) fail(who, `name is not set and the id ${show(id)} does not give a DNS-1123 label (got ${show(derived)}); set name`);
      this.name = derived;
    }
    if (!Array.isArray(props.hosts) || props.hosts.length === 0) fail(who, `hosts must list at least one host name, got ${show(props.hosts)}`);
    this.hosts = props.hosts.map((h, i) => validateHost(who, `hosts[${i}]`, h));
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
    const impl = provider._impl;
    if (!impl.sharedHost) {
      fail(who, `${impl.displayName} cannot serve a SharedHost: its routing has no gateways to share a host at; use TrafficProvider.istio() or TrafficProvider.gatewayApi()`);
    }
    this.renderer = impl.sharedHost(this.hostContext());
    // Last: the validators above give the more specific messages; this catches what they ignore.
    checkProps(who, 'SharedHostProps', props);
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
    // A SharedHost prefix is a path-segment prefix already: StringMatch.pathPrefix() is the same.
    if (match.type === StringMatchType.PATH_PREFIX) return this.addPath(StringMatch.prefix(match.value), service);
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
    const entry: PathEntry = { match, construct: service, core, service: core.context, index, seq: this.entries.length };
    this.entries.push(entry);
    this.renderer.addPath(entry);
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
    return this.renderer.objects;
  }

  /** What the provider is told about this host. */
  private hostContext(): SharedHostContext {
    const coreOf = (service: ProviderContext) => this.entries.find(e => e.service === service)!.core;
    return {
      scope: this,
      who: this.who,
      name: this.name,
      hosts: this.hosts,
      gateways: this.gateways,
      ordered: () => this.ordered(),
      pathsOf: service => this.pathsOf(coreOf(service)),
      reaching: service => this.reaching(coreOf(service)),
      serviceRules: (service, paths) => this.serviceRules(coreOf(service), paths),
      checkRules: service => this.checkRules(coreOf(service)),
      primaryOf: service => coreOf(service).rendered.primary,
    };
  }

  /** Paths in first-match order: exact, then prefixes longest first, then regexes as added. */
  private ordered(): PathEntry[] {
    const rank = (e: PathEntry) => e.match.type === StringMatchType.EXACT ? 0 : e.match.type === StringMatchType.PREFIX ? 1 : 2;
    return [...this.entries].sort((a, b) => rank(a) - rank(b)
      || (rank(a) === 1 ? b.match.value.length - a.match.value.length : 0)
      || a.seq - b.seq);
  }

  /** A service's rules that reach the shared host's gateways, their matches ANDed with `paths`. */
  private serviceRules(core: ServiceCore, paths: SharedHostPath[]): RouteRule[] {
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
}

/** Whether a regex path may share requests with another path (sampled; two regexes always may). */
function mayOverlap(a: StringMatch, b: StringMatch): boolean {
  if (a.type === StringMatchType.REGEX && b.type === StringMatchType.REGEX) return true;
  const [regex, other] = a.type === StringMatchType.REGEX ? [a, b] : [b, a];
  const samples = other.type === StringMatchType.EXACT ? [other.value] : [other.value, `${other.value.replace(/\/$/, '')}/`, `${other.value.replace(/\/$/, '')}/x`, `${other.value.replace(/\/$/, '')}/x/y.z`];
  return samples.some(s => regex.matches(s));
}

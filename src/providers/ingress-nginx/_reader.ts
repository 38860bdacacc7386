// Reading Ingresses, ingress-nginx canary pairs included, into the routing model (internal;
// the tools get these routings from indexObjects), hand-written ones included.
//
// One routing per Ingress host: ingress-nginx serves a host from one server block, whatever
// the namespaces of its Ingresses. It picks the path first (an Exact path, then the longest
// prefix), then, where a canary Ingress (`nginx.ingress.kubernetes.io/canary: "true"`) serves
// the same host and path, decides per request: the header first (`canary-by-header`: with
// `-value`, that exact value goes to the canary; else with `-pattern`, a value the regex finds
// a match in does; else `always` does and `never` goes to the main backend; any other value
// falls through), then the cookie (`canary-by-cookie`: `always` to the canary, `never` to the
// main backend, else fall through), then the weight (`canary-weight` of `canary-weight-total`
// when that is above 100, else of 100: the Lua balancer's rule). The model is first-match: the
// paths in that order, and for each path one rule per decision, in that order, the weighted
// split last. `never` is a rule to the main backend.
//
// What the controller and balancer add (internal/ingress/controller/controller.go,
// mergeAlternativeBackends; rootfs/etc/nginx/lua/balancer.lua, route_to_alternative_balancer):
// - a canary Ingress whose host, path and pathType match a location is merged into that
//   location's main *upstream* (namespace, Service and port), namespaces never compared: every
//   location of any host whose main backend is that upstream gets the canary; the first
//   canary merged into an upstream is the one used;
// - a canary whose backend is the main backend of a location of its host is not merged: no split;
// - `canary-by-header` is looked up as nginx's `$http_<name>` (dashes as underscores), so
//   `x_canary` matches the `x-canary` header; `canary-by-cookie` as `$cookie_<name>`, whose
//   name matches in any case;
// - a `canary-by-header-pattern` that does not compile sends every request carrying the
//   header to the main backend, without trying the cookie or the weight;
// - `use-regex` (or a `rewrite-target` other than the path) on one Ingress of a host makes
//   every location of the host a case-insensitive regex (`location ~* "^<path>"`);
// - session affinity (`affinity`) and `spec.defaultBackend` change outcomes and are warned,
//   not modelled.
//
// Paths: `Prefix` matches whole path elements (`/api` matches `/api` and `/api/v1`, not
// `/apis`), `Exact` the path, `ImplementationSpecific` (ingress-nginx: an nginx prefix
// location) any path that starts with it. A path of an Ingress with `use-regex` is a
// case-insensitive regex, anchored at the start.
//
// @see https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#canary
import { NGINX_BASIC_CHARS, NGINX_PREFIX, NGINX_REGEX_CHARS } from './_annotation-values';
import { show } from '../../internal/validation';
import { pathElementPrefix } from '../../model/_paths';
import { RequestMatch, StringMatch } from '../../model/request-match';
import { RouteRule, ServiceRouting, ServiceVersion } from '../../model/routing-model';
import { hostKey } from '../../reading/hosts';
import { ObjectIndex, RoutingInfo } from '../../reading/object-index';
import { namespaceOf } from '../../reading/objects';

/** One path of one Ingress rule. */
export interface IngressPath {
  readonly ingress: any;
  /** `Ingress <namespace>/<name>`. */
  readonly source: string;
  readonly namespace: string;
  /** The rule's host; `*` for a rule without one. */
  readonly host: string;
  readonly path: string;
  readonly pathType: string;
  /** Whether the Ingress has `use-regex: "true"` (its paths are regexes). */
  readonly regex: boolean;
  readonly service: string;
  /** The backend port: a number, or a port name. */
  readonly port: number | string | undefined;
  readonly canary: boolean;
}

/** The canary settings of a canary Ingress, as ingress-nginx reads them. */
export interface NginxCanary {
  readonly path: IngressPath;
  /** `canary-by-header`, lower-case, underscores as dashes (the header nginx looks up). */
  readonly header?: string;
  readonly headerValue?: string;
  readonly headerPattern?: string;
  /** Whether `headerPattern` does not compile: requests with the header go to the main backend. */
  readonly headerPatternBroken?: boolean;
  readonly cookie?: string;
  /** `canary-weight`, at most `total`. */
  readonly weight: number;
  /** The total the balancer uses: `canary-weight-total` when above 100, else 100. */
  readonly total: number;
}

/** A host and path: its main Ingress path and, if any, the canary's settings. */
export interface NginxPathGroup {
  readonly main: IngressPath;
  readonly canary?: NginxCanary;
  /** The version each backend Service is in the routing, and the mirror-target's Service's. */
  readonly versions: { readonly main: string; readonly canary?: string; readonly mirror?: string };
}

/** What the reader read for a host, besides its routing. */
export interface NginxHostRead {
  readonly routing: RoutingInfo;
  readonly host: string;
  /** The paths of the host in ingress-nginx's order (Exact first, then longer paths first). */
  readonly groups: NginxPathGroup[];
}

/** The provider name the Ingress reader stamps on its routings. */
export const INGRESS_NGINX = 'ingress-nginx';

/** Whether `o` is a networking.k8s.io/v1 Ingress. */
export function isIngress(o: any): boolean {
  return o?.kind === 'Ingress' && o?.apiVersion === 'networking.k8s.io/v1';
}

/** The controller name ingress-nginx's IngressClasses give (`spec.controller`). */
export const INGRESS_NGINX_CONTROLLER = 'k8s.io/ingress-nginx';

/**
 * The default IngressClass names of other controllers: an Ingress of one of these classes is not
 * ingress-nginx's when the input holds no IngressClass saying otherwise.
 */
const OTHER_CONTROLLERS_CLASSES: Record<string, string> = {
  'traefik': 'Traefik',
  'alb': 'the AWS Load Balancer Controller',
  'gce': 'GKE Ingress',
  'gce-internal': 'GKE Ingress',
  'haproxy': 'HAProxy Ingress',
  'kong': 'Kong',
  'contour': 'Contour',
  'istio': 'Istio',
  'cilium': 'Cilium',
  'azure-application-gateway': 'Application Gateway Ingress Controller',
  'webapprouting.kubernetes.azure.com': 'AKS application routing',
  'openshift-default': 'the OpenShift router',
  'apisix': 'Apache APISIX',
  'ambassador': 'Emissary-ingress',
};

/** The Ingresses of `objects` that ingress-nginx serves, and why each other Ingress is not its. */
export function nginxIngresses(objects: any[]): { served: any[]; others: Array<{ ingress: any; reason: string }> } {
  const classes = objects.filter(o => o?.kind === 'IngressClass' && o?.apiVersion === 'networking.k8s.io/v1' && typeof o.metadata?.name === 'string');
  const controllerOf = new Map<string, string>(classes.map(c => [c.metadata.name, String(c.spec?.controller ?? '')]));
  const defaults = classes.filter(c => String(c.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'] ?? '') === 'true');
  const served: any[] = [];
  const others: Array<{ ingress: any; reason: string }> = [];
  for (const o of objects.filter(isIngress)) {
    const named = o.spec?.ingressClassName ?? o.metadata?.annotations?.['kubernetes.io/ingress.class'];
    const className = typeof named === 'string' && named !== '' ? named : undefined;
    if (className === undefined) {
      // No class: the default IngressClass's controller serves it (ingress-nginx, unless the input says another).
      const other = defaults.find(c => String(c.spec?.controller ?? '') !== INGRESS_NGINX_CONTROLLER);
      if (other && !defaults.some(c => String(c.spec?.controller ?? '') === INGRESS_NGINX_CONTROLLER)) {
        others.push({ ingress: o, reason: `has no class, and the default IngressClass ${show(other.metadata.name)} is controller ${show(other.spec?.controller)}'s, not ingress-nginx's` });
      } else {
        served.push(o);
      }
      continue;
    }
    const controller = controllerOf.get(className);
    if (controller !== undefined) {
      if (controller === INGRESS_NGINX_CONTROLLER) served.push(o);
      else others.push({ ingress: o, reason: `is of IngressClass ${show(className)}, whose controller is ${show(controller)}, not ingress-nginx (${INGRESS_NGINX_CONTROLLER})` });
    } else if (Object.prototype.hasOwnProperty.call(OTHER_CONTROLLERS_CLASSES, className)) {
      others.push({ ingress: o, reason: `is of class ${show(className)}, ${OTHER_CONTROLLERS_CLASSES[className]}'s default class, not ingress-nginx's (add the IngressClass to the input if ingress-nginx serves it)` });
    } else {
      served.push(o);
    }
  }
  return { served, others };
}

/** The paths of an Ingress that name a Service backend. */
export function pathsOf(o: any): IngressPath[] {
  const namespace = namespaceOf(o);
  const annotations = o.metadata?.annotations ?? {};
  // strconv.ParseBool's true values.
  const canary = ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(String(annotations[`${NGINX_PREFIX}canary`] ?? ''));
  const regex = String(annotations[`${NGINX_PREFIX}use-regex`] ?? '') === 'true';
  const source = `Ingress ${namespace}/${o.metadata?.name}`;
  const out: IngressPath[] = [];
  for (const r of Array.isArray(o.spec?.rules) ? o.spec.rules : []) {
    for (const p of Array.isArray(r?.http?.paths) ? r.http.paths : []) {
      const service = p?.backend?.service?.name;
      if (typeof service !== 'string') continue;
      const port = p.backend.service.port?.number ?? p.backend.service.port?.name;
      out.push({
        ingress: o,
        source,
        namespace,
        host: typeof r.host === 'string' && r.host !== '' ? r.host.toLowerCase() : '*',
        path: typeof p.path === 'string' && p.path !== '' ? p.path : '/',
        pathType: typeof p.pathType === 'string' ? p.pathType : 'ImplementationSpecific',
        regex,
        service,
        port: typeof port === 'number' || typeof port === 'string' ? port : undefined,
        canary,
      });
    }
  }
  return out;
}

/**
 * The request paths an Ingress path matches, as a model match; undefined for every path.
 * `Prefix` matches path elements, as the Gateway API reader models a PathPrefix.
 */
export function pathMatch(p: Pick<IngressPath, 'path' | 'pathType' | 'regex'>): RequestMatch | undefined {
  if (p.regex) return RequestMatch.uri(StringMatch.regex(`(?i)(?:${p.path}).*`));
  if (p.pathType === 'Exact') return RequestMatch.uri(StringMatch.exact(p.path));
  if (p.pathType === 'Prefix') return pathElementPrefix(p.path);
  return p.path === '/' ? undefined : RequestMatch.uri(StringMatch.prefix(p.path));
}

/** ingress-nginx's order of paths: Exact paths first, then longer paths first. */
function comparePaths(a: IngressPath, b: IngressPath): number {
  const rank = (p: IngressPath) => (p.pathType === 'Exact' && !p.regex ? 0 : 1);
  return rank(a) - rank(b) || b.path.length - a.path.length;
}

const READ = new WeakMap<ObjectIndex, Map<RoutingInfo, NginxHostRead>>();

/** The routings read from Ingresses, with what the reader read for each. */
export function ingressesOf(index: ObjectIndex): Map<RoutingInfo, NginxHostRead> {
  return READ.get(index) ?? new Map();
}

/** An Ingress path's upstream in ingress-nginx: namespace, Service and port. */
function upstreamOf(p: IngressPath): string {
  return `${p.namespace}/${p.service}:${p.port ?? ''}`;
}

/** A location of a host: its path and pathType. */
function locationOf(p: IngressPath): string {
  return `${p.path}|${p.pathType}`;
}

/** Whether an Ingress makes its host's locations regexes: `use-regex`, or a `rewrite-target` other than a path's. */
function enforcesRegex(p: IngressPath): boolean {
  const target = p.ingress.metadata?.annotations?.[`${NGINX_PREFIX}rewrite-target`];
  return p.regex || (typeof target === 'string' && target !== '' && target !== p.path);
}

/** One routing per host of the Ingresses among `objects`. */
export function readIngresses(objects: any[], index: ObjectIndex): RoutingInfo[] {
  const { served: ingresses, others } = nginxIngresses(objects);
  for (const { ingress, reason } of others) {
    index.warnings.push({
      source: `Ingress ${namespaceOf(ingress)}/${ingress.metadata?.name}`,
      message: `${reason}: not read (this tool models ingress-nginx's Ingresses only; what another controller does with it is not simulated)`,
    });
  }
  for (const o of ingresses) warnUnmodelled(o, index);
  const all = ingresses.flatMap(pathsOf);
  // The backends are routed by the Ingresses: the plain-Service reader leaves them alone.
  for (const p of all) index.backendHosts.add(hostKey(p.service, p.namespace));
  // use-regex on one main Ingress of a host: every location of the host is a regex.
  const regexHosts = new Set(all.filter(p => !p.canary && enforcesRegex(p)).map(p => p.host));
  const paths = all.map(p => (!p.canary && !p.regex && regexHosts.has(p.host) ? { ...p, regex: true } : p));

  // The locations of each host, in input order: the main Ingress paths of each path and pathType.
  const locations = new Map<string, Map<string, IngressPath[]>>();
  for (const p of paths.filter(x => !x.canary)) {
    const host = locations.get(p.host) ?? new Map<string, IngressPath[]>();
    locations.set(p.host, host);
    host.set(locationOf(p), [...host.get(locationOf(p)) ?? [], p]);
  }
  // The canaries, merged into the main upstreams (the first merged wins).
  const alternatives = new Map<string, IngressPath>();
  const warn = (p: IngressPath, message: string) => index.warnings.push({ source: p.source, host: p.host, message });
  for (const c of paths.filter(x => x.canary)) {
    const host = locations.get(c.host);
    const location = host?.get(locationOf(c));
    if (!host || !location) {
      warn(c, `is a canary Ingress for ${c.host}${c.path} without a main Ingress; ingress-nginx ignores it`);
      continue;
    }
    const primary = [...host.values()].map(l => l[0]).find(m => upstreamOf(m) === upstreamOf(c));
    if (primary) {
      warn(c, `is a canary Ingress whose backend (Service ${c.namespace}/${c.service}) is the main backend of ${c.host}${primary.path} (${primary.source}); ingress-nginx merges no canary for it, so it splits nothing`);
      continue;
    }
    const main = upstreamOf(location[0]);
    const first = alternatives.get(main);
    if (!first) {alternatives.set(main, c);} else if (upstreamOf(first) !== upstreamOf(c)) {
      warn(c, `is a second canary for the main backend Service ${location[0].namespace}/${location[0].service} (after ${first.source}); ingress-nginx uses the first merged, the reader the first in the input`);
    }
  }
  const out: RoutingInfo[] = [];
  const read = new Map<RoutingInfo, NginxHostRead>();
  const settings = new Map<IngressPath, NginxCanary>();
  const settingsOf = (c: IngressPath) => {
    let s = settings.get(c);
    if (!s) settings.set(c, s = canarySettings(c, c.host, index));
    return s;
  };
  for (const [host, byLocation] of locations) {
    const found: Array<{ main: IngressPath; canary?: IngressPath }> = [];
    for (const mains of byLocation.values()) {
      if (mains.length > 1) {
        index.warnings.push({ source: mains[1].source, host, message: `serves ${host}${mains[0].path} as ${mains[0].source} does; ingress-nginx uses one, the reader the first` });
      }
      found.push({ main: mains[0], canary: alternatives.get(upstreamOf(mains[0])) });
    }
    const r = readHost(host, found, index, settingsOf);
    out.push(r.routing);
    read.set(r.routing, r);
  }
  READ.set(index, read);
  return out;
}

/** Warns about what changes where requests go and the reader does not model. */
function warnUnmodelled(o: any, index: ObjectIndex): void {
  const source = `Ingress ${namespaceOf(o)}/${o.metadata?.name}`;
  const affinity = o.metadata?.annotations?.[`${NGINX_PREFIX}affinity`];
  if (typeof affinity === 'string' && affinity !== '') {
    index.warnings.push({ source, message: `has ${NGINX_PREFIX}affinity ${show(affinity)}: a client holding the affinity cookie stays on the backend it was sent to (main or canary) whatever the header, cookie and weight; not modelled` });
  }
  if (o.spec?.defaultBackend) {
    index.warnings.push({ source, message: 'has spec.defaultBackend: ingress-nginx serves requests no Ingress rule matches from it (and merges a canary\'s into the default server); not modelled' });
  }
}

function readHost(host: string, found: Array<{ main: IngressPath; canary?: IngressPath }>, index: ObjectIndex,
  settingsOf: (c: IngressPath) => NginxCanary): NginxHostRead {
  found.sort((a, b) => comparePaths(a.main, b.main));

  // Versions: the backend Services' `version` labels, else (or when two share one) their
  // names. The main Ingress's mirror-target, when it names a Service, is a backend too.
  const mirrors = found.map(g => nginxMirrorOf(g.main.ingress)).map(m => (m ? { namespace: m.namespace, service: m.name } : undefined));
  const mirrored = mirrors.filter((m): m is { namespace: string; service: string } => m !== undefined);
  const all = [...found.flatMap(g => [g.main, ...(g.canary ? [g.canary] : [])]), ...mirrored];
  const backends = [...new Map(all.map(p => [`${p.namespace}/${p.service}`, p])).values()];
  const labelled = backends.map(p => index.selectors.get(hostKey(p.service, p.namespace))?.version);
  const named = labelled.map((l, i) => (l !== undefined && labelled.filter(x => x === l).length === 1 ? l : backends[i].service));
  // Services of one name in two namespaces (a canary Ingress of another namespace): `<name>.<namespace>`.
  const names = named.map((n, i) => (named.filter(x => x === n).length > 1 ? `${backends[i].service}.${backends[i].namespace}` : n));
  const indexOf = (p: { namespace: string; service: string }) => backends.findIndex(b => b.namespace === p.namespace && b.service === p.service);
  const versionOf = (p: { namespace: string; service: string }) => names[indexOf(p)];

  const groups: NginxPathGroup[] = [];
  const rules: RouteRule[] = [];
  found.forEach(({ main, canary }, i) => {
    const settings = canary ? settingsOf(canary) : undefined;
    const mirror = mirrors[i];
    const versions = { main: versionOf(main), ...(canary ? { canary: versionOf(canary) } : {}), ...(mirror ? { mirror: versionOf(mirror) } : {}) };
    groups.push({ main, ...(settings ? { canary: settings } : {}), versions });
    // A header or cookie name, or a pattern, the model cannot hold (not a token, not RE2) leaves that cohort out.
    const warn = (what: string, e: unknown) => index.warnings.push({ source: (canary ?? main).source, host, message: `${what} is not modelled: ${(e as Error).message}; left out` });
    rules.push(...groupRules(main, settings, versions, warn));
    if (main.regex) {
      index.warnings.push({ source: main.source, host, message: `${main.ingress.metadata?.annotations?.[`${NGINX_PREFIX}use-regex`] === 'true' ? 'has use-regex' : 'is on a host with use-regex or rewrite-target'}: its path ${show(main.path)} is modelled as a case-insensitive regex anchored at the start (nginx PCRE read as RE2)` });
    }
  });
  const versions: ServiceVersion[] = [...new Set(backends.map(versionOf))].map(version => ({ version }));
  const first = found[0].main;
  const routing: ServiceRouting = { host, versions, rules, source: [...new Set(found.flatMap(g => [g.main.source, ...(g.canary ? [g.canary.source] : [])]))].join(', ') };
  const canaryOf = found.find(g => g.canary)?.canary;
  const keySource = canaryOf ?? first;
  return {
    host,
    groups,
    routing: { routing, key: `${keySource.namespace}/${keySource.ingress.metadata?.name}`, namespace: first.namespace, hostKey: hostKey(host, first.namespace), wave: 0, provider: INGRESS_NGINX },
  };
}

/** ingress-nginx's annotation validation: a value it rejects is ignored, as if unset. */
const VALID: Record<string, (v: string) => boolean> = {
  'canary-by-header': v => NGINX_BASIC_CHARS.test(v.replace(/ /g, '')),
  'canary-by-header-value': v => NGINX_BASIC_CHARS.test(v.replace(/ /g, '')),
  'canary-by-cookie': v => NGINX_BASIC_CHARS.test(v.replace(/ /g, '')),
  'canary-by-header-pattern': v => NGINX_REGEX_CHARS.test(v),
};

function canarySettings(canary: IngressPath, host: string, index: ObjectIndex): NginxCanary {
  const a = canary.ingress.metadata?.annotations ?? {};
  const raw = (k: string): string | undefined => (typeof a[`${NGINX_PREFIX}${k}`] === 'string' && a[`${NGINX_PREFIX}${k}`] !== '' ? a[`${NGINX_PREFIX}${k}`] : undefined);
  const ann = (k: string): string | undefined => {
    const v = raw(k);
    if (v === undefined || !VALID[k] || VALID[k](v)) return v;
    index.warnings.push({ source: canary.source, host, message: `${NGINX_PREFIX}${k} is ${show(v)}, which ingress-nginx's annotation validation rejects; read as unset, as ingress-nginx does` });
    return undefined;
  };
  for (const k of ['canary-weight', 'canary-weight-total']) {
    const v = ann(k);
    if (v !== undefined && !/^\d+$/.test(v)) {
      index.warnings.push({ source: canary.source, host, message: `${NGINX_PREFIX}${k} is ${show(v)}, not an integer; read as ${k === 'canary-weight' ? 0 : 100}` });
    }
  }
  // balancer.lua: weightTotal is 100 unless the annotation is above 100.
  const total = Math.max(100, intOr(ann('canary-weight-total'), 100));
  const header = ann('canary-by-header')?.toLowerCase().replace(/_/g, '-');
  const value = ann('canary-by-header-value');
  const pattern = ann('canary-by-header-pattern');
  const cookie = ann('canary-by-cookie');
  return {
    path: canary,
    ...(header ? { header } : {}),
    ...(header && value ? { headerValue: value } : {}),
    ...(header && !value && pattern ? { headerPattern: pattern, ...(patternCompiles(pattern) ? {} : { headerPatternBroken: true }) } : {}),
    ...(cookie ? { cookie } : {}),
    weight: Math.min(total, intOr(ann('canary-weight'), 0)),
    total,
  };
}

/**
 * The model rules of one host and path, in nginx's order. The main Ingress's mirror-target
 * copies every request of the location, the canary's included, to its Service.
 */
function groupRules(main: IngressPath, canary: NginxCanary | undefined, versions: NginxPathGroup['versions'], warn: Warn): RouteRule[] {
  const rules = unmirroredRules(main, canary, versions, warn);
  return versions.mirror === undefined ? rules : rules.map(r => ({ ...r, mirror: { version: versions.mirror!, percent: 100 } }));
}

type Warn = (what: string, e: unknown) => void;

function unmirroredRules(main: IngressPath, canary: NginxCanary | undefined, versions: NginxPathGroup['versions'], warn: Warn): RouteRule[] {
  const path = pathMatch(main);
  const on = (m: RequestMatch) => [path ? RequestMatch.all(path, m) : m];
  const to = (v: string): RouteRule['destinations'] => [{ version: v, weight: 100 }];
  if (!canary) return [{ ...(path ? { matches: [path] } : {}), destinations: to(versions.main) }];
  const next = versions.canary!;
  const stable = versions.main;
  const rules: RouteRule[] = [];
  const attempt = (what: string, add: () => RouteRule[]) => {
    try {
      rules.push(...add());
    } catch (e) {
      warn(what, e);
    }
  };
  if (canary.header) attempt(`its canary-by-header ${show(canary.header)}`, () => headerRules(canary, on, to(next), to(stable)));
  if (canary.cookie) {
    attempt(`its canary-by-cookie ${show(canary.cookie)}`, () => [
      { name: 'canary-by-cookie', matches: on(RequestMatch._cookieAnyCase(canary.cookie!, 'always')), destinations: to(next) },
      { name: 'canary-by-cookie-never', matches: on(RequestMatch._cookieAnyCase(canary.cookie!, 'never')), destinations: to(stable) },
    ]);
  }
  const w = canary.total > 0 ? canary.weight * 100 / canary.total : 0;
  const destinations = w <= 0 ? to(stable) : w >= 100 ? to(next) : [{ version: stable, weight: 100 - w }, { version: next, weight: w }];
  rules.push({ ...(path ? { matches: [path] } : {}), destinations });
  return rules;
}

/** The header cohort's rules: the value, or the pattern, or `always` and `never`. */
function headerRules(canary: NginxCanary, on: (m: RequestMatch) => RequestMatch[], next: RouteRule['destinations'], stable: RouteRule['destinations']): RouteRule[] {
  const header = canary.header!;
  if (canary.headerValue !== undefined) {
    return [{ name: 'canary-by-header-value', matches: on(RequestMatch.header(header, StringMatch.exact(canary.headerValue))), destinations: next }];
  }
  if (canary.headerPatternBroken) {
    // ngx.re.match fails on every request carrying the header: the balancer keeps the main backend.
    return [{ name: 'canary-by-header-pattern-error', matches: on(RequestMatch.header(header, StringMatch.regex('.*'))), destinations: stable }];
  }
  if (canary.headerPattern !== undefined) {
    // ingress-nginx finds the pattern anywhere in the value; our regexes match the whole value.
    return [{ name: 'canary-by-header-pattern', matches: on(RequestMatch.header(header, StringMatch.regex(`.*(?:${canary.headerPattern}).*`))), destinations: next }];
  }
  return [
    { name: 'canary-by-header', matches: on(RequestMatch.header(header, StringMatch.exact('always'))), destinations: next },
    { name: 'canary-by-header-never', matches: on(RequestMatch.header(header, StringMatch.exact('never'))), destinations: stable },
  ];
}

/**
 * Whether nginx's PCRE compiles a pattern, as near as we can tell offline: it does when RE2 or
 * JavaScript does, or when it uses PCRE-only syntax (look-behind, atomic groups, possessive
 * quantifiers, \\K...); a pattern neither compiles, and without such syntax, does not.
 */
function patternCompiles(pattern: string): boolean {
  try {
    StringMatch.regex(pattern);
    return true;
  } catch {
    // Not RE2.
  }
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return /\(\?[<>=!|#']|[*+?}]\+|\\[pPQEKRhHvVXgk]/.test(pattern);
  }
}

function intOr(v: string | undefined, d: number): number {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : d;
}

/** A Service a mirror-target URL names. */
export interface NginxMirrorService {
  readonly name: string;
  readonly namespace: string;
}

/**
 * The Service the `mirror-target` of an Ingress names: the URL's host is `<name>` (in the
 * Ingress's namespace), `<name>.<ns>`, `<name>.<ns>.svc` or `<name>.<ns>.svc.cluster.local`;
 * undefined without a mirror-target, or when the host is none of those (an outside URL).
 * ingress-nginx copies every request of the main Ingress's location to the URL; a canary
 * Ingress ignores the annotation.
 * @see https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#mirror
 */
export function nginxMirrorOf(ingress: any): NginxMirrorService | undefined {
  const target = ingress?.metadata?.annotations?.[`${NGINX_PREFIX}mirror-target`];
  if (typeof target !== 'string') return undefined;
  const m = /^https?:\/\/([a-z0-9.-]+)(?::\d+)?(?:[/?#$].*)?$/i.exec(target.trim());
  if (!m) return undefined;
  const labels = m[1].toLowerCase().replace(/\.$/, '').split('.');
  if (labels.some(l => l === '')) return undefined;
  if (labels.length === 1) return { name: labels[0], namespace: namespaceOf(ingress) };
  const svc = labels.length === 2 || (labels.length === 3 && labels[2] === 'svc') || (labels.length === 5 && labels.slice(2).join('.') === 'svc.cluster.local');
  return svc ? { name: labels[0], namespace: labels[1] } : undefined;
}

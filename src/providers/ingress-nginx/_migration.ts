// Migrating Ingresses, ingress-nginx canary pairs included, to Gateway API HTTPRoutes
// (internal; the command line's `migrate --to gateway-api`).
//
// Each main Ingress becomes one HTTPRoute per host (more when a host's rules exceed the 16
// rules of a route), in the Ingress's namespace, attached to one Gateway. Per path, in
// ingress-nginx's order: the canary's header cohort (`always` and `never` rules, or the value,
// or the pattern as a regex the whole value must match: `.*(?:pattern).*`), its cookie cohort
// (a regex on the `cookie` header, as RequestMatch.cookie renders it), then the weighted
// split `canary-weight-total - canary-weight` : `canary-weight`. The Gateway API ranks a
// route's matches by path (Exact, then the longest prefix) before headers, as ingress-nginx
// picks the location before the canary, and rules with as many headers keep their order:
// header before cookie, as in nginx. The backend Services are carried over unchanged.
//
// What it cannot carry is named, with why: annotations other than the canary ones, TLS,
// default backends, regex paths, and implementation-specific paths other than `/` (written
// as a PathPrefix, which matches whole path elements only). The command then proves the result (gitops/_equivalence.ts).
import { ingressesOf, INGRESS_NGINX, IngressPath, NginxCanary, nginxIngresses, nginxMirrorOf, NginxPathGroup, pathsOf, readIngresses } from './_reader';
import { MatchField, RequestMatch, StringMatch } from '../../model/request-match';
import { indexObjects } from '../../reading/object-index';
import { idOf } from '../../reading/objects';
// A migration knows both ends: the Gateway API's limits shape the routes it writes.
import { MAX_RULES } from '../gateway-api/_limits';
import { Migration, MigrationGateway, NotCarried } from '../plugin';

const NGINX = 'nginx.ingress.kubernetes.io/';
const CANARY_ANNOTATIONS = ['canary', 'canary-by-header', 'canary-by-header-value', 'canary-by-header-pattern', 'canary-by-cookie', 'canary-weight', 'canary-weight-total']
  .map(a => `${NGINX}${a}`);
/** Where common ingress-nginx annotations go in the Gateway API, for the report. */
const ADVICE: Record<string, string> = {
  'rewrite-target': 'an HTTPRoute URLRewrite filter does this; add it by hand',
  'ssl-redirect': 'redirect HTTP to HTTPS with a RequestRedirect rule on the Gateway\'s HTTP listener',
  'force-ssl-redirect': 'redirect HTTP to HTTPS with a RequestRedirect rule on the Gateway\'s HTTP listener',
  'use-regex': 'ingress-nginx matches these paths as case-insensitive PCRE; the Gateway API\'s RegularExpression paths are implementation-specific: write them by hand',
  'affinity': 'session affinity is the HTTPRoute rule\'s sessionPersistence (experimental channel); add it by hand',
  'proxy-read-timeout': 'set the HTTPRoute rule\'s timeouts.request or your Gateway\'s policy',
  'proxy-send-timeout': 'set the HTTPRoute rule\'s timeouts.request or your Gateway\'s policy',
  'proxy-connect-timeout': 'set your Gateway implementation\'s backend policy',
  'proxy-body-size': 'set your Gateway implementation\'s policy',
  'whitelist-source-range': 'use your Gateway implementation\'s authorization policy',
  'mirror-target': 'it names no Service of the Ingress\'s namespace on one of its ports (an outside URL, or another namespace, which needs a ReferenceGrant); add a RequestMirror filter by hand',
};

/** Migrates the Ingresses among `objects`; other objects are left alone. */
export function migrateToGatewayApi(objects: any[], gateway?: MigrationGateway): Migration {
  // The Ingresses are all it reads: the other providers' objects stay as they are.
  const index = indexObjects('migrate', objects, [{ name: INGRESS_NGINX, read: readIngresses }]);
  const notCarried: NotCarried[] = [];
  const notes: string[] = [];
  const services = new Map<string, any>();
  for (const o of objects) {
    if (o?.kind === 'Service' && o?.apiVersion === 'v1') services.set(idOf(o), o);
  }

  // Rules per (main Ingress, host), in nginx's order of paths.
  const routes = new Map<string, { ingress: any; namespace: string; host: string; groups: RouteRuleGroup[] }>();
  const hosts: string[] = [];
  for (const read of ingressesOf(index).values()) {
    hosts.push(read.host);
    for (const group of read.groups) {
      const main = group.main;
      const key = `${main.namespace}/${main.ingress.metadata?.name}|${read.host}`;
      let route = routes.get(key);
      if (!route) {
        route = { ingress: main.ingress, namespace: main.namespace, host: read.host, groups: [] };
        routes.set(key, route);
      }
      const rules = rulesOf(group, services, notCarried);
      if (rules) route.groups.push({ rules, sources: [main.source, ...(group.canary ? [group.canary.path.source] : [])] });
    }
  }

  // What the routes do not carry: per Ingress, once.
  const ingresses = nginxIngresses(objects).served;
  for (const o of ingresses) notCarried.push(...ingressLeftovers(o, services));

  const out: any[] = [];
  const usedServices = new Set<string>();
  for (const route of routes.values()) {
    const name: string = route.ingress.metadata?.name;
    const perHost = [...routes.values()].filter(r => r.ingress === route.ingress).length > 1;
    const base = perHost ? `${name}-${route.host === '*' ? 'any-host' : route.host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-')}` : name;
    // At most 16 rules per HTTPRoute; a path's rules stay in one route.
    const chunks: RouteRuleGroup[][] = [];
    for (const g of route.groups) {
      const last = chunks[chunks.length - 1];
      if (last && last.reduce((n, x) => n + x.rules.length, 0) + g.rules.length <= MAX_RULES) last.push(g);
      else chunks.push([g]);
    }
    chunks.forEach((chunk, i) => {
      const sources = [...new Set(chunk.flatMap(g => g.sources))];
      const metadata: any = { name: i === 0 ? base : `${base}-${i + 1}` };
      if (route.ingress.metadata?.namespace) metadata.namespace = route.ingress.metadata.namespace;
      if (route.ingress.metadata?.labels) metadata.labels = { ...route.ingress.metadata.labels };
      metadata.annotations = { 'cdk8s-canary/migrated-from': sources.join(', ') };
      const parent: any = { name: gateway?.name ?? route.ingress.spec?.ingressClassName ?? 'nginx' };
      if (gateway?.namespace && gateway.namespace !== route.namespace) parent.namespace = gateway.namespace;
      const rules = chunk.flatMap(g => g.rules);
      for (const r of rules) for (const b of r.backendRefs) usedServices.add(`${b.namespace ?? route.namespace}/${b.name}`);
      out.push({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata,
        spec: {
          parentRefs: [parent],
          ...(route.host === '*' ? {} : { hostnames: [route.host] }),
          rules,
        },
      });
    });
  }
  out.push(...referenceGrants(out));
  for (const key of [...usedServices].sort()) {
    const svc = services.get(key);
    if (svc) out.push(svc);
    else notes.push(`Service ${key} is not among the files; the HTTPRoutes name it, so it must exist in the cluster`);
  }
  if (gateway === undefined && out.length > 0) {
    notes.push('no --gateway: each route attaches to a Gateway named after its IngressClass (e.g. nginx) in its own namespace; create it, or give --gateway <namespace>/<name>');
  }
  return { objects: out, replaced: ingresses, notCarried, notes, hosts, index };
}

interface RouteRuleGroup {
  readonly rules: any[];
  readonly sources: string[];
}

/** The HTTPRoute rules of one host and path; undefined when the path cannot be carried. */
function rulesOf(group: NginxPathGroup, services: Map<string, any>, notCarried: NotCarried[]): any[] | undefined {
  const main = group.main;
  if (main.regex) {
    // Reported with the annotation (ingressLeftovers).
    return undefined;
  }
  const path = pathOf(main);
  if (main.pathType !== 'Exact' && main.pathType !== 'Prefix' && main.path !== '/') {
    notCarried.push({
      source: main.source,
      what: `path ${main.path} (pathType ${main.pathType})`,
      why: `ingress-nginx matches it as a prefix of characters (${main.path}x too); written as PathPrefix ${main.path}, which matches whole path elements only `
        + '(a RegularExpression would rank after every PathPrefix, even /): use pathType Prefix if that is what you meant',
    });
  }
  const ref = (p: IngressPath, weight?: number): any | undefined => {
    const port = portOf(p, services);
    if (port === undefined) {
      notCarried.push({ source: p.source, what: `backend ${p.service} port ${JSON.stringify(p.port)}`, why: `the port is named and Service ${p.namespace}/${p.service} is not among the files to look up its number; give the Service's file too, or use a port number` });
      return undefined;
    }
    // A canary Ingress of another namespace (ingress-nginx merges it all the same): a
    // cross-namespace backendRef, which the ReferenceGrant written with the routes allows.
    const namespace = p.namespace !== main.namespace ? { namespace: p.namespace } : {};
    return { name: p.service, ...namespace, port, ...(weight !== undefined ? { weight } : {}) };
  };
  const match = (header?: { name: string; type: string; value: string }) => {
    const m: any = {};
    if (path) m.path = path;
    if (header) m.headers = [header];
    return m;
  };
  // mirror-target copies every request of the main Ingress's location: a RequestMirror on each rule.
  const mirror = mirrorFilter(main, services);
  const rule = (header: { name: string; type: string; value: string } | undefined, backendRefs: any[]) => {
    const matches = [match(header)].filter(m => Object.keys(m).length > 0);
    return { ...(matches.length > 0 ? { matches } : {}), ...(mirror ? { filters: [mirror] } : {}), backendRefs };
  };
  const mainRef = ref(main);
  if (!mainRef) return undefined;
  const c: NginxCanary | undefined = group.canary;
  if (!c) return [rule(undefined, [mainRef])];
  const canaryRef = ref(c.path);
  if (!canaryRef) return undefined;
  const rules: any[] = [];
  if (c.header) {
    if (c.headerValue !== undefined) {
      rules.push(rule({ name: c.header, type: 'Exact', value: c.headerValue }, [canaryRef]));
    } else if (c.headerPatternBroken) {
      // The pattern does not compile: ingress-nginx sends every request with the header to the main backend.
      rules.push(rule({ name: c.header, type: 'RegularExpression', value: '.*' }, [mainRef]));
    } else if (c.headerPattern !== undefined) {
      const pattern = `.*(?:${c.headerPattern}).*`;
      let valid = true;
      try {
        StringMatch.regex(pattern);
      } catch (e) {
        valid = false;
        notCarried.push({ source: c.path.source, what: `${NGINX}canary-by-header-pattern ${JSON.stringify(c.headerPattern)}`, why: `the pattern is not an RE2 regex the Gateway API takes (${(e as Error).message}); rewrite it in RE2` });
      }
      if (valid) rules.push(rule({ name: c.header, type: 'RegularExpression', value: pattern }, [canaryRef]));
    } else {
      rules.push(rule({ name: c.header, type: 'Exact', value: 'always' }, [canaryRef]));
      rules.push(rule({ name: c.header, type: 'Exact', value: 'never' }, [mainRef]));
    }
  }
  if (c.cookie) {
    const cookie = (value: string) => {
      const cond = RequestMatch._cookieAnyCase(c.cookie!, value).conditions[0];
      return { name: 'cookie', type: 'RegularExpression', value: cond.field === MatchField.HEADER ? cond.match.value : '' };
    };
    rules.push(rule(cookie('always'), [canaryRef]));
    rules.push(rule(cookie('never'), [mainRef]));
  }
  const weighted = c.weight <= 0 ? [mainRef] : c.weight >= c.total ? [canaryRef]
    : [{ ...mainRef, weight: c.total - c.weight }, { ...canaryRef, weight: c.weight }];
  rules.push(rule(undefined, weighted));
  return rules;
}

/**
 * The RequestMirror filter for the main Ingress's mirror-target when it names a Service of
 * the route's namespace (a Service elsewhere would need a ReferenceGrant: left to the report).
 */
function mirrorFilter(main: IngressPath, services: Map<string, any>): any | undefined {
  const target = nginxMirrorOf(main.ingress);
  if (!target || target.namespace !== main.namespace) return undefined;
  const url = String(main.ingress.metadata?.annotations?.[`${NGINX}mirror-target`] ?? '');
  const explicit = /^https?:\/\/[^/:$?#]+:(\d+)/i.exec(url);
  const svc = services.get(`${target.namespace}/${target.name}`);
  const port = explicit ? Number(explicit[1]) : url.startsWith('https') ? 443 : 80;
  if (svc && !(svc.spec?.ports ?? []).some((x: any) => x?.port === port)) return undefined;
  return { type: 'RequestMirror', requestMirror: { backendRef: { name: target.name, port } } };
}

/** The ReferenceGrants that let the routes' cross-namespace backendRefs (canaries of another namespace) reach their Services. */
function referenceGrants(routes: any[]): any[] {
  const grants = new Map<string, { from: Set<string>; services: Set<string> }>();
  for (const r of routes) {
    for (const rule of r.spec.rules) {
      for (const b of rule.backendRefs) {
        if (b.namespace === undefined) continue;
        const g = grants.get(b.namespace) ?? { from: new Set<string>(), services: new Set<string>() };
        grants.set(b.namespace, g);
        g.from.add(r.metadata.namespace);
        g.services.add(b.name);
      }
    }
  }
  return [...grants].sort(([a], [b]) => a.localeCompare(b)).map(([namespace, g]) => ({
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: 'migrated-httproutes', namespace },
    spec: {
      from: [...g.from].sort().map(ns => ({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: ns })),
      to: [...g.services].sort().map(name => ({ group: '', kind: 'Service', name })),
    },
  }));
}

/** The HTTPRoute path match of an Ingress path; undefined for `/` as a prefix (every path). */
function pathOf(p: IngressPath): any | undefined {
  if (p.pathType === 'Exact') return { type: 'Exact', value: p.path };
  if (p.pathType === 'Prefix') return p.path.replace(/\/+$/, '') === '' ? undefined : { type: 'PathPrefix', value: p.path };
  // ImplementationSpecific: an nginx prefix location; the nearest the Gateway API ranks alike (reported).
  return p.path === '/' ? undefined : { type: 'PathPrefix', value: p.path };
}

function portOf(p: IngressPath, services: Map<string, any>): number | undefined {
  if (typeof p.port === 'number') return p.port;
  const svc = services.get(`${p.namespace}/${p.service}`);
  const ports: any[] = Array.isArray(svc?.spec?.ports) ? svc.spec.ports : [];
  if (p.port === undefined && ports.length === 1) return ports[0].port;
  return ports.find(x => x?.name === p.port)?.port;
}

/** Whether the mirror-target of a main Ingress is carried as a RequestMirror filter. */
function carriedMirror(o: any, services: Map<string, any>): boolean {
  const paths = pathsOf(o);
  return paths.length > 0 && !paths[0].canary && mirrorFilter(paths[0], services) !== undefined;
}

/** What of an Ingress no HTTPRoute written carries. */
function ingressLeftovers(o: any, services: Map<string, any>): NotCarried[] {
  const source = `Ingress ${idOf(o)}`;
  const out: NotCarried[] = [];
  for (const [k, v] of Object.entries(o.metadata?.annotations ?? {})) {
    if (!k.startsWith(NGINX) || CANARY_ANNOTATIONS.includes(k)) continue;
    if (k === `${NGINX}mirror-target` && carriedMirror(o, services)) continue;
    const name = k.slice(NGINX.length);
    const advice = ADVICE[name] ?? (name.startsWith('session-cookie') ? ADVICE.affinity : 'it is specific to ingress-nginx and migrate writes no equivalent; carry it to the Gateway or the HTTPRoute by hand');
    out.push({ source, what: `${k}: ${JSON.stringify(v)}`, why: advice });
  }
  if (Array.isArray(o.spec?.tls) && o.spec.tls.length > 0) {
    out.push({ source, what: 'spec.tls', why: 'TLS terminates at the Gateway\'s listeners: reference the Secret from an HTTPS listener' });
  }
  if (o.spec?.defaultBackend) {
    out.push({ source, what: 'spec.defaultBackend', why: 'an HTTPRoute has no default backend for unmatched hosts; add a route without hostnames if you need one' });
  }
  for (const r of Array.isArray(o.spec?.rules) ? o.spec.rules : []) {
    for (const p of Array.isArray(r?.http?.paths) ? r.http.paths : []) {
      if (p?.backend?.resource) out.push({ source, what: `backend resource ${p.backend.resource.kind}/${p.backend.resource.name}`, why: 'a resource backend has no HTTPRoute equivalent' });
    }
  }
  return out;
}

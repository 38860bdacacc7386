// Reading ingress-nginx canary Ingress pairs into the routing model (internal; the tools get
// these routings from indexObjects), hand-written ones included.
//
// Per host and path, ingress-nginx takes one main Ingress and at most one canary Ingress
// (`nginx.ingress.kubernetes.io/canary: "true"`) and decides per request: the header first
// (`canary-by-header`: with `-value`, that exact value goes to the canary; else with
// `-pattern`, a value the regex finds a match in does; else `always` does and `never` goes to
// the main backend; any other value falls through), then the cookie (`canary-by-cookie`:
// `always` to the canary, `never` to the main backend, else fall through), then the weight
// (`canary-weight` of `canary-weight-total`, default 100). The model is first-match: one rule
// per decision, in that order, and the weighted split last. `never` is a rule to the main
// backend.
import { NGINX_PREFIX } from './_provider';
import { show } from '../../internal/validation';
import { RequestMatch, StringMatch } from '../../model/request-match';
import { RouteRule, ServiceRouting, ServiceVersion } from '../../model/routing-model';
import { hostKey, IstioIndex, RoutingInfo } from '../istio/_object-index';

function namespaceOf(o: any): string {
  return typeof o.metadata?.namespace === 'string' && o.metadata.namespace ? o.metadata.namespace : 'default';
}

interface IngressPath {
  readonly ingress: any;
  readonly namespace: string;
  readonly host: string;
  readonly path: string;
  readonly service: string;
  readonly canary: boolean;
}

/** Whether `o` is a networking.k8s.io/v1 Ingress. */
export function isIngress(o: any): boolean {
  return o?.kind === 'Ingress' && o?.apiVersion === 'networking.k8s.io/v1';
}

/** The backend Services of every Ingress, by host key (the plain-Service reader skips them). */
export function ingressBackends(objects: any[]): Set<string> {
  const out = new Set<string>();
  for (const p of objects.filter(isIngress).flatMap(pathsOf)) out.add(hostKey(p.service, p.namespace));
  return out;
}

function pathsOf(o: any): IngressPath[] {
  const namespace = namespaceOf(o);
  const canary = String(o.metadata?.annotations?.[`${NGINX_PREFIX}canary`] ?? '') === 'true';
  const out: IngressPath[] = [];
  for (const r of Array.isArray(o.spec?.rules) ? o.spec.rules : []) {
    for (const p of Array.isArray(r?.http?.paths) ? r.http.paths : []) {
      const service = p?.backend?.service?.name;
      if (typeof service !== 'string') continue;
      out.push({ ingress: o, namespace, host: typeof r.host === 'string' ? r.host : '*', path: typeof p.path === 'string' ? p.path : '/', service, canary });
    }
  }
  return out;
}

const READ = new WeakMap<IstioIndex, Set<RoutingInfo>>();

/** The routings read from canary Ingress pairs (the transition check skips them for now). */
export function nginxCanariesOf(index: IstioIndex): Set<RoutingInfo> {
  return READ.get(index) ?? new Set();
}

/** Routings for each host of ingress-nginx Ingresses that have a canary Ingress. */
export function readNginxCanaries(objects: any[], index: IstioIndex): RoutingInfo[] {
  const paths = objects.filter(isIngress).flatMap(pathsOf);
  const out: RoutingInfo[] = [];
  const keyOf = (p: IngressPath) => `${p.namespace}|${p.host}|${p.path}`;
  const groups = new Map<string, IngressPath[]>();
  for (const p of paths) groups.set(keyOf(p), [...groups.get(keyOf(p)) ?? [], p]);
  for (const group of groups.values()) {
    const main = group.find(p => !p.canary);
    const canaries = group.filter(p => p.canary);
    if (!main || canaries.length === 0) continue;
    const canary = canaries[0];
    const source = `Ingress ${canary.namespace}/${canary.ingress.metadata?.name}`;
    if (canaries.length > 1) {
      index.warnings.push({ source, host: main.host, message: `is one of ${canaries.length} canary Ingresses for ${main.host}${main.path}; ingress-nginx uses one, the reader the first` });
    }
    const a = canary.ingress.metadata?.annotations ?? {};
    const ann = (k: string): string | undefined => (typeof a[`${NGINX_PREFIX}${k}`] === 'string' ? a[`${NGINX_PREFIX}${k}`] : undefined);
    const stable = versionOf(index, main);
    const next = versionOf(index, canary);
    const to = (v: string): RouteRule['destinations'] => [{ version: v, weight: 100 }];
    const rules: RouteRule[] = [];
    const header = ann('canary-by-header');
    if (header !== undefined && header !== '') {
      const name = header.toLowerCase();
      const value = ann('canary-by-header-value');
      const pattern = ann('canary-by-header-pattern');
      if (value !== undefined && value !== '') {
        rules.push({ name: 'canary-by-header-value', matches: [RequestMatch.header(name, StringMatch.exact(value))], destinations: to(next) });
      } else if (pattern !== undefined && pattern !== '') {
        // ingress-nginx finds the pattern anywhere in the value; our regexes match the whole value.
        rules.push({ name: 'canary-by-header-pattern', matches: [RequestMatch.header(name, StringMatch.regex(`.*(?:${pattern}).*`))], destinations: to(next) });
      } else {
        rules.push({ name: 'canary-by-header', matches: [RequestMatch.header(name, StringMatch.exact('always'))], destinations: to(next) });
        rules.push({ name: 'canary-by-header-never', matches: [RequestMatch.header(name, StringMatch.exact('never'))], destinations: to(stable) });
      }
    }
    const cookie = ann('canary-by-cookie');
    if (cookie !== undefined && cookie !== '') {
      rules.push({ name: 'canary-by-cookie', matches: [RequestMatch.cookie(cookie, 'always')], destinations: to(next) });
      rules.push({ name: 'canary-by-cookie-never', matches: [RequestMatch.cookie(cookie, 'never')], destinations: to(stable) });
    }
    const total = intOr(ann('canary-weight-total'), 100);
    const weight = Math.min(total, intOr(ann('canary-weight'), 0));
    const w = total > 0 ? weight * 100 / total : 0;
    rules.push({ destinations: w <= 0 ? to(stable) : w >= 100 ? to(next) : [{ version: stable, weight: 100 - w }, { version: next, weight: w }] });
    const versions: ServiceVersion[] = [{ version: stable }, { version: next }];
    const routing = withNginxMirror({ host: main.host, versions, rules, source }, main.ingress, index); // mirror-target, see the end of the file
    out.push({ routing, key: `${canary.namespace}/${canary.ingress.metadata?.name}`, namespace: canary.namespace, hostKey: hostKey(main.host, canary.namespace), wave: 0 });
    for (const k of ['canary-weight', 'canary-weight-total']) {
      const v = ann(k);
      if (v !== undefined && !/^\d+$/.test(v)) index.warnings.push({ source, host: main.host, message: `${NGINX_PREFIX}${k} is ${show(v)}, not an integer; read as ${k === 'canary-weight' ? 0 : 100}` });
    }
  }
  READ.set(index, new Set(out));
  return out;
}

function intOr(v: string | undefined, d: number): number {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : d;
}

/** The version a backend Service selects (its `version` label), else the Service's name. */
function versionOf(index: IstioIndex, p: IngressPath): string {
  return index.selectors.get(hostKey(p.service, p.namespace))?.version ?? p.service;
}

// ---------------------------------------------------------------------------------------
// mirror-target: ingress-nginx copies every request of the main Ingress's location to the
// URL (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#mirror);
// a canary Ingress ignores the annotation, and the location serves the canary's requests too.
// ---------------------------------------------------------------------------------------

/** A Service a mirror-target URL names. */
export interface NginxMirrorService {
  readonly name: string;
  readonly namespace: string;
}

/**
 * The Service the `mirror-target` of an Ingress names: the URL's host is `<name>` (in the
 * Ingress's namespace), `<name>.<ns>`, `<name>.<ns>.svc` or `<name>.<ns>.svc.cluster.local`;
 * undefined without a mirror-target, or when the host is none of those (an outside URL).
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

/**
 * The routing with the main Ingress's mirror-target, when it names a Service: every rule
 * mirrors 100% of its requests to that Service's version (its `version` label, else its name).
 */
function withNginxMirror(routing: ServiceRouting, main: any, index: IstioIndex): ServiceRouting {
  const svc = nginxMirrorOf(main);
  if (!svc) return routing;
  const version = index.selectors.get(hostKey(svc.name, svc.namespace))?.version ?? svc.name;
  const versions = routing.versions.some(v => v.version === version) ? routing.versions : [...routing.versions, { version }];
  return { ...routing, versions, rules: routing.rules.map(r => ({ ...r, mirror: { version, percent: 100 } })) };
}

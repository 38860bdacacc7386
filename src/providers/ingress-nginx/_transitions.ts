// Make-before-break for ingress-nginx Ingresses, at Service level (internal; part of
// TransitionCheck).
//
// An Ingress backend names a Service; ingress-nginx sends a request to the Service's ready
// endpoints and answers 503 when it has none: a Service missing from the cluster, selecting
// no pods, or whose pods are not ready yet. Per host and path, the main Ingress serves what
// the canary Ingress does not take: the canary's Service gets traffic when its weight is
// above 0 or a header or cookie cohort selects it; the main Ingress's Service unless the
// canary takes every request (weight 100 and no `never` cohort). After a promotion the
// canary Ingress is gone and the main Ingress alone sends everything to its Service. The
// main Ingress's `mirror-target` copies every request of the location to a Service.
import { NGINX_PREFIX } from './_provider';
import { isIngress, nginxMirrorOf } from './_reader';
import { addReference, ServiceReference, serviceTransitions, ServiceWording } from '../../gitops/_service-transitions';
import { TransitionFinding } from '../../gitops/transition-check';
import { ARGO_SYNC_WAVE, hostKey, IstioIndex, RoutingInfo } from '../istio/_object-index';

const WORDING: ServiceWording = {
  aRef: 'an Ingress backend',
  ref: 'Ingress backend',
  refs: 'Ingress backends',
  missing: 'ingress-nginx answers those requests with HTTP 503 (a backend Service it cannot find has no endpoints)',
  newFails: 'get HTTP 503 from ingress-nginx (no ready endpoints)',
  deleted: 'HTTP 503 from ingress-nginx',
  applied: 'ingress-nginx has loaded the new Ingresses',
  live: 'ingress-nginx serves the new Ingresses',
};

interface IngressPath {
  readonly ingress: any;
  readonly namespace: string;
  readonly host: string;
  readonly path: string;
  readonly service: string;
  readonly canary: boolean;
}

/** One host and path: its main Ingress and, if any, the canary Ingress ingress-nginx uses. */
interface Group {
  readonly main?: IngressPath;
  readonly canary?: IngressPath;
}

/** The ingress-nginx findings of the step from `previous` to `next`. */
export function ingressNginxTransitions(before: IstioIndex, after: IstioIndex, previous: any[], next: any[]): TransitionFinding[] {
  const served = new Set(groups(previous).map(g => g.main).filter((p): p is IngressPath => p !== undefined).map(p => `${p.namespace}|${p.host}`));
  return serviceTransitions(WORDING, references(previous, before), references(next, after, served), before, after, previous, next);
}

/**
 * Routings for the main Ingresses that no canary Ingress accompanies (all of a host and path
 * to one Service), so that weight jumps from and to them are seen; the reader reads pairs only.
 */
export function nginxLoneMainRoutings(objects: any[], index: IstioIndex): RoutingInfo[] {
  const out: RoutingInfo[] = [];
  for (const { main, canary } of groups(objects)) {
    if (!main || canary) continue;
    const version = versionOf(index, main);
    out.push({
      routing: { host: main.host, versions: [{ version }], rules: [{ destinations: [{ version, weight: 100 }] }], source: sourceOf(main) },
      key: `${main.namespace}/${main.ingress.metadata?.name}`,
      namespace: main.namespace,
      hostKey: hostKey(main.host, main.namespace),
      wave: waveOf(main.ingress),
    });
  }
  return out;
}

/**
 * The Services the Ingresses of `objects` send traffic or mirror to. `served`: the hosts
 * (`<namespace>|<host>`) a main Ingress served before; a host that none served is a first
 * deployment.
 */
function references(objects: any[], index: IstioIndex, served?: Set<string>): Map<string, ServiceReference> {
  const out = new Map<string, ServiceReference>();
  for (const { main, canary } of groups(objects)) {
    if (!main) continue; // ingress-nginx ignores a canary Ingress without a main one.
    const first = served !== undefined && !served.has(`${main.namespace}|${main.host}`);
    const ref = (p: IngressPath, weight: number, mirror = 0, service = p.service, namespace = p.namespace): ServiceReference => ({
      serviceKey: `${namespace}/${service}`,
      host: p.host,
      version: index.selectors.get(hostKey(service, namespace))?.version,
      weight,
      mirror,
      source: sourceOf(p),
      wave: waveOf(p.ingress),
      firstDeployment: first,
    });
    const split = canary ? canarySplit(canary.ingress) : { weight: 0, cohort: false, never: false };
    addReference(out, ref(main, Math.max(100 - split.weight, split.never ? 100 : 0)));
    if (canary) addReference(out, ref(canary, split.cohort ? 100 : split.weight));
    const mirror = nginxMirrorOf(main.ingress);
    if (mirror) addReference(out, ref(main, 0, 100, mirror.name, mirror.namespace));
  }
  return out;
}

/**
 * What a canary Ingress takes: its weight in percent, whether a header or cookie cohort
 * selects it, and whether a `never` value keeps requests on the main Ingress (as the reader).
 */
function canarySplit(ingress: any): { weight: number; cohort: boolean; never: boolean } {
  const a = ingress.metadata?.annotations ?? {};
  const ann = (k: string): string => (typeof a[`${NGINX_PREFIX}${k}`] === 'string' ? a[`${NGINX_PREFIX}${k}`] : '');
  const int = (v: string, d: number) => (/^\d+$/.test(v) ? Number(v) : d);
  const total = int(ann('canary-weight-total'), 100);
  const weight = total > 0 ? Math.min(total, int(ann('canary-weight'), 0)) * 100 / total : 0;
  const header = ann('canary-by-header') !== '';
  const cookie = ann('canary-by-cookie') !== '';
  const headerNever = header && ann('canary-by-header-value') === '' && ann('canary-by-header-pattern') === '';
  return { weight, cohort: header || cookie, never: headerNever || cookie };
}

/** The Ingresses' paths grouped by namespace, host and path. */
function groups(objects: any[]): Group[] {
  const byKey = new Map<string, IngressPath[]>();
  for (const p of objects.filter(isIngress).flatMap(pathsOf)) {
    const k = `${p.namespace}|${p.host}|${p.path}`;
    byKey.set(k, [...byKey.get(k) ?? [], p]);
  }
  return [...byKey.values()].map(ps => ({ main: ps.find(p => !p.canary), canary: ps.find(p => p.canary) }));
}

function pathsOf(o: any): IngressPath[] {
  const namespace = typeof o.metadata?.namespace === 'string' && o.metadata.namespace ? o.metadata.namespace : 'default';
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

function sourceOf(p: IngressPath): string {
  return `Ingress ${p.namespace}/${p.ingress.metadata?.name}`;
}

function waveOf(o: any): number {
  const w = Number(o.metadata?.annotations?.[ARGO_SYNC_WAVE] ?? 0);
  return Number.isFinite(w) ? w : 0;
}

/** The version a backend Service selects (its `version` label), else the Service's name. */
function versionOf(index: IstioIndex, p: IngressPath): string {
  return index.selectors.get(hostKey(p.service, p.namespace))?.version ?? p.service;
}

// Host identity as Istio defines it (internal): short names, FQDNs, wildcards and exportTo.
// Follows istio/istio pkg/config/host (Name.Matches) and the analyzers' util/hosts.go
// (ConvertHostToFQDN, GetResourceNameFromHost); the code is ours.

/** The namespace of an object applied without one: what `kubectl apply` gives it by default. */
export const DEFAULT_NAMESPACE = 'default';

const CLUSTER_DOMAIN = 'svc.cluster.local';
const SERVICE_FQDN = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/;

/** The namespace of an object's JSON. */
export function namespaceOf(json: any): string {
  const ns = json?.metadata?.namespace;
  return typeof ns === 'string' && ns !== '' ? ns : DEFAULT_NAMESPACE;
}

/**
 * The host as Istio names it: a short name (no dot, no wildcard) is the Kubernetes Service
 * `<name>.<namespace>.svc.cluster.local` of the object's namespace; any other host is taken as
 * written (`reviews.team1` is not expanded, as in Istio).
 */
export function fqdn(host: string, namespace: string): string {
  return host.startsWith('*') || host.includes('.') ? host : `${host}.${namespace}.${CLUSTER_DOMAIN}`;
}

/**
 * The Kubernetes Service a destination host names, as `<namespace>/<name>`: a
 * `<name>.<namespace>.svc.cluster.local` FQDN names a Service of that namespace, any other host
 * the Service of that name in the referring object's namespace (GetResourceNameFromHost).
 */
export function serviceKey(host: string, namespace: string): string {
  const m = SERVICE_FQDN.exec(host);
  return m ? `${m[2]}/${m[1]}` : `${namespace}/${host}`;
}

/** Whether two hosts overlap, wildcards included (`*.example.com` matches `a.example.com` and `*.b.example.com`). */
export function hostsMatch(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/**
 * Where an object is visible: `*` (every namespace: no exportTo, or `*` in it) or the list of
 * namespaces it is exported to (`.` is its own; `~`, none, adds no namespace).
 */
export function visibility(exportTo: unknown, namespace: string): string[] {
  if (!Array.isArray(exportTo) || exportTo.length === 0 || exportTo.includes('*')) return ['*'];
  return [...new Set(exportTo.filter(e => typeof e === 'string' && e !== '~').map(e => (e === '.' ? namespace : e)))];
}

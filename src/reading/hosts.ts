// Host identity (internal): how the tools name a host, and which routing hosts and gateways
// cover a request's. Shared by every provider's reader and by the simulator.
import { MESH_GATEWAY } from '../model/_constants';

/**
 * The fully qualified form of a host: a short name `reviews` is `reviews.<namespace>.svc.cluster.local`
 * (Istio's rule); `reviews.<ns>` and `reviews.<ns>.svc` are expanded too; other names are kept.
 */
export function hostKey(host: string, namespace: string): string {
  // Memoized: the reader asks for the same few hosts once per destination (5% of a `diff`).
  let byHost = hostKeys.get(namespace);
  if (!byHost) {
    if (hostKeys.size > 1000) hostKeys.clear();
    byHost = new Map();
    hostKeys.set(namespace, byHost);
  }
  let key = byHost.get(host);
  if (key === undefined) {
    if (byHost.size > 100_000) byHost.clear();
    key = computeHostKey(host, namespace);
    byHost.set(host, key);
  }
  return key;
}

const hostKeys = new Map<string, Map<string, string>>();

function computeHostKey(host: string, namespace: string): string {
  const h = host.toLowerCase();
  if (h.includes('*')) return h;
  const labels = h.split('.');
  if (labels.length === 1) return `${h}.${namespace}.svc.cluster.local`;
  if (labels.length === 3 && labels[2] === 'svc') return `${h}.cluster.local`;
  return h;
}

/** The Service name and namespace of a cluster-local host key, if it is one. */
export function serviceOf(key: string): { name: string; namespace: string } | undefined {
  const m = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(key);
  return m ? { name: m[1], namespace: m[2] } : undefined;
}

/** Whether gateway `a` (as a rule or routing names it) is gateway `b` (as a request names it). */
export function sameGateway(a: string, b: string): boolean {
  if (a === b) return true;
  if (a === MESH_GATEWAY || b === MESH_GATEWAY) return false;
  const short = (g: string) => g.split('/').pop();
  return (!a.includes('/') || !b.includes('/')) && short(a) === short(b);
}

/**
 * Whether a routing host (`reviews`, `reviews.default.svc.cluster.local`, `*.example.com`)
 * covers a request host. Short names match their cluster-local forms in any namespace.
 */
export function sameHost(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  if (p === '*' || p === host) return true;
  if (p.startsWith('*.')) return host.endsWith(p.slice(1));
  const local = (h: string) => h.replace(/\.svc(\.cluster\.local)?$/, '').split('.');
  const [a, b] = [local(p), local(host)];
  if (a.length > 2 || b.length > 2) return false;
  return a[0] === b[0] && (a.length === 1 || b.length === 1 || a[1] === b[1]);
}

// Warnings that apply to every VirtualService, those our constructs wrote included (the
// constructs check each object's errors themselves, not these): a public-looking host served
// to in-mesh callers only, and a legacy `name.namespace` gateway reference.
import { Report, show } from './_check';
import { checkGatewayNames } from './virtual-service';
import { Finding, Severity } from '../../../analyzer/finding';
import { MESH_GATEWAY } from '../../../model/_util';

/** Last labels of names that stay inside a cluster or a private network. */
const PRIVATE_SUFFIXES = ['local', 'internal', 'localhost', 'lan', 'intranet', 'corp', 'home', 'private', 'test', 'invalid', 'example', 'arpa'];

/** Top-level domains that no namespace is likely to be named after. */
const COMMON_TLDS = ['com', 'net', 'org', 'io', 'dev', 'app', 'co', 'ai', 'cloud', 'info', 'biz', 'eu', 'de', 'uk', 'fr', 'nl', 'us', 'ca', 'au', 'jp', 'in', 'br', 'ch', 'se'];

/**
 * Whether a VirtualService host looks like a public DNS name: a dotted name (not an IP, not a
 * wildcard alone) that is not a Service name (`<name>`, `<name>.<namespace>`,
 * `<name>.<namespace>.svc...`) and not under a private suffix such as `.local` or `.internal`;
 * two labels count only under a common top-level domain (`example.com`, not `reviews.default`).
 */
export function looksPublic(host: string): boolean {
  const name = host.startsWith('*.') ? host.slice(2) : host;
  if (!/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(name)) return false;
  const labels = name.toLowerCase().split('.');
  if (labels.every(l => /^[0-9]+$/.test(l))) return false; // an IPv4 address
  if (labels.includes('svc')) return false;
  if (PRIVATE_SUFFIXES.includes(labels[labels.length - 1])) return false;
  // Two labels may be `<name>.<namespace>` (`reviews.default`): public only under a common top-level domain.
  return labels.length > 2 || COMMON_TLDS.includes(labels[1]);
}

/**
 * `public-host-mesh-only`: a VirtualService bound to the mesh only (no `gateways`, or only
 * `mesh`) that lists a public-looking host: only in-mesh callers that send that name reach
 * the route, not the public.
 */
export function checkMeshOnlyPublicHosts(json: any, source: string): Finding[] {
  const spec = json?.spec ?? {};
  const gateways: unknown[] = Array.isArray(spec.gateways) ? spec.gateways : [];
  if (!gateways.every(g => g === MESH_GATEWAY)) return [];
  const hosts: unknown[] = Array.isArray(spec.hosts) ? spec.hosts : [];
  const findings: Finding[] = [];
  hosts.forEach((h, i) => {
    if (typeof h !== 'string' || !looksPublic(h)) return;
    const service = hosts.find(x => typeof x === 'string' && !x.includes('.'));
    findings.push({
      severity: Severity.WARNING,
      rule: 'public-host-mesh-only',
      source,
      message: `hosts[${i}]: ${show(h)} looks like a public host, but the VirtualService is bound to no gateway, so only in-mesh callers that send that name reach it; `
        + 'bind it to a gateway (`gateways: [\'<namespace>/<gateway>\']`, with `includeMesh: false` for the public route only), '
        + `or remove the host${service ? ` (in-mesh callers use ${show(service)})` : ''}`,
    });
  });
  return findings;
}

/** The warnings of the webhook's per-object rules that our constructs do not check: legacy gateway names. */
export function checkConstructWarnings(json: any, source: string): Finding[] {
  const gateways = json?.spec?.gateways;
  if (!Array.isArray(gateways)) return [];
  const r = new Report(source);
  checkGatewayNames(r, 'gateways', gateways);
  return r.findings.filter(f => f.severity === Severity.WARNING);
}

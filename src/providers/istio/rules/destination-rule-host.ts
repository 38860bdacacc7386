// DestinationRule hosts that match no Service (analyzer IST0174 UnknownDestinationRuleHost),
// internal. Follows istio/istio pkg/config/analysis/analyzers/destinationrule/subset.go and
// util/service_lookup.go (InitServiceEntryHostMap, GetDestinationHost); the code is ours.
//
// Istio looks the rule's host up among the Services and ServiceEntries, each visible in a
// scope (`*`, or a namespace): a Service in every namespace unless its
// `networking.istio.io/exportTo` annotation says otherwise, a ServiceEntry by its exportTo
// (`.` its own namespace). The host, as a FQDN of the rule's namespace, is found when an
// entry exported everywhere has it, or one exported to a namespace the rule is exported to
// (no exportTo: the rule's own namespace), or a wildcard ServiceEntry host visible everywhere
// or in the rule's namespace ends with the host's suffix (a wildcard rule host matches a
// Service only through such a wildcard entry).
//
// Offline, the input is a partial view: a host of the cluster domain is judged only when the
// input holds Services of its namespace, any other host only when the input holds Services at
// all; and it is a warning, as in Istio.
import { fqdn, namespaceOf } from './hosts';
import { AnalyzedObject as Obj } from '../../../analyzer/_objects';

const CLUSTER_HOST = /^(?:[^.]+|\*)\.([^.]+)\.svc\.cluster\.local$/;
const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

function isServiceEntry(json: any): boolean {
  return json?.kind === 'ServiceEntry' && typeof json?.apiVersion === 'string' && json.apiVersion.startsWith('networking.istio.io/');
}

/** The DestinationRules among `drs` whose host matches no Service or ServiceEntry of `objects`, each as an IST0174 warning. */
export function checkDestinationRuleHosts(objects: Obj[], drs: Obj[], add: (dr: Obj, message: string) => void): void {
  /** `<scope>/<fqdn>` of every Service and ServiceEntry host. */
  const entries = new Set<string>();
  /** Wildcard ServiceEntry hosts: scope and the suffix after `*`. */
  const wildcards: Array<{ scope: string; suffix: string }> = [];
  const serviceNamespaces = new Set<string>();
  for (const o of objects) {
    const json = o.json;
    if (json?.kind === 'Service' && json?.apiVersion === 'v1') {
      const ns = namespaceOf(json);
      serviceNamespaces.add(ns);
      const annotation = json.metadata?.annotations?.[EXPORT_TO_ANNOTATION];
      const scopes = typeof annotation === 'string' && annotation !== ''
        ? annotation.split(',').map(s => s.trim()).map(s => (s === '.' ? ns : s))
        : ['*'];
      for (const scope of scopes) entries.add(`${scope}/${fqdn(String(json.metadata?.name ?? ''), ns)}`);
    } else if (isServiceEntry(json)) {
      const ns = namespaceOf(json);
      const exportTo: unknown[] = Array.isArray(json.spec?.exportTo) ? json.spec.exportTo : [];
      const scopes = exportTo.length === 0 || exportTo.includes('*') ? ['*']
        : exportTo.filter((e): e is string => typeof e === 'string').map(e => (e === '.' ? ns : e));
      for (const h of Array.isArray(json.spec?.hosts) ? json.spec.hosts : []) {
        if (typeof h !== 'string' || h === '') continue;
        const host = fqdn(h, ns);
        for (const scope of scopes) {
          entries.add(`${scope}/${host}`);
          if (host.startsWith('*')) wildcards.push({ scope, suffix: host.slice(1) });
        }
      }
    }
  }
  if (serviceNamespaces.size === 0) return;

  for (const dr of drs) {
    const spec = dr.json.spec ?? {};
    if (typeof spec.host !== 'string' || spec.host === '') continue; // the webhook rule says so
    const ns = namespaceOf(dr.json);
    const host = fqdn(spec.host, ns);
    const cluster = CLUSTER_HOST.exec(host);
    if (cluster && !serviceNamespaces.has(cluster[1])) continue; // that namespace's Services are not in the input
    if (found(host, ns, spec.exportTo)) continue;
    add(dr, `The host ${spec.host} defined in the DestinationRule does not match any services in the mesh (IST0174): `
      + `no Service or ServiceEntry of the input has host ${JSON.stringify(host)} visible to namespace ${ns}; `
      + 'its settings apply to no traffic: fix the host, or add the Service or ServiceEntry');
  }

  function found(host: string, ns: string, exportTo: unknown): boolean {
    if (entries.has(`*/${host}`)) return true;
    const scopes = Array.isArray(exportTo) && exportTo.length > 0
      ? exportTo.filter((e): e is string => typeof e === 'string').map(e => (e === '.' ? ns : e))
      : [ns];
    if (scopes.some(scope => entries.has(`${scope}/${host}`))) return true;
    const bare = host.startsWith('*') ? host.slice(1) : host;
    return wildcards.some(w => (w.scope === '*' || w.scope === ns) && bare.endsWith(w.suffix));
  }
}


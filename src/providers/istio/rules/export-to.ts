// Istio's webhook rules for exportTo (internal). Follows istio/istio pkg/config/validation
// validateExportTo and pkg/config/visibility; the code is ours.
import { Report, isIstioDnsLabel, list, show } from './_check';

/**
 * exportTo: `.`, `*` or namespaces (DNS-1123 labels), no duplicates (`.` is the object's own
 * namespace), `*` alone; a DestinationRule with a workload selector only to its own namespace.
 */
export function checkExportTo(r: Report, exportTo: unknown, namespace: string, withWorkloadSelector: boolean): void {
  const entries = list(exportTo);
  if (entries.length === 0) return;
  const seen = new Set<string>();
  for (const e of entries) {
    const key = e === '.' ? namespace : e;
    if (seen.has(key)) {
      r.error('export-to', 'exportTo', key !== e
        ? `duplicate entries in exportTo: . and current namespace ${namespace}; keep one`
        : `duplicate entries in exportTo for entry ${show(e)}; keep one`);
      continue;
    }
    if (e === '~') {
      r.error('export-to', 'exportTo', 'exportTo ~ (none) is not allowed for Istio configuration objects');
    } else if (e !== '.' && e !== '*' && !isIstioDnsLabel(key)) {
      r.error('export-to', 'exportTo', `only ., *, or a valid DNS 1123 label is allowed as exportTo entry, got ${show(e)}`);
    } else {
      seen.add(key);
    }
  }
  if (withWorkloadSelector && seen.size > 0) {
    if (!seen.has(namespace)) {
      r.error('export-to', 'exportTo', `destination rule with workload selector cannot have exportTo beyond current namespace ${show(namespace)}`);
    } else if (seen.size > 1) {
      r.error('export-to', 'exportTo', 'destination rule with workload selector cannot have multiple entries in exportTo; keep "."');
    }
  }
  if (seen.has('*') && entries.length > 1) {
    r.error('export-to', 'exportTo', 'cannot have both public (*) and non-public exportTo values for a resource; "*" alone exports everywhere');
  }
}

// Istio's webhook rules for one DestinationRule (internal): host, subsets, traffic policies,
// exportTo and workload selector. Follows istio/istio pkg/config/validation
// ValidateDestinationRule and validateSubset; the code is ours.
import { Report, checkLabels, entries, isIstioDnsLabel, isObject, list, show, wildcardDomainError } from './_check';
import { checkExportTo } from './export-to';
import { checkTrafficPolicy } from './traffic-policy';

export function checkDestinationRule(json: any, namespace: string, r: Report): void {
  const spec = isObject(json?.spec) ? json.spec : {};
  const hostError = wildcardDomainError(spec.host ?? '');
  if (hostError) r.error('dr-host', 'host', `${show(spec.host ?? '')} is not a valid host: ${hostError}`);
  checkTrafficPolicy(r, 'trafficPolicy', spec.trafficPolicy, namespace);

  const names = new Set<unknown>();
  for (const [i, subset] of list(spec.subsets).entries()) {
    if (!isObject(subset)) {
      r.error('subset-name', `subsets[${i}]`, 'subset may not be null');
      continue;
    }
    if (names.has(subset.name)) r.error('duplicate-subset', '', `duplicate subset names: ${subset.name}; remove one`);
    names.add(subset.name);
    if (subset.name === undefined || subset.name === '') {
      r.error('subset-name', `subsets[${i}]`, 'subset name cannot be empty');
    } else if (!isIstioDnsLabel(subset.name)) {
      r.error('subset-name', '', `subset name ${show(subset.name)} is invalid: it must be a DNS-1123 label (letters, digits, '-', at most 63); rename the subset`);
    }
    checkLabels(r, 'subset-labels', `subsets[${i}].labels`, subset.labels);
    checkTrafficPolicy(r, `subsets[${i}].trafficPolicy`, subset.trafficPolicy, namespace);
  }

  const selector = spec.workloadSelector;
  checkExportTo(r, spec.exportTo, namespace, isObject(selector));
  if (isObject(selector)) {
    const labels = entries(selector.matchLabels);
    for (const [k, v] of labels) {
      if (k === '') r.error('workload-selector', 'workloadSelector.matchLabels', `empty key is not supported in selector: ${show(`${k}=${v}`)}`);
      if (k.includes('*') || String(v).includes('*')) r.error('workload-selector', 'workloadSelector.matchLabels', `wildcard is not supported in selector: ${show(`${k}=${v}`)}`);
    }
    if (labels.length === 0) r.warn('workload-selector', 'workloadSelector', 'workload selector specified without labels; it selects every workload of the namespace');
  }
}

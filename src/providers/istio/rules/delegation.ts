// VirtualService delegation across objects (internal), as Istio's pilot merges it
// (pilot/pkg/model/virtualservice.go, mergeVirtualServicesIfNeeded; the code is ours): a root
// rule's `delegate` names a VirtualService without hosts (namespace: the root's by default);
// a delegate rule is dropped when one of its matches lies within none of the root rule's.
import { AnalyzedObject as Obj } from '../../../analyzer/_objects';
import { Severity } from '../../../analyzer/finding';
import { delegateKey, mergeMatches } from '../_delegation';
import { namespaceOf } from './hosts';

type Add = (severity: Severity, rule: string, o: Obj, message: string) => void;

/** Missing delegates, delegates with hosts, and delegate rules outside their root rule's matches. */
export function checkDelegation(vss: Obj[], add: Add): void {
  const byKey = new Map<string, Obj>();
  for (const vs of vss) byKey.set(delegateKey(namespaceOf(vs.json), `${vs.json.metadata?.name}`), vs);
  for (const root of vss) {
    const http: any[] = Array.isArray(root.json.spec?.http) ? root.json.spec.http : [];
    http.forEach((r, i) => {
      if (typeof r?.delegate?.name !== 'string') return;
      const where = `http[${i}]${r.name ? ` (${r.name})` : ''}`;
      const ns = r.delegate.namespace || namespaceOf(root.json);
      const target = byKey.get(delegateKey(ns, r.delegate.name));
      if (!target) {
        add(Severity.ERROR, 'vs-delegate', root, `${where}: delegates to VirtualService ${ns}/${r.delegate.name}, which does not exist; Istio routes none of the rule's requests; add it, or fix the name`);
        return;
      }
      const hosts = target.json.spec?.hosts;
      if (Array.isArray(hosts) && hosts.length > 0) {
        add(Severity.ERROR, 'vs-delegate', root, `${where}: delegates to VirtualService ${ns}/${r.delegate.name}, which has hosts; a delegate must have none, so Istio ignores it; remove its hosts`);
        return;
      }
      const rootMatches: any[] = Array.isArray(r.match) ? r.match : [];
      const inner: any[] = Array.isArray(target.json.spec?.http) ? target.json.spec.http : [];
      inner.forEach((d, j) => {
        if (mergeMatches(rootMatches, Array.isArray(d?.match) ? d.match : []) === undefined) {
          add(Severity.ERROR, 'vs-delegate', target, `http[${j}]${d?.name ? ` (${d.name})` : ''}: a match lies outside the matches of ${root.source} ${where}, which delegates to it; `
            + 'Istio drops the rule; narrow its matches to the root rule\'s');
        }
      });
    });
  }
}

// Istio VirtualService delegation (internal), as the reader models it: a root rule with
// `delegate` stands for the delegate VirtualService's rules, each rule's matches merged with
// (ANDed with) the root rule's. Istio keeps a delegate rule only when every one of its
// matches lies within one of the root rule's matches (a delegate match outside all of them is
// a conflict, and the rule is dropped), and merges each pair of root and delegate match that
// do not conflict.
// See https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate

/** One raw HTTP rule to read, with the namespace its short host names resolve in. */
export interface ExpandedRule {
  readonly rule: any;
  readonly where: string;
  readonly namespace: string;
}

/** `<namespace>/<name>` of a VirtualService. */
export function delegateKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * The HTTP rules of a VirtualService with delegation resolved. `delegates` holds the
 * VirtualServices without hosts by `<namespace>/<name>`; `warn` reports a missing delegate
 * and dropped delegate rules.
 */
export function expandDelegation(http: any[], namespace: string, delegates: Map<string, any>, warn: (message: string) => void): ExpandedRule[] {
  const out: ExpandedRule[] = [];
  http.forEach((r, i) => {
    const where = `http[${i}]${r?.name ? ` (${r.name})` : ''}`;
    if (!r?.delegate || typeof r.delegate.name !== 'string') {
      out.push({ rule: r ?? {}, where, namespace });
      return;
    }
    const ns = typeof r.delegate.namespace === 'string' && r.delegate.namespace !== '' ? r.delegate.namespace : namespace;
    const target = delegates.get(delegateKey(ns, r.delegate.name));
    if (!target) {
      warn(`${where}: delegates to VirtualService ${ns}/${r.delegate.name}, which is not among the objects (or has hosts)`);
      out.push({ rule: r, where, namespace });
      return;
    }
    const rootMatches: any[] = Array.isArray(r.match) ? r.match : [];
    const inner: any[] = Array.isArray(target.spec?.http) ? target.spec.http : [];
    inner.forEach((d, j) => {
      const dWhere = `${where} -> VirtualService ${ns}/${r.delegate.name} http[${j}]${d?.name ? ` (${d.name})` : ''}`;
      if (d?.delegate) {
        warn(`${dWhere}: a delegate VirtualService cannot delegate again; ignored`);
        return;
      }
      const merged = mergeMatches(rootMatches, Array.isArray(d?.match) ? d.match : []);
      if (merged === undefined) {
        warn(`${dWhere}: a match lies outside the root rule's matches, so Istio drops the rule; ignored`);
        return;
      }
      const name = d?.name ? (r.name ? `${r.name}-${d.name}` : d.name) : r.name;
      const rule: any = { ...d, name, match: merged.length > 0 ? merged : undefined };
      for (const k of ['timeout', 'retries', 'fault', 'mirror', 'mirrorPercentage', 'headers']) {
        if (rule[k] === undefined && r[k] !== undefined) rule[k] = r[k];
      }
      if (rule.name === undefined) delete rule.name;
      if (rule.match === undefined) delete rule.match;
      out.push({ rule, where: dWhere, namespace: ns });
    });
  });
  return out;
}

/** Istio's merge of root and delegate matches; undefined when a delegate match conflicts with every root match. */
export function mergeMatches(root: any[], delegate: any[]): any[] | undefined {
  if (root.length === 0) return delegate;
  if (delegate.length === 0) return root;
  const out: any[] = [];
  for (const sub of delegate) {
    const within = root.filter(r => !conflicts(r ?? {}, sub ?? {}));
    if (within.length === 0) return undefined;
    for (const r of within) out.push(mergeMatch(r ?? {}, sub ?? {}));
  }
  return out;
}

function mergeMatch(root: any, sub: any): any {
  const out: any = { ...sub };
  for (const k of ['uri', 'method', 'scheme', 'authority', 'port', 'ignoreUriCase', 'sourceNamespace', 'gateways']) {
    if (out[k] === undefined && root[k] !== undefined) out[k] = root[k];
  }
  for (const k of ['headers', 'withoutHeaders', 'queryParams', 'sourceLabels']) {
    if (root[k] !== undefined || sub[k] !== undefined) out[k] = { ...(root[k] ?? {}), ...(sub[k] ?? {}) };
  }
  return out;
}

/** Whether a delegate match is not within a root match (Istio's hasConflict). */
function conflicts(root: any, sub: any): boolean {
  for (const k of ['method', 'scheme', 'authority']) {
    if (root[k] !== undefined && sub[k] !== undefined && !stringWithin(root[k], sub[k])) return true;
  }
  if (root.uri !== undefined && sub.uri !== undefined && !stringWithin(root.uri, sub.uri)) return true;
  if (root.port !== undefined && sub.port !== undefined && root.port !== sub.port) return true;
  if (root.ignoreUriCase !== undefined && sub.ignoreUriCase !== undefined && root.ignoreUriCase !== sub.ignoreUriCase) return true;
  for (const k of ['headers', 'withoutHeaders', 'queryParams']) {
    for (const [name, m] of Object.entries(root[k] ?? {})) {
      const s = (sub[k] ?? {})[name];
      if (s !== undefined && !stringWithin(m, s)) return true;
    }
  }
  for (const [name, v] of Object.entries(root.sourceLabels ?? {})) {
    const s = (sub.sourceLabels ?? {})[name];
    if (s !== undefined && s !== v) return true;
  }
  return false;
}

/** Whether every value the delegate StringMatch accepts, the root one accepts (as Istio checks it). */
function stringWithin(root: any, sub: any): boolean {
  if (typeof root?.prefix === 'string') {
    if (typeof sub?.prefix === 'string') return sub.prefix.startsWith(root.prefix);
    if (typeof sub?.exact === 'string') return sub.exact.startsWith(root.prefix);
    return false;
  }
  if (typeof root?.exact === 'string') return typeof sub?.exact === 'string' && sub.exact === root.exact;
  if (typeof root?.regex === 'string') return typeof sub?.regex === 'string' && sub.regex === root.regex;
  return JSON.stringify(root) === JSON.stringify(sub);
}

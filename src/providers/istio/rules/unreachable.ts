// Istio's webhook warnings on HTTP rules that can never match (internal). Follows istio/istio
// pkg/config/validation analyzeUnreachableHTTPRules (IST0130 VirtualServiceUnreachableRule,
// IST0131 VirtualServiceIneffectiveMatch); the code is ours.
import { Report } from './_check';

/**
 * Rules after a catch-all rule (one without matches, or with an empty match), rules whose
 * matches all repeat earlier ones, and prefix matches covered by an earlier, shorter prefix
 * with the same other conditions.
 */
export function checkUnreachableRules(json: any, r: Report): void {
  const http: any[] = Array.isArray(json?.spec?.http) ? json.spec.http : [];
  const seenMatches = new Map<string, number>();
  const prefixes: PrefixMatch[] = [];
  let catchAllAt = -1;
  http.forEach((rule: any, i: number) => {
    if (!rule || typeof rule !== 'object') return;
    const matches: any[] = Array.isArray(rule.match) ? rule.match : [];
    if (catchAllAt >= 0) {
      const reason = matches.length === 0 ? 'only the last rule can have no matches' : 'route without matches defined before';
      r.warn('unreachable-rule', '', `virtualService rule ${ruleLabel(rule, i)} not used (${reason}) (IST0130); `
        + `http[${catchAllAt}] matches every request: move this rule before it, or remove it`);
    } else {
      let duplicates = 0;
      matches.forEach((m, k) => {
        const key = stableKey(m);
        const earlier = seenMatches.get(key);
        if (earlier !== undefined) {
          duplicates++;
          r.warn('ineffective-match', '', `virtualService rule ${ruleLabel(rule, i)} has a match that is not used (duplicate match in an earlier rule) (IST0131); remove the duplicate`);
          return;
        }
        seenMatches.set(key, i);
        const p = prefixMatch(m, i, k, rule);
        if (p) prefixes.push(p);
      });
      if (matches.length > 0 && duplicates === matches.length) {
        r.warn('unreachable-rule', '', `virtualService rule ${ruleLabel(rule, i)} not used (all matches used by prior rules) (IST0130); remove it`);
      }
    }
    if ((matches.length === 0 || matches.some(m => isEmptyMatch(m))) && catchAllAt < 0) catchAllAt = i;
  });
  // A prefix match covered by an earlier one: pairs, so only for a bounded number of them.
  if (prefixes.length > 200) return;
  for (let a = 0; a < prefixes.length; a++) {
    for (let b = a + 1; b < prefixes.length; b++) {
      const [pa, pb] = [prefixes[a], prefixes[b]];
      if (pa.prefix !== pb.prefix && covers(pa, pb)) {
        r.warn('ineffective-match', '', `virtualService rule ${pb.rule} match ${pb.match} of prefix ${JSON.stringify(pb.prefix)} is not used `
          + `(overlapping match: prefix ${JSON.stringify(pa.prefix)} of rule ${pa.rule} comes first) (IST0131); put the longer prefix first`);
      }
    }
  }
}

interface PrefixMatch {
  readonly rule: string;
  readonly match: string;
  readonly prefix: string;
  readonly port: unknown;
  readonly method: string;
  readonly authority: string;
  readonly headers: Map<string, string>;
  readonly queryParams: Map<string, string>;
  readonly withoutHeaders: Map<string, string>;
}

/** A uri prefix match and its other conditions, as exact/prefix strings (Istio's genMatchHTTPRoutes). */
function prefixMatch(m: any, i: number, k: number, rule: any): PrefixMatch | undefined {
  const prefix = m?.uri?.prefix;
  if (typeof prefix !== 'string' || prefix === '') return undefined;
  const cond = (sm: any) => (sm?.exact ? `exact:${sm.exact}` : sm?.prefix ? `prefix:${sm.prefix}` : '');
  const map = (o: any) => new Map(Object.entries(o && typeof o === 'object' ? o : {}).map(([key, sm]) => [key, cond(sm)]));
  return {
    rule: ruleLabel(rule, i),
    match: m.name ? JSON.stringify(m.name) : `#${k}`,
    prefix,
    port: m.port ?? 0,
    method: cond(m.method) || 'exact:GET',
    authority: cond(m.authority),
    headers: map(m.headers),
    queryParams: map(m.queryParams),
    withoutHeaders: map(m.withoutHeaders),
  };
}

/** Whether every request `b` matches is matched by the earlier `a` (Istio's coveredValidation). */
function covers(a: PrefixMatch, b: PrefixMatch): boolean {
  const within = (x: string, y: string) => x === y || x.startsWith(y);
  const sameKeys = (x: Map<string, string>, y: Map<string, string>) =>
    x.size === y.size && [...x].every(([key, v]) => y.has(key) && within(v, y.get(key)!));
  return b.prefix.startsWith(a.prefix) && a.port === b.port && within(a.method, b.method) && within(a.authority, b.authority)
    && sameKeys(a.headers, b.headers) && sameKeys(a.queryParams, b.queryParams) && sameKeys(a.withoutHeaders, b.withoutHeaders);
}

function ruleLabel(rule: any, i: number): string {
  return rule?.name ? JSON.stringify(rule.name) : `#${i}`;
}

function isEmptyMatch(m: any): boolean {
  return !m || Object.keys(m).filter(k => k !== 'name').length === 0;
}

/** A key equal for equal matches, whatever the order of their fields; names aside. */
function stableKey(value: any): string {
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).filter(k => k !== 'name').sort().map(k => `${k}:${stableKey(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

// Paths as model matches (internal): SharedHost paths for both providers, and the
// path-element prefixes the Gateway API and Ingress readers read.
import { MatchField, RequestMatch, StringMatch, StringMatchType } from './request-match';
import { escapeRegex } from '../internal/regex';

/**
 * A prefix of whole path elements (a Gateway API PathPrefix, an Ingress `Prefix`): `/abc`
 * matches `/abc`, `/abc/` and `/abc/def`, not `/abcd`; a trailing `/` is ignored. Undefined
 * for `/`, which matches every path.
 */
export function pathElementPrefix(value: string): RequestMatch | undefined {
  const trimmed = value.replace(/\/+$/, '');
  if (trimmed === '') return undefined;
  try {
    return RequestMatch.uri(StringMatch.pathPrefix(trimmed));
  } catch {
    // Not a normalized path (`//`, `..`, spaces): the same segments as a regular expression.
    return RequestMatch.uri(StringMatch.regex(`^${escapeRegex(trimmed)}(/.*)?$`));
  }
}

/**
 * The model matches of a path: a prefix is a path-segment prefix, `/static` matching
 * `/static` and `/static/...` (the Gateway API's PathPrefix); `/` matches every path.
 */
export function pathMatches(m: StringMatch): RequestMatch[] {
  if ((m.type === StringMatchType.PREFIX || m.type === StringMatchType.PATH_PREFIX) && m.value !== '/') {
    return [RequestMatch.uri(StringMatch.exact(m.value)), RequestMatch.uri(StringMatch.prefix(`${m.value}/`))];
  }
  return [RequestMatch.uri(m)];
}

/**
 * ORed matches with each pair `C and uri exact P` / `C and uri prefix P/` (how Istio renders a
 * whole-segment prefix) read back as `C and uri pathPrefix P`. Same requests; the order of
 * ORed matches does not matter.
 */
export function withPathPrefixes(matches: RequestMatch[]): RequestMatch[] {
  const uriOf = (m: RequestMatch) => m.conditions.find(c => c.field === MatchField.URI);
  const rest = (m: RequestMatch) => RequestMatch._ofConditions(m.conditions.filter(c => c.field !== MatchField.URI)).key;
  const out = [...matches];
  for (let i = 0; i < out.length; i++) {
    const u = uriOf(out[i]);
    if (!u || u.match.type !== StringMatchType.EXACT || u.match.value.endsWith('/')) continue;
    let prefix: StringMatch;
    try {
      prefix = StringMatch.pathPrefix(u.match.value);
    } catch {
      continue;
    }
    if (prefix.value !== u.match.value) continue;
    const j = out.findIndex((m, k) => k !== i && uriOf(m)?.match.type === StringMatchType.PREFIX && uriOf(m)!.match.value === `${u.match.value}/` && rest(m) === rest(out[i]));
    if (j < 0) continue;
    out[i] = RequestMatch._ofConditions(out[i].conditions.map(c => (c === u ? { ...c, match: prefix, description: `uri ${prefix}` } : c)));
    out.splice(j, 1);
    if (j < i) i--;
  }
  return out;
}

// Paths as model matches (internal): SharedHost paths for both providers, and the
// path-element prefixes the Gateway API and Ingress readers read.
import { RequestMatch, StringMatch, StringMatchType } from './request-match';
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

// Paths as model matches (internal): SharedHost paths for both providers.
import { RequestMatch, StringMatch, StringMatchType } from './request-match';

/**
 * The model matches of a path: a prefix is a path-segment prefix, `/static` matching
 * `/static` and `/static/...` (the Gateway API's PathPrefix); `/` matches every path.
 */
export function pathMatches(m: StringMatch): RequestMatch[] {
  if (m.type === StringMatchType.PREFIX && m.value !== '/') {
    return [RequestMatch.uri(StringMatch.exact(m.value)), RequestMatch.uri(StringMatch.prefix(`${m.value}/`))];
  }
  return [RequestMatch.uri(m)];
}

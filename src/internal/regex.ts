// RE2 checks shared by matches and the analyzer (internal).
import { RE2JS } from 're2js';
import { fail, show } from './validation';

/**
 * Istio's limit on a regular expression's length, in UTF-8 bytes (validateStringMatchRegexp).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 */
export const MAX_REGEX_LENGTH = 1024;

/** Checks a regex with RE2 (Envoy's engine) and Istio's length limit; throws naming `who`. */
export function validateRegex(who: string, pattern: string): void {
  const bytes = Buffer.byteLength(pattern, 'utf8');
  if (bytes > MAX_REGEX_LENGTH) {
    fail(who, `pattern must be at most ${MAX_REGEX_LENGTH} bytes (Istio's limit), got ${bytes} bytes`);
  }
  const error = regexError(pattern);
  if (error !== undefined) {
    fail(who, `pattern must be a valid RE2 regular expression (the syntax Envoy uses; no look-arounds or back-references), got ${show(pattern)}: ${error}`);
  }
}

/** Perl syntax RE2 lacks: what a construct is, and what to write instead. */
const UNSUPPORTED: Array<{ starts: string; what: string; instead: string }> = [
  { starts: '(?<=', what: 'a look-behind', instead: 'match the preceding text as part of the pattern' },
  { starts: '(?<!', what: 'a negative look-behind', instead: 'match the allowed preceding text as part of the pattern, or use a second route' },
  { starts: '(?=', what: 'a look-ahead', instead: 'match the following text as part of the pattern' },
  { starts: '(?!', what: 'a negative look-ahead', instead: 'list the allowed values, or use RequestMatch.withoutHeader() for "does not match" (Istio only)' },
  { starts: '(?>', what: 'an atomic group', instead: 'use a plain group "(...)" or "(?:...)"' },
  { starts: '(?P=', what: 'a named back-reference', instead: 'repeat the text, or list the alternatives' },
  { starts: '\\k<', what: 'a named back-reference', instead: 'repeat the text, or list the alternatives' },
  { starts: '\\k{', what: 'a named back-reference', instead: 'repeat the text, or list the alternatives' },
];

/**
 * The Perl construct of `pattern` that RE2 does not support, explained, if there is one
 * outside character classes (re2js reports a look-behind as an "invalid named capture").
 */
function unsupportedConstruct(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '[') {
      // Skip a character class: a ']' right after '[' or '[^' is a literal.
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      for (; j < pattern.length && pattern[j] !== ']'; j++) if (pattern[j] === '\\') j++;
      i = j;
      continue;
    }
    const found = UNSUPPORTED.find(u => pattern.startsWith(u.starts, i));
    if (found) return `${show(found.starts)} at offset ${i} starts ${found.what}, which RE2 (Envoy's engine) does not support; ${found.instead}`;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next !== undefined && next >= '1' && next <= '9') {
        return `${show(`\\${next}`)} at offset ${i} is a back-reference, which RE2 (Envoy's engine) does not support; repeat the text, or list the alternatives`;
      }
      i++;
      continue;
    }
    if ('*+?}'.includes(c) && pattern[i + 1] === '+') {
      return `${show(c + '+')} at offset ${i} is a possessive quantifier, which RE2 (Envoy's engine) does not support; use ${show(c)}`;
    }
  }
  return undefined;
}

/** Escapes every RE2 metacharacter of `literal`. */
export function escapeRegex(literal: string): string {
  return literal.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}


/**
 * The RE2 compile error of `pattern`, or undefined when it is valid. Perl constructs RE2 lacks
 * (look-arounds, back-references, atomic groups, possessive quantifiers) are named, with what
 * to write instead.
 */
export function regexError(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (e) {
    return unsupportedConstruct(pattern) ?? (e as Error).message;
  }
}

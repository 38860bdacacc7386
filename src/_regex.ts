// RE2 checks shared by matches and the analyzer (internal).
import { RE2JS } from 're2js';
import { fail, show } from './_validation';

/**
 * Istio's limit on a regular expression's length, in characters.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 */
export const MAX_REGEX_LENGTH = 1024;

/** Checks a regex with RE2 (Envoy's engine) and Istio's length limit; throws naming `who`. */
export function validateRegex(who: string, pattern: string): void {
  if (pattern.length > MAX_REGEX_LENGTH) {
    fail(who, `pattern must be at most ${MAX_REGEX_LENGTH} characters (Istio's limit), got ${pattern.length} characters`);
  }
  try {
    RE2JS.compile(pattern);
  } catch (e) {
    fail(who, `pattern must be a valid RE2 regular expression (the syntax Envoy uses; no look-arounds or back-references), got ${show(pattern)}: ${(e as Error).message}`);
  }
}

/** Escapes every RE2 metacharacter of `literal`. */
export function escapeRegex(literal: string): string {
  return literal.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}


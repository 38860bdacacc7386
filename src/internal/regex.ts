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


/** The RE2 compile error of `pattern`, or undefined when it is valid. */
export function regexError(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

// RE2 checks shared by matches and the analyzer (internal).
import { RE2JS } from 're2js';
import { show } from './validation';

/**
 * Istio's limit on a regular expression's length, in UTF-8 bytes (validateStringMatchRegexp).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 */
export const MAX_REGEX_LENGTH = 1024;

/**
 * The largest RE2 program Envoy compiles under Istio: Envoy refuses a regex whose compiled
 * program is larger than its runtime key `re2.max_program_size.error_level`, which Istio's
 * proxy bootstrap sets to 32768 (Envoy's own default is 100; Envoy Gateway disables the check).
 * The size is estimated from re2js' program: RE2 compiles a character class into UTF-8 byte
 * ranges, so each class instruction counts as many instructions as it has ranges.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/matcher/v3/regex.proto
 */
export const MAX_PROGRAM_SIZE = 32768;

const REJECTED = Symbol.for('cdk8s-canary.RegexRejected');

/**
 * An Error for a pattern the regex judge refuses (RE2 syntax, Istio's length, Envoy's program
 * size): a plain Error (as every error of the library), marked so that readers recognise it.
 */
export function regexRejected(message: string): Error {
  return Object.assign(new Error(message), { [REJECTED]: true });
}

/** Whether `e` is the regex judge's refusal. */
export function isRegexRejected(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as any)[REJECTED] === true;
}

/**
 * Runs `read` (a reader of one object); a regex the judge refuses becomes an error naming the
 * object `source`: readers never treat such a match as satisfied by every request.
 */
export function rejectingRegex<T>(source: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (isRegexRejected(e)) throw new Error(`${source}: ${(e as Error).message}`);
    throw e;
  }
}

/** Checks a regex with RE2 (Envoy's engine) and Istio's length limit; throws regexRejected() naming `who`. */
export function validateRegex(who: string, pattern: string): void {
  const bytes = Buffer.byteLength(pattern, 'utf8');
  if (bytes > MAX_REGEX_LENGTH) {
    throw regexRejected(`${who}: pattern must be at most ${MAX_REGEX_LENGTH} bytes (Istio's limit), got ${bytes} bytes`);
  }
  const error = regexError(pattern);
  if (error !== undefined) {
    throw regexRejected(`${who}: pattern must be a valid RE2 regular expression (the syntax Envoy uses; no look-arounds or back-references), got ${show(pattern)}: ${error}`);
  }
}

/** An estimate of the size of the RE2 program of a compiled pattern (see MAX_PROGRAM_SIZE). */
export function programSize(compiled: RE2JS): number {
  const prog = (compiled as any).re2Input?.prog;
  if (!prog || !Array.isArray(prog.inst)) return 0;
  let size = 0;
  for (const inst of prog.inst) size += inst.runes && inst.runes.length > 2 ? inst.runes.length / 2 : 1;
  return size;
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
  const judged = judge(pattern);
  return typeof judged === 'string' ? judged : undefined;
}

/**
 * The compiled RE2 program of `pattern`, which must be one the judge accepts (a StringMatch's):
 * compiled once per pattern, as readers, the analyzer and the simulator meet the same patterns
 * on every host and every probe request.
 */
export function compiledRegex(pattern: string): RE2JS {
  const judged = judge(pattern);
  if (typeof judged === 'string') throw regexRejected(`pattern ${show(pattern)}: ${judged}`);
  return judged;
}

/** Patterns judged so far: the compiled program, or the reason the judge refuses it. */
const JUDGED = new Map<string, RE2JS | string>();
/** Beyond this many patterns the memo starts again (hostile input must not grow it without bound). */
const MAX_JUDGED = 10_000;

function judge(pattern: string): RE2JS | string {
  let judged = JUDGED.get(pattern);
  if (judged !== undefined) return judged;
  try {
    const compiled = RE2JS.compile(pattern);
    const size = programSize(compiled);
    judged = size > MAX_PROGRAM_SIZE
      ? `its RE2 program is too large (about ${Math.round(size)} instructions; Envoy under Istio refuses more than ${MAX_PROGRAM_SIZE}, re2.max_program_size.error_level); use fewer or smaller repetitions and character classes`
      : compiled;
  } catch (e) {
    judged = unsupportedConstruct(pattern) ?? (e as Error).message;
  }
  if (JUDGED.size >= MAX_JUDGED) JUDGED.clear();
  JUDGED.set(pattern, judged);
  return judged;
}

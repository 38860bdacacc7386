// ingress-nginx's annotation validation, for `validate`: the values its parsers accept for the
// annotations we read or render (internal/ingress/annotations/parser/validators.go and each
// annotation's `Validator`: canary/main.go, rewrite/main.go, sessionaffinity/main.go). A value a
// validator rejects is read as unset by the controller (it logs a validation error and goes on
// without it); canary annotations on an Ingress that is not a canary make the controller drop
// the canary configuration ("configured but not enabled"). Empty values are not validated.
import { NGINX_BASIC_CHARS, NGINX_PREFIX, NGINX_REGEX_CHARS } from './_annotation-values';
import { Severity } from '../../analyzer/finding';
import { show } from '../../internal/validation';
import type { ObjectIssue } from '../plugin';

/** Go's strconv.ParseBool. */
const GO_BOOL = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'];
/** Go's strconv.Atoi on 64 bits: an optional sign and decimal digits, within int64. */
function goInt(v: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(v)) return false;
  const n = BigInt(v);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}
/** parser.RegexPathWithCapture: an optional leading `/`, then alphanumerics, `-._~/:` and `$` (capture groups). */
const REGEX_PATH_WITH_CAPTURE = /^\/?[-._~a-zA-Z0-9/:$]*$/;

interface Rule {
  readonly valid: (v: string) => boolean;
  readonly allowed: string;
}
const BOOL: Rule = { valid: v => GO_BOOL.includes(v), allowed: 'a boolean as Go parses it (true, false, 1, 0, t, f, True, FALSE, ...)' };
const INT: Rule = { valid: goInt, allowed: 'an integer (decimal digits, optional sign)' };
const BASIC: Rule = { valid: v => NGINX_BASIC_CHARS.test(v.replace(/ /g, '')), allowed: "letters, digits and '-', '.', '_', '~', '/', ':' (spaces are removed first)" };
const options = (list: string[]): Rule => ({ valid: v => list.includes(v.trim().toLowerCase()), allowed: `one of ${list.join(', ')} (any case)` });

/** The annotations validated, by name after the prefix. */
const RULES: Record<string, Rule> = {
  'canary': BOOL,
  'canary-weight': INT,
  'canary-weight-total': INT,
  'canary-by-header': BASIC,
  'canary-by-header-value': BASIC,
  'canary-by-cookie': BASIC,
  'canary-by-header-pattern': { valid: v => NGINX_REGEX_CHARS.test(v), allowed: "letters, digits, '-', '.', '_', '~', '/', ':' and the regex characters ^$[](){}*+?|&=\\" },
  'use-regex': BOOL,
  'rewrite-target': { valid: v => REGEX_PATH_WITH_CAPTURE.test(v), allowed: "a path: an optional leading '/', letters, digits, '-', '.', '_', '~', '/', ':' and '$' for captures" },
  'affinity': options(['cookie']),
  'affinity-mode': options(['balanced', 'persistent']),
  'affinity-canary-behavior': options(['sticky', 'legacy']),
  'session-cookie-name': BASIC,
};

/** The canary annotations that need `canary: "true"` (canary/main.go). */
const CANARY_SETTINGS = ['canary-weight', 'canary-by-header', 'canary-by-header-value', 'canary-by-cookie'];

/** The issues of an Ingress's ingress-nginx annotations (any other object: none). */
export function nginxAnnotationIssues(json: any): ObjectIssue[] {
  if (json?.kind !== 'Ingress' || typeof json.apiVersion !== 'string' || !json.apiVersion.startsWith('networking.k8s.io/')) return [];
  const annotations = json.metadata?.annotations;
  if (!annotations || typeof annotations !== 'object' || Array.isArray(annotations)) return [];
  const issues: ObjectIssue[] = [];
  const at = (name: string) => `metadata.annotations[${JSON.stringify(NGINX_PREFIX + name)}]`;
  for (const [name, rule] of Object.entries(RULES)) {
    const v = annotations[NGINX_PREFIX + name];
    // A value that is not a string is the schema's error (annotations are strings).
    if (typeof v !== 'string' || v === '' || rule.valid(v)) continue;
    issues.push({
      severity: Severity.ERROR,
      rule: 'ingress-annotation',
      path: at(name),
      message: `${show(v)} is rejected by ingress-nginx's annotation validation, which then ignores the annotation (reads it as unset); allowed: ${rule.allowed}`,
    });
  }
  const canary = annotations[`${NGINX_PREFIX}canary`];
  const enabled = typeof canary === 'string' && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(canary);
  if (!enabled) {
    const set = CANARY_SETTINGS.filter(k => {
      const v = annotations[NGINX_PREFIX + k];
      return typeof v === 'string' && v !== '' && (k !== 'canary-weight' || (goInt(v) && BigInt(v) > 0n));
    });
    if (set.length > 0) {
      issues.push({
        severity: Severity.ERROR,
        rule: 'ingress-annotation',
        path: at(set[0]),
        message: `${set.map(k => NGINX_PREFIX + k).join(', ')} set but ${NGINX_PREFIX}canary is ${canary === undefined ? 'not set' : show(canary)}: ingress-nginx rejects the canary configuration ("configured but not enabled") and ignores it; set ${NGINX_PREFIX}canary: "true" or remove them`,
      });
    }
  }
  return issues;
}

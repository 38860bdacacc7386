// Value checks shared by Istio's VirtualService and DestinationRule rules (internal). Each
// follows a function of istio/istio pkg/config/validation (validation.go, agent/validation.go,
// header_value_validator.go); the code is ours.
import { Finding, Severity } from '../../../analyzer/finding';
import { MAX_REGEX_LENGTH, regexError } from '../../../internal/regex';

/** Collects the findings of one object; `at` is the field path, e.g. `http[0].retries`. */
export class Report {
  public readonly findings: Finding[] = [];
  constructor(public readonly source: string) {}

  public error(rule: string, at: string, message: string): void {
    this.findings.push({ severity: Severity.ERROR, rule, source: this.source, message: at ? `${at}: ${message}` : message });
  }

  public warn(rule: string, at: string, message: string): void {
    this.findings.push({ severity: Severity.WARNING, rule, source: this.source, message: at ? `${at}: ${message}` : message });
  }
}

/** A value for a message. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return String(value);
  }
}

/** Set in the sense of protobuf: present and not the zero value of its type. */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function entries(value: unknown): Array<[string, any]> {
  return isObject(value) ? Object.entries(value) : [];
}

export function list(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

// ---- durations (agent.ValidateDuration) -------------------------------------------------

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * A duration in nanoseconds, from the forms Istio reads: protobuf JSON (`1.5s`) and Go
 * durations (`1m30s`, `100ms`); undefined when the text is neither.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(value);
  if (!m) return undefined;
  let total = 0;
  for (const part of value.replace(/^[-+]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    // Exact arithmetic on the integer and fraction parts, in nanoseconds.
    const [whole, frac = ''] = part[1].split('.');
    const unit = UNIT_NS[part[2]];
    total += Number(whole) * unit + (frac ? Math.round(Number(`0.${frac}`) * unit) : 0);
  }
  return m[1] === '-' ? -total : total;
}

/** Istio's rule for every duration field: at least 1ms, in whole milliseconds. */
export function checkDuration(r: Report, rule: string, at: string, value: unknown): void {
  if (value === undefined || value === null) return;
  const ns = parseDuration(value);
  if (ns === undefined) {
    r.error(rule, at, `must be a duration such as "1s", "100ms" or "1m30s", got ${show(value)}`);
  } else if (ns < 1e6) {
    r.error(rule, at, `duration must be greater than 1ms, got ${show(value)}`);
  } else if (ns % 1e6 !== 0) {
    r.error(rule, at, `only durations to ms precision are supported, got ${show(value)}`);
  }
}

// ---- numbers ------------------------------------------------------------------------------

/** A port number 1..65535 (agent.ValidatePort). */
export function checkPort(r: Report, rule: string, at: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    r.error(rule, at, `port number must be an integer from 1 to 65535, got ${show(value)}`);
  }
}

/** A Percent message (validatePercentage): 0, or 0.0001 to 100. */
export function checkPercentage(r: Report, rule: string, at: string, value: unknown): void {
  if (value === undefined || value === null) return;
  const v = isObject(value) ? value.value ?? 0 : value;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100 || (v > 0 && v < 0.0001)) {
    r.error(rule, at, `percentage must be 0, or from 0.0001 to 100, got ${show(v)}`);
  }
}

/** An int32 percentage 0..100 (ValidatePercent). */
export function checkPercent(r: Report, rule: string, at: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
    r.error(rule, at, `percentage must be an integer from 0 to 100, got ${show(value)}`);
  }
}

/** A counter that must not be negative (connection pool limits, attempts). */
export function checkNonNegative(r: Report, rule: string, at: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    r.error(rule, at, `must be a non-negative integer, got ${show(value)}`);
  }
}

// ---- names ----------------------------------------------------------------------------------

const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;

/** A DNS-1123 label as Istio checks it (upper case allowed, at most 63). */
export function isIstioDnsLabel(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS1123_LABEL.test(value);
}

function dnsLabelsError(domain: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1];
  if (/^[-+]?\d+$/.test(tld)) return `top level domain ${show(tld)} cannot be all-numeric`;
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === '') return undefined; // a trailing dot
    if (!isIstioDnsLabel(parts[i])) return `label ${show(parts[i])} is invalid`;
  }
  return undefined;
}

function lengthError(domain: string): string | undefined {
  if (domain.length === 0) return 'an empty domain name is not allowed';
  if (domain.length > 255) return `domain name is too long (${domain.length} characters, at most 255)`;
  return undefined;
}

/** Why `domain` is not a DNS name (agent.ValidateFQDN), or undefined. */
export function fqdnError(domain: unknown): string | undefined {
  if (typeof domain !== 'string') return `must be a string, got ${show(domain)}`;
  return lengthError(domain) ?? dnsLabelsError(domain);
}

/** Why `domain` is not a DNS name with an optional wildcard first label (agent.ValidateWildcardDomain), or undefined. */
export function wildcardDomainError(domain: unknown): string | undefined {
  if (typeof domain !== 'string') return `must be a string, got ${show(domain)}`;
  const long = lengthError(domain);
  if (long) return long;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (first.length > 63 || !WILDCARD_LABEL.test(first)) {
    return `label ${show(first)} is invalid: only the first label may hold a wildcard, as "*" or a "*" prefix`;
  }
  return dot < 0 ? undefined : dnsLabelsError(domain.slice(dot + 1));
}

export function isIpAddress(value: string): boolean {
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(value)) return true;
  if (!value.includes(':') || !/^[0-9a-fA-F:.]+$/.test(value)) return false;
  const groups = value.split('::');
  if (groups.length > 2) return false;
  const count = groups.reduce((n, g) => n + (g === '' ? 0 : g.split(':').length), 0);
  return groups.every(g => g === '' || g.split(':').every(h => /^[0-9a-fA-F]{1,4}$/.test(h) || /^\d+\.\d+\.\d+\.\d+$/.test(h)))
    && (groups.length === 2 ? count < 8 : count === 8);
}

const LABEL_KEY = /^(?:([a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)*)\/)?((?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
const LABEL_VALUE = /^((?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kubernetes label keys and values, as Istio checks them (labels.Instance.Validate). */
export function checkLabels(r: Report, rule: string, at: string, labels: unknown): void {
  for (const [k, v] of entries(labels)) {
    const m = LABEL_KEY.exec(k);
    if (!m || (m[1] !== undefined && m[1].length > 253) || m[2].length > 63) {
      r.error(rule, at, `label key ${show(k)} is invalid: an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`);
    }
    if (typeof v !== 'string' || !LABEL_VALUE.test(v)) {
      r.error(rule, at, `label value ${show(v)} of ${show(k)} is invalid: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`);
    }
  }
}

// ---- headers ------------------------------------------------------------------------------

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
export const PSEUDO_HEADERS = new Set([':method', ':scheme', ':authority', ':path', ':status']);

export function isHeaderToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN.test(value);
}

export function isAuthorityHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === ':authority' || lower === 'host';
}

/** Why `value` cannot be an Envoy header value (ValidateHTTPHeaderValue), or undefined. */
export function headerValueError(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a string, got ${show(value)}`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000A-\u001F\u007F]/.test(value)) return 'control characters are not allowed in a header value';
  return envoyFormatError(value);
}

/**
 * Envoy's header value syntax: literal text, `%%` for a percent sign, and `%VAR%` or
 * `%VAR(args)%` variables (the states of Envoy's header parser).
 */
function envoyFormatError(value: string): string | undefined {
  type State = 'literal' | 'name' | 'array' | 'string' | 'quoted' | 'delim' | 'argsEnd' | 'varEnd';
  let state: State = 'literal';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const space = ch === ' ';
    switch (state) {
      case 'literal':
        if (ch !== '%') break;
        if (i + 1 >= value.length) return 'an unescaped % ends the value (write %% for a percent sign)';
        if (value[i + 1] === '%') i++;
        else state = 'name';
        break;
      case 'name':
        if (ch === '%') state = 'literal';
        else if (ch === '(') state = 'array';
        break;
      case 'array':
        if (ch === '[') state = 'string';
        else if (!space) state = 'quoted';
        break;
      case 'delim':
        if (ch === ',') state = 'string';
        else if (ch === ']') state = 'argsEnd';
        else if (!space) return "expected ',', ']' or a space in the variable's arguments";
        break;
      case 'string':
        if (ch === '"') state = 'quoted';
        else if (!space) return 'expected \'"\' to start an argument of the variable';
        break;
      case 'quoted':
        if (ch === '\\') {
          if (i + 1 >= value.length) return 'an unterminated backslash in an argument';
          i++;
        } else if (ch === ')') {
          state = 'varEnd';
        } else if (ch === '"') {
          state = 'delim';
        }
        break;
      case 'argsEnd':
        if (ch === ')') state = 'varEnd';
        else if (!space) return "expected ')' after the variable's arguments";
        break;
      case 'varEnd':
        if (ch === '%') state = 'literal';
        else if (!space) return "expected '%' to end the variable";
        break;
    }
  }
  return state === 'literal' ? undefined : `the variable expression is not terminated (write %% for a percent sign) in ${show(value)}`;
}

// ---- string matches -----------------------------------------------------------------------

/** Istio's regex rules (validateStringRegexp): RE2 syntax, at most 1024 bytes. */
export function checkRegex(r: Report, at: string, regex: string): void {
  if (Buffer.byteLength(regex, 'utf8') > MAX_REGEX_LENGTH) {
    r.error('regex-length', at, `regex is too large, max length allowed is ${MAX_REGEX_LENGTH} bytes`);
    return;
  }
  const error = regexError(regex);
  if (error) r.error('regex-syntax', at, `regex ${show(regex)} is not valid RE2 (Istio uses RE2 style regex-based match): ${error}`);
}

/**
 * A StringMatch (validateStringMatch): a prefix must not be empty (unless `emptyPrefixOk`,
 * as for uri), a regex must be a non-empty valid RE2 regex.
 */
export function checkStringMatch(r: Report, at: string, sm: unknown, emptyPrefixOk = false): void {
  if (!isObject(sm)) return;
  if ('prefix' in sm && !emptyPrefixOk && !isSet(sm.prefix)) {
    r.error('string-match', at, 'prefix string match should not be empty; remove the match or give a prefix');
  }
  if ('regex' in sm) {
    if (!isSet(sm.regex)) r.error('string-match', at, 'regex string match should not be empty');
    else if (typeof sm.regex === 'string') checkRegex(r, at, sm.regex);
  }
}

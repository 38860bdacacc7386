// Internal validation helpers shared by every construct. Not exported from index.ts.
//
// Each helper throws an Error whose message names the owner (construct or class and
// id), the prop, the value received and what is allowed, e.g.
//   CanaryService 'reviews': canaryWeight must be an integer from 0 to 100, got 120

/** Who owns a prop, for error messages: `CanaryService 'reviews'`. */
export function owner(kind: string, name: string): string {
  return `${kind} '${name}'`;
}

/** Renders a received value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function fail(who: string, message: string): never {
  throw new Error(`${who}: ${message}`);
}

/** An integer from min to max inclusive. */
export function validateIntRange(who: string, prop: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(who, `${prop} must be an integer from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

/** A finite number from min to max inclusive (fractions allowed). */
export function validateNumberRange(who: string, prop: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(who, `${prop} must be a number from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

export function validateNonEmptyString(who: string, prop: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    fail(who, `${prop} must be a non-empty string, got ${show(value)}`);
  }
  return value;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label (RFC 1123): what Kubernetes allows for Service names and Istio for subset names. */
export function isDns1123Label(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS1123_LABEL.test(value);
}

export function validateDns1123Label(who: string, prop: string, value: unknown, maxLength = 63): string {
  if (!isDns1123Label(value) || value.length > maxLength) {
    fail(who, `${prop} must be a DNS-1123 label (at most ${maxLength} characters of a-z, 0-9 and '-', starting and ending with a letter or digit), got ${show(value)}`);
  }
  return value;
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1035 label (RFC 1035): what Kubernetes allows for Service names (a letter first). */
export function isDns1035Label(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS1035_LABEL.test(value);
}

/** The rule a DNS-1035 label follows, for messages. */
export const DNS1035_RULE = 'a DNS-1035 label (at most 63 characters of a-z, 0-9 and \'-\', starting with a letter and ending with a letter or digit)';

export function validateDns1035Label(who: string, prop: string, value: unknown): string {
  if (!isDns1035Label(value)) fail(who, `${prop} must be ${DNS1035_RULE}, got ${show(value)}`);
  return value;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A Kubernetes label value: at most 63 characters, alphanumeric at both ends, '-', '_' and '.' inside. */
export function isLabelValue(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value);
}

const LABEL_KEY_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes label key: an optional DNS subdomain prefix and '/', then a name like a non-empty label value. */
export function isLabelKey(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const slash = value.indexOf('/');
  const prefix = slash < 0 ? undefined : value.slice(0, slash);
  const name = slash < 0 ? value : value.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !LABEL_KEY_PREFIX.test(prefix))) return false;
  return name.length > 0 && isLabelValue(name);
}

/** An RFC 7230 token: what HTTP allows as a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
export function isHttpToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN.test(value);
}

/** Throws when two entries of a list are equal under `key`. */
export function validateUnique<T>(who: string, prop: string, items: readonly T[], key: (item: T) => string): void {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) fail(who, `${prop} must be unique, got ${show(k)} twice`);
    seen.add(k);
  }
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A host name as Istio, the Gateway API and Kubernetes accept it: a lowercase DNS-1123
 * subdomain (at most 253 characters, labels of at most 63), optionally with a leading `*.`
 * wildcard. Non-ASCII names are refused with the punycode advice (`xn--...`).
 */
export function validateHost(who: string, prop: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') fail(who, `${prop} must be a host name such as reviews or shop.example.com, got ${show(value)}`);
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(value)) {
    let ascii: string | undefined;
    try {
      ascii = new URL(`http://${value}/`).hostname;
    } catch {
      ascii = undefined;
    }
    fail(who, `${prop} must be ASCII (a DNS name); write an internationalized name in punycode${ascii && /^[\x21-\x7e]+$/.test(ascii) ? ` (${ascii})` : ' (xn--...)'}, got ${show(value)}`);
  }
  const name = value.startsWith('*.') ? value.slice(2) : value;
  const labels = name.split('.');
  if (value.length > 253 || !DNS1123_SUBDOMAIN.test(name) || labels.some(l => l.length > 63)) {
    const hint = value !== value.toLowerCase() ? ` (lowercase: ${show(value.toLowerCase())})` : value.includes('*') ? ' (a wildcard only as a leading "*.", e.g. *.example.com)' : '';
    fail(who, `${prop} must be a lowercase DNS-1123 subdomain (labels of a-z, 0-9 and '-' separated by '.', at most 253 characters), optionally after a leading "*.", got ${show(value)}${hint}`);
  }
  return value;
}

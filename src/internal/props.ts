// Props checked at run time (internal): TypeScript checks them at compile time, but JavaScript
// callers and jsii's languages can pass anything. An unknown key is an error naming the closest
// known one (a typo'd `weigth` was ignored); a value of the wrong type names the prop and the
// type expected (Istio-style `connectionPool: { tcp, http }` silently dropped the circuit breaker).
// The tables are generated from the structs of src/index.ts (_prop-schemas.ts).
import { PROP_SCHEMAS } from './_prop-schemas';
import { fail, show } from './validation';

function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/**
 * The known key closest to `key`: the least edit distance (case-insensitive) to the key or to
 * one of its camel-case tails (`weigth` is near `canaryWeight` through `Weight`).
 */
export function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const tails = [k, ...[...k.matchAll(/[A-Z]/g)].map(m => k.slice(m.index))];
    const dist = Math.min(...tails.map(t => distance(key, t) + (t === k ? 0 : 0.5)));
    if (dist < bestD) {
      best = k;
      bestD = dist;
    }
  }
  return best;
}

/** Whether `value` is an instance of a class named `name` (by prototype chain: tolerant of package copies). */
function isInstanceNamed(value: unknown, name: string): boolean {
  for (let p = value === null || typeof value !== 'object' ? null : Object.getPrototypeOf(value); p; p = Object.getPrototypeOf(p)) {
    if (p.constructor?.name === name) return true;
  }
  return false;
}

function describe(type: string): string {
  if (type.startsWith('enum:')) return `one of ${type.slice(5).split('|').join(', ')}`;
  if (type.startsWith('struct:')) return `a ${type.slice(7)} object`;
  if (type.startsWith('class:')) return `a ${type.slice(6)} (made with its static methods)`;
  if (type.startsWith('array:')) return `an array of ${describe(type.slice(6)).replace(/^(a|an|one of) /, '')}`;
  if (type.startsWith('map:')) return `an object of ${describe(type.slice(4)).replace(/^(a|an) /, '')} values`;
  return type === 'number' || type === 'boolean' || type === 'string' ? `a ${type}` : type;
}

function checkValue(who: string, at: string, type: string, value: unknown): void {
  const wrong = () => fail(who, `${at} must be ${describe(type)}, got ${show(value)}`);
  if (type === 'any') return;
  if (type === 'string' || type === 'number' || type === 'boolean') {
    if (typeof value !== type) wrong();
  } else if (type.startsWith('enum:')) {
    if (!type.slice(5).split('|').includes(value as string)) wrong();
  } else if (type.startsWith('class:')) {
    if (!isInstanceNamed(value, type.slice(6))) wrong();
  } else if (type.startsWith('array:')) {
    if (!Array.isArray(value)) wrong();
    (value as unknown[]).forEach((v, i) => checkValue(who, `${at}[${i}]`, type.slice(6), v));
  } else if (type.startsWith('map:')) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) wrong();
    for (const [k, v] of Object.entries(value as object)) checkValue(who, `${at}.${k}`, type.slice(4), v);
  } else if (type.startsWith('struct:')) {
    if (!value || typeof value !== 'object' || Array.isArray(value) || isInstanceNamed(value, 'Construct')) wrong();
    checkStruct(who, type.slice(7), value as object, `${at}.`);
  }
}

function checkStruct(who: string, struct: string, value: object, prefix: string): void {
  const schema = PROP_SCHEMAS[struct];
  if (!schema) return;
  const known = Object.keys(schema);
  for (const [key, v] of Object.entries(value)) {
    // A key set to undefined is as good as absent (object spreads produce them).
    if (v === undefined) continue;
    if (!(key in schema)) {
      const near = closest(key, known);
      fail(who, `${prefix}${key} is not a prop of ${struct}${near ? `; did you mean ${prefix}${near}?` : ''} (known: ${known.join(', ')})`);
    }
    checkValue(who, `${prefix}${key}`, schema[key], v);
  }
}

/**
 * The first check, before any validator reads the props: every prop typed as an array is one
 * (validators iterate them; a string would fail with a TypeError instead of a message).
 */
export function checkArrayProps(who: string, struct: string, props: unknown): void {
  if (!props || typeof props !== 'object') return;
  for (const [key, type] of Object.entries(PROP_SCHEMAS[struct] ?? {})) {
    const v = (props as any)[key];
    if (v !== undefined && type.startsWith('array:') && !Array.isArray(v)) fail(who, `${key} must be ${describe(type)}, got ${show(v)}`);
  }
}

/**
 * Checks `props` against the struct `struct` of the public API: throws naming `who`, the prop
 * and, for an unknown key, the closest known one; for a wrong type, the type expected.
 */
export function checkProps(who: string, struct: string, props: unknown): void {
  if (!props || typeof props !== 'object' || Array.isArray(props)) fail(who, `props must be a ${struct} object, got ${show(props)}`);
  checkStruct(who, struct, props as object, '');
}

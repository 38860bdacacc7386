// A validator for the OpenAPI v3 schemas the Kubernetes API server validates with: CRDs'
// structural `openAPIV3Schema`s and the built-in kinds' OpenAPI v3 specs. It interprets the
// schema (no code generation, so nothing to compile but the CEL rules), rejects unknown fields
// as the API server's strict field validation does, and evaluates CRD CEL rules at the node
// that declares them. Every schema keyword it meets must be one it knows (checkKeywords): a
// keyword it would silently ignore fails instead.
import { RE2JS } from 're2js';
import { compileRule, isTransitionRule, toCel } from './cel';

/** How a schema is read: a CRD's structural schema, or a built-in kind's OpenAPI spec. */
export interface SchemaMode {
  /** `components.schemas` of the OpenAPI document, for `$ref`; undefined for CRDs. */
  readonly components?: Record<string, any>;
  /** Evaluate `x-kubernetes-validations` and `x-kubernetes-list-type` (the API server does for CRDs only). */
  readonly crd: boolean;
  /** Called for every node whose schema came from `$ref` `name` (Go validations of built-in types). */
  readonly onRef?: (name: string, value: any, path: string, errors: string[]) => void;
  /**
   * Where the CEL rules' failures go.
   * @default - with the other errors
   */
  readonly celErrors?: string[];
  /**
   * Skip the CEL rules (a first pass: the API server evaluates them only on an object without
   * blocking errors, see validator.ts).
   * @default false
   */
  readonly skipCel?: boolean;
}

/** Keywords that constrain values, all implemented below. */
const VALIDATING = new Set([
  'type', 'properties', 'additionalProperties', 'items', 'required', 'allOf', 'anyOf', 'oneOf', 'not', '$ref',
  'enum', 'pattern', 'format', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'multipleOf', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'nullable', 'default',
  'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-embedded-resource',
]);
/** Keywords that only document or drive server-side apply; they constrain nothing. */
const ANNOTATIONS = new Set([
  'description', 'example', 'title', 'externalDocs', 'x-kubernetes-map-type', 'x-kubernetes-patch-merge-key',
  'x-kubernetes-patch-strategy', 'x-kubernetes-group-version-kind', 'x-kubernetes-unions',
]);

/**
 * Throws on the first schema keyword the validator does not implement, or (with `compile`) on a
 * CEL rule it cannot compile. Validation checks keywords only, and compiles a rule when it first
 * evaluates it; the self-test (schema.test.ts) compiles every rule of every vendored CRD.
 */
export function checkKeywords(schema: any, compile = true, path = ''): void {
  if (!schema || typeof schema !== 'object') return;
  for (const k of Object.keys(schema)) {
    if (!VALIDATING.has(k) && !ANNOTATIONS.has(k)) throw new Error(`schema keyword '${k}' at ${path || '<root>'} is not implemented by the validator`);
  }
  for (const [k, v] of Object.entries(schema.properties ?? {})) checkKeywords(v, compile, `${path}.${k}`);
  if (typeof schema.additionalProperties === 'object') checkKeywords(schema.additionalProperties, compile, `${path}{}`);
  if (schema.items) checkKeywords(schema.items, compile, `${path}[]`);
  for (const k of ['allOf', 'anyOf', 'oneOf']) (schema[k] ?? []).forEach((s: any, i: number) => checkKeywords(s, compile, `${path}.${k}[${i}]`));
  if (schema.not) checkKeywords(schema.not, compile, `${path}.not`);
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    for (const k of Object.keys(rule)) {
      if (!['rule', 'message', 'messageExpression', 'fieldPath', 'reason', 'optionalOldSelf'].includes(k)) throw new Error(`x-kubernetes-validations key '${k}' at ${path} is not implemented`);
    }
    if (compile) {
      compileRule(rule.rule);
      if (rule.messageExpression) compileRule(rule.messageExpression);
    }
  }
}

/** CEL rules skipped because they compare with `oldSelf` (updates only), for the self-test's report. */
export const skippedTransitionRules = new Set<string>();

const patterns = new Map<string, RE2JS>();
function re2(pattern: string): RE2JS {
  let re = patterns.get(pattern);
  if (!re) { re = RE2JS.compile(pattern); patterns.set(pattern, re); }
  return re;
}

function typeOf(v: any): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function show(v: any): string {
  const s = JSON.stringify(v);
  return s && s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function deepEqual(a: any, b: any): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}
function sortKeys(v: any): any {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map(k => [k, sortKeys(v[k])]));
  return v;
}

const FORMATS: Record<string, (v: any) => boolean> = {
  'int32': v => typeof v !== 'number' || (v >= -2147483648 && v <= 2147483647),
  'int64': v => typeof v !== 'number' || Math.abs(v) <= 9223372036854775807,
  'byte': v => typeof v !== 'string' || /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v),
  'date-time': v => typeof v !== 'string' || /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v),
  'ipv4': v => typeof v !== 'string' || /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(v),
  'ipv6': v => typeof v !== 'string' || (v.includes(':') && /^[0-9A-Fa-f:.]+$/.test(v) && (v.match(/::/g) ?? []).length <= 1),
};

/** The schema a node stands for, with `$ref` followed (the specs wrap refs as `allOf: [{$ref}]`). */
export function resolveRef(schema: any, mode: SchemaMode): any {
  if (schema?.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = mode.components?.[name];
    if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
    return target;
  }
  return schema;
}

/**
 * Validates `value` against `schema` at `path`, appending errors in the API server's style
 * (`path: message`). CEL rules and list types are checked only in CRD mode.
 */
export function validateNode(schema: any, value: any, path: string, mode: SchemaMode, errors: string[]): void {
  if (!schema || typeof schema !== 'object') return;
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    validateNode(resolveRef(schema, mode), value, path, mode, errors);
    mode.onRef?.(name, value, path, errors);
    return;
  }
  const at = path || '<root>';
  if (value === null) {
    if (!schema.nullable && (schema.type || schema.properties)) errors.push(`${at}: Invalid value: null: must not be null`);
    return;
  }
  const actual = typeOf(value);
  if (schema['x-kubernetes-int-or-string']) {
    if (actual !== 'integer' && actual !== 'string') { errors.push(`${at}: Invalid value: ${show(value)}: must be an integer or a string`); return; }
  } else if (schema.type) {
    const ok = schema.type === actual || (schema.type === 'number' && actual === 'integer');
    if (!ok) { errors.push(`${at}: Invalid value: ${show(value)}: must be of type ${schema.type}`); return; }
  }
  if (schema.format && FORMATS[schema.format] && !FORMATS[schema.format](value)) {
    errors.push(`${at}: Invalid value: ${show(value)}: must be of format ${schema.format}`);
  }
  if (schema.enum && !schema.enum.some((e: any) => deepEqual(e, value))) {
    errors.push(`${at}: Unsupported value: ${show(value)}: supported values: ${schema.enum.map(show).join(', ')}`);
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength) errors.push(`${at}: Too long: may not be more than ${schema.maxLength} characters`);
    if (schema.minLength !== undefined && length < schema.minLength) errors.push(`${at}: Invalid value: ${show(value)}: should be at least ${schema.minLength} chars long`);
    if (schema.pattern !== undefined && !re2(schema.pattern).matcher(value).find()) errors.push(`${at}: Invalid value: ${show(value)}: should match '${schema.pattern}'`);
  }
  if (typeof value === 'number') {
    const exMin = schema.exclusiveMinimum === true;
    const exMax = schema.exclusiveMaximum === true;
    if (schema.minimum !== undefined && (exMin ? value <= schema.minimum : value < schema.minimum)) errors.push(`${at}: Invalid value: ${value}: should be greater than ${exMin ? '' : 'or equal to '}${schema.minimum}`);
    if (schema.maximum !== undefined && (exMax ? value >= schema.maximum : value > schema.maximum)) errors.push(`${at}: Invalid value: ${value}: should be less than ${exMax ? '' : 'or equal to '}${schema.maximum}`);
    if (schema.multipleOf !== undefined && Math.abs(value / schema.multipleOf - Math.round(value / schema.multipleOf)) > 1e-9) errors.push(`${at}: Invalid value: ${value}: should be a multiple of ${schema.multipleOf}`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${at}: Too many: ${value.length}: must have at most ${schema.maxItems} items`);
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${at}: Invalid value: ${value.length}: should have at least ${schema.minItems} items`);
    const listType = mode.crd ? schema['x-kubernetes-list-type'] : undefined;
    if (schema.uniqueItems || listType === 'set') {
      value.forEach((v, i) => { if (value.findIndex(w => deepEqual(v, w)) < i) errors.push(`${at}[${i}]: Duplicate value: ${show(v)}`); });
    }
    if (listType === 'map') {
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      const seen = new Map<string, number>();
      value.forEach((v, i) => {
        const key = JSON.stringify(keys.map((k: string) => v?.[k] ?? schema.items?.properties?.[k]?.default ?? null));
        if (seen.has(key)) errors.push(`${at}[${i}]: Duplicate value: ${show(Object.fromEntries(keys.map((k: string) => [k, v?.[k]])))}`);
        seen.set(key, i);
      });
    }
    if (schema.items) value.forEach((v, i) => validateNode(schema.items, v, `${path}[${i}]`, mode, errors));
  }
  if (actual === 'object') {
    const keys = Object.keys(value);
    if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) errors.push(`${at}: Too many: ${keys.length}: must have at most ${schema.maxProperties} items`);
    if (schema.minProperties !== undefined && keys.length < schema.minProperties) errors.push(`${at}: Invalid value: ${keys.length}: should have at least ${schema.minProperties} properties`);
    for (const r of schema.required ?? []) {
      if (value[r] === undefined) errors.push(`${path ? `${path}.` : ''}${r}: Required value`);
    }
    if (schema['x-kubernetes-embedded-resource']) {
      for (const r of ['apiVersion', 'kind']) if (typeof value[r] !== 'string') errors.push(`${path}.${r}: Required value`);
    }
    const props = schema.properties;
    // Unknown fields: an object schema that lists its properties rejects any other field, unless it
    // preserves unknown fields or declares additionalProperties. In CRD mode only `type: object`
    // nodes count (properties inside allOf/anyOf/oneOf/not only restate the parent's).
    const closed = props && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']
      && (mode.crd ? schema.type === 'object' : true);
    const embedded = schema['x-kubernetes-embedded-resource'] ? ['apiVersion', 'kind', 'metadata'] : [];
    for (const k of keys) {
      const child = `${path ? `${path}.` : ''}${k}`;
      if (props?.[k]) validateNode(props[k], value[k], child, mode, errors);
      else if (typeof schema.additionalProperties === 'object') validateNode(schema.additionalProperties, value[k], child, mode, errors);
      else if ((closed || schema.additionalProperties === false) && !embedded.includes(k)) errors.push(`${child}: unknown field "${k}"`);
    }
  }
  for (const s of schema.allOf ?? []) validateNode(s, value, path, mode, errors);
  if (schema.anyOf && !schema.anyOf.some((s: any) => matches(s, value, path, mode))) {
    errors.push(`${at}: Invalid value: ${show(value)}: must validate at least one schema (anyOf)`);
  }
  if (schema.oneOf) {
    const n = schema.oneOf.filter((s: any) => matches(s, value, path, mode)).length;
    if (n !== 1) errors.push(`${at}: Invalid value: ${show(value)}: must validate one and only one schema (oneOf), matched ${n}`);
  }
  if (schema.not && matches(schema.not, value, path, mode)) {
    errors.push(`${at}: Invalid value: ${show(value)}: must not validate the schema (not)`);
  }
  if (mode.crd && !mode.skipCel && schema['x-kubernetes-validations']) evaluateRules(schema, value, path, mode, mode.celErrors ?? errors);
}

function matches(schema: any, value: any, path: string, mode: SchemaMode): boolean {
  const errs: string[] = [];
  validateNode(schema, value, path, mode.celErrors ? { ...mode, celErrors: undefined } : mode, errs);
  return errs.length === 0;
}

/** Evaluates the node's CEL rules with `self` = the node's value; transition rules (oldSelf) are skipped. */
function evaluateRules(schema: any, value: any, path: string, mode: SchemaMode, errors: string[]): void {
  const self = toCel(schema, value, s => resolveRef(s, mode));
  for (const r of schema['x-kubernetes-validations']) {
    if (isTransitionRule(r.rule)) { skippedTransitionRules.add(r.rule); continue; }
    const at = (path || '<root>') + (r.fieldPath ?? '');
    let result: unknown;
    try {
      result = compileRule(r.rule)(self);
    } catch (e: any) {
      errors.push(`${at}: Invalid value: ${show(value)}: rule evaluation error: ${e.message} (rule: ${r.rule})`);
      continue;
    }
    if (result === true) continue;
    if (result !== false) { errors.push(`${at}: rule did not evaluate to a bool: ${r.rule}`); continue; }
    let message = r.message ?? `failed rule: ${r.rule}`;
    if (r.messageExpression) {
      try {
        const m = compileRule(r.messageExpression)(self);
        if (typeof m === 'string' && m.trim() !== '') message = m;
      } catch { /* the API server falls back to `message` */ }
    }
    const reason = ({ FieldValueForbidden: 'Forbidden', FieldValueRequired: 'Required value', FieldValueDuplicate: 'Duplicate value' } as Record<string, string>)[r.reason];
    errors.push(reason ? `${at}: ${reason}: ${message}` : `${at}: Invalid value: ${show(value)}: ${message}`);
  }
}

/** Applies the schema's `default`s where a field is absent, as the API server does for custom resources before validating. */
export function applyDefaults(schema: any, value: any): void {
  if (!schema || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach(v => applyDefaults(schema.items, v));
    return;
  }
  if (schema.properties) {
    for (const [k, s] of Object.entries<any>(schema.properties)) {
      if (value[k] === undefined && s.default !== undefined) value[k] = JSON.parse(JSON.stringify(s.default));
      if (value[k] !== undefined) applyDefaults(s, value[k]);
    }
  } else if (typeof schema.additionalProperties === 'object') {
    for (const v of Object.values(value)) applyDefaults(schema.additionalProperties, v);
  }
}

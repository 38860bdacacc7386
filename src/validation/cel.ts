// CEL for CRD validation rules (`x-kubernetes-validations`), as the Kubernetes API server
// evaluates them: @bufbuild/cel (the CEL standard library and the strings extension) plus the
// Kubernetes extension functions that the vendored CRDs use (see KUBERNETES_FUNCTIONS).
//
// Values are handed to CEL the way the API server types them from the structural schema:
// `integer` as int (bigint), `number` as double, objects with `properties` as objects whose field
// names are escaped (`namespace` -> `__namespace__`, `a-b` -> `a__dash__b`), objects with
// `additionalProperties` as maps with their keys unchanged, IntOrString as int or string.
import { celEnv, celFunc, celMethod, CelScalar, isCelError, mapType, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

/** Parses a rule to its syntax tree (CEL's parser); replaceable (setRuleParser). */
type RuleParser = (rule: string) => ReturnType<typeof parse>;
let parseRule: RuleParser = parse;

/**
 * Replaces the CEL parser, e.g. by one that caches syntax trees on disk (the tests: Gateway API
 * CRDs have dozens of long rules that every test file would parse again). Returns the previous one.
 */
export function setRuleParser(parser: RuleParser): RuleParser {
  const previous = parseRule;
  parseRule = parser;
  return previous;
}

/** The URL type of the Kubernetes URL library, as a map with a marker key. */
const URL_TYPE = mapType(CelScalar.STRING, CelScalar.STRING);
const URL_MARK = '@k8s.url';

interface ParsedUrl { scheme: string; host: string; path: string; query: string }

/**
 * Go's url.ParseRequestURI, which the Kubernetes `isURL`/`url` functions use: an absolute URI
 * (`scheme:...`) or an absolute path; no fragment; no spaces or control characters.
 */
export function parseRequestUri(s: string): ParsedUrl | undefined {
  if (s === '' || /[\x00-\x20\x7f]/.test(s)) return undefined;
  let rest = s;
  let scheme = '';
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(s);
  if (m) {
    scheme = m[1].toLowerCase();
    rest = m[2];
  } else if (!s.startsWith('/')) {
    return undefined;
  }
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (scheme !== '' && !rest.startsWith('/')) {
    return { scheme, host: '', path: '', query }; // opaque, e.g. mailto:x
  }
  let host = '';
  if (rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? '' : rest.slice(end);
    host = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority;
    if (/[^A-Za-z0-9\-._~%!$&'()*+,;=:[\]]/.test(host)) return undefined;
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(rest)) return undefined;
  return { scheme, host, path: rest, query };
}

function urlOf(map: any): ParsedUrl {
  return { scheme: map.get('scheme'), host: map.get('host'), path: map.get('path'), query: map.get('query') };
}

/** The Kubernetes CEL extension functions the vendored CRDs use (beyond CEL's standard library and strings extension). */
const KUBERNETES_FUNCTIONS = [
  celFunc('isURL', [CelScalar.STRING], CelScalar.BOOL, (s: string) => parseRequestUri(s) !== undefined),
  celFunc('url', [CelScalar.STRING], URL_TYPE, (s: string) => {
    const u = parseRequestUri(s);
    if (!u) throw new Error(`URL parse error during conversion from string: ${s}`);
    return new Map([[URL_MARK, s], ['scheme', u.scheme], ['host', u.host], ['path', u.path], ['query', u.query]]);
  }),
  celMethod('getScheme', URL_TYPE, [], CelScalar.STRING, function (this: any) { return urlOf(this).scheme; }),
  celMethod('getHost', URL_TYPE, [], CelScalar.STRING, function (this: any) { return urlOf(this).host; }),
  celMethod('getHostname', URL_TYPE, [], CelScalar.STRING, function (this: any) {
    const h = urlOf(this).host;
    return h.startsWith('[') ? h.slice(1, h.indexOf(']')) : h.replace(/:\d*$/, '');
  }),
  celMethod('getPort', URL_TYPE, [], CelScalar.STRING, function (this: any) {
    const m = /:(\d*)$/.exec(urlOf(this).host.replace(/^\[.*\]/, ''));
    return m ? m[1] : '';
  }),
  celMethod('getEscapedPath', URL_TYPE, [], CelScalar.STRING, function (this: any) { return urlOf(this).path; }),
];

const ENV = celEnv({
  variables: { self: CelScalar.DYN, oldSelf: CelScalar.DYN },
  funcs: [...strings, ...KUBERNETES_FUNCTIONS],
});

/** Operators the planner implements itself, not as functions of the environment. */
const BUILT_IN_CALLS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false', '_[?_]', '_?._']);

const transitionRules = new Map<string, boolean>();

/** A compiled rule: evaluates to its result, or throws with CEL's message. */
export type CompiledRule = (self: unknown) => unknown;

const compiled = new Map<string, CompiledRule>();

/** Whether a rule is a transition rule (refers to `oldSelf`); those only apply to updates. */
export function isTransitionRule(rule: string): boolean {
  let transition = transitionRules.get(rule);
  if (transition === undefined) {
    transition = referencedIdents(parseRule(rule).expr).has('oldSelf');
    transitionRules.set(rule, transition);
  }
  return transition;
}

function referencedIdents(expr: any, into = new Set<string>(), calls?: Set<string>): Set<string> {
  if (!expr?.exprKind) return into;
  const { case: kind, value } = expr.exprKind;
  switch (kind) {
    case 'identExpr': into.add(value.name); break;
    case 'selectExpr': referencedIdents(value.operand, into, calls); break;
    case 'callExpr':
      calls?.add(value.function);
      if (value.target) referencedIdents(value.target, into, calls);
      value.args.forEach((a: any) => referencedIdents(a, into, calls));
      break;
    case 'listExpr': value.elements.forEach((e: any) => referencedIdents(e, into, calls)); break;
    case 'structExpr': value.entries.forEach((e: any) => { referencedIdents(e.value, into, calls); if (e.keyKind?.case === 'mapKey') referencedIdents(e.keyKind.value, into, calls); }); break;
    case 'comprehensionExpr': {
      const inner = new Set<string>();
      for (const e of [value.accuInit, value.loopCondition, value.loopStep, value.result]) referencedIdents(e, inner, calls);
      [value.iterVar, value.iterVar2, value.accuVar].forEach(v => inner.delete(v));
      inner.forEach(v => into.add(v));
      referencedIdents(value.iterRange, into, calls);
      break;
    }
    default: break;
  }
  return into;
}

/**
 * Parses and plans a rule once per process. Throws when the rule does not parse, refers to a
 * variable other than `self` (and `oldSelf`), or calls a function the environment does not define,
 * so that a rule we cannot evaluate fails loudly instead of being skipped.
 */
export function compileRule(rule: string): CompiledRule {
  const cached = compiled.get(rule);
  if (cached) return cached;
  const parsed = parseRule(rule);
  const calls = new Set<string>();
  const idents = referencedIdents(parsed.expr, new Set(), calls);
  for (const id of idents) {
    if (id !== 'self' && id !== 'oldSelf') throw new Error(`CEL rule refers to an unknown variable '${id}': ${rule}`);
  }
  for (const fn of calls) {
    if (!BUILT_IN_CALLS.has(fn) && !ENV.funcs.find(fn)) throw new Error(`CEL rule calls a function the validator does not implement, '${fn}': ${rule}`);
  }
  const program = plan(ENV, parsed);
  const run: CompiledRule = (self) => {
    const result = program({ self } as any);
    if (isCelError(result)) throw new Error(result.message);
    return result;
  };
  compiled.set(rule, run);
  return run;
}

const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/** The name under which CEL sees an object property (Kubernetes' escaping), or undefined when it is not accessible. */
export function celFieldName(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[A-Za-z_][A-Za-z0-9_.\-/]*$/.test(name)) return undefined;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

/** A JSON value typed for CEL by its structural schema (see the file comment). `resolve` follows `$ref`s. */
export function toCel(schema: any, value: any, resolve: (s: any) => any = s => s): any {
  schema = resolve(schema ?? {});
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    const integer = schema.type === 'integer' || (schema.type !== 'number' && Number.isInteger(value));
    return integer && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map(v => toCel(schema.items, v, resolve));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    if (schema.properties) {
      for (const [k, v] of Object.entries(value)) {
        const name = celFieldName(k);
        if (name !== undefined && schema.properties[k]) out[name] = toCel(schema.properties[k], v, resolve);
      }
    } else {
      const item = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {};
      for (const [k, v] of Object.entries(value)) out[k] = toCel(item, v, resolve);
    }
    return out;
  }
  return value;
}

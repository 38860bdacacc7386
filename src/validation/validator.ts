// Schema validation of one object at run time (`cdk8s-canary validate`), against the schemas
// bundled in _schemas.ts (`npx projen schemas`): custom resources against their CRD's
// openAPIV3Schema (defaults applied first, unknown fields rejected, CEL rules evaluated; rules
// on `oldSelf` only apply to updates and are skipped) and metadata as ObjectMeta; built-in kinds
// against the Kubernetes v1.35 OpenAPI. Each schema is parsed when its kind is first validated.
// The API server's Go validations that the OpenAPI does not carry (names, label syntax, ...) are
// not applied here.
import { K8S_DEFINITIONS, SCHEMA_KINDS, SCHEMA_TEXTS } from './_schemas';
import { applyDefaults, SchemaMode, validateNode } from './structural';

/** One schema error: where, what, and the rule (`schema` or `cel`). */
export interface SchemaIssue {
  /** The JSON path, e.g. `spec.hosts` (`<root>` for the object itself). */
  readonly path: string;
  /** The API server's message after the path: the value received and what is allowed. */
  readonly message: string;
  /** `schema` (OpenAPI) or `cel` (a CRD's `x-kubernetes-validations` rule). */
  readonly rule: 'schema' | 'cel';
  /** A remark, not an error: the CEL rules were not evaluated because of the schema errors. */
  readonly note?: boolean;
}

/** The schema errors that stop CEL rules from running (field.ErrorTypeTypeInvalid, NotSupported, Required, TooLong, TooMany). */
const BLOCKING = /: (Invalid value: .*: must be of type |Invalid value: .*: must be an integer or a string$|Unsupported value: |Required value$|Too long: |Too many: )/;

const OBJECT_META = { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' };
let k8sMode: SchemaMode | undefined;
const crdSchemas = new Map<number, any>();

function builtInMode(): SchemaMode {
  k8sMode ??= { components: JSON.parse(K8S_DEFINITIONS), crd: false };
  return k8sMode;
}

/** Whether a schema is bundled for the object's apiVersion and kind. */
export function hasSchema(json: any): boolean {
  return typeof json?.apiVersion === 'string' && typeof json?.kind === 'string' && Object.prototype.hasOwnProperty.call(SCHEMA_KINDS, `${json.apiVersion}/${json.kind}`);
}

/** The apiVersions bundled for a kind, e.g. `['autoscaling/v2']` for HorizontalPodAutoscaler. */
export function bundledVersions(kind: string): string[] {
  return Object.keys(SCHEMA_KINDS).filter(k => k.endsWith(`/${kind}`)).map(k => k.slice(0, -kind.length - 1));
}

/** The file a kind's schema comes from (its provenance), or undefined when none is bundled. */
export function schemaSource(json: any): string | undefined {
  return hasSchema(json) ? SCHEMA_KINDS[`${json.apiVersion}/${json.kind}`].source : undefined;
}

function split(errors: string[], rule: 'schema' | 'cel', into: Map<string, SchemaIssue>): void {
  for (const e of errors) {
    const at = e.indexOf(': ');
    const issue: SchemaIssue = at < 0 ? { path: '<root>', message: e, rule } : { path: e.slice(0, at), message: e.slice(at + 2), rule };
    const key = `${issue.path}\u0000${issue.message}`;
    if (!into.has(key)) into.set(key, issue);
  }
}

/** The schema errors of one object, or undefined when no schema is bundled for its kind. */
export function schemaIssues(json: any): SchemaIssue[] | undefined {
  if (!hasSchema(json)) return undefined;
  const entry = SCHEMA_KINDS[`${json.apiVersion}/${json.kind}`];
  const errors: string[] = [];
  const cel: string[] = [];
  let blocked = false;
  if (entry.definition !== undefined) {
    validateNode({ $ref: `#/components/schemas/${entry.definition}` }, json, '', builtInMode(), errors);
  } else {
    let schema = crdSchemas.get(entry.schema!);
    if (!schema) {
      schema = JSON.parse(SCHEMA_TEXTS[entry.schema!]);
      crdSchemas.set(entry.schema!, schema);
    }
    if (json.metadata !== null && typeof json.metadata === 'object' && !Array.isArray(json.metadata)) {
      validateNode(OBJECT_META, json.metadata, 'metadata', builtInMode(), errors);
    }
    const copy = JSON.parse(JSON.stringify(json));
    applyDefaults(schema, copy);
    validateNode(schema, copy, '', { crd: true, skipCel: true }, errors);
    // As the API server (apiextensions-apiserver's hasBlockingErr): the CEL rules run only when the
    // schema found no wrong type, missing field, value outside an enum, nor a string or list over
    // its limit, which also bounds their cost (a rule over a list longer than maxItems never runs).
    if (errors.some(e => BLOCKING.test(e))) {
      if (SCHEMA_TEXTS[entry.schema!].includes('"x-kubernetes-validations"')) blocked = true;
    } else {
      validateNode(schema, copy, '', { crd: true, celErrors: cel }, []);
    }
  }
  const out = new Map<string, SchemaIssue>();
  split(errors, 'schema', out);
  split(cel, 'cel', out);
  const issues = [...out.values()];
  if (blocked) issues.push({ path: '<root>', message: 'the CRD\'s CEL rules were not checked because the object has schema errors (as the API server does); fix them to complete validation', rule: 'cel', note: true });
  return issues;
}

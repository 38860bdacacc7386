// Schema validation for every object the tests synthesize, as strict as the API server:
// - custom resources against the openAPIV3Schema of the CRDs vendored in crds/ (every *.yaml
//   there; files named *experimental* only when asked): defaults applied first, unknown fields
//   rejected, and every CEL rule (`x-kubernetes-validations`) evaluated at its node, transition
//   rules (oldSelf) excepted as they only apply to updates;
// - built-in kinds (Deployment, Service, Ingress, ...) against the Kubernetes OpenAPI v3 specs
//   vendored in schemas/k8s-openapi/, for 1.27 (our minimum) and 1.35 (current; HorizontalPodAutoscaler
//   and PodDisruptionBudget against 1.35 only), unknown fields rejected, plus the API server's Go validations the specs lack (test/util/k8s-go.ts).
// An object of a kind with no schema fails. Everything is loaded once per test file (Jest's module
// registry) and lazily: only the specs and CRDs of the kinds a test synthesizes.
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { validateKind, validateObjectMeta, validateRef } from './k8s-go';
import './cel';
import { customResourceSchema } from '../../src/validation/custom-resource';
import { applyDefaults, checkKeywords, SchemaMode, validateNode } from '../../src/validation/structural';

const ROOT = path.join(__dirname, '..', '..');
const CRD_DIR = path.join(ROOT, 'crds');
const K8S_DIR = path.join(ROOT, 'schemas', 'k8s-openapi');

/** The Kubernetes versions built-in kinds are validated against: cdk8s-plus-27's target and the current release. */
export const KUBERNETES_VERSIONS = ['v1.27', 'v1.35'] as const;
export type KubernetesVersion = typeof KUBERNETES_VERSIONS[number];

/** Which vendored CRD files to validate against: the standard ones, or with the experimental ones instead. */
export type CrdChannel = 'standard' | 'experimental';

/** The spec file of each built-in API group version. */
const SPEC_FILES: Record<string, string> = {
  'v1': 'api__v1_openapi.json',
  'apps/v1': 'apis__apps__v1_openapi.json',
  'networking.k8s.io/v1': 'apis__networking.k8s.io__v1_openapi.json',
  'autoscaling/v2': 'apis__autoscaling__v2_openapi.json',
  'policy/v1': 'apis__policy__v1_openapi.json',
};

/** Group versions whose specs are vendored for some Kubernetes versions only (the others: all). */
const SPEC_VERSIONS: Record<string, readonly KubernetesVersion[]> = {
  'autoscaling/v2': ['v1.35'],
  'policy/v1': ['v1.35'],
};

interface K8sSpec {
  readonly mode: SchemaMode;
  /** Schema name by kind, for the kinds of this group version. */
  readonly kinds: Map<string, string>;
}

const specs = new Map<string, K8sSpec>();

/** The OpenAPI spec of a built-in group version at a Kubernetes version, or undefined when we have none. */
export function k8sSpec(version: KubernetesVersion, apiVersion: string): K8sSpec | undefined {
  const file = SPEC_FILES[apiVersion];
  if (!file) return undefined;
  const key = `${version}/${file}`;
  let spec = specs.get(key);
  if (!spec) {
    const components = loadSchemaFile(path.join(K8S_DIR, version, file)).components.schemas;
    const [group, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const kinds = new Map<string, string>();
    for (const [name, s] of Object.entries<any>(components)) {
      for (const gvk of s['x-kubernetes-group-version-kind'] ?? []) {
        if (gvk.group === group && gvk.version === v && name.startsWith('io.k8s.api.')) kinds.set(gvk.kind, name);
      }
    }
    spec = { mode: { components, crd: false, onRef: validateRef }, kinds };
    specs.set(key, spec);
  }
  return spec;
}

const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'cdk8s-canary-test-schemas');

/** A schema without its `description`s (most of the bytes; never read here). Property names, defaults and enums are kept. */
function withoutDescriptions(s: any): any {
  if (Array.isArray(s)) return s.map(withoutDescriptions);
  if (!s || typeof s !== 'object') return s;
  const out: any = {};
  for (const [k, v] of Object.entries<any>(s)) {
    if (k === 'description' && typeof v === 'string') continue;
    if (k === 'default' || k === 'example' || k === 'enum') out[k] = v;
    else if (k === 'properties' && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v).map(([p, x]) => [p, withoutDescriptions(x)]));
    else out[k] = withoutDescriptions(v);
  }
  return out;
}

/**
 * A vendored schema file, parsed. Parsing the large CRD YAML files with the yaml package takes
 * seconds and the OpenAPI specs are megabytes of descriptions, and every test file would pay
 * for it, so the parsed content, without descriptions, is cached as JSON under
 * node_modules/.cache, keyed by the file's name, size and modification time.
 */
function loadSchemaFile(file: string): any {
  const stat = fs.statSync(file);
  const cached = path.join(CACHE_DIR, `${path.basename(file)}-${stat.size}-${Math.floor(stat.mtimeMs)}.json`);
  try {
    return JSON.parse(fs.readFileSync(cached, 'utf8'));
  } catch {
    const text = fs.readFileSync(file, 'utf8');
    const parsed = file.endsWith('.json') ? JSON.parse(text) : YAML.parseAllDocuments(text).map(d => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0].message}`);
      return d.toJSON();
    });
    const content = withoutDescriptions(parsed);
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(content));
    fs.renameSync(tmp, cached);
    return content;
  }
}

interface CrdVersion {
  readonly file: string;
  readonly schema: any;
  checked?: boolean;
}

const crdsByChannel = new Map<CrdChannel, Map<string, CrdVersion>>();

/** Every CRD version vendored in crds/, by `<group>/<version>/<kind>`. */
export function crdSchemas(channel: CrdChannel = 'standard'): Map<string, CrdVersion> {
  const cached = crdsByChannel.get(channel);
  if (cached) return cached;
  const out = new Map<string, CrdVersion>();
  // Experimental files come last so that, when asked for, they replace the standard kinds.
  const files = fs.readdirSync(CRD_DIR).filter(f => /\.ya?ml$/.test(f))
    .filter(f => channel === 'experimental' || !f.includes('experimental'))
    .sort((a, b) => Number(a.includes('experimental')) - Number(b.includes('experimental')) || a.localeCompare(b));
  for (const file of files) {
    for (const crd of loadSchemaFile(path.join(CRD_DIR, file))) {
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions) {
        const own = version.schema.openAPIV3Schema;
        // metadata is validated as ObjectMeta (below)
        const schema = customResourceSchema(crd.spec.group, version.name, crd.spec.names.kind, own);
        out.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, { file, schema });
      }
    }
  }
  crdsByChannel.set(channel, out);
  return out;
}

const CRD_MODE: SchemaMode = { crd: true };

/** Errors of one custom resource against its CRD (defaults applied first, as the API server does). */
function validateCustomResource(m: any, crd: CrdVersion, errors: string[]): void {
  if (!crd.checked) {
    checkKeywords(crd.schema, false);
    crd.checked = true;
  }
  const meta = k8sSpec('v1.27', 'v1')!;
  validateNode({ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }, m.metadata ?? {}, 'metadata', meta.mode, errors);
  validateObjectMeta(m, errors);
  const obj = JSON.parse(JSON.stringify(m));
  applyDefaults(crd.schema, obj);
  validateNode(crd.schema, obj, '', CRD_MODE, errors);
}

/** Errors of one built-in object against one Kubernetes version, or undefined when that version has no schema for its kind. */
function validateBuiltIn(m: any, version: KubernetesVersion, errors: string[]): boolean {
  const spec = k8sSpec(version, m.apiVersion);
  const name = spec?.kinds.get(m.kind);
  if (!spec || !name) return false;
  validateNode({ $ref: `#/components/schemas/${name}` }, m, '', spec.mode, errors);
  validateKind(m, errors);
  return true;
}

/** The errors of one object, each prefixed with what it was validated against. */
export function manifestErrors(m: any, channel: CrdChannel = 'standard'): string[] {
  const out: string[] = [];
  const gvk = `${m?.apiVersion}/${m?.kind}`;
  if (SPEC_FILES[m?.apiVersion]) {
    for (const version of SPEC_VERSIONS[m.apiVersion] ?? KUBERNETES_VERSIONS) {
      const errors: string[] = [];
      if (!validateBuiltIn(m, version, errors)) errors.push(`no schema for ${m.apiVersion} ${m.kind} in Kubernetes ${version}`);
      out.push(...[...new Set(errors)].map(e => `[Kubernetes ${version}] ${e}`));
    }
    return out;
  }
  const crd = crdSchemas(channel).get(gvk);
  if (!crd) return [`no vendored CRD in crds/ (nor Kubernetes schema) for ${m?.apiVersion} ${m?.kind}`];
  const errors: string[] = [];
  validateCustomResource(m, crd, errors);
  return [...new Set(errors)].map(e => `[${crd.file}] ${e}`);
}

/**
 * Throws unless every object is valid against its real schema. An object of a kind we have
 * no schema for fails too, so nothing is skipped silently.
 */
export function validateManifests(manifests: any[], channel: CrdChannel = 'standard'): void {
  const errors: string[] = [];
  for (const m of manifests) {
    for (const e of manifestErrors(m, channel)) errors.push(`${m?.kind} ${m?.metadata?.name}: ${e}`);
  }
  if (errors.length > 0) {
    throw new Error(`objects do not match their schemas:\n${errors.join('\n')}`);
  }
}

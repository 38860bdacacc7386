// Generates src/validation/_schemas.ts, the schemas `cdk8s-canary validate` checks objects
// against at run time (the package ships neither crds/ nor schemas/): for every kind a provider
// plug-in declares (ProviderPlugin.validation.schemaKinds), every served version's
// openAPIV3Schema from the standard-channel CRDs in crds/, or the built-in kind's definition from
// the Kubernetes v1.35 OpenAPI v3 specs in schemas/k8s-openapi/v1.35 with only the definitions it
// reaches. Descriptions are dropped; identical schemas (e.g. Istio's v1alpha3, v1beta1 and v1)
// are stored once.
//
// Run: npx projen schemas. test/validation/schema-bundle.test.ts fails when the file is stale.
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { customResourceSchema } from '../src/validation/custom-resource';

/** The built-in group versions, by spec file (v1.35). */
const K8S_VERSION = 'v1.35';
const SPEC_FILES: Record<string, string> = {
  'v1': 'api__v1_openapi.json',
  'apps/v1': 'apis__apps__v1_openapi.json',
  'networking.k8s.io/v1': 'apis__networking.k8s.io__v1_openapi.json',
  'autoscaling/v2': 'apis__autoscaling__v2_openapi.json',
  'policy/v1': 'apis__policy__v1_openapi.json',
};
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function withoutDescriptions(s: any): any {
  if (Array.isArray(s)) return s.map(withoutDescriptions);
  if (!s || typeof s !== 'object') return s;
  const out: any = {};
  for (const [k, v] of Object.entries<any>(s)) {
    if ((k === 'description' && typeof v === 'string') || k === 'example' || k === 'x-kubernetes-group-version-kind') continue;
    if (k === 'default' || k === 'enum') out[k] = v;
    else if (k === 'properties' && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v).map(([p, x]) => [p, withoutDescriptions(x)]));
    else out[k] = withoutDescriptions(v);
  }
  return out;
}

function refsOf(s: any, into: Set<string>): void {
  if (Array.isArray(s)) { s.forEach(x => refsOf(x, into)); return; }
  if (!s || typeof s !== 'object') return;
  for (const [k, v] of Object.entries<any>(s)) {
    if (k === '$ref' && typeof v === 'string') into.add(v.replace('#/components/schemas/', ''));
    else if (k === 'enum' || k === 'default') continue;
    else refsOf(v, into);
  }
}

/** `<group>/<Kind>` (`Kind` for the core group) of an apiVersion and kind. */
function groupKind(apiVersion: string, kind: string): string {
  return apiVersion.includes('/') ? `${apiVersion.split('/')[0]}/${kind}` : kind;
}

/** The generated file's text, for the kinds given (`<group>/<Kind>`). */
export function generateSchemaBundle(root: string, kinds: readonly string[]): string {
  const wanted = new Set(kinds);
  const found = new Set<string>();
  const texts: string[] = [];
  const textIndex = new Map<string, number>();
  const entries: Array<[string, { source: string; schema: number } | { source: string; definition: string }]> = [];
  const sources = new Set<string>();
  const intern = (schema: any): number => {
    const text = JSON.stringify(schema);
    let i = textIndex.get(text);
    if (i === undefined) { i = texts.length; texts.push(text); textIndex.set(text, i); }
    return i;
  };

  // Custom resources: the standard channel's CRDs (files named *experimental* are not read).
  const crdDir = path.join(root, 'crds');
  for (const file of fs.readdirSync(crdDir).filter(f => /\.ya?ml$/.test(f) && !f.includes('experimental')).sort()) {
    const docs = yaml.loadAll(fs.readFileSync(path.join(crdDir, file), 'utf8')) as any[];
    for (const crd of docs) {
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const gk = `${crd.spec.group}/${crd.spec.names.kind}`;
      if (!wanted.has(gk)) continue;
      found.add(gk);
      sources.add(`crds/${file}`);
      for (const version of crd.spec.versions) {
        if (!version.served) continue;
        const own = withoutDescriptions(version.schema.openAPIV3Schema);
        const schema = customResourceSchema(crd.spec.group, version.name, crd.spec.names.kind, own);
        entries.push([`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, { source: `crds/${file}`, schema: intern(schema) }]);
      }
    }
  }

  // Built-in kinds: their definitions and every definition they reach (ObjectMeta included, for custom resources).
  const definitions: Record<string, any> = {};
  const pending: string[] = [];
  const all: Record<string, any> = {};
  for (const [apiVersion, file] of Object.entries(SPEC_FILES)) {
    const spec = JSON.parse(fs.readFileSync(path.join(root, 'schemas', 'k8s-openapi', K8S_VERSION, file), 'utf8'));
    const [group, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    for (const [name, s] of Object.entries<any>(spec.components.schemas)) {
      all[name] ??= s;
      for (const gvk of s['x-kubernetes-group-version-kind'] ?? []) {
        const gk = groupKind(apiVersion, gvk.kind);
        if (gvk.group === group && gvk.version === v && name.startsWith('io.k8s.api.') && wanted.has(gk)) {
          found.add(gk);
          sources.add(`schemas/k8s-openapi/${K8S_VERSION}/${file}`);
          entries.push([`${apiVersion}/${gvk.kind}`, { source: `schemas/k8s-openapi/${K8S_VERSION}/${file}`, definition: name }]);
          pending.push(name);
        }
      }
    }
  }
  pending.push(OBJECT_META);
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (definitions[name]) continue;
    if (!all[name]) throw new Error(`definition ${name} is in no spec file of ${Object.values(SPEC_FILES).join(', ')}`);
    definitions[name] = withoutDescriptions(all[name]);
    const refs = new Set<string>();
    refsOf(definitions[name], refs);
    pending.push(...refs);
  }
  const missing = kinds.filter(k => !found.has(k));
  if (missing.length > 0) throw new Error(`no schema in crds/ (standard channel) nor schemas/k8s-openapi/${K8S_VERSION} for ${missing.join(', ')}`);

  entries.sort((a, b) => a[0].localeCompare(b[0]));
  const sortedDefinitions = Object.fromEntries(Object.keys(definitions).sort().map(k => [k, definitions[k]]));
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return [
    '// ~~ Generated by projenrc/schemas.ts; do not edit. Rewrite with: npx projen schemas',
    `// From ${[...sources].sort().join(', ')}.`,
    '/* eslint-disable */',
    '',
    '/** The files the schemas come from. */',
    `export const SCHEMA_SOURCES: string[] = [${[...sources].sort().map(q).join(', ')}];`,
    '',
    '/** By `<apiVersion>/<kind>`: a custom resource\'s schema (index in SCHEMA_TEXTS), or a built-in kind\'s definition name. */',
    `export const SCHEMA_KINDS: { [apiVersionKind: string]: { source: string; schema?: number; definition?: string } } = ${JSON.stringify(Object.fromEntries(entries), undefined, 2)};`,
    '',
    '/** The custom resources\' schemas, as JSON texts (parsed when a kind is first validated). */',
    'export const SCHEMA_TEXTS: string[] = [',
    ...texts.map(t => `  ${q(t)},`),
    '];',
    '',
    `/** The Kubernetes ${K8S_VERSION} definitions the built-in kinds and ObjectMeta reach, as a JSON text of components.schemas. */`,
    `export const K8S_DEFINITIONS: string = ${q(JSON.stringify(sortedDefinitions))};`,
    '',
  ].join('\n');
}

/** The kinds the registry's plug-ins validate. */
export function registryKinds(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PROVIDERS } = require('../src/providers/registry');
  return [...new Set<string>(PROVIDERS.plugins.flatMap((p: any) => p.validation?.schemaKinds ?? []))];
}

export const BUNDLE_FILE = path.join('src', 'validation', '_schemas.ts');

if (require.main === module) {
  const root = path.join(__dirname, '..');
  const text = generateSchemaBundle(root, registryKinds());
  fs.writeFileSync(path.join(root, BUNDLE_FILE), text);
  console.log(`${BUNDLE_FILE}: ${text.length} bytes`);
}

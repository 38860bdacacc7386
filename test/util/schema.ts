// Schema validation for every object the tests synthesize:
// - custom resources against the openAPIV3Schema of the CRDs vendored in crds/ (every *.yaml
//   there; files named *experimental* only when asked), with unknown fields rejected as the API
//   server's strict field validation does;
// - Deployment and Service against the Kubernetes OpenAPI schemas (kubernetes-models), in a
//   child process because that package is an ES module.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import * as YAML from 'yaml';

const CRD_DIR = path.join(__dirname, '..', '..', 'crds');

/** Adds `additionalProperties: false` wherever the schema lists properties and does not preserve unknown fields. */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) out[k] = strict(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

/** Which vendored CRD files to validate against: the standard ones, or with the experimental ones instead. */
export type CrdChannel = 'standard' | 'experimental';

const validatorsByChannel = new Map<CrdChannel, Map<string, ValidateFunction>>();

/** Validators by `<group>/<version>/<kind>` for every CRD vendored in crds/. */
function crdValidators(channel: CrdChannel): Map<string, ValidateFunction> {
  const cached = validatorsByChannel.get(channel);
  if (cached) return cached;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validators = new Map<string, ValidateFunction>();
  validatorsByChannel.set(channel, validators);
  // Experimental files come last so that, when asked for, they replace the standard kinds.
  const files = fs.readdirSync(CRD_DIR).filter(f => /\.ya?ml$/.test(f))
    .filter(f => channel === 'experimental' || !f.includes('experimental'))
    .sort((a, b) => Number(a.includes('experimental')) - Number(b.includes('experimental')) || a.localeCompare(b));
  for (const doc of files.flatMap(f => YAML.parseAllDocuments(fs.readFileSync(path.join(CRD_DIR, f), 'utf8')))) {
    const crd = doc.toJSON();
    if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
    for (const version of crd.spec.versions) {
      const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
      const schema = strict(version.schema.openAPIV3Schema);
      // The API server adds the object's own fields to every CRD schema.
      schema.properties = {
        apiVersion: { type: 'string', enum: [`${crd.spec.group}/${version.name}`] },
        kind: { type: 'string', enum: [crd.spec.names.kind] },
        metadata: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', maxLength: 253 },
            namespace: { type: 'string' },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
            annotations: { type: 'object', additionalProperties: { type: 'string' } },
          },
          additionalProperties: false,
        },
        ...schema.properties,
      };
      schema.required = [...new Set(['apiVersion', 'kind', 'metadata', 'spec', ...(schema.required ?? [])])];
      validators.set(key, ajv.compile(schema));
    }
  }
  return validators;
}

/** Whether objects of this apiVersion are custom resources (not built-in Kubernetes kinds). */
function isCustomResource(apiVersion: unknown): boolean {
  return typeof apiVersion === 'string' && apiVersion.includes('/') && apiVersion.split('/')[0].includes('.') && !apiVersion.startsWith('networking.k8s.io/');
}

/**
 * Throws unless every object is valid against its real schema. An object of a kind we have
 * no schema for fails too, so nothing is skipped silently.
 */
export function validateManifests(manifests: any[], channel: CrdChannel = 'standard'): void {
  const errors: string[] = [];
  const k8s: any[] = [];
  for (const m of manifests) {
    const id = `${m.kind} ${m.metadata?.name}`;
    if (isCustomResource(m.apiVersion)) {
      const validate = crdValidators(channel).get(`${m.apiVersion}/${m.kind}`);
      if (!validate) {
        errors.push(`${id}: no vendored CRD in crds/ for ${m.apiVersion} ${m.kind}`);
      } else if (!validate(m)) {
        errors.push(`${id}: ${JSON.stringify(validate.errors, undefined, 1)}`);
      }
    } else {
      k8s.push(m);
    }
  }
  if (k8s.length > 0) {
    const script = path.join(__dirname, 'k8s-validate.mjs');
    const out = execFileSync(process.execPath, [script], { input: JSON.stringify(k8s), maxBuffer: 256 * 1024 * 1024 });
    const results: string[] = JSON.parse(out.toString());
    results.forEach((r, i) => { if (r) errors.push(`${k8s[i].kind} ${k8s[i].metadata?.name}: ${r}`); });
  }
  if (errors.length > 0) {
    throw new Error(`objects do not match their schemas:\n${errors.join('\n')}`);
  }
}

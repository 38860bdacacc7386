// Schema validation for every object the tests synthesize:
// - VirtualService and DestinationRule against Istio 1.30.3's CRD openAPIV3Schema (vendored
//   in crds/), with unknown fields rejected as the API server's strict field validation does;
// - Deployment and Service against the Kubernetes OpenAPI schemas (kubernetes-models), in a
//   child process because that package is an ES module.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import * as YAML from 'yaml';

const CRD_FILE = path.join(__dirname, '..', '..', 'crds', 'istio-networking-1.30.3.yaml');

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

let istioValidators: Map<string, ValidateFunction> | undefined;

function istio(): Map<string, ValidateFunction> {
  if (istioValidators) return istioValidators;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  istioValidators = new Map();
  for (const doc of YAML.parseAllDocuments(fs.readFileSync(CRD_FILE, 'utf8'))) {
    const crd = doc.toJSON();
    if (!crd) continue;
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
      schema.required = ['apiVersion', 'kind', 'metadata', 'spec', ...(schema.required ?? [])];
      istioValidators.set(key, ajv.compile(schema));
    }
  }
  return istioValidators;
}

/**
 * Throws unless every object is valid against its real schema. An object of a kind we have
 * no schema for fails too, so nothing is skipped silently.
 */
export function validateManifests(manifests: any[]): void {
  const errors: string[] = [];
  const k8s: any[] = [];
  for (const m of manifests) {
    const id = `${m.kind} ${m.metadata?.name}`;
    if (typeof m.apiVersion === 'string' && m.apiVersion.startsWith('networking.istio.io/')) {
      const validate = istio().get(`${m.apiVersion}/${m.kind}`);
      if (!validate) {
        errors.push(`${id}: no Istio schema for ${m.apiVersion} ${m.kind}`);
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

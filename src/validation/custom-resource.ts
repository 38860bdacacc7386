// The schema of a custom resource's root, as the API server validates it (internal): a CRD
// version's openAPIV3Schema with apiVersion, kind and metadata added. Shared by the schema bundle's
// generator (projenrc/schemas.ts) and the tests' validator (test/util/schema.ts).

/**
 * The root schema of `kind` in `group/version`, from the CRD version's own schema: apiVersion and
 * kind fixed, metadata an object (validated as ObjectMeta elsewhere; the CRD's own metadata schema
 * may only narrow it), and a spec required (every custom resource we emit or read has one).
 */
export function customResourceSchema(group: string, version: string, kind: string, own: any): any {
  return {
    ...own,
    properties: {
      ...own.properties,
      apiVersion: { type: 'string', enum: [`${group}/${version}`] },
      kind: { type: 'string', enum: [kind] },
      metadata: { 'type': 'object', ...own.properties?.metadata, 'x-kubernetes-preserve-unknown-fields': true },
    },
    required: [...new Set(['apiVersion', 'kind', 'metadata', 'spec', ...(own.required ?? [])])],
  };
}

// The runtime schema bundle (src/validation/_schemas.ts) is what `npx projen schemas` makes of
// crds/ and schemas/k8s-openapi/ for the kinds the plug-ins declare, and the validator can apply it.
import * as fs from 'fs';
import * as path from 'path';
import '../util/cel';
import { BUNDLE_FILE, generateSchemaBundle, registryKinds } from '../../projenrc/schemas';
import { K8S_DEFINITIONS, SCHEMA_KINDS, SCHEMA_SOURCES, SCHEMA_TEXTS } from '../../src/validation/_schemas';
import { checkKeywords } from '../../src/validation/structural';
import { hasSchema, schemaIssues } from '../../src/validation/validator';

const ROOT = path.join(__dirname, '..', '..');

describe('schema bundle', () => {
  test('is up to date with crds/ and schemas/k8s-openapi/ (else run: npx projen schemas)', () => {
    // GIVEN the bundle checked in / WHEN generated again from the vendored files / THEN the same text
    const fresh = generateSchemaBundle(ROOT, registryKinds());
    expect(fs.readFileSync(path.join(ROOT, BUNDLE_FILE), 'utf8') === fresh).toBe(true);
  });

  test('holds every kind the plug-ins declare, names its sources, and stays small', () => {
    const kinds = registryKinds();
    expect(kinds).toEqual(expect.arrayContaining(['gateway.networking.k8s.io/HTTPRoute', 'networking.k8s.io/Ingress', 'apps/Deployment', 'Service']));
    for (const k of kinds) {
      expect(Object.keys(SCHEMA_KINDS).some(key => key.startsWith(k.includes('/') ? `${k.split('/')[0]}/` : 'v1/') && key.endsWith(`/${k.split('/').pop()}`))).toBe(true);
    }
    expect(SCHEMA_SOURCES).toEqual(expect.arrayContaining(['crds/gateway-api-v1.6.1-httproutes.yaml', 'crds/istio-networking-1.30.3.yaml', 'schemas/k8s-openapi/v1.35/apis__apps__v1_openapi.json']));
    expect(fs.statSync(path.join(ROOT, BUNDLE_FILE)).size).toBeLessThan(300_000);
  });

  test('uses only keywords the validator implements, and every CEL rule compiles', () => {
    // GIVEN every bundled schema / WHEN checked with rules compiled / THEN nothing throws
    for (const text of SCHEMA_TEXTS) checkKeywords(JSON.parse(text), true);
    for (const s of Object.values<any>(JSON.parse(K8S_DEFINITIONS))) checkKeywords(s, false);
  });

  test('fails a kind with no bundled schema as unknown, not as valid', () => {
    // GIVEN a served version that is not bundled, and a kind no plug-in declares
    // WHEN asked / THEN no schema (validate reports it, never counts it as valid)
    expect(hasSchema({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler' })).toBe(false);
    expect(schemaIssues({ apiVersion: 'v1', kind: 'ConfigMap' })).toBeUndefined();
    expect(schemaIssues({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { ports: [{ port: 80 }] } })).toEqual([]);
  });
});

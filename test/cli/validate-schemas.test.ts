// `validate` for every provider: schemas (CRD openAPIV3Schema and CEL rules, Kubernetes v1.35
// OpenAPI) and ingress-nginx's annotation validation, each finding with its file, object, JSON
// path, value and what is allowed (issue #21).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../util/cli';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

describe('cdk8s-canary validate: schemas and data planes', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-validate-schemas-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const lines = (out: string) => out.split('\n');

  const ROUTE = (spec: string, meta = '{name: reviews, namespace: shop}') => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: ${meta}
spec:
${spec}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  selector: {app: reviews}
  ports: [{port: 80, targetPort: 9080}]
`;
  const RULES_OK = `  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: reviews, port: 80}]`;

  test('a valid HTTPRoute and its Service pass', () => {
    // GIVEN a valid route and Service
    const file = write('ok.yaml', ROUTE(RULES_OK));
    // WHEN validated / THEN exit 0, both objects counted
    expect(run('validate', file)).toEqual({ code: 0, out: '2 object(s) validated in 1 file(s): 0 error(s), 0 warning(s)', err: '' });
  });

  test('fails a wrong type with its path and the value (the issue: hosts: reviews)', () => {
    // GIVEN a VirtualService whose hosts is a string
    const file = write('vs.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: shop}\nspec:\n  hosts: reviews\n  http: [{route: [{destination: {host: reviews}}]}]\n');
    // WHEN validated
    const r = run('validate', file);
    // THEN exit 1 with the file, the object, the path, the value and the type allowed
    expect(r.code).toBe(1);
    expect(lines(r.out)).toContain(`Error: ${file}: VirtualService/shop/reviews: spec.hosts: Invalid value: "reviews": must be of type array [schema]`);
  });

  test('fails metadata that is not an object (the issue: metadata: [1,2])', () => {
    // GIVEN a DestinationRule whose metadata is a list
    const file = write('dr.yaml', 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: [1, 2]\nspec: {host: reviews}\n');
    // WHEN validated / THEN the path and value, once
    const r = run('validate', file);
    expect(r.code).toBe(1);
    expect(lines(r.out).filter(l => l.includes('metadata: Invalid value: [1,2]: must be of type object [schema]'))).toHaveLength(1);
    // and the object is named without a name, never "undefined"
    expect(lines(r.out).filter(l => l.includes('DestinationRule/(no name): metadata:'))).toHaveLength(1);
    expect(r.out).not.toContain('undefined');
  });

  test('fails a weight out of range (the issue: weight: 1e308)', () => {
    // GIVEN an HTTPRoute backend and a VirtualService destination weighted 1e308
    const file = write('w.yaml', `${ROUTE(`  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: reviews, port: 80, weight: 1e308}]`)}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews}, weight: 1e308}]}]
`);
    // WHEN validated / THEN both are errors naming the bound
    const r = run('validate', file);
    expect(r.code).toBe(1);
    expect(lines(r.out)).toEqual(expect.arrayContaining([
      `Error: ${file}: HTTPRoute/shop/reviews: spec.rules[0].backendRefs[0].weight: Invalid value: 1e+308: should be less than or equal to 1000000 [schema]`,
      `Error: ${file}: VirtualService/shop/reviews: spec.http[0].route[0].weight: Invalid value: 1e+308: must be of format int32 [schema]`,
    ]));
  });

  test('fails an unknown field (a typo)', () => {
    // GIVEN an HTTPRoute rule with `backendRef` instead of `backendRefs`
    const file = write('typo.yaml', ROUTE('  parentRefs: [{name: gw}]\n  rules:\n  - backendRef: [{name: reviews, port: 80}]'));
    // WHEN validated / THEN the unknown field, at its path
    const r = run('validate', file);
    expect(r.code).toBe(1);
    expect(lines(r.out)).toContain(`Error: ${file}: HTTPRoute/shop/reviews: spec.rules[0].backendRef: unknown field "backendRef" [schema]`);
  });

  test('fails a value outside an enum', () => {
    // GIVEN a path match of an unknown type
    const file = write('enum.yaml', ROUTE(`${RULES_OK}\n    matches: [{path: {type: Glob, value: /api}}]`));
    // WHEN validated / THEN the values allowed are listed
    const r = run('validate', file);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`Error: ${file}: HTTPRoute/shop/reviews: spec.rules[0].matches[0].path.type: Unsupported value: "Glob": supported values: "Exact", "PathPrefix", "RegularExpression" [schema]`);
  });

  test('fails a CEL rule of the real Gateway API CRD', () => {
    // GIVEN a PathPrefix that does not start with '/' (a rule of HTTPPathMatch's x-kubernetes-validations)
    const file = write('cel.yaml', ROUTE(`${RULES_OK}\n    matches: [{path: {type: PathPrefix, value: api}}]`));
    // WHEN validated / THEN the CRD's message, as a [cel] finding
    const r = run('validate', file);
    expect(r.code).toBe(1);
    expect(lines(r.out)).toContain(`Error: ${file}: HTTPRoute/shop/reviews: spec.rules[0].matches[0].path: Invalid value: {"type":"PathPrefix","value":"api"}: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix'] [cel]`);
  });

  test('runs no CEL rule on an object with blocking schema errors, as the API server (a list over maxItems included)', () => {
    // GIVEN a PathPrefix the CEL rules reject, in a route with 17 rules (maxItems 16)
    const rules = Array.from({ length: 17 }, () => '  - backendRefs: [{name: reviews, port: 80}]\n    matches: [{path: {type: PathPrefix, value: api}}]').join('\n');
    const file = write('many.yaml', ROUTE(`  parentRefs: [{name: gw}]\n  rules:\n${rules}`));
    // WHEN validated
    const r = run('validate', file, '--json');
    // THEN the maxItems error, no CEL error, and the note saying the rules did not run
    const findings = JSON.parse(r.out).findings.filter((f: any) => f.rule === 'schema' || f.rule === 'cel');
    expect(findings.map((f: any) => [f.severity, f.rule, f.path])).toEqual([
      ['error', 'schema', 'spec.rules'],
      ['warning', 'cel', '<root>'],
    ]);
    expect(r.code).toBe(1);
  });

  test('fails a Deployment of the wrong type, and an HPA and a PDB against Kubernetes v1.35', () => {
    // GIVEN a Deployment with replicas as a string, an HPA without maxReplicas, a PDB with a list as minAvailable
    const file = write('apps.yaml', `apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v1}
spec:
  replicas: "3"
  selector: {matchLabels: {app: reviews}}
  template:
    metadata: {labels: {app: reviews}}
    spec: {containers: [{name: main, image: reviews:1}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: reviews-v1}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: reviews-v1}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: reviews-v1}
spec:
  minAvailable: [1]
`);
    // WHEN validated / THEN each error at its path
    const r = run('validate', file);
    expect(r.code).toBe(1);
    expect(lines(r.out)).toEqual([
      `Error: ${file}: Deployment/reviews-v1: spec.replicas: Invalid value: "3": must be of type integer [schema]`,
      `Error: ${file}: HorizontalPodAutoscaler/reviews-v1: spec.maxReplicas: Required value [schema]`,
      `Error: ${file}: PodDisruptionBudget/reviews-v1: spec.minAvailable: Invalid value: [1]: must validate one and only one schema (oneOf), matched 0 [schema]`,
      '3 object(s) validated in 1 file(s): 3 error(s), 0 warning(s)',
    ]);
  });

  test('fails an Ingress annotation ingress-nginx rejects, saying the controller ignores it', () => {
    // GIVEN a canary Ingress whose weight is not an integer and whose header has a space-free invalid character
    const file = write('ing.yaml', `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: reviews-canary
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-weight: "10%"
    nginx.ingress.kubernetes.io/canary-by-header: "x-beta;"
spec:
  ingressClassName: nginx
  rules: [{host: reviews.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: reviews-v2, port: {number: 80}}}}]}}]
`);
    // WHEN validated
    const r = run('validate', file, '--json');
    // THEN two ingress-annotation errors, with the path, the value and what is allowed
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ valid: false, objects: 1, errors: 2 });
    expect(report.findings).toEqual([
      expect.objectContaining({ rule: 'ingress-annotation', path: 'metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"]', message: expect.stringContaining('"10%" is rejected by ingress-nginx\'s annotation validation, which then ignores the annotation (reads it as unset); allowed: an integer') }),
      expect.objectContaining({ rule: 'ingress-annotation', path: 'metadata.annotations["nginx.ingress.kubernetes.io/canary-by-header"]', message: expect.stringContaining('"x-beta;"') }),
    ]);
  });

  test('fails canary annotations on an Ingress that is not a canary (the controller drops them)', () => {
    // GIVEN canary-weight without canary: "true"
    const file = write('ing.yaml', 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: reviews\n  annotations: {nginx.ingress.kubernetes.io/canary-weight: "10"}\nspec: {defaultBackend: {service: {name: reviews, port: {number: 80}}}}\n');
    // WHEN validated / THEN the controller's "configured but not enabled"
    const r = run('validate', file);
    expect(r.code).toBe(1);
    expect(r.out).toContain('configured but not enabled');
  });

  test('escapes values from the input in the message', () => {
    // GIVEN a wrong-typed value carrying a newline and a workflow command
    const file = write('esc.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: reviews}\nspec: {ports: [{port: "x\\n::error::pwned"}]}\n');
    // WHEN validated / THEN no output line starts with '::'
    const r = run('validate', file);
    expect(r.code).toBe(1);
    expect(r.out).toContain('spec.ports[0].port: Invalid value: "x\\n::error::pwned": must be of type integer');
    expect(lines(r.out).some(l => l.trimStart().startsWith('::'))).toBe(false);
  });

  test('prefers the analyzer\'s message when it flags the same path', () => {
    // GIVEN a VirtualService gateway that is a number: the CRD's schema (spec.gateways[0] must be a
    // string) and Istio's webhook rule (gateways[0]) both flag it
    const file = write('vs.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews}\nspec:\n  hosts: [reviews]\n  gateways: [7]\n  http: [{route: [{destination: {host: reviews}}]}]\n');
    // WHEN validated
    const r = run('validate', file);
    // THEN one error, the analyzer's (and the note that the CRD's CEL rules did not run)
    expect(lines(r.out)).toEqual([
      `Error: ${file}: VirtualService/reviews: gateways[0]: gateway must be a string, got 7 [vs-gateway]`,
      `Warning: ${file}: VirtualService/reviews: <root>: the CRD's CEL rules were not checked because the object has schema errors (as the API server does); fix them to complete validation [cel]`,
      '1 object(s) validated in 1 file(s): 1 error(s), 1 warning(s)',
    ]);
  });

  test('warns on a declared kind in a version with no bundled schema: exit 0, or 1 with --strict', () => {
    // GIVEN an autoscaling/v1 HorizontalPodAutoscaler (only autoscaling/v2 is bundled)
    const file = write('hpa.yaml', 'apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {maxReplicas: 3, scaleTargetRef: {kind: Deployment, name: d}}\n');
    // WHEN validated / THEN a warning says it was not validated against a schema
    expect(run('validate', file)).toEqual({
      code: 0,
      out: `Warning: ${file}: HorizontalPodAutoscaler/h: <root>: no schema bundled for apiVersion "autoscaling/v1" of kind HorizontalPodAutoscaler: not validated against a schema; bundled: autoscaling/v2 [schema]\n`
        + '1 object(s) validated in 1 file(s): 0 error(s), 1 warning(s)',
      err: '',
    });
    expect(run('validate', file, '--strict').code).toBe(1);
  });

  test('sarif carries the schema findings with their rule ids', () => {
    // GIVEN a Deployment of the wrong type
    const file = write('d.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: "3", selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: m, image: i}]}}}\n');
    // WHEN validated as SARIF / THEN the result names the rule and the path
    const r = run('validate', file, '--format', 'sarif');
    expect(r.code).toBe(1);
    const results = JSON.parse(r.out).runs[0].results;
    expect(results).toEqual([expect.objectContaining({ ruleId: 'schema', message: expect.objectContaining({ text: expect.stringContaining('spec.replicas: Invalid value: "3"') }) })]);
  });

  test('every example\'s synthesized output validates clean', () => {
    // GIVEN every synthesized stage of every example
    const files = fs.readdirSync(EXAMPLES).flatMap(e => {
      const d = path.join(EXAMPLES, e, 'dist');
      return fs.existsSync(d) ? fs.readdirSync(d).filter(f => /\.ya?ml$/.test(f)).map(f => path.join(d, f)) : [];
    });
    expect(files.length).toBeGreaterThan(50);
    // WHEN each is validated / THEN no error nor warning
    for (const f of files) {
      const r = run('validate', f, '--json');
      const report = JSON.parse(r.out);
      expect({ f, findings: report.findings }).toEqual({ f, findings: [] });
      expect(r.code).toBe(0);
      expect(report.objects).toBeGreaterThan(0);
    }
  });
});

import { ISTIO_CASES, IstioCase } from './istio-cases.data';
import { Severity } from '../../../../src';
import { checkIstioObject } from '../../../../src/providers/istio/rules';

/** The object of a case, with the long bodies the data file writes as `$repeat` expanded. */
function manifest([name, kind, spec, , namespace]: IstioCase): any {
  const expand = (v: any): any => {
    if (Array.isArray(v)) return v.map(expand);
    if (v && typeof v === 'object') {
      if (v.$repeat) return v.$repeat[0].repeat(v.$repeat[1]);
      if (v.$base64Repeat) return Buffer.from(v.$base64Repeat[0].repeat(v.$base64Repeat[1])).toString('base64');
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x)]));
    }
    return v;
  };
  return {
    apiVersion: 'networking.istio.io/v1',
    kind,
    metadata: { name: name.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 50), ...(namespace ? { namespace } : {}) },
    spec: expand(spec),
  };
}

describe("Istio's own validation test cases", () => {
  const results = ISTIO_CASES.map(c => {
    const findings = checkIstioObject(manifest(c), 'case');
    const errors = findings.filter(f => f.severity === Severity.ERROR);
    return { name: c[0], expected: c[3], errors, warnings: findings.filter(f => f.severity === Severity.WARNING) };
  });

  test('at least 95% of what Istio rejects is reported as an error, and nothing Istio accepts', () => {
    // GIVEN Istio's cases: rejected ('error'), accepted ('ok'), accepted with a warning
    const rejected = results.filter(r => r.expected === 'error');
    const accepted = results.filter(r => r.expected !== 'error');
    // WHEN each is checked alone (the webhook's view)
    const caught = rejected.filter(r => r.errors.length > 0);
    const falseErrors = accepted.filter(r => r.errors.length > 0);
    const ratio = caught.length / rejected.length;
    // THEN
    process.stdout.write(`Istio cases: ${results.length}; rejected by Istio: ${rejected.length}, reported as errors: ${caught.length} `
      + `(${(ratio * 100).toFixed(1)}%); accepted by Istio: ${accepted.length}, false errors: ${falseErrors.length}\n`);
    expect(falseErrors.map(r => `${r.name}: ${r.errors.map(e => e.message).join('; ')}`)).toEqual([]);
    expect(rejected.filter(r => r.errors.length === 0).map(r => r.name)).toEqual(MISSED);
    expect(ratio).toBeGreaterThanOrEqual(0.95);
  });

  test("Istio's warnings are warnings", () => {
    const warned = results.filter(r => r.expected === 'warning');
    expect(warned.filter(r => r.warnings.length === 0).map(r => r.name)).toEqual([]);
  });
});

/** Cases Istio rejects that are not reported, each with the reason. */
const MISSED: string[] = [];

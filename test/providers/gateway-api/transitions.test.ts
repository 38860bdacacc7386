import { FindingKind, Severity, TransitionCheck } from '../../../src';
import { validateManifests } from '../../util';
import { JASON_V2, reviewsBase, reviewsDeployment } from '../../util/bookinfo';
import { backend, httpRoute, JASON_V2_ROUTE, reviewsServices, service } from '../../util/gateway-api-bookinfo';

const WAVE = 'argocd.argoproj.io/sync-wave';

/** The step's findings as [severity, kind, host, version]; both outputs are validated against their schemas. */
function check(previous: any[], next: any[]) {
  validateManifests([...previous, ...next]);
  const report = TransitionCheck.check(previous, next);
  return { report, summary: report.findings.map(f => [f.severity, f.kind, f.host, f.version]) };
}

const split = (v1: number, v2: number) => httpRoute([{ backendRefs: [backend('v1', v1), backend('v2', v2)] }]);
const onlyV1 = httpRoute([{ backendRefs: [backend('v1')] }]);

function withWave(o: any, wave: number): any {
  return { ...o, metadata: { ...o.metadata, annotations: { [WAVE]: String(wave) } } };
}

describe('TransitionCheck on Gateway API routing (make-before-break at Service level)', () => {
  test('passes a weight shift between versions whose Services and pods exist', () => {
    const { report } = check([...reviewsServices(['v1', 'v2']), split(90, 10)], [...reviewsServices(['v1', 'v2']), split(80, 20)]);
    expect(report.findings).toEqual([]);
    expect(report.safe).toBe(true);
  });

  test('fails a commit that adds a backendRef together with its Service and Deployment', () => {
    // WHEN
    const { report, summary } = check([...reviewsServices(['v1']), onlyV1], [...reviewsServices(['v1', 'v2']), split(90, 10)]);
    // THEN
    expect(summary).toEqual([[Severity.ERROR, FindingKind.ROUTED_TO_NEW_VERSION, 'reviews', 'v2']]);
    expect(report.findings[0].message).toBe('Service default/reviews-v2 and Deployment reviews-v2 are new in this commit and HTTPRoute default/reviews already sends it traffic; '
      + 'nothing orders the new objects before the route, and new pods need time to become ready, so those requests fail (500 without the Service, 503 without ready endpoints) meanwhile');
    expect(report.findings[0].safeSequence).toEqual([
      '1) add reviews v2 (Service default/reviews-v2 and its Deployment), with no backendRef to it',
      '2) once its pods are ready, add the backendRef and move traffic to it step by step',
      '3) remove the old version in a later commit, after its backendRefs are gone',
    ]);
  });

  test('passes the same commit when Argo CD sync waves apply the Service and Deployment before the route', () => {
    const next = [...reviewsServices(['v1']), withWave(service('reviews-v2', { app: 'reviews', version: 'v2' }), -1), withWave(reviewsDeployment('v2'), -1), split(90, 10)];
    expect(check([...reviewsServices(['v1']), onlyV1], next).summary).toEqual([]);
  });

  test('fails a backendRef to a Service that is not in the output', () => {
    const { report, summary } = check([...reviewsServices(['v1']), onlyV1], [...reviewsServices(['v1']), reviewsDeployment('v2'), split(90, 10)]);
    expect(summary).toEqual([[Severity.ERROR, FindingKind.ROUTED_TO_MISSING_SERVICE, 'reviews', 'v2']]);
    expect(report.findings[0].message).toBe('HTTPRoute default/reviews sends it traffic (Service default/reviews-v2 (reviews v2)), but the Service is not in the output; '
      + 'the Gateway API answers those requests with HTTP 500 (an invalid backendRef)');
  });

  test('fails a backendRef to a Service whose pods have 0 replicas', () => {
    const { report, summary } = check([...reviewsServices(['v1', 'v2']), onlyV1], [...reviewsServices(['v1', 'v2'], { v2: 0 }), split(90, 10)]);
    expect(summary).toEqual([[Severity.ERROR, FindingKind.ROUTED_TO_NO_REPLICAS, 'reviews', 'v2']]);
    expect(report.findings[0].message).toBe('HTTPRoute default/reviews sends it traffic (Service default/reviews-v2 (reviews v2)), but reviews-v2 has 0 replicas; '
      + 'those requests get HTTP 503 (no ready endpoints)');
  });

  test('fails deleting a Service in the commit that removes its last backendRef', () => {
    // WHEN: v1 is retired: its backendRef, Service and Deployment go in one commit
    const { report, summary } = check([...reviewsServices(['v1', 'v2']), split(50, 50)], [...reviewsServices(['v2']), httpRoute([{ backendRefs: [backend('v2')] }])]);
    // THEN
    expect(summary).toEqual([[Severity.ERROR, FindingKind.SERVICE_REMOVED_WHILE_ROUTED, 'reviews', 'v1']]);
    expect(report.findings[0].message).toBe('Service default/reviews-v1 (reviews v1) is deleted, with its pods (reviews-v1), in the same commit that removes the backendRef of '
      + 'HTTPRoute default/reviews, which sends it traffic; until every proxy has the new routes, those requests get HTTP 500');
    expect(report.findings[0].safeSequence).toEqual([
      '1) remove every backendRef to default/reviews-v1 (move its traffic to other backends), keeping the Service and its pods',
      '2) once the new routes are live on every proxy, delete Service default/reviews-v1 and scale down or remove reviews-v1',
    ]);
  });

  test('fails removing the pods of a Service in the commit that removes its last backendRef, and passes removing the backendRef alone', () => {
    const before = [...reviewsServices(['v1', 'v2']), split(50, 50)];
    const podsGone = [...reviewsServices(['v2']), service('reviews-v1', { app: 'reviews', version: 'v1' }), httpRoute([{ backendRefs: [backend('v2')] }])];
    expect(check(before, podsGone).summary).toEqual([[Severity.ERROR, FindingKind.ROUTED_TO_NO_REPLICAS, 'reviews', 'v1']]);
    expect(check(before, [...reviewsServices(['v1', 'v2']), httpRoute([{ backendRefs: [backend('v2')] }])]).summary).toEqual([]);
  });

  test('fails switching a host from VirtualService to HTTPRoute in one commit, with the safe sequence', () => {
    // WHEN
    const { report, summary } = check([...reviewsBase(['v1', 'v2']), JASON_V2], [...reviewsServices(['v1', 'v2']), JASON_V2_ROUTE]);
    // THEN: the switch; the subsets removed while the old VirtualService routes to them; the
    // per-version Services new in the same commit as the route naming them
    expect(summary).toEqual([
      [Severity.ERROR, FindingKind.SUBSET_REMOVED_WHILE_ROUTED, 'reviews', 'v2'],
      [Severity.ERROR, FindingKind.SUBSET_REMOVED_WHILE_ROUTED, 'reviews', 'v1'],
      [Severity.ERROR, FindingKind.ROUTED_TO_NEW_VERSION, 'reviews', 'v2'],
      [Severity.ERROR, FindingKind.ROUTED_TO_NEW_VERSION, 'reviews', 'v1'],
      [Severity.ERROR, FindingKind.PROVIDER_SWITCH, 'reviews', undefined],
    ]);
    const sw = report.findings[4];
    expect(sw.message).toBe('the routing of reviews moves from VirtualService default/reviews to HTTPRoute default/reviews in one commit; during the sync both exist '
      + '(Istio leaves mixing VirtualService and HTTPRoute for one workload undefined) or neither does (requests reach any pod of reviews, ignoring weights and cohorts)');
    expect(sw.safeSequence).toEqual([
      '1) add the per-version Services of reviews (<service>-<version>, selecting the pods that already run), with no route naming them yet',
      '2) add the HTTPRoute with exactly the routing of the VirtualService (cdk8s-canary diff between the two shows no traffic change), keeping the VirtualService: '
        + 'while both exist, proxies may use either, and both send every request to the same place',
      '3) remove the VirtualService (and the DestinationRule subsets nothing routes to any more)',
      '4) change the routing of reviews (weights, cohorts) only in later commits, through the HTTPRoute',
    ]);
  });

  test('passes every step of the safe sequence, warning while both route the host identically', () => {
    const perVersion = ['v1', 'v2'].map(v => service(`reviews-${v}`, { app: 'reviews', version: v }));
    const step0 = [...reviewsBase(['v1', 'v2']), JASON_V2];
    const step1 = [...step0, ...perVersion];
    const step2 = [...step1, JASON_V2_ROUTE];
    const step3 = [...reviewsBase(['v1', 'v2']), ...perVersion, JASON_V2_ROUTE];
    expect(check(step0, step1).summary).toEqual([]);
    expect(check(step1, step2).summary).toEqual([[Severity.WARNING, FindingKind.PROVIDER_SWITCH, 'reviews', undefined]]);
    expect(check(step1, step2).report.safe).toBe(true);
    expect(check(step2, step3).summary).toEqual([]);
  });

  test('fails a VirtualService and an HTTPRoute that route the same host differently', () => {
    const perVersion = ['v1', 'v2'].map(v => service(`reviews-${v}`, { app: 'reviews', version: v }));
    const step1 = [...reviewsBase(['v1', 'v2']), JASON_V2, ...perVersion];
    const { report, summary } = check(step1, [...step1, split(80, 20)]);
    expect(summary).toEqual([[Severity.ERROR, FindingKind.PROVIDER_SWITCH, 'reviews', undefined]]);
    expect(report.findings[0].message).toBe('VirtualService default/reviews and HTTPRoute default/reviews both route reviews, differently; '
      + 'Istio leaves mixing VirtualService and HTTPRoute for one workload undefined, so requests may follow either');
  });
});

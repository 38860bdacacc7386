import { Chart, Testing } from 'cdk8s';
import * as bookinfo from '../../examples/bookinfo-reviews/main';
import { stageChart } from '../../examples/stages';
import { CanaryServiceProps, FindingKind, RoutingReader, Severity, TransitionCheck } from '../../src';
import { reviewsBase, reviewsDeployment, virtualService } from '../util/bookinfo';

const dest = (subset: string, weight?: number) => ({ destination: { host: 'reviews', subset }, ...(weight === undefined ? {} : { weight }) });

function synth(props: Partial<CanaryServiceProps>): any[] {
  return Testing.synth(stageChart('bookinfo-reviews', (chart: Chart, p: Partial<CanaryServiceProps>) => bookinfo.build(chart, p), props));
}

const STAGES = bookinfo.STAGES.map(([name, props]) => [name, synth(props)] as [string, any[]]);
const stage = (prefix: string) => STAGES.find(([name]) => name.startsWith(prefix))![1];

describe('TransitionCheck', () => {
  describe('the Bookinfo reviews release, commit by commit', () => {
    test.each(STAGES.slice(1).map(([name], i) => [STAGES[i][0], name, i]))('%s -> %s is safe', (_a, _b, i) => {
      // WHEN
      const report = TransitionCheck.check(STAGES[i as number][1], STAGES[(i as number) + 1][1]);
      // THEN: no errors; the 20 -> 100 shift of the documented flow is a warning at the default step
      expect(report.findings.filter(f => f.severity === Severity.ERROR)).toEqual([]);
      expect(report.safe).toBe(true);
    });

    test('the documented flow has no finding at all with an 80-point step', () => {
      for (let i = 1; i < STAGES.length; i++) {
        expect(TransitionCheck.check(STAGES[i - 1][1], STAGES[i][1], { maxWeightStep: 80 }).findings).toEqual([]);
      }
    });

    test('skipping stage 02 (v2 deployed and routed in the same commit) is flagged', () => {
      // WHEN
      const report = TransitionCheck.check(stage('01'), stage('03'));
      // THEN
      expect(report.safe).toBe(false);
      expect(report.findings).toEqual([{
        severity: Severity.ERROR,
        kind: FindingKind.ROUTED_TO_NEW_VERSION,
        host: 'reviews',
        version: 'v2',
        message: 'Deployment reviews-v2 and subset v2 of reviews are new in this commit and VirtualService default/reviews already sends it 20% of the traffic of the default route; '
          + 'nothing orders the new objects before the route, and new pods need time to become ready, so those requests fail with 503 meanwhile',
        fix: expect.stringContaining('deploy v2 at weight 0 in one commit and route to it in the next'),
        safeSequence: [
          '1) add reviews v2 (Deployment and subset) at weight 0',
          '2) once its pods are ready, move traffic to v2 step by step',
          '3) remove the old version in a later commit, after its traffic is gone',
        ],
      }]);
    });

    test('Argo CD sync waves that order Deployment and DestinationRule first make the skip safe', () => {
      const withWaves = (i: number) => synth({ ...bookinfo.STAGES[i][1], argoCdSyncWaves: true });
      const report = TransitionCheck.check(withWaves(0), withWaves(2));
      expect(report.findings).toEqual([]);
    });

    test('removing v1 in the same commit that first moves its traffic away is flagged', () => {
      // WHEN: 03 (v1 at 80) -> 05 (v1 removed)
      const report = TransitionCheck.check(stage('03'), stage('05'));
      // THEN
      const errors = report.findings.filter(f => f.severity === Severity.ERROR);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ kind: FindingKind.SUBSET_REMOVED_WHILE_ROUTED, host: 'reviews', version: 'v1' });
      expect(errors[0].message).toBe('subset v1 of reviews is removed (DestinationRule default/reviews no longer lists it), and its Deployment reviews-v1 is removed '
        + 'in the same commit that moves traffic off it, while the previous VirtualService default/reviews sends it 80% of the traffic of the default route; '
        + 'until every proxy has the new routes, those requests fail with 503');
      expect(errors[0].safeSequence).toEqual([
        '1) move all traffic off reviews v1 (weight 0), keeping its subset and Deployment',
        '2) once the new routes are live on every proxy, remove subset v1 and scale down or remove reviews-v1',
      ]);
      expect(TransitionCheck.format(report)).toMatch(/^UNSAFE: 1 error\(s\), 1 warning\(s\)\n\nERROR \[subset-removed-while-routed\] reviews v1\n/);
    });
  });

  test.each(['bookinfo-jason', 'kubesphere-cohorts', 'micro-api-blue-green'])('every step of example %s has no error', (name) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const example = require(`../../examples/${name}/main.ts`);
    const outputs = (example.STAGES as Array<[string, unknown]>).map(([, props]) => Testing.synth(stageChart(name, example.build, props)));
    for (let i = 1; i < outputs.length; i++) {
      const report = TransitionCheck.check(outputs[i - 1], outputs[i]);
      const errors = report.findings.filter(f => f.severity === Severity.ERROR).map(f => `${f.kind} ${f.host} ${f.version}`);
      expect([example.STAGES[i][0], errors]).toEqual([example.STAGES[i][0], []]);
    }
  });

  test('flags removing the preview route and scaling its version to 0 in one commit', () => {
    // GIVEN micro-api stage 07 (preview route to idle v1) and stage 09 (v1 at 0 replicas), skipping 08
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const example = require('../../examples/micro-api-blue-green/main');
    const synthStage = (name: string) => Testing.synth(stageChart('micro-api-blue-green', example.build, example.STAGES.find((s: any) => s[0] === name)[1]));
    // WHEN
    const report = TransitionCheck.check(synthStage('07-switch-to-green-again'), synthStage('09-v1-scaled-to-0'));
    // THEN preview requests would reach a version without pods while the commit syncs
    expect(report.safe).toBe(false);
    expect(report.findings.filter(f => f.severity === Severity.ERROR).map(f => `${f.kind} ${f.host} ${f.version}`))
      .toEqual(['routed-to-no-replicas micro-api v1']);
  });

  test('a weight jump larger than the step is a warning with intermediate commits', () => {
    const report = TransitionCheck.check(
      [...reviewsBase(), virtualService([{ route: [dest('v1', 90), dest('v2', 10)] }])],
      [...reviewsBase(), virtualService([{ route: [dest('v1', 10), dest('v2', 90)] }])],
      // (v2's 90% on one pod is a capacity warning of its own: the test is about the jump)
      { maxWeightStep: 30, maxLoadRatio: 10 },
    );
    expect(report.safe).toBe(true);
    expect(report.findings).toEqual([{
      severity: Severity.WARNING,
      kind: FindingKind.WEIGHT_JUMP,
      host: 'reviews',
      message: 'the default route of reviews shifts v1 90% -> 10%, v2 10% -> 90% in one commit, more than the allowed step of 30 points',
      fix: 'shift the default route of reviews by at most 30 points per commit',
      safeSequence: [
        '1) default route v1 63, v2 37; watch error rates and latency before the next commit',
        '2) default route v1 37, v2 63; watch error rates and latency before the next commit',
        '3) default route v1 10, v2 90',
      ],
    }]);
    expect(() => TransitionCheck.check([], [], { maxWeightStep: 0 })).toThrow('TransitionCheck.check: maxWeightStep must be an integer from 1 to 100, got 0');
  });

  test('a routed version scaled to 0, or whose Deployment is removed, is flagged', () => {
    const vs = virtualService([{ route: [dest('v1', 50), dest('v2', 50)] }]);
    const before = [...reviewsBase(['v1', 'v2']), vs];
    const scaled = [...reviewsBase(['v1', 'v2']).filter(o => o.metadata.name !== 'reviews-v2'), reviewsDeployment('v2', 0), vs];
    const removed = reviewsBase(['v1', 'v2']).filter(o => o.metadata.name !== 'reviews-v2').concat([vs]);
    expect(TransitionCheck.check(before, scaled).findings.map(f => [f.kind, f.version, f.message])).toEqual([
      [FindingKind.ROUTED_TO_NO_REPLICAS, 'v2', 'VirtualService default/reviews sends it 50% of the traffic of the default route (reviews v2), but reviews-v2 has 0 replicas; those requests fail with 503'],
    ]);
    expect(TransitionCheck.check(before, removed).findings.map(f => [f.kind, f.version])).toEqual([[FindingKind.ROUTED_TO_NO_REPLICAS, 'v2']]);
  });

  test('a DestinationRule removed while the previous routes mirror to it is a warning; routing to a missing subset is an error', () => {
    const base = reviewsBase(['v1', 'v2']);
    const mirrored = [...base, virtualService([{ route: [dest('v1')], mirror: { host: 'reviews', subset: 'v2' }, mirrorPercentage: { value: 10 } }])];
    const noDr = [...base.filter(o => o.kind !== 'DestinationRule'), virtualService([{ route: [dest('v1')] }])];
    const report = TransitionCheck.check(mirrored, noDr);
    expect(report.findings.map(f => [f.severity, f.kind, f.version])).toEqual([
      [Severity.ERROR, FindingKind.SUBSET_REMOVED_WHILE_ROUTED, 'v1'],
      [Severity.WARNING, FindingKind.SUBSET_REMOVED_WHILE_ROUTED, 'v2'],
    ]);
    expect(report.findings[0].message).toContain('but no DestinationRule for reviews exists any more');
    expect(report.findings[1].message).toContain('mirrors 10% of the traffic of the default route to it');
    expect(report.warnings.map(w => w.source)).toEqual(['next: VirtualService default/reviews']);
  });

  describe('blue-green switches', () => {
    const allTo = (v: string) => virtualService([{ route: [dest(v)] }]);

    test('every switch and rollback of the micro-api blue-green example has no finding', () => {
      // GIVEN micro-api stages 04 (v1 live, v2 mirrored) to 07 (switch, rollback, switch again)
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const example = require('../../examples/micro-api-blue-green/main');
      const synthStage = (name: string) => Testing.synth(stageChart('micro-api-blue-green', example.build, example.STAGES.find((s: any) => s[0] === name)[1]));
      const names = ['04-v2-mirrored-10', '05-switch-to-green', '06-rollback-to-blue', '07-switch-to-green-again'];
      const outputs = names.map(synthStage);
      for (let i = 1; i < outputs.length; i++) {
        // WHEN / THEN: no weight-jump warning for moving 100 points between two ready environments
        expect([names[i], TransitionCheck.check(outputs[i - 1], outputs[i]).findings]).toEqual([names[i], []]);
      }
    });

    test('moving all traffic between two running versions is not a weight jump', () => {
      // GIVEN v1 and v2 both running before and after; WHEN all traffic moves v1 -> v2 and back THEN no finding
      const base = reviewsBase(['v1', 'v2']);
      expect(TransitionCheck.check([...base, allTo('v1')], [...base, allTo('v2')]).findings).toEqual([]);
      expect(TransitionCheck.check([...base, allTo('v2')], [...base, allTo('v1')]).findings).toEqual([]);
    });

    test('fails a switch to a version that ran no pods before: its pods are not ready yet (and it is a weight jump)', () => {
      // GIVEN v2 at 0 replicas before (scaled up in the same commit that switches to it)
      const cold = [...reviewsBase(['v1', 'v2']).filter(o => o.metadata.name !== 'reviews-v2'), reviewsDeployment('v2', 0), allTo('v1')];
      const warm = [...reviewsBase(['v1', 'v2']), allTo('v2')];
      // WHEN
      const report = TransitionCheck.check(cold, warm);
      // THEN
      expect(report.findings.map(f => f.kind)).toEqual([FindingKind.ROUTED_TO_NEW_VERSION, FindingKind.WEIGHT_JUMP]);
      expect(report.findings[0].message).toMatch(/^Deployment reviews-v2 \(scaled up from 0 replicas\) of reviews is new in this commit and VirtualService .* already sends it 100% of the traffic of the default route/);
    });

    test('names the rule that sends traffic to a new version', () => {
      // GIVEN v1 only, WHEN jason's rule (rule 0) sends him to a v2 deployed in the same commit
      const before = [...reviewsBase(['v1']), allTo('v1')];
      const after = [...reviewsBase(['v1', 'v2']), virtualService([
        { name: 'jason', match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
        { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
      ])];
      // THEN the message names rule 0 "jason"
      const report = TransitionCheck.check(before, after);
      expect(report.findings[0].message).toContain('already sends it 100% of the traffic of rule 0 "jason";');
    });

    test('a switch that leaves the old version without pods is still a weight jump (and an error)', () => {
      const base = reviewsBase(['v1', 'v2']);
      const v1Gone = [...base.filter(o => o.metadata.name !== 'reviews-v1'), reviewsDeployment('v1', 0), allTo('v2')];
      const report = TransitionCheck.check([...base, allTo('v1')], v1Gone);
      expect(report.findings.map(f => f.kind)).toEqual([FindingKind.ROUTED_TO_NO_REPLICAS, FindingKind.WEIGHT_JUMP]);
    });
  });

  describe('first deployments', () => {
    test('from an empty output to the first release of a host is safe', () => {
      // GIVEN nothing before; WHEN the first stage of the Bookinfo release is deployed THEN no finding
      expect(TransitionCheck.check([], stage('01'))).toEqual({ safe: true, findings: [], notes: [], warnings: [] });
      // and a first deployment with two versions at once is safe too
      expect(TransitionCheck.check([], stage('03')).findings).toEqual([]);
    });

    test('a host that ran pods before without a VirtualService is not a first deployment', () => {
      // GIVEN reviews served by a Deployment before the VirtualService and subsets are added
      const before = reviewsBase(['v1']).filter(o => o.kind !== 'DestinationRule').map(o => (o.kind === 'Deployment' ? { ...o, metadata: { ...o.metadata, name: 'reviews' } } : o));
      // WHEN the commit adds subset v1 and routes to it, with a new Deployment
      const report = TransitionCheck.check(before, stage('01'));
      // THEN the new version is flagged: its pods start while requests are already routed to it
      expect(report.findings.map(f => [f.kind, f.version])).toEqual([[FindingKind.ROUTED_TO_NEW_VERSION, 'v1']]);
    });

    test('a first deployment that routes to a version without a subset is still an error', () => {
      const report = TransitionCheck.check([], [...reviewsBase(['v1']), virtualService([{ route: [dest('v9')] }])]);
      expect(report.findings.map(f => [f.kind, f.version])).toEqual([[FindingKind.ROUTED_TO_MISSING_SUBSET, 'v9']]);
    });
  });

  test('format: with strict, warnings make the verdict UNSAFE, as they make --strict exit 1', () => {
    // GIVEN a step with one warning (20 -> 100)
    const report = TransitionCheck.check(stage('03'), stage('04'));
    // WHEN / THEN
    expect(report.safe).toBe(true);
    expect(TransitionCheck.format(report).split('\n')[0]).toBe('SAFE with warnings: 0 error(s), 1 warning(s)');
    expect(TransitionCheck.format(report, { strict: true }).split('\n')[0]).toBe('UNSAFE (strict: warnings fail the check): 0 error(s), 1 warning(s)');
    expect(TransitionCheck.format(TransitionCheck.check(stage('02'), stage('03')), { strict: true })).toBe('SAFE: no unsafe step found');
  });
});

describe('TransitionCheck on analysed releases (the state the synth output carries)', () => {
  const AUTOMATED = `${__dirname}/../../examples/automated-canary/dist`;
  const load = (name: string) => RoutingReader.loadFiles([`${AUTOMATED}/${name}.k8s.yaml`]);

  test('a release moving forward has no state finding', () => {
    const report = TransitionCheck.check(load('03-v2-at-10'), load('04-v2-at-20'));
    expect(report.findings.filter(f => f.kind === FindingKind.STATE_REGRESSION)).toEqual([]);
    expect(report.notes).toEqual([]);
  });

  test('fails on a state going backwards without an abort, naming both states', () => {
    // GIVEN the step from 20% back to 10%, as a hand edit of the state file would make it
    // WHEN checked
    const report = TransitionCheck.check(load('04-v2-at-20'), load('03-v2-at-10'));
    // THEN an error names the release and both states
    const regression = report.findings.filter(f => f.kind === FindingKind.STATE_REGRESSION);
    expect(regression).toEqual([expect.objectContaining({
      severity: Severity.ERROR,
      host: 'reviews',
      version: 'v2',
      message: 'default/reviews v2: the state went from progressing at 20% to progressing at 10% without an abort; the weight goes down only by an abort (status aborted, weight 0)',
    })]);
    expect(report.safe).toBe(false);
  });

  test('fails on a promoted release set back to progressing', () => {
    const report = TransitionCheck.check(load('07-v2-promoted'), load('06-v2-at-100'));
    expect(report.findings.map(f => f.kind)).toContain(FindingKind.STATE_REGRESSION);
    expect(report.findings.find(f => f.kind === FindingKind.STATE_REGRESSION)!.message).toContain('from promoted at 100% to progressing at 100%');
  });
});

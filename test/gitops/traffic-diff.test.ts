import { Testing } from 'cdk8s';
import { CanaryService, CohortChange, HeaderMatchRoute, RequestMatch, StringMatch, TrafficDiff, TrafficProvider } from '../../src';
import { changeText } from '../../src/gitops/traffic-diff';
import { constructs, reviewsBase, virtualService } from '../util/bookinfo';

const dest = (subset: string, weight?: number) => ({ destination: { host: 'reviews', subset }, ...(weight === undefined ? {} : { weight }) });
const jason = { name: 'jason', match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [dest('v2')] };

describe('TrafficDiff', () => {
  test('reports the share of default traffic that moves and each cohort\'s destinations', () => {
    // GIVEN
    const before = [...reviewsBase(), virtualService([jason, { route: [dest('v1', 80), dest('v2', 20)] }])];
    const after = [...reviewsBase(), virtualService([jason, { route: [dest('v1', 50), dest('v2', 50)] }])];
    // WHEN
    const diff = TrafficDiff.compare(before, after);
    // THEN
    expect(diff.hosts).toHaveLength(1);
    const h = diff.hosts[0];
    expect(h.summary).toBe('reviews: default 80/20 v1/v2 -> 50/50 v1/v2 (30% of traffic moves); cohort header end-user exact "jason": v2 -> v2');
    expect(h.defaultMovedPercent).toBe(30);
    expect(h.cohorts).toEqual([
      {
        cohort: 'header end-user exact "jason"',
        ruleName: 'jason',
        isDefault: false,
        change: CohortChange.UNCHANGED,
        before: [{ target: 'v2', percent: 100 }],
        after: [{ target: 'v2', percent: 100 }],
        movedPercent: 0,
      },
      {
        cohort: 'every request',
        isDefault: true,
        change: CohortChange.CHANGED,
        before: [{ target: 'v1', percent: 80 }, { target: 'v2', percent: 20 }],
        after: [{ target: 'v1', percent: 50 }, { target: 'v2', percent: 50 }],
        movedPercent: 30,
      },
    ]);
    // AND: a readable table, JSON and a Mermaid flowchart
    expect(TrafficDiff.toTable(diff).split('\n')).toEqual([
      'HOST     COHORT                         BEFORE        AFTER         CHANGE',
      'reviews  header end-user exact "jason"  v2 100        v2 100        unchanged',
      'reviews  default (every request)        v1 80, v2 20  v1 50, v2 50  30% of default traffic moves',
      '',
      h.summary,
    ]);
    expect(JSON.parse(JSON.stringify(diff))).toEqual(diff);
    expect(h.mermaid.split('\n')).toEqual([
      'flowchart LR',
      '  req(["reviews"])',
      '  r0{"header end-user exact #quot;jason#quot;"}',
      '  req --> r0',
      '  t0[["v2"]]',
      '  r0 -->|"100%"| t0',
      '  r1{"default: every request"}',
      '  r0 -->|no match| r1',
      '  t1[["v1"]]',
      '  r1 -->|"50% (was 80%)"| t1',
      '  r1 -->|"50% (was 20%)"| t0',
    ]);
  });

  test('reports added and removed cohorts and mirror changes, on our constructs\' output', () => {
    // GIVEN: jason's route added, default 100% v1 both times
    const diff = TrafficDiff.compare(constructs('80-20', { canaryWeight: 0 }), constructs('jason-v2', { mirrorPercent: 5 }));
    // THEN
    const h = diff.hosts[0];
    expect(h.cohorts.map(c => [c.cohort, c.change, c.movedPercent, c.mirrorBefore, c.mirrorAfter])).toEqual([
      ['header end-user exact "jason"', CohortChange.ADDED, 0, undefined, undefined],
      ['every request', CohortChange.CHANGED, 0, undefined, 'v2 5%'],
    ]);
    expect(h.summary).toBe('reviews: default v1 -> v1 (0% of traffic moves); cohort header end-user exact "jason": (none) -> v2 (added)');
    expect(h.mermaid).toContain('r1 -.->|"mirror 5%"| t0');
    const back = TrafficDiff.compare(constructs('jason-v2'), constructs('80-20', { canaryWeight: 0 })).hosts[0];
    expect(back.cohorts.map(c => [c.cohort, c.change])).toEqual([['every request', CohortChange.UNCHANGED], ['header end-user exact "jason"', CohortChange.REMOVED]]);
  });

  test('a new or removed VirtualService moves traffic from or to any pod of the host', () => {
    const base = reviewsBase();
    const routed = [...base, virtualService([{ route: [dest('v1')] }])];
    expect(TrafficDiff.compare(base, routed).hosts[0].summary).toBe('reviews: default reviews (any pod) -> v1 (100% of traffic moves)');
    const removed = TrafficDiff.compare(routed, base).hosts[0];
    expect(removed.summary).toBe('reviews: default v1 -> reviews (any pod) (100% of traffic moves)');
    expect(removed.mermaid).toContain('%% no VirtualService after the change');
    expect(TrafficDiff.compare(base, base).hosts).toEqual([]);
  });
});

describe('TrafficDiff: whether an added or removed cohort moves requests', () => {
  const users = (subset: string) => ({ name: 'users', match: [{ headers: { 'x-user': { exact: '1' } } }], route: [dest(subset)] });

  test('an added rule that sends its requests where they went is "added, no request moves"', () => {
    // GIVEN a rule for x-user: 1 to v1, added where every request went to v1
    const before = [...reviewsBase(), virtualService([{ route: [dest('v1')] }])];
    const after = [...reviewsBase(), virtualService([users('v1'), { route: [dest('v1')] }])];
    // WHEN
    const h = TrafficDiff.compare(before, after).hosts[0];
    // THEN
    expect(h.cohorts.find(c => c.change === CohortChange.ADDED)).toMatchObject({ ruleName: 'users', sameDestinations: true });
    expect(h.summary).toContain('cohort header x-user exact "1": (none) -> v1 (added, no request moves)');
  });

  test('an added rule that sends its requests elsewhere is "added" (sameDestinations false)', () => {
    // GIVEN the same rule to v2
    const before = [...reviewsBase(), virtualService([{ route: [dest('v1')] }])];
    const after = [...reviewsBase(), virtualService([users('v2'), { route: [dest('v1')] }])];
    // WHEN
    const h = TrafficDiff.compare(before, after).hosts[0];
    // THEN
    expect(h.cohorts.find(c => c.change === CohortChange.ADDED)).toMatchObject({ ruleName: 'users', sameDestinations: false });
    expect(h.summary).toContain('(none) -> v2 (added)');
  });

  test('a removed rule whose requests reach the same destinations without it is "removed, no request moves"', () => {
    // GIVEN the rule to v1 removed; WHEN / THEN
    const before = [...reviewsBase(), virtualService([users('v1'), { route: [dest('v1')] }])];
    const after = [...reviewsBase(), virtualService([{ route: [dest('v1')] }])];
    const removed = TrafficDiff.compare(before, after).hosts[0].cohorts.find(c => c.change === CohortChange.REMOVED);
    expect(removed).toMatchObject({ ruleName: 'users', sameDestinations: true });
    // and a removed rule whose requests now go elsewhere
    const moved = TrafficDiff.compare([...reviewsBase(), virtualService([users('v2'), { route: [dest('v1')] }])], after).hosts[0].cohorts.find(c => c.change === CohortChange.REMOVED);
    expect(moved).toMatchObject({ ruleName: 'users', sameDestinations: false });
  });

  test('the Gateway API rendering of a routing, against its Istio rendering: the intersections move no request', () => {
    // GIVEN a header cohort before a path rule, rendered by both providers (the Gateway API adds their intersection)
    const render = (provider?: TrafficProvider) => {
      const chart = Testing.chart();
      const svc = new CanaryService(chart, 'reviews', { port: 9080, stable: { version: 'v1', image: 'x' }, canary: { version: 'v2', image: 'y' }, canaryWeight: 10, provider });
      new HeaderMatchRoute(chart, 'beta', { target: svc, matches: [RequestMatch.header('x-beta', StringMatch.exact('1'))], version: 'v2' });
      new HeaderMatchRoute(chart, 'api', { target: svc, matches: [RequestMatch.uri(StringMatch.pathPrefix('/api'))], version: 'v1' });
      return Testing.synth(chart);
    };
    // WHEN compared
    const h = TrafficDiff.compare(render(), render(TrafficProvider.gatewayApi())).hosts[0];
    // THEN every cohort is unchanged, or added with no request moving
    expect(h.cohorts.map(c => [c.cohort, changeText(c)])).toEqual([
      ['uri pathPrefix "/api" and header x-beta exact "1"', 'added, no request moves'],
      ['uri pathPrefix "/api"', 'unchanged'],
      ['header x-beta exact "1"', 'unchanged'],
      ['every request', 'unchanged'],
    ]);
  });
});

test('an added cohort with more probe requests than the diff tries is not said to move no request', () => {
  // GIVEN an added rule to v1 where every request went to v1, on a host whose other rules match
  // six headers of several values each (far more combinations than the 2,000 probes tried)
  const rules = ['a', 'b', 'c', 'd', 'e', 'f'].map(h => ({ match: [{ headers: { [`x-${h}`]: { exact: '2' } } }], route: [dest('v1')] }));
  const before = [...reviewsBase(), virtualService([...rules, { route: [dest('v1')] }])];
  const after = [...reviewsBase(), virtualService([{ name: 'users', match: [{ headers: { 'x-user': { exact: '1' } } }], route: [dest('v1')] }, ...rules, { route: [dest('v1')] }])];
  // WHEN
  const added = TrafficDiff.compare(before, after).hosts[0].cohorts.find(c => c.change === CohortChange.ADDED);
  // THEN not known: "added", without "no request moves"
  expect(added).toBeDefined();
  expect(added!.sameDestinations).toBeUndefined();
  expect(changeText(added!)).toBe('added');
});

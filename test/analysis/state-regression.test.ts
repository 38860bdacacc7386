import { ReleaseState, StateFile } from '../../src/analysis/_state';
import { stateRegressions } from '../../src/analysis/state-regression';

const at = (weight: number, status: ReleaseState['status'] = 'progressing', version = 'v2'): ReleaseState => ({ version, weight, status, failures: 0 });
const file = (state?: ReleaseState): StateFile => ({ releases: state ? { 'bookinfo/reviews': state } : {} });
const regressions = (before?: ReleaseState, after?: ReleaseState) => stateRegressions(file(before), file(after)).map(r => r.message);

describe('state regressions', () => {
  test('forward steps, aborts, retries and new versions are not regressions', () => {
    // GIVEN each transition advance makes, and the ones a person may make
    const allowed: Array<[ReleaseState | undefined, ReleaseState | undefined]> = [
      [undefined, at(5)],
      [at(0), at(5)],
      [at(5), at(10)],
      [at(10), at(10)],
      [at(100), at(100, 'promoted')],
      [at(20), at(0, 'aborted')],
      [at(100, 'promoted'), at(0, 'aborted')],
      [at(0, 'aborted'), at(0)],
      [at(50), at(0, 'progressing', 'v3')],
      [at(0), undefined],
      [at(0, 'aborted'), undefined],
    ];
    // THEN none is flagged
    for (const [before, after] of allowed) expect({ before, after, found: regressions(before, after) }).toEqual({ before, after, found: [] });
  });

  test('flags promoted -> progressing, naming both states', () => {
    expect(regressions(at(100, 'promoted'), at(50))).toEqual([
      'bookinfo/reviews v2: the state went from promoted at 100% to progressing at 50% without an abort; a promoted release only ends when its canary becomes the stable version',
    ]);
  });

  test('flags a weight going down without an abort', () => {
    expect(regressions(at(20), at(5))).toEqual([
      'bookinfo/reviews v2: the state went from progressing at 20% to progressing at 5% without an abort; the weight goes down only by an abort (status aborted, weight 0)',
    ]);
    expect(regressions(at(20), at(0))).toHaveLength(1);
  });

  test('flags the entry of a release with traffic removed', () => {
    expect(regressions(at(20), undefined)).toEqual([
      'bookinfo/reviews v2: the state entry was removed while progressing at 20%, which sends the canary 0% without an abort; restore the entry, or set its status to aborted',
    ]);
  });

  test('releases are apart: another namespace\'s regression names its own key', () => {
    const before: StateFile = { releases: { 'a/reviews': at(20), 'b/reviews': at(20) } };
    const after: StateFile = { releases: { 'a/reviews': at(50), 'b/reviews': at(10) } };
    expect(stateRegressions(before, after).map(r => r.key)).toEqual(['b/reviews']);
  });
});

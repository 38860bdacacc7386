// `check`, `explain` and `diff` never load the validator nor the CEL evaluator, nor cdk8s (the
// renderers' library: a reader builds a cdk8s Duration only when it reads one) - bench/cli.js
// measures their start-up; `validate` loads the validator.
import * as path from 'path';

const STAGE = path.join(__dirname, '..', '..', 'examples', 'bookinfo-reviews', 'dist', '03-v2-at-20.k8s.yaml');
const NEXT = path.join(__dirname, '..', '..', 'examples', 'bookinfo-reviews', 'dist', '04-v2-at-100.k8s.yaml');

describe('the validator is loaded by validate only', () => {
  const loaded: string[] = [];
  beforeEach(() => {
    loaded.length = 0;
    jest.resetModules();
    // GIVEN the validator's modules replaced by ones that record their loading
    jest.doMock('../../src/validation/validator', () => { loaded.push('validator'); return jest.requireActual('../../src/validation/validator'); });
    jest.doMock('@bufbuild/cel', () => { loaded.push('@bufbuild/cel'); return jest.requireActual('@bufbuild/cel'); });
    jest.doMock('cdk8s', () => { loaded.push('cdk8s'); return jest.requireActual('cdk8s'); });
  });
  afterEach(() => jest.dontMock('../../src/validation/validator').dontMock('@bufbuild/cel').dontMock('cdk8s'));

  const run = (...argv: string[]): number => {
    const { main } = jest.requireActual('../../src/cli/main') as typeof import('../../src/cli/main');
    return main(argv, { out: () => undefined, err: () => undefined });
  };

  test.each([
    ['check', STAGE, NEXT],
    ['explain', STAGE, '--host', 'reviews'],
    ['diff', STAGE, NEXT],
  ])('%s does not', (...argv) => {
    // WHEN the command runs / THEN it succeeds and none of them was loaded
    expect(run(...argv)).toBeLessThan(2);
    expect(loaded).toEqual([]);
  });

  test('validate does', () => {
    expect(run('validate', STAGE)).toBe(0);
    expect(loaded).toEqual(expect.arrayContaining(['validator', '@bufbuild/cel']));
  });
});

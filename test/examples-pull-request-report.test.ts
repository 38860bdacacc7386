// The example workflow examples/pull-request-report/routing-report.yml: safe on pull requests
// from forks, and running the commands with the formats the CLI has.
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';

const FILE = path.join(__dirname, '..', 'examples', 'pull-request-report', 'routing-report.yml');
const TEXT = fs.readFileSync(FILE, 'utf8');
const WORKFLOW = yaml.load(TEXT) as any;
const STEPS: any[] = WORKFLOW.jobs.report.steps;

describe('the pull-request report workflow', () => {
  test('runs on pull_request only, never pull_request_target, and uses no repository secret', () => {
    expect(Object.keys(WORKFLOW.on)).toEqual(['pull_request']);
    expect(TEXT).not.toMatch(/^\s*pull_request_target\s*:/m);
    expect(TEXT).not.toMatch(/secrets\./);
  });

  test('no event value is expanded inside a script (script injection): they go through env', () => {
    for (const step of STEPS.filter(s => typeof s.run === 'string')) {
      expect({ step: step.name, expressions: step.run.match(/\$\{\{[^}]*\}\}/g) ?? [] }).toEqual({ step: step.name, expressions: [] });
    }
  });

  test('writes (comment, code scanning) only for pull requests from the same repository', () => {
    const writing = STEPS.filter(s => s.uses?.startsWith('github/codeql-action/upload-sarif') || /gh (api|pr comment)/.test(s.run ?? ''));
    expect(writing).toHaveLength(2);
    for (const s of writing) expect(s.if).toBe("env.SAME_REPO == 'true'");
    expect(WORKFLOW.jobs.report.env.SAME_REPO).toBe('${{ github.event.pull_request.head.repo.full_name == github.repository }}');
  });

  test('calls check with --format markdown and validate with --format sarif, and finds its comment by the marker check writes', () => {
    const script = STEPS.map(s => s.run ?? '').join('\n');
    expect(script).toContain('npx cdk8s-canary check "$RUNNER_TEMP/base/dist" dist --format markdown > routing-report.md');
    expect(script).toContain('npx cdk8s-canary validate dist --format sarif > routing.sarif');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(script).toContain(`startswith("${require('../src/cli/_markdown').CHECK_MARKER}")`);
  });
});

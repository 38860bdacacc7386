// The examples are documentation: each stage's committed YAML must be what the code
// synthesizes today, and valid against the real schemas; and each stage is a commit, so every
// step from one stage to the next must be one `cdk8s-canary check` passes.
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { Severity, TransitionCheck } from '../src';
import { validateManifests } from './util';
import { stageChart } from '../examples/stages';

const EXAMPLES = path.join(__dirname, '..', 'examples');
const names = fs.readdirSync(EXAMPLES).filter(n => fs.existsSync(path.join(EXAMPLES, n, 'main.ts'))).sort();

describe.each(names)('example %s', (name) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const example = require(path.join(EXAMPLES, name, 'main.ts'));
  const stages: Array<[string, unknown]> = example.STAGES;

  test('has several stages', () => {
    expect(stages.length).toBeGreaterThan(1);
  });

  test.each(stages)('stage %s matches its committed YAML and the schemas', (stage, props) => {
    const manifests = Testing.synth(stageChart(name, example.build, props));
    validateManifests(manifests);
    const file = path.join(EXAMPLES, name, 'dist', `${stage}.k8s.yaml`);
    const committed = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJSON());
    expect(committed).toEqual(manifests);
  });

  // An example may hold several releases (RELEASES: lists of stage names); by default its stages are one.
  const releases: string[][] = example.RELEASES ?? [stages.map(([stage]) => stage)];
  const props = new Map(stages);
  const steps = releases.flatMap(release => release.slice(1).map((to, i) => [release[i], to, props.get(release[i]), props.get(to)] as const));
  test('its releases list its stages, each once', () => {
    expect(releases.flat().sort()).toEqual(stages.map(([stage]) => stage).sort());
  });

  test.each(steps)('the step %s -> %s passes TransitionCheck (no error)', (_from, _to, before, after) => {
    // GIVEN two consecutive stages
    const previous = Testing.synth(stageChart(name, example.build, before));
    const next = Testing.synth(stageChart(name, example.build, after));
    // WHEN checked as one GitOps commit
    const report = TransitionCheck.check(previous, next);
    // THEN no finding is an error (weight-jump warnings are allowed)
    expect(report.findings.filter(f => f.severity === Severity.ERROR).map(f => `${f.kind} ${f.host} ${f.version ?? ''}: ${f.message}`)).toEqual([]);
    expect(report.safe).toBe(true);
  });
});

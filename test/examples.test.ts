// The examples are documentation: each stage's committed YAML must be what the code
// synthesizes today, and valid against the real schemas.
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
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
});

// Synthesizes every example (examples/<name>/main.ts exporting STAGES and build) to
// examples/<name>/dist/<stage>.k8s.yaml. Run with `npx projen synth:examples`.
import * as fs from 'fs';
import * as path from 'path';
import { writeStages } from './stages';

for (const name of fs.readdirSync(__dirname).sort()) {
  const main = path.join(__dirname, name, 'main.ts');
  if (!fs.existsSync(main)) continue;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const example = require(main);
  writeStages(path.join(__dirname, name), example.STAGES, example.build);
}

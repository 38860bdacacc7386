// Synthesizes every example (examples/<name>/main.ts exporting synthesizeStages) to
// examples/<name>/dist/, one YAML file per stage. Run with `npx projen synth:examples`.
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';

for (const name of fs.readdirSync(__dirname).sort()) {
  const main = path.join(__dirname, name, 'main.ts');
  if (!fs.existsSync(main)) continue;
  const outdir = path.join(__dirname, name, 'dist');
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(main).synthesizeStages(app);
  app.synth();
  console.log(`${name}: ${app.charts.length} stages -> ${path.relative(process.cwd(), outdir)}/`);
}

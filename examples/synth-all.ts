// Synthesizes every example (examples/<name>/main.ts exporting STAGES and build) to
// examples/<name>/dist/<stage>.k8s.yaml, and migrates the hand-written ingress-nginx
// example (examples/nginx-migration/ingress-nginx.yaml -> httproutes.yaml). Run with
// `npx projen synth:examples`.
import * as fs from 'fs';
import * as path from 'path';
import { writeStages } from './stages';
import { main as cli } from '../src/cli/main';

for (const name of fs.readdirSync(__dirname).sort()) {
  const main = path.join(__dirname, name, 'main.ts');
  if (!fs.existsSync(main)) continue;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const example = require(main);
  writeStages(path.join(__dirname, name), example.STAGES, example.build);
}

const migration = path.join(__dirname, 'nginx-migration');
const code = cli(['migrate', path.join(migration, 'ingress-nginx.yaml'), '--to', 'gateway-api', '--gateway', 'infra/public', '--out', path.join(migration, 'httproutes.yaml')],
  { out: () => undefined, err: text => console.error(text) });
if (code !== 0) throw new Error(`nginx-migration: migrate exited ${code}`);
console.log('nginx-migration: ingress-nginx.yaml -> httproutes.yaml');

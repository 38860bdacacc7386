// The loop a user feels: synthesizing the Bookinfo reviews canary (bench/user-app/main.ts,
// examples/bookinfo-reviews stage 03) end to end, set up as `cdk8s init typescript-app`
// does (cdk8s.yaml `app: npx ts-node main.ts`, the template's tsconfig.json) and faster
// ways; and the cost of `require('cdk8s-canary')` against `require('cdk8s-plus-27')`.
// Every measurement is the wall time of a fresh process (median of `runs`).
//
// Run alone: node bench/user-loop.js [--runs R] [--lib DIR] [--out FILE.json]
'use strict';
const fs = require('fs');
const path = require('path');
const { ROOT, summarize, timeCommand, fmtMs, table } = require('./stats');

const WORK = path.join(__dirname, 'work', 'user-app');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const TEMPLATE = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');

function setUp(lib) {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(path.join(WORK, 'node_modules'), { recursive: true });
  fs.copyFileSync(path.join(__dirname, 'user-app', 'main.ts'), path.join(WORK, 'main.ts'));
  // The template's tsconfig.json as `cdk8s init typescript-app` writes it.
  fs.copyFileSync(path.join(TEMPLATE, 'tsconfig.json'), path.join(WORK, 'tsconfig.json'));
  fs.writeFileSync(path.join(WORK, 'package.json'), JSON.stringify({ name: 'bookinfo-user-app', version: '1.0.0', private: true }, null, 2));
  // node_modules/cdk8s-canary -> the package root of the build under test; cdk8s,
  // constructs, ts-node and typescript resolve from the repository's node_modules.
  fs.symlinkSync(path.dirname(lib), path.join(WORK, 'node_modules', 'cdk8s-canary'), 'dir');
  // Precompiled JS for the plain-node variants (compile time reported once).
  const tsc = timeCommand(path.join(BIN, 'tsc'), ['-p', '.'], { cwd: WORK });
  return { tscMs: tsc.ms };
}

function cdk8sYaml(app) {
  fs.writeFileSync(path.join(WORK, 'cdk8s.yaml'), `language: typescript\napp: ${app}\n`);
}

function run({ runs = 5, lib = path.join(ROOT, 'lib'), log = () => {} } = {}) {
  const setup = setUp(lib);
  const env = { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH}`, npm_config_update_notifier: 'false' };
  const expected = fs.readFileSync(path.join(ROOT, 'examples', 'bookinfo-reviews', 'dist', '03-v2-at-20.k8s.yaml'), 'utf8');
  const out = path.join(WORK, 'dist', 'bookinfo-reviews.k8s.yaml');

  const synthVariants = [
    { id: 'template', label: 'cdk8s synth, app: npx ts-node main.ts (cdk8s init template)', yaml: 'npx ts-node main.ts', cmd: ['cdk8s', ['synth', '--no-check-upgrade']] },
    { id: 'ts-node', label: 'npx ts-node main.ts (type-checks)', cmd: ['npx', ['ts-node', 'main.ts']] },
    { id: 'ts-node-T', label: 'npx ts-node --transpile-only main.ts', cmd: ['npx', ['ts-node', '--transpile-only', 'main.ts']] },
    { id: 'node-r-T', label: 'node -r ts-node/register/transpile-only main.ts', cmd: ['node', ['-r', 'ts-node/register/transpile-only', 'main.ts']] },
    { id: 'node-js', label: 'node main.js (precompiled with tsc)', cmd: ['node', ['main.js']] },
    { id: 'cdk8s-node', label: 'cdk8s synth, app: node main.js', yaml: 'node main.js', cmd: ['cdk8s', ['synth', '--no-check-upgrade']] },
    // What a user types, end to end: npx cdk8s synth, with the template's cdk8s.yaml and with the README's.
    { id: 'npx-template', label: 'npx cdk8s synth, app: npx ts-node main.ts (template, end to end)', yaml: 'npx ts-node main.ts', cmd: ['npx', ['cdk8s', 'synth']] },
    { id: 'npx-recommended', label: 'npx cdk8s synth --no-check-upgrade, app: node -r ts-node/register/transpile-only main.ts (README)', yaml: 'node -r ts-node/register/transpile-only main.ts', cmd: ['npx', ['cdk8s', 'synth', '--no-check-upgrade']] },
  ];
  const requireVariants = [
    { id: 'node', label: 'node -e 0 (node start-up)', code: '0' },
    { id: 'cdk8s', label: "require('cdk8s')", module: 'cdk8s' },
    { id: 'cdk8s-plus-27', label: "require('cdk8s-plus-27')", module: 'cdk8s-plus-27' },
    { id: 'cdk8s-canary', label: "require('cdk8s-canary')", module: 'cdk8s-canary' },
  ];
  const timings = Object.fromEntries([...synthVariants, ...requireVariants].map(v => [v.id, []]));
  const inProcess = Object.fromEntries(requireVariants.map(v => [v.id, []]));
  const outputMatches = {};

  // Interleaved rounds, like the synth benchmark.
  for (let round = 0; round < runs; round++) {
    for (const v of synthVariants) {
      fs.rmSync(path.join(WORK, 'dist'), { recursive: true, force: true });
      if (v.yaml) cdk8sYaml(v.yaml);
      else fs.rmSync(path.join(WORK, 'cdk8s.yaml'), { force: true });
      const r = timeCommand(v.cmd[0], v.cmd[1], { cwd: WORK, env });
      timings[v.id].push(r.ms);
      outputMatches[v.id] = fs.existsSync(out) && fs.readFileSync(out, 'utf8') === expected;
    }
    for (const v of requireVariants) {
      const code = v.module
        ? `const { performance } = require('perf_hooks'); const t = performance.now(); require(${JSON.stringify(v.module)}); process.stdout.write(String(performance.now() - t));`
        : "process.stdout.write('0')";
      const r = timeCommand(process.execPath, ['-e', code], { cwd: WORK, env });
      timings[v.id].push(r.ms);
      inProcess[v.id].push(Number(r.stdout));
    }
    log(`  user loop round ${round + 1}/${runs}: ${synthVariants.map(v => `${v.id} ${fmtMs(timings[v.id][round])}`).join(', ')}`);
  }

  const synth = synthVariants.map(v => ({ id: v.id, label: v.label, wallMs: summarize(timings[v.id]), outputMatchesExample: outputMatches[v.id] }));
  const requires = requireVariants.map(v => ({ id: v.id, label: v.label, wallMs: summarize(timings[v.id]), requireMs: summarize(inProcess[v.id]) }));
  const byId = Object.fromEntries(synth.map(s => [s.id, s.wallMs.median]));
  const text = [
    `User loop: bench/user-app/main.ts (Bookinfo reviews, v1 + v2 at 20), wall time per fresh process, ${runs} runs; tsc compile once: ${fmtMs(setup.tscMs)}`,
    table([['command', 'median', 'min', 'max', 'same YAML as example'], ...synth.map(s => [s.label, fmtMs(s.wallMs.median), fmtMs(s.wallMs.min), fmtMs(s.wallMs.max), s.outputMatchesExample ? 'yes' : 'NO'])]),
    `fastest vs template: ${(byId.template / Math.min(...Object.values(byId))).toFixed(1)}x`,
    '',
    table([['module', 'require() in process', 'process wall'], ...requires.map(r => [r.label, r.id === 'node' ? '-' : fmtMs(r.requireMs.median), fmtMs(r.wallMs.median)])]),
  ].join('\n');
  return { text, json: { runs, tscCompileMs: setup.tscMs, synth, requires } };
}

module.exports = { run };

if (require.main === module) {
  const args = process.argv.slice(2);
  const get = (flag, dflt) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : dflt);
  const r = run({ runs: Number(get('--runs', 5)), lib: path.resolve(get('--lib', path.join(ROOT, 'lib'))), log: m => process.stderr.write(`${m}\n`) });
  console.log(r.text);
  const out = get('--out', undefined);
  if (out) require('fs').writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine: require('./stats').machine(), ...r.json }, null, 2) + '\n');
}

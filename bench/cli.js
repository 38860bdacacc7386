#!/usr/bin/env node
// Command-line benchmark (issue 15): `cdk8s-canary check`, `diff` and `explain` on synth
// outputs of N services (the synth benchmark's workload: CanaryService v1 + v2 and one
// HeaderMatchRoute each, 5 objects per service; old output canary at 20, new at 40; written
// once to bench/work/cli/<N>/{old,new}/app.k8s.yaml by bench/cli-fixtures.js), against the
// fastest well-kept YAML parser, js-yaml, reading and parsing the same files.
//
// Every run is a fresh `node bench/cli-case.js` process, timed from the outside (wall time:
// node start-up and module load included, as a user waits for them); rounds interleave every
// size and case, the order rotated per round. Ratios are of medians within this run.
//
// Run alone: node bench/cli.js [--runs R] [--sizes 500,2000,5000] [--lib DIR] [--out FILE.json]
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');
const { performance } = require('perf_hooks');
const { ROOT, summarize, fmtMs, table } = require('./stats');
const { writeOutput } = require('./cli-fixtures');

const CASES = ['parse-both', 'check', 'diff', 'parse-new', 'explain'];
const LABEL = {
  'parse-both': 'js-yaml: read + parse old and new',
  'check': 'cdk8s-canary check old/ new/',
  'diff': 'cdk8s-canary diff old/ new/',
  'parse-new': 'js-yaml: read + parse new',
  'explain': 'cdk8s-canary explain new/ --host svc<N-1> --header x-beta=true',
};
const TARGETS = { overParse: 1.5, growth: 11, rssMiB: 1024 };

function runCase(what, n, lib) {
  const dir = path.join(__dirname, 'work', 'cli', String(n));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(__dirname, 'cli-case.js'), what, dir, String(n)], {
    encoding: 'utf8', env: { ...process.env, BENCH_LIB: lib }, maxBuffer: 16 * 1024 * 1024,
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`FAIL: ${what} at N=${n} exited with ${r.status ?? r.signal}:\n${(r.stderr || '').slice(-2000)}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  if (out.code !== 0) throw new Error(`FAIL: ${what} at N=${n}: the command exited with ${out.code}:\n${r.stderr}`);
  return { ...out, wallMs };
}

function run({ runs = 5, sizes = [500, 2000, 5000], lib = path.join(ROOT, 'lib'), log = () => {} } = {}) {
  const bytes = {};
  for (const n of sizes) {
    const dir = path.join(__dirname, 'work', 'cli', String(n));
    bytes[n] = writeOutput(path.join(dir, 'old', 'app.k8s.yaml'), n, 20) + writeOutput(path.join(dir, 'new', 'app.k8s.yaml'), n, 40);
  }
  const results = Object.fromEntries(sizes.map(n => [n, Object.fromEntries(CASES.map(c => [c, []]))]));
  for (let round = 0; round < runs; round++) {
    for (const n of sizes) {
      const order = CASES.map((_, k) => CASES[(k + round) % CASES.length]);
      for (const c of order) results[n][c].push(runCase(c, n, lib));
      log(`  cli round ${round + 1}/${runs} N=${n}: ${CASES.map(c => `${c} ${fmtMs(results[n][c][round].wallMs)}`).join(', ')}`);
    }
  }
  const cases = [];
  const med = {};
  const cpuMed = {};
  for (const n of sizes) {
    med[n] = {};
    cpuMed[n] = {};
    for (const c of CASES) {
      const rs = results[n][c];
      const wall = summarize(rs.map(r => r.wallMs));
      med[n][c] = wall.median;
      const cpu = summarize(rs.map(r => r.cpuMs));
      cpuMed[n][c] = cpu.median;
      cases.push({ case: c, n, wallMs: wall, inProcessMs: summarize(rs.map(r => r.runMs)), cpuMs: cpu, peakRssMiB: Math.max(...rs.map(r => r.maxRssMiB)) });
    }
  }
  const ratios = sizes.map(n => ({
    n,
    checkOverParseBoth: med[n].check / med[n]['parse-both'],
    diffOverParseBoth: med[n].diff / med[n]['parse-both'],
    explainOverParseNew: med[n].explain / med[n]['parse-new'],
    cpu: {
      checkOverParseBoth: cpuMed[n].check / cpuMed[n]['parse-both'],
      diffOverParseBoth: cpuMed[n].diff / cpuMed[n]['parse-both'],
      explainOverParseNew: cpuMed[n].explain / cpuMed[n]['parse-new'],
    },
  }));
  const [lo, hi] = [Math.min(...sizes), Math.max(...sizes)];
  const growth = lo === hi ? undefined : Object.fromEntries(CASES.map(c => [c, med[hi][c] / med[lo][c]]));
  const rssAtMax = Math.max(...cases.filter(c => c.n === hi && ['check', 'diff', 'explain'].includes(c.case)).map(c => c.peakRssMiB));
  const verdict = (v, limit) => (v === undefined ? 'not measured' : v <= limit ? 'met' : 'MISSED');
  const mid = ratios.find(r => r.n === 2000) ?? ratios[ratios.length - 1];
  const targets = [
    { target: `check / parse both <= ${TARGETS.overParse} at ${mid.n.toLocaleString('en')}`, value: mid.checkOverParseBoth, status: verdict(mid.checkOverParseBoth, TARGETS.overParse) },
    { target: `diff / parse both <= ${TARGETS.overParse} at ${mid.n.toLocaleString('en')}`, value: mid.diffOverParseBoth, status: verdict(mid.diffOverParseBoth, TARGETS.overParse) },
    { target: `explain / parse new <= ${TARGETS.overParse} at ${mid.n.toLocaleString('en')}`, value: mid.explainOverParseNew, status: verdict(mid.explainOverParseNew, TARGETS.overParse) },
    ...(growth ? ['check', 'diff', 'explain'].map(c => ({ target: `${c} growth ${lo.toLocaleString('en')} -> ${hi.toLocaleString('en')} (${hi / lo}x services) <= ${TARGETS.growth}x`, value: growth[c], status: verdict(growth[c], TARGETS.growth) })) : []),
    { target: `peak RSS at ${hi.toLocaleString('en')} < 1 GiB`, value: rssAtMax, status: verdict(rssAtMax, TARGETS.rssMiB) },
  ];
  const f2 = x => (x === undefined ? '-' : x.toFixed(2));
  const rows = [['command', 'N', 'YAML', 'wall median', 'min', 'max', 'in process', 'CPU', 'peak RSS']];
  for (const n of sizes) {
    for (const c of CASES) {
      const k = cases.find(x => x.case === c && x.n === n);
      const mb = (c === 'parse-new' || c === 'explain' ? bytes[n] / 2 : bytes[n]) / 1048576;
      rows.push([LABEL[c], n, `${mb.toFixed(1)} MB`, fmtMs(k.wallMs.median), fmtMs(k.wallMs.min), fmtMs(k.wallMs.max), fmtMs(k.inProcessMs.median), fmtMs(k.cpuMs.median), `${k.peakRssMiB.toFixed(0)} MiB`]);
    }
  }
  const text = [
    `Command line: N services (5 objects each), old output canary at 20, new at 40; wall time of fresh processes, ${runs} interleaved runs`,
    table(rows),
    '',
    table([['N', 'check / parse both', 'diff / parse both', 'explain / parse new', '(CPU time: check', 'diff', 'explain)'],
      ...ratios.map(r => [r.n, f2(r.checkOverParseBoth), f2(r.diffOverParseBoth), f2(r.explainOverParseNew), f2(r.cpu.checkOverParseBoth), f2(r.cpu.diffOverParseBoth), f2(r.cpu.explainOverParseNew)])]),
    ...(growth ? ['', table([[`growth ${lo} -> ${hi}`, ...CASES], ['median ratio', ...CASES.map(c => f2(growth[c]))]])] : []),
    '',
    table([['target', 'value', 'status'], ...targets.map(t => [t.target, t.target.includes('RSS') ? `${t.value.toFixed(0)} MiB` : f2(t.value), t.status])]),
  ].join('\n');
  return { text, json: { runs, sizes, bytes, method: 'wall time of one fresh node process per run (bench/cli-case.js), rounds interleaving sizes and cases, order rotated per round; baseline: js-yaml loadAll of the same files', cases, ratios, growth, targets } };
}

module.exports = { run };

if (require.main === module) {
  const args = process.argv.slice(2);
  const get = (flag, dflt) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : dflt);
  const r = run({
    runs: Number(get('--runs', 5)),
    sizes: get('--sizes', '500,2000,5000').split(',').map(Number),
    lib: path.resolve(get('--lib', path.join(ROOT, 'lib'))),
    log: m => process.stderr.write(`${m}\n`),
  });
  console.log(r.text);
  const out = get('--out', undefined);
  if (out) require('fs').writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine: require('./stats').machine(), ...r.json }, null, 2) + '\n');
}

#!/usr/bin/env node
// Times `ours` (bench/case.js) across several builds of cdk8s-canary, interleaved, to
// measure a patch: build a patched copy (e.g. `git archive HEAD | tar -x -C bench/work/x`,
// link node_modules, apply the patch, `npx jsii`), then
//   node bench/compare-builds.js [--runs 5] [--sizes 1000,5000] [--case-timeout S] LABEL=LIB_DIR ...
// Also checks that every build synthesizes byte-identical YAML at each size.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');
const { summarize, fmtMs, table } = require('./stats');

const args = process.argv.slice(2);
let runs = 5;
let sizes = [1000, 5000];
let timeoutS = 120;
const builds = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--sizes') sizes = args[++i].split(',').map(Number);
  else if (args[i] === '--case-timeout') timeoutS = Number(args[++i]);
  else {
    const [label, dir] = args[i].includes('=') ? args[i].split('=') : [args[i], args[i]];
    builds.push({ label, lib: path.resolve(dir) });
  }
}
if (builds.length === 0) {
  console.error('usage: node bench/compare-builds.js [--runs R] [--sizes 1000,5000] LABEL=LIB_DIR ...');
  process.exit(2);
}

const results = new Map(); // `${label}/${n}` -> runs
const digests = new Map(); // n -> sha256
const timedOut = new Set();
for (let round = 0; round < runs; round++) {
  for (const n of sizes) {
    for (let k = 0; k < builds.length; k++) {
      const b = builds[(k + round) % builds.length];
      const id = `${b.label}/${n}`;
      if (timedOut.has(id)) continue;
      const r = spawnSync(process.execPath, [path.join(__dirname, 'case.js'), 'ours', String(n)], {
        encoding: 'utf8', env: { ...process.env, BENCH_LIB: b.lib }, timeout: timeoutS * 1000, killSignal: 'SIGKILL',
      });
      if (r.error && r.error.code === 'ETIMEDOUT') {
        timedOut.add(id);
        continue;
      }
      if (r.status !== 0) throw new Error(`${b.label} N=${n} failed:\n${r.stderr}`);
      const out = JSON.parse(r.stdout);
      if (!digests.has(n)) digests.set(n, out.sha256);
      if (digests.get(n) !== out.sha256) throw new Error(`FAIL: ${b.label} synthesizes different YAML at N=${n}`);
      if (!results.has(id)) results.set(id, []);
      results.get(id).push(out);
      process.stderr.write(`  round ${round + 1}/${runs} N=${n} ${b.label}: ${fmtMs(out.synthMs)}\n`);
    }
  }
}
const rows = [['build', 'N', 'synth median', 'min', 'max', 'runs', 'peak RSS']];
for (const n of sizes) {
  for (const b of builds) {
    const rs = results.get(`${b.label}/${n}`) ?? [];
    if (rs.length === 0) {
      rows.push([b.label, n, `> ${timeoutS} s`, '-', '-', 0, '-']);
      continue;
    }
    const s = summarize(rs.map(r => r.synthMs));
    rows.push([b.label, n, fmtMs(s.median), fmtMs(s.min), fmtMs(s.max), s.runs, `${Math.max(...rs.map(r => r.maxRssMiB)).toFixed(0)} MiB`]);
  }
}
console.log(table(rows));
console.log(JSON.stringify(Object.fromEntries([...results].map(([id, rs]) => [id, { ...summarize(rs.map(r => r.synthMs)), peakRssMiB: Math.max(...rs.map(r => r.maxRssMiB)) }]))));

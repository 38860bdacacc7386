#!/usr/bin/env node
// Gateway API synth against Istio synth for the same services (issue #10; target: within
// 1.1x). `node bench/providers.js [--runs R] [--sizes 1000] [--lib DIR] [--out FILE]`, after
// compiling (npx projen compile). Workload: run.js's (N CanaryServices at weight 20, one
// HeaderMatchRoute each), rendered by `ours` (Istio: 2 Deployments, Service, DestinationRule,
// VirtualService) and `oursGatewayApi` (2 Deployments, Service, 2 version Services, HTTPRoute).
// Each run is a fresh `node bench/case.js` process; the two alternate, the order swapped each
// round; medians of synth (construct + app.synthYaml()), wall and CPU time (user + system:
// the figure to trust on a shared, loaded machine), and the ratio of the CPU-time medians.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { ROOT, summarize, machine, fmtMs, table } = require('./stats');

const TARGET = 1.1;
const o = { runs: 5, sizes: [1000], lib: path.join(ROOT, 'lib'), out: undefined };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--runs') o.runs = Number(argv[++i]);
  else if (argv[i] === '--sizes') o.sizes = argv[++i].split(',').map(Number);
  else if (argv[i] === '--lib') o.lib = path.resolve(argv[++i]);
  else if (argv[i] === '--out') o.out = path.resolve(argv[++i]);
  else throw new Error(`unknown option ${argv[i]}`);
}

function runCase(impl, n) {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'case.js'), impl, String(n)], {
    encoding: 'utf8', env: { ...process.env, BENCH_LIB: o.lib }, maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`FAIL: ${impl} at N=${n}:\n${(r.stderr || '').slice(-3000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const impls = ['ours', 'oursGatewayApi'];
const runs = Object.fromEntries(impls.map(i => [i, Object.fromEntries(o.sizes.map(n => [n, []]))]));
for (let round = 0; round < o.runs; round++) {
  for (const n of o.sizes) {
    for (const impl of round % 2 === 0 ? impls : [...impls].reverse()) {
      const r = runCase(impl, n);
      runs[impl][n].push(r);
      process.stderr.write(`  round ${round + 1}/${o.runs} N=${n} ${impl}: ${fmtMs(r.synthMs)} wall, ${fmtMs(r.synthCpuMs)} CPU\n`);
    }
  }
}
const rows = [['N', 'Istio synth (wall / CPU)', 'Gateway API synth (wall / CPU)', 'Gateway API / Istio (CPU)', 'target', 'status']];
const results = [];
for (const n of o.sizes) {
  const med = (impl, k) => summarize(runs[impl][n].map(r => r[k])).median;
  const r = { n, istioMs: med('ours', 'synthMs'), gatewayApiMs: med('oursGatewayApi', 'synthMs'), istioCpuMs: med('ours', 'synthCpuMs'), gatewayApiCpuMs: med('oursGatewayApi', 'synthCpuMs') };
  r.ratio = r.gatewayApiCpuMs / r.istioCpuMs;
  r.status = r.ratio <= TARGET ? 'met' : 'MISSED';
  results.push({ ...r, target: TARGET });
  rows.push([n, `${fmtMs(r.istioMs)} / ${fmtMs(r.istioCpuMs)}`, `${fmtMs(r.gatewayApiMs)} / ${fmtMs(r.gatewayApiCpuMs)}`, r.ratio.toFixed(2), `<= ${TARGET}`, r.status]);
}
const info = machine();
console.log(`Gateway API vs Istio synth, ${info.cpuModel}, ${info.cores} cores, node ${info.node}, load average ${info.loadavgAtStart.join(' ')}; ${o.runs} runs each`);
console.log(table(rows));
if (o.out) fs.writeFileSync(o.out, JSON.stringify({ machine: info, runs: o.runs, results }, null, 2) + '\n');

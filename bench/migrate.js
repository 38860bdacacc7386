#!/usr/bin/env node
// `cdk8s-canary migrate --to gateway-api` on N hand-written ingress-nginx canary pairs (one
// host each: a header cohort with always/never, a cookie cohort and canary-weight 10; two
// Services), against js-yaml reading and parsing the same file. The command converts and then
// proves every host with the simulator (about 800 simulated requests per pair), so it is far
// above parsing; the figures to watch are its growth with N (linear: the proof is per host)
// and its peak memory. `node bench/migrate.js [--runs R] [--sizes 100,1000] [--lib DIR] [--out FILE]`,
// after compiling (npx projen compile). Each run is a fresh process timed from outside; the
// cases alternate, the order swapped each round; medians of wall time.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { performance } = require('perf_hooks');
const { ROOT, summarize, machine, fmtMs, table } = require('./stats');

const TARGETS = { growth: 12, rssMiB: 1024 };
const o = { runs: 5, sizes: [100, 1000], lib: path.join(ROOT, 'lib'), out: undefined };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--runs') o.runs = Number(argv[++i]);
  else if (argv[i] === '--sizes') o.sizes = argv[++i].split(',').map(Number);
  else if (argv[i] === '--lib') o.lib = path.resolve(argv[++i]);
  else if (argv[i] === '--out') o.out = path.resolve(argv[++i]);
  else throw new Error(`unknown option ${argv[i]}`);
}

/** Writes N canary pairs (and their Services) to <work>/migrate/<N>/ingress.yaml. */
function fixture(n) {
  const dir = path.join(__dirname, 'work', 'migrate', String(n));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'ingress.yaml');
  const A = 'nginx.ingress.kubernetes.io/';
  const ingress = (name, service, host, annotations) => ({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'shop', ...(annotations ? { annotations } : {}) },
    spec: { ingressClassName: 'nginx', rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }] },
  });
  const docs = [];
  for (let i = 0; i < n; i++) {
    const host = `app${i}.example.com`;
    for (const v of ['v1', 'v2']) {
      docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `app${i}-${v}`, namespace: 'shop' }, spec: { selector: { app: `app${i}`, version: v }, ports: [{ port: 80 }] } });
    }
    docs.push(ingress(`app${i}`, `app${i}-v1`, host));
    docs.push(ingress(`app${i}-canary`, `app${i}-v2`, host, { [`${A}canary`]: 'true', [`${A}canary-by-header`]: 'x-canary', [`${A}canary-by-cookie`]: 'beta', [`${A}canary-weight`]: '10' }));
  }
  fs.writeFileSync(file, docs.map(d => JSON.stringify(d)).join('\n---\n') + '\n');
  return file;
}

const CASES = ['parse', 'migrate'];
const SCRIPT = {
  parse: file => `const yaml = require(${JSON.stringify(require.resolve('js-yaml'))}); const n = yaml.loadAll(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8')).length; if (!n) process.exit(3);`,
  migrate: (file, out) => `process.exitCode = require(${JSON.stringify(path.join(o.lib, 'cli', 'main'))}).main(['migrate', ${JSON.stringify(file)}, '--to', 'gateway-api', '--gateway', 'infra/public', '--out', ${JSON.stringify(out)}], { out: () => {}, err: () => {} });`,
};

function runCase(what, file) {
  const out = `${file}.out.yaml`;
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '-e', SCRIPT[what](file, out)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`FAIL: ${what} on ${file} exited with ${r.status}:\n${(r.stderr || '').slice(-2000)}`);
  return { wallMs, rssMiB: Number(r.stderr.trim().split('\n').pop()) / 1024 };
}

const files = Object.fromEntries(o.sizes.map(n => [n, fixture(n)]));
const runs = Object.fromEntries(o.sizes.map(n => [n, Object.fromEntries(CASES.map(c => [c, []]))]));
for (let round = 0; round < o.runs; round++) {
  for (const n of o.sizes) {
    for (const c of round % 2 === 0 ? CASES : [...CASES].reverse()) runs[n][c].push(runCase(c, files[n]));
    process.stderr.write(`  migrate round ${round + 1}/${o.runs} N=${n}: ${CASES.map(c => `${c} ${fmtMs(runs[n][c][round].wallMs)}`).join(', ')}\n`);
  }
}
const results = o.sizes.map(n => {
  const med = c => summarize(runs[n][c].map(r => r.wallMs)).median;
  return { n, parseMs: med('parse'), migrateMs: med('migrate'), ratio: med('migrate') / med('parse'), peakRssMiB: Math.max(...runs[n].migrate.map(r => r.rssMiB)) };
});
const first = results[0];
const last = results[results.length - 1];
const growth = last.migrateMs / first.migrateMs;
const sizeGrowth = last.n / first.n;
const info = machine();
console.log(`migrate --to gateway-api, ${info.cpuModel}, ${info.cores} cores, node ${info.node}, load average ${info.loadavgAtStart.join(' ')}; ${o.runs} runs each`);
console.log(table([['canary pairs', 'js-yaml parse', 'migrate (with proof)', 'ratio', 'per pair', 'peak RSS'],
  ...results.map(r => [r.n, fmtMs(r.parseMs), fmtMs(r.migrateMs), r.ratio.toFixed(1), fmtMs(r.migrateMs / r.n), `${r.peakRssMiB.toFixed(0)} MiB`])]));
const targets = [
  { target: `growth ${first.n} -> ${last.n} pairs <= ${TARGETS.growth}x (${sizeGrowth}x the pairs)`, value: growth, status: growth <= TARGETS.growth ? 'met' : 'MISSED' },
  { target: `peak RSS at ${last.n} pairs < ${TARGETS.rssMiB} MiB`, value: last.peakRssMiB, status: last.peakRssMiB < TARGETS.rssMiB ? 'met' : 'MISSED' },
];
console.log(table([['target', 'value', 'status'], ...targets.map(t => [t.target, t.value.toFixed(1), t.status])]));
if (o.out) fs.writeFileSync(o.out, JSON.stringify({ machine: info, runs: o.runs, results, targets }, null, 2) + '\n');

// One benchmark run in a fresh process: `node bench/case.js <impl> <n> [out.yaml]`.
// Prints one JSON line: node start-up, module load and in-process synth times, peak RSS
// and a digest of the YAML (compared across implementations by run.js).
'use strict';
const { performance } = require('perf_hooks');
const started = performance.now(); // ms since the process started (node bootstrap)
const crypto = require('crypto');
const fs = require('fs');
const impls = require('./impls');

const [impl, nArg, out] = process.argv.slice(2);
const n = Number(nArg);
if (!impls[impl] || !Number.isInteger(n) || n <= 0) {
  console.error(`usage: node bench/case.js <${Object.keys(impls).join('|')}> <n> [out.yaml]`);
  process.exit(2);
}

const t0 = performance.now();
const build = impls[impl].load();
const t1 = performance.now();
const cpu0 = process.cpuUsage();
const yaml = build(n);
const cpu1 = process.cpuUsage(cpu0);
const t2 = performance.now();

const usage = process.resourceUsage();
const result = {
  impl,
  n,
  bootMs: started,
  loadMs: t1 - t0,
  synthMs: t2 - t1,
  // CPU time of the synth (user + system), steadier than wall time on a loaded machine.
  synthCpuMs: (cpu1.user + cpu1.system) / 1000,
  maxRssMiB: usage.maxRSS / 1024,
  heapUsedMiB: process.memoryUsage().heapUsed / 1048576,
  bytes: Buffer.byteLength(yaml),
  sha256: crypto.createHash('sha256').update(yaml).digest('hex'),
};
if (out) fs.writeFileSync(out, yaml);
process.stdout.write(JSON.stringify(result) + '\n');

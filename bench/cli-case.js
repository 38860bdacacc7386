// One command-line benchmark run in a fresh process (bench/cli.js):
//   node bench/cli-case.js <check|diff|explain|parse-both|parse-new> <dir with old/ and new/> <n>
// check/diff/explain run the command line's main() from the compiled lib/ (BENCH_LIB) as
// bin/cdk8s-canary does, output built but not printed; parse-* only read and parse the
// files with js-yaml (loadAll), the baseline. Prints one JSON line: in-process time,
// node start-up, CPU time of the whole process (user + system), peak RSS, exit code and output size.
'use strict';
const { performance } = require('perf_hooks');
const started = performance.now();
const fs = require('fs');
const path = require('path');

const [what, dir, nArg] = process.argv.slice(2);
const LIB = path.resolve(process.env.BENCH_LIB || path.join(__dirname, '..', 'lib'));
const oldFile = path.join(dir, 'old', 'app.k8s.yaml');
const newFile = path.join(dir, 'new', 'app.k8s.yaml');

const t0 = performance.now();
let code = 0;
let bytes = 0;
if (what === 'parse-both' || what === 'parse-new') {
  const yaml = require('js-yaml');
  for (const f of what === 'parse-both' ? [oldFile, newFile] : [newFile]) bytes += yaml.loadAll(fs.readFileSync(f, 'utf8')).length;
} else {
  const { main } = require(path.join(LIB, 'cli', 'main'));
  const io = { out: t => { bytes += t.length; }, err: t => process.stderr.write(`${t}\n`) };
  const args = {
    check: ['check', path.join(dir, 'old'), path.join(dir, 'new')],
    diff: ['diff', path.join(dir, 'old'), path.join(dir, 'new')],
    explain: ['explain', path.join(dir, 'new'), '--host', `svc${Number(nArg) - 1}`, '--header', 'x-beta=true'],
  }[what];
  if (!args) {
    console.error('usage: node bench/cli-case.js <check|diff|explain|parse-both|parse-new> <dir> <n>');
    process.exit(2);
  }
  code = main(args, io);
}
const t1 = performance.now();
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ what, bootMs: started, runMs: t1 - t0, totalMs: t1, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024, code, bytes }) + '\n');

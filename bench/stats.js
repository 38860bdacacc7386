// Small helpers shared by run.js and user-loop.js.
'use strict';
const { spawnSync, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');

const ROOT = path.join(__dirname, '..');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function summarize(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length };
}

/** Runs a command to completion; returns its wall time in ms (throws on failure). */
function timeCommand(cmd, args, options = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${(r.stderr || '').slice(-2000)}`);
  }
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

function versionOf(pkg, from = ROOT) {
  try {
    return JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`, { paths: [from] }), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model,
    cores: cpus.length,
    availableParallelism: os.availableParallelism?.(),
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
    loadavgAtStart: os.loadavg().map(x => +x.toFixed(2)),
    versions: {
      'cdk8s': versionOf('cdk8s'),
      'cdk8s-plus-27': versionOf('cdk8s-plus-27'),
      'constructs': versionOf('constructs'),
      'yaml (repo devDependency, used by the floor)': versionOf('yaml'),
      'yaml (bundled in cdk8s, used by synth)': versionOf('yaml', path.join(ROOT, 'node_modules', 'cdk8s')),
      'ts-node': versionOf('ts-node'),
      'typescript': versionOf('typescript'),
      'cdk8s-cli': versionOf('cdk8s-cli'),
    },
    git: { head: git(['rev-parse', '--short', 'HEAD']), dirtySrc: git(['status', '--porcelain', '--', 'src']) || '' },
  };
}

/** Newest modification time under dir (files whose name passes filter), in ms. */
function newestMtime(dir, filter = () => true) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p, filter));
    else if (filter(e.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

const fmtMs = ms => (ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/** A plain-text table: rows of cells, first row the header; numbers right-aligned. */
function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map(r => String(r[c]).length)));
  const line = r => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map(w => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

module.exports = { ROOT, median, summarize, timeCommand, machine, newestMtime, fmtMs, table, versionOf };

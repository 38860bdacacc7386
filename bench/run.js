#!/usr/bin/env node
// `npm run bench`: the synth cost of cdk8s-canary against three baselines (issue 7).
//
// For N = 100, 1,000 and 5,000 services (CanaryService stable v1 + canary v2 at weight 20,
// one HeaderMatchRoute `x-beta: true` -> v2 each) it times four ways of producing the same
// YAML, every run in a fresh `node bench/case.js` process, interleaved (each round runs
// every size and way, the order of the ways rotated per round):
//   ours         CanaryService + HeaderMatchRoute from the compiled lib/
//   (a) floor    the identical plain objects -> the `yaml` package with cdk8s' options
//   (b) raw      cdk8s ApiObjects with literal specs
//   (c) by hand  cdk8s-plus-27 Deployments and Services + ApiObjects for Istio
// It first checks that all four synthesize the same objects (parsed and deep-compared) and
// then that every timed run produced byte-identical YAML (sha256), failing loudly otherwise.
// Then it times the user's loop (bench/user-loop.js) unless --no-user-loop, and the command
// line (bench/cli.js: check, diff and explain against parsing with js-yaml) unless --no-cli,
// and Gateway API synth against Istio synth (bench/providers.js, at 1,000 services) unless
// --no-providers, and `migrate --to gateway-api` (bench/migrate.js) unless --no-migrate.
//
// Options: --runs R (default 5, at least 5)  --sizes 100,1000,5000  --lib DIR (another
// build of cdk8s-canary, default lib/)  --case-timeout S (default 120: a case whose run
// takes longer is reported as over the budget and not repeated)  --no-user-loop  --no-cli
// --cli-sizes 500,2000,5000
// --out FILE (default bench/results/latest.json)  --label TEXT (names the build in the report)
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { isDeepStrictEqual } = require('util');
const YAML = require('yaml');
const impls = require('./impls');
const { ROOT, summarize, machine, newestMtime, fmtMs, table } = require('./stats');

const IMPLS = ['ours', 'oursLean', 'floor', 'raw', 'handwritten'];
const SHORT = { ours: 'ours', oursLean: 'ours, no analysis', floor: '(a) floor', raw: '(b) raw', handwritten: '(c) by hand' };
const CHECK_N = 20;

const TARGETS = {
  oursOverHandwritten: 1.15, // at 1,000 and 5,000
  oursOverFloor: 2.0,
  growth1000to5000: 5.5,
  synth5000Ms: 8000,
  rss5000MiB: 1024,
};

function parseArgs(argv) {
  const o = { runs: 5, sizes: [100, 1000, 5000], lib: path.join(ROOT, 'lib'), caseTimeoutS: 120, userLoop: true, cli: true, providers: true, migrate: true, cliSizes: [500, 2000, 5000], out: path.join(__dirname, 'results', 'latest.json') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--sizes') o.sizes = argv[++i].split(',').map(Number);
    else if (a === '--lib') o.lib = path.resolve(argv[++i]);
    else if (a === '--case-timeout') o.caseTimeoutS = Number(argv[++i]);
    else if (a === '--no-user-loop') o.userLoop = false;
    else if (a === '--no-cli') o.cli = false;
    else if (a === '--no-providers') o.providers = false;
    else if (a === '--no-migrate') o.migrate = false;
    else if (a === '--cli-sizes') o.cliSizes = argv[++i].split(',').map(Number);
    else if (a === '--label') o.label = argv[++i];
    else if (a === '--out') o.out = path.resolve(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  if (!(o.runs >= 5)) throw new Error('--runs must be at least 5');
  return o;
}

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

function runCase(impl, n, opts, out) {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'case.js'), impl, String(n), ...(out ? [out] : [])], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_LIB: opts.lib },
    timeout: opts.caseTimeoutS * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.error && r.error.code === 'ETIMEDOUT') return { timedOut: true };
  if (r.status !== 0) {
    throw new Error(`FAIL: ${impl} at N=${n} exited with ${r.status ?? r.signal}:\n${(r.stderr || '').slice(-3000)}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** The first path at which a and b differ, for the failure message. */
function firstDifference(a, b, at = '') {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], `${at}${Array.isArray(a) ? `[${k}]` : `.${k}`}`);
      if (d) return d;
    }
  }
  return `${at || '(root)'}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

function checkSameObjects(opts) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-bench-'));
  try {
    const parsed = {};
    const raw = {};
    for (const impl of IMPLS) {
      const file = path.join(dir, `${impl}.yaml`);
      runCase(impl, CHECK_N, opts, file);
      raw[impl] = fs.readFileSync(file, 'utf8');
      parsed[impl] = YAML.parseAllDocuments(raw[impl], { version: '1.1' }).map(d => d.toJS());
    }
    const expected = parsed.ours;
    if (expected.length !== CHECK_N * 5) throw new Error(`FAIL: ours synthesized ${expected.length} objects for ${CHECK_N} services, expected ${CHECK_N * 5}`);
    const byteIdentical = {};
    for (const impl of IMPLS.slice(1)) {
      if (parsed[impl].length !== expected.length) {
        throw new Error(`FAIL: ${impl} synthesized ${parsed[impl].length} objects, ours ${expected.length}`);
      }
      for (let k = 0; k < expected.length; k++) {
        const d = firstDifference(expected[k], parsed[impl][k]);
        if (d) {
          throw new Error(`FAIL: ${impl} differs from ours in object ${k} (${expected[k].kind} ${expected[k].metadata?.name}) at ${d}\n`
            + 'The baselines must produce the same manifests as ours: update bench/manifests.js / bench/impls.js to the new defaults.');
        }
      }
      byteIdentical[impl] = raw[impl] === raw.ours;
    }
    return { n: CHECK_N, objects: expected.length, sameObjects: true, byteIdentical };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const startedAt = Date.now();
  if (!fs.existsSync(path.join(opts.lib, 'index.js'))) {
    throw new Error(`${opts.lib}/index.js not found: compile first (npx projen compile, or npx jsii)`);
  }
  const info = machine();
  const libStale = opts.lib === path.join(ROOT, 'lib')
    && newestMtime(path.join(ROOT, 'src'), f => f.endsWith('.ts')) > fs.statSync(path.join(opts.lib, 'index.js')).mtimeMs;
  if (libStale) log('WARNING: src/ is newer than lib/: the benchmark measures the compiled lib/; run `npx projen compile` first.');
  log(`machine: ${info.cpuModel}, ${info.cores} cores, node ${info.node}, load average ${info.loadavgAtStart.join(' ')}`);
  log(`library: ${opts.lib} (git ${info.git.head}${info.git.dirtySrc ? ', src/ has uncommitted changes' : ''})`);

  log(`checking that all four ways synthesize the same ${CHECK_N * 5} objects for N=${CHECK_N}...`);
  const check = checkSameObjects(opts);
  log(`  same objects: yes; byte-identical YAML: ${Object.entries(check.byteIdentical).map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`).join(', ')}`);

  const results = {}; // impl -> n -> [run]
  const skipped = {}; // `${impl}/${n}` -> reason
  const digest = {}; // n -> { impl, sha256 }
  for (const impl of IMPLS) results[impl] = Object.fromEntries(opts.sizes.map(n => [n, []]));
  const loadDuring = [];
  for (let round = 0; round < opts.runs; round++) {
    for (const n of opts.sizes) {
      const order = IMPLS.map((_, k) => IMPLS[(k + round) % IMPLS.length]);
      for (const impl of order) {
        if (skipped[`${impl}/${n}`]) continue;
        const r = runCase(impl, n, opts);
        if (r.timedOut) {
          skipped[`${impl}/${n}`] = `a run took more than ${opts.caseTimeoutS} s`;
          log(`  round ${round + 1}/${opts.runs} N=${n} ${impl}: > ${opts.caseTimeoutS} s, killed; not repeated`);
          continue;
        }
        if (!digest[n]) digest[n] = { impl, sha256: r.sha256 };
        if (r.sha256 !== digest[n].sha256) {
          throw new Error(`FAIL: at N=${n} ${impl} synthesized different YAML from ${digest[n].impl} (sha256 ${r.sha256} vs ${digest[n].sha256})`);
        }
        results[impl][n].push(r);
        log(`  round ${round + 1}/${opts.runs} N=${n} ${impl}: ${fmtMs(r.synthMs)}, ${r.maxRssMiB.toFixed(0)} MiB`);
      }
    }
    loadDuring.push(os.loadavg()[0]);
  }

  // Aggregate.
  const cases = [];
  const med = {};
  for (const impl of IMPLS) {
    med[impl] = {};
    for (const n of opts.sizes) {
      const runs = results[impl][n];
      const c = { impl, n, runs: runs.length, skipped: skipped[`${impl}/${n}`] };
      if (runs.length > 0) {
        Object.assign(c, {
          synthMs: summarize(runs.map(r => r.synthMs)),
          loadMs: summarize(runs.map(r => r.loadMs)),
          bootMs: summarize(runs.map(r => r.bootMs)),
          peakRssMiB: Math.max(...runs.map(r => r.maxRssMiB)),
          medianRssMiB: summarize(runs.map(r => r.maxRssMiB)).median,
          yamlBytes: runs[0].bytes,
        });
        med[impl][n] = c.synthMs.median;
      }
      cases.push(c);
    }
  }
  const ratio = (a, b) => (a !== undefined && b !== undefined ? a / b : undefined);
  const ratios = opts.sizes.map(n => ({
    n,
    oursOverFloor: ratio(med.ours[n], med.floor[n]),
    oursOverRaw: ratio(med.ours[n], med.raw[n]),
    oursOverHandwritten: ratio(med.ours[n], med.handwritten[n]),
    oursLeanOverFloor: ratio(med.oursLean[n], med.floor[n]),
    oursLeanOverHandwritten: ratio(med.oursLean[n], med.handwritten[n]),
  }));
  const growth = Object.fromEntries(IMPLS.map(impl => [impl, ratio(med[impl][5000], med[impl][1000])]));

  const at = n => ratios.find(r => r.n === n) ?? {};
  const ours5000 = cases.find(c => c.impl === 'ours' && c.n === 5000);
  const verdict = (value, limit) => (value === undefined ? 'not measured' : value <= limit ? 'met' : 'MISSED');
  const targets = [
    { target: `ours/(c) <= ${TARGETS.oursOverHandwritten} at 1,000`, value: at(1000).oursOverHandwritten, status: verdict(at(1000).oursOverHandwritten, TARGETS.oursOverHandwritten) },
    { target: `ours/(c) <= ${TARGETS.oursOverHandwritten} at 5,000`, value: at(5000).oursOverHandwritten, status: verdict(at(5000).oursOverHandwritten, TARGETS.oursOverHandwritten) },
    ...opts.sizes.map(n => ({ target: `ours/(a) <= ${TARGETS.oursOverFloor} at ${n.toLocaleString('en')}`, value: at(n).oursOverFloor, status: verdict(at(n).oursOverFloor, TARGETS.oursOverFloor) })),
    { target: `ours growth 1,000 -> 5,000 <= ${TARGETS.growth1000to5000}x`, value: growth.ours, status: verdict(growth.ours, TARGETS.growth1000to5000) },
    { target: '5,000 services synth < 8 s', value: ours5000?.synthMs?.median, status: ours5000?.skipped ? 'MISSED' : verdict(ours5000?.synthMs?.median, TARGETS.synth5000Ms) },
    { target: '5,000 services peak RSS < 1 GiB', value: ours5000?.peakRssMiB, status: ours5000?.skipped ? 'not measured' : verdict(ours5000?.peakRssMiB, TARGETS.rss5000MiB) },
  ];

  let userLoop;
  if (opts.userLoop) {
    log('timing the user loop (bench/user-loop.js)...');
    userLoop = require('./user-loop').run({ runs: opts.runs, lib: opts.lib, log });
  }

  let cli;
  if (opts.cli) {
    log('timing the command line (bench/cli.js)...');
    cli = require('./cli').run({ runs: opts.runs, sizes: opts.cliSizes, lib: opts.lib, log });
  }

  if (opts.providers) {
    log('timing Gateway API synth against Istio synth (bench/providers.js)...');
    const out = path.join(__dirname, 'results', 'providers.json');
    const r = spawnSync(process.execPath, [path.join(__dirname, 'providers.js'), '--runs', String(opts.runs), '--lib', opts.lib, '--out', out], { stdio: 'inherit' });
    if (r.status !== 0) log(`bench/providers.js failed (exit ${r.status}); see its output above`);
  }

  if (opts.migrate) {
    log('timing migrate --to gateway-api (bench/migrate.js)...');
    const out = path.join(__dirname, 'results', 'migrate.json');
    const r = spawnSync(process.execPath, [path.join(__dirname, 'migrate.js'), '--runs', String(opts.runs), '--lib', opts.lib, '--out', out], { stdio: 'inherit' });
    if (r.status !== 0) log(`bench/migrate.js failed (exit ${r.status}); see its output above`);
  }

  // Report.
  const f2 = x => (x === undefined ? '-' : x.toFixed(2));
  const rows = [['case', 'N', 'synth median', 'min', 'max', 'runs', 'peak RSS', 'module load', 'node start']];
  for (const n of opts.sizes) {
    for (const impl of IMPLS) {
      const c = cases.find(x => x.impl === impl && x.n === n);
      if (!c.synthMs) {
        rows.push([SHORT[impl], n, `> ${opts.caseTimeoutS} s`, '-', '-', 0, '-', '-', '-']);
        continue;
      }
      rows.push([SHORT[impl], n, fmtMs(c.synthMs.median), fmtMs(c.synthMs.min), fmtMs(c.synthMs.max), c.runs,
        `${c.peakRssMiB.toFixed(0)} MiB`, fmtMs(c.loadMs.median), fmtMs(c.bootMs.median)]);
    }
  }
  const ratioRows = [
    ['N', 'ours/(a) floor', 'ours/(b) raw', 'ours/(c) by hand', 'no analysis/(a)', 'no analysis/(c)'],
    ...ratios.map(r => [r.n, f2(r.oursOverFloor), f2(r.oursOverRaw), f2(r.oursOverHandwritten), f2(r.oursLeanOverFloor), f2(r.oursLeanOverHandwritten)]),
  ];
  const growthRows = [['growth 1,000 -> 5,000', ...IMPLS.map(i => SHORT[i])], ['median(5000)/median(1000)', ...IMPLS.map(i => f2(growth[i]))]];
  const targetRows = [['target', 'value', 'status'], ...targets.map(t => [t.target, t.value === undefined ? '-' : t.target.includes('RSS') ? `${t.value.toFixed(0)} MiB` : t.target.includes('< 8 s') ? fmtMs(t.value) : f2(t.value), t.status])];

  const endLoad = os.loadavg().map(x => +x.toFixed(2));
  console.log(`\ncdk8s-canary synth benchmark — ${info.date}`);
  console.log(`${info.cpuModel}, ${info.cores} cores, ${info.totalMemGiB} GiB, node ${info.node}; load average ${info.loadavgAtStart.join(' ')} at start, ${endLoad.join(' ')} at end`);
  console.log(`library ${path.relative(ROOT, opts.lib) || opts.lib}${opts.label ? ` [${opts.label}]` : ''} (repository at git ${info.git.head}${info.git.dirtySrc ? ', uncommitted changes in src/' : ''}${libStale ? ', STALE: src/ newer than lib/' : ''}); cdk8s ${info.versions.cdk8s}, cdk8s-plus-27 ${info.versions['cdk8s-plus-27']}, constructs ${info.versions.constructs}`);
  console.log(`Each run is a fresh process; synth = construct + app.synthYaml() to a string, module load and node start-up reported apart.`);
  console.log(`Check: all five produce the same ${check.objects} objects at N=${check.n}; every timed run produced byte-identical YAML.\n`);
  console.log(table(rows));
  console.log(`\n${table(ratioRows)}\n\n${table(growthRows)}\n\n${table(targetRows)}`);
  if (userLoop) console.log(`\n${userLoop.text}`);
  if (cli) console.log(`\n${cli.text}`);
  console.log(`\ntotal bench time ${fmtMs(Date.now() - startedAt)}`);

  const json = {
    machine: { ...info, loadavgAtEnd: endLoad, loadavg1mAfterEachRound: loadDuring.map(x => +x.toFixed(2)) },
    library: { path: path.relative(ROOT, opts.lib) || opts.lib, label: opts.label, stale: libStale },
    workload: 'N x CanaryService (stable v1 + canary v2, canaryWeight 20, port 8080) + HeaderMatchRoute (x-beta: true -> v2); 5 objects per service',
    method: 'one fresh node process per run; rounds interleave every size and implementation, the implementation order rotated each round; synthMs = construct + app.synthYaml() (floor: build objects + YAML.stringify), excluding node start-up (bootMs) and module load (loadMs); peak RSS = process.resourceUsage().maxRSS of the run',
    check,
    cases,
    ratios,
    growth1000to5000: growth,
    targets,
    userLoop: userLoop?.json,
    cli: cli?.json,
    totalBenchMs: Date.now() - startedAt,
  };
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(json, null, 2) + '\n');
  log(`wrote ${path.relative(process.cwd(), opts.out)}`);
}

try {
  main();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}

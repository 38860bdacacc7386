#!/usr/bin/env node
// Summarizes a V8 CPU profile by function: self and inclusive time, top entries.
//   node --cpu-prof --cpu-prof-dir=bench/work/prof bench/case.js ours 5000
//   node bench/profile-summary.js bench/work/prof/*.cpuprofile [top-self] [top-inclusive] [filter]
// `filter` keeps inclusive rows whose function or file contains it (e.g. `lib/`).
'use strict';
const fs = require('fs');

const [file, selfTop = '25', inclTop = '40', filter] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.js <file.cpuprofile> [top-self] [top-inclusive] [filter]');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map(n => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const sampled = new Map(); // node id -> µs
profile.samples.forEach((id, i) => sampled.set(id, (sampled.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const key = n => {
  const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'node_modules/').replace(/.*\/bench\/work\//, 'bench/work/').replace(/^\/work\/main\//, '');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
};
const self = new Map();
const incl = new Map();
let total = 0;
for (const [id, us] of sampled) {
  total += us;
  const k = key(nodes.get(id));
  self.set(k, (self.get(k) ?? 0) + us);
  const seen = new Set();
  for (let c = id; c !== undefined; c = parent.get(c)) {
    const kk = key(nodes.get(c));
    if (seen.has(kk)) continue; // count recursive frames once
    seen.add(kk);
    incl.set(kk, (incl.get(kk) ?? 0) + us);
  }
}
const show = (m, top, f) => [...m]
  .filter(([k]) => !f || k.includes(f))
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(top))
  .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)
  .join('\n');
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
console.log(`--- self time\n${show(self, selfTop)}`);
console.log(`--- inclusive time${filter ? ` (containing "${filter}")` : ''}\n${show(incl, inclTop, filter)}`);

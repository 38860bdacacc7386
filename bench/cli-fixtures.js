// Synth outputs for the command-line benchmark (bench/cli.js): N services as the synth
// benchmark's workload (bench/manifests.js: CanaryService v1 + v2, one HeaderMatchRoute each,
// 5 objects per service), serialized as cdk8s does. `weight` is the canary weight of every
// default route, so that two outputs differ the way consecutive canary commits do.
//
//   node bench/cli-fixtures.js <n> <weight> <out.yaml>
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');
const m = require('./manifests');

/** The YAML of n services with the canary at `weight`, byte for byte what cdk8s writes. */
function outputYaml(n, weight) {
  const options = { keepUndefined: true, lineWidth: 0, version: '1.1' };
  const docs = [];
  for (let i = 0; i < n; i++) {
    for (const o of m.manifestsFor(i)) {
      if (o.kind === 'VirtualService') {
        const route = o.spec.http[o.spec.http.length - 1].route;
        route[0].weight = 100 - weight;
        route[1].weight = weight;
      }
      docs.push(o);
    }
  }
  return docs.map(d => YAML.stringify(d, options)).join('---\n');
}

/** Writes the output to `file` (creating its directory) unless it exists; returns its size. */
function writeOutput(file, n, weight) {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, outputYaml(n, weight));
  }
  return fs.statSync(file).size;
}

module.exports = { outputYaml, writeOutput };

if (require.main === module) {
  const [n, weight, out] = process.argv.slice(2);
  writeOutput(out, Number(n), Number(weight));
}

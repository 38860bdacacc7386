import { cdk8s, javascript, release, ReleasableCommits } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-canary',
  description: 'Progressive delivery (canary, blue-green, header-matched A/B routing, mirroring) as typed cdk8s constructs for Istio (sidecar and ambient), the Kubernetes Gateway API, ingress-nginx and plain Kubernetes Services, checked at synth time; with a command line to check, explain, diff and migrate routing in pull requests.',
  author: 'cdk8s-canary maintainers',
  authorAddress: 'maintainers@users.noreply.b-seed-04f01caf.example',
  repositoryUrl: 'https://github.com/cdk8s-canary/cdk8s-canary.git',
  defaultReleaseBranch: 'main',
  license: 'Apache-2.0',
  keywords: ['cdk8s', 'istio', 'gateway-api', 'ingress-nginx', 'kubernetes', 'canary', 'blue-green', 'progressive-delivery', 'gitops'],
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.0.0',
  bin: { 'cdk8s-canary': 'bin/cdk8s-canary' },

  // Peer dependencies known to install together (issue #2).
  cdk8sVersion: '2.70.0',
  constructsVersion: '10.8.0',
  peerDeps: ['cdk8s-plus-27@^2.9.0'],

  jsiiVersion: '~5.9.0',
  typescriptVersion: '~5.9.3',

  // Pure-JS RE2 (the regex engine Envoy uses) for synth-time regex checks; js-yaml reads synth
  // outputs in the command line and IstioReader.loadFiles (13x faster than the `yaml` package,
  // issue 15). Bundled, never in the API.
  // @bufbuild/cel (and its peer @bufbuild/protobuf) evaluates the CRDs' CEL rules in `validate`
  // (src/validation/cel.ts), loaded only by `validate`.
  bundledDeps: ['re2js@^2.10.0', 'js-yaml@^4.1.0', '@bufbuild/cel@^0.6.1', '@bufbuild/protobuf@^2.6.2'],
  devDeps: [
    'cdk8s-cli@^2.207.0',
    // Tests: a cdk8s-plus-33 Deployment's template as a VersionSpec.podTemplate (what `cdk8s init` brings).
    'cdk8s-plus-33@^2.5.57',
    // Tests: the CEL parser's syntax trees cached on disk (test/util/cel.ts).
    '@bufbuild/cel-spec@^0.6.1',
    '@types/js-yaml@^4.0.9',
    // Tests: `validate --format sarif` against the vendored SARIF 2.1.0 JSON schema (draft-04), see schemas/sarif/.
    'ajv@^8.17.1',
    'ajv-draft-04@^1.0.0',
    'ajv-formats@^3.0.1',
    'fast-check@^4.3.0',
    // The test command fails on any import cycle in src/ (docs/ARCHITECTURE.md, "Layers").
    'madge@^8.0.0',
    'typescript@~5.9.3',
    'ts-node@^10.9.2',
    'yaml@^2.8.0',
  ],

  // CI is .ci/run; GitHub Actions only publishes releases (.github/workflows/release.yml,
  // generated). On a push to main with a feat or fix commit since the last tag, the workflow
  // computes the next semantic version from the Conventional Commits, builds, writes the
  // release notes, tags the release vX.Y.Z (the first one included), publishes to npm with
  // provenance (the NPM_TOKEN secret) and creates the GitHub release. See CONTRIBUTING.md.
  github: true,
  githubOptions: { pullRequestLint: false, mergify: false },
  release: true,
  releaseTrigger: release.ReleaseTrigger.continuous(),
  releasableCommits: ReleasableCommits.featuresAndFixes(),
  releaseToNpm: true,
  npmProvenance: true,
  npmAccess: javascript.NpmAccess.PUBLIC,
  majorVersion: 0,
  // commit-and-tag-version (the version bump) needs Node 22.
  workflowNodeVersion: '22.x',
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  autoApproveUpgrades: false,
  jestOptions: {
    // Snapshots are a line of defence only if CI never rewrites them: `npx projen test:update` does.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      coveragePathIgnorePatterns: ['/node_modules/', '/imports/', '/test/'],
      testTimeout: 60_000,
    },
  },
  tsconfigDev: { compilerOptions: {} },
  gitignore: ['/examples/**/node_modules', '*.cpuprofile', '/bench/work'],
});

// No import cycles in src/: checked before the tests run (type-only imports count too).
project.testTask.prependExec('madge --circular --extensions ts src');

// Generated Istio types: produced from the vendored CRDs, never edited, not linted.
project.eslint?.addIgnorePattern('src/providers/*/imports/');
project.eslint?.addIgnorePattern('src/validation/_schemas.ts');
project.addPackageIgnore('/examples');
project.addPackageIgnore('/bench');
project.addPackageIgnore('/crds');
project.addPackageIgnore('/schemas');
project.addPackageIgnore('/.ci');
const importTask = project.addTask('import', {
  description: 'Generate src/providers/istio/imports and src/providers/gateway-api/imports from the vendored CRDs (crds/)',
  exec: 'cdk8s import crds/istio-networking-1.30.3.yaml --output src/providers/istio/imports --language typescript --no-check-upgrade',
});
// Gateway API v1.6.1, standard channel (issue #10).
// cdk8s import takes one spec per run, and names the file after the group: prefixes keep both.
importTask.exec('cdk8s import httproute:=crds/gateway-api-v1.6.1-httproutes.yaml --output src/providers/gateway-api/imports --language typescript --no-check-upgrade');
importTask.exec('cdk8s import grpcroute:=crds/gateway-api-v1.6.1-grpcroutes.yaml --output src/providers/gateway-api/imports --language typescript --no-check-upgrade');

// The schemas `validate` checks objects against at run time (the package ships neither crds/ nor
// schemas/): src/validation/_schemas.ts, from the kinds the provider plug-ins declare
// (test/validation/schema-bundle.test.ts fails when it is stale).
project.addTask('schemas', {
  description: 'Generate src/validation/_schemas.ts (the schemas of `cdk8s-canary validate`) from crds/ and schemas/k8s-openapi/v1.35',
  env: { TS_NODE_PROJECT: 'projenrc/tsconfig.json' },
  exec: 'node -r ts-node/register/transpile-only projenrc/schemas.ts',
});

// Synthesizes every example's stages to YAML under examples/<name>/dist/ (the README's first command).
// node with ts-node's transpile-only hook: no type checking (the build type-checks) and no
// npx start-up, the fast set-up we recommend (bench/: about 0.3 s against 2.3 s for the template).
project.addTask('synth:examples', {
  description: 'Synthesize every example under examples/ to YAML (examples/<name>/dist/)',
  env: { TS_NODE_PROJECT: 'examples/tsconfig.json' },
  exec: 'node -r ts-node/register/transpile-only examples/synth-all.ts',
});

// Synth benchmark (issue #7) and command-line benchmark (issue #15), not part of the test run: see bench/README.md.
project.addTask('bench', {
  description: 'Benchmarks: synth (cdk8s-canary vs plain YAML, raw ApiObjects and hand-written cdk8s-plus-27), user loop, command line (check/diff/explain vs js-yaml parsing); writes bench/results/latest.json',
  steps: [{ spawn: 'compile' }, { exec: 'node bench/run.js', receiveArgs: true }],
});

project.synth();

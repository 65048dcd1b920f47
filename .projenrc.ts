import { cdk8s, javascript, JsonFile } from 'projen';

/**
 * cdk8s-knative-serving: typed cdk8s constructs for Knative Serving plus a bundled,
 * lightweight controller and ingress.
 *
 * Layout (see README "Project layout"):
 *   src/core      pure, dependency-free rules shared by constructs and runtime (jsii-compiled)
 *   src/serving   L2 constructs (jsii API)
 *   src/runtime   controller + ingress (NOT jsii; excluded below, bundled by esbuild)
 *   examples/     runnable cdk8s apps, one per seed scenario
 */
const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-knative-serving',
  description: 'Typed cdk8s constructs for Knative Serving (KnService, Configuration, Revision, Route, DomainMapping) with a fluent traffic builder and a bundled lightweight controller and ingress.',
  author: 'cdk8s-knative-serving maintainers',
  authorAddress: 'maintainers@cdk8s-knative.dev',
  repositoryUrl: 'https://github.com/cdk8s-knative/cdk8s-knative-serving.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  keywords: ['cdk8s', 'knative', 'knative-serving', 'kubernetes', 'serverless', 'jsii'],
  minNodeVersion: '20.18.1',

  // Toolchain: jsii 5.x (the issue pins the 5.x line), TypeScript to match.
  jsiiVersion: '~5.9.0',
  typescriptVersion: '~5.9.0',

  // cdk8s 2.x, constructs 10.x and cdk8s-plus-28 2.x are peers (the user's app owns them).
  cdk8sVersion: '2.70.0',
  constructsVersion: '10.3.0',
  peerDeps: ['cdk8s-plus-28@^2.5.6'],

  devDeps: [
    // Runtime (bundled by esbuild into the image; never part of the jsii API).
    '@kubernetes/client-node@1.4.0',
    'undici@^7.16.0',
    'ws@^8.18.0',
    '@types/ws',
    'esbuild@^0.25.0',
    // Tests and tools.
    'fast-check@^4',
    'kubernetes-models@^4',
    'yaml@^2',
    'cdk8s-plus-28@2.5.6',
    'madge@^8',
    // gRPC over HTTP/2 for the ingress's h2c/gRPC tests and bench (a real client and server).
    '@grpc/grpc-js@^1.14.0',
    // The admission webhook's CA and serving certificate (X.509 over WebCrypto, ECDSA P-256 as
    // upstream's webhook uses; node:crypto cannot issue certificates).
    '@peculiar/x509@^2.2.0',
    'reflect-metadata@^0.2.2', // the Reflect polyfill @peculiar/x509's tsyringe needs
  ],

  // The bundled runtime is not a jsii API: keep it out of the jsii closure.
  excludeTypescript: ['src/runtime/**'],

  // Publishing targets (names documented in README "Packages").
  publishToPypi: {
    distName: 'cdk8s-knative-serving',
    module: 'cdk8s_knative_serving',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdk8sknative.serving',
    mavenGroupId: 'io.github.cdk8s-knative',
    mavenArtifactId: 'cdk8s-knative-serving',
    mavenServerId: 'central-ossrh',
  },
  publishToNuget: {
    dotNetNamespace: 'Cdk8sKnative.Serving',
    packageId: 'Cdk8sKnative.Serving',
  },
  publishToGo: {
    moduleName: 'github.com/cdk8s-knative/cdk8s-knative-serving-go',
    packageName: 'cdk8sknativeserving',
  },

  jestOptions: {
    // Never write snapshots from the test task; a run with no tests fails.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    coverageText: false,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // The cluster tier (real kube-apiserver) has its own config and command: `test:cluster`.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
      moduleNameMapper: {
        // @kubernetes/client-node 1.x is ESM-only; jest runs CommonJS. `vendor:k8s-client`
        // bundles the real client into one CJS file that tests load instead.
        '^@kubernetes/client-node$': '<rootDir>/build/vendor/kubernetes-client-node.cjs',
      },
      testTimeout: 60_000,
      // Temp-dir hygiene: each run gets its own TMPDIR root, each test file a directory below it
      // that is removed after the file; the teardown fails the run if anything leaked.
      globalSetup: '<rootDir>/test/support/jest/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/jest/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest/per-file.ts'],
      // Jest's transform cache stays in the project, not in the system temp dir.
      cacheDirectory: '<rootDir>/node_modules/.cache/jest',
      // A per-file text table is unreadable in CI logs at this size: summary + lcov/json files.
      coverageReporters: ['text-summary', 'lcov', 'json', 'cobertura'],
    },
  },
  eslintOptions: {
    dirs: ['src', 'test', 'examples', 'scripts', 'bench'],
    tsconfigPath: './tsconfig.dev.json',
  },
  gitignore: ['/build/', '/dist/', '.jsii', 'tsconfig.tsbuildinfo', '/.scratch*/'],
  githubOptions: { mergify: false },
  buildWorkflow: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
});

// jsii owns tsconfig.json (src only, runtime excluded). This one type-checks EVERYTHING:
// src (incl. the runtime), tests, examples, benches and scripts.
new JsonFile(project, 'tsconfig.dev.json', {
  obj: {
    extends: './tsconfig.json',
    compilerOptions: { noEmit: true, rootDir: '.', types: ['jest', 'node'] },
    include: ['src/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', '.projenrc.ts'],
    exclude: ['node_modules', 'lib', 'dist'],
  },
});

// jsii's tsconfig.json excludes src/runtime, so typed linting must use tsconfig.dev.json
// (projectService would look up tsconfig.json and miss the runtime files).
const eslintrc = project.tryFindObjectFile('.eslintrc.json');
eslintrc?.addDeletionOverride('parserOptions.projectService');
eslintrc?.addOverride('parserOptions.project', './tsconfig.dev.json');
// Tests live in test/ only. projen appends its default src/**/*.spec.ts patterns to testMatch,
// which made jest run src/core/autoscaler/spec.ts (a source file) as a suite: replace them.
project.package.file.addOverride('jest.testMatch', ['<rootDir>/test/**/*.test.ts']);
// The runtime is bundled by esbuild (its deps are devDependencies on purpose); benches, scripts
// and examples are not shipped.
for (const pattern of ['src/runtime/**', 'bench/**', 'scripts/**', 'examples/**']) {
  project.eslint?.allowDevDeps(pattern);
}

// ---------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------

const vendor = project.addTask('vendor:k8s-client', {
  description: 'Bundle the ESM-only @kubernetes/client-node into one CJS file for jest',
  exec: 'node scripts/vendor-k8s-client.mjs',
});

const typecheck = project.addTask('typecheck', {
  description: 'Type-check everything jsii does not compile (runtime, tests, examples, scripts)',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});

// Acceptance of issue 11: no import cycles anywhere in src (type-only imports count too).
const cycles = project.addTask('check:cycles', {
  description: 'Fail on any import cycle in src (madge)',
  exec: 'madge --circular --no-spinner --extensions ts --ts-config tsconfig.dev.json src',
});

// test = vendor client, import cycles, type-check, jest --ci, eslint (projen appends eslint itself).
project.testTask.prependSpawn(typecheck);
project.testTask.prependSpawn(cycles);
project.testTask.prependSpawn(vendor);

// Snapshots are only ever rewritten on purpose, by hand: `npx jest -u <test file>`, then read the
// diff. No task writes them (CI runs `jest --ci`).
project.tasks.removeTask('test:update');

project.addTask('synth', {
  description: 'Synthesize every example into dist/manifests/<example>/ and print a traffic table per service/route',
  exec: 'ts-node --project tsconfig.dev.json scripts/synth-examples.ts',
  receiveArgs: true,
});

const tsNode = 'ts-node --project tsconfig.dev.json';
project.addTask('bench:synth', {
  description: 'Benchmark: synth+validate N KnServices vs raw ApiObjects vs cdk8s-plus Deployment+Service (N = 100, 1000, 10000)',
  exec: 'node --expose-gc -r ts-node/register/transpile-only bench/synth.ts',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
  receiveArgs: true,
});
project.addTask('bench:controller', {
  description: 'Benchmark: 1000 Services until every Route is Ready, in the API emulator and (as root, via test/cluster/netns.sh) on a real kube-apiserver',
  steps: [{ spawn: 'vendor:k8s-client' }, { exec: 'node -r ts-node/register/transpile-only bench/controller.ts', receiveArgs: true }],
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
});
project.addTask('bench:ingress', {
  description: 'Benchmark: ingress vs direct vs nginx doing the same weighted split (installs nginx/wrk from Debian when missing)',
  steps: [{ spawn: 'vendor:k8s-client' }, { exec: 'node -r ts-node/register/transpile-only bench/ingress.ts', receiveArgs: true }],
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
});
project.addTask('bench:autoscale', {
  description: 'Benchmark: cold start added over a 500 ms backend start-up, scale up/to zero, lost requests and RSS per 10,000 held requests (bundled controller + ingress, API emulator in pod mode)',
  steps: [{ spawn: 'vendor:k8s-client' }, { exec: 'node -r ts-node/register/transpile-only bench/autoscale.ts', receiveArgs: true }],
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
});
project.addTask('bench:webhook', {
  description: 'Benchmark: admission webhook AdmissionReview latency (p50/p99) and reviews/s for a typical Service over HTTPS on loopback, at 200 reviews/s and at max rate, vs a fixed-answer HTTPS baseline',
  exec: 'node -r ts-node/register/transpile-only bench/webhook.ts',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
  receiveArgs: true,
});
// Upstream Knative's decider, built from test/autoscaler-upstream (cached) for the differential test.
project.gitignore.exclude('/test/autoscaler-upstream/.bin/');
// Upstream Knative's admission (two versions), built from test/upstream-admission (cached) for the
// conformance test (test/conformance).
project.gitignore.exclude('/test/upstream-admission/.bin/');
project.addTask('conformance', {
  description: 'Upstream conformance: core/rules vs Knative\'s own admission code (two versions), differentially, ending with a RESULT line (README, "Upstream conformance")',
  exec: 'node -r ts-node/register/transpile-only test/conformance/run.ts',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
  receiveArgs: true,
});
project.addTask('autoscale:replay', {
  description: 'Replay an autoscaler trace (JSON file) through the KPA decider and print {"ticks":[...]} (README, "Replaying the autoscaler")',
  exec: 'node -r ts-node/register/transpile-only scripts/autoscale-replay.ts',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
  receiveArgs: true,
});
project.addTask('local', {
  description: 'Local mode: start the API emulator + controller, apply a synthesized example and watch statuses converge',
  steps: [{ spawn: 'vendor:k8s-client' }, { exec: `${tsNode} scripts/local.ts`, receiveArgs: true }],
});

// Cluster tier: upstream etcd/kube-apiserver/kube-controller-manager/kubectl built from the pinned
// Go module in test/cluster/go (cached), tests run inside a private network namespace.
project.gitignore.exclude('/test/cluster/.bin/');
project.addTask('build:cluster', {
  description: 'Build etcd, kube-apiserver, kube-controller-manager and kubectl from test/cluster/go into test/cluster/.bin (cached)',
  exec: 'bash test/cluster/build.sh',
});
// kn, the Knative CLI (knative.dev/client pinned in test/cluster/kn/go.mod), for test/cluster/kn.test.ts.
project.addTask('build:kn', {
  description: 'Build kn (knative.dev/client, pinned in test/cluster/kn/go.mod) into test/cluster/.bin/kn (cached) for the kn checks (test/cluster/kn.test.ts)',
  exec: 'bash test/cluster/kn/build.sh',
});
project.addTask('local:real', {
  description: 'Local mode on a real kube-apiserver: start the cluster tier with the bundled runtime, apply an example\'s steps, print statuses, run until Ctrl-C (needs root)',
  exec: 'bash test/cluster/netns.sh npx ts-node --transpile-only --project tsconfig.dev.json test/cluster/local.ts',
  receiveArgs: true,
});
project.addTask('test:cluster', {
  description: 'Cluster tier: jest tests in test/cluster against a real kube-apiserver (needs root: runs in a private network namespace)',
  exec: 'bash test/cluster/netns.sh npx jest -c test/cluster/jest.config.cjs',
  receiveArgs: true,
});

// Knative Serving's own conformance suite (knative.dev/serving v0.44.1 = Knative 1.17.1) and its test
// images, built from test/knative-conformance (cached), run on the cluster tier (README "Knative's
// conformance suite"). Not in .ci/run yet.
project.gitignore.exclude('/test/knative-conformance/.bin/');
project.addTask('conformance:knative', {
  description: 'Knative Serving 1.17.1\'s own conformance suite (api/v1, api/v1beta1, runtime) and the kn checks on the cluster tier, ending with a RESULT line (needs root)',
  exec: 'bash test/knative-conformance/build.sh && bash test/cluster/kn/build.sh && bash test/cluster/netns.sh npx ts-node --transpile-only --project tsconfig.dev.json test/cluster/knative-conformance.ts',
  receiveArgs: true,
});

project.addTask('e2e', {
  description: 'The cluster tier end to end (scenarios, each compared with the emulator, and faults on a real kube-apiserver), ending with a RESULT line (needs root)',
  exec: 'bash test/cluster/netns.sh npx ts-node --transpile-only --project tsconfig.dev.json test/cluster/e2e.ts',
  receiveArgs: true,
});

// Python, Java and Go for real (README "Other languages"): jsii-pacmak builds the wheel, the jar
// and the Go module into build/bindings/, each language runs its ports of three examples
// (examples/bindings/) and one bad input, and compares the YAML with TypeScript's. Not part of
// `build` (Maven/PyPI/Go downloads and three toolchains); .ci/run runs it after the build.
project.gitignore.exclude('/examples/bindings/java/target/');
project.gitignore.exclude('/examples/bindings/go/readme/');
project.addTask('bindings', {
  description: 'Build the Python wheel, Java jar and Go module, run the examples\' ports in each language and compare with TypeScript, ending with a RESULT line (README, "Other languages")',
  exec: 'node -r ts-node/register/transpile-only scripts/bindings.ts',
  env: { TS_NODE_PROJECT: 'tsconfig.dev.json' },
  receiveArgs: true,
});

project.addTask('build:runtime', {
  description: 'Bundle the controller, ingress and admission webhook into one JS file each (dist/runtime/*.js)',
  exec: 'node scripts/build-runtime.mjs',
});

// Generate python/java/dotnet/go sources on every build (code only, to keep `build` fast):
// `npm run bindings` builds and runs the Python, Java and Go packages; .NET stays code-only
// (NuGet is not reachable here).
project.packageTask.reset();
project.packageTask.exec('jsii-pacmak -v --target js');
project.packageTask.exec('jsii-pacmak -v --code-only --target python --target java --target dotnet --target go');
project.tasks.tryFind('package-all')?.reset();
project.tasks.tryFind('package-all')?.spawn(project.packageTask);
// API reference per language next to API.md (API.python.md, API.java.md, API.go.md), one jsii-docgen run.
project.tasks.tryFind('docgen')?.exec('jsii-docgen -l python -l java -l go -o API');

project.addPackageIgnore('/examples/');
project.addPackageIgnore('/scripts/');
project.addPackageIgnore('/build/');
project.addPackageIgnore('/bench/');
project.addPackageIgnore('Dockerfile');
// Contributor and CI files: users get lib/, .jsii, README.md, API.md, LICENSE and package.json only
// (test/package-contents.test.ts pins the list).
project.addPackageIgnore('/.ci/');
project.addPackageIgnore('/.dockerignore');
project.addPackageIgnore('/tsconfig.dev.json');
project.addPackageIgnore('/docs/');
// Per-language API references are for the Python/Java/Go packages, not the npm one.
project.addPackageIgnore('/API.*.md');

project.synth();

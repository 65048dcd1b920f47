// esbuild options for the bundled runtime, shared by the production build
// (scripts/build-runtime.mjs), the benches and the tests that run the shipped bundle, so that
// what we measure and test is what we ship.
const { join } = require('node:path');

const shim = join(__dirname, 'k8s-client-shim.mjs');

/** Resolve `@kubernetes/client-node` to the shim that re-exports only what the runtime uses. */
const k8sClientShim = {
  name: 'k8s-client-shim',
  setup(build) {
    build.onResolve({ filter: /^@kubernetes\/client-node$/ }, (args) => (args.importer === shim ? undefined : { path: shim }));
  },
};

/** @param {import('esbuild').BuildOptions} overrides */
function runtimeBuildOptions(overrides = {}) {
  return {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Minified code is ~20 MB lighter in memory once loaded; keepNames keeps class/function
    // names (logs, stack traces) and the source map keeps stack traces readable.
    minify: true,
    keepNames: true,
    sourcemap: true,
    // Optional native accelerators of `ws`; loaded inside try/catch when present.
    external: ['bufferutil', 'utf-8-validate'],
    plugins: [k8sClientShim],
    logLevel: 'warning',
    ...overrides,
  };
}

module.exports = { runtimeBuildOptions };

// @kubernetes/client-node 1.x ships ES modules only, while jest runs our TypeScript as CommonJS.
// Bundle the real client (unchanged) into one CJS file that jest maps the import to
// (see moduleNameMapper in package.json). The production runtime bundles it with esbuild too.
import { build } from 'esbuild';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const out = 'build/vendor/kubernetes-client-node.cjs';
const pkgJson = require.resolve('@kubernetes/client-node/package.json');
const entry = join(dirname(pkgJson), 'dist', 'index.js');

if (existsSync(out) && statSync(out).mtimeMs > statSync(pkgJson).mtimeMs) {
  process.exit(0); // up to date
}
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: out,
  logLevel: 'warning',
});
console.log(`vendored @kubernetes/client-node -> ${out}`);

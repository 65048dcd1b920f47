// Bundle the bundled runtime (controller, ingress, admission webhook) into one CommonJS file each:
//   src/runtime/controller/main.ts -> dist/runtime/controller.js (+ .map)
//   src/runtime/ingress/main.ts    -> dist/runtime/ingress.js    (+ .map)
//   src/runtime/webhook/main.ts    -> dist/runtime/webhook.js    (+ .map)
// Everything (including the ESM-only @kubernetes/client-node) is inlined, so the image needs
// no node_modules. A missing entry point is skipped with a message (exit 0), so the task runs
// while a component is still being written; a build error fails the task.
//
// Usage: node scripts/build-runtime.mjs [controller|ingress ...]
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'runtime');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const ENTRIES = {
  controller: 'src/runtime/controller/main.ts',
  ingress: 'src/runtime/ingress/main.ts',
  webhook: 'src/runtime/webhook/main.ts',
};

const wanted = process.argv.slice(2);
for (const w of wanted) {
  if (!(w in ENTRIES)) {
    console.error(`build-runtime: unknown component "${w}" (expected one of: ${Object.keys(ENTRIES).join(', ')})`);
    process.exit(2);
  }
}
const { runtimeBuildOptions } = createRequire(import.meta.url)('./runtime-build-options.cjs');
const components = wanted.length > 0 ? wanted : Object.keys(ENTRIES);

// The runtime reads client-node values as `k8s.<Name>` (src/runtime/controller/k8s.ts), which
// esbuild cannot check against the shim's export list: a name missing there only fails when the
// bundled process runs. Check every `k8s.<Name>` used under src/runtime against the shim here.
{
  const shim = readFileSync(join(root, 'scripts', 'k8s-client-shim.mjs'), 'utf8');
  const exported = new Set([...shim.matchAll(/^\s+([A-Za-z]\w*),?$/gm)].map((m) => m[1]));
  const missing = new Map();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/\bk8s\.([A-Z]\w*|makeInformer|createConfiguration)\b/g)) {
          if (!exported.has(m[1])) missing.set(m[1], relative(root, p));
        }
      }
    }
  };
  walk(join(root, 'src', 'runtime'));
  if (missing.size > 0) {
    for (const [name, file] of missing) console.error(`build-runtime: ${file} uses k8s.${name}, which scripts/k8s-client-shim.mjs does not export: add it there`);
    process.exit(1);
  }
}

mkdirSync(outdir, { recursive: true });
let built = 0;
let failed = 0;
for (const name of components) {
  const entry = join(root, ENTRIES[name]);
  const outfile = join(outdir, `${name}.js`);
  if (!existsSync(entry)) {
    console.warn(`build-runtime: skipping ${name}: entry point ${ENTRIES[name]} does not exist yet`);
    continue;
  }
  try {
    const result = await build({
      ...runtimeBuildOptions(),
      entryPoints: [entry],
      outfile,
      sourcesContent: true,
      define: { 'process.env.CDK8S_KNATIVE_SERVING_VERSION': JSON.stringify(version) },
      banner: { js: `// cdk8s-knative-serving ${name} ${version} (bundled by scripts/build-runtime.mjs)` },
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs).length;
    const kib = (statSync(outfile).size / 1024).toFixed(0);
    console.log(`build-runtime: ${ENTRIES[name]} -> ${relative(root, outfile)} (${kib} KiB, ${inputs} inputs)`);
    built++;
  } catch (e) {
    // esbuild already printed the diagnostics.
    console.error(`build-runtime: ${name} failed: ${e.message.split('\n')[0]}`);
    failed++;
  }
}
console.log(`build-runtime: ${built} built, ${components.length - built - failed} skipped, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

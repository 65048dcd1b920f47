/**
 * What `npm publish` ships: the compiled library (lib/*.js, lib/*.d.ts), the jsii assembly, and the
 * user docs (README, API reference, CHANGELOG, which npm always includes); nothing from the
 * repository's contributor, CI or runtime-build tooling.
 * (Needs a compiled lib/: `npx projen build` compiles before it tests.)
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const TOP_LEVEL = ['.jsii', 'API.md', 'CHANGELOG.md', 'LICENSE', 'README.md', 'package.json'];

test('npm pack ships only lib/, .jsii, README.md, API.md, CHANGELOG.md, LICENSE and package.json', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path).sort();
  const outside = files.filter((f) => !f.startsWith('lib/') && !TOP_LEVEL.includes(f));
  expect(outside).toEqual([]);
  expect(files.filter((f) => !f.startsWith('lib/'))).toEqual([...TOP_LEVEL].sort());
  const lib = files.filter((f) => f.startsWith('lib/'));
  expect(lib.length).toBeGreaterThan(10);
  expect(lib.filter((f) => !/\.(js|d\.ts)$/.test(f))).toEqual([]);
  // The bundled runtime is not part of the library.
  expect(lib.filter((f) => f.startsWith('lib/runtime/'))).toEqual([]);
});

/**
 * Jest global teardown: fails the run when a test leaked into the temp dir. Leaks are anything
 * left in the run's root after every file's own directory was removed, and any new
 * `cdk8s.outdir.*` (or other test-made) entry in the real temp dir, which only code that ignores
 * TMPDIR can create.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LEAK_PATTERNS, RUN_ROOT_ENV, SYSTEM_TMP_ENV } from './tmp-contract';

export default function globalTeardown(): void {
  const root = process.env[RUN_ROOT_ENV];
  const systemTmp = process.env[SYSTEM_TMP_ENV];
  if (root === undefined || systemTmp === undefined) return;
  // A file whose tests were all skipped runs no hooks (jest-circus), so its own directory stays,
  // empty: not a leak. Anything with content is.
  const leftInRoot = fs.existsSync(root)
    ? fs.readdirSync(root).map((n) => path.join(root, n)).filter((p) => !(/^jest-file-/.test(path.basename(p)) && isEmptyDir(p)))
    : [];
  fs.rmSync(root, { recursive: true, force: true });
  const before = new Set((globalThis as Record<string, unknown>).__tmpLeakBaseline as string[] | undefined ?? []);
  const escaped = fs.readdirSync(systemTmp)
    .filter((n) => LEAK_PATTERNS.some((p) => p.test(n)) && !before.has(n))
    .map((n) => path.join(systemTmp, n));
  const leaks = [...leftInRoot, ...escaped];
  if (leaks.length > 0) {
    throw new Error(`the test run leaked ${leaks.length} temp entries (tests must remove what they create): ${leaks.slice(0, 10).join(', ')}${leaks.length > 10 ? ', …' : ''}`);
  }
}

function isEmptyDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory() && fs.readdirSync(p).length === 0;
  } catch {
    return false;
  }
}

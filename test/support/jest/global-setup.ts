/**
 * Jest global setup: every test run gets its own temp root, and every worker inherits it as
 * TMPDIR, so whatever a test (or a process it starts) puts in the temp dir lands there.
 * `per-file.ts` gives each test file its own directory below it and removes it after the file;
 * `global-teardown.ts` fails the run if anything was left behind or escaped to the real temp dir.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LEAK_PATTERNS, RUN_ROOT_ENV, SYSTEM_TMP_ENV } from './tmp-contract';

export default function globalSetup(): void {
  const systemTmp = os.tmpdir();
  const root = fs.mkdtempSync(path.join(systemTmp, 'cdk8s-knative-test-'));
  const before = fs.readdirSync(systemTmp).filter((n) => LEAK_PATTERNS.some((p) => p.test(n)));
  process.env[SYSTEM_TMP_ENV] = systemTmp;
  process.env[RUN_ROOT_ENV] = root;
  process.env.TMPDIR = root;
  (globalThis as Record<string, unknown>).__tmpLeakBaseline = before;
}

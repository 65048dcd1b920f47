/**
 * Runs before each test file (setupFilesAfterEnv): the file gets a temp dir of its own below the
 * run's root, as TMPDIR, so `Testing.app()` outdirs, kubeconfigs and emulator files go there;
 * after the file it is removed, whatever the outcome.
 */
import * as fs from 'node:fs';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself (a namespace import is read-only)
import os = require('node:os');
import * as path from 'node:path';
import { RUN_ROOT_ENV } from './tmp-contract';

const root = process.env[RUN_ROOT_ENV];
if (root !== undefined) {
  const dir = fs.mkdtempSync(path.join(root, 'jest-file-'));
  // Jest gives each test file a copy of process.env, which `os.tmpdir()` (the real module) does not
  // read: redirect both, the env for child processes and os.tmpdir() for in-process code.
  const previousEnv = process.env.TMPDIR;
  const previousTmpdir = os.tmpdir;
  process.env.TMPDIR = dir;
  os.tmpdir = (): string => dir;
  afterAll(() => {
    process.env.TMPDIR = previousEnv;
    os.tmpdir = previousTmpdir;
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

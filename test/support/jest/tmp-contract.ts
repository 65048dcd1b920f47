/** Shared by the jest temp-dir setup files (see global-setup.ts). */

/** The temp dir of the run's parent process (before TMPDIR was redirected). */
export const SYSTEM_TMP_ENV = 'CDK8S_KNATIVE_SYSTEM_TMPDIR';
/** The run's temp root (TMPDIR of every worker). */
export const RUN_ROOT_ENV = 'CDK8S_KNATIVE_TEST_TMP_ROOT';
/** Names our tests create in a temp dir: one appearing in the real temp dir during a run is a leak. */
export const LEAK_PATTERNS: readonly RegExp[] = [/^cdk8s\.outdir\./, /^emu-cli-/, /^kc-/, /^jest-file-/];

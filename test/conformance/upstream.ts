/**
 * Upstream Knative's admission, run by the Go program in test/upstream-admission (one binary per
 * Knative version, built from knative.dev/serving by its build.sh, cached): every case goes
 * through one process per version as a JSON line; one verdict line comes back per case.
 */
import { spawnSync } from 'child_process';
import { join } from 'path';
import type { ConfigMapData } from '../../src/core/config';
import type { KubeObject } from '../../src/core/types';

const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'test', 'upstream-admission');

/** A Knative version the conformance test runs, and the knative.dev/serving module it is built from. */
export interface UpstreamVersion {
  /** Knative release (`1.17.1`). */
  readonly knative: string;
  /** knative.dev/serving module version (`v0.44.1`). */
  readonly module: string;
  /** Binary under test/upstream-admission/.bin. */
  readonly binary: string;
  /** config-features flags this version does not have (a config enabling one is not judged by it). */
  readonly absentFlags: readonly string[];
}

/** The versions built by test/upstream-admission/build.sh (go.mod and knative-1.23.mod pin them). */
export const UPSTREAM_VERSIONS: readonly UpstreamVersion[] = [
  {
    knative: '1.17.1',
    module: 'v0.44.1',
    binary: 'upstream-admission-1.17',
    // added in 1.18 (csi), 1.19 (mount-propagation), 1.23 (image, ephemeral): README, Compatibility
    absentFlags: ['kubernetes.podspec-volumes-csi', 'kubernetes.podspec-volumes-mount-propagation', 'kubernetes.podspec-volumes-image', 'kubernetes.podspec-volumes-ephemeral'],
  },
  { knative: '1.23.0', module: 'v0.50.0', binary: 'upstream-admission-1.23', absentFlags: [] },
];

/** One JSON Patch operation. */
export interface PatchOp {
  readonly op: string;
  readonly path: string;
  readonly value?: unknown;
}

/** What upstream's webhooks answer for one object on CREATE. */
export interface UpstreamVerdict {
  readonly id: string;
  /** A config map the webhook's config store could not parse. */
  readonly configError?: string;
  /** The object does not decode into the Go type (the webhook denies the request with this). */
  readonly decodeError?: string;
  /** Upstream code panicked on the object. */
  readonly panic?: string;
  /** Error-level validation messages (non-empty: denied). */
  readonly errors: string[];
  /** Warning-level validation messages. */
  readonly warnings: string[];
  /** The defaulting webhook's patch: the Go JSON round trip plus SetDefaults. */
  readonly patch: PatchOp[];
  /** The object the defaulting webhook makes (Go-encoded), when it decoded. */
  readonly defaulted?: KubeObject;
}

/** One object with the config maps the webhook's context holds. */
export interface UpstreamInput {
  readonly id: string;
  readonly object: KubeObject;
  readonly config?: ConfigMapData;
}

/** Whether `go` is on the PATH. */
export function haveGo(): boolean {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
}

/** Build (or find up to date) the binaries; returns build.sh's output. Throws when the build fails. */
export function buildUpstream(): string {
  const r = spawnSync('bash', [join(DIR, 'build.sh')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`test/upstream-admission/build.sh failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

/** Whether upstream denies the CREATE (a config map its config store refuses counts: the config webhook denies it). */
export function upstreamRejects(v: UpstreamVerdict): boolean {
  return v.configError !== undefined || v.decodeError !== undefined || v.panic !== undefined || v.errors.length > 0;
}

/** Whether `version` judges objects admitted under these config maps (it has every flag they enable). */
export function versionJudges(version: UpstreamVersion, config: { 'config-features'?: Record<string, string> } | undefined): boolean {
  const features = config?.['config-features'] ?? {};
  return !version.absentFlags.some((f) => f in features && features[f].toLowerCase() !== 'disabled');
}

/** Run every input through one version's binary (one process); verdicts in input order. */
export function runUpstream(version: UpstreamVersion, inputs: readonly UpstreamInput[]): UpstreamVerdict[] {
  const input = inputs.map((i) => JSON.stringify({ id: i.id, object: i.object, config: i.config ?? {} })).join('\n') + '\n';
  const r = spawnSync(join(DIR, '.bin', version.binary), [], { input, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${version.binary} exited ${r.status}: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== inputs.length) throw new Error(`${version.binary}: ${lines.length} verdicts for ${inputs.length} objects`);
  return lines.map((l, i) => {
    const v = JSON.parse(l) as UpstreamVerdict;
    if (v.id !== inputs[i].id) throw new Error(`${version.binary}: verdict ${i} is for ${v.id}, not ${inputs[i].id}`);
    return v;
  });
}

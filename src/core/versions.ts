/**
 * The Knative Serving versions this library's output targets, and the `config-features` flags
 * that exist only from a later version than the oldest one (read from knative.dev/serving
 * `pkg/apis/config/features.go` at the release tags). PURE module. The README's compatibility
 * table states the same; test/core/versions.test.ts keeps the two in step.
 */

/** The oldest Knative Serving minor version whose admission accepts our output. */
export const OLDEST_KNATIVE_VERSION = '1.17';

/** The newest Knative Serving minor version checked. */
export const NEWEST_KNATIVE_VERSION = '1.23';

/**
 * `config-features` flags introduced after `OLDEST_KNATIVE_VERSION`: flag → the first minor
 * version that has it. An older Knative does not know the flag and does not accept the gated
 * field (its CRD schema does not declare it), whatever `config-features` says.
 */
const FLAG_SINCE: Readonly<Record<string, string>> = {
  'kubernetes.podspec-volumes-csi': '1.18',
  'kubernetes.podspec-volumes-mount-propagation': '1.18',
  'kubernetes.podspec-volumes-image': '1.19',
  'kubernetes.podspec-volumes-ephemeral': '1.23',
};

/** The first Knative Serving minor version that has the `config-features` flag `flag`. */
export function featureFlagSince(flag: string): string {
  return FLAG_SINCE[flag] ?? OLDEST_KNATIVE_VERSION;
}

/** The flags introduced after `OLDEST_KNATIVE_VERSION`, with the version that introduced each. */
export function newerFeatureFlags(): ReadonlyArray<readonly [flag: string, since: string]> {
  return Object.entries(FLAG_SINCE);
}

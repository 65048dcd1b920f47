/** config-features: feature flags (Enabled / Allowed / Disabled). */
import { parseFlagState } from './reader';
import { DEFAULT_FEATURE_FLAGS, FeatureFlags } from './types';

export function parseFeatures(data: Record<string, string>): FeatureFlags {
  const f: FeatureFlags = { ...DEFAULT_FEATURE_FLAGS };
  for (const key of Object.keys(DEFAULT_FEATURE_FLAGS)) {
    const v = data[key];
    if (v === undefined) continue;
    const s = parseFlagState(v);
    if (s !== undefined) f[key] = s; // unknown values: keep default (Knative ignores them)
  }
  return f;
}

/**
 * Default admission chain for serving.knative.dev kinds: exactly what Knative's webhooks do on
 * every create/update, using the shared core rules: the Go JSON round trip (src/core/go-json.ts),
 * SetDefaults, creator / lastModifier annotations (src/core/admission.ts, as the bundled admission
 * webhook), then validation (src/core/rules). The cluster
 * configuration comes from the config-* ConfigMaps in the system namespace (parsed with
 * src/core/config).
 */
import type { StatusCause } from './errors';
import type { AdmissionHook, AdmissionRequest, AdmissionResult } from './store';
import { defaultedForAdmission } from '../../src/core/admission';
import { ConfigError, parseServingConfig, ServingConfig } from '../../src/core/config';
import { AdmissionContext, validate } from '../../src/core/rules';
import type { KubeObject } from '../../src/core/types';

/** Collect the data maps of config-* ConfigMaps, keyed by ConfigMap name. */
export function configMapData(cms: KubeObject[]): Record<string, Record<string, string>> {
  const data: Record<string, Record<string, string>> = {};
  for (const cm of cms) {
    if (cm.metadata.name?.startsWith('config-')) data[cm.metadata.name] = { ...((cm as any).data ?? {}) };
  }
  return data;
}

let cacheKey = '';
let cached: ServingConfig | undefined;

/**
 * Parse the config-* ConfigMaps into a ServingConfig (undefined when none exist, so the rules use
 * Knative's defaults). Invalid ConfigMaps are ignored, as Knative keeps its last good config.
 */
export function configFromConfigMaps(cms: KubeObject[]): ServingConfig | undefined {
  const relevant = cms.filter((cm) => cm.metadata.name?.startsWith('config-'));
  if (relevant.length === 0) return undefined;
  const key = relevant.map((cm) => `${cm.metadata.uid}@${cm.metadata.resourceVersion}`).join(',');
  if (key === cacheKey) return cached;
  try {
    cached = parseServingConfig(configMapData(relevant));
  } catch {
    cached = undefined;
  }
  cacheKey = key;
  return cached;
}

/** Which kinds skip validation on /status writes (reference §2.2: only Route validates its spec then). */
const VALIDATE_ON_STATUS = new Set(['Route']);

/**
 * The admission hook the emulator installs by default. On create/update: goJsonRoundTrip →
 * applyDefaults → applyUserInfo(user) → validate. On /status writes: no defaulting; Route is
 * still validated.
 */
export function defaultAdmission(): AdmissionHook {
  return (obj: KubeObject, req: AdmissionRequest): AdmissionResult => {
    const ctx: AdmissionContext = { operation: req.operation, old: req.old };
    if (req.config) ctx.config = req.config as AdmissionContext['config'];
    if (req.subresource === 'status') {
      if (!VALIDATE_ON_STATUS.has(obj.kind)) return { object: obj, violations: [] };
      return { object: obj, violations: validate(obj, ctx) };
    }
    // Knative's defaulting webhook, as the bundled admission webhook computes it (src/core/admission.ts):
    // the Go JSON round trip (roundTripPatch), SetDefaults, creator/lastModifier.
    const object = defaultedForAdmission({ operation: req.operation, object: obj, old: req.old, user: req.user, config: ctx.config });
    return { object, violations: validate(object, ctx) };
  };
}

/** The ConfigMaps Knative's config webhook (config.webhook.serving.knative.dev) validates. */
export const KNATIVE_CONFIG_MAPS = [
  'config-defaults', 'config-features', 'config-autoscaler', 'config-network', 'config-domain', 'config-gc', 'config-deployment',
];

/**
 * Knative's config validation webhook: a config-* ConfigMap in the system namespace must parse with
 * the same parser the controllers use. Returns the causes (empty when valid).
 */
export function validateKnativeConfigMap(cm: KubeObject): StatusCause[] {
  const name = cm.metadata.name ?? '';
  if (!KNATIVE_CONFIG_MAPS.includes(name)) return [];
  try {
    parseServingConfig({ [name]: { ...((cm as any).data ?? {}) } });
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return [{ reason: 'FieldValueInvalid', field: `data[${e.key}]`, message: e.message }];
    return [{ reason: 'FieldValueInvalid', field: 'data', message: e instanceof Error ? e.message : String(e) }];
  }
}

/**
 * Cluster configuration: Knative Serving's ConfigMaps (reference §11.1, §12), one parser per
 * ConfigMap as Knative keeps them.
 *
 * `parseServingConfig` turns ConfigMap `data` maps (keyed by ConfigMap name) into a typed
 * `ServingConfig`, filling in the 1.17 defaults. Bad values throw `ConfigError`, naming the
 * ConfigMap, the key, the offending value and how to fix it.
 */
import { parseAutoscaler } from './config-autoscaler';
import { parseDefaults } from './config-defaults';
import { parseDeployment } from './config-deployment';
import { parseDomain } from './config-domain';
import { parseFeatures } from './config-features';
import { parseGc } from './config-gc';
import { parseNetwork } from './config-network';
import { ConfigMapData, DEFAULT_CLUSTER_DOMAIN, defaultServingConfig, ServingConfig } from './types';

export * from './types';
export { parseGoDuration, formatGoDuration } from './duration';
export { renderTemplate, TemplateValues } from './template';
export { OBJECT_META_TEMPLATE_SAMPLE } from './config-defaults';
export { parseDomainSelector } from './config-domain';

/** The ConfigMaps `parseServingConfig` reads (in the system namespace), in render order. */
export const SERVING_CONFIG_MAP_NAMES: readonly string[] = Object.freeze([
  'config-defaults', 'config-features', 'config-autoscaler', 'config-network', 'config-domain', 'config-gc', 'config-deployment',
]);

/**
 * Parse ConfigMap data maps keyed by ConfigMap name ('config-defaults', 'config-features',
 * 'config-autoscaler', 'config-network', 'config-domain', 'config-gc', 'config-deployment').
 * Missing maps/keys take the 1.17 defaults; `_example` keys are ignored everywhere.
 * Throws ConfigError on bad values.
 */
export function parseServingConfig(data: ConfigMapData, clusterDomain: string = DEFAULT_CLUSTER_DOMAIN): ServingConfig {
  const cfg = defaultServingConfig(clusterDomain || DEFAULT_CLUSTER_DOMAIN);
  const get = (name: string): Record<string, string> | undefined => {
    const d = data?.[name];
    if (!d) return undefined;
    const copy: Record<string, string> = {};
    for (const [k, v] of Object.entries(d)) {
      if (k !== '_example' && v !== undefined && v !== null) copy[k] = String(v);
    }
    return copy;
  };
  const defaults = get('config-defaults');
  if (defaults) cfg.defaults = parseDefaults(defaults);
  const features = get('config-features');
  if (features) cfg.features = parseFeatures(features);
  const autoscaler = get('config-autoscaler');
  if (autoscaler) cfg.autoscaler = parseAutoscaler(autoscaler);
  const network = get('config-network');
  if (network) cfg.network = parseNetwork(network);
  const domain = get('config-domain');
  if (domain) cfg.domain = parseDomain(domain);
  const gc = get('config-gc');
  if (gc) cfg.gc = parseGc(gc);
  const deployment = get('config-deployment');
  if (deployment) cfg.deployment = parseDeployment(deployment);
  return cfg;
}

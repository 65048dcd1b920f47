/**
 * Typed cluster configuration → Knative's ConfigMaps (`config-domain`, `config-network`,
 * `config-gc`, `config-defaults`, `config-features`), validated eagerly with the same parser the
 * runtime uses (`parseServingConfig` in src/core/config.ts), plus checks of our own that name the
 * construct prop and suggest a fix. Internal: not exported from the package.
 */
import { Duration } from 'cdk8s';
import type { ServingControlPlaneProps } from './serving-control-plane';
import { FeatureSettings } from './settings';
import { ConfigError, DEFAULT_DOMAIN_TEMPLATE, DEFAULT_FEATURE_FLAGS, DEFAULT_TAG_TEMPLATE, formatGoDuration, parseServingConfig } from '../core/config';
import { checkHost, renderDomainTemplate, renderTagTemplate } from '../core/hosts';
import { isDns1123Label, isDns1123Subdomain, isQualifiedName } from '../core/names';

/** Inputs of `renderServingConfig`: the construct's config props plus the resolved cluster domain. */
export type ServingConfigInput = Pick<ServingControlPlaneProps,
  'defaultDomain' | 'domainSelectors' | 'network' | 'gc' | 'defaults' | 'features'> & { readonly clusterDomain: string };

/** Names of every ConfigMap the runtime reads, in render order. */
export const CONFIG_MAP_NAMES = [
  'config-defaults', 'config-features', 'config-autoscaler', 'config-network', 'config-domain', 'config-gc', 'config-deployment',
];

const FLAG_KEYS: Array<[keyof FeatureSettings, string]> = [
  ['tagHeaderBasedRouting', 'tag-header-based-routing'],
  ['multiContainer', 'multi-container'],
  ['podSpecFieldRef', 'kubernetes.podspec-fieldref'],
  ['podSpecAffinity', 'kubernetes.podspec-affinity'],
  ['podSpecNodeSelector', 'kubernetes.podspec-nodeselector'],
  ['podSpecTolerations', 'kubernetes.podspec-tolerations'],
  ['podSpecSecurityContext', 'kubernetes.podspec-securitycontext'],
  ['podSpecInitContainers', 'kubernetes.podspec-init-containers'],
  ['podSpecVolumesEmptyDir', 'kubernetes.podspec-volumes-emptydir'],
  ['podSpecPersistentVolumeClaim', 'kubernetes.podspec-persistent-volume-claim'],
  ['securePodDefaults', 'secure-pod-defaults'],
];

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Error thrown for a bad ServingControlPlane prop: names the prop, the value and the fix. */
export function propError(prop: string, value: unknown, problem: string, fix: string): Error {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return new Error(`ServingControlPlane: invalid ${prop} ${shown}: ${problem}. Fix: ${fix}`);
}

function wholeSeconds(prop: string, d: Duration, min: number): number {
  const ms = d.toMilliseconds();
  if (ms % 1000 !== 0) {
    throw propError(prop, `${ms}ms`, 'must be a whole number of seconds', `use e.g. Duration.seconds(${Math.max(min, Math.round(ms / 1000))})`);
  }
  const s = ms / 1000;
  if (s < min) throw propError(prop, `${s}s`, `must be at least ${min}s`, `use a duration of ${min}s or more`);
  return s;
}

function nonNegativeInt(prop: string, n: number, min = 0): number {
  if (!Number.isInteger(n) || n < min) {
    throw propError(prop, n, `must be an integer ≥ ${min}`, `use a whole number such as ${Math.max(min, Math.round(Math.abs(n)) || min)}`);
  }
  return n;
}

function checkDomain(prop: string, domain: string, clusterDomain: string): void {
  if (!isDns1123Subdomain(domain)) {
    throw propError(prop, domain, 'is not a valid DNS-1123 subdomain (lower-case alphanumerics, "-" and ".")', 'use a domain such as "example.com"');
  }
  if (domain === `svc.${clusterDomain}`) {
    throw propError(prop, domain, 'is the cluster-local domain; Routes already use it when nothing else matches', 'omit it, or label Routes with networking.knative.dev/visibility=cluster-local');
  }
}

/**
 * The construct prop that renders `key` of `configMap`, and the value as that prop shows it
 * (e.g. `config-network: rollout-duration "300"` → `network.rolloutDuration`, `300s`), for
 * messages about rendered settings.
 */
export function propOfConfigKey(configMap: string, key: string, value: string): { prop: string; value: unknown } {
  switch (`${configMap}/${key}`) {
    case 'config-network/rollout-duration': return { prop: 'network.rolloutDuration', value: `${value}s` };
    case 'config-defaults/container-concurrency': return { prop: 'defaults.containerConcurrency', value: Number(value) };
    default: break;
  }
  if (configMap === 'config-features') {
    const typed = FLAG_KEYS.find(([, k]) => k === key);
    return { prop: typed ? `features.${typed[0]}` : `features.additionalFlags["${key}"]`, value };
  }
  return { prop: `${configMap}: ${key}`, value };
}

/**
 * Render the ConfigMap `data` maps (keyed by ConfigMap name) for the given settings, rendering only
 * keys that were set. Throws an Error naming the prop, the value and a fix on bad input.
 */
export function renderServingConfig(input: ServingConfigInput): { [configMap: string]: { [key: string]: string } } {
  const data: { [configMap: string]: { [key: string]: string } } = {};
  for (const n of CONFIG_MAP_NAMES) data[n] = {};

  // config-domain
  if (input.defaultDomain !== undefined) {
    checkDomain('defaultDomain', input.defaultDomain, input.clusterDomain);
    data['config-domain'][input.defaultDomain] = '';
  }
  (input.domainSelectors ?? []).forEach((sel, i) => {
    const prop = `domainSelectors[${i}]`;
    checkDomain(`${prop}.domain`, sel.domain, input.clusterDomain);
    if (Object.prototype.hasOwnProperty.call(data['config-domain'], sel.domain)) {
      throw propError(`${prop}.domain`, sel.domain, 'is configured twice', 'give each domain one selector (or use it as defaultDomain only)');
    }
    const keys = Object.keys(sel.selector ?? {}).sort();
    if (keys.length === 0) {
      throw propError(`${prop}.selector`, '{}', 'must contain at least one label', `use defaultDomain: '${sel.domain}' for a domain without a selector`);
    }
    for (const k of keys) {
      if (!isQualifiedName(k)) throw propError(`${prop}.selector key`, k, 'is not a valid label key', 'use e.g. "app" or "example.com/tier"');
      const v = sel.selector[k];
      if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
        throw propError(`${prop}.selector["${k}"]`, v, 'is not a valid label value', 'use ≤ 63 alphanumerics, "-", "_" or "."');
      }
    }
    data['config-domain'][sel.domain] = 'selector:\n' + keys.map(k => `  ${k}: ${JSON.stringify(sel.selector[k])}`).join('\n') + '\n';
  });

  // config-network
  const net = input.network ?? {};
  const domainTemplate = net.domainTemplate ?? DEFAULT_DOMAIN_TEMPLATE;
  const tagTemplate = net.tagTemplate ?? DEFAULT_TAG_TEMPLATE;
  const sampleDomain = input.defaultDomain ?? input.domainSelectors?.[0]?.domain ?? 'example.com';
  if (net.domainTemplate !== undefined) {
    let host: string;
    try {
      host = renderDomainTemplate(domainTemplate, { Name: 'hello', Namespace: 'default', Domain: sampleDomain });
    } catch (e) {
      throw propError('network.domainTemplate', domainTemplate, (e as Error).message, `use a template such as "${DEFAULT_DOMAIN_TEMPLATE}"`);
    }
    const err = checkHost(host);
    if (err) {
      throw propError('network.domainTemplate', domainTemplate,
        `for Route "hello" in namespace "default" with domain "${sampleDomain}" it renders "${host}", which is not a valid host (${err})`,
        `render a bare host name with at least two labels, e.g. "${DEFAULT_DOMAIN_TEMPLATE}" or "{{.Name}}-{{.Namespace}}.{{.Domain}}"`);
    }
    if (!domainTemplate.includes('.Name')) {
      throw propError('network.domainTemplate', domainTemplate, 'does not use {{.Name}}, so every Route (and every tag) would get the same host',
        `include {{.Name}}, e.g. "${DEFAULT_DOMAIN_TEMPLATE}"`);
    }
    data['config-network']['domain-template'] = domainTemplate;
  }
  if (net.tagTemplate !== undefined) {
    let part: string;
    try {
      part = renderTagTemplate(tagTemplate, { Tag: 'candidate', Name: 'hello' });
    } catch (e) {
      throw propError('network.tagTemplate', tagTemplate, (e as Error).message, `use a template such as "${DEFAULT_TAG_TEMPLATE}" (variables: .Tag, .Name)`);
    }
    if (!tagTemplate.includes('.Tag')) {
      throw propError('network.tagTemplate', tagTemplate, 'does not use {{.Tag}}, so all tags of a Route would share one host', `include {{.Tag}}, e.g. "${DEFAULT_TAG_TEMPLATE}"`);
    }
    if (!isDns1123Label(part)) {
      throw propError('network.tagTemplate', tagTemplate, `for tag "candidate" of Route "hello" it renders "${part}", which is not a DNS label (it also names the tag's Kubernetes Service)`,
        `render a single DNS label, e.g. "${DEFAULT_TAG_TEMPLATE}" or "{{.Name}}-{{.Tag}}"`);
    }
    data['config-network']['tag-template'] = tagTemplate;
  }
  if (net.domainTemplate !== undefined || net.tagTemplate !== undefined) {
    // The combination must still give a valid host for a tagged target.
    const tagName = renderTagTemplate(tagTemplate, { Tag: 'candidate', Name: 'hello' });
    const host = renderDomainTemplate(domainTemplate, { Name: tagName, Namespace: 'default', Domain: sampleDomain });
    const err = checkHost(host);
    if (err) {
      throw propError('network.tagTemplate', tagTemplate, `combined with the domain template it renders the tag host "${host}" (${err})`,
        'make the tag template render a DNS label that the domain template places in the host');
    }
  }
  if (net.defaultExternalScheme !== undefined) data['config-network']['default-external-scheme'] = net.defaultExternalScheme;
  if (net.rolloutDuration !== undefined) {
    data['config-network']['rollout-duration'] = String(wholeSeconds('network.rolloutDuration', net.rolloutDuration, 0));
  }

  // config-gc
  const gc = input.gc ?? {};
  if (gc.retainSinceCreateTime !== undefined) {
    data['config-gc']['retain-since-create-time'] = formatGoDuration(wholeSeconds('gc.retainSinceCreateTime', gc.retainSinceCreateTime, 0));
  }
  if (gc.retainSinceLastActiveTime !== undefined) {
    data['config-gc']['retain-since-last-active-time'] = formatGoDuration(wholeSeconds('gc.retainSinceLastActiveTime', gc.retainSinceLastActiveTime, 0));
  }
  const min = gc.minNonActiveRevisions !== undefined ? nonNegativeInt('gc.minNonActiveRevisions', gc.minNonActiveRevisions) : undefined;
  const max = gc.maxNonActiveRevisions !== undefined ? nonNegativeInt('gc.maxNonActiveRevisions', gc.maxNonActiveRevisions) : undefined;
  if ((min ?? 20) > (max ?? 1000)) {
    throw propError('gc.minNonActiveRevisions', min ?? 20, `must be ≤ gc.maxNonActiveRevisions (${max ?? 1000})`,
      'lower minNonActiveRevisions or raise maxNonActiveRevisions');
  }
  if (min !== undefined) data['config-gc']['min-non-active-revisions'] = String(min);
  if (max !== undefined) data['config-gc']['max-non-active-revisions'] = String(max);

  // config-defaults
  const d = input.defaults ?? {};
  const timeout = d.revisionTimeout !== undefined ? wholeSeconds('defaults.revisionTimeout', d.revisionTimeout, 1) : undefined;
  const maxTimeout = d.maxRevisionTimeout !== undefined ? wholeSeconds('defaults.maxRevisionTimeout', d.maxRevisionTimeout, 1) : undefined;
  if ((timeout ?? 300) > (maxTimeout ?? 600)) {
    throw propError('defaults.revisionTimeout', `${timeout ?? 300}s`, `must be ≤ defaults.maxRevisionTimeout (${maxTimeout ?? 600}s)`,
      'lower revisionTimeout or raise maxRevisionTimeout');
  }
  const cc = d.containerConcurrency !== undefined ? nonNegativeInt('defaults.containerConcurrency', d.containerConcurrency) : undefined;
  const ccMax = d.containerConcurrencyMaxLimit !== undefined ? nonNegativeInt('defaults.containerConcurrencyMaxLimit', d.containerConcurrencyMaxLimit, 1) : undefined;
  if ((cc ?? 0) > (ccMax ?? 1000)) {
    throw propError('defaults.containerConcurrency', cc, `must be ≤ defaults.containerConcurrencyMaxLimit (${ccMax ?? 1000})`,
      'lower containerConcurrency or raise containerConcurrencyMaxLimit');
  }
  if (timeout !== undefined) data['config-defaults']['revision-timeout-seconds'] = String(timeout);
  if (maxTimeout !== undefined) data['config-defaults']['max-revision-timeout-seconds'] = String(maxTimeout);
  if (cc !== undefined) data['config-defaults']['container-concurrency'] = String(cc);
  if (ccMax !== undefined) data['config-defaults']['container-concurrency-max-limit'] = String(ccMax);

  // config-features
  const f = input.features ?? {};
  for (const [prop, key] of FLAG_KEYS) {
    const v = f[prop];
    if (v !== undefined) data['config-features'][key] = v as string;
  }
  for (const [key, value] of Object.entries(f.additionalFlags ?? {})) {
    if (Object.prototype.hasOwnProperty.call(data['config-features'], key)) {
      const typed = FLAG_KEYS.find(([, k]) => k === key)![0];
      throw propError(`features.additionalFlags["${key}"]`, value, `duplicates features.${typed}`, `set it once, via features.${typed}`);
    }
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_FEATURE_FLAGS, key)) {
      throw propError('features.additionalFlags key', key, 'is not a Knative Serving feature flag', `use one of: ${Object.keys(DEFAULT_FEATURE_FLAGS).join(', ')}`);
    }
    if (!['Enabled', 'Allowed', 'Disabled'].includes(value)) {
      throw propError(`features.additionalFlags["${key}"]`, value, 'is not a flag state', 'use "Enabled", "Allowed" or "Disabled"');
    }
    data['config-features'][key] = value;
  }

  // Last line of defence: the runtime's own parser must accept what we render.
  try {
    parseServingConfig(data, input.clusterDomain);
  } catch (e) {
    if (e instanceof ConfigError) throw new Error(`ServingControlPlane: the rendered ConfigMap would be rejected by the runtime: ${e.message}`);
    throw e;
  }
  return data;
}

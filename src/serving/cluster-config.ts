/**
 * Typed cluster configuration → Knative's ConfigMaps (`config-domain`, `config-network`,
 * `config-gc`, `config-defaults`, `config-features`, `config-autoscaler`), validated eagerly with
 * the same parser the runtime uses (`parseServingConfig` in src/core/config), plus checks of
 * our own that name the prop and suggest a fix.
 *
 * One renderer for both users of the typed settings: `ServingConfigMaps` (in a
 * `ServingControlPlane` or on its own) writes its output as ConfigMaps, and
 * `KnativeCluster.configure()` (and a control plane in the app) hand the parsed result to
 * synth-time validation, so the two cannot disagree. `SETTING_KEYS` is the one table of typed
 * prop ↔ ConfigMap key ↔ how the value is checked and written, used for rendering, for messages
 * about rendered keys, and for fixes that name the prop to change. Internal: not exported from
 * the package.
 */
import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { KnativeError } from './errors';
import type { AutoscalerSettings, FeatureSettings, RevisionDefaultsSettings, RevisionGcSettings, ServingConfigSettings } from './settings';
import {
  ConfigError, DEFAULT_DOMAIN_TEMPLATE, DEFAULT_FEATURE_FLAGS, DEFAULT_TAG_TEMPLATE, formatGoDuration, parseGoDuration, parseServingConfig,
  SERVING_CONFIG_MAP_NAMES, ServingConfig,
} from '../core/config';
import { checkHost, clusterLocalDomainOf, renderDomainTemplate, renderTagTemplate } from '../core/hosts';
import { isDns1123Label, isDns1123Subdomain, isQualifiedName } from '../core/names';

/** ConfigMap data maps keyed by ConfigMap name (every name of `SERVING_CONFIG_MAP_NAMES`). */
export type RenderedConfig = { [configMap: string]: { [key: string]: string } };

const KPA_CLASS = 'kpa.autoscaling.knative.dev';
const HPA_CLASS = 'hpa.autoscaling.knative.dev';

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

/**
 * How a prop is written in the ConfigMap: `seconds` (a Duration as whole seconds, `"300"`),
 * `duration` (a Duration as a Go duration, `"1m0s"`), `number`, `bool`, `class` (an
 * `AutoscalerClass`), `string`.
 */
type SettingKind = 'seconds' | 'duration' | 'number' | 'bool' | 'class' | 'string';

/**
 * What a typed prop must be, checked on its own before anything is written (checks across props
 * follow in the renderer): an integer ≥ `min`; a number in a range (`example` for the fix);
 * a Duration of whole seconds (`wholeSeconds`) or of milliseconds (`seconds`) in a range; a
 * boolean; `asIs` (written unchecked: enums); `custom` (checked and recorded by the renderer).
 */
type FieldCheck =
  | { readonly is: 'int'; readonly min: number }
  | { readonly is: 'number'; readonly lo: number; readonly hi: number; readonly example: number; readonly loOpen?: boolean }
  | { readonly is: 'wholeSeconds'; readonly min: number; readonly max?: number }
  | { readonly is: 'seconds'; readonly min: number }
  | { readonly is: 'bool' }
  | { readonly is: 'asIs' }
  | { readonly is: 'custom' };

const int = (min: number): FieldCheck => ({ is: 'int', min });
const num = (lo: number, hi: number, example: number, loOpen = false): FieldCheck => ({ is: 'number', lo, hi, example, loOpen });
const wholeSeconds = (min: number, max?: number): FieldCheck => ({ is: 'wholeSeconds', min, max });
const seconds = (min: number): FieldCheck => ({ is: 'seconds', min });
const BOOL: FieldCheck = { is: 'bool' };
const AS_IS: FieldCheck = { is: 'asIs' };
const CUSTOM: FieldCheck = { is: 'custom' };

/** A checked value, before it is written: seconds (number) for Durations, a string for a class. */
type SettingValue = string | number | boolean;

/** One typed prop: the ConfigMap key it renders, how it is written and how it is checked. */
interface SettingKey {
  readonly configMap: string;
  readonly key: string;
  /** Prop path below the settings struct, e.g. `defaults.maxRevisionTimeout`. */
  readonly prop: string;
  readonly kind: SettingKind;
  readonly check: FieldCheck;
  /** How the checked value is written, when not by `kind`. */
  readonly write?: (v: SettingValue) => string;
}

/** How the checked value of a row is written: a Duration of kind `duration` as a Go duration, the rest as is. */
function writeOf(s: SettingKey): (v: SettingValue) => string {
  return s.write ?? (s.kind === 'duration' ? (v) => formatGoDuration(v as number) : String);
}

/** Every typed prop, in the order its key is written into its ConfigMap. */
const SETTING_KEYS: readonly SettingKey[] = [
  { configMap: 'config-defaults', key: 'revision-timeout-seconds', prop: 'defaults.revisionTimeout', kind: 'seconds', check: wholeSeconds(1) },
  { configMap: 'config-defaults', key: 'max-revision-timeout-seconds', prop: 'defaults.maxRevisionTimeout', kind: 'seconds', check: wholeSeconds(1) },
  { configMap: 'config-defaults', key: 'container-concurrency', prop: 'defaults.containerConcurrency', kind: 'number', check: int(0) },
  { configMap: 'config-defaults', key: 'container-concurrency-max-limit', prop: 'defaults.containerConcurrencyMaxLimit', kind: 'number', check: int(1) },
  { configMap: 'config-defaults', key: 'allow-container-concurrency-zero', prop: 'defaults.allowContainerConcurrencyZero', kind: 'bool', check: BOOL },
  { configMap: 'config-network', key: 'domain-template', prop: 'network.domainTemplate', kind: 'string', check: CUSTOM },
  { configMap: 'config-network', key: 'tag-template', prop: 'network.tagTemplate', kind: 'string', check: CUSTOM },
  { configMap: 'config-network', key: 'default-external-scheme', prop: 'network.defaultExternalScheme', kind: 'string', check: AS_IS },
  { configMap: 'config-network', key: 'rollout-duration', prop: 'network.rolloutDuration', kind: 'seconds', check: wholeSeconds(0) },
  { configMap: 'config-network', key: 'autocreate-cluster-domain-claims', prop: 'network.autocreateClusterDomainClaims', kind: 'bool', check: BOOL },
  { configMap: 'config-gc', key: 'retain-since-create-time', prop: 'gc.retainSinceCreateTime', kind: 'duration', check: wholeSeconds(0) },
  { configMap: 'config-gc', key: 'retain-since-last-active-time', prop: 'gc.retainSinceLastActiveTime', kind: 'duration', check: wholeSeconds(0) },
  { configMap: 'config-gc', key: 'min-non-active-revisions', prop: 'gc.minNonActiveRevisions', kind: 'number', check: int(0) },
  { configMap: 'config-gc', key: 'max-non-active-revisions', prop: 'gc.maxNonActiveRevisions', kind: 'number', check: int(0) },
  { configMap: 'config-autoscaler', key: 'pod-autoscaler-class', prop: 'autoscaler.podAutoscalerClass', kind: 'class', check: CUSTOM },
  { configMap: 'config-autoscaler', key: 'enable-scale-to-zero', prop: 'autoscaler.enableScaleToZero', kind: 'bool', check: BOOL },
  { configMap: 'config-autoscaler', key: 'allow-zero-initial-scale', prop: 'autoscaler.allowZeroInitialScale', kind: 'bool', check: BOOL },
  { configMap: 'config-autoscaler', key: 'initial-scale', prop: 'autoscaler.initialScale', kind: 'number', check: int(0) },
  { configMap: 'config-autoscaler', key: 'min-scale', prop: 'autoscaler.minScale', kind: 'number', check: int(0) },
  { configMap: 'config-autoscaler', key: 'max-scale', prop: 'autoscaler.maxScale', kind: 'number', check: int(0) },
  { configMap: 'config-autoscaler', key: 'max-scale-limit', prop: 'autoscaler.maxScaleLimit', kind: 'number', check: int(0) },
  { configMap: 'config-autoscaler', key: 'container-concurrency-target-default', prop: 'autoscaler.containerConcurrencyTargetDefault', kind: 'number', check: num(0, Infinity, 100, true) },
  {
    configMap: 'config-autoscaler',
    key: 'container-concurrency-target-percentage',
    prop: 'autoscaler.targetUtilizationPercentage',
    kind: 'number',
    check: num(1, 100, 70),
    // Knative reads values in (0, 1] as fractions (legacy): 1 % is written as 0.01.
    write: (v) => (v === 1 ? '0.01' : String(v)),
  },
  { configMap: 'config-autoscaler', key: 'requests-per-second-target-default', prop: 'autoscaler.requestsPerSecondTargetDefault', kind: 'number', check: num(0.01, Infinity, 200) },
  { configMap: 'config-autoscaler', key: 'target-burst-capacity', prop: 'autoscaler.targetBurstCapacity', kind: 'number', check: CUSTOM },
  { configMap: 'config-autoscaler', key: 'stable-window', prop: 'autoscaler.stableWindow', kind: 'duration', check: wholeSeconds(6, 3600) },
  { configMap: 'config-autoscaler', key: 'panic-window-percentage', prop: 'autoscaler.panicWindowPercentage', kind: 'number', check: num(1, 100, 10) },
  { configMap: 'config-autoscaler', key: 'panic-threshold-percentage', prop: 'autoscaler.panicThresholdPercentage', kind: 'number', check: num(110, 1000, 200) },
  { configMap: 'config-autoscaler', key: 'scale-to-zero-grace-period', prop: 'autoscaler.scaleToZeroGracePeriod', kind: 'duration', check: seconds(6) },
  { configMap: 'config-autoscaler', key: 'scale-to-zero-pod-retention-period', prop: 'autoscaler.scaleToZeroPodRetentionPeriod', kind: 'duration', check: seconds(0) },
  { configMap: 'config-autoscaler', key: 'scale-down-delay', prop: 'autoscaler.scaleDownDelay', kind: 'duration', check: wholeSeconds(0) },
  { configMap: 'config-autoscaler', key: 'max-scale-up-rate', prop: 'autoscaler.maxScaleUpRate', kind: 'number', check: num(1, Infinity, 1000, true) },
  { configMap: 'config-autoscaler', key: 'max-scale-down-rate', prop: 'autoscaler.maxScaleDownRate', kind: 'number', check: num(1, Infinity, 2, true) },
  { configMap: 'config-autoscaler', key: 'activator-capacity', prop: 'autoscaler.activatorCapacity', kind: 'number', check: num(1, Infinity, 100) },
];

const BY_KEY = new Map<string, SettingKey>(SETTING_KEYS.map((k) => [`${k.configMap}/${k.key}`, k]));

/** The typed prop (below the settings struct) that renders `key` of `configMap`, if any. */
function settingOf(configMap: string, key: string): { prop: string; kind: SettingKind | 'flag' } | undefined {
  if (configMap === 'config-features') {
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_FEATURE_FLAGS, key)) return undefined;
    const typed = FLAG_KEYS.find(([, k]) => k === key);
    return { prop: typed ? `features.${typed[0]}` : `features.additionalFlags["${key}"]`, kind: 'flag' };
  }
  const s = BY_KEY.get(`${configMap}/${key}`);
  return s && { prop: s.prop, kind: s.kind };
}

/**
 * Who owns the settings being rendered, for errors: the construct (or its path) and the prefix
 * of the prop names (`''` for `ServingControlPlane` props, `KnativeCluster.configure().` for a
 * declaration).
 */
export interface SettingsOwner {
  /** Undefined: a path-less error, located by the caller (`_withPath`). */
  readonly scope: IConstruct | string | undefined;
  readonly fieldPrefix: string;
}

/** Error for a bad settings prop: the owner's path, the prop, the value and the fix. */
export function propError(owner: SettingsOwner, prop: string, value: unknown, problem: string, fix: string): KnativeError {
  // JSON would show Infinity and NaN as null.
  const shown = typeof value === 'number' && !Number.isFinite(value) ? String(value) : undefined;
  return new KnativeError(owner.scope, { field: `${owner.fieldPrefix}${prop}`, message: problem, value, fix: fixSentence(fix), ...(shown ? { shown } : {}) });
}

/** `use e.g. 5` → `Use e.g. 5.` */
function fixSentence(fix: string): string {
  const s = fix.charAt(0).toUpperCase() + fix.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/**
 * The prop that renders `key` of `configMap`, and the value as that prop shows it
 * (e.g. `config-network: rollout-duration "300"` → `network.rolloutDuration`, `300s`), for
 * messages about rendered settings. Keys without a typed prop are named `<configMap>: <key>`.
 */
export function propOfConfigKey(configMap: string, key: string, value: string): { prop: string; value: unknown } {
  const s = settingOf(configMap, key);
  if (!s) return { prop: `${configMap}: ${key}`, value };
  switch (s.kind) {
    case 'seconds': return { prop: s.prop, value: `${value}s` };
    case 'number': return { prop: s.prop, value: Number(value) };
    case 'bool': return { prop: s.prop, value: value === 'true' };
    default: return { prop: s.prop, value };
  }
}

/**
 * The typed setting that gives `key` of `configMap` the value `value`, as TypeScript: the prop
 * path (`defaults.maxRevisionTimeout`), its value (`Duration.seconds(800)`) and the settings
 * literal (`{ defaults: { maxRevisionTimeout: Duration.seconds(800) } }`); undefined when no typed
 * prop renders the key.
 */
export function settingsLiteral(configMap: string, key: string, value: string): { prop: string; expr: string; literal: string } | undefined {
  const s = settingOf(configMap, key);
  if (!s) return undefined;
  let expr: string;
  switch (s.kind) {
    case 'seconds': expr = `Duration.seconds(${value})`; break;
    case 'duration': expr = `Duration.seconds(${parseGoDuration(value)})`; break;
    case 'number':
    case 'bool': expr = value; break;
    case 'class': expr = value === KPA_CLASS ? 'AutoscalerClass.KPA' : value === HPA_CLASS ? 'AutoscalerClass.HPA' : `AutoscalerClass.custom(${JSON.stringify(value)})`; break;
    case 'flag': {
      const state = ['Enabled', 'Allowed', 'Disabled'].find((x) => x.toLowerCase() === value.toLowerCase()) ?? value;
      if (s.prop.startsWith('features.additionalFlags')) {
        expr = `{ '${key}': '${state}' }`;
        return { prop: 'features.additionalFlags', expr, literal: `{ features: { additionalFlags: ${expr} } }` };
      }
      expr = `FeatureFlagState.${state.toUpperCase()}`;
      break;
    }
    default: expr = JSON.stringify(value);
  }
  const [group, prop] = s.prop.split('.');
  return { prop: s.prop, expr, literal: `{ ${group}: { ${prop}: ${expr} } }` };
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Check a cluster domain (`clusterDomain`); returns it. */
export function checkClusterDomain(owner: SettingsOwner, clusterDomain: string): string {
  if (typeof clusterDomain !== 'string' || !DNS1123_SUBDOMAIN.test(clusterDomain) || clusterDomain.length > 253) {
    throw propError(owner, 'clusterDomain', clusterDomain, 'is not a valid DNS subdomain', 'use your cluster\'s DNS domain, normally "cluster.local"');
  }
  return clusterDomain;
}

/** Checks of one render call, bound to the owner named in its errors, and the values they passed. */
class Checker {
  /** The checked value of each typed prop that was set (`SETTING_KEYS`), by prop path. */
  public readonly values = new Map<string, SettingValue>();

  constructor(public readonly owner: SettingsOwner) {}

  /**
   * Check every prop of `group` (`gc`, `autoscaler`, …) that is set in `settings` by its
   * `SETTING_KEYS` row, and record the checked values (`custom` rows: the renderer does both).
   */
  public fields(group: string, settings: object): void {
    const given = settings as { readonly [name: string]: unknown };
    for (const s of SETTING_KEYS) {
      const [g, name] = s.prop.split('.');
      if (g !== group || given[name] === undefined || s.check.is === 'custom') continue;
      this.values.set(s.prop, this.field(s.prop, s.check, given[name]));
    }
  }

  /** The checked value of a number or Duration (seconds) prop, if set. */
  public num(prop: string): number | undefined {
    return this.values.get(prop) as number | undefined;
  }

  public fail(prop: string, value: unknown, problem: string, fix: string): never {
    throw propError(this.owner, prop, value, problem, fix);
  }

  /** Seconds of a Duration that must be whole seconds ≥ `min` (and ≤ `max`). */
  public wholeSeconds(prop: string, d: Duration, min: number, max?: number): number {
    const ms = d.toMilliseconds();
    if (ms % 1000 !== 0) {
      this.fail(prop, `${ms}ms`, 'must be a whole number of seconds', `use e.g. Duration.seconds(${Math.max(min, Math.round(ms / 1000))})`);
    }
    const s = ms / 1000;
    if (s < min) this.fail(prop, `${s}s`, `must be at least ${min}s`, `use a duration of ${min}s or more`);
    if (max !== undefined && s > max) this.fail(prop, `${s}s`, `must be at most ${formatGoDuration(max)}`, `use a duration between ${min}s and ${formatGoDuration(max)}`);
    return s;
  }

  /** Seconds (millisecond precision) of a Duration that must be ≥ `min`. */
  public seconds(prop: string, d: Duration, min: number): number {
    const s = d.toMilliseconds() / 1000;
    if (!(s >= min)) this.fail(prop, `${s}s`, `must be at least ${min}s`, `use a duration of ${min}s or more`);
    return s;
  }

  public int(prop: string, n: number, min = 0): number {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
      this.fail(prop, n, `must be an integer ≥ ${min}`, `use a whole number such as ${Math.max(min, Math.round(Math.abs(Number(n))) || min)}`);
    }
    return n;
  }

  /** A finite number in [lo, hi] (`loOpen`: lo excluded; hi may be Infinity). */
  public number(prop: string, n: number, lo: number, hi: number, example: number, loOpen = false): number {
    const ok = typeof n === 'number' && Number.isFinite(n) && (loOpen ? n > lo : n >= lo) && n <= hi;
    if (!ok) {
      const range = hi === Infinity ? `${loOpen ? '>' : '≥'} ${lo}` : `in ${loOpen ? '(' : '['}${lo}, ${hi}]`;
      this.fail(prop, n, `must be a number ${range}`, `use e.g. ${example}`);
    }
    return n;
  }

  public bool(prop: string, b: boolean): boolean {
    if (typeof b !== 'boolean') this.fail(prop, b, 'must be true or false', 'use true or false');
    return b;
  }

  private field(prop: string, check: FieldCheck, v: unknown): SettingValue {
    switch (check.is) {
      case 'int': return this.int(prop, v as number, check.min);
      case 'number': return this.number(prop, v as number, check.lo, check.hi, check.example, check.loOpen);
      case 'wholeSeconds': return this.wholeSeconds(prop, v as Duration, check.min, check.max);
      case 'seconds': return this.seconds(prop, v as Duration, check.min);
      case 'bool': return this.bool(prop, v as boolean);
      default: return v as SettingValue;
    }
  }

  public domain(prop: string, domain: string, clusterDomain: string): void {
    if (!isDns1123Subdomain(domain)) {
      this.fail(prop, domain, 'is not a valid DNS-1123 subdomain (lower-case alphanumerics, "-" and ".")', 'use a domain such as "example.com"');
    }
    if (domain === clusterLocalDomainOf(clusterDomain)) {
      this.fail(prop, domain, 'is the cluster-local domain; Routes already use it when nothing else matches', 'omit it, or label Routes with networking.knative.dev/visibility=cluster-local');
    }
  }
}

/**
 * Render the ConfigMap `data` maps (keyed by ConfigMap name) for the given settings, rendering
 * only keys that were set, and parse them with the runtime's parser (`config`: the configuration
 * the cluster then has). Throws a `KnativeError` naming `owner`, the prop, the value and a fix on
 * bad input.
 *
 * Each section checks its props (one by one from `SETTING_KEYS`, then across props); the checked
 * values are written from the table at the end.
 *
 * @param owner where errors point: the construct and the prefix of the prop names
 */
export function renderServingConfig(input: ServingConfigSettings, owner: SettingsOwner): { data: RenderedConfig; config: ServingConfig } {
  const c: Checker = new Checker(owner);
  const clusterDomain = checkClusterDomain(owner, input.clusterDomain ?? 'cluster.local');
  const data: RenderedConfig = {};
  for (const n of SERVING_CONFIG_MAP_NAMES) data[n] = {};

  renderDomains(c, input, clusterDomain, data['config-domain']);
  checkNetwork(c, input);
  checkGc(c, input.gc ?? {});
  checkDefaults(c, input.defaults ?? {});
  renderFeatures(c, input.features ?? {}, data['config-features']);
  checkAutoscaler(c, input.autoscaler ?? {});
  for (const s of SETTING_KEYS) {
    const v = c.values.get(s.prop);
    if (v !== undefined) data[s.configMap][s.key] = writeOf(s)(v);
  }

  // Last line of defence: the runtime's own parser must accept what we render.
  let config: ServingConfig;
  try {
    config = parseServingConfig(data, clusterDomain);
  } catch (e) {
    if (e instanceof ConfigError) {
      const { prop } = propOfConfigKey(e.configMap, e.key, e.value);
      throw propError(owner, prop, e.value, `renders ${e.configMap}: ${e.key}: "${e.value}", which Knative rejects: ${e.problem}`, e.fix);
    }
    throw e;
  }
  return { data, config };
}

/** `config-domain`: the default domain and the selector domains, written into `out`. */
function renderDomains(c: Checker, input: ServingConfigSettings, clusterDomain: string, out: { [key: string]: string }): void {
  if (input.defaultDomain !== undefined) {
    c.domain('defaultDomain', input.defaultDomain, clusterDomain);
    out[input.defaultDomain] = '';
  }
  (input.domainSelectors ?? []).forEach((sel, i) => {
    const prop = `domainSelectors[${i}]`;
    c.domain(`${prop}.domain`, sel.domain, clusterDomain);
    if (Object.prototype.hasOwnProperty.call(out, sel.domain)) {
      c.fail(`${prop}.domain`, sel.domain, 'is configured twice', 'give each domain one selector (or use it as defaultDomain only)');
    }
    const keys = Object.keys(sel.selector ?? {}).sort();
    if (keys.length === 0) {
      c.fail(`${prop}.selector`, '{}', 'must contain at least one label', `use defaultDomain: '${sel.domain}' for a domain without a selector`);
    }
    for (const k of keys) {
      if (!isQualifiedName(k)) c.fail(`${prop}.selector key`, k, 'is not a valid label key', 'use e.g. "app" or "example.com/tier"');
      const v = sel.selector[k];
      if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
        c.fail(`${prop}.selector["${k}"]`, v, 'is not a valid label value', 'use ≤ 63 alphanumerics, "-", "_" or "."');
      }
    }
    out[sel.domain] = 'selector:\n' + keys.map(k => `  ${k}: ${JSON.stringify(sel.selector[k])}`).join('\n') + '\n';
  });
}

/** `config-network`: the templates must give valid hosts for a sample Route and tag; the other props by the table. */
function checkNetwork(c: Checker, input: ServingConfigSettings): void {
  const net = input.network ?? {};
  const domainTemplate = net.domainTemplate ?? DEFAULT_DOMAIN_TEMPLATE;
  const tagTemplate = net.tagTemplate ?? DEFAULT_TAG_TEMPLATE;
  const sampleDomain = input.defaultDomain ?? input.domainSelectors?.[0]?.domain ?? 'example.com';
  if (net.domainTemplate !== undefined) {
    let host: string;
    try {
      host = renderDomainTemplate(domainTemplate, { Name: 'hello', Namespace: 'default', Domain: sampleDomain });
    } catch (e) {
      c.fail('network.domainTemplate', domainTemplate, (e as Error).message, `use a template such as "${DEFAULT_DOMAIN_TEMPLATE}"`);
    }
    const err = checkHost(host);
    if (err) {
      c.fail('network.domainTemplate', domainTemplate,
        `for Route "hello" in namespace "default" with domain "${sampleDomain}" it renders "${host}", which is not a valid host (${err})`,
        `render a bare host name with at least two labels, e.g. "${DEFAULT_DOMAIN_TEMPLATE}" or "{{.Name}}-{{.Namespace}}.{{.Domain}}"`);
    }
    if (!domainTemplate.includes('.Name')) {
      c.fail('network.domainTemplate', domainTemplate, 'does not use {{.Name}}, so every Route (and every tag) would get the same host',
        `include {{.Name}}, e.g. "${DEFAULT_DOMAIN_TEMPLATE}"`);
    }
    c.values.set('network.domainTemplate', domainTemplate);
  }
  if (net.tagTemplate !== undefined) {
    let part: string;
    try {
      part = renderTagTemplate(tagTemplate, { Tag: 'candidate', Name: 'hello' });
    } catch (e) {
      c.fail('network.tagTemplate', tagTemplate, (e as Error).message, `use a template such as "${DEFAULT_TAG_TEMPLATE}" (variables: .Tag, .Name)`);
    }
    if (!tagTemplate.includes('.Tag')) {
      c.fail('network.tagTemplate', tagTemplate, 'does not use {{.Tag}}, so all tags of a Route would share one host', `include {{.Tag}}, e.g. "${DEFAULT_TAG_TEMPLATE}"`);
    }
    if (!isDns1123Label(part)) {
      c.fail('network.tagTemplate', tagTemplate, `for tag "candidate" of Route "hello" it renders "${part}", which is not a DNS label (it also names the tag's Kubernetes Service)`,
        `render a single DNS label, e.g. "${DEFAULT_TAG_TEMPLATE}" or "{{.Name}}-{{.Tag}}"`);
    }
    c.values.set('network.tagTemplate', tagTemplate);
  }
  if (net.domainTemplate !== undefined || net.tagTemplate !== undefined) {
    // The combination must still give a valid host for a tagged target.
    const tagName = renderTagTemplate(tagTemplate, { Tag: 'candidate', Name: 'hello' });
    const host = renderDomainTemplate(domainTemplate, { Name: tagName, Namespace: 'default', Domain: sampleDomain });
    const err = checkHost(host);
    if (err) {
      c.fail('network.tagTemplate', tagTemplate, `combined with the domain template it renders the tag host "${host}" (${err})`,
        'make the tag template render a DNS label that the domain template places in the host');
    }
  }
  c.fields('network', net);
}

/** `config-gc`: min ≤ max non-active revisions (with Knative's defaults for the unset one). */
function checkGc(c: Checker, gc: RevisionGcSettings): void {
  c.fields('gc', gc);
  const min = c.num('gc.minNonActiveRevisions');
  const max = c.num('gc.maxNonActiveRevisions');
  if ((min ?? 20) > (max ?? 1000)) {
    if (min !== undefined) {
      c.fail('gc.minNonActiveRevisions', min, `must be ≤ gc.maxNonActiveRevisions (${max ?? 1000})`, 'lower minNonActiveRevisions or raise maxNonActiveRevisions');
    }
    c.fail('gc.maxNonActiveRevisions', max, 'must be ≥ gc.minNonActiveRevisions (20 by default)', 'raise maxNonActiveRevisions to 20 or more, or lower minNonActiveRevisions too');
  }
}

/** `config-defaults`: timeout ≤ max timeout, concurrency ≤ its limit, 0 only where allowed. */
function checkDefaults(c: Checker, d: RevisionDefaultsSettings): void {
  c.fields('defaults', d);
  const timeout = c.num('defaults.revisionTimeout');
  const maxTimeout = c.num('defaults.maxRevisionTimeout');
  if ((timeout ?? 300) > (maxTimeout ?? 600)) {
    if (timeout !== undefined) {
      c.fail('defaults.revisionTimeout', `${timeout}s`, `must be ≤ defaults.maxRevisionTimeout (${maxTimeout ?? 600}s)`, 'lower revisionTimeout or raise maxRevisionTimeout');
    }
    c.fail('defaults.maxRevisionTimeout', `${maxTimeout}s`, 'must be ≥ defaults.revisionTimeout (300s by default)',
      'raise maxRevisionTimeout to 300s or more, or lower revisionTimeout too');
  }
  const cc = c.num('defaults.containerConcurrency');
  const ccMax = c.num('defaults.containerConcurrencyMaxLimit');
  if (cc !== undefined && cc > (ccMax ?? 1000)) {
    c.fail('defaults.containerConcurrency', cc, `must be ≤ defaults.containerConcurrencyMaxLimit (${ccMax ?? 1000})`,
      'lower containerConcurrency or raise containerConcurrencyMaxLimit');
  }
  if (cc === 0 && c.values.get('defaults.allowContainerConcurrencyZero') === false) {
    c.fail('defaults.containerConcurrency', cc, 'must be ≥ 1 when defaults.allowContainerConcurrencyZero is false',
      'set a containerConcurrency of 1 or more, or allow 0');
  }
}

/** `config-features`: typed flags and `additionalFlags`, written into `out`. */
function renderFeatures(c: Checker, f: FeatureSettings, out: { [key: string]: string }): void {
  for (const [prop, key] of FLAG_KEYS) {
    const v = f[prop] as string | undefined;
    if (v === undefined) continue;
    if (!['Enabled', 'Allowed', 'Disabled'].includes(v)) c.fail(`features.${prop}`, v, 'is not a flag state', 'use FeatureFlagState.ENABLED, ALLOWED or DISABLED');
    out[key] = v as string;
  }
  for (const [key, value] of Object.entries(f.additionalFlags ?? {})) {
    if (Object.prototype.hasOwnProperty.call(out, key)) {
      const typed = FLAG_KEYS.find(([, k]) => k === key)![0];
      c.fail(`features.additionalFlags["${key}"]`, value, `duplicates features.${typed}`, `set it once, via features.${typed}`);
    }
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_FEATURE_FLAGS, key)) {
      c.fail('features.additionalFlags key', key, 'is not a Knative Serving feature flag', `use one of: ${Object.keys(DEFAULT_FEATURE_FLAGS).join(', ')}`);
    }
    if (!['Enabled', 'Allowed', 'Disabled'].includes(value)) {
      c.fail(`features.additionalFlags["${key}"]`, value, 'is not a flag state', 'use "Enabled", "Allowed" or "Disabled"');
    }
    out[key] = value;
  }
}

/** `config-autoscaler`: the class, and the checks across props that Knative's parser makes. */
function checkAutoscaler(c: Checker, a: AutoscalerSettings): void {
  const P = (name: keyof AutoscalerSettings): string => `autoscaler.${name}`;
  const n = (name: keyof AutoscalerSettings): number | undefined => c.num(P(name));

  if (a.podAutoscalerClass !== undefined) {
    const cls = a.podAutoscalerClass.value;
    if (cls.endsWith('.knative.dev') && cls !== KPA_CLASS && cls !== HPA_CLASS) {
      c.fail(P('podAutoscalerClass'), cls, 'is not a Knative autoscaler class, and custom classes must not end in ".knative.dev"',
        'use AutoscalerClass.KPA, AutoscalerClass.HPA or a custom class such as AutoscalerClass.custom("autoscaler.example.com")');
    }
    c.values.set(P('podAutoscalerClass'), cls);
  }
  c.fields('autoscaler', a);
  const initial = n('initialScale');
  if (initial === 0 && c.values.get(P('allowZeroInitialScale')) !== true) {
    c.fail(P('initialScale'), 0, 'may be 0 only when autoscaler.allowZeroInitialScale is true', 'set allowZeroInitialScale: true, or use an initialScale of 1 or more');
  }
  const limit = n('maxScaleLimit');
  const max = n('maxScale');
  if (limit !== undefined && limit > 0) {
    if (max === undefined) {
      c.fail(P('maxScaleLimit'), limit, 'needs a default autoscaler.maxScale between 1 and the limit (Knative rejects the default 0, unlimited, under a limit)',
        `set maxScale too, e.g. maxScale: ${limit}`);
    }
    if (max < 1 || max > limit) c.fail(P('maxScale'), max, `must be between 1 and autoscaler.maxScaleLimit (${limit})`, `use a maxScale from 1 to ${limit}, or raise maxScaleLimit`);
  }
  const min = n('minScale');
  if (min !== undefined && max !== undefined && max > 0 && min > max) {
    c.fail(P('minScale'), min, `must be ≤ autoscaler.maxScale (${max})`, 'lower minScale or raise maxScale');
  }
  const ccTarget = n('containerConcurrencyTargetDefault');
  const utilization = n('targetUtilizationPercentage');
  if ((ccTarget ?? 100) * (utilization ?? 70) / 100 < 0.01) {
    c.fail(ccTarget !== undefined ? P('containerConcurrencyTargetDefault') : P('targetUtilizationPercentage'), ccTarget ?? utilization,
      `gives a concurrency target of ${(ccTarget ?? 100) * (utilization ?? 70) / 100} (containerConcurrencyTargetDefault × targetUtilizationPercentage / 100), below the minimum 0.01`,
      'raise containerConcurrencyTargetDefault or targetUtilizationPercentage');
  }
  const tbc = a.targetBurstCapacity;
  if (tbc !== undefined) {
    if (tbc !== -1 && !(typeof tbc === 'number' && Number.isFinite(tbc) && tbc >= 0)) {
      c.fail(P('targetBurstCapacity'), tbc, 'must be a number ≥ 0, or -1 (unlimited)', 'use e.g. 211, 0 (activator only at zero) or -1 (activator always in the path)');
    }
    c.values.set(P('targetBurstCapacity'), tbc);
  }
  const stable = n('stableWindow');
  const panicPct = n('panicWindowPercentage');
  const panicWindow = (stable ?? 60) * (panicPct ?? 10) / 100;
  if (panicWindow < 1) {
    c.fail(panicPct !== undefined ? P('panicWindowPercentage') : P('stableWindow'), panicPct ?? `${stable}s`,
      `gives a panic window of ${panicWindow}s (stableWindow × panicWindowPercentage / 100), below the minimum 1s`,
      'raise panicWindowPercentage or stableWindow');
  }
}

/**
 * Cluster configuration: Knative Serving's ConfigMaps (reference §11.1, §12).
 *
 * Pure module: `parseServingConfig` turns ConfigMap `data` maps (keyed by ConfigMap name) into a
 * typed `ServingConfig`, filling in the 1.17 defaults. Bad values throw `ConfigError`, naming the
 * ConfigMap, the key, the offending value and how to fix it.
 */

export type FlagState = 'Enabled' | 'Allowed' | 'Disabled';

/** Feature flags keyed exactly as in `config-features` (e.g. `kubernetes.podspec-fieldref`). */
export interface FeatureFlags {
  [flag: string]: FlagState;
}

/**
 * Parsed `config-domain`: domain suffix → label selector (`{}` = default domain).
 * The implicit `svc.<cd>` default is NOT stored here; `selectDomain` (hosts.ts) adds it when no
 * entry has an empty selector, exactly as Knative does.
 */
export interface DomainConfig {
  [suffix: string]: Record<string, string>;
}

export interface DefaultsConfig {
  revisionTimeoutSeconds: number;
  maxRevisionTimeoutSeconds: number;
  /** Defaults to `revisionTimeoutSeconds` when the key is absent. */
  revisionResponseStartTimeoutSeconds: number;
  /** 0 = infinite. */
  revisionIdleTimeoutSeconds: number;
  containerConcurrency: number;
  containerConcurrencyMaxLimit: number;
  allowContainerConcurrencyZero: boolean;
  /** `true`/`false`; any other value in the ConfigMap means "unset" (undefined). */
  enableServiceLinks: boolean | undefined;
  containerNameTemplate: string;
  initContainerNameTemplate: string;
  revisionCpuRequest?: string;
  revisionCpuLimit?: string;
  revisionMemoryRequest?: string;
  revisionMemoryLimit?: string;
  revisionEphemeralStorageRequest?: string;
  revisionEphemeralStorageLimit?: string;
}

export interface AutoscalerConfig {
  podAutoscalerClass: string;
  enableScaleToZero: boolean;
  allowZeroInitialScale: boolean;
  initialScale: number;
  minScale: number;
  maxScale: number;
  /** 0 = no limit. */
  maxScaleLimit: number;
  containerConcurrencyTargetDefault: number;
  /** Percentage (1–100), e.g. 70. */
  containerConcurrencyTargetPercentage: number;
  requestsPerSecondTargetDefault: number;
  targetBurstCapacity: number;
  stableWindowSeconds: number;
  panicWindowPercentage: number;
  panicThresholdPercentage: number;
  scaleToZeroGracePeriodSeconds: number;
  scaleToZeroPodRetentionPeriodSeconds: number;
  scaleDownDelaySeconds: number;
  maxScaleUpRate: number;
  maxScaleDownRate: number;
  activatorCapacity: number;
}

export interface NetworkConfig {
  domainTemplate: string;
  tagTemplate: string;
  /** `http` or `https`. */
  defaultExternalScheme: string;
  /** Integer seconds; 0 = gradual rollout disabled. */
  rolloutDurationSeconds: number;
  ingressClass: string;
  certificateClass: string;
  externalDomainTls: 'Enabled' | 'Disabled';
  clusterLocalDomainTls: 'Enabled' | 'Disabled';
  systemInternalTls: 'Enabled' | 'Disabled';
  httpProtocol: 'Enabled' | 'Redirected' | 'Disabled';
  autocreateClusterDomainClaims: boolean;
  namespaceWildcardCertSelector: string;
}

export interface GcConfig {
  /** null = disabled. */
  retainSinceCreateTimeSeconds: number | null;
  /** null = disabled. */
  retainSinceLastActiveTimeSeconds: number | null;
  minNonActiveRevisions: number;
  /** null = disabled (no maximum). */
  maxNonActiveRevisions: number | null;
}

export interface DeploymentConfig {
  progressDeadlineSeconds: number;
  registriesSkippingTagResolving: string[];
  digestResolutionTimeoutSeconds: number;
  queueSidecarImage: string;
  defaultAffinityType: string;
  podIsAlwaysSchedulable: boolean;
}

export interface ServingConfig {
  defaults: DefaultsConfig;
  /** With 1.17 defaults filled in (plus the ≥1.18 volume flags, default Disabled). */
  features: FeatureFlags;
  autoscaler: AutoscalerConfig;
  network: NetworkConfig;
  domain: DomainConfig;
  gc: GcConfig;
  deployment: DeploymentConfig;
  /** Normally `cluster.local`. */
  clusterDomain: string;
}

/** ConfigMap data maps keyed by ConfigMap name. */
export type ConfigMapData = Record<string, Record<string, string> | undefined>;

/** Invalid cluster configuration value. */
export class ConfigError extends Error {
  public readonly configMap: string;
  public readonly key: string;
  public readonly value: string;
  public readonly problem: string;
  public readonly fix: string;
  constructor(configMap: string, key: string, value: string, problem: string, fix: string) {
    super(`${configMap}: invalid value ${JSON.stringify(value)} for key "${key}": ${problem}. Fix: ${fix}`);
    this.name = 'ConfigError';
    this.configMap = configMap;
    this.key = key;
    this.value = value;
    this.problem = problem;
    this.fix = fix;
  }
}

export const DEFAULT_DOMAIN_TEMPLATE = '{{.Name}}.{{.Namespace}}.{{.Domain}}';
export const DEFAULT_TAG_TEMPLATE = '{{.Tag}}-{{.Name}}';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** config-features defaults of Knative 1.17 (reference §12.2). */
export const DEFAULT_FEATURE_FLAGS: Readonly<FeatureFlags> = Object.freeze({
  'multi-container': 'Enabled',
  'multi-container-probing': 'Disabled',
  'kubernetes.podspec-affinity': 'Disabled',
  'kubernetes.podspec-topologyspreadconstraints': 'Disabled',
  'kubernetes.podspec-hostaliases': 'Disabled',
  'kubernetes.podspec-nodeselector': 'Disabled',
  'kubernetes.podspec-runtimeclassname': 'Disabled',
  'kubernetes.podspec-securitycontext': 'Disabled',
  'kubernetes.podspec-shareprocessnamespace': 'Disabled',
  'kubernetes.podspec-hostipc': 'Disabled',
  'kubernetes.podspec-hostpid': 'Disabled',
  'kubernetes.podspec-hostnetwork': 'Disabled',
  'kubernetes.podspec-priorityclassname': 'Disabled',
  'kubernetes.podspec-schedulername': 'Disabled',
  'kubernetes.podspec-tolerations': 'Disabled',
  'kubernetes.podspec-dnspolicy': 'Disabled',
  'kubernetes.podspec-dnsconfig': 'Disabled',
  'kubernetes.podspec-fieldref': 'Disabled',
  'kubernetes.podspec-init-containers': 'Disabled',
  'kubernetes.containerspec-addcapabilities': 'Disabled',
  'kubernetes.podspec-volumes-emptydir': 'Enabled',
  'kubernetes.podspec-volumes-hostpath': 'Disabled',
  'kubernetes.podspec-persistent-volume-claim': 'Disabled',
  'kubernetes.podspec-persistent-volume-write': 'Disabled',
  'kubernetes.podspec-dryrun': 'Allowed',
  'secure-pod-defaults': 'Disabled',
  'queueproxy.mount-podinfo': 'Disabled',
  'queueproxy.resource-defaults': 'Disabled',
  'tag-header-based-routing': 'Disabled',
  'autodetect-http2': 'Disabled',
  // [≥1.18] / [≥1.19] / [≥1.23]: absent in 1.17, default Disabled.
  'kubernetes.podspec-volumes-csi': 'Disabled',
  'kubernetes.podspec-volumes-mount-propagation': 'Disabled',
  'kubernetes.podspec-volumes-image': 'Disabled',
  'kubernetes.podspec-volumes-ephemeral': 'Disabled',
});

/** The state of a feature flag (`Disabled` for flags this library does not know). */
export function featureFlag(cfg: ServingConfig | undefined, flag: string): FlagState {
  return cfg?.features[flag] ?? DEFAULT_FEATURE_FLAGS[flag] ?? 'Disabled';
}

/** Fresh default configuration (nothing configured; every Route cluster-local). */
export function defaultServingConfig(clusterDomain: string = DEFAULT_CLUSTER_DOMAIN): ServingConfig {
  return {
    defaults: {
      revisionTimeoutSeconds: 300,
      maxRevisionTimeoutSeconds: 600,
      revisionResponseStartTimeoutSeconds: 300,
      revisionIdleTimeoutSeconds: 0,
      containerConcurrency: 0,
      containerConcurrencyMaxLimit: 1000,
      allowContainerConcurrencyZero: true,
      enableServiceLinks: false,
      containerNameTemplate: 'user-container',
      initContainerNameTemplate: 'init-container',
    },
    features: { ...DEFAULT_FEATURE_FLAGS },
    autoscaler: {
      podAutoscalerClass: 'kpa.autoscaling.knative.dev',
      enableScaleToZero: true,
      allowZeroInitialScale: false,
      initialScale: 1,
      minScale: 0,
      maxScale: 0,
      maxScaleLimit: 0,
      containerConcurrencyTargetDefault: 100,
      containerConcurrencyTargetPercentage: 70,
      requestsPerSecondTargetDefault: 200,
      targetBurstCapacity: 211,
      stableWindowSeconds: 60,
      panicWindowPercentage: 10,
      panicThresholdPercentage: 200,
      scaleToZeroGracePeriodSeconds: 30,
      scaleToZeroPodRetentionPeriodSeconds: 0,
      scaleDownDelaySeconds: 0,
      maxScaleUpRate: 1000,
      maxScaleDownRate: 2,
      activatorCapacity: 100,
    },
    network: {
      domainTemplate: DEFAULT_DOMAIN_TEMPLATE,
      tagTemplate: DEFAULT_TAG_TEMPLATE,
      defaultExternalScheme: 'http',
      rolloutDurationSeconds: 0,
      ingressClass: 'istio.ingress.networking.knative.dev',
      certificateClass: 'cert-manager.certificate.networking.knative.dev',
      externalDomainTls: 'Disabled',
      clusterLocalDomainTls: 'Disabled',
      systemInternalTls: 'Disabled',
      httpProtocol: 'Enabled',
      autocreateClusterDomainClaims: false,
      namespaceWildcardCertSelector: '',
    },
    domain: {},
    gc: {
      retainSinceCreateTimeSeconds: 48 * 3600,
      retainSinceLastActiveTimeSeconds: 15 * 3600,
      minNonActiveRevisions: 20,
      maxNonActiveRevisions: 1000,
    },
    deployment: {
      progressDeadlineSeconds: 600,
      registriesSkippingTagResolving: ['kind.local', 'ko.local', 'dev.local'],
      digestResolutionTimeoutSeconds: 10,
      queueSidecarImage: '',
      defaultAffinityType: 'prefer-spread-revision-over-nodes',
      podIsAlwaysSchedulable: false,
    },
    clusterDomain,
  };
}

// ---------------------------------------------------------------------------
// Go durations
// ---------------------------------------------------------------------------

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6, // U+00B5 micro sign
  μs: 1e-6, // U+03BC greek mu
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/**
 * Parse a Go `time.ParseDuration` string (e.g. `1h2m3s`, `1.5h`, `-30s`, `300ms`, `0`) into
 * seconds (possibly fractional). Throws an Error for anything Go would reject (e.g. `10`, `5d`, ``).
 */
export function parseGoDuration(input: string): number {
  const orig = input;
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${JSON.stringify(orig)}`);
  let total = 0;
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (s !== '') {
    const m = re.exec(s);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
      if (/^[0-9.]+$/.test(s)) throw new Error(`time: missing unit in duration ${JSON.stringify(orig)}`);
      throw new Error(`time: invalid duration ${JSON.stringify(orig)}`);
    }
    const num = parseFloat(`${m[1] || '0'}.${m[2] || '0'}`);
    total += num * DURATION_UNITS[m[3]];
    s = s.slice(m[0].length);
  }
  // Round away floating-point noise below a nanosecond.
  return sign * Math.round(total * 1e9) / 1e9;
}

/** Format whole/fractional seconds the way Go's Duration.String() does (e.g. 3723 → `1h2m3s`). */
export function formatGoDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const neg = seconds < 0;
  let rest = Math.abs(seconds);
  let out = '';
  if (rest < 1) {
    const ms = rest * 1000;
    out = Number.isInteger(ms) ? `${ms}ms` : `${Math.round(rest * 1e9)}ns`;
  } else {
    const h = Math.floor(rest / 3600);
    rest -= h * 3600;
    const m = Math.floor(rest / 60);
    rest = Math.round((rest - m * 60) * 1e9) / 1e9;
    if (h > 0) out += `${h}h`;
    if (h > 0 || m > 0) out += `${m}m`;
    out += `${rest}s`;
  }
  return (neg ? '-' : '') + out;
}

// ---------------------------------------------------------------------------
// Parsing helpers
// ---------------------------------------------------------------------------

class Reader {
  constructor(public readonly cm: string, private readonly data: Record<string, string>) {}

  /** First present key wins (primary first, then legacy spellings). */
  raw(...keys: string[]): { key: string; value: string } | undefined {
    for (const k of keys) {
      if (Object.prototype.hasOwnProperty.call(this.data, k) && this.data[k] !== undefined) {
        return { key: k, value: String(this.data[k]) };
      }
    }
    return undefined;
  }

  fail(key: string, value: string, problem: string, fix: string): never {
    throw new ConfigError(this.cm, key, value, problem, fix);
  }

  string(def: string, ...keys: string[]): string {
    const r = this.raw(...keys);
    return r === undefined ? def : r.value;
  }

  int(def: number, ...keys: string[]): number {
    const r = this.raw(...keys);
    if (r === undefined) return def;
    const v = r.value.trim();
    if (!/^[-+]?\d+$/.test(v)) this.fail(r.key, r.value, 'not an integer', `set "${r.key}" to a whole number such as "${def}"`);
    return parseInt(v, 10);
  }

  float(def: number, ...keys: string[]): number {
    const r = this.raw(...keys);
    if (r === undefined) return def;
    const v = r.value.trim();
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) {
      this.fail(r.key, r.value, 'not a number', `set "${r.key}" to a number such as "${def}"`);
    }
    return parseFloat(v);
  }

  /** Go strconv.ParseBool semantics. */
  bool(def: boolean, ...keys: string[]): boolean {
    const r = this.raw(...keys);
    if (r === undefined) return def;
    const v = parseGoBool(r.value.trim());
    if (v === undefined) this.fail(r.key, r.value, 'not a boolean', `set "${r.key}" to "true" or "false"`);
    return v;
  }

  /** Duration in seconds. */
  duration(def: number, ...keys: string[]): number {
    const r = this.raw(...keys);
    if (r === undefined) return def;
    try {
      return parseGoDuration(r.value.trim());
    } catch (e) {
      return this.fail(r.key, r.value, `not a Go duration (${(e as Error).message})`,
        `set "${r.key}" to a duration such as "${formatGoDuration(def)}" (units ns, us, ms, s, m, h)`);
    }
  }

  /** Duration in seconds, or null for `disabled`. */
  durationOrDisabled(def: number | null, ...keys: string[]): number | null {
    const r = this.raw(...keys);
    if (r === undefined) return def;
    if (r.value.trim().toLowerCase() === 'disabled') return null;
    let v: number;
    try {
      v = parseGoDuration(r.value.trim());
    } catch (e) {
      return this.fail(r.key, r.value, `not a Go duration or "disabled" (${(e as Error).message})`,
        `set "${r.key}" to a duration such as "48h", or "disabled"`);
    }
    if (v < 0) this.fail(r.key, r.value, 'must be non-negative or "disabled"', 'use a duration ≥ 0 such as "48h", or "disabled"');
    return v;
  }
}

function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

function parseFlagState(v: string): FlagState | undefined {
  switch (v.trim().toLowerCase()) {
    case 'enabled': return 'Enabled';
    case 'allowed': return 'Allowed';
    case 'disabled': return 'Disabled';
    default: return undefined;
  }
}

function parseDefaults(data: Record<string, string>): DefaultsConfig {
  const r = new Reader('config-defaults', data);
  const d = defaultServingConfig().defaults;
  d.revisionTimeoutSeconds = r.int(d.revisionTimeoutSeconds, 'revision-timeout-seconds');
  d.maxRevisionTimeoutSeconds = r.int(d.maxRevisionTimeoutSeconds, 'max-revision-timeout-seconds');
  d.revisionResponseStartTimeoutSeconds = r.int(d.revisionTimeoutSeconds, 'revision-response-start-timeout-seconds');
  d.revisionIdleTimeoutSeconds = r.int(d.revisionIdleTimeoutSeconds, 'revision-idle-timeout-seconds');
  d.containerConcurrency = r.int(d.containerConcurrency, 'container-concurrency');
  d.containerConcurrencyMaxLimit = r.int(d.containerConcurrencyMaxLimit, 'container-concurrency-max-limit');
  d.allowContainerConcurrencyZero = r.bool(d.allowContainerConcurrencyZero, 'allow-container-concurrency-zero');
  const esl = r.raw('enable-service-links');
  if (esl !== undefined) {
    const v = esl.value.trim().toLowerCase();
    d.enableServiceLinks = v === 'true' ? true : v === 'false' ? false : undefined;
  }
  d.containerNameTemplate = r.string(d.containerNameTemplate, 'container-name-template');
  d.initContainerNameTemplate = r.string(d.initContainerNameTemplate, 'init-container-name-template');
  const q = (k: string) => {
    const x = r.raw(k);
    return x === undefined || x.value.trim() === '' ? undefined : x.value.trim();
  };
  const quantities: Array<[keyof DefaultsConfig, string]> = [
    ['revisionCpuRequest', 'revision-cpu-request'],
    ['revisionCpuLimit', 'revision-cpu-limit'],
    ['revisionMemoryRequest', 'revision-memory-request'],
    ['revisionMemoryLimit', 'revision-memory-limit'],
    ['revisionEphemeralStorageRequest', 'revision-ephemeral-storage-request'],
    ['revisionEphemeralStorageLimit', 'revision-ephemeral-storage-limit'],
  ];
  for (const [field, key] of quantities) {
    const v = q(key);
    if (v === undefined) continue;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.test(v)) {
      r.fail(key, v, 'not a Kubernetes quantity', 'use a quantity such as "100m" (cpu) or "128Mi" (memory)');
    }
    (d as any)[field] = v;
  }

  const cm = 'config-defaults';
  if (d.revisionTimeoutSeconds > d.maxRevisionTimeoutSeconds) {
    throw new ConfigError(cm, 'revision-timeout-seconds', String(d.revisionTimeoutSeconds),
      `cannot be greater than max-revision-timeout-seconds (${d.maxRevisionTimeoutSeconds})`,
      'lower revision-timeout-seconds or raise max-revision-timeout-seconds');
  }
  if (d.revisionResponseStartTimeoutSeconds > d.revisionTimeoutSeconds || d.revisionResponseStartTimeoutSeconds < 0) {
    throw new ConfigError(cm, 'revision-response-start-timeout-seconds', String(d.revisionResponseStartTimeoutSeconds),
      `must be between 0 and revision-timeout-seconds (${d.revisionTimeoutSeconds})`,
      'lower revision-response-start-timeout-seconds or raise revision-timeout-seconds');
  }
  if (d.revisionIdleTimeoutSeconds > d.revisionTimeoutSeconds || d.revisionIdleTimeoutSeconds < 0) {
    throw new ConfigError(cm, 'revision-idle-timeout-seconds', String(d.revisionIdleTimeoutSeconds),
      `must be between 0 and revision-timeout-seconds (${d.revisionTimeoutSeconds})`,
      'lower revision-idle-timeout-seconds (0 = infinite) or raise revision-timeout-seconds');
  }
  if (d.containerConcurrencyMaxLimit < 1) {
    throw new ConfigError(cm, 'container-concurrency-max-limit', String(d.containerConcurrencyMaxLimit), 'must be at least 1',
      'use a positive limit such as "1000"');
  }
  if (d.containerConcurrency < 0 || d.containerConcurrency > d.containerConcurrencyMaxLimit) {
    throw new ConfigError(cm, 'container-concurrency', String(d.containerConcurrency),
      `must be between 0 and container-concurrency-max-limit (${d.containerConcurrencyMaxLimit})`,
      'use a value in that range (0 = unlimited)');
  }
  // Knative executes the templates against an empty ObjectMeta; we check they render with our
  // Go-template subset (the same renderer the defaulting rules use).
  for (const key of ['container-name-template', 'init-container-name-template']) {
    const x = r.raw(key);
    if (x === undefined) continue;
    try {
      renderTemplate(x.value, OBJECT_META_TEMPLATE_SAMPLE);
    } catch (e) {
      r.fail(key, x.value, `error executing template: ${(e as Error).message}`,
        'use a literal name or a template over the parent ObjectMeta such as "{{.Name}}"');
    }
  }
  return d;
}

/** ObjectMeta fields available to container-name templates (all empty, as in Knative's check). */
export const OBJECT_META_TEMPLATE_SAMPLE: TemplateValues = {
  Name: '', GenerateName: '', Namespace: '', UID: '', ResourceVersion: '', Labels: {}, Annotations: {},
};

function parseFeatures(data: Record<string, string>): FeatureFlags {
  const f: FeatureFlags = { ...DEFAULT_FEATURE_FLAGS };
  for (const key of Object.keys(DEFAULT_FEATURE_FLAGS)) {
    const v = data[key];
    if (v === undefined) continue;
    const s = parseFlagState(v);
    if (s !== undefined) f[key] = s; // unknown values: keep default (Knative ignores them)
  }
  return f;
}

function parseAutoscaler(data: Record<string, string>): AutoscalerConfig {
  const r = new Reader('config-autoscaler', data);
  const a = defaultServingConfig().autoscaler;
  const cm = 'config-autoscaler';
  a.podAutoscalerClass = r.string(a.podAutoscalerClass, 'pod-autoscaler-class');
  a.enableScaleToZero = r.bool(a.enableScaleToZero, 'enable-scale-to-zero');
  a.allowZeroInitialScale = r.bool(a.allowZeroInitialScale, 'allow-zero-initial-scale');
  a.initialScale = r.int(a.initialScale, 'initial-scale');
  a.minScale = r.int(a.minScale, 'min-scale');
  a.maxScale = r.int(a.maxScale, 'max-scale');
  a.maxScaleLimit = r.int(a.maxScaleLimit, 'max-scale-limit');
  a.containerConcurrencyTargetDefault = r.float(a.containerConcurrencyTargetDefault, 'container-concurrency-target-default');
  a.containerConcurrencyTargetPercentage = r.float(a.containerConcurrencyTargetPercentage, 'container-concurrency-target-percentage');
  // Legacy: values in (0, 1] are fractions.
  if (a.containerConcurrencyTargetPercentage > 0 && a.containerConcurrencyTargetPercentage <= 1) {
    a.containerConcurrencyTargetPercentage *= 100;
  }
  a.requestsPerSecondTargetDefault = r.float(a.requestsPerSecondTargetDefault, 'requests-per-second-target-default');
  a.targetBurstCapacity = r.float(a.targetBurstCapacity, 'target-burst-capacity');
  a.stableWindowSeconds = r.duration(a.stableWindowSeconds, 'stable-window');
  a.panicWindowPercentage = r.float(a.panicWindowPercentage, 'panic-window-percentage');
  a.panicThresholdPercentage = r.float(a.panicThresholdPercentage, 'panic-threshold-percentage');
  a.scaleToZeroGracePeriodSeconds = r.duration(a.scaleToZeroGracePeriodSeconds, 'scale-to-zero-grace-period');
  a.scaleToZeroPodRetentionPeriodSeconds = r.duration(a.scaleToZeroPodRetentionPeriodSeconds, 'scale-to-zero-pod-retention-period');
  a.scaleDownDelaySeconds = r.duration(a.scaleDownDelaySeconds, 'scale-down-delay');
  a.maxScaleUpRate = r.float(a.maxScaleUpRate, 'max-scale-up-rate');
  a.maxScaleDownRate = r.float(a.maxScaleDownRate, 'max-scale-down-rate');
  a.activatorCapacity = r.float(a.activatorCapacity, 'activator-capacity');

  const bad = (key: string, value: number | string, problem: string, fix: string): never => {
    throw new ConfigError(cm, key, r.raw(key)?.value ?? String(value), problem, fix);
  };
  if (a.initialScale < 0 || (a.initialScale === 0 && !a.allowZeroInitialScale)) {
    bad('initial-scale', a.initialScale, 'must be ≥ 1 (or 0 when allow-zero-initial-scale is "true")',
      'use a positive initial-scale, or set allow-zero-initial-scale: "true" to allow 0');
  }
  if (a.maxScaleLimit < 0) bad('max-scale-limit', a.maxScaleLimit, 'must be ≥ 0', 'use 0 (no limit) or a positive limit');
  // Knative: max-scale in [limit > 0 ? 1 : 0, limit]; min-scale in [0, max-scale] when max-scale > 0.
  if (a.maxScale < 0 || (a.maxScaleLimit > 0 && (a.maxScale < 1 || a.maxScale > a.maxScaleLimit))) {
    bad('max-scale', a.maxScale, a.maxScaleLimit > 0 ? `must be between 1 and max-scale-limit (${a.maxScaleLimit})` : 'must be ≥ 0',
      a.maxScaleLimit > 0 ? `set max-scale to a value from 1 to ${a.maxScaleLimit} (0, unlimited, is not allowed under a limit)` : 'use 0 (unlimited) or a positive value');
  }
  if (a.minScale < 0 || (a.maxScale > 0 && a.minScale > a.maxScale)) {
    bad('min-scale', a.minScale, `must be ≥ 0${a.maxScale > 0 ? ` and ≤ max-scale (${a.maxScale})` : ''}`, 'lower min-scale or raise max-scale');
  }
  if (a.containerConcurrencyTargetPercentage > 0 && a.containerConcurrencyTargetPercentage <= 100 &&
      a.containerConcurrencyTargetDefault * a.containerConcurrencyTargetPercentage / 100 < 0.01) {
    bad('container-concurrency-target-default', a.containerConcurrencyTargetDefault,
      'container-concurrency-target-percentage and container-concurrency-target-default yield a target concurrency below 0.01',
      'use a target such as "100"');
  }
  if (a.requestsPerSecondTargetDefault < 0.01) {
    bad('requests-per-second-target-default', a.requestsPerSecondTargetDefault, 'must be at least 0.01', 'use a target such as "200"');
  }
  if (a.containerConcurrencyTargetPercentage <= 0 || a.containerConcurrencyTargetPercentage > 100) {
    bad('container-concurrency-target-percentage', a.containerConcurrencyTargetPercentage, 'must be in (0, 100]', 'use a percentage such as "70"');
  }
  if (a.targetBurstCapacity < 0 && a.targetBurstCapacity !== -1) {
    bad('target-burst-capacity', a.targetBurstCapacity, 'must be ≥ 0 or exactly -1 (unlimited)', 'use e.g. "211", "0" or "-1"');
  }
  if (a.stableWindowSeconds < 6 || a.stableWindowSeconds > 3600 || !Number.isInteger(a.stableWindowSeconds)) {
    bad('stable-window', formatGoDuration(a.stableWindowSeconds), 'must be between 6s and 1h, in whole seconds', 'use e.g. "60s"');
  }
  if (a.panicWindowPercentage < 1 || a.panicWindowPercentage > 100) {
    bad('panic-window-percentage', a.panicWindowPercentage, 'must be in [1, 100]', 'use e.g. "10"');
  }
  // Knative: the panic window (stable-window × percentage) must be at least one 1s bucket.
  if (a.stableWindowSeconds * a.panicWindowPercentage / 100 < 1) {
    const window = `a panic window of ${a.stableWindowSeconds * a.panicWindowPercentage / 100}s (stable-window ${formatGoDuration(a.stableWindowSeconds)} × `
      + `panic-window-percentage ${a.panicWindowPercentage} / 100), below 1s`;
    // Blame the key that was written (the percentage if both were).
    if (r.raw('panic-window-percentage')) bad('panic-window-percentage', a.panicWindowPercentage, `gives ${window}`, 'raise panic-window-percentage or stable-window');
    bad('stable-window', formatGoDuration(a.stableWindowSeconds), `gives ${window}`, 'raise stable-window or panic-window-percentage');
  }
  if (a.scaleToZeroGracePeriodSeconds < 6) {
    bad('scale-to-zero-grace-period', formatGoDuration(a.scaleToZeroGracePeriodSeconds), 'must be at least 6s', 'use e.g. "30s"');
  }
  if (a.scaleToZeroPodRetentionPeriodSeconds < 0) {
    bad('scale-to-zero-pod-retention-period', formatGoDuration(a.scaleToZeroPodRetentionPeriodSeconds), 'must be ≥ 0', 'use e.g. "0s"');
  }
  if (a.scaleDownDelaySeconds < 0 || !Number.isInteger(a.scaleDownDelaySeconds)) {
    bad('scale-down-delay', formatGoDuration(a.scaleDownDelaySeconds), 'must be ≥ 0 and in whole seconds', 'use e.g. "0s" or "15m"');
  }
  if (a.maxScaleUpRate <= 1) bad('max-scale-up-rate', a.maxScaleUpRate, 'must be greater than 1', 'use e.g. "1000"');
  if (a.maxScaleDownRate <= 1) bad('max-scale-down-rate', a.maxScaleDownRate, 'must be greater than 1', 'use e.g. "2"');
  if (a.activatorCapacity < 1) bad('activator-capacity', a.activatorCapacity, 'must be at least 1', 'use e.g. "100"');
  return a;
}

function enabledDisabled(r: Reader, def: 'Enabled' | 'Disabled', ...keys: string[]): 'Enabled' | 'Disabled' {
  const x = r.raw(...keys);
  if (x === undefined) return def;
  return x.value.trim().toLowerCase() === 'enabled' ? 'Enabled' : 'Disabled';
}

/** Like Knative's system-internal-tls / cluster-local-domain-tls: '', enabled, disabled; anything else is an error. */
function strictEnabledDisabled(r: Reader, def: 'Enabled' | 'Disabled', key: string): 'Enabled' | 'Disabled' {
  const x = r.raw(key);
  if (x === undefined) return def;
  switch (x.value.trim().toLowerCase()) {
    case '': return def;
    case 'enabled': return 'Enabled';
    case 'disabled': return 'Disabled';
    default: return r.fail(key, x.value, 'not supported', `set ${key} to "Enabled" or "Disabled"`);
  }
}

function parseNetwork(data: Record<string, string>): NetworkConfig {
  const r = new Reader('config-network', data);
  const n = defaultServingConfig().network;
  // New (kebab-case) keys take precedence over the legacy spellings.
  n.ingressClass = r.string(n.ingressClass, 'ingress-class', 'ingress.class');
  n.certificateClass = r.string(n.certificateClass, 'certificate-class', 'certificate.class');
  n.domainTemplate = r.string(n.domainTemplate, 'domain-template', 'domainTemplate');
  n.tagTemplate = r.string(n.tagTemplate, 'tag-template', 'tagTemplate');
  n.rolloutDurationSeconds = r.int(n.rolloutDurationSeconds, 'rollout-duration', 'rolloutDuration');
  n.autocreateClusterDomainClaims = r.bool(n.autocreateClusterDomainClaims, 'autocreate-cluster-domain-claims', 'autocreateClusterDomainClaims');
  n.namespaceWildcardCertSelector = r.string(n.namespaceWildcardCertSelector, 'namespace-wildcard-cert-selector');
  n.externalDomainTls = enabledDisabled(r, n.externalDomainTls, 'external-domain-tls', 'auto-tls', 'autoTLS');
  n.clusterLocalDomainTls = strictEnabledDisabled(r, n.clusterLocalDomainTls, 'cluster-local-domain-tls');
  n.systemInternalTls = strictEnabledDisabled(r, n.systemInternalTls, 'system-internal-tls');
  n.defaultExternalScheme = r.string(n.defaultExternalScheme, 'default-external-scheme', 'defaultExternalScheme');

  const hp = r.raw('http-protocol', 'httpProtocol');
  if (hp !== undefined) {
    switch (hp.value.trim().toLowerCase()) {
      case '':
      case 'enabled': n.httpProtocol = 'Enabled'; break;
      case 'redirected': n.httpProtocol = 'Redirected'; break;
      case 'disabled': n.httpProtocol = 'Disabled'; break;
      default:
        r.fail(hp.key, hp.value, 'unsupported http-protocol', 'use "Enabled" or "Redirected" ("Disabled" is deprecated)');
    }
  }
  // Knative uses the value verbatim; we only reject strings that cannot be a URL scheme.
  if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(n.defaultExternalScheme)) {
    const x = r.raw('default-external-scheme', 'defaultExternalScheme')!;
    r.fail(x.key, x.value, 'not a URL scheme', 'set default-external-scheme to "http" or "https"');
  }
  if (n.rolloutDurationSeconds < 0) {
    const x = r.raw('rollout-duration', 'rolloutDuration')!;
    r.fail(x.key, x.value, 'must be ≥ 0', 'use a non-negative integer number of seconds (0 disables gradual rollout)');
  }
  checkDomainTemplate(r, n.domainTemplate);
  checkTagTemplate(r, n.tagTemplate);
  return n;
}

function checkDomainTemplate(r: Reader, tpl: string): void {
  const x = r.raw('domain-template', 'domainTemplate');
  if (x === undefined) return;
  let out: string;
  try {
    out = renderTemplate(tpl, { Name: 'foo', Namespace: 'bar', Domain: 'baz.com', Annotations: {}, Labels: {} });
  } catch (e) {
    return r.fail(x.key, x.value, (e as Error).message, `use a template such as "${DEFAULT_DOMAIN_TEMPLATE}"`);
  }
  if (out === '' || /[/?#\s]/.test(out)) {
    r.fail(x.key, x.value, out === '' ? 'renders an empty hostname' : `domain template has url path or invalid characters (rendered "${out}")`,
      `the template must render a bare hostname, e.g. "${DEFAULT_DOMAIN_TEMPLATE}"`);
  }
}

function checkTagTemplate(r: Reader, tpl: string): void {
  const x = r.raw('tag-template', 'tagTemplate');
  if (x === undefined) return;
  try {
    renderTemplate(tpl, { Name: 'foo', Tag: 'bar' });
  } catch (e) {
    r.fail(x.key, x.value, (e as Error).message, `use a template such as "${DEFAULT_TAG_TEMPLATE}" (variables: .Tag, .Name)`);
  }
}

function parseGc(data: Record<string, string>): GcConfig {
  const r = new Reader('config-gc', data);
  const g = defaultServingConfig().gc;
  g.retainSinceCreateTimeSeconds = r.durationOrDisabled(g.retainSinceCreateTimeSeconds, 'retain-since-create-time');
  g.retainSinceLastActiveTimeSeconds = r.durationOrDisabled(g.retainSinceLastActiveTimeSeconds, 'retain-since-last-active-time');
  g.minNonActiveRevisions = r.int(g.minNonActiveRevisions, 'min-non-active-revisions');
  const mx = r.raw('max-non-active-revisions');
  if (mx !== undefined) {
    if (mx.value.trim().toLowerCase() === 'disabled') {
      g.maxNonActiveRevisions = null;
    } else {
      g.maxNonActiveRevisions = r.int(0, 'max-non-active-revisions');
      if (g.maxNonActiveRevisions < 0) {
        r.fail('max-non-active-revisions', mx.value, 'must be non-negative or "disabled"', 'use e.g. "1000" or "disabled"');
      }
    }
  }
  if (g.minNonActiveRevisions < 0) {
    r.fail('min-non-active-revisions', String(g.minNonActiveRevisions), 'must be non-negative', 'use e.g. "20"');
  }
  if (g.maxNonActiveRevisions !== null && g.minNonActiveRevisions > g.maxNonActiveRevisions) {
    r.fail('min-non-active-revisions', String(g.minNonActiveRevisions),
      `must be ≤ max-non-active-revisions (${g.maxNonActiveRevisions})`, 'lower min-non-active-revisions or raise max-non-active-revisions');
  }
  return g;
}

function parseDeployment(data: Record<string, string>): DeploymentConfig {
  const r = new Reader('config-deployment', data);
  const d = defaultServingConfig().deployment;
  d.progressDeadlineSeconds = r.duration(d.progressDeadlineSeconds, 'progress-deadline', 'progressDeadline');
  if (d.progressDeadlineSeconds <= 0 || !Number.isInteger(d.progressDeadlineSeconds)) {
    const x = r.raw('progress-deadline', 'progressDeadline')!;
    r.fail(x.key, x.value, 'must be a positive duration in whole seconds', 'use e.g. "600s" or "10m"');
  }
  const reg = r.raw('registries-skipping-tag-resolving', 'registriesSkippingTagResolving');
  if (reg !== undefined) {
    d.registriesSkippingTagResolving = reg.value.split(',').map(s => s.trim()).filter(s => s !== '');
  }
  d.digestResolutionTimeoutSeconds = r.duration(d.digestResolutionTimeoutSeconds, 'digest-resolution-timeout', 'digestResolutionTimeout');
  if (d.digestResolutionTimeoutSeconds <= 0) {
    const x = r.raw('digest-resolution-timeout', 'digestResolutionTimeout')!;
    r.fail(x.key, x.value, 'must be a positive duration', 'use e.g. "10s"');
  }
  d.queueSidecarImage = r.string(d.queueSidecarImage, 'queue-sidecar-image', 'queueSidecarImage');
  d.defaultAffinityType = r.string(d.defaultAffinityType, 'default-affinity-type');
  if (!['none', 'prefer-spread-revision-over-nodes'].includes(d.defaultAffinityType)) {
    r.fail('default-affinity-type', d.defaultAffinityType, 'unsupported affinity type', 'use "prefer-spread-revision-over-nodes" or "none"');
  }
  d.podIsAlwaysSchedulable = r.bool(d.podIsAlwaysSchedulable, 'pod-is-always-schedulable');
  return d;
}

// ---------------------------------------------------------------------------
// config-domain: `selector:\n  key: value` (tiny YAML subset)
// ---------------------------------------------------------------------------

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) {
    if (t[0] === '"') {
      try {
        return JSON.parse(t);
      } catch {
        return t.slice(1, -1);
      }
    }
    return t.slice(1, -1).replace(/''/g, "'");
  }
  return t;
}

function stripComment(line: string): string {
  // A '#' starts a comment at line start or after whitespace, outside quotes.
  let q: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'") {
      q = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** Split `k: v` at the first ": " (or trailing ':'), honouring quotes. */
function splitKeyValue(s: string): [string, string] | undefined {
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'") {
      q = c;
    } else if (c === ':' && (i === s.length - 1 || s[i + 1] === ' ' || s[i + 1] === '\t')) {
      return [unquote(s.slice(0, i)), s.slice(i + 1).trim()];
    }
  }
  return undefined;
}

function parseFlowMap(s: string, fail: (why: string) => never): Record<string, string> {
  const inner = s.trim().slice(1, -1).trim();
  const out: Record<string, string> = {};
  if (inner === '') return out;
  for (const part of inner.split(',')) {
    if (part.trim() === '') continue;
    const kv = splitKeyValue(part.trim()) ?? (() => {
      const i = part.indexOf(':');
      return i < 0 ? undefined : [unquote(part.slice(0, i)), part.slice(i + 1).trim()] as [string, string];
    })();
    if (!kv || kv[0] === '') fail(`cannot parse "${part.trim()}" inside the selector map`);
    out[kv[0]] = unquote(kv[1]);
  }
  return out;
}

/**
 * Parse one config-domain value: empty, `selector: {}`, `selector: {k: v}` or
 * `selector:\n  k: v\n  k2: v2`. Returns the selector labels. Throws ConfigError otherwise.
 */
export function parseDomainSelector(domain: string, value: string): Record<string, string> {
  const fail = (why: string): never => {
    throw new ConfigError('config-domain', domain, value, why,
      'use an empty value for the default domain, or "selector:\\n  <label>: <value>" (one label per indented line)');
  };
  const lines = value.split(/\r?\n/).map(stripComment).filter(l => l.trim() !== '' && l.trim() !== '---');
  const sel: Record<string, string> = {};
  if (lines.length === 0) return sel;
  const first = lines[0];
  if (/^\s/.test(first)) fail('unexpected indentation on the first line');
  const kv = splitKeyValue(first.trim());
  if (!kv) {
    if (first.trim() === '{}') return sel;
    return fail('expected a "selector:" mapping');
  }
  if (kv[0] !== 'selector') fail(`unknown field "${kv[0]}" (only "selector" is allowed)`);
  const rest = kv[1];
  if (rest !== '') {
    if (lines.length > 1) fail('unexpected lines after an inline selector');
    if (rest === '{}' || rest === '~' || rest === 'null') return sel;
    if (rest.startsWith('{') && rest.endsWith('}')) return parseFlowMap(rest, fail);
    return fail('the selector must be a map of label keys to values');
  }
  let indent: string | undefined;
  for (const line of lines.slice(1)) {
    const m = /^(\s+)(.*)$/.exec(line);
    if (!m) fail(`unexpected top-level line "${line.trim()}"`);
    if (indent === undefined) indent = m![1];
    else if (m![1] !== indent) fail(`inconsistent indentation at "${line.trim()}"`);
    const pair = splitKeyValue(m![2].trimEnd());
    if (!pair || pair[0] === '') fail(`cannot parse selector line "${line.trim()}" (expected "<label>: <value>")`);
    const v = pair![1];
    if (v.startsWith('{') || v.startsWith('[') || v.startsWith('|') || v.startsWith('>')) {
      fail(`label "${pair![0]}" must have a plain string value`);
    }
    sel[pair![0]] = unquote(v);
  }
  return sel;
}

function parseDomain(data: Record<string, string>): DomainConfig {
  const d: DomainConfig = {};
  for (const key of Object.keys(data).sort()) {
    if (key === '_example') continue;
    d[key] = parseDomainSelector(key, data[key] ?? '');
  }
  return d;
}

// ---------------------------------------------------------------------------
// Minimal Go-template renderer shared with hosts.ts
// ---------------------------------------------------------------------------

export type TemplateValues = Record<string, string | Record<string, string> | undefined>;

/**
 * Render the Go text/template subset Knative's templates use: literal text, `{{.Field}}`,
 * `{{index .Map "key"}}` (missing key → ""), optional `{{-`/`-}}` trim markers.
 * Anything else throws an Error naming the unsupported action.
 */
export function renderTemplate(tpl: string, values: TemplateValues): string {
  let out = '';
  let i = 0;
  while (i < tpl.length) {
    const open = tpl.indexOf('{{', i);
    if (open < 0) {
      out += tpl.slice(i);
      break;
    }
    out += tpl.slice(i, open);
    const close = tpl.indexOf('}}', open + 2);
    if (close < 0) throw new Error(`template: unclosed action in ${JSON.stringify(tpl)}`);
    let action = tpl.slice(open + 2, close);
    let next = close + 2;
    if (action.startsWith('- ') || action === '-') {
      out = out.replace(/\s+$/, '');
      action = action.slice(1);
    }
    if (action.endsWith(' -')) {
      action = action.slice(0, -1);
      const m = /^\s*/.exec(tpl.slice(next))!;
      next += m[0].length;
    }
    out += evalAction(action.trim(), values, tpl);
    i = next;
  }
  return out;
}

function evalAction(action: string, values: TemplateValues, tpl: string): string {
  let m = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(action);
  if (m) {
    const name = m[1];
    if (!Object.prototype.hasOwnProperty.call(values, name)) {
      throw new Error(`template: can't evaluate field ${name} (available: ${Object.keys(values).map(k => '.' + k).join(', ')})`);
    }
    const v = values[name];
    if (v !== undefined && typeof v !== 'string') {
      throw new Error(`template: .${name} is a map; use {{index .${name} "key"}}`);
    }
    return v ?? '';
  }
  m = /^index\s+\.([A-Za-z_][A-Za-z0-9_]*)\s+("(?:[^"\\]|\\.)*"|`[^`]*`)$/.exec(action);
  if (m) {
    const name = m[1];
    if (!Object.prototype.hasOwnProperty.call(values, name)) {
      throw new Error(`template: can't evaluate field ${name} (available: ${Object.keys(values).map(k => '.' + k).join(', ')})`);
    }
    const map = values[name];
    if (typeof map === 'string') throw new Error(`template: can't index item of type string (.${name})`);
    const key = m[2].startsWith('`') ? m[2].slice(1, -1) : JSON.parse(m[2]);
    return map?.[key] ?? '';
  }
  throw new Error(`template: unsupported action {{${action}}} in ${JSON.stringify(tpl)}; supported: {{.Field}}, {{index .Map "key"}}`);
}

// ---------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------

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

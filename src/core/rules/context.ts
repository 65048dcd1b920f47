/**
 * Admission context and the configuration view the rules read (reference §12).
 * Everything is resolved once per request into `Settings` so rule code never has to
 * deal with missing configuration.
 */
import { DefaultsConfig, DEFAULT_FEATURE_FLAGS, ServingConfig } from '../config';
import type { KubeObject } from '../types';
import { isObj, Obj } from './util';

export interface AdmissionContext {
  /** Cluster configuration; defaults to `defaultServingConfig()` (Knative 1.17 defaults). */
  config?: ServingConfig;
  /** Default 'create'. */
  operation?: 'create' | 'update';
  /** The stored object (update only). */
  old?: KubeObject;
  /** Whether to report warnings (severity 'warning'); default true. Errors are always reported. */
  warnings?: boolean;
  /**
   * How fixes name a cluster setting: returns the clause (after "or …") that gives `key` of the
   * `configMap` ConfigMap the value `value`. Default (`defaultSettingFix`):
   * `set <key>: "<value>" in the <configMap> ConfigMap`. Synth-time validation names the
   * declaration API of the constructs instead (`KnativeCluster.configure()` or the
   * `ServingControlPlane` prop).
   */
  clusterSetting?: (configMap: string, key: string, value: string) => string;
}

/** The config-defaults values the rules read as they are. */
type DefaultsSettings = Pick<DefaultsConfig,
  'revisionTimeoutSeconds' | 'maxRevisionTimeoutSeconds' | 'revisionResponseStartTimeoutSeconds' | 'revisionIdleTimeoutSeconds'
  | 'containerConcurrency' | 'containerConcurrencyMaxLimit' | 'allowContainerConcurrencyZero' | 'enableServiceLinks'
  | 'containerNameTemplate' | 'initContainerNameTemplate'>;

/** Fully resolved configuration used by the rules. */
export interface Settings extends DefaultsSettings {
  /** config-defaults revision-<res>-request / -limit, keyed by resource name. */
  resourceRequests: Record<string, string>;
  resourceLimits: Record<string, string>;
  podAutoscalerClass: string;
  allowZeroInitialScale: boolean;
  maxScaleLimit: number;
  clusterDomain: string;
  /** Raw flag value (e.g. 'AllowRootBounded' for secure-pod-defaults). */
  flag(name: string): string;
  /** gate = Enabled */
  enabled(name: string): boolean;
  /** gate ≠ Disabled */
  notDisabled(name: string): boolean;
}

/** Internal per-request state. */
export interface Req {
  s: Settings;
  op: 'create' | 'update';
  old?: KubeObject;
  /** `AdmissionContext.clusterSetting`, when given. */
  setting?: (configMap: string, key: string, value: string) => string;
}

const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const str = (v: unknown, d: string) => (typeof v === 'string' ? v : d);
const bool = (v: unknown, d: boolean) => (typeof v === 'boolean' ? v : d);

const RESOURCE_KEYS: Array<[string, string]> = [
  ['cpu', 'Cpu'], ['memory', 'Memory'], ['ephemeral-storage', 'EphemeralStorage'],
];

function resourceDefaults(d: Obj, kind: 'Request' | 'Limit'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [res, camel] of RESOURCE_KEYS) {
    const v = d[`revision${camel}${kind}`];
    if (typeof v === 'string' && v !== '') out[res] = v;
  }
  return out;
}

function canonicalFlag(v: string): string {
  const l = v.toLowerCase();
  if (l === 'enabled') return 'Enabled';
  if (l === 'disabled') return 'Disabled';
  if (l === 'allowed') return 'Allowed';
  if (l === 'allowrootbounded') return 'AllowRootBounded';
  return v;
}

/**
 * Resolve a ServingConfig into Settings. Tolerates partial/odd configs (falls back to the 1.17
 * defaults per field) because admission must never throw.
 */
export function resolveSettings(cfg: ServingConfig | undefined): Settings {
  const d: Obj = isObj(cfg?.defaults) ? cfg!.defaults as Obj : {};
  const a: Obj = isObj(cfg?.autoscaler) ? cfg!.autoscaler as Obj : {};
  const features: Record<string, unknown> = isObj(cfg?.features) ? cfg!.features as Obj : {};
  const timeout = num(d.revisionTimeoutSeconds, 300);
  // Flag values are looked up many times per request; memoized for the life of this Settings
  // object (the configuration is only read, never written, while a request is admitted).
  const flags = new Map<string, string>();
  const flag = (name: string) => {
    let r = flags.get(name);
    if (r === undefined) {
      const v = features[name];
      r = typeof v === 'string' && v !== '' ? canonicalFlag(v) : (DEFAULT_FEATURE_FLAGS[name] ?? 'Disabled');
      flags.set(name, r);
    }
    return r;
  };
  return {
    revisionTimeoutSeconds: timeout,
    maxRevisionTimeoutSeconds: num(d.maxRevisionTimeoutSeconds, 600),
    revisionResponseStartTimeoutSeconds: num(d.revisionResponseStartTimeoutSeconds, timeout),
    revisionIdleTimeoutSeconds: num(d.revisionIdleTimeoutSeconds, 0),
    containerConcurrency: num(d.containerConcurrency, 0),
    containerConcurrencyMaxLimit: num(d.containerConcurrencyMaxLimit, 1000),
    allowContainerConcurrencyZero: bool(d.allowContainerConcurrencyZero, true),
    enableServiceLinks: 'enableServiceLinks' in d ? (typeof d.enableServiceLinks === 'boolean' ? d.enableServiceLinks : undefined) : false,
    // An empty template is kept: Knative then names the containers "-0", "-1", … ("" counts as taken).
    containerNameTemplate: str(d.containerNameTemplate, 'user-container'),
    initContainerNameTemplate: str(d.initContainerNameTemplate, 'init-container'),
    resourceRequests: resourceDefaults(d, 'Request'),
    resourceLimits: resourceDefaults(d, 'Limit'),
    podAutoscalerClass: str(a.podAutoscalerClass, 'kpa.autoscaling.knative.dev'),
    allowZeroInitialScale: bool(a.allowZeroInitialScale, false),
    maxScaleLimit: num(a.maxScaleLimit, 0),
    clusterDomain: str(cfg?.clusterDomain, 'cluster.local') || 'cluster.local',
    flag,
    enabled: (name) => flag(name) === 'Enabled',
    notDisabled: (name) => flag(name) !== 'Disabled',
  };
}

/**
 * Settings (and the 'create' Req) per configuration object, for configurations that cannot
 * change: the config and every part resolveSettings reads are frozen (the L2 constructs share
 * deep-frozen configs), and DEFAULT_FEATURE_FLAGS is frozen too. Mutable configs are resolved
 * per request, as before.
 */
interface CachedSettings {
  s: Settings;
  create: Req;
  /** The last 'create' Req made with a `clusterSetting` (the constructs pass the same one each time). */
  withSetting?: Req;
}
const CACHED = new WeakMap<object, CachedSettings>();
let noConfig: CachedSettings | undefined;

function frozenPart(v: unknown): boolean {
  return typeof v !== 'object' || v === null || Object.isFrozen(v);
}

function cachedSettings(cfg: ServingConfig | undefined): CachedSettings | undefined {
  if (cfg === undefined) {
    if (!noConfig) {
      const s = resolveSettings(undefined);
      noConfig = { s, create: { s, op: 'create', old: undefined } };
    }
    return noConfig;
  }
  if (typeof cfg !== 'object' || cfg === null) return undefined;
  let hit = CACHED.get(cfg);
  if (hit !== undefined) return hit;
  if (!Object.isFrozen(cfg) || !frozenPart(cfg.defaults) || !frozenPart(cfg.autoscaler) || !frozenPart(cfg.features)) return undefined;
  const s = resolveSettings(cfg);
  hit = { s, create: { s, op: 'create', old: undefined } };
  CACHED.set(cfg, hit);
  return hit;
}

export function toReq(ctx: AdmissionContext | undefined): Req {
  const cfg = ctx?.config;
  const update = ctx?.operation === 'update';
  const setting = ctx?.clusterSetting;
  const hit = cachedSettings(cfg);
  if (hit !== undefined) {
    if (update) return { s: hit.s, op: 'update', old: ctx!.old, setting };
    if (setting === undefined) return hit.create;
    if (hit.withSetting?.setting !== setting) hit.withSetting = { ...hit.create, setting };
    return hit.withSetting;
  }
  return {
    s: resolveSettings(cfg),
    op: update ? 'update' : 'create',
    old: update ? ctx!.old : undefined,
    setting,
  };
}

/** The default `AdmissionContext.clusterSetting`: `set <key>: "<value>" in the <configMap> ConfigMap`. */
export function defaultSettingFix(configMap: string, key: string, value: string): string {
  return `set ${key}: "${value}" in the ${configMap} ConfigMap`;
}

/** The clause that gives a cluster setting a value, as the request's context names it (see `AdmissionContext.clusterSetting`). */
export function settingFix(req: Req, configMap: string, key: string, value: string): string {
  return (req.setting ?? defaultSettingFix)(configMap, key, value);
}

/** Fix sentence for a gated field. */
export function enableFix(flag: string, exact: boolean, req?: Req): string {
  const how = req ? settingFix(req, 'config-features', flag, 'Enabled') : defaultSettingFix('config-features', flag, 'Enabled');
  return `Remove the field, or enable the gate: ${how}${exact ? '' : ' ("Allowed" also works)'}.`;
}

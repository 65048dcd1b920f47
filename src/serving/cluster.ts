import { IConstruct } from 'constructs';
import { renderServingConfig, settingsLiteral } from './cluster-config';
import { KnativeClusterSettings } from './settings';
import { _touch } from './state';
import { defaultServingConfig, ServingConfig } from '../core/config';

/** Where the cluster configuration in effect for a construct comes from. */
type ClusterSource = 'declared' | 'control-plane' | 'default';

/**
 * The cluster configuration in effect for a construct (see `_clusterOf`).
 * @internal
 */
export interface _Cluster {
  /** The parsed configuration (deep-frozen: shared by every construct it applies to). */
  readonly config: ServingConfig;
  /** Where it comes from. */
  readonly source: ClusterSource;
  /** Construct path of the declaring scope or the `ServingControlPlane` (empty for the defaults). */
  readonly path: string;
  /**
   * The `config-features` gates this configuration sets to `Enabled` or `Allowed` beyond Knative's
   * defaults: the constructs render their fields as if declared with `KnativeFeatures.enable()`.
   */
  readonly gates: readonly string[];
  /**
   * How a fix names a cluster setting: the phrase after "or …" that makes `key` of `configMap`
   * `value`, naming the declaration API (see `settingFix`).
   */
  readonly settingFix: (configMap: string, key: string, value: string) => string;
}

/** A construct's path for messages; the app (root, empty path) is shown as `(app)`. */
function displayPath(scope: IConstruct): string {
  return scope.node.path === '' ? '(app)' : scope.node.path;
}

function deepFreeze<T>(o: T): T {
  if (o === null || typeof o !== 'object' || Object.isFrozen(o)) return o;
  Object.freeze(o);
  for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  return o;
}

/**
 * The fix phrase for a cluster setting, by where the configuration comes from:
 * - a `ServingControlPlane` in the app: its prop (it renders the ConfigMap);
 * - an explicit declaration: the cluster's ConfigMap and the declaration;
 * - nothing declared (Knative's defaults): the cluster's ConfigMap and `KnativeCluster.configure()`.
 */
function settingFix(source: ClusterSource, path: string, configMap: string, key: string, value: string): string {
  const s = settingsLiteral(configMap, key, value);
  const raw = `${key}: "${value}" in the cluster's ${configMap} ConfigMap`;
  switch (source) {
    case 'control-plane':
      return s
        ? `set ${s.prop}: ${s.expr} on the ServingControlPlane "${path}" (it renders ${configMap}: ${key})`
        : `set ${raw} (the ServingControlPlane "${path}" has no prop for it)`;
    case 'declared':
      return `set ${raw} and declare it in the KnativeCluster.configure() call on "${path}"${s ? `: ${s.literal}` : ''}`;
    default:
      return `set ${raw} and declare it with KnativeCluster.configure(scope, ${s ? s.literal : '{ ... }'})`;
  }
}

function clusterOf(config: ServingConfig, source: ClusterSource, path: string): _Cluster {
  const defaults = defaultServingConfig().features;
  const gates = Object.keys(config.features).filter((f) => config.features[f] !== 'Disabled' && config.features[f] !== defaults[f]).sort();
  return {
    config: deepFreeze(config),
    source,
    path,
    gates: Object.freeze(gates),
    settingFix: (configMap, key, value) => settingFix(source, path, configMap, key, value),
  };
}

/** Knative's out-of-the-box configuration (nothing declared, no control plane in the app). */
const DEFAULT_CLUSTER: _Cluster = clusterOf(defaultServingConfig(), 'default', '');

/**
 * Knative's out-of-the-box configuration (deep-frozen, shared).
 * @internal
 */
export function _knativeDefaultConfig(): ServingConfig {
  return DEFAULT_CLUSTER.config;
}

/** Declarations made with `KnativeCluster.configure()`, per scope. */
const DECLARED = new WeakMap<IConstruct, _Cluster>();
/** Whether `configure()` was ever called (a WeakMap cannot tell whether it is empty). */
let anyDeclared = false;

/** The configuration of the first `ServingControlPlane` of each app (keyed by the construct tree's root). */
const CONTROL_PLANES = new WeakMap<IConstruct, _Cluster>();

/**
 * Declares the settings of the Knative Serving cluster that the Knative constructs in a scope
 * are deployed to, for synth-time validation and rendering.
 *
 * Out of the box the constructs assume Knative's default configuration: a 600 s
 * `max-revision-timeout-seconds`, no zero initial scale, a `containerConcurrency` limit of 1000,
 * feature gates off, and so on. If your cluster is configured differently, say so once per app or
 * chart and every construct below the scope is validated against (and renders its
 * config-dependent defaults from) that configuration:
 *
 * ```ts
 * KnativeCluster.configure(app, {
 *   defaults: { maxRevisionTimeout: Duration.minutes(15) },
 *   autoscaler: { allowZeroInitialScale: true },
 * });
 * ```
 *
 * Where the configuration comes from, for each construct (the first that applies):
 * 1. the `configure()` call on the nearest scope (the construct itself, its chart, …, the app);
 *    a declaration replaces everything further out as a whole, unset settings take Knative's
 *    defaults;
 * 2. the props of the `ServingControlPlane` in the same app (the first one, if several): it
 *    configures the cluster, so nothing needs declaring;
 * 3. Knative's defaults.
 *
 * Feature gates declared with `KnativeFeatures.enable()` or a template's `enabledFeatures` are
 * added on top of the configuration's `features`.
 *
 * Declaring does not change the cluster: the settings must match its ConfigMaps (or the
 * `ServingControlPlane` that renders them). The same typed settings, checked the same way, are
 * the props of `ServingControlPlane`.
 */
export class KnativeCluster {
  /**
   * Declare the cluster settings for every Knative construct in `scope` and below it. Can be
   * called at any time before synthesis; a second call on the same scope replaces the first.
   * Throws an error naming the setting, the bad value and the fix for settings Knative would
   * reject.
   *
   * @param scope the app, a chart or any construct
   * @param settings the cluster's settings (unset: Knative's defaults)
   */
  public static configure(scope: IConstruct, settings: KnativeClusterSettings): void {
    const { config } = renderServingConfig({
      clusterDomain: settings.clusterDomain,
      defaults: settings.defaults,
      features: settings.features,
      autoscaler: settings.autoscaler,
    }, { scope: displayPath(scope), fieldPrefix: 'KnativeCluster.configure().' });
    _touch();
    anyDeclared = true;
    DECLARED.set(scope, clusterOf(config, 'declared', displayPath(scope)));
  }

  /**
   * Whether the cluster configuration in effect for `scope` was declared with `configure()` (on
   * it or a parent) or comes from a `ServingControlPlane` in the same app; false when the
   * constructs assume Knative's defaults.
   *
   * @param scope any construct
   */
  public static isConfigured(scope: IConstruct): boolean {
    return _clusterOf(scope).source !== 'default';
  }

  private constructor() {}
}

/**
 * The cluster configuration in effect for `scope` (see `KnativeCluster`).
 * @internal
 */
export function _clusterOf(scope: IConstruct): _Cluster {
  if (anyDeclared) {
    for (let s: IConstruct | undefined = scope; s !== undefined; s = s.node.scope) {
      const d = DECLARED.get(s);
      if (d !== undefined) return d;
    }
  }
  return CONTROL_PLANES.get(scope.node.root) ?? DEFAULT_CLUSTER;
}

/**
 * Record the configuration a `ServingControlPlane` gives its cluster (called by its
 * constructor), for every Knative construct of its app without a declaration of its own. The
 * first control plane of an app wins.
 * @internal
 */
export function _registerControlPlaneConfig(controlPlane: IConstruct, config: ServingConfig): void {
  const root = controlPlane.node.root;
  if (CONTROL_PLANES.has(root)) return;
  _touch();
  CONTROL_PLANES.set(root, clusterOf(config, 'control-plane', displayPath(controlPlane)));
}

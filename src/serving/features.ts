import { IConstruct } from 'constructs';
import { _clusterOf } from './cluster';
import { _touch } from './state';
import { formatProblem } from '../core/rules';

/**
 * Knative Serving feature gates (keys of the cluster's `config-features` ConfigMap in the
 * `knative-serving` namespace).
 *
 * Fields behind a gate pass the CRD schema but are rejected by Knative's admission webhook
 * unless the cluster enables the gate. This library therefore renders gated fields only
 * after you declare that your cluster enables the gate, either per template
 * (`enabledFeatures: [KnativeFeature.FIELD_REF]`) or chart-wide
 * (`KnativeFeatures.enable(chart, KnativeFeature.FIELD_REF)`). Without that declaration,
 * synthesis fails with an error naming the feature and the `config-features` key to enable.
 *
 * Declaring a feature does not change the cluster: you still have to set the key to
 * `Enabled` in `config-features`.
 *
 * @see https://knative.dev/docs/serving/configuration/feature-flags/
 */
export enum KnativeFeature {
  /** `kubernetes.podspec-fieldref`: env values from `fieldRef` / `resourceFieldRef` (downward API). */
  FIELD_REF = 'kubernetes.podspec-fieldref',
  /** `kubernetes.podspec-securitycontext`: pod-level `securityContext`. */
  POD_SECURITY_CONTEXT = 'kubernetes.podspec-securitycontext',
  /** `kubernetes.podspec-init-containers`: `initContainers`. */
  INIT_CONTAINERS = 'kubernetes.podspec-init-containers',
  /** `kubernetes.podspec-persistent-volume-claim`: `persistentVolumeClaim` volumes. */
  PERSISTENT_VOLUME_CLAIM = 'kubernetes.podspec-persistent-volume-claim',
  /** `kubernetes.podspec-persistent-volume-write`: writable (`readOnly: false`) `persistentVolumeClaim` volumes. */
  PERSISTENT_VOLUME_WRITE = 'kubernetes.podspec-persistent-volume-write',
  /** `kubernetes.podspec-volumes-hostpath`: `hostPath` volumes. */
  HOST_PATH = 'kubernetes.podspec-volumes-hostpath',
  /** `kubernetes.podspec-volumes-emptydir`: `emptyDir` volumes. Enabled by default in Knative; no opt-in needed. */
  EMPTY_DIR = 'kubernetes.podspec-volumes-emptydir',
  /** `kubernetes.podspec-volumes-csi` (Knative >= 1.18): `csi` volumes. */
  CSI_VOLUMES = 'kubernetes.podspec-volumes-csi',
  /** `kubernetes.containerspec-addcapabilities`: container `securityContext.capabilities.add`. */
  ADD_CAPABILITIES = 'kubernetes.containerspec-addcapabilities',
  /** `kubernetes.podspec-affinity`: pod `affinity`. */
  AFFINITY = 'kubernetes.podspec-affinity',
  /** `kubernetes.podspec-tolerations`: pod `tolerations`. */
  TOLERATIONS = 'kubernetes.podspec-tolerations',
  /** `kubernetes.podspec-nodeselector`: pod `nodeSelector`. */
  NODE_SELECTOR = 'kubernetes.podspec-nodeselector',
  /** `kubernetes.podspec-topologyspreadconstraints`: pod `topologySpreadConstraints`. */
  TOPOLOGY_SPREAD_CONSTRAINTS = 'kubernetes.podspec-topologyspreadconstraints',
  /** `kubernetes.podspec-hostaliases`: pod `hostAliases`. */
  HOST_ALIASES = 'kubernetes.podspec-hostaliases',
  /** `kubernetes.podspec-runtimeclassname`: pod `runtimeClassName`. */
  RUNTIME_CLASS_NAME = 'kubernetes.podspec-runtimeclassname',
  /** `kubernetes.podspec-priorityclassname`: pod `priorityClassName`. */
  PRIORITY_CLASS_NAME = 'kubernetes.podspec-priorityclassname',
  /** `kubernetes.podspec-schedulername`: pod `schedulerName`. */
  SCHEDULER_NAME = 'kubernetes.podspec-schedulername',
  /** `kubernetes.podspec-shareprocessnamespace`: pod `shareProcessNamespace`. */
  SHARE_PROCESS_NAMESPACE = 'kubernetes.podspec-shareprocessnamespace',
  /** `kubernetes.podspec-dnspolicy`: pod `dnsPolicy`. */
  DNS_POLICY = 'kubernetes.podspec-dnspolicy',
  /** `kubernetes.podspec-dnsconfig`: pod `dnsConfig`. */
  DNS_CONFIG = 'kubernetes.podspec-dnsconfig',
  /** `kubernetes.podspec-hostipc`: pod `hostIPC`. */
  HOST_IPC = 'kubernetes.podspec-hostipc',
  /** `kubernetes.podspec-hostpid`: pod `hostPID`. */
  HOST_PID = 'kubernetes.podspec-hostpid',
  /** `kubernetes.podspec-hostnetwork`: pod `hostNetwork`. */
  HOST_NETWORK = 'kubernetes.podspec-hostnetwork',
  /** `multi-container-probing`: probes on sidecar containers. */
  MULTI_CONTAINER_PROBING = 'multi-container-probing',
  /** `secure-pod-defaults`: Knative fills restrictive security defaults (and allows `capabilities.add: [NET_BIND_SERVICE]`). */
  SECURE_POD_DEFAULTS = 'secure-pod-defaults',
  /** `tag-header-based-routing`: route requests by the `Knative-Serving-Tag` header. */
  TAG_HEADER_BASED_ROUTING = 'tag-header-based-routing',
}

/** Construct-context key read by `KnativeFeatures.isEnabled()` (a list of `config-features` keys). */
const CONTEXT_KEY = '@cdk8s-knative-serving/enabled-features';

/** Features declared with `KnativeFeatures.enable()`, per construct (order independent). */
const DECLARED = new WeakMap<IConstruct, Set<string>>();
/** Whether `enable()` was ever called (a WeakMap cannot tell whether it is empty). */
let anyDeclared = false;

/**
 * Chart- or app-wide declaration of the Knative feature gates your cluster enables.
 *
 * Every Knative resource in the scope (and below it) may then render fields behind those
 * gates, and synth-time validation assumes the gates are `Enabled`.
 *
 * Alternatively set the construct context key `@cdk8s-knative-serving/enabled-features`
 * (a list of `config-features` keys, e.g. `['kubernetes.podspec-fieldref']`) on the app
 * before adding charts.
 */
export class KnativeFeatures {
  /** The construct-context key holding a list of enabled `config-features` keys. */
  public static readonly CONTEXT_KEY: string = CONTEXT_KEY;

  /**
   * Gates Knative turns on out of the box; they need no opt-in.
   * @internal
   */
  public static readonly _ON_BY_DEFAULT: ReadonlySet<string> = new Set<string>([KnativeFeature.EMPTY_DIR]);

  /**
   * Declare that the cluster enables the given feature gates, for every Knative resource in
   * `scope` and below it. Can be called at any time before synthesis.
   *
   * @param scope the app, a chart or any construct
   * @param features the feature gates the cluster enables
   */
  public static enable(scope: IConstruct, ...features: KnativeFeature[]): void {
    let set = DECLARED.get(scope);
    if (!set) {
      set = new Set<string>();
      DECLARED.set(scope, set);
    }
    _touch();
    anyDeclared = true;
    for (const f of features) {
      set.add(f);
    }
  }

  /**
   * The feature gates declared for `scope` (by `enable()` on it or any parent, or through the
   * construct context key), sorted.
   */
  public static of(scope: IConstruct): KnativeFeature[] {
    const ctx: unknown = scope.node.tryGetContext(CONTEXT_KEY);
    if (!anyDeclared && ctx === undefined) return []; // the common case, without walking the scopes
    const out = new Set<string>();
    for (const s of scope.node.scopes) {
      for (const f of DECLARED.get(s) ?? []) {
        out.add(f);
      }
    }
    if (Array.isArray(ctx)) {
      for (const f of ctx) {
        if (typeof f === 'string') out.add(f);
      }
    } else if (typeof ctx === 'string') {
      for (const f of ctx.split(',')) {
        if (f.trim()) out.add(f.trim());
      }
    }
    return [...out].sort() as KnativeFeature[];
  }

  /** Whether `feature` is declared for `scope` (see `of()`). */
  public static isEnabled(scope: IConstruct, feature: KnativeFeature): boolean {
    return KnativeFeatures.of(scope).includes(feature);
  }


  /**
   * The standard synth error for a gated field used without opt-in, in the shared format
   * (`<field>: <detail>requires the Knative feature gate "…", which …. Fix: …`; cdk8s adds the
   * construct path).
   *
   * @param field the field that needs the gate (`spec.template.spec.nodeSelector`)
   * @param detail what about the field needs it, e.g. `a writable claim ` (default: the field itself)
   * @internal
   */
  public static _gateError(field: string, feature: KnativeFeature, scope?: IConstruct, detail: string = ''): string {
    const member = Object.entries(KnativeFeature).find(([, v]) => v === feature)?.[0] ?? feature;
    const cluster = scope !== undefined ? _clusterOf(scope) : undefined;
    const needs = `${detail}requires the Knative feature gate "${feature}"`;
    if (cluster !== undefined && cluster.source !== 'default') {
      // The cluster configuration is known: the fix is to enable the gate there (and in the cluster).
      const where = cluster.source === 'control-plane'
        ? `the ServingControlPlane "${cluster.path}"` : `the KnativeCluster.configure() declaration on "${cluster.path}"`;
      return formatProblem(field, `${needs}, which ${where} leaves "${cluster.config.features[feature] ?? 'Disabled'}"`, undefined,
        `To use it, ${cluster.settingFix('config-features', feature, 'Enabled')}; otherwise remove it.`);
    }
    return formatProblem(field, `${needs}, which is disabled by default`, undefined,
      `If your cluster enables it (set "${feature}: Enabled" in the config-features ConfigMap in knative-serving), `
      + `declare it with \`enabledFeatures: [KnativeFeature.${member}]\` or \`KnativeFeatures.enable(scope, KnativeFeature.${member})\`; `
      + 'otherwise remove it.');
  }

  private constructor() {}
}

/**
 * Settings the bundled runtime (src/runtime) accepts but does not honour yet, found in a rendered
 * manifest or in the cluster configuration. Upstream Knative Serving honours every one of them.
 *
 * Pure (no I/O): the constructs turn the result into synth-time warnings when the app contains a
 * `ServingControlPlane`; an admission webhook of the bundled runtime can return the same list as
 * admission warnings. Each entry is a `Violation` with severity `warning`, so `formatViolation`
 * prints it like an error: `<path>: <message> (got <value>).`
 *
 * Keep this list true: when the runtime starts honouring a setting, remove its check here (the
 * tests in test/core/runtime-support.test.ts name the runtime code each check stands for).
 */
import { ConfigMapData, parseServingConfig, ServingConfig } from './config';
import { isKubernetesServiceRef } from './domain-mapping';
import { AUTOSCALING_KEYS, HPA_CLASS, KPA_CLASS, pick } from './rules/annotations';
import type { Violation } from './rules/violation';
import { SERVING_API_VERSION } from './types';
import type { KubeObject } from './types';

/** What the bundled runtime does with a revision of a custom autoscaler class (src/runtime/controller/resources/revision.ts). */
const FIXED_REPLICAS = 'the Deployment keeps max(initial-scale, min-scale) replicas, capped by max-scale';

/**
 * What the bundled runtime does with `target-burst-capacity` (src/runtime/controller/autoscaler:
 * the decider only reports the excess burst capacity; src/runtime/ingress is always in the path).
 */
const BURST_CAPACITY = 'the bundled ingress is always in the request path (it is the activator, as upstream with target-burst-capacity -1), '
  + 'so this changes only the excess burst capacity the autoscaler reports (upstream Knative takes the activator out of the path while '
  + 'the spare capacity exceeds it)';

/**
 * Metrics the bundled runtime's HPA class supports: resource metrics, which the cluster's
 * metrics-server provides (src/runtime/controller/resources/revision.ts makeHpa). Upstream Knative
 * turns any other metric name into a Pods metric, which only a custom-metrics adapter can serve;
 * the bundled runtime installs none, so those are errors (see `unsupportedHpaMetric`).
 */
export const BUNDLED_HPA_METRICS: readonly string[] = ['cpu', 'memory'];

function warning(path: string, value: unknown, message: string): Violation {
  return { path, message, value, severity: 'warning' };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** `autoscaling.knative.dev/*` of a revision template or Revision (src/runtime/controller/resources/revision.ts). */
function autoscaling(out: Violation[], annotations: Record<string, string>, path: string, config: ServingConfig | undefined): void {
  const cls = pick(annotations, AUTOSCALING_KEYS.class);
  const effective = cls ? cls[1] : config?.autoscaler.podAutoscalerClass ?? KPA_CLASS;
  const at = (key: string): string => `${path}.${key}`;
  if (effective === HPA_CLASS) {
    // a metric other than cpu/memory is an error: see unsupportedHpaMetric
    const window = pick(annotations, AUTOSCALING_KEYS.window);
    if (window) {
      out.push(warning(at(window[0]), window[1],
        'ignored by the bundled runtime\'s HorizontalPodAutoscaler, which sets no stabilization window '
        + '(upstream Knative uses it as the HPA\'s scale-up and scale-down stabilization window)'));
    }
    return;
  }
  if (effective !== KPA_CLASS) {
    if (cls) {
      out.push(warning(at(cls[0]), cls[1],
        `the bundled runtime creates no PodAutoscaler, so no autoscaler of this class acts on the revision: ${FIXED_REPLICAS} `
        + '(upstream Knative hands the revision to the autoscaler of this class)'));
    }
    return;
  }
  // Every other KPA setting is honoured by the controller's autoscaler (src/runtime/controller/autoscaler,
  // decider from src/core/autoscaler) and the ingress; only the burst capacity has no effect on routing.
  const burst = pick(annotations, AUTOSCALING_KEYS.burst);
  if (burst) out.push(warning(at(burst[0]), burst[1], BURST_CAPACITY));
}

/**
 * The HPA-class metric rule of the bundled runtime: with the HPA class (the revision's
 * `autoscaling.knative.dev/class`, else the configuration's `pod-autoscaler-class`), a metric
 * other than "cpu" or "memory" is an error. Upstream Knative makes it a Pods metric that only a
 * custom-metrics adapter can serve; the bundled runtime has none, and its HPA would otherwise
 * scale on something else than asked.
 *
 * Shared by synthesis (an error when the app contains a `ServingControlPlane`) and the
 * controller (which must not create an HPA for such a revision).
 *
 * @param annotations the revision's annotations (or its template's)
 * @param path where they are, e.g. `spec.template.metadata.annotations`
 * @param config cluster configuration (only `autoscaler.podAutoscalerClass` is read); default Knative's
 * @returns the error (path, value, fix), or undefined when the metric is supported or the class is not HPA
 */
export function unsupportedHpaMetric(annotations: Record<string, string>, path: string, config?: ServingConfig): Violation | undefined {
  const cls = pick(annotations, AUTOSCALING_KEYS.class);
  const effective = cls ? cls[1] : config?.autoscaler.podAutoscalerClass ?? KPA_CLASS;
  if (effective !== HPA_CLASS) return undefined;
  const metric = pick(annotations, AUTOSCALING_KEYS.metric);
  if (!metric || BUNDLED_HPA_METRICS.includes(metric[1])) return undefined;
  const [key, value] = metric;
  const classFrom = cls ? `${cls[0]}: ${HPA_CLASS}` : `the cluster's default class (config-autoscaler pod-autoscaler-class: ${HPA_CLASS})`;
  const kpaMetric = value === 'concurrency' || value === 'rps';
  const fix = kpaMetric
    ? `Scale on "${value}" with the KPA class (${cls ? `set ${cls[0]} to "${KPA_CLASS}" or remove it` : `set autoscaling.knative.dev/class: "${KPA_CLASS}"`}), `
      + 'or use the metric "cpu" or "memory" with the HPA class.'
    : 'Use the metric "cpu" or "memory" with the HPA class, or run this revision on upstream Knative with a custom-metrics adapter that serves this metric.';
  return {
    path: `${path}.${key}`,
    message: `the bundled runtime's HPA class (${classFrom}) scales on the resource metrics "cpu" and "memory" only: `
      + 'any other metric would need a custom-metrics adapter serving it as a Pods metric (what upstream Knative creates), which the bundled runtime does not have',
    value,
    fix,
  };
}

/**
 * The settings in a rendered Knative manifest that the bundled runtime cannot run as asked
 * (errors, unlike `unsupportedSettings`): today the HPA-class metric rule (`unsupportedHpaMetric`).
 * Synthesis fails on them when the app contains a `ServingControlPlane`.
 *
 * @param obj the manifest, as `cdk8s synth` writes it or the API server stores it
 * @param config cluster configuration; default Knative's
 */
export function bundledRuntimeErrors(obj: KubeObject, config?: ServingConfig): Violation[] {
  if (!isRecord(obj) || typeof obj.apiVersion !== 'string' || !obj.apiVersion.startsWith('serving.knative.dev/')) return [];
  const spec: Record<string, unknown> = isRecord(obj.spec) ? obj.spec : {};
  let annotations: Record<string, string>;
  let path: string;
  if (obj.kind === 'Service' || obj.kind === 'Configuration') {
    const tpl = isRecord(spec.template) ? spec.template : {};
    annotations = stringMap(isRecord(tpl.metadata) ? tpl.metadata.annotations : undefined);
    path = 'spec.template.metadata.annotations';
  } else if (obj.kind === 'Revision') {
    annotations = stringMap(isRecord(obj.metadata) ? obj.metadata.annotations : undefined);
    path = 'metadata.annotations';
  } else {
    return [];
  }
  const v = unsupportedHpaMetric(annotations, path, config);
  return v ? [v] : [];
}

function template(out: Violation[], tpl: unknown, config: ServingConfig | undefined): void {
  if (!isRecord(tpl)) return;
  const meta = isRecord(tpl.metadata) ? tpl.metadata : {};
  autoscaling(out, stringMap(meta.annotations), 'spec.template.metadata.annotations', config);
}

/**
 * The settings in a rendered Knative manifest (Service, Configuration, Revision, Route,
 * DomainMapping) that the bundled runtime accepts but does not honour, in a fixed order:
 * metadata, then the revision template's annotations (in Knative's key order), then its spec.
 *
 * @param obj the manifest, as `cdk8s synth` writes it or the API server stores it
 * @param config cluster configuration (only `autoscaler.podAutoscalerClass` is read, the class of
 *   revisions without an `autoscaling.knative.dev/class` annotation); default: Knative's (KPA)
 * @returns warnings (severity `warning`) with the field path, its value and what the runtime does instead
 */
export function unsupportedSettings(obj: KubeObject, config?: ServingConfig): Violation[] {
  const out: Violation[] = [];
  if (!isRecord(obj) || typeof obj.apiVersion !== 'string' || !obj.apiVersion.startsWith('serving.knative.dev/')) return out;
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const annotations = stringMap(meta.annotations);
  const spec: Record<string, unknown> = isRecord(obj.spec) ? obj.spec : {};
  switch (obj.kind) {
    case 'Service':
      template(out, spec.template, config);
      break;
    case 'Configuration':
      template(out, spec.template, config);
      break;
    case 'Revision':
      autoscaling(out, annotations, 'metadata.annotations', config);
      break;
    case 'DomainMapping': {
      const ref = isRecord(spec.ref) ? spec.ref : undefined;
      if (ref && !(ref.apiVersion === SERVING_API_VERSION && (ref.kind === 'Service' || ref.kind === 'Route')) && !isKubernetesServiceRef(ref)) {
        out.push(warning('spec.ref.kind', ref.kind,
          `the bundled runtime resolves only ${SERVING_API_VERSION} Service and Route references and v1 (Kubernetes) Services `
          + '(its ingress routes to nothing else), so this DomainMapping stays ReferenceResolved=False '
          + '(upstream Knative resolves any Addressable with a cluster-local address)'));
      }
      // spec.tls.secretName: served by the ingress's HTTPS listener (src/runtime/ingress/certificates.ts).
      break;
    }
    default:
      break;
  }
  return out;
}

/** A cluster-configuration value the bundled runtime does not honour. */
export interface UnsupportedConfigSetting {
  /** ConfigMap name, e.g. `config-network`. */
  readonly configMap: string;
  /** Key in its `data`, as written (canonical or legacy spelling). */
  readonly key: string;
  /** The value as written. */
  readonly value: string;
  /** What the bundled runtime does instead. */
  readonly message: string;
}

/** `config-features` flags whose effect lives in parts of upstream Knative the bundled runtime does not have. */
const UNSUPPORTED_FLAGS: ReadonlyArray<[string, string]> = [
  ['autodetect-http2', 'the bundled ingress reaches a revision over HTTP/2 only when its port is named h2c; it never detects HTTP/2 on other ports '
    + '(upstream Knative\'s activator and ingress do)'],
];

/**
 * The settings in Knative's ConfigMaps (data keyed by ConfigMap name, as `parseServingConfig`
 * takes them) that the bundled runtime accepts but does not honour. Values the runtime's parser
 * rejects are not reported here (`parseServingConfig` reports them).
 */
export function unsupportedConfigSettings(data: ConfigMapData, clusterDomain?: string): UnsupportedConfigSetting[] {
  let cfg: ServingConfig;
  try {
    cfg = parseServingConfig(data, clusterDomain);
  } catch {
    return [];
  }
  const out: UnsupportedConfigSetting[] = [];
  const raw = (configMap: string, ...keys: string[]): [string, string] | undefined => {
    const d = data?.[configMap];
    return d ? pick(d, keys) : undefined;
  };
  for (const [flag, message] of UNSUPPORTED_FLAGS) {
    const f = raw('config-features', flag);
    if (f && cfg.features[flag] !== 'Disabled') out.push({ configMap: 'config-features', key: f[0], value: f[1], message });
  }
  autoscalerConfig(out, raw, cfg);
  return out;
}

/**
 * `config-autoscaler`: the controller's autoscaler reads every key (src/runtime/controller/autoscaler
 * through src/core/autoscaler deciderSpec and scaleGate) except `activator-capacity` (the ingress,
 * which is the activator, runs a fixed number of replicas); `target-burst-capacity` only changes the
 * reported excess burst capacity.
 */
type RawLookup = (configMap: string, ...keys: string[]) => [string, string] | undefined;

function autoscalerConfig(out: UnsupportedConfigSetting[], raw: RawLookup, cfg: ServingConfig): void {
  const cm = 'config-autoscaler';
  const push = (kv: [string, string], message: string): void => {
    out.push({ configMap: cm, key: kv[0], value: kv[1], message });
  };
  const cls = raw(cm, 'pod-autoscaler-class');
  if (cls && cfg.autoscaler.podAutoscalerClass !== KPA_CLASS && cfg.autoscaler.podAutoscalerClass !== HPA_CLASS) {
    push(cls, `the bundled runtime creates no PodAutoscaler, so no autoscaler of this class acts on revisions without a class annotation: ${FIXED_REPLICAS} `
      + '(upstream Knative hands them to the autoscaler of this class)');
  }
  const burst = raw(cm, 'target-burst-capacity');
  if (burst) push(burst, BURST_CAPACITY);
  const capacity = raw(cm, 'activator-capacity');
  if (capacity) {
    push(capacity, 'ignored by the bundled runtime: its ingress is the activator and runs ingress.replicas replicas whatever the load '
      + '(upstream Knative sizes its activator pool by it)');
  }
}

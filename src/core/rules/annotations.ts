/**
 * Annotation rules (reference §10): autoscaling.knative.dev/* (§10.2), rollout-duration and
 * progress-deadline (§10.1), allowed networking.knative.dev/* template keys (§5.2 R2b) and
 * queue.sidecar.serving.knative.dev/* (§10.4).
 */
import { AdmissionContext, Req, settingFix, toReq } from './context';
import { formatGoDuration, parseGoDuration } from '../config';
import { isQuantity } from './formats';
import { at, Sink, Violation } from './violation';

export type Annotations = Record<string, string>;

const AS = 'autoscaling.knative.dev/';
const SERVING = 'serving.knative.dev/';
const QUEUE = 'queue.sidecar.serving.knative.dev/';
/** The autoscaler classes Knative itself implements (`autoscaling.knative.dev/class`). */
export const KPA_CLASS = 'kpa.autoscaling.knative.dev';
export const HPA_CLASS = 'hpa.autoscaling.knative.dev';
const KPA = KPA_CLASS;
const HPA = HPA_CLASS;
const MAX_INT32 = 2147483647;
const SECOND = 1;
const HOUR = 3600 * SECOND;

const hasOwn = Object.prototype.hasOwnProperty;
const INT_RE = /^[+-]?\d+$/;
const KPA_ALGORITHMS = ['linear', 'weighted-exponential', 'weightedExponential'];

/**
 * Own keys of an annotation map built by `getStringMap` (plain object, every own property an
 * enumerable string): there `own.includes(k)` is exactly `hasOwnProperty(k)`, without a
 * megamorphic keyed lookup per candidate key. undefined = unknown map (use hasOwnProperty).
 */
export type OwnKeys = readonly string[] | undefined;

function pickIn(anns: Annotations, own: OwnKeys, keys: readonly string[]): [string, string] | undefined {
  if (own === undefined) return pick(anns, keys);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (own.includes(k)) return [k, anns[k]];
  }
  return undefined;
}

/** KeyPriority lookup: the first key present wins (value may be empty). */
export function pick(anns: Annotations, keys: readonly string[]): [string, string] | undefined {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (hasOwn.call(anns, k)) return [k, anns[k]];
  }
  return undefined;
}

const asKeys = (...names: string[]) => names.map((n) => AS + n);

export const ROLLOUT_DURATION_KEYS = [`${SERVING}rollout-duration`, `${SERVING}rolloutDuration`];
export const PROGRESS_DEADLINE_KEYS = [`${SERVING}progress-deadline`];

/**
 * Seconds of `serving.knative.dev/rollout-duration` (or its legacy spelling) on a Service or
 * Route: a Go duration, as admission accepts it. Undefined when absent or unreadable (the
 * config-network default applies then).
 */
export function rolloutDurationSeconds(annotations: Annotations | undefined): number | undefined {
  const kv = pick(annotations ?? {}, ROLLOUT_DURATION_KEYS);
  return kv === undefined || kv[1] === '' ? undefined : seconds(kv[1]);
}

/** Every `autoscaling.knative.dev/*` key Knative reads (§10.2), canonical key first, then its alias. */
export const AUTOSCALING_KEYS = {
  class: asKeys('class'),
  metric: asKeys('metric'),
  target: asKeys('target'),
  utilization: asKeys('target-utilization-percentage', 'targetUtilizationPercentage'),
  burst: asKeys('target-burst-capacity', 'targetBurstCapacity'),
  minScale: asKeys('min-scale', 'minScale'),
  maxScale: asKeys('max-scale', 'maxScale'),
  initialScale: asKeys('initial-scale', 'initialScale'),
  activationScale: asKeys('activation-scale'),
  scaleDownDelay: asKeys('scale-down-delay', 'scaleDownDelay'),
  retention: asKeys('scale-to-zero-pod-retention-period', 'scaleToZeroPodRetentionPeriod'),
  window: asKeys('window'),
  panicWindow: asKeys('panic-window-percentage', 'panicWindowPercentage'),
  panicThreshold: asKeys('panic-threshold-percentage', 'panicThresholdPercentage'),
  algorithm: asKeys('metric-aggregation-algorithm', 'metricAggregationAlgorithm'),
};
const K = AUTOSCALING_KEYS;

function parseFloatStrict(v: string): number | undefined {
  if (v.trim() === '' || v.trim() !== v) return undefined;
  const n = Number(v);
  return Number.isNaN(n) ? undefined : n;
}

/** Go duration → seconds, or undefined when unparsable. */
function seconds(v: string): number | undefined {
  try {
    return parseGoDuration(v);
  } catch {
    return undefined;
  }
}

function invalid(sink: Sink, path: string, key: string, v: string, fix: string): void {
  sink.error(at(path, key), `invalid value: ${v}`, v, fix);
}

/** Float annotations with a closed range. */
const FLOAT_RANGES: Array<[readonly string[], number, number]> = [
  [K.utilization, 1, 100],
  [K.panicWindow, 1, 100],
  [K.panicThreshold, 110, 1000],
];

function floats(sink: Sink, anns: Annotations, own: OwnKeys, path: string): void {
  for (const [keys, lo, hi] of FLOAT_RANGES) {
    const kv = pickIn(anns, own, keys);
    if (!kv) continue;
    const n = parseFloatStrict(kv[1]);
    if (n === undefined) invalid(sink, path, kv[0], kv[1], `Use a number between ${lo} and ${hi}.`);
    else if (n < lo || n > hi) sink.outOfBounds(at(path, kv[0]), kv[1], lo, hi);
  }
  const target = pickIn(anns, own, K.target);
  if (target) {
    const n = parseFloatStrict(target[1]);
    if (n === undefined) invalid(sink, path, target[0], target[1], 'Use a number of at least 0.01.');
    else if (n < 0.01) sink.error(at(path, target[0]), `target ${target[1]} should be at least 0.01`, target[1], 'Use a target of at least 0.01.');
  }
  const burst = pickIn(anns, own, K.burst);
  if (burst) {
    const n = parseFloatStrict(burst[1]);
    if (n === undefined || (n < 0 && n !== -1)) {
      invalid(sink, path, burst[0], burst[1], 'Use a number ≥ 0, or -1 for unlimited burst capacity.');
    }
  }
}

/** Base-10 int32 ≥ 0 (min-scale, max-scale, activation-scale). */
function int32(sink: Sink, anns: Annotations, own: OwnKeys, keys: readonly string[], path: string): [string, number] | undefined {
  const kv = pickIn(anns, own, keys);
  if (!kv) return undefined;
  const [k, v] = kv;
  if (!INT_RE.test(v)) {
    invalid(sink, path, k, v, 'Use a whole number, e.g. "1".');
    return undefined;
  }
  const n = Number(v);
  if (n < 0 || n > MAX_INT32) {
    sink.outOfBounds(at(path, k), v, 0, MAX_INT32);
    return undefined;
  }
  return [k, n];
}

function scaleBounds(sink: Sink, anns: Annotations, own: OwnKeys, path: string, req: Req): void {
  const min = int32(sink, anns, own, K.minScale, path);
  const max = int32(sink, anns, own, K.maxScale, path);
  const limit = req.s.maxScaleLimit;
  if (max) {
    const [mk, mv] = max;
    if (limit > 0 && (mv < 1 || mv > limit)) {
      sink.outOfBounds(at(path, mk), mv, 1, limit, `Use a max-scale between 1 and the cluster's max-scale-limit (${limit})`
        + (mv > limit ? `, or raise the limit: ${settingFix(req, 'config-autoscaler', 'max-scale-limit', String(mv))}.` : '.'));
    }
    if (min && mv !== 0 && mv < min[1]) {
      sink.error(at(path, mk), `max-scale=${mv} is less than min-scale=${min[1]}`, mv, 'Make max-scale ≥ min-scale (or 0 for unlimited).');
    }
  }
  const act = pickIn(anns, own, K.activationScale);
  if (act) {
    const [ak, av] = act;
    const n = INT_RE.test(av) ? Number(av) : NaN;
    if (Number.isNaN(n)) {invalid(sink, path, ak, av, 'Use a whole number ≥ 2.');} else if (n < 2 || n > MAX_INT32) {sink.outOfBounds(at(path, ak), av, 2, MAX_INT32);} else if (min && n < min[1]) {
      sink.error(at(path, ak), `activation-scale=${n} is less than min-scale=${min[1]}`, n, 'Make activation-scale ≥ min-scale.');
    } else if (max && max[1] !== 0 && n > max[1]) {
      sink.error(at(path, ak), `activation-scale=${n} is greater than max-scale=${max[1]}`, n, 'Make activation-scale ≤ max-scale.');
    }
  }
  const init = pickIn(anns, own, K.initialScale);
  if (init) {
    const [ik, iv] = init;
    const n = INT_RE.test(iv) ? Number(iv) : NaN;
    if (Number.isNaN(n) || n < 0 || n > MAX_INT32 || (n === 0 && !req.s.allowZeroInitialScale)) {
      invalid(sink, path, ik, iv, n === 0
        ? `Use an initial-scale ≥ 1, or allow 0: ${settingFix(req, 'config-autoscaler', 'allow-zero-initial-scale', 'true')}.`
        : 'Use a whole number ≥ 1.');
    }
  }
}

/** Duration annotations: [keys, min ns, max ns, whole seconds required]. */
const DURATIONS: Array<[readonly string[], number, number, boolean]> = [
  [K.scaleDownDelay, 0, HOUR, true],
  [K.retention, 0, HOUR, false],
  [K.window, 6 * SECOND, HOUR, true],
];

function durations(sink: Sink, anns: Annotations, own: OwnKeys, path: string): void {
  for (const [keys, lo, hi, whole] of DURATIONS) {
    const kv = pickIn(anns, own, keys);
    if (!kv) continue;
    const [k, v] = kv;
    const d = seconds(v);
    const range = `Use a duration between ${formatGoDuration(lo)} and ${formatGoDuration(hi)}`;
    if (d === undefined) {invalid(sink, path, k, v, `${range}, e.g. "60s".`);} else if (d < lo || d > hi) {sink.outOfBounds(at(path, k), v, formatGoDuration(lo), formatGoDuration(hi), `${range}.`);} else if (whole && !Number.isInteger(d)) {
      sink.error(at(path, k), 'must be specified with at most second precision', v, 'Use whole seconds, e.g. "60s".');
    }
  }
}

function classAndMetric(sink: Sink, anns: Annotations, own: OwnKeys, path: string, req: Req): void {
  const cls = pickIn(anns, own, K.class);
  if (cls && cls[1].endsWith('.knative.dev') && cls[1] !== KPA && cls[1] !== HPA) {
    invalid(sink, path, cls[0], cls[1], `Use "${KPA}", "${HPA}" or a custom class not ending in ".knative.dev".`);
  }
  const effective = cls ? cls[1] : req.s.podAutoscalerClass;
  const metric = pickIn(anns, own, K.metric);
  if (metric) {
    const [k, v] = metric;
    if (effective === KPA && v !== 'concurrency' && v !== 'rps') invalid(sink, path, k, v, 'With the KPA class use metric "concurrency" or "rps".');
    if (effective === HPA && v === '') invalid(sink, path, k, v, 'With the HPA class set a metric such as "cpu" or "memory".');
  }
  const algo = pickIn(anns, own, K.algorithm);
  if (algo && cls?.[1] === KPA && !KPA_ALGORITHMS.includes(algo[1])) {
    invalid(sink, path, algo[0], algo[1], 'Use "linear" or "weighted-exponential".');
  }
}

/** Internal: all autoscaling.knative.dev/* checks on one annotation map. */
export function autoscalingRules(sink: Sink, anns: Annotations, own: OwnKeys, path: string, req: Req): void {
  classAndMetric(sink, anns, own, path, req);
  scaleBounds(sink, anns, own, path, req);
  floats(sink, anns, own, path);
  durations(sink, anns, own, path);
}

/**
 * Validate autoscaling annotations as Knative does on templates and Revisions (§10.2).
 * `path` is the annotations map path (default `metadata.annotations`).
 */
export function validateAutoscalingAnnotations(annotations: Record<string, string>, ctx?: AdmissionContext, path = 'metadata.annotations'): Violation[] {
  const sink = new Sink();
  autoscalingRules(sink, annotations ?? {}, undefined, path, toReq(ctx));
  return sink.list;
}

/** Whole-second, non-negative Go duration annotations (rollout-duration, progress-deadline). */
export function secondsDuration(sink: Sink, anns: Annotations, own: OwnKeys, keys: readonly string[], label: string, path: string): void {
  const kv = pickIn(anns, own, keys);
  if (!kv || kv[1] === '') return;
  const [k, v] = kv;
  const d = seconds(v);
  if (d === undefined) invalid(sink, path, k, v, 'Use a Go duration in whole seconds, e.g. "300s".');
  else if (!Number.isInteger(d)) sink.error(at(path, k), `${label}=${v} is not at second precision`, v, 'Use whole seconds, e.g. "120s".');
  else if (d < 0) sink.error(at(path, k), `${label}=${v} must be positive`, v, 'Use a duration ≥ 0s.');
}

/** Rejects autoscaling.knative.dev* keys on Service/Configuration/Route metadata (§2.2). */
export function noAutoscalingKeys(sink: Sink, anns: Annotations, path: string): void {
  for (const k of Object.keys(anns)) {
    if (k.startsWith('autoscaling.knative.dev')) {
      sink.error(path, `invalid key name "${k}"`, k, 'Move autoscaling annotations to spec.template.metadata.annotations.');
    }
  }
}

const NETWORKING_TEMPLATE_KEYS = [
  'ingress.class', 'ingress-class', 'certificate.class', 'certificate-class', 'disableAutoTLS', 'disable-auto-tls',
  'disable-external-domain-tls', 'httpOption', 'http-protocol',
].map((k) => `networking.knative.dev/${k}`);
const NETWORKING_TEMPLATE_KEY_SET: ReadonlySet<string> = new Set(NETWORKING_TEMPLATE_KEYS);

const QUEUE_QUANTITY_KEYS = ['cpu', 'memory', 'ephemeral-storage']
  .flatMap((r) => [`${r}-resource-request`, `${r}-resource-limit`]).map((k) => QUEUE + k);
const QUEUE_PERCENTAGE_KEYS = [`${QUEUE}resource-percentage`, `${QUEUE}resourcePercentage`];

function queueSidecar(sink: Sink, anns: Annotations, own: OwnKeys, path: string): void {
  for (const k of QUEUE_QUANTITY_KEYS) {
    if (k in anns && !isQuantity(anns[k])) invalid(sink, path, k, anns[k], 'Use a Kubernetes quantity such as "100m" or "128Mi".');
  }
  const pct = pickIn(anns, own, QUEUE_PERCENTAGE_KEYS);
  if (pct) {
    const [k, v] = pct;
    const n = parseFloatStrict(v);
    if (n === undefined) invalid(sink, path, k, v, 'Use a number between 0.1 and 100.');
    else if (n < 0.1 || n > 100) sink.outOfBounds(at(path, k), v, 0.1, 100);
    sink.warn(at(path, k), `${k} is deprecated`, v, 'Use the queue.sidecar.serving.knative.dev/<resource>-resource-request/-limit annotations instead.');
  }
}

/** Template annotation rules (§5.2 R2 / R2b). */
export function templateAnnotationRules(sink: Sink, anns: Annotations, own: OwnKeys, path: string, req: Req): void {
  autoscalingRules(sink, anns, own, path, req);
  queueSidecar(sink, anns, own, path);
  secondsDuration(sink, anns, own, PROGRESS_DEADLINE_KEYS, 'progress-deadline', path);
  for (const k of own ?? Object.keys(anns)) {
    if (k.startsWith('networking.knative.dev') && !NETWORKING_TEMPLATE_KEY_SET.has(k)) {
      sink.error(path, `invalid key name "${k}"`, k, 'Put networking annotations on the Service/Route metadata; only class/TLS/http-protocol keys are allowed on templates.');
    }
  }
}

/**
 * The KPA decider's inputs (runtime.md §1.1): what upstream Knative 1.17 derives from a
 * PodAutoscaler's annotations (copied from the Revision), its containerConcurrency, the
 * config-autoscaler / config-deployment ConfigMaps and its reachability — `MakeDecider`,
 * `ResolveMetricTarget`, `MakeMetric`, `ScaleBounds`, `GetInitialScale` and the KPA
 * reconciler's scale-to-zero settings, in one pure function.
 *
 * Annotation values are read as upstream reads them at this point (Go `strconv.ParseFloat`,
 * `ParseInt(s, 10, 32)`, `time.ParseDuration`): an unreadable value falls back to the config
 * default (admission rejects such values before they get here; see src/core/rules/annotations.ts).
 */
import { AutoscalerConfig, parseGoDuration } from '../config';
import { AUTOSCALING_KEYS, pick, PROGRESS_DEADLINE_KEYS } from '../rules/annotations';

/** The scaling metric (`autoscaling.knative.dev/metric`). */
export type ScalingMetric = 'concurrency' | 'rps';
/** Window averaging (`autoscaling.knative.dev/metric-aggregation-algorithm`). */
export type AggregationAlgorithm = 'linear' | 'weighted-exponential';

/** Everything the KPA decider and the scale gate need about one revision. */
export interface DeciderSpec {
  /** `rps` when the metric annotation is exactly "rps", else `concurrency` (upstream's default branch). */
  readonly metric: ScalingMetric;
  /** Per-pod capacity (upstream `TotalValue`): CC, the target annotation or the config default. */
  readonly total: number;
  /** Per-pod target (upstream `TargetValue`) = max(0.01, total × utilization). */
  readonly targetValue: number;
  /** −1 = unlimited (activator always in the path), 0 = none. */
  readonly targetBurstCapacity: number;
  /** Panic threshold as a ratio (200 % → 2). */
  readonly panicThreshold: number;
  readonly stableWindowSeconds: number;
  /** `round_s(stable × panic-window-percentage / 100)`, at least 1 s (upstream `MakeMetric`). */
  readonly panicWindowSeconds: number;
  readonly scaleDownDelaySeconds: number;
  /** 0 = off (annotation only). */
  readonly activationScale: number;
  readonly initialScale: number;
  /** Upstream `ScaleBounds`: 0 when the revision is unreachable. */
  readonly minScale: number;
  /** 0 = no maximum. */
  readonly maxScale: number;
  readonly maxScaleUpRate: number;
  readonly maxScaleDownRate: number;
  readonly activatorCapacity: number;
  /** `pa.spec.reachability ≠ Unreachable`. */
  readonly reachable: boolean;
  readonly aggregation: AggregationAlgorithm;
  readonly enableScaleToZero: boolean;
  readonly scaleToZeroGracePeriodSeconds: number;
  /** Upstream `lastPodRetention`: 0 when the revision is unreachable. */
  readonly scaleToZeroPodRetentionSeconds: number;
  /** `serving.knative.dev/progress-deadline` or config-deployment's (the activation timeout is this + 30 s). */
  readonly progressDeadlineSeconds: number;
  /**
   * Upstream reports "no data" (an invalid decision) for an empty stable window only when the
   * Metric has a scrape target, i.e. when TBC ≠ −1; with activator-only stats (TBC = −1) empty
   * windows read 0. `deciderSpec` sets it as upstream does; a runtime whose only stats source
   * is an activator-like ingress that leaves idle revisions out should set it to false.
   */
  readonly noDataIsInvalid: boolean;
}

const TARGET_MIN = 0.01;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT_RE = /^[+-]?\d+$/;
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

type Annotations = Record<string, string>;

/** Go `strconv.ParseFloat(s, 64)` for decimal input (inf/nan/hex forms read as absent). */
function annFloat(anns: Annotations, keys: readonly string[]): number | undefined {
  const kv = pick(anns, keys);
  if (!kv) return undefined;
  return FLOAT_RE.test(kv[1]) ? Number(kv[1]) : undefined;
}

/** Go `strconv.ParseInt(s, 10, 32)`. */
function annInt32(anns: Annotations, keys: readonly string[]): number | undefined {
  const kv = pick(anns, keys);
  if (!kv || !INT_RE.test(kv[1])) return undefined;
  const n = Number(kv[1]);
  return n < INT32_MIN || n > INT32_MAX ? undefined : n;
}

/** Go `time.ParseDuration`, in seconds. */
function annSeconds(anns: Annotations, keys: readonly string[]): number | undefined {
  const kv = pick(anns, keys);
  if (!kv) return undefined;
  try {
    return parseGoDuration(kv[1]);
  } catch {
    return undefined;
  }
}

/**
 * Upstream's panic window: `time.Duration(float64(stableWindow) × pct / 100).Round(time.Second)`,
 * at least one 1 s bucket.
 */
export function panicWindowSeconds(stableWindowSeconds: number, panicWindowPercentage: number): number {
  const ns = Math.trunc(Math.round(stableWindowSeconds * 1e9) * panicWindowPercentage / 100);
  const r = ns % 1e9; // Duration.Round: halves away from zero
  const rounded = r + r < 1e9 ? ns - r : ns + 1e9 - r;
  return Math.max(1, rounded / 1e9);
}

/**
 * The decider spec of a KPA-class revision (runtime.md §1.1, upstream `MakeDecider` and friends).
 *
 * @param annotations the revision's annotations (the PodAutoscaler's are copies)
 * @param containerConcurrency the revision's `spec.containerConcurrency` (0 = unlimited)
 * @param config config-autoscaler, as `parseAutoscaler` returns it
 * @param reachable false for an Unreachable revision (runtime.md §3.5: reserve, or failing with
 *   pods wanted and none ready); Unknown reachability counts as reachable
 * @param progressDeadlineSeconds config-deployment's progress-deadline (default 600 s)
 */
export function deciderSpec(annotations: Record<string, string> | undefined, containerConcurrency: number,
  config: AutoscalerConfig, reachable: boolean, progressDeadlineSeconds: number = DEFAULT_PROGRESS_DEADLINE_SECONDS): DeciderSpec {
  const anns = annotations ?? {};
  const K = AUTOSCALING_KEYS;
  const metricKv = pick(anns, K.metric);
  const metric: ScalingMetric = metricKv?.[1] === 'rps' ? 'rps' : 'concurrency';

  // ResolveMetricTarget. config keeps the percentage; upstream keeps the fraction (70 → 0.7).
  let total: number;
  let tu: number;
  if (metric === 'rps') {
    total = config.requestsPerSecondTargetDefault;
    tu = 0.7; // upstream's TargetUtilization: never read from the ConfigMap
  } else {
    total = containerConcurrency !== 0 ? containerConcurrency : config.containerConcurrencyTargetDefault;
    tu = config.containerConcurrencyTargetPercentage / 100;
  }
  const target = annFloat(anns, K.target);
  if (target !== undefined) {
    total = metric === 'concurrency' && containerConcurrency !== 0 ? Math.min(target, containerConcurrency) : target;
  }
  const tuPct = annFloat(anns, K.utilization);
  if (tuPct !== undefined) tu = tuPct / 100;
  const targetValue = Math.max(TARGET_MIN, total * tu);

  const stableWindowSeconds = annSeconds(anns, K.window) ?? config.stableWindowSeconds;
  const panicPct = annFloat(anns, K.panicWindow) ?? config.panicWindowPercentage;
  const panicThresholdPct = annFloat(anns, K.panicThreshold) ?? config.panicThresholdPercentage;
  const tbc = annFloat(anns, K.burst) ?? config.targetBurstCapacity;

  const initialAnn = annInt32(anns, K.initialScale);
  const initialScale = initialAnn === undefined || (initialAnn === 0 && !config.allowZeroInitialScale) ? config.initialScale : initialAnn;
  const minScale = reachable ? annInt32(anns, K.minScale) ?? config.minScale : 0;
  const maxScale = annInt32(anns, K.maxScale) ?? config.maxScale;
  const algo = pick(anns, K.algorithm)?.[1];

  return {
    metric,
    total,
    targetValue,
    targetBurstCapacity: tbc,
    panicThreshold: panicThresholdPct / 100,
    stableWindowSeconds,
    panicWindowSeconds: panicWindowSeconds(stableWindowSeconds, panicPct),
    scaleDownDelaySeconds: annSeconds(anns, K.scaleDownDelay) ?? config.scaleDownDelaySeconds,
    activationScale: annInt32(anns, K.activationScale) ?? 0,
    initialScale,
    minScale,
    maxScale,
    maxScaleUpRate: config.maxScaleUpRate,
    maxScaleDownRate: config.maxScaleDownRate,
    activatorCapacity: config.activatorCapacity,
    reachable,
    // Upstream compares with "weighted-exponential" and its legacy spelling; anything else is linear.
    aggregation: algo === 'weighted-exponential' || algo === 'weightedExponential' ? 'weighted-exponential' : 'linear',
    enableScaleToZero: config.enableScaleToZero,
    scaleToZeroGracePeriodSeconds: config.scaleToZeroGracePeriodSeconds,
    scaleToZeroPodRetentionSeconds: reachable ? annSeconds(anns, K.retention) ?? config.scaleToZeroPodRetentionPeriodSeconds : 0,
    progressDeadlineSeconds: annSeconds(anns, PROGRESS_DEADLINE_KEYS) ?? progressDeadlineSeconds,
    noDataIsInvalid: tbc !== -1,
  };
}

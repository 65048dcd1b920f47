import { Duration } from 'cdk8s';
import { KnativeError, KnativeErrorDetails } from './errors';

/** Annotation prefix of Knative's per-revision autoscaling settings. */
const PREFIX = 'autoscaling.knative.dev/';

/**
 * The autoscaler implementation for a revision (`autoscaling.knative.dev/class`).
 */
export class AutoscalerClass {
  /**
   * Knative Pod Autoscaler (the default; supports scale to zero; metrics concurrency and rps).
   * The bundled runtime's controller runs it.
   */
  public static readonly KPA: AutoscalerClass = new AutoscalerClass('kpa.autoscaling.knative.dev');

  /** Kubernetes Horizontal Pod Autoscaler (no scale to zero; metrics cpu, memory or custom). */
  public static readonly HPA: AutoscalerClass = new AutoscalerClass('hpa.autoscaling.knative.dev');

  /**
   * A custom autoscaler class. Knative rejects custom names ending in `.knative.dev`.
   *
   * @param name the class name, e.g. `my.autoscaler.example.com`
   */
  public static custom(name: string): AutoscalerClass {
    // Not attached yet: the problem is thrown, with the construct path, where it is used.
    return new AutoscalerClass(name, validName(name) ? undefined : {
      field: 'autoscaling.autoscalerClass',
      message: 'AutoscalerClass.custom() needs a non-empty class name without surrounding spaces',
      value: name,
      fix: 'Pass e.g. "my.autoscaler.example.com".',
    });
  }

  /**
   * @param value the annotation value
   */
  private constructor(public readonly value: string, private readonly problem?: KnativeErrorDetails) {}

  /**
   * The factory misuse this class records, if any (see src/serving/errors.ts: deferral).
   * @internal
   */
  public get _problem(): KnativeErrorDetails | undefined {
    return this.problem;
  }
}

/**
 * The metric an autoscaler scales on (`autoscaling.knative.dev/metric`).
 */
export class AutoscalingMetric {
  /** In-flight requests per replica (KPA default). */
  public static readonly CONCURRENCY: AutoscalingMetric = new AutoscalingMetric('concurrency');
  /** Requests per second per replica (KPA). */
  public static readonly RPS: AutoscalingMetric = new AutoscalingMetric('rps');
  /** CPU utilisation (HPA default). */
  public static readonly CPU: AutoscalingMetric = new AutoscalingMetric('cpu');
  /** Memory utilisation (HPA). */
  public static readonly MEMORY: AutoscalingMetric = new AutoscalingMetric('memory');

  /**
   * A custom metric name (HPA with a custom metrics adapter, or a custom autoscaler class).
   *
   * @param name the metric name
   */
  public static custom(name: string): AutoscalingMetric {
    // Not attached yet: the problem is thrown, with the construct path, where it is used.
    return new AutoscalingMetric(name, validName(name) ? undefined : {
      field: 'autoscaling.metric',
      message: 'AutoscalingMetric.custom() needs a non-empty metric name without surrounding spaces',
      value: name,
      fix: 'Pass the metric name your autoscaler knows, e.g. "requests-per-pod".',
    });
  }

  /**
   * @param value the annotation value
   */
  private constructor(public readonly value: string, private readonly problem?: KnativeErrorDetails) {}

  /**
   * The factory misuse this metric records, if any (see src/serving/errors.ts: deferral).
   * @internal
   */
  public get _problem(): KnativeErrorDetails | undefined {
    return this.problem;
  }
}

function validName(name: string): boolean {
  return typeof name === 'string' && name !== '' && name.trim() === name;
}

/**
 * How the KPA aggregates metrics over the stable window
 * (`autoscaling.knative.dev/metric-aggregation-algorithm`).
 */
export enum MetricAggregationAlgorithm {
  /** Simple average over the window (Knative's default). */
  LINEAR = 'linear',
  /** Weighted exponential average; recent samples weigh more. */
  WEIGHTED_EXPONENTIAL = 'weighted-exponential',
}

/**
 * Per-revision autoscaling settings, rendered as `autoscaling.knative.dev/*` annotations on
 * the revision template (or on a standalone Revision's metadata).
 *
 * Every setting is optional; anything left unset is decided by the cluster's
 * `config-autoscaler` ConfigMap. Value ranges are checked at synth time (together with all
 * other Knative admission rules), so you see every problem at once.
 *
 * The descriptions below are upstream Knative's behaviour. The bundled runtime
 * (`ServingControlPlane`) runs Knative's KPA for the KPA class and honours every setting but
 * `targetBurstCapacity` (its ingress always stays in the request path, so the value only changes
 * the excess burst capacity it reports). For the HPA class it creates a HorizontalPodAutoscaler from `minScale`,
 * `maxScale`, `target` and the metrics CPU or MEMORY; any other metric (RPS, CONCURRENCY or a
 * custom one, which would need a custom-metrics adapter) fails the synthesis when the app
 * contains a `ServingControlPlane`. Synthesis warns about each setting it ignores (see
 * `BundledRuntimeWarnings`).
 *
 * @see https://knative.dev/docs/serving/autoscaling/
 */
export interface AutoscalingOptions {
  /**
   * Autoscaler implementation (`autoscaling.knative.dev/class`).
   * @default - cluster `pod-autoscaler-class` (KPA out of the box)
   */
  readonly autoscalerClass?: AutoscalerClass;

  /**
   * Metric to scale on (`autoscaling.knative.dev/metric`). KPA accepts only CONCURRENCY and RPS.
   * @default - CONCURRENCY for KPA, CPU for HPA
   */
  readonly metric?: AutoscalingMetric;

  /**
   * Target value of the metric per replica (`autoscaling.knative.dev/target`), at least 0.01.
   * @default - `containerConcurrency` if set, else cluster `container-concurrency-target-default` (100) / `requests-per-second-target-default` (200)
   */
  readonly target?: number;

  /**
   * Percentage of the target actually aimed for (`autoscaling.knative.dev/target-utilization-percentage`), 1–100.
   * @default - cluster `container-concurrency-target-percentage` (70)
   */
  readonly targetUtilizationPercentage?: number;

  /**
   * Spare request capacity kept before the activator is removed from the path
   * (`autoscaling.knative.dev/target-burst-capacity`): >= 0, or -1 for unlimited.
   * @default - cluster `target-burst-capacity` (211)
   */
  readonly targetBurstCapacity?: number;

  /**
   * Minimum replicas while the revision is routable (`autoscaling.knative.dev/min-scale`); integer >= 0.
   * @default - cluster `min-scale` (0: scale to zero)
   */
  readonly minScale?: number;

  /**
   * Maximum replicas (`autoscaling.knative.dev/max-scale`); integer >= 0, 0 = unlimited.
   * @default - cluster `max-scale` (0: unlimited)
   */
  readonly maxScale?: number;

  /**
   * Replicas a new revision must reach before it is Ready (`autoscaling.knative.dev/initial-scale`);
   * integer >= 0 (0 only if the cluster sets `allow-zero-initial-scale`).
   * @default - cluster `initial-scale` (1)
   */
  readonly initialScale?: number;

  /**
   * Replicas to scale to when leaving zero (`autoscaling.knative.dev/activation-scale`); integer >= 2.
   * @default - 1
   */
  readonly activationScale?: number;

  /**
   * Stable window (`autoscaling.knative.dev/window`), 6s–1h, whole seconds.
   * @default - cluster `stable-window` (60s)
   */
  readonly window?: Duration;

  /**
   * Panic window as a percentage of the stable window (`autoscaling.knative.dev/panic-window-percentage`), 1–100.
   * @default - cluster `panic-window-percentage` (10)
   */
  readonly panicWindowPercentage?: number;

  /**
   * Load (percent of capacity) that enters panic mode (`autoscaling.knative.dev/panic-threshold-percentage`), 110–1000.
   * @default - cluster `panic-threshold-percentage` (200)
   */
  readonly panicThresholdPercentage?: number;

  /**
   * Delay before scaling down (`autoscaling.knative.dev/scale-down-delay`), 0–1h, whole seconds.
   * @default - cluster `scale-down-delay` (0s)
   */
  readonly scaleDownDelay?: Duration;

  /**
   * How long the last pod is kept after the autoscaler decided to scale to zero
   * (`autoscaling.knative.dev/scale-to-zero-pod-retention-period`), 0–1h, whole seconds.
   * @default - cluster `scale-to-zero-pod-retention-period` (0s)
   */
  readonly scaleToZeroPodRetentionPeriod?: Duration;

  /**
   * Metric aggregation algorithm (`autoscaling.knative.dev/metric-aggregation-algorithm`); KPA only.
   * @default MetricAggregationAlgorithm.LINEAR
   */
  readonly metricAggregationAlgorithm?: MetricAggregationAlgorithm;
}

/**
 * Renders `AutoscalingOptions` as Knative's canonical annotation keys.
 *
 * Throws eagerly for values that cannot be written as the annotation type (non-integer
 * replica counts, non-finite numbers, durations that are not whole seconds) and for an invalid
 * `AutoscalerClass.custom()` / `AutoscalingMetric.custom()` name; range rules are left to
 * synth-time validation. Called by a revision template, the error carries its construct path.
 */
export class Autoscaling {
  /** The annotation prefix `autoscaling.knative.dev/`. */
  public static readonly ANNOTATION_PREFIX: string = PREFIX;

  /**
   * The `autoscaling.knative.dev/*` annotations for `options` (keys sorted as written).
   *
   * @param options the autoscaling options
   */
  public static annotations(options: AutoscalingOptions): { [key: string]: string } {
    const out: { [key: string]: string } = {};
    const put = (key: string, value: string | undefined): void => {
      if (value !== undefined) out[PREFIX + key] = value;
    };
    for (const problem of [options.autoscalerClass?._problem, options.metric?._problem]) {
      if (problem) throw new KnativeError(undefined, problem);
    }
    put('class', options.autoscalerClass?.value);
    put('metric', options.metric?.value);
    put('target', num('target', options.target));
    put('target-utilization-percentage', num('targetUtilizationPercentage', options.targetUtilizationPercentage));
    put('target-burst-capacity', num('targetBurstCapacity', options.targetBurstCapacity));
    put('min-scale', int('minScale', options.minScale));
    put('max-scale', int('maxScale', options.maxScale));
    put('initial-scale', int('initialScale', options.initialScale));
    put('activation-scale', int('activationScale', options.activationScale));
    put('window', seconds('window', options.window));
    put('panic-window-percentage', num('panicWindowPercentage', options.panicWindowPercentage));
    put('panic-threshold-percentage', num('panicThresholdPercentage', options.panicThresholdPercentage));
    put('scale-down-delay', seconds('scaleDownDelay', options.scaleDownDelay));
    put('scale-to-zero-pod-retention-period', seconds('scaleToZeroPodRetentionPeriod', options.scaleToZeroPodRetentionPeriod));
    put('metric-aggregation-algorithm', options.metricAggregationAlgorithm);
    return out;
  }

  private constructor() {}
}

function num(prop: string, v: number | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new KnativeError(undefined, { field: `autoscaling.${prop}`, message: 'must be a finite number', value: v, shown: String(v), fix: 'Pass a number such as 10 or 0.5.' });
  }
  return String(v);
}

function int(prop: string, v: number | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new KnativeError(undefined, {
      field: `autoscaling.${prop}`,
      message: 'must be a whole number of replicas',
      value: v,
      shown: String(v),
      fix: `Use an integer such as ${Number.isFinite(v) ? Math.max(0, Math.round(v)) : 1}.`,
    });
  }
  return String(v);
}

function seconds(prop: string, d: Duration | undefined): string | undefined {
  if (d === undefined) return undefined;
  let s: number;
  try {
    s = d.toSeconds();
  } catch {
    throw new KnativeError(undefined, {
      field: `autoscaling.${prop}`,
      message: 'must be a whole number of seconds',
      value: d,
      fix: `Use e.g. Duration.seconds(${Math.max(0, Math.round(d.toMilliseconds() / 1000))}).`,
    });
  }
  return `${s}s`;
}

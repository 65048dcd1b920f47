/**
 * A revision's metric windows (runtime.md §2.4; upstream's `collection` in
 * `pkg/autoscaler/metrics/collector.go`): concurrency and requests-per-second, each with a stable
 * and a panic window of 1 s buckets, linear or weighted-exponential.
 */
import { LinearBuckets, WeightedBuckets, WindowAverager } from './buckets';
import { DeciderSpec } from './spec';

/** Stable and panic averages of both metrics at one instant. */
export interface WindowAverages {
  readonly stableConcurrency: number;
  readonly panicConcurrency: number;
  readonly stableRps: number;
  readonly panicRps: number;
}

/** What the decider reads from a revision's windows (`MetricWindows` implements it). */
export interface WindowReader {
  /** The averages at `nowSeconds`, or undefined when the stable window of `metric` is empty. */
  averages(nowSeconds: number, metric?: 'concurrency' | 'rps'): WindowAverages | undefined;
  /** The averages at `nowSeconds`, zeros for empty windows. */
  read(nowSeconds: number): WindowAverages;
}

type WindowSpec = Pick<DeciderSpec, 'stableWindowSeconds' | 'panicWindowSeconds' | 'aggregation'>;

/**
 * The four windows of one revision. Stats of the same second add up (several ingress replicas,
 * or a poke and the periodic stat); a stat older than the window is dropped.
 */
export class MetricWindows implements WindowReader {
  private readonly concurrency: WindowAverager;
  private readonly concurrencyPanic: WindowAverager;
  private readonly rps: WindowAverager;
  private readonly rpsPanic: WindowAverager;

  /** The aggregation algorithm is fixed at creation (upstream: the annotation is immutable). */
  constructor(spec: WindowSpec) {
    const make = (w: number): WindowAverager => spec.aggregation === 'weighted-exponential' ? new WeightedBuckets(w) : new LinearBuckets(w);
    this.concurrency = make(spec.stableWindowSeconds);
    this.concurrencyPanic = make(spec.panicWindowSeconds);
    this.rps = make(spec.stableWindowSeconds);
    this.rpsPanic = make(spec.panicWindowSeconds);
  }

  /**
   * Record one stat received at `timeSeconds` (unix seconds; bucket = the whole second):
   * `concurrency` = average in-flight requests over the reporting second (summed over pods),
   * `requests` = requests counted in it.
   */
  public record(timeSeconds: number, concurrency: number, requests: number): void {
    this.concurrency.record(timeSeconds, concurrency);
    this.concurrencyPanic.record(timeSeconds, concurrency);
    this.rps.record(timeSeconds, requests);
    this.rpsPanic.record(timeSeconds, requests);
  }

  /**
   * The averages at `nowSeconds`, or undefined when the stable window of `metric` is empty (no
   * stat within the window: upstream's `IsEmpty`; whether that means "no data" or zeros is the
   * decider's call, see `DeciderSpec.noDataIsInvalid`).
   */
  public averages(nowSeconds: number, metric: 'concurrency' | 'rps' = 'concurrency'): WindowAverages | undefined {
    const stable = metric === 'rps' ? this.rps : this.concurrency;
    if (stable.isEmpty(nowSeconds)) return undefined;
    return this.read(nowSeconds);
  }

  /** The averages at `nowSeconds`, zeros for empty windows. */
  public read(nowSeconds: number): WindowAverages {
    return {
      stableConcurrency: this.concurrency.windowAverage(nowSeconds),
      panicConcurrency: this.concurrencyPanic.windowAverage(nowSeconds),
      stableRps: this.rps.windowAverage(nowSeconds),
      panicRps: this.rpsPanic.windowAverage(nowSeconds),
    };
  }

  /** Upstream `updateMetric`: resize the windows to a changed stable/panic window at `nowSeconds`. */
  public updateSpec(spec: WindowSpec, nowSeconds: number): void {
    this.concurrency.resize(spec.stableWindowSeconds, nowSeconds);
    this.concurrencyPanic.resize(spec.panicWindowSeconds, nowSeconds);
    this.rps.resize(spec.stableWindowSeconds, nowSeconds);
    this.rpsPanic.resize(spec.panicWindowSeconds, nowSeconds);
  }
}

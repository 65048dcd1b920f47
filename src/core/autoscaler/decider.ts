/**
 * The KPA decider: upstream Knative 1.17's `autoscaler.Scale` (runtime.md §1.2;
 * `pkg/autoscaler/scaling/autoscaler.go`), with its panic mode, rate limits, activation scale,
 * scale-down delay and excess burst capacity. Pure: time and ready pods are passed in.
 */
import { DeciderSpec } from './spec';
import { WindowReader } from './windows';

/** One decision. */
export interface ScaleResult {
  /** Desired pods before min/max/initial scale (0 when not valid). */
  readonly desired: number;
  /** Excess burst capacity: −1 with TBC −1, 0 with TBC 0, else ⌊ready·total − TBC − panic value⌋ (0 when not valid). */
  readonly ebc: number;
  /** The decider is in panic mode (after this decision). */
  readonly panic: boolean;
  /** False when there was no data to decide on (upstream's invalid result: apply nothing). */
  readonly valid: boolean;
  /** The stable-window average of the scaling metric the decision used (0 when not valid). */
  readonly observedStable: number;
  /** The panic-window average of the scaling metric the decision used (0 when not valid). */
  readonly observedPanic: number;
}

/** The decider's tick (upstream `tickInterval`): scale-down delay slots are this long. */
export const DECIDER_TICK_SECONDS = 2;

/**
 * Maximum over the last `size` slots (upstream `max.TimeWindow`): a deque of maxima, values
 * strictly decreasing from the front; a record in the same slot keeps the larger value.
 */
export class MaxTimeWindow {
  private readonly size: number;
  private readonly slotSeconds: number;
  private readonly maxima: Array<{ index: number; value: number }> = [];

  constructor(durationSeconds: number, slotSeconds: number) {
    this.size = Math.ceil(durationSeconds / slotSeconds);
    this.slotSeconds = slotSeconds;
  }

  public record(nowSeconds: number, value: number): void {
    const index = Math.floor(Math.floor(nowSeconds) / this.slotSeconds);
    let v = value;
    const q = this.maxima;
    while (q.length > 0 && !(v < q[q.length - 1].value)) q.pop();
    while (q.length > 0 && index - q[0].index >= this.size) q.shift();
    if (q.length > 0 && q[q.length - 1].index === index) {
      v = Math.max(v, q[q.length - 1].value);
      q.pop();
    }
    q.push({ index, value: v });
  }

  public current(): number {
    return this.maxima[0].value;
  }
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Go's `int32(x)` of a float on amd64: truncation; out of range gives the "integer indefinite" −2³¹. */
function int32(x: number): number {
  const t = Math.trunc(x);
  return t < INT32_MIN || t > INT32_MAX || Number.isNaN(t) ? INT32_MIN : t;
}

/**
 * One revision's decider. Create it when the revision gets a KPA decider; call `scale` every
 * 2 s (and on a poke), with the revision's ready pod count and its `MetricWindows`.
 */
export class Decider {
  private spec: DeciderSpec;
  /** undefined = not panicking (Go's zero time). */
  private panicTime: number | undefined;
  private maxPanicPods: number;
  /** Created only when ScaleDownDelay > 0 at creation, as upstream. */
  private readonly delayWindow: MaxTimeWindow | undefined;

  /**
   * @param nowSeconds creation time (unix seconds)
   * @param readyPods ready pods now: with more than one the decider starts in panic mode holding
   *   them (upstream: a restarted autoscaler must not scale down before it has data)
   */
  constructor(spec: DeciderSpec, nowSeconds: number, readyPods: number) {
    this.spec = spec;
    this.delayWindow = spec.scaleDownDelaySeconds > 0 ? new MaxTimeWindow(spec.scaleDownDelaySeconds, DECIDER_TICK_SECONDS) : undefined;
    this.panicTime = readyPods > 1 ? nowSeconds : undefined;
    this.maxPanicPods = readyPods;
  }

  /** A new spec (the scale-down delay window keeps the size it was created with, as upstream). */
  public updateSpec(spec: DeciderSpec): void {
    this.spec = spec;
  }

  /** Whether the decider is in panic mode. */
  public get panicking(): boolean {
    return this.panicTime !== undefined;
  }

  /** Upstream `Scale(now)`. */
  public scale(nowSeconds: number, readyPods: number, windows: WindowReader): ScaleResult {
    const spec = this.spec;
    const n = Math.max(1, readyPods);
    const avg = windows.averages(nowSeconds, spec.metric);
    if (avg === undefined && spec.noDataIsInvalid) {
      return { desired: 0, ebc: 0, panic: this.panicking, valid: false, observedStable: 0, observedPanic: 0 };
    }
    const a = avg ?? windows.read(nowSeconds); // empty windows read 0
    const observedStable = spec.metric === 'rps' ? a.stableRps : a.stableConcurrency;
    const observedPanic = spec.metric === 'rps' ? a.panicRps : a.panicConcurrency;

    const maxScaleUp = Math.ceil(spec.maxScaleUpRate * n);
    const maxScaleDown = spec.reachable ? Math.floor(n / spec.maxScaleDownRate) : 0;
    const dspc = Math.ceil(observedStable / spec.targetValue);
    const dppc = Math.ceil(observedPanic / spec.targetValue);
    let stablePods = int32(Math.min(Math.max(dspc, maxScaleDown), maxScaleUp));
    let panicPods = int32(Math.min(Math.max(dppc, maxScaleDown), maxScaleUp));
    if (spec.activationScale > 1) {
      if (dspc > 0 && spec.activationScale > stablePods) stablePods = spec.activationScale;
      if (dppc > 0 && spec.activationScale > panicPods) panicPods = spec.activationScale;
    }

    const overThreshold = dppc / n >= spec.panicThreshold;
    if (overThreshold) {
      this.panicTime = nowSeconds; // enter, or extend
    } else if (this.panicTime !== undefined && this.panicTime + spec.stableWindowSeconds < nowSeconds) {
      this.panicTime = undefined; // the surge has reached the stable window
      this.maxPanicPods = 0;
    }

    let desired = stablePods;
    if (this.panicTime !== undefined) {
      if (desired < panicPods) desired = panicPods;
      if (desired > this.maxPanicPods) this.maxPanicPods = desired; // never down while panicking
      desired = this.maxPanicPods;
    }

    if (this.delayWindow) {
      this.delayWindow.record(nowSeconds, desired);
      desired = this.delayWindow.current();
    }

    let ebc = -1;
    if (spec.targetBurstCapacity === 0) ebc = 0;
    else if (spec.targetBurstCapacity > 0) ebc = Math.floor(readyPods * spec.total - spec.targetBurstCapacity - observedPanic);
    return { desired, ebc: int32(ebc), panic: this.panicking, valid: true, observedStable, observedPanic };
  }
}

/** Upstream multiscaler's excess burst capacity of a decider that has not decided yet. */
export function initialExcessBurstCapacity(spec: DeciderSpec): number {
  const tbc = spec.targetBurstCapacity;
  return tbc === -1 || tbc === 0 ? tbc : int32(spec.initialScale * spec.total - tbc);
}

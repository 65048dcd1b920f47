/**
 * Time-bucketed window averages as upstream Knative 1.17's autoscaler keeps them
 * (runtime.md §2.4; `pkg/autoscaler/aggregation/bucketing.go`): one bucket per second, a running
 * window total updated incrementally (the same float operations in the same order, so edge cases
 * round the same way), gap handling, the linear average floored to 6 decimals (1.17; rounded from
 * 1.19) and the weighted-exponential average with its smoothing coefficient.
 *
 * Times are unix seconds (floats); a bucket is `floor(t)`. Our own implementation of the
 * documented behaviour; the differential test (test/core/autoscaler/upstream.test.ts) checks it
 * against upstream's Go code.
 */

/** A window average over 1 s buckets. */
export interface WindowAverager {
  record(timeSeconds: number, value: number): void;
  windowAverage(nowSeconds: number): number;
  /** `now − lastWrite > window` (no write within the window; true before the first write). */
  isEmpty(nowSeconds: number): boolean;
  /** Upstream `ResizeWindow` (keeps the newest buckets when the window changes). */
  resize(windowSeconds: number, nowSeconds: number): void;
}

const PRECISION = 1e6; // math.Pow10(6)

/** Upstream's 1.17 `roundToNDigits(6, x)`: floor to 6 decimals. */
export function floor6(x: number): number {
  return Math.floor(x * PRECISION) / PRECISION;
}

/** Linear window average (upstream `TimedFloat64Buckets`). */
export class LinearBuckets implements WindowAverager {
  protected buckets: number[];
  protected window: number;
  /** undefined = Go's zero time (never written). */
  protected firstWrite: number | undefined;
  protected lastWrite: number | undefined;
  protected windowTotal = 0;

  constructor(windowSeconds: number) {
    this.window = windowSeconds;
    this.buckets = new Array<number>(Math.ceil(windowSeconds)).fill(0);
  }

  public isEmpty(nowSeconds: number): boolean {
    return this.lastWrite === undefined || Math.floor(nowSeconds) - this.lastWrite > this.window;
  }

  public record(timeSeconds: number, value: number): void {
    const bucketTime = Math.floor(timeSeconds);
    const n = this.buckets.length;
    if (this.lastWrite !== bucketTime) {
      const last = this.lastWrite;
      // A write older than the window is dropped.
      if (last !== undefined && !(bucketTime + this.window > last)) return;
      if (this.firstWrite === undefined || this.firstWrite > bucketTime) this.firstWrite = bucketTime;
      if (last === undefined || bucketTime > last) {
        if (last === undefined || bucketTime - last >= this.window) {
          // A gap of a whole window (or the first write): start afresh.
          this.firstWrite = bucketTime;
          this.buckets.fill(0);
          this.windowTotal = 0;
        } else {
          // Shorter gap: the skipped seconds' buckets leave the window.
          for (let i = last + 1; i <= bucketTime; i++) {
            const idx = i % n;
            this.windowTotal -= this.buckets[idx];
            this.buckets[idx] = 0;
          }
        }
        this.lastWrite = bucketTime;
      }
    }
    this.buckets[bucketTime % n] += value;
    this.windowTotal += value;
  }

  public windowAverage(nowSeconds: number): number {
    const now = Math.floor(nowSeconds);
    const last = this.lastWrite;
    if (last === undefined || this.firstWrite === undefined) return 0;
    const n = this.buckets.length;
    const d = now - last;
    const span = last - this.firstWrite + 1; // inclusive
    if (d <= 0) return floor6(this.windowTotal / Math.min(span, n));
    if (d < this.window) {
      // The buckets after lastWrite up to now hold data older than the window: take them out.
      let ret = this.windowTotal;
      for (let i = last + 1; i <= now; i++) ret -= this.buckets[i % n];
      return floor6(ret / Math.min(span, n - d));
    }
    return 0;
  }

  public resize(windowSeconds: number, nowSeconds: number): void {
    if (windowSeconds === this.window) return;
    const numBuckets = Math.ceil(windowSeconds);
    const fresh = new Array<number>(numBuckets).fill(0);
    let total = 0;
    if (this.lastWrite !== undefined && Math.floor(nowSeconds) - this.lastWrite <= this.window) {
      const old = this.buckets.length;
      let t = this.lastWrite;
      for (let k = 0; k < Math.min(numBuckets, old); k++, t--) {
        const v = this.buckets[((t % old) + old) % old];
        fresh[((t % numBuckets) + numBuckets) % numBuckets] = v;
        total += v;
      }
      this.firstWrite = this.lastWrite - (old - 1);
    } else {
      this.firstWrite = undefined;
    }
    this.window = windowSeconds;
    this.buckets = fresh;
    this.windowTotal = total;
  }
}

/**
 * Upstream's smoothing coefficient `max(1 − 0.0001^(1/n), 0.2)` for windows of 3–41 buckets,
 * as Go's `math.Pow` computes it on linux/amd64 (its assembly Exp/Log, which for 6 of these
 * sizes differ from JavaScript's Math.exp/Math.log in the last bit). From 42 buckets on the
 * coefficient is exactly 0.2; for 1 bucket 1 − 0.0001, for 2 (Go: Sqrt) 1 − 0.01.
 * Checked against upstream by test/core/autoscaler/upstream.test.ts.
 */
const SMOOTHING_3_TO_41: readonly number[] = [
  0.9535841116638721, 0.9, 0.8415106807538886, 0.7845565309968116, 0.7317304204720274, 0.683772233983162,
  0.6406186336195372, 0.6018928294465027, 0.5671238718916941, 0.535841116638722, 0.507611736829326,
  0.4820525320768788, 0.45883047345353634, 0.4376586748096509, 0.41829086706256413, 0.40051574968105896,
  0.3841517889339736, 0.36904265551980675, 0.3550533228962376, 0.342066775342432, 0.3299812496490411,
  0.31870793094203875, 0.3081690290810636, 0.29829617132961717, 0.28902905676875645, 0.28031432699884795,
  0.27210461560168486, 0.2643577455403586, 0.25703604924050527, 0.2501057906675441, 0.24353667244537114,
  0.23730141409765548, 0.231375389960226, 0.2257363173188729, 0.22036398695947668, 0.21524002964853872,
  0.21034771315002732, 0.2056717652757185, 0.20119821919842973,
];

/** Upstream `computeSmoothingCoeff(n)` for a whole number of buckets n ≥ 1. */
export function smoothingCoefficient(buckets: number): number {
  if (buckets <= 1) return 1 - 0.0001;
  if (buckets === 2) return 1 - Math.sqrt(0.0001);
  if (buckets <= 41) return SMOOTHING_3_TO_41[buckets - 3];
  return 0.2;
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI = 1; // little-endian word order (all platforms Node runs on)

/** Go `math.Frexp` for finite, non-zero, normal x: [frac in [0.5, 1), exp]. */
function frexp(x: number): [number, number] {
  F64[0] = x;
  const biased = Math.floor(U32[HI] / 2 ** 20) % 2048; // exponent bits (below the sign bit)
  U32[HI] -= (biased - 1022) * 2 ** 20; // exponent of [0.5, 1), sign and mantissa kept
  return [F64[0], biased - 1022];
}

/** Go `math.Ldexp(frac, exp)` (exact scaling; one rounding for subnormal results, as Go). */
function ldexp(frac: number, exp: number): number {
  if (frac === 0 || !Number.isFinite(frac)) return frac;
  const [f, e] = frexp(frac);
  let x = exp + e - 1; // exponent of f × 2 in [1, 2)
  if (x < -1075) return 0;
  if (x > 1023) return Infinity;
  let m = 1;
  if (x < -1022) {
    x += 53;
    m = 1 / 2 ** 53;
  }
  return m * (f * 2 * 2 ** x);
}

/**
 * Go `math.Pow(x, k)` for 0 < x < 1 and a whole k ≥ 0 (how upstream decays the weighted
 * multiplier over empty seconds): repeated squaring of Frexp's mantissa, not a correctly
 * rounded power, so the result matches Go bit for bit.
 */
export function goPowWhole(x: number, k: number): number {
  if (k === 0 || x === 1) return 1;
  if (k === 1) return x;
  let a1 = 1;
  let ae = 0;
  let [x1, xe] = frexp(x);
  for (let i = k; i !== 0; i = Math.floor(i / 2)) {
    if (xe < -4096 || xe > 4096) { // Go: xe < -1<<12 || 1<<12 < xe
      ae += xe;
      break;
    }
    if (i % 2 === 1) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe *= 2;
    if (x1 < 0.5) {
      x1 += x1;
      xe--;
    }
  }
  return ldexp(a1, ae);
}

/** Weighted-exponential window average (upstream `WeightedFloat64Buckets`). */
export class WeightedBuckets extends LinearBuckets {
  private smoothing: number;

  constructor(windowSeconds: number) {
    super(windowSeconds);
    this.smoothing = smoothingCoefficient(Math.ceil(windowSeconds));
  }

  public windowAverage(nowSeconds: number): number {
    const now = Math.floor(nowSeconds);
    if (this.isEmpty(now) || this.lastWrite === undefined) return 0;
    const total = this.buckets.length;
    let numB = total;
    let multiplier = this.smoothing;
    if (now > this.lastWrite) {
      const numZ = now - this.lastWrite;
      multiplier *= goPowWhole(1 - this.smoothing, numZ);
      numB -= numZ;
    }
    const start = this.lastWrite + total;
    let ret = 0;
    for (let i = 0; i < numB; i++) {
      ret += this.buckets[(start - i) % total] * multiplier;
      multiplier *= 1 - this.smoothing;
    }
    return ret;
  }

  public resize(windowSeconds: number, nowSeconds: number): void {
    super.resize(windowSeconds, nowSeconds);
    this.smoothing = smoothingCoefficient(Math.ceil(windowSeconds));
  }
}

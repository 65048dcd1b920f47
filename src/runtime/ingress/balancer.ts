/**
 * Smooth weighted round-robin (nginx's algorithm).
 *
 * Every pick adds each weight to its running "current" value, selects the largest current value
 * and subtracts the total weight from it. Over any window of `total` consecutive picks (100 when
 * the weights are percents) each target is chosen exactly `weight` times, and picks are spread
 * evenly (40/30/30 → A B C A B A C A B C …) rather than in bursts.
 *
 * The hot path (`pick`) allocates nothing.
 */
export class SmoothWeightedBalancer<T> {
  public readonly items: readonly T[];
  public readonly weights: readonly number[];
  public readonly total: number;
  private readonly current: Float64Array;
  private readonly w: Float64Array;
  private readonly n: number;

  constructor(items: readonly T[], weights: readonly number[]) {
    if (items.length !== weights.length) throw new Error('items and weights differ in length');
    const keptItems: T[] = [];
    const keptWeights: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const wt = weights[i];
      if (!(wt > 0) || !Number.isFinite(wt)) continue;
      keptItems.push(items[i]);
      keptWeights.push(wt);
    }
    this.items = Object.freeze(keptItems);
    this.weights = Object.freeze(keptWeights);
    this.n = keptItems.length;
    this.w = Float64Array.from(keptWeights);
    this.current = new Float64Array(this.n);
    let total = 0;
    for (const wt of keptWeights) total += wt;
    this.total = total;
  }

  /** Number of targets with a positive weight. */
  public get size(): number {
    return this.n;
  }

  /** The next target, or undefined when no target has a positive weight. */
  public pick(): T | undefined {
    const n = this.n;
    if (n === 0) return undefined;
    if (n === 1) return this.items[0];
    const cur = this.current;
    const w = this.w;
    let best = 0;
    let bestVal = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = cur[i] + w[i];
      cur[i] = v;
      if (v > bestVal) {
        bestVal = v;
        best = i;
      }
    }
    cur[best] = bestVal - this.total;
    return this.items[best];
  }

  /** A stable signature of the items' keys and weights (used to carry state across table swaps). */
  public signature(key: (item: T) => string): string {
    let s = '';
    for (let i = 0; i < this.n; i++) s += `${key(this.items[i])}=${this.weights[i]};`;
    return s;
  }

  /** Copy the running state of another balancer with the same signature (keeps splits exact across swaps). */
  public adoptStateFrom(other: SmoothWeightedBalancer<T>): void {
    if (other.n !== this.n) return;
    this.current.set(other.current);
  }
}

import { SmoothWeightedBalancer } from '../../../src/runtime/ingress/balancer';

function run(weights: number[], n: number, start = 0): number[] {
  const b = new SmoothWeightedBalancer(weights.map((_, i) => i), weights);
  const counts = weights.map(() => 0);
  for (let i = 0; i < start; i++) b.pick();
  for (let i = 0; i < n; i++) counts[b.pick()!]++;
  return counts;
}

describe('SmoothWeightedBalancer', () => {
  test.each([
    [[50, 50], [500, 500]],
    [[95, 5], [950, 50]],
    [[40, 30, 30], [400, 300, 300]],
    [[1, 99], [10, 990]],
    [[33, 33, 34], [330, 330, 340]],
  ])('weights %j over 1000 picks → %j', (w, expected) => {
    expect(run(w, 1000)).toEqual(expected);
  });

  test('exact over every aligned window of 100 and spread (no bursts)', () => {
    const b = new SmoothWeightedBalancer(['a', 'b', 'c'], [40, 30, 30]);
    const seq: string[] = [];
    for (let i = 0; i < 1000; i++) seq.push(b.pick()!);
    for (let w = 0; w < 10; w++) {
      const win = seq.slice(w * 100, w * 100 + 100);
      expect(win.filter((x) => x === 'a').length).toBe(40);
      expect(win.filter((x) => x === 'b').length).toBe(30);
    }
    // smooth: never more than 2 of the same in a row for 40/30/30
    let maxRun = 1;
    let runLen = 1;
    for (let i = 1; i < seq.length; i++) {
      runLen = seq[i] === seq[i - 1] ? runLen + 1 : 1;
      maxRun = Math.max(maxRun, runLen);
    }
    expect(maxRun).toBeLessThanOrEqual(2);
  });

  test('95/5: every sliding window of 100 picks (not just aligned ones) has 5 ± 1 picks of the 5% target', () => {
    const b = new SmoothWeightedBalancer([0, 1], [95, 5]);
    const seq: number[] = [];
    for (let i = 0; i < 1000; i++) seq.push(b.pick()!);
    for (let s = 0; s + 100 <= seq.length; s++) {
      const ones = seq.slice(s, s + 100).filter((x) => x === 1).length;
      expect(Math.abs(ones - 5)).toBeLessThanOrEqual(1);
    }
  });

  test('zero weights are dropped; empty → undefined; single → always it', () => {
    expect(new SmoothWeightedBalancer(['a', 'b'], [0, 0]).pick()).toBeUndefined();
    const one = new SmoothWeightedBalancer(['a', 'b'], [0, 100]);
    expect(one.size).toBe(1);
    expect([one.pick(), one.pick()]).toEqual(['b', 'b']);
  });

  test('adopting the state continues the exact pick sequence across a swap', () => {
    const one = new SmoothWeightedBalancer(['x', 'y'], [40, 60]);
    const uninterrupted: string[] = [];
    for (let i = 0; i < 100; i++) uninterrupted.push(one.pick()!);
    const a = new SmoothWeightedBalancer(['x', 'y'], [40, 60]);
    const seq: string[] = [];
    for (let i = 0; i < 37; i++) seq.push(a.pick()!);
    const b = new SmoothWeightedBalancer(['x', 'y'], [40, 60]);
    b.adoptStateFrom(a);
    for (let i = 0; i < 63; i++) seq.push(b.pick()!);
    // (The 40/60 count alone would also hold without adoption; the sequence would not.)
    expect(seq).toEqual(uninterrupted);
    expect(seq.filter((s) => s === 'x').length).toBe(40);
  });
});

import {
  Decider, deciderSpec, DeciderSpec, initialExcessBurstCapacity, MaxTimeWindow, MetricWindows, panicWindowSeconds, WindowAverages, WindowReader,
} from '../../../src/core/autoscaler';
import { parseAutoscaler } from '../../../src/core/config/config-autoscaler';

const AS = 'autoscaling.knative.dev/';
const defaults = parseAutoscaler({});

function spec(annotations: Record<string, string> = {}, cc = 0, config: Record<string, string> = {}, reachable = true): DeciderSpec {
  return deciderSpec(annotations, cc, parseAutoscaler(config), reachable);
}

describe('deciderSpec (runtime.md §1.1)', () => {
  test('defaults: concurrency, CC 0 ⇒ total 100, target 70, TBC 211, windows 60 s / 6 s', () => {
    const s = spec();
    expect(s).toMatchObject({
      metric: 'concurrency',
      total: 100,
      targetValue: 70,
      targetBurstCapacity: 211,
      panicThreshold: 2,
      stableWindowSeconds: 60,
      panicWindowSeconds: 6,
      scaleDownDelaySeconds: 0,
      activationScale: 0,
      initialScale: 1,
      minScale: 0,
      maxScale: 0,
      maxScaleUpRate: 1000,
      maxScaleDownRate: 2,
      reachable: true,
      aggregation: 'linear',
      enableScaleToZero: true,
      scaleToZeroGracePeriodSeconds: 30,
      scaleToZeroPodRetentionSeconds: 0,
      progressDeadlineSeconds: 600,
      noDataIsInvalid: true,
    });
  });

  test('containerConcurrency is the capacity; a target annotation above it is capped', () => {
    expect(spec({}, 10)).toMatchObject({ total: 10, targetValue: 7 });
    expect(spec({ [`${AS}target`]: '50' }, 10)).toMatchObject({ total: 10, targetValue: 7 });
    expect(spec({ [`${AS}target`]: '4' }, 10)).toMatchObject({ total: 4, targetValue: 4 * 0.7 });
    expect(spec({ [`${AS}target`]: '4' }, 0)).toMatchObject({ total: 4 });
  });

  test('rps: default 200 × fixed 0.70 (config percentage not applied), target annotation not capped by CC', () => {
    const rps = { [`${AS}metric`]: 'rps' };
    expect(spec(rps)).toMatchObject({ metric: 'rps', total: 200, targetValue: 200 * 0.7 });
    expect(spec(rps, 0, { 'container-concurrency-target-percentage': '50' }).targetValue).toBe(200 * 0.7);
    expect(spec({ ...rps, [`${AS}target`]: '1000' }, 5).total).toBe(1000);
  });

  test('utilization annotation and config percentage; target never below 0.01', () => {
    expect(spec({ [`${AS}target-utilization-percentage`]: '50' }).targetValue).toBe(50);
    expect(spec({}, 0, { 'container-concurrency-target-percentage': '80' }).targetValue).toBe(100 * 0.8);
    expect(spec({ [`${AS}target`]: '0.001' }).targetValue).toBe(0.01);
  });

  test('window annotation sets both windows; panic window = round(stable × pct) ≥ 1 s', () => {
    expect(spec({ [`${AS}window`]: '2m' })).toMatchObject({ stableWindowSeconds: 120, panicWindowSeconds: 12 });
    expect(spec({ [`${AS}window`]: '6s' }).panicWindowSeconds).toBe(1); // 0.6 s rounds to 1
    expect(spec({ [`${AS}window`]: '6s', [`${AS}panic-window-percentage`]: '5' }).panicWindowSeconds).toBe(1); // 0.3 s → 0 → 1
    expect(panicWindowSeconds(25, 10)).toBe(3); // 2.5 s rounds half away from zero
    expect(panicWindowSeconds(60, 33)).toBe(20); // 19.8 s
  });

  test('scale bounds: min only when reachable; retention 0 when unreachable; initial scale rules', () => {
    const a = { [`${AS}min-scale`]: '2', [`${AS}max-scale`]: '9', [`${AS}scale-to-zero-pod-retention-period`]: '1m' };
    expect(spec(a)).toMatchObject({ minScale: 2, maxScale: 9, scaleToZeroPodRetentionSeconds: 60 });
    expect(spec(a, 0, {}, false)).toMatchObject({ minScale: 0, maxScale: 9, scaleToZeroPodRetentionSeconds: 0, reachable: false });
    expect(spec({ [`${AS}initial-scale`]: '0' }).initialScale).toBe(1);
    expect(spec({ [`${AS}initial-scale`]: '0' }, 0, { 'allow-zero-initial-scale': 'true' }).initialScale).toBe(0);
    expect(spec({ [`${AS}initial-scale`]: '3' }).initialScale).toBe(3);
  });

  test('TBC −1 ⇒ activator-only stats: empty windows are zeros, not "no data"', () => {
    expect(spec({ [`${AS}target-burst-capacity`]: '-1' })).toMatchObject({ targetBurstCapacity: -1, noDataIsInvalid: false });
    expect(spec({ [`${AS}target-burst-capacity`]: '0' }).noDataIsInvalid).toBe(true);
  });

  test('unreadable annotation values fall back to config (as upstream reads them)', () => {
    expect(spec({ [`${AS}target`]: 'ten', [`${AS}window`]: '60', [`${AS}min-scale`]: '1.5' }))
      .toMatchObject({ total: 100, stableWindowSeconds: 60, minScale: 0 });
  });

  test('legacy alias keys and the weighted-exponential spellings', () => {
    expect(spec({ [`${AS}minScale`]: '3' }).minScale).toBe(3);
    expect(spec({ [`${AS}metric-aggregation-algorithm`]: 'weighted-exponential' }).aggregation).toBe('weighted-exponential');
    expect(spec({ [`${AS}metricAggregationAlgorithm`]: 'weightedExponential' }).aggregation).toBe('weighted-exponential');
    expect(spec({ [`${AS}metric-aggregation-algorithm`]: 'median' }).aggregation).toBe('linear');
  });

  test('progress deadline from the annotation, else the argument (config-deployment)', () => {
    expect(deciderSpec({ 'serving.knative.dev/progress-deadline': '120s' }, 0, defaults, true).progressDeadlineSeconds).toBe(120);
    expect(deciderSpec({}, 0, defaults, true, 300).progressDeadlineSeconds).toBe(300);
  });

  test('initial excess burst capacity of a new decider', () => {
    expect(initialExcessBurstCapacity(spec())).toBe(100 - 211);
    expect(initialExcessBurstCapacity(spec({ [`${AS}target-burst-capacity`]: '-1' }))).toBe(-1);
    expect(initialExcessBurstCapacity(spec({ [`${AS}target-burst-capacity`]: '0' }))).toBe(0);
  });
});

describe('MetricWindows (runtime.md §2.4)', () => {
  const s = spec();

  test('no data before the first stat and after a whole window without one', () => {
    const w = new MetricWindows(s);
    expect(w.averages(100)).toBeUndefined();
    w.record(100.4, 10, 5);
    expect(w.averages(100.9)).toEqual({ stableConcurrency: 10, panicConcurrency: 10, stableRps: 5, panicRps: 5 });
    expect(w.averages(160)).toEqual({ stableConcurrency: 0, panicConcurrency: 0, stableRps: 0, panicRps: 0 }); // d = window: 0, not empty
    expect(w.averages(161)).toBeUndefined();
  });

  test('stats of the same second add up; the average covers the seconds since the first write', () => {
    const w = new MetricWindows(s);
    w.record(10, 3, 1);
    w.record(10.5, 2, 1);
    w.record(11, 1, 1);
    expect(w.averages(11)?.stableConcurrency).toBe(3); // (5 + 1) / 2
  });

  test('linear: a gap shorter than the window averages over the seconds that had data; floored to 6 decimals', () => {
    const w = new MetricWindows(s);
    for (let t = 0; t < 3; t++) w.record(t, 1, 0);
    w.record(3, 2, 0);
    expect(w.averages(3)?.stableConcurrency).toBe(1.25);
    // 10 s later: the stable window still holds 4 seconds (divided by min(4, 60 − 10)).
    expect(w.averages(13)?.stableConcurrency).toBe(1.25);
    // The 6 s panic window has lost every bucket: 0 over min(4, 6 − 10 …) — d ≥ window ⇒ 0.
    expect(w.averages(13)?.panicConcurrency).toBe(0);
    const x = new MetricWindows(s);
    x.record(0, 1, 0);
    x.record(1, 1, 0);
    x.record(2, 0, 0);
    expect(x.averages(2)?.stableConcurrency).toBe(0.666666); // floor, not round
  });

  test('panic window slides: old buckets leave, the running total follows', () => {
    const w = new MetricWindows(s);
    for (let t = 0; t < 6; t++) w.record(t, 6, 0);
    for (let t = 6; t < 12; t++) w.record(t, 0, 0);
    expect(w.averages(11)).toMatchObject({ panicConcurrency: 0, stableConcurrency: 3 });
  });

  test('weighted-exponential: the newest second weighs most, empty seconds decay the multiplier', () => {
    const we = spec({ [`${AS}metric-aggregation-algorithm`]: 'weighted-exponential' });
    const w = new MetricWindows(we);
    w.record(0, 10, 0);
    const a0 = w.averages(0)!;
    expect(a0.stableConcurrency).toBeCloseTo(10 * 0.2, 12); // α = 0.2 for 60 buckets
    expect(a0.panicConcurrency).toBeCloseTo(10 * 0.7845565309968116, 12); // α for 6 buckets
    expect(w.averages(1)!.stableConcurrency).toBeCloseTo(10 * 0.2 * 0.8, 12);
  });

  test('a gap of a whole window clears the buckets', () => {
    const w = new MetricWindows(s);
    w.record(0, 100, 0);
    w.record(60, 1, 0);
    expect(w.averages(60)?.stableConcurrency).toBe(1);
  });
});

describe('MaxTimeWindow (scale-down delay)', () => {
  test('max over the last N 2 s slots; the same slot keeps the larger value', () => {
    const m = new MaxTimeWindow(6, 2); // 3 slots
    m.record(0, 5);
    m.record(2, 3);
    expect(m.current()).toBe(5);
    m.record(4, 1);
    expect(m.current()).toBe(5);
    m.record(6, 2); // slot 3: slot 0 leaves
    expect(m.current()).toBe(3);
    m.record(7, 1); // same slot as 6: keeps 2
    expect(m.current()).toBe(3);
    m.record(10, 0);
    expect(m.current()).toBe(2);
    m.record(14, 0);
    expect(m.current()).toBe(0);
  });
});

/** A window reader returning fixed averages (the decider's arithmetic on exact S and P values). */
function fixed(S: number, P: number, metric: 'concurrency' | 'rps' = 'concurrency'): WindowReader {
  const a: WindowAverages = metric === 'rps'
    ? { stableConcurrency: 0, panicConcurrency: 0, stableRps: S, panicRps: P }
    : { stableConcurrency: S, panicConcurrency: P, stableRps: 0, panicRps: 0 };
  return { averages: () => a, read: () => a };
}
const EMPTY: WindowReader = {
  averages: () => undefined,
  read: () => ({ stableConcurrency: 0, panicConcurrency: 0, stableRps: 0, panicRps: 0 }),
};

describe('Decider.scale (runtime.md §1.2)', () => {
  test('worked example §1.5: enter panic at 7, hold 7 while panicking, exit after a stable window to 3', () => {
    const s = spec();
    const d = new Decider(s, 0, 1);
    const t = 100;
    // t: N0 3, S 150, P 480: dspc 3, dppc 7, 7/3 ≥ 2 → panic; EBC ⌊300 − 211 − 480⌋.
    expect(d.scale(t, 3, fixed(150, 480))).toMatchObject({ desired: 7, ebc: -391, panic: true, valid: true });
    // t+2: N0 7, S 200, P 300: maxDown 3, dspc 3, dppc 5, 5/7 < 2 but still panicking: hold 7.
    expect(d.scale(t + 2, 7, fixed(200, 300))).toMatchObject({ desired: 7, ebc: 189, panic: true, valid: true });
    // t+60: panicTime + 60 is not before now: still panicking.
    expect(d.scale(t + 60, 7, fixed(140, 90))).toMatchObject({ desired: 7, ebc: 399, panic: true, valid: true });
    // t+62: exit; clamp(2, maxDown 3, ·) = 3.
    expect(d.scale(t + 62, 7, fixed(140, 90))).toEqual({ desired: 3, ebc: 399, panic: false, valid: true, observedStable: 140, observedPanic: 90 });
  });

  test('steady load: ceil(S / target), no panic', () => {
    const d = new Decider(spec(), 0, 1);
    expect(d.scale(2, 1, fixed(70, 70))).toMatchObject({ desired: 1, panic: false });
    expect(d.scale(4, 1, fixed(70.000001, 70))).toMatchObject({ desired: 2, panic: false }); // over 1·target: 2 pods
  });

  test('ramp: scale-up bounded by max-scale-up-rate, scale-down by max-scale-down-rate', () => {
    const s = spec({}, 0, { 'max-scale-up-rate': '2', 'max-scale-down-rate': '4' });
    const d = new Decider(s, 0, 1);
    // 10 pods wanted from 1 pod: at most ceil(2·1) = 2; dppc 10 / 1 ≥ 2 → panic, still capped at 2.
    expect(d.scale(2, 1, fixed(700, 700))).toMatchObject({ desired: 2, panic: true });
    const calm = new Decider(s, 0, 1);
    // From 20 pods down to 1: at least floor(20/4) = 5.
    expect(calm.scale(2, 20, fixed(1, 1))).toMatchObject({ desired: 5, panic: false });
  });

  test('no scale-down while panicking; maxPanicPods only grows', () => {
    const d = new Decider(spec(), 0, 1);
    expect(d.scale(2, 1, fixed(10, 700)).desired).toBe(10); // dppc 10 ≥ 2·1
    expect(d.scale(4, 10, fixed(10, 70)).desired).toBe(10);
    expect(d.scale(6, 10, fixed(10, 1400)).desired).toBe(20); // still over: extend, grow
    expect(d.scale(60, 20, fixed(10, 10))).toMatchObject({ desired: 20, panic: true });
    expect(d.scale(68, 20, fixed(10, 10))).toMatchObject({ desired: 10, panic: false }); // 6 + 60 < 68; maxDown 10
  });

  test('created with several ready pods: starts in panic holding them', () => {
    const d = new Decider(spec(), 50, 4);
    expect(d.panicking).toBe(true);
    expect(d.scale(52, 4, fixed(0, 0))).toMatchObject({ desired: 4, panic: true });
    expect(d.scale(110, 4, fixed(0, 0))).toMatchObject({ desired: 4, panic: true }); // 50 + 60 is not < 110
    expect(d.scale(112, 4, fixed(0, 0))).toMatchObject({ desired: 2, panic: false }); // maxDown = 4/2
  });

  test('drop to zero: halves per tick (max-scale-down-rate 2), then 0', () => {
    const d = new Decider(spec(), 0, 1);
    expect(d.scale(2, 8, fixed(0, 0)).desired).toBe(4);
    expect(d.scale(4, 4, fixed(0, 0)).desired).toBe(2);
    expect(d.scale(6, 2, fixed(0, 0)).desired).toBe(1);
    expect(d.scale(8, 1, fixed(0, 0)).desired).toBe(0);
  });

  test('unreachable revision: no scale-down rate limit', () => {
    const d = new Decider(spec({}, 0, {}, false), 0, 1);
    expect(d.scale(2, 8, fixed(0, 0)).desired).toBe(0);
  });

  test('no data: invalid with a scrape target (TBC ≠ −1), zeros with activator-only stats (TBC −1)', () => {
    const d = new Decider(spec(), 0, 1);
    expect(d.scale(2, 1, EMPTY)).toEqual({ desired: 0, ebc: 0, panic: false, valid: false, observedStable: 0, observedPanic: 0 });
    const u = new Decider(spec({ [`${AS}target-burst-capacity`]: '-1' }), 0, 1);
    expect(u.scale(2, 3, EMPTY)).toEqual({ desired: 1, ebc: -1, panic: false, valid: true, observedStable: 0, observedPanic: 0 }); // floor(3/2)
  });

  test('rps metric: reads the rps windows against 140 rps/pod', () => {
    const d = new Decider(spec({ [`${AS}metric`]: 'rps' }), 0, 1);
    expect(d.scale(2, 8, fixed(1000, 1000, 'rps')).desired).toBe(8); // ceil(7.14)
    expect(d.scale(4, 8, fixed(1000, 1000, 'concurrency')).desired).toBe(4); // concurrency ignored: rps 0 → maxDown
  });

  test('utilization and CC = 1', () => {
    const u = new Decider(spec({ [`${AS}target-utilization-percentage`]: '50' }, 10), 0, 1);
    expect(u.scale(2, 4, fixed(20, 20)).desired).toBe(4); // target 5
    const one = new Decider(spec({}, 1), 0, 1);
    expect(one.scale(2, 5, fixed(3, 3)).desired).toBe(5); // target 0.7: ceil(4.29) = 5
    expect(one.scale(4, 5, fixed(3, 3)).ebc).toBe(Math.floor(5 * 1 - 211 - 3));
  });

  test('activation scale lifts any non-zero decision, never zero', () => {
    const d = new Decider(spec({ [`${AS}activation-scale`]: '3' }), 0, 1);
    expect(d.scale(2, 0, fixed(1, 1)).desired).toBe(3);
    expect(d.scale(4, 3, fixed(0, 0)).desired).toBe(1); // dspc 0: maxDown floor(3/2) = 1, not lifted
    expect(d.scale(6, 1, fixed(0, 0)).desired).toBe(0);
  });

  test('scale-down delay: the max of the last delay/2 s slots', () => {
    const d = new Decider(spec({ [`${AS}scale-down-delay`]: '6s' }), 0, 1);
    expect(d.scale(2, 1, fixed(700, 0)).desired).toBe(10);
    expect(d.scale(4, 10, fixed(70, 0)).desired).toBe(10); // wants 5 (rate), delayed
    expect(d.scale(6, 10, fixed(70, 0)).desired).toBe(10);
    expect(d.scale(8, 10, fixed(70, 0)).desired).toBe(5); // slot of t=2 left the 3-slot window
  });

  test('EBC: TBC 0 ⇒ 0, TBC −1 ⇒ −1, else ⌊N0·total − TBC − panic⌋ with N0 (not max(1, N0))', () => {
    expect(new Decider(spec({ [`${AS}target-burst-capacity`]: '0' }), 0, 1).scale(2, 1, fixed(5, 5)).ebc).toBe(0);
    expect(new Decider(spec({ [`${AS}target-burst-capacity`]: '-1' }), 0, 1).scale(2, 1, fixed(5, 5)).ebc).toBe(-1);
    expect(new Decider(spec(), 0, 1).scale(2, 0, fixed(5, 5.5)).ebc).toBe(Math.floor(0 - 211 - 5.5));
  });

  test('window annotation: panic exits after the annotated stable window', () => {
    const d = new Decider(spec({ [`${AS}window`]: '10s' }), 0, 1);
    expect(d.scale(2, 1, fixed(0, 700)).panic).toBe(true);
    expect(d.scale(12, 10, fixed(0, 0)).panic).toBe(true); // 2 + 10 is not before 12
    expect(d.scale(14, 10, fixed(0, 0))).toMatchObject({ panic: false, desired: 5 });
  });
});

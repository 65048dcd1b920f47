import {
  activeCondition, ActiveState, Decider, deciderSpec, DeciderSpec, MetricWindows, replay, scaleGate, ScaleGateInput,
} from '../../../src/core/autoscaler';
import { parseAutoscaler } from '../../../src/core/config/config-autoscaler';

const AS = 'autoscaling.knative.dev/';

function spec(annotations: Record<string, string> = {}, config: Record<string, string> = {}, reachable = true): DeciderSpec {
  return deciderSpec(annotations, 0, parseAutoscaler(config), reachable);
}

function gate(over: Partial<ScaleGateInput>): ReturnType<typeof scaleGate> {
  return scaleGate({
    desired: 1,
    spec: spec(),
    activeState: 'Active',
    activeSinceSeconds: 0,
    scaleTargetInitialized: true,
    nowSeconds: 1000,
    currentReplicas: 1,
    ...over,
  });
}

describe('scaleGate (runtime.md §1.3)', () => {
  test('no decision yet: nothing applied unless activating', () => {
    expect(gate({ desired: -1 })).toEqual({ replicas: undefined, requeueAfterSeconds: undefined, want: -1 });
    expect(gate({ desired: -1, activeState: 'Inactive' })).toEqual({ replicas: undefined, requeueAfterSeconds: undefined, want: -1 });
  });

  test('activating: −1 becomes min; at 0 wait for the activation timeout (progress deadline + 30 s), then 0', () => {
    expect(gate({ desired: -1, activeState: 'Activating', spec: spec({ [`${AS}min-scale`]: '2' }) }))
      .toEqual({ replicas: 2, requeueAfterSeconds: undefined, want: 2 });
    expect(gate({ desired: -1, activeState: 'Activating', activeSinceSeconds: 900 }))
      .toEqual({ replicas: undefined, requeueAfterSeconds: 630, want: -1 });
    expect(gate({ desired: 0, activeState: 'Activating', activeSinceSeconds: 1000 - 630 }).replicas).toBeUndefined(); // not yet (strictly longer)
    expect(gate({ desired: 0, activeState: 'Activating', activeSinceSeconds: 1000 - 631 })).toEqual({ replicas: 0, requeueAfterSeconds: undefined, want: 0 });
  });

  test('min/max bounds; min ignored when unreachable; max 0 = none', () => {
    const b = spec({ [`${AS}min-scale`]: '3', [`${AS}max-scale`]: '5' });
    expect(gate({ desired: 10, spec: b }).replicas).toBe(5);
    expect(gate({ desired: 1, spec: b }).replicas).toBe(3);
    expect(gate({ desired: 0, spec: b }).replicas).toBe(3);
    expect(gate({ desired: 1, spec: spec({ [`${AS}min-scale`]: '3' }, {}, false) }).replicas).toBeUndefined(); // 1 = current
    expect(gate({ desired: 400, spec: spec() }).replicas).toBe(400);
  });

  test('initial scale is a minimum until the scale target was initialized', () => {
    const i = spec({ [`${AS}initial-scale`]: '4' });
    expect(gate({ desired: 1, spec: i, scaleTargetInitialized: false })).toMatchObject({ replicas: 4, want: 4 });
    expect(gate({ desired: 1, spec: i, scaleTargetInitialized: true, currentReplicas: 4 })).toMatchObject({ replicas: 1, want: 1 });
  });

  test('enable-scale-to-zero false: 0 becomes 1', () => {
    expect(gate({ desired: 0, spec: spec({}, { 'enable-scale-to-zero': 'false' }), currentReplicas: 3 })).toEqual({ replicas: 1, requeueAfterSeconds: undefined, want: 1 });
  });

  test('Active: keep 1 pod until active for a stable window, then want 0 without applying it', () => {
    expect(gate({ desired: 0, activeSinceSeconds: 1000 - 45 })).toEqual({ replicas: undefined, requeueAfterSeconds: 15, want: 1 });
    expect(gate({ desired: 0, activeSinceSeconds: 1000 - 45, currentReplicas: 2 })).toEqual({ replicas: 1, requeueAfterSeconds: 15, want: 1 });
    expect(gate({ desired: 0, activeSinceSeconds: 1000 - 60 })).toEqual({ replicas: undefined, requeueAfterSeconds: 3, want: 0 });
  });

  test('Inactive: 0 after the grace period (time since Inactive), retention can extend it', () => {
    const inactive = { desired: 0, activeState: 'Inactive' as ActiveState };
    expect(gate({ ...inactive, activeSinceSeconds: 1000 - 10 })).toEqual({ replicas: undefined, requeueAfterSeconds: 20, want: 0 });
    expect(gate({ ...inactive, activeSinceSeconds: 1000 - 30 })).toEqual({ replicas: 0, requeueAfterSeconds: undefined, want: 0 });
    const ret = spec({ [`${AS}scale-to-zero-pod-retention-period`]: '90s' });
    expect(gate({ ...inactive, spec: ret, activeSinceSeconds: 1000 - 40 })).toEqual({ replicas: undefined, requeueAfterSeconds: 50, want: 0 });
    expect(gate({ ...inactive, spec: ret, activeSinceSeconds: 1000 - 90 })).toMatchObject({ replicas: 0 });
    // The activator in the path for longer than the grace period (proxySinceSeconds): upstream's fast path.
    expect(gate({ ...inactive, activeSinceSeconds: 1000 - 10, proxySinceSeconds: 1000 - 40 })).toMatchObject({ replicas: 0 });
  });

  test('Deployment replicas undefined read as 1 (nothing to apply for 1)', () => {
    expect(gate({ desired: 1, currentReplicas: undefined }).replicas).toBeUndefined();
    expect(gate({ desired: 2, currentReplicas: undefined }).replicas).toBe(2);
  });
});

describe('activeCondition (runtime.md §3.2)', () => {
  const s = spec();
  const init3 = spec({ [`${AS}initial-scale`]: '3' });
  const T = { status: 'True' as const };
  const U = { status: 'Unknown' as const, reason: 'Queued', message: 'm' };
  const F = { status: 'False' as const, reason: 'NoTraffic', message: 'The target is not receiving traffic.' };

  test.each([
    // [want, ready, spec, initialized, current, status, reason]
    ['want 0 while activating → TimedOut', 0, 0, s, true, U, 'False', 'TimedOut'],
    ['want 0 while never set (Unknown) → TimedOut', 0, 0, s, true, undefined, 'False', 'TimedOut'],
    ['want 0 while active → NoTraffic', 0, 1, s, true, T, 'False', 'NoTraffic'],
    ['want > 0, not enough ready → Queued', 2, 0, s, true, T, 'Unknown', 'Queued'],
    ['want > 0, ready → Active', 2, 1, s, true, U, 'True', ''],
    ['want −1, not ready, inactive → stays NoTraffic', -1, 0, s, true, F, 'False', 'NoTraffic'],
    ['want −1, not ready, not inactive → Queued', -1, 0, s, true, T, 'Unknown', 'Queued'],
    ['want −1, ready, not inactive → Active', -1, 1, s, true, U, 'True', ''],
    ['initial scale 3 not reached → Queued', 3, 2, init3, false, U, 'Unknown', 'Queued'],
    ['initial scale 3 reached → Active', 3, 3, init3, false, U, 'True', ''],
  ] as const)('%s', (_name, want, ready, sp, initialized, current, status, reason) => {
    expect(activeCondition(want, ready, sp, initialized, current)).toMatchObject({ status, reason });
  });

  test('want −1 with enough pods while Inactive leaves the condition as it is', () => {
    expect(activeCondition(-1, 5, s, true, F)).toEqual({ ...F, scaleTargetInitialized: true });
  });

  test('minReady 0 (initial scale 0 allowed, not initialized) → NoTraffic even while activating', () => {
    const zero = spec({ [`${AS}initial-scale`]: '0' }, { 'allow-zero-initial-scale': 'true' });
    expect(activeCondition(1, 0, zero, false, U)).toMatchObject({ status: 'False', reason: 'NoTraffic', scaleTargetInitialized: true });
  });

  test('ScaleTargetInitialized turns true once ready ≥ minReady and stays true', () => {
    expect(activeCondition(3, 2, init3, false, U).scaleTargetInitialized).toBe(false);
    expect(activeCondition(3, 3, init3, false, U).scaleTargetInitialized).toBe(true);
    expect(activeCondition(0, 0, init3, true, T).scaleTargetInitialized).toBe(true);
  });

  test('messages are upstream\'s', () => {
    expect(activeCondition(0, 0, s, true, U).message).toBe('The target could not be activated.');
    expect(activeCondition(2, 0, s, true, T).message).toBe('Requests to the target are being buffered as resources are provisioned.');
  });
});

/**
 * Both layers together on a revision that gets a burst and then nothing: the decider every 2 s,
 * the gate and the Active condition after it, a Deployment whose pods are ready at once.
 */
function dropToZero(sp: DeciderSpec, lastRequest: number): { zeroAt: number | undefined; log: string[] } {
  const w = new MetricWindows(sp);
  const d = new Decider(sp, 0, 0);
  let replicas = 1;
  let active: { status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string } = { status: 'Unknown' };
  let since = 0;
  let initialized = false;
  let zeroAt: number | undefined;
  const log: string[] = [];
  for (let t = 0; t <= 400; t++) {
    if (t <= lastRequest) w.record(t, 50, 100);
    if (t % 2 !== 0 || t === 0) continue;
    const r = d.scale(t, replicas, w);
    const g = scaleGate({
      desired: r.valid ? r.desired : -1,
      spec: sp,
      activeState: active.status === 'True' ? 'Active' : active.status === 'False' ? 'Inactive' : 'Activating',
      activeSinceSeconds: since,
      scaleTargetInitialized: initialized,
      nowSeconds: t,
      currentReplicas: replicas,
    });
    if (g.replicas !== undefined) {
      replicas = g.replicas;
      log.push(`${t}: replicas ${replicas}`);
      if (replicas === 0 && zeroAt === undefined) zeroAt = t;
    }
    const c = activeCondition(g.want, replicas, sp, initialized, active);
    initialized = c.scaleTargetInitialized;
    if (c.status !== active.status) {
      since = t;
      log.push(`${t}: Active ${c.status} ${c.reason}`);
    }
    active = c;
  }
  return { zeroAt, log };
}

describe('drop to zero through both layers', () => {
  test('defaults: the stable window empties, Active for 60 s → Inactive, 30 s grace → 0 (≈ 90 s after the last request)', () => {
    const sp = { ...spec(), noDataIsInvalid: false };
    const { zeroAt, log } = dropToZero(sp, 100);
    expect(log).toContain('2: Active True ');
    // Until 160 the linear average over the seconds left in the window stays 50 (no stats come in);
    // at 160 = last request + window it reads 0: desired 0, Active since 2 for ≥ 60 s → Inactive.
    expect(log).toEqual(['2: Active True ', '160: Active False NoTraffic', '190: replicas 0']);
    expect(zeroAt).toBe(190); // 30 s grace after Inactive
  });

  test('enable-scale-to-zero false: stays at 1', () => {
    const sp = { ...spec({}, { 'enable-scale-to-zero': 'false' }), noDataIsInvalid: false };
    const { zeroAt, log } = dropToZero(sp, 100);
    expect(zeroAt).toBeUndefined();
    expect(log.filter((l) => l.includes('Active False'))).toEqual([]);
  });

  test('min-scale 1: stays at 1', () => {
    const { zeroAt } = dropToZero({ ...spec({ [`${AS}min-scale`]: '1' }), noDataIsInvalid: false }, 100);
    expect(zeroAt).toBeUndefined();
  });
});

describe('replay (README "Replaying the autoscaler")', () => {
  test('ticks at k·tickSeconds up to durationSeconds; a second is recorded before the ticks at that second', () => {
    const seconds = [{ t: 0, concurrency: 140, requests: 1, readyPods: 1 }, { t: 4, concurrency: 700, requests: 1 }];
    const r = replay({ tickSeconds: 2, durationSeconds: 7, seconds });
    expect(r.ticks.map((x) => x.t)).toEqual([2, 4, 6]);
    // At 4 the stat of second 4 is in: stable (4·140 + 700)/5 = 252 → 4 pods; panic the same → 252/70 ⇒ 4 ≥ 2·1: panic.
    expect(r.ticks[1]).toEqual({ t: 4, desired: 4, ebc: Math.floor(100 - 211 - 252), panic: true, valid: true });
  });

  test('a missing second repeats the previous entry; an entry without concurrency and requests records nothing', () => {
    const r = replay({ tickSeconds: 1, durationSeconds: 70, seconds: [{ t: 0, concurrency: 70, requests: 1, readyPods: 1 }, { t: 3 }] });
    expect(r.ticks[1]).toMatchObject({ t: 2, desired: 1, valid: true });
    // Last stat at second 2: at 62 the window reads 0 (d = window), at 63 it is empty: no data (TBC 211).
    expect(r.ticks.find((x) => x.t === 61)).toMatchObject({ valid: true, desired: 1 });
    expect(r.ticks.find((x) => x.t === 62)).toMatchObject({ valid: true, desired: 0 });
    expect(r.ticks.find((x) => x.t === 63)).toEqual({ t: 63, desired: 0, ebc: 0, panic: false, valid: false });
  });

  test('trace errors name the field, the value and the fix', () => {
    expect(() => replay({ tickSeconds: 0, durationSeconds: 10, seconds: [] })).toThrow(/trace tickSeconds: must be greater than 0 \(got 0\)\. Fix:/);
    expect(() => replay({ tickSeconds: 2, durationSeconds: 10, seconds: [{ t: 3 }, { t: 3 }] })).toThrow(/seconds\[1\]\.t: must be greater than the previous entry's t \(3\)/);
    expect(() => replay({ tickSeconds: 2, durationSeconds: 10, seconds: [{ t: 1.5 }] })).toThrow(/seconds\[0\]\.t: must be a whole number/);
    expect(() => replay({ autoscalerConfig: { 'stable-window': '1s' }, tickSeconds: 2, durationSeconds: 10, seconds: [] })).toThrow(/config-autoscaler.*stable-window/);
  });
});

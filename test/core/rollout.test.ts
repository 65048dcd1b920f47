import {
  ConfigurationRollout, Rollout, RolloutStepParams, applyRolloutToTraffic, buildRollout, observeRolloutReady, parseRollout,
  rolloutDone, rolloutStepProperties, serializeRollout, stepRollout, tagRolloutSplit, validateRollout,
} from '../../src/core/rollout';
import type { ConfigurationObject, RevisionObject } from '../../src/core/types';

const NONE: RolloutStepParams = { startTime: 0, nextStepTime: 0, stepDuration: 0, stepSize: 0 };
const cfgRo = (
  configurationName: string, revs: Array<[string, number]>, stepParams: Partial<RolloutStepParams> = {}, tag?: string,
): ConfigurationRollout => ({
  configurationName,
  ...(tag ? { tag } : {}),
  percent: revs.reduce((s, [, p]) => s + p, 0),
  revisions: revs.map(([revisionName, percent]) => ({ revisionName, percent })),
  stepParams: { ...NONE, ...stepParams },
});
const ro = (...configurations: ConfigurationRollout[]): Rollout => ({ configurations });
const pcts = (r: Rollout, i = 0): number[] => r.configurations[i].revisions.map((x) => x.percent);
const ns = (ms: number): number => Math.round(ms * 1e6);

describe('step parameters (upstream computeProperties / TestObserveReady numbers)', () => {
  // Upstream's TestObserveReady: now = 200620092020 + 1982 ns, rollout duration 120 s.
  const NOW_NS = 200620092020 + 1982;
  const cases: Array<{ name: string; startNs: number; percent: number; stepDurationNs: number; stepSize: number }> = [
    { name: 'first step took < 1 s: 99 steps of 1 % every 119/99 s', startNs: 200620092020, percent: 100, stepDurationNs: 1202020202, stepSize: 1 },
    { name: 'first step took 2.4 s → 3 s: 39 steps of round(99/39) = 3 %', startNs: 198219841988, percent: 100, stepDurationNs: 3e9, stepSize: 3 },
    { name: '75 %: 39 steps of round(74/39) = 2 %', startNs: 198219841988, percent: 75, stepDurationNs: 3e9, stepSize: 2 },
    { name: '50 %: 39 steps of round(49/39) = 1 %', startNs: 198219841988, percent: 50, stepDurationNs: 3e9, stepSize: 1 },
    { name: 'first step longer than the duration: one final step after 1 s', startNs: 14921812, percent: 13, stepDurationNs: 1e9, stepSize: 12 },
  ];
  test.each(cases)('$name', ({ startNs, percent, stepDurationNs, stepSize }) => {
    const nowMs = NOW_NS / 1e6;
    const got = observeRolloutReady(ro({ ...cfgRo('c', [['a', percent]], { startTime: startNs / 1e6 }), percent }), nowMs, 120);
    const p = got.configurations[0].stepParams;
    expect(p.stepSize).toBe(stepSize);
    expect(ns(p.stepDuration)).toBe(stepDurationNs);
    expect(Math.abs(ns(p.nextStepTime) - (NOW_NS + stepDurationNs))).toBeLessThan(1000);
    expect(ns(p.startTime)).toBe(startNs);
  });

  test('configurations already stepping or not started are left alone', () => {
    const stepping = cfgRo('has-step', [['a', 100]], { stepDuration: 11 });
    const idle = cfgRo('no-begin', [['a', 100]]);
    const got = observeRolloutReady(ro(stepping, idle), 5000, 120);
    expect(got.configurations).toEqual([stepping, idle]);
  });

  test.each([
    // duration, first-step seconds, percent → step size, interval, steps actually taken (runtime.md §6 example first:
    // upstream plans 14 steps of round(99/14) = 7 %, which takes a 15th step to drop the old revision)
    [60, 4, 100, 7, 4, 15],
    [60, 1, 100, 2, 1, 50],
    [300, 1, 100, 1, 299 / 99, 99],
    [10, 1, 100, 11, 1, 9],
    [1, 1, 100, 99, 1, 1],
    [120, 2, 20, 1, 118 / 19, 19],
  ])('duration %ss, first step %ss, %s %% → %s %% every %s s, %s steps', (d, minStep, percent, size, intervalS, moves) => {
    const p = rolloutStepProperties(percent, 1000, 10_000, minStep, d);
    expect(p.stepSize).toBe(size);
    expect(p.stepDuration).toBeCloseTo(intervalS * 1000, 5);
    expect(p.nextStepTime).toBeCloseTo(10_000 + intervalS * 1000, 5);
    let state = ro(cfgRo('c', [['old', percent - 1], ['new', 1]], p));
    let n = 0;
    while (!rolloutDone(state) && n < 200) {
      state = stepRollout(ro(cfgRo('c', [['new', percent]])), state, state.configurations[0].stepParams.nextStepTime).rollout;
      n++;
    }
    expect(n).toBe(moves);
    expect(pcts(state)).toEqual([percent]);
  });
});

/** Drive reconciles the way the controller does: observe once the 1 % split is served, then step at each due time. */
function simulate(durationSeconds: number, readyAfterMs: number): Array<{ t: number; percents: number[] }> {
  const T0 = 1_767_225_600_000;
  const desired = ro(cfgRo('c', [['new', 100]]));
  let state = stepRollout(desired, ro(cfgRo('c', [['old', 100]])), T0).rollout;
  const out = [{ t: 0, percents: pcts(state) }];
  let now = T0 + readyAfterMs;
  state = observeRolloutReady(state, now, durationSeconds);
  for (let i = 0; i < 200 && !rolloutDone(state); i++) {
    const next = state.configurations[0].stepParams.nextStepTime;
    now = next;
    const s = stepRollout(desired, state, now);
    state = s.rollout;
    out.push({ t: now - T0, percents: pcts(state) });
  }
  return out;
}

describe('a whole rollout', () => {
  test('runtime.md §6 example: 60 s, ready after 3.2 s → 1 → 8 → … → 99 → 100 every 4 s, ≈ 64 s in all', () => {
    const steps = simulate(60, 3200);
    expect(steps.map((s) => s.percents)).toEqual([
      [99, 1], [92, 8], [85, 15], [78, 22], [71, 29], [64, 36], [57, 43], [50, 50],
      [43, 57], [36, 64], [29, 71], [22, 78], [15, 85], [8, 92], [1, 99], [100],
    ]);
    expect(steps.map((s) => s.t)).toEqual([0, ...Array.from({ length: 15 }, (_, i) => 3200 + 4000 * (i + 1))]);
    expect(steps[steps.length - 1].t).toBe(63_200);
  });

  test('300 s, ready at once: 99 steps of 1 % every 299/99 s, done after ≈ 300 s', () => {
    const steps = simulate(300, 0);
    expect(steps).toHaveLength(100);
    expect(steps[1].percents).toEqual([98, 2]);
    expect(steps[98].percents).toEqual([1, 99]);
    expect(steps[99].percents).toEqual([100]);
    expect(steps[99].t).toBeCloseTo(299_000, -1);
  });

  test('the state when done carries no step parameters and nothing is scheduled', () => {
    const desired = ro(cfgRo('c', [['new', 100]]));
    const last = ro(cfgRo('c', [['old', 1], ['new', 99]], { startTime: 1, nextStepTime: 500, stepDuration: 100, stepSize: 7 }));
    const s = stepRollout(desired, last, 600);
    expect(s.rollout).toEqual(desired);
    expect(s.nextStepTime).toBe(0);
    expect(rolloutDone(s.rollout)).toBe(true);
  });
});

describe('stepRollout (upstream Step / stepRevisions / adjustPercentage cases)', () => {
  const P = { nextStepTime: 1984, stepSize: 10, stepDuration: 55 };
  test.each<[string, number, Array<[string, number]>, Array<[string, number]>, Partial<RolloutStepParams>]>([
    ['too soon: nothing moves', 1982, [['a', 10], ['b', 5], ['c', 60]], [['a', 10], ['b', 5], ['c', 60]], P],
    ['due exactly: 10 % from the newest older revision', 1984, [['a', 30], ['b', 60]], [['a', 20], ['b', 70]], { ...P, nextStepTime: 1984 + 55 }],
    ['emptied older revisions are dropped, newest older first', 1988, [['a', 22], ['b', 5], ['c', 3], ['d', 60]], [['a', 20], ['d', 70]], { ...P, nextStepTime: 1988 + 55 }],
    ['the last step clears the parameters', 2006, [['a', 5], ['b', 1], ['c', 1], ['d', 8]], [['d', 15]], NONE],
  ])('%s', (_n, now, before, after, params) => {
    const percent = before.reduce((s, [, p]) => s + p, 0);
    const latest = before[before.length - 1][0];
    const got = stepRollout(ro(cfgRo('c', [[latest, percent]])), ro(cfgRo('c', before, P)), now);
    expect(got.rollout.configurations[0].revisions).toEqual(after.map(([revisionName, p]) => ({ revisionName, percent: p })));
    expect(got.rollout.configurations[0].stepParams).toEqual({ ...NONE, ...params });
    expect(got.nextStepTime).toBe(after.length > 1 ? got.rollout.configurations[0].stepParams.nextStepTime : 0);
  });

  test('step larger than what is left is capped at the percent', () => {
    // upstream "over target now": the target dropped to 15 while 10 % steps were due
    const prev = ro(cfgRo('c', [['a', 5], ['b', 1], ['c', 1], ['d', 8]], { ...P, stepDuration: 77 }));
    const got = stepRollout(ro(cfgRo('c', [['d', 15]])), prev, 1988);
    expect(pcts(got.rollout)).toEqual([15]);
  });

  test('a new revision mid-rollout takes 1 % from the newest revision with traffic and restarts the timing', () => {
    const prev = ro(cfgRo('c', [['a', 60], ['b', 40]], { startTime: 100, nextStepTime: 5000, stepDuration: 4000, stepSize: 7 }));
    const got = stepRollout(ro(cfgRo('c', [['n', 100]])), prev, 3000);
    expect(got.rollout.configurations[0].revisions).toEqual([
      { revisionName: 'a', percent: 60 }, { revisionName: 'b', percent: 39 }, { revisionName: 'n', percent: 1 },
    ]);
    expect(got.rollout.configurations[0].stepParams).toEqual({ ...NONE, startTime: 3000 });
    // nothing is scheduled until the 1 % split is observed served
    expect(got.nextStepTime).toBe(0);
    // then all older revisions are drained newest first
    const observed = observeRolloutReady(got.rollout, 4000, 60);
    expect(observed.configurations[0].stepParams).toMatchObject({ stepSize: 2, stepDuration: 1000, nextStepTime: 5000 });
    const s1 = stepRollout(ro(cfgRo('c', [['n', 100]])), observed, 5000).rollout;
    expect(pcts(s1)).toEqual([60, 37, 3]);
  });

  test('a revision that had only 1 % is dropped when another new revision arrives', () => {
    const prev = ro(cfgRo('c', [['a', 99], ['b', 1]], { startTime: 100 }));
    const got = stepRollout(ro(cfgRo('c', [['n', 100]])), prev, 200).rollout;
    expect(got.configurations[0].revisions).toEqual([{ revisionName: 'a', percent: 99 }, { revisionName: 'n', percent: 1 }]);
  });

  test('percent raised mid-rollout: the newest revision gets the difference; lowered: taken from the oldest', () => {
    const prev = ro(cfgRo('c', [['a', 30], ['b', 20], ['n', 10]], { startTime: 1, nextStepTime: 10_000, stepDuration: 1000, stepSize: 5 }));
    expect(pcts(stepRollout(ro(cfgRo('c', [['n', 80]])), prev, 50).rollout)).toEqual([30, 20, 30]);
    expect(pcts(stepRollout(ro(cfgRo('c', [['n', 25]])), prev, 50).rollout)).toEqual([15, 10]);
    expect(stepRollout(ro(cfgRo('c', [['n', 25]])), prev, 50).rollout.configurations[0].revisions[0].revisionName).toBe('b');
  });

  test('several configurations roll independently; the soonest step is scheduled', () => {
    const prev = ro(
      cfgRo('x', [['x1', 50], ['x2', 10]], { startTime: 1, nextStepTime: 1000, stepDuration: 1000, stepSize: 10 }),
      cfgRo('y', [['y1', 39], ['y2', 1]], { startTime: 1, nextStepTime: 700, stepDuration: 300, stepSize: 13 }),
    );
    const desired = ro(cfgRo('x', [['x2', 60]]), cfgRo('y', [['y2', 40]]));
    const at800 = stepRollout(desired, prev, 800);
    expect(pcts(at800.rollout, 0)).toEqual([50, 10]); // x not due
    expect(pcts(at800.rollout, 1)).toEqual([26, 14]);
    expect(at800.nextStepTime).toBe(1000);
    const at1000 = stepRollout(desired, at800.rollout, 1000);
    expect(pcts(at1000.rollout, 0)).toEqual([40, 20]);
    expect(at1000.nextStepTime).toBe(1100);
  });

  test('added configurations come from the desired state, removed ones are dropped, 1 % ones never roll, 0 % ignored', () => {
    const prev = ro(cfgRo('a', [['a1', 50]]), cfgRo('b', [['b1', 49]]), cfgRo('d', [['d1', 1]]));
    const desired = ro(cfgRo('a', [['a2', 50]]), cfgRo('c', [['c1', 49]]), cfgRo('d', [['d2', 1]]));
    const got = stepRollout(desired, prev, 10).rollout;
    expect(got.configurations.map((c) => [c.configurationName, c.revisions.map((r) => `${r.revisionName}:${r.percent}`)])).toEqual([
      ['a', ['a1:49', 'a2:1']], ['c', ['c1:49']], ['d', ['d2:1']],
    ]);
  });

  test('a tag (or the main traffic) new to the state: all its configurations are taken at their goal', () => {
    const prev = ro(cfgRo('a', [['a1', 100]], {}, 'x'));
    const desired = ro(cfgRo('a', [['a2', 60]]), cfgRo('b', [['b1', 40]]), cfgRo('a', [['a2', 100]], {}, 'x'));
    const got = stepRollout(desired, prev, 10).rollout;
    expect(got.configurations.map((c) => [c.tag ?? '', c.configurationName, c.revisions.map((r) => `${r.revisionName}:${r.percent}`)])).toEqual([
      ['', 'a', ['a2:60']], ['', 'b', ['b1:40']], ['x', 'a', ['a1:99', 'a2:1']],
    ]);
  });

  test('without a previous state the desired state is taken as is (no rollout)', () => {
    const desired = ro(cfgRo('c', [['n', 100]]));
    expect(stepRollout(desired, undefined, 1)).toEqual({ rollout: desired, nextStepTime: 0 });
    expect(stepRollout(desired, ro(), 1)).toEqual({ rollout: desired, nextStepTime: 0 });
  });
});

describe('state annotation', () => {
  test('upstream JSON (nanoseconds, omitempty) round-trips', () => {
    const state = ro(
      cfgRo('web', [['web-00001', 92], ['web-00002', 8]], { startTime: 1767225600000, nextStepTime: 1767225607200, stepDuration: 4000, stepSize: 7 }),
      cfgRo('other', [['other-1', 0]], {}, 'beta'),
    );
    const text = serializeRollout(state);
    expect(text).toBe('{"configurations":[{"configurationName":"web","percent":100,"revisions":[{"revisionName":"web-00001","percent":92},'
      + '{"revisionName":"web-00002","percent":8}],"stepParams":{"starttime":1767225600000000000,"nextStepTime":1767225607200000000,'
      + '"stepDuration":4000000000,"stepSize":7}},{"configurationName":"other","tag":"beta","percent":0,"revisions":[{"revisionName":"other-1","percent":0}],"stepParams":{}}]}');
    const back = parseRollout(text)!;
    expect(back.configurations[0].stepParams.stepSize).toBe(7);
    expect(back.configurations[0].stepParams.stepDuration).toBe(4000);
    expect(back.configurations[0].stepParams.startTime).toBeCloseTo(1767225600000, 3);
    expect(back.configurations[0].revisions).toEqual(state.configurations[0].revisions);
    expect(back.configurations[1]).toEqual(state.configurations[1]);
    expect(serializeRollout(ro())).toBe('{}');
    expect(parseRollout('{}')).toEqual(ro());
  });

  test('fractional milliseconds are written as whole nanoseconds', () => {
    const text = serializeRollout(ro(cfgRo('c', [['a', 50], ['b', 50]], { startTime: 5, nextStepTime: 1767225601202.020202, stepDuration: 1202.020202, stepSize: 1 })));
    // a float64 at this magnitude holds ~0.24 µs (as upstream's float64 nanoseconds do): compare to the microsecond
    expect(text).toMatch(/"nextStepTime":1767225601202020\d{3},/);
    expect(text).toContain('"stepDuration":1202020202,');
    expect(text).toContain('"starttime":5000000,');
  });

  test.each([
    ['not JSON', '{'],
    ['percent over 100', '{"configurations":[{"configurationName":"c","percent":101,"revisions":[{"revisionName":"a","percent":101}],"stepParams":{}}]}'],
    ['negative step size', '{"configurations":[{"configurationName":"c","percent":100,"revisions":[{"revisionName":"a","percent":100}],"stepParams":{"stepSize":-1}}]}'],
    ['step size above percent', '{"configurations":[{"configurationName":"c","percent":10,"revisions":[{"revisionName":"a","percent":10}],"stepParams":{"stepSize":11}}]}'],
    ['revisions not adding up', '{"configurations":[{"configurationName":"c","percent":100,"revisions":[{"revisionName":"a","percent":90}],"stepParams":{}}]}'],
    ['wrong shape', '{"configurations":{"configurationName":"c"}}'],
    ['a string percent', '{"configurations":[{"configurationName":"c","percent":"100","stepParams":{}}]}'],
  ])('%s → discarded (start afresh)', (_n, text) => {
    expect(parseRollout(text)).toBeUndefined();
  });

  test('validateRollout accepts a consistent state', () => {
    expect(validateRollout(ro(cfgRo('c', [['a', 60], ['b', 40]], { stepSize: 40 })))).toBe(true);
    expect(parseRollout(undefined)).toBeUndefined();
  });
});

describe('desired state and status.traffic', () => {
  const configs: Record<string, ConfigurationObject> = {
    web: { metadata: { name: 'web' }, status: { latestReadyRevisionName: 'web-00003' } } as ConfigurationObject,
    api: { metadata: { name: 'api' }, status: { latestReadyRevisionName: 'api-00002' } } as ConfigurationObject,
  };
  const lookup = { configuration: (n: string) => configs[n], revision: (_n: string): RevisionObject | undefined => undefined };

  test('main traffic: latestRevision targets per configuration, tagged ones included, percents added; each tag with a latestRevision target: its own rollout at 100 %', () => {
    const got = buildRollout([
      { configurationName: 'web', latestRevision: true, percent: 30 },
      { configurationName: 'web', percent: 20 },
      { configurationName: 'api', latestRevision: true, percent: 40 },
      { tag: 'beta', configurationName: 'web', latestRevision: true, percent: 0 },
      { tag: 'canary', configurationName: 'api', percent: 10 },
      { revisionName: 'web-00001', percent: 0, tag: 'pinned' },
      { configurationName: 'web', latestRevision: false, percent: 0, tag: 'off' },
    ], lookup);
    expect(got).toEqual(ro(
      cfgRo('api', [['api-00002', 50]]),
      cfgRo('web', [['web-00003', 50]]),
      cfgRo('web', [['web-00003', 100]], {}, 'beta'),
      cfgRo('api', [['api-00002', 100]], {}, 'canary'),
    ));
    // 0 % of the main traffic: no main rollout, but a tag still gets one
    expect(buildRollout([{ configurationName: 'web', latestRevision: true, percent: 0 }], lookup)).toEqual(ro());
    expect(buildRollout([{ configurationName: 'web', tag: 'x', percent: 0 }], lookup)).toEqual(ro(cfgRo('web', [['web-00003', 100]], {}, 'x')));
    // a Configuration without a latest ready revision is not rolled
    expect(buildRollout([{ configurationName: 'gone', tag: 'x', percent: 100 }], lookup)).toEqual(ro());
  });

  test('a rolling configuration\'s entry is shown once per revision; other entries unchanged', () => {
    const traffic = [
      { revisionName: 'web-00003', latestRevision: true, percent: 80 },
      { tag: 'beta', revisionName: 'web-00003', latestRevision: true, percent: 0, url: 'http://beta-web.default.example.com' },
      { revisionName: 'api-00002', latestRevision: true, percent: 20 },
    ];
    const state = ro(cfgRo('api', [['api-00002', 20]]), cfgRo('web', [['web-00001', 50], ['web-00002', 22], ['web-00003', 8]]));
    expect(applyRolloutToTraffic(traffic, state)).toEqual([
      { revisionName: 'web-00001', latestRevision: true, percent: 50 },
      { revisionName: 'web-00002', latestRevision: true, percent: 22 },
      { revisionName: 'web-00003', latestRevision: true, percent: 8 },
      traffic[1],
      traffic[2],
    ]);
  });

  test('entries sharing a rolling configuration (tagged or not) take its revisions oldest first, in order; the percents still add up to 100', () => {
    const traffic = [
      { revisionName: 'web-00003', latestRevision: true, percent: 50 },
      { tag: 'pinned', revisionName: 'web-00001', latestRevision: false, percent: 20 },
      { tag: 'canary', revisionName: 'web-00003', latestRevision: true, percent: 30, url: 'http://canary-web.default.example.com' },
      { tag: 'next', revisionName: 'web-00003', latestRevision: true, percent: 0, url: 'http://next-web.default.example.com' },
    ];
    const state = ro(
      cfgRo('web', [['web-00001', 40], ['web-00002', 25], ['web-00003', 15]]),
      cfgRo('web', [['web-00002', 70], ['web-00003', 30]], {}, 'canary'),
    );
    const got = applyRolloutToTraffic(traffic, state);
    expect(got).toEqual([
      { revisionName: 'web-00001', latestRevision: true, percent: 40 },
      { revisionName: 'web-00002', latestRevision: true, percent: 10 },
      traffic[1],
      { ...traffic[2], revisionName: 'web-00002', percent: 15 },
      { ...traffic[2], revisionName: 'web-00003', percent: 15 },
      traffic[3],
    ]);
    expect(got.reduce((sum, t) => sum + t.percent!, 0)).toBe(100);
    // a tag's own rollout does not change status.traffic
    expect(applyRolloutToTraffic(traffic, ro(cfgRo('web', [['web-00003', 80]]), cfgRo('web', [['web-00002', 70], ['web-00003', 30]], {}, 'canary')))).toEqual(traffic);
  });

  test('tagRolloutSplit: the tag\'s rollout while it rolls and its newest revision is the tag\'s target; otherwise none', () => {
    const state = ro(cfgRo('web', [['web-00003', 100]]), cfgRo('web', [['web-00002', 70], ['web-00003', 30]], {}, 'canary'), cfgRo('web', [['web-00003', 100]], {}, 'done'));
    expect(tagRolloutSplit(state, 'canary', ['web-00002', 'web-00003'])).toEqual([{ revisionName: 'web-00002', percent: 70 }, { revisionName: 'web-00003', percent: 30 }]);
    expect(tagRolloutSplit(state, 'canary', ['web-00002'])).toBeUndefined();
    expect(tagRolloutSplit(state, 'done', ['web-00003'])).toBeUndefined();
    expect(tagRolloutSplit(state, 'other', ['web-00003'])).toBeUndefined();
    expect(tagRolloutSplit(undefined, 'canary', ['web-00003'])).toBeUndefined();
  });
});

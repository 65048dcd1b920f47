import { Chart, Duration, Testing } from 'cdk8s';
import { EnvValue } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Configuration,
  IRevision,
  KnativeProbe,
  KnService,
  Revision,
  Route,
  RevisionName,
  TrafficSplit,
  TrafficTarget,
} from '../../src';

/** Synthesize a Service named `my-service` with the split and return its `spec.traffic`. */
function serviceTraffic(build: (chart: Chart) => TrafficSplit | undefined): any[] {
  const chart = Testing.chart();
  new KnService(chart, 'Svc', { metadata: { name: 'my-service' }, image: 'gcr.io/x/app', traffic: build(chart) });
  return Testing.synth(chart)[0].spec.traffic;
}

/**
 * Attach `split` to a new Service `test/Svc` and return the error thrown, if any: problems
 * recorded while building a split are thrown where it is attached, with the construct path.
 */
function attachError(split: TrafficSplit): string {
  try {
    new KnService(Testing.chart(), 'Svc', { image: 'img', traffic: split });
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error)';
}

/** An imported revision (names as in the seed scenarios: abc, def, ghi). */
function rev(chart: Construct, name: string): IRevision {
  return Revision.fromRevisionName(chart, `Rev-${name}`, name);
}

describe('TrafficTarget', () => {
  test('renders latestRevision explicitly for every kind of target', () => {
    const chart = Testing.chart();
    const cfg = Configuration.fromConfigurationName(chart, 'Cfg', 'my-config');
    expect(TrafficTarget.latestRevision()._toKube()).toEqual({ latestRevision: true });
    expect(TrafficTarget.revision(rev(chart, 'abc'))._toKube()).toEqual({ revisionName: 'abc', latestRevision: false });
    expect(TrafficTarget.revisionName('def')._toKube()).toEqual({ revisionName: 'def', latestRevision: false });
    expect(TrafficTarget.configuration(cfg)._toKube()).toEqual({ configurationName: 'my-config', latestRevision: true });
  });

  test('revisionName() requires a name: reported with the path and entry where the target is used', () => {
    const target = TrafficTarget.revisionName('');
    expect(attachError(TrafficSplit.create().toLatest(100).to(target, 0, { tag: 'x' })))
      .toBe('[test/Svc] traffic[1]: TrafficTarget.revisionName() needs a revision name (got ""). Fix: Pass the full Revision name, e.g. \'my-service-00001\', or use TrafficTarget.latestRevision().');
  });

  test('revision() and configuration() require an object (e.g. currentRevision of a generated name)', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Svc', { image: 'img' });
    expect(attachError(TrafficSplit.create().to(TrafficTarget.revision(svc.currentRevision!), 100)))
      .toMatch(/^\[test\/Svc\] traffic\[0\]: TrafficTarget\.revision\(\) needs a revision \(got undefined\)\. Fix: `currentRevision` is only defined when the template names its revision/);
    expect(attachError(TrafficSplit.pin(svc.currentRevision!))).toMatch(/^\[test\/Svc\] traffic\[0\]: TrafficTarget\.revision\(\) needs a revision/);
    // A standalone Route is where configuration targets are used.
    const route = new Route(chart, 'Route', { traffic: TrafficSplit.create().to(TrafficTarget.revisionName('r'), 100) });
    expect(() => route.addTraffic(TrafficTarget.configuration(undefined as any), 0))
      .toThrow('[test/Route] traffic[1]: TrafficTarget.configuration() needs a configuration (got undefined). Fix: Pass a Configuration or Configuration.fromConfigurationName(...).');
  });

  test('describe() names the target; isLatest only for latestRevision()', () => {
    const chart = Testing.chart();
    expect(TrafficTarget.latestRevision().describe()).toBe('latest revision');
    expect(TrafficTarget.revision(rev(chart, 'abc')).describe()).toBe('revision "abc"');
    expect(TrafficTarget.configuration(Configuration.fromConfigurationName(chart, 'C', 'cfg')).describe()).toBe('configuration "cfg"');
    expect(TrafficTarget.latestRevision().isLatest).toBe(true);
    expect(TrafficTarget.revisionName('x').isLatest).toBe(false);
  });

  test('the revision name is read at synthesis (content-hash names follow template changes)', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Svc', { metadata: { name: 'hello' }, image: 'img:1', revisionName: RevisionName.contentHash() });
    svc.replaceTraffic(TrafficSplit.pin(svc.currentRevision!));
    const before = Testing.synth(chart)[0].spec;
    svc.template.addRevisionLabel('team', 'a');
    const after = Testing.synth(chart)[0].spec;
    expect(before.traffic[0].revisionName).toBe(before.template.metadata.name);
    expect(after.traffic[0].revisionName).toBe(after.template.metadata.name);
    expect(after.traffic[0].revisionName).not.toBe(before.traffic[0].revisionName);
    expect(after.traffic[0].revisionName).toMatch(/^hello-[a-z0-9]+$/);
  });
});

describe('TrafficSplit helpers', () => {
  test('no traffic renders Knative\'s default explicitly (fixed point of admission)', () => {
    expect(serviceTraffic(() => undefined)).toEqual([{ latestRevision: true, percent: 100 }]);
  });

  test('latest(): 100% to the latest ready revision', () => {
    expect(serviceTraffic(() => TrafficSplit.latest())).toEqual([{ latestRevision: true, percent: 100 }]);
  });

  test('an empty split renders Knative\'s default', () => {
    expect(serviceTraffic(() => TrafficSplit.create())).toEqual([{ latestRevision: true, percent: 100 }]);
  });

  test('pin(): 100% to one revision', () => {
    expect(serviceTraffic(c => TrafficSplit.pin(rev(c, 'def')))).toEqual([
      { revisionName: 'def', latestRevision: false, percent: 100 },
    ]);
  });

  test('pin() with latestTag keeps the latest revision reachable at 0%', () => {
    expect(serviceTraffic(c => TrafficSplit.pin(rev(c, 'def'), { latestTag: 'latest' }))).toEqual([
      { revisionName: 'def', latestRevision: false, percent: 100 },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
  });

  // Seed 000, scenario 3 ("release mode"): current/candidate/latest, 0% → 5% → 50% → 100%, then finish.
  test('release() without a candidate: current 100%, latest 0% tagged', () => {
    expect(serviceTraffic(c => TrafficSplit.release({ current: rev(c, 'def') }))).toEqual([
      { tag: 'current', revisionName: 'def', latestRevision: false, percent: 100 },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
  });

  test.each([
    [0, 100],
    [5, 95],
    [50, 50],
    [100, 0],
  ])('release() with candidate at %i%% gives current %i%%', (candidatePercent, currentPercent) => {
    expect(serviceTraffic(c => TrafficSplit.release({ current: rev(c, 'def'), candidate: rev(c, 'ghi'), candidatePercent }))).toEqual([
      { tag: 'current', revisionName: 'def', latestRevision: false, percent: currentPercent },
      { tag: 'candidate', revisionName: 'ghi', latestRevision: false, percent: candidatePercent },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
  });

  test('release() with custom tags', () => {
    expect(serviceTraffic(c => TrafficSplit.release({
      current: rev(c, 'def'),
      candidate: rev(c, 'ghi'),
      candidatePercent: 5,
      currentTag: 'stable',
      candidateTag: 'canary',
      latestTag: 'head',
    }))).toEqual([
      { tag: 'stable', revisionName: 'def', latestRevision: false, percent: 95 },
      { tag: 'canary', revisionName: 'ghi', latestRevision: false, percent: 5 },
      { tag: 'head', latestRevision: true, percent: 0 },
    ]);
  });

  test('promote() finishes a release: candidate becomes current at 100%, latest stays', () => {
    expect(serviceTraffic(c => TrafficSplit.release({ current: rev(c, 'def'), candidate: rev(c, 'ghi'), candidatePercent: 50 }).promote())).toEqual([
      { tag: 'current', revisionName: 'ghi', latestRevision: false, percent: 100 },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
  });

  test('promote() with custom tags', () => {
    const split = (c: Chart) => TrafficSplit.release({
      current: rev(c, 'def'), candidate: rev(c, 'ghi'), candidatePercent: 5, currentTag: 'stable', candidateTag: 'canary',
    }).promote({ currentTag: 'stable', candidateTag: 'canary' });
    expect(serviceTraffic(split)).toEqual([
      { tag: 'stable', revisionName: 'ghi', latestRevision: false, percent: 100 },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
  });

  // Seed 000, scenario 4: roll back to a known-good revision.
  test('rollback() without latestTag: only 100% to the known-good revision, no untagged latest entry', () => {
    expect(serviceTraffic(c => TrafficSplit.rollback(rev(c, 'abc')))).toEqual([
      { revisionName: 'abc', latestRevision: false, percent: 100 },
    ]);
  });

  test('rollback() with latestTag', () => {
    expect(serviceTraffic(c => TrafficSplit.rollback(rev(c, 'abc'), { latestTag: 'latest' }))).toEqual([
      { revisionName: 'abc', latestRevision: false, percent: 100 },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
  });

  test('rollbackTo(tag): 100% to the tagged entry, other entries keep their tags at 0%', () => {
    expect(serviceTraffic(c => TrafficSplit.release({ current: rev(c, 'def'), candidate: rev(c, 'ghi'), candidatePercent: 50 }).rollbackTo('current'))).toEqual([
      { tag: 'current', revisionName: 'def', latestRevision: false, percent: 100 },
      { tag: 'candidate', revisionName: 'ghi', latestRevision: false, percent: 0 },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
  });

  test('rollbackTo() turns a remainder entry into 0%', () => {
    expect(serviceTraffic(c => TrafficSplit.create()
      .toRevision(rev(c, 'abc'), 20, { tag: 'good' })
      .remainderTo(TrafficTarget.latestRevision())
      .rollbackTo('good'))).toEqual([
      { tag: 'good', revisionName: 'abc', latestRevision: false, percent: 100 },
      { latestRevision: true, percent: 0 },
    ]);
  });
});

// Seed 002: stock-service gray release.
describe('stock-service gray release (seed 002)', () => {
  function stock(suffix: string, build: (svc: KnService) => TrafficSplit | undefined): any {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Stock', {
      metadata: { name: 'stock-service-example', namespace: 'default' },
      revisionName: RevisionName.of(suffix),
      containers: [{
        image: 'registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1',
        envVariables: { RESOURCE: EnvValue.fromValue(suffix) },
        readiness: KnativeProbe.fromHttpGet('/', { initialDelaySeconds: Duration.seconds(0), periodSeconds: Duration.seconds(3) }),
      }],
    });
    const split = build(svc);
    if (split) svc.replaceTraffic(split);
    return Testing.synth(chart)[0];
  }

  test('v1: 100% to the latest revision (the default)', () => {
    const out = stock('v1', () => undefined);
    expect(out.spec.template.metadata.name).toBe('stock-service-example-v1');
    expect(out.spec.traffic).toEqual([{ latestRevision: true, percent: 100 }]);
  });

  test('v2: v1/v2 50/50 tagged, latest 0% tagged', () => {
    const out = stock('v2', svc => TrafficSplit.create()
      .toRevision(svc.revision('v1'), 50, { tag: 'v1' })
      .toRevision(svc.currentRevision!, 50, { tag: 'v2' })
      .tag('latest', TrafficTarget.latestRevision()));
    expect(out.spec.template.metadata.name).toBe('stock-service-example-v2');
    expect(out.spec.traffic).toEqual([
      { tag: 'v1', revisionName: 'stock-service-example-v1', latestRevision: false, percent: 50 },
      { tag: 'v2', revisionName: 'stock-service-example-v2', latestRevision: false, percent: 50 },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
  });

  test('v3: deployed at 0%, reachable through the latest tag', () => {
    const out = stock('v3', svc => TrafficSplit.create()
      .toRevision(svc.revision('v1'), 50, { tag: 'v1' })
      .toRevision(svc.revision('v2'), 50, { tag: 'v2' })
      .toLatest(0, { tag: 'latest' }));
    expect(out.spec.template.metadata.name).toBe('stock-service-example-v3');
    expect(out.spec.traffic).toEqual([
      { tag: 'v1', revisionName: 'stock-service-example-v1', latestRevision: false, percent: 50 },
      { tag: 'v2', revisionName: 'stock-service-example-v2', latestRevision: false, percent: 50 },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
  });

  test('v3-2: 40/30/30 with remainderTo()', () => {
    const out = stock('v3', svc => TrafficSplit.create()
      .toRevision(svc.revision('v1'), 40, { tag: 'v1' })
      .toRevision(svc.revision('v2'), 30, { tag: 'v2' })
      .remainderTo(TrafficTarget.revision(svc.currentRevision!), { tag: 'v3' })
      .tag('latest', TrafficTarget.latestRevision()));
    expect(out).toMatchSnapshot();
    expect(out.spec.traffic).toEqual([
      { tag: 'v1', revisionName: 'stock-service-example-v1', latestRevision: false, percent: 40 },
      { tag: 'v2', revisionName: 'stock-service-example-v2', latestRevision: false, percent: 30 },
      { tag: 'v3', revisionName: 'stock-service-example-v3', latestRevision: false, percent: 30 },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
  });

  test('revision() handles accept the full name and are reused', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Stock', { metadata: { name: 'stock-service-example' }, image: 'img' });
    expect(svc.revision('stock-service-example-v1').revisionName).toBe('stock-service-example-v1');
    expect(svc.revision('v1')).toBe(svc.revision('stock-service-example-v1'));
    expect(svc.revision('00001').revisionName).toBe('stock-service-example-00001');
    expect(svc.revision('v1').configurationName).toBe('stock-service-example');
    expect(() => svc.revision('V1')).toThrow(/^\[test\/Stock\] revision\(nameOrSuffix\): is not a revision name or suffix \(a DNS-1123 label\) \(got "V1"\)\. Fix: Pass the suffix after "stock-service-example-"/);
  });
});

describe('fluent and declarative forms', () => {
  test('produce the same spec.traffic', () => {
    const fluent = serviceTraffic(c => TrafficSplit.create()
      .toRevision(rev(c, 'v1'), 40, { tag: 'v1' })
      .to(TrafficTarget.revisionName('v2'), 30, { tag: 'v2' })
      .toLatest(30)
      .tag('latest', TrafficTarget.latestRevision()));
    const declarative = serviceTraffic(c => TrafficSplit.fromEntries([
      { target: TrafficTarget.revision(rev(c, 'v1')), percent: 40, tag: 'v1' },
      { target: TrafficTarget.revisionName('v2'), percent: 30, tag: 'v2' },
      { target: TrafficTarget.latestRevision(), percent: 30 },
      { target: TrafficTarget.latestRevision(), tag: 'latest' },
    ]));
    expect(declarative).toEqual(fluent);
    expect(fluent).toEqual([
      { tag: 'v1', revisionName: 'v1', latestRevision: false, percent: 40 },
      { tag: 'v2', revisionName: 'v2', latestRevision: false, percent: 30 },
      { latestRevision: true, percent: 30 },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
  });

  test('remainder entries: fluent remainderTo() == declarative { remainder: true }', () => {
    const fluent = serviceTraffic(c => TrafficSplit.create()
      .toRevision(rev(c, 'v1'), 40, { tag: 'v1' })
      .toRevision(rev(c, 'v2'), 30, { tag: 'v2' })
      .remainderTo(TrafficTarget.revisionName('v3'), { tag: 'v3' })
      .toLatest(0, { tag: 'latest' }));
    const declarative = serviceTraffic(c => TrafficSplit.fromEntries([
      { target: TrafficTarget.revision(rev(c, 'v1')), percent: 40, tag: 'v1' },
      { target: TrafficTarget.revision(rev(c, 'v2')), percent: 30, tag: 'v2' },
      { target: TrafficTarget.revisionName('v3'), remainder: true, tag: 'v3' },
      { target: TrafficTarget.latestRevision(), percent: 0, tag: 'latest' },
    ]));
    expect(declarative).toEqual(fluent);
    expect(fluent.map(e => e.percent)).toEqual([40, 30, 30, 0]);
  });

  test('a remainder entry must not set percent', () => {
    expect(attachError(TrafficSplit.fromEntries([{ target: TrafficTarget.latestRevision(), remainder: true, percent: 10 }])))
      .toBe('[test/Svc] traffic[0].percent: TrafficSplit.fromEntries(): the remainder entry for latest revision also sets percent (got 10). Fix: Drop percent (the remainder is computed) or drop remainder.');
  });

  test('fromEntries() applies the same entry checks', () => {
    expect(attachError(TrafficSplit.fromEntries([{ target: TrafficTarget.latestRevision(), percent: 101 }])))
      .toMatch(/^\[test\/Svc\] traffic\[0\]\.percent: .*\(got 101\)/);
    expect(attachError(TrafficSplit.fromEntries([
      { target: TrafficTarget.latestRevision(), percent: 100, tag: 'a' },
      { target: TrafficTarget.revisionName('x'), tag: 'a' },
    ]))).toMatch(/^\[test\/Svc\] traffic\[1\]\.tag: is already used by the entry for latest revision/);
  });

  test('tags and length reflect the entries', () => {
    const split = TrafficSplit.create().toLatest(100, { tag: 'b' }).tag('a', TrafficTarget.revisionName('x'));
    expect(split.tags).toEqual(['b', 'a']);
    expect(split.length).toBe(2);
  });
});

describe('entry checks (recorded when the entry is added, thrown with the path where the split is attached)', () => {
  test('building a bad split throws nothing; attaching it throws the first problem', () => {
    const split = TrafficSplit.create().toLatest(101).toLatest(0, { tag: 'V1' });
    expect(split._problems.length).toBe(2);
    expect(attachError(split)).toBe('[test/Svc] traffic[0].percent: must be a whole number from 0 to 100 (got 101). Fix: Use an integer between 0 and 100.');
  });

  test.each([101, -1, 1.5, NaN])('percent %p is rejected with the value and a fix', (percent) => {
    expect(attachError(TrafficSplit.create().toLatest(percent))).toBe(
      `[test/Svc] traffic[0].percent: must be a whole number from 0 to 100 (got ${Number.isNaN(percent) ? 'null' : percent}). Fix: Use an integer between 0 and 100.`);
  });

  test.each(['V1', '1abc', 'a_b', 'a-', 'a'.repeat(64), ''])('tag %p is not a DNS-1035 label', (tag) => {
    expect(attachError(TrafficSplit.create().toLatest(100, { tag }))).toBe(
      `[test/Svc] traffic[0].tag: is not a DNS-1035 label (got ${JSON.stringify(tag)}). Fix: Use 1-63 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit (e.g. 'v2', 'candidate').`);
  });

  test('duplicate tag names the other entry', () => {
    expect(attachError(TrafficSplit.create()
      .toRevision(rev(Testing.chart(), 'abc'), 50, { tag: 'current' })
      .toLatest(50, { tag: 'current' }),
    )).toBe('[test/Svc] traffic[1].tag: is already used by the entry for revision "abc"; tags must be unique within a traffic split (Knative: Multiple definitions for "current") (got "current"). Fix: Choose another tag for latest revision.');
  });

  test('only one remainder entry', () => {
    expect(attachError(TrafficSplit.create().remainderTo(TrafficTarget.latestRevision()).remainderTo(TrafficTarget.revisionName('x'))))
      .toBe('[test/Svc] traffic: TrafficSplit.remainderTo(): the split already sends the remainder to latest revision (got revision "x"). Fix: Use to() with an explicit percent for one of them.');
  });

  test('release() checks candidatePercent', () => {
    const c = Testing.chart();
    expect(attachError(TrafficSplit.release({ current: rev(c, 'a'), candidatePercent: 5 })))
      .toBe('[test/Svc] traffic: TrafficSplit.release(): candidatePercent is set but no candidate revision was given (got 5). Fix: Pass \'candidate\', or set candidatePercent to 0.');
    expect(attachError(TrafficSplit.release({ current: rev(c, 'b'), candidate: rev(c, 'c'), candidatePercent: 150 })))
      .toBe('[test/Svc] traffic: TrafficSplit.release(): candidatePercent must be a whole number from 0 to 100 (got 150). Fix: Use an integer between 0 and 100.');
  });

  test('promote() needs a candidate entry; the default tag is not shown as a value the user wrote', () => {
    expect(attachError(TrafficSplit.pin(rev(Testing.chart(), 'a'), { latestTag: 'latest' }).promote()))
      .toBe('[test/Svc] traffic: TrafficSplit.promote(): no entry is tagged "candidate" (tags: "latest"). Fix: Promote a split built with TrafficSplit.release({ candidate, … }), or pass { candidateTag }.');
    expect(attachError(TrafficSplit.pin(rev(Testing.chart(), 'a'), { latestTag: 'latest' }).promote({ candidateTag: 'next' })))
      .toMatch(/no entry is tagged "next" \(tags: "latest"\) \(got "next"\)\. Fix: /);
  });

  test('rollbackTo() needs a known tag', () => {
    expect(attachError(TrafficSplit.latest().rollbackTo('stable')))
      .toBe('[test/Svc] traffic: TrafficSplit.rollbackTo(): no entry has this tag (tags: none) (got "stable"). Fix: Use one of the tags of this split, or TrafficSplit.rollback(revision).');
  });

  test('replaceTraffic() and addTraffic() throw at the call with the path; a problem added after attaching fails synthesis', () => {
    const chart = Testing.chart();
    const split = TrafficSplit.latest();
    const svc = new KnService(chart, 'Svc', { image: 'img', traffic: split });
    expect(() => svc.replaceTraffic(TrafficSplit.create().toLatest(100, { tag: 'Bad' })))
      .toThrow(/^\[test\/Svc\] traffic\[0\]\.tag: is not a DNS-1035 label \(got "Bad"\)/);
    expect(() => svc.addTraffic(TrafficTarget.revisionName('x'), 200)).toThrow(/^\[test\/Svc\] traffic\[1\]\.percent: .*\(got 200\)/);
    split.rollbackTo('nope');
    expect(() => Testing.synth(chart)).toThrow(/\[test\/Svc\] spec\.traffic: TrafficSplit\.rollbackTo\(\): no entry has this tag .*\(got "nope"\)\. Fix: /);
  });
});

describe('whole-table checks (reported at synthesis with the construct path)', () => {
  test('percents must sum to 100', () => {
    const chart = Testing.chart();
    new KnService(chart, 'Svc', { metadata: { name: 'my-service' }, image: 'img', traffic: TrafficSplit.create().toLatest(60).toRevision(rev(chart, 'abc'), 30) });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/Svc\] spec\.traffic: Traffic targets sum to 90, want 100 \(got \[60,30\]\)\. Fix: Make the traffic percents add up to exactly 100\./);
  });

  test('a remainder that cannot be satisfied shows the real sum', () => {
    const chart = Testing.chart();
    const split = TrafficSplit.create().toRevision(rev(chart, 'a'), 70).toRevision(rev(chart, 'b'), 60).remainderTo(TrafficTarget.latestRevision());
    new KnService(chart, 'Svc', { metadata: { name: 'my-service' }, image: 'img', traffic: split });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/Svc\] spec\.traffic: Traffic targets sum to 130, want 100/);
  });

  test('a tag whose host label exceeds 63 characters', () => {
    const chart = Testing.chart();
    const name = 'a-rather-long-knative-service-name-for-tags'; // 43 chars
    const tag = 'a-twenty-character-t'; // 20 chars → label of 64
    new KnService(chart, 'Svc', { metadata: { name }, image: 'img', traffic: TrafficSplit.latest().tag(tag, TrafficTarget.latestRevision()) });
    expect(() => Testing.synth(chart)).toThrow(
      `[test/Svc] spec.traffic.tag: tag "${tag}" makes the host label "${tag}-${name}" 64 characters long (tag template {{.Tag}}-{{.Name}}), more than 63 (got "${tag}"). Fix: Shorten the tag to at most 19 characters or the name "${name}".`);
  });

  test('latestRevision: false without a revision name', () => {
    class NamelessRevision extends Construct implements IRevision {
      public readonly revisionName = '';
    }
    const chart = Testing.chart();
    new KnService(chart, 'Svc', { metadata: { name: 'my-service' }, image: 'img', traffic: TrafficSplit.pin(new NamelessRevision(chart, 'Rev')) });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/Svc\] spec\.traffic\[0\]\.latestRevision: may not set revisionName "" when latestRevision is false \(got false\)\. Fix: Set revisionName, or set latestRevision: true\./);
  });

  test('configurationName is forbidden in a Service', () => {
    const chart = Testing.chart();
    const cfg = Configuration.fromConfigurationName(chart, 'Cfg', 'other');
    new KnService(chart, 'Svc', { metadata: { name: 'my-service' }, image: 'img', traffic: TrafficSplit.create().to(TrafficTarget.configuration(cfg), 100) });
    expect(() => Testing.synth(chart)).toThrow(/\[test\/Svc\] spec\.traffic\[0\]\.configurationName: must not set the field\(s\) \(got "other"\)\. Fix: Remove configurationName/);
  });

  test('all errors are reported together', () => {
    const chart = Testing.chart();
    const cfg = Configuration.fromConfigurationName(chart, 'Cfg', 'other');
    new KnService(chart, 'Svc', {
      metadata: { name: 'x'.repeat(50) },
      image: 'img',
      traffic: TrafficSplit.create().to(TrafficTarget.configuration(cfg), 10).tag('t'.repeat(20), TrafficTarget.latestRevision()),
    });
    let message = '';
    try {
      Testing.synth(chart);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^Validation failed with the following errors:/);
    expect(message).toContain('[test/Svc] spec.traffic: Traffic targets sum to 10, want 100');
    expect(message).toContain('[test/Svc] spec.traffic[0].configurationName: must not set the field(s)');
    expect(message).toContain('[test/Svc] spec.traffic.tag: tag "tttttttttttttttttttt" makes the host label');
  });
});

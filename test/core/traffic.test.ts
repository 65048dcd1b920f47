import { defaultServingConfig, parseServingConfig } from '../../src/core/config';
import { routeHosts } from '../../src/core/hosts';
import {
  expectedMigratedTraffic, isFailed, isReady, isRevisionReady, isTrafficMigrated, resolveRouteTraffic, resolveTraffic, serviceRouteTraffic,
  TrafficLookup,
} from '../../src/core/traffic';
import { ConditionStatus, ConfigurationObject, RevisionObject, RouteObject, WireTrafficTarget } from '../../src/core/types';

const cfgExample = parseServingConfig({ 'config-domain': { 'example.com': '' } });

function rev(name: string, ready: ConditionStatus | undefined, labels: Record<string, string> = {}, gen = { g: 1, o: 1 }): RevisionObject {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: { name, namespace: 'default', generation: gen.g, labels },
    spec: { containers: [] },
    status: { observedGeneration: gen.o, conditions: ready ? [{ type: 'Ready', status: ready }] : [] },
  };
}

function conf(name: string, latestReady: string | undefined, ready?: ConditionStatus): ConfigurationObject {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Configuration',
    metadata: { name, namespace: 'default', generation: 1 },
    spec: { template: { spec: { containers: [] } } },
    status: { observedGeneration: 1, latestReadyRevisionName: latestReady, conditions: ready ? [{ type: 'Ready', status: ready }] : [] },
  };
}

function lookupOf(revs: RevisionObject[], confs: ConfigurationObject[]): TrafficLookup {
  return {
    revision: n => revs.find(r => r.metadata.name === n),
    configuration: n => confs.find(c => c.metadata.name === n),
  };
}

function route(traffic: WireTrafficTarget[], labels: Record<string, string> = {}, name = 'hello'): RouteObject {
  return { apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: { name, namespace: 'default', labels }, spec: { traffic } };
}

const hostsFor = (r: RouteObject) => routeHosts({ name: r.metadata.name!, namespace: 'default', labels: r.metadata.labels },
  (r.spec.traffic ?? []).map(t => t.tag).filter((t): t is string => !!t), cfgExample);

describe('readiness helpers', () => {
  test('isReady requires Ready True at the observed generation; isFailed on Ready False', () => {
    expect(isReady(rev('a', 'True'))).toBe(true);
    expect(isRevisionReady(rev('a', 'True', {}, { g: 2, o: 1 }))).toBe(false);
    expect(isReady(rev('a', 'Unknown'))).toBe(false);
    expect(isFailed(rev('a', 'False'))).toBe(true);
    expect(isReady(undefined)).toBe(false);
  });
});

describe('resolveTraffic', () => {
  const lookup = lookupOf(
    [rev('hello-00001', 'True', { 'serving.knative.dev/configuration': 'hello', 'serving.knative.dev/service': 'hello' }),
      rev('hello-00002', 'True', { 'serving.knative.dev/configuration': 'hello', 'serving.knative.dev/service': 'hello' })],
    [conf('hello', 'hello-00002', 'True')],
  );

  test('§14 worked example: configuration target + tagged revision', () => {
    const r = route([
      { configurationName: 'hello', latestRevision: true, percent: 100 },
      { tag: 'v1', revisionName: 'hello-00001', latestRevision: false, percent: 0 },
    ], { 'serving.knative.dev/service': 'hello' });
    expect(resolveTraffic(r, lookup, hostsFor(r))).toEqual({
      ok: true,
      traffic: [
        { revisionName: 'hello-00002', latestRevision: true, percent: 100 },
        { tag: 'v1', revisionName: 'hello-00001', latestRevision: false, percent: 0, url: 'http://v1-hello.default.example.com' },
      ],
    });
  });

  test('merges same tag+revision+latestRevision, keeps order and zero-percent entries', () => {
    const r = route([
      { revisionName: 'hello-00001', latestRevision: false, percent: 30 },
      { configurationName: 'hello', latestRevision: true, percent: 20 },
      { revisionName: 'hello-00001', latestRevision: false, percent: 40 },
      { revisionName: 'hello-00002', latestRevision: false, percent: 10 },
      { tag: 'z', revisionName: 'hello-00002', latestRevision: false, percent: 0 },
    ]);
    const res = resolveTraffic(r, lookup, hostsFor(r));
    expect(res).toEqual({
      ok: true,
      traffic: [
        { revisionName: 'hello-00001', latestRevision: false, percent: 70 },
        { revisionName: 'hello-00002', latestRevision: true, percent: 20 },
        { revisionName: 'hello-00002', latestRevision: false, percent: 10 },
        { tag: 'z', revisionName: 'hello-00002', latestRevision: false, percent: 0, url: 'http://z-hello.default.example.com' },
      ],
    });
  });

  test('latestRevision defaults from revisionName when unset', () => {
    const r = route([{ configurationName: 'hello', percent: 50 }, { revisionName: 'hello-00001', percent: 50 }]);
    const res = resolveTraffic(r, lookup, hostsFor(r));
    expect(res).toEqual({
      ok: true,
      traffic: [
        { revisionName: 'hello-00002', latestRevision: true, percent: 50 },
        { revisionName: 'hello-00001', latestRevision: false, percent: 50 },
      ],
    });
  });

  test('per-target errors with Knative reasons and messages', () => {
    const l = lookupOf([
      rev('failed-1', 'False'),
      rev('pending-1', 'Unknown'),
      rev('orphan-1', 'True', { 'serving.knative.dev/configuration': 'gone' }),
    ], [conf('waiting', undefined, 'Unknown'), conf('broken', undefined, 'False'), conf('noready', undefined)]);
    const one = (tt: WireTrafficTarget) => resolveTraffic(route([{ ...tt, percent: 100 }]), l, routeHosts({ name: 'hello', namespace: 'default' }, [], cfgExample));
    expect(one({ revisionName: 'nope' })).toEqual({ ok: false, status: 'False', reason: 'RevisionMissing', message: 'Revision "nope" referenced in traffic not found.' });
    expect(one({ configurationName: 'nope' })).toEqual({ ok: false, status: 'False', reason: 'ConfigurationMissing', message: 'Configuration "nope" referenced in traffic not found.' });
    expect(one({ configurationName: 'broken' })).toEqual({ ok: false, status: 'False', reason: 'RevisionMissing', message: 'Configuration "broken" does not have any ready Revision.' });
    expect(one({ configurationName: 'waiting' })).toEqual({ ok: false, status: 'Unknown', reason: 'RevisionMissing', message: 'Configuration "waiting" is waiting for a Revision to become ready.' });
    expect(one({ configurationName: 'noready' })).toEqual({ ok: false, status: 'Unknown', reason: 'RevisionMissing', message: 'Configuration "noready" is waiting for a Revision to become ready.' });
    expect(one({ revisionName: 'failed-1' })).toEqual({ ok: false, status: 'False', reason: 'RevisionMissing', message: 'Revision "failed-1" failed to become ready.' });
    expect(one({ revisionName: 'pending-1' })).toEqual({ ok: false, status: 'Unknown', reason: 'RevisionMissing', message: 'Revision "pending-1" is not yet ready.' });
    expect(one({ revisionName: 'orphan-1' })).toEqual({ ok: false, status: 'False', reason: 'ConfigurationMissing', message: 'Configuration "gone" referenced in traffic not found.' });
  });

  test('final error: last False-type, else first Unknown-type', () => {
    const l = lookupOf([rev('p1', 'Unknown'), rev('p2', 'Unknown'), rev('f1', 'False')], []);
    const h = routeHosts({ name: 'hello', namespace: 'default' }, [], cfgExample);
    const mk = (names: string[]) => route(names.map(n => ({ revisionName: n, percent: 0 })));
    expect(resolveTraffic(mk(['p1', 'p2']), l, h)).toMatchObject({ status: 'Unknown', message: 'Revision "p1" is not yet ready.' });
    expect(resolveTraffic(mk(['p1', 'missing-a', 'f1', 'p2']), l, h)).toMatchObject({ status: 'False', message: 'Revision "f1" failed to become ready.' });
    expect(resolveTraffic(mk(['f1', 'missing-a', 'p1']), l, h)).toMatchObject({
      status: 'False', reason: 'RevisionMissing', message: 'Revision "missing-a" referenced in traffic not found.',
    });
  });

  test('[≥1.21] RevisionNotOwned for cross-service references', () => {
    const l = lookupOf([
      rev('other-00001', 'True', { 'serving.knative.dev/service': 'other' }),
      rev('loose-00001', 'True'),
    ], []);
    const h = routeHosts({ name: 'hello', namespace: 'default' }, [], cfgExample);
    const svcLabel = { 'serving.knative.dev/service': 'hello' };
    expect(resolveTraffic(route([{ revisionName: 'other-00001', percent: 100 }], svcLabel), l, h)).toEqual({
      ok: false, status: 'False', reason: 'RevisionNotOwned', message: 'Revision "other-00001" belongs to Service "other", not Service "hello".',
    });
    expect(resolveTraffic(route([{ revisionName: 'loose-00001', percent: 100 }], svcLabel), l, h)).toEqual({
      ok: false, status: 'False', reason: 'RevisionNotOwned', message: 'Revision "loose-00001" does not belong to Service "hello".',
    });
    // standalone Route may reference anything; the check can be switched off (1.17 behaviour)
    expect(resolveTraffic(route([{ revisionName: 'other-00001', percent: 100 }]), l, h).ok).toBe(true);
    expect(resolveTraffic(route([{ revisionName: 'other-00001', percent: 100 }], svcLabel), l, h, { crossServiceCheck: false }).ok).toBe(true);
  });

  test('resolveRouteTraffic maps template errors to ErrorConfig', () => {
    const r = route([{ tag: 't'.repeat(60), revisionName: 'hello-00001', percent: 100 }]);
    const { result } = resolveRouteTraffic(r, lookup, cfgExample);
    expect(result).toMatchObject({ ok: false, status: 'False', reason: 'ErrorConfig' });
    expect((result as any).message).toMatch(/63 characters/);
    const ok = resolveRouteTraffic(route([{ tag: 'v1', revisionName: 'hello-00001', percent: 100 }]), lookup, defaultServingConfig());
    expect(ok.hosts?.url).toBe('http://hello.default.svc.cluster.local');
    expect(ok.result).toEqual({
      ok: true,
      traffic: [{ tag: 'v1', revisionName: 'hello-00001', latestRevision: false, percent: 100, url: 'http://v1-hello.default.svc.cluster.local' }],
    });
  });
});

describe('serviceRouteTraffic', () => {
  test('default traffic when empty', () => {
    expect(serviceRouteTraffic('hello', undefined)).toEqual([{ configurationName: 'hello', latestRevision: true, percent: 100 }]);
    expect(serviceRouteTraffic('hello', [])).toEqual([{ configurationName: 'hello', latestRevision: true, percent: 100 }]);
  });
  test('entries without revisionName get configurationName', () => {
    expect(serviceRouteTraffic('hello', [
      { tag: 'current', latestRevision: true, percent: 90 },
      { tag: 'v1', revisionName: 'hello-00001', latestRevision: false, percent: 10 },
    ])).toEqual([
      { tag: 'current', configurationName: 'hello', latestRevision: true, percent: 90 },
      { tag: 'v1', revisionName: 'hello-00001', latestRevision: false, percent: 10 },
    ]);
  });
});

describe('TrafficNotMigrated check', () => {
  const spec = [
    { configurationName: 'hello', latestRevision: true, percent: 90 },
    { tag: 'v1', revisionName: 'hello-00001', latestRevision: false, percent: 10 },
  ];
  test('expectedMigratedTraffic replaces the configuration target with the latest ready revision', () => {
    expect(expectedMigratedTraffic(spec, 'hello', 'hello-00002')).toEqual([
      { revisionName: 'hello-00002', latestRevision: true, percent: 90 },
      { tag: 'v1', revisionName: 'hello-00001', latestRevision: false, percent: 10 },
    ]);
  });
  test('isTrafficMigrated ignores url and latestRevision', () => {
    const want = expectedMigratedTraffic(spec, 'hello', 'hello-00002');
    expect(isTrafficMigrated(want, [
      { revisionName: 'hello-00002', percent: 90 },
      { tag: 'v1', revisionName: 'hello-00001', latestRevision: true, percent: 10, url: 'http://v1-hello.default.example.com' },
    ])).toBe(true);
    expect(isTrafficMigrated(want, [
      { revisionName: 'hello-00001', latestRevision: true, percent: 90 },
      { tag: 'v1', revisionName: 'hello-00001', latestRevision: false, percent: 10 },
    ])).toBe(false);
    // gradual rollout: extra entry → not migrated
    expect(isTrafficMigrated(want, [
      { revisionName: 'hello-00002', latestRevision: true, percent: 1 },
      { revisionName: 'hello-00001', latestRevision: true, percent: 89 },
      { tag: 'v1', revisionName: 'hello-00001', latestRevision: false, percent: 10 },
    ])).toBe(false);
    expect(isTrafficMigrated(want, undefined)).toBe(false);
  });
});

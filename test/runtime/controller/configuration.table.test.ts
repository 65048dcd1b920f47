import { NOW } from './harness';
import { READY_REVISION_STATUS, TEMPLATE, condOf, induceFailure, owner, readyStatus, revisionFixture, runTable, uid, written } from './table';
import type { KubeObject } from '../../../src/core/types';
import { revisionsToCollect } from '../../../src/runtime/controller/reconcilers/gc';

const config = (extra: any = {}): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Configuration',
  metadata: {
    name: 'web',
    namespace: 'default',
    uid: uid('Configuration', 'web'),
    generation: extra.generation ?? 1,
    labels: extra.labels,
    annotations: extra.annotations,
    ownerReferences: extra.ownerReferences,
  },
  spec: { template: extra.template ?? TEMPLATE },
  ...(extra.status ? { status: extra.status } : {}),
});

const rev = (name: string, gen: number, status?: any, extra: any = {}): KubeObject => revisionFixture(name, { ...extra, gen, status });

const READY_REV = READY_REVISION_STATUS;
const FAILED_REV = { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'ExitCode1', message: 'Container failed with: boom' }] };

/** config-gc keeping 1h and one non-active revision; web-00001 and web-00002 are due for collection. */
const GC_WORLD: KubeObject[] = [
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'config-gc', namespace: 'knative-serving' },
    data: { 'retain-since-create-time': '1h', 'retain-since-last-active-time': '1h', 'min-non-active-revisions': '1', 'max-non-active-revisions': '1000' },
  } as any,
  config({ generation: 4, status: readyStatus(4, [], { latestCreatedRevisionName: 'web-00004', latestReadyRevisionName: 'web-00004' }) }),
  ...[1, 2, 3].map((g) => rev(`web-0000${g}`, g, READY_REV, {
    creationTimestamp: `2025-12-0${g}T00:00:00Z`,
    labels: { 'serving.knative.dev/routingState': 'reserve' },
    annotations: { 'serving.knative.dev/routingStateModified': `2025-12-0${g}T00:00:00Z` },
  })),
  rev('web-00004', 4, READY_REV, { labels: { 'serving.knative.dev/routingState': 'active' } }),
];

runTable('Configuration', [
  {
    name: 'first generation: creates <config>-00001 with Knative labels/annotations, latestCreated set, Ready Unknown',
    objects: [config({
      labels: { 'serving.knative.dev/service': 'web', 'serving.knative.dev/serviceUID': 'svc-uid' },
      annotations: { 'serving.knative.dev/lastModifier': 'alice', 'serving.knative.dev/routes': 'web' },
      ownerReferences: [owner('Service', 'web')],
    })],
    key: 'default/web',
    want: ['create revisions default/web-00001', 'update configurations/status default/web'],
    wantEvents: ['Normal Created Configuration/web: Created Revision "web-00001"'],
    check: (actions) => {
      const r = written(actions, 'create revisions');
      expect(r.metadata.labels).toEqual({
        'serving.knative.dev/configuration': 'web',
        'serving.knative.dev/configurationGeneration': '1',
        'serving.knative.dev/configurationUID': uid('Configuration', 'web'),
        'serving.knative.dev/service': 'web',
        'serving.knative.dev/serviceUID': 'svc-uid',
        'serving.knative.dev/routingState': 'active',
      });
      expect(r.metadata.annotations).toEqual({
        'serving.knative.dev/routingStateModified': NOW,
        'serving.knative.dev/creator': 'alice',
        'serving.knative.dev/routes': 'web',
      });
      expect(r.metadata.ownerReferences).toEqual([owner('Configuration', 'web')]);
      const st = written(actions, 'update configurations/status').status;
      expect(st.latestCreatedRevisionName).toBe('web-00001');
      expect(st.latestReadyRevisionName).toBeUndefined();
      expect(st.observedGeneration).toBe(1);
      expect(st.conditions).toEqual([{ type: 'Ready', status: 'Unknown', lastTransitionTime: NOW }]);
    },
  },
  {
    name: 'standalone configuration: routingState pending, no service labels',
    objects: [config({ generation: 3 })],
    key: 'default/web',
    want: ['create revisions default/web-00003', 'update configurations/status default/web'],
    check: (actions) => {
      const r = written(actions, 'create revisions');
      expect(r.metadata.labels['serving.knative.dev/routingState']).toBe('pending');
      expect(r.metadata.labels['serving.knative.dev/service']).toBeUndefined();
      expect(r.metadata.labels['serving.knative.dev/configurationGeneration']).toBe('3');
    },
  },
  {
    name: 'BYO name: creates the named revision',
    objects: [config({ template: { metadata: { name: 'web-blue' }, spec: TEMPLATE.spec } })],
    key: 'default/web',
    want: ['create revisions default/web-blue', 'update configurations/status default/web'],
  },
  {
    name: 'BYO name taken by a revision we do not own → Ready False RevisionFailed (no error)',
    objects: [config({ template: { metadata: { name: 'web-blue' }, spec: TEMPLATE.spec } }), rev('web-blue', 1, undefined, { ownerReferences: [owner('Configuration', 'other')] })],
    key: 'default/web',
    want: ['update configurations/status default/web'],
    check: (actions) => {
      expect(condOf(written(actions, 'update configurations/status'), 'Ready')).toMatchObject({ status: 'False', reason: 'RevisionFailed' });
      expect(condOf(written(actions, 'update configurations/status'), 'Ready').message).toMatch(/^Revision creation failed with message: /);
    },
  },
  {
    name: 'revision ready → latestReadyRevisionName, Ready True',
    objects: [config({ status: { observedGeneration: 1, latestCreatedRevisionName: 'web-00001', conditions: [{ type: 'Ready', status: 'Unknown', lastTransitionTime: NOW }] } }), rev('web-00001', 1, READY_REV)],
    key: 'default/web',
    want: ['update configurations/status default/web'],
    wantEvents: ['Normal LatestReadyUpdate Configuration/web: LatestReadyRevisionName updated to "web-00001"', 'Normal ConfigurationReady Configuration/web: Configuration becomes ready'],
    check: (actions) => {
      const st = written(actions, 'update configurations/status').status;
      expect(st).toMatchObject({ latestCreatedRevisionName: 'web-00001', latestReadyRevisionName: 'web-00001' });
      expect(condOf({ status: st }, 'Ready').status).toBe('True');
    },
  },
  {
    name: 'new revision failed → Ready False RevisionFailed, latestReady stays on the previous good one',
    objects: [
      config({ generation: 2, status: readyStatus(1, [], { latestCreatedRevisionName: 'web-00001', latestReadyRevisionName: 'web-00001' }) }),
      rev('web-00001', 1, READY_REV), rev('web-00002', 2, FAILED_REV),
    ],
    key: 'default/web',
    want: ['update configurations/status default/web'],
    wantEvents: ['Warning LatestCreatedFailed Configuration/web: Latest created revision "web-00002" has failed'],
    check: (actions) => {
      const st = written(actions, 'update configurations/status');
      expect(st.status).toMatchObject({ latestCreatedRevisionName: 'web-00002', latestReadyRevisionName: 'web-00001', observedGeneration: 2 });
      expect(condOf(st, 'Ready')).toMatchObject({ status: 'False', reason: 'RevisionFailed', message: 'Revision "web-00002" failed with message: Container failed with: boom.' });
    },
  },
  {
    name: 'steady state: nothing to write',
    objects: [config({ status: readyStatus(1, [], { latestCreatedRevisionName: 'web-00001', latestReadyRevisionName: 'web-00001' }) }), rev('web-00001', 1, READY_REV)],
    key: 'default/web',
    want: [],
    wantEvents: [],
  },
  {
    name: 'GC (retain 1h, min-non-active 1): the two oldest reserve revisions are deleted; the newest reserve one and the active latest are kept',
    objects: GC_WORLD,
    key: 'default/web',
    want: ['delete revisions default/web-00001', 'delete revisions default/web-00002'],
  },
  {
    name: 'invalid template (no containers) → Ready False InvalidSpec naming the field, no Revision, no error',
    objects: [config({ template: { spec: { ...TEMPLATE.spec, containers: [] } } })],
    key: 'default/web',
    want: ['update configurations/status default/web'],
    check: (actions) => {
      const ready = condOf(written(actions, 'update configurations/status'), 'Ready');
      expect(ready).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
      expect(ready.message).toMatch(/containers/);
    },
  },
  // ---- induced failures (Knative's WithReactors rows): an error, upstream's conditions, then convergence
  {
    name: 'Revision create fails (500) → error, Ready False RevisionFailed with the API message (upstream MarkRevisionCreationFailed); the next reconcile creates it',
    objects: [config()],
    key: 'default/web',
    withReactors: [induceFailure('create', 'revisions')],
    wantErr: /injected failure: create revisions/,
    want: ['create revisions default/web-00001 → 500', 'update configurations/status default/web'],
    check: (actions) => {
      expect(condOf(written(actions, 'update configurations/status'), 'Ready')).toMatchObject({
        status: 'False', reason: 'RevisionFailed', message: 'Revision creation failed with message: injected failure: create revisions default/.',
      });
    },
    thenConverges: {
      want: ['create revisions default/web-00001', 'update configurations/status default/web'],
      check: (actions) => {
        const st = written(actions, 'update configurations/status');
        expect(st.status.latestCreatedRevisionName).toBe('web-00001');
        expect(condOf(st, 'Ready')).toMatchObject({ status: 'Unknown' });
      },
    },
  },
  {
    name: 'Revision create answered 409 AlreadyExists (cache behind) → requeue error, no RevisionFailed (as upstream)',
    objects: [config()],
    key: 'default/web',
    withReactors: [induceFailure('create', 'revisions', 409, 'AlreadyExists')],
    wantErr: /already exists \(cache lagging\)/,
    want: ['create revisions default/web-00001 → 409', 'update configurations/status default/web'],
    check: (actions) => expect(condOf(written(actions, 'update configurations/status'), 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NewObservedGenFailure' }),
    thenConverges: { want: ['create revisions default/web-00001', 'update configurations/status default/web'] },
  },
  {
    name: 'GC delete fails (500) → error on the first doomed revision; the next reconcile collects both',
    objects: GC_WORLD,
    key: 'default/web',
    withReactors: [induceFailure('delete', 'revisions')],
    wantErr: /injected failure: delete revisions/,
    want: ['delete revisions default/web-00001 → 500'],
    thenConverges: { want: ['delete revisions default/web-00001', 'delete revisions default/web-00002'] },
  },
  {
    name: 'status update fails (500) → error; the next reconcile writes the status',
    objects: [config({ status: { observedGeneration: 1, latestCreatedRevisionName: 'web-00001', conditions: [{ type: 'Ready', status: 'Unknown', lastTransitionTime: NOW }] } }), rev('web-00001', 1, READY_REV)],
    key: 'default/web',
    withReactors: [induceFailure('status', 'configurations')],
    wantErr: /injected failure: update configurations\/status/,
    want: ['update configurations/status default/web → 500'],
    thenConverges: {
      want: ['update configurations/status default/web'],
      check: (actions) => expect(condOf(written(actions, 'update configurations/status'), 'Ready')?.status).toBe('True'),
    },
  },
]);

describe('revisionsToCollect (config-gc)', () => {
  const cfg: any = { status: { latestReadyRevisionName: 'c-00005', latestCreatedRevisionName: 'c-00006' } };
  const r = (n: number, state: string, ageDays: number, noGc = false): any => ({
    metadata: {
      name: `c-0000${n}`,
      creationTimestamp: new Date(Date.parse(NOW) - ageDays * 86400_000).toISOString(),
      labels: { 'serving.knative.dev/routingState': state, ...(noGc ? { 'serving.knative.dev/no-gc': 'true' } : {}) },
      annotations: { 'serving.knative.dev/routingStateModified': new Date(Date.parse(NOW) - ageDays * 86400_000).toISOString() },
    },
  });
  const revs = [r(1, 'reserve', 10), r(2, 'reserve', 9, true), r(3, 'active', 8), r(4, 'reserve', 7), r(5, 'reserve', 6), r(6, 'pending', 0), r(7, 'reserve', 0.1)];
  const now = new Date(NOW);
  const gc = (create: number | null, active: number | null, min: number, max: number | null) =>
    ({ retainSinceCreateTimeSeconds: create, retainSinceLastActiveTimeSeconds: active, minNonActiveRevisions: min, maxNonActiveRevisions: max });
  test('Knative defaults (48h / 15h / min 20 / max 1000) keep everything', () => {
    expect(revisionsToCollect(cfg, revs, gc(48 * 3600, 15 * 3600, 20, 1000), now)).toEqual([]);
  });
  test('min 0: stale reserve revisions go, oldest first; no-gc, active, pending, latest ready/created and young ones stay', () => {
    const out = revisionsToCollect(cfg, revs, gc(48 * 3600, 15 * 3600, 0, null), now);
    expect(out.map((x) => x.metadata.name)).toEqual(['c-00001', 'c-00004']);
  });
  test('max 1 with time windows disabled: of the collectable reserve revisions only the newest survives; no-gc, active and latest ready/created ones are never collected', () => {
    const out = revisionsToCollect(cfg, revs, gc(null, null, 0, 1), now);
    expect(out.map((x) => x.metadata.name)).toEqual(['c-00001', 'c-00004']);
  });
});

import { NOW, domainConfigMap } from './harness';
import { READY_REVISION_STATUS, condOf, induceFailure, owner, readyStatus, revisionFixture, runTable, uid, written, TEMPLATE } from './table';
import { defaultServingConfig } from '../../../src/core/config';
import { routingDigest, routingFromStatus } from '../../../src/core/routing';
import type { KubeObject, RouteObject } from '../../../src/core/types';
import type { IngressProber } from '../../../src/runtime/controller/ingress-probe';

const route = (traffic: any[], extra: any = {}): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Route',
  metadata: {
    name: 'web',
    namespace: 'default',
    uid: uid('Route', 'web'),
    generation: 1,
    labels: extra.labels,
    annotations: extra.annotations,
    ownerReferences: extra.ownerReferences,
  },
  spec: { traffic },
  ...(extra.status ? { status: extra.status } : {}),
});
const config = (latestReady?: string, ready: 'True' | 'False' | 'Unknown' = 'True', annotations?: any): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Configuration',
  metadata: { name: 'web', namespace: 'default', uid: uid('Configuration', 'web'), generation: 1, annotations },
  spec: { template: TEMPLATE },
  status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: ready }], ...(latestReady ? { latestReadyRevisionName: latestReady, latestCreatedRevisionName: latestReady } : {}) },
});
const rev = (name: string, ready = true, extra: any = {}): KubeObject => revisionFixture(name, {
  labels: extra.labels,
  annotations: extra.annotations,
  status: ready ? READY_REVISION_STATUS : { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'Unknown' }] },
});

const LATEST = [{ configurationName: 'web', latestRevision: true, percent: 100 }];
const ROLLOUT = 'networking.internal.knative.dev/rollout';
const NOW_NS = Date.parse(NOW) * 1e6;
const BASELINE = '{"configurations":[{"configurationName":"web","percent":100,"revisions":[{"revisionName":"web-00001","percent":100}],"stepParams":{}}]}';
const activeRev = (name: string): KubeObject => rev(name, true, { labels: { 'serving.knative.dev/routingState': 'active' }, annotations: { 'serving.knative.dev/routes': 'web' } });
const withNote = (st: any): any => ({ ...st, annotations: { ...st.annotations, 'serving.knative.dev/rollout-duration-unsupported': 'old note' } });
/** A Route status as this runtime last wrote it: the rollout state, IngressReady, the split served. */
const rolloutStatus = (state: string, ingressReady: 'True' | 'Unknown', split: Array<[string, number]>): any => ({
  observedGeneration: 1,
  url: 'http://web.default.svc.cluster.local',
  address: { url: 'http://web.default.svc.cluster.local' },
  annotations: { [ROLLOUT]: state },
  traffic: split.map(([revisionName, percent]) => ({ revisionName, latestRevision: true, percent })),
  conditions: ['AllTrafficAssigned', 'IngressReady', 'CertificateProvisioned', 'Ready'].map((type) => ({
    type,
    status: type === 'IngressReady' || type === 'Ready' ? ingressReady : 'True',
    lastTransitionTime: NOW,
    ...(type === 'CertificateProvisioned' ? { reason: 'TLSNotEnabled', message: 'external-domain-tls is not enabled' } : {}),
    ...(ingressReady === 'Unknown' && (type === 'IngressReady' || type === 'Ready') ? { reason: 'RolloutInProgress', message: 'A gradual rollout of the latest revision(s) is in progress.' } : {}),
  })),
});
const placeholder = (name: string, routeOwner = true): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', labels: { 'serving.knative.dev/route': 'web' }, annotations: {}, ownerReferences: routeOwner ? [owner('Route', 'web')] : [] },
  spec: { type: 'ExternalName', externalName: 'serving-ingress-internal.knative-serving.svc.cluster.local', ports: [{ name: 'http2', port: 80, protocol: 'TCP', targetPort: 80, appProtocol: 'kubernetes.io/h2c' }] },
} as any);

runTable('Route', [
  {
    name: 'configuration has no ready revision yet → AllTrafficAssigned Unknown, url set, nothing created',
    objects: [route(LATEST), config(undefined, 'Unknown')],
    key: 'default/web',
    // the labeler already records the route on the referenced Configuration
    want: ['update configurations default/web', 'update routes/status default/web'],
    check: (actions) => {
      const st = written(actions, 'update routes/status');
      expect(st.status.url).toBe('http://web.default.svc.cluster.local');
      expect(st.status.traffic).toBeUndefined();
      expect(st.status.address).toBeUndefined();
      expect(condOf(st, 'AllTrafficAssigned')).toMatchObject({ status: 'Unknown', reason: 'RevisionMissing', message: 'Configuration "web" is waiting for a Revision to become ready.' });
      expect(condOf(st, 'IngressReady')).toMatchObject({ status: 'Unknown', reason: 'IngressNotConfigured' });
    },
  },
  {
    name: 'revision referenced in traffic not found → AllTrafficAssigned False RevisionMissing',
    objects: [route([{ revisionName: 'web-00009', percent: 100 }]), config('web-00001')],
    key: 'default/web',
    want: ['update routes/status default/web'],
    check: (actions) => {
      expect(condOf(written(actions, 'update routes/status'), 'AllTrafficAssigned')).toMatchObject({ status: 'False', reason: 'RevisionMissing', message: 'Revision "web-00009" referenced in traffic not found.' });
      expect(condOf(written(actions, 'update routes/status'), 'Ready')?.status).toBe('False');
    },
  },
  {
    name: 'all traffic assigned: placeholder Service, status url/address/traffic; IngressReady Unknown until the ingress serves that status, then Ready True; labeler marks the revision',
    objects: [domainConfigMap('example.com'), route(LATEST), config('web-00001', 'True', { 'serving.knative.dev/routes': 'web' }), rev('web-00001', true, { labels: { 'serving.knative.dev/routingState': 'pending' } })],
    key: 'default/web',
    want: ['create services default/web', 'update revisions default/web-00001', 'update routes/status default/web'],
    check: (actions, _emu, ctl) => {
      const p = written(actions, 'create services');
      expect(p.spec).toMatchObject({ type: 'ExternalName', externalName: 'serving-ingress-internal.knative-serving.svc.cluster.local', ports: [{ name: 'http2', port: 80, appProtocol: 'kubernetes.io/h2c' }] });
      expect(p.metadata.ownerReferences).toEqual([owner('Route', 'web')]);
      const r = written(actions, 'update revisions');
      expect(r.metadata.labels['serving.knative.dev/routingState']).toBe('active');
      expect(r.metadata.annotations).toEqual({ 'serving.knative.dev/routes': 'web', 'serving.knative.dev/routingStateModified': NOW });
      const st = written(actions, 'update routes/status').status;
      expect(st).toMatchObject({
        url: 'http://web.default.example.com',
        address: { url: 'http://web.default.svc.cluster.local' },
        traffic: [{ revisionName: 'web-00001', latestRevision: true, percent: 100 }],
        observedGeneration: 1,
      });
      // The ingress (stand-in: serves what the API stores) has not loaded this status yet.
      expect(st.conditions.map((c: any) => [c.type, c.status, c.reason ?? ''])).toEqual([
        ['AllTrafficAssigned', 'True', ''], ['CertificateProvisioned', 'True', 'TLSNotEnabled'], ['IngressReady', 'Unknown', 'Uninitialized'], ['Ready', 'Unknown', 'Uninitialized'],
      ]);
      expect(condOf({ status: st }, 'IngressReady').message)
        .toBe('Waiting for load balancer to be ready: 0 of 1 ingress replicas serve the current routing (ingress-stand-in: route not loaded).');
      expect(ctl.scheduledRequeues()).toEqual([{ kind: 'Route', key: 'default/web', due: Date.parse(NOW) + 50 }]);
    },
    // The status is stored, so the ingress serves it: the next reconcile marks the Route Ready.
    thenConverges: {
      want: ['update routes/status default/web'],
      check: (actions) => {
        const st = written(actions, 'update routes/status').status;
        expect(st.conditions.map((c: any) => [c.type, c.status, c.reason ?? ''])).toEqual([
          ['AllTrafficAssigned', 'True', ''], ['CertificateProvisioned', 'True', 'TLSNotEnabled'], ['IngressReady', 'True', ''], ['Ready', 'True', ''],
        ]);
      },
    },
  },
  {
    name: 'tags: one placeholder per tag, tag URLs, duplicates merged',
    objects: [
      domainConfigMap('example.com'),
      route([
        { tag: 'v1', revisionName: 'web-a', percent: 50 },
        { revisionName: 'web-b', percent: 30 }, { revisionName: 'web-b', percent: 20 }, { tag: 'latest', configurationName: 'web', percent: 0 },
      ]),
      config('web-b', 'True', { 'serving.knative.dev/routes': 'web' }), rev('web-a', true, { labels: { 'serving.knative.dev/routingState': 'active' }, annotations: { 'serving.knative.dev/routes': 'web' } }),
      rev('web-b', true, { labels: { 'serving.knative.dev/routingState': 'active' }, annotations: { 'serving.knative.dev/routes': 'web' } }),
    ],
    key: 'default/web',
    want: ['create services default/web', 'create services default/v1-web', 'create services default/latest-web', 'update routes/status default/web'],
    check: (actions) => {
      expect(written(actions, 'update routes/status').status.traffic).toEqual([
        { tag: 'v1', revisionName: 'web-a', latestRevision: false, percent: 50, url: 'http://v1-web.default.example.com' },
        { revisionName: 'web-b', latestRevision: false, percent: 50 },
        { tag: 'latest', revisionName: 'web-b', latestRevision: true, percent: 0, url: 'http://latest-web.default.example.com' },
      ]);
    },
  },
  {
    name: 'rollout-duration, new latest revision → 1 % to it, IngressReady Unknown RolloutInProgress, state kept in status.annotations',
    objects: [
      route(LATEST, { annotations: { 'serving.knative.dev/rollout-duration': '120s' }, status: rolloutStatus(BASELINE, 'True', [['web-00001', 100]]) }),
      config('web-00002', 'True', { 'serving.knative.dev/routes': 'web' }),
      activeRev('web-00001'), activeRev('web-00002'), placeholder('web'),
    ],
    key: 'default/web',
    want: ['update routes/status default/web'],
    check: (actions, _emu, ctl) => {
      const st = written(actions, 'update routes/status');
      expect(st.status.traffic).toEqual([
        { revisionName: 'web-00001', latestRevision: true, percent: 99 },
        { revisionName: 'web-00002', latestRevision: true, percent: 1 },
      ]);
      expect(condOf(st, 'IngressReady')).toMatchObject({ status: 'Unknown', reason: 'RolloutInProgress', message: 'A gradual rollout of the latest revision(s) is in progress.' });
      expect(condOf(st, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'RolloutInProgress' });
      expect(JSON.parse(st.status.annotations[ROLLOUT])).toEqual({
        configurations: [{
          configurationName: 'web',
          percent: 100,
          revisions: [{ revisionName: 'web-00001', percent: 99 }, { revisionName: 'web-00002', percent: 1 }],
          stepParams: { starttime: NOW_NS },
        }],
      });
      // nothing scheduled: the steps are planned once this 1 % split is published
      expect(ctl.scheduledRequeues()).toEqual([]);
    },
  },
  {
    name: 'rollout just published (IngressReady not True) → steps planned from the time the first step took, next step scheduled',
    objects: [
      route(LATEST, {
        annotations: { 'serving.knative.dev/rollout-duration': '60s' },
        status: rolloutStatus(`{"configurations":[{"configurationName":"web","percent":100,"revisions":[{"revisionName":"web-00001","percent":99},{"revisionName":"web-00002","percent":1}],"stepParams":{"starttime":${NOW_NS - 3_200_000_000}}}]}`,
          'Unknown', [['web-00001', 99], ['web-00002', 1]]),
      }),
      config('web-00002', 'True', { 'serving.knative.dev/routes': 'web' }),
      activeRev('web-00001'), activeRev('web-00002'), placeholder('web'),
    ],
    key: 'default/web',
    want: ['update routes/status default/web'],
    check: (actions, _emu, ctl) => {
      const st = written(actions, 'update routes/status');
      // runtime.md §6's example: the first step took 3.2 s → 4 s steps, 56 s left → 14 steps of 7 %
      expect(JSON.parse(st.status.annotations[ROLLOUT]).configurations[0].stepParams).toEqual({
        starttime: NOW_NS - 3_200_000_000, nextStepTime: NOW_NS + 4e9, stepDuration: 4e9, stepSize: 7,
      });
      expect(st.status.traffic.map((t: any) => t.percent)).toEqual([99, 1]);
      expect(ctl.scheduledRequeues()).toEqual([{ kind: 'Route', key: 'default/web', due: Date.parse(NOW) + 4000 }]);
    },
  },
  {
    name: 'config-network rollout-duration (no annotation): a due step moves 7 % and schedules the next',
    objects: [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-network', namespace: 'knative-serving' }, data: { 'rollout-duration': '60' } } as any,
      route(LATEST, {
        status: rolloutStatus(`{"configurations":[{"configurationName":"web","percent":100,"revisions":[{"revisionName":"web-00001","percent":92},{"revisionName":"web-00002","percent":8}],"stepParams":{"starttime":${NOW_NS - 7_200_000_000},"nextStepTime":${NOW_NS},"stepDuration":4000000000,"stepSize":7}}]}`,
          'Unknown', [['web-00001', 92], ['web-00002', 8]]),
      }),
      config('web-00002', 'True', { 'serving.knative.dev/routes': 'web' }),
      activeRev('web-00001'), activeRev('web-00002'), placeholder('web'),
    ],
    key: 'default/web',
    want: ['update routes/status default/web'],
    check: (actions, _emu, ctl) => {
      const st = written(actions, 'update routes/status');
      expect(st.status.traffic.map((t: any) => [t.revisionName, t.percent])).toEqual([['web-00001', 85], ['web-00002', 15]]);
      expect(JSON.parse(st.status.annotations[ROLLOUT]).configurations[0].stepParams.nextStepTime).toBe(NOW_NS + 4e9);
      expect(ctl.scheduledRequeues()).toEqual([{ kind: 'Route', key: 'default/web', due: Date.parse(NOW) + 4000 }]);
    },
  },
  {
    name: 'no rollout-duration: the split is applied at once and the desired state recorded as the baseline; an earlier version\'s note is removed',
    objects: [
      route(LATEST, {
        status: withNote(rolloutStatus('{"configurations":[{"configurationName":"web","percent":100,"revisions":[{"revisionName":"web-00001","percent":99},{"revisionName":"web-00002","percent":1}],"stepParams":{"starttime":5}}]}',
          'Unknown', [['web-00001', 99], ['web-00002', 1]])),
      }),
      config('web-00002', 'True', { 'serving.knative.dev/routes': 'web' }),
      activeRev('web-00001'), activeRev('web-00002'), placeholder('web'),
    ],
    key: 'default/web',
    want: ['update revisions default/web-00001', 'update routes/status default/web'],
    check: (actions) => {
      const st = written(actions, 'update routes/status');
      expect(st.status.traffic).toEqual([{ revisionName: 'web-00002', latestRevision: true, percent: 100 }]);
      // the ingress still serves the previous split
      expect(condOf(st, 'IngressReady')).toMatchObject({ status: 'Unknown', reason: 'Uninitialized', message: expect.stringContaining('ingress-stand-in: serves another version') });
      expect(Object.keys(st.status.annotations)).toEqual([ROLLOUT]);
      expect(st.status.annotations[ROLLOUT]).toBe('{"configurations":[{"configurationName":"web","percent":100,"revisions":[{"revisionName":"web-00002","percent":100}],"stepParams":{}}]}');
    },
    thenConverges: { want: ['update routes/status default/web'], check: (actions) => expect(condOf(written(actions, 'update routes/status'), 'Ready')?.status).toBe('True') },
  },
  {
    name: 'unusable rollout state (revision percents do not add up) → discarded, the new revision gets its percent at once',
    objects: [
      route(LATEST, {
        annotations: { 'serving.knative.dev/rollout-duration': '120s' },
        status: rolloutStatus('{"configurations":[{"configurationName":"web","percent":100,"revisions":[{"revisionName":"web-00001","percent":90}],"stepParams":{}}]}', 'True', [['web-00001', 100]]),
      }),
      config('web-00002', 'True', { 'serving.knative.dev/routes': 'web' }),
      activeRev('web-00001'), activeRev('web-00002'), placeholder('web'),
    ],
    key: 'default/web',
    want: ['update revisions default/web-00001', 'update routes/status default/web'],
    check: (actions) => {
      const st = written(actions, 'update routes/status');
      expect(st.status.traffic).toEqual([{ revisionName: 'web-00002', latestRevision: true, percent: 100 }]);
      // the ingress still serves the previous split
      expect(condOf(st, 'IngressReady')).toMatchObject({ status: 'Unknown', reason: 'Uninitialized', message: expect.stringContaining('ingress-stand-in: serves another version') });
    },
  },
  {
    name: 'placeholder Service not owned → IngressReady False NotOwned',
    objects: [route(LATEST), config('web-00001', 'True', { 'serving.knative.dev/routes': 'web' }),
      rev('web-00001', true, { labels: { 'serving.knative.dev/routingState': 'active' }, annotations: { 'serving.knative.dev/routes': 'web' } }), placeholder('web', false)],
    key: 'default/web',
    wantErr: /not owned/,
    want: ['update routes/status default/web'],
    check: (actions) => {
      expect(condOf(written(actions, 'update routes/status'), 'IngressReady')).toMatchObject({
        status: 'False', reason: 'NotOwned', message: 'There is an existing placeholder Service/Endpoint "web" that we do not own.',
      });
    },
  },
  {
    name: 'stale tag placeholder deleted; unreferenced revision released to reserve',
    objects: [route(LATEST, {
      status: readyStatus(1, ['AllTrafficAssigned', 'IngressReady', 'CertificateProvisioned'], {
        url: 'http://web.default.svc.cluster.local',
        address: { url: 'http://web.default.svc.cluster.local' },
        traffic: [{ revisionName: 'web-00002', latestRevision: true, percent: 100 }],
      }),
    }),
    config('web-00002', 'True', { 'serving.knative.dev/routes': 'web' }),
    rev('web-00001', true, { labels: { 'serving.knative.dev/routingState': 'active' }, annotations: { 'serving.knative.dev/routes': 'web' } }),
    rev('web-00002', true, { labels: { 'serving.knative.dev/routingState': 'active' }, annotations: { 'serving.knative.dev/routes': 'web' } }),
    placeholder('web'), placeholder('old-web')],
    key: 'default/web',
    want: ['delete services default/old-web', 'update revisions default/web-00001', 'update routes/status default/web'],
    check: (actions) => {
      const r = written(actions, 'update revisions');
      expect(r.metadata.labels['serving.knative.dev/routingState']).toBe('reserve');
      expect(r.metadata.annotations['serving.knative.dev/routes']).toBeUndefined();
      expect(r.metadata.annotations['serving.knative.dev/routingStateModified']).toBe(NOW);
    },
  },
  {
    name: 'invalid traffic (sums to 50) → AllTrafficAssigned False InvalidSpec; a new generation still marks IngressReady Unknown IngressNotConfigured first',
    objects: [route([{ configurationName: 'web', latestRevision: true, percent: 50 }]), config('web-00001')],
    admission: false,
    key: 'default/web',
    want: ['update routes/status default/web'],
    check: (actions) => {
      const st = written(actions, 'update routes/status');
      expect(condOf(st, 'AllTrafficAssigned')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
      expect(condOf(st, 'AllTrafficAssigned').message).toMatch(/traffic/);
      expect(condOf(st, 'IngressReady')).toMatchObject({ status: 'Unknown', reason: 'IngressNotConfigured' });
      expect(st.status.url).toBeUndefined();
    },
  },
  // ---- induced failures (Knative's WithReactors rows): an error, upstream's conditions, then convergence
  {
    name: 'placeholder Service create fails (500) → error; traffic assigned, IngressReady Unknown IngressNotConfigured; the next reconcile creates it',
    objects: [domainConfigMap('example.com'), route(LATEST), config('web-00001', 'True', { 'serving.knative.dev/routes': 'web' }), rev('web-00001', true, { labels: { 'serving.knative.dev/routingState': 'pending' } })],
    key: 'default/web',
    withReactors: [induceFailure('create', 'services')],
    wantErr: /injected failure: create services/,
    want: ['create services default/web → 500', 'update routes/status default/web'],
    check: (actions) => {
      const st = written(actions, 'update routes/status');
      expect(condOf(st, 'AllTrafficAssigned')?.status).toBe('True');
      expect(condOf(st, 'IngressReady')).toMatchObject({ status: 'Unknown', reason: 'IngressNotConfigured' });
      expect(condOf(st, 'Ready')?.status).toBe('Unknown');
      expect(st.status.traffic).toEqual([{ revisionName: 'web-00001', latestRevision: true, percent: 100 }]);
    },
    thenConverges: {
      want: ['create services default/web', 'update revisions default/web-00001', 'update routes/status default/web'],
      check: (actions) => expect(condOf(written(actions, 'update routes/status'), 'Ready')?.status).toBe('True'),
    },
  },
  {
    name: 'placeholder Service drift repair answered 409 Conflict → error; the next reconcile points it back at the ingress, keeping foreign labels',
    objects: [route(LATEST), config('web-00001', 'True', { 'serving.knative.dev/routes': 'web' }),
      rev('web-00001', true, { labels: { 'serving.knative.dev/routingState': 'active' }, annotations: { 'serving.knative.dev/routes': 'web' } }),
      (() => {
        const p: any = placeholder('web');
        p.spec.externalName = 'elsewhere.example.com';
        p.metadata.labels.team = 'a';
        return p;
      })()],
    key: 'default/web',
    withReactors: [induceFailure('update', 'services', 409)],
    wantErr: /Operation cannot be fulfilled|conflict/i,
    want: ['update services default/web → 409', 'update routes/status default/web'],
    thenConverges: {
      want: ['update services default/web', 'update routes/status default/web'],
      check: (actions) => {
        const p = written(actions, 'update services');
        expect(p.spec.externalName).toBe('serving-ingress-internal.knative-serving.svc.cluster.local');
        expect(p.metadata.labels).toEqual({ 'serving.knative.dev/route': 'web', 'team': 'a' });
      },
    },
  },
  {
    name: 'stale placeholder delete fails (500) → error; the next reconcile deletes it',
    objects: [route(LATEST), config('web-00001', 'True', { 'serving.knative.dev/routes': 'web' }),
      rev('web-00001', true, { labels: { 'serving.knative.dev/routingState': 'active' }, annotations: { 'serving.knative.dev/routes': 'web' } }),
      placeholder('web'), placeholder('old-web')],
    key: 'default/web',
    withReactors: [induceFailure('delete', 'services')],
    wantErr: /injected failure: delete services/,
    want: ['delete services default/old-web → 500', 'update routes/status default/web'],
    thenConverges: { want: ['delete services default/old-web', 'update routes/status default/web'] },
  },
  {
    name: 'labeler update of the Revision answered 409 Conflict → error; the next reconcile labels it',
    objects: [route(LATEST), config('web-00001', 'True', { 'serving.knative.dev/routes': 'web' }),
      rev('web-00001', true, { labels: { 'serving.knative.dev/routingState': 'pending' } }), placeholder('web')],
    key: 'default/web',
    withReactors: [induceFailure('update', 'revisions', 409)],
    wantErr: /Operation cannot be fulfilled|conflict/i,
    want: ['update revisions default/web-00001 → 409', 'update routes/status default/web'],
    thenConverges: {
      // and IngressReady turns True: the failed reconcile's status is served by now
      want: ['update revisions default/web-00001', 'update routes/status default/web'],
      check: (actions) => {
        expect(written(actions, 'update revisions').metadata.labels['serving.knative.dev/routingState']).toBe('active');
        expect(condOf(written(actions, 'update routes/status'), 'IngressReady')?.status).toBe('True');
      },
    },
  },
  {
    name: 'status update answered 409 Conflict → error; the next reconcile writes the status',
    objects: [route(LATEST), config('web-00001', 'True', { 'serving.knative.dev/routes': 'web' }),
      rev('web-00001', true, { labels: { 'serving.knative.dev/routingState': 'active' }, annotations: { 'serving.knative.dev/routes': 'web' } }), placeholder('web')],
    key: 'default/web',
    withReactors: [induceFailure('status', 'routes', 409)],
    wantErr: /Operation cannot be fulfilled|conflict/i,
    want: ['update routes/status default/web → 409'],
    thenConverges: {
      want: ['update routes/status default/web'],
      // the status that failed was never served, so the Route is not Ready yet
      check: (actions) => {
        expect(written(actions, 'update routes/status').status.traffic).toEqual([{ revisionName: 'web-00001', latestRevision: true, percent: 100 }]);
        expect(condOf(written(actions, 'update routes/status'), 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Uninitialized' });
      },
    },
  },
  ...ingressProbeRows(),
]);

/**
 * IngressReady means served: a Route whose status already holds its current routing (so the
 * reconcile writes no new traffic), probed through fixed answers of two replicas.
 */
function ingressProbeRows(): Parameters<typeof runTable>[1] {
  const traffic = [{ revisionName: 'web-00001', latestRevision: true, percent: 100 }];
  const status = {
    observedGeneration: 1,
    url: 'http://web.default.svc.cluster.local',
    address: { url: 'http://web.default.svc.cluster.local' },
    traffic,
    annotations: { [ROLLOUT]: BASELINE },
    conditions: [{ type: 'IngressReady', status: 'Unknown', reason: 'Uninitialized', message: 'Waiting for load balancer to be ready', lastTransitionTime: NOW }],
  };
  const world = () => [route(LATEST, { status }), config('web-00001', 'True', { 'serving.knative.dev/routes': 'web' }), activeRev('web-00001'), placeholder('web')];
  // What an ingress computes from that status (its own function, not the controller's).
  const current = routingDigest(routingFromStatus(route(LATEST, { status }) as RouteObject, defaultServingConfig()));
  const older = routingDigest(routingFromStatus(route(LATEST, { status: { ...status, traffic: [{ revisionName: 'web-00000', percent: 100 }] } }) as RouteObject, defaultServingConfig()));
  const answers = (...a: Array<{ replica: string; digest?: string; error?: string }>) => (): IngressProber => ({ probe: async () => a });
  const ingressCond = (actions: any[]) => condOf(written(actions, 'update routes/status'), 'IngressReady');
  return [
    {
      name: 'IngressReady: every replica serves the current routing → True, nothing scheduled',
      objects: world(),
      key: 'default/web',
      ingressProber: answers({ replica: '10.0.0.2:9000', digest: current }, { replica: '10.0.0.3:9000', digest: current }),
      want: ['update routes/status default/web'],
      check: (actions, _emu, ctl) => {
        expect(ingressCond(actions)).toMatchObject({ status: 'True' });
        expect(condOf(written(actions, 'update routes/status'), 'Ready')?.status).toBe('True');
        expect(ctl.scheduledRequeues()).toEqual([]);
      },
    },
    {
      name: 'IngressReady: one replica serves an older version → Unknown Uninitialized naming it, probed again in 50 ms',
      objects: world(),
      key: 'default/web',
      ingressProber: answers({ replica: '10.0.0.3:9000', digest: older }, { replica: '10.0.0.2:9000', digest: current }),
      want: ['update routes/status default/web'],
      check: (actions, _emu, ctl) => {
        expect(ingressCond(actions)).toMatchObject({
          status: 'Unknown',
          reason: 'Uninitialized',
          message: 'Waiting for load balancer to be ready: 1 of 2 ingress replicas serve the current routing (10.0.0.3:9000: serves another version).',
        });
        expect(condOf(written(actions, 'update routes/status'), 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Uninitialized' });
        expect(ctl.scheduledRequeues()).toEqual([{ kind: 'Route', key: 'default/web', due: Date.parse(NOW) + 50 }]);
      },
    },
    {
      name: 'IngressReady: no ready ingress replica → Unknown, the message says so',
      objects: world(),
      key: 'default/web',
      ingressProber: answers(),
      want: ['update routes/status default/web'],
      check: (actions, _emu, ctl) => {
        expect(ingressCond(actions)).toMatchObject({ status: 'Unknown', reason: 'Uninitialized', message: 'Waiting for load balancer to be ready: no ready ingress replica to probe.' });
        expect(ctl.scheduledRequeues()).toHaveLength(1);
      },
    },
    {
      name: 'IngressReady: a replica without the route and a failed probe → Unknown naming both; the reconcile does not fail',
      objects: world(),
      key: 'default/web',
      ingressProber: answers({ replica: '10.0.0.2:9000' }, { replica: '10.0.0.3:9000', error: 'ECONNREFUSED' }),
      want: ['update routes/status default/web'],
      check: (actions) => expect(ingressCond(actions)).toMatchObject({
        status: 'Unknown',
        message: 'Waiting for load balancer to be ready: 0 of 2 ingress replicas serve the current routing (10.0.0.2:9000: route not loaded; 10.0.0.3:9000: probe failed: ECONNREFUSED).',
      }),
    },
    {
      name: 'IngressReady: a prober that throws → Unknown with the error; the reconcile does not fail',
      objects: world(),
      key: 'default/web',
      ingressProber: () => ({ probe: async () => { throw new Error('boom'); } }),
      want: ['update routes/status default/web'],
      check: (actions) => expect(ingressCond(actions)).toMatchObject({ status: 'Unknown', reason: 'Uninitialized', message: 'ingress probe failed: boom' }),
    },
    {
      name: 'rollout just published but a replica still serves the previous split → no step parameters yet, probed again in 50 ms',
      objects: [
        route(LATEST, {
          annotations: { 'serving.knative.dev/rollout-duration': '60s' },
          status: rolloutStatus(`{"configurations":[{"configurationName":"web","percent":100,"revisions":[{"revisionName":"web-00001","percent":99},{"revisionName":"web-00002","percent":1}],"stepParams":{"starttime":${NOW_NS - 3_200_000_000}}}]}`,
            'Unknown', [['web-00001', 99], ['web-00002', 1]]),
        }),
        config('web-00002', 'True', { 'serving.knative.dev/routes': 'web' }),
        activeRev('web-00001'), activeRev('web-00002'), placeholder('web'),
      ],
      key: 'default/web',
      ingressProber: answers({ replica: '10.0.0.2:9000', digest: older }),
      // nothing to write: the state and the split stay as published
      want: [],
      check: (_actions, _emu, ctl) => expect(ctl.scheduledRequeues()).toEqual([{ kind: 'Route', key: 'default/web', due: Date.parse(NOW) + 50 }]),
    },
  ];
}

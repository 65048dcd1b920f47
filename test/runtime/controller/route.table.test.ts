import { NOW, domainConfigMap } from './harness';
import { READY_REVISION_STATUS, condOf, induceFailure, owner, readyStatus, revisionFixture, runTable, uid, written, TEMPLATE } from './table';
import type { KubeObject } from '../../../src/core/types';

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
    name: 'all traffic assigned: placeholder Service, status url/address/traffic, Ready True; labeler marks the revision',
    objects: [domainConfigMap('example.com'), route(LATEST), config('web-00001', 'True', { 'serving.knative.dev/routes': 'web' }), rev('web-00001', true, { labels: { 'serving.knative.dev/routingState': 'pending' } })],
    key: 'default/web',
    want: ['create services default/web', 'update revisions default/web-00001', 'update routes/status default/web'],
    check: (actions) => {
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
      expect(st.conditions.map((c: any) => [c.type, c.status, c.reason ?? ''])).toEqual([
        ['AllTrafficAssigned', 'True', ''], ['CertificateProvisioned', 'True', 'TLSNotEnabled'], ['IngressReady', 'True', ''], ['Ready', 'True', ''],
      ]);
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
    name: 'rollout-duration requested → applied at once, reported as not supported',
    objects: [route(LATEST, { annotations: { 'serving.knative.dev/rollout-duration': '120s' } }), config('web-00001', 'True', { 'serving.knative.dev/routes': 'web' }),
      rev('web-00001', true, { labels: { 'serving.knative.dev/routingState': 'active' }, annotations: { 'serving.knative.dev/routes': 'web' } }), placeholder('web')],
    key: 'default/web',
    want: ['update routes/status default/web'],
    check: (actions) => {
      const st = written(actions, 'update routes/status');
      expect(condOf(st, 'IngressReady')).toMatchObject({ status: 'True', reason: 'GradualRolloutNotSupported' });
      expect(condOf(st, 'IngressReady').message).toMatch(/rollout-duration 120s requested, but gradual rollout is not supported by this runtime/);
      expect(condOf(st, 'Ready')?.status).toBe('True');
      expect(st.status.annotations['serving.knative.dev/rollout-duration-unsupported']).toMatch(/not supported/);
      expect(st.status.traffic).toEqual([{ revisionName: 'web-00001', latestRevision: true, percent: 100 }]);
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
      want: ['update revisions default/web-00001'],
      check: (actions) => expect(written(actions, 'update revisions').metadata.labels['serving.knative.dev/routingState']).toBe('active'),
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
      check: (actions) => expect(condOf(written(actions, 'update routes/status'), 'Ready')?.status).toBe('True'),
    },
  },
]);

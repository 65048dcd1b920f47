import { READY_REVISION_STATUS, TEMPLATE, condOf, induceFailure, owner, readyStatus, revisionFixture, runTable, uid, written } from './table';
import type { KubeObject } from '../../../src/core/types';
import { makeConfiguration, makeRoute } from '../../../src/runtime/controller/resources/service';

const svc = (extra: any = {}, status?: any): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', uid: uid('Service', 'web'), generation: 1, ...extra.metadata },
  spec: { template: extra.template ?? TEMPLATE, traffic: extra.traffic ?? [{ latestRevision: true, percent: 100 }] },
  ...(status ? { status } : {}),
});

/** The child the Service reconciler would create (`make`), as stored: uid, generation 1, optional status. */
const child = (make: (s: any) => KubeObject) => (s: KubeObject, status?: any, mutate?: (o: any) => void): KubeObject => {
  const o: any = make(s);
  o.metadata.uid = uid(o.kind, 'web');
  o.metadata.generation = 1;
  if (status) o.status = status;
  mutate?.(o);
  return o;
};
const config = child(makeConfiguration);
const route = child(makeRoute);
const rev = (name: string, gen: number, ready = true): KubeObject =>
  revisionFixture(name, { gen, labels: { 'serving.knative.dev/service': 'web' }, status: ready ? READY_REVISION_STATUS : undefined });

const S = svc();
const cfgReady = readyStatus(1, [], { latestCreatedRevisionName: 'web-00001', latestReadyRevisionName: 'web-00001' });
const routeReady = readyStatus(1, ['AllTrafficAssigned', 'IngressReady', 'CertificateProvisioned'], {
  url: 'http://web.default.svc.cluster.local',
  address: { url: 'http://web.default.svc.cluster.local' },
  traffic: [{ revisionName: 'web-00001', latestRevision: true, percent: 100 }],
});

runTable('Service', [
  {
    name: 'new service: creates Configuration and Route, both out of date',
    objects: [S],
    key: 'default/web',
    want: ['create configurations default/web', 'create routes default/web', 'update services/status default/web'],
    wantEvents: ['Normal Created Service/web: Created Configuration "web"', 'Normal Created Service/web: Created Route "web"'],
    check: (actions) => {
      const c = written(actions, 'create configurations');
      expect(c.metadata.labels).toEqual({ 'serving.knative.dev/service': 'web', 'serving.knative.dev/serviceUID': uid('Service', 'web') });
      expect(c.metadata.annotations['serving.knative.dev/routes']).toBe('web');
      expect(c.metadata.ownerReferences).toEqual([{ ...owner('Service', 'web') }]);
      const r = written(actions, 'create routes');
      expect(r.spec.traffic).toEqual([{ configurationName: 'web', latestRevision: true, percent: 100 }]);
      const st = written(actions, 'update services/status');
      expect(condOf(st, 'ConfigurationsReady')).toMatchObject({ status: 'Unknown', reason: 'OutOfDate' });
      expect(condOf(st, 'RoutesReady')).toMatchObject({ status: 'Unknown', reason: 'OutOfDate' });
      expect(st.status.observedGeneration).toBe(1);
    },
  },
  {
    name: 'labels and annotations propagate to Configuration and Route; last-applied is dropped from both, rollout-duration kept only on the Route',
    objects: [svc({ metadata: { labels: { team: 'a' }, annotations: { 'serving.knative.dev/rollout-duration': '60s', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'note': 'x' } } })],
    key: 'default/web',
    want: ['create configurations default/web', 'create routes default/web', 'update services/status default/web'],
    check: (actions) => {
      const c = written(actions, 'create configurations');
      expect(c.metadata.annotations).toEqual({ 'note': 'x', 'serving.knative.dev/routes': 'web' });
      expect(c.metadata.labels.team).toBe('a');
      const r = written(actions, 'create routes');
      expect(r.metadata.annotations).toEqual({ 'note': 'x', 'serving.knative.dev/rollout-duration': '60s' });
      expect(r.metadata.labels).toEqual({ 'team': 'a', 'serving.knative.dev/service': 'web' });
    },
  },
  {
    name: 'existing Configuration not owned → ConfigurationsReady False NotOwned, error',
    objects: [S, config(S, undefined, (c) => { delete c.metadata.ownerReferences; delete c.metadata.labels; })],
    key: 'default/web',
    wantErr: /not owned/,
    want: ['update services/status default/web'],
    wantEvents: ['Warning InternalError Service/web: Configuration "web" is not owned by Service default/web (it has no controller)'],
    check: (actions) => {
      const st = written(actions, 'update services/status');
      expect(condOf(st, 'ConfigurationsReady')).toMatchObject({ status: 'False', reason: 'NotOwned', message: 'There is an existing Configuration "web" that we do not own.' });
      expect(condOf(st, 'Ready')).toMatchObject({ status: 'False', reason: 'NotOwned' });
    },
  },
  {
    name: 'existing Route not owned → RoutesReady False NotOwned',
    objects: [S, config(S, cfgReady), route(S, undefined, (r) => { delete r.metadata.ownerReferences; delete r.metadata.labels; })],
    key: 'default/web',
    wantErr: /not owned/,
    want: ['update services/status default/web'],
    check: (actions) => {
      expect(condOf(written(actions, 'update services/status'), 'RoutesReady')).toMatchObject({ status: 'False', reason: 'NotOwned', message: 'There is an existing Route "web" that we do not own.' });
    },
  },
  {
    name: 'an out-of-band Configuration edit (image, extra label) is overwritten from the Service',
    objects: [S, config(S, cfgReady, (c) => { c.spec.template.spec.containers[0].image = 'evil:1'; c.metadata.labels.extra = 'x'; }), route(S, routeReady)],
    key: 'default/web',
    want: ['update configurations default/web', 'update services/status default/web'],
    wantEvents: ['Normal Updated Service/web: Updated Configuration "web"'],
    check: (actions) => {
      const c = written(actions, 'update configurations');
      expect(c.spec.template.spec.containers[0].image).toBe('gcr.io/example/app:1');
      expect(c.metadata.labels.extra).toBeUndefined();
    },
  },
  {
    name: 'children ready → status mirrored, Ready True',
    objects: [S, config(S, cfgReady), route(S, routeReady), rev('web-00001', 1)],
    key: 'default/web',
    want: ['update services/status default/web'],
    check: (actions) => {
      const st = written(actions, 'update services/status').status;
      expect(st).toMatchObject({
        latestCreatedRevisionName: 'web-00001',
        latestReadyRevisionName: 'web-00001',
        url: 'http://web.default.svc.cluster.local',
        address: { url: 'http://web.default.svc.cluster.local' },
        traffic: [{ revisionName: 'web-00001', latestRevision: true, percent: 100 }],
        observedGeneration: 1,
      });
      expect(st.conditions.map((c: any) => [c.type, c.status])).toEqual([['ConfigurationsReady', 'True'], ['Ready', 'True'], ['RoutesReady', 'True']]);
    },
  },
  {
    name: 'route ready but traffic not migrated to the latest ready revision → RoutesReady Unknown TrafficNotMigrated',
    objects: [S, config(S, { ...cfgReady, latestCreatedRevisionName: 'web-00002', latestReadyRevisionName: 'web-00002' }), route(S, routeReady)],
    key: 'default/web',
    want: ['update services/status default/web'],
    check: (actions) => {
      const st = written(actions, 'update services/status');
      expect(condOf(st, 'RoutesReady')).toMatchObject({ status: 'Unknown', reason: 'TrafficNotMigrated', message: 'Traffic is not yet migrated to the latest revision.' });
      expect(condOf(st, 'Ready')?.status).toBe('Unknown');
    },
  },
  {
    name: 'configuration failed → ConfigurationsReady False with its reason',
    objects: [S, config(S, { observedGeneration: 1, latestCreatedRevisionName: 'web-00001', conditions: [{ type: 'Ready', status: 'False', reason: 'RevisionFailed', message: 'Revision "web-00001" failed with message: boom.' }] }), route(S)],
    key: 'default/web',
    want: ['update services/status default/web'],
    check: (actions) => {
      const st = written(actions, 'update services/status');
      expect(condOf(st, 'ConfigurationsReady')).toMatchObject({ status: 'False', reason: 'RevisionFailed' });
      expect(condOf(st, 'RoutesReady')).toMatchObject({ status: 'Unknown', reason: 'OutOfDate' });
    },
  },
  {
    name: 'BYO revision name taken by a Revision of another Configuration → RoutesReady False RevisionNameTaken',
    objects: (() => {
      const s = svc({ template: { metadata: { name: 'web-v2' }, spec: TEMPLATE.spec } });
      const other: any = rev('web-v2', 1);
      other.metadata.ownerReferences = [{ ...owner('Configuration', 'other') }];
      return [s, config(s, { ...cfgReady }), other];
    })(),
    key: 'default/web',
    want: ['update services/status default/web'],
    check: (actions) => {
      expect(condOf(written(actions, 'update services/status'), 'RoutesReady')).toMatchObject({
        status: 'False', reason: 'RevisionNameTaken', message: 'The revision name "web-v2" is taken by a conflicting Revision, so traffic will not be migrated',
      });
    },
  },
  {
    name: 'steady state: nothing to write',
    objects: (() => {
      const st = readyStatus(1, ['ConfigurationsReady', 'RoutesReady'], {
        latestCreatedRevisionName: 'web-00001', latestReadyRevisionName: 'web-00001', url: routeReady.url, address: routeReady.address, traffic: routeReady.traffic,
      });
      const s = svc({}, st);
      return [s, config(s, cfgReady), route(s, routeReady)];
    })(),
    key: 'default/web',
    want: [],
  },
  {
    name: 'invalid traffic (sums to 50) → ConfigurationsReady False InvalidSpec, no children, no error',
    objects: [svc({ traffic: [{ latestRevision: true, percent: 50 }] })],
    key: 'default/web',
    want: ['update services/status default/web'],
    check: (actions) => {
      const st = written(actions, 'update services/status');
      expect(condOf(st, 'ConfigurationsReady')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
      expect(condOf(st, 'ConfigurationsReady').message).toMatch(/traffic/);
      expect(condOf(st, 'Ready')?.status).toBe('False');
    },
  },
  // ---- induced failures (Knative's WithReactors rows): an error, upstream's conditions, then convergence
  {
    name: 'Configuration create fails (500) → error, no Route attempted; the next reconcile creates both',
    objects: [S],
    key: 'default/web',
    withReactors: [induceFailure('create', 'configurations')],
    wantErr: /injected failure: create configurations/,
    want: ['create configurations default/web → 500', 'update services/status default/web'],
    check: (actions) => {
      const st = written(actions, 'update services/status');
      for (const t of ['ConfigurationsReady', 'RoutesReady', 'Ready']) expect(condOf(st, t)?.status).toBe('Unknown');
      expect(st.status.observedGeneration).toBe(1);
    },
    thenConverges: { want: ['create configurations default/web', 'create routes default/web', 'update services/status default/web'] },
  },
  {
    name: 'Route create fails (500) → error after the Configuration status was mirrored; the next reconcile creates the Route',
    objects: [S, config(S, cfgReady), rev('web-00001', 1)],
    key: 'default/web',
    withReactors: [induceFailure('create', 'routes')],
    wantErr: /injected failure: create routes/,
    want: ['create routes default/web → 500', 'update services/status default/web'],
    check: (actions) => {
      const st = written(actions, 'update services/status');
      expect(condOf(st, 'ConfigurationsReady')?.status).toBe('True');
      expect(condOf(st, 'RoutesReady')?.status).toBe('Unknown');
      expect(st.status.latestReadyRevisionName).toBe('web-00001');
    },
    thenConverges: {
      want: ['create routes default/web', 'update services/status default/web'],
      check: (actions) => expect(condOf(written(actions, 'update services/status'), 'RoutesReady')).toMatchObject({ status: 'Unknown', reason: 'OutOfDate' }),
    },
  },
  {
    name: 'Configuration drift repair answered 409 Conflict → error; the next reconcile repairs it (new generation → ConfigurationsReady OutOfDate)',
    objects: [S, config(S, cfgReady, (c) => { c.spec.template.spec.containers[0].image = 'evil:1'; }), route(S, routeReady), rev('web-00001', 1)],
    key: 'default/web',
    withReactors: [induceFailure('update', 'configurations', 409)],
    wantErr: /Operation cannot be fulfilled|conflict/i,
    want: ['update configurations default/web → 409', 'update services/status default/web'],
    check: (actions) => expect(condOf(written(actions, 'update services/status'), 'Ready')?.status).toBe('Unknown'),
    thenConverges: {
      want: ['update configurations default/web', 'update services/status default/web'],
      check: (actions) => {
        expect(written(actions, 'update configurations').spec.template.spec.containers[0].image).toBe('gcr.io/example/app:1');
        expect(condOf(written(actions, 'update services/status'), 'ConfigurationsReady')).toMatchObject({ status: 'Unknown', reason: 'OutOfDate' });
      },
    },
  },
  {
    name: 'Route drift repair fails (500) → error; the next reconcile repairs the traffic',
    objects: [S, config(S, cfgReady), route(S, routeReady, (r) => { r.spec.traffic = [{ revisionName: 'web-00001', percent: 100 }]; }), rev('web-00001', 1)],
    key: 'default/web',
    withReactors: [induceFailure('update', 'routes')],
    wantErr: /injected failure: update routes/,
    want: ['update routes default/web → 500', 'update services/status default/web'],
    thenConverges: {
      want: ['update routes default/web', 'update services/status default/web'],
      check: (actions) => expect(written(actions, 'update routes').spec.traffic).toEqual([{ configurationName: 'web', latestRevision: true, percent: 100 }]),
    },
  },
  {
    name: 'status update fails (500) → error; the next reconcile writes the status',
    objects: [S, config(S, cfgReady), route(S, routeReady), rev('web-00001', 1)],
    key: 'default/web',
    withReactors: [induceFailure('status', 'ksvc')],
    wantErr: /injected failure: update services\/status/,
    want: ['update services/status default/web → 500'],
    thenConverges: {
      want: ['update services/status default/web'],
      check: (actions) => expect(condOf(written(actions, 'update services/status'), 'Ready')?.status).toBe('True'),
    },
  },
  {
    name: 'deleted key → no-op',
    objects: [],
    key: 'default/gone',
    want: [],
  },
]);

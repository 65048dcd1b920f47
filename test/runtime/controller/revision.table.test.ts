import { TEMPLATE, condOf, induceFailure, owner, runTable, uid, written } from './table';
import { defaultServingConfig } from '../../../src/core/config';
import type { KubeObject } from '../../../src/core/types';
import { makeDeployment, makeHpa, makeRevisionService } from '../../../src/runtime/controller/resources/revision';

const rev = (extra: any = {}): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Revision',
  metadata: {
    name: 'web-00001',
    namespace: 'default',
    generation: 1,
    uid: extra.uid ?? uid('Revision', 'web-00001'),
    ownerReferences: [owner('Configuration', 'web')],
    labels: { 'serving.knative.dev/configuration': 'web', 'serving.knative.dev/configurationGeneration': '1', 'serving.knative.dev/service': 'web', 'serving.knative.dev/routingState': 'active' },
    annotations: extra.annotations ?? {},
  },
  spec: extra.spec ?? TEMPLATE.spec,
  ...(extra.status ? { status: extra.status } : {}),
});

const depStatus = (available: number, conds: any[] = []) => ({
  observedGeneration: 1, replicas: available, readyReplicas: available, availableReplicas: available, updatedReplicas: available, conditions: conds,
});


const children = (r: KubeObject, status: any, mutate?: (d: any) => void): KubeObject[] => {
  const d: any = makeDeployment(r as any, defaultServingConfig());
  d.status = status;
  mutate?.(d);
  return [d, makeRevisionService(r as any)];
};

const R0 = rev();

/** A pod of `r`'s Deployment (labels of its pod template) with the given status. */
const revisionPod = (r: KubeObject, status: any): KubeObject => {
  const d: any = makeDeployment(r as any, defaultServingConfig());
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${d.metadata.name}-5f7c9-abcde`, namespace: 'default', labels: d.spec.template.metadata.labels, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: d.spec.template.spec,
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }], ...status },
  };
};

runTable('Revision', [
  {
    name: 'creates Deployment and ClusterIP Service; conditions Unknown Deploying',
    objects: [R0],
    key: 'default/web-00001',
    want: ['create deployments default/web-00001-deployment', 'create services default/web-00001', 'update revisions/status default/web-00001'],
    wantEvents: ['Normal Created Revision/web-00001: Created Deployment "web-00001-deployment"', 'Normal Created Revision/web-00001: Created Service "web-00001"'],
    check: (actions) => {
      const d = written(actions, 'create deployments');
      expect(d.metadata.ownerReferences).toEqual([{ ...owner('Revision', 'web-00001') }]);
      expect(d.spec.selector).toEqual({ matchLabels: { 'serving.knative.dev/revisionUID': uid('Revision', 'web-00001') } });
      expect(d.spec.template.metadata.labels).toMatchObject({ 'serving.knative.dev/revision': 'web-00001', 'app': 'web-00001', 'serving.knative.dev/service': 'web' });
      expect(d.spec.template.metadata.labels['serving.knative.dev/routingState']).toBeUndefined();
      expect(d.spec.replicas).toBe(1);
      expect(d.spec.progressDeadlineSeconds).toBe(600);
      const c = d.spec.template.spec.containers[0];
      expect(c.ports).toEqual([{ name: 'user-port', containerPort: 8080, protocol: 'TCP' }]);
      expect(c.env).toEqual([
        { name: 'PORT', value: '8080' }, { name: 'K_REVISION', value: 'web-00001' },
        { name: 'K_CONFIGURATION', value: 'web' }, { name: 'K_SERVICE', value: 'web' },
      ]);
      expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(300);
      const s = written(actions, 'create services');
      expect(s.spec).toMatchObject({ type: 'ClusterIP', selector: { 'serving.knative.dev/revisionUID': uid('Revision', 'web-00001') }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
      const st = written(actions, 'update revisions/status');
      for (const t of ['ResourcesAvailable', 'ContainerHealthy', 'Ready']) expect(condOf(st, t)).toMatchObject({ status: 'Unknown', reason: 'Deploying' });
      expect(st.status.observedGeneration).toBe(1);
    },
  },
  {
    name: 'user port 9000: PORT env, the port-less httpGet probe and the Service targetPort all use 9000',
    objects: [rev({ spec: { ...TEMPLATE.spec, containers: [{ ...TEMPLATE.spec.containers[0], ports: [{ containerPort: 9000 }], readinessProbe: { httpGet: { path: '/healthz' } } }] } })],
    key: 'default/web-00001',
    want: ['create deployments default/web-00001-deployment', 'create services default/web-00001', 'update revisions/status default/web-00001'],
    check: (actions) => {
      const c = written(actions, 'create deployments').spec.template.spec.containers[0];
      expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 9000 });
      expect(c.env[0]).toEqual({ name: 'PORT', value: '9000' });
      expect(written(actions, 'create services').spec.ports[0]).toMatchObject({ port: 80, targetPort: 9000 });
    },
  },
  {
    name: 'scale annotations: initial-scale 3 capped by max-scale 2 → 2 replicas; max-scale not copied to the Deployment',
    objects: [rev({ annotations: { 'autoscaling.knative.dev/initial-scale': '3', 'autoscaling.knative.dev/max-scale': '2' } })],
    key: 'default/web-00001',
    want: ['create deployments default/web-00001-deployment', 'create services default/web-00001', 'update revisions/status default/web-00001'],
    check: (actions) => {
      const d = written(actions, 'create deployments');
      expect(d.spec.replicas).toBe(2);
      expect(d.metadata.annotations['autoscaling.knative.dev/max-scale']).toBeUndefined();
    },
  },
  {
    name: 'scale annotations: min-scale 4 floors initial-scale → 4 replicas',
    objects: [rev({ annotations: { 'autoscaling.knative.dev/min-scale': '4' } })],
    key: 'default/web-00001',
    want: ['create deployments default/web-00001-deployment', 'create services default/web-00001', 'update revisions/status default/web-00001'],
    check: (actions) => expect(written(actions, 'create deployments').spec.replicas).toBe(4),
  },
  {
    name: 'HPA class: creates an autoscaling/v2 HPA (cpu, target, min/max)',
    objects: [rev({ annotations: { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'cpu', 'autoscaling.knative.dev/target': '70', 'autoscaling.knative.dev/min-scale': '2', 'autoscaling.knative.dev/max-scale': '6' } })],
    key: 'default/web-00001',
    want: ['create deployments default/web-00001-deployment', 'create services default/web-00001', 'create horizontalpodautoscalers default/web-00001', 'update revisions/status default/web-00001'],
    check: (actions) => {
      const hpa = written(actions, 'create horizontalpodautoscalers');
      expect(hpa.spec).toEqual({
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-00001-deployment' },
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      });
    },
  },
  {
    name: 'HPA class with memory metric: AverageValue in Mi',
    objects: [rev({ annotations: { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'memory', 'autoscaling.knative.dev/target': '200' } })],
    key: 'default/web-00001',
    want: ['create deployments default/web-00001-deployment', 'create services default/web-00001', 'create horizontalpodautoscalers default/web-00001', 'update revisions/status default/web-00001'],
    check: (actions) => {
      expect(written(actions, 'create horizontalpodautoscalers').spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } } }]);
    },
  },
  {
    name: 'HPA class with a metric other than cpu/memory: no workload, no HPA, ResourcesAvailable False UnsupportedMetric (the synth-time error)',
    objects: [rev({ annotations: { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'rps', 'autoscaling.knative.dev/target': '100' } })],
    key: 'default/web-00001',
    want: ['update revisions/status default/web-00001'],
    check: (actions) => {
      const st = written(actions, 'update revisions/status');
      const c = condOf(st, 'ResourcesAvailable');
      expect(c).toMatchObject({ status: 'False', reason: 'UnsupportedMetric' });
      expect(c.message).toContain('metadata.annotations.autoscaling.knative.dev/metric');
      expect(c.message).toContain('"rps"');
      expect(c.message).toContain('KPA class');
      expect(condOf(st, 'Ready')).toMatchObject({ status: 'False', reason: 'UnsupportedMetric' });
    },
  },
  {
    name: 'Deployment available → Ready True, replicas reported',
    objects: [R0, ...children(R0, depStatus(1, [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }, { type: 'Available', status: 'True' }]))],
    key: 'default/web-00001',
    want: ['update revisions/status default/web-00001'],
    wantEvents: ['Normal RevisionReady Revision/web-00001: Revision becomes ready upon all resources being ready'],
    check: (actions) => {
      const st = written(actions, 'update revisions/status');
      expect(st.status).toMatchObject({ actualReplicas: 1, desiredReplicas: 1, containerStatuses: [{ name: 'user-container' }] });
      for (const t of ['ResourcesAvailable', 'ContainerHealthy', 'Ready', 'Active']) expect(condOf(st, t)?.status).toBe('True');
      expect(condOf(st, 'Active').severity).toBe('Info');
    },
  },
  {
    name: 'Deployment progress deadline exceeded → ResourcesAvailable False',
    objects: [R0, ...children(R0, depStatus(0, [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "x" has timed out progressing.' }]))],
    key: 'default/web-00001',
    want: ['update revisions/status default/web-00001'],
    check: (actions) => {
      const st = written(actions, 'update revisions/status');
      expect(condOf(st, 'ResourcesAvailable')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
      expect(condOf(st, 'Ready')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    },
  },
  {
    name: 'a pod of the revision waits in ImagePullBackOff → ResourcesAvailable False at once (core/revision-health), before the progress deadline',
    objects: [R0, ...children(R0, depStatus(0, [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }])), revisionPod(R0, {
      containerStatuses: [{ name: 'user-container', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "gcr.io/x/nope:1"' } } }],
    })],
    key: 'default/web-00001',
    want: ['update revisions/status default/web-00001'],
    check: (actions) => {
      const st = written(actions, 'update revisions/status');
      const want = { status: 'False', reason: 'ImagePullBackOff', message: 'Container "user-container": Back-off pulling image "gcr.io/x/nope:1"' };
      expect(condOf(st, 'ResourcesAvailable')).toMatchObject(want);
      expect(condOf(st, 'Ready')).toMatchObject(want);
      expect(condOf(st, 'ContainerHealthy')).toMatchObject({ status: 'Unknown', reason: 'Deploying' });
    },
  },
  {
    name: 'a pod of another revision is not read (pods are matched by the revision UID label)',
    objects: [R0, ...children(R0, depStatus(0, [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }])), revisionPod(rev({ uid: 'other' }), {
      containerStatuses: [{ name: 'user-container', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'x' } } }],
    })],
    key: 'default/web-00001',
    want: ['update revisions/status default/web-00001'],
    check: (actions) => {
      expect(condOf(written(actions, 'update revisions/status'), 'ResourcesAvailable')).toMatchObject({ status: 'Unknown', reason: 'Deploying' });
    },
  },
  {
    name: 'a crashing container of the revision → ContainerHealthy False ExitCode<N> with its termination message',
    objects: [R0, ...children(R0, depStatus(0, [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }])), revisionPod(R0, {
      containerStatuses: [{
        name: 'user-container',
        ready: false,
        restartCount: 3,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=user-container' } },
        lastState: { terminated: { exitCode: 2, reason: 'Error', message: 'missing DATABASE_URL' } },
      }],
    })],
    key: 'default/web-00001',
    want: ['update revisions/status default/web-00001'],
    check: (actions) => {
      const st = written(actions, 'update revisions/status');
      expect(condOf(st, 'ContainerHealthy')).toMatchObject({ status: 'False', reason: 'ExitCode2', message: 'Container "user-container" failed with: missing DATABASE_URL' });
      expect(condOf(st, 'Ready')).toMatchObject({ status: 'False', reason: 'ExitCode2' });
    },
  },
  {
    name: 'Deployment not owned → ResourcesAvailable False NotOwned, error',
    objects: [R0, ...children(R0, depStatus(1), (d) => { d.metadata.ownerReferences = []; })],
    key: 'default/web-00001',
    wantErr: /not owned/,
    want: ['update revisions/status default/web-00001'],
    check: (actions) => {
      expect(condOf(written(actions, 'update revisions/status'), 'ResourcesAvailable')).toMatchObject({
        status: 'False', reason: 'NotOwned', message: 'There is an existing Deployment "web-00001-deployment" that we do not own.',
      });
    },
  },
  {
    name: 'Deployment drifted (image changed out of band) → updated back',
    objects: [R0, ...children(R0, depStatus(1), (d) => { d.spec.template.spec.containers[0].image = 'evil:1'; })],
    key: 'default/web-00001',
    want: ['update deployments default/web-00001-deployment', 'update revisions/status default/web-00001'],
    check: (actions) => expect(written(actions, 'update deployments').spec.template.spec.containers[0].image).toBe('gcr.io/example/app:1'),
  },
  {
    name: 'ClusterIP Service not owned → ResourcesAvailable False NotOwned, error',
    objects: [R0, ...children(R0, depStatus(1), undefined).map((o) => (o.kind === 'Service' ? { ...o, metadata: { ...o.metadata, ownerReferences: [owner('Route', 'web')] } } : o))],
    key: 'default/web-00001',
    wantErr: /^Service "web-00001" is not owned by Revision default\/web-00001 \(controlled by Route web\)$/,
    want: ['update revisions/status default/web-00001'],
    check: (actions) => {
      expect(condOf(written(actions, 'update revisions/status'), 'ResourcesAvailable')).toMatchObject({
        status: 'False', reason: 'NotOwned', message: 'There is an existing Service "web-00001" that we do not own.',
      });
    },
  },
  {
    name: 'HPA not owned → ResourcesAvailable False NotOwned, error',
    objects: (() => {
      const r = rev({ annotations: { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev' } });
      const hpa: any = makeHpa(r as any, defaultServingConfig());
      hpa.metadata.ownerReferences = [];
      return [r, ...children(r, depStatus(1)), hpa];
    })(),
    key: 'default/web-00001',
    wantErr: /not owned/,
    want: ['update revisions/status default/web-00001'],
    check: (actions) => {
      expect(condOf(written(actions, 'update revisions/status'), 'ResourcesAvailable')).toMatchObject({
        status: 'False', reason: 'NotOwned', message: 'There is an existing HorizontalPodAutoscaler "web-00001" that we do not own.',
      });
    },
  },
  {
    name: 'invalid spec (no containers) → ResourcesAvailable False InvalidSpec naming the field, no children, no error',
    objects: [rev({ spec: { ...TEMPLATE.spec, containers: [] } })],
    key: 'default/web-00001',
    want: ['update revisions/status default/web-00001'],
    check: (actions) => {
      const st = written(actions, 'update revisions/status');
      expect(condOf(st, 'ResourcesAvailable')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
      expect(condOf(st, 'ResourcesAvailable').message).toMatch(/containers/);
      expect(condOf(st, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    },
  },
  // ---- induced failures (Knative's WithReactors rows): an error, upstream's conditions, then convergence
  {
    name: 'Deployment create fails (500) → error; ResourcesAvailable/ContainerHealthy Unknown Deploying as upstream; the next reconcile creates everything',
    objects: [R0],
    key: 'default/web-00001',
    withReactors: [induceFailure('create', 'deployments')],
    wantErr: /injected failure: create deployments/,
    want: ['create deployments default/web-00001-deployment → 500', 'update revisions/status default/web-00001'],
    wantEvents: [
      'Warning CreationFailed Revision/web-00001: Failed to create Deployment "web-00001-deployment": injected failure: create deployments default/',
      'Warning InternalError Revision/web-00001: injected failure: create deployments default/',
    ],
    check: (actions) => {
      const st = written(actions, 'update revisions/status');
      for (const t of ['ResourcesAvailable', 'ContainerHealthy', 'Ready']) expect(condOf(st, t)).toMatchObject({ status: 'Unknown', reason: 'Deploying' });
      expect(st.status.observedGeneration).toBe(1);
    },
    thenConverges: {
      want: ['create deployments default/web-00001-deployment', 'create services default/web-00001', 'update revisions/status default/web-00001'],
      check: (actions) => expect(condOf(written(actions, 'update revisions/status'), 'Active')).toMatchObject({ status: 'Unknown', reason: 'Deploying' }),
    },
  },
  {
    name: 'ClusterIP Service create fails (500) after the Deployment was created → error; the next reconcile creates only the Service',
    objects: [R0],
    key: 'default/web-00001',
    withReactors: [induceFailure('create', 'services')],
    wantErr: /injected failure: create services/,
    want: ['create deployments default/web-00001-deployment', 'create services default/web-00001 → 500', 'update revisions/status default/web-00001'],
    check: (actions) => expect(condOf(written(actions, 'update revisions/status'), 'ResourcesAvailable')).toMatchObject({ status: 'Unknown', reason: 'Deploying' }),
    thenConverges: { want: ['create services default/web-00001', 'update revisions/status default/web-00001'] },
  },
  {
    name: 'Deployment drift repair answered 409 Conflict → error, conditions not propagated; the next reconcile repairs it and is Ready',
    objects: [R0, ...children(R0, depStatus(1), (d) => { d.spec.template.spec.containers[0].image = 'evil:1'; })],
    key: 'default/web-00001',
    withReactors: [induceFailure('update', 'deployments', 409)],
    wantErr: /Operation cannot be fulfilled|conflict/i,
    want: ['update deployments default/web-00001-deployment → 409', 'update revisions/status default/web-00001'],
    // a conflict is routine: no UpdateFailed, no InternalError
    wantEvents: [],
    check: (actions) => expect(condOf(written(actions, 'update revisions/status'), 'Ready')).toMatchObject({ status: 'Unknown' }),
    thenConverges: {
      want: ['update deployments default/web-00001-deployment', 'update revisions/status default/web-00001'],
      check: (actions) => {
        expect(written(actions, 'update deployments').spec.template.spec.containers[0].image).toBe('gcr.io/example/app:1');
        expect(condOf(written(actions, 'update revisions/status'), 'Ready')?.status).toBe('True');
      },
    },
  },
  {
    name: 'HPA no longer wanted (class changed back): its delete fails (500) → error; the next reconcile deletes it',
    objects: [R0, ...children(R0, depStatus(1)), makeHpa(R0 as any, defaultServingConfig())],
    key: 'default/web-00001',
    withReactors: [induceFailure('delete', 'horizontalpodautoscalers')],
    wantErr: /injected failure: delete horizontalpodautoscalers/,
    want: ['delete horizontalpodautoscalers default/web-00001 → 500', 'update revisions/status default/web-00001'],
    thenConverges: { want: ['delete horizontalpodautoscalers default/web-00001', 'update revisions/status default/web-00001'] },
  },
  {
    name: 'status update answered 409 Conflict → error; the next reconcile writes the status',
    objects: [R0, ...children(R0, depStatus(1))],
    key: 'default/web-00001',
    withReactors: [induceFailure('status', 'revisions', 409)],
    wantErr: /Operation cannot be fulfilled|conflict/i,
    want: ['update revisions/status default/web-00001 → 409'],
    thenConverges: {
      want: ['update revisions/status default/web-00001'],
      check: (actions) => expect(condOf(written(actions, 'update revisions/status'), 'Ready')?.status).toBe('True'),
    },
  },
]);

describe('makeDeployment progress deadline', () => {
  test.each([
    ['90s', 90],
    ['1m30s', 90],
    ['1h', 3600],
  ])('serving.knative.dev/progress-deadline %s → %d seconds', (value, seconds) => {
    const d: any = makeDeployment(rev({ annotations: { 'serving.knative.dev/progress-deadline': value } }) as any, defaultServingConfig());
    expect(d.spec.progressDeadlineSeconds).toBe(seconds);
  });

  test('without the annotation the cluster config-deployment default applies', () => {
    const cfg = defaultServingConfig();
    cfg.deployment.progressDeadlineSeconds = 120;
    const d: any = makeDeployment(R0 as any, cfg);
    expect(d.spec.progressDeadlineSeconds).toBe(120);
  });
});

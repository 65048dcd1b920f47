/**
 * Cluster tier: revisions that explain themselves, on a real kube-apiserver. A Service whose image
 * the played kubelet cannot pull (ErrImagePull, then ImagePullBackOff 1 s later, as the kubelet
 * reports it): its Revision turns `ResourcesAvailable=False ErrImagePull`, then `ImagePullBackOff`,
 * with the container name and the
 * kubelet's message, seconds after the pod reported it and long before the progress deadline
 * (600 s). `pod_failure_detect_s` (pod status ImagePullBackOff seen → Revision False seen, both
 * through watches on the API server) goes to `npm run e2e`'s RESULT line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stopAndDiagnose } from './lifecycle';
import { record } from './record';
import { Reflector } from './reflector';
import { Stack, SYSTEM_NAMESPACE } from './stack';
import { controllerRules } from '../../src/control-plane/rbac-rules';
import { TestRegistry } from '../support/registry';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start();
}, 240_000);

stopAndDiagnose(() => stack);

const IMAGE = 'registry.example.com/team/not-pullable:1';

describe('revision failures', () => {
  test('ImagePullBackOff: the Revision turns ResourcesAvailable=False ImagePullBackOff within seconds of the pod reporting it', async () => {
    const file = path.join(stack.work, 'broken.yaml');
    fs.writeFileSync(file, JSON.stringify({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: 'broken', namespace: 'default' },
      spec: { template: { metadata: { name: 'broken-00001' }, spec: { containers: [{ name: 'app', image: IMAGE }] } } },
    }));
    // Watch the revision's pods and the Revision on the API server, timestamping what each shows first.
    let podBackOffAt: number | undefined;
    let revFalseAt: number | undefined;
    let revBackOffAt: number | undefined;
    let firstFalse: any;
    let revCondition: any;
    const kc = stack.cluster.kubeConfig('admin');
    const pods = new Reflector(kc, {
      path: '/api/v1/namespaces/default/pods',
      labelSelector: 'serving.knative.dev/revision=broken-00001',
      onEvent: (_type, pod) => {
        const waiting = (pod.status?.containerStatuses ?? []).find((c: any) => c.name === 'app')?.state?.waiting;
        if (waiting?.reason === 'ImagePullBackOff' && podBackOffAt === undefined) podBackOffAt = Date.now();
      },
    }).start();
    const revs = new Reflector(kc, {
      path: '/apis/serving.knative.dev/v1/namespaces/default/revisions',
      onEvent: (_type, rev) => {
        if (rev.metadata.name !== 'broken-00001') return;
        const c = (rev.status?.conditions ?? []).find((x: any) => x.type === 'ResourcesAvailable');
        if (c?.status === 'False' && revFalseAt === undefined) {
          revFalseAt = Date.now();
          firstFalse = c;
        }
        if (c?.status === 'False' && c.reason === 'ImagePullBackOff' && revBackOffAt === undefined) {
          revBackOffAt = Date.now();
          revCondition = c;
        }
      },
    }).start();
    try {
      await Promise.all([pods.hasSynced, revs.hasSynced]);
      const applied = Date.now();
      await stack.apply([file]);
      await stack.until('Revision broken-00001 ResourcesAvailable False ImagePullBackOff', async () => revBackOffAt !== undefined && podBackOffAt !== undefined, 90_000);
      // The kubelet's first report (ErrImagePull) already fails the Revision; then its back-off.
      expect(firstFalse).toMatchObject({
        status: 'False',
        reason: 'ErrImagePull',
        message: `Container "app": image "${IMAGE}" is not one the cluster test harness can run (see test/cluster/images.ts)`,
      });
      expect(revCondition).toMatchObject({
        status: 'False',
        reason: 'ImagePullBackOff',
        message: `Container "app": Back-off pulling image "${IMAGE}"`,
      });
      const detect = Math.max(0, revBackOffAt! - podBackOffAt!) / 1000;
      // eslint-disable-next-line no-console
      console.log(`pod_failure_detect_s=${detect.toFixed(2)} (apply → Revision False ErrImagePull ${((revFalseAt! - applied) / 1000).toFixed(2)} s, `
        + `apply → pod ImagePullBackOff ${((podBackOffAt! - applied) / 1000).toFixed(2)} s)`);
      expect(detect).toBeLessThanOrEqual(10);
      record({ type: 'revision-failures', pod_failure_detect_s: Number(detect.toFixed(2)) });

      // Ready and the Service follow (RevisionFailed), well before the 600 s progress deadline.
      const rev = await stack.getJson(['revision', '-n', 'default', 'broken-00001']);
      expect(rev.spec.containers[0].name).toBe('app');
      expect((rev.status.conditions ?? []).find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ImagePullBackOff' });
      const dep = await stack.getJson(['deployment', '-n', 'default', 'broken-00001-deployment']);
      expect(dep.spec.progressDeadlineSeconds).toBe(600);
      const ksvc = await stack.until('ksvc broken reports the failed revision', async () => {
        const s = await stack.getJson(['ksvc', '-n', 'default', 'broken']);
        const ready = (s.status?.conditions ?? []).find((c: any) => c.type === 'ConfigurationsReady');
        return ready?.status === 'False' && ready.message?.includes('Back-off pulling image') ? ready : undefined;
      }, 30_000);
      expect(ksvc).toMatchObject({
        reason: 'RevisionFailed',
        message: `Revision "broken-00001" failed with message: Container "app": Back-off pulling image "${IMAGE}".`,
      });
    } finally {
      pods.stop();
      revs.stop();
    }
  });

  test('Events: kubectl get events shows the controller\'s Events on the right objects, each (object, reason, note) once', async () => {
    const want = [
      'Normal Created Service/broken: Created Configuration "broken"',
      'Normal Created Service/broken: Created Route "broken"',
      'Normal Created Configuration/broken: Created Revision "broken-00001"',
      'Normal Created Revision/broken-00001: Created Deployment "broken-00001-deployment"',
      'Normal Created Revision/broken-00001: Created Service "broken-00001"',
      'Warning LatestCreatedFailed Configuration/broken: Latest created revision "broken-00001" has failed',
    ];
    // `kubectl get events` reads core/v1 Events: the events.k8s.io/v1 Events we write, through the other API.
    const events = await stack.until('the controller\'s Events', async () => {
      const list = (await stack.getJson(['events', '-n', 'default'])).items
        .filter((e: any) => e.reportingComponent === 'knative.dev/serving-controller' || e.source?.component === 'knative.dev/serving-controller');
      const lines: string[] = list.map((e: any) => `${e.type} ${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message}`);
      return want.every((w) => lines.includes(w)) ? { list, lines } : undefined;
    }, 30_000);
    expect(new Set(events.lines).size).toBe(events.lines.length);
    const created = events.list.find((e: any) => e.reason === 'Created' && e.involvedObject.kind === 'Revision');
    const rev = await stack.getJson(['revision', '-n', 'default', 'broken-00001']);
    expect(created.involvedObject).toMatchObject({ apiVersion: 'serving.knative.dev/v1', namespace: 'default', uid: rev.metadata.uid });
    // `kubectl describe` lists them under the object.
    const described = await stack.cluster.kubectlOk(['describe', 'revision', '-n', 'default', 'broken-00001']);
    expect(described).toMatch(/Normal\s+Created\s+.*Created Deployment "broken-00001-deployment"/);
    // eslint-disable-next-line no-console
    console.log(`controller Events in default: ${events.lines.length}\n${events.lines.join('\n')}`);
  });
});

// Last in this file: it turns tag-to-digest resolution on for the controller of this stack.
describe('tag-to-digest resolution', () => {
  let registry: TestRegistry | undefined;
  afterAll(async () => {
    await registry?.stop();
  });

  test('with RESOLVE_DIGESTS=true the Revision\'s Deployment runs the digest a real registry (docker-registry on loopback) returned', async () => {
    registry = await TestRegistry.start();
    const digest = await registry.push('knative-samples/helloworld-go', 'v1', 'cluster-tier');
    // What `controller: { resolveDigests: true }` adds to the control plane (the full-stack chart
    // installed here leaves it off): the controller's extra RBAC rules, then its env.
    const extra = controllerRules('lease', 'secrets-role', true).filter((r) => !controllerRules('lease', 'secrets-role')
      .some((b) => JSON.stringify(b) === JSON.stringify(r)));
    expect(extra.map((r) => `${r.resources.join(',')} ${r.verbs.join(',')}`)).toEqual(['serviceaccounts,secrets get']);
    const rbacFile = path.join(stack.work, 'digest-rbac.yaml');
    fs.writeFileSync(rbacFile, [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'serving-controller-digests' },
        rules: extra.map((r) => ({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs })),
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'serving-controller-digests' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'serving-controller-digests' },
        subjects: [{ kind: 'ServiceAccount', name: 'serving-controller', namespace: SYSTEM_NAMESPACE }],
      },
    ].map((o) => JSON.stringify(o)).join('\n---\n'));
    await stack.apply([rbacFile]);
    await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'set', 'env', 'deployment/serving-controller', 'RESOLVE_DIGESTS=true']);
    await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'rollout', 'status', 'deployment/serving-controller', '--timeout=120s']);
    const image = `${registry.host}/knative-samples/helloworld-go:v1`;
    const file = path.join(stack.work, 'pinned.yaml');
    fs.writeFileSync(file, JSON.stringify({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: 'pinned', namespace: 'default' },
      spec: { template: { metadata: { name: 'pinned-00001' }, spec: { containers: [{ image, env: [{ name: 'TARGET', value: 'digest' }] }] } } },
    }));
    await stack.apply([file]);
    const rev = await stack.until('Revision pinned-00001 Ready', async () => {
      const r = await stack.getJson(['revision', '-n', 'default', 'pinned-00001']);
      return (r.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.status === 'True' ? r : undefined;
    }, 120_000);
    const pinned = `${registry.host}/knative-samples/helloworld-go@${digest}`;
    const dep = await stack.getJson(['deployment', '-n', 'default', 'pinned-00001-deployment']);
    const running = dep.spec.template.spec.containers[0].image;
    record({ type: 'digest', digest_pinned: running === pinned && rev.status.containerStatuses?.[0]?.imageDigest === pinned });
    expect(rev.status.containerStatuses).toEqual([{ name: 'user-container', imageDigest: pinned }]);
    expect(running).toBe(pinned);
    // The pod the kubelet runs has the digest reference too.
    const pods = await stack.getJson(['pods', '-n', 'default', '-l', 'serving.knative.dev/revision=pinned-00001']);
    expect(pods.items.map((p: any) => p.spec.containers[0].image)).toEqual([pinned]);
    // The controller read its ServiceAccount under that rule: no 403.
    expect(stack.forbidden()).toEqual([]);
  });
});

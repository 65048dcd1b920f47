/**
 * Emulator behaviours the cluster tier found on a real kube-apiserver / kube-controller-manager
 * (v1.37.2, test/cluster): each test pins what the real server did, so the emulator keeps agreeing.
 * The last test pins a known limitation the cluster tier's comparison lists
 * (test/cluster/emulator-replay.ts KNOWN_LIMITATIONS).
 */
import { Clients, deployment, failure, merge, startWithClients } from './helpers';

let c: Clients;
afterEach(async () => {
  await c?.api.stop();
});

const available = (d: any): boolean => d?.status?.conditions?.find((x: any) => x.type === 'Available')?.status === 'True'
  && d.status.observedGeneration === d.metadata.generation;
const REVISION = 'deployment.kubernetes.io/revision';

test('the deployment controller numbers pod templates in deployment.kubernetes.io/revision, written through /status (no generation bump)', async () => {
  c = await startWithClients({ simulateWorkloads: { delayMs: 5, readyDelayMs: 5 } });
  await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web', 'default', 'nginx:1.27', 1) });
  let d = await c.api.waitFor('deployments', 'default', 'web', available, 3000);
  expect(d!.metadata.annotations).toEqual({ [REVISION]: '1' });
  expect(d!.metadata.generation).toBe(1);
  expect(d!.status.terminatingReplicas).toBe(0);

  const image = (img: string) => ({ spec: { template: { spec: { containers: [{ name: 'web', image: img }] } } } });
  await c.apps.patchNamespacedDeployment({ name: 'web', namespace: 'default', body: image('nginx:1.28') }, merge);
  d = await c.api.waitFor('deployments', 'default', 'web', (x) => available(x) && x!.metadata.annotations?.[REVISION] === '2', 3000);
  expect(d!.metadata.generation).toBe(2);
  // back to the first template: it becomes the newest revision again, as a rollback does
  await c.apps.patchNamespacedDeployment({ name: 'web', namespace: 'default', body: image('nginx:1.27') }, merge);
  d = await c.api.waitFor('deployments', 'default', 'web', (x) => available(x) && x!.metadata.annotations?.[REVISION] === '3', 3000);
  expect(d!.metadata.generation).toBe(3);
});

test('Deployments: an annotation change bumps the generation, a label change does not', async () => {
  c = await startWithClients();
  await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web', 'default', 'nginx:1.27', 1) });
  let d = await c.apps.patchNamespacedDeployment({ name: 'web', namespace: 'default', body: { metadata: { labels: { team: 'a' } } } }, merge);
  expect(d.metadata!.generation).toBe(1);
  d = await c.apps.patchNamespacedDeployment({ name: 'web', namespace: 'default', body: { metadata: { annotations: { note: 'x' } } } }, merge);
  expect(d.metadata!.generation).toBe(2);
});

test('a /status write keeps the annotations it sends (and, except on apps workloads, the labels); on a custom resource only status changes', async () => {
  c = await startWithClients({ admission: false });
  await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web', 'default', 'nginx:1.27', 1) });
  const cur = await c.apps.readNamespacedDeployment({ name: 'web', namespace: 'default' });
  const written = await c.apps.replaceNamespacedDeploymentStatus({
    name: 'web',
    namespace: 'default',
    body: { ...cur, metadata: { ...cur.metadata, annotations: { [REVISION]: '1' }, labels: { changed: 'yes' } }, status: { observedGeneration: 1 } },
  });
  expect(written.metadata!.annotations).toEqual({ [REVISION]: '1' });
  expect(written.metadata!.labels).toEqual(cur.metadata!.labels);
  expect(written.metadata!.generation).toBe(1);

  await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' } } });
  const svc = await c.core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } } });
  const s2 = await c.core.replaceNamespacedServiceStatus({ name: 's', namespace: 'default', body: { ...svc, metadata: { ...svc.metadata, labels: { l: '1' }, annotations: { a: '1' } } } });
  expect(s2.metadata).toMatchObject({ labels: { l: '1' }, annotations: { a: '1' } });

  const ksvc = await c.custom.createNamespacedCustomObject({
    group: 'serving.knative.dev',
    version: 'v1',
    namespace: 'default',
    plural: 'services',
    body: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'k' }, spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
  }) as any;
  const k2 = await c.custom.replaceNamespacedCustomObjectStatus({
    group: 'serving.knative.dev',
    version: 'v1',
    namespace: 'default',
    plural: 'services',
    name: 'k',
    body: { ...ksvc, metadata: { ...ksvc.metadata, annotations: { a: '1' } }, status: { observedGeneration: 1 } },
  }) as any;
  expect(k2.metadata.annotations).toBeUndefined();
  expect(k2.status).toEqual({ observedGeneration: 1 });
});

test('empty labels/annotations maps are stored as absent (Go omitempty), in metadata and in a pod template', async () => {
  c = await startWithClients({ admission: false });
  const body = deployment('web', 'default', 'nginx:1.27', 1);
  body.metadata = { ...body.metadata, annotations: {} };
  body.spec!.template.metadata = { ...body.spec!.template.metadata, annotations: {} };
  const d = await c.apps.createNamespacedDeployment({ namespace: 'default', body });
  expect(d.metadata!.annotations).toBeUndefined();
  expect(d.spec!.template.metadata!.annotations).toBeUndefined();
  const route = await c.custom.createNamespacedCustomObject({
    group: 'serving.knative.dev',
    version: 'v1',
    namespace: 'default',
    plural: 'routes',
    body: { apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: { name: 'r', labels: {}, annotations: {} }, spec: {} },
  }) as any;
  expect(route.metadata.labels).toBeUndefined();
  expect(route.metadata.annotations).toBeUndefined();
  // an update that only adds `{}` is a no-op (no new resourceVersion)
  const again = await c.apps.replaceNamespacedDeployment({ name: 'web', namespace: 'default', body: { ...d, metadata: { ...d.metadata, labels: d.metadata!.labels, annotations: {} } } });
  expect(again.metadata!.resourceVersion).toBe(d.metadata!.resourceVersion);
});

test('an env var with an empty value is stored without `value` (Go omitempty), as in a Revision\'s Deployment of a bare Configuration (K_SERVICE "")', async () => {
  c = await startWithClients();
  const body = deployment('web', 'default', 'nginx:1.27', 1);
  body.spec!.template.spec!.containers[0].env = [{ name: 'K_SERVICE', value: '' }, { name: 'FOO', value: 'bar' }];
  const d = await c.apps.createNamespacedDeployment({ namespace: 'default', body });
  expect(c.api.get('deployments', 'default', 'web')!.spec.template.spec.containers[0].env).toEqual([{ name: 'K_SERVICE' }, { name: 'FOO', value: 'bar' }]);
  void d;
});

describe('Lease renewTime/acquireTime are metav1.MicroTime: exactly six fractional digits', () => {
  const lease = (t: string) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'l' },
    spec: { holderIdentity: 'x', leaseDurationSeconds: 15, renewTime: t as any, acquireTime: t as any },
  });
  // The real API server's answers (kube-apiserver v1.37.2), word for word.
  test.each([
    ['2026-01-01T00:00:00.123Z', 'cannot parse ".123Z" as ".000000"'],
    ['2026-01-01T00:00:00Z', 'cannot parse "Z" as ".000000"'],
    ['2026-01-01T00:00:00.123456789Z', 'cannot parse "789Z" as "Z07:00"'],
    ['nonsense', 'cannot parse "nonsense" as "2006"'],
  ])('%s → 400', async (t, tail) => {
    c = await startWithClients();
    const f = await failure(() => rawCreateLease(c, lease(t)));
    expect(f.code).toBe(400);
    expect(f.body.reason).toBe('BadRequest');
    expect(f.body.message).toBe(`Lease in version "v1" cannot be handled as a Lease: parsing time "${t}" as "2006-01-02T15:04:05.000000Z07:00": ${tail}`);
  });

  test('six digits are stored in UTC', async () => {
    c = await startWithClients();
    const l = await rawCreateLease(c, lease('2026-01-01T00:00:00.123456+01:00'));
    expect(l.spec.renewTime).toBe('2025-12-31T23:00:00.123456Z');
    expect(l.spec.acquireTime).toBe('2025-12-31T23:00:00.123456Z');
  });
});

/** POST the Lease as JSON as written (the typed client would serialise Date objects itself). */
async function rawCreateLease(cl: Clients, body: unknown): Promise<any> {
  const res = await fetch(`${cl.api.url}/apis/coordination.k8s.io/v1/namespaces/default/leases`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const json = await res.json() as any;
  if (!res.ok) throw Object.assign(new Error(json.message), { code: res.status, body: json });
  return json;
}

test('known limitation: the ReplicaSet a Deployment condition names carries a sha1 of the template, not kube-controller-manager\'s pod-template-hash', async () => {
  // The real deployment controller names the ReplicaSet <deployment>-<pod-template-hash>, an
  // FNV-32a hash of Go's printed PodTemplateSpec in a consonant alphabet (e.g. "75798864d");
  // the emulator models no ReplicaSets and uses 10 hex digits of a sha1 of the template's JSON.
  c = await startWithClients({ simulateWorkloads: { delayMs: 5, readyDelayMs: 5 } });
  await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web', 'default', 'nginx:1.27', 1) });
  const d = await c.api.waitFor('deployments', 'default', 'web', available, 3000);
  const progressing = d!.status.conditions.find((x: any) => x.type === 'Progressing');
  expect(progressing.message).toMatch(/^ReplicaSet "web-[0-9a-f]{10}" has successfully progressed\.$/);
  expect(c.api.list('pods', 'default', 'app=web')[0].metadata.labels!['pod-template-hash']).toMatch(/^[0-9a-f]{10}$/);
});

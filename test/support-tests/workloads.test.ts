/** The simulated kube-controller-manager/kubelet for Deployments. */
import { Clients, deployment, merge, startWithClients } from './helpers';

let c: Clients;
afterEach(async () => {
  await c.api.stop();
});

const available = (d: any) => d?.status?.conditions?.find((x: any) => x.type === 'Available')?.status === 'True'
  && d.status.observedGeneration === d.metadata.generation;

test('a Deployment becomes available after the configured delay, with pods', async () => {
  c = await startWithClients({ simulateWorkloads: { delayMs: 10, readyDelayMs: 10 } });
  await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web', 'default', 'nginx:1.27', 2) });
  const d = await c.api.waitFor('deployments', 'default', 'web', available, 3000);
  expect(d!.status).toMatchObject({ observedGeneration: 1, replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 });
  expect(d!.status.conditions.map((x: any) => `${x.type}=${x.status}:${x.reason}`)).toEqual([
    'Available=True:MinimumReplicasAvailable', 'Progressing=True:NewReplicaSetAvailable',
  ]);
  const pods = c.api.list('pods', 'default', 'app=web');
  expect(pods).toHaveLength(2);
  expect(pods[0].status.phase).toBe('Running');
  expect(pods[0].metadata.ownerReferences![0].name).toBe('web');

  // scale down to zero: no pods, still Available
  await c.apps.patchNamespacedDeployment({ name: 'web', namespace: 'default', body: { spec: { replicas: 0 } } }, merge);
  const zero = await c.api.waitFor('deployments', 'default', 'web', (x) => available(x) && x!.metadata.generation === 2, 3000);
  expect(zero!.status.replicas).toBeUndefined();
  expect(c.api.list('pods', 'default', 'app=web')).toHaveLength(0);

  // deleting the Deployment garbage-collects its pods; status writes of the simulator are not client actions
  await c.apps.patchNamespacedDeployment({ name: 'web', namespace: 'default', body: { spec: { replicas: 1 } } }, merge);
  await c.api.waitFor('deployments', 'default', 'web', (x) => available(x) && x!.metadata.generation === 3, 3000);
  const podName = c.api.list('pods', 'default', 'app=web')[0].metadata.name!;
  await c.apps.deleteNamespacedDeployment({ name: 'web', namespace: 'default' });
  await c.api.waitFor('pods', 'default', podName, (o) => !o, 2000);
  expect(c.api.actions().every((a) => a.resource === 'deployments' && !a.subresource)).toBe(true);
});

test('a crash-looping image never becomes available; its pod carries the waiting reason; deadline exceeded', async () => {
  c = await startWithClients({ simulateWorkloads: { delayMs: 5, readyDelayMs: 5, progressDeadlineMs: 100 } });
  await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('bad', 'default', 'ghcr.io/example/crashloop:1') });
  const d = await c.api.waitFor('deployments', 'default', 'bad', (x) => x?.status?.observedGeneration === 1, 2000);
  expect(d!.status.conditions.find((x: any) => x.type === 'Available').status).toBe('False');
  expect(d!.status.unavailableReplicas).toBe(1);
  const [pod] = c.api.list('pods', 'default', 'app=bad');
  expect(pod.status.containerStatuses[0].state.waiting.reason).toBe('CrashLoopBackOff');
  expect(pod.status.containerStatuses[0].lastState.terminated.exitCode).toBe(1);
  const late = await c.api.waitFor('deployments', 'default', 'bad',
    (x) => x?.status?.conditions?.some((y: any) => y.type === 'Progressing' && y.reason === 'ProgressDeadlineExceeded'), 2000);
  expect(late!.status.conditions.find((x: any) => x.type === 'Available').status).toBe('False');
});

test('a custom failure decision (ErrImagePull for :missing images) shows on the pod and keeps the Deployment unavailable', async () => {
  c = await startWithClients({ simulateWorkloads: { delayMs: 5, readyDelayMs: 5, failure: (img) => (img.endsWith(':missing') ? { reason: 'ErrImagePull', message: 'not found' } : undefined) } });
  await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('x', 'default', 'repo/app:missing') });
  await c.api.waitFor('deployments', 'default', 'x', (d) => d?.status?.observedGeneration === 1, 2000);
  await new Promise((r) => setTimeout(r, 30));
  const [pod] = c.api.list('pods', 'default', 'app=x');
  expect(pod.status.containerStatuses[0].state.waiting.reason).toBe('ErrImagePull');
  expect(available(c.api.get('deployments', 'default', 'x'))).toBe(false);
});

test('without simulateWorkloads, Deployment status is left alone', async () => {
  c = await startWithClients();
  await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web') });
  await new Promise((r) => setTimeout(r, 60));
  expect(c.api.get('deployments', 'default', 'web')!.status).toEqual({});
  expect(c.api.list('pods')).toEqual([]);
});

/**
 * Cluster tier, faults on the real server (one cluster, tests in order):
 * - kube-apiserver restarted in the middle of an automatic rollout (the runtime's watches end;
 *   resuming from their old resourceVersions after the restart gets 410 Gone, so they relist);
 * - the leading controller's pod deleted while a Service is being created (leader election on the
 *   real Lease API hands over to the other replica);
 * - a revision's only pod deleted while requests flow through the ingress: the failed requests
 *   are counted and printed (with one replica there is a gap until the replacement is Ready).
 * Every case must converge with no duplicate Revision, no 403, and no runtime process restart.
 */
import * as path from 'node:path';
import { checkGrayReleaseStep, GRAY_RELEASE_STEPS, get, HOST as STOCK_HOST } from './gray-release';
import { stopAndDiagnose } from './lifecycle';
import { Stack, synthesize, SYSTEM_NAMESPACE } from './stack';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start();
}, 240_000);

stopAndDiagnose(() => stack);

async function ready(name: string, latestReady: string): Promise<any> {
  return stack.until(`ksvc ${name} Ready at ${latestReady}`, async () => {
    const s = await stack.getJson(['ksvc', '-n', 'default', name]);
    const c = (s.status?.conditions ?? []).find((x: any) => x.type === 'Ready');
    return c?.status === 'True' && s.status.observedGeneration === s.metadata.generation && s.status.latestReadyRevisionName === latestReady ? s : undefined;
  }, 120_000);
}

async function runtimePods(): Promise<Array<{ name: string; app: string; restarts: number; ip: string }>> {
  const pods = await stack.getJson(['pods', '-n', SYSTEM_NAMESPACE]);
  return pods.items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => ({
    name: p.metadata.name,
    app: p.metadata.labels['app.kubernetes.io/name'],
    restarts: (p.status.containerStatuses ?? []).reduce((n: number, c: any) => n + c.restartCount, 0),
    ip: p.status.podIP,
  }));
}

describe('fault', () => {
  test('kube-apiserver restart in the middle of an automatic rollout: converges, one new Revision', async () => {
    const steps = synthesize('automatic-rollout', path.join(stack.work, 'automatic-rollout'));
    await stack.apply(steps[0].files);
    await ready('my-service', 'my-service-00001');
    await stack.apply(steps[1].files);
    await stack.cluster.restart('kube-apiserver');
    const svc = await ready('my-service', 'my-service-00002');
    expect(svc.status.traffic).toEqual([{ latestRevision: true, percent: 100, revisionName: 'my-service-00002' }]);
    const revisions = await stack.getJson(['revisions', '-n', 'default', '-l', 'serving.knative.dev/service=my-service']);
    expect(revisions.items.map((r: any) => r.metadata.name).sort()).toEqual(['my-service-00001', 'my-service-00002']);
    const ingress = (await runtimePods()).find((p) => p.app === 'serving-ingress')!;
    await stack.until('my-service answered by 00002', async () => {
      const before = stack.kubelet.requestsServedBy('serving.knative.dev/revision', 'default');
      await get(ingress.ip, 8080, 'my-service.default.example.com');
      const after = stack.kubelet.requestsServedBy('serving.knative.dev/revision', 'default');
      return (after['my-service-00002'] ?? 0) > (before['my-service-00002'] ?? 0);
    }, 30_000);
    // No runtime pod restarted (controller, ingress and webhook: 2 each).
    expect((await runtimePods()).map((p) => p.restarts)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(stack.forbidden()).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(`403s answered while the restarted kube-apiserver was not ready (RBAC caches still empty): ${JSON.stringify(stack.forbidden('only'), null, 1)}`);
  });

  test('the leading controller deleted while a Service is created: the other replica takes the Lease and reconciles', async () => {
    const lease = await stack.getJson(['lease', '-n', SYSTEM_NAMESPACE, 'serving-controller-leader']);
    const leader: string = lease.spec.holderIdentity;
    expect((await runtimePods()).map((p) => p.name)).toContain(leader);
    const steps = synthesize('stock-service-gray-release', path.join(stack.work, 'gray'));
    await stack.apply(steps[0].files);
    await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'delete', 'pod', leader, '--wait=false']);
    await checkGrayReleaseStep(stack, GRAY_RELEASE_STEPS[0].step, GRAY_RELEASE_STEPS[0], { scope: 'fault', name: 'leading controller deleted' });
    const after = await stack.getJson(['lease', '-n', SYSTEM_NAMESPACE, 'serving-controller-leader']);
    expect(after.spec.holderIdentity).not.toBe(leader);
    await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'wait', '--for=condition=Available', 'deployment', '--all', '--timeout=120s']);
    expect(stack.forbidden()).toEqual([]);
  });

  test('a backend pod deleted while requests flow: converges; failed requests are counted', async () => {
    const ingress = (await runtimePods()).find((p) => p.app === 'serving-ingress')!;
    const pods = await stack.getJson(['pods', '-n', 'default', '-l', 'serving.knative.dev/revision=stock-service-example-v1']);
    expect(pods.items).toHaveLength(1);
    const victim: string = pods.items[0].metadata.name;
    const results: Record<string, number> = {};
    let deleted = false;
    const deadline = Date.now() + 60_000;
    let sinceDelete = 0;
    // Bounded: at most 60 s; stops after 50 consecutive successes once the replacement serves.
    let streak = 0;
    while (Date.now() < deadline) {
      const r = await get(ingress.ip, 8080, STOCK_HOST).catch((e: Error) => ({ status: 0, body: e.message }));
      stack.requests.add('fault', 'backend pod deleted under traffic', r.status, 200, r.body.trim().slice(0, 80));
      const key = r.status === 200 ? 'ok' : `status ${r.status}: ${r.body.trim().slice(0, 80)}`;
      results[key] = (results[key] ?? 0) + 1;
      if (!deleted && (results.ok ?? 0) >= 20) {
        deleted = true;
        await stack.cluster.kubectlOk(['delete', 'pod', victim, '--wait=false']);
      }
      if (deleted) {
        sinceDelete++;
        streak = r.status === 200 ? streak + 1 : 0;
        if (sinceDelete > 50 && streak >= 50) break;
      }
      await new Promise((res) => setTimeout(res, 10));
    }
    // eslint-disable-next-line no-console
    console.log(`backend pod deleted under traffic: ${JSON.stringify(results)}`);
    expect(deleted).toBe(true);
    expect(streak).toBeGreaterThanOrEqual(50);
    const now = await stack.getJson(['pods', '-n', 'default', '-l', 'serving.knative.dev/revision=stock-service-example-v1']);
    expect(now.items.map((p: any) => p.metadata.name)).not.toContain(victim);
    expect(stack.forbidden()).toEqual([]);
  });

  test('two controller replicas running with leader election on the real Lease API: only the Lease holder writes', async () => {
    await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'wait', '--for=condition=Available', 'deployment', 'serving-controller', '--timeout=120s']);
    const controllers = (await runtimePods()).filter((p) => p.app === 'serving-controller').map((p) => p.name).sort();
    expect(controllers).toHaveLength(2);
    const holder: string = (await stack.getJson(['lease', '-n', SYSTEM_NAMESPACE, 'serving-controller-leader'])).spec.holderIdentity;
    expect(controllers).toContain(holder);
    const other = controllers.find((c) => c !== holder)!;

    const since = Date.now();
    const steps = synthesize('stock-service-gray-release', path.join(stack.work, 'gray-two-controllers'));
    await stack.apply(steps[1].files);
    await checkGrayReleaseStep(stack, GRAY_RELEASE_STEPS[1].step, GRAY_RELEASE_STEPS[1], { scope: 'fault', name: 'two controllers, one leader' });
    // a few more Lease renewal periods with both replicas running
    await new Promise((r) => setTimeout(r, 5_000));

    // The audit log names the pod each request's bound token belongs to.
    const byPod: Record<string, Record<string, number>> = {};
    for (const ev of stack.cluster.auditEvents()) {
      if (ev.user?.username !== `system:serviceaccount:${SYSTEM_NAMESPACE}:serving-controller`) continue;
      if (Date.parse(ev.requestReceivedTimestamp) < since) continue;
      const pod = ev.user.extra?.['authentication.kubernetes.io/pod-name']?.[0] ?? '(no pod)';
      // A TokenReview is a create that stores nothing: every replica authenticates the ingress's
      // stats pushes (autoscaler/auth.ts), the non-leader too, so it counts as a review, not a write.
      const review = ev.objectRef?.resource === 'tokenreviews';
      const write = !review && ['create', 'update', 'patch', 'delete', 'deletecollection'].includes(ev.verb);
      const key = `${review ? 'review' : write ? 'write' : 'read'} ${ev.objectRef?.resource ?? ev.requestURI}${ev.objectRef?.subresource ? `/${ev.objectRef.subresource}` : ''}`;
      (byPod[pod] ??= {})[key] = (byPod[pod][key] ?? 0) + 1;
    }
    // eslint-disable-next-line no-console
    console.log(`controller requests per pod while ${holder} held the Lease: ${JSON.stringify(byPod, null, 1)}`);
    const writes = (pod: string): string[] => Object.keys(byPod[pod] ?? {}).filter((k) => k.startsWith('write '));
    expect(writes(holder)).toEqual(expect.arrayContaining(['write revisions', 'write deployments', 'write leases']));
    expect(writes(other)).toEqual([]);
    // the other replica was running all along, watching the Lease
    expect(byPod[other]?.['read leases'] ?? 0).toBeGreaterThan(0);
    expect(Object.keys(byPod).sort()).toEqual(controllers.filter((c) => byPod[c]).sort());
    expect((await stack.getJson(['lease', '-n', SYSTEM_NAMESPACE, 'serving-controller-leader'])).spec.holderIdentity).toBe(holder);
    expect(stack.forbidden()).toEqual([]);
  });
});

/**
 * Cluster tier: seed "first service" on a real kube-apiserver + kube-controller-manager, with the
 * bundled controller, ingress and admission webhook installed by the full-stack control-plane chart and running
 * under their own ServiceAccounts (RBAC as our construct emits it).
 */
import * as path from 'node:path';
import { emulatorAgreement } from './emulator-replay';
import { stopAndDiagnose } from './lifecycle';
import { Stack, Step, synthesize } from './stack';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start();
  // eslint-disable-next-line no-console
  console.log(`cluster ${stack.cluster.version} + control plane ready in ${stack.startMs} ms (control plane alone ${stack.cluster.startMs} ms); RSS KiB ${JSON.stringify(stack.cluster.rssKiB())}`);
}, 240_000);

stopAndDiagnose(() => stack);

describe('scenario: first-service', () => {
  let steps: Step[] = [];

  test('the control plane runs: controller, ingress and webhook pods Ready under their own ServiceAccounts, no 403', async () => {
    const pods = await stack.getJson(['pods', '-n', 'knative-serving']);
    const summary = pods.items.map((p: any) => ({
      app: p.metadata.labels['app.kubernetes.io/name'],
      sa: p.spec.serviceAccountName,
      ready: p.status.conditions.find((c: any) => c.type === 'Ready').status,
      ip: p.status.podIP,
    })).sort((a: any, b: any) => a.app.localeCompare(b.app));
    expect(summary).toEqual([
      { app: 'serving-controller', sa: 'serving-controller', ready: 'True', ip: expect.stringMatching(/^10\.244\./) },
      { app: 'serving-controller', sa: 'serving-controller', ready: 'True', ip: expect.stringMatching(/^10\.244\./) },
      { app: 'serving-ingress', sa: 'serving-ingress', ready: 'True', ip: expect.stringMatching(/^10\.244\./) },
      { app: 'serving-ingress', sa: 'serving-ingress', ready: 'True', ip: expect.stringMatching(/^10\.244\./) },
      { app: 'serving-webhook', sa: 'serving-webhook', ready: 'True', ip: expect.stringMatching(/^10\.244\./) },
      { app: 'serving-webhook', sa: 'serving-webhook', ready: 'True', ip: expect.stringMatching(/^10\.244\./) },
    ]);
    // The real EndpointSlice controller lists both ingress pods as ready endpoints. It may lag
    // the pods' readiness by a few seconds (CI saw kcm retry with "EndpointSlice informer cache
    // is out of date"), so poll for up to 20 s and assert the last reading.
    let ready = 0;
    for (const deadline = Date.now() + 20_000; ;) {
      const slices = await stack.getJson(['endpointslices', '-n', 'knative-serving', '-l', 'kubernetes.io/service-name=serving-ingress']);
      ready = slices.items.flatMap((s: any) => s.endpoints ?? []).filter((e: any) => e.conditions.ready).length;
      if (ready === 2 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(ready).toBe(2);
    expect(stack.forbidden()).toEqual([]);
  });

  test('first service: my-service becomes Ready and answers through the ingress', async () => {
    steps = synthesize('first-service', path.join(stack.work, 'first-service'));
    await stack.apply(steps[0].files);
    const ksvc = await stack.until('ksvc my-service Ready', async () => {
      const s = await stack.getJson(['ksvc', '-n', 'default', 'my-service']);
      const ready = (s.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
      return ready?.status === 'True' && s.status.observedGeneration === s.metadata.generation ? s : undefined;
    }, 90_000);
    expect(ksvc.status.url).toBe('http://my-service.default.example.com');
    expect(ksvc.status.latestCreatedRevisionName).toBe('my-service-00001');
    expect(ksvc.status.latestReadyRevisionName).toBe('my-service-00001');
    expect(ksvc.status.traffic).toEqual([{ latestRevision: true, percent: 100, revisionName: 'my-service-00001' }]);

    // The revision's pod runs with the container's env and is behind the revision's Service.
    const pods = await stack.getJson(['pods', '-n', 'default', '-l', 'serving.knative.dev/revision=my-service-00001']);
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0].status.phase).toBe('Running');

    const r = await stack.request('my-service.default.example.com');
    stack.requests.add('scenario', 'first-service', r.status, 200, r.body.trim());
    expect(r).toEqual({ status: 200, body: 'Hello World!\n' });
    const unknown = await stack.request('nope.default.example.com');
    stack.requests.add('scenario', 'first-service', unknown.status, 404);
    expect(unknown.status).toBe(404);

    // kubectl's printer columns for the CRD
    const table = await stack.cluster.kubectlOk(['get', 'ksvc', '-n', 'default']);
    expect(table.split('\n')[0].split(/\s+/)).toEqual(['NAME', 'URL', 'LATESTCREATED', 'LATESTREADY', 'READY', 'REASON']);
    expect(table).toMatch(/^my-service\s+http:\/\/my-service\.default\.example\.com\s+my-service-00001\s+my-service-00001\s+True\s*$/m);

    expect(stack.forbidden()).toEqual([]);
  });

  test('the emulator agrees: the same steps replayed on the emulator end in the same objects', async () => {
    const { differences } = await emulatorAgreement(stack, 'first-service', steps);
    expect(differences).toEqual([]);
  });
});

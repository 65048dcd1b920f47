/**
 * Cluster tier: seed 001 §5, "Deploy a Function", on a real API server: a Configuration
 * (`containerConcurrency: 1`, a 20 s request timeout, the function type label on its revisions)
 * and a Route following its latest ready revision, applied with `kubectl apply --server-side`.
 * The function's image is played by the harness (test/cluster/images.ts).
 */
import * as path from 'node:path';
import { emulatorAgreement } from './emulator-replay';
import { get } from './gray-release';
import { stopAndDiagnose } from './lifecycle';
import { Stack, Step, synthesize, SYSTEM_NAMESPACE } from './stack';

let stack: Stack;
let steps: Step[];
const HOST = 'my-function.default.example.com';

beforeAll(async () => {
  stack = await Stack.start();
  steps = synthesize('function', path.join(stack.work, 'function'));
}, 240_000);

stopAndDiagnose(() => stack);

const ready = (o: any): boolean => (o.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.status === 'True'
  && o.status.observedGeneration === o.metadata.generation;

describe('scenario: function', () => {
  test('step 1 deploy: Configuration and Route Ready, a single-threaded revision with a 20 s timeout, served through the ingress', async () => {
    expect(steps.map((s) => s.name)).toEqual(['deploy']);
    await stack.apply(steps[0].files);
    const cfg = await stack.until('configuration my-function Ready', async () => {
      const c = await stack.getJson(['configuration', '-n', 'default', 'my-function']);
      return ready(c) ? c : undefined;
    }, 90_000);
    expect(cfg.status).toMatchObject({ latestCreatedRevisionName: 'my-function-00001', latestReadyRevisionName: 'my-function-00001' });
    const rev = await stack.getJson(['revision', '-n', 'default', 'my-function-00001']);
    expect(rev.spec.containerConcurrency).toBe(1);
    expect(rev.spec.timeoutSeconds).toBe(20);
    expect(rev.metadata.labels['functions.knative.dev/type']).toBe('function');
    const route = await stack.until('route my-function Ready', async () => {
      const r = await stack.getJson(['route', '-n', 'default', 'my-function']);
      return ready(r) ? r : undefined;
    }, 60_000);
    expect(route.status.url).toBe(`http://${HOST}`);
    expect(route.status.traffic).toEqual([{ revisionName: 'my-function-00001', percent: 100, latestRevision: true }]);

    const pods = await stack.getJson(['pods', '-n', SYSTEM_NAMESPACE, '-l', 'app.kubernetes.io/name=serving-ingress']);
    const ip: string = pods.items[0].status.podIP;
    await stack.until(`${HOST} served on ${ip}`, async () => (await get(ip, 8080, HOST)).status === 200, 30_000);
    for (let n = 0; n < 20; n++) {
      const r = await get(ip, 8080, HOST).catch((e: Error) => ({ status: 0, body: e.message }));
      stack.requests.add('scenario', 'function', r.status, 200, r.body.trim().slice(0, 80));
      expect(r).toEqual({ status: 200, body: 'my-function-00001: FOO=bar HELLO=world\n' });
    }
    const unknown = await get(ip, 8080, 'nope.default.example.com');
    stack.requests.add('scenario', 'function', unknown.status, 404);
    expect(unknown.status).toBe(404);
    expect(stack.forbidden()).toEqual([]);
  });

  test('the emulator agrees: the same steps replayed on the emulator end in the same objects', async () => {
    const { differences } = await emulatorAgreement(stack, 'function', steps);
    expect(differences).toEqual([]);
  });
});

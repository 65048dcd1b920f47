/**
 * Found on a real API server (test/cluster): kube-controller-manager's deployment controller keeps
 * `deployment.kubernetes.io/revision` on every Deployment (written through /status), and an
 * annotation change bumps a Deployment's generation. A Revision reconciler that owned the whole
 * annotation map removed it on every pass, and the two controllers rewrote the Deployment forever
 * (generation in the thousands within a minute). The emulator now does what the real
 * deployment controller does, so this runs here.
 */
import { applyService, Harness, image, isReadyObj, ksvc, startHarness } from './harness';
import { R } from '../../../src/runtime/controller/client';

let h: Harness;
afterEach(async () => h?.stop());

test('annotations another writer keeps on a Revision\'s Deployment are left alone: no update loop', async () => {
  h = await startHarness();
  await applyService(h, ksvc('s', { template: { spec: image('registry.example.com/app:1') } }));
  await h.emu.waitFor('ksvc', 'default', 's', isReadyObj, 10_000);
  await h.settle();
  const d = h.emu.get('deployments', 'default', 's-00001-deployment')!;
  expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
  const updates = h.emu.actions({ resource: 'deployments', verb: 'update' }).length;
  await new Promise((r) => setTimeout(r, 500));
  expect(h.emu.actions({ resource: 'deployments', verb: 'update' }).length).toBe(updates);
  expect(h.emu.get('deployments', 'default', 's-00001-deployment')!.metadata.generation).toBe(d.metadata.generation);
  expect(d.metadata.generation).toBe(1);
});

test('a bare Configuration\'s revision (K_SERVICE ""): the API server drops the empty env value, and the Deployment is not rewritten for it', async () => {
  h = await startHarness();
  await h.controller.client.create(R.configurations, {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Configuration',
    metadata: { name: 'fn', namespace: 'default' },
    spec: { template: { spec: image('registry.example.com/fn:1') } },
  });
  await h.emu.waitFor('configurations', 'default', 'fn', isReadyObj, 10_000);
  await h.settle();
  const env = h.emu.get('deployments', 'default', 'fn-00001-deployment')!.spec.template.spec.containers[0].env;
  expect(env).toContainEqual({ name: 'K_SERVICE' });
  expect(h.emu.actions({ resource: 'deployments', verb: 'update' })).toEqual([]);
});

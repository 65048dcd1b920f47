/** Deletion: finalizers, owner-reference garbage collection (background/foreground/orphan), namespaces. */
import { Clients, deployment, eventually, failure, knService, merge, startWithClients } from './helpers';

let c: Clients;
beforeEach(async () => {
  c = await startWithClients();
});
afterEach(async () => {
  await c.api.stop();
});

const G = 'serving.knative.dev';

function ownedConfigMap(name: string, owner: any, extra: any = {}) {
  return {
    metadata: {
      name,
      ownerReferences: [{
        apiVersion: owner.apiVersion,
        kind: owner.kind,
        name: owner.metadata.name,
        uid: owner.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      }],
      ...extra,
    },
  };
}

test('finalizers: deletionTimestamp set, object kept until finalizers are removed', async () => {
  const route = await c.custom.createNamespacedCustomObject({
    group: G,
    version: 'v1',
    namespace: 'default',
    plural: 'routes',
    body: { apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: { name: 'r', finalizers: ['routes.serving.knative.dev'] }, spec: { traffic: [{ configurationName: 'c', percent: 100 }] } },
  });
  expect(route.metadata.generation).toBe(1);
  await c.custom.deleteNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'routes', name: 'r' });
  const pending = c.api.get('routes', 'default', 'r')!;
  expect(pending.metadata.deletionTimestamp).toBeDefined();
  expect(pending.metadata.generation).toBe(2);
  // deleting again changes nothing; new finalizers cannot be added
  await c.custom.deleteNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'routes', name: 'r' });
  expect(c.api.get('routes', 'default', 'r')!.metadata.resourceVersion).toBe(pending.metadata.resourceVersion);
  const add = await failure(() => c.custom.patchNamespacedCustomObject({
    group: G, version: 'v1', namespace: 'default', plural: 'routes', name: 'r', body: { metadata: { finalizers: ['routes.serving.knative.dev', 'other.example.com'] } },
  }, merge));
  expect(add.code).toBe(422);

  await c.custom.patchNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'routes', name: 'r', body: { metadata: { finalizers: null } } }, merge);
  expect(c.api.get('routes', 'default', 'r')).toBeUndefined();
});

test('background cascade: dependents of a deleted owner are garbage-collected (transitively)', async () => {
  const svc = await c.custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', body: knService('hello') });
  const cm = await c.core.createNamespacedConfigMap({ namespace: 'default', body: ownedConfigMap('child', svc) });
  await c.core.createNamespacedSecret({ namespace: 'default', body: ownedConfigMap('grandchild', { apiVersion: 'v1', kind: 'ConfigMap', metadata: cm.metadata }) });
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'unrelated' } } });
  // a dependent with a second, live owner only loses the dangling reference
  const other = await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'other-owner' } } });
  const shared = ownedConfigMap('shared', svc);
  shared.metadata.ownerReferences.push({ apiVersion: 'v1', kind: 'ConfigMap', name: 'other-owner', uid: other.metadata!.uid!, controller: false, blockOwnerDeletion: false });
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: shared });

  await c.custom.deleteNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'hello' });
  await c.api.waitFor('configmaps', 'default', 'child', (o) => !o, 2000);
  await c.api.waitFor('secrets', 'default', 'grandchild', (o) => !o, 2000);
  const s = await c.api.waitFor('configmaps', 'default', 'shared', (o) => o?.metadata.ownerReferences?.length === 1, 2000);
  expect(s!.metadata.ownerReferences![0].name).toBe('other-owner');
  expect(c.api.get('configmaps', 'default', 'unrelated')).toBeDefined();
  // GC deletions are not client actions
  expect(c.api.actions({ verb: 'delete' }).map((a) => a.name)).toEqual(['hello']);
});

test('foreground cascade: owner stays (foregroundDeletion) until dependents are gone', async () => {
  const d = await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web') });
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: ownedConfigMap('dep', d, { finalizers: ['example.com/hold'] }) });
  await c.apps.deleteNamespacedDeployment({ name: 'web', namespace: 'default', propagationPolicy: 'Foreground' });
  const owner = c.api.get('deployments', 'default', 'web')!;
  expect(owner.metadata.finalizers).toEqual(['foregroundDeletion']);
  await eventually(() => c.api.get('configmaps', 'default', 'dep')?.metadata.deletionTimestamp, 2000, 'dependent marked for deletion');
  expect(c.api.get('deployments', 'default', 'web')).toBeDefined();
  await c.core.patchNamespacedConfigMap({ name: 'dep', namespace: 'default', body: { metadata: { finalizers: null } } }, merge);
  await c.api.waitFor('deployments', 'default', 'web', (o) => !o, 2000);
});

test('orphan: dependents survive and lose the owner reference', async () => {
  const d = await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web') });
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: ownedConfigMap('dep', d) });
  await c.apps.deleteNamespacedDeployment({ name: 'web', namespace: 'default', propagationPolicy: 'Orphan' });
  await c.api.waitFor('deployments', 'default', 'web', (o) => !o, 2000);
  const dep = c.api.get('configmaps', 'default', 'dep')!;
  expect(dep.metadata.ownerReferences).toBeUndefined();
});

test('delete with a wrong uid precondition is 409, with the right one succeeds; deleting again is 404', async () => {
  const cm = await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
  const pre = await failure(() => c.core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default', body: { preconditions: { uid: 'nope' } } }));
  expect(pre.code).toBe(409);
  await c.core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default', body: { preconditions: { uid: cm.metadata!.uid } } });
  const nf = await failure(() => c.core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' }));
  expect(nf.code).toBe(404);
});

test('deletecollection deletes only the objects matching the label selector', async () => {
  for (const [n, app] of [['a', 'x'], ['b', 'x'], ['c', 'y']]) {
    await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: n, labels: { app } } } });
  }
  await c.core.deleteCollectionNamespacedConfigMap({ namespace: 'default', labelSelector: 'app=x' });
  expect(c.api.list('configmaps', 'default').map((o) => o.metadata.name)).toEqual(['c']);
});

test('namespace deletion removes its contents, then the namespace; no new content meanwhile', async () => {
  await c.core.createNamespace({ body: { metadata: { name: 'team' } } });
  await c.core.createNamespacedConfigMap({ namespace: 'team', body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
  await c.core.createNamespacedConfigMap({ namespace: 'team', body: { metadata: { name: 'free' } } });
  await c.core.deleteNamespace({ name: 'team' });
  await c.api.waitFor('configmaps', 'team', 'free', (o) => !o, 2000);
  expect(c.api.get('namespaces', '', 'team')!.status?.phase).toBe('Terminating');
  const refused = await failure(() => c.core.createNamespacedConfigMap({ namespace: 'team', body: { metadata: { name: 'new' } } }));
  expect(refused.code).toBe(403);
  await c.core.patchNamespacedConfigMap({ name: 'held', namespace: 'team', body: { metadata: { finalizers: null } } }, merge);
  await c.api.waitFor('namespaces', '', 'team', (o) => !o, 2000);
});

test('requireNamespaces: creating into a missing namespace is 404', async () => {
  await c.api.stop();
  c = await startWithClients({ requireNamespaces: true });
  const r = await failure(() => c.core.createNamespacedConfigMap({ namespace: 'nope', body: { metadata: { name: 'a' } } }));
  expect(r.code).toBe(404);
  expect(r.body.message).toBe('namespaces "nope" not found');
});

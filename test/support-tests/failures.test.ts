/** Injected failures and recorded actions (for table-driven controller tests). */
import { Clients, failure, knService, merge, startWithClients } from './helpers';

let c: Clients;
beforeEach(async () => {
  c = await startWithClients();
});
afterEach(async () => {
  await c.api.stop();
});

const G = 'serving.knative.dev';

test('an injection with times: 2 fails two creates with a 500 Status, then the create succeeds; all three are recorded', async () => {
  const h = c.api.inject({ verb: 'create', resource: 'configmaps', code: 500, times: 2 });
  const body = { metadata: { name: 'a' } };
  const first = await failure(() => c.core.createNamespacedConfigMap({ namespace: 'default', body }));
  expect(first.code).toBe(500);
  expect(first.body).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
  expect((await failure(() => c.core.createNamespacedConfigMap({ namespace: 'default', body }))).code).toBe(500);
  expect(h.remaining()).toBe(0);
  const ok = await c.core.createNamespacedConfigMap({ namespace: 'default', body });
  expect(ok.metadata?.name).toBe('a');
  expect(c.api.actions().map((a) => `${a.verb}:${a.error?.code ?? 'ok'}`)).toEqual(['create:500', 'create:500', 'create:ok']);
});

test('injections match verb, resource (qualified), namespace and name; status is its own verb', async () => {
  await c.custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', body: knService('a') });
  await c.core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'a' }, spec: { ports: [{ port: 80 }] } } });
  c.api.inject({ verb: 'status', resource: 'services.serving.knative.dev', name: 'a', code: 409 });
  c.api.inject({ verb: 'get', resource: 'ksvc', namespace: 'other', code: 500 });

  // core Service status and the Knative main resource are unaffected
  await c.core.patchNamespacedServiceStatus({ name: 'a', namespace: 'default', body: { status: { loadBalancer: {} } } }, merge);
  await c.custom.patchNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'a', body: { metadata: { labels: { x: 'y' } } } }, merge);
  await c.custom.getNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'a' });

  const conflict = await failure(() => c.custom.patchNamespacedCustomObjectStatus({
    group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'a', body: { status: { observedGeneration: 1 } },
  }, merge));
  expect(conflict.code).toBe(409);
  expect(conflict.body.reason).toBe('Conflict');
  expect(conflict.body.message).toContain('Operation cannot be fulfilled on services.serving.knative.dev "a"');
  const getErr = await failure(() => c.custom.getNamespacedCustomObject({ group: G, version: 'v1', namespace: 'other', plural: 'services', name: 'x' }));
  expect(getErr.code).toBe(500);
});

test('recorded actions: ordered writes with subresource, request object, result', async () => {
  c.api.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seeded', namespace: 'default' } } as any);
  await c.custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', body: knService('a') });
  await c.custom.patchNamespacedCustomObjectStatus({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'a', body: { status: { observedGeneration: 1 } } }, merge);
  const cur = await c.custom.getNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'a' });
  await c.custom.replaceNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'a', body: cur });
  await c.custom.deleteNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'a' });

  const acts = c.api.actions();
  expect(acts.map((a) => ({ verb: a.verb, resource: a.resource, namespace: a.namespace, name: a.name, subresource: a.subresource }))).toEqual([
    { verb: 'create', resource: 'services', namespace: 'default', name: 'a', subresource: undefined },
    { verb: 'patch', resource: 'services', namespace: 'default', name: 'a', subresource: 'status' },
    { verb: 'update', resource: 'services', namespace: 'default', name: 'a', subresource: undefined },
    { verb: 'delete', resource: 'services', namespace: 'default', name: 'a', subresource: undefined },
  ]);
  expect(acts[0].object.spec.template.spec.containers[0].name).toBeUndefined(); // as sent
  expect(acts[0].result.spec.template.spec.containers[0].name).toBe('user-container'); // as stored
  expect(acts[1].object).toEqual({ status: { observedGeneration: 1 } });
  expect(acts[1].patchType).toBe('application/merge-patch+json');
  expect(c.api.actions({ verb: 'patch', subresource: 'status' })).toHaveLength(1);
  expect(c.api.actions({ resource: 'ksvc', subresource: null })).toHaveLength(3);
  expect(c.api.actionCount).toBe(4);
  c.api.clearActions();
  expect(c.api.actions()).toEqual([]);
});

test('recordActions: light records only the request identity; false records nothing but still counts', async () => {
  await c.api.stop();
  c = await startWithClients({ recordActions: 'light' });
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
  expect(c.api.actions()).toEqual([{ verb: 'create', resource: 'configmaps', group: '', version: 'v1', namespace: 'default', name: 'a' }]);
  await c.api.stop();
  c = await startWithClients({ recordActions: false });
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
  expect(c.api.actions()).toEqual([]);
  expect(c.api.actionCount).toBe(1);
});

test('dry-run writes are validated but neither stored nor recorded', async () => {
  const r = await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dry' } }, dryRun: 'All' });
  expect(r.metadata?.name).toBe('dry');
  expect(c.api.get('configmaps', 'default', 'dry')).toBeUndefined();
  expect(c.api.actions()).toEqual([]);
});

test('in-process helpers: seed keeps status, waitFor resolves on change, list filters', async () => {
  const [svc] = c.api.seed({ ...knService('s'), status: { observedGeneration: 1 } });
  expect(svc.metadata.resourceVersion).toBeDefined();
  expect(svc.metadata.generation).toBe(1);
  expect(svc.status).toEqual({ observedGeneration: 1 });
  const waiting = c.api.waitFor('ksvc', 'default', 's', (o) => o?.status?.url === 'http://s', 2000);
  await c.custom.patchNamespacedCustomObjectStatus({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 's', body: { status: { url: 'http://s' } } }, merge);
  expect((await waiting)!.status.url).toBe('http://s');
  await expect(c.api.waitFor('ksvc', 'default', 's', () => false, 50)).rejects.toThrow(/timed out/);
  c.api.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'l', namespace: 'x', labels: { a: 'b' } } } as any);
  expect(c.api.list('configmaps', undefined, 'a=b').map((o) => o.metadata.name)).toEqual(['l']);
  expect(c.api.list('configmaps', 'default')).toEqual([]);
  expect(() => c.api.get('widgets', 'default', 'x')).toThrow(/unknown resource/);
});

test('reset clears objects, actions and injections but keeps the server', async () => {
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
  c.api.inject({ verb: 'get', code: 500, times: 5 });
  const url = c.api.url;
  c.api.reset();
  expect(c.api.url).toBe(url);
  expect(c.api.list('configmaps')).toEqual([]);
  expect(c.api.actions()).toEqual([]);
  expect((await failure(() => c.core.readNamespacedConfigMap({ name: 'a', namespace: 'default' }))).code).toBe(404);
});

test('admission warnings come back as Warning headers and do not block', async () => {
  await c.api.stop();
  c = await startWithClients({ admission: (obj) => ({ object: obj, violations: [{ path: 'spec', message: 'deprecated thing', severity: 'warning' }] }) });
  const res = await fetch(`${c.api.url}/apis/serving.knative.dev/v1/namespaces/default/services`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(knService('w')),
  });
  expect(res.status).toBe(201);
  expect(res.headers.get('warning')).toBe('299 - "spec: deprecated thing."');
});

test('reactors: fail the second status update of a Revision; after remove() the reactor is no longer called', async () => {
  const body = {
    apiVersion: 'serving.knative.dev/v1', kind: 'Revision', metadata: { name: 'r' }, spec: { containers: [{ image: 'x/y:1' }] },
  };
  await c.custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'revisions', body });
  let statusWrites = 0;
  const remove = c.api.react((req) => {
    if (req.verb === 'status' && req.resource === 'revisions' && ++statusWrites === 2) return { code: 409 };
    return undefined;
  });
  const write = () => c.custom.patchNamespacedCustomObjectStatus({
    group: G, version: 'v1', namespace: 'default', plural: 'revisions', name: 'r', body: { status: { observedGeneration: 1 } },
  }, merge);
  await write();
  expect((await failure(write)).code).toBe(409);
  await write();
  remove();
  await write();
  expect(statusWrites).toBe(3);
  expect(c.api.actions({ resource: 'revisions', subresource: 'status' }).map((a) => a.error?.code ?? 200)).toEqual([200, 409, 200, 200]);
});

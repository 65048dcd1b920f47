/** Watch streams through client-node's Watch and makeInformer: events, replay, 410, drops, timeouts. */
import { Clients, eventually, failure, k8s, knService, merge, sleep, startWithClients } from './helpers';

let c: Clients;
beforeEach(async () => {
  c = await startWithClients({ bookmarkIntervalMs: 50 });
});
afterEach(async () => {
  await c.api.stop();
});

interface Seen {
  type: string;
  name: string;
  rv: string;
  obj: any;
}

async function watch(path: string, query: Record<string, any>, seen: Seen[], done?: (err: any) => void): Promise<AbortController> {
  const w = new k8s.Watch(c.kc);
  const record = (type: string, obj: any) => seen.push({ type, name: obj?.metadata?.name, rv: obj?.metadata?.resourceVersion, obj });
  return w.watch(path, query, record, done ?? (() => undefined));
}

test('Watch receives ADDED, MODIFIED, DELETED for a namespace', async () => {
  const seen: Seen[] = [];
  const list = await c.core.listNamespacedConfigMap({ namespace: 'default' });
  const ctl = await watch('/api/v1/namespaces/default/configmaps', { resourceVersion: list.metadata?.resourceVersion }, seen);
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
  await c.core.createNamespacedConfigMap({ namespace: 'other', body: { metadata: { name: 'ignored' } } });
  await c.core.patchNamespacedConfigMap({ name: 'a', namespace: 'default', body: { data: { x: '1' } } }, merge);
  await c.core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' });
  await eventually(() => seen.length >= 3, 2000, 'three events');
  expect(seen.map((s) => `${s.type}:${s.name}`)).toEqual(['ADDED:a', 'MODIFIED:a', 'DELETED:a']);
  const rvs = seen.map((s) => Number(s.rv));
  expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
  expect(seen[0].obj.kind).toBe('ConfigMap');
  ctl.abort();
  await eventually(() => c.api.watchCount === 0, 2000, 'watch closed on the server');
});

test('watch replays history after a resourceVersion and synthesizes ADDED without one', async () => {
  const a = await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' } } });
  await c.core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' });

  const replay: Seen[] = [];
  const ctl1 = await watch('/api/v1/namespaces/default/configmaps', { resourceVersion: a.metadata!.resourceVersion }, replay);
  await eventually(() => replay.length >= 2, 2000, 'replay');
  expect(replay.map((s) => `${s.type}:${s.name}`)).toEqual(['ADDED:b', 'DELETED:a']);
  ctl1.abort();

  const fresh: Seen[] = [];
  const ctl2 = await watch('/api/v1/namespaces/default/configmaps', {}, fresh);
  await eventually(() => fresh.length >= 1, 2000, 'synthetic ADDED');
  expect(fresh.map((s) => `${s.type}:${s.name}`)).toEqual(['ADDED:b']);
  ctl2.abort();
});

test('label-selector watches see objects enter (ADDED) and leave (DELETED) the selection', async () => {
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a', labels: { app: 'no' } } } });
  const seen: Seen[] = [];
  const ctl = await watch('/api/v1/namespaces/default/configmaps', { resourceVersion: c.api.resourceVersion, labelSelector: 'app=yes' }, seen);
  await c.core.patchNamespacedConfigMap({ name: 'a', namespace: 'default', body: { metadata: { labels: { app: 'yes' } } } }, merge);
  await c.core.patchNamespacedConfigMap({ name: 'a', namespace: 'default', body: { data: { k: 'v' } } }, merge);
  await c.core.patchNamespacedConfigMap({ name: 'a', namespace: 'default', body: { metadata: { labels: { app: 'no' } } } }, merge);
  await eventually(() => seen.length >= 3, 2000, 'events');
  expect(seen.map((s) => s.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  ctl.abort();
});

test('fieldSelector metadata.name on a Knative watch across namespaces', async () => {
  const seen: Seen[] = [];
  const ctl = await watch('/apis/serving.knative.dev/v1/services', { resourceVersion: c.api.resourceVersion, fieldSelector: 'metadata.name=one' }, seen);
  await c.custom.createNamespacedCustomObject({ group: 'serving.knative.dev', version: 'v1', namespace: 'a', plural: 'services', body: knService('one', 'a') });
  await c.custom.createNamespacedCustomObject({ group: 'serving.knative.dev', version: 'v1', namespace: 'b', plural: 'services', body: knService('two', 'b') });
  await c.custom.createNamespacedCustomObject({ group: 'serving.knative.dev', version: 'v1', namespace: 'b', plural: 'services', body: knService('one', 'b') });
  await eventually(() => seen.length >= 2, 2000, 'events');
  await sleep(30);
  expect(seen.map((s) => `${s.obj.metadata.namespace}/${s.name}`)).toEqual(['a/one', 'b/one']);
  ctl.abort();
});

test('an expired resourceVersion yields an ERROR event with a 410 Status, then the stream ends', async () => {
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
  const old = c.api.resourceVersion;
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' } } });
  c.api.expireHistory();
  const seen: Seen[] = [];
  let doneErr: any = 'pending';
  await watch('/api/v1/namespaces/default/configmaps', { resourceVersion: old }, seen, (err) => {
    doneErr = err;
  });
  await eventually(() => doneErr !== 'pending', 2000, 'stream end');
  expect(seen).toHaveLength(1);
  expect(seen[0].type).toBe('ERROR');
  expect(seen[0].obj).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  expect(doneErr).toBeNull();
});

test('bounded history: old resourceVersions expire on their own', async () => {
  await c.api.stop();
  c = await startWithClients({ historySize: 3 });
  const first = await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
  for (const n of ['b', 'c', 'd', 'e']) await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: n } } });
  const seen: Seen[] = [];
  await watch('/api/v1/namespaces/default/configmaps', { resourceVersion: first.metadata!.resourceVersion }, seen);
  await eventually(() => seen.length >= 1, 2000, 'error event');
  expect(seen[0].obj.code).toBe(410);
});

test('timeoutSeconds ends the stream cleanly (no error); bookmarks when allowed', async () => {
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
  const seen: Seen[] = [];
  let ended = false;
  let endErr: unknown = 'pending';
  const started = Date.now();
  await watch('/api/v1/namespaces/default/pods', { resourceVersion: c.api.resourceVersion, timeoutSeconds: 1, allowWatchBookmarks: true }, seen, (err) => {
    ended = true;
    endErr = err;
  });
  await eventually(() => ended, 3000, 'timeout');
  expect(endErr).toBeNull();
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  expect(seen.some((s) => s.type === 'BOOKMARK' && Number(s.rv) > 0)).toBe(true);
});

test('injected watch failures: 410 as an ERROR event, 500 as an HTTP error', async () => {
  c.api.inject({ verb: 'watch', resource: 'configmaps', code: 410 });
  const seen: Seen[] = [];
  let done: any = 'pending';
  await watch('/api/v1/namespaces/default/configmaps', { resourceVersion: c.api.resourceVersion }, seen, (e) => {
    done = e;
  });
  await eventually(() => done !== 'pending', 2000, 'end');
  expect(seen[0].obj.code).toBe(410);

  c.api.inject({ verb: 'watch', resource: 'configmaps', code: 500 });
  let err: any;
  await watch('/api/v1/namespaces/default/configmaps', { resourceVersion: c.api.resourceVersion }, [], (e) => {
    err = e;
  });
  await eventually(() => err, 2000, 'error');
  expect(err.statusCode).toBe(500);
});

describe('informer (makeInformer)', () => {
  const G = 'serving.knative.dev';
  const path = '/apis/serving.knative.dev/v1/namespaces/default/revisions';
  const rev = (name: string, image = 'ghcr.io/example/app:1') => ({
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ image }] },
  });

  test('sees ADDED/MODIFIED/DELETED and recovers after dropWatches and after 410', async () => {
    const informer = k8s.makeInformer(c.kc, path, () => c.custom.listNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'revisions' }));
    const events: string[] = [];
    const errors: any[] = [];
    informer.on('add', (o: any) => events.push(`add:${o.metadata.name}`));
    informer.on('update', (o: any) => events.push(`update:${o.metadata.name}`));
    informer.on('delete', (o: any) => events.push(`delete:${o.metadata.name}`));
    informer.on('error', (e: any) => errors.push(e));
    await c.custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'revisions', body: rev('r1') });
    await informer.start();
    await eventually(() => events.includes('add:r1'), 2000, 'initial list');
    await eventually(() => c.api.watchCount === 1, 2000, 'watch open');

    await c.custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'revisions', body: rev('r2') });
    await c.custom.patchNamespacedCustomObjectStatus({ group: G, version: 'v1', namespace: 'default', plural: 'revisions', name: 'r2', body: { status: { observedGeneration: 1 } } }, merge);
    await c.custom.deleteNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'revisions', name: 'r1' });
    await eventually(() => events.includes('delete:r1'), 2000, 'live events');
    expect(events).toEqual(['add:r1', 'add:r2', 'update:r2', 'delete:r1']);

    // dropped watch: the informer re-watches from its last resourceVersion; changes made while
    // disconnected are replayed from history
    expect(c.api.dropWatches()).toBe(1);
    await c.custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'revisions', body: rev('r3') });
    await eventually(() => events.includes('add:r3'), 3000, 'event after drop');
    await eventually(() => c.api.watchCount === 1, 2000, 're-watch');

    // 410: history expired while disconnected → ERROR 410 → relist → new watch
    const listsBefore = c.api.requests;
    c.api.dropWatches();
    c.api.expireHistory();
    c.api.seed(rev('r4') as any); // changed while the watch was away (all synchronous: before the re-watch)
    await eventually(() => events.includes('add:r4'), 3000, 'event after 410');
    await eventually(() => c.api.watchCount === 1, 2000, 're-watch after relist');
    expect(c.api.requests).toBeGreaterThan(listsBefore + 1);
    expect(informer.list().map((o: any) => o.metadata.name).sort()).toEqual(['r2', 'r3', 'r4']);
    expect(errors).toEqual([]);
    await informer.stop();
  });

  test('informer on a typed built-in list (CoreV1Api) sees an object created after start', async () => {
    const informer = k8s.makeInformer(c.kc, '/api/v1/namespaces/default/configmaps', () => c.core.listNamespacedConfigMap({ namespace: 'default' }));
    const names: string[] = [];
    informer.on('add', (o: any) => names.push(o.metadata.name));
    await informer.start();
    await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'late' } } });
    await eventually(() => names.includes('late'), 2000, 'add');
    await informer.stop();
  });

  test('listing an unknown resource fails with 404', async () => {
    const r = await failure(() => c.custom.listNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'default', plural: 'widgets' }));
    expect(r.code).toBe(404);
  });
});

/**
 * The real watcher (client-node informers: list + watch, relist on 410) against the in-process
 * Kubernetes API emulator from test/support.
 */
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { routeWithStatus } from './helpers';
import { lookupHost, RouteTable } from '../../../src/runtime/ingress/table';
import { KubeWatcher, startKubeWatcher, TableBuilder } from '../../../src/runtime/ingress/watcher';
import { KubeApiEmulator } from '../../support/emulator';
import { makeKubeConfig } from '../../support/kubeconfig';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const k8s: typeof K8s = require('@kubernetes/client-node');

const configMap = (name: string, data: Record<string, string>): any => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'knative-serving' }, data,
});

async function until(pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('startKubeWatcher against the API emulator', () => {
  let api: KubeApiEmulator;
  let watcher: KubeWatcher | undefined;
  let builder: TableBuilder;
  let latest: RouteTable | undefined;
  let tables = 0;

  beforeEach(async () => {
    api = await KubeApiEmulator.start({ admission: false });
    latest = undefined;
    tables = 0;
    builder = new TableBuilder({ debounceMs: 10, onTable: (t) => { latest = t; tables++; } });
  });

  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    await api.stop();
  });

  const revisionsOf = (host: string): string[] | undefined => (latest ? lookupHost(latest, host)?.balancer.items.map((t) => t.revision) : undefined);

  test('initial list builds the first table; adds, updates, deletes and config changes swap it', async () => {
    api.seed(
      routeWithStatus('default', 'hello', [{ revision: 'hello-1', percent: 100 }, { revision: 'hello-2', percent: 0, tag: 'next' }]) as any,
      routeWithStatus('team-a', 'api', [{ revision: 'api-1', percent: 100 }]) as any,
      configMap('config-network', { 'tag-template': '{{.Tag}}-{{.Name}}' }),
      configMap('config-domain', { 'example.com': '' }),
    );
    watcher = await startKubeWatcher(k8s, makeKubeConfig(api), builder, { systemNamespace: 'knative-serving' });
    await until(() => latest !== undefined);
    expect(latest!.routeCount).toBe(2);
    expect(revisionsOf('hello.default.example.com')).toEqual(['hello-1']);
    expect(revisionsOf('next-hello.default.svc.cluster.local')).toEqual(['hello-2']);
    expect(revisionsOf('api.team-a')).toEqual(['api-1']);

    // update: new split
    api.put(routeWithStatus('default', 'hello', [{ revision: 'hello-1', percent: 50 }, { revision: 'hello-2', percent: 50, tag: 'next' }]) as any);
    await until(() => revisionsOf('hello.default')?.length === 2);

    // add
    api.put(routeWithStatus('default', 'late', [{ revision: 'late-1', percent: 100 }]) as any);
    await until(() => revisionsOf('late.default.svc') !== undefined);

    // delete
    api.remove('routes', 'team-a', 'api');
    await until(() => revisionsOf('api.team-a') === undefined);

    // config-features: tag header routing
    expect(lookupHost(latest!, 'hello.default')!.tagEntries).toBeUndefined();
    api.put(configMap('config-features', { 'tag-header-based-routing': 'Enabled' }));
    await until(() => lookupHost(latest!, 'hello.default')!.tagEntries?.has('next') === true);
  });

  test('Revisions feed per-revision timeouts, from the initial list and from watch events', async () => {
    const revision = (name: string, timeoutSeconds: number): any => ({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: { name, namespace: 'default' },
      spec: { timeoutSeconds, containers: [{ image: 'img' }] },
    });
    api.seed(routeWithStatus('default', 'hello', [{ revision: 'hello-1', percent: 100 }]) as any, revision('hello-1', 30));
    watcher = await startKubeWatcher(k8s, makeKubeConfig(api), builder, { systemNamespace: 'knative-serving' });
    await until(() => latest !== undefined);
    // The first table waits for the Revision list, so its timeouts are known from the start.
    expect(builder.timeoutsFor('default', 'hello-1')).toEqual({ timeoutMs: 30_000 });
    const before = tables;
    api.put(revision('hello-2', 45));
    await until(() => builder.timeoutsFor('default', 'hello-2') !== undefined);
    expect(builder.timeoutsFor('default', 'hello-2')).toEqual({ timeoutMs: 45_000 });
    await until(() => tables > before); // rebuilt, so the proxy re-resolves its backends
    api.remove('revisions', 'default', 'hello-2');
    await until(() => builder.timeoutsFor('default', 'hello-2') === undefined);
  });

  test('relists after 410 Gone and after dropped watches, picking up changes made meanwhile', async () => {
    api.seed(routeWithStatus('default', 'a', [{ revision: 'a-1', percent: 100 }]) as any);
    watcher = await startKubeWatcher(k8s, makeKubeConfig(api), builder, { minBackoffMs: 20 });
    await until(() => revisionsOf('a.default') !== undefined);
    await until(() => api.watchCount >= 3); // routes, revisions and the config maps
    const open = api.watchCount;

    // expire history, drop watches: informers must come back (410 → relist) and converge
    api.expireHistory();
    expect(api.dropWatches()).toBe(open);
    api.put(routeWithStatus('default', 'b', [{ revision: 'b-1', percent: 100 }]) as any);
    api.remove('routes', 'default', 'a');
    await until(() => revisionsOf('b.default') !== undefined && revisionsOf('a.default') === undefined);
    // every informer re-watches, not only the one whose change we observed
    await until(() => api.watchCount === open);
  });

  test('route list errors (two 500s) are retried; the first table comes from the first successful list', async () => {
    api.seed(routeWithStatus('default', 'c', [{ revision: 'c-1', percent: 100 }]) as any);
    api.inject({ verb: 'list', resource: 'routes', code: 500, times: 2 });
    watcher = await startKubeWatcher(k8s, makeKubeConfig(api), builder, { minBackoffMs: 20 });
    expect(latest).toBeUndefined();
    await until(() => revisionsOf('c.default') !== undefined);
    expect(tables).toBeGreaterThanOrEqual(1);
  });
});

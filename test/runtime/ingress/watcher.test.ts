/**
 * The Kubernetes API emulator (test/support) is not available yet, so the watcher's table-rebuild
 * logic is driven by a fake event source (the same calls the informers make).
 */
import { routeWithStatus } from './helpers';
import { lookupHost, RouteTable } from '../../../src/runtime/ingress/table';
import { TableBuilder } from '../../../src/runtime/ingress/watcher';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('TableBuilder (fake event source)', () => {
  test('no table before the initial lists are synced; then one coalesced build', async () => {
    const tables: RouteTable[] = [];
    const b = new TableBuilder({ debounceMs: 20, onTable: (t) => tables.push(t) });
    for (let i = 0; i < 20; i++) b.upsertRoute(routeWithStatus('default', `r${i}`, [{ revision: `r${i}-1`, percent: 100 }]));
    b.setConfigMap('config-features', {});
    await sleep(50);
    expect(tables).toHaveLength(0);
    b.markSynced();
    await sleep(50);
    expect(tables).toHaveLength(1);
    expect(tables[0].routeCount).toBe(20);
    b.stop();
  });

  test('bursts of changes coalesce; updates, deletes and config changes rebuild and swap', async () => {
    const tables: RouteTable[] = [];
    const b = new TableBuilder({ debounceMs: 20, onTable: (t) => tables.push(t) });
    b.markSynced();
    const r = routeWithStatus('default', 'hello', [{ revision: 'hello-1', percent: 100 }, { revision: 'hello-2', percent: 0, tag: 'next' }]);
    for (let i = 0; i < 10; i++) b.upsertRoute(r);
    await sleep(60);
    expect(tables).toHaveLength(1);
    expect(lookupHost(tables[0], 'hello.default')!.balancer.items.map((t) => t.revision)).toEqual(['hello-1']);

    b.upsertRoute(routeWithStatus('default', 'hello', [{ revision: 'hello-1', percent: 50 }, { revision: 'hello-2', percent: 50, tag: 'next' }]));
    await sleep(60);
    expect(tables).toHaveLength(2);
    expect(tables[1].generation).toBe(tables[0].generation + 1);
    expect(lookupHost(tables[1], 'hello.default')!.balancer.weights).toEqual([50, 50]);

    // tag header routing follows config-features
    expect(lookupHost(tables[1], 'hello.default')!.tagEntries).toBeUndefined();
    b.setConfigMap('config-features', { 'tag-header-based-routing': 'Enabled' });
    await sleep(60);
    expect(lookupHost(tables[2], 'hello.default')!.tagEntries?.get('next')).toBeDefined();

    // tag template follows config-network
    b.setConfigMap('config-network', { 'tag-template': '{{.Name}}-{{.Tag}}' });
    b.setConfigMap('config-other', { ignored: 'yes' });
    await sleep(60);
    expect(tables).toHaveLength(4);
    expect(lookupHost(tables[3], 'hello-next.default')?.tag).toBe('next');

    b.deleteRoute(r);
    await sleep(60);
    expect(lookupHost(tables[4], 'hello.default')).toBeUndefined();
    b.deleteRoute(r); // already gone: no rebuild
    await sleep(60);
    expect(tables).toHaveLength(5);
    b.stop();
  });

  test('flush() returns undefined before sync, then builds and installs the table synchronously', () => {
    const tables: RouteTable[] = [];
    const b = new TableBuilder({ onTable: (t) => tables.push(t) });
    expect(b.flush()).toBeUndefined();
    b.markSynced();
    b.upsertRoute(routeWithStatus('x', 'y', [{ revision: 'y-1', percent: 100 }]));
    const t = b.flush()!;
    expect(lookupHost(t, 'y.x.svc.cluster.local')).toBeDefined();
    expect(b.table).toBe(t);
    b.stop();
  });
});

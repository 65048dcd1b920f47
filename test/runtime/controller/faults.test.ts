/**
 * Fault tolerance: conflicts, 500s, dropped and expired (410) watches, a controller restart in
 * the middle of reconciling, and two replicas where only the Lease holder writes. Everything must
 * converge with exactly one Revision per generation.
 */
import { Harness, applyService, image, isReadyObj, ksvc, newController, settle, startHarness } from './harness';
import type { KubeObject } from '../../../src/core/types';
import { Controller } from '../../../src/runtime/controller/controller';
import { KubeApiEmulator } from '../../support/emulator';

const NS = 'default';

async function createMany(h: Harness, n: number, prefix = 's'): Promise<void> {
  for (let i = 0; i < n; i++) await applyService(h, ksvc(`${prefix}${i}`, { template: { spec: image(`gcr.io/example/app:${i}`) } }));
}

async function allReady(emu: KubeApiEmulator, names: string[], timeoutMs = 15_000): Promise<void> {
  await Promise.all(names.map((n) => emu.waitFor('ksvc', NS, n, isReadyObj, timeoutMs)));
}

function revisionNames(emu: KubeApiEmulator): string[] {
  return emu.list('revisions', NS).map((r) => r.metadata.name!).sort();
}

describe('faults', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  test('409 conflicts on status writes and on Revision/Deployment creates are retried until every Service is Ready with one Revision', async () => {
    h = await startHarness();
    h.emu.inject({ verb: 'status', code: 409, times: 6 });
    h.emu.inject({ verb: 'create', resource: 'revisions', code: 409, times: 2, reason: 'Conflict' });
    h.emu.inject({ verb: 'create', resource: 'deployments', code: 409, times: 2, reason: 'Conflict' });
    await createMany(h, 3);
    await allReady(h.emu, ['s0', 's1', 's2']);
    await h.settle();
    expect(revisionNames(h.emu)).toEqual(['s0-00001', 's1-00001', 's2-00001']);
    const conflicts = h.emu.actions().filter((a) => a.error?.code === 409);
    expect(conflicts.length).toBeGreaterThanOrEqual(10);
  });

  test('500s on creates and Revision status writes count as reconcile errors and are retried until everything converges', async () => {
    h = await startHarness();
    h.emu.inject({ verb: 'create', resource: 'configurations', code: 500, times: 2 });
    h.emu.inject({ verb: 'create', resource: 'routes', code: 500, times: 2 });
    h.emu.inject({ verb: 'create', resource: 'services', code: 500, times: 2 });
    h.emu.inject({ verb: 'status', resource: 'revisions', code: 500, times: 3 });
    await createMany(h, 2);
    await allReady(h.emu, ['s0', 's1']);
    await h.settle();
    expect(revisionNames(h.emu)).toEqual(['s0-00001', 's1-00001']);
    expect(h.controller.metrics.reconcileErrors.total()).toBeGreaterThan(0);
  });

  test('dropped watches are resumed and 410 Gone triggers a relist', async () => {
    h = await startHarness();
    await createMany(h, 2);
    h.emu.dropWatches();
    await allReady(h.emu, ['s0', 's1']);
    // expire history and drop: informers must relist
    h.emu.expireHistory();
    h.emu.dropWatches();
    await applyService(h, ksvc('s0', { template: { spec: image('gcr.io/example/app:new') } }));
    h.emu.inject({ verb: 'watch', code: 410, times: 2 });
    h.emu.dropWatches();
    await h.emu.waitFor('ksvc', NS, 's0', (o) => isReadyObj(o) && o!.status.latestReadyRevisionName === 's0-00002', 15_000);
    await h.settle();
    const relists = Object.values(h.controller.informers).reduce((s, i) => s + i.stats.relists410, 0);
    expect(relists).toBeGreaterThan(0);
    expect(revisionNames(h.emu)).toEqual(['s0-00001', 's0-00002', 's1-00001']);
  });

  test('a controller restarted mid-reconcile converges without duplicate Revisions', async () => {
    const emu = await KubeApiEmulator.start({ simulateWorkloads: { delayMs: 5, readyDelayMs: 0 } });
    let a: Controller | undefined = newController(emu);
    await a.start();
    // kill A right after it created the first Revision
    const killed = new Promise<void>((resolve) => {
      const off = emu.onChange((ev) => {
        if (ev.resource === 'revisions' && ev.type === 'ADDED' && a) {
          a.kill();
          a = undefined;
          off();
          resolve();
        }
      });
    });
    const hh: Harness = { emu, controller: undefined as any, clock: undefined as any, stop: async () => emu.stop(), settle: async () => undefined };
    h = hh;
    const kc = newController(emu);
    hh.controller = kc; // used by applyService as an HTTP client only
    for (let i = 0; i < 3; i++) await kc.client.create({ group: 'serving.knative.dev', version: 'v1', plural: 'services', kind: 'Service', namespaced: true }, ksvc(`r${i}`, { template: { spec: image('gcr.io/example/app:1') } }));
    await killed;
    const b = newController(emu);
    await b.start();
    hh.stop = async () => {
      await b.stop();
      await emu.stop();
    };
    await allReady(emu, ['r0', 'r1', 'r2']);
    await settle(emu, [b]);
    expect(revisionNames(emu)).toEqual(['r0-00001', 'r1-00001', 'r2-00001']);
    expect(emu.list('deployments', NS)).toHaveLength(3);
  });

  test('two replicas: only the Lease holder writes; the other takes over when it stops', async () => {
    const emu = await KubeApiEmulator.start({ simulateWorkloads: { delayMs: 5, readyDelayMs: 0 } });
    const writes = new Map<string, number>();
    const mk = (id: string) => {
      const c = newController(emu, { leaderElection: true, podName: id, leaseName: 'ctl', leaseDurationMs: 1000, renewDeadlineMs: 800, retryPeriodMs: 100 });
      const prev = c.client.onRequest;
      c.client.onRequest = (verb, r, ok, code) => {
        prev?.(verb, r, ok, code);
        if (['create', 'update', 'updateStatus', 'delete'].includes(verb) && r.plural !== 'leases') writes.set(id, (writes.get(id) ?? 0) + 1);
      };
      return c;
    };
    const a = mk('replica-a');
    const b = mk('replica-b');
    await a.start();
    await new Promise((r) => setTimeout(r, 300));
    await b.start();
    const stopAll = async () => {
      await a.stop();
      await b.stop();
      await emu.stop();
    };
    h = { emu, controller: a, clock: undefined as any, stop: stopAll, settle: () => settle(emu, [a, b]) };
    for (let i = 0; i < 3; i++) await applyService(h, ksvc(`l${i}`, { template: { spec: image('gcr.io/example/app:1') } }));
    await allReady(emu, ['l0', 'l1', 'l2']);
    await settle(emu, [a, b]);
    expect(a.isLeader).toBe(true);
    expect(b.isLeader).toBe(false);
    expect(writes.get('replica-a') ?? 0).toBeGreaterThan(0);
    expect(writes.get('replica-b') ?? 0).toBe(0);
    const lease = emu.get('leases', 'knative-serving', 'ctl')!;
    expect(lease.spec.holderIdentity).toBe('replica-a');

    // graceful stop of A releases the Lease; B takes over and reconciles new work
    await a.stop();
    expect(emu.get('leases', 'knative-serving', 'ctl')!.spec.holderIdentity).toBeFalsy();
    await applyService(h, ksvc('l3', { template: { spec: image('gcr.io/example/app:1') } }));
    await emu.waitFor('ksvc', NS, 'l3', isReadyObj, 10_000);
    expect(b.isLeader).toBe(true);
    expect(writes.get('replica-b') ?? 0).toBeGreaterThan(0);
    expect(revisionNames(emu)).toEqual(['l0-00001', 'l1-00001', 'l2-00001', 'l3-00001']);
    h.stop = async () => { await b.stop(); await emu.stop(); };
  });

  test('an invalid Service (no containers, traffic summing to 50) gets Ready=False InvalidSpec naming the bad field, and no Configuration', async () => {
    h = await startHarness({ admission: false });
    const bad: KubeObject = ksvc('bad', { template: { spec: { containers: [] } }, traffic: [{ latestRevision: true, percent: 50 }] });
    h.emu.seed(bad);
    const svc = await h.emu.waitFor('ksvc', NS, 'bad', (o) => o?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'False') ?? false);
    const ready = svc!.status.conditions.find((c: any) => c.type === 'Ready');
    expect(ready.reason).toBe('InvalidSpec');
    expect(ready.message).toMatch(/containers|traffic/i);
    expect(svc!.status.observedGeneration).toBe(svc!.metadata.generation);
    expect(h.emu.list('configurations', NS)).toHaveLength(0);
  });
});

import { applyService, image, isReadyObj, ksvc, newController, settle, startHarness } from './harness';
import { fixedClock, microTime, rfc3339 } from '../../../src/runtime/controller/clock';
import { LeaderElector } from '../../../src/runtime/controller/leader';
import { ControllerMetrics } from '../../../src/runtime/controller/metrics';
import { WorkQueue } from '../../../src/runtime/controller/workqueue';
import { KubeApiEmulator } from '../../support/emulator';

describe('WorkQueue', () => {
  test('de-duplicates keys queued before processing', async () => {
    const q = new WorkQueue('t');
    q.add('a'); q.add('b'); q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  test('never hands the same key to two workers; a re-add while processing is deferred to done()', async () => {
    const q = new WorkQueue('t');
    q.add('a');
    const k = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((v) => (second = v));
    await new Promise((r) => setTimeout(r, 5));
    expect(second).toBeUndefined();
    q.done(k!);
    await new Promise((r) => setTimeout(r, 0));
    expect(second).toBe('a');
  });

  test('per-key exponential backoff, reset by forget()', () => {
    const q = new WorkQueue('t', { baseDelayMs: 10, maxDelayMs: 50 });
    expect([q.addRateLimited('x'), q.addRateLimited('x'), q.addRateLimited('x'), q.addRateLimited('x')]).toEqual([10, 20, 40, 50]);
    expect(q.addRateLimited('y')).toBe(10);
    q.forget('x');
    expect(q.addRateLimited('x')).toBe(10);
    q.shutDown();
  });

  test('shutDown drains queued keys then releases workers', async () => {
    const q = new WorkQueue('t');
    q.add('a');
    q.shutDown();
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBeUndefined();
    q.add('b');
    expect(q.length).toBe(0);
  });
});

// The admin server and the logger are tested with the runtime's common parts (test/runtime/common).
describe('metrics, clock', () => {
  test('ControllerMetrics renders counters, the duration histogram and gauges in Prometheus text format; percentileMs(99)', () => {
    const m = new ControllerMetrics();
    m.recordReconcile('Service', 0.003, true);
    m.recordReconcile('Service', 0.2, false);
    m.queueDepth.set({ queue: 'Service' }, () => 7);
    m.leader.set({}, 1);
    const text = m.render();
    expect(text).toContain('# TYPE knative_controller_reconcile_total counter');
    expect(text).toContain('knative_controller_reconcile_total{kind="Service",result="success"} 1');
    expect(text).toContain('knative_controller_reconcile_errors_total{kind="Service"} 1');
    expect(text).toContain('knative_controller_reconcile_duration_seconds_bucket{kind="Service",le="0.005"} 1');
    expect(text).toContain('knative_controller_reconcile_duration_seconds_count{kind="Service"} 2');
    expect(text).toContain('knative_controller_workqueue_depth{queue="Service"} 7');
    expect(text).toContain('knative_controller_leader 1');
    expect(m.percentileMs(99)).toBeCloseTo(200);
  });

  test('rfc3339 drops the fraction; microTime keeps six fractional digits', () => {
    const c = fixedClock('2026-01-01T00:00:00.123Z');
    expect(rfc3339(c.now())).toBe('2026-01-01T00:00:00Z');
    expect(microTime(c.now())).toBe('2026-01-01T00:00:00.123000Z');
  });
});

/** Resolves once `cond()` holds; fails the test after `ms`. */
async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  for (const deadline = Date.now() + ms; !cond();) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('leader election', () => {
  test('acquire, a second candidate waits, release on stop hands over', async () => {
    const emu = await KubeApiEmulator.start();
    const ctl = newController(emu, { runWorkers: false });
    const events: string[] = [];
    const mk = (id: string) => new LeaderElector(ctl.client, {
      namespace: 'knative-serving',
      name: 'lease',
      identity: id,
      leaseDurationMs: 1000,
      renewDeadlineMs: 800,
      retryPeriodMs: 50,
      onStartedLeading: () => events.push(`${id}+`),
      onStoppedLeading: () => events.push(`${id}-`),
    });
    const a = mk('a');
    const b = mk('b');
    a.start();
    // Poll rather than sleep a fixed time: on a loaded machine the first acquire can take longer.
    await until(() => a.isLeader);
    b.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(a.isLeader).toBe(true);
    expect(b.isLeader).toBe(false);
    const lease = emu.get('leases', 'knative-serving', 'lease')!;
    expect(lease.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 1, leaseTransitions: 0 });
    await a.stop();
    expect(emu.get('leases', 'knative-serving', 'lease')!.spec.holderIdentity).toBeFalsy();
    await until(() => b.isLeader);
    expect(emu.get('leases', 'knative-serving', 'lease')!.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await b.stop();
    expect(events).toEqual(['a+', 'a-', 'b+', 'b-']);
    await emu.stop();
  });

  test('a crashed leader (no release) is replaced once its lease expires', async () => {
    const emu = await KubeApiEmulator.start();
    const ctl = newController(emu, { runWorkers: false });
    const mk = (id: string) => new LeaderElector(ctl.client, {
      namespace: 'knative-serving',
      name: 'lease2',
      identity: id,
      leaseDurationMs: 1000,
      renewDeadlineMs: 800,
      retryPeriodMs: 50,
      onStartedLeading: () => undefined,
      onStoppedLeading: () => undefined,
    });
    const a = mk('a');
    a.start();
    await until(() => a.isLeader);
    await a.stop(false); // crash: no release
    const b = mk('b');
    b.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(b.isLeader).toBe(false);
    await until(() => b.isLeader); // once the 1 s lease has expired
    expect(emu.get('leases', 'knative-serving', 'lease2')!.spec.holderIdentity).toBe('b');
    await b.stop();
    await emu.stop();
  });
});

describe('controller lifecycle', () => {
  test('after a Service converges, the metrics count successful reconciles of Service, Configuration, Revision and Route, and the controller is synced', async () => {
    const h = await startHarness();
    await applyService(h, ksvc('m', { template: { spec: image('gcr.io/example/app:1') } }));
    await h.emu.waitFor('ksvc', 'default', 'm', isReadyObj, 10_000);
    await h.settle();
    const text = h.controller.metrics.render();
    for (const k of ['Service', 'Configuration', 'Revision', 'Route']) expect(text).toMatch(new RegExp(`knative_controller_reconcile_total\\{kind="${k}",result="success"\\} [1-9]`));
    expect(h.controller.synced).toBe(true);
    await h.stop();
  });

  test('after convergence, reconciling every key again writes nothing', async () => {
    const h = await startHarness();
    await applyService(h, ksvc('q', { template: { spec: image('gcr.io/example/app:1') }, traffic: [{ latestRevision: true, percent: 100, tag: 'cur' }] }));
    await h.emu.waitFor('ksvc', 'default', 'q', isReadyObj, 10_000);
    await h.settle();
    const second = newController(h.emu, { runWorkers: false });
    await second.start();
    h.emu.clearActions();
    await second.reconcileOnce('Service', 'default/q');
    await second.reconcileOnce('Configuration', 'default/q');
    await second.reconcileOnce('Revision', 'default/q-00001');
    await second.reconcileOnce('Route', 'default/q');
    expect(h.emu.actions()).toEqual([]);
    await second.stop();
    await settle(h.emu, [h.controller]);
    await h.stop();
  });
});

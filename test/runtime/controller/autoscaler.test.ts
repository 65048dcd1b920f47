/**
 * The controller's KPA autoscaler end to end against the API emulator (simulated workloads):
 * stats pushed over HTTP to the stats endpoint (AUTOSCALER_AUTH=none), a fake clock, decision
 * ticks driven by the test (`autoscaler.tick()`), scale writes observed on the Deployment's
 * `deployments/scale` subresource and spec.replicas, and the Revision's Active condition,
 * actualReplicas and desiredReplicas.
 */
import * as http from 'node:http';
import { Harness, image, isReadyObj, ksvc, newController, startHarness } from './harness';
import { AUTOSCALER_STATS_PATH, AUTOSCALER_TOKEN_AUDIENCE } from '../../../src/core/runtime-contract';
import type { KubeObject } from '../../../src/core/types';
import { createLogger } from '../../../src/runtime/common/log';
import { createStatsEndpoint } from '../../../src/runtime/controller/autoscaler/endpoint';
import type { StatsServer } from '../../../src/runtime/controller/autoscaler/stats-server';
import { R } from '../../../src/runtime/controller/client';
import { realClock } from '../../../src/runtime/controller/clock';
import type { EmulatorOptions, RecordedAction } from '../../support/emulator';

const NS = 'default';

/** Short windows so a scale-down fits in a few dozen ticks: stable window 6 s (panic 1 s), grace 6 s. */
const FAST = {
  'autoscaling.knative.dev/window': '6s',
  'autoscaling.knative.dev/target': '10',
  'autoscaling.knative.dev/target-utilization-percentage': '100',
};
const FAST_CONFIG = { 'scale-to-zero-grace-period': '6s' };

interface World {
  h: Harness;
  stats: StatsServer;
  /** Advance the fake clock by `seconds`, one second at a time, posting `load(t)` each second and ticking every 2 s. */
  run(seconds: number, load?: (i: number) => Array<{ revision: string; concurrency: number; requests?: number }>): Promise<void>;
  post(body: unknown): Promise<number>;
  dep(rev: string): KubeObject;
  revision(rev: string): KubeObject;
  scaleWrites(rev?: string): number[];
  /** The autoscaler's Active transitions for `rev`, from its log: "Unknown Queued", "True", "False NoTraffic", ... */
  activeChanges(rev: string): string[];
  quiet(): Promise<void>;
}

function postJson(port: number, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: AUTOSCALER_STATS_PATH, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function configMap(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'knative-serving' }, data } as any;
}

async function world(opts: { emu?: EmulatorOptions; config?: Record<string, string> } = {}): Promise<World> {
  const logs: any[] = [];
  const log = createLogger({ level: 'info', sink: (l) => logs.push(JSON.parse(l)) });
  // Pod mode: pods keep their readiness across a scale, as the kubelet's do.
  const h = await startHarness({ simulateWorkloads: { delayMs: 2, readyDelayMs: 0, endpointSlices: true }, ...opts.emu },
    { autoscalerTickMs: 0, autoscalerTimers: false, log });
  h.emu.seed(configMap('config-autoscaler', { ...FAST_CONFIG, ...opts.config }));
  const stats = createStatsEndpoint(h.controller, { auth: 'none' });
  const port = await stats.listen(0, '127.0.0.1');
  let changes = 0;
  h.emu.onChange(() => changes++);
  const quiet = async (): Promise<void> => {
    // Controller idle, autoscaler idle and no change in the emulator (the workload simulation included) for 40 ms.
    let last = -1;
    let since = Date.now();
    const deadline = Date.now() + 10_000;
    for (;;) {
      await h.controller.autoscaler.idle();
      if (changes !== last || !h.controller.idle) {
        last = changes;
        since = Date.now();
      } else if (Date.now() - since >= 40) {
        return;
      }
      if (Date.now() > deadline) throw new Error('world did not quiesce');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const w: World = {
    h,
    stats,
    activeChanges: (rev) => logs.filter((l) => l.msg === 'active condition changed' && l.revision === `${NS}/${rev}`).map((l) => `${l.status} ${l.reason}`.trim()),
    post: (body) => postJson(port, body),
    async run(seconds, load) {
      for (let i = 0; i < seconds; i++) {
        h.clock.advance(1000);
        const batch = (load?.(i) ?? [])
          .map((s) => ({ namespace: NS, revision: s.revision, concurrency: s.concurrency, requests: s.requests ?? s.concurrency, poke: false }));
        if (batch.length) expect(await postJson(port, { sender: 'ingress-0', stats: batch })).toBe(204);
        if ((h.clock.now().getTime() / 1000) % 2 === 0) {
          await h.controller.autoscaler.tick();
          await quiet();
        }
      }
      await quiet();
    },
    dep: (rev) => h.emu.get('deployments', NS, `${rev}-deployment`)!,
    revision: (rev) => h.emu.get('revisions', NS, rev)!,
    scaleWrites: (rev) => h.emu.actions()
      .filter((a: RecordedAction) => a.resource === 'deployments' && a.subresource === 'scale' && (!rev || a.name === `${rev}-deployment`) && !a.error)
      .map((a) => (a.object as any).spec.replicas),
    quiet,
  };
  return w;
}

function active(rev: KubeObject): { status: string; reason?: string; severity?: string } {
  return rev.status.conditions.find((c: any) => c.type === 'Active');
}

async function service(w: World, name: string, annotations: Record<string, string>, img = 'gcr.io/x/app:1'): Promise<void> {
  w.h.emu.seed(ksvc(name, { template: { metadata: { annotations }, spec: image(img) } }));
  if (!img.includes('crashloop')) await w.h.emu.waitFor('ksvc', NS, name, isReadyObj, 10_000);
  await w.quiet();
}

describe('controller autoscaler (KPA)', () => {
  let w: World;
  afterEach(async () => {
    await w?.stats.close();
    await w?.h.stop();
  });

  test('a revision goes 1 → N under load, back down when it ends, then to zero after the stable window and the grace period; the Revision reconciler never reverts replicas', async () => {
    w = await world();
    await service(w, 'hello', FAST);
    const rev = 'hello-00001';
    expect(w.dep(rev).spec.replicas).toBe(1);
    expect(active(w.revision(rev))).toMatchObject({ status: 'True', severity: 'Info' });

    // 50 in flight, target 10 per pod → 5 pods, at once (panic: 5 / 1 ready ≥ 2).
    await w.run(4, () => [{ revision: rev, concurrency: 50 }]);
    expect(w.scaleWrites(rev)).toEqual([5]);
    expect(w.dep(rev).spec.replicas).toBe(5);
    expect(w.dep(rev).status.readyReplicas).toBe(5);
    const r = w.revision(rev);
    expect(r.status).toMatchObject({ desiredReplicas: 5, actualReplicas: 5 });
    expect(w.h.controller.metrics.render()).toMatch(/knative_autoscaler_desired_pods\{namespace="default",revision="hello-00001"\} 5/);
    expect(w.h.controller.metrics.render()).toMatch(/knative_autoscaler_panic_mode\{namespace="default",revision="hello-00001"\} 1/);

    // The Revision reconciler leaves the autoscaler's replicas alone (ignored in its diff).
    w.h.emu.clearActions();
    await w.h.controller.reconcileOnce('Revision', `${NS}/${rev}`);
    expect(w.h.emu.actions().filter((a) => a.resource === 'deployments')).toEqual([]);
    expect(w.dep(rev).spec.replicas).toBe(5);

    // Load ends. Panic holds 5 for a stable window after the last over-threshold tick, then the
    // scale-down rate (2) halves per tick: 5 → 2 → 1; at 0 desired the revision stays at 1 pod
    // until it was active for a stable window (Active → False NoTraffic), then the grace period.
    await w.run(30);
    expect(w.scaleWrites(rev)).toEqual([2, 1, 0]);
    expect(w.dep(rev).spec.replicas).toBe(0);
    const idle = w.revision(rev);
    expect(active(idle)).toMatchObject({ status: 'False', reason: 'NoTraffic', severity: 'Info' });
    expect(idle.status).toMatchObject({ desiredReplicas: 0, actualReplicas: 0 });
    expect(w.activeChanges(rev)).toEqual(['Unknown Queued', 'True', 'False NoTraffic']);
    // Active never affects Ready.
    expect(idle.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    expect(w.h.emu.get('ksvc', NS, 'hello')!.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
  });

  test('a poke from zero scales at once (no tick), Active goes Queued then True; the next stats keep it up', async () => {
    w = await world({ emu: { simulateWorkloads: { delayMs: 2, readyDelayMs: 300, endpointSlices: true } } });
    await service(w, 'cold', FAST);
    const rev = 'cold-00001';
    await w.run(20);
    expect(w.dep(rev).spec.replicas).toBe(0);
    expect(active(w.revision(rev))).toMatchObject({ status: 'False', reason: 'NoTraffic' });

    const writes = w.scaleWrites(rev).length;
    const h0Time = w.h.clock.now().getTime();
    expect(await w.post({ sender: 'ingress-0', stats: [{ namespace: NS, revision: rev, concurrency: 1, requests: 1, poke: true }] })).toBe(204);
    const dep = await w.h.emu.waitFor('deployments', NS, `${rev}-deployment`, (d) => d?.spec.replicas === 1, 5_000);
    expect(dep!.spec.replicas).toBe(1);
    expect(w.h.clock.now().getTime()).toBe(h0Time); // no tick, no time passed
    expect(w.scaleWrites(rev).slice(writes)).toEqual([1]);
    const queued = await w.h.emu.waitFor('revisions', NS, rev, (r) => active(r!)?.reason === 'Queued', 5_000);
    expect(active(queued!)).toMatchObject({ status: 'Unknown', reason: 'Queued' });
    const up = await w.h.emu.waitFor('revisions', NS, rev, (r) => active(r!)?.status === 'True', 5_000);
    expect(up!.status).toMatchObject({ actualReplicas: 1, desiredReplicas: 1 });
    expect(w.activeChanges(rev)).toEqual(['Unknown Queued', 'True', 'False NoTraffic', 'Unknown Queued', 'True']);
    // Steady traffic at one request in flight keeps the one pod.
    await w.run(20, () => [{ revision: rev, concurrency: 1 }]);
    expect(w.dep(rev).spec.replicas).toBe(1);
    expect(w.scaleWrites(rev).slice(writes)).toEqual([1]);
  });

  test('a reserve (unrouted) revision goes to zero although min-scale is set; the routed one keeps min-scale', async () => {
    w = await world();
    const anns = { ...FAST, 'autoscaling.knative.dev/min-scale': '1' };
    await service(w, 'web', anns);
    const svc = w.h.emu.get('ksvc', NS, 'web')!;
    await w.h.controller.client.update(R.services, { ...svc, spec: { template: { metadata: { annotations: anns }, spec: image('gcr.io/x/app:2') } } });
    await w.h.emu.waitFor('revisions', NS, 'web-00001', (r) => r?.metadata.labels?.['serving.knative.dev/routingState'] === 'reserve', 10_000);
    await w.h.emu.waitFor('ksvc', NS, 'web', (s) => isReadyObj(s) && s!.status.latestReadyRevisionName === 'web-00002', 10_000);
    await w.quiet();
    await w.run(30);
    expect(w.dep('web-00001').spec.replicas).toBe(0);
    expect(active(w.revision('web-00001'))).toMatchObject({ status: 'False', reason: 'NoTraffic' });
    expect(w.dep('web-00002').spec.replicas).toBe(1);
    expect(active(w.revision('web-00002'))).toMatchObject({ status: 'True' });
  });

  test('min-scale 2 and enable-scale-to-zero: false keep pods when idle', async () => {
    w = await world();
    await service(w, 'floor', { ...FAST, 'autoscaling.knative.dev/min-scale': '2' });
    await service(w, 'plain', FAST);
    expect(w.dep('floor-00001').spec.replicas).toBe(2);
    w.h.emu.put(configMap('config-autoscaler', { ...FAST_CONFIG, 'enable-scale-to-zero': 'false' }));
    await w.run(40);
    expect(w.dep('floor-00001').spec.replicas).toBe(2);
    expect(w.dep('plain-00001').spec.replicas).toBe(1);
    expect(w.scaleWrites()).toEqual([]);
    // The config change reaches every decider: scale to zero allowed again → plain goes to 0.
    w.h.emu.put(configMap('config-autoscaler', FAST_CONFIG));
    await w.run(20);
    expect(w.dep('plain-00001').spec.replicas).toBe(0);
    expect(w.dep('floor-00001').spec.replicas).toBe(2);
  });

  test('scale-down-delay holds the peak: the same load and idle period scale one revision down and not the one with a 20 s delay', async () => {
    w = await world();
    await service(w, 'quick', FAST);
    await service(w, 'held', { ...FAST, 'autoscaling.knative.dev/scale-down-delay': '20s' });
    await w.run(4, () => [{ revision: 'quick-00001', concurrency: 50 }, { revision: 'held-00001', concurrency: 50 }]);
    expect([w.dep('quick-00001').spec.replicas, w.dep('held-00001').spec.replicas]).toEqual([5, 5]);
    await w.run(16);
    expect(w.dep('quick-00001').spec.replicas).toBeLessThan(5);
    expect(w.dep('held-00001').spec.replicas).toBe(5);
    await w.run(14);
    expect(w.dep('held-00001').spec.replicas).toBeLessThan(5);
  });

  test('scale-to-zero-pod-retention-period keeps the last pod that long after the revision went inactive', async () => {
    w = await world();
    await service(w, 'kept', { ...FAST, 'autoscaling.knative.dev/scale-to-zero-pod-retention-period': '30s' });
    const rev = 'kept-00001';
    await w.run(10); // Active for a 6 s window with no traffic → Inactive (NoTraffic) at about 8 s
    const inactive = w.revision(rev).status.conditions.find((c: any) => c.type === 'Active');
    expect(inactive).toMatchObject({ status: 'False', reason: 'NoTraffic' });
    const since = Date.parse(inactive.lastTransitionTime);
    while (w.h.clock.now().getTime() < since + 29_000) await w.run(1);
    expect(w.dep(rev).spec.replicas).toBe(1);
    await w.run(3);
    expect(w.dep(rev).spec.replicas).toBe(0);
  });

  test('an HPA-class revision is left to its HorizontalPodAutoscaler: stats for it are not recorded and nothing scales it', async () => {
    w = await world();
    await service(w, 'cpu', { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'cpu' });
    const rev = 'cpu-00001';
    expect(w.h.emu.get('horizontalpodautoscalers', NS, rev)).toBeDefined();
    await w.run(40, () => [{ revision: rev, concurrency: 500 }]);
    expect(w.scaleWrites()).toEqual([]);
    expect(w.h.controller.autoscaler.counters).toMatchObject({ statsRecorded: 0, statsUnknownRevision: 40 });
    expect(w.h.controller.autoscaler.status(NS, rev)).toBeUndefined();
    expect(w.revision(rev).status.conditions.find((c: any) => c.type === 'Active').status).toBe('True');
  });

  test('a revision that never becomes ready: Active Unknown Queued, False TimedOut after progress-deadline + 30 s (scaled to zero), then NoTraffic; ResourcesAvailable False', async () => {
    w = await world();
    await service(w, 'broken', { ...FAST, 'serving.knative.dev/progress-deadline': '20s' }, 'gcr.io/x/crashloop:1');
    const rev = 'broken-00001';
    await w.run(4);
    expect(active(w.revision(rev))).toMatchObject({ status: 'Unknown', reason: 'Queued' });
    await w.run(44); // 48 s: not yet 20 s + 30 s
    expect(w.dep(rev).spec.replicas).toBe(1);
    await w.run(6);
    expect(w.dep(rev).spec.replicas).toBe(0);
    // As upstream's computeActiveCondition: TimedOut while it was activating, NoTraffic on the next pass.
    expect(w.activeChanges(rev)).toEqual(['Unknown Queued', 'False TimedOut', 'False NoTraffic']);
    const r = w.revision(rev);
    expect(active(r)).toMatchObject({ status: 'False', reason: 'NoTraffic' });
    expect(r.status.conditions.find((c: any) => c.type === 'ResourcesAvailable'))
      .toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded', message: 'Initial scale was never achieved' });
  });
});

describe('controller autoscaler: leadership', () => {
  test('a replica that is not the leader records stats but neither decides nor writes; once it leads, its warm windows scale at once', async () => {
    const h = await startHarness({ simulateWorkloads: { delayMs: 2, readyDelayMs: 0 } }, { autoscalerTickMs: 0, autoscalerTimers: false });
    h.emu.seed(configMap('config-autoscaler', FAST_CONFIG));
    h.emu.seed(ksvc('busy', { template: { metadata: { annotations: FAST }, spec: image('gcr.io/x/app:1') } }));
    await h.emu.waitFor('ksvc', NS, 'busy', isReadyObj, 10_000);
    await h.settle();
    await h.controller.stop();
    // Another replica holds the Lease: this one follows.
    const renew = new Date().toISOString().replace(/Z$/, '000Z');
    h.emu.seed({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'autoscaler-test', namespace: 'knative-serving' },
      spec: { holderIdentity: 'other', leaseDurationSeconds: 3600, acquireTime: renew, renewTime: renew, leaseTransitions: 0 },
    } as any);
    const follower = newController(h.emu, {
      clock: h.clock,
      leaderElection: true,
      podName: 'follower',
      leaseName: 'autoscaler-test',
      retryPeriodMs: 50,
      autoscalerTickMs: 0,
      autoscalerTimers: false,
    });
    const stats = createStatsEndpoint(follower, { auth: 'none' });
    const port = await stats.listen(0, '127.0.0.1');
    try {
      await follower.start();
      h.emu.clearActions();
      for (let i = 0; i < 4; i++) {
        h.clock.advance(1000);
        expect(await postJson(port, { sender: 'ingress-0', stats: [{ namespace: NS, revision: 'busy-00001', concurrency: 50, requests: 50, poke: i === 0 }] })).toBe(204);
        await follower.autoscaler.tick();
      }
      await follower.autoscaler.idle();
      expect(follower.isLeader).toBe(false);
      expect(follower.autoscaler.counters.statsRecorded).toBe(4);
      expect(follower.autoscaler.counters.decisions).toBe(0);
      expect(h.emu.actions().filter((a) => a.resource !== 'leases')).toEqual([]);

      // The Lease is released: the follower leads, and its first tick decides on the windows it kept.
      const lease = h.emu.get('leases', 'knative-serving', 'autoscaler-test')!;
      h.emu.put({ ...lease, spec: { ...lease.spec, holderIdentity: null } });
      const t0 = Date.now();
      while (!follower.isLeader) {
        if (Date.now() - t0 > 5000) throw new Error('follower did not take the Lease');
        await new Promise((r) => setTimeout(r, 10));
      }
      await follower.autoscaler.tick();
      await follower.autoscaler.idle();
      expect(h.emu.get('deployments', NS, 'busy-00001-deployment')!.spec.replicas).toBe(5);
    } finally {
      await stats.close();
      await follower.stop();
      await h.emu.stop();
    }
  });
});

describe('controller autoscaler: real timers and TokenReview', () => {
  test('with the real clock: ticks every 200 ms scale up under load, and gate timers take an idle revision to zero', async () => {
    const h = await startHarness({ simulateWorkloads: { delayMs: 2, readyDelayMs: 0, endpointSlices: true } },
      { clock: realClock, autoscalerTickMs: 200 });
    const stats = createStatsEndpoint(h.controller, { auth: 'none' });
    const port = await stats.listen(0, '127.0.0.1');
    try {
      h.emu.seed(configMap('config-autoscaler', FAST_CONFIG));
      h.emu.seed(ksvc('live', { template: { metadata: { annotations: FAST }, spec: image('gcr.io/x/app:1') } }));
      await h.emu.waitFor('ksvc', NS, 'live', isReadyObj, 10_000);
      // One ingress replica reporting 30 in flight once a second → 3 pods (target 10).
      const stat = { namespace: NS, revision: 'live-00001', concurrency: 30, requests: 30 };
      const report = (): void => void postJson(port, { sender: 'ingress-0', stats: [stat] });
      report();
      const load = setInterval(report, 1000);
      try {
        await h.emu.waitFor('deployments', NS, 'live-00001-deployment', (d) => d?.spec.replicas === 3, 5_000);
        await new Promise((r) => setTimeout(r, 1500));
        expect(h.emu.get('deployments', NS, 'live-00001-deployment')!.spec.replicas).toBe(3);
      } finally {
        clearInterval(load);
      }
      // Idle: 6 s window, Active for a window, then the 6 s grace period.
      const t0 = Date.now();
      await h.emu.waitFor('deployments', NS, 'live-00001-deployment', (d) => d?.spec.replicas === 0, 25_000);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(6_000);
    } finally {
      await stats.close();
      await h.stop();
    }
  }, 40_000);

  test('stats authenticated by the API server\'s TokenReview: the ingress ServiceAccount\'s token 204, another ServiceAccount 403, wrong audience or garbage 401', async () => {
    const logs: any[] = [];
    const log = createLogger({ level: 'info', sink: (l) => logs.push(JSON.parse(l)) });
    const h = await startHarness({ simulateWorkloads: { delayMs: 2, readyDelayMs: 0 } }, { autoscalerTickMs: 0, autoscalerTimers: false, log });
    const sa = (ns: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } } as any);
    h.emu.seed(sa('knative-serving', 'serving-ingress'), sa(NS, 'app'));
    const stats = createStatsEndpoint(h.controller);
    const port = await stats.listen(0, '127.0.0.1');
    const send = (token?: string): Promise<number> => new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        path: AUTOSCALER_STATS_PATH,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ sender: 'ingress-0', stats: [] }));
    });
    try {
      const ingress = h.emu.issueToken('knative-serving', 'serving-ingress', { audiences: [AUTOSCALER_TOKEN_AUDIENCE] }).token;
      const app = h.emu.issueToken(NS, 'app', { audiences: [AUTOSCALER_TOKEN_AUDIENCE] }).token;
      const apiAudience = h.emu.issueToken('knative-serving', 'serving-ingress').token;
      expect(await send(ingress)).toBe(204);
      expect(await send(app)).toBe(403);
      expect(await send(apiAudience)).toBe(401);
      expect(await send('not-a-token')).toBe(401);
      expect(await send()).toBe(401);
      expect(await send(ingress)).toBe(204);
      // One TokenReview per distinct token (the second ingress batch came from the cache).
      const reviews = h.emu.actions().filter((a) => a.resource === 'tokenreviews');
      expect(reviews).toHaveLength(4);
      expect(h.controller.metrics.render()).toMatch(/knative_autoscaler_stat_batches_total\{result="401"\} 3/);
      // Rejections are logged (once a minute per status).
      expect(logs.filter((l) => l.msg === 'autoscaler stats rejected').map((l) => l.status)).toEqual([403, 401]);
      // The controller may not create TokenReviews (RBAC): 503, logged with the API server's answer.
      h.emu.inject({ verb: 'create', resource: 'tokenreviews', code: 403, message: 'tokenreviews.authentication.k8s.io is forbidden', times: 1 });
      const fresh = h.emu.issueToken('knative-serving', 'serving-ingress', { audiences: [AUTOSCALER_TOKEN_AUDIENCE] }).token;
      expect(await send(fresh)).toBe(503);
      expect(logs.find((l) => l.msg === 'autoscaler stats rejected' && l.status === 503).reason).toMatch(/TokenReview failed: .*forbidden/);
      expect(await send(fresh)).toBe(204);
    } finally {
      await stats.close();
      await h.stop();
    }
  });
});

/**
 * Gradual rollout end to end on a fake clock: the real controller against the API emulator
 * steps a Service's new revision 1 % → 100 % (core/rollout, runtime.md §6), and the real ingress
 * (watcher → table → proxy) follows every step of `status.traffic` with no failed request.
 */
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { Pool } from 'undici';
import { Harness, applyService, cond, image, isReadyObj, ksvc, newController, settle, startHarness } from './harness';
import { parseRollout, ROLLOUT_STATE_ANNOTATION } from '../../../src/core/rollout';
import type { KubeObject } from '../../../src/core/types';
import { realClock } from '../../../src/runtime/controller/clock';
import { Controller } from '../../../src/runtime/controller/controller';
import { IngressProxy } from '../../../src/runtime/ingress/proxy';
import { lookupHost, RouteTable } from '../../../src/runtime/ingress/table';
import { KubeWatcher, startKubeWatcher, TableBuilder } from '../../../src/runtime/ingress/watcher';
import { makeKubeConfig } from '../../support/kubeconfig';
import { countBodies, get, startBackend, TestBackend } from '../ingress/helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const k8s: typeof K8s = require('@kubernetes/client-node');

const NS = 'default';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const HOST = 'roll.default.svc.cluster.local';
const ANN = { 'serving.knative.dev/rollout-duration': '10s' };

const split = (o: KubeObject | undefined): Array<[string, number]> =>
  (o?.status?.traffic ?? []).map((t: any) => [t.revisionName, t.percent] as [string, number]);
const routeOf = (h: Harness): KubeObject => h.emu.get('routes', NS, 'roll')!;
const stateOf = (h: Harness): ReturnType<typeof parseRollout> => parseRollout(routeOf(h).status?.annotations?.[ROLLOUT_STATE_ANNOTATION]);

async function until(what: string, pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not reached in time`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('gradual rollout (fake clock)', () => {
  let h: Harness;
  let ctl: Controller;
  const backends: Record<string, TestBackend> = {};
  let proxy: IngressProxy | undefined;
  let watcher: KubeWatcher | undefined;
  let pool: Pool | undefined;

  beforeAll(async () => {
    for (const id of ['roll-00001', 'roll-00002', 'roll-00003']) backends[id] = await startBackend(id);
  });
  afterAll(async () => {
    await Promise.all(Object.values(backends).map((b) => b.close()));
  });
  beforeEach(async () => {
    h = await startHarness({}, { requeueTimers: false });
    ctl = h.controller;
  });
  afterEach(async () => {
    await pool?.close();
    await watcher?.stop();
    await proxy?.close();
    pool = undefined;
    watcher = undefined;
    proxy = undefined;
    if (ctl !== h.controller) await ctl.stop();
    await h.stop();
  });

  /** Advance the fake clock, run the requeues due then, and wait for the controller to settle. */
  const tick = async (ms: number): Promise<void> => {
    h.clock.advance(ms);
    ctl.runDueRequeues();
    await settle(h.emu, [ctl]);
  };

  /** The real ingress (watcher → table → proxy) on the emulator, and `pool` to it; returns a getter of the table it serves. */
  const startIngress = async (): Promise<() => RouteTable | undefined> => {
    proxy = new IngressProxy({ resolver: (_ns, rev) => ({ origin: `http://127.0.0.1:${backends[rev]?.port ?? 1}` }) });
    const port = await proxy.listenInternal(0, '127.0.0.1');
    pool = new Pool(`http://127.0.0.1:${port}`, { connections: 8 });
    let table: RouteTable | undefined;
    const builder = new TableBuilder({ debounceMs: 5, onTable: (t) => { table = t; proxy!.setTable(t); } });
    watcher = await startKubeWatcher(k8s, makeKubeConfig(h.emu), builder, { systemNamespace: 'knative-serving' });
    return () => table;
  };

  const deploy = async (img: string): Promise<void> => {
    await applyService(h, ksvc('roll', { template: { spec: image(img) } }, { annotations: ANN }));
  };

  test('10 s: 1 % then 9 steps of 11 % a second apart; the ingress serves each step exactly and fails no request; a restarted controller resumes', async () => {
    const tableNow = await startIngress();
    const served = (): string => {
      const cur = tableNow();
      const e = cur && lookupHost(cur, HOST);
      return e ? e.balancer.items.map((t, i) => `${t.revision}=${e.balancer.weights[i]}`).join(',') : '';
    };
    const want = (s: Array<[string, number]>): string => s.filter(([, p]) => p > 0).map(([r, p]) => `${r}=${p}`).join(',');

    // Background load while the controller and the ingress change the split.
    const failures: string[] = [];
    let ok = 0;
    let load: Promise<void[]> | undefined;
    let stopLoad = false;
    const startLoad = (): void => {
      stopLoad = false;
      load = Promise.all(Array.from({ length: 4 }, async () => {
        while (!stopLoad) {
          try {
            const r = await get(pool!, HOST);
            if (r.status === 200 && r.body.startsWith('roll-')) ok++;
            else failures.push(`${r.status} ${r.body}`);
          } catch (e) {
            failures.push(String(e));
          }
        }
      }));
    };
    const pauseLoad = async (): Promise<void> => {
      stopLoad = true;
      await load;
    };
    /** The ingress has the Route's current status.traffic, and 100 requests split exactly as it says. */
    const servedAsStatus = async (): Promise<Array<[string, number]>> => {
      const s = split(routeOf(h));
      await until(`ingress serving ${want(s)}`, () => served() === want(s));
      await pauseLoad();
      const counts = await countBodies(pool!, HOST, 100, 4);
      expect(counts).toEqual(Object.fromEntries(s.filter(([, p]) => p > 0)));
      startLoad();
      return s;
    };

    await deploy('gcr.io/example/app:1');
    await h.emu.waitFor('ksvc', NS, 'roll', (o) => isReadyObj(o), 10_000);
    await servedAsStatus();
    expect(split(routeOf(h))).toEqual([['roll-00001', 100]]);

    await deploy('gcr.io/example/app:2');
    await h.emu.waitFor('routes', NS, 'roll', (o) => split(o).length === 2, 10_000);
    await settle(h.emu, [ctl]);
    // The new revision starts at 1 %; once that split is published the steps are planned: the
    // first step took < 1 s (fake clock) → minimum interval 1 s, 9 s left → 9 steps of
    // round(99 / 9) = 11 %, every 1 s.
    expect(split(routeOf(h))).toEqual([['roll-00001', 99], ['roll-00002', 1]]);
    expect(stateOf(h)!.configurations[0]).toEqual({
      configurationName: 'roll',
      percent: 100,
      revisions: [{ revisionName: 'roll-00001', percent: 99 }, { revisionName: 'roll-00002', percent: 1 }],
      stepParams: { startTime: T0, stepDuration: 1000, stepSize: 11, nextStepTime: T0 + 1000 },
    });
    expect(routeOf(h).status.conditions.find((c: any) => c.type === 'IngressReady')).toMatchObject({
      status: 'Unknown', reason: 'RolloutInProgress', message: 'A gradual rollout of the latest revision(s) is in progress.',
    });
    expect(cond(routeOf(h))).toBe('Unknown');
    expect(cond(h.emu.get('ksvc', NS, 'roll'))).toBe('Unknown');
    expect(ctl.scheduledRequeues()).toEqual([{ kind: 'Route', key: 'default/roll', due: T0 + 1000 }]);
    startLoad();
    await servedAsStatus();

    const seen: number[] = [1];
    for (let step = 1; step <= 9; step++) {
      // not due yet: nothing moves
      await tick(999);
      expect(split(routeOf(h))[1]?.[1] ?? 100).toBe(seen[seen.length - 1]);
      await tick(1);
      const s = await servedAsStatus();
      seen.push(s.length === 2 ? s[1][1] : s[0][1]);
      if (step < 9) expect(ctl.scheduledRequeues()).toEqual([{ kind: 'Route', key: 'default/roll', due: T0 + 1000 * (step + 1) }]);

      if (step === 4) {
        // Controller restart mid-rollout: the new one resumes from the state in the Route status.
        await ctl.stop();
        ctl = newController(h.emu, { clock: h.clock, requeueTimers: false });
        await ctl.start();
        await settle(h.emu, [ctl]);
        expect(split(routeOf(h))).toEqual([['roll-00001', 55], ['roll-00002', 45]]);
        expect(ctl.scheduledRequeues()).toEqual([{ kind: 'Route', key: 'default/roll', due: T0 + 5000 }]);
      }
    }
    expect(seen).toEqual([1, 12, 23, 34, 45, 56, 67, 78, 89, 100]);
    expect(split(routeOf(h))).toEqual([['roll-00002', 100]]);
    expect(stateOf(h)!.configurations[0].stepParams).toEqual({ startTime: 0, nextStepTime: 0, stepDuration: 0, stepSize: 0 });
    expect(ctl.scheduledRequeues()).toEqual([]);
    const svc = (await h.emu.waitFor('ksvc', NS, 'roll', (o) => isReadyObj(o), 10_000))!;
    expect(svc.status.traffic).toEqual([{ revisionName: 'roll-00002', latestRevision: true, percent: 100 }]);
    expect(cond(routeOf(h), 'IngressReady')).toBe('True');

    await pauseLoad();
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
  }, 60_000);

  test('on the real clock the controller\'s own timer runs the step: 2 s → 1 % then 99 % one second later', async () => {
    await h.stop();
    h = await startHarness({}, { clock: realClock });
    ctl = h.controller;
    await applyService(h, ksvc('roll', { template: { spec: image('gcr.io/example/app:1') } }, { annotations: { 'serving.knative.dev/rollout-duration': '2s' } }));
    await h.emu.waitFor('ksvc', NS, 'roll', (o) => isReadyObj(o), 10_000);
    await applyService(h, ksvc('roll', { template: { spec: image('gcr.io/example/app:2') } }, { annotations: { 'serving.knative.dev/rollout-duration': '2s' } }));
    await h.emu.waitFor('routes', NS, 'roll', (o) => split(o).length === 2, 10_000);
    const started = Date.now();
    expect(split(routeOf(h))).toEqual([['roll-00001', 99], ['roll-00002', 1]]);
    await h.emu.waitFor('routes', NS, 'roll', (o) => split(o).length === 1 && split(o)[0][0] === 'roll-00002', 10_000);
    // one step of 99 % planned 1 s after the 1 % split was published (timer granularity aside)
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(5000);
    await h.emu.waitFor('ksvc', NS, 'roll', (o) => isReadyObj(o), 10_000);
  }, 30_000);

  test('a new revision mid-rollout takes 1 % from the newest older one; all older ones then drain newest first', async () => {
    await deploy('gcr.io/example/app:1');
    await h.emu.waitFor('ksvc', NS, 'roll', (o) => isReadyObj(o), 10_000);
    await deploy('gcr.io/example/app:2');
    await h.emu.waitFor('routes', NS, 'roll', (o) => split(o).length === 2, 10_000);
    await settle(h.emu, [ctl]);
    await tick(1000);
    await tick(1000);
    expect(split(routeOf(h))).toEqual([['roll-00001', 77], ['roll-00002', 23]]);

    await deploy('gcr.io/example/app:3');
    await h.emu.waitFor('routes', NS, 'roll', (o) => split(o).length === 3, 10_000);
    await settle(h.emu, [ctl]);
    expect(split(routeOf(h))).toEqual([['roll-00001', 77], ['roll-00002', 22], ['roll-00003', 1]]);
    // the timing restarts with the new revision: the next step is 1 s after its 1 % was published
    expect(stateOf(h)!.configurations[0].stepParams).toEqual({ startTime: T0 + 2000, stepDuration: 1000, stepSize: 11, nextStepTime: T0 + 3000 });
    const history: Array<Array<[string, number]>> = [];
    for (let i = 0; i < 9; i++) {
      await tick(1000);
      history.push(split(routeOf(h)));
    }
    expect(history).toEqual([
      [['roll-00001', 77], ['roll-00002', 11], ['roll-00003', 12]],
      [['roll-00001', 77], ['roll-00003', 23]],
      [['roll-00001', 66], ['roll-00003', 34]],
      [['roll-00001', 55], ['roll-00003', 45]],
      [['roll-00001', 44], ['roll-00003', 56]],
      [['roll-00001', 33], ['roll-00003', 67]],
      [['roll-00001', 22], ['roll-00003', 78]],
      [['roll-00001', 11], ['roll-00003', 89]],
      [['roll-00003', 100]],
    ]);
    await h.emu.waitFor('ksvc', NS, 'roll', (o) => isReadyObj(o), 10_000);
  }, 60_000);

  test('tagged latestRevision targets roll too: their share of the main traffic (status.traffic) and each tag\'s own host (the tag\'s rollout); the ingress serves every step on all hosts and fails no request', async () => {
    const tableNow = await startIngress();
    const hosts: Record<string, string> = { '': HOST, 'canary': 'canary-roll.default.svc.cluster.local', 'latest': 'latest-roll.default.svc.cluster.local' };
    const traffic = [
      { latestRevision: true, percent: 70 },
      { tag: 'canary', latestRevision: true, percent: 30 },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ];
    const deployTagged = (img: string): Promise<KubeObject> =>
      applyService(h, ksvc('roll', { template: { spec: image(img) }, traffic }, { annotations: ANN }));

    /** What each host must serve: the main split is status.traffic; a tag's host its rollout while it rolls, else its revision. */
    const expected = (): Record<string, Record<string, number>> => {
      const st = split(routeOf(h));
      const main: Record<string, number> = {};
      for (const [r, p] of st) if (p > 0) main[r] = (main[r] ?? 0) + p;
      const out: Record<string, Record<string, number>> = { '': main };
      for (const tag of ['canary', 'latest']) {
        const ro = stateOf(h)!.configurations.find((c) => c.tag === tag)!;
        out[tag] = Object.fromEntries(ro.revisions.map((r) => [r.revisionName, r.percent]));
      }
      return out;
    };
    const served = (host: string): Record<string, number> => {
      const cur = tableNow();
      const e = cur && lookupHost(cur, host);
      return e ? Object.fromEntries(e.balancer.items.map((t, i) => [t.revision, e.balancer.weights[i]])) : {};
    };

    const failures: string[] = [];
    let ok = 0;
    let stopLoad = false;
    let load: Promise<void[]> | undefined;
    const startLoad = (): void => {
      stopLoad = false;
      load = Promise.all(Object.values(hosts).map(async (host) => {
        while (!stopLoad) {
          const r = await get(pool!, host).catch((e) => ({ status: 0, body: String(e) }));
          if (r.status === 200 && r.body.startsWith('roll-')) ok++;
          else failures.push(`${host}: ${r.status} ${r.body}`);
        }
      }));
    };
    /** Every host serves what `expected` says, and 100 requests per host split exactly so. */
    const servedAsExpected = async (): Promise<Record<string, Record<string, number>>> => {
      const want = expected();
      await until(`ingress serving ${JSON.stringify(want)}`, () => Object.entries(hosts).every(([k, host]) => JSON.stringify(served(host)) === JSON.stringify(want[k])));
      stopLoad = true;
      await load;
      for (const [k, host] of Object.entries(hosts)) expect([k, await countBodies(pool!, host, 100, 4)]).toEqual([k, want[k]]);
      startLoad();
      return want;
    };

    await deployTagged('gcr.io/example/app:1');
    await h.emu.waitFor('ksvc', NS, 'roll', (o) => isReadyObj(o), 10_000);
    await servedAsExpected();
    startLoad();
    await deployTagged('gcr.io/example/app:2');
    await h.emu.waitFor('routes', NS, 'roll', (o) => split(o).length === 4, 10_000);
    await settle(h.emu, [ctl]);
    // 1 %: from the tagged entry's share (the last one carrying the old revision), and on each tag's host
    expect(routeOf(h).status.traffic).toEqual([
      { revisionName: 'roll-00001', latestRevision: true, percent: 70 },
      { tag: 'canary', revisionName: 'roll-00001', latestRevision: true, percent: 29, url: 'http://canary-roll.default.svc.cluster.local' },
      { tag: 'canary', revisionName: 'roll-00002', latestRevision: true, percent: 1, url: 'http://canary-roll.default.svc.cluster.local' },
      { tag: 'latest', revisionName: 'roll-00002', latestRevision: true, percent: 0, url: 'http://latest-roll.default.svc.cluster.local' },
    ]);
    expect(await servedAsExpected()).toEqual({
      '': { 'roll-00001': 99, 'roll-00002': 1 }, 'canary': { 'roll-00001': 99, 'roll-00002': 1 }, 'latest': { 'roll-00001': 99, 'roll-00002': 1 },
    });
    // main traffic and both tags: 1 % first, then steps of 11 % a second apart, each rollout on its own
    expect(stateOf(h)!.configurations.map((c) => [c.tag ?? '', c.stepParams.stepSize, c.stepParams.nextStepTime])).toEqual([
      ['', 11, T0 + 1000], ['canary', 11, T0 + 1000], ['latest', 11, T0 + 1000],
    ]);
    const newShare: number[] = [1];
    for (let step = 1; step <= 9; step++) {
      await tick(1000);
      const want = await servedAsExpected();
      newShare.push(want['']['roll-00002']);
      expect(want.canary).toEqual(want['']);
      expect(want.latest).toEqual(want['']);
    }
    expect(newShare).toEqual([1, 12, 23, 34, 45, 56, 67, 78, 89, 100]);
    expect(routeOf(h).status.traffic.map((t: any) => [t.tag ?? '', t.revisionName, t.percent])).toEqual([
      ['', 'roll-00002', 70], ['canary', 'roll-00002', 30], ['latest', 'roll-00002', 0],
    ]);
    await h.emu.waitFor('ksvc', NS, 'roll', (o) => isReadyObj(o), 10_000);
    stopLoad = true;
    await load;
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
  }, 60_000);
});

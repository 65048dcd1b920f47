/**
 * The pod-level data path and the activator, with real loopback backends as pods and the
 * in-process endpoints source (`proxy.setEndpoints`, what the watcher calls with EndpointSlices):
 * per-pod limits (containerConcurrency), LB policies, queueing and overflow, activation from
 * zero (held requests, poke, probing of not-ready pods), timeouts while held, endpoint changes
 * under load, exact splits with several pods per revision, WebSockets.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { get, ingressConfig, routeWithStatus, startBackend, TestBackend } from './helpers';
import type { PodEndpoint } from '../../../src/runtime/ingress/endpoints';
import { IngressProxy, ProxyOptions, RevisionInfo } from '../../../src/runtime/ingress/proxy';
import type { RevisionStat } from '../../../src/runtime/ingress/stats';
import { buildRouteTable } from '../../../src/runtime/ingress/table';

const NS = 'default';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pod = (b: { port: number }, ready = true): PodEndpoint => ({ ip: '127.0.0.1', port: b.port, ready, terminating: false });

async function until(pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not reached in time');
    await sleep(5);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** A proxy on the internal listener with the given revisions' settings, and a client pool. */
interface Setup { proxy: IngressProxy; client: Pool; port: number; pokes: RevisionStat[]; close(): Promise<void> }

async function setup(revisions: Record<string, RevisionInfo>, opts: Partial<ProxyOptions> = {}): Promise<Setup> {
  const pokes: RevisionStat[] = [];
  const proxy = new IngressProxy({ revisions: (_ns, rev) => revisions[rev], onPoke: (s) => pokes.push(s), ...opts });
  const port = await proxy.listenInternal(0, '127.0.0.1');
  const client = new Pool(`http://127.0.0.1:${port}`, { connections: 64 });
  return {
    proxy,
    client,
    port,
    pokes,
    async close() {
      await client.close();
      await proxy.close();
    },
  };
}

/** `ingress_pod_wait_seconds` of a revision and reason: observations and their sum (seconds); zeros when none. */
function podWait(proxy: IngressProxy, revision: string, reason: 'cold_start' | 'concurrency'): { count: number; sum: number } {
  const text = proxy.metrics.render();
  const labels = `\\{namespace="${NS}",revision="${revision}",reason="${reason}"\\}`;
  const num = (suffix: string): number => Number(new RegExp(`^ingress_pod_wait_seconds_${suffix}${labels} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { count: num('count'), sum: num('sum') };
}

const route = (name: string, split: Array<[string, number]>): ReturnType<typeof routeWithStatus> =>
  routeWithStatus(NS, name, split.map(([revision, percent]) => ({ revision, percent })));

describe('per-pod limits (containerConcurrency) and LB policies', () => {
  const backends: TestBackend[] = [];
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.close()));
  });
  const start = async (n: number, prefix: string): Promise<TestBackend[]> => {
    const out: TestBackend[] = [];
    for (let i = 0; i < n; i++) out.push(await startBackend(`${prefix}#${i}`));
    backends.push(...out);
    return out;
  };

  test('CC=1: 10,000 requests from 50 clients, no backend ever sees two requests at once, none fails', async () => {
    const s = await setup({ 'cc1-1': { containerConcurrency: 1 } });
    const pods = await start(4, 'cc1-1');
    s.proxy.setTable(buildRouteTable([route('cc1', [['cc1-1', 100]])], ingressConfig()));
    s.proxy.setEndpoints(NS, 'cc1-1', pods.map((b) => pod(b)));
    const statuses: Record<number, number> = {};
    let next = 0;
    let peakWaiting = 0;
    const worker = async (): Promise<void> => {
      while (next < 10_000) {
        next++;
        const r = await get(s.client, 'cc1.default', '/work?ms=0');
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        peakWaiting = Math.max(peakWaiting, s.proxy.requestsWaiting);
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    expect(statuses).toEqual({ 200: 10_000 });
    expect(pods.map((b) => b.maxInFlight)).toEqual([1, 1, 1, 1]);
    expect(pods.reduce((n, b) => n + b.hits, 0)).toBe(10_000);
    expect(peakWaiting).toBeGreaterThan(0); // 50 clients, 4 slots: requests did queue
    expect(s.proxy.requestsWaiting).toBe(0);
    await s.close();
  });

  test('CC=2 (1–3): first pod with a free slot in ip:port order', async () => {
    const s = await setup({ 'ff-1': { containerConcurrency: 2 } });
    const pods = await start(3, 'ff-1');
    const sorted = [...pods].sort((a, b) => (`127.0.0.1:${a.port}` < `127.0.0.1:${b.port}` ? -1 : 1));
    s.proxy.setTable(buildRouteTable([route('ff', [['ff-1', 100]])], ingressConfig()));
    s.proxy.setEndpoints(NS, 'ff-1', pods.map((b) => pod(b)));
    for (let i = 0; i < 10; i++) expect((await get(s.client, 'ff.default', '/work?ms=0')).body).toBe(sorted[0].id);
    // five at once: two on the first pod, two on the second, one on the third
    const bodies = (await Promise.all(Array.from({ length: 5 }, () => get(s.client, 'ff.default', '/work?ms=200')))).map((r) => r.body).sort();
    expect(bodies).toEqual([sorted[0].id, sorted[0].id, sorted[1].id, sorted[1].id, sorted[2].id].sort());
    expect(pods.map((b) => b.maxInFlight).sort()).toEqual([1, 2, 2]);
    await s.close();
  });

  test('CC=5 (> 3): round robin; CC=0: power of two choices spreads the load', async () => {
    const s = await setup({ 'rr-1': { containerConcurrency: 5 }, 'p2-1': {} });
    const rr = await start(3, 'rr-1');
    const p2 = await start(3, 'p2-1');
    s.proxy.setTable(buildRouteTable([route('rr', [['rr-1', 100]]), route('p2', [['p2-1', 100]])], ingressConfig()));
    s.proxy.setEndpoints(NS, 'rr-1', rr.map((b) => pod(b)));
    s.proxy.setEndpoints(NS, 'p2-1', p2.map((b) => pod(b)));
    for (let i = 0; i < 9; i++) await get(s.client, 'rr.default', '/work?ms=0');
    expect(rr.map((b) => b.hits)).toEqual([3, 3, 3]);
    // P2C: with 30 requests in flight at once, the fewer-in-flight pick keeps pods within a few of each other
    await Promise.all(Array.from({ length: 30 }, () => get(s.client, 'p2.default', '/work?ms=300')));
    for (const b of p2) expect(b.maxInFlight).toBeGreaterThanOrEqual(6);
    expect(p2.reduce((n, b) => n + b.hits, 0)).toBe(30);
    await s.close();
  });

  test('queueing: CC=1 and one pod, 10 requests at once are answered one after another, in order of arrival', async () => {
    const s = await setup({ 'q-1': { containerConcurrency: 1 } });
    const [b] = await start(1, 'q-1');
    s.proxy.setTable(buildRouteTable([route('q', [['q-1', 100]])], ingressConfig()));
    s.proxy.setEndpoints(NS, 'q-1', [pod(b)]);
    const order: number[] = [];
    const t0 = Date.now();
    const all = Array.from({ length: 10 }, async (_, i) => {
      await sleep(i * 5); // arrive in order
      const r = await get(s.client, 'q.default', '/work?ms=40');
      order.push(i);
      return r.status;
    });
    let peak = 0;
    const watch = setInterval(() => { peak = Math.max(peak, s.proxy.requestsWaiting); }, 2);
    expect(await Promise.all(all)).toEqual(Array(10).fill(200));
    clearInterval(watch);
    expect(peak).toBeGreaterThanOrEqual(7);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(b.maxInFlight).toBe(1);
    // the 9 that queued behind the busy pod are observed as concurrency waits; the first was sent at once
    const waited = podWait(s.proxy, 'q-1', 'concurrency');
    expect(waited.count).toBe(9);
    expect(waited.sum).toBeGreaterThan(9 * 0.04);
    expect(podWait(s.proxy, 'q-1', 'cold_start').count).toBe(0);
    await s.close();
  });

  test('overflow: past the per-revision bound → 503 "pending request queue full", counted; the total bound too', async () => {
    const s = await setup({ 'o-1': { containerConcurrency: 1 }, 'o-2': { containerConcurrency: 1 } }, { maxWaitingPerRevision: 3, maxWaitingTotal: 4 });
    const [b1, b2] = await start(2, 'o');
    s.proxy.setTable(buildRouteTable([route('o1', [['o-1', 100]]), route('o2', [['o-2', 100]])], ingressConfig()));
    s.proxy.setEndpoints(NS, 'o-1', [pod(b1)]);
    s.proxy.setEndpoints(NS, 'o-2', [pod(b2)]);
    // o-1: 1 running + 3 waiting; the other 6 overflow
    const first = await Promise.all(Array.from({ length: 10 }, () => get(s.client, 'o1.default', '/work?ms=300')));
    const tally = (rs: Array<{ status: number; body: string }>): Record<string, number> => {
      const t: Record<string, number> = {};
      for (const r of rs) t[`${r.status} ${r.body.trim()}`] = (t[`${r.status} ${r.body.trim()}`] ?? 0) + 1;
      return t;
    };
    expect(tally(first)).toEqual({ '200 o#0': 4, '503 pending request queue full': 6 });
    expect(s.proxy.metrics.render()).toMatch(/ingress_queue_overflows_total\{namespace="default",revision="o-1"\} 6/);
    // total bound 4: 3 waiting at o-1 leave room for one at o-2
    const a = Array.from({ length: 4 }, () => get(s.client, 'o1.default', '/work?ms=300'));
    await until(() => s.proxy.requestsWaiting === 3);
    const b = await Promise.all(Array.from({ length: 4 }, () => get(s.client, 'o2.default', '/work?ms=300')));
    expect(tally(b)).toEqual({ '200 o#1': 2, '503 pending request queue full': 2 });
    expect(tally(await Promise.all(a))).toEqual({ '200 o#0': 4 });
    await s.close();
  });
});

describe('activation: requests held while a revision has no ready pod', () => {
  const backends: TestBackend[] = [];
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.close()));
  });

  test('from zero: held (none lost), the autoscaler poked once at once, all answered as soon as a pod is ready', async () => {
    const s = await setup({ 'z-1': { timeoutMs: 10_000 } });
    s.proxy.setTable(buildRouteTable([route('z', [['z-1', 100]])], ingressConfig()));
    const t0 = Date.now();
    const all = Promise.all(Array.from({ length: 30 }, () => get(s.client, 'z.default', '/work?ms=1')));
    await until(() => s.proxy.requestsWaiting === 30);
    expect(s.pokes).toEqual([{ namespace: NS, revision: 'z-1', concurrency: 1, requests: 1, poke: true }]);
    expect(s.proxy.metrics.render()).toMatch(/ingress_requests_held 30/);
    await sleep(200);
    const b = await startBackend('z-1');
    backends.push(b);
    // the EndpointSlice appears with the pod not ready yet, then ready
    s.proxy.setEndpoints(NS, 'z-1', [{ ...pod(b), ready: false }]);
    s.proxy.setEndpoints(NS, 'z-1', [pod(b)]);
    const rs = await all;
    expect(rs.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    expect(b.hits).toBe(30);
    expect(s.proxy.requestsWaiting).toBe(0);
    // each held request's cold start, as its client saw it (≥ the 200 ms without a pod)
    const cold = podWait(s.proxy, 'z-1', 'cold_start');
    expect(cold.count).toBe(30);
    expect(cold.sum).toBeGreaterThanOrEqual(30 * 0.2);
    expect(cold.sum).toBeLessThan(30 * 5);
    expect(podWait(s.proxy, 'z-1', 'concurrency').count).toBe(0);
    // stats: the poke's request is not counted twice; all 30 arrived in the first period(s)
    let requests = 0;
    for (let i = 0; i < 3; i++) for (const st of s.proxy.stats.tick(performance.now() / 1000 + i)) requests += st.requests;
    expect(requests).toBe(29);
    await s.close();
  });

  test('a not-ready pod is probed by the ingress (TCP) and used as soon as it listens, without waiting for the kubelet', async () => {
    const s = await setup({ 'p-1': { timeoutMs: 10_000 } });
    s.proxy.setTable(buildRouteTable([route('p', [['p-1', 100]])], ingressConfig()));
    const port = await freePort();
    s.proxy.setEndpoints(NS, 'p-1', [{ ip: '127.0.0.1', port, ready: false, terminating: false }]);
    const all = Promise.all(Array.from({ length: 5 }, () => get(s.client, 'p.default', '/work')));
    await sleep(300);
    expect(s.proxy.requestsWaiting).toBe(5);
    const b = await startBackend('p-1', port);
    backends.push(b);
    const up = Date.now();
    expect((await all).map((r) => r.body)).toEqual(Array(5).fill('p-1'));
    expect(Date.now() - up).toBeLessThan(200); // probed every 50 ms
    expect(s.proxy.metrics.render()).toMatch(/ingress_pod_probes_total\{result="success"\} 1/);
    await s.close();
  });

  test('with an httpGet readiness probe the pod is used once its path answers 2xx/3xx, not on a mere TCP connect', async () => {
    let ready = false;
    let served = 0;
    const server = http.createServer((req, res) => {
      if (req.url === '/healthz') {
        res.writeHead(ready ? 200 : 503).end();
        return;
      }
      served++;
      res.end('h-1');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const s = await setup({ 'h-1': { timeoutMs: 10_000, probe: { kind: 'http', path: '/healthz' } } });
    s.proxy.setTable(buildRouteTable([route('h', [['h-1', 100]])], ingressConfig()));
    s.proxy.setEndpoints(NS, 'h-1', [{ ip: '127.0.0.1', port, ready: false, terminating: false }]);
    const r = get(s.client, 'h.default');
    await sleep(300);
    expect(served).toBe(0);
    ready = true;
    expect((await r).body).toBe('h-1');
    await s.close();
    await new Promise<void>((res) => server.close(() => res()));
  });

  test('past the revision\'s timeout while held → 504 "activator request timeout"; a client that leaves is not sent on', async () => {
    const s = await setup({ 't-1': { timeoutMs: 300 }, 'l-1': { timeoutMs: 10_000 } });
    s.proxy.setTable(buildRouteTable([route('t', [['t-1', 100]]), route('l', [['l-1', 100]])], ingressConfig()));
    const t0 = Date.now();
    const rs = await Promise.all(Array.from({ length: 3 }, () => get(s.client, 't.default')));
    expect(rs.map((r) => [r.status, r.body])).toEqual(Array(3).fill([504, 'activator request timeout\n']));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(295);
    expect(s.proxy.metrics.render()).toMatch(/ingress_wait_timeouts_total\{namespace="default",revision="t-1"\} 3/);
    expect(s.proxy.requestsWaiting).toBe(0);

    // a client gives up while held: it leaves the queue and is never sent to the pod
    const ac = new AbortController();
    const gone = s.client.request({ path: '/', method: 'GET', headers: { host: 'l.default' }, signal: ac.signal }).catch((e: Error) => e);
    await until(() => s.proxy.requestsWaiting === 1);
    ac.abort();
    await gone;
    await until(() => s.proxy.requestsWaiting === 0 && s.proxy.requestsInFlight === 0);
    const b = await startBackend('l-1');
    backends.push(b);
    s.proxy.setEndpoints(NS, 'l-1', [pod(b)]);
    await sleep(50);
    expect(b.hits).toBe(0);
    expect((await get(s.client, 'l.default')).body).toBe('l-1');
    await s.close();
  });

  test('a WebSocket is held from zero like any request, then tunnelled; with CC=1 the next one waits for the first to close', async () => {
    const s = await setup({ 'w-1': { containerConcurrency: 1, timeoutMs: 10_000 } });
    s.proxy.setTable(buildRouteTable([route('w', [['w-1', 100]])], ingressConfig()));
    const open = (): Promise<WebSocket> => new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${s.port}/`, { headers: { host: 'w.default' } });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
    const echo = (ws: WebSocket, m: string): Promise<string> => new Promise((r) => {
      ws.once('message', (d) => r(d.toString()));
      ws.send(m);
    });
    const first = open();
    await until(() => s.proxy.requestsWaiting === 1);
    expect(s.pokes).toHaveLength(1);
    const b = await startBackend('w-1');
    backends.push(b);
    s.proxy.setEndpoints(NS, 'w-1', [pod(b)]);
    const ws1 = await first;
    expect(await echo(ws1, 'hi')).toBe('w-1:hi');
    let secondOpen = false;
    const second = open().then((ws) => { secondOpen = true; return ws; });
    await until(() => s.proxy.requestsWaiting === 1);
    await sleep(100);
    expect(secondOpen).toBe(false);
    ws1.close();
    const ws2 = await second;
    expect(await echo(ws2, 'again')).toBe('w-1:again');
    ws2.close();
    // the first upgrade waited for a cold start, the second for the CC=1 slot (≥ the 100 ms it was kept waiting)
    expect(podWait(s.proxy, 'w-1', 'cold_start').count).toBe(1);
    expect(podWait(s.proxy, 'w-1', 'concurrency')).toEqual({ count: 1, sum: expect.any(Number) });
    expect(podWait(s.proxy, 'w-1', 'concurrency').sum).toBeGreaterThanOrEqual(0.1);
    await s.close();
  });
});

describe('endpoint changes and splits', () => {
  const backends: TestBackend[] = [];
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.close()));
  });

  test('a removed pod finishes its in-flight requests; new ones go to the remaining pods', async () => {
    const s = await setup({ 'm-1': {} });
    const [b1, b2] = [await startBackend('m#1'), await startBackend('m#2')];
    backends.push(b1, b2);
    s.proxy.setTable(buildRouteTable([route('m', [['m-1', 100]])], ingressConfig()));
    s.proxy.setEndpoints(NS, 'm-1', [pod(b1)]);
    const slow = get(s.client, 'm.default', '/work?ms=300');
    await until(() => b1.inFlight === 1);
    s.proxy.setEndpoints(NS, 'm-1', [pod(b2), { ...pod(b1), ready: false, terminating: true }]);
    expect((await get(s.client, 'm.default', '/work')).body).toBe('m#2');
    expect(await slow).toMatchObject({ status: 200, body: 'm#1' });
    await s.close();
  });

  test('a pod that refuses connections before its EndpointSlice says so: requests go elsewhere (or wait), the pod is probed back in', async () => {
    const s = await setup({ 'x-1': { timeoutMs: 10_000 } });
    const [b1, b2] = [await startBackend('x#1'), await startBackend('x#2')];
    backends.push(b2);
    s.proxy.setTable(buildRouteTable([route('x', [['x-1', 100]])], ingressConfig()));
    s.proxy.setEndpoints(NS, 'x-1', [pod(b1), pod(b2)]);
    const deadPort = b1.port;
    await b1.close(); // the pod died; the slices still list it as ready
    const rs = await Promise.all(Array.from({ length: 20 }, () => get(s.client, 'x.default', '/work')));
    expect(rs.map((r) => `${r.status} ${r.body}`)).toEqual(Array(20).fill('200 x#2'));
    expect(s.proxy.poolOf(NS, 'x-1')!.usableCount).toBe(1);
    // only pod left is dead too: requests wait, and go to it once it listens again (probe)
    await b2.close();
    const waiting = Promise.all(Array.from({ length: 3 }, () => get(s.client, 'x.default', '/work')));
    await until(() => s.proxy.requestsWaiting === 3);
    const back = await startBackend('x#1-again', deadPort);
    backends.push(back);
    expect((await waiting).map((r) => `${r.status} ${r.body}`)).toEqual(Array(3).fill('200 x#1-again'));
    // the retried requests waited with no usable pod left; the 20 sent on to x#2 at once did not wait
    expect(podWait(s.proxy, 'x-1', 'cold_start').count).toBe(3);
    expect(podWait(s.proxy, 'x-1', 'concurrency').count).toBe(0);
    expect(s.proxy.requestsWaiting).toBe(0);
    await s.close();
  });

  test('endpoints changing under load (pods added, removed, not ready, back): no request fails or is lost', async () => {
    const s = await setup({ 'u-1': { containerConcurrency: 2, timeoutMs: 10_000 } });
    const pods: TestBackend[] = [];
    for (let i = 0; i < 6; i++) pods.push(await startBackend(`u#${i}`));
    backends.push(...pods);
    s.proxy.setTable(buildRouteTable([route('u', [['u-1', 100]])], ingressConfig()));
    s.proxy.setEndpoints(NS, 'u-1', pods.slice(0, 2).map((b) => pod(b)));
    let stop = false;
    let sent = 0;
    const statuses: Record<number, number> = {};
    const worker = async (): Promise<void> => {
      while (!stop) {
        sent++;
        const r = await get(s.client, 'u.default', '/work?ms=3');
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
    };
    const load = Promise.all(Array.from({ length: 20 }, worker));
    // a rolling window of pods every 60 ms, sometimes none ready (held), sometimes a pod not ready then ready
    const windows = [[0, 1], [1, 2], [2], [2, 3, 4], [], [4, 5], [5], [0, 5], [0, 1, 2, 3, 4, 5], [3]];
    for (let round = 0; round < 3; round++) {
      for (const w of windows) {
        s.proxy.setEndpoints(NS, 'u-1', pods.map((b, i) => (w.includes(i) ? pod(b) : undefined)).filter((p): p is PodEndpoint => p !== undefined));
        await sleep(60);
      }
    }
    s.proxy.setEndpoints(NS, 'u-1', pods.map((b) => pod(b)));
    stop = true;
    await load;
    expect(statuses).toEqual({ 200: sent });
    expect(sent).toBeGreaterThan(200);
    for (const b of pods) expect(b.maxInFlight).toBeLessThanOrEqual(2);
    await s.close();
  });

  test.each([
    ['50/50', [['s-1', 50], ['s-2', 50]], { 's-1': 500, 's-2': 500 }],
    ['40/30/30', [['s-1', 40], ['s-2', 30], ['s-3', 30]], { 's-1': 400, 's-2': 300, 's-3': 300 }],
  ] as Array<[string, Array<[string, number]>, Record<string, number>]>)('exact split %s over 1,000 requests with several pods per revision', async (_n, split, expected) => {
    const s = await setup({ 's-1': { containerConcurrency: 1 }, 's-2': {}, 's-3': { containerConcurrency: 5 } });
    for (const [rev] of split) {
      const pods = [await startBackend(`${rev}#0`), await startBackend(`${rev}#1`), await startBackend(`${rev}#2`)];
      backends.push(...pods);
      s.proxy.setEndpoints(NS, rev, pods.map((b) => pod(b)));
    }
    s.proxy.setTable(buildRouteTable([route('split', split)], ingressConfig()));
    const byRevision: Record<string, number> = {};
    const byPod = new Set<string>();
    let next = 0;
    await Promise.all(Array.from({ length: 10 }, async () => {
      while (next < 1000) {
        next++;
        const r = await get(s.client, 'split.default', '/work?ms=1');
        expect(r.status).toBe(200);
        byPod.add(r.body);
        const rev = r.body.split('#')[0];
        byRevision[rev] = (byRevision[rev] ?? 0) + 1;
      }
    }));
    expect(byRevision).toEqual(expected);
    expect(byPod.size).toBeGreaterThanOrEqual(split.length * 2); // the pools spread over the pods
    await s.close();
  });
});

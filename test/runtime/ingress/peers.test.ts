/**
 * containerConcurrency across ingress replicas: three IngressProxy instances, each on its own
 * loopback address (as pods have their own IPs) with its peer listener on the same port, all
 * told the three addresses as their peers. A revision with CC > 0 has one owner replica
 * (owner.ts); the others forward its requests to the owner's peer port, so the pod's limit holds
 * whichever replica a client reaches.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { bidi, revClient, startGrpcBackend, unary } from './grpc';
import { get, ingressConfig, routeWithStatus, startBackend, TestBackend } from './helpers';
import { INGRESS_PEER_REVISION_HEADER } from '../../../src/core/runtime-contract';
import type { PodEndpoint } from '../../../src/runtime/ingress/endpoints';
import { ownerOf } from '../../../src/runtime/ingress/owner';
import { IngressProxy, RevisionInfo } from '../../../src/runtime/ingress/proxy';
import type { RevisionStat } from '../../../src/runtime/ingress/stats';
import { buildRouteTable, RouteTable } from '../../../src/runtime/ingress/table';

const NS = 'default';
const IPS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pod = (b: { port: number }, ready = true): PodEndpoint => ({ ip: '127.0.0.1', port: b.port, ready, terminating: false });

function freePort(host: string): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, host, () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

interface Replica { ip: string; proxy: IngressProxy; client: Pool; port: number; pokes: RevisionStat[] }

/** Three replicas with these revisions' settings; peer listeners on one port at each replica's address. */
async function startReplicas(revisions: Record<string, RevisionInfo>, peers: readonly string[] = IPS):
Promise<{ replicas: Replica[]; peerPort: number; close(): Promise<void> }> {
  for (let attempt = 0; ; attempt++) {
    const replicas: Replica[] = [];
    const peerPort = await freePort(IPS[0]);
    try {
      for (const ip of IPS) {
        const pokes: RevisionStat[] = [];
        const proxy = new IngressProxy({ revisions: (_ns, rev) => revisions[rev], onPoke: (s) => pokes.push(s), peerAddress: ip, peerPort });
        replicas.push({ ip, proxy, pokes, port: 0, client: undefined as unknown as Pool });
        await proxy.listenPeer(peerPort, ip);
        const port = await proxy.listenInternal(0, '127.0.0.1');
        replicas[replicas.length - 1].client = new Pool(`http://127.0.0.1:${port}`, { connections: 64 });
        replicas[replicas.length - 1].port = port;
      }
    } catch (e) {
      for (const r of replicas) {
        await r.client?.close();
        await r.proxy.close();
      }
      if (attempt > 20) throw e;
      continue;
    }
    for (const r of replicas) r.proxy.setPeers(peers);
    return {
      replicas,
      peerPort,
      async close() {
        for (const r of replicas) {
          await r.client.close();
          await r.proxy.close();
        }
      },
    };
  }
}

const route = (name: string, split: Array<[string, number]>): ReturnType<typeof routeWithStatus> =>
  routeWithStatus(NS, name, split.map(([revision, percent]) => ({ revision, percent })));

function install(replicas: Replica[], table: RouteTable, endpoints: Record<string, PodEndpoint[] | undefined>): void {
  for (const r of replicas) {
    r.proxy.setTable(table);
    for (const [rev, eps] of Object.entries(endpoints)) r.proxy.setEndpoints(NS, rev, eps);
  }
}

/** The replica that owns `<NS>/<rev>`. */
function ownerReplica(replicas: Replica[], rev: string): Replica {
  const ip = ownerOf(`${NS}/${rev}`, IPS, undefined)!;
  return replicas.find((r) => r.ip === ip)!;
}

/** Requests counted in a replica's route series (`ingress_requests_total`, all codes) for a revision. */
function routeCount(r: Replica, routeName: string, rev: string): number {
  const t = r.proxy.currentTable.targets.find((x) => x.route === routeName && x.revision === rev)!;
  return r.proxy.metrics.seriesFor(t).codes.reduce((a, b) => a + b, 0);
}

function peerCount(r: Replica, rev: string): number {
  return r.proxy.metrics.peerSeriesFor(`${NS}/${rev}`).codes.reduce((a, b) => a + b, 0);
}

/** One request from `localAddress` to `ip:port` (raw node:http); status and body. */
function request(ip: string, port: number, localAddress: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: ip, port, localAddress, path: '/', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('containerConcurrency across ingress replicas (owner replica per revision)', () => {
  const backends: TestBackend[] = [];
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.close()));
  });
  const backend = async (id: string): Promise<TestBackend> => {
    const b = await startBackend(id);
    backends.push(b);
    return b;
  };

  test('CC=1, one pod: 300 requests from 30 clients spread over 3 replicas never overlap at the pod; counted once', async () => {
    const s = await startReplicas({ 'cc1-1': { containerConcurrency: 1 } });
    const b = await backend('cc1-1');
    install(s.replicas, buildRouteTable([route('cc1', [['cc1-1', 100]])], ingressConfig()), { 'cc1-1': [pod(b)] });
    const owner = ownerReplica(s.replicas, 'cc1-1');
    const t0 = performance.now() / 1000;
    const statuses: Record<number, number> = {};
    let next = 0;
    const worker = async (w: number): Promise<void> => {
      while (next < 300) {
        const i = next++;
        const r = await get(s.replicas[(i + w) % 3].client, 'cc1.default', '/work?ms=2');
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 30 }, (_, w) => worker(w)));
    expect(statuses).toEqual({ 200: 300 });
    expect(b.maxInFlight).toBe(1);
    expect(b.hits).toBe(300);
    // Route series: once, where the client arrived (300 in all); the owner's peer series: what the other two forwarded.
    const perReplica = s.replicas.map((r) => routeCount(r, 'cc1', 'cc1-1'));
    expect(perReplica.reduce((a, c) => a + c, 0)).toBe(300);
    const forwarded = s.replicas.filter((r) => r !== owner).reduce((n, r) => n + routeCount(r, 'cc1', 'cc1-1'), 0);
    expect(forwarded).toBeGreaterThan(0);
    expect(s.replicas.reduce((n, r) => n + r.proxy.metrics.peerForwards, 0)).toBe(forwarded);
    expect(peerCount(owner, 'cc1-1')).toBe(forwarded);
    expect(owner.proxy.metrics.peerForwards).toBe(0);
    // Autoscaler stats: all 300 arrivals at the owner, none at the others.
    const now = performance.now() / 1000 + 1;
    expect(now).toBeGreaterThan(t0);
    for (const r of s.replicas) {
      const stat = r.proxy.stats.tick(now).find((x) => x.revision === 'cc1-1');
      if (r === owner) expect(stat?.requests).toBe(300);
      else expect(stat).toBeUndefined();
    }
    await s.close();
  });

  test('CC=0 revisions are not forwarded: each replica sends to the pods itself', async () => {
    const s = await startReplicas({ 'free-1': {} });
    const b = await backend('free-1');
    install(s.replicas, buildRouteTable([route('free', [['free-1', 100]])], ingressConfig()), { 'free-1': [pod(b)] });
    for (const r of s.replicas) expect((await get(r.client, 'free.default', '/work?ms=0')).status).toBe(200);
    expect(s.replicas.map((r) => r.proxy.metrics.peerForwards)).toEqual([0, 0, 0]);
    expect(s.replicas.map((r) => routeCount(r, 'free', 'free-1'))).toEqual([1, 1, 1]);
    await s.close();
  });

  test('exact splits: the revision picked by the replica the client reached is the one served (the owner does not pick again)', async () => {
    const s = await startReplicas({ 'sp-1': { containerConcurrency: 1 }, 'sp-2': { containerConcurrency: 1 } });
    const b1 = await backend('sp-1');
    const b2 = await backend('sp-2');
    install(s.replicas, buildRouteTable([route('sp', [['sp-1', 30], ['sp-2', 70]])], ingressConfig()), { 'sp-1': [pod(b1)], 'sp-2': [pod(b2)] });
    for (const r of s.replicas) {
      const bodies: Record<string, number> = {};
      for (let i = 0; i < 100; i++) {
        const res = await get(r.client, 'sp.default', '/work?ms=0');
        bodies[res.body] = (bodies[res.body] ?? 0) + 1;
      }
      expect(bodies).toEqual({ 'sp-1': 30, 'sp-2': 70 });
    }
    // at least one of the two revisions is owned by another replica than some client-facing one: something was forwarded
    expect(s.replicas.reduce((n, r) => n + r.proxy.metrics.peerForwards, 0)).toBeGreaterThan(0);
    await s.close();
  });

  test('headers: a client\'s K-Ingress-Revision is dropped; the forwarded request reaches the pod with one X-Forwarded-For element and the route\'s host', async () => {
    const s = await startReplicas({ 'hd-1': { containerConcurrency: 1 }, 'other-1': { containerConcurrency: 1 } });
    const b = await backend('hd-1');
    const other = await backend('other-1');
    install(s.replicas, buildRouteTable([route('hd', [['hd-1', 100]]), route('other', [['other-1', 100]])], ingressConfig()),
      { 'hd-1': [pod(b)], 'other-1': [pod(other)] });
    const nonOwner = s.replicas.find((r) => r !== ownerReplica(s.replicas, 'hd-1'))!;
    const res = await get(nonOwner.client, 'hd.default', '/headers', { [INGRESS_PEER_REVISION_HEADER]: `${NS}/other-1`, 'x-forwarded-for': '192.0.2.7' });
    expect(res.status).toBe(200);
    expect(nonOwner.proxy.metrics.peerForwards).toBe(1);
    const seen = (JSON.parse(res.body) as { headers: Record<string, string> }).headers;
    expect(seen[INGRESS_PEER_REVISION_HEADER]).toBeUndefined();
    expect(seen['x-forwarded-for']).toBe('192.0.2.7, 127.0.0.1'); // the client's list + the client's address, once
    expect(seen.host).toBe('hd.default');
    expect(other.hits).toBe(0);
    expect(b.hits).toBe(1);
    await s.close();
  });

  test('peer port: a source that is not a ready replica gets 403; a peer without the header 400; an unknown revision 404', async () => {
    const s = await startReplicas({ 'pp-1': { containerConcurrency: 1 } });
    const b = await backend('pp-1');
    install(s.replicas, buildRouteTable([route('pp', [['pp-1', 100]])], ingressConfig()), { 'pp-1': [pod(b)] });
    const target = s.replicas[0];
    const refused = await request(target.ip, s.peerPort, '127.0.0.1', { host: 'pp.default', [INGRESS_PEER_REVISION_HEADER]: `${NS}/pp-1` });
    expect(refused.status).toBe(403);
    expect(refused.body).toBe('forbidden: 127.0.0.1 is not a ready ingress replica (the peer port serves only requests the ingress replicas forward)\n');
    expect(target.proxy.metrics.peerRefused).toBe(1);
    expect(b.hits).toBe(0);
    const noHeader = await request(target.ip, s.peerPort, IPS[1], { host: 'pp.default' });
    expect(noHeader.status).toBe(400);
    expect(noHeader.body).toMatch(/no k-ingress-revision header/);
    const unknown = await request(target.ip, s.peerPort, IPS[1], { host: 'pp.default', [INGRESS_PEER_REVISION_HEADER]: `${NS}/nope-1` });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toBe(`no revision "${NS}/nope-1" known to this ingress replica (not in its routing table or Revisions yet)\n`);
    const ok = await request(target.ip, s.peerPort, IPS[1], { host: 'pp.default', [INGRESS_PEER_REVISION_HEADER]: `${NS}/pp-1` });
    expect(ok).toEqual({ status: 200, body: 'pp-1' });
    // a replica that left the peer set is refused too
    target.proxy.setPeers([IPS[0], IPS[2]]);
    expect((await request(target.ip, s.peerPort, IPS[1], { host: 'pp.default', [INGRESS_PEER_REVISION_HEADER]: `${NS}/pp-1` })).status).toBe(403);
    await s.close();
  });

  test('owner not reachable (ECONNREFUSED): the request is served locally, counted as a fallback', async () => {
    const down = '127.0.0.9'; // a ready peer in the list, with nothing listening
    const peers = [...IPS, down];
    // a revision name the down peer owns
    let rev = '';
    for (let i = 0; rev === ''; i++) if (ownerOf(`${NS}/fb-${i}`, peers, undefined) === down) rev = `fb-${i}`;
    const s = await startReplicas({ [rev]: { containerConcurrency: 1 } }, peers);
    const b = await backend(rev);
    install(s.replicas, buildRouteTable([route('fb', [[rev, 100]])], ingressConfig()), { [rev]: [pod(b)] });
    const r = s.replicas[0];
    const res = await get(r.client, 'fb.default', '/work?ms=0');
    expect(res).toMatchObject({ status: 200, body: rev });
    expect(r.proxy.metrics.peerFallbacks).toBe(1);
    expect(r.proxy.metrics.peerForwards).toBe(1);
    // with a body too (nothing of it was sent)
    const post = await r.client.request({ path: '/echo', method: 'POST', headers: { host: 'fb.default' }, body: 'payload' });
    expect(post.statusCode).toBe(200);
    expect(await post.body.text()).toBe('payload');
    expect(r.proxy.metrics.peerFallbacks).toBe(2); // skipped for 1 s after the refusal: served here at once
    expect(routeCount(r, 'fb', rev)).toBe(2);
    expect(r.proxy.stats.tick(performance.now() / 1000 + 1).find((x) => x.revision === rev)?.requests).toBe(2);
    await s.close();
  });

  test('scale from zero: the owner holds the forwarded request and pokes the autoscaler once; the pod then serves it', async () => {
    const s = await startReplicas({ 'z-1': { containerConcurrency: 1 } });
    const b = await backend('z-1');
    install(s.replicas, buildRouteTable([route('z', [['z-1', 100]])], ingressConfig()), { 'z-1': undefined });
    const owner = ownerReplica(s.replicas, 'z-1');
    const others = s.replicas.filter((r) => r !== owner);
    const pending = Promise.all(others.map((r) => get(r.client, 'z.default', '/work?ms=0')));
    await sleep(200);
    expect(owner.proxy.requestsWaiting).toBe(2);
    expect(owner.pokes).toHaveLength(1);
    expect(owner.pokes[0]).toMatchObject({ namespace: NS, revision: 'z-1', poke: true });
    expect(others.map((r) => r.pokes.length)).toEqual([0, 0]);
    for (const r of s.replicas) r.proxy.setEndpoints(NS, 'z-1', [pod(b)]);
    expect((await pending).map((r) => r.status)).toEqual([200, 200]);
    expect(b.maxInFlight).toBe(1);
    await s.close();
  });

  test('the owner\'s limits apply once: a forwarded request waits in the owner\'s queue and times out there (504)', async () => {
    const s = await startReplicas({ 'to-1': { containerConcurrency: 1, timeoutMs: 300 } });
    const b = await backend('to-1');
    install(s.replicas, buildRouteTable([route('to', [['to-1', 100]])], ingressConfig()), { 'to-1': [pod(b)] });
    const owner = ownerReplica(s.replicas, 'to-1');
    const other = s.replicas.find((r) => r !== owner)!;
    const slow = get(owner.client, 'to.default', '/stream?n=3&every=300'); // started at once (timeoutSeconds no longer applies), holds the slot 600 ms
    await sleep(30);
    const queued = await get(other.client, 'to.default', '/work?ms=0');
    expect(queued.status).toBe(504);
    expect(queued.body).toBe('activator request timeout\n');
    expect((await slow).status).toBe(200);
    expect(owner.proxy.metrics.render()).toContain('ingress_wait_timeouts_total{namespace="default",revision="to-1"} 1');
    expect(other.proxy.metrics.render()).not.toContain('ingress_wait_timeouts_total{namespace="default",revision="to-1"}');
    expect(b.maxInFlight).toBe(1);
    await s.close();
  });
  test('WebSockets: through a non-owner replica the tunnel goes via the owner, which holds the pod\'s only slot until it closes', async () => {
    const s = await startReplicas({ 'ws-1': { containerConcurrency: 1, timeoutMs: 10_000 } });
    const b = await backend('ws-1');
    install(s.replicas, buildRouteTable([route('ws', [['ws-1', 100]])], ingressConfig()), { 'ws-1': [pod(b)] });
    const owner = ownerReplica(s.replicas, 'ws-1');
    const others = s.replicas.filter((r) => r !== owner);
    const open = (r: Replica): Promise<WebSocket> => new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${r.port}/`, { headers: { host: 'ws.default' } });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
    const echo = (ws: WebSocket, m: string): Promise<string> => new Promise((r) => {
      ws.once('message', (d) => r(d.toString()));
      ws.send(m);
    });
    const ws1 = await open(others[0]);
    expect(await echo(ws1, 'hi')).toBe('ws-1:hi');
    expect(others[0].proxy.metrics.peerForwards).toBe(1);
    // a second one through the other non-owner waits at the owner for the slot
    let secondOpen = false;
    const second = open(others[1]).then((ws) => { secondOpen = true; return ws; });
    await sleep(150);
    expect(owner.proxy.requestsWaiting).toBe(1);
    expect(secondOpen).toBe(false);
    ws1.close();
    const ws2 = await second;
    expect(await echo(ws2, 'again')).toBe('ws-1:again');
    expect(others[1].proxy.metrics.peerForwards).toBe(1);
    ws2.close();
    await s.close();
  });
  test('h2c (gRPC) revision: forwarded over HTTP/2, unary calls never overlap at the pod, streams and trailers pass end to end', async () => {
    const g = await startGrpcBackend('gp-1');
    const s = await startReplicas({ 'gp-1': { containerConcurrency: 1, h2c: true } });
    install(s.replicas, buildRouteTable([route('gp', [['gp-1', 100]])], ingressConfig()), { 'gp-1': [pod(g)] });
    const others = s.replicas.filter((r) => r !== ownerReplica(s.replicas, 'gp-1'));
    const clients = s.replicas.map((r) => revClient(r.port, 'gp.default.example.com'));
    try {
      const calls = await Promise.all(Array.from({ length: 12 }, (_, i) => unary(clients[i % 3], 'who', { n: i, ms: 20 })));
      expect(calls.map((c) => c.res)).toEqual(Array.from({ length: 12 }, (_, i) => ({ rev: 'gp-1', n: i })));
      expect(calls.map((c) => c.trailers.get('x-rev'))).toEqual(calls.map(() => ['gp-1']));
      expect(g.maxInFlight).toBe(1);
      expect(others.map((r) => r.proxy.metrics.peerForwards)).toEqual([4, 4]);
      const otherClient = clients[s.replicas.indexOf(others[0])];
      const err = await unary(otherClient, 'fail', { what: 'thing' }).then(() => undefined, (e: grpc.ServiceError) => e);
      expect(err?.code).toBe(grpc.status.NOT_FOUND);
      expect(err?.details).toBe('no thing');
      expect(err?.metadata.get('x-rev')).toEqual(['gp-1']);
      const echoes = await bidi(otherClient, [{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(echoes).toHaveLength(3);
    } finally {
      for (const c of clients) c.close();
      await s.close();
      await g.close();
    }
  });
});

test('peer listener on a free port: listenPeer binds, setPeers normalizes and sorts', async () => {
  const proxy = new IngressProxy({ peerAddress: '::ffff:127.0.0.2' });
  const port = await proxy.listenPeer(0, '127.0.0.2');
  expect(port).toBeGreaterThan(0);
  proxy.setPeers(['127.0.0.3', '::ffff:127.0.0.2', '127.0.0.3']);
  const r = await request('127.0.0.2', port, '127.0.0.2', { host: 'x' });
  expect(r.status).toBe(400); // a peer (itself, after normalization), without the header
  await proxy.close();
});

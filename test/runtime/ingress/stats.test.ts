/** The autoscaler stats: the pure accumulator (time passed in) and the push (loopback receiver). */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { StatsAccumulator } from '../../../src/runtime/ingress/stats';
import { parseEndpointList, StatsPusher } from '../../../src/runtime/ingress/stats-push';

const K = 'default/r-1';

describe('StatsAccumulator', () => {
  test('time-weighted average in flight and arrivals per period; idle revisions dropped', () => {
    const s = new StatsAccumulator(100);
    // 0–1 s: one request the whole second, a second one for the last half
    expect(s.arrive(K, 'default', 'r-1', 100, true)).toBeUndefined();
    s.arrive(K, 'default', 'r-1', 100.5, true);
    expect(s.tick(101)).toEqual([{ namespace: 'default', revision: 'r-1', concurrency: 1.5, requests: 2, poke: false }]);
    // 1–2 s: both end at 1.25 → 2 × 0.25 = 0.5; no arrival
    s.depart(K, 101.25);
    s.depart(K, 101.25);
    expect(s.tick(102)).toEqual([{ namespace: 'default', revision: 'r-1', concurrency: 0.5, requests: 0, poke: false }]);
    // 2–3 s: nothing → left out, and the entry is dropped
    expect(s.tick(103)).toEqual([]);
    expect(s.size).toBe(0);
  });

  test('a request that arrives and ends within a period is counted; periods of other lengths are averaged over their length', () => {
    const s = new StatsAccumulator(0);
    s.arrive(K, 'default', 'r-1', 0.25, true);
    s.depart(K, 0.75);
    expect(s.tick(2)).toEqual([{ namespace: 'default', revision: 'r-1', concurrency: 0.25, requests: 1, poke: false }]);
  });

  test('poke: first request with no entry and no ready pod pokes at once; that period reports avg − 1 and requests − 1', () => {
    const s = new StatsAccumulator(0);
    expect(s.arrive(K, 'default', 'r-1', 0, false)).toEqual({ namespace: 'default', revision: 'r-1', concurrency: 1, requests: 1, poke: true });
    // more requests in the same period: no more pokes
    expect(s.arrive(K, 'default', 'r-1', 0.5, false)).toBeUndefined();
    expect(s.arrive(K, 'default', 'r-1', 0.5, false)).toBeUndefined();
    // avg = 1·1 + 2·0.5 = 2 → 2 − 1 = 1; requests 3 − 1 = 2
    expect(s.tick(1)).toEqual([{ namespace: 'default', revision: 'r-1', concurrency: 1, requests: 2, poke: false }]);
    // next period: no subtraction
    expect(s.tick(2)).toEqual([{ namespace: 'default', revision: 'r-1', concurrency: 3, requests: 0, poke: false }]);
    // the entry stays while requests are in flight: no new poke
    expect(s.arrive(K, 'default', 'r-1', 2.5, false)).toBeUndefined();
  });

  test('a lone poked request that is answered quickly reports max(avg − 1, 0) = 0 and 0 requests, then drops; the next arrival pokes again', () => {
    const s = new StatsAccumulator(0);
    expect(s.arrive(K, 'default', 'r-1', 0.1, false)?.poke).toBe(true);
    s.depart(K, 0.4);
    expect(s.tick(1)).toEqual([{ namespace: 'default', revision: 'r-1', concurrency: 0, requests: 0, poke: false }]);
    expect(s.tick(2)).toEqual([]);
    expect(s.arrive(K, 'default', 'r-1', 2.1, false)?.poke).toBe(true);
  });

  test('no poke when the revision has a ready pod', () => {
    const s = new StatsAccumulator(0);
    expect(s.arrive(K, 'default', 'r-1', 0, true)).toBeUndefined();
    expect(s.tick(1)).toEqual([{ namespace: 'default', revision: 'r-1', concurrency: 1, requests: 1, poke: false }]);
  });

  test('revisions are apart; depart without an entry is ignored', () => {
    const s = new StatsAccumulator(0);
    s.arrive('a/x', 'a', 'x', 0, true);
    s.arrive('b/y', 'b', 'y', 0.5, true);
    s.depart('c/z', 0.5);
    expect(s.inFlight('a/x')).toBe(1);
    expect(s.tick(1)).toEqual([
      { namespace: 'a', revision: 'x', concurrency: 1, requests: 1, poke: false },
      { namespace: 'b', revision: 'y', concurrency: 0.5, requests: 1, poke: false },
    ]);
  });
});

describe('StatsPusher', () => {
  let server: http.Server;
  let port: number;
  let received: Array<{ method: string; url: string; auth: string | undefined; type: string | undefined; body: any }>;
  let dir: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let b = '';
      req.on('data', (c) => { b += c; });
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, type: req.headers['content-type'], body: JSON.parse(b) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stats-push-'));
  });
  beforeEach(() => { received = []; });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const until = async (pred: () => boolean): Promise<void> => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > 5000) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  test('POSTs the batch as JSON to every endpoint with the bearer token; the token is re-read when the file changes; an empty batch is not sent', async () => {
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, 'first\n');
    let batch = [{ namespace: 'default', revision: 'r-1', concurrency: 1.5, requests: 3, poke: false }];
    const metrics = { statsPushed: 0, statsPushFailures: 0 };
    const p = new StatsPusher({ sender: 'ingress-abc', collect: () => batch, endpoints: () => [`127.0.0.1:${port}`, `127.0.0.1:${port}`], tokenFile, metrics });
    p.flush();
    await until(() => received.length === 2);
    expect(received[0]).toEqual({
      method: 'POST',
      url: '/v1/stats',
      auth: 'Bearer first',
      type: 'application/json',
      body: { sender: 'ingress-abc', stats: [{ namespace: 'default', revision: 'r-1', concurrency: 1.5, requests: 3, poke: false }] },
    });
    await until(() => metrics.statsPushed === 2);
    // projected tokens are rotated by the kubelet: the new one is used
    fs.writeFileSync(tokenFile, 'second-token\n');
    p.poke({ namespace: 'default', revision: 'r-2', concurrency: 1, requests: 1, poke: true });
    await until(() => received.length === 4);
    expect(received[2].auth).toBe('Bearer second-token');
    expect(received[2].body.stats).toEqual([{ namespace: 'default', revision: 'r-2', concurrency: 1, requests: 1, poke: true }]);
    batch = [];
    p.flush();
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(4);
    p.stop();
  });

  test('no token file → no Authorization header; an unreachable endpoint counts as a failure; the interval pushes', async () => {
    const metrics = { statsPushed: 0, statsPushFailures: 0 };
    let n = 0;
    const p = new StatsPusher({
      sender: 's',
      intervalMs: 50,
      metrics,
      collect: () => (n++ < 2 ? [{ namespace: 'a', revision: 'b', concurrency: 0, requests: 1, poke: false }] : []),
      endpoints: () => [`127.0.0.1:${port}`, '127.0.0.1:1'],
      tokenFile: path.join(dir, 'missing'),
    });
    p.start();
    await until(() => received.length === 2 && metrics.statsPushFailures === 2);
    p.stop();
    expect(received.every((r) => r.auth === undefined)).toBe(true);
  });

  test('AUTOSCALER_ENDPOINTS parsing', () => {
    expect(parseEndpointList('10.0.0.5:8090, 10.0.0.6:8090,')).toEqual(['10.0.0.5:8090', '10.0.0.6:8090']);
    expect(parseEndpointList('[fd00::1]:8090')).toEqual(['[fd00::1]:8090']);
    expect(() => parseEndpointList('10.0.0.5')).toThrow('AUTOSCALER_ENDPOINTS: "10.0.0.5" is not host:port (e.g. 10.0.0.5:8090; several separated by commas)');
    expect(() => parseEndpointList('h:99999')).toThrow(/not host:port/);
  });
});

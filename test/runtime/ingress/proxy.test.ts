import * as http from 'node:http';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { countBodies, get, ingressConfig, rawRequest, routeWithStatus, startBackend, TestBackend } from './helpers';
import { ingressAdminServer } from '../../../src/runtime/ingress/admin';
import { IngressProxy } from '../../../src/runtime/ingress/proxy';
import { buildRouteTable, RouteTable } from '../../../src/runtime/ingress/table';

const NS = 'default';

describe('IngressProxy', () => {
  const backends: Record<string, TestBackend> = {};
  let proxy: IngressProxy;
  let port: number;
  let pool: Pool;
  const timeouts: Record<string, number> = { 'slow-1': 300 };

  beforeAll(async () => {
    for (const id of ['a-1', 'a-2', 'a-3', 'b-1', 'b-2', 'slow-1']) backends[id] = await startBackend(id);
    proxy = new IngressProxy({
      resolver: (_ns, rev) => ({
        origin: rev === 'dead-1' ? 'http://127.0.0.1:1' : `http://127.0.0.1:${backends[rev]?.port ?? 1}`,
        timeoutMs: timeouts[rev],
      }),
      maxBodyBytes: 1024,
      maxHeaderBytes: 4096,
      maxHeaderCount: 30,
    });
    // The internal listener serves every host (the cluster-local short hosts used below too);
    // which listener serves which host is tested in visibility.test.ts.
    port = await proxy.listenInternal(0, '127.0.0.1');
    pool = new Pool(`http://127.0.0.1:${port}`, { connections: 16 });
  });

  afterAll(async () => {
    await pool.close();
    await proxy.close();
    await Promise.all(Object.values(backends).map((b) => b.close()));
  });

  const install = (routes: ReturnType<typeof routeWithStatus>[], features?: Record<string, string>): RouteTable => {
    const t = buildRouteTable(routes, ingressConfig(features ? { 'config-features': features } : {}), { previous: proxy.currentTable });
    proxy.setTable(t);
    return t;
  };

  test.each([
    ['50/50', [['a-1', 50], ['a-2', 50]], { 'a-1': 500, 'a-2': 500 }],
    ['95/5', [['a-1', 95], ['a-2', 5]], { 'a-1': 950, 'a-2': 50 }],
    ['40/30/30', [['a-1', 40], ['a-2', 30], ['a-3', 30]], { 'a-1': 400, 'a-2': 300, 'a-3': 300 }],
  ] as Array<[string, Array<[string, number]>, Record<string, number>]>)('exact split %s over 1,000 requests', async (_n, split, expected) => {
    install([routeWithStatus(NS, 'split', split.map(([revision, percent]) => ({ revision, percent })))]);
    // fresh balancer for an exact window
    proxy.setTable(buildRouteTable([routeWithStatus(NS, 'split', split.map(([revision, percent]) => ({ revision, percent })))], ingressConfig()));
    expect(await countBodies(pool, 'split.default.example.com', 1000, 10)).toEqual(expected);
  });

  test('tag hosts, including a 0% tag, and cluster-local short hosts', async () => {
    install([routeWithStatus(NS, 'hello', [
      { revision: 'b-1', percent: 100, tag: 'current' },
      { revision: 'b-2', percent: 0, tag: 'candidate' },
    ])]);
    expect((await get(pool, 'candidate-hello.default.example.com')).body).toBe('b-2');
    expect((await get(pool, 'current-hello.default.example.com')).body).toBe('b-1');
    expect((await get(pool, 'candidate-hello.default.svc.cluster.local')).body).toBe('b-2');
    for (const h of ['hello.default', 'hello.default.svc', 'hello.default.svc:80', 'hello.default.svc.cluster.local', 'hello.default.example.com:8080']) {
      expect((await get(pool, h)).body).toBe('b-1');
    }
    // the 0% revision is never reached through the main host
    expect(await countBodies(pool, 'hello.default', 50, 5)).toEqual({ 'b-1': 50 });
  });

  test('header-based tag routing when Enabled (and Knative-Serving-Default-Route on the default route)', async () => {
    const r = routeWithStatus(NS, 'hdr', [{ revision: 'b-1', percent: 100 }, { revision: 'b-2', percent: 0, tag: 'beta' }]);
    install([r]);
    expect((await get(pool, 'hdr.default', '/', { 'knative-serving-tag': 'beta' })).body).toBe('b-1');
    install([r], { 'tag-header-based-routing': 'Enabled' });
    expect((await get(pool, 'hdr.default', '/', { 'knative-serving-tag': 'beta' })).body).toBe('b-2');
    expect((await get(pool, 'hdr.default', '/', { 'knative-serving-tag': 'nope' })).body).toBe('b-1');
    const viaDefault = JSON.parse((await get(pool, 'hdr.default', '/headers')).body);
    expect(viaDefault.headers['knative-serving-default-route']).toBe('true');
    const viaTag = JSON.parse((await get(pool, 'hdr.default', '/headers', { 'knative-serving-tag': 'beta' })).body);
    expect(viaTag.id).toBe('b-2');
    expect(viaTag.headers['knative-serving-default-route']).toBeUndefined();
    // a tag host names its tag (replacing the client's), as upstream's tag rules append it
    const tagHost = JSON.parse((await get(pool, 'beta-hdr.default', '/headers', { 'knative-serving-tag': 'spoof' })).body);
    expect(tagHost.id).toBe('b-2');
    expect(tagHost.headers['knative-serving-tag']).toBe('beta');
    install([r]);
    const tagHostOff = JSON.parse((await get(pool, 'beta-hdr.default', '/headers')).body);
    expect(tagHostOff.headers['knative-serving-tag']).toBeUndefined();
  });

  test('unknown host → 404, no targets → 503, backend down → 502, slow backend → 504 (per-revision timeout)', async () => {
    install([
      routeWithStatus(NS, 'down', [{ revision: 'dead-1', percent: 100 }]),
      routeWithStatus(NS, 'slow', [{ revision: 'slow-1', percent: 100 }]),
      routeWithStatus(NS, 'zero', [{ revision: 'b-1', percent: 0, tag: 'only' }]),
      routeWithStatus(NS, 'ok', [{ revision: 'b-1', percent: 100 }]),
    ]);
    const nf = await get(pool, 'nobody.example.com');
    expect(nf.status).toBe(404);
    expect(nf.body).toMatch(/no route/);
    expect((await get(pool, 'zero.default')).status).toBe(503);
    const bad = await get(pool, 'down.default');
    expect(bad.status).toBe(502);
    expect(bad.body).toMatch(/refused/);
    // with a request body too (the unread body must not take the client connection down before the 502)
    const post = await pool.request({ path: '/', method: 'POST', headers: { host: 'down.default' }, body: 'x'.repeat(100) });
    expect(post.statusCode).toBe(502);
    expect(await post.body.text()).toMatch(/refused/);
    const t0 = Date.now();
    const slow = await get(pool, 'slow.default', '/slow?ms=2000');
    expect(slow.status).toBe(504);
    expect(slow.body).toMatch(/timed out/);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect((await get(pool, 'slow.default', '/slow?ms=10')).body).toBe('slow-1');
    expect((await get(pool, 'ok.default')).body).toBe('b-1');
  });

  test('X-Forwarded-* headers and hop-by-hop removal', async () => {
    install([routeWithStatus(NS, 'xf', [{ revision: 'b-1', percent: 100 }])]);
    const r = await get(pool, 'xf.default.example.com', '/headers', { 'x-forwarded-for': '10.1.2.3', 'x-custom': 'yes' });
    const h = JSON.parse(r.body).headers;
    expect(h['x-forwarded-for']).toBe('10.1.2.3, 127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-host']).toBe('xf.default.example.com');
    expect(h.host).toBe('xf.default.example.com');
    expect(h['x-custom']).toBe('yes');
    expect(h.forwarded).toBe('for=10.1.2.3;host=xf.default.example.com;proto=http, for=127.0.0.1');
    // Knative's internal routing headers never reach the app
    const internal = JSON.parse((await get(pool, 'xf.default', '/headers', { 'knative-serving-revision': 'x', 'knative-serving-namespace': 'y' })).body).headers;
    expect(internal['knative-serving-revision']).toBeUndefined();
    expect(internal['knative-serving-namespace']).toBeUndefined();
    // hop-by-hop: Connection-named headers, Keep-Alive, TE, Proxy-Connection are not forwarded (raw socket: undici would eat Connection)
    const raw = await rawRequest(port, 'GET /headers HTTP/1.1\r\nHost: xf.default\r\nConnection: close, x-secret\r\nX-Secret: drop-me\r\n'
      + 'Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\nX-Kept: 1\r\n\r\n');
    const seen = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).headers;
    expect(seen['x-kept']).toBe('1');
    for (const hop of ['x-secret', 'keep-alive', 'te', 'proxy-connection']) expect(seen[hop]).toBeUndefined();
    expect(raw).not.toMatch(/\r\nkeep-alive:/i);
  });

  test('request bodies stream through (Content-Length and chunked)', async () => {
    install([routeWithStatus(NS, 'body', [{ revision: 'b-1', percent: 100 }])]);
    const r1 = await pool.request({ path: '/echo', method: 'POST', headers: { host: 'body.default' }, body: 'hello body' });
    expect(await r1.body.text()).toBe('hello body');
    async function* gen(): AsyncGenerator<Buffer> { yield Buffer.from('a'); yield Buffer.from('b'); }
    const r2 = await pool.request({ path: '/echo', method: 'POST', headers: { host: 'body.default' }, body: Readable.from(gen()) });
    expect(await r2.body.text()).toBe('ab');
  });

  test('a chunked response arrives progressively', async () => {
    install([routeWithStatus(NS, 'stream', [{ revision: 'b-1', percent: 100 }])]);
    const arrivals: number[] = [];
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/stream', headers: { host: 'stream.default' } }, (res) => {
        expect(res.headers['transfer-encoding']).toBe('chunked');
        res.on('data', () => arrivals.push(Date.now() - t0));
        res.on('end', () => resolve());
      }).on('error', reject);
    });
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    expect(arrivals[0]).toBeLessThan(120);
    expect(arrivals[arrivals.length - 1] - arrivals[0]).toBeGreaterThanOrEqual(250);
  });

  test('WebSocket echo through the proxy', async () => {
    install([routeWithStatus(NS, 'ws', [{ revision: 'b-2', percent: 100 }])]);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket`, { headers: { host: 'ws.default.example.com' } });
    const replies: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => { ws.send('one'); ws.send('two'); });
      ws.on('message', (m) => {
        replies.push(m.toString());
        if (replies.length === 2) resolve();
      });
      ws.on('error', reject);
    });
    expect(replies).toEqual(['b-2:one', 'b-2:two']);
    ws.close();
    const bad = new WebSocket(`ws://127.0.0.1:${port}/socket`, { headers: { host: 'unknown.example.com' } });
    const status = await new Promise<number>((resolve) => bad.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });

  describe('malformed requests (raw sockets)', () => {
    beforeAll(() => install([routeWithStatus(NS, 'raw', [{ revision: 'b-1', percent: 100 }])]));

    test('sanity: a well-formed raw request works', async () => {
      const out = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: raw.default\r\nConnection: close\r\n\r\n');
      expect(out).toMatch(/^HTTP\/1\.1 200/);
      expect(out).toMatch(/b-1$/);
    });

    test('Content-Length with Transfer-Encoding → 400', async () => {
      const out = await rawRequest(port, 'POST /echo HTTP/1.1\r\nHost: raw.default\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
      expect(out).toMatch(/^HTTP\/1\.1 400/);
      expect(backends['b-1'].lastHeaders?.['transfer-encoding']).toBeUndefined();
    });

    test('conflicting Content-Length values → 400', async () => {
      const out = await rawRequest(port, 'POST /echo HTTP/1.1\r\nHost: raw.default\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!');
      expect(out).toMatch(/^HTTP\/1\.1 400/);
    });

    test('oversize body → 413 (declared and chunked)', async () => {
      const big = 'x'.repeat(2000);
      const out = await rawRequest(port, `POST /echo HTTP/1.1\r\nHost: raw.default\r\nContent-Length: ${big.length}\r\n\r\n${big}`);
      expect(out).toMatch(/^HTTP\/1\.1 413/);
      const chunk = 'x'.repeat(600);
      const out2 = await rawRequest(port, `POST /echo HTTP/1.1\r\nHost: raw.default\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`);
      expect(out2).toMatch(/^HTTP\/1\.1 413/);
    });

    test('oversized headers → 431 (size and count)', async () => {
      const out = await rawRequest(port, `GET / HTTP/1.1\r\nHost: raw.default\r\nX-Big: ${'y'.repeat(8000)}\r\n\r\n`);
      expect(out).toMatch(/^HTTP\/1\.1 431/);
      let many = '';
      for (let i = 0; i < 40; i++) many += `X-H${i}: v\r\n`;
      const out2 = await rawRequest(port, `GET / HTTP/1.1\r\nHost: raw.default\r\n${many}\r\n`);
      expect(out2).toMatch(/^HTTP\/1\.1 431/);
    });
  });

  test('changing the split 100 times under concurrent keep-alive load fails zero requests', async () => {
    const splits = (i: number): ReturnType<typeof routeWithStatus> => routeWithStatus(NS, 'live', [
      { revision: 'a-1', percent: i % 101 },
      { revision: 'a-2', percent: 100 - (i % 101) },
      { revision: 'a-3', percent: 0, tag: 'spare' },
    ]);
    install([splits(0)]);
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const client = new Pool(`http://127.0.0.1:${port}`, { connections: 8, pipelining: 1 });
    const worker = async (): Promise<void> => {
      while (!stop) {
        try {
          const r = await get(client, 'live.default.example.com');
          if (r.status === 200 && (r.body === 'a-1' || r.body === 'a-2')) ok++;
          else failures.push(`${r.status} ${r.body}`);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    for (let i = 1; i <= 100; i++) {
      await new Promise((r) => setTimeout(r, 10));
      install([splits(i * 7)]);
    }
    stop = true;
    await Promise.all(workers);
    await client.close();
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(200);
    expect(proxy.metrics.tableSwaps).toBeGreaterThanOrEqual(100);
  });

  test('admin server: /healthz, /readyz, and /metrics with per-route request counts and durations, 4xx for unknown hosts, upstream errors, in-flight and swaps', async () => {
    install([routeWithStatus(NS, 'm', [{ revision: 'b-1', percent: 100 }])]);
    await get(pool, 'm.default');
    const admin = ingressAdminServer(proxy);
    const aport = await admin.listen(0, '127.0.0.1');
    try {
      const fetchText = async (p: string): Promise<[number, string]> => {
        const r = await fetch(`http://127.0.0.1:${aport}${p}`);
        return [r.status, await r.text()];
      };
      expect(await fetchText('/healthz')).toEqual([200, 'ok\n']);
      expect((await fetchText('/readyz'))[0]).toBe(200);
      const [, m] = await fetchText('/metrics');
      expect(m).toMatch(/ingress_requests_total\{route="default\/m",revision="b-1",code="2xx"\} [1-9]/);
      expect(m).toMatch(/ingress_request_duration_seconds_bucket\{route="default\/m",revision="b-1",le="\+Inf"\} [1-9]/);
      expect(m).toMatch(/ingress_requests_total\{route="",revision="",code="4xx"\} [1-9]/);
      expect(m).toMatch(/ingress_upstream_errors_total\{route="default\/down",revision="dead-1",kind="refused"\} [1-9]/);
      expect(m).toMatch(/ingress_requests_in_flight 0/);
      expect(m).toMatch(/ingress_table_swaps_total \d+/);
    } finally {
      await admin.close();
    }
  });
});

describe('drain (SIGTERM behaviour)', () => {
  test('readyz goes 503, in-flight requests on both listeners complete, new connections to either are refused', async () => {
    const backend = await startBackend('d-1');
    const proxy = new IngressProxy({ resolver: () => ({ origin: `http://127.0.0.1:${backend.port}` }) });
    const admin = ingressAdminServer(proxy);
    const aport = await admin.listen(0, '127.0.0.1');
    expect((await fetch(`http://127.0.0.1:${aport}/readyz`)).status).toBe(503); // no table yet
    proxy.setTable(buildRouteTable([routeWithStatus(NS, 'd', [{ revision: 'd-1', percent: 100 }])], ingressConfig()));
    expect((await fetch(`http://127.0.0.1:${aport}/readyz`)).status).toBe(200);
    const port = await proxy.listen(0, '127.0.0.1');
    const internalPort = await proxy.listenInternal(0, '127.0.0.1');
    const client = new Pool(`http://127.0.0.1:${port}`, { connections: 4 });
    const internalClient = new Pool(`http://127.0.0.1:${internalPort}`, { connections: 4 });
    const inflight = [
      ...Array.from({ length: 3 }, () => get(client, 'd.default.example.com', '/slow?ms=400')),
      ...Array.from({ length: 2 }, () => get(internalClient, 'd.default', '/slow?ms=400')),
    ];
    await new Promise((r) => setTimeout(r, 100));
    expect(proxy.requestsInFlight).toBe(5);
    const drained = proxy.drain(5000);
    expect((await fetch(`http://127.0.0.1:${aport}/readyz`)).status).toBe(503);
    const results = await Promise.all(inflight);
    expect(results.map((r) => [r.status, r.body])).toEqual(Array.from({ length: 5 }, () => [200, 'd-1']));
    expect(await drained).toBe(true);
    expect(proxy.server.listening).toBe(false);
    expect(proxy.internalServer.listening).toBe(false);
    await expect(rawRequest(port, 'GET / HTTP/1.1\r\nHost: d.default.example.com\r\n\r\n', 500)).resolves.toBe('');
    await expect(rawRequest(internalPort, 'GET / HTTP/1.1\r\nHost: d.default\r\n\r\n', 500)).resolves.toBe('');
    await client.destroy();
    await internalClient.destroy();
    await proxy.close();
    await admin.close();
    await backend.close();
  });

  test('drain(200) gives up after its bound (returns false) and the in-flight request is aborted', async () => {
    const backend = await startBackend('d-2');
    const proxy = new IngressProxy({ resolver: () => ({ origin: `http://127.0.0.1:${backend.port}` }) });
    proxy.setTable(buildRouteTable([routeWithStatus(NS, 'd', [{ revision: 'd-2', percent: 100 }])], ingressConfig()));
    const port = await proxy.listen(0, '127.0.0.1');
    const client = new Pool(`http://127.0.0.1:${port}`);
    const p = get(client, 'd.default.example.com', '/slow?ms=5000').catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    expect(await proxy.drain(200)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await p).toBe('aborted');
    await client.destroy();
    await proxy.close();
    await backend.close();
  });
});

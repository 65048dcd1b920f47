/**
 * Per-revision request timeouts (Knative's spec.timeoutSeconds, responseStartTimeoutSeconds and
 * idleTimeoutSeconds), enforced by the proxy with real loopback backends, and fed from Revision
 * objects by the TableBuilder.
 */
import * as net from 'node:net';
import { Pool } from 'undici';
import { get, ingressConfig, routeWithStatus, startBackend, TestBackend } from './helpers';
import { Backend, IngressProxy } from '../../../src/runtime/ingress/proxy';
import { buildRouteTable } from '../../../src/runtime/ingress/table';
import { revisionTimeouts, TableBuilder } from '../../../src/runtime/ingress/watcher';

const NS = 'default';

/** Fetch with the body read to the end; `complete` is false when the proxy cut the response. */
async function fetchAll(pool: Pool, host: string, path: string): Promise<{ status: number; body: string; complete: boolean; ms: number }> {
  const t0 = Date.now();
  const res = await pool.request({ path, method: 'GET', headers: { host } });
  let body = '';
  let complete = true;
  try {
    for await (const chunk of res.body) body += chunk.toString();
  } catch {
    complete = false;
  }
  return { status: res.statusCode, body, complete, ms: Date.now() - t0 };
}

describe('per-revision timeouts in the proxy', () => {
  let backend: TestBackend;
  let proxy: IngressProxy;
  let pool: Pool;
  const timeouts: Record<string, Omit<Backend, 'origin'>> = {
    'total-1': { timeoutMs: 400 },
    'start-1': { timeoutMs: 5000, responseStartTimeoutMs: 300 },
    'idle-1': { timeoutMs: 8000, idleTimeoutMs: 1000 },
  };

  beforeAll(async () => {
    backend = await startBackend('b');
    proxy = new IngressProxy({
      resolver: (_ns, rev) => ({ origin: `http://127.0.0.1:${backend.port}`, ...timeouts[rev] }),
      defaultTimeoutMs: 5000,
    });
    proxy.setTable(buildRouteTable(['total-1', 'start-1', 'idle-1', 'late-1'].map((rev) =>
      routeWithStatus(NS, rev.replace('-1', ''), [{ revision: rev, percent: 100 }])), ingressConfig()));
    const port = await proxy.listenInternal(0, '127.0.0.1'); // serves the cluster-local hosts used below
    pool = new Pool(`http://127.0.0.1:${port}`, { connections: 8 });
  });

  afterAll(async () => {
    await pool.close();
    await proxy.close();
    await backend.close();
  });

  test('timeoutSeconds bounds the wait for the response start: 504 before it starts; a started response is not cut (Knative\'s timeout handler)', async () => {
    const slow = await fetchAll(pool, 'total.default', '/slow?ms=2000');
    expect(slow.status).toBe(504);
    expect(slow.body).toMatch(/timed out/);
    expect(slow.ms).toBeLessThan(1500);
    // The response starts at once and streams for ~1 s (> 400 ms), with gaps of 250 ms: it completes.
    const stream = await fetchAll(pool, 'total.default', '/stream?n=5&every=250');
    expect(stream).toMatchObject({ status: 200, complete: true, body: 'chunk0\nchunk1\nchunk2\nchunk3\nchunk4\n' });
    expect(stream.ms).toBeGreaterThan(900);
    // A gap longer than timeoutSeconds between body chunks is no timeout either (no idleTimeoutSeconds set).
    const gappy = await fetchAll(pool, 'total.default', '/stream?n=2&every=900');
    expect(gappy).toMatchObject({ status: 200, complete: true, body: 'chunk0\nchunk1\n' });
    // The connection pool still works.
    expect((await fetchAll(pool, 'total.default', '/stream?n=3&every=50')).body).toBe('chunk0\nchunk1\nchunk2\n');
  });

  test('responseStartTimeoutSeconds bounds only the wait for the response headers', async () => {
    const slow = await fetchAll(pool, 'start.default', '/slow?ms=2000');
    expect(slow.status).toBe(504);
    expect(slow.ms).toBeLessThan(1500);
    // Started at once, streams for ~600 ms (> 300 ms): fine.
    const stream = await fetchAll(pool, 'start.default', '/stream?n=4&every=200');
    expect(stream).toMatchObject({ status: 200, complete: true, body: 'chunk0\nchunk1\nchunk2\nchunk3\n' });
  });

  test('idleTimeoutSeconds bounds the gaps between body chunks (undici checks them with ~1 s resolution)', async () => {
    const gappy = await fetchAll(pool, 'idle.default', '/stream?n=2&every=3000');
    expect(gappy.status).toBe(200);
    expect(gappy.complete).toBe(false);
    expect(gappy.body).toBe('chunk0\n');
    expect(gappy.ms).toBeLessThan(2900);
    const steady = await fetchAll(pool, 'idle.default', '/stream?n=8&every=50');
    expect(steady).toMatchObject({ complete: true });
    expect(steady.body.split('\n').length).toBe(9);
  });

  test('timeouts learnt after the backend was created apply from the next table swap', async () => {
    expect((await get(pool, 'late.default', '/slow?ms=700')).status).toBe(200); // default 5 s
    timeouts['late-1'] = { timeoutMs: 300 };
    proxy.setTable(buildRouteTable([routeWithStatus(NS, 'late', [{ revision: 'late-1', percent: 100 }])], ingressConfig(), { previous: proxy.currentTable }));
    expect((await get(pool, 'late.default', '/slow?ms=700')).status).toBe(504);
  });
});

describe('revision timeouts from Revision objects', () => {
  const revision = (name: string, spec: Record<string, unknown>): { metadata: { namespace: string; name: string }; spec: Record<string, unknown> } =>
    ({ metadata: { namespace: NS, name }, spec });

  test('revisionTimeouts reads the three fields in ms; unset, zero or malformed stay unset', () => {
    expect(revisionTimeouts(revision('a', { timeoutSeconds: 30, responseStartTimeoutSeconds: 10, idleTimeoutSeconds: 5 })))
      .toEqual({ timeoutMs: 30_000, responseStartTimeoutMs: 10_000, idleTimeoutMs: 5_000 });
    expect(revisionTimeouts(revision('b', { timeoutSeconds: 0, idleTimeoutSeconds: '5', responseStartTimeoutSeconds: 1.5 }))).toEqual({});
    expect(revisionTimeouts(undefined)).toEqual({});
  });

  test('the TableBuilder keeps them per revision and rebuilds the table only when they change', async () => {
    let tables = 0;
    const builder = new TableBuilder({ debounceMs: 1, onTable: () => { tables++; } });
    builder.markSynced();
    builder.upsertRoute(routeWithStatus(NS, 'r', [{ revision: 'r-1', percent: 100 }]));
    builder.flush();
    expect(tables).toBe(1);
    builder.upsertRevision(revision('r-1', { timeoutSeconds: 60 }));
    expect(builder.timeoutsFor(NS, 'r-1')).toEqual({ timeoutMs: 60_000 });
    expect(builder.timeoutsFor('other', 'r-1')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 20));
    expect(tables).toBe(2); // the proxy re-resolves backends on every swap
    builder.upsertRevision(revision('r-1', { timeoutSeconds: 60 }));
    await new Promise((r) => setTimeout(r, 20));
    expect(tables).toBe(2); // unchanged: no rebuild
    builder.deleteRevision(revision('r-1', {}));
    expect(builder.timeoutsFor(NS, 'r-1')).toBeUndefined();
    builder.stop();
  });
});

describe('slow and silent clients (ProxyOptions.headersTimeoutMs)', () => {
  let proxy: IngressProxy;
  let port: number;
  beforeAll(async () => {
    proxy = new IngressProxy({ resolver: () => ({ origin: 'http://127.0.0.1:9' }), headersTimeoutMs: 300 });
    proxy.setTable(buildRouteTable([routeWithStatus(NS, 'r', [{ revision: 'r-1', percent: 100 }])], ingressConfig()));
    port = await proxy.listenInternal(0, '127.0.0.1');
  });
  afterAll(() => proxy.close());

  /** Connect, send `bytes`, and collect what the proxy answers until it closes the connection. */
  function session(bytes: string): Promise<{ answer: string; ms: number }> {
    return new Promise((resolve, reject) => {
      const t0 = Date.now();
      let answer = '';
      const s = net.connect(port, '127.0.0.1', () => {
        if (bytes) s.write(bytes);
      });
      s.setEncoding('latin1');
      s.on('data', (c: string) => (answer += c));
      s.on('error', reject);
      s.on('close', () => resolve({ answer, ms: Date.now() - t0 }));
      setTimeout(() => s.destroy(new Error('the proxy did not close the connection within 5 s')), 5000);
    });
  }

  test('a connection that sends nothing is closed after the timeout, without an answer', async () => {
    const r = await session('');
    expect(r.answer).toBe('');
    expect(r.ms).toBeGreaterThanOrEqual(250);
    expect(r.ms).toBeLessThan(3000);
  });

  test('an HTTP/1.1 request whose headers never end gets 408 "request timeout" and the connection closes', async () => {
    const r = await session('GET / HTTP/1.1\r\nHost: r.default\r\nX-Slow: 1\r\n');
    expect(r.answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(r.answer).toMatch(/connection: close/i);
    expect(r.answer).toMatch(/request timeout\n$/);
    expect(r.ms).toBeGreaterThanOrEqual(250);
    expect(r.ms).toBeLessThan(3000);
  });
});

/**
 * HTTP/2 through the ingress: gRPC (a real @grpc/grpc-js client and servers on loopback) of every
 * kind with exact weighted splits, h2c prior-knowledge and `Upgrade: h2c` clients, HTTP/1.1
 * clients to h2c revisions and HTTP/2 clients to HTTP/1.1 revisions, trailers, and the per-pod
 * limit for HTTP/2 streams.
 */
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { Pool } from 'undici';
import { bidi, clientStream, GrpcBackend, revClient, RevClientT, serverStream, startGrpcBackend, unary } from './grpc';
import { ingressConfig, routeWithStatus, startBackend, TestBackend } from './helpers';
import { IngressProxy, RevisionInfo } from '../../../src/runtime/ingress/proxy';
import { buildRouteTable } from '../../../src/runtime/ingress/table';

const NS = 'default';

/** A plain HTTP/2 (h2c) server: answers with its protocol version, the headers it got, the body it got, and a trailer. */
interface H2Backend { port: number; last: http2.IncomingHttpHeaders | undefined; sessions: number; close(): Promise<void> }

async function startH2Backend(id: string): Promise<H2Backend> {
  const state = { port: 0, last: undefined as http2.IncomingHttpHeaders | undefined, sessions: 0, close: (): Promise<void> => Promise.resolve() };
  const server = http2.createServer();
  server.on('session', () => { state.sessions++; });
  server.on('stream', (stream, headers) => {
    state.last = headers;
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/json' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'x-trailer': `${id}-done` }));
      stream.end(JSON.stringify({ id, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.port = (server.address() as net.AddressInfo).port;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  return state;
}

/** One HTTP/2 (prior knowledge) request; resolves with status, headers, body and trailers. */
interface H2Answer { status: number; headers: http2.IncomingHttpHeaders; body: string; trailers: http2.IncomingHttpHeaders }

function h2Request(port: number, headers: http2.OutgoingHttpHeaders, body?: string): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const req = session.request(headers, { endStream: body === undefined });
    let res: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    let data = '';
    req.on('response', (h) => { res = h; });
    req.on('trailers', (t) => { trailers = t; });
    req.setEncoding('utf8');
    req.on('data', (c: string) => { data += c; });
    req.on('end', () => {
      session.close();
      resolve({ status: Number(res[':status']), headers: res, body: data, trailers });
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
  });
}

describe('HTTP/2 and gRPC through the ingress', () => {
  const grpcBackends: Record<string, GrpcBackend> = {};
  const h1Backends: Record<string, TestBackend> = {};
  let h2b: Awaited<ReturnType<typeof startH2Backend>>;
  /** An HTTP/1.1 revision that answers chunked with trailers (`/trailers`) or plainly (anything else). */
  let trailerServer: http.Server;
  let proxy: IngressProxy;
  let port: number;
  let externalPort: number;
  const info: Record<string, RevisionInfo> = {};
  const clients: RevClientT[] = [];

  beforeAll(async () => {
    for (const rev of ['g-1', 'g-2', 'g-cc']) grpcBackends[rev] = await startGrpcBackend(rev);
    h1Backends['a-1'] = await startBackend('a-1');
    h2b = await startH2Backend('h-1');
    trailerServer = http.createServer((req, res) => {
      req.resume();
      if (req.url !== '/trailers') {
        res.end('plain');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'trailer': 'x-checksum, x-multi' });
      res.write('with ');
      // a hop-by-hop field is not passed on as a trailer; a repeated one keeps both values
      res.addTrailers([['X-Checksum', 'abc'], ['X-Multi', 'one'], ['X-Multi', 'two'], ['Keep-Alive', 'timeout=5']]);
      res.end('trailers');
    });
    await new Promise<void>((r) => trailerServer.listen(0, '127.0.0.1', () => r()));
    info['g-cc'] = { containerConcurrency: 1 };
    proxy = new IngressProxy({
      resolver: (_ns, rev) => {
        if (grpcBackends[rev]) return { origin: `http://127.0.0.1:${grpcBackends[rev].port}`, h2c: true, ...info[rev] };
        if (rev === 'g-slow') return { origin: `http://127.0.0.1:${grpcBackends['g-1'].port}`, h2c: true, timeoutMs: 300 };
        if (rev === 'h-1') return { origin: `http://127.0.0.1:${h2b.port}`, h2c: true };
        if (rev === 't-1') return { origin: `http://127.0.0.1:${(trailerServer.address() as net.AddressInfo).port}` };
        return { origin: `http://127.0.0.1:${h1Backends[rev]?.port ?? 1}` };
      },
    });
    port = await proxy.listenInternal(0, '127.0.0.1');
    externalPort = await proxy.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await proxy.close();
    await Promise.all(Object.values(grpcBackends).map((b) => b.close()));
    await Promise.all(Object.values(h1Backends).map((b) => b.close()));
    await h2b.close();
    await new Promise<void>((r) => trailerServer.close(() => r()));
  });

  const install = (name: string, split: Array<[string, number]>, opts: { clusterLocal?: boolean } = {}): void => {
    // A fresh table (fresh balancer): each block of calls below starts a new 100-pick window.
    proxy.setTable(buildRouteTable([routeWithStatus(NS, name, split.map(([revision, percent]) => ({ revision, percent })), opts)], ingressConfig()));
  };
  const client = (host: string, p = port): RevClientT => {
    const c = revClient(p, host);
    clients.push(c);
    return c;
  };
  const tally = (revs: string[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of revs) out[r] = (out[r] ?? 0) + 1;
    return out;
  };
  /** Run `n` calls with `concurrency` in flight. */
  const runCalls = async <T>(n: number, concurrency: number, call: (i: number) => Promise<T>): Promise<T[]> => {
    const out: T[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await call(i);
      }
    }));
    return out;
  };

  test('gRPC unary, server, client and bidi streaming: exact 70/30 splits over 100 calls of each kind', async () => {
    const c = client('grpc.default.example.com');
    install('grpc', [['g-1', 70], ['g-2', 30]]);
    const unaries = await runCalls(100, 10, (i) => unary(c, 'who', { n: i }));
    expect(tally(unaries.map((u) => String(u.res.rev)))).toEqual({ 'g-1': 70, 'g-2': 30 });
    unaries.forEach((u, i) => expect(u.res.n).toBe(i));
    // trailing metadata (HTTP/2 trailers) made it back
    expect(unaries.every((u) => u.trailers.get('x-rev')[0] === u.res.rev)).toBe(true);

    install('grpc', [['g-1', 70], ['g-2', 30]]);
    const lists = await runCalls(100, 10, () => serverStream(c, { count: 5 }));
    for (const l of lists) {
      expect(l.map((m) => m.i)).toEqual([0, 1, 2, 3, 4]);
      expect(new Set(l.map((m) => m.rev)).size).toBe(1); // one call, one revision
    }
    expect(tally(lists.map((l) => String(l[0].rev)))).toEqual({ 'g-1': 70, 'g-2': 30 });

    install('grpc', [['g-1', 70], ['g-2', 30]]);
    const sums = await runCalls(100, 10, (i) => clientStream(c, [{ n: i }, { n: 1 }, { n: 2 }]));
    sums.forEach((s, i) => expect(s.sum).toBe(i + 3));
    expect(tally(sums.map((s) => String(s.rev)))).toEqual({ 'g-1': 70, 'g-2': 30 });

    install('grpc', [['g-1', 70], ['g-2', 30]]);
    const echoes = await runCalls(100, 10, (i) => bidi(c, [{ k: i }, { k: i + 1 }, { k: i + 2 }]));
    echoes.forEach((e, i) => {
      expect(e.map((m) => (m.echo as { k: number }).k)).toEqual([i, i + 1, i + 2]);
      expect(new Set(e.map((m) => m.rev)).size).toBe(1);
    });
    expect(tally(echoes.map((e) => String(e[0].rev)))).toEqual({ 'g-1': 70, 'g-2': 30 });
  });

  test('gRPC errors keep their status, message and trailing metadata (trailers-only responses)', async () => {
    install('grpc', [['g-2', 100]]);
    const c = client('grpc.default.example.com');
    const err = await unary(c, 'fail', { what: 'thing' }).then(() => undefined, (e: grpc.ServiceError) => e);
    expect(err?.code).toBe(grpc.status.NOT_FOUND);
    expect(err?.details).toBe('no thing');
    expect(err?.metadata.get('x-rev')).toEqual(['g-2']);
  });

  test('an unknown host: the ingress 404 reaches the gRPC client as UNIMPLEMENTED', async () => {
    install('grpc', [['g-1', 100]]);
    const c = client('nope.default.example.com');
    const err = await unary(c, 'who', { n: 1 }).then(() => undefined, (e: grpc.ServiceError) => e);
    expect(err).toBeDefined();
    expect(err?.code).toBe(grpc.status.UNIMPLEMENTED); // grpc-js maps HTTP 404 to UNIMPLEMENTED
  });

  test('the external listener speaks h2c too (external hosts only)', async () => {
    install('grpc', [['g-1', 50], ['g-2', 50]]);
    const c = client('grpc.default.example.com', externalPort);
    const calls = await runCalls(10, 2, (i) => unary(c, 'who', { n: i }));
    expect(tally(calls.map((u) => String(u.res.rev)))).toEqual({ 'g-1': 5, 'g-2': 5 });
    install('grpc', [['g-1', 100]], { clusterLocal: true });
    const local = client('grpc.default.svc.cluster.local', externalPort);
    const err = await unary(local, 'who', { n: 1 }).then(() => undefined, (e: grpc.ServiceError) => e);
    expect(err?.code).toBe(grpc.status.UNIMPLEMENTED); // 404: cluster-local hosts are not served externally
    const internal = client('grpc.default.svc.cluster.local');
    expect((await unary(internal, 'who', { n: 2 })).res).toEqual({ rev: 'g-1', n: 2 });
  });

  test('containerConcurrency holds for HTTP/2 streams: CC 1 → one call at a time on the pod, all served', async () => {
    install('cc', [['g-cc', 100]]);
    const c = client('cc.default.example.com');
    const calls = await runCalls(8, 8, (i) => unary(c, 'who', { n: i, ms: 40 }));
    expect(calls.map((u) => u.res.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(grpcBackends['g-cc'].maxInFlight).toBe(1);
  });

  test('the revision timeout applies to a gRPC call: 504 from the ingress, UNAVAILABLE at the client', async () => {
    install('slow', [['g-slow', 100]]);
    const c = client('slow.default.example.com');
    expect((await unary(c, 'who', { n: 1, ms: 10 })).res).toEqual({ rev: 'g-1', n: 1 });
    const t0 = Date.now();
    const err = await unary(c, 'who', { n: 2, ms: 2000 }).then(() => undefined, (e: grpc.ServiceError) => e);
    expect(err?.code).toBe(grpc.status.UNAVAILABLE); // grpc-js maps HTTP 504 to UNAVAILABLE
    expect(err?.details).toMatch(/504/);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  test('h2c prior knowledge to an HTTP/1.1 revision: pseudo-headers mapped, X-Forwarded-* added', async () => {
    install('web', [['a-1', 100]]);
    const r = await h2Request(port, { ':path': '/headers', ':authority': 'web.default.example.com', 'x-custom': 'yes' });
    expect(r.status).toBe(200);
    const seen = JSON.parse(r.body) as { id: string; headers: Record<string, string> };
    expect(seen.id).toBe('a-1');
    expect(seen.headers.host).toBe('web.default.example.com');
    expect(seen.headers['x-custom']).toBe('yes');
    expect(seen.headers['x-forwarded-host']).toBe('web.default.example.com');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(Object.keys(seen.headers).some((k) => k.startsWith(':'))).toBe(false);
    // a request body without Content-Length (HTTP/2 frames it) reaches the HTTP/1.1 pod
    const echo = await h2Request(port, { ':path': '/echo', ':method': 'POST', ':authority': 'web.default.example.com' }, 'hello over h2');
    expect(echo.body).toBe('hello over h2');
    // unknown host: 404 over HTTP/2
    expect((await h2Request(port, { ':path': '/', ':authority': 'nope.example.com' })).status).toBe(404);
  });

  test('HTTP/1.1 client to an h2c revision: translated both ways, trailers passed on', async () => {
    install('h2', [['h-1', 100]]);
    const pool = new Pool(`http://127.0.0.1:${port}`);
    try {
      const r = await new Promise<{ status: number; version: string; body: string; trailers: NodeJS.Dict<string> }>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/x?y=1',
          agent: false,
          headers: { 'host': 'h2.default.example.com', 'connection': 'x-hop', 'x-hop': 'drop me', 'te': 'trailers', 'x-keep': 'k', 'transfer-encoding': 'chunked' },
        }, (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => { data += c; });
          res.on('end', () => resolve({ status: res.statusCode!, version: res.httpVersion, body: data, trailers: res.trailers }));
        });
        req.on('error', reject);
        req.write('from ');
        req.end('h1');
      });
      expect(r.status).toBe(200);
      expect(r.version).toBe('1.1');
      expect(JSON.parse(r.body)).toEqual({ id: 'h-1', body: 'from h1' });
      expect(r.trailers).toEqual({ 'x-trailer': 'h-1-done' });
      const last = h2b.last!;
      expect(last[':authority']).toBe('h2.default.example.com');
      expect(last[':path']).toBe('/x?y=1');
      expect(last[':method']).toBe('POST');
      expect(last['x-keep']).toBe('k');
      expect(last['x-hop']).toBeUndefined();
      expect(last.te).toBe('trailers');
      expect(last.connection).toBeUndefined();
      expect(last.host).toBeUndefined();
      // undici (keep-alive, Content-Length body) too
      const u = await pool.request({ path: '/', method: 'POST', headers: { host: 'h2.default.example.com' }, body: 'from undici' });
      expect(await u.body.json()).toEqual({ id: 'h-1', body: 'from undici' });
      expect(u.trailers).toEqual({ 'x-trailer': 'h-1-done' });
    } finally {
      await pool.close();
    }
    // concurrent requests share one multiplexed HTTP/2 connection to the pod
    const before = h2b.sessions;
    const many = new Pool(`http://127.0.0.1:${port}`, { connections: 20 });
    try {
      const bodies = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        const r = await many.request({ path: '/', method: 'POST', headers: { host: 'h2.default.example.com' }, body: `n${i}` });
        return (await r.body.json() as { body: string }).body;
      }));
      expect(bodies).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`));
    } finally {
      await many.close();
    }
    expect(h2b.sessions - before).toBeLessThan(5); // HTTP/1.1 pools would open one connection per concurrent request
    // and an HTTP/2 client to the same revision: trailers over HTTP/2
    const h2 = await h2Request(port, { ':path': '/', ':method': 'POST', ':authority': 'h2.default.example.com' }, 'from h2');
    expect(JSON.parse(h2.body)).toEqual({ id: 'h-1', body: 'from h2' });
    expect(h2.trailers['x-trailer']).toBe('h-1-done');
  });

  test('trailers from an HTTP/1.1 revision reach HTTP/1.1 and HTTP/2 clients (hop-by-hop dropped, repeats kept); none when it sends none', async () => {
    install('tr', [['t-1', 100]]);
    const h1Get = (path: string): Promise<{ body: string; trailers: NodeJS.Dict<string>; rawTrailers: string[] }> =>
      new Promise((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { host: 'tr.default.example.com', te: 'trailers' } }, (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => { data += c; });
          res.on('end', () => resolve({ body: data, trailers: res.trailers, rawTrailers: res.rawTrailers }));
        });
        req.on('error', reject);
      });
    const h1 = await h1Get('/trailers');
    expect(h1.body).toBe('with trailers');
    expect(h1.trailers['x-checksum']).toBe('abc');
    expect(h1.rawTrailers.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()).sort()).toEqual(['x-checksum', 'x-multi', 'x-multi']);
    expect(h1.rawTrailers.filter((_, i) => i % 2 === 1).sort()).toEqual(['abc', 'one', 'two']);
    const h2 = await h2Request(port, { ':path': '/trailers', ':authority': 'tr.default.example.com' });
    expect(h2.body).toBe('with trailers');
    expect(h2.trailers['x-checksum']).toBe('abc');
    expect(h2.trailers['x-multi']).toBe('one, two');
    expect(h2.trailers['keep-alive']).toBeUndefined();
    // no trailers from the pod: none to the client
    expect(await h1Get('/')).toEqual({ body: 'plain', trailers: {}, rawTrailers: [] });
    const plain = await h2Request(port, { ':path': '/', ':authority': 'tr.default.example.com' });
    expect(plain.body).toBe('plain');
    expect(plain.trailers).toEqual({});
  });

  test('Upgrade: h2c is ignored: answered over HTTP/1.1 on a keep-alive connection (GET and POST)', async () => {
    install('web', [['a-1', 100]]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    interface H1Answer { status: number; version: string; body: string; headers: http.IncomingHttpHeaders; socket: unknown }
    const send = (method: string, path: string, body?: string): Promise<H1Answer> =>
      new Promise((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port,
          method,
          path,
          agent,
          headers: {
            'host': 'web.default.example.com',
            'connection': 'Upgrade, HTTP2-Settings',
            'upgrade': 'h2c',
            'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA',
            ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          },
        }, (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => { data += c; });
          res.on('end', () => resolve({ status: res.statusCode!, version: res.httpVersion, body: data, headers: res.headers, socket: req.socket }));
        });
        req.on('upgrade', () => reject(new Error('the ingress switched protocols')));
        req.on('error', reject);
        req.end(body);
      });
    try {
      const a = await send('GET', '/headers');
      expect(a.status).toBe(200);
      expect(a.version).toBe('1.1');
      const seen = JSON.parse(a.body) as { id: string; headers: Record<string, string> };
      expect(seen.id).toBe('a-1');
      expect(seen.headers.upgrade).toBeUndefined();
      expect(seen.headers['http2-settings']).toBeUndefined();
      const b = await send('POST', '/echo', 'body after an ignored upgrade');
      expect(b.body).toBe('body after an ignored upgrade');
      const c = await send('GET', '/');
      expect(c.body).toBe('a-1');
      expect(c.socket).toBe(a.socket); // still the same HTTP/1.1 keep-alive connection
    } finally {
      agent.destroy();
    }
  });

  const hasCurl = (() => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return /HTTP2/.test((require('node:child_process') as typeof import('node:child_process')).execFileSync('curl', ['-V']).toString());
    } catch {
      return false;
    }
  })();
  (hasCurl ? test : test.skip)('curl --http2 (Upgrade) and --http2-prior-knowledge', async () => {
    install('web', [['a-1', 100]]);
    const run = promisify(execFile);
    const curl = async (flag: string): Promise<string> => (await run('curl', ['-sS', flag, '-o', '-', '-w', '\n%{http_version} %{http_code}',
      '-H', 'Host: web.default.example.com', `http://127.0.0.1:${port}/`])).stdout;
    expect(await curl('--http2')).toBe('a-1\n1.1 200');
    expect(await curl('--http2-prior-knowledge')).toBe('a-1\n2 200');
  });
});

describe('drain with HTTP/2 clients', () => {
  test('an in-flight gRPC call finishes, the session gets GOAWAY, new connections are refused', async () => {
    const g = await startGrpcBackend('d-1');
    const proxy = new IngressProxy({ resolver: () => ({ origin: `http://127.0.0.1:${g.port}`, h2c: true }) });
    const port = await proxy.listenInternal(0, '127.0.0.1');
    proxy.setTable(buildRouteTable([routeWithStatus(NS, 'd', [{ revision: 'd-1', percent: 100 }])], ingressConfig()));
    const c = revClient(port, 'd.default.example.com');
    try {
      expect((await unary(c, 'who', { n: 0 })).res).toEqual({ rev: 'd-1', n: 0 });
      const slow = unary(c, 'who', { n: 1, ms: 300 });
      await new Promise((r) => setTimeout(r, 50));
      const drained = await proxy.drain(5000);
      expect(drained).toBe(true);
      expect((await slow).res).toEqual({ rev: 'd-1', n: 1 });
      expect(proxy.server.listening || proxy.internalServer.listening).toBe(false);
      const refused = await new Promise<string>((r) => {
        const sock = net.connect(port, '127.0.0.1', () => {
          sock.destroy();
          r('connected');
        });
        sock.on('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
    } finally {
      c.close();
      await proxy.close();
      await g.close();
    }
  });
});

/**
 * bench:autoscale, memory part (run by bench/autoscale.ts as an esbuild bundle, with the ingress's
 * deployed V8 flags): RSS per N held requests in one process, measured as the growth over the same
 * process idle (after GC), for
 *   - `ingress`: the ingress's IngressProxy holding N requests for a revision with no pod
 *     (the activator path: waiting for a pod, as at scale from zero);
 *   - `baseline`: a bare node:http server that accepts the same N requests and never answers;
 *   - `uws` (experiment only, not run by bench:autoscale): the same with a uWebSockets.js server
 *     loaded from the path in UWS_JS (see bench/uws-proxy.cjs for how to get one), keeping per
 *     request what an activator would (the response, method, URL and a copy of the headers).
 * The N clients run in a separate child process (`client`), so their memory is not counted.
 * Prints one JSON line on stdout: {"mode", "held", "rss_idle_mb", "rss_held_mb", "rss_mb_per_10k_held", "heap_mb_per_10k_held"}.
 *
 *   node --expose-gc autoscale-held.js ingress|baseline [N]
 *   UWS_JS=/tmp/uws node --expose-gc autoscale-held.js uws [N]   (bench:autoscale runs it when UWS_JS is set)
 */
import { fork } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { IngressProxy } from '../src/runtime/ingress/proxy';
import { buildRouteTable } from '../src/runtime/ingress/table';
import { ingressConfig, routeWithStatus } from '../test/runtime/ingress/helpers';

const mode = process.argv[2];
const N = Number((mode === 'client' ? process.argv[4] : process.argv[3]) ?? 10_000);

function client(port: number): void {
  const socks: net.Socket[] = [];
  let i = 0;
  const open = (): void => {
    for (let k = 0; k < 200 && i < N; k++, i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.write('GET / HTTP/1.1\r\nHost: z.default\r\nUser-Agent: bench-autoscale\r\n\r\n');
      socks.push(s);
    }
    if (i < N) setTimeout(open, 5);
    else process.send!('opened');
  };
  open();
  process.on('message', () => {
    for (const s of socks) s.destroy();
    process.exit(0);
  });
}

/** The parts of uWebSockets.js's API `uwsServer` uses. */
interface UwsResponse { onAborted(cb: () => void): void }
interface UwsRequest { getMethod(): string; getUrl(): string; getQuery(): string; forEach(cb: (name: string, value: string) => void): void }
interface UwsApp { listen(host: string, port: number, cb: (socket: unknown) => void): void }
interface UwsModule {
  App(): { any(pattern: string, handler: (res: UwsResponse, req: UwsRequest) => void): UwsApp };
  us_socket_local_port(socket: unknown): number;
  us_listen_socket_close(socket: unknown): void;
}

/** `uws` mode: a uWebSockets.js server that holds every request (what an activator keeps of it), never answering. */
async function uwsServer(): Promise<{ port: number; held: () => number; close: () => Promise<void> }> {
  if (!process.env.UWS_JS) throw new Error('uws mode: set UWS_JS to an unpacked uWebSockets.js package (see bench/uws-proxy.cjs)');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const uws = require(process.env.UWS_JS) as UwsModule;
  const kept: unknown[] = [];
  const app = uws.App().any('/*', (res, req) => {
    const headers: string[] = [];
    req.forEach((name, value) => headers.push(name, value));
    const record = { res, method: req.getMethod(), url: req.getUrl(), query: req.getQuery(), headers, aborted: false };
    res.onAborted(() => {
      record.aborted = true;
    });
    kept.push(record);
  });
  const socket = await new Promise<unknown>((resolve, reject) => app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('uws: cannot listen')))));
  return {
    port: uws.us_socket_local_port(socket),
    held: () => kept.length,
    close: async () => uws.us_listen_socket_close(socket),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function server(): Promise<void> {
  const gc = (globalThis as unknown as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  let held: () => number;
  let close: () => Promise<void>;
  let port: number;
  if (mode === 'ingress') {
    const proxy = new IngressProxy({ revisions: () => ({ timeoutMs: 600_000 }), maxWaitingPerRevision: N, maxWaitingTotal: N });
    port = await proxy.listenInternal(0, '127.0.0.1');
    proxy.setTable(buildRouteTable([routeWithStatus('default', 'z', [{ revision: 'z-1', percent: 100 }])], ingressConfig()));
    held = () => proxy.requestsWaiting;
    close = () => proxy.close();
  } else if (mode === 'baseline') {
    // The floor: node:http parses each request and keeps its socket, IncomingMessage and
    // ServerResponse; nothing else (no answer, no timer).
    let count = 0;
    const srv = http.createServer(() => {
      count++;
    });
    srv.requestTimeout = 0;
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    port = (srv.address() as net.AddressInfo).port;
    held = () => count;
    close = () => new Promise((r) => {
      srv.closeAllConnections();
      srv.close(() => r());
    });
  } else if (mode === 'uws') {
    ({ port, held, close } = await uwsServer());
  } else {
    throw new Error(`unknown mode ${JSON.stringify(mode)}: use ingress, baseline, uws or client`);
  }
  // Warm up the request path once (code compiled, pools created), so the idle figure is the
  // process ready to hold requests, not a cold one.
  await new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: z.default\r\n\r\n'));
    s.on('error', () => resolve());
    const t0 = Date.now();
    const check = (): void => {
      if (held() >= 1 || Date.now() - t0 > 2000) {
        s.destroy();
        resolve();
      } else {setTimeout(check, 5);}
    };
    check();
  });
  await sleep(200);
  for (let k = 0; k < 3; k++) {
    gc();
    await sleep(100);
  }
  const before = process.memoryUsage();
  const base = held();
  const child = fork(__filename, ['client', String(port), String(N)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((r) => child.once('message', r));
  const t0 = Date.now();
  while (held() - base < N && Date.now() - t0 < 60_000) await sleep(50);
  for (let k = 0; k < 3; k++) {
    gc();
    await sleep(200);
  }
  const after = process.memoryUsage();
  const n = held() - base;
  const mb = (x: number): number => Math.round(x / 1e4) / 100;
  const per10k = (a: number, b: number): number => mb(((a - b) * 10_000) / n);
  console.log(JSON.stringify({
    mode,
    held: n,
    rss_idle_mb: mb(before.rss),
    rss_held_mb: mb(after.rss),
    rss_mb_per_10k_held: per10k(after.rss, before.rss),
    heap_mb_per_10k_held: per10k(after.heapUsed, before.heapUsed),
  }));
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  await close();
  process.exit(0);
}

if (mode === 'client') {
  client(Number(process.argv[3]));
} else {
  server().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

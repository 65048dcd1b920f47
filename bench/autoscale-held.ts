/**
 * bench:autoscale, memory part (run by bench/autoscale.ts as an esbuild bundle, with the ingress's
 * deployed V8 flags): RSS per N held requests in one process, measured as the growth over the same
 * process idle (after GC), for
 *   - `ingress`: the ingress's IngressProxy holding N requests for a revision with no pod
 *     (the activator path: waiting for a pod, as at scale from zero);
 *   - `baseline`: a bare node:http server that accepts the same N requests and never answers.
 * The N clients run in a separate child process (`client`), so their memory is not counted.
 * Prints one JSON line on stdout: {"mode", "held", "rss_idle_mb", "rss_held_mb", "rss_mb_per_10k_held", "heap_mb_per_10k_held"}.
 *
 *   node --expose-gc autoscale-held.js ingress|baseline [N]
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
  } else {
    throw new Error(`unknown mode ${JSON.stringify(mode)}: use ingress, baseline or client`);
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

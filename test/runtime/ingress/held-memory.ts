/**
 * Memory per held request (not a jest test): an IngressProxy holds N (10,000) requests for a
 * revision with no pod, sent by a child process (so the client's memory is not counted), and
 * prints RSS and heap growth per 10,000 held requests as one JSON line. Run:
 *
 *   node -e "require('esbuild').buildSync({entryPoints:['test/runtime/ingress/held-memory.ts'],outfile:'/tmp/held-memory.js',bundle:true,platform:'node',format:'cjs',logLevel:'error'})" \
 *     && node --expose-gc /tmp/held-memory.js
 *
 * (add V8 flags such as --max-semi-space-size=1 after `node` to compare).
 */
import { fork } from 'node:child_process';
import { ingressConfig, routeWithStatus } from './helpers';
import { IngressProxy } from '../../../src/runtime/ingress/proxy';
import { buildRouteTable } from '../../../src/runtime/ingress/table';

const N = Number(process.env.N ?? 10000);
if (process.argv[2] === 'client') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const net = require('node:net') as typeof import('node:net');
  const port = Number(process.argv[3]);
  const socks: import('node:net').Socket[] = [];
  let i = 0;
  const open = (): void => {
    for (let k = 0; k < 200 && i < N; k++, i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.write('GET / HTTP/1.1\r\nHost: z.default\r\nUser-Agent: mem\r\n\r\n');
      socks.push(s);
    }
    if (i < N) setTimeout(open, 5);
    else process.send!('opened');
  };
  open();
  process.on('message', () => { for (const s of socks) s.destroy(); process.exit(0); });
} else {
  void (async () => {
    const proxy = new IngressProxy({ revisions: () => ({ timeoutMs: 600_000 }), maxWaitingPerRevision: N, maxWaitingTotal: N });
    const port = await proxy.listenInternal(0, '127.0.0.1');
    proxy.setTable(buildRouteTable([routeWithStatus('default', 'z', [{ revision: 'z-1', percent: 100 }])], ingressConfig()));
    const gc = (globalThis as unknown as { gc: () => void }).gc;
    for (let k = 0; k < 3; k++) { gc(); await new Promise((r) => setTimeout(r, 100)); }
    const before = process.memoryUsage();
    const child = fork(__filename, ['client', String(port)], { env: { ...process.env, N: String(N) } });
    await new Promise((r) => child.once('message', r));
    const t0 = Date.now();
    while (proxy.requestsWaiting < N && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    for (let k = 0; k < 3; k++) { gc(); await new Promise((r) => setTimeout(r, 200)); }
    const after = process.memoryUsage();
    const held = proxy.requestsWaiting;
    const mb = (x: number): number => Math.round(x / 1e4) / 100;
    const per10k = (a: number, b: number): number => mb(((a - b) * 10000) / held);
    console.log(JSON.stringify({
      held,
      rss_before_mb: mb(before.rss),
      rss_after_mb: mb(after.rss),
      rss_mb_per_10k_held: per10k(after.rss, before.rss),
      heap_mb_per_10k_held: per10k(after.heapUsed, before.heapUsed),
      external_mb_per_10k: per10k(after.external + after.arrayBuffers, before.external + before.arrayBuffers),
    }));
    child.send('stop');
    await proxy.close();
    process.exit(0);
  })();
}

/**
 * Helper program for netns.test.ts (bundled by the test with esbuild, run inside a network
 * namespace with `ip netns exec`). Not a test file.
 *
 *   serve <externalAddr> <internalAddr>   backends + the ingress (external listener on
 *                                         <externalAddr>:8080, internal on <internalAddr>:8081);
 *                                         prints READY, runs until stdin closes
 *   get '<json [[addr, port, host], ...]>' one GET per target (Connection: close); prints a JSON array
 *                                         of { status, body } or { error }
 */
import * as http from 'node:http';
import { ingressConfig, routeWithStatus, startBackend } from './helpers';
import { IngressProxy } from '../../../src/runtime/ingress/proxy';
import { buildRouteTable } from '../../../src/runtime/ingress/table';

const NETNS_ROUTES = [
  routeWithStatus('default', 'pub', [
    { revision: 'pub-1', percent: 100 },
    { revision: 'pub-2', percent: 0, tag: 'secret' },
  ], { clusterLocalTags: ['secret'] }),
  routeWithStatus('default', 'priv', [{ revision: 'priv-1', percent: 100 }, { revision: 'priv-2', percent: 0, tag: 't' }], { clusterLocal: true }),
];

async function serve(externalAddr: string, internalAddr: string): Promise<void> {
  const backends = await Promise.all(['pub-1', 'pub-2', 'priv-1', 'priv-2'].map((id) => startBackend(id)));
  const portOf = new Map(backends.map((b) => [b.id, b.port]));
  const proxy = new IngressProxy({ resolver: (_ns, rev) => ({ origin: `http://127.0.0.1:${portOf.get(rev)}` }) });
  proxy.setTable(buildRouteTable(NETNS_ROUTES, ingressConfig({ 'config-features': { 'tag-header-based-routing': 'Enabled' } })));
  await proxy.listen(8080, externalAddr);
  await proxy.listenInternal(8081, internalAddr);
  process.stdout.write('READY\n');
  process.stdin.resume();
  process.stdin.on('end', () => {
    void proxy.close().then(() => Promise.all(backends.map((b) => b.close()))).then(() => process.exit(0));
  });
}

function get(addr: string, port: number, host: string): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: addr, port, path: '/', headers: { host, connection: 'close' }, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

async function run(): Promise<void> {
  const [mode, a, b] = process.argv.slice(2);
  if (mode === 'serve') return serve(a, b);
  if (mode === 'get') {
    const targets = JSON.parse(a) as Array<[string, number, string]>;
    const out = [];
    for (const [addr, port, host] of targets) out.push(await get(addr, port, host));
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  throw new Error(`usage: serve <externalAddr> <internalAddr> | get <json>; got ${mode}`);
}

if (require.main === module) {
  run().catch((err) => {
    process.stderr.write(`netns-runner: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { isReadyObj, ksvc, image } from './harness';
import { main } from '../../../src/runtime/controller/main';
import { ingressAdminServer } from '../../../src/runtime/ingress/admin';
import { IngressProxy } from '../../../src/runtime/ingress/proxy';
import { startKubeWatcher, TableBuilder } from '../../../src/runtime/ingress/watcher';
import { KubeApiEmulator } from '../../support/emulator';
import { makeKubeConfig } from '../../support/kubeconfig';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const k8s: typeof K8s = require('@kubernetes/client-node');

function get(port: number, p: string): Promise<number> {
  return new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port, path: p }, (res) => {
    res.resume();
    resolve(res.statusCode!);
  }).on('error', reject));
}

function body(port: number, p: string): Promise<string> {
  return new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port, path: p }, (res) => {
    let b = '';
    res.on('data', (c) => (b += c));
    res.on('end', () => resolve(b));
  }).on('error', reject));
}

test('main(): env wiring, /readyz after sync, the stats endpoint, leader Lease, reconciles (IngressReady probing the ingress at INGRESS_ADMIN_PORT), graceful shutdown releases the Lease', async () => {
  const emu = await KubeApiEmulator.start({ simulateWorkloads: { delayMs: 5, readyDelayMs: 0 } });
  // One ingress replica (its table and admin server), listed where the controller looks for them.
  const proxy = new IngressProxy({});
  const builder = new TableBuilder({ onTable: (t) => proxy.setTable(t) });
  const watcher = await startKubeWatcher(k8s, makeKubeConfig(emu), builder, { systemNamespace: 'knative-serving' });
  const admin = ingressAdminServer(proxy);
  const adminPort = await admin.listen(0, '127.0.0.1');
  emu.seed({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'serving-ingress-internal-x', namespace: 'knative-serving', labels: { 'kubernetes.io/service-name': 'serving-ingress-internal' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  } as any);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kc-'));
  const kcPath = path.join(dir, 'config');
  fs.writeFileSync(kcPath, emu.kubeConfigYaml());
  const prev = process.env.KUBECONFIG;
  process.env.KUBECONFIG = kcPath;
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  (process.stdout as any).write = (chunk: any, ...rest: any[]) => {
    lines.push(String(chunk));
    return true || write(chunk, ...rest);
  };
  try {
    const running = await main({
      SYSTEM_NAMESPACE: 'knative-serving', POD_NAME: 'ctl-0', LEASE_NAME: 'ctl-lease', ADMIN_PORT: '0', STATS_PORT: '0', LOG_LEVEL: 'info', INGRESS_ADMIN_PORT: String(adminPort),
    });
    const port = running.server.port!;
    expect(await get(port, '/readyz')).toBe(200);
    expect(await get(port, '/healthz')).toBe(200);
    // The autoscaler's stats endpoint (STATS_PORT) authenticates by default: no token → 401.
    const stats = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: running.stats.port!, path: '/v1/stats', method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end('{"sender":"x","stats":[]}');
    });
    expect(stats).toBe(401);
    emu.seed(ksvc('hello', { template: { spec: image('gcr.io/example/app:1') } }));
    await emu.waitFor('ksvc', 'default', 'hello', isReadyObj, 15_000);
    // Ready because the replica serves the Route's current routing.
    expect(JSON.parse(await body(adminPort, '/v1/routes/default/hello')).digest).toMatch(/^[0-9a-f]{64}$/);
    expect(emu.get('leases', 'knative-serving', 'ctl-lease')!.spec.holderIdentity).toBe('ctl-0');
    await running.shutdown();
    expect(emu.get('leases', 'knative-serving', 'ctl-lease')!.spec.holderIdentity).toBeFalsy();
    const logs = lines.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['caches synced', 'became leader', 'shutdown complete']));
  } finally {
    (process.stdout as any).write = write;
    if (prev === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = prev;
    await watcher.stop();
    await admin.close();
    await proxy.close();
    await emu.stop();
  }
});

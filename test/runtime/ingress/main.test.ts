/**
 * The shipped entry point, bundled with esbuild as in production, run as a real process against the
 * API emulator: readiness after the first list, routing from Route status, a request for a
 * revision without a ready pod held (and the autoscaler poked at once, with the bearer token)
 * until the revision's timeout (504), SIGTERM → clean exit.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'undici';
import { get, routeWithStatus } from './helpers';
import { KubeApiEmulator } from '../../support/emulator';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ingress main (bundled, real process)', () => {
  let api: KubeApiEmulator;
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    api = await KubeApiEmulator.start({ admission: false });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingress-main-'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runtimeBuildOptions } = require('../../../scripts/runtime-build-options.cjs');
    // Exactly the production bundle options (scripts/build-runtime.mjs).
    await esbuild.build(runtimeBuildOptions({
      entryPoints: [path.resolve(__dirname, '../../../src/runtime/ingress/main.ts')],
      outfile: path.join(dir, 'ingress.js'),
      logLevel: 'error',
    }));
    fs.writeFileSync(path.join(dir, 'kubeconfig'), api.kubeConfigYaml());
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await api.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('ready after the first list; unknown hosts 404; the external host is routed on both listeners, the cluster-local host only on the internal one (held: no pod, 504 at the revision\'s timeout), the autoscaler poked with the token, counted in the metrics; SIGTERM drains and exits 0', async () => {
    api.seed(
      routeWithStatus('default', 'hello', [{ revision: 'hello-1', percent: 100 }]) as any,
      {
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Revision',
        metadata: { name: 'hello-1', namespace: 'default' },
        spec: { timeoutSeconds: 1, containers: [{ image: 'img' }] },
      } as any,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-domain', namespace: 'knative-serving' }, data: { 'example.com': '' } } as any,
    );
    // The autoscaler's stats endpoint, as a loopback receiver.
    const received: Array<{ auth: string | undefined; body: any }> = [];
    const receiver = http.createServer((req, res) => {
      let b = '';
      req.on('data', (c) => { b += c; });
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, body: JSON.parse(b) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    fs.writeFileSync(path.join(dir, 'token'), 'tok-123\n');
    const port = await freePort();
    const internalPort = await freePort();
    const adminPort = await freePort();
    let stderr = '';
    child = spawn(process.execPath, [path.join(dir, 'ingress.js')], {
      env: {
        ...process.env,
        KUBECONFIG: path.join(dir, 'kubeconfig'),
        PORT: String(port),
        INTERNAL_PORT: String(internalPort),
        HTTPS_PORT: '0',
        ADMIN_PORT: String(adminPort),
        LOG_LEVEL: 'debug',
        SYSTEM_NAMESPACE: 'knative-serving',
        POD_NAME: 'ingress-0',
        AUTOSCALER_ENDPOINTS: `127.0.0.1:${(receiver.address() as net.AddressInfo).port}`,
        AUTOSCALER_TOKEN_FILE: path.join(dir, 'token'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (c) => { stderr += c; });
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));

    await until(async () => ((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status === 200 ? true : undefined));
    expect((await fetch(`http://127.0.0.1:${adminPort}/healthz`)).status).toBe(200);
    // unknown host → 404; known host → routed to hello-1, which has no EndpointSlice (no pod): held
    // until its timeoutSeconds (1 s) → 504, on both listeners for the external host; the
    // cluster-local host only on the internal one.
    const pool = new Pool(`http://127.0.0.1:${port}`);
    const internal = new Pool(`http://127.0.0.1:${internalPort}`);
    const unknown = await get(pool, 'nope.example.com');
    expect(unknown.status).toBe(404);
    expect((await get(internal, 'nope.example.com')).status).toBe(404);
    const hidden = await get(pool, 'hello.default.svc.cluster.local');
    expect([hidden.status, hidden.body]).toEqual([unknown.status, unknown.body]);
    const t0 = Date.now();
    const routed = await get(internal, 'hello.default.svc.cluster.local');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect([routed.status, routed.body]).toEqual([504, 'activator request timeout\n']);
    for (const p of [pool, internal]) expect((await get(p, 'hello.default.example.com')).status).toBe(504);
    await pool.close();
    await internal.close();
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    expect(metrics).toMatch(/ingress_table_routes 1/);
    expect(metrics).toMatch(/ingress_table_external_hosts 1/);
    expect(metrics).toMatch(/ingress_wait_timeouts_total\{namespace="default",revision="hello-1"\} 3/);
    expect(metrics).toMatch(/ingress_requests_total\{route="default\/hello",revision="hello-1",code="5xx"\} 3/);
    // The first request poked the autoscaler at once, with the token; the per-second batches
    // carried the rest (the poke's request not counted twice).
    await until(async () => (received.filter((r) => !r.body.stats[0].poke).length >= 1 ? true : undefined));
    expect(received[0]).toEqual({
      auth: 'Bearer tok-123',
      body: { sender: 'ingress-0', stats: [{ namespace: 'default', revision: 'hello-1', concurrency: 1, requests: 1, poke: true }] },
    });
    let requests = 0;
    for (const r of received) for (const st of r.body.stats) if (!st.poke) requests += st.requests;
    expect(requests).toBe(2);
    expect(received.every((r) => r.auth === 'Bearer tok-123')).toBe(true);
    receiver.close();

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(new RegExp(`"msg":"ingress listening","port":${port},"internalPort":${internalPort}`));
    expect(stderr).toMatch(/"msg":"draining"/);
    expect(stderr).toMatch(/"msg":"drained"/);
  });

  test('PORT equal to INTERNAL_PORT is refused at startup (one listener would serve cluster-local hosts externally)', async () => {
    const port = await freePort();
    const p = spawn(process.execPath, [path.join(dir, 'ingress.js')], {
      env: { ...process.env, KUBECONFIG: path.join(dir, 'kubeconfig'), PORT: String(port), INTERNAL_PORT: String(port), ADMIN_PORT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr!.on('data', (c) => { stderr += c; });
    expect(await new Promise<number | null>((r) => p.once('exit', (code) => r(code)))).toBe(1);
    expect(stderr).toMatch(new RegExp(`PORT and INTERNAL_PORT must differ \\(both ${port}\\)`));
  });
});

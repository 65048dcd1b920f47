/**
 * The shipped webhook entry point, bundled with esbuild exactly as scripts/build-runtime.mjs does,
 * run as a real process against the API emulator: it issues its certificates into the Secret,
 * patches the CA bundle, becomes ready, answers a defaulting review over HTTPS trusted through that
 * CA bundle, and exits 0 on SIGTERM.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeObject } from '../../../src/core/types';
import { KubeApiEmulator } from '../../support/emulator';
import { jsonPatch } from '../../support/patch';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function until(fn: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn().catch(() => false))) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhook main (bundled, real process)', () => {
  let api: KubeApiEmulator;
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    api = await KubeApiEmulator.start({});
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-main-'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runtimeBuildOptions } = require('../../../scripts/runtime-build-options.cjs');
    await esbuild.build(runtimeBuildOptions({
      entryPoints: [path.resolve(__dirname, '../../../src/runtime/webhook/main.ts')],
      outfile: path.join(dir, 'webhook.js'),
      logLevel: 'error',
    }));
    fs.writeFileSync(path.join(dir, 'kubeconfig'), api.kubeConfigYaml());
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await api.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('certificates issued, CA bundle patched, ready, a review answered over HTTPS, SIGTERM exits 0', async () => {
    api.seed({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'webhook.serving.knative.dev' },
      webhooks: [{ name: 'webhook.serving.knative.dev', clientConfig: { service: { name: 'serving-webhook', namespace: 'knative-serving', path: '/defaulting' } } }],
    } as unknown as KubeObject);
    const port = await freePort();
    const adminPort = await freePort();
    let stderr = '';
    child = spawn(process.execPath, [path.join(dir, 'webhook.js')], {
      env: { ...process.env, KUBECONFIG: path.join(dir, 'kubeconfig'), WEBHOOK_PORT: String(port), ADMIN_PORT: String(adminPort), VALIDATING_WEBHOOK_CONFIGURATIONS: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (c) => { stderr += c; });
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));

    await until(async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status === 200);
    const cfg = api.get<any>('mutatingwebhookconfigurations', '', 'webhook.serving.knative.dev');
    const ca = Buffer.from(cfg.webhooks[0].clientConfig.caBundle, 'base64').toString();
    const secret = api.get<any>('secrets', 'knative-serving', 'serving-webhook-certs');
    expect(Buffer.from(secret.data['ca-bundle.pem'], 'base64').toString()).toBe(ca);

    const obj = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'hello', namespace: 'default' }, spec: { template: { spec: { containers: [{ image: 'img' }] } } } };
    const body = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u-1', kind: { group: 'serving.knative.dev', version: 'v1', kind: 'Service' }, operation: 'CREATE', userInfo: { username: 'alice' }, object: obj,
      },
    });
    const answer = await new Promise<string>((resolve, reject) => {
      const req = https.request({
        host: '127.0.0.1',
        port,
        path: '/defaulting',
        method: 'POST',
        ca,
        servername: 'serving-webhook.knative-serving.svc',
        agent: false,
        headers: { 'content-type': 'application/json' },
      }, (res) => {
        let b = '';
        res.on('data', (c) => { b += c; });
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end(body);
    });
    const review = JSON.parse(answer);
    expect(review.response).toMatchObject({ uid: 'u-1', allowed: true, patchType: 'JSONPatch' });
    const patched = jsonPatch(obj, JSON.parse(Buffer.from(review.response.patch, 'base64').toString())) as any;
    expect(patched.spec.template.spec.containers[0].name).toBe('user-container');
    expect(patched.metadata.annotations['serving.knative.dev/creator']).toBe('alice');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});

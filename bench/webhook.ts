/**
 * bench:webhook — the admission webhook's AdmissionReview latency and throughput for a typical
 * Knative Service, over HTTPS (TLS 1.3, keep-alive as the API server calls webhooks) on loopback.
 *
 * The server runs in its own process (pinned to CPU 1 with `taskset` when available, the load
 * generator to CPU 0), so each server gets one core; the load generator is not counted. In the
 * same run, the same measurements against a BASELINE: an HTTPS server with the same certificate
 * that reads the review and answers a fixed `allowed: true` (uid echoed), so the ratio shows what
 * our handling costs over TLS + HTTP + JSON transport.
 *
 * Phases (each on a fresh connection pool of 8 keep-alive sockets):
 *   - fixed rate: 200 reviews/s, open loop (sends on a fixed schedule, whatever the answers do),
 *     for DURATION seconds: baseline, /defaulting, /resource-validation;
 *   - max rate: closed loop, 8 concurrent requests, for DURATION/2 seconds: baseline, /defaulting.
 * Latency = request sent → response fully read, per review. `server_cpu_ms_per_review` is the
 * server process's user+system CPU time over the phase divided by its reviews.
 *
 * Started from TypeScript (ts-node), the script first bundles itself with esbuild, with the options
 * of the shipped runtime (scripts/runtime-build-options.cjs), and re-runs the bundle with plain
 * `node`; the servers run from that bundle with the V8 flags ServingControlPlane sets for its
 * default memory limit, so no TypeScript compiler sits in their heap (its size made every major GC
 * a visible pause).
 *
 * Usage: ts-node --transpile-only bench/webhook.ts [DURATION=10]
 * Last line: RESULT {"rate_200":{"baseline":{p50_ms,p99_ms,reviews_per_s,...},"defaulting":{...},"validation":{...}},
 *   "max":{"baseline":{...},"defaulting":{...}},"p99_ms_at_200":…,"target_p99_ms":10,"max_reviews_per_s":…,"max_ratio_to_baseline":…}
 */
import { ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import * as https from 'node:https';
import { join } from 'node:path';
import { defaultedForAdmission } from '../src/core/admission';
import { parseServingConfig } from '../src/core/config';
import { DEFAULT_RUNTIME_MEMORY_LIMIT_MIB, runtimeNodeOptions } from '../src/core/runtime-contract';
import type { KubeObject } from '../src/core/types';
import { issueCertificates } from '../src/runtime/webhook/certificates';
import { WebhookServer } from '../src/runtime/webhook/server';

const TARGET_P99_MS = 10;
const RATE = 200;
const CONCURRENCY = 8;
const SERVER_NAME = 'serving-webhook.knative-serving.svc';

type Mode = 'webhook' | 'baseline';

/** A typical Service as `kubectl apply` sends it (before defaulting). */
function typicalService(): Record<string, unknown> {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: 'checkout', namespace: 'shop', labels: { app: 'checkout', team: 'payments' }, annotations: { 'example.com/owner': 'payments' } },
    spec: {
      template: {
        metadata: { annotations: { 'autoscaling.knative.dev/min-scale': '1', 'autoscaling.knative.dev/max-scale': '10', 'autoscaling.knative.dev/target': '50' } },
        spec: {
          containerConcurrency: 50,
          containers: [{
            image: 'ghcr.io/example/checkout@sha256:0d5e3f8b8f4c1d3a2b6e9f7c5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b',
            ports: [{ containerPort: 8080 }],
            env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'DB_HOST', valueFrom: { secretKeyRef: { name: 'db', key: 'host' } } }],
            resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
            readinessProbe: { httpGet: { path: '/healthz' }, periodSeconds: 5 },
            volumeMounts: [{ name: 'config', mountPath: '/etc/checkout' }],
          }],
          volumes: [{ name: 'config', configMap: { name: 'checkout-config' } }],
        },
      },
      traffic: [{ latestRevision: true, percent: 100 }],
    },
  };
}

// ---------------------------------------------------------------------------------- server side

async function serve(mode: Mode): Promise<void> {
  const bundle = await issueCertificates({ service: 'serving-webhook', namespace: 'knative-serving', now: new Date() });
  let port: number;
  let count = 0;
  if (mode === 'webhook') {
    const config = parseServingConfig({ 'config-domain': { 'example.com': '' } });
    const server = new WebhookServer({ config: () => config, systemNamespace: 'knative-serving', cert: bundle.serverCert, key: bundle.serverKey });
    server.server.on('request', () => count++);
    port = await server.listen(0, '127.0.0.1');
  } else {
    const server = https.createServer({ cert: bundle.serverCert, key: bundle.serverKey, minVersion: 'TLSv1.3' }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        count++;
        // The uid is echoed as a webhook must, found without parsing the review.
        const m = /"uid":"([^"]*)"/.exec(Buffer.concat(chunks).toString('utf8'));
        const answer = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: m?.[1] ?? '', allowed: true } });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
        res.end(answer);
      });
    });
    server.keepAliveTimeout = 60_000;
    port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
  }
  let mark = process.cpuUsage();
  let markCount = 0;
  process.on('message', (msg: string) => {
    if (msg === 'mark') {
      mark = process.cpuUsage();
      markCount = count;
      process.send!({ marked: true });
    } else if (msg === 'usage') {
      const u = process.cpuUsage(mark);
      process.send!({ cpuMs: (u.user + u.system) / 1000, reviews: count - markCount });
    } else if (msg === 'exit') {
      process.exit(0);
    }
  });
  process.send!({ port, ca: bundle.caCert });
}

// ---------------------------------------------------------------------------------- client side

interface Server { child: ChildProcess; port: number; ca: string }

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** The deployed runtime's V8 flags (e.g. the old-space cap for its memory limit). */
const NODE_FLAGS = runtimeNodeOptions(DEFAULT_RUNTIME_MEMORY_LIMIT_MIB).split(' ').filter(Boolean);

function startServer(mode: Mode): Promise<Server> {
  const args = [...NODE_FLAGS, __filename, '--serve', mode];
  const child = hasTaskset
    ? spawn('taskset', ['-c', '1', process.execPath, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env })
    : spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code} before listening`)));
    child.once('message', (m: { port: number; ca: string }) => resolve({ child, port: m.port, ca: m.ca }));
  });
}

function ask<T>(child: ChildProcess, msg: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m: T) => resolve(m));
    child.send(msg);
  });
}

function body(path: string, i: number): string {
  const object = typicalService();
  const request: Record<string, unknown> = {
    uid: `bench-${i}`,
    kind: { group: 'serving.knative.dev', version: 'v1', kind: 'Service' },
    resource: { group: 'serving.knative.dev', version: 'v1', resource: 'services' },
    namespace: 'shop',
    name: 'checkout',
    operation: 'CREATE',
    userInfo: { username: 'alice@example.com', groups: ['system:authenticated'] },
    object,
    dryRun: false,
  };
  if (path === '/resource-validation') {
    // The validating webhook sees the object after the mutating webhook: defaulted.
    request.object = defaultedForAdmission({ operation: 'create', object: object as unknown as KubeObject, user: 'alice@example.com' });
  }
  return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request });
}

function send(agent: https.Agent, server: Server, path: string, payload: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1',
      port: server.port,
      path,
      method: 'POST',
      agent,
      ca: server.ca,
      servername: SERVER_NAME,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${path}: HTTP ${res.statusCode} ${Buffer.concat(chunks).toString()}`));
        const review = JSON.parse(Buffer.concat(chunks).toString());
        if (review.response?.allowed !== true) return reject(new Error(`${path}: not allowed: ${JSON.stringify(review.response)}`));
        resolve(Number(process.hrtime.bigint() - t0) / 1e6);
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

interface PhaseResult {
  reviews: number;
  seconds: number;
  reviews_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  server_cpu_ms_per_review: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

type Load = { rate: number; seconds: number } | { concurrency: number; seconds: number };

async function phase(server: Server, path: string, how: Load): Promise<PhaseResult> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const payloads = Array.from({ length: 64 }, (_, i) => body(path, i));
  // Warm-up: connections open, the handler's code optimized (2,000 reviews, 8 at a time).
  let w = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (w < 2000) await send(agent, server, path, payloads[w++ % 64]);
  }));
  await ask(server.child, 'mark');
  const latencies: number[] = [];
  const t0 = Date.now();
  if ('rate' in how) {
    const total = Math.round(how.rate * how.seconds);
    const pending: Array<Promise<void>> = [];
    const start = process.hrtime.bigint();
    for (let i = 0; i < total; i++) {
      const due = start + BigInt(Math.round((i * 1e9) / how.rate));
      const wait = Number(due - process.hrtime.bigint()) / 1e6;
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(send(agent, server, path, payloads[i % 64]).then((ms) => void latencies.push(ms)));
    }
    await Promise.all(pending);
  } else {
    const end = Date.now() + how.seconds * 1000;
    let i = 0;
    await Promise.all(Array.from({ length: how.concurrency }, async () => {
      while (Date.now() < end) latencies.push(await send(agent, server, path, payloads[i++ % 64]));
    }));
  }
  const seconds = (Date.now() - t0) / 1000;
  const usage = await ask<{ cpuMs: number; reviews: number }>(server.child, 'usage');
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    reviews: latencies.length,
    seconds: r2(seconds),
    reviews_per_s: Math.round(latencies.length / seconds),
    p50_ms: r2(pct(latencies, 50)),
    p99_ms: r2(pct(latencies, 99)),
    max_ms: r2(latencies[latencies.length - 1]),
    server_cpu_ms_per_review: r2(usage.cpuMs / Math.max(1, usage.reviews)),
  };
}

async function bench(): Promise<void> {
  const duration = Number(process.argv[2] ?? 10);
  if (!(duration > 0)) throw new Error(`DURATION must be a positive number of seconds (got ${process.argv[2]})`);
  const log = (s: string) => console.log(s);
  log(`bench:webhook — typical Service, HTTPS (TLS 1.3, keep-alive, ${CONCURRENCY} sockets) on loopback; servers bundled, node ${NODE_FLAGS.join(' ')}, pinned to CPU 1: ${hasTaskset}`);
  const webhook = await startServer('webhook');
  const baseline = await startServer('baseline');
  try {
    const row = (name: string, r: PhaseResult) => log(`  ${name.padEnd(22)} ${String(r.reviews_per_s).padStart(6)} reviews/s  p50 ${r.p50_ms.toFixed(2)} ms  p99 ${r.p99_ms.toFixed(2)} ms  max ${r.max_ms.toFixed(2)} ms  server CPU ${r.server_cpu_ms_per_review.toFixed(3)} ms/review`);
    log(`fixed rate ${RATE} reviews/s for ${duration} s (open loop):`);
    const rate = { rate: RATE, seconds: duration };
    const rb = await phase(baseline, '/defaulting', rate); row('baseline', rb);
    const rd = await phase(webhook, '/defaulting', rate); row('/defaulting', rd);
    const rv = await phase(webhook, '/resource-validation', rate); row('/resource-validation', rv);
    log(`max rate, ${CONCURRENCY} concurrent for ${duration / 2} s (closed loop):`);
    const max = { concurrency: CONCURRENCY, seconds: duration / 2 };
    const mb = await phase(baseline, '/defaulting', max); row('baseline', mb);
    const md = await phase(webhook, '/defaulting', max); row('/defaulting', md);
    const p99 = Math.max(rd.p99_ms, rv.p99_ms);
    log(`p99 at ${RATE} reviews/s: ${p99} ms (target <= ${TARGET_P99_MS} ms: ${p99 <= TARGET_P99_MS ? 'met' : 'MISSED'}); max ${md.reviews_per_s} reviews/s = ${(md.reviews_per_s / mb.reviews_per_s).toFixed(2)} x baseline`);
    log(`RESULT ${JSON.stringify({
      rate_200: { baseline: rb, defaulting: rd, validation: rv },
      max: { baseline: mb, defaulting: md },
      p99_ms_at_200: p99,
      target_p99_ms: TARGET_P99_MS,
      max_reviews_per_s: md.reviews_per_s,
      max_ratio_to_baseline: Math.round((md.reviews_per_s / mb.reviews_per_s) * 100) / 100,
      pinned: hasTaskset,
    })}`);
  } finally {
    webhook.child.send('exit');
    baseline.child.send('exit');
  }
}

async function bundleAndRun(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runtimeBuildOptions } = require('../scripts/runtime-build-options.cjs');
  const outfile = join(__dirname, '..', 'build', 'bench', 'webhook.js');
  await esbuild.build(runtimeBuildOptions({ entryPoints: [__filename], outfile, sourcemap: false, external: ['esbuild', 'bufferutil', 'utf-8-validate'] }));
  const child = fork(outfile, process.argv.slice(2), { execArgv: [], stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
}

const underTsNode = __filename.endsWith('.ts');
if (underTsNode) {
  bundleAndRun().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if (process.argv[2] === '--serve') {
  serve(process.argv[3] as Mode).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  bench().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

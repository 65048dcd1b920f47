/**
 * bench:autoscale — scale from zero, scale up, scale to zero and held-request memory of the bundled
 * runtime, in ONE run on loopback (no container engine):
 *
 *   - this process: the API emulator (test/support/emulator.ts) in pod mode — every replica is a
 *     pod with an EndpointSlice entry and a real loopback HTTP backend (test/support/backends.ts)
 *     that starts listening only after a fixed start-up delay (`--startup-ms`, 500) — plus the
 *     load clients;
 *   - child processes: the controller (KPA autoscaler, stats endpoint with TokenReview auth) and the
 *     ingress (activator path: holding at zero, pokes, stats push), each esbuild-bundled from its
 *     main.ts as shipped and run with the V8 flags ServingControlPlane deploys them with;
 *   - memory: bench/autoscale-held.ts (bundled) holding N requests in the ingress's proxy, and,
 *     as the same-run baseline, a bare node:http server holding as many; both with the deployed
 *     V8 flags (RESULT's rss_mb_per_10k_held) and again with --max-semi-space-size=1 (extra keys);
 *     with UWS_JS set (an experiment, see bench/uws-proxy.cjs), a uWebSockets.js server holding as
 *     many too (RESULT's experiment_uws_rss_mb_per_10k_held).
 *
 * Pod model: a pod is created `--pod-create-ms` (5) after the Deployment's replicas change, its
 * backend listens `--startup-ms` later, and its EndpointSlice entry turns ready
 * `--kubelet-lag-ms` (1000) after that (the kubelet's readiness-probe lag); until then the
 * ingress's own probe (every 50 ms) is what lets requests through.
 *
 * Phases: (1) `--cold` (20) cold starts, one at a time, each on its own Service created at
 * initial-scale 0 (one request arrives at a revision with no pod); added = latency − the
 * backend's measured start-up (pod start → listening); (2) a step load 0 → `--concurrency` (30)
 * closed-loop clients (each request held `--request-ms`, 100, at the backend) on a revision with
 * target `--target` (10): scale_up_s = load start → N = ceil(C/T) ready pods (Deployment
 * readyReplicas); (3) load stops: scale_to_zero_s = load stop → Deployment replicas 0; (4) memory.
 * held_requests_peak is the ingress's `ingress_requests_held` gauge, polled every 20 ms. After
 * phase (1) the ingress's `ingress_pod_wait_seconds{reason="cold_start"}` must count each cold
 * start once (the run fails otherwise); its mean is reported beside the client-measured latency.
 * Prints a table, then `RESULT {json}` last.
 *
 *   node -r ts-node/register/transpile-only bench/autoscale.ts [--startup-ms 500] [--cold 20]
 *     [--concurrency 30] [--target 10] [--request-ms 100] [--kubelet-lag-ms 1000] [--pod-create-ms 5] [--held 10000]
 */
import { ChildProcess, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_RUNTIME_MEMORY_LIMIT_MIB, runtimeNodeOptions } from '../src/core/runtime-contract';
import type { KubeObject } from '../src/core/types';
import { LoopbackBackend, loopbackBackends } from '../test/support/backends';
import { KubeApiEmulator } from '../test/support/emulator';

const args = process.argv.slice(2);
const argOf = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : def;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number, got ${JSON.stringify(args[i + 1])}`);
  return v;
};
const STARTUP_MS = argOf('startup-ms', 500);
const COLD = argOf('cold', 20);
const CONCURRENCY = argOf('concurrency', 30);
const TARGET = argOf('target', 10);
const REQUEST_MS = argOf('request-ms', 100);
const KUBELET_LAG_MS = argOf('kubelet-lag-ms', 1000);
const POD_CREATE_MS = argOf('pod-create-ms', 5);
const HELD = argOf('held', 10_000);
const N_PODS = Math.ceil(CONCURRENCY / TARGET);
const SMALL_SEMI_SPACE = '--max-semi-space-size=1';

const NS = 'bench';
const SYSTEM_NS = 'knative-serving';
const ROOT = path.join(__dirname, '..');
const CONFIG_AUTOSCALER: Record<string, string> = {
  // upstream's minimums (src/core/config/config-autoscaler.ts): stable window ≥ 6s, grace ≥ 6s
  'stable-window': '6s',
  'panic-window-percentage': '20', // 1.2 s (the panic window must hold at least one 1 s bucket)
  'scale-to-zero-grace-period': '6s',
  'allow-zero-initial-scale': 'true',
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (s: string): void => console.log(s);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = http.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });

/** GET through the ingress's internal listener; resolves with the status (0 = connection error). */
function get(port: number, host: string, urlPath: string, timeoutMs = 60_000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, headers: { host }, agent, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end();
  });
}

function getText(port: number, urlPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
}

function ksvc(name: string, annotations: Record<string, string>): KubeObject {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name, namespace: NS },
    spec: { template: { metadata: { annotations }, spec: { containers: [{ image: 'example.com/app:1', ports: [{ containerPort: 8080 }] }] } } },
  } as any;
}

function cond(o: KubeObject | undefined, type: string): string | undefined {
  return (o as any)?.status?.conditions?.find((c: any) => c.type === type)?.status;
}

async function bundle(dir: string): Promise<{ controller: string; ingress: string; held: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runtimeBuildOptions } = require('../scripts/runtime-build-options.cjs');
  const out = {
    controller: path.join(dir, 'controller.js'),
    ingress: path.join(dir, 'ingress.js'),
    held: path.join(dir, 'held.js'),
  };
  await Promise.all([
    esbuild.build(runtimeBuildOptions({ entryPoints: [path.join(ROOT, 'src/runtime/controller/main.ts')], outfile: out.controller, logLevel: 'error' })),
    esbuild.build(runtimeBuildOptions({ entryPoints: [path.join(ROOT, 'src/runtime/ingress/main.ts')], outfile: out.ingress, logLevel: 'error' })),
    esbuild.build(runtimeBuildOptions({ entryPoints: [path.join(__dirname, 'autoscale-held.ts')], outfile: out.held, sourcemap: false, logLevel: 'error' })),
  ]);
  return out;
}

async function heldMemory(heldJs: string, mode: 'ingress' | 'baseline' | 'uws', nodeFlags: string[]): Promise<any> {
  const child = fork(heldJs, [mode, String(HELD)], { execArgv: [...nodeFlags, '--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`held-memory child (${mode}) exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  const t00 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autoscale-bench-'));
  const children: ChildProcess[] = [];
  const cleanup = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  };
  process.on('exit', cleanup);
  let api: KubeApiEmulator | undefined;
  try {
    const files = await bundle(dir);
    const nodeFlags = runtimeNodeOptions(DEFAULT_RUNTIME_MEMORY_LIMIT_MIB).split(' ');

    // Pods: record when each pod's backend is started, to measure its own start-up.
    const podStart = new Map<string, number>();
    const pods = loopbackBackends({ startupDelayMs: STARTUP_MS });
    const startBackend = (pod: Parameters<typeof pods.start>[0]): Promise<LoopbackBackend> => {
      podStart.set(pod.name, Date.now());
      return pods.start(pod);
    };
    api = await KubeApiEmulator.start({
      admission: false,
      bookmarkIntervalMs: 60_000,
      simulateWorkloads: { delayMs: POD_CREATE_MS, readyDelayMs: KUBELET_LAG_MS, endpointSlices: { backend: startBackend } },
    });
    const emu = api;
    const cm = (name: string, data: Record<string, string>): KubeObject =>
      ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: SYSTEM_NS }, data } as any);
    const sa = (ns: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } } as any);
    emu.seed(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM_NS } } as any,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } as any,
      sa(SYSTEM_NS, 'serving-ingress'), sa(SYSTEM_NS, 'serving-controller'),
      cm('config-autoscaler', CONFIG_AUTOSCALER),
      // The ingress replica the controller's IngressReady probe asks (on INGRESS_ADMIN_PORT below), as
      // the internal ingress Service's EndpointSlice lists it in a cluster.
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'serving-ingress-internal-bench', namespace: SYSTEM_NS, labels: { 'kubernetes.io/service-name': 'serving-ingress-internal' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
        ports: [{ name: 'http', port: 8081, protocol: 'TCP' }],
      } as any,
    );
    // The ingress authenticates its stats with its ServiceAccount token (audience serving-autoscaler),
    // the controller checks it by TokenReview, as deployed.
    const { token } = emu.issueToken(SYSTEM_NS, 'serving-ingress', { audiences: ['serving-autoscaler'], expirationSeconds: 3600 });
    const tokenFile = path.join(dir, 'ingress-token');
    fs.writeFileSync(tokenFile, token, { mode: 0o600 });
    const kubeconfig = (user: string): string => {
      const o = emu.kubeConfigOptions(user);
      const file = path.join(dir, `${user.split(':').pop()}.kubeconfig`);
      fs.writeFileSync(file, JSON.stringify({
        'apiVersion': 'v1',
        'kind': 'Config',
        'clusters': o.clusters.map((c: any) => ({ name: c.name, cluster: { 'server': c.server, 'insecure-skip-tls-verify': true } })),
        'users': o.users.map((u: any) => ({ name: u.name, user: { token: u.token } })),
        'contexts': o.contexts.map((c: any) => ({ name: c.name, context: { cluster: c.cluster, user: c.user, namespace: c.namespace } })),
        'current-context': o.currentContext,
      }), { mode: 0o600 });
      return file;
    };

    const [statsPort, ctlAdmin, ingPort, ingInternal, ingAdmin] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', SYSTEM_NAMESPACE: SYSTEM_NS };
    const controller = fork(files.controller, [], {
      execArgv: nodeFlags,
      env: { ...baseEnv, KUBECONFIG: kubeconfig('system:serviceaccount:knative-serving:serving-controller'), POD_NAME: 'controller-0', STATS_PORT: String(statsPort), ADMIN_PORT: String(ctlAdmin), INGRESS_ADMIN_PORT: String(ingAdmin) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(controller);
    const ingress = fork(files.ingress, [], {
      execArgv: nodeFlags,
      env: {
        ...baseEnv,
        KUBECONFIG: kubeconfig('system:serviceaccount:knative-serving:serving-ingress'),
        POD_NAME: 'ingress-0',
        PORT: String(ingPort),
        INTERNAL_PORT: String(ingInternal),
        ADMIN_PORT: String(ingAdmin),
        AUTOSCALER_ENDPOINTS: `127.0.0.1:${statsPort}`,
        AUTOSCALER_TOKEN_FILE: tokenFile,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(ingress);
    for (const [name, c] of [['controller', controller], ['ingress', ingress]] as const) {
      c.once('exit', (code, sig) => {
        if (!stopping) {
          console.error(`${name} exited early (${code ?? sig})`);
          process.exit(1);
        }
      });
    }

    // held_requests_peak: the ingress's own gauge.
    let heldPeak = 0;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        try {
          const m = /^ingress_requests_held(?:\{\})? (\d+(?:\.\d+)?)/m.exec(await getText(ingAdmin, '/metrics'));
          if (m) heldPeak = Math.max(heldPeak, Number(m[1]));
        } catch { /* not up yet */ }
        await sleep(20);
      }
    })();

    // Services: COLD at zero for the cold starts, one for the step load; all created at initial scale 0.
    const annotations = {
      'autoscaling.knative.dev/initial-scale': '0',
      'autoscaling.knative.dev/target': String(TARGET),
      'autoscaling.knative.dev/target-utilization-percentage': '100',
    };
    const names = [...Array.from({ length: COLD }, (_, i) => `cold-${i}`), 'step'];
    emu.seed(...names.map((n) => ksvc(n, annotations)));
    await Promise.all(names.map((n) => emu.waitFor('ksvc', NS, n, (o) => cond(o, 'Ready') === 'True', 60_000)));
    const host = (n: string): string => `${n}.${NS}.svc.cluster.local`;
    const dep = (n: string): KubeObject | undefined => emu.get('deployments', NS, `${n}-00001-deployment`);
    for (const n of names) if ((dep(n) as any)?.spec?.replicas !== 0) throw new Error(`${n}: expected the Deployment at 0 replicas (initial-scale 0), got ${(dep(n) as any)?.spec?.replicas}`);
    // The ingress has the routes once its /readyz passes and a bogus host answers 404 (not 503).
    const t1 = Date.now();
    while ((await get(ingInternal, 'nope.bench.svc.cluster.local', '/', 2000)) !== 404) {
      if (Date.now() - t1 > 30_000) throw new Error('the ingress did not come up');
      await sleep(50);
    }
    await sleep(1500); // the last routes' table swap (debounced) and the revisions' settings
    log(`bench:autoscale — ${os.cpus().length} cores, node ${process.version}; controller + ingress bundled (child processes, ${nodeFlags.join(' ')}); API emulator in pod mode`);
    log(`pods: created ${POD_CREATE_MS} ms after a scale, backend listens ${STARTUP_MS} ms later, EndpointSlice ready ${KUBELET_LAG_MS} ms after that (kubelet lag)`);
    log(`config-autoscaler: ${Object.entries(CONFIG_AUTOSCALER).map(([k, v]) => `${k}=${v}`).join(', ')}; tick 2 s`);

    let total = 0;
    let lost = 0;
    const record = (status: number): void => {
      total++;
      if (status < 200 || status > 299) lost++;
    };

    // (1) cold starts, one at a time.
    const added: number[] = [];
    const startups: number[] = [];
    const latencies: number[] = [];
    for (let i = 0; i < COLD; i++) {
      const n = `cold-${i}`;
      const t0 = Date.now();
      const status = await get(ingInternal, host(n), '/');
      const latency = Date.now() - t0;
      record(status);
      const b = pods.all().find((x) => x.pod?.name.startsWith(`${n}-00001-deployment-`));
      if (!b?.listeningSince || !podStart.has(b.pod!.name)) throw new Error(`${n}: answered ${status} but no backend pod started`);
      const startup = b.listeningSince - podStart.get(b.pod!.name)!;
      latencies.push(latency);
      startups.push(startup);
      added.push(latency - startup);
      await sleep(200);
    }
    // The ingress's own record of these cold starts (ingress_pod_wait_seconds, reason cold_start,
    // arrival → sent to the pod): each must be there exactly once; its mean is shown beside the
    // client's (which adds the pod's answer and the client side).
    let coldCount = 0;
    let coldSum = 0;
    const coldRe = /^ingress_pod_wait_seconds_(sum|count)\{namespace="[^"]*",revision="cold-\d+-00001",reason="cold_start"\} (\S+)$/gm;
    for (const m of (await getText(ingAdmin, '/metrics')).matchAll(coldRe)) {
      if (m[1] === 'count') coldCount += Number(m[2]);
      else coldSum += Number(m[2]);
    }
    if (coldCount !== COLD) throw new Error(`ingress_pod_wait_seconds{reason="cold_start"} counted ${coldCount} cold starts, want ${COLD}`);
    const coldMetricMeanMs = Math.round((coldSum / coldCount) * 1000);
    const clientMeanMs = Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length);

    // (2) step load 0 → CONCURRENCY closed-loop clients.
    let loading = true;
    const tLoad = Date.now();
    const loops = Array.from({ length: CONCURRENCY }, async () => {
      while (loading) record(await get(ingInternal, host('step'), `/?delay=${REQUEST_MS}`));
    });
    let scaleUpS = NaN;
    let maxReplicas = 0;
    let desiredAtN = '';
    while (Date.now() - tLoad < 60_000) {
      const d = dep('step') as any;
      maxReplicas = Math.max(maxReplicas, d?.spec?.replicas ?? 0);
      if ((d?.status?.readyReplicas ?? 0) >= N_PODS) {
        scaleUpS = (Date.now() - tLoad) / 1000;
        desiredAtN = String(d.spec.replicas);
        break;
      }
      await sleep(10);
    }
    // keep the load a few seconds more: the decider should hold at N
    const tHold = Date.now();
    while (Date.now() - tHold < 4000) {
      maxReplicas = Math.max(maxReplicas, (dep('step') as any)?.spec?.replicas ?? 0);
      await sleep(50);
    }
    const rev = emu.get('revisions', NS, 'step-00001') as any;
    const desiredHeld = rev?.status?.desiredReplicas;

    // (3) stop the load → scale to zero.
    loading = false;
    await Promise.all(loops);
    const tStop = Date.now();
    let toZeroS = NaN;
    let podsGoneS = NaN;
    while (Date.now() - tStop < 90_000) {
      const d = dep('step') as any;
      if (isNaN(toZeroS) && (d?.spec?.replicas ?? 0) === 0) toZeroS = (Date.now() - tStop) / 1000;
      if (!isNaN(toZeroS) && (d?.status?.replicas ?? 0) === 0) {
        podsGoneS = (Date.now() - tStop) / 1000;
        break;
      }
      await sleep(50);
    }
    polling = false;
    await poll;
    stopping = true;
    const exited = (c: ChildProcess): Promise<unknown> => (c.exitCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)));
    controller.kill('SIGTERM');
    ingress.kill('SIGTERM');
    await Promise.race([Promise.all([exited(controller), exited(ingress)]), sleep(10_000)]);
    agent.destroy();
    await Promise.all(pods.all().map((b) => b.close()));
    await api.stop();
    api = undefined;

    // (4) memory: the ingress's proxy holding HELD requests, and a bare node:http server as many.
    const ing = await heldMemory(files.held, 'ingress', nodeFlags);
    const base = await heldMemory(files.held, 'baseline', nodeFlags);
    // The same with a 1 MB young-generation semi-space (not what is deployed): most of the RSS
    // beyond the heap's growth is V8's young generation grown to its 16 MB default under the burst.
    const small = [...nodeFlags, SMALL_SEMI_SPACE];
    const ingSmall = await heldMemory(files.held, 'ingress', small);
    const baseSmall = await heldMemory(files.held, 'baseline', small);
    // Experiment (only with UWS_JS set; see bench/uws-proxy.cjs): a uWebSockets.js server holding as many.
    const uws = process.env.UWS_JS ? await heldMemory(files.held, 'uws', nodeFlags) : undefined;

    const r1 = (x: number): number => Math.round(x * 10) / 10;
    const r2 = (x: number): number => Math.round(x * 100) / 100;
    const rows: Array<[string, string]> = [
      [`cold starts (${COLD}, one at a time)`, `latency p50 ${pct(latencies, 50)} ms, p99 ${pct(latencies, 99)} ms; backend start-up measured p50 ${pct(startups, 50)} ms`],
      ['cold start added over the backend start-up', `p50 ${pct(added, 50)} ms, p99 ${pct(added, 99)} ms, max ${Math.max(...added)} ms (target p50 ≤ 50 ms)`],
      ['  added per cold start, in order (ms)', added.join(' ')],
      ['  the ingress\'s cold_start wait metric', `${coldCount} observed, mean ${coldMetricMeanMs} ms (client-measured latency mean ${clientMeanMs} ms)`],
      [`scale up 0 → ${N_PODS} (C=${CONCURRENCY}, target ${TARGET})`, `${r2(scaleUpS)} s to ${N_PODS} ready pods (replicas then ${desiredAtN}; max replicas seen ${maxReplicas}; desiredReplicas after 4 s more ${desiredHeld})`],
      ['scale to zero after the load stops', `${r2(toZeroS)} s to replicas 0, ${r2(podsGoneS)} s to no pods (stable-window 6s, scale-to-zero-grace-period 6s, tick 2 s)`],
      ['requests', `${total} sent, ${lost} without a 2xx`],
      ['held requests peak (ingress gauge)', String(heldPeak)],
      [`RSS per 10k held (${HELD} held, deployed flags)`, `ingress ${ing.rss_mb_per_10k_held} MB (heap ${ing.heap_mb_per_10k_held}); bare node:http ${base.rss_mb_per_10k_held} MB (heap ${base.heap_mb_per_10k_held}); ratio ${r2(ing.rss_mb_per_10k_held / base.rss_mb_per_10k_held)} (target ≤ 64 MB)`],
      [`  the same with ${SMALL_SEMI_SPACE}`, `ingress ${ingSmall.rss_mb_per_10k_held} MB (heap ${ingSmall.heap_mb_per_10k_held}); bare node:http ${baseSmall.rss_mb_per_10k_held} MB (heap ${baseSmall.heap_mb_per_10k_held}); ratio ${r2(ingSmall.rss_mb_per_10k_held / baseSmall.rss_mb_per_10k_held)}`],
    ];
    if (uws) rows.push(['  experiment: uWebSockets.js (UWS_JS)', `${uws.rss_mb_per_10k_held} MB (heap ${uws.heap_mb_per_10k_held}) per 10k held, deployed flags`]);
    const w = Math.max(...rows.map(([k]) => k.length));
    log('');
    for (const [k, v] of rows) log(`${k.padEnd(w)}  ${v}`);
    log(`(total ${r1((Date.now() - t00) / 1000)} s)`);
    log(`RESULT ${JSON.stringify({
      cold_start_added_ms: pct(added, 50),
      cold_start_p99_added_ms: pct(added, 99),
      cold_start_metric_mean_ms: coldMetricMeanMs,
      cold_start_client_mean_ms: clientMeanMs,
      lost_requests: lost,
      scale_up_s: r2(scaleUpS),
      scale_to_zero_s: r2(toZeroS),
      held_requests_peak: heldPeak,
      rss_mb_per_10k_held: ing.rss_mb_per_10k_held,
      baseline_node_http_rss_mb_per_10k_held: base.rss_mb_per_10k_held,
      rss_mb_per_10k_held_small_semi_space: ingSmall.rss_mb_per_10k_held,
      baseline_node_http_rss_mb_per_10k_held_small_semi_space: baseSmall.rss_mb_per_10k_held,
      ...(uws ? { experiment_uws_rss_mb_per_10k_held: uws.rss_mb_per_10k_held } : {}),
    })}`);
  } finally {
    stopping = true;
    cleanup();
    agent.destroy();
    await api?.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

let stopping = false;
main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});

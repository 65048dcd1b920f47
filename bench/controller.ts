/**
 * bench:controller — N Knative Services created until every Route is Ready, in the API emulator
 * and, in the same run, on a real kube-apiserver (the cluster tier's, test/cluster).
 *
 * Each target gets its own measuring process running the controller bundled exactly as shipped,
 * so `peak_rss_mb` is that controller process's peak RSS (sampled every 25 ms, including the ~N
 * HTTP creates it issues). The API server runs in a CHILD process, not counted:
 *   - emulator: test/support/emulator.ts;
 *   - real: etcd + kube-apiserver + kube-controller-manager v1.37.2 (test/cluster/harness.ts) with
 *     the Knative CRDs of ServingControlPlane applied; the controller uses the admin token.
 * Pods are not the subject: on both targets a Deployment becomes fully available 10 ms after each
 * spec change through the same O(1) stand-in (on the real server kube-controller-manager runs
 * without its deployment and replicaset controllers, and the stand-in writes Deployment status
 * through the status subresource), so the figures compare the controller against two API servers.
 * `api_writes_per_service` counts the controller's create/update/patch/delete calls.
 *
 * The real target needs root and the cluster tier's binaries: when not inside the cluster tier's
 * network namespace, the script re-runs itself through test/cluster/netns.sh (which builds them,
 * cached). `--no-real` (or a non-root user) measures the emulator only.
 *
 * When started from TypeScript (ts-node), the script first bundles itself with esbuild — exactly as
 * the shipped controller is bundled — and re-runs the bundle with plain `node`, so the TypeScript
 * compiler's own memory is not counted against the controller.
 *
 * Usage: ts-node --transpile-only bench/controller.ts [N=1000] [workersPerKind=8] [--no-real]
 * Last line: RESULT {"services":…, "seconds_to_ready":…, "peak_rss_mb":…, "reconciles_per_s":…, "p99_reconcile_ms":…,
 *   "api_writes_per_service":…, "real": {"apiserver":…, "seconds_to_ready":…, "api_writes_per_service":…, "peak_rss_mb":…, …}}
 */
import { ChildProcess, fork, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';

const NS = 'bench';

async function runEmulatorChild(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { KubeApiEmulator } = require('../test/support/emulator');
  // The emulator's WorkloadSimulator lists (deep-copies) every pod of a namespace on each step,
  // which is O(N²) and made the emulator, not the controller, the bottleneck at N=1000. The bench
  // uses this O(1) stand-in instead: a Deployment becomes fully available 10 ms after each spec
  // change, exactly the status shape the simulator writes when pods turn ready.
  const emu = await KubeApiEmulator.start({ simulateWorkloads: false, historySize: 500_000, bookmarkIntervalMs: 60_000 });
  emu.onChange((ev: any) => {
    if (ev.resource !== 'deployments' || ev.type === 'DELETED') return;
    const d = ev.object;
    if (d.status?.observedGeneration === d.metadata.generation) return;
    setTimeout(() => {
      const cur = emu.get('deployments', d.metadata.namespace, d.metadata.name);
      if (!cur || cur.status?.observedGeneration === cur.metadata.generation) return;
      const r = cur.spec?.replicas ?? 1;
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      cur.status = {
        observedGeneration: cur.metadata.generation,
        replicas: r,
        updatedReplicas: r,
        readyReplicas: r,
        availableReplicas: r,
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: now, lastTransitionTime: now },
          { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet has successfully progressed.', lastUpdateTime: now, lastTransitionTime: now },
        ],
      };
      emu.put(cur);
    }, 10);
  });
  process.send!({ server: emu.url, describe: 'API emulator (test/support/emulator.ts)' });
  process.on('message', (m: any) => {
    if (m === 'rss') process.send!({ rss: process.memoryUsage().rss });
    if (m === 'stop') void emu.stop().then(() => process.exit(0));
  });
}

interface Backend { server: string; caFile?: string; token?: string; describe: string; version?: string }

function post(backend: Backend, urlPath: string, body: unknown, agent: http.Agent): Promise<number> {
  const data = JSON.stringify(body);
  const u = new URL(backend.server);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({
      host: u.hostname,
      port: u.port,
      path: urlPath,
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(data),
        ...(backend.token ? { authorization: `Bearer ${backend.token}` } : {}),
      },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** The real API server as a bench backend (run with ts-node, in the cluster tier's network namespace). */
async function runClusterChild(): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Cluster, k8s } = require('../test/cluster/harness');
  const { synthesize } = require('../test/cluster/stack');
  const { parseAllDocuments } = require('yaml');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const cluster = await Cluster.start({ controllerManagerArgs: ['--controllers=*,-deployment-controller,-replicaset-controller'] });
  let stopping = false;
  const stop = async (): Promise<void> => {
    stopping = true;
    await cluster.stop();
    process.exit(0);
  };
  try {
    // The Knative CRDs exactly as ServingControlPlane emits them.
    const [first] = synthesize('full-stack', path.join(cluster.dir, 'control-plane'));
    const file = first.files.find((f: string) => path.basename(f) === 'full-stack.k8s.yaml');
    const crds = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d: any) => d.toJSON()).filter((o: any) => o?.kind === 'CustomResourceDefinition');
    await cluster.kubectlOk(['apply', '--server-side', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: crds }) });
    await cluster.kubectlOk(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    await cluster.kubectlOk(['create', 'namespace', NS]);
    // Deployment status stand-in (see the file comment), through the status subresource.
    const kc = cluster.kubeConfig('admin');
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const markAvailable = async (name: string): Promise<void> => {
      for (let i = 0; i < 5; i++) {
        const cur = await apps.readNamespacedDeployment({ name, namespace: NS });
        if (cur.status?.observedGeneration === cur.metadata.generation) return;
        const r = cur.spec?.replicas ?? 1;
        const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        cur.status = {
          observedGeneration: cur.metadata.generation,
          replicas: r,
          updatedReplicas: r,
          readyReplicas: r,
          availableReplicas: r,
          conditions: [
            { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: now, lastTransitionTime: now },
            { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet has successfully progressed.', lastUpdateTime: now, lastTransitionTime: now },
          ],
        } as any;
        try {
          await apps.replaceNamespacedDeploymentStatus({ name, namespace: NS, body: cur });
          return;
        } catch (e: any) {
          if (e?.code !== 409) throw e;
        }
      }
    };
    const watch = new k8s.Watch(kc);
    await watch.watch(`/apis/apps/v1/namespaces/${NS}/deployments`, {}, (phase: string, d: any) => {
      if (phase === 'DELETED' || d.status?.observedGeneration === d.metadata.generation) return;
      setTimeout(() => void markAvailable(d.metadata.name).catch((e) => console.error(`stand-in: ${e?.message ?? e}`)), 10);
    }, (err: unknown) => {
      if (err && !stopping) console.error(`stand-in watch ended: ${(err as Error).message}`);
    });
    process.send!({ server: cluster.apiserverUrl, caFile: cluster.caFile, token: cluster.token('admin'), version: cluster.version, describe: `kube-apiserver ${cluster.version}` });
    process.on('message', (m: any) => {
      if (m === 'rss') process.send!({ rss: (cluster.rssKiB()['kube-apiserver'] ?? 0) * 1024 });
      if (m === 'stop') void stop();
    });
  } catch (e) {
    console.error(e);
    await cluster.stop();
    process.exit(1);
  }
}

interface Figures {
  target: string;
  apiserver: string;
  services: number;
  seconds_to_ready: number;
  api_writes_per_service: number;
  peak_rss_mb: number;
  reconciles_per_s: number;
  p99_reconcile_ms: number;
  failed_creates: number;
  api_server_rss_mb: number;
}

/** One measurement against one target; prints its figures as `FIGURES {…}`. */
async function measure(target: 'emulator' | 'real'): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const n = Number(args[0] ?? 1000);
  const workers = Number(args[1] ?? 8);
  const prof = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  const child: ChildProcess = target === 'emulator'
    ? fork(__filename, ['--emulator'], { execArgv: prof, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    : fork(path.join(__dirname, '..', '..', 'bench', 'controller.ts'), ['--cluster'], { execArgv: ['-r', 'ts-node/register/transpile-only'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const backend: Backend = await new Promise((resolve, reject) => {
    child.once('message', (m: any) => resolve(m));
    child.once('exit', (code) => reject(new Error(`the ${target} backend exited with ${code}`)));
  });
  const url = backend.server;
  const childRss = () => new Promise<number>((resolve) => {
    child.once('message', (m: any) => resolve(m.rss));
    child.send('rss');
  });

  // Load the controller only now, so its module cost is part of the measured process.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Controller } = require('../src/runtime/controller/controller');
  const { k8s } = require('../src/runtime/controller/k8s');
  const { isReady } = require('../src/core/traffic');
  const { ingressStandIn } = require('../test/support/ingress-stand-in');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'e', server: url, ...(backend.caFile ? { caFile: backend.caFile } : { skipTLSVerify: true }) }],
    users: [{ name: 'u', ...(backend.token ? { token: backend.token } : {}) }],
    contexts: [{ name: 'e', cluster: 'e', user: 'u' }],
    currentContext: 'e',
  });
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 25);
  // No ingress runs here: IngressReady asks a stand-in serving each Route as the controller's informer last saw it
  // (a Route is Ready on the reconcile after its status write, as with a real ingress, minus the ingress's own delay).
  const controller: any = new (Controller as any)({
    kubeConfig: kc,
    leaderElection: false,
    workersPerKind: workers,
    resyncMs: 0,
    ingressProber: ingressStandIn((ns: string, name: string) => controller.informers.routes.lister.get(ns, name), () => controller.config),
  });
  await controller.start();
  console.log(`[${target}] controller started against ${backend.describe} at ${url} (workers/kind=${workers}); baseline rss ${(baseRss / 1048576).toFixed(1)} MB`);

  const t0 = process.hrtime.bigint();
  const agent = url.startsWith('https:')
    ? new https.Agent({ keepAlive: true, maxSockets: 16, ca: fs.readFileSync(backend.caFile!) })
    : new http.Agent({ keepAlive: true, maxSockets: 16 });
  const creates: Promise<number>[] = [];
  for (let i = 0; i < n; i++) {
    creates.push(post(backend, `/apis/serving.knative.dev/v1/namespaces/${NS}/services`, {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: `svc-${i}`, namespace: NS },
      spec: { template: { spec: { containers: [{ image: `registry.example.com/app:${i}`, env: [{ name: 'N', value: String(i) }] }] } } },
    }, agent));
  }
  const codes = await Promise.all(creates);
  const failed = codes.filter((c) => c !== 201 && c !== 200).length;
  const tCreated = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`[${target}] created ${n} services in ${tCreated.toFixed(2)}s (${failed} failed creates)`);

  const routes = controller.informers.routes.lister;
  let lastLog = 0;
  for (;;) {
    const ready = routes.list(NS).filter((r: any) => isReady(r)).length;
    const el = Number(process.hrtime.bigint() - t0) / 1e9;
    if (el - lastLog >= 2) {
      lastLog = el;
      console.log(`  [${target}] t=${el.toFixed(1)}s routes ready ${ready}/${n}  queues ${JSON.stringify(controller.queueStats())}`);
      if (process.env.BENCH_DEBUG) console.log('   api', JSON.stringify(controller.metrics.apiLatencySummary()));
    }
    if (ready >= n) break;
    if (process.env.BENCH_DEBUG && el - lastLog < 0.05 && el > 15) {
      const stuck = routes.list(NS).filter((r: any) => !isReady(r))[0];
      const name = stuck?.metadata.name;
      const lst = controller.informers;
      console.log(JSON.stringify({ route: stuck, config: lst.configurations.lister.get(NS, name), svc: lst.services.lister.get(NS, name), revs: lst.revisions.lister.list(NS).filter((r: any) => r.metadata.labels?.['serving.knative.dev/configuration'] === name) }, null, 1));
      process.exit(2);
    }
    if (el > 600) throw new Error(`timed out: ${ready}/${n} routes ready`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const reconciles = controller.metrics.reconciles.total();
  const errors = controller.metrics.reconcileErrors.total();
  const p99 = controller.metrics.percentileMs(99);
  const p50 = controller.metrics.percentileMs(50);
  const backendRss = await childRss();
  const api: Record<string, { n: number; meanMs: number }> = controller.metrics.apiLatencySummary();
  const writes = Object.entries(api).filter(([k]) => !k.startsWith('list') && !k.startsWith('get')).reduce((a, [, v]) => a + v.n, 0);
  console.log(`[${target}] API writes: ${writes} (${(writes / n).toFixed(1)} per service); mean latency per call: ` +
    Object.entries(api).filter(([, v]) => v.n >= n / 2).map(([k, v]) => `${k} ${v.n}×${v.meanMs}ms`).join(', '));
  console.log(`[${target}] all ${n} routes Ready in ${seconds.toFixed(2)}s`);
  console.log(`[${target}] reconciles: ${reconciles} (${errors} errors/requeues), ${(reconciles / seconds).toFixed(0)}/s; p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
  console.log(`[${target}] controller process peak RSS ${(peakRss / 1048576).toFixed(1)} MB (baseline before start ${(baseRss / 1048576).toFixed(1)} MB); API server RSS ${(backendRss / 1048576).toFixed(1)} MB (not included)`);
  await controller.stop();
  agent.destroy();
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  const figures: Figures = {
    target,
    apiserver: backend.version ?? 'emulator',
    services: n,
    seconds_to_ready: Number(seconds.toFixed(2)),
    api_writes_per_service: Number((writes / n).toFixed(2)),
    peak_rss_mb: Number((peakRss / 1048576).toFixed(1)),
    reconciles_per_s: Number((reconciles / seconds).toFixed(0)),
    p99_reconcile_ms: Number(p99.toFixed(2)),
    failed_creates: failed,
    api_server_rss_mb: Number((backendRss / 1048576).toFixed(1)),
  };
  console.log('FIGURES ' + JSON.stringify(figures));
  process.exit(0);
}

/** Run one measuring process per target and print both sets of figures side by side. */
async function main(): Promise<void> {
  const real = !process.argv.includes('--no-real') && process.env.KNATIVE_CLUSTER_NETNS === '1';
  if (!real) console.log('measuring the emulator only (the real API server needs root and the cluster tier; --no-real given or not inside netns.sh)');
  const prof = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  const figures: Figures[] = [];
  for (const target of real ? ['emulator', 'real'] as const : ['emulator'] as const) {
    const child = fork(__filename, [...process.argv.slice(2), `--measure=${target}`], { execArgv: [...prof, ...process.execArgv], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      process.stdout.write(c);
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    const line = out.split('\n').find((l) => l.startsWith('FIGURES '));
    if (code !== 0 || !line) throw new Error(`the ${target} measurement failed (exit ${code})`);
    figures.push(JSON.parse(line.slice('FIGURES '.length)));
  }
  const rows: Array<[string, (f: Figures) => string]> = [
    ['API server', (f) => f.apiserver],
    ['seconds to all Routes Ready', (f) => String(f.seconds_to_ready)],
    ['API writes per Service', (f) => String(f.api_writes_per_service)],
    ['controller peak RSS (MB)', (f) => String(f.peak_rss_mb)],
    ['reconciles/s', (f) => String(f.reconciles_per_s)],
    ['p99 reconcile (ms)', (f) => String(f.p99_reconcile_ms)],
    ['API server RSS at the end (MB)', (f) => String(f.api_server_rss_mb)],
  ];
  console.log(`\n${figures[0].services} Services to Ready:`);
  console.log(['', ...figures.map((f) => f.target)].map((c, i) => (i === 0 ? c.padEnd(32) : c.padStart(14))).join(''));
  for (const [label, fn] of rows) console.log([label.padEnd(32), ...figures.map((f) => fn(f).padStart(14))].join(''));
  const [emu, rl] = figures;
  console.log('RESULT ' + JSON.stringify({
    services: emu.services,
    seconds_to_ready: emu.seconds_to_ready,
    peak_rss_mb: emu.peak_rss_mb,
    reconciles_per_s: emu.reconciles_per_s,
    p99_reconcile_ms: emu.p99_reconcile_ms,
    api_writes_per_service: emu.api_writes_per_service,
    ...(rl ? {
      real: {
        apiserver: rl.apiserver,
        seconds_to_ready: rl.seconds_to_ready,
        api_writes_per_service: rl.api_writes_per_service,
        peak_rss_mb: rl.peak_rss_mb,
        reconciles_per_s: rl.reconciles_per_s,
        p99_reconcile_ms: rl.p99_reconcile_ms,
      },
    } : {}),
  }));
  process.exit(0);
}

async function bundleAndRun(): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const esbuild = require('esbuild');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const outfile = path.join(__dirname, '..', 'build', 'bench', 'controller.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runtimeBuildOptions } = require('../scripts/runtime-build-options.cjs');
  // Same options as the shipped controller (minified, client-node trimmed to what we use).
  await esbuild.build(runtimeBuildOptions({ entryPoints: [__filename], outfile, sourcemap: false, external: ['esbuild', 'bufferutil', 'utf-8-validate'] }));
  const prof = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  // Run the controller with the V8 flags ServingControlPlane sets for its default memory limit.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runtimeNodeOptions, DEFAULT_RUNTIME_MEMORY_LIMIT_MIB } = require('../src/core/runtime-contract');
  const nodeFlags: string[] = runtimeNodeOptions(DEFAULT_RUNTIME_MEMORY_LIMIT_MIB).split(' ');
  console.log(`controller node flags (as deployed with a ${DEFAULT_RUNTIME_MEMORY_LIMIT_MIB}Mi limit): ${nodeFlags.join(' ')}`);
  const child = fork(outfile, [...process.argv.slice(2), '--bundled'], { execArgv: [...prof, ...nodeFlags], stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
}

const underTsNode = !!(process as any)[Symbol.for('ts-node.register.instance')] || __filename.endsWith('.ts');
const measureArg = process.argv.find((a) => a.startsWith('--measure='));
const wantsReal = !process.argv.includes('--no-real') && process.getuid?.() === 0;
if (process.argv.includes('--emulator')) {
  void runEmulatorChild();
} else if (process.argv.includes('--cluster')) {
  void runClusterChild();
} else if (underTsNode && wantsReal && process.env.KNATIVE_CLUSTER_NETNS !== '1') {
  // Re-run inside the cluster tier's private network namespace (builds its binaries, cached).
  const r = spawnSync('bash', [path.join(__dirname, '..', 'test', 'cluster', 'netns.sh'), process.execPath, ...process.execArgv, __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
} else if (underTsNode && !process.argv.includes('--bundled')) {
  bundleAndRun().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if (measureArg) {
  measure(measureArg.slice('--measure='.length) as 'emulator' | 'real').catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

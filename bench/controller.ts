/**
 * bench:controller — N Knative Services created in the API emulator until every Route is Ready.
 *
 * The emulator (with simulated Deployment status) runs in a CHILD process so the memory figure is
 * the controller's own: `peak_rss_mb` is the peak RSS of this (controller) process, sampled every
 * 25 ms, and includes the ~N HTTP creates this process issues. The emulator's RSS is printed
 * separately for reference.
 *
 * When started from TypeScript (ts-node), the script first bundles itself with esbuild — exactly as
 * the shipped controller is bundled — and re-runs the bundle with plain `node`, so the TypeScript
 * compiler's own memory is not counted against the controller.
 *
 * Usage: ts-node --transpile-only bench/controller.ts [N=1000] [workersPerKind=8]
 * Last line: RESULT {"services":…, "seconds_to_ready":…, "peak_rss_mb":…, "reconciles_per_s":…, "p99_reconcile_ms":…}
 */
import { ChildProcess, fork } from 'node:child_process';
import * as http from 'node:http';

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
  process.send!({ url: emu.url });
  process.on('message', (m: any) => {
    if (m === 'rss') process.send!({ rss: process.memoryUsage().rss });
    if (m === 'stop') void emu.stop().then(() => process.exit(0));
  });
}

function post(url: string, path: string, body: unknown, agent: http.Agent): Promise<number> {
  const data = JSON.stringify(body);
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const n = Number(args[0] ?? 1000);
  const workers = Number(args[1] ?? 8);
  const prof = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  const child: ChildProcess = fork(__filename, ['--emulator'], { execArgv: prof, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url: string = await new Promise((resolve) => child.once('message', (m: any) => resolve(m.url)));
  const childRss = () => new Promise<number>((resolve) => {
    child.once('message', (m: any) => resolve(m.rss));
    child.send('rss');
  });

  // Load the controller only now, so its module cost is part of the measured process.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Controller } = require('../src/runtime/controller/controller');
  const { k8s } = require('../src/runtime/controller/k8s');
  const { isReady } = require('../src/core/traffic');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'e', server: url, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'e', cluster: 'e', user: 'u' }],
    currentContext: 'e',
  });
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 25);
  const controller = new (Controller as any)({ kubeConfig: kc, leaderElection: false, workersPerKind: workers, resyncMs: 0 });
  await controller.start();
  console.log(`controller started against emulator ${url} (workers/kind=${workers}); baseline rss ${(baseRss / 1048576).toFixed(1)} MB`);

  const t0 = process.hrtime.bigint();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const creates: Promise<number>[] = [];
  for (let i = 0; i < n; i++) {
    creates.push(post(url, `/apis/serving.knative.dev/v1/namespaces/${NS}/services`, {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: `svc-${i}`, namespace: NS },
      spec: { template: { spec: { containers: [{ image: `registry.example.com/app:${i}`, env: [{ name: 'N', value: String(i) }] }] } } },
    }, agent));
  }
  const codes = await Promise.all(creates);
  const failed = codes.filter((c) => c !== 201 && c !== 200).length;
  const tCreated = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`created ${n} services in ${tCreated.toFixed(2)}s (${failed} failed creates)`);

  const routes = controller.informers.routes.lister;
  let lastLog = 0;
  for (;;) {
    const ready = routes.list(NS).filter((r: any) => isReady(r)).length;
    const el = Number(process.hrtime.bigint() - t0) / 1e9;
    if (el - lastLog >= 2) {
      lastLog = el;
      console.log(`  t=${el.toFixed(1)}s routes ready ${ready}/${n}  queues ${JSON.stringify(controller.queueStats())}`);
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
    if (el > 300) throw new Error(`timed out: ${ready}/${n} routes ready`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const reconciles = controller.metrics.reconciles.total();
  const errors = controller.metrics.reconcileErrors.total();
  const p99 = controller.metrics.percentileMs(99);
  const p50 = controller.metrics.percentileMs(50);
  const emuRss = await childRss();
  const api: Record<string, { n: number; meanMs: number }> = controller.metrics.apiLatencySummary();
  const writes = Object.entries(api).filter(([k]) => !k.startsWith('list') && !k.startsWith('get')).reduce((a, [, v]) => a + v.n, 0);
  console.log(`API writes: ${writes} (${(writes / n).toFixed(1)} per service); mean latency per call: ` +
    Object.entries(api).filter(([, v]) => v.n >= n / 2).map(([k, v]) => `${k} ${v.n}×${v.meanMs}ms`).join(', '));
  console.log(`all ${n} routes Ready in ${seconds.toFixed(2)}s`);
  console.log(`reconciles: ${reconciles} (${errors} errors/requeues), ${(reconciles / seconds).toFixed(0)}/s; p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
  console.log(`controller process peak RSS ${(peakRss / 1048576).toFixed(1)} MB (baseline before start ${(baseRss / 1048576).toFixed(1)} MB); emulator child RSS ${(emuRss / 1048576).toFixed(1)} MB (not included)`);
  await controller.stop();
  agent.destroy();
  child.send('stop');
  console.log('RESULT ' + JSON.stringify({
    services: n,
    seconds_to_ready: Number(seconds.toFixed(2)),
    peak_rss_mb: Number((peakRss / 1048576).toFixed(1)),
    reconciles_per_s: Number((reconciles / seconds).toFixed(0)),
    p99_reconcile_ms: Number(p99.toFixed(2)),
  }));
  process.exit(0);
}

async function bundleAndRun(): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const esbuild = require('esbuild');
  const path = require('node:path') as typeof import('node:path');
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
if (process.argv.includes('--emulator')) {
  void runEmulatorChild();
} else if (underTsNode && !process.argv.includes('--bundled')) {
  bundleAndRun().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

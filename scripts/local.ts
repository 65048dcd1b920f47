/**
 * Local mode: the in-process Kubernetes API emulator (with simulated Deployment status) plus the
 * real controller, no cluster needed. Applies every manifest in a directory and prints statuses
 * as they converge.
 *
 *   ts-node --transpile-only scripts/local.ts dist/manifests/<example> [--timeout 20] [--verbose]
 *   npm run local -- --real <example> [--exit]
 *
 * With `--real` it runs the real-Kubernetes local mode instead (test/cluster/local.ts: etcd +
 * kube-apiserver + kube-controller-manager built from the pinned Go module, the ServingControlPlane
 * and the bundled runtime as pods, the example's steps applied with kubectl; needs root for its
 * network namespace); `npm run local:real -- <example>` is the same.
 *
 * If the directory contains sub-directories (e.g. 01-pin-current/, 02-deploy-candidate/ …) they
 * are applied one after another in name order, waiting for convergence after each step; YAML
 * files directly in the directory are applied as one step. Objects the emulator does not serve
 * (CRDs, RBAC, …) are skipped with a note. Exit code 0 when every object applied and every Knative
 * Service ends Ready.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../src/core/types';
import { createLogger, silentLogger } from '../src/runtime/common/log';
import { R, Resource } from '../src/runtime/controller/client';
import { Controller } from '../src/runtime/controller/controller';
import { k8s } from '../src/runtime/controller/k8s';
import { KubeApiEmulator } from '../test/support/emulator';
import { ingressStandIn } from '../test/support/ingress-stand-in';

const KIND_TO_RESOURCE: Record<string, Resource> = {
  'serving.knative.dev/v1/Service': R.services,
  'serving.knative.dev/v1/Configuration': R.configurations,
  'serving.knative.dev/v1/Route': R.routes,
  'serving.knative.dev/v1/Revision': R.revisions,
  'v1/ConfigMap': R.configMaps,
  'v1/Service': R.k8sServices,
  'apps/v1/Deployment': R.deployments,
};

function readManifests(dir: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const f of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (!fs.statSync(p).isFile() || !/\.(ya?ml|json)$/.test(f)) continue;
    const text = fs.readFileSync(p, 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const o = doc.toJSON();
      if (o && typeof o === 'object' && o.kind) out.push(o as KubeObject);
    }
  }
  return out;
}

function steps(dir: string): Array<{ name: string; objects: KubeObject[] }> {
  const subdirs = fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isDirectory()).sort();
  const result: Array<{ name: string; objects: KubeObject[] }> = [];
  const top = readManifests(dir);
  if (top.length) result.push({ name: path.basename(dir), objects: top });
  for (const s of subdirs) {
    const objs = readManifests(path.join(dir, s));
    if (objs.length) result.push({ name: s, objects: objs });
  }
  return result;
}

async function apply(ctl: Controller, o: KubeObject): Promise<string> {
  const r = KIND_TO_RESOURCE[`${o.apiVersion}/${o.kind}`];
  if (!r) return `skipped ${o.kind} ${o.metadata?.name} (not served by the local emulator)`;
  const obj: KubeObject = { ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? 'default' } };
  const cur = await ctl.client.get(r, obj.metadata.namespace!, obj.metadata.name!);
  if (!cur) {
    await ctl.client.create(r, obj);
    return `created ${o.kind} ${obj.metadata.namespace}/${obj.metadata.name}`;
  }
  for (let i = 0; ; i++) {
    const latest = (await ctl.client.get(r, obj.metadata.namespace!, obj.metadata.name!))!;
    try {
      await ctl.client.update(r, {
        ...obj,
        metadata: {
          ...latest.metadata,
          labels: obj.metadata.labels,
          // keep annotations the API server / webhooks own (creator, lastModifier, routes…)
          annotations: { ...(latest.metadata.annotations ?? {}), ...(obj.metadata.annotations ?? {}) },
        },
        status: latest.status,
      });
      return `configured ${o.kind} ${obj.metadata.namespace}/${obj.metadata.name}`;
    } catch (e) {
      if (i >= 5) throw e;
    }
  }
}

function cond(o: any, type = 'Ready'): any {
  return (o?.status?.conditions ?? []).find((c: any) => c.type === type);
}

function condText(o: any): string {
  const c = cond(o);
  if (!c) return 'Ready=?';
  return `Ready=${c.status}${c.reason ? ` (${c.reason}${c.message ? ': ' + c.message : ''})` : ''}`;
}

function printStatus(emu: KubeApiEmulator): void {
  for (const s of emu.list('ksvc')) {
    const st = s.status ?? {};
    console.log(`  Service ${s.metadata.namespace}/${s.metadata.name}  ${condText(s)}  gen ${s.metadata.generation}/${st.observedGeneration ?? '-'}`);
    console.log(`    url: ${st.url ?? '-'}   address: ${st.address?.url ?? '-'}`);
    console.log(`    latestCreated: ${st.latestCreatedRevisionName ?? '-'}   latestReady: ${st.latestReadyRevisionName ?? '-'}`);
    for (const t of st.traffic ?? []) {
      console.log(`    traffic: ${String(t.percent ?? 0).padStart(3)}%  ${t.revisionName}${t.tag ? `  tag=${t.tag}` : ''}${t.latestRevision ? '  (latest)' : ''}${t.url ? `  ${t.url}` : ''}`);
    }
    if (st.annotations) for (const [k, v] of Object.entries(st.annotations)) console.log(`    note: ${k}: ${v}`);
  }
  for (const r of emu.list('revisions')) {
    console.log(`  Revision ${r.metadata.namespace}/${r.metadata.name}  ${condText(r)}  routingState=${r.metadata.labels?.['serving.knative.dev/routingState'] ?? '-'}  replicas ${r.status?.actualReplicas ?? 0}/${r.status?.desiredReplicas ?? '-'}`);
  }
  for (const r of emu.list('routes')) {
    if (r.metadata.labels?.['serving.knative.dev/service']) continue;
    console.log(`  Route ${r.metadata.namespace}/${r.metadata.name}  ${condText(r)}  url ${r.status?.url ?? '-'}`);
    for (const t of r.status?.traffic ?? []) console.log(`    traffic: ${String(t.percent ?? 0).padStart(3)}%  ${t.revisionName}${t.tag ? `  tag=${t.tag}  ${t.url}` : ''}`);
  }
}

async function waitConverged(emu: KubeApiEmulator, ctl: Controller, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let quietSince = Date.now();
  for (;;) {
    const n = emu.actions().length;
    if (n !== last || !ctl.idle) {
      last = n;
      quietSince = Date.now();
    } else if (Date.now() - quietSince > 300) {
      return true;
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function runLocal(dir: string, opts: { timeoutSeconds?: number; verbose?: boolean } = {}): Promise<boolean> {
  const emu = await KubeApiEmulator.start({ simulateWorkloads: { delayMs: 20, readyDelayMs: 0 } });
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions(emu.kubeConfigOptions('local-user'));
  // No ingress runs here: IngressReady asks a stand-in that serves each Route and DomainMapping as the API stores it.
  const ctl: Controller = new Controller({
    kubeConfig: kc,
    leaderElection: false,
    ingressProber: ingressStandIn({ route: (ns, name) => emu.get('routes', ns, name), domainMapping: (ns, name) => emu.get('domainmappings', ns, name) }, () => ctl.config),
    log: opts.verbose ? createLogger({ level: 'debug', sink: (l) => process.stderr.write(l + '\n') }) : silentLogger,
  });
  await ctl.start();
  console.log(`local API emulator at ${emu.url}; controller running (Ctrl-C to stop)`);
  let allReady = true;
  let applyErrors = 0;
  try {
    for (const step of steps(dir)) {
      console.log(`\n== ${step.name}`);
      // ConfigMaps first so the controller and admission see the configuration before objects
      const ordered = [...step.objects].sort((a, b) => Number(b.kind === 'ConfigMap') - Number(a.kind === 'ConfigMap'));
      for (const o of ordered) {
        try {
          console.log('  ' + (await apply(ctl, o)));
        } catch (e) {
          applyErrors++;
          console.log(`  ERROR applying ${o.kind} ${o.metadata?.name}: ${(e as Error).message}`);
        }
      }
      const ok = await waitConverged(emu, ctl, (opts.timeoutSeconds ?? 20) * 1000);
      if (!ok) console.log('  (still converging after the timeout)');
      printStatus(emu);
    }
    allReady = applyErrors === 0 &&
      emu.list('ksvc').every((s) => cond(s)?.status === 'True' && s.status?.observedGeneration === s.metadata.generation);
  } finally {
    await ctl.stop();
    await emu.stop();
  }
  return allReady;
}

/** `--real`: hand over to the real-Kubernetes local mode (same terminal, same Ctrl-C). */
function runReal(args: string[]): void {
  const root = path.resolve(__dirname, '..');
  const child = spawn('bash', [path.join(root, 'test/cluster/netns.sh'), 'npx', 'ts-node', '--transpile-only',
    '--project', 'tsconfig.dev.json', 'test/cluster/local.ts', ...args], { cwd: root, stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal's process group; SIGTERM is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (require.main === module && process.argv.includes('--real')) {
  runReal(process.argv.slice(2).filter((a) => a !== '--real'));
} else if (require.main === module) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  if (!dir) {
    console.error('usage: local.ts <manifest-dir> [--timeout <seconds>] [--verbose]');
    process.exit(2);
  }
  const ti = args.indexOf('--timeout');
  runLocal(dir, { timeoutSeconds: ti >= 0 ? Number(args[ti + 1]) : undefined, verbose: args.includes('--verbose') })
    .then((ok) => process.exit(ok ? 0 : 1))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}

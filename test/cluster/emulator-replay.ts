/**
 * "The emulator must agree": a scenario's synthesized steps replayed on the in-process API
 * emulator (test/support/emulator.ts) with the same bundled controller process the real cluster
 * runs, then the final objects compared with the real API server's. One bundled ingress process
 * runs too, listed in an EndpointSlice of `serving-ingress-internal` at 127.0.0.1, since the
 * controller marks a Route IngressReady only once the ingress replicas it finds there serve it.
 *
 * The emulator is configured like the cluster tier's control plane: Knative admission on (the real
 * API server calls the bundled webhook ServingControlPlane deploys; the emulator runs the same
 * core/admission chain in-process, as the same user, cluster-admin, so creator/lastModifier agree),
 * CRD schemas on, built-in defaulting on, and its simulated kube-controller-manager
 * + kubelet for Deployments. Each step's objects are applied as `kubectl apply` would leave them
 * (create, or update with the manifest's metadata merged into the stored one: the emulator has no
 * server-side apply); objects of kinds it does not serve (CRDs, RBAC) are skipped. After each step
 * the replay waits until every Knative object is Ready at its generation and no write happened for
 * a while.
 *
 * Compared: every Knative object in the scenario's namespaces and every built-in object the
 * controller made there (owned by a Knative object): spec, status, labels, annotations, owner
 * references, generation. Ignored: uid, resourceVersion, managedFields, every timestamp
 * (`*Time`, `*Timestamp` fields and RFC 3339 values, e.g. Knative's routingStateModified
 * annotation), owner references' uids and allocated Service IPs (values both sides allocate
 * independently; their presence is still compared). A uid used as a value (the
 * `serving.knative.dev/*UID` labels and selectors) compares as the object it names.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { record } from './record';
import type { Stack, Step } from './stack';
import { KubeApiEmulator } from '../support/emulator';
import { apiVersionOf, findByApiVersionKind, ResourceType } from '../support/resources';

/** The kinds compared, as kubectl names them and as the emulator resolves them. */
export const COMPARED_KINDS: Array<{ kubectl: string; emulator: string }> = [
  { kubectl: 'services.serving.knative.dev', emulator: 'services.serving.knative.dev' },
  { kubectl: 'configurations.serving.knative.dev', emulator: 'configurations.serving.knative.dev' },
  { kubectl: 'routes.serving.knative.dev', emulator: 'routes.serving.knative.dev' },
  { kubectl: 'revisions.serving.knative.dev', emulator: 'revisions.serving.knative.dev' },
  { kubectl: 'deployments.apps', emulator: 'deployments.apps' },
  { kubectl: 'services', emulator: 'services' },
  { kubectl: 'horizontalpodautoscalers.autoscaling', emulator: 'horizontalpodautoscalers.autoscaling' },
];

const KNATIVE = 'serving.knative.dev/v1';

/** The objects of a scenario: Knative kinds, and built-in objects a Knative object owns. */
export function inScope(o: any): boolean {
  if (o.apiVersion === KNATIVE) return true;
  return (o.metadata?.ownerReferences ?? []).some((r: any) => String(r.apiVersion).startsWith('serving.knative.dev/'));
}

const IGNORED_KEYS = new Set(['uid', 'resourceVersion', 'managedFields', 'selfLink']);

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/**
 * The comparable form of an object (see the file comment for what is ignored). `uids` maps the
 * uids of the compared objects to a name (`uid of Revision default/x`), so labels and selectors
 * that carry a parent's uid compare by what they point at.
 */
export function normalize(o: any, uids: Map<string, string> = new Map()): any {
  const strip = (v: any): any => {
    if (Array.isArray(v)) return v.map((x) => strip(x));
    if (v && typeof v === 'object') {
      const out: any = {};
      for (const k of Object.keys(v).sort()) {
        if (IGNORED_KEYS.has(k) || /(Time|Timestamp)$/.test(k)) continue;
        out[k] = strip(v[k]);
      }
      return out;
    }
    if (typeof v === 'string' && uids.has(v)) return `<${uids.get(v)}>`;
    if (typeof v === 'string' && RFC3339.test(v)) return '<timestamp>';
    return v;
  };
  const n = strip({
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      generation: o.metadata.generation,
      labels: o.metadata.labels,
      annotations: o.metadata.annotations,
      ownerReferences: o.metadata.ownerReferences,
      finalizers: o.metadata.finalizers,
    },
    spec: o.spec,
    status: o.status,
  });
  if (o.apiVersion === 'v1' && o.kind === 'Service' && n.spec) {
    const ip = (x: unknown): unknown => (typeof x === 'string' && /^[0-9.:a-f]+$/.test(x) && x !== 'None' ? '<allocated>' : x);
    if (n.spec.clusterIP !== undefined) n.spec.clusterIP = ip(n.spec.clusterIP);
    if (Array.isArray(n.spec.clusterIPs)) n.spec.clusterIPs = n.spec.clusterIPs.map(ip);
  }
  return n;
}

export const objectKey = (o: any): string => `${o.kind}.${String(o.apiVersion).split('/')[0]} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export interface Difference {
  /** `Kind.group namespace/name` */
  object: string;
  /** Dotted field path ('' for a whole object present on one side only). */
  path: string;
  real: unknown;
  emulator: unknown;
}

export const formatDifference = (d: Difference): string => (d.path
  ? `${d.object}: ${d.path}: real ${show(d.real)} · emulator ${show(d.emulator)}`
  : `${d.object}: only on the ${d.real === undefined ? 'emulator' : 'real API server'}`);

/** Field-level differences between two sets of objects (normalized first). */
export function compareObjects(real: any[], emulated: any[]): Difference[] {
  const uidsOf = (objs: any[]): Map<string, string> => new Map(objs.map((o) => [o.metadata.uid, `uid of ${objectKey(o)}`]));
  const r = new Map(real.map((o) => [objectKey(o), normalize(o, uidsOf(real))]));
  const e = new Map(emulated.map((o) => [objectKey(o), normalize(o, uidsOf(emulated))]));
  const out: Difference[] = [];
  for (const k of [...new Set([...r.keys(), ...e.keys()])].sort()) {
    if (!e.has(k) || !r.has(k)) out.push({ object: k, path: '', real: r.get(k), emulator: e.get(k) });
    else diffValues(r.get(k), e.get(k), '', (p, a, b) => out.push({ object: k, path: p, real: a, emulator: b }));
  }
  return out;
}

/**
 * Differences the emulator does not remove, each pinned by a test of the emulator's own
 * (test/support-tests/real-server-parity.test.ts). They are listed by the comparison but not
 * counted as disagreements.
 */
export const KNOWN_LIMITATIONS: Array<{ id: string; description: string; pinnedBy: string; matches: (d: Difference) => boolean }> = [
  {
    id: 'replicaset-hash',
    description: 'A Deployment condition names its ReplicaSet <deployment>-<pod-template-hash>; kube-controller-manager hashes Go\'s printed PodTemplateSpec (FNV-32a, consonant alphabet), the emulator (which models no ReplicaSets) uses 10 hex digits of a sha1 of the template\'s JSON',
    pinnedBy: 'test/support-tests/real-server-parity.test.ts (known limitation: the ReplicaSet a Deployment condition names …)',
    matches: (d) => {
      if (!d.object.startsWith('Deployment.apps ') || !/^status\.conditions\[\d+\]\.message$/.test(d.path)) return false;
      if (typeof d.real !== 'string' || typeof d.emulator !== 'string') return false;
      const real = d.real.replace(/ReplicaSet "(.+)-[bcdfghjklmnpqrstvwxz2456789]{1,10}"/, 'ReplicaSet "$1-<hash>"');
      const emulated = d.emulator.replace(/ReplicaSet "(.+)-[0-9a-f]{10}"/, 'ReplicaSet "$1-<hash>"');
      return real !== d.real && real === emulated;
    },
  },
];

/** Split differences into disagreements and known limitations (by id). */
export function classify(differences: Difference[]): { disagreements: Difference[]; known: Array<Difference & { limitation: string }> } {
  const disagreements: Difference[] = [];
  const known: Array<Difference & { limitation: string }> = [];
  for (const d of differences) {
    const l = KNOWN_LIMITATIONS.find((x) => x.matches(d));
    if (l) known.push({ ...d, limitation: l.id });
    else disagreements.push(d);
  }
  return { disagreements, known };
}

function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  const s = JSON.stringify(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

function diffValues(a: any, b: any, p: string, report: (p: string, a: unknown, b: unknown) => void): void {
  if (a === b) return;
  const obj = (x: any): boolean => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (obj(a) && obj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      diffValues(a[k], b[k], p ? `${p}.${k}` : k, report);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => diffValues(x, b[i], `${p}[${i}]`, report));
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) report(p, a, b);
}

/** Objects in a manifest file set, in file order. */
export function readManifests(files: string[]): any[] {
  return files.flatMap((f) => parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJSON()).filter((o) => o && typeof o === 'object' && o.kind));
}

/** The bundled controller's container env from a control-plane manifest (literal values; fieldRefs as the kubelet would fill them). */
function controllerEnv(objects: any[], podName: string): Record<string, string> {
  const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === 'serving-controller');
  if (!dep) throw new Error('the control-plane manifest has no serving-controller Deployment');
  const c = dep.spec.template.spec.containers[0];
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = podName;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = dep.metadata.namespace;
  }
  return env;
}

export interface Replay {
  emu: KubeApiEmulator;
  /** Apply a step's objects and wait until the emulator has converged. */
  step(step: Step): Promise<void>;
  /** The in-scope objects of the given namespaces. */
  objects(namespaces: string[]): any[];
  /** The controller's log (JSON lines). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Start an emulator configured like the cluster tier and the bundled controller against it; the
 * control plane's objects (`controlPlaneFiles`) are applied first.
 */
export async function startReplay(opts: { dir: string; controlPlaneFiles: string[]; bundleDir?: string }): Promise<Replay> {
  const emu = await KubeApiEmulator.start({
    simulateWorkloads: { delayMs: 20, readyDelayMs: 20 },
    bookmarkIntervalMs: 60_000,
  });
  const user = 'system:serviceaccount:knative-serving:serving-controller';
  const kubeconfig = path.join(opts.dir, 'emulator.kubeconfig');
  const options = emu.kubeConfigOptions(user);
  fs.writeFileSync(kubeconfig, JSON.stringify({
    'apiVersion': 'v1',
    'kind': 'Config',
    'clusters': options.clusters.map((c) => ({ name: c.name, cluster: { 'server': c.server, 'insecure-skip-tls-verify': true } })),
    'users': options.users.map((u) => ({ name: u.name, user: { token: u.token } })),
    'contexts': options.contexts.map((c) => ({ name: c.name, context: { cluster: c.cluster, user: c.user, namespace: c.namespace } })),
    'current-context': options.currentContext,
  }), { mode: 0o600 });
  const cp = readManifests(opts.controlPlaneFiles);
  await applyAll(emu, cp);
  const bundleDir = opts.bundleDir ?? path.join(__dirname, '..', '..', 'dist', 'runtime');
  const bundle = path.join(bundleDir, 'controller.js');
  const logFile = path.join(opts.dir, 'emulator-controller.log');
  const env = controllerEnv(cp, 'serving-controller-emulator');
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.dir, KUBECONFIG: kubeconfig };
  // The ingress replica the controller's IngressReady probe asks (its admin port on 127.0.0.1).
  const ingressAdmin = await freePort();
  const ingressFd = fs.openSync(path.join(opts.dir, 'emulator-ingress.log'), 'a');
  const ingress: ChildProcess = spawn(process.execPath, [path.join(bundleDir, 'ingress.js')], {
    env: {
      ...base,
      SYSTEM_NAMESPACE: env.SYSTEM_NAMESPACE ?? 'knative-serving',
      ...(env.CLUSTER_DOMAIN ? { CLUSTER_DOMAIN: env.CLUSTER_DOMAIN } : {}),
      PORT: '0',
      INTERNAL_PORT: '0',
      HTTPS_PORT: '0',
      ADMIN_PORT: String(ingressAdmin),
    },
    stdio: ['ignore', ingressFd, ingressFd],
  });
  fs.closeSync(ingressFd);
  const ingressExited = new Promise<void>((r) => ingress.once('exit', () => r()));
  emu.seed({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'serving-ingress-internal-replay', namespace: env.SYSTEM_NAMESPACE ?? 'knative-serving', labels: { 'kubernetes.io/service-name': 'serving-ingress-internal' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 8081, protocol: 'TCP' }],
  } as any);
  const fd = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [bundle], {
    env: { ...base, ...env, ADMIN_PORT: '0', STATS_PORT: '0', INGRESS_ADMIN_PORT: String(ingressAdmin) },
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const log = (): string => {
    try {
      return fs.readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    emu,
    log,
    async step(step: Step): Promise<void> {
      await applyAll(emu, readManifests(step.files));
      await converge(emu, child, log);
    },
    objects(namespaces: string[]): any[] {
      return COMPARED_KINDS.flatMap((k) => namespaces.flatMap((ns) => emu.list(k.emulator, ns))).filter(inScope);
    },
    async stop(): Promise<void> {
      for (const [c, done] of [[child, exited], [ingress, ingressExited]] as const) {
        if (c.exitCode !== null || c.signalCode !== null) continue;
        c.kill('SIGTERM');
        const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
        await done;
        clearTimeout(t);
      }
      await emu.stop();
    },
  };
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Create or update each object the emulator serves, as `kubectl apply` leaves it. */
async function applyAll(emu: KubeApiEmulator, objects: any[]): Promise<void> {
  // Namespaces and ConfigMaps first, as kubectl's apply order does for the kinds that matter here.
  const rank = (o: any): number => (o.kind === 'Namespace' ? 0 : o.kind === 'ConfigMap' ? 1 : 2);
  for (const o of [...objects].sort((a, b) => rank(a) - rank(b))) {
    const t = findByApiVersionKind(o.apiVersion, o.kind);
    if (!t) continue;
    await applyOne(emu, t, o);
  }
}

function collectionPath(t: ResourceType, ns: string | undefined): string {
  const base = t.group ? `/apis/${apiVersionOf(t)}` : '/api/v1';
  return t.namespaced ? `${base}/namespaces/${ns ?? 'default'}/${t.plural}` : `${base}/${t.plural}`;
}

async function applyOne(emu: KubeApiEmulator, t: ResourceType, o: any): Promise<void> {
  const ns = t.namespaced ? o.metadata.namespace ?? 'default' : undefined;
  const obj = { ...o, metadata: { ...o.metadata, ...(ns ? { namespace: ns } : {}) } };
  const coll = `${emu.url}${collectionPath(t, ns)}`;
  // The cluster tier applies as cluster-admin (its kubeconfig's identity), which admission records.
  const headers = { 'content-type': 'application/json', 'authorization': 'Bearer user:cluster-admin' };
  for (let attempt = 0; ; attempt++) {
    const cur = await fetch(`${coll}/${obj.metadata.name}`, { headers });
    let res: Response;
    if (cur.status === 404) {
      res = await fetch(coll, { method: 'POST', headers, body: JSON.stringify(obj) });
    } else {
      const latest = await cur.json() as any;
      const body = {
        ...latest,
        ...obj,
        metadata: {
          ...latest.metadata,
          labels: obj.metadata.labels ?? latest.metadata.labels,
          annotations: { ...(latest.metadata.annotations ?? {}), ...(obj.metadata.annotations ?? {}) },
        },
        ...(latest.status !== undefined ? { status: latest.status } : {}),
      };
      res = await fetch(`${coll}/${obj.metadata.name}`, { method: 'PUT', headers, body: JSON.stringify(body) });
    }
    if (res.ok) return;
    const text = await res.text();
    if (res.status === 409 && attempt < 5) continue;
    throw new Error(`emulator replay: applying ${o.kind} ${ns ?? ''}/${o.metadata.name} failed (${res.status}): ${text}`);
  }
}

const cond = (o: any, type = 'Ready'): any => (o.status?.conditions ?? []).find((c: any) => c.type === type);

/** Wait until every Knative object is Ready at its generation and no write (but Lease renewals) happened for 500 ms. */
async function converge(emu: KubeApiEmulator, child: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let quietSince = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`emulator replay: the controller exited with ${child.exitCode}\n${log().split('\n').slice(-20).join('\n')}`);
    const writes = emu.actions().filter((a) => a.resource !== 'leases').length;
    const knative = ['services.serving.knative.dev', 'configurations.serving.knative.dev', 'routes.serving.knative.dev', 'revisions.serving.knative.dev']
      .flatMap((k) => emu.list(k));
    const ready = knative.length > 0 && knative.every((o) => cond(o)?.status === 'True' && o.status?.observedGeneration === o.metadata.generation);
    if (writes !== last || !ready) {
      last = writes;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= 500) {
      return;
    }
    if (Date.now() > deadline) {
      const state = knative.map((o) => `${o.kind} ${o.metadata.name} gen ${o.metadata.generation} ${JSON.stringify(o.status ?? {})}`).join('\n');
      throw new Error(`emulator replay: not converged after ${timeoutMs} ms\n${state}\n${log().split('\n').slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The in-scope objects of the real API server in the given namespaces (kubectl get -o json). */
export async function realObjects(getJson: (args: string[]) => Promise<any>, namespaces: string[]): Promise<any[]> {
  const out: any[] = [];
  for (const ns of namespaces) {
    const list = await getJson([COMPARED_KINDS.map((k) => k.kubectl).join(','), '-n', ns]);
    out.push(...list.items.filter(inScope));
  }
  return out;
}

export interface Comparison {
  /** Objects compared (on the real API server). */
  objects: number;
  /** Disagreements, one line each (the target is none). */
  differences: string[];
  /** Differences that are known limitations (KNOWN_LIMITATIONS), one line each. */
  knownLimitations: string[];
}

/**
 * Replay `steps` on the emulator and compare the final objects of `namespaces` with the real API
 * server's (waiting first until the real objects stop changing). Returns one line per difference.
 */
export async function compareWithEmulator(stack: Stack, steps: Step[], namespaces: string[] = ['default']): Promise<Comparison> {
  let why = '';
  const real = await stack.until('real objects settled', async () => {
    const a = await realObjects((args) => stack.getJson(args), namespaces);
    await new Promise((r) => setTimeout(r, 1000));
    const b = await realObjects((args) => stack.getJson(args), namespaces);
    const notReady = b.filter((o) => o.apiVersion === KNATIVE && !(cond(o)?.status === 'True' && o.status?.observedGeneration === o.metadata.generation));
    const changed = compareObjects(a, b).map(formatDifference);
    why = [...notReady.map((o) => `${objectKey(o)} not Ready: ${JSON.stringify(o.status)}`), ...changed].join('\n');
    if (why) throw new Error(why);
    return b;
  }, 60_000);
  void why;
  const dir = fs.mkdtempSync(path.join(stack.work, 'emulator-'));
  const replay = await startReplay({ dir, controlPlaneFiles: stack.controlPlaneFiles() });
  try {
    for (const step of steps) await replay.step(step);
    const emulated = replay.objects(namespaces);
    const { disagreements, known } = classify(compareObjects(real, emulated));
    return {
      objects: real.length,
      differences: disagreements.map(formatDifference),
      knownLimitations: known.map((d) => `[${d.limitation}] ${formatDifference(d)}`),
    };
  } finally {
    await replay.stop();
  }
}

/** compareWithEmulator for a scenario, reported to `npm run e2e` and printed. */
export async function emulatorAgreement(stack: Stack, scenario: string, steps: Step[], namespaces: string[] = ['default']): Promise<Comparison> {
  const c = await compareWithEmulator(stack, steps, namespaces);
  record({ type: 'emulator', scenario, ...c });
  // eslint-disable-next-line no-console
  console.log(`${scenario}: ${c.objects} objects compared with the emulator, ${c.differences.length} differences`
    + `${c.differences.map((d) => `\n  ${d}`).join('')}\nknown limitations (${c.knownLimitations.length}):${c.knownLimitations.map((d) => `\n  ${d}`).join('')}`);
  return c;
}

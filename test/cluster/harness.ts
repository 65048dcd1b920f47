/**
 * A real Kubernetes control plane for tests and scripts: upstream etcd, kube-apiserver and
 * kube-controller-manager (built by test/cluster/build.sh from the pinned Go module in go/),
 * started on the private network of test/cluster/netns.sh with random ports and one temp dir.
 *
 * - kube-apiserver: `--authorization-mode=Node,RBAC`, NodeRestriction admission, a service-account
 *   issuer with an RSA signing key made here (node:crypto), and a static token file with five
 *   identities: admin (system:masters), the controller-manager, the scheduler, the node and
 *   kube-proxy (the last three are played by kubelet.ts / kube-proxy.ts).
 * - kube-controller-manager: its own identity (system:kube-controller-manager) with
 *   `--use-service-account-credentials`, so each controller runs under its own ServiceAccount
 *   exactly as in a kubeadm cluster; no leader election (one instance).
 *
 * `stop()` ends every process and removes the temp dir; it also runs on process exit and on
 * SIGINT/SIGTERM. (netns.sh additionally makes the test run a PID namespace's init, so nothing
 * outlives the run even after a SIGKILL.)
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { assertClusterNetwork, freePort, NODE_IP, SERVICE_CIDR } from './network';

// client-node is ESM-only: require() works under jest (vendored CJS) and Node >= 20.19.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const k8s: typeof K8s = require('@kubernetes/client-node');

export const SA_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const NODE_NAME = 'cluster-test-node';

/** Identities in the static token file (user, groups). */
const IDENTITIES = {
  admin: { user: 'cluster-admin', groups: ['system:masters'] },
  controllerManager: { user: 'system:kube-controller-manager', groups: [] as string[] },
  scheduler: { user: 'system:kube-scheduler', groups: [] as string[] },
  node: { user: `system:node:${NODE_NAME}`, groups: ['system:nodes'] },
  proxy: { user: 'system:kube-proxy', groups: [] as string[] },
} as const;
export type Identity = keyof typeof IDENTITIES;

export interface ClusterOptions {
  /** Directory with etcd, kube-apiserver, kube-controller-manager, kubectl. Default $KNATIVE_CLUSTER_BIN or test/cluster/.bin. */
  binDir?: string;
  /** Extra kube-apiserver flags. */
  apiserverArgs?: string[];
  /** Extra kube-controller-manager flags. */
  controllerManagerArgs?: string[];
  /** Readiness deadline for the whole start (ms). Default 90 000. */
  timeoutMs?: number;
}

interface Proc { name: string; args: string[]; child: ChildProcess; log: string; exited: Promise<number | null> }

const running = new Set<Cluster>();
let hooksInstalled = false;
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // Synchronous last resort: kill children and remove temp dirs of clusters still running.
  process.on('exit', () => {
    for (const c of running) c.killNow();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const c of running) c.killNow();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

export class Cluster {
  /** Start etcd, kube-apiserver and kube-controller-manager; resolves once /readyz is 200 and the default ServiceAccount exists. */
  public static async start(opts: ClusterOptions = {}): Promise<Cluster> {
    await assertClusterNetwork();
    const binDir = opts.binDir ?? process.env.KNATIVE_CLUSTER_BIN ?? path.join(__dirname, '.bin');
    for (const b of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl']) {
      if (!fs.existsSync(path.join(binDir, b))) {
        throw new Error(`cluster harness: ${path.join(binDir, b)} is missing. Fix: run test/cluster/build.sh (netns.sh runs it for you)`);
      }
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-cluster-'));
    const c = new Cluster(dir, binDir);
    running.add(c);
    installExitHooks();
    try {
      await c.boot(opts);
    } catch (e) {
      const logs = c.procs.map((p) => `--- ${p.name} (last lines)\n${tail(p.log, 25)}`).join('\n');
      await c.stop();
      throw new Error(`${(e as Error).message}\n${logs}`);
    }
    return c;
  }

  public apiserverUrl = '';
  /** etcd's client URL (its v3 JSON gateway serves /v3/kv/range, /v3/kv/compaction, ...). */
  public etcdUrl = '';
  public kubeconfigPath = '';
  /** Milliseconds from start() to ready. */
  public startMs = 0;
  /** The API server's /version gitVersion. */
  public version = '';
  private readonly procs: Proc[] = [];
  private readonly tokens = new Map<Identity, string>();
  /** Time windows (ms since epoch) from stopping kube-apiserver until its /readyz was 200 again. */
  private readonly apiserverRestarts: Array<{ from: number; to: number }> = [];
  private stopping: Promise<void> | undefined;

  private constructor(public readonly dir: string, public readonly binDir: string) {}

  /**
   * The CA that signs the API server's serving certificate (the API server makes both at start:
   * apiserver-certs/apiserver.crt holds the serving certificate followed by the CA).
   */
  public get caFile(): string {
    return path.join(this.dir, 'ca.crt');
  }

  /** Extract the CA from the API server's self-signed bundle once it exists. */
  private extractCa(): boolean {
    const bundle = path.join(this.dir, 'apiserver-certs', 'apiserver.crt');
    if (!fs.existsSync(bundle)) return false;
    const blocks = fs.readFileSync(bundle, 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) return false;
    fs.writeFileSync(this.caFile, blocks[blocks.length - 1] + '\n');
    return true;
  }

  public get serviceAccountKeyFile(): string {
    return path.join(this.dir, 'sa.key');
  }

  /** A client-node KubeConfig for one of the static identities, or for a bearer token. */
  public kubeConfig(who: Identity | { token: string; name?: string } = 'admin'): K8s.KubeConfig {
    const token = typeof who === 'string' ? this.tokens.get(who)! : who.token;
    const user = typeof who === 'string' ? who : who.name ?? 'token';
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'cluster', server: this.apiserverUrl, caFile: this.caFile }],
      users: [{ name: user, token }],
      contexts: [{ name: 'cluster', cluster: 'cluster', user, namespace: 'default' }],
      currentContext: 'cluster',
    });
    return kc;
  }

  /** Write a kubeconfig file for a bearer token (e.g. a ServiceAccount's) and return its path. */
  public writeKubeconfig(file: string, token: string, user = 'user', namespace = 'default'): string {
    const cfg = {
      'apiVersion': 'v1',
      'kind': 'Config',
      'clusters': [{ name: 'cluster', cluster: { 'server': this.apiserverUrl, 'certificate-authority': this.caFile } }],
      'users': [{ name: user, user: { token } }],
      'contexts': [{ name: 'cluster', context: { cluster: 'cluster', user, namespace } }],
      'current-context': 'cluster',
    };
    fs.writeFileSync(file, JSON.stringify(cfg, null, 2), { mode: 0o600 });
    return file;
  }

  /**
   * A token for a ServiceAccount from the TokenRequest API (what the kubelet mounts into a pod),
   * valid `seconds` (default 1 h), optionally bound to a pod.
   */
  public async serviceAccountToken(
    namespace: string, name: string, opts: { seconds?: number; pod?: { name: string; uid: string }; as?: Identity; audiences?: string[] } = {},
  ): Promise<string> {
    const core = this.kubeConfig(opts.as ?? 'admin').makeApiClient(k8s.CoreV1Api);
    const tr = await core.createNamespacedServiceAccountToken({
      name,
      namespace,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        // No audiences (default): the API server's own (the issuer), as in the projected token
        // volume the ServiceAccount admission plugin adds to pods; the Node authorizer lets a node
        // request only the audiences its pods' volumes name.
        spec: {
          audiences: opts.audiences ?? [],
          expirationSeconds: opts.seconds ?? 3600,
          ...(opts.pod ? { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: opts.pod.name, uid: opts.pod.uid } } : {}),
        },
      },
    });
    return tr.status!.token;
  }

  /** Run the built kubectl against this cluster (admin unless `kubeconfig` is given). */
  public kubectl(
    args: string[], opts: { input?: string; kubeconfig?: string; timeoutMs?: number } = {},
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(path.join(this.binDir, 'kubectl'), args, {
        env: { ...process.env, KUBECONFIG: opts.kubeconfig ?? this.kubeconfigPath, HOME: this.dir },
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      if (opts.input !== undefined) child.stdin!.end(opts.input);
    });
  }

  /** kubectl that must succeed; returns stdout. */
  public async kubectlOk(args: string[], opts: { input?: string; kubeconfig?: string } = {}): Promise<string> {
    const r = await this.kubectl(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Resident set sizes (KiB) of the control-plane processes, read from /proc. */
  public rssKiB(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.procs) {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p.child.pid}/status`, 'utf8'));
        out[p.name] = m ? Number(m[1]) : 0;
      } catch {
        out[p.name] = 0;
      }
    }
    return out;
  }

  /** The last lines of a process's log (etcd, kube-apiserver, kube-controller-manager). */
  public logTail(name: string, lines = 40): string {
    const p = this.procs.find((x) => x.name === name);
    return p ? tail(p.log, lines) : '';
  }

  /** Stop every process (SIGTERM, then SIGKILL after 10 s) and remove the temp dir. Idempotent. */
  public stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const p of [...this.procs].reverse()) {
        if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
        p.child.kill('SIGTERM');
        const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
        await p.exited;
        clearTimeout(t);
      }
      fs.rmSync(this.dir, { recursive: true, force: true });
      running.delete(this);
    })();
    return this.stopping;
  }

  /**
   * Restart one control-plane process with the same flags (ports, data, keys): SIGTERM (SIGKILL
   * after 10 s, or at once with `kill: true`), start it again, and for kube-apiserver wait until
   * /readyz answers 200. For fault tests.
   */
  public async restart(name: 'etcd' | 'kube-apiserver' | 'kube-controller-manager', opts: { kill?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const i = this.procs.findIndex((p) => p.name === name);
    if (i < 0) throw new Error(`no process ${name}`);
    const old = this.procs[i];
    if (old.child.exitCode === null && old.child.signalCode === null) {
      old.child.kill(opts.kill ? 'SIGKILL' : 'SIGTERM');
      const t = setTimeout(() => old.child.kill('SIGKILL'), 10_000);
      await old.exited;
      clearTimeout(t);
    }
    const from = Date.now();
    this.procs.splice(i, 1);
    const p = this.spawn(name, old.args);
    // keep start order (stop() stops in reverse)
    this.procs.splice(this.procs.indexOf(p), 1);
    this.procs.splice(i, 0, p);
    if (name === 'kube-apiserver') {
      const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
      await until(deadline, 'kube-apiserver /readyz after restart', async () => {
        if (p.child.exitCode !== null) throw new Error(`kube-apiserver exited with ${p.child.exitCode}`);
        const r = await httpsGet(`${this.apiserverUrl}/readyz`, this.caFile, this.tokens.get('admin')!).catch(() => undefined);
        return r?.status === 200;
      });
      this.apiserverRestarts.push({ from, to: Date.now() });
    }
  }

  /** @internal synchronous kill for exit hooks. */
  public killNow(): void {
    for (const p of this.procs) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    running.delete(this);
  }

  private spawn(name: string, args: string[]): Proc {
    const log = path.join(this.dir, `${name}.log`);
    const fd = fs.openSync(log, 'a');
    const child = spawn(path.join(this.binDir, name), args, { stdio: ['ignore', fd, fd], env: { ...process.env, HOME: this.dir } });
    fs.closeSync(fd);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const p = { name, args, child, log, exited };
    this.procs.push(p);
    return p;
  }

  private async boot(opts: ClusterOptions): Promise<void> {
    const t0 = Date.now();
    const deadline = t0 + (opts.timeoutMs ?? 90_000);
    const d = this.dir;

    // Credentials: SA signing key pair and the static tokens.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(path.join(d, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    fs.writeFileSync(path.join(d, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const lines: string[] = [];
    for (const [id, who] of Object.entries(IDENTITIES)) {
      const token = randomBytes(24).toString('hex');
      this.tokens.set(id as Identity, token);
      lines.push(`${token},${who.user},${who.user}${who.groups.length ? `,"${who.groups.join(',')}"` : ''}`);
    }
    fs.writeFileSync(path.join(d, 'tokens.csv'), lines.join('\n') + '\n', { mode: 0o600 });

    // etcd
    const etcdClient = await freePort('127.0.0.1');
    const etcdPeer = await freePort('127.0.0.1');
    const etcd = this.spawn('etcd', [
      '--name=default', `--data-dir=${path.join(d, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync', '--log-level=warn', '--listen-metrics-urls=',
    ]);
    this.etcdUrl = `http://127.0.0.1:${etcdClient}`;
    await until(deadline, 'etcd /health', async () => {
      if (etcd.child.exitCode !== null) throw new Error(`etcd exited with ${etcd.child.exitCode}`);
      const r = await fetch(`http://127.0.0.1:${etcdClient}/health`).catch(() => undefined);
      return r?.status === 200;
    });

    // kube-apiserver; the audit log records every answered request (metadata only), so a test can
    // list each 403 with its user, verb and URI.
    fs.writeFileSync(path.join(d, 'audit-policy.yaml'), [
      'apiVersion: audit.k8s.io/v1', 'kind: Policy', 'omitStages: ["RequestReceived", "ResponseStarted"]',
      'rules:', '  - level: Metadata', '',
    ].join('\n'));
    const port = await freePort(NODE_IP);
    this.apiserverUrl = `https://${NODE_IP}:${port}`;
    const apiserver = this.spawn('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      `--bind-address=${NODE_IP}`, `--advertise-address=${NODE_IP}`, `--secure-port=${port}`,
      `--cert-dir=${path.join(d, 'apiserver-certs')}`,
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      `--token-auth-file=${path.join(d, 'tokens.csv')}`,
      `--service-account-issuer=${SA_ISSUER}`,
      `--service-account-key-file=${path.join(d, 'sa.pub')}`,
      `--service-account-signing-key-file=${path.join(d, 'sa.key')}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--profiling=false',
      `--audit-policy-file=${path.join(d, 'audit-policy.yaml')}`,
      `--audit-log-path=${this.auditLog}`,
      '--audit-log-format=json',
      '--v=1',
      ...(opts.apiserverArgs ?? []),
    ]);
    this.kubeconfigPath = this.writeKubeconfig(path.join(d, 'admin.kubeconfig'), this.tokens.get('admin')!, 'admin');
    const admin = this.tokens.get('admin')!;
    await until(deadline, 'kube-apiserver /readyz', async () => {
      if (apiserver.child.exitCode !== null) throw new Error(`kube-apiserver exited with ${apiserver.child.exitCode}`);
      if (!fs.existsSync(this.caFile) && !this.extractCa()) return false;
      const r = await httpsGet(`${this.apiserverUrl}/readyz`, this.caFile, admin).catch(() => undefined);
      return r?.status === 200;
    });
    const version = await httpsGet(`${this.apiserverUrl}/version`, this.caFile, admin);
    this.version = JSON.parse(version.body).gitVersion;

    // kube-controller-manager under its own identity
    const kcmKubeconfig = this.writeKubeconfig(path.join(d, 'kcm.kubeconfig'), this.tokens.get('controllerManager')!, 'kcm');
    this.spawn('kube-controller-manager', [
      `--kubeconfig=${kcmKubeconfig}`,
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${path.join(d, 'sa.key')}`,
      `--root-ca-file=${this.caFile}`,
      '--leader-elect=false',
      '--secure-port=0',
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--kube-api-qps=200', '--kube-api-burst=400',
      '--v=1',
      ...(opts.controllerManagerArgs ?? []),
    ]);
    // Ready when the ServiceAccount controller made `default/default` (pods need it to be admitted).
    const core = this.kubeConfig('admin').makeApiClient(k8s.CoreV1Api);
    await until(deadline, 'ServiceAccount default/default', async () => {
      const kcm = this.procs.find((p) => p.name === 'kube-controller-manager')!;
      if (kcm.child.exitCode !== null) throw new Error(`kube-controller-manager exited with ${kcm.child.exitCode}`);
      try {
        await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
        return true;
      } catch {
        return false;
      }
    });
    this.startMs = Date.now() - t0;
  }

  get auditLog(): string {
    return path.join(this.dir, 'audit.log');
  }

  /**
   * Every request the API server answered 403 Forbidden since start (from the audit log), e.g.
   * `system:serviceaccount:knative-serving:serving-controller list /apis/apps/v1/deployments`.
   * `users` filters by user-name prefix. Requests received while a restarted kube-apiserver was
   * not ready yet are left out unless `duringRestarts` is 'include' ('only' returns just those):
   * a restarting API server serves before its RBAC caches are filled and answers 403 then
   * (`RBAC: role.rbac.authorization.k8s.io "…" not found`), whatever the RBAC.
   */
  public forbidden(users: string[] = [], duringRestarts: 'exclude' | 'include' | 'only' = 'exclude'): string[] {
    let text = '';
    try {
      text = fs.readFileSync(this.auditLog, 'utf8');
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const line of text.split('\n')) {
      if (!line.includes('"code":403')) continue;
      const ev = JSON.parse(line);
      const user: string = ev.user?.username ?? '';
      if (users.length && !users.some((u) => user.startsWith(u))) continue;
      const at = Date.parse(ev.requestReceivedTimestamp);
      const inRestart = this.apiserverRestarts.some((w) => at >= w.from && at <= w.to);
      if ((duringRestarts === 'exclude' && inRestart) || (duringRestarts === 'only' && !inRestart)) continue;
      out.push(`${user} ${ev.verb} ${ev.requestURI}: ${ev.responseStatus?.message ?? ''}`.trim());
    }
    return out;
  }

  /**
   * Compact etcd's history up to its current revision through etcd's v3 API (what
   * `etcdctl compact <rev> --physical` does); returns that revision. Watches resuming from an
   * older resourceVersion then fail with 410 Gone (when the API server's watch cache is off, they
   * are served from etcd itself).
   */
  public async compactEtcd(): Promise<number> {
    const post = async (p: string, body: unknown): Promise<any> => {
      const r = await fetch(`${this.etcdUrl}${p}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      const text = await r.text();
      if (!r.ok) throw new Error(`etcd ${p}: ${r.status} ${text}`);
      return JSON.parse(text);
    };
    const head = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64'), limit: 1 });
    const revision = Number(head.header.revision);
    await post('/v3/kv/compaction', { revision: String(revision), physical: true });
    return revision;
  }

  /** The API server's audit events (metadata level) since start, parsed. */
  public auditEvents(): any[] {
    let text = '';
    try {
      text = fs.readFileSync(this.auditLog, 'utf8');
    } catch {
      return [];
    }
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  }

  /** The bearer token of a static identity. */
  public token(who: Identity): string {
    return this.tokens.get(who)!;
  }
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '';
  }
}

async function until(deadline: number, what: string, check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`cluster harness: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET over HTTPS trusting `caFile`, with a bearer token (node:https; no client needed). */
export function httpsGet(url: string, caFile: string, token: string): Promise<{ status: number; body: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const https = require('node:https') as typeof import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: fs.readFileSync(caFile), headers: { authorization: `Bearer ${token}` }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

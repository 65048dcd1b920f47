/**
 * A real cluster with the bundled control plane installed, for tests and scripts:
 * Cluster (etcd + kube-apiserver + kube-controller-manager) + the played node (Kubelet), then the
 * `full-stack` example's control-plane chart applied with `kubectl apply --server-side`
 * (namespace, CRDs, RBAC, ConfigMaps, the controller, ingress and admission webhook Deployments
 * and Services, the webhook configurations). The played kubelet runs the runtime's pods as
 * processes from the esbuild bundles, each with a token of its own ServiceAccount; the API server
 * calls the webhook through the played kube-proxy (its Service's ClusterIP), so every Knative
 * object and config-* ConfigMap the tests write is admitted by it.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster, ClusterOptions } from './harness';
import { Kubelet, KubeletOptions } from './kubelet';
import { record, RequestTally } from './record';
import { example as fullStack } from '../../examples/full-stack/main';
import { loadExamples, synthesizeExample } from '../../scripts/synth-examples';

export const SYSTEM_NAMESPACE = 'knative-serving';
/** The users whose 403s fail a run: the bundled runtime's ServiceAccounts. */
export const RUNTIME_USERS = [`system:serviceaccount:${SYSTEM_NAMESPACE}:`];

export interface Step { name: string; dir: string; files: string[] }

/** Synthesize an example (examples/<name>) into `outRoot`; returns its steps' manifest files. */
export function synthesize(name: string, outRoot: string): Step[] {
  const ex = name === fullStack.name ? fullStack : loadExamples().find((e) => e.name === name);
  if (!ex) throw new Error(`no example named ${name}`);
  return synthesizeExample(ex, outRoot).map((s) => ({
    name: s.step.name,
    dir: s.outdir,
    files: fs.readdirSync(s.outdir).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(s.outdir, f)),
  }));
}

export class Stack {
  public static async start(opts: ClusterOptions & { installControlPlane?: boolean; kubelet?: KubeletOptions } = {}): Promise<Stack> {
    const t0 = Date.now();
    const cluster = await Cluster.start(opts);
    let kubelet: Kubelet | undefined;
    try {
      kubelet = await Kubelet.start(cluster, opts.kubelet);
      const s = new Stack(cluster, kubelet);
      if (opts.installControlPlane !== false) await s.installControlPlane();
      s.startMs = Date.now() - t0;
      return s;
    } catch (e) {
      const diagnostics = kubelet ? new Stack(cluster, kubelet).diagnostics() : '';
      await kubelet?.stop();
      await cluster.stop();
      throw new Error(`${(e as Error).message}\n${diagnostics}`);
    }
  }

  public startMs = 0;
  public readonly work: string;
  /** Requests whose answers the tests assert, for `npm run e2e` (written when the stack stops). */
  public readonly requests = new RequestTally();
  private controlPlane?: string[];

  private constructor(public readonly cluster: Cluster, public readonly kubelet: Kubelet) {
    this.work = fs.mkdtempSync(path.join(cluster.dir, 'work-'));
    void os;
  }

  /** Apply manifests with `kubectl apply --server-side` (admin); throws with kubectl's stderr. */
  public async apply(files: string[]): Promise<string> {
    return this.cluster.kubectlOk(['apply', '--server-side', '--field-manager=cluster-test', ...files.flatMap((f) => ['-f', f])]);
  }

  /** The `full-stack` example's control-plane chart (synthesized once per Stack). */
  public controlPlaneFiles(): string[] {
    if (!this.controlPlane) {
      const [first] = synthesize(fullStack.name, path.join(this.work, 'control-plane'));
      const cp = first.files.filter((f) => path.basename(f) === 'full-stack.k8s.yaml');
      if (cp.length !== 1) throw new Error(`full-stack: control-plane chart not found in ${first.files.join(', ')}`);
      this.controlPlane = cp;
    }
    return this.controlPlane;
  }

  /** Install the control plane: the `full-stack` example's control-plane chart, then wait for its Deployments. */
  public async installControlPlane(): Promise<void> {
    await this.apply(this.controlPlaneFiles());
    await this.cluster.kubectlOk(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    await this.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'wait', '--for=condition=Available', 'deployment', '--all', '--timeout=120s']);
  }

  /** `kubectl get <what> -o json` as an object. */
  public async getJson(args: string[]): Promise<any> {
    return JSON.parse(await this.cluster.kubectlOk(['get', ...args, '-o', 'json']));
  }

  /** Poll `check` every 200 ms until it returns a value other than undefined/false; throws with `what` after `timeoutMs`. */
  public async until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await check();
        if (v !== undefined && v !== false) return v;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) {
        const state = await this.cluster.kubectl(['get', 'ksvc,configuration,route,revision,deploy,pods,endpointslices', '-A', '-o', 'wide']);
        const ksvc = await this.cluster.kubectl(['get', 'ksvc', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.name} gen={.metadata.generation} {.status}{"\\n"}{end}']);
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}\n`
          + `${state.stdout}\n${ksvc.stdout}\n${this.diagnostics()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Address of the ingress's external listener: the serving-ingress Service's ClusterIP:80 (via the played kube-proxy). */
  public async ingressAddress(): Promise<{ host: string; port: number }> {
    const svc = await this.getJson(['service', '-n', SYSTEM_NAMESPACE, 'serving-ingress']);
    const port = svc.spec.ports.find((p: any) => p.name === 'http')?.port ?? 80;
    return { host: svc.spec.clusterIP, port };
  }

  /** One HTTP GET through the ingress with a Host header. */
  public async request(hostHeader: string, urlPath = '/'): Promise<{ status: number; body: string }> {
    const { host, port } = await this.ingressAddress();
    return new Promise((resolve, reject) => {
      const req = http.get({ host, port, path: urlPath, headers: { host: hostHeader }, agent: false, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
    });
  }

  /**
   * 403s of the runtime's ServiceAccounts so far (from the API server's audit log), leaving out
   * those answered while a restarted API server was not ready (see Cluster.forbidden).
   */
  public forbidden(duringRestarts: 'exclude' | 'include' | 'only' = 'exclude'): string[] {
    return this.cluster.forbidden(RUNTIME_USERS, duringRestarts);
  }

  /** Diagnostics for a failed test: played-component errors and the runtime processes' last log lines. */
  public diagnostics(): string {
    const logs = Object.entries(this.kubelet.allProcessLogs())
      .map(([k, v]) => `--- ${k}\n${v.split('\n').slice(-30).join('\n')}`).join('\n');
    return `kubelet errors: ${JSON.stringify(this.kubelet.errors)}\n${logs}\n--- kube-controller-manager\n${this.cluster.logTail('kube-controller-manager', 20)}`;
  }

  /** Stop everything; first report this cluster's version, tallied requests and runtime 403s to `npm run e2e`. */
  public async stop(): Promise<void> {
    record({ type: 'cluster', version: this.cluster.version });
    this.requests.flush();
    record({ type: 'forbidden', forbidden: this.forbidden(), duringRestarts: this.forbidden('only') });
    await this.kubelet.stop();
    await this.cluster.stop();
  }
}

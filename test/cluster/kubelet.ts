/**
 * The parts of a node that the cluster tier plays (there is no container runtime here), each
 * talking to the real API server under the identity the real component has:
 *
 * - kubelet (system:node:<name>, so the Node authorizer and NodeRestriction judge it): registers
 *   the Node (Ready) and renews its Lease; for each pod bound to the node, gives it an IP from
 *   10.244.0.0/16 and runs its containers (images.ts: an in-process HTTP app on <podIP>:<port>
 *   with the container's env, or a real process such as the bundled controller/ingress, given a
 *   kubeconfig holding a pod-bound token of the pod's ServiceAccount from the TokenRequest API);
 *   runs readiness probes (httpGet, tcpSocket) at their period; reports phase, conditions, podIP
 *   and containerStatuses through pods/status; on deletion stops the containers (SIGTERM, SIGKILL
 *   after the grace period) and removes the pod (grace 0), as the kubelet does.
 * - kube-scheduler (system:kube-scheduler): binds every unscheduled pod to the one node through
 *   the pods/binding subresource (no filtering or scoring: there is one node).
 * - kube-proxy and cluster DNS (system:kube-proxy): see kube-proxy.ts.
 *
 * Binary images (`testImages`, e.g. Knative's Go test images at `kind.local/<name>`): the pod gets
 * a PodSandbox (pod-sandbox.ts): its own network namespace with the pod IP on a veth (a Go binary
 * listens on all addresses, which the Node preload cannot rebind), and each container its own
 * mount + UTS namespace on a bare root where the volumes are bind-mounted; started with the pod's
 * command (default /ko-app/<name>), args ($(VAR) expanded), env, workingDir; exec readiness probes
 * run inside it (nsenter, as `kubectl exec`).
 *
 * Volumes: for Node process containers, projected serviceAccountToken sources only (a token of the
 * pod's ServiceAccount from the TokenRequest API with the source's audience and expiry, bound to
 * the pod, written into the pod's directory and seen at the volumeMounts' mountPath through the
 * preload pod-net.cjs; not rotated, so it lives its expirationSeconds). For binary containers:
 * emptyDir, configMap, secret, downwardAPI (metadata fieldRefs) and projected (those sources and
 * serviceAccountToken) materialized as files once per pod, with subPath and read-only mounts.
 * In-process apps mount nothing.
 *
 * Liveness probes (binary containers only): failureThreshold failures in a row kill the
 * container, which is restarted.
 *
 * Users: a binary container runs as its securityContext's runAsUser/runAsGroup (container, then
 * pod), else as the image's default user (testImages.user), through the sandbox-exec helper.
 *
 * Resources: binary containers get cgroups (v1 memory and cpu) set from their resources
 * (pod-sandbox.ts); others run without limits.
 *
 * Not played: startup probes, resource limits of Node and in-process containers, other volumes, init containers, grpc
 * probes (exec probes only for binary containers), securityContext users of Node and in-process
 * containers (they run as root), image pulls (an unknown image waits in ErrImagePull, then ImagePullBackOff 1 s later).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { Cluster, k8s, NODE_NAME } from './harness';
import { resolveImage, TestImages } from './images';
import { KubeProxy } from './kube-proxy';
import { NODE_IP, PodIpAllocator, POD_CIDR } from './network';
import { PodSandbox, SandboxMount } from './pod-sandbox';
import { KObj, Reflector } from './reflector';

const POD_NET = path.join(__dirname, 'pod-net.cjs');
const PROBE_USER_AGENT = 'kube-probe/harness';
/** PATH of binary containers (a container image's usual default). */
const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface KubeletOptions {
  /** Directory with the esbuild bundles the runtime images map /app to. Default dist/runtime. */
  bundleDir?: string;
  clusterDomain?: string;
  /** Images run as real binaries in a PodSandbox (e.g. Knative's Go test images; see images.ts). */
  testImages?: TestImages;
  /** Called for every error the played components hit (default: collected in `errors`). */
  onError?: (where: string, e: unknown) => void;
}

interface Probe { kind: 'http' | 'tcp' | 'exec'; port: number; path: string; command?: string[]; initialDelayMs: number; periodMs: number; timeoutMs: number; failureThreshold: number }

interface ContainerState {
  name: string;
  image: string;
  /** waiting reason while not running */
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: { exitCode: number; reason: string; startedAt?: string; finishedAt: string };
  ready: boolean;
  restartCount: number;
  server?: http.Server;
  child?: ChildProcess;
  probe?: Probe;
  probeTimer?: NodeJS.Timeout;
  liveness?: Probe;
  livenessTimer?: NodeJS.Timeout;
  livenessFailures?: number;
  failures: number;
  env: Record<string, string>;
  /** Requests served (in-process apps only). */
  served: number;
}

interface PodState {
  uid: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ip: string;
  dir: string;
  startTime: string;
  containers: ContainerState[];
  /** Network namespace of a pod with binary containers (pod-sandbox.ts). */
  sandbox?: PodSandbox;
  /** Volumes materialized for binary containers: name → directory (or the error that stopped it). */
  volumes: Map<string, Promise<string>>;
  terminating: boolean;
  gone: boolean;
  /** serialized status writes */
  writing: Promise<void>;
  dirty: boolean;
}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class Kubelet {
  public static async start(cluster: Cluster, opts: KubeletOptions = {}): Promise<Kubelet> {
    const k = new Kubelet(cluster, opts);
    await k.boot();
    return k;
  }

  public readonly errors: string[] = [];
  public readonly kubeProxy: KubeProxy;
  private readonly nodeKc: K8s.KubeConfig;
  private readonly core: K8s.CoreV1Api;
  private readonly pods = new Map<string, PodState>();
  private readonly ips = new PodIpAllocator();
  private readonly bundleDir: string;
  private readonly dir: string;
  private podWatch!: Reflector;
  private scheduler!: Reflector;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(private readonly cluster: Cluster, private readonly opts: KubeletOptions) {
    this.nodeKc = cluster.kubeConfig('node');
    this.core = this.nodeKc.makeApiClient(k8s.CoreV1Api);
    this.bundleDir = opts.bundleDir ?? path.join(__dirname, '..', '..', 'dist', 'runtime');
    this.dir = path.join(cluster.dir, 'kubelet');
    fs.mkdirSync(this.dir, { recursive: true });
    this.kubeProxy = new KubeProxy(cluster.kubeConfig('proxy'), path.join(this.dir, 'cluster-dns.json'), opts.clusterDomain);
  }

  /** Pod IP of a running pod. */
  public podIP(namespace: string, name: string): string | undefined {
    return [...this.pods.values()].find((p) => p.namespace === namespace && p.name === name)?.ip;
  }

  /**
   * Requests the in-process app containers served (probes not counted), summed per value of a pod
   * label, e.g. `serving.knative.dev/revision` → requests per revision, over running pods.
   */
  public requestsServedBy(label: string, namespace?: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.pods.values()) {
      if (namespace !== undefined && p.namespace !== namespace) continue;
      const v = p.labels[label];
      if (v === undefined) continue;
      out[v] = (out[v] ?? 0) + p.containers.reduce((n, c) => n + c.served, 0);
    }
    return out;
  }

  /** Log of a process container (empty for in-process apps). */
  public containerLog(namespace: string, pod: string, container: string): string {
    const p = [...this.pods.values()].find((x) => x.namespace === namespace && x.name === pod);
    if (!p) return '';
    try {
      return fs.readFileSync(path.join(p.dir, `${container}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /** Logs of every process container ever started (pod dirs are kept until stop()). */
  public allProcessLogs(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of fs.readdirSync(path.join(this.dir, 'pods'), { withFileTypes: true })) {
      if (!d.isDirectory()) continue;
      for (const f of fs.readdirSync(path.join(this.dir, 'pods', d.name))) {
        if (f.endsWith('.log')) out[`${d.name}/${f}`] = fs.readFileSync(path.join(this.dir, 'pods', d.name, f), 'utf8');
      }
    }
    return out;
  }

  public async stop(): Promise<void> {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.podWatch?.stop();
    this.scheduler?.stop();
    await Promise.all([...this.pods.values()].map((p) => this.stopContainers(p, 2)));
    for (const p of this.pods.values()) p.sandbox?.destroy();
    await this.kubeProxy.stop();
  }

  private error(where: string, e: unknown): void {
    if (this.stopped) return;
    const msg = `${where}: ${(e as any)?.body ? JSON.stringify((e as any).body).slice(0, 400) : (e as Error)?.message ?? String(e)}`;
    if (this.opts.onError) this.opts.onError(where, e);
    else this.errors.push(msg);
  }

  private async boot(): Promise<void> {
    fs.mkdirSync(path.join(this.dir, 'pods'), { recursive: true });
    await this.registerNode();
    this.heartbeat = setInterval(() => void this.renew().catch((e) => this.error('node heartbeat', e)), 10_000);
    this.heartbeat.unref();
    await this.kubeProxy.start();
    this.podWatch = new Reflector(this.nodeKc, {
      path: '/api/v1/pods',
      fieldSelector: `spec.nodeName=${NODE_NAME}`,
      onEvent: (type, pod) => this.onPod(type, pod),
      onError: (e) => this.error('pod watch', e),
    }).start();
    const schedKc = this.cluster.kubeConfig('scheduler');
    const schedCore = schedKc.makeApiClient(k8s.CoreV1Api);
    this.scheduler = new Reflector(schedKc, {
      path: '/api/v1/pods',
      fieldSelector: 'spec.nodeName=,status.phase!=Succeeded,status.phase!=Failed',
      onEvent: (type, pod) => {
        if (type === 'DELETED' || pod.metadata.deletionTimestamp || pod.spec?.nodeName) return;
        if ((pod.spec?.schedulerName ?? 'default-scheduler') !== 'default-scheduler') return;
        this.bind(schedCore, pod);
      },
      onError: (e) => this.error('scheduler watch', e),
    }).start();
    await Promise.all([this.podWatch.hasSynced, this.scheduler.hasSynced]);
  }

  /** Bind a pod to the node; on failure (e.g. the API server restarting) retry after 1 s while it is still unbound, as the scheduler requeues. */
  private bind(schedCore: K8s.CoreV1Api, pod: KObj): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    schedCore.createNamespacedPodBinding({
      name: pod.metadata.name!,
      namespace: pod.metadata.namespace!,
      body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace }, target: { apiVersion: 'v1', kind: 'Node', name: NODE_NAME } },
    }).catch((e: any) => {
      if (e?.code === 409 || e?.code === 404) return;
      this.error(`bind ${key}`, e);
      setTimeout(() => {
        const cur = this.scheduler.store.get(key);
        const stillPending = cur && cur.metadata.uid === pod.metadata.uid && !cur.spec?.nodeName && !cur.metadata.deletionTimestamp;
        if (!this.stopped && stillPending) this.bind(schedCore, cur);
      }, 1000).unref();
    });
  }

  private nodeStatus(): Record<string, unknown> {
    const t = now();
    const cond = (type: string, status: string, reason: string, message: string): Record<string, string> => (
      { type, status, reason, message, lastHeartbeatTime: t, lastTransitionTime: t });
    const resources = { 'cpu': '2', 'memory': '24Gi', 'pods': '2000', 'ephemeral-storage': '100Gi' };
    return {
      capacity: resources,
      allocatable: resources,
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'played kubelet'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'played kubelet'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'played kubelet'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet played by the cluster test harness is posting ready status'),
      ],
      addresses: [{ type: 'InternalIP', address: NODE_IP }, { type: 'Hostname', address: NODE_NAME }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'cluster-test',
        systemUUID: 'cluster-test',
        bootID: 'cluster-test',
        kernelVersion: 'n/a',
        osImage: 'cluster test harness',
        containerRuntimeVersion: 'harness://1',
        kubeletVersion: this.cluster.version,
        kubeProxyVersion: this.cluster.version,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    };
  }

  private async registerNode(): Promise<void> {
    const node = await this.core.createNode({
      body: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: NODE_NAME, labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
        spec: { podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] },
      },
    });
    await this.updateNodeStatus();
    const coord = this.nodeKc.makeApiClient(k8s.CoordinationV1Api);
    await coord.createNamespacedLease({
      namespace: 'kube-node-lease',
      body: {
        metadata: { name: NODE_NAME, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: NODE_NAME, uid: node.metadata!.uid! }] },
        spec: { holderIdentity: NODE_NAME, leaseDurationSeconds: 40 },
      },
    });
    await this.renew();
  }

  /**
   * Patch the Node's status (a JSON patch of /status only, like the kubelet's status patch: a full
   * update would carry the spec, and NodeRestriction refuses a node that seems to change its taints,
   * which the node lifecycle controller manages).
   */
  private async updateNodeStatus(): Promise<void> {
    const node = await this.core.readNode({ name: NODE_NAME });
    await this.core.patchNodeStatus({ name: NODE_NAME, body: [{ op: 'add', path: '/status', value: { ...node.status, ...this.nodeStatus() } }] });
  }

  private async renew(): Promise<void> {
    // A JSON patch with the MicroTime as a string: the real API server wants 6 fractional digits,
    // which client-node's Date serialization (3) does not give.
    const coord = this.nodeKc.makeApiClient(k8s.CoordinationV1Api);
    const renewTime = new Date().toISOString().replace(/Z$/, '000Z');
    await coord.patchNamespacedLease({ name: NODE_NAME, namespace: 'kube-node-lease', body: [{ op: 'add', path: '/spec/renewTime', value: renewTime }] });
  }

  // ------------------------------------------------------------------ pods

  private onPod(type: string, pod: KObj): void {
    const uid = pod.metadata.uid!;
    const p = this.pods.get(uid);
    if (type === 'DELETED') {
      if (p) void this.stopContainers(p, 0).then(() => this.forget(p));
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      if (p && !p.terminating) void this.terminate(p, pod);
      else if (!p) void this.finalDelete(pod);
      return;
    }
    if (!p && !['Succeeded', 'Failed'].includes(pod.status?.phase)) void this.startPod(pod).catch((e) => this.startFailed(pod, e));
  }

  /** A pod that could not be started (e.g. its token request failed): tear it down and start it again in 1 s if it still exists. */
  private startFailed(pod: KObj, e: unknown): void {
    this.error(`start ${pod.metadata.namespace}/${pod.metadata.name}`, e);
    const p = this.pods.get(pod.metadata.uid!);
    if (!p) return;
    void this.stopContainers(p, 0).then(() => {
      this.forget(p);
      setTimeout(() => {
        const cur = this.podWatch.store.get(`${pod.metadata.namespace}/${pod.metadata.name}`);
        if (!this.stopped && cur && cur.metadata.uid === pod.metadata.uid) this.onPod('MODIFIED', cur);
      }, 1000).unref();
    });
  }

  private async startPod(pod: KObj): Promise<void> {
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    const dir = path.join(this.dir, 'pods', `${ns}_${name}_${pod.metadata.uid!.slice(0, 8)}`);
    fs.mkdirSync(dir, { recursive: true });
    const p: PodState = {
      uid: pod.metadata.uid!,
      namespace: ns,
      name,
      labels: { ...(pod.metadata.labels ?? {}) },
      ip: this.ips.allocate(),
      dir,
      startTime: now(),
      terminating: false,
      gone: false,
      writing: Promise.resolve(),
      dirty: false,
      volumes: new Map(),
      containers: (pod.spec?.containers ?? []).map((c: any) => ({
        name: c.name, image: c.image, waiting: { reason: 'ContainerCreating' }, ready: false, restartCount: 0, failures: 0, env: {}, served: 0,
      })),
    };
    this.pods.set(p.uid, p);
    if ((pod.spec?.containers ?? []).some((c: any) => resolveImage(c.image, this.bundleDir, this.opts.testImages)?.kind === 'binary')) {
      p.sandbox = PodSandbox.create(p.uid, p.ip, dir, name, ns, this.opts.clusterDomain ?? 'cluster.local');
    }
    this.pushStatus(p);
    for (const [i, c] of (pod.spec?.containers ?? []).entries()) {
      const st = p.containers[i];
      try {
        st.env = await this.resolveEnv(pod, c, p.ip);
      } catch (e) {
        st.waiting = { reason: 'CreateContainerConfigError', message: (e as Error).message };
        continue;
      }
      await this.startContainer(p, pod, c, st);
    }
    this.pushStatus(p);
  }

  private async startContainer(p: PodState, pod: KObj, c: any, st: ContainerState): Promise<void> {
    if (p.terminating || this.stopped) return;
    const image = resolveImage(c.image, this.bundleDir, this.opts.testImages);
    if (!image) {
      // As the kubelet reports a failed pull: ErrImagePull, then ImagePullBackOff while it backs off
      // (here after 1 s, and it stays there: the image is never retried).
      st.waiting = { reason: 'ErrImagePull', message: `image "${c.image}" is not one the cluster test harness can run (see test/cluster/images.ts)` };
      setTimeout(() => {
        if (p.terminating || p.gone || this.stopped || st.waiting?.reason !== 'ErrImagePull') return;
        st.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` };
        this.pushStatus(p);
      }, 1000).unref();
      return;
    }
    const ports: any[] = c.ports ?? [];
    if (image.kind === 'app') {
      const port = Number(ports[0]?.containerPort ?? st.env.PORT ?? 8080);
      const handler = image.handler(st.env);
      const server = http.createServer((req, res) => {
        if (req.headers['user-agent'] !== PROBE_USER_AGENT) st.served++;
        handler(req, res);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, p.ip, () => resolve());
      });
      st.server = server;
    } else if (image.kind === 'binary') {
      let mounts: SandboxMount[];
      try {
        mounts = await this.volumeMounts(p, pod, c);
      } catch (e) {
        // As the kubelet: the pod waits in ContainerCreating while a volume cannot be set up.
        st.waiting = { reason: 'ContainerCreating', message: (e as Error).message };
        return;
      }
      const expand = (a: string): string => String(a).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, n) => st.env[n] ?? all);
      const argv = [...(c.command?.length ? c.command : [`/ko-app/${path.basename(image.path)}`]), ...(c.args ?? [])].map(expand);
      const child = p.sandbox!.spawn({
        name: c.name,
        binary: image.path,
        argv,
        env: {
          PATH: SANDBOX_PATH,
          HOSTNAME: p.name,
          HOME: '/',
          KUBERNETES_SERVICE_HOST: this.kubeProxy.clusterIP('default', 'kubernetes') ?? '',
          KUBERNETES_SERVICE_PORT: '443',
          ...st.env,
        },
        workingDir: c.workingDir || this.opts.testImages?.workingDir || '/',
        mounts,
        user: this.userOf(pod, c),
        resources: cgroupResources(c.resources),
        log: path.join(p.dir, `${c.name}.log`),
      });
      this.watchChild(p, pod, c, st, child);
      // As the kubelet, the container counts as started (and its probes' initialDelaySeconds
      // begin) once the runtime exec'd its program: here after the sandbox's mounts.
      await p.sandbox!.started(child, argv[0]);
    } else {
      const token = await this.cluster.serviceAccountToken(pod.metadata.namespace!, pod.spec?.serviceAccountName ?? 'default', {
        as: 'node', pod: { name: pod.metadata.name!, uid: pod.metadata.uid! },
      });
      const kubeconfig = this.cluster.writeKubeconfig(path.join(p.dir, 'kubeconfig'), token, pod.spec?.serviceAccountName ?? 'default', pod.metadata.namespace!);
      const mounts = await this.projectedMounts(p, pod, c);
      const args: string[] = [...(c.command ?? []).slice(1), ...(c.args ?? [])].map(image.resolveArg);
      const log = fs.openSync(path.join(p.dir, `${c.name}.log`), 'a');
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: p.dir,
        ...st.env,
        KUBECONFIG: kubeconfig,
        KUBERNETES_SERVICE_HOST: this.kubeProxy.clusterIP('default', 'kubernetes') ?? '',
        KUBERNETES_SERVICE_PORT: '443',
        POD_NET_IP: p.ip,
        CLUSTER_DNS_FILE: this.kubeProxy.dnsFile,
        NODE_OPTIONS: `${st.env.NODE_OPTIONS ?? ''} --require ${POD_NET}`.trim(),
        ...(mounts.length ? { POD_MOUNTS: JSON.stringify(mounts) } : {}),
      };
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', log, log], cwd: p.dir });
      fs.closeSync(log);
      this.watchChild(p, pod, c, st, child);
    }
    // `terminated` stays: the last termination of a restarted container (its lastState).
    st.waiting = undefined;
    st.running = { startedAt: now() };
    st.failures = 0;
    st.probe = this.probeOf(c, image.kind === 'binary');
    if (!st.probe) st.ready = true;
    else this.scheduleProbe(p, st, st.probe.initialDelayMs);
    // Liveness only for binary containers: the runtime's own pods keep their behaviour under the
    // fault tests (a /healthz missed while the API server restarts does not restart them here).
    st.liveness = st.child && image.kind === 'binary' ? this.probeOf(c, true, 'livenessProbe') : undefined;
    st.livenessFailures = 0;
    if (st.liveness) this.scheduleLiveness(p, pod, st, st.liveness.initialDelayMs);
  }

  /** A process container: on exit, record it and restart it (restartPolicy Always) unless the pod is going. */
  private watchChild(p: PodState, pod: KObj, c: any, st: ContainerState, child: ChildProcess): void {
    st.child = child;
    child.once('exit', (code, signal) => {
      st.child = undefined;
      st.running = undefined;
      st.ready = false;
      st.terminated = { exitCode: code ?? 137, reason: signal ? 'Error' : code === 0 ? 'Completed' : 'Error', finishedAt: now() };
      if (st.probeTimer) clearTimeout(st.probeTimer);
      if (st.livenessTimer) clearTimeout(st.livenessTimer);
      this.pushStatus(p);
      if (!p.terminating && !this.stopped) {
        // restartPolicy Always, with a short fixed back-off
        st.restartCount++;
        st.waiting = { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name}` };
        setTimeout(() => void this.startContainer(p, pod, c, st).then(() => this.pushStatus(p)), 1000).unref();
      }
    });
  }

  /**
   * Liveness probe of a binary container: after failureThreshold failures in a row the
   * container is killed (SIGTERM, SIGKILL after the pod's terminationGracePeriodSeconds) and the
   * exit handler restarts it, as the kubelet does.
   */
  private scheduleLiveness(p: PodState, pod: KObj, st: ContainerState, delayMs: number): void {
    if (st.livenessTimer) clearTimeout(st.livenessTimer);
    st.livenessTimer = setTimeout(() => void this.liveness(p, pod, st), delayMs);
    st.livenessTimer.unref();
  }

  private async liveness(p: PodState, pod: KObj, st: ContainerState): Promise<void> {
    const pr = st.liveness;
    const child = st.child;
    if (!pr || !child || p.terminating || this.stopped || !st.running) return;
    if (await this.runProbe(p, st, pr)) {
      st.livenessFailures = 0;
    } else if ((st.livenessFailures = (st.livenessFailures ?? 0) + 1) >= pr.failureThreshold) {
      st.livenessFailures = 0;
      if (st.child !== child) return;
      fs.appendFileSync(path.join(p.dir, `${st.name}.log`), `[kubelet] liveness probe failed ${pr.failureThreshold} times in a row: killing the container\n`);
      const grace = Number(pod.spec?.terminationGracePeriodSeconds ?? 30);
      const t = setTimeout(() => child.kill('SIGKILL'), grace * 1000);
      child.once('exit', () => clearTimeout(t));
      child.kill('SIGTERM');
      return; // the restarted container schedules its own probes
    }
    this.scheduleLiveness(p, pod, st, pr.periodMs);
  }

  /**
   * The container's mounts of projected volumes whose sources are serviceAccountTokens: each
   * token requested (as the node, bound to the pod, with the source's audience and expiry) and
   * written to `<pod dir>/volumes/<volume>/<path>`. Returns `{ mountPath, hostPath }` pairs for the
   * preload, which maps the container's paths under mountPath to hostPath.
   */
  private async projectedMounts(p: PodState, pod: KObj, c: any): Promise<Array<{ mountPath: string; hostPath: string }>> {
    const out: Array<{ mountPath: string; hostPath: string }> = [];
    for (const m of c.volumeMounts ?? []) {
      const vol = (pod.spec?.volumes ?? []).find((v: any) => v.name === m.name);
      const sources: any[] = vol?.projected?.sources ?? [];
      if (!sources.length || !sources.every((src) => src.serviceAccountToken)) continue;
      const hostPath = path.join(p.dir, 'volumes', m.name);
      fs.mkdirSync(hostPath, { recursive: true });
      for (const src of sources) {
        const t = src.serviceAccountToken;
        const token = await this.cluster.serviceAccountToken(pod.metadata.namespace!, pod.spec?.serviceAccountName ?? 'default', {
          as: 'node',
          pod: { name: pod.metadata.name!, uid: pod.metadata.uid! },
          audiences: t.audience ? [t.audience] : [],
          seconds: t.expirationSeconds ?? 3600,
        });
        fs.writeFileSync(path.join(hostPath, t.path), token, { mode: 0o600 });
      }
      out.push({ mountPath: m.mountPath, hostPath });
    }
    return out;
  }

  /**
   * A binary container's volume mounts: each volume the container mounts is materialized once per
   * pod in `<pod dir>/volumes/<volume>` (emptyDir: an empty directory shared by the containers;
   * configMap, secret: their keys, or `items`, as files with defaultMode/mode; projected: its
   * configMap, secret, serviceAccountToken and downwardAPI sources into one directory; downwardAPI:
   * its fieldRef items). Returns bind mounts for the sandbox: `subPath` selects a file or
   * directory inside the volume; configMap, secret, projected and downwardAPI volumes are
   * read-only, as the kubelet mounts them, and any mount with readOnly.
   */
  private async volumeMounts(p: PodState, pod: KObj, c: any): Promise<SandboxMount[]> {
    const out: SandboxMount[] = [];
    for (const m of c.volumeMounts ?? []) {
      const vol = (pod.spec?.volumes ?? []).find((v: any) => v.name === m.name);
      if (!vol) throw new Error(`volumeMount ${m.name}: the pod has no volume of that name`);
      let dir = p.volumes.get(vol.name);
      if (!dir) {
        dir = this.materialize(p, pod, vol);
        p.volumes.set(vol.name, dir);
      }
      const root = await dir;
      const hostPath = m.subPath ? path.join(root, path.normalize(`/${m.subPath}`)) : root;
      if (m.subPath && !fs.existsSync(hostPath)) fs.mkdirSync(hostPath, { recursive: true }); // as the kubelet makes a missing subPath
      out.push({ hostPath, mountPath: m.mountPath, readOnly: !!m.readOnly || !vol.emptyDir });
    }
    return out;
  }

  /**
   * The user a binary container runs as: securityContext.runAsUser/runAsGroup of the container,
   * else of the pod, else the image's default user (testImages.user); runAsUser without a group
   * gets gid 0 (the images have no /etc/passwd to look it up). Needs the sandbox-exec helper.
   */
  private userOf(pod: KObj, c: any): { uid: number; gid: number; exec: string } | undefined {
    const ti = this.opts.testImages;
    if (!ti?.exec) return undefined;
    const uid = c.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser;
    const gid = c.securityContext?.runAsGroup ?? pod.spec?.securityContext?.runAsGroup;
    if (uid === undefined) return { uid: ti.user?.uid ?? 0, gid: gid ?? ti.user?.gid ?? 0, exec: ti.exec };
    return { uid: Number(uid), gid: Number(gid ?? 0), exec: ti.exec };
  }

  private async materialize(p: PodState, pod: KObj, vol: any): Promise<string> {
    const ns = pod.metadata.namespace!;
    const dir = path.join(p.dir, 'volumes', vol.name);
    fs.mkdirSync(dir, { recursive: true });
    const write = (rel: string, content: string | Buffer, mode: number): void => {
      const file = path.join(dir, path.normalize(`/${rel}`));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      fs.chmodSync(file, mode);
    };
    const keys = async (
      data: Record<string, string>, items: any[] | undefined, defaultMode: number, what: string, optional?: boolean,
    ): Promise<void> => {
      if (!items?.length) {
        for (const [k, v] of Object.entries(data)) write(k, v, defaultMode);
        return;
      }
      for (const it of items) {
        if (!(it.key in data)) {
          if (optional) continue;
          throw new Error(`${what} has no key "${it.key}"`);
        }
        write(it.path, data[it.key], it.mode ?? defaultMode);
      }
    };
    const field = (fp: string): string => {
      const m = /^metadata\.(labels|annotations)(?:\['(.+)'\])?$/.exec(fp);
      if (m && m[2] !== undefined) return pod.metadata[m[1]]?.[m[2]] ?? '';
      if (m) return Object.entries(pod.metadata[m[1]] ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).sort().join('\n');
      if (fp === 'metadata.name') return pod.metadata.name!;
      if (fp === 'metadata.namespace') return ns;
      if (fp === 'metadata.uid') return pod.metadata.uid!;
      throw new Error(`downwardAPI fieldRef ${fp} is not played`);
    };
    if (vol.emptyDir) {
      fs.chmodSync(dir, 0o777);
    } else if (vol.configMap) {
      const cm = vol.configMap;
      await keys(await this.readConfigMap(ns, cm.name, cm.optional), cm.items, cm.defaultMode ?? 0o644, `configmap "${cm.name}"`, cm.optional);
    } else if (vol.secret) {
      const sec = vol.secret;
      await keys(await this.readSecret(ns, sec.secretName, sec.optional), sec.items, sec.defaultMode ?? 0o644, `secret "${sec.secretName}"`, sec.optional);
    } else if (vol.downwardAPI) {
      for (const it of vol.downwardAPI.items ?? []) write(it.path, field(it.fieldRef?.fieldPath ?? ''), it.mode ?? vol.downwardAPI.defaultMode ?? 0o644);
    } else if (vol.projected) {
      const mode = vol.projected.defaultMode ?? 0o644;
      for (const src of vol.projected.sources ?? []) {
        if (src.configMap) {
          await keys(await this.readConfigMap(ns, src.configMap.name, src.configMap.optional), src.configMap.items, mode, `configmap "${src.configMap.name}"`, src.configMap.optional);
        } else if (src.secret) {
          await keys(await this.readSecret(ns, src.secret.name, src.secret.optional), src.secret.items, mode, `secret "${src.secret.name}"`, src.secret.optional);
        } else if (src.serviceAccountToken) {
          const t = src.serviceAccountToken;
          const token = await this.cluster.serviceAccountToken(ns, pod.spec?.serviceAccountName ?? 'default', {
            as: 'node', pod: { name: pod.metadata.name!, uid: pod.metadata.uid! }, audiences: t.audience ? [t.audience] : [], seconds: t.expirationSeconds ?? 3600,
          });
          write(t.path, token, mode);
        } else if (src.downwardAPI) {
          for (const it of src.downwardAPI.items ?? []) write(it.path, field(it.fieldRef?.fieldPath ?? ''), it.mode ?? mode);
        } else {
          throw new Error(`projected volume ${vol.name}: source ${Object.keys(src).join(',')} is not played`);
        }
      }
    } else {
      throw new Error(`volume ${vol.name}: kind ${Object.keys(vol).filter((k) => k !== 'name').join(',')} is not played (emptyDir, configMap, secret, projected, downwardAPI are)`);
    }
    return dir;
  }

  private probeOf(c: any, canExec = false, which: 'readinessProbe' | 'livenessProbe' = 'readinessProbe'): Probe | undefined {
    const r = c[which];
    if (!r) return undefined;
    const portOf = (v: any): number => {
      if (typeof v === 'number') return v;
      const named = (c.ports ?? []).find((x: any) => x.name === v);
      return Number(named?.containerPort ?? v);
    };
    const base = {
      initialDelayMs: (r.initialDelaySeconds ?? 0) * 1000,
      periodMs: (r.periodSeconds ?? 10) * 1000,
      timeoutMs: (r.timeoutSeconds ?? 1) * 1000,
      failureThreshold: r.failureThreshold ?? 3,
    };
    if (r.httpGet) return { kind: 'http', port: portOf(r.httpGet.port), path: r.httpGet.path ?? '/', ...base };
    if (r.tcpSocket) return { kind: 'tcp', port: portOf(r.tcpSocket.port), path: '', ...base };
    // exec probes: in the container's namespaces, for binary containers (PodSandbox.exec)
    if (r.exec?.command?.length && canExec) return { kind: 'exec', port: 0, path: '', command: r.exec.command, ...base };
    return undefined; // grpc probes (and exec for in-process/Node containers) are not played: treated as absent
  }

  private scheduleProbe(p: PodState, st: ContainerState, delayMs: number): void {
    if (st.probeTimer) clearTimeout(st.probeTimer);
    st.probeTimer = setTimeout(() => void this.probe(p, st), delayMs);
    st.probeTimer.unref();
  }

  private async probe(p: PodState, st: ContainerState): Promise<void> {
    const pr = st.probe;
    if (!pr || p.terminating || this.stopped || !st.running) return;
    const ok = await this.runProbe(p, st, pr);
    const before = st.ready;
    if (ok) {
      st.failures = 0;
      st.ready = true;
    } else if (++st.failures >= pr.failureThreshold || !st.ready) {
      st.ready = false;
    }
    if (before !== st.ready) this.pushStatus(p);
    this.scheduleProbe(p, st, pr.periodMs);
  }

  private async runProbe(p: PodState, st: ContainerState, pr: Probe): Promise<boolean> {
    if (pr.kind === 'exec') {
      if (!st.child?.pid || !p.sandbox) return false;
      return (await p.sandbox.exec(st.child.pid, pr.command!, { PATH: SANDBOX_PATH, ...st.env }, pr.timeoutMs)) === 0;
    }
    return pr.kind === 'http' ? httpProbe(p.ip, pr) : tcpProbe(p.ip, pr);
  }

  private async resolveEnv(pod: KObj, c: any, ip: string): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    const ns = pod.metadata.namespace!;
    const field = (fp: string): string => {
      const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fp);
      if (m) return pod.metadata[m[1]]?.[m[2]] ?? '';
      switch (fp) {
        case 'metadata.name': return pod.metadata.name!;
        case 'metadata.namespace': return ns;
        case 'metadata.uid': return pod.metadata.uid!;
        case 'spec.nodeName': return NODE_NAME;
        case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? 'default';
        case 'status.hostIP': return NODE_IP;
        case 'status.podIP': case 'status.podIPs': return ip;
        default: throw new Error(`fieldRef ${fp} is not played`);
      }
    };
    for (const from of c.envFrom ?? []) {
      const data = from.configMapRef
        ? await this.readConfigMap(ns, from.configMapRef.name, from.configMapRef.optional)
        : await this.readSecret(ns, from.secretRef.name, from.secretRef.optional);
      for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ''}${k}`] = v;
    }
    for (const e of c.env ?? []) {
      const vf = e.valueFrom;
      if (!vf) env[e.name] = String(e.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, n) => env[n] ?? all);
      else if (vf.fieldRef) env[e.name] = field(vf.fieldRef.fieldPath);
      else if (vf.configMapKeyRef) env[e.name] = (await this.readConfigMap(ns, vf.configMapKeyRef.name, vf.configMapKeyRef.optional))[vf.configMapKeyRef.key] ?? '';
      else if (vf.secretKeyRef) env[e.name] = (await this.readSecret(ns, vf.secretKeyRef.name, vf.secretKeyRef.optional))[vf.secretKeyRef.key] ?? '';
      else if (vf.resourceFieldRef) env[e.name] = '0';
    }
    return env;
  }

  private async readConfigMap(namespace: string, name: string, optional?: boolean): Promise<Record<string, string>> {
    try {
      return (await this.core.readNamespacedConfigMap({ name, namespace })).data ?? {};
    } catch (e) {
      if (optional) return {};
      throw new Error(`configmap "${name}" not found: ${(e as Error).message}`);
    }
  }

  private async readSecret(namespace: string, name: string, optional?: boolean): Promise<Record<string, string>> {
    try {
      const data = (await this.core.readNamespacedSecret({ name, namespace })).data ?? {};
      return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    } catch (e) {
      if (optional) return {};
      throw new Error(`secret "${name}" not found: ${(e as Error).message}`);
    }
  }

  private podStatusOf(p: PodState, current: any): any {
    const t = now();
    const allRunning = p.containers.every((c) => c.running);
    const ready = allRunning && p.containers.every((c) => c.ready);
    const prev = (type: string): any => (current?.conditions ?? []).find((c: any) => c.type === type);
    const cond = (type: string, ok: boolean, reason?: string): any => {
      const status = ok ? 'True' : 'False';
      const old = prev(type);
      const since = old?.status === status ? old.lastTransitionTime : t;
      return { type, status, lastProbeTime: null, lastTransitionTime: since, ...(ok || !reason ? {} : { reason }) };
    };
    return {
      ...current,
      phase: p.terminating && !allRunning ? current?.phase ?? 'Running' : allRunning ? 'Running' : 'Pending',
      conditions: [
        cond('PodReadyToStartContainers', true),
        cond('Initialized', true),
        cond('Ready', ready, 'ContainersNotReady'),
        cond('ContainersReady', ready, 'ContainersNotReady'),
        prev('PodScheduled') ?? cond('PodScheduled', true),
      ],
      hostIP: NODE_IP,
      hostIPs: [{ ip: NODE_IP }],
      podIP: p.ip,
      podIPs: [{ ip: p.ip }],
      startTime: p.startTime,
      containerStatuses: p.containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: '',
        containerID: `harness://${p.uid}/${c.name}`,
        ready: c.ready,
        started: !!c.running,
        restartCount: c.restartCount,
        state: c.running ? { running: c.running } : c.waiting ? { waiting: c.waiting } : c.terminated ? { terminated: c.terminated } : { waiting: { reason: 'ContainerCreating' } },
        ...(c.terminated && (c.running || c.waiting) ? { lastState: { terminated: c.terminated } } : {}),
      })),
    };
  }

  /** Write the pod's status (coalesced, serialized, read-modify-write with conflict retries). */
  private pushStatus(p: PodState): void {
    if (p.gone) return;
    if (p.dirty) return;
    p.dirty = true;
    p.writing = p.writing.then(async () => {
      for (let attempt = 0; attempt < 10 && !p.gone && !this.stopped; attempt++) {
        p.dirty = false;
        try {
          const cur = await this.core.readNamespacedPod({ name: p.name, namespace: p.namespace });
          if (cur.metadata?.uid !== p.uid) return;
          const status = this.podStatusOf(p, cur.status);
          if (JSON.stringify(status) === JSON.stringify(cur.status)) return;
          await this.core.replaceNamespacedPodStatus({ name: p.name, namespace: p.namespace, body: { ...cur, status } });
          return;
        } catch (e: any) {
          if (e?.code === 404) return;
          if (e?.code !== 409) {
            // e.g. the API server restarting: write again later, as the kubelet's status manager does
            this.error(`status ${p.namespace}/${p.name}`, e);
            setTimeout(() => this.pushStatus(p), 1000).unref();
            return;
          }
        }
      }
    });
  }

  private async terminate(p: PodState, pod: KObj): Promise<void> {
    p.terminating = true;
    const grace = Number(pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30);
    await this.stopContainers(p, grace);
    this.pushStatus(p);
    await p.writing;
    await this.finalDelete(pod);
    this.forget(p);
  }

  private async finalDelete(pod: KObj): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({
        name: pod.metadata.name!,
        namespace: pod.metadata.namespace!,
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } },
      });
    } catch (e: any) {
      if (e?.code !== 404 && e?.code !== 409) this.error(`delete ${pod.metadata.namespace}/${pod.metadata.name}`, e);
    }
  }

  private forget(p: PodState): void {
    p.gone = true;
    p.sandbox?.destroy();
    this.pods.delete(p.uid);
    this.ips.release(p.ip);
  }

  private async stopContainers(p: PodState, graceSeconds: number): Promise<void> {
    p.terminating = true;
    await Promise.all(p.containers.map(async (c) => {
      if (c.probeTimer) clearTimeout(c.probeTimer);
      if (c.livenessTimer) clearTimeout(c.livenessTimer);
      c.ready = false;
      if (c.server) {
        const s = c.server;
        c.server = undefined;
        await new Promise<void>((r) => {
          s.close(() => r());
          s.closeIdleConnections();
          setTimeout(() => s.closeAllConnections(), Math.min(graceSeconds, 5) * 1000).unref();
        });
      }
      if (c.child && c.child.exitCode === null && c.child.signalCode === null) {
        const child = c.child;
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), Math.max(graceSeconds, 0.1) * 1000);
        await exited;
        clearTimeout(t);
      }
      if (c.running) c.terminated = { exitCode: 0, reason: 'Completed', startedAt: c.running.startedAt, finishedAt: now() };
      c.running = undefined;
    }));
  }
}

/** A Kubernetes quantity (`128Mi`, `1G`, `500m`, `0.125`, `1e3`) as a number of units. */
export function quantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(String(q).trim());
  if (!m) throw new Error(`quantity ${JSON.stringify(q)} is not a Kubernetes quantity (e.g. 128Mi, 500m, 1)`);
  const mult: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
  };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}

/**
 * cgroup v1 values the kubelet derives from a container's resources: memory limit in bytes
 * (floored to 4 KiB pages, as the kernel stores it); cpu.shares = requests.cpu (else limits.cpu)
 * in millicores × 1024 / 1000, at least 2; cfs quota = limits.cpu × period, -1 without a limit.
 */
export function cgroupResources(r: any): { memoryLimitBytes?: number; cpuShares: number; cpuQuotaUs: number; cpuPeriodUs: number } {
  const period = 100_000;
  const milli = (q: any): number | undefined => (q === undefined ? undefined : Math.ceil(quantity(q) * 1000 - 1e-9));
  const reqCpu = milli(r?.requests?.cpu) ?? milli(r?.limits?.cpu);
  const limCpu = milli(r?.limits?.cpu);
  const mem = r?.limits?.memory !== undefined ? Math.floor(quantity(r.limits.memory) / 4096) * 4096 : undefined;
  return {
    ...(mem !== undefined ? { memoryLimitBytes: mem } : {}),
    cpuShares: reqCpu === undefined ? 2 : Math.max(2, Math.floor((reqCpu * 1024) / 1000)),
    cpuQuotaUs: limCpu === undefined ? -1 : Math.max(1000, Math.floor((limCpu * period) / 1000)),
    cpuPeriodUs: period,
  };
}

function httpProbe(ip: string, pr: Probe): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: ip, port: pr.port, path: pr.path, timeout: pr.timeoutMs, headers: { 'user-agent': PROBE_USER_AGENT }, agent: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function tcpProbe(ip: string, pr: Probe): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port: pr.port, timeout: pr.timeoutMs });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * A tiny simulated kube-controller-manager + kubelet for Deployments: after a delay, Deployment
 * status follows spec (replicas, updated/ready/available, observedGeneration, Available and
 * Progressing conditions) and Pods exist for it. Images that look broken never become available
 * and their Pods carry a waiting reason, so Revision readiness and failure paths can be exercised.
 */
import { createHash } from 'node:crypto';
import { EndpointSliceController } from './endpointslices';
import { deepClone } from './patch';
import { ResourceType, RESOURCES } from './resources';
import { Store, timestamp } from './store';
import type { KubeObject } from '../../src/core/types';

export interface WorkloadFailure {
  /** Container waiting reason, e.g. 'CrashLoopBackOff', 'ImagePullBackOff'. */
  reason: string;
  message: string;
  /** Whether the container terminated before (CrashLoopBackOff has a lastState). */
  crashed?: boolean;
}

export interface WorkloadOptions {
  /** Delay before a changed Deployment is first observed (pods created, not ready). Default 20 ms. */
  delayMs?: number;
  /** Further delay until healthy pods become ready and the Deployment available. Default 30 ms. */
  readyDelayMs?: number;
  /**
   * Time after which a Deployment that is not available gets Progressing=False
   * ProgressDeadlineExceeded. Default: spec.progressDeadlineSeconds (600 s) — set this low in tests.
   */
  progressDeadlineMs?: number;
  /**
   * Decide whether a container image fails. Default: images containing 'crashloop' →
   * CrashLoopBackOff; 'imagepullbackoff' / 'errimagepull' / 'does-not-exist' → ImagePullBackOff.
   */
  failure?: (image: string, container: string) => WorkloadFailure | undefined;
  /**
   * Pod-level simulation with EndpointSlices (default off). When on, every replica is its own pod
   * with its own lifecycle (created `delayMs` after the Deployment changes, with a loopback-ish IP
   * `127.1.x.y`; Ready `readyDelayMs` later, or that long after its backend is listening), a scale
   * down removes pods (not-ready first, then the newest), a template change replaces pods once the
   * new ones are ready, the Deployment's status counts ready pods, and an EndpointSlice controller
   * publishes every Service with a selector (see ./endpointslices).
   */
  endpointSlices?: boolean | EndpointSliceOptions;
}

/** The pod a backend is started for. */
export interface PodInfo {
  namespace: string;
  name: string;
  uid: string;
  /** The owning Deployment's name. */
  deployment: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  containers: any[];
}

/** A real process-local backend standing in for a pod's containers. */
export interface PodBackend {
  /** The pod IP to publish (default 127.0.0.1). */
  address?: string;
  /** The port it listens on; it replaces every target port of the pod's endpoint. */
  port: number;
  /** Resolves when the backend accepts connections (the pod turns Ready `readyDelayMs` later). */
  ready: Promise<void>;
  /** Stop it (called when the pod is gone; should let in-flight requests finish). */
  close(): Promise<void> | void;
}

export interface EndpointSliceOptions {
  /**
   * Start a backend for each pod when it is created (the container starting). The pod gets an
   * IP (its endpoint appears with ready=false) once this returns, and becomes Ready `readyDelayMs`
   * after `ready` resolves. A rejected promise leaves the pod failing (waiting reason
   * `BackendFailed`).
   */
  backend?: (pod: PodInfo) => PodBackend | Promise<PodBackend>;
  /**
   * How long a removed pod stays terminating (deletionTimestamp set, endpoint
   * ready=false/serving/terminating=true) before it is deleted and its backend closed. Default 0.
   */
  terminationMs?: number;
}

const SIM_USER = 'system:serviceaccount:kube-system:deployment-controller';

export function defaultFailure(image: string, container: string): WorkloadFailure | undefined {
  const i = image.toLowerCase();
  if (i.includes('crashloop')) {
    return { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=${container}`, crashed: true };
  }
  if (i.includes('imagepullbackoff') || i.includes('errimagepull') || i.includes('does-not-exist')) {
    return { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` };
  }
  return undefined;
}

function type(plural: string, group: string): ResourceType {
  return RESOURCES.find((t) => t.plural === plural && t.group === group)!;
}

interface Tracked {
  timers: NodeJS.Timeout[];
  /** Generation whose rollout started at `since`. */
  generation?: number;
  since: number;
  /** Pod mode: when Progressing turns False if the Deployment is not available by then. */
  deadlineAt?: number;
}

interface PodState {
  ns: string;
  name: string;
  deployment: string;
  backend?: PodBackend;
  timers: NodeJS.Timeout[];
  gone: boolean;
}

/** The deployment controller's Available condition (minimum availability = all replicas ready here). */
function availableCondition(ready: number, replicas: number, ts: string): Record<string, string> {
  const ok = ready >= replicas;
  return {
    type: 'Available',
    status: ok ? 'True' : 'False',
    reason: ok ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
    message: ok ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
    lastUpdateTime: ts,
    lastTransitionTime: ts,
  };
}

export class WorkloadSimulator {
  private readonly deployments = type('deployments', 'apps');
  private readonly pods = type('pods', '');
  private readonly tracked = new Map<string, Tracked>();
  /** Per Deployment: the revision number of each pod template seen, the current one and the highest. */
  private readonly revisions = new Map<string, { byHash: Map<string, number>; current?: string; max: number }>();
  private readonly unsubscribe: () => void;
  private stopped = false;
  /** Pod mode (options.endpointSlices): per-pod state by uid, and the EndpointSlice controller. */
  private readonly podMode?: EndpointSliceOptions;
  private readonly podStates = new Map<string, PodState>();
  private readonly endpointSlices?: EndpointSliceController;
  private nextIp = 0;

  constructor(private readonly store: Store, private readonly opts: WorkloadOptions, private readonly now: () => Date) {
    if (opts.endpointSlices) {
      this.podMode = opts.endpointSlices === true ? {} : opts.endpointSlices;
      this.endpointSlices = new EndpointSliceController(store, (pod) => this.podStates.get(pod.metadata.uid!)?.backend?.port, now);
    }
    this.unsubscribe = store.subscribe((ev) => {
      if (ev.t === this.pods && ev.type === 'DELETED') {
        void this.podGone(ev.object.metadata.uid!);
        return;
      }
      if (ev.t !== this.deployments) return;
      const key = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
      if (ev.type === 'DELETED') {
        this.untrack(key);
        this.revisions.delete(key);
        return;
      }
      const d = ev.object;
      if (d.metadata.deletionTimestamp) return;
      const prevSpec = ev.prev?.spec;
      const specChanged = ev.type === 'ADDED' || JSON.stringify(prevSpec) !== JSON.stringify(d.spec);
      if (specChanged || d.status?.observedGeneration !== d.metadata.generation) this.schedule(key, d);
    });
  }

  /** Stop the simulation; closes every pod backend. */
  public async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    this.endpointSlices?.stop();
    for (const k of [...this.tracked.keys()]) this.untrack(k);
    await Promise.all([...this.podStates.keys()].map((uid) => this.podGone(uid)));
  }

  private untrack(key: string): void {
    const t = this.tracked.get(key);
    if (!t) return;
    for (const timer of t.timers) clearTimeout(timer);
    this.tracked.delete(key);
  }

  private schedule(key: string, d: KubeObject): void {
    let tr = this.tracked.get(key);
    if (tr && tr.generation === d.metadata.generation) return; // already rolling this generation out
    if (tr) for (const timer of tr.timers) clearTimeout(timer);
    tr = { timers: [], generation: d.metadata.generation, since: Date.now() };
    this.tracked.set(key, tr);
    const [ns, name] = key.split('/');
    const delay = this.opts.delayMs ?? 20;
    const ready = this.opts.readyDelayMs ?? 30;
    const at = (ms: number, fn: () => void) => {
      const timer = setTimeout(() => {
        if (!this.stopped) fn();
      }, ms);
      timer.unref?.();
      tr!.timers.push(timer);
    };
    const spec = d.spec ?? {};
    const deadline = this.opts.progressDeadlineMs ?? (spec.progressDeadlineSeconds ?? 600) * 1000;
    if (this.podMode) {
      tr.deadlineAt = Date.now() + delay + ready + deadline;
      at(delay, () => this.reconcilePods(ns, name));
      at(delay + ready + deadline, () => this.reconcilePods(ns, name));
      return;
    }
    at(delay, () => this.reconcile(ns, name, false));
    at(delay + ready, () => this.reconcile(ns, name, true));
    at(delay + ready + deadline, () => this.reconcile(ns, name, true, true));
  }

  private revisionOf(key: string, hash: string): number {
    let r = this.revisions.get(key);
    if (!r) this.revisions.set(key, (r = { byHash: new Map(), max: 0 }));
    if (r.current !== hash) {
      r.max += 1;
      r.byHash.set(hash, r.max);
      r.current = hash;
    }
    return r.byHash.get(hash)!;
  }

  private failureOf(d: KubeObject): { container: string; failure: WorkloadFailure } | undefined {
    const decide = this.opts.failure ?? defaultFailure;
    for (const c of d.spec?.template?.spec?.containers ?? []) {
      const f = decide(String(c.image ?? ''), String(c.name ?? ''));
      if (f) return { container: c.name, failure: f };
    }
    return undefined;
  }

  private reconcile(ns: string, name: string, podsReady: boolean, deadlinePassed = false): void {
    const d = this.store.getRaw(this.deployments, ns, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const spec = d.spec ?? {};
    const replicas: number = spec.replicas ?? 1;
    const template = spec.template ?? {};
    const hash = createHash('sha1').update(JSON.stringify(template)).digest('hex').slice(0, 10);
    const failing = this.failureOf(d);
    const healthy = podsReady && !failing;
    const ts = timestamp(this.now());

    // pods: one set per template hash, owned by the Deployment (ReplicaSets are not modelled)
    const owned = this.store.list(this.pods, ns).filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid));
    const current = owned.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    for (const p of owned) {
      if (!current.includes(p) || current.indexOf(p) >= replicas) {
        try {
          this.store.delete(this.pods, ns, p.metadata.name!);
        } catch {
          // already gone
        }
      }
    }
    const keep = current.slice(0, replicas);
    for (let i = keep.length; i < replicas; i++) keep.push(this.newPod(d, hash, ts));
    for (const p of keep) this.store.seed(this.pods, this.podStatus(p, d, failing, healthy, ts));

    const ready = healthy ? replicas : 0;
    const conditions = [
      availableCondition(ready, replicas, ts),
      deadlinePassed && ready < replicas
        ? {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: `ReplicaSet "${name}-${hash}" has timed out progressing.`,
          lastUpdateTime: ts,
          lastTransitionTime: ts,
        }
        : {
          type: 'Progressing',
          status: 'True',
          reason: ready >= replicas ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
          message: ready >= replicas ? `ReplicaSet "${name}-${hash}" has successfully progressed.` : `ReplicaSet "${name}-${hash}" is progressing.`,
          lastUpdateTime: ts,
          lastTransitionTime: ts,
        },
    ];
    // keep lastTransitionTime of unchanged conditions
    for (const c of conditions) {
      const old = (d.status?.conditions ?? []).find((x: any) => x.type === c.type);
      if (old && old.status === c.status) c.lastTransitionTime = old.lastTransitionTime;
      if (old && old.status === c.status && old.reason === c.reason) c.lastUpdateTime = old.lastUpdateTime;
    }
    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      // pods are removed at once here (no graceful termination), so none is ever terminating
      terminatingReplicas: 0,
      conditions,
    };
    if (replicas - ready > 0) status.unavailableReplicas = replicas - ready;
    if (ready === 0) {
      delete status.readyReplicas;
      delete status.availableReplicas;
    }
    if (replicas === 0) {
      delete status.replicas;
      delete status.updatedReplicas;
    }
    const next = deepClone(d);
    next.status = status;
    // The deployment controller numbers the pod templates it rolls out (a new or re-used template
    // gets the highest number so far + 1) and writes the current one on the Deployment, through
    // the status subresource.
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': String(this.revisionOf(`${ns}/${name}`, hash)) };
    try {
      this.store.update(this.deployments, ns, name, next, { user: SIM_USER, subresource: 'status' });
    } catch {
      // deleted or changed meanwhile; a later event reschedules
    }
  }

  // ------------------------------------------------------------------ pod mode (endpointSlices)

  private isReady(p: KubeObject): boolean {
    return (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
  }

  private podTimer(st: PodState, ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      if (!this.stopped && !st.gone) fn();
    }, ms);
    timer.unref?.();
    st.timers.push(timer);
  }

  /**
   * One pass of the deployment + replica-set controllers over individual pods: create the missing
   * ones, remove the surplus (not-ready first, then the newest, like the ReplicaSet controller's
   * ranking), remove pods of older templates once the current template has all its replicas
   * ready, and write the Deployment's status from the pods.
   */
  private reconcilePods(ns: string, name: string): void {
    const d = this.store.getRaw(this.deployments, ns, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const spec = d.spec ?? {};
    const replicas: number = spec.replicas ?? 1;
    const hash = createHash('sha1').update(JSON.stringify(spec.template ?? {})).digest('hex').slice(0, 10);
    const owned = () => this.store.list(this.pods, ns).filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid));
    let live = owned().filter((p) => !p.metadata.deletionTimestamp);
    const current = live.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    if (current.length > replicas) {
      const ranked = [...current].sort((a, b) => {
        const ra = this.isReady(a) ? 1 : 0;
        const rb = this.isReady(b) ? 1 : 0;
        if (ra !== rb) return ra - rb;
        const byAge = String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp));
        return byAge || b.metadata.name!.localeCompare(a.metadata.name!);
      });
      for (const p of ranked.slice(0, current.length - replicas)) this.terminatePod(p);
    }
    for (let i = current.length; i < replicas; i++) this.createPod(d, hash);
    live = owned().filter((p) => !p.metadata.deletionTimestamp);
    const readyCurrent = live.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash && this.isReady(p)).length;
    if (readyCurrent >= replicas) {
      for (const p of live) if (p.metadata.labels?.['pod-template-hash'] !== hash) this.terminatePod(p);
    }
    this.writePodModeStatus(ns, name, hash);
  }

  private createPod(d: KubeObject, hash: string): void {
    const ts = timestamp(this.now());
    const pod = this.newPod(d, hash, ts);
    pod.status = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: ts }],
      qosClass: 'BestEffort',
    };
    const stored = this.store.seed(this.pods, pod);
    const uid = stored.metadata.uid!;
    const ns = stored.metadata.namespace!;
    const st: PodState = { ns, name: stored.metadata.name!, deployment: d.metadata.name!, timers: [], gone: false };
    this.podStates.set(uid, st);
    const failing = this.failureOf(d);
    const readyDelay = this.opts.readyDelayMs ?? 30;
    if (failing) {
      this.setPodStatus(st, uid, 'failing', this.loopbackIp(), failing.failure, failing.container);
      return;
    }
    const hook = this.podMode?.backend;
    if (!hook) {
      this.setPodStatus(st, uid, 'started', this.loopbackIp());
      this.podTimer(st, readyDelay, () => this.markReady(st, uid));
      return;
    }
    const info: PodInfo = {
      namespace: ns,
      name: st.name,
      uid,
      deployment: st.deployment,
      labels: { ...(stored.metadata.labels ?? {}) },
      annotations: { ...(stored.metadata.annotations ?? {}) },
      containers: deepClone(stored.spec?.containers ?? []),
    };
    const fail = (err: unknown) => {
      if (st.gone) return;
      this.setPodStatus(st, uid, 'failing', stored.status?.podIP ?? this.loopbackIp(), {
        reason: 'BackendFailed', message: err instanceof Error ? err.message : String(err), crashed: true,
      }, info.containers[0]?.name);
    };
    Promise.resolve().then(() => hook(info)).then((backend) => {
      if (st.gone || this.stopped) {
        void backend.close();
        return;
      }
      st.backend = backend;
      this.setPodStatus(st, uid, 'started', backend.address ?? '127.0.0.1');
      backend.ready.then(() => this.podTimer(st, readyDelay, () => this.markReady(st, uid)), fail);
    }, fail);
  }

  private loopbackIp(): string {
    const n = this.nextIp++;
    return `127.1.${Math.floor(n / 254) % 256}.${1 + (n % 254)}`;
  }

  private setPodStatus(
    st: PodState, uid: string, phase: 'started' | 'ready' | 'failing', ip: string, failure?: WorkloadFailure, failingContainer?: string,
  ): void {
    const p = this.store.getRaw(this.pods, st.ns, st.name);
    if (!p || p.metadata.uid !== uid || (phase === 'ready' && p.metadata.deletionTimestamp)) return;
    const d = this.store.getRaw(this.deployments, st.ns, st.deployment);
    const ts = timestamp(this.now());
    const next = deepClone(p);
    const ready = phase === 'ready';
    const containers: any[] = d?.spec?.template?.spec?.containers ?? p.spec?.containers ?? [];
    next.status = {
      phase: phase === 'failing' && !failure?.crashed ? 'Pending' : 'Running',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: ts },
        { type: 'Initialized', status: 'True', lastTransitionTime: ts },
        { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: ts },
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: ts },
      ],
      hostIP: '10.0.0.1',
      podIP: ip,
      podIPs: [{ ip }],
      startTime: p.status?.startTime ?? ts,
      qosClass: 'BestEffort',
      containerStatuses: containers.map((c) => {
        const f = failure && c.name === failingContainer ? failure : undefined;
        const base: Record<string, unknown> = { name: c.name, image: c.image, imageID: '', ready, restartCount: f?.crashed ? 3 : 0, started: !f };
        if (f) {
          base.state = { waiting: { reason: f.reason, message: f.message } };
          if (f.crashed) base.lastState = { terminated: { exitCode: 1, reason: 'Error', startedAt: ts, finishedAt: ts } };
        } else {
          base.state = { running: { startedAt: ts } };
        }
        return base;
      }),
    };
    this.store.seed(this.pods, next);
  }

  private markReady(st: PodState, uid: string): void {
    const p = this.store.getRaw(this.pods, st.ns, st.name);
    if (!p || p.metadata.uid !== uid || p.metadata.deletionTimestamp) return;
    this.setPodStatus(st, uid, 'ready', p.status?.podIP ?? this.loopbackIp());
    this.reconcilePods(st.ns, st.deployment);
  }

  /** Remove a pod: terminating for `terminationMs` (still serving if it was ready), then deleted. */
  private terminatePod(p: KubeObject): void {
    const ns = p.metadata.namespace!;
    const name = p.metadata.name!;
    const uid = p.metadata.uid!;
    const ms = this.podMode?.terminationMs ?? 0;
    const del = () => {
      const cur = this.store.getRaw(this.pods, ns, name);
      if (!cur || cur.metadata.uid !== uid) return;
      try {
        this.store.delete(this.pods, ns, name);
      } catch {
        // already gone
      }
    };
    if (ms <= 0) {
      del();
      return;
    }
    const next = deepClone(p);
    next.metadata.deletionTimestamp = timestamp(this.now());
    next.metadata.deletionGracePeriodSeconds = Math.ceil(ms / 1000);
    this.store.seed(this.pods, next);
    const st = this.podStates.get(uid);
    const timer = setTimeout(() => {
      if (!this.stopped) del();
    }, ms);
    timer.unref?.();
    if (st) st.timers.push(timer);
    // the Deployment's status no longer counts it
    const owner = (p.metadata.ownerReferences ?? []).find((r) => r.kind === 'Deployment');
    if (owner) setImmediate(() => !this.stopped && this.refreshStatus(ns, owner.name));
  }

  private refreshStatus(ns: string, name: string): void {
    const d = this.store.getRaw(this.deployments, ns, name);
    if (!d) return;
    const hash = createHash('sha1').update(JSON.stringify(d.spec?.template ?? {})).digest('hex').slice(0, 10);
    this.writePodModeStatus(ns, name, hash);
  }

  private async podGone(uid: string): Promise<void> {
    const st = this.podStates.get(uid);
    if (!st) return;
    this.podStates.delete(uid);
    st.gone = true;
    for (const t of st.timers) clearTimeout(t);
    try {
      await st.backend?.close();
    } catch {
      // the backend's own problem; the pod is gone either way
    }
  }

  private writePodModeStatus(ns: string, name: string, hash: string): void {
    const d = this.store.getRaw(this.deployments, ns, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const replicas: number = d.spec?.replicas ?? 1;
    const owned = this.store.list(this.pods, ns).filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid));
    const live = owned.filter((p) => !p.metadata.deletionTimestamp);
    const updated = live.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    const ready = live.filter((p) => this.isReady(p)).length;
    const updatedReady = updated.filter((p) => this.isReady(p)).length;
    const tr = this.tracked.get(`${ns}/${name}`);
    const deadlinePassed = tr?.deadlineAt !== undefined && Date.now() >= tr.deadlineAt;
    const ts = timestamp(this.now());
    const complete = updatedReady >= replicas && live.length === updated.length;
    const conditions = [
      availableCondition(ready, replicas, ts),
      deadlinePassed && !complete
        ? { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${name}-${hash}" has timed out progressing.`, lastUpdateTime: ts, lastTransitionTime: ts }
        : {
          type: 'Progressing',
          status: 'True',
          reason: complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
          message: complete ? `ReplicaSet "${name}-${hash}" has successfully progressed.` : `ReplicaSet "${name}-${hash}" is progressing.`,
          lastUpdateTime: ts,
          lastTransitionTime: ts,
        },
    ];
    for (const c of conditions) {
      const old = (d.status?.conditions ?? []).find((x: any) => x.type === c.type);
      if (old && old.status === c.status) c.lastTransitionTime = old.lastTransitionTime;
      if (old && old.status === c.status && old.reason === c.reason) c.lastUpdateTime = old.lastUpdateTime;
    }
    // Go omitempty: zero counts are left out (terminatingReplicas is a pointer and stays)
    const status: Record<string, unknown> = { observedGeneration: d.metadata.generation };
    if (live.length > 0) status.replicas = live.length;
    if (updated.length > 0) status.updatedReplicas = updated.length;
    if (ready > 0) {
      status.readyReplicas = ready;
      status.availableReplicas = ready;
    }
    if (replicas - ready > 0) status.unavailableReplicas = replicas - ready;
    status.terminatingReplicas = owned.length - live.length;
    status.conditions = conditions;
    const next = deepClone(d);
    next.status = status;
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': String(this.revisionOf(`${ns}/${name}`, hash)) };
    try {
      this.store.update(this.deployments, ns, name, next, { user: SIM_USER, subresource: 'status' });
    } catch {
      // deleted or changed meanwhile; a later event reschedules
    }
  }

  private newPod(d: KubeObject, hash: string, ts: string): KubeObject {
    const chars = 'bcdfghjklmnpqrstvwxz2456789';
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += chars[Math.floor(Math.random() * chars.length)];
    const tpl = d.spec?.template ?? {};
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${d.metadata.name}-${hash}-${suffix}`,
        namespace: d.metadata.namespace,
        labels: { ...(tpl.metadata?.labels ?? {}), 'pod-template-hash': hash },
        annotations: { ...(tpl.metadata?.annotations ?? {}) },
        ownerReferences: [{
          apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name!, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true,
        }],
        creationTimestamp: ts,
      },
      spec: { ...deepClone(tpl.spec ?? {}), nodeName: 'emulator-node' },
    };
  }

  private podStatus(
    p: KubeObject, d: KubeObject, failing: { container: string; failure: WorkloadFailure } | undefined, healthy: boolean, ts: string,
  ): KubeObject {
    const pod = deepClone(p);
    const containers: any[] = d.spec?.template?.spec?.containers ?? [];
    const containerStatuses = containers.map((c) => {
      const f = failing && failing.container === c.name ? failing.failure : undefined;
      const base: Record<string, unknown> = { name: c.name, image: c.image, imageID: '', ready: healthy, restartCount: f?.crashed ? 3 : 0, started: healthy };
      if (f) {
        base.state = { waiting: { reason: f.reason, message: f.message } };
        if (f.crashed) base.lastState = { terminated: { exitCode: 1, reason: 'Error', startedAt: ts, finishedAt: ts } };
      } else if (healthy) {
        base.state = { running: { startedAt: ts } };
      } else {
        base.state = { waiting: { reason: 'ContainerCreating' } };
      }
      return base;
    });
    const readyStatus = healthy ? 'True' : 'False';
    pod.status = {
      phase: healthy ? 'Running' : 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: ts },
        { type: 'Initialized', status: 'True', lastTransitionTime: ts },
        { type: 'ContainersReady', status: readyStatus, lastTransitionTime: ts },
        { type: 'Ready', status: readyStatus, lastTransitionTime: ts },
      ],
      hostIP: '10.0.0.1',
      podIP: p.status?.podIP ?? `10.244.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`,
      startTime: ts,
      qosClass: 'BestEffort',
      containerStatuses,
    };
    return pod;
  }
}

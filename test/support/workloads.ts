/**
 * A tiny simulated kube-controller-manager + kubelet for Deployments: after a delay, Deployment
 * status follows spec (replicas, updated/ready/available, observedGeneration, Available and
 * Progressing conditions) and Pods exist for it. Images that look broken never become available
 * and their Pods carry a waiting reason, so Revision readiness and failure paths can be exercised.
 */
import { createHash } from 'node:crypto';
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
}

export class WorkloadSimulator {
  private readonly deployments = type('deployments', 'apps');
  private readonly pods = type('pods', '');
  private readonly tracked = new Map<string, Tracked>();
  /** Per Deployment: the revision number of each pod template seen, the current one and the highest. */
  private readonly revisions = new Map<string, { byHash: Map<string, number>; current?: string; max: number }>();
  private readonly unsubscribe: () => void;
  private stopped = false;

  constructor(private readonly store: Store, private readonly opts: WorkloadOptions, private readonly now: () => Date) {
    this.unsubscribe = store.subscribe((ev) => {
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

  public stop(): void {
    this.stopped = true;
    this.unsubscribe();
    for (const k of [...this.tracked.keys()]) this.untrack(k);
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
    at(delay, () => this.reconcile(ns, name, false));
    at(delay + ready, () => this.reconcile(ns, name, true));
    const spec = d.spec ?? {};
    const deadline = this.opts.progressDeadlineMs ?? (spec.progressDeadlineSeconds ?? 600) * 1000;
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
      {
        type: 'Available',
        status: ready >= replicas ? 'True' : 'False',
        reason: ready >= replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        message: ready >= replicas ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
        lastUpdateTime: ts,
        lastTransitionTime: ts,
      },
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

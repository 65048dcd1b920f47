/**
 * The autoscaler inside the controller: upstream's MultiScaler + KPA reconciler (runtime.md
 * §1.2–1.4, §2.5, §3.1–3.3), without PodAutoscaler / ServerlessService / Metric objects — the
 * per-revision state lives in memory here, and the Revision reconciler copies what upstream
 * copies from the PA (the `Active` condition, actualReplicas, desiredReplicas).
 *
 * Per KPA-class revision:
 *  - `MetricWindows` (stable/panic, concurrency/rps) fed by every stat any ingress replica pushes
 *    (stats-server.ts), recorded at receipt time on every controller replica, so a new leader
 *    starts with warm windows;
 *  - on the leader only, a `Decider` ticked every 2 s (`Scale(now)`), and run at once when a stat
 *    with concurrency > 0 arrives while the last decision was 0 (or none yet), or a poke arrives;
 *  - a changed decision (or a flipped excess-burst-capacity sign), a Deployment or Revision
 *    change, a config change or a gate timer runs the KPA step: `scaleGate` (bounds, min/max,
 *    initial scale, the scale-to-zero gate) → `deployments/scale` update → `activeCondition`.
 * All arithmetic is the pure code in src/core/autoscaler; this file does the I/O and timing.
 */
import type { ServingConfig } from '../../../core/config';
import { deploymentName } from '../../../core/names';
import type { KubeObject, RevisionObject } from '../../../core/types';
import { Logger, silentLogger } from '../../common/log';
import { KubeClient, R, isConflict, isNotFound } from '../client';
import { Clock, realClock } from '../clock';
import { Lister } from '../informers';
import {
  ActiveConditionState, ActiveState, Decider, DeciderSpec, MetricWindows, activeCondition, initialExcessBurstCapacity, revisionDeciderSpec, scaleGate,
  specsEqual,
} from './decider';
import type { StatsBatch } from './stats-server';
import { L } from '../resources/meta';
import { usesHpa } from '../resources/revision';

/** What the Revision reconciler copies onto a KPA revision's status (upstream: from its PA). */
export interface RevisionAutoscalingStatus {
  /** The Active condition; undefined until the first KPA step ran (then Unknown/Deploying applies). */
  active?: ActiveConditionState;
  /** Last `want` ≥ 0 (−1 never overwrites a value ≥ 0); undefined before the first. */
  desiredReplicas?: number;
  /** Ready pods (Deployment status.readyReplicas) at the last KPA step. */
  actualReplicas: number;
  scaleTargetInitialized: boolean;
}

export interface AutoscalerOptions {
  client: KubeClient;
  revisions: Lister<RevisionObject>;
  deployments: Lister<KubeObject>;
  config: () => ServingConfig;
  clock?: Clock;
  log?: Logger;
  /** Decision period (ms). 0: no timer; call `tick()` (tests with a fake clock). Default 2000. */
  tickMs?: number;
  /** false: gate requeues are not armed as real timers, only run by `tick()` once due. Default true. */
  timers?: boolean;
  /** A revision's status-relevant autoscaling state changed: enqueue its Revision. */
  onStatusChange?: (key: string) => void;
}

interface Scaler {
  key: string;
  namespace: string;
  name: string;
  spec: DeciderSpec;
  windows: MetricWindows;
  /** Leader only. */
  decider?: Decider;
  /** The decider's last valid DesiredScale (−1: none yet). */
  desired: number;
  ebc: number;
  panic: boolean;
  /** The KPA step's state, rebuilt from the Revision's status when (re)created. */
  kpa?: KpaState;
  /** Gate requeue due time (ms, clock time). */
  requeueAt?: number;
  requeueTimer?: NodeJS.Timeout;
  /** Our last scale write, until the informer's Deployment catches up with it. */
  written?: { replicas: number; resourceVersion: string };
}

interface KpaState {
  active: ActiveConditionState;
  activeSinceSeconds: number;
  scaleTargetInitialized: boolean;
  desiredReplicas?: number;
  actualReplicas: number;
  want: number;
}

/** Counters and per-revision values for the controller's /metrics. */
export interface AutoscalerCounters {
  statsRecorded: number;
  statsUnknownRevision: number;
  pokes: number;
  scaleWrites: number;
  scaleWriteErrors: number;
  decisions: number;
}

export function isKpaRevision(rev: RevisionObject, cfg: ServingConfig): boolean {
  return !usesHpa(rev, cfg);
}

/** Upstream's reachability (pa.go): crashing revisions and reserve (unrouted) ones are Unreachable. */
export function revisionReachable(rev: RevisionObject, dep: KubeObject | undefined): boolean {
  const conds: any[] = (rev.status as any)?.conditions ?? [];
  const failed = conds.some((c) => (c.type === 'ResourcesAvailable' || c.type === 'ContainerHealthy') && c.status === 'False');
  if (failed && (dep?.spec?.replicas ?? 1) > 0 && (dep?.status?.readyReplicas ?? 0) === 0) return false;
  return rev.metadata.labels?.[L.routingState] !== 'reserve';
}

function newerVersion(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || a === b) return false;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) > BigInt(b);
  return false;
}

export class Autoscaler {
  private readonly scalers = new Map<string, Scaler>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private leading = false;
  private tickTimer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  readonly counters: AutoscalerCounters = { statsRecorded: 0, statsUnknownRevision: 0, pokes: 0, scaleWrites: 0, scaleWriteErrors: 0, decisions: 0 };

  constructor(private readonly opts: AutoscalerOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = (opts.log ?? silentLogger).child({ component: 'autoscaler' });
  }

  private nowSeconds(): number {
    return this.clock.now().getTime() / 1000;
  }

  get isLeading(): boolean {
    return this.leading;
  }

  /** Per-revision values for /metrics. */
  revisionsForMetrics(): Array<{ namespace: string; name: string; desired: number; actual: number; panic: boolean; ebc: number; want: number }> {
    const out = [];
    for (const s of this.scalers.values()) {
      const { namespace, name, desired, panic, ebc } = s;
      out.push({ namespace, name, desired, actual: s.kpa?.actualReplicas ?? 0, panic, ebc, want: s.kpa?.want ?? -1 });
    }
    return out;
  }

  /** The status the Revision reconciler copies (undefined: no KPA step has run for it). */
  status(namespace: string, name: string): RevisionAutoscalingStatus | undefined {
    const k = this.scalers.get(`${namespace}/${name}`)?.kpa;
    if (!k) return undefined;
    const { active, desiredReplicas, actualReplicas, scaleTargetInitialized } = k;
    return { active, desiredReplicas, actualReplicas, scaleTargetInitialized };
  }

  /** The decider input for a revision now (undefined: not a KPA revision or gone). */
  private specFor(rev: RevisionObject): DeciderSpec | undefined {
    const cfg = this.opts.config();
    if (!isKpaRevision(rev, cfg)) return undefined;
    const dep = this.opts.deployments.get(rev.metadata.namespace!, deploymentName(rev.metadata.name!));
    return revisionDeciderSpec(rev, cfg, revisionReachable(rev, dep));
  }

  /** The scaler of a KPA revision in the informer cache, created (with its windows) on first use. */
  private scalerFor(namespace: string, name: string): Scaler | undefined {
    const key = `${namespace}/${name}`;
    const rev = this.opts.revisions.get(namespace, name);
    if (!rev || rev.metadata.deletionTimestamp) {
      this.forget(key);
      return undefined;
    }
    const spec = this.specFor(rev);
    if (!spec) {
      this.forget(key);
      return undefined;
    }
    let s = this.scalers.get(key);
    if (!s) {
      s = { key, namespace, name, spec, windows: new MetricWindows(spec), desired: -1, ebc: initialExcessBurstCapacity(spec), panic: false };
      this.scalers.set(key, s);
    } else if (!specsEqual(s.spec, spec)) {
      // The averaging algorithm is fixed when the windows are made, and the scale-down-delay
      // window when the decider is (as upstream): a change of either starts them afresh.
      if (spec.aggregation !== s.spec.aggregation) s.windows = new MetricWindows(spec);
      else s.windows.updateSpec(spec, this.nowSeconds());
      if (spec.scaleDownDelaySeconds !== s.spec.scaleDownDelaySeconds) s.decider = undefined;
      else s.decider?.updateSpec(spec);
      s.spec = spec;
    }
    return s;
  }

  private forget(key: string): void {
    const s = this.scalers.get(key);
    if (!s) return;
    if (s.requeueTimer) clearTimeout(s.requeueTimer);
    this.scalers.delete(key);
  }

  private readyPods(s: Scaler): number {
    const dep = this.opts.deployments.get(s.namespace, deploymentName(s.name));
    return dep?.status?.readyReplicas ?? 0;
  }

  private ensureDecider(s: Scaler, nowSeconds: number): Decider {
    // A decider created while several pods are ready starts in panic at that size (upstream's
    // restart safety), so a new leader does not scale a busy revision down on its first tick.
    s.decider ??= new Decider(s.spec, nowSeconds, this.readyPods(s));
    return s.decider;
  }

  /**
   * Record a stats batch (every replica). On the leader, a stat with concurrency > 0 for a
   * revision whose last decision was 0 (or that has none yet), or a poke, runs Scale at once.
   * Resolves once the immediate scale steps it started are done.
   */
  record(batch: StatsBatch, receivedAtMs: number): Promise<void> {
    const t = receivedAtMs / 1000;
    const immediate = new Set<Scaler>();
    for (const st of batch.stats) {
      const s = this.scalerFor(st.namespace, st.revision);
      if (!s) {
        this.counters.statsUnknownRevision++;
        continue;
      }
      s.windows.record(t, st.concurrency, st.requests);
      this.counters.statsRecorded++;
      if (st.concurrency > 0 && (st.poke || s.desired <= 0)) immediate.add(s);
    }
    if (!this.leading || immediate.size === 0) return Promise.resolve();
    const now = this.nowSeconds();
    return Promise.all([...immediate].map((s) => {
      this.counters.pokes++;
      return this.decide(s, now, true);
    })).then(() => undefined);
  }

  /** Run the decider once; a changed decision (or EBC sign) runs the KPA step. */
  private decide(s: Scaler, now: number, force = false): Promise<void> {
    const d = this.ensureDecider(s, now);
    const r = d.scale(now, this.readyPods(s), s.windows);
    this.counters.decisions++;
    if (!r.valid) return force ? this.reconcile(s.key) : Promise.resolve();
    const changed = r.desired !== s.desired || (r.ebc < 0) !== (s.ebc < 0);
    s.desired = r.desired;
    s.ebc = r.ebc;
    s.panic = r.panic;
    return changed || force ? this.reconcile(s.key) : Promise.resolve();
  }

  /**
   * One decision round (leader only): every KPA revision's decider, then every gate requeue that
   * is due. Resolves when the KPA steps it started are done.
   */
  tick(): Promise<void> {
    if (!this.leading) return Promise.resolve();
    const now = this.nowSeconds();
    const work: Promise<void>[] = [];
    for (const rev of this.opts.revisions.list()) {
      const s = this.scalerFor(rev.metadata.namespace!, rev.metadata.name!);
      if (!s) continue;
      work.push(this.decide(s, now));
      if (s.requeueAt !== undefined && s.requeueAt <= now * 1000) {
        s.requeueAt = undefined;
        work.push(this.reconcile(s.key));
      }
    }
    for (const key of [...this.scalers.keys()]) {
      const [ns, name] = key.split('/');
      if (!this.opts.revisions.get(ns, name)) this.forget(key);
    }
    return Promise.all(work).then(() => undefined);
  }

  /** A Revision or its Deployment changed, or the config did: run the KPA step (leader only). */
  enqueue(key: string): void {
    if (!this.leading) {
      // Keep windows sized for the current spec on every replica.
      const [ns, name] = key.split('/');
      this.scalerFor(ns, name);
      return;
    }
    void this.reconcile(key);
  }

  /** Every revision (config change). */
  enqueueAll(): void {
    for (const rev of this.opts.revisions.list()) this.enqueue(`${rev.metadata.namespace}/${rev.metadata.name}`);
  }

  startLeading(): void {
    if (this.leading) return;
    this.leading = true;
    // Decisions start fresh: deciders are created on the first tick from the Deployment's ready
    // pods, and each revision's Active state is rebuilt from its status.
    for (const s of this.scalers.values()) {
      s.decider = undefined;
      s.desired = -1;
      s.ebc = initialExcessBurstCapacity(s.spec);
      s.kpa = undefined;
    }
    const tickMs = this.opts.tickMs ?? 2000;
    if (tickMs > 0) {
      const loop = (): void => {
        if (!this.leading) return;
        this.ticking = this.tick().catch((e) => this.log.error('autoscaler tick failed', { error: e })).finally(() => {
          this.ticking = undefined;
        });
      };
      this.tickTimer = setInterval(() => {
        if (!this.ticking) loop();
      }, tickMs);
      this.tickTimer.unref?.();
    }
    this.enqueueAll();
  }

  stopLeading(): void {
    if (!this.leading) return;
    this.leading = false;
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    for (const s of this.scalers.values()) {
      if (s.requeueTimer) clearTimeout(s.requeueTimer);
      s.requeueTimer = undefined;
      s.requeueAt = undefined;
      s.decider = undefined;
    }
  }

  /** A KPA step or a tick is running. */
  get busy(): boolean {
    return this.running.size > 0 || this.ticking !== undefined;
  }

  /** Wait for running KPA steps (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.ticking) {
      await Promise.all([...this.running.values(), this.ticking]);
    }
  }

  /**
   * The KPA step for one revision, serialized per revision: a request while one runs makes it
   * run once more afterwards (the returned promise covers that run too).
   */
  private reconcile(key: string): Promise<void> {
    const cur = this.running.get(key);
    if (cur) {
      this.dirty.add(key);
      return cur;
    }
    const p = (async () => {
      do {
        this.dirty.delete(key);
        try {
          await this.kpaStep(key);
        } catch (e) {
          const s = this.scalers.get(key);
          if (isConflict(e)) this.log.debug('scale write conflicted; retrying with the next Deployment version', { key });
          else this.log.warn('autoscaler step failed; retrying', { key, error: e });
          if (s && this.leading) this.requeue(s, isConflict(e) ? 0.2 : 1);
        }
      } while (this.dirty.has(key) && this.leading);
    })().finally(() => this.running.delete(key));
    this.running.set(key, p);
    return p;
  }

  /**
   * Run the KPA step again `afterSeconds` from now (1 ms later: the gate's deadlines are strict,
   * "longer than", and a timer fires after its deadline). An earlier pending run is kept, as a
   * delaying work queue keeps the earliest.
   */
  private requeue(s: Scaler, afterSeconds: number): void {
    const at = this.clock.now().getTime() + afterSeconds * 1000 + 1;
    if (s.requeueAt !== undefined && s.requeueAt <= at) return; // an earlier run is already due
    s.requeueAt = at;
    if (s.requeueTimer) clearTimeout(s.requeueTimer);
    s.requeueTimer = undefined;
    if (this.opts.timers === false) return;
    s.requeueTimer = setTimeout(() => {
      s.requeueTimer = undefined;
      if (s.requeueAt !== undefined && s.requeueAt <= this.clock.now().getTime() && this.leading) {
        s.requeueAt = undefined;
        void this.reconcile(s.key);
      }
    }, Math.max(0, afterSeconds * 1000 + 1));
    s.requeueTimer.unref?.();
  }

  /** Rebuild the KPA state from the Revision's status (new leader, controller restart). */
  private initialKpaState(rev: RevisionObject, now: number): KpaState {
    const conds: any[] = (rev.status as any)?.conditions ?? [];
    const c = conds.find((x) => x.type === 'Active');
    const since = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) / 1000 : NaN;
    const known = c && c.reason !== 'Deploying' && (c.status === 'True' || c.status === 'False' || c.status === 'Unknown');
    const available = conds.find((x) => x.type === 'ResourcesAvailable')?.status === 'True';
    const st = rev.status as any;
    return {
      // Upstream's PA starts with Active Unknown (activating).
      active: known ? { status: c.status, reason: c.reason ?? '', message: c.message ?? '' } : { status: 'Unknown', reason: '', message: '' },
      activeSinceSeconds: Number.isFinite(since) ? since : now,
      scaleTargetInitialized: available,
      desiredReplicas: typeof st?.desiredReplicas === 'number' ? st.desiredReplicas : undefined,
      actualReplicas: typeof st?.actualReplicas === 'number' ? st.actualReplicas : 0,
      want: -1,
    };
  }

  private async kpaStep(key: string): Promise<void> {
    if (!this.leading) return;
    const [ns, name] = key.split('/');
    const s = this.scalerFor(ns, name);
    if (!s) return;
    const rev = this.opts.revisions.get(ns, name)!;
    const dep = this.opts.deployments.get(ns, deploymentName(name));
    // The Revision reconciler creates the Deployment; its add event brings us back.
    if (!dep || dep.metadata.deletionTimestamp) return;
    const now = this.nowSeconds();
    const k = (s.kpa ??= this.initialKpaState(rev, now));
    let current = dep.spec?.replicas ?? 1;
    if (s.written) {
      if (newerVersion(s.written.resourceVersion, dep.metadata.resourceVersion)) current = s.written.replicas;
      else s.written = undefined;
    }
    const activeState: ActiveState = k.active.status === 'True' ? 'Active' : k.active.status === 'False' ? 'Inactive' : 'Activating';
    const gate = scaleGate({
      desired: s.desired,
      spec: s.spec,
      currentReplicas: current,
      activeState,
      activeSinceSeconds: k.activeSinceSeconds,
      scaleTargetInitialized: k.scaleTargetInitialized,
      nowSeconds: now,
    });
    if (gate.replicas !== undefined && gate.replicas !== current) {
      await this.writeScale(s, dep, gate.replicas);
    }
    if (gate.requeueAfterSeconds !== undefined) this.requeue(s, gate.requeueAfterSeconds);
    const ready = dep.status?.readyReplicas ?? 0;
    const act = activeCondition(gate.want, ready, s.spec, k.scaleTargetInitialized, { status: k.active.status, reason: k.active.reason });
    const before = JSON.stringify([k.active, k.scaleTargetInitialized, k.desiredReplicas, k.actualReplicas]);
    const next: ActiveConditionState = { status: act.status, reason: act.reason, message: act.message };
    if (next.status !== k.active.status) k.activeSinceSeconds = now;
    if (next.status !== k.active.status || next.reason !== k.active.reason) {
      this.log.info('active condition changed', { revision: key, status: next.status, reason: next.reason, want: gate.want, ready });
    }
    k.active = next;
    k.scaleTargetInitialized = act.scaleTargetInitialized;
    k.want = gate.want;
    if (gate.want >= 0) k.desiredReplicas = gate.want;
    k.actualReplicas = ready;
    if (JSON.stringify([k.active, k.scaleTargetInitialized, k.desiredReplicas, k.actualReplicas]) !== before) this.opts.onStatusChange?.(key);
  }

  /** Update the Deployment's Scale subresource, built from the cached Deployment (no GET). */
  private async writeScale(s: Scaler, dep: KubeObject, replicas: number): Promise<void> {
    const scale: KubeObject = {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: dep.metadata.name, namespace: dep.metadata.namespace, uid: dep.metadata.uid, resourceVersion: dep.metadata.resourceVersion },
      spec: { replicas },
    };
    try {
      const out = await this.opts.client.updateScale(R.deployments, scale);
      this.counters.scaleWrites++;
      s.written = { replicas, resourceVersion: String(out?.metadata?.resourceVersion ?? '') };
      this.log.info('scaled', { revision: s.key, from: dep.spec?.replicas ?? 1, to: replicas, desired: s.desired, panic: s.panic });
    } catch (e) {
      this.counters.scaleWriteErrors++;
      if (isNotFound(e)) return;
      throw e;
    }
  }
}

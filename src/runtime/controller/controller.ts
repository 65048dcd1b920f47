/**
 * Wiring: informers (all replicas keep warm caches), per-kind work queues and workers (only the
 * leader processes keys), the watches and indexes each kind declares next to its reconciler,
 * config store from the system namespace ConfigMaps, leader election, metrics. Used by main.ts,
 * scripts/local.ts, the benchmark and the tests.
 */
import { Autoscaler } from './autoscaler/autoscaler';
import { KubeClient, R, isConflict } from './client';
import { Clock, realClock } from './clock';
import { DigestResolver, pullCredentials } from './digests';
import { EventRecorder } from './events';
import { EventHandler, Informer, keyOf, splitKey } from './informers';
import { HttpIngressProber, IngressProber, ingressReplicaAddresses, newIngressProbeState } from './ingress-probe';
import type { KubeConfig } from './k8s';
import { LeaderElector } from './leader';
import { ControllerMetrics } from './metrics';
import { Logger, silentLogger } from '../common/log';
import { KindReconciler, Listers, ReconcilerContext, RequeueError, reconcileKey } from './reconcilers/base';
import { configurationReconciler } from './reconcilers/configuration';
import { domainMappingReconciler } from './reconcilers/domainmapping';
import { revisionReconciler } from './reconcilers/revision';
import { routeReconciler } from './reconcilers/route';
import { serviceReconciler } from './reconcilers/service';
import { L } from './resources/meta';
import { IngressTarget } from './resources/route';
import { WorkQueue } from './workqueue';
import { DOMAIN_MAPPING_CONDITION_INGRESS_READY, ROUTE_CONDITION_INGRESS_READY } from '../../core/conditions';
import { ConfigError, SERVING_CONFIG_MAP_NAMES, ServingConfig, defaultServingConfig, parseServingConfig } from '../../core/config';
import { DOMAIN_MAPPING_SECRETS_LABEL } from '../../core/domain-mapping';
import { CONTROLLER_LEASE_NAME, DEFAULT_SYSTEM_NAMESPACE, INGRESS_ADMIN_PORT, INGRESS_INTERNAL_SERVICE_NAME } from '../../core/runtime-contract';
import type { ConfigurationObject, DomainMappingObject, KnServiceObject, KubeObject, RevisionObject, RouteObject } from '../../core/types';

/** The kinds this controller reconciles, in the order their queues are listed. */
const RECONCILERS: readonly KindReconciler<any>[] = [
  serviceReconciler, configurationReconciler, revisionReconciler, routeReconciler, domainMappingReconciler,
];


export interface ControllerOptions {
  kubeConfig: KubeConfig;
  systemNamespace?: string;
  clusterDomain?: string;
  /** Leader-election identity. */
  podName?: string;
  leaseName?: string;
  /** false: act as leader immediately (single replica, tests). Default true. */
  leaderElection?: boolean;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  log?: Logger;
  workersPerKind?: number;
  resyncMs?: number;
  /** Name of the internal ingress Service placeholder Services point at (in the system namespace). */
  ingressServiceName?: string;
  /** Restrict informers to one namespace (default: all). */
  namespace?: string;
  /** false: sync caches but never run workers (table tests drive `reconcileOnce`). Default true. */
  runWorkers?: boolean;
  /**
   * Parents/referrers enqueued because of a child's change are delayed by this many ms, so a
   * burst of child updates collapses into one parent reconcile (fewer intermediate status
   * writes). Default 25; 0 = immediately.
   */
  coalesceMs?: number;
  /** Autoscaler decision period (ms); 0 = no timer, tests call `autoscaler.tick()`. Default 2000. */
  autoscalerTickMs?: number;
  /** false: the autoscaler's gate requeues run only from `tick()` once due (fake clocks). Default true. */
  autoscalerTimers?: boolean;
  /**
   * false: requeues a reconciler schedules (`ReconcilerContext.enqueueAfter`, e.g. a Route's next
   * rollout step) run only from `runDueRequeues()` once due on the clock (fake clocks). Default true.
   */
  requeueTimers?: boolean;
  /**
   * Asks the ingress replicas which version of a Route or DomainMapping they serve; their
   * IngressReady is True only once every one serves the current routing. Default: `HttpIngressProber` on the ready
   * endpoints of the internal ingress Service's EndpointSlices at `ingressAdminPort`.
   */
  ingressProber?: IngressProber;
  /** The ingress replicas' admin port the default prober asks. Default `INGRESS_ADMIN_PORT` (9000). */
  ingressAdminPort?: number;
  /**
   * Tag-to-digest resolution (digests.ts): resolve each revision's images through their registries
   * (with the revision's and its ServiceAccount's image pull Secrets, read by GET) before its
   * Deployment is created, and run the digests. Default false (images run as written).
   */
  resolveDigests?: boolean;
}

type AnyReconciler = KindReconciler<any>;

interface ScheduledRequeue {
  kind: string;
  key: string;
  /** Due time on the controller's clock (ms since the epoch). */
  due: number;
  timer?: NodeJS.Timeout;
}

interface KindRuntime {
  reconciler: AnyReconciler;
  queue: WorkQueue;
  workers: Promise<void>[];
}

export class Controller {
  readonly client: KubeClient;
  readonly metrics = new ControllerMetrics();
  readonly log: Logger;
  readonly clock: Clock;
  readonly systemNamespace: string;
  readonly clusterDomain: string;
  private servingConfig: ServingConfig;
  private configData: Record<string, Record<string, string> | undefined> = {};
  readonly informers: {
    services: Informer<KnServiceObject>;
    configurations: Informer<ConfigurationObject>;
    revisions: Informer<RevisionObject>;
    routes: Informer<RouteObject>;
    domainMappings: Informer<DomainMappingObject>;
    clusterDomainClaims: Informer<KubeObject>;
    roleBindings: Informer<KubeObject>;
    deployments: Informer<KubeObject>;
    k8sServices: Informer<KubeObject>;
    hpas: Informer<KubeObject>;
    /** Pods of Revisions (label serving.knative.dev/revision), read for their failure reasons. */
    pods: Informer<KubeObject>;
    configMaps: Informer<KubeObject>;
    /** The internal ingress Service's EndpointSlices (system namespace): the replicas to probe. */
    ingressEndpointSlices: Informer<KubeObject>;
  };
  private readonly kinds: Record<string, KindRuntime>;
  private readonly scheduled = new Map<string, ScheduledRequeue>();
  private readonly ctx: ReconcilerContext;
  private readonly elector?: LeaderElector;
  private leading = false;
  private started = false;
  /** The default ingress prober (closed on stop). */
  private httpProber?: HttpIngressProber;
  private stopping = false;
  readonly workersPerKind: number;
  /** The KPA autoscaler: records stats on every replica, decides and scales on the leader. */
  readonly autoscaler: Autoscaler;
  /** Kubernetes Events (events.k8s.io/v1) about the reconciled objects, aggregated into series. */
  readonly events: EventRecorder;

  constructor(private readonly opts: ControllerOptions) {
    this.client = new KubeClient(opts.kubeConfig);
    this.client.onRequest = (verb, r, ok, code, seconds) => {
      this.metrics.apiRequests.inc({ verb, resource: r.plural, code: ok ? '2xx' : String(code ?? 'error') });
      if (seconds !== undefined) this.metrics.apiLatency.observe({ verb, resource: r.plural }, seconds);
    };
    this.log = opts.log ?? silentLogger;
    this.clock = opts.clock ?? realClock;
    this.systemNamespace = opts.systemNamespace ?? DEFAULT_SYSTEM_NAMESPACE;
    this.clusterDomain = opts.clusterDomain ?? 'cluster.local';
    this.servingConfig = defaultServingConfig(this.clusterDomain);
    this.workersPerKind = opts.workersPerKind ?? 4;
    const io = { resyncMs: opts.resyncMs ?? 10 * 60_000, log: this.log, namespace: opts.namespace };
    this.informers = {
      services: new Informer(this.client, R.services, io),
      configurations: new Informer(this.client, R.configurations, io),
      revisions: new Informer(this.client, R.revisions, io),
      routes: new Informer(this.client, R.routes, io),
      domainMappings: new Informer(this.client, R.domainMappings, io),
      clusterDomainClaims: new Informer(this.client, R.clusterDomainClaims, { ...io, namespace: undefined }),
      roleBindings: new Informer(this.client, R.roleBindings, { ...io, labelSelector: DOMAIN_MAPPING_SECRETS_LABEL }),
      deployments: new Informer(this.client, R.deployments, { ...io, labelSelector: L.revision }),
      k8sServices: new Informer(this.client, R.k8sServices, io),
      hpas: new Informer(this.client, R.hpas, { ...io, labelSelector: L.revision }),
      pods: new Informer(this.client, R.pods, { ...io, labelSelector: L.revision }),
      configMaps: new Informer(this.client, R.configMaps, { ...io, namespace: this.systemNamespace }),
      ingressEndpointSlices: new Informer(this.client, R.endpointSlices, {
        ...io,
        namespace: this.systemNamespace,
        labelSelector: `kubernetes.io/service-name=${opts.ingressServiceName ?? INGRESS_INTERNAL_SERVICE_NAME}`,
      }),
    };
    const listers: Listers = {
      services: this.informers.services.lister,
      configurations: this.informers.configurations.lister,
      revisions: this.informers.revisions.lister,
      routes: this.informers.routes.lister,
      domainMappings: this.informers.domainMappings.lister,
      clusterDomainClaims: this.informers.clusterDomainClaims.lister,
      roleBindings: this.informers.roleBindings.lister,
      deployments: this.informers.deployments.lister,
      k8sServices: this.informers.k8sServices.lister,
      hpas: this.informers.hpas.lister,
      pods: this.informers.pods.lister,
    };
    this.autoscaler = new Autoscaler({
      client: this.client,
      revisions: this.informers.revisions.lister,
      deployments: this.informers.deployments.lister,
      config: () => this.servingConfig,
      clock: this.clock,
      log: this.log,
      tickMs: opts.autoscalerTickMs,
      timers: opts.autoscalerTimers,
      onStatusChange: (key) => {
        if (this.leading) this.enqueueRelated('Revision', key);
      },
    });
    this.events = new EventRecorder({ client: this.client, instance: opts.podName ?? `controller-${process.pid}`, clock: this.clock, log: this.log });
    const digests = opts.resolveDigests ? new DigestResolver({
      credentials: (ns, sa, names) => pullCredentials(this.client, ns, sa, names),
      settings: () => ({
        skipRegistries: this.servingConfig.deployment.registriesSkippingTagResolving,
        timeoutMs: this.servingConfig.deployment.digestResolutionTimeoutSeconds * 1000,
      }),
      onDone: (ns, name) => {
        if (this.leading) this.enqueue('Revision', `${ns}/${name}`);
      },
      now: () => this.clock.now().getTime(),
    }) : undefined;
    this.ctx = {
      digests,
      autoscaling: this.autoscaler,
      client: this.client,
      events: this.events,
      listers,
      config: () => this.servingConfig,
      clock: this.clock,
      log: this.log,
      ingress: {
        name: opts.ingressServiceName ?? INGRESS_INTERNAL_SERVICE_NAME,
        namespace: this.systemNamespace,
        clusterDomain: this.clusterDomain,
      } as IngressTarget,
      labelerMemo: new Map(),
      enqueueAfter: (kind, key, delayMs) => this.enqueueAfter(kind, key, delayMs),
      cancelAfter: (kind, key) => this.cancelAfter(kind, key),
      ingressProbe: newIngressProbeState(opts.ingressProber ?? (this.httpProber = new HttpIngressProber({
        replicas: () => ingressReplicaAddresses(this.informers.ingressEndpointSlices.lister.list(), opts.ingressAdminPort ?? INGRESS_ADMIN_PORT),
      }))),
    };
    this.kinds = {};
    for (const r of RECONCILERS) this.kinds[r.kind] = { reconciler: r, queue: new WorkQueue(r.kind), workers: [] };
    for (const k of Object.values(this.kinds)) {
      this.metrics.queueDepth.set({ queue: k.reconciler.kind }, () => k.queue.length);
    }
    this.metrics.leader.set({}, () => (this.leading ? 1 : 0));
    this.metrics.watchAutoscaler(this.autoscaler);
    this.wireIndexes();
    this.wireWatches(listers);
    // The autoscaler's KPA step follows its Revisions and their Deployments (ready pods, replicas).
    this.informers.revisions.addHandler(onEvery((o: KubeObject) => this.autoscaler.enqueue(keyOf(o))));
    this.informers.deployments.addHandler(onEvery((o: KubeObject) => {
      const rev = o.metadata.labels?.[L.revision];
      if (rev) this.autoscaler.enqueue(`${o.metadata.namespace}/${rev}`);
    }));
    // The ingress replicas changed: Routes and DomainMappings not yet served are probed again at once.
    const notServed = (o: KubeObject, type: string): boolean =>
      (o.status?.conditions ?? []).find((x: { type: string }) => x.type === type)?.status !== 'True';
    this.informers.ingressEndpointSlices.addHandler(onEvery(() => {
      if (!this.leading) return;
      for (const r of this.informers.routes.lister.list()) {
        if (notServed(r, ROUTE_CONDITION_INGRESS_READY)) this.enqueueRelated('Route', keyOf(r));
      }
      for (const d of this.informers.domainMappings.lister.list()) {
        if (notServed(d, DOMAIN_MAPPING_CONDITION_INGRESS_READY)) this.enqueueRelated('DomainMapping', keyOf(d));
      }
    }));
    this.informers.configMaps.addHandler(onEvery((o: KubeObject) => {
      if (SERVING_CONFIG_MAP_NAMES.includes(o.metadata.name!)) this.reloadConfig();
    }));
    const byResource = new Map<string, Informer<any>>();
    for (const i of Object.values(this.informers)) byResource.set(`${i.resource.group}/${i.resource.plural}`, i);
    this.client.onWrite = (r, obj) => {
      const inf = byResource.get(`${r.group}/${r.plural}`);
      if (inf && obj) inf.observe(obj);
    };
    if (opts.leaderElection ?? true) {
      this.elector = new LeaderElector(this.client, {
        namespace: this.systemNamespace,
        name: opts.leaseName ?? CONTROLLER_LEASE_NAME,
        identity: opts.podName ?? `controller-${process.pid}`,
        leaseDurationMs: opts.leaseDurationMs,
        renewDeadlineMs: opts.renewDeadlineMs,
        retryPeriodMs: opts.retryPeriodMs,
        log: this.log,
        onStartedLeading: () => this.startLeading(),
        onStoppedLeading: () => this.stopLeading(),
      });
    }
  }

  get config(): ServingConfig {
    return this.servingConfig;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** All caches synced (used by /readyz). */
  get synced(): boolean {
    return Object.values(this.informers).every((i) => i.hasSynced);
  }

  /**
   * A requeue scheduled by a reconciler: kept with its due time on the clock; a real timer fires it
   * unless `requeueTimers` is false. An earlier schedule for the same key wins. Scheduled requeues
   * do not count as pending work (`idle`), as a far step of a rollout is not.
   */
  private enqueueAfter(kind: string, key: string, delayMs: number): void {
    if (!this.kinds[kind]) throw new Error(`enqueueAfter: unknown kind ${kind}`);
    const id = `${kind}\0${key}`;
    const due = this.clock.now().getTime() + Math.max(0, delayMs);
    const prev = this.scheduled.get(id);
    if (prev && prev.due <= due) return;
    if (prev?.timer) clearTimeout(prev.timer);
    const entry: ScheduledRequeue = { kind, key, due };
    if (this.opts.requeueTimers !== false) {
      entry.timer = setTimeout(() => {
        if (this.scheduled.get(id) === entry) this.scheduled.delete(id);
        if (this.leading) this.enqueue(kind, key);
      }, Math.max(0, delayMs));
      entry.timer.unref?.();
    }
    this.scheduled.set(id, entry);
  }

  /** Drop the requeue scheduled for `key` of `kind`, if any (it is no longer needed). */
  private cancelAfter(kind: string, key: string): void {
    const id = `${kind}\0${key}`;
    const e = this.scheduled.get(id);
    if (e?.timer) clearTimeout(e.timer);
    this.scheduled.delete(id);
  }

  /** Enqueue the scheduled requeues due on the clock (with `requeueTimers: false`); returns how many. */
  runDueRequeues(): number {
    const now = this.clock.now().getTime();
    let n = 0;
    for (const [id, e] of [...this.scheduled]) {
      if (e.due > now) continue;
      if (e.timer) clearTimeout(e.timer);
      this.scheduled.delete(id);
      if (this.leading) this.enqueue(e.kind, e.key);
      n++;
    }
    return n;
  }

  /** Scheduled requeues (kind, key, due time on the clock in ms), soonest first. */
  scheduledRequeues(): Array<{ kind: string; key: string; due: number }> {
    return [...this.scheduled.values()].map(({ kind, key, due }) => ({ kind, key, due })).sort((a, b) => a.due - b.due);
  }

  private clearScheduled(): void {
    for (const e of this.scheduled.values()) if (e.timer) clearTimeout(e.timer);
    this.scheduled.clear();
  }

  private enqueue(kind: string, key: string): void {
    this.kinds[kind].queue.add(key);
  }

  /** Enqueue because something else changed: coalesced (see `coalesceMs`). */
  private enqueueRelated(kind: string, key: string): void {
    const ms = this.opts.coalesceMs ?? 25;
    if (ms > 0) this.kinds[kind].queue.addAfter(key, ms);
    else this.kinds[kind].queue.add(key);
  }

  /** Register every index the kinds declare (before the informers start). */
  private wireIndexes(): void {
    const seen = new Set<string>();
    for (const { reconciler } of Object.values(this.kinds)) {
      for (const idx of reconciler.indexes ?? []) {
        const id = `${idx.informer}/${idx.name}`;
        if (seen.has(id)) throw new Error(`index ${id} declared twice`);
        seen.add(id);
        (this.informers[idx.informer] as Informer<KubeObject>).addIndex(idx.name, idx.fn);
      }
    }
  }

  /** Each kind's declared watches: informer events enqueue the keys they name. */
  private wireWatches(listers: Listers): void {
    for (const { reconciler } of Object.values(this.kinds)) {
      const kind = reconciler.kind;
      for (const w of reconciler.watches) {
        const fire = (o: KubeObject) => {
          for (const key of w.keys(o, listers)) {
            if (w.primary) this.enqueue(kind, key);
            else this.enqueueRelated(kind, key);
          }
        };
        (this.informers[w.informer] as Informer<KubeObject>).addHandler(onEvery(fire));
      }
    }
  }

  private reloadConfig(): void {
    const data: Record<string, Record<string, string> | undefined> = {};
    for (const n of SERVING_CONFIG_MAP_NAMES) {
      data[n] = (this.informers.configMaps.lister.get(this.systemNamespace, n) as any)?.data;
    }
    if (JSON.stringify(data) === JSON.stringify(this.configData)) return;
    try {
      this.servingConfig = parseServingConfig(data, this.clusterDomain);
      this.configData = data;
      this.log.info('configuration reloaded', { configMaps: Object.keys(data).filter((k) => data[k]) });
    } catch (e) {
      this.log.error('invalid configuration; keeping the previous one', { error: e instanceof ConfigError ? e.message : e });
      return;
    }
    if (this.informers.services.hasSynced) {
      this.enqueueAll();
      this.autoscaler.enqueueAll();
    }
  }

  /** Enqueue every primary object (leadership gained, config change). */
  enqueueAll(): void {
    for (const k of Object.values(this.kinds)) {
      for (const o of k.reconciler.lister(this.ctx).list()) this.enqueue(k.reconciler.kind, keyOf(o));
    }
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const i of Object.values(this.informers)) i.start();
    await Promise.all(Object.values(this.informers).map((i) => i.waitForSync()));
    this.reloadConfig();
    if (this.opts.runWorkers === false) return;
    if (this.elector) this.elector.start();
    else this.startLeading();
  }

  /** Run one reconcile of `kind` for `key` against the current caches (tests). */
  async reconcileOnce(kind: 'Service' | 'Configuration' | 'Revision' | 'Route' | 'DomainMapping', key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    await reconcileKey(this.ctx, this.kinds[kind].reconciler, namespace, name);
  }

  /** Resolves once every informer cache holds at least the given resourceVersion's changes. */
  async waitForCaches(pollMs = 5, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.synced) {
      if (Date.now() > deadline) throw new Error('caches not synced');
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private startLeading(): void {
    if (this.leading || this.stopping) return;
    this.leading = true;
    this.log.info('started leading; running reconcilers');
    for (const k of Object.values(this.kinds)) {
      if (k.queue.isShuttingDown) k.queue = new WorkQueue(k.reconciler.kind);
      for (let i = 0; i < this.workersPerKind; i++) k.workers.push(this.worker(k, k.queue));
    }
    this.enqueueAll();
    this.autoscaler.startLeading();
  }

  private stopLeading(): void {
    if (!this.leading) return;
    this.leading = false;
    this.autoscaler.stopLeading();
    this.log.info('stopped leading; reconcilers paused');
    this.clearScheduled();
    for (const k of Object.values(this.kinds)) {
      k.queue.shutDown();
      k.queue = new WorkQueue(k.reconciler.kind);
      k.workers = [];
    }
  }

  private async worker(k: KindRuntime, q: WorkQueue): Promise<void> {
    for (;;) {
      const key = await q.get();
      if (key === undefined) return;
      const start = process.hrtime.bigint();
      let ok = true;
      try {
        const { namespace, name } = splitKey(key);
        await reconcileKey(this.ctx, k.reconciler, namespace, name);
        q.forget(key);
      } catch (e) {
        ok = false;
        if (!q.isShuttingDown) {
          const delay = q.addRateLimited(key);
          if (isConflict(e) || e instanceof RequeueError) this.log.debug('requeue', { kind: k.reconciler.kind, key, delayMs: delay, error: e });
          else this.log.warn('reconcile failed; requeued', { kind: k.reconciler.kind, key, delayMs: delay, error: e });
        }
      } finally {
        const s = Number(process.hrtime.bigint() - start) / 1e9;
        this.metrics.recordReconcile(k.reconciler.kind, s, ok);
        q.done(key);
      }
    }
  }

  /** True when no key is queued, being processed or waiting on a (coalescing or backoff) timer. */
  get idle(): boolean {
    if (!this.leading) return true;
    return !this.autoscaler.busy && Object.values(this.kinds).every((k) => k.queue.idle);
  }

  queueStats(): Record<string, { depth: number; processing: number; delayed: number }> {
    const out: Record<string, { depth: number; processing: number; delayed: number }> = {};
    for (const [n, k] of Object.entries(this.kinds)) {
      out[n] = { depth: k.queue.length, processing: k.queue.processingCount, delayed: k.queue.delayedCount };
    }
    return out;
  }

  /**
   * Graceful stop: stop leading (no new keys are processed), let in-flight reconciles finish
   * (drain), release the Lease, stop informers.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.autoscaler.stopLeading();
    this.clearScheduled();
    const running = Object.values(this.kinds).flatMap((k) => {
      k.queue.shutDown();
      return k.workers;
    });
    // Workers exit once their queue is drained; bound the wait.
    await Promise.race([Promise.all([...running, this.autoscaler.idle()]), new Promise((r) => setTimeout(r, 10_000).unref?.())]);
    this.leading = false;
    await Promise.race([this.events.idle(), new Promise((r) => setTimeout(r, 2_000).unref?.())]);
    if (this.elector) await this.elector.stop(true);
    for (const i of Object.values(this.informers)) i.stop();
    this.httpProber?.close();
  }

  /** Stop immediately without draining or releasing the Lease (simulates a crash in tests). */
  kill(): void {
    this.stopping = true;
    this.leading = false;
    this.autoscaler.stopLeading();
    this.clearScheduled();
    for (const k of Object.values(this.kinds)) k.queue.shutDown();
    void this.elector?.stop(false);
    for (const i of Object.values(this.informers)) i.stop();
    this.httpProber?.close();
  }
}

/** The same handler for add, update (the new object) and delete. */
function onEvery<T extends KubeObject>(fn: (o: T) => void): EventHandler<T> {
  return { onAdd: fn, onUpdate: (_old, o) => fn(o), onDelete: fn };
}

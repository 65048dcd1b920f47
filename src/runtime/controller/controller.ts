/**
 * Wiring: informers (all replicas keep warm caches), per-kind work queues and workers (only the
 * leader processes keys), config store from the system namespace ConfigMaps, leader election,
 * metrics. Used by main.ts, scripts/local.ts, the benchmark and the tests.
 */
import { KubeClient, R, isConflict } from './client';
import { Clock, realClock } from './clock';
import { Informer, keyOf, splitKey } from './informers';
import type { KubeConfig } from './k8s';
import { LeaderElector } from './leader';
import { Logger, silentLogger } from '../common/log';
import { ControllerMetrics } from './metrics';
import { KindReconciler, Listers, ReconcilerContext, RequeueError, reconcileKey } from './reconcilers/base';
import { configurationReconciler } from './reconcilers/configuration';
import { revisionReconciler } from './reconcilers/revision';
import { routeReconciler } from './reconcilers/route';
import { serviceReconciler } from './reconcilers/service';
import { L, controllerOf } from './resources/meta';
import { IngressTarget } from './resources/route';
import { WorkQueue } from './workqueue';
import { ConfigError, ServingConfig, defaultServingConfig, parseServingConfig } from '../../core/config';
import { CONTROLLER_LEASE_NAME, DEFAULT_SYSTEM_NAMESPACE, INGRESS_INTERNAL_SERVICE_NAME } from '../../core/runtime-contract';
import type { ConfigurationObject, KnServiceObject, KubeObject, RevisionObject, RouteObject } from '../../core/types';

export const CONFIG_MAP_NAMES = ['config-defaults', 'config-features', 'config-autoscaler', 'config-network', 'config-domain', 'config-gc', 'config-deployment'];

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
}

type AnyReconciler = KindReconciler<any>;

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
    deployments: Informer<KubeObject>;
    k8sServices: Informer<KubeObject>;
    hpas: Informer<KubeObject>;
    configMaps: Informer<KubeObject>;
  };
  private readonly kinds: Record<string, KindRuntime>;
  private readonly ctx: ReconcilerContext;
  private readonly elector?: LeaderElector;
  private leading = false;
  private started = false;
  private stopping = false;
  /** routes referencing a configuration / revision: `${ns}/${name}` → route keys */
  private readonly routesByConfig = new Map<string, Set<string>>();
  private readonly routesByRevision = new Map<string, Set<string>>();
  private readonly routeRefs = new Map<string, string[]>();
  readonly workersPerKind: number;

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
      deployments: new Informer(this.client, R.deployments, { ...io, labelSelector: L.revision }),
      k8sServices: new Informer(this.client, R.k8sServices, io),
      hpas: new Informer(this.client, R.hpas, { ...io, labelSelector: L.revision }),
      configMaps: new Informer(this.client, R.configMaps, { ...io, namespace: this.systemNamespace }),
    };
    // secondary indexes: revisions by ns/configuration label, k8s Services by ns/route label
    const labelIndex = (label: string) => (o: KubeObject) => {
      const v = o.metadata.labels?.[label];
      return v ? [`${o.metadata.namespace}/${v}`] : [];
    };
    this.informers.revisions.addIndex('configuration', labelIndex(L.configuration));
    this.informers.k8sServices.addIndex('route', labelIndex(L.route));
    // configurations / revisions by each route named in their serving.knative.dev/routes annotation
    const routesIndex = (o: KubeObject) => (o.metadata.annotations?.['serving.knative.dev/routes'] ?? '')
      .split(',').filter((r) => r).map((r) => `${o.metadata.namespace}/${r}`);
    this.informers.configurations.addIndex('routes', routesIndex);
    this.informers.revisions.addIndex('routes', routesIndex);
    const listers: Listers = {
      services: this.informers.services.lister,
      configurations: this.informers.configurations.lister,
      revisions: this.informers.revisions.lister,
      routes: this.informers.routes.lister,
      deployments: this.informers.deployments.lister,
      k8sServices: this.informers.k8sServices.lister,
      hpas: this.informers.hpas.lister,
    };
    this.ctx = {
      client: this.client,
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
    };
    const mk = (r: AnyReconciler): KindRuntime => ({ reconciler: r, queue: new WorkQueue(r.kind), workers: [] });
    this.kinds = {
      Service: mk(serviceReconciler),
      Configuration: mk(configurationReconciler),
      Revision: mk(revisionReconciler),
      Route: mk(routeReconciler),
    };
    for (const k of Object.values(this.kinds)) {
      this.metrics.queueDepth.set({ queue: k.reconciler.kind }, () => k.queue.length);
    }
    this.metrics.leader.set({}, () => (this.leading ? 1 : 0));
    this.wireHandlers();
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

  private enqueue(kind: string, key: string): void {
    this.kinds[kind].queue.add(key);
  }

  /** Enqueue because something else changed: coalesced (see `coalesceMs`). */
  private enqueueRelated(kind: string, key: string): void {
    const ms = this.opts.coalesceMs ?? 25;
    if (ms > 0) this.kinds[kind].queue.addAfter(key, ms);
    else this.kinds[kind].queue.add(key);
  }

  private enqueueOwner(obj: KubeObject, ownerKind: string, queueKind: string): void {
    const o = controllerOf(obj);
    if (o && o.kind === ownerKind) this.enqueueRelated(queueKind, `${obj.metadata.namespace}/${o.name}`);
  }

  private indexRoute(route: RouteObject | undefined, key: string): void {
    for (const ref of this.routeRefs.get(key) ?? []) {
      const [kind, k] = [ref[0], ref.slice(2)];
      (kind === 'c' ? this.routesByConfig : this.routesByRevision).get(k)?.delete(key);
    }
    this.routeRefs.delete(key);
    if (!route) return;
    const ns = route.metadata.namespace;
    const refs: string[] = [];
    for (const t of [...(route.spec?.traffic ?? []), ...(route.status?.traffic ?? [])]) {
      if (t.configurationName) refs.push(`c:${ns}/${t.configurationName}`);
      if (t.revisionName) refs.push(`r:${ns}/${t.revisionName}`);
    }
    for (const ref of refs) {
      const m = ref[0] === 'c' ? this.routesByConfig : this.routesByRevision;
      const k = ref.slice(2);
      let s = m.get(k);
      if (!s) m.set(k, (s = new Set()));
      s.add(key);
    }
    this.routeRefs.set(key, refs);
  }

  private enqueueRoutesFor(configKey: string | undefined, revisionKey: string | undefined): void {
    if (configKey) for (const r of this.routesByConfig.get(configKey) ?? []) this.enqueueRelated('Route', r);
    if (revisionKey) for (const r of this.routesByRevision.get(revisionKey) ?? []) this.enqueueRelated('Route', r);
  }

  private wireHandlers(): void {
    const both = <T extends KubeObject>(fn: (o: T) => void) => ({ onAdd: fn, onUpdate: (_o: T, n: T) => fn(n), onDelete: fn });
    this.informers.services.addHandler(both((o) => this.enqueue('Service', keyOf(o))));
    this.informers.configurations.addHandler(both((o: ConfigurationObject) => {
      const key = keyOf(o);
      this.enqueue('Configuration', key);
      this.enqueueOwner(o, 'Service', 'Service');
      this.enqueueRoutesFor(key, undefined);
      for (const r of (o.metadata.annotations?.['serving.knative.dev/routes'] ?? '').split(',')) {
        if (r) this.enqueueRelated('Route', `${o.metadata.namespace}/${r}`);
      }
    }));
    this.informers.revisions.addHandler(both((o: RevisionObject) => {
      const key = keyOf(o);
      this.enqueue('Revision', key);
      this.enqueueOwner(o, 'Configuration', 'Configuration');
      const cfg = o.metadata.labels?.[L.configuration];
      this.enqueueRoutesFor(cfg ? `${o.metadata.namespace}/${cfg}` : undefined, key);
    }));
    this.informers.routes.addHandler({
      onAdd: (o) => { this.indexRoute(o, keyOf(o)); this.enqueue('Route', keyOf(o)); this.enqueueOwner(o, 'Service', 'Service'); },
      onUpdate: (_old, o) => { this.indexRoute(o, keyOf(o)); this.enqueue('Route', keyOf(o)); this.enqueueOwner(o, 'Service', 'Service'); },
      onDelete: (o) => { this.indexRoute(undefined, keyOf(o)); this.enqueue('Route', keyOf(o)); this.enqueueOwner(o, 'Service', 'Service'); },
    });
    const toRevision = both((o: KubeObject) => this.enqueueOwner(o, 'Revision', 'Revision'));
    this.informers.deployments.addHandler(toRevision);
    this.informers.hpas.addHandler(toRevision);
    this.informers.k8sServices.addHandler(both((o: KubeObject) => {
      this.enqueueOwner(o, 'Revision', 'Revision');
      this.enqueueOwner(o, 'Route', 'Route');
    }));
    this.informers.configMaps.addHandler(both((o: KubeObject) => {
      if (CONFIG_MAP_NAMES.includes(o.metadata.name!)) this.reloadConfig();
    }));
  }

  private reloadConfig(): void {
    const data: Record<string, Record<string, string> | undefined> = {};
    for (const n of CONFIG_MAP_NAMES) {
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
    if (this.informers.services.hasSynced) this.enqueueAll();
  }

  /** Enqueue every primary object (leadership gained, config change). */
  enqueueAll(): void {
    for (const o of this.informers.services.lister.list()) this.enqueue('Service', keyOf(o));
    for (const o of this.informers.configurations.lister.list()) this.enqueue('Configuration', keyOf(o));
    for (const o of this.informers.revisions.lister.list()) this.enqueue('Revision', keyOf(o));
    for (const o of this.informers.routes.lister.list()) this.enqueue('Route', keyOf(o));
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
  async reconcileOnce(kind: 'Service' | 'Configuration' | 'Revision' | 'Route', key: string): Promise<void> {
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
  }

  private stopLeading(): void {
    if (!this.leading) return;
    this.leading = false;
    this.log.info('stopped leading; reconcilers paused');
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
    return Object.values(this.kinds).every((k) => k.queue.idle);
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
    const running = Object.values(this.kinds).flatMap((k) => {
      k.queue.shutDown();
      return k.workers;
    });
    // Workers exit once their queue is drained; bound the wait.
    await Promise.race([Promise.all(running), new Promise((r) => setTimeout(r, 10_000).unref?.())]);
    this.leading = false;
    if (this.elector) await this.elector.stop(true);
    for (const i of Object.values(this.informers)) i.stop();
  }

  /** Stop immediately without draining or releasing the Lease (simulates a crash in tests). */
  kill(): void {
    this.stopping = true;
    this.leading = false;
    for (const k of Object.values(this.kinds)) k.queue.shutDown();
    void this.elector?.stop(false);
    for (const i of Object.values(this.informers)) i.stop();
  }
}

/**
 * List+watch informers with an in-memory cache (the "lister").
 *
 *  - initial LIST, then WATCH from the list's resourceVersion;
 *  - a watch that ends (server timeout, dropped connection) is restarted from the last seen
 *    resourceVersion; a 410 Gone (ERROR event or failed watch) triggers a full relist whose
 *    result is diffed against the cache (missing objects are delivered as deletes);
 *  - a periodic resync re-delivers every cached object as an update;
 *  - handlers get (old, new) / obj so controllers can enqueue themselves or their owners.
 */
import { KubeClient, Resource, WatchHandle, isGone, resourceId } from './client';
import type { KubeObject } from '../../core/types';
import { Logger, silentLogger } from '../common/log';

export interface EventHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export function keyOf(o: { metadata: { namespace?: string; name?: string } }): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : String(o.metadata.name);
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export type IndexFn<T> = (o: T) => string[];

/** Read-only view of an informer's cache. Objects returned must not be mutated. */
export class Lister<T extends KubeObject> {
  constructor(private readonly store: Map<string, T>, private readonly byNs: Map<string, Map<string, T>>,
    private readonly indexes: Map<string, { fn: IndexFn<T>; values: Map<string, Map<string, T>> }> = new Map()) {}

  /** Objects whose index `name` produced `value` (see Informer.addIndex). */
  byIndex(name: string, value: string): T[] {
    const idx = this.indexes.get(name);
    if (!idx) throw new Error(`no index ${name}`);
    return [...(idx.values.get(value)?.values() ?? [])];
  }
  /** `namespace` '' for a cluster-scoped object. */
  get(namespace: string, name: string): T | undefined {
    return this.store.get(namespace ? `${namespace}/${name}` : name);
  }
  list(namespace?: string, filter?: (o: T) => boolean): T[] {
    const src = namespace === undefined ? this.store.values() : (this.byNs.get(namespace)?.values() ?? [].values());
    const out: T[] = [];
    for (const o of src) if (!filter || filter(o)) out.push(o);
    return out;
  }
  /** Objects whose labels contain every given key=value. */
  byLabels(namespace: string | undefined, labels: Record<string, string>): T[] {
    const entries = Object.entries(labels);
    return this.list(namespace, (o) => entries.every(([k, v]) => o.metadata.labels?.[k] === v));
  }
  get size(): number {
    return this.store.size;
  }
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  /** Periodic resync (re-deliver all objects as updates); 0 disables. */
  resyncMs?: number;
  /** Delay before re-establishing a failed watch/list. */
  retryMs?: number;
  log?: Logger;
}

export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly byNs = new Map<string, Map<string, T>>();
  private readonly indexes = new Map<string, { fn: IndexFn<T>; values: Map<string, Map<string, T>> }>();
  readonly lister: Lister<T>;
  private readonly handlers: EventHandler<T>[] = [];
  private resourceVersion = '';
  private synced = false;
  private stopped = true;
  private watch?: WatchHandle;
  private watchToken?: object;
  private failures = 0;
  private resyncTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private syncWaiters: Array<() => void> = [];
  private readonly log: Logger;
  /** Counters for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, relists410: 0, events: 0 };

  constructor(private readonly client: KubeClient, readonly resource: Resource, private readonly opts: InformerOptions = {}) {
    this.lister = new Lister(this.store, this.byNs, this.indexes);
    this.log = (opts.log ?? silentLogger).child({ informer: resourceId(resource) });
  }

  /** Maintain a secondary index (before start()). */
  addIndex(name: string, fn: IndexFn<T>): void {
    this.indexes.set(name, { fn, values: new Map() });
  }

  private index(k: string, old: T | undefined, o: T | undefined): void {
    for (const idx of this.indexes.values()) {
      for (const v of old ? idx.fn(old) : []) idx.values.get(v)?.delete(k);
      for (const v of o ? idx.fn(o) : []) {
        let m = idx.values.get(v);
        if (!m) idx.values.set(v, (m = new Map()));
        m.set(k, o!);
      }
    }
  }

  addHandler(h: EventHandler<T>): void {
    this.handlers.push(h);
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.relist();
    if (this.opts.resyncMs && this.opts.resyncMs > 0) {
      this.resyncTimer = setInterval(() => this.resync(), this.opts.resyncMs);
      this.resyncTimer.unref?.();
    }
  }

  stop(): void {
    this.stopped = true;
    this.watch?.abort();
    this.watch = undefined;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  /** Re-deliver every cached object as an update (periodic resync). */
  resync(): void {
    for (const o of [...this.store.values()]) this.emitUpdate(o, o);
  }

  /** Retry with exponential backoff (retryMs · 2^n, capped at 10 s); reset by a successful list. */
  private scheduleRetry(fn: () => void, failed = true): void {
    if (this.stopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const base = this.opts.retryMs ?? 200;
    const delay = failed ? Math.min(10_000, base * Math.pow(2, this.failures++)) : base;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) fn();
    }, delay);
    this.retryTimer.unref?.();
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    this.watch?.abort();
    this.watch = undefined;
    this.watchToken = undefined;
    let res;
    try {
      this.stats.lists++;
      res = await this.client.list<T>(this.resource, this.opts.namespace, this.opts.labelSelector);
    } catch (e) {
      this.log.warn('list failed; retrying', { error: e });
      this.scheduleRetry(() => void this.relist());
      return;
    }
    if (this.stopped) return;
    this.failures = 0;
    const seen = new Set<string>();
    for (const o of res.items) {
      const k = keyOf(o);
      seen.add(k);
      this.upsert(o);
    }
    for (const [k, o] of [...this.store]) {
      if (!seen.has(k)) this.remove(o);
    }
    this.resourceVersion = res.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    void this.startWatch();
  }

  private async startWatch(): Promise<void> {
    if (this.stopped) return;
    this.stats.watches++;
    let needRelist = false;
    const token = {};
    this.watchToken = token;
    const handle = await this.client.watch<T>(this.resource,
      { namespace: this.opts.namespace, resourceVersion: this.resourceVersion, labelSelector: this.opts.labelSelector },
      (ev) => {
        this.stats.events++;
        this.failures = 0;
        if (ev.type === 'ERROR') {
          const st = ev.object as unknown as { code?: number; message?: string };
          if (st?.code === 410) needRelist = true;
          this.log.info('watch error event', { code: st?.code, message: st?.message });
          return;
        }
        const o = ev.object;
        if (!o?.metadata) return;
        if (o.metadata.resourceVersion) this.resourceVersion = o.metadata.resourceVersion;
        if (ev.type === 'BOOKMARK') return;
        if (ev.type === 'DELETED') {
          const cur = this.store.get(keyOf(o));
          if (cur) this.remove(o);
        } else {
          o.apiVersion = o.apiVersion ?? (this.resource.group ? `${this.resource.group}/${this.resource.version}` : this.resource.version);
          o.kind = o.kind ?? this.resource.kind;
          this.upsert(o);
        }
      },
      (err) => {
        if (this.stopped || this.watchToken !== token) return;
        this.watchToken = undefined;
        this.watch = undefined;
        if (needRelist || isGone(err)) {
          this.stats.relists410++;
          this.log.info('watch expired (410); relisting');
          this.scheduleRetry(() => void this.relist(), false);
        } else {
          // Normal end or dropped connection: resume from the last resourceVersion.
          this.scheduleRetry(() => void this.startWatch(), !!err);
        }
      });
    if (this.stopped || this.watchToken !== token) {
      handle.abort();
      return;
    }
    this.watch = handle;
  }

  /**
   * Write-through from our own successful writes (like client-go's mutation cache): the object
   * returned by the API server replaces the cached one unless the cache already holds a newer
   * version, so the next reconcile does not work on a stale copy and hit a 409.
   */
  observe(o: T): void {
    if (this.stopped || !o?.metadata?.name) return;
    if (this.opts.namespace && o.metadata.namespace !== this.opts.namespace) return;
    this.upsert(o);
  }

  /** Drop an object we deleted (the watch DELETED event would do the same). */
  forgetObject(namespace: string, name: string): void {
    const o = this.store.get(namespace ? `${namespace}/${name}` : name);
    if (o) this.remove(o);
  }

  private upsert(o: T): void {
    const k = keyOf(o);
    const old = this.store.get(k);
    if (old && !newer(o.metadata.resourceVersion, old.metadata.resourceVersion)) return;
    this.store.set(k, o);
    if (this.indexes.size) this.index(k, old, o);
    const ns = o.metadata.namespace ?? '';
    let m = this.byNs.get(ns);
    if (!m) this.byNs.set(ns, (m = new Map()));
    m.set(k, o);
    if (old) this.emitUpdate(old, o);
    else for (const h of this.handlers) safe(() => h.onAdd?.(o), this.log);
  }

  private remove(o: T): void {
    const k = keyOf(o);
    const old = this.store.get(k) ?? o;
    this.store.delete(k);
    if (this.indexes.size) this.index(k, old, undefined);
    this.byNs.get(o.metadata.namespace ?? '')?.delete(k);
    for (const h of this.handlers) safe(() => h.onDelete?.(old), this.log);
  }

  private emitUpdate(old: T, o: T): void {
    for (const h of this.handlers) safe(() => h.onUpdate?.(old, o), this.log);
  }
}

/** resourceVersions are opaque, but etcd's are integers: compare numerically when both are. */
function newer(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return false;
  if (a && b && /^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) > BigInt(b);
  return true;
}

function safe(fn: () => void, log: Logger): void {
  try {
    fn();
  } catch (e) {
    log.error('event handler threw', { error: e });
  }
}

/**
 * Kubernetes Events (events.k8s.io/v1) for the transitions upstream records (runtime.md §11.1):
 * children created or updated (`Created`, `Updated`, `CreationFailed`, `UpdateFailed`), a failed
 * status write (`UpdateFailed`), a failed reconcile (`InternalError`), Configuration and Revision
 * readiness edges. Each Event names the object it is about (`regarding`) so `kubectl describe`
 * shows it there.
 *
 * Aggregated like client-go's events/v1 broadcaster: the same (object, type, reason, note) seen
 * again within 6 minutes of its last occurrence is not a new Event; the existing one's `series`
 * (count, lastObservedTime) is patched instead, so a reconcile retried every few seconds leaves one
 * Event with a growing count. Writes are asynchronous and never fail a reconcile: a failed write is
 * logged (the Event is dropped, as the broadcaster does after its retries).
 */
import { KubeClient, Resource, apiVersionOf, isNotFound } from './client';
import { Clock, microTime, realClock } from './clock';
import type { KubeObject } from '../../core/types';
import { Logger, silentLogger } from '../common/log';

export const EVENTS: Resource = { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', namespaced: true };

export type EventType = 'Normal' | 'Warning';

/** How long a recorded Event keeps absorbing repeats (client-go: 6 minutes). */
export const EVENT_SERIES_WINDOW_MS = 6 * 60_000;
/** The Event note's limit on the API server (events.k8s.io/v1: 1 kB). */
const NOTE_MAX = 1024;

interface Series {
  namespace: string;
  name: string;
  count: number;
  lastMs: number;
  /** The write in flight for this series (creates and patches of one series are serialized). */
  writing: Promise<void>;
}

export interface EventRecorderOptions {
  client: KubeClient;
  /** `reportingController` (a qualified name). Default `knative.dev/serving-controller`. */
  controller?: string;
  /** `reportingInstance`: the pod name. */
  instance: string;
  clock?: Clock;
  log?: Logger;
}

export class EventRecorder {
  private readonly series = new Map<string, Series>();
  private readonly pending = new Set<Promise<void>>();
  private seq = 0;
  private readonly controller: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  /** Events created and series patches written (tests, metrics). */
  readonly stats = { created: 0, patched: 0, failed: 0 };

  constructor(private readonly opts: EventRecorderOptions) {
    this.controller = opts.controller ?? 'knative.dev/serving-controller';
    this.clock = opts.clock ?? realClock;
    this.log = (opts.log ?? silentLogger).child({ component: 'events' });
  }

  /** Record `reason` (`note`: the human message) about `obj`. Returns at once; see `idle()`. */
  event(obj: KubeObject, type: EventType, reason: string, note: string): void {
    const ns = obj.metadata.namespace;
    if (!ns || !obj.metadata.name) return;
    const text = note.length > NOTE_MAX ? `${note.slice(0, NOTE_MAX - 3)}...` : note;
    const key = [obj.metadata.uid ?? `${obj.kind}/${ns}/${obj.metadata.name}`, type, reason, text].join('\0');
    const now = this.clock.now();
    this.prune(now.getTime());
    let s = this.series.get(key);
    if (s) {
      s.count++;
      s.lastMs = now.getTime();
      const snapshot = { count: s.count, lastObservedTime: microTime(now) };
      const series = s;
      this.track(s, () => this.patchSeries(series, snapshot, obj, type, reason, text, now));
      return;
    }
    s = { namespace: ns, name: this.eventName(obj, now), count: 1, lastMs: now.getTime(), writing: Promise.resolve() };
    this.series.set(key, s);
    const series = s;
    this.track(s, () => this.create(series, obj, type, reason, text, now));
  }

  /** Resolves once every Event write started so far has finished. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private track(s: Series, write: () => Promise<void>): void {
    const p = s.writing.then(write).catch((e) => {
      this.stats.failed++;
      this.log.warn('event not written', { error: e });
    });
    s.writing = p;
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** `<object>.<hex nanoseconds>` as client-go names Events (a sequence number keeps names made in one millisecond apart). */
  private eventName(obj: KubeObject, now: Date): string {
    return `${obj.metadata.name}.${(BigInt(now.getTime()) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`;
  }

  private prune(nowMs: number): void {
    for (const [k, s] of this.series) if (nowMs - s.lastMs > EVENT_SERIES_WINDOW_MS) this.series.delete(k);
  }

  private body(s: Series, obj: KubeObject, type: EventType, reason: string, note: string, now: Date): KubeObject {
    return {
      apiVersion: apiVersionOf(EVENTS),
      kind: 'Event',
      metadata: { name: s.name, namespace: s.namespace },
      eventTime: microTime(now),
      reportingController: this.controller,
      reportingInstance: this.opts.instance,
      action: 'Reconcile',
      reason,
      note,
      type,
      regarding: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
        ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
      },
    } as KubeObject;
  }

  private async create(s: Series, obj: KubeObject, type: EventType, reason: string, note: string, now: Date): Promise<void> {
    await this.opts.client.create(EVENTS, this.body(s, obj, type, reason, note, now));
    this.stats.created++;
  }

  private async patchSeries(s: Series, series: { count: number; lastObservedTime: string }, obj: KubeObject,
    type: EventType, reason: string, note: string, now: Date): Promise<void> {
    try {
      await this.opts.client.jsonPatch(EVENTS, s.namespace, s.name, [{ op: 'add', path: '/series', value: series }]);
      this.stats.patched++;
    } catch (e) {
      if (!isNotFound(e)) throw e;
      // The Event expired on the API server (its TTL, 1 h by default): start again with a new one.
      s.name = this.eventName(obj, now);
      s.count = 1;
      await this.create(s, obj, type, reason, note, now);
    }
  }
}

/**
 * Per-revision pod pools: the ingress's pod-level data path and activator throttler (reference
 * runtime.md §4.2–4.3, §5.1).
 *
 * A RevisionPool balances a revision's requests across its usable pods with a per-pod in-flight
 * limit = the revision's `containerConcurrency` (0 = unlimited), using upstream's activator LB
 * policies:
 *   CC 0   → power of two random choices (fewer in flight wins; tie random);
 *   CC 1–3 → first pod with a free slot in `ip:port`-sorted order;
 *   CC > 3 → round robin, skipping full pods.
 * When no pod has a free slot (every pod full, or no usable pod at all: scale from zero) the
 * request waits in the revision's FIFO queue (bounded by the proxy, per revision and in total)
 * until a slot frees or a pod becomes usable, or until its wait deadline (one timer per pool, for
 * the queue head; waiters of a revision share its timeouts, so deadlines follow arrival order).
 * A waiter is the request's own record (the proxy's Exchange): no closure, no timer per request.
 *
 * Usable pods: endpoints with `ready` true, plus not-ready, non-terminating endpoints once the
 * ingress's own probe passes (TCP connect, or the revision's httpGet readiness path), every 50 ms
 * for the first 10 s, then every 200 ms — so a cold start does not wait for the kubelet's probe
 * period. A removed (or terminating) pod gets no new request; its in-flight requests finish, then
 * its connection pool closes.
 *
 * Protocol: a pod of an h2c revision (its serving port is named `h2c`) is reached over HTTP/2 with
 * prior knowledge (undici's HTTP/2 client: one multiplexed session per connection, trailers
 * passed on); every other pod over HTTP/1.1 keep-alive connections. Either way a request (an
 * HTTP/2 stream) holds one of the pod's slots until it ends.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { PodEndpoint, podKey } from './endpoints';
import type { LogFn } from '../common/log';

/** How the ingress checks a not-ready pod itself (from the Revision's serving container). */
export type ProbeSpec =
  | { readonly kind: 'tcp'; readonly port?: number }
  | { readonly kind: 'http'; readonly path: string; readonly port?: number; readonly headers?: readonly [string, string][] }
  /** Exec/gRPC/HTTPS readiness or a startupProbe: wait for the kubelet's readiness. */
  | { readonly kind: 'none' };

/** A revision's settings, as the pool needs them. */
export interface PoolSettings {
  /** 0 = unlimited. */
  readonly containerConcurrency: number;
  /** Until the response starts (ms), waiting included (timeoutSeconds: a started response is not cut). */
  readonly timeoutMs: number;
  /** Until the response headers (ms), waiting included. */
  readonly headersTimeoutMs: number;
  /** Between response body chunks (ms; idleTimeoutSeconds, 0 = no limit). */
  readonly bodyTimeoutMs: number;
  /** Longest wait for a pod (ms): min(timeoutSeconds, responseStartTimeoutSeconds). */
  readonly waitTimeoutMs: number;
  readonly probe: ProbeSpec;
  /** The revision speaks h2c: its pods are reached over HTTP/2 (prior knowledge). */
  readonly h2c: boolean;
}

/** A request waiting for a pod. The pool never holds anything else per waiter. */
export interface Waiter {
  /** performance.now() (ms) after which the wait gives up. */
  readonly waitDeadline: number;
  /** True once answered or abandoned: the queue skips it. */
  readonly settled: boolean;
  /** A slot on `pod` was reserved for this waiter: send the request. */
  run(pod: PodTracker): void;
  /** The wait deadline passed (the waiter answers 504 itself). */
  expire(): void;
}

/** What the pools share (the proxy). */
export interface PoolHost {
  /** Max connections per pod when CC is 0. */
  readonly connectionsPerPod: number;
  readonly log: LogFn;
  /** A waiter entered the queue: the proxy's total count. */
  waiterQueued(): void;
  /** A waiter left the queue (run, expired or cancelled): the proxy's total count. */
  waiterLeft(): void;
  /** A probe finished (for metrics). */
  probed(ok: boolean): void;
}

const PROBE_FAST_MS = 50;
const PROBE_SLOW_MS = 200;
const PROBE_FAST_FOR_MS = 10_000;
const PROBE_TIMEOUT_MS = 250;

export class PodTracker {
  public inFlight = 0;
  /** Receives new requests. */
  public usable = false;
  /** The EndpointSlices say ready. */
  public sliceReady = false;
  /** Gone from the EndpointSlices (or terminating): finishing its in-flight requests only. */
  public removed = false;
  public readonly origin: string;
  private pool: Pool | undefined;
  /** Probe state. */
  public probeTimer: NodeJS.Timeout | undefined;
  public probeSince = 0;
  public probing = false;
  /** Connect from this local address (an ingress peer: the replica's own address, which the owner checks). */
  public localAddress: string | undefined;
  /** An ingress peer refused a connection: not used until then (performance.now() ms). */
  public downUntil = 0;

  constructor(public readonly key: string, public readonly ip: string, public readonly port: number, private readonly connections: number,
    private h2c = false) {
    this.origin = `http://${key}`;
  }

  /** Whether the pod is reached over HTTP/2 (h2c). */
  public get http2(): boolean {
    return this.h2c;
  }

  /**
   * The revision's protocol became known (or changed): new requests use a new connection pool
   * of that protocol; the old one closes once its requests finish.
   */
  public setProtocol(h2c: boolean): void {
    if (h2c === this.h2c) return;
    this.h2c = h2c;
    const p = this.pool;
    this.pool = undefined;
    p?.close().catch(() => undefined);
  }

  /** The pod's keep-alive connection pool (made on first use): HTTP/1.1, or HTTP/2 prior knowledge for h2c. */
  public dispatcher(): Pool {
    let p = this.pool;
    if (p === undefined) {
      p = new Pool(this.origin, {
        // 0: no limit (an ingress peer: the owner replica enforces the pods' limits).
        connections: this.connections > 0 ? this.connections : null,
        pipelining: this.h2c ? 100 : 1,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        headersTimeout: 0,
        bodyTimeout: 0,
        // h2c: HTTP/2 with prior knowledge on a cleartext connection (undici's connector option
        // `useH2c`, not in its type definitions).
        ...(this.localAddress === undefined ? {} : { localAddress: this.localAddress }),
        ...(this.h2c ? { allowH2: true, connect: { useH2c: true } as Pool.Options['connect'] } : {}),
      });
      p.on('connectionError', () => undefined);
      this.pool = p;
    }
    return p;
  }

  /** Close the connection pool once its requests finish. */
  public close(): void {
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    const p = this.pool;
    this.pool = undefined;
    p?.close().catch(() => undefined);
  }

  public destroy(): Promise<void> {
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    const p = this.pool;
    this.pool = undefined;
    return p === undefined ? Promise.resolve() : p.destroy().catch(() => undefined);
  }
}

function onQueueTimer(pool: RevisionPool): void {
  pool.expireWaiters();
}

function onProbeTimer(pool: RevisionPool, pod: PodTracker): void {
  pod.probeTimer = undefined;
  pool.probe(pod);
}

export class RevisionPool {
  /** Usable pods, sorted by key. */
  private usable: PodTracker[] = [];
  private readonly pods = new Map<string, PodTracker>();
  private rr = 0;
  private queue: Waiter[] = [];
  private head = 0;
  /** Waiters in the queue that are not settled. */
  public waiting = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  /** EndpointSlices known for this revision at all. */
  public endpointsKnown = false;
  private closed = false;
  public settings: PoolSettings;
  /** Static endpoints (tests, benchmarks, a Kubernetes Service's address): never demoted. */
  public staticEndpoints = false;
  /** The pool of a Kubernetes Service (a DomainMapping's target), not of a revision: no autoscaler statistics. */
  public kubernetesService = false;

  constructor(public readonly key: string, public readonly namespace: string, public readonly revision: string,
    settings: PoolSettings, private readonly host: PoolHost) {
    this.settings = settings;
  }

  /** At least one pod can take requests (maybe not right now: it may be full). */
  public get hasUsablePod(): boolean {
    return this.usable.length > 0;
  }

  public get usableCount(): number {
    return this.usable.length;
  }

  public get podCount(): number {
    return this.pods.size;
  }

  /** Pods (usable or not, removed ones with requests in flight included); for tests and metrics. */
  public get trackers(): readonly PodTracker[] {
    return [...this.pods.values()];
  }

  public setSettings(s: PoolSettings): void {
    const ccChanged = s.containerConcurrency !== this.settings.containerConcurrency;
    if (s.h2c !== this.settings.h2c) for (const pod of this.pods.values()) pod.setProtocol(s.h2c);
    this.settings = s;
    if (ccChanged) this.drain();
  }

  /**
   * The revision's endpoints changed (`undefined`: no EndpointSlice known). New ready pods take
   * waiting requests at once; removed pods finish what they have.
   */
  public setEndpoints(eps: readonly PodEndpoint[] | undefined): void {
    if (this.closed) return;
    this.endpointsKnown = eps !== undefined;
    const seen = new Set<string>();
    for (const ep of eps ?? []) {
      if (ep.terminating) continue;
      const key = podKey(ep);
      seen.add(key);
      let pod = this.pods.get(key);
      if (pod === undefined) {
        pod = new PodTracker(key, ep.ip, ep.port, this.connectionsPerPod(), this.settings.h2c);
        this.pods.set(key, pod);
      }
      pod.removed = false;
      if (ep.ready) {
        pod.sliceReady = true;
        pod.usable = true;
        this.stopProbe(pod);
      } else {
        // Not ready (yet, or again): probe it ourselves unless a probe already passed since it was last ready.
        if (pod.sliceReady || !pod.usable) {
          pod.sliceReady = false;
          pod.usable = false;
          this.startProbe(pod);
        }
      }
    }
    for (const pod of this.pods.values()) {
      if (seen.has(pod.key)) continue;
      pod.removed = true;
      pod.usable = false;
      pod.sliceReady = false;
      this.stopProbe(pod);
      if (pod.inFlight === 0) this.forget(pod);
    }
    this.rebuildUsable();
    this.drain();
  }

  /** Queue or run a waiter. False: the caller's bounds say the queue is full (checked by the caller via `canQueue`). */
  public submit(w: Waiter, canQueue: boolean): boolean {
    if (this.waiting === 0) {
      const pod = this.acquire();
      if (pod !== undefined) {
        pod.inFlight++;
        w.run(pod);
        return true;
      }
    }
    if (!canQueue) return false;
    this.queue.push(w);
    this.waiting++;
    this.host.waiterQueued();
    if (w.waitDeadline < this.timerAt) this.armTimer(w.waitDeadline);
    return true;
  }

  /** A waiter in the queue was abandoned (client left). */
  public cancelled(): void {
    this.waiting--;
    this.host.waiterLeft();
    if (this.waiting === 0) this.resetQueue();
    else if (this.head > 1024 && this.head * 2 > this.queue.length) this.compact();
  }

  /** A request on `pod` ended: free its slot and hand it on. */
  public release(pod: PodTracker): void {
    pod.inFlight--;
    if (pod.removed) {
      if (pod.inFlight === 0) this.forget(pod);
      return;
    }
    if (this.waiting > 0) this.drain();
  }

  /**
   * A pod refused a connection: no new requests until the ingress's probe passes again (or the
   * EndpointSlices drop it). False if the pool cannot probe it (static endpoints, or the kubelet
   * decides readiness): then the error is the answer.
   */
  public demote(pod: PodTracker): boolean {
    if (this.staticEndpoints || this.settings.probe.kind === 'none' || pod.removed || this.closed) return false;
    if (pod.usable) {
      pod.usable = false;
      pod.sliceReady = false;
      this.rebuildUsable();
      this.startProbe(pod);
    }
    return true;
  }

  /** Pick a pod with a free slot by the LB policy (nothing reserved). */
  public acquire(): PodTracker | undefined {
    const pods = this.usable;
    const n = pods.length;
    if (n === 0) return undefined;
    const cc = this.settings.containerConcurrency;
    if (cc <= 0) {
      if (n === 1) return pods[0];
      const i = Math.floor(Math.random() * n);
      let j = Math.floor(Math.random() * (n - 1));
      if (j >= i) j++;
      const a = pods[i];
      const b = pods[j];
      if (a.inFlight < b.inFlight) return a;
      if (b.inFlight < a.inFlight) return b;
      return Math.random() < 0.5 ? a : b;
    }
    if (cc <= 3) {
      for (let k = 0; k < n; k++) if (pods[k].inFlight < cc) return pods[k];
      return undefined;
    }
    for (let k = 0; k < n; k++) {
      const idx = (this.rr + k) % n;
      if (pods[idx].inFlight < cc) {
        this.rr = (idx + 1) % n;
        return pods[idx];
      }
    }
    return undefined;
  }

  /** Hand free slots to waiters, in order. */
  public drain(): void {
    while (this.waiting > 0) {
      const w = this.peek();
      if (w === undefined) break;
      const pod = this.acquire();
      if (pod === undefined) break;
      this.head++;
      this.waiting--;
      this.host.waiterLeft();
      pod.inFlight++;
      w.run(pod);
    }
    if (this.waiting === 0) this.resetQueue();
  }

  /** @internal Queue timer: answer every waiter whose deadline passed. */
  public expireWaiters(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    while (this.waiting > 0) {
      const w = this.peek();
      if (w === undefined) break;
      if (w.waitDeadline > now) {
        this.armTimer(w.waitDeadline);
        return;
      }
      this.head++;
      this.waiting--;
      this.host.waiterLeft();
      w.expire();
    }
    if (this.waiting === 0) this.resetQueue();
  }

  /** @internal Probe a not-ready pod once; usable on success, else again soon. */
  public probe(pod: PodTracker): void {
    if (this.closed || pod.removed || pod.usable || !pod.probing) return;
    const spec = this.settings.probe;
    const done = (ok: boolean): void => {
      this.host.probed(ok);
      if (this.closed || pod.removed || pod.usable || !pod.probing) return;
      if (ok) {
        pod.probing = false;
        pod.usable = true;
        this.host.log('debug', 'pod probe passed', { revision: this.key, pod: pod.key, afterMs: Math.round(performance.now() - pod.probeSince) });
        this.rebuildUsable();
        this.drain();
        return;
      }
      const delay = performance.now() - pod.probeSince < PROBE_FAST_FOR_MS ? PROBE_FAST_MS : PROBE_SLOW_MS;
      pod.probeTimer = setTimeout(onProbeTimer, delay, this, pod);
      pod.probeTimer.unref();
    };
    if (spec.kind === 'http') probeHttp(pod.ip, spec.port ?? pod.port, spec.path, spec.headers, done);
    else if (spec.kind === 'tcp') probeTcp(pod.ip, spec.port ?? pod.port, done);
  }

  /** Stop everything (the revision left the table and has no endpoints, or shutdown). */
  public async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.pods.values()].map((p) => p.destroy()));
    this.pods.clear();
    this.usable = [];
  }

  /** Nothing in flight or waiting: the pool may be dropped. */
  public get idle(): boolean {
    if (this.waiting > 0) return false;
    for (const p of this.pods.values()) if (p.inFlight > 0) return false;
    return true;
  }

  private connectionsPerPod(): number {
    const cc = this.settings.containerConcurrency;
    return cc > 0 ? cc : this.host.connectionsPerPod;
  }

  private startProbe(pod: PodTracker): void {
    if (this.settings.probe.kind === 'none') return;
    if (pod.probing) return;
    pod.probing = true;
    pod.probeSince = performance.now();
    this.probe(pod);
  }

  private stopProbe(pod: PodTracker): void {
    pod.probing = false;
    if (pod.probeTimer !== undefined) clearTimeout(pod.probeTimer);
    pod.probeTimer = undefined;
  }

  private forget(pod: PodTracker): void {
    if (this.pods.get(pod.key) === pod) this.pods.delete(pod.key);
    pod.close();
  }

  private rebuildUsable(): void {
    const u: PodTracker[] = [];
    for (const p of this.pods.values()) if (p.usable && !p.removed) u.push(p);
    u.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.usable = u;
    if (this.rr >= u.length) this.rr = 0;
  }

  private peek(): Waiter | undefined {
    const q = this.queue;
    while (this.head < q.length) {
      const w = q[this.head];
      if (!w.settled) return w;
      q[this.head] = undefined as unknown as Waiter;
      this.head++;
    }
    return undefined;
  }

  private resetQueue(): void {
    this.queue = [];
    this.head = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private compact(): void {
    this.queue = this.queue.slice(this.head).filter((w) => w !== undefined && !w.settled);
    this.head = 0;
  }

  private armTimer(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(onQueueTimer, Math.max(0, at - performance.now()) + 1, this);
  }
}

function probeTcp(host: string, port: number, done: (ok: boolean) => void): void {
  let finished = false;
  const s = net.connect({ host, port });
  const end = (ok: boolean): void => {
    if (finished) return;
    finished = true;
    s.destroy();
    done(ok);
  };
  s.setTimeout(PROBE_TIMEOUT_MS, () => end(false));
  s.once('connect', () => end(true));
  s.once('error', () => end(false));
}

function probeHttp(host: string, port: number, path: string, headers: readonly [string, string][] | undefined, done: (ok: boolean) => void): void {
  let finished = false;
  const h: Record<string, string> = { 'user-agent': 'kube-probe/serving-ingress', 'connection': 'close' };
  for (const [k, v] of headers ?? []) h[k.toLowerCase()] = v;
  const end = (ok: boolean): void => {
    if (finished) return;
    finished = true;
    req.destroy();
    done(ok);
  };
  const req = http.request({ host, port, path, method: 'GET', headers: h, agent: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
    res.resume();
    end(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 400);
  });
  req.on('timeout', () => end(false));
  req.on('error', () => end(false));
  req.end();
}

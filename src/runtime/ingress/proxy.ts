/**
 * HTTP/1.1 and HTTP/2 (h2c) reverse proxy and activator: node:http and node:http2 in front;
 * behind it, per revision, a pool of the revision's pods (pods.ts) with undici connection pools
 * per pod (HTTP/1.1 keep-alive, or HTTP/2 prior knowledge for revisions whose port is named
 * `h2c`). Bodies stream in both directions, response trailers are passed on (gRPC's
 * `grpc-status`); WebSocket (and other) upgrades are tunnelled.
 *
 * Each listener is a TCP server that looks at a connection's first bytes: the HTTP/2 client
 * preface (h2c with prior knowledge) hands it to node:http2, anything else to node:http (the
 * bytes are put back; nothing is parsed here). An HTTP/1.1 `Upgrade: h2c` is ignored as RFC 9113
 * §3.1 allows (node:http2 cannot take over a connection with the upgraded request as stream 1):
 * the request is answered over HTTP/1.1. Either client protocol reaches either kind of revision.
 *
 * Two listeners, like Kourier's two gateways: the external one (`listen`, behind the external
 * Service) serves only external hosts; the internal one (`listenInternal`, behind the ClusterIP
 * Service that Route placeholder Services point at) serves cluster-local and external hosts. A
 * cluster-local host on the external listener gets exactly the unknown-host 404.
 *
 * Data path: the routing table's smooth weighted balancer picks the revision (exact splits), the
 * revision's pool picks the pod (per-pod limit = containerConcurrency). A request for a revision
 * with no free pod slot (all full, or no ready pod: scale from zero) waits in the revision's
 * queue — bounded per revision and in total (overflow: 503 "pending request queue full") and by
 * the revision's timeout (504 "activator request timeout") — and the autoscaler is poked at once
 * when the revision has no ready pod. Per-revision concurrency and arrivals feed the autoscaler
 * stats (stats.ts).
 *
 * Hot path: one table read, one pass over the raw request headers, one Map lookup for the host
 * (in the listener's host map), one smooth-WRR pick, one Map lookup for the revision pool, one
 * for the metrics series and one for the stats entry.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { PodEndpoint, podKey } from './endpoints';
import { peerRequestHeaders, stripConnectionTokens, upstreamRequestHeaders } from './headers';
import { IngressMetrics, Series, UpstreamErrorKind } from './metrics';
import { normalizePeerAddress, ownerOf } from './owner';
import { PodTracker, PoolHost, PoolSettings, ProbeSpec, RevisionPool, Waiter } from './pods';
import { RevisionStat, StatsAccumulator } from './stats';
import { emptyRouteTable, findHost, RouteEntry, RouteTable, selectEntry, Target } from './table';
import { featureFlag } from '../../core/config';
import { TAG_HEADER_BASED_ROUTING } from '../../core/routing';
import {
  DEFAULT_RUNTIME_MEMORY_LIMIT_MIB, INGRESS_PEER_PORT, INGRESS_PEER_REVISION_HEADER, ingressMaxWaitingPerRevision, ingressMaxWaitingTotal,
} from '../../core/runtime-contract';
import type { LogFn } from '../common/log';

/** A revision's settings: request timeouts (Knative's revision timeout semantics), concurrency, probe. */
export interface RevisionInfo {
  /**
   * `spec.timeoutSeconds` (ms): from receipt (waiting for a pod included) until the response
   * starts, as Knative's timeout handler (it times out only a response that has written nothing;
   * a started response is not cut: Knative 1.17's conformance test TestRevisionTimeout "writes
   * first byte before timeout"). Default: the proxy's `defaultTimeoutMs`.
   */
  readonly timeoutMs?: number;
  /** `spec.responseStartTimeoutSeconds` (ms): until the response headers arrive (waiting included). */
  readonly responseStartTimeoutMs?: number;
  /** `spec.idleTimeoutSeconds` (ms): longest gap between response body chunks; unset = no limit, as Knative. */
  readonly idleTimeoutMs?: number;
  /** `spec.containerConcurrency`: in-flight requests per pod; 0 or unset = unlimited. */
  readonly containerConcurrency?: number;
  /** How the ingress probes a not-ready pod; default TCP connect to the pod's port. */
  readonly probe?: ProbeSpec;
  /** The revision speaks h2c (its container port is named `h2c`): its pods are reached over HTTP/2. */
  readonly h2c?: boolean;
}

/** A static backend: one always-ready address for a revision (tests, benchmarks), plus its settings. */
export interface Backend extends RevisionInfo {
  /** `http://host:port` */
  readonly origin: string;
}

/** Maps a revision to a static backend. Called per revision on every table swap, never per request. */
export type BackendResolver = (namespace: string, revision: string) => Backend;

export type { LogFn };

export interface ProxyOptions {
  /**
   * The settings of a revision (from its Revision object; undefined while unknown). Asked when
   * a revision's pool is made and on every table swap.
   */
  revisions?: (namespace: string, revision: string) => RevisionInfo | undefined;
  /**
   * Static backends instead of EndpointSlices (tests, benchmarks): each revision in the table
   * gets the one ready pod address `origin`, with the returned settings.
   */
  resolver?: BackendResolver;
  /**
   * Where a Kubernetes Service backend (a DomainMapping's target, `Target.origin`) is reached
   * (tests: a loopback server).
   * @default - its origin as it is (the cluster's DNS name of the Service, port 80)
   */
  serviceOrigin?: (origin: string) => string;
  clusterDomain?: string;
  /** Default per-revision timeout (ms); default 300 000. */
  defaultTimeoutMs?: number;
  /** Max request body bytes (413 above); default 64 MiB. */
  maxBodyBytes?: number;
  /** Max total request header bytes (431 above); default 16 KiB. */
  maxHeaderBytes?: number;
  /** Max request header count (431 above); default 100. */
  maxHeaderCount?: number;
  /** Max connections per pod when containerConcurrency is 0 (else CC); default 128. */
  connectionsPerBackend?: number;
  /** Requests waiting for a pod, per revision (503 above); default `ingressMaxWaitingPerRevision` of the default memory limit. */
  maxWaitingPerRevision?: number;
  /** Requests waiting for a pod, all revisions together (503 above); default `ingressMaxWaitingTotal` of the default memory limit. */
  maxWaitingTotal?: number;
  /** Client keep-alive idle timeout (ms); default 75 000. */
  keepAliveTimeoutMs?: number;
  /**
   * A new connection's first bytes, and then each HTTP/1.1 request's headers, must arrive within
   * this (ms): a silent connection is closed, a partial request answered 408. Default 60 000.
   */
  headersTimeoutMs?: number;
  /**
   * This replica's address among the ingress replicas (env `POD_IP`). With it, a request for a
   * revision with containerConcurrency > 0 that another ready replica owns (owner.ts, over the
   * addresses given to `setPeers`) is forwarded to that replica's peer port, from this address.
   * Without it nothing is forwarded: each replica enforces containerConcurrency on its own.
   */
  peerAddress?: string;
  /** The peer port every replica listens on (`listenPeer`); default INGRESS_PEER_PORT. */
  peerPort?: number;
  /** Called at once with the poke stat when a request arrives for a revision with no ready pod (stats.ts). */
  onPoke?: (stat: RevisionStat) => void;
  metrics?: IngressMetrics;
  log?: LogFn;
}

/** The request ran longer than its revision's `timeoutSeconds`. */
class RequestTimeoutError extends Error {
  public readonly code = 'INGRESS_REQUEST_TIMEOUT';
}

function onRequestTimeout(ex: Exchange): void {
  ex.timedOut();
}

/** The exchange a response belongs to, for the shared 'close' listener (no closure per request). */
const EXCHANGE = Symbol('exchange');
type ExchangeCarrier = http.ServerResponse & { [EXCHANGE]?: Exchange };

function onResponseClose(this: ExchangeCarrier): void {
  this[EXCHANGE]?.clientClosed();
}

class BodyTooLargeError extends Error {
  public readonly code = 'INGRESS_BODY_TOO_LARGE';
}

async function* limitBody(src: AsyncIterable<Buffer>, max: number): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const chunk of src) {
    n += chunk.length;
    if (n > max) throw new BodyTooLargeError('request body too large');
    yield chunk;
  }
}

const RESPONSE_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'http2-settings']);

function classify(err: unknown): { status: number; kind: UpstreamErrorKind; text: string } {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'INGRESS_REQUEST_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { status: 504, kind: 'timeout', text: 'upstream timed out' };
    case 'ECONNREFUSED':
      return { status: 502, kind: 'refused', text: 'upstream connection refused' };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return { status: 502, kind: 'reset', text: 'upstream connection reset' };
    default:
      return { status: 502, kind: 'other', text: 'upstream error' };
  }
}

const SMALL_CHUNK = 8 * 1024;

/** Default of `ProxyOptions.headersTimeoutMs`. */
const HEADERS_TIMEOUT_MS = 60_000;

function textBody(text: string): Buffer {
  return Buffer.from(text + '\n', 'latin1');
}

function flushPending(ex: Exchange): void {
  ex.flushPending();
}

/** Exchange phases. */
const NEW = 0;
const WAITING = 1;
const RUNNING = 2;
const EXPIRED = 3;
/** Sent to the revision's owner replica (no pod slot here). */
const FORWARDING = 4;
/** Queued while the revision had no usable pod (held for a cold start); WAITING: queued behind full pods. */
const HELD = 5;

const isQueued = (phase: number): boolean => phase === WAITING || phase === HELD;

/** The phase of a waiter `pool.submit` queued (did not run at once): HELD while the revision has no usable pod, else WAITING. */
const queuedPhase = (pool: RevisionPool): number => (pool.hasUsablePod ? WAITING : HELD);

/** A waiter in `phase` got its pod `waitedMs` after it arrived: a queued one is observed, by why it waited. */
function observePodWait(metrics: IngressMetrics, pool: RevisionPool, phase: number, waitedMs: number): void {
  if (isQueued(phase)) metrics.podWaited(pool.namespace, pool.revision, phase === HELD, waitedMs / 1000);
}

/** Errors that mean a connection was never made (nothing of the request was sent). */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);
/** How long a peer that refused a connection is skipped (ms): its requests are served here meanwhile. */
const PEER_DOWN_MS = 1000;
/** A forwarded request's response headers are awaited this long past the revision's timeout (the owner answers 504 first). */
const PEER_SLACK_MS = 10_000;

/** A routed request (Exchange) or upgrade (Upgrade): queued in its revision's pool here, or forwarded to the owner replica. */
interface Dispatchable {
  /** Queue in the revision's pool (or run at once); false: the queue is full, nothing answered yet. */
  submit(canQueue: boolean): boolean;
  /** The queue is full: 503. */
  overflow(): void;
  /** Send to the revision's owner replica (its peer port). */
  forward(peer: PodTracker): void;
}

/**
 * One proxied request: the record that waits in a revision pool's queue (a `Waiter`: no closure,
 * no timer while waiting) and then the undici (legacy, unwrapped: fastest) dispatch handler.
 */
class Exchange implements Waiter, Dispatchable {
  private abortFn: ((err?: Error) => void) | undefined;
  private resumeFn: (() => void) | undefined;
  private done = false;
  private started = false;
  private bodyStarted = false;
  private pending: Buffer | undefined;
  /** HTTP/2 client: the response head, held until the first body bytes, the trailers or the end. */
  private head: string[] | undefined;
  private status = 0;
  private timer: NodeJS.Timeout | undefined;
  private pod: PodTracker | undefined;
  private phase = NEW;
  private retried = false;
  public readonly waitDeadline: number;

  constructor(
    private readonly proxy: IngressProxy,
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private readonly series: Series,
    private readonly start: number,
    private readonly pool: RevisionPool,
    private readonly headers: string[],
    private readonly body: AsyncIterable<Buffer> | http.IncomingMessage | null,
  ) {
    this.waitDeadline = start + pool.settings.waitTimeoutMs;
  }

  public get settled(): boolean {
    return this.done;
  }

  /** Queue in the revision's pool (or run at once). False: the queue is full (nothing was answered). */
  public submit(canQueue: boolean): boolean {
    this.phase = NEW; // (a retry comes back from RUNNING)
    const ok = this.pool.submit(this, canQueue);
    if (ok && this.phase === NEW) this.phase = queuedPhase(this.pool);
    return ok;
  }

  public get waiting(): boolean {
    return isQueued(this.phase);
  }

  /**
   * Send the request to the revision's owner replica (`peer`: its peer port) with the revision it
   * was routed to; the owner queues it and applies the revision's limits and timeouts.
   */
  public forward(peer: PodTracker): void {
    this.phase = FORWARDING;
    this.pod = peer;
    peer.inFlight++;
    const s = this.pool.settings;
    this.headers.push(INGRESS_PEER_REVISION_HEADER, this.pool.key);
    peer.dispatcher().dispatch({
      path: this.req.url as string,
      method: this.req.method as string,
      headers: this.headers,
      body: this.body as never,
      headersTimeout: s.timeoutMs + PEER_SLACK_MS,
      bodyTimeout: 0,
    }, this as never);
  }

  /** A slot on `pod` is ours: send the request, with what is left of the revision's timeouts. */
  public run(pod: PodTracker): void {
    const s = this.pool.settings;
    const waited = performance.now() - this.start;
    observePodWait(this.proxy.metrics, this.pool, this.phase, waited);
    this.phase = RUNNING;
    this.pod = pod;
    this.timer = setTimeout(onRequestTimeout, Math.max(1, s.timeoutMs - waited), this);
    pod.dispatcher().dispatch({
      path: this.req.url as string,
      method: this.req.method as string,
      headers: this.headers,
      body: this.body as never,
      headersTimeout: Math.max(1, s.headersTimeoutMs - waited),
      bodyTimeout: s.bodyTimeoutMs,
    }, this as never);
  }

  /** The revision's queue (or all queues together) is full: 503 like Knative's breaker. */
  public overflow(): void {
    this.proxy.metrics.queueOverflow(this.pool.namespace, this.pool.revision);
    this.proxy.sendText(this.req, this.res, 503, 'pending request queue full', false);
    this.finish(503);
  }

  /** No pod slot within the revision's timeout: 504 like Knative's activator. */
  public expire(): void {
    this.phase = EXPIRED;
    if (this.done) return;
    this.proxy.metrics.waitTimedOut(this.pool.namespace, this.pool.revision);
    this.proxy.sendText(this.req, this.res, 504, 'activator request timeout', false);
    this.finish(504);
  }

  public onConnect(abort: (err?: Error) => void): void {
    if (this.done) abort(new Error('client closed'));
    else this.abortFn = abort;
  }

  /** @internal The whole-request timeout fired: 504 if nothing was sent yet, else cut the response. */
  public timedOut(): void {
    this.timer = undefined;
    if (this.done) return;
    const err = new RequestTimeoutError('request timed out');
    this.abortFn?.(err);
    this.fail(err);
  }

  public onHeaders(statusCode: number, raw: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx informational: Node answers Expect itself
    this.resumeFn = resume;
    this.started = true;
    // The response started: timeoutSeconds no longer applies (Knative's timeout handler times out
    // only a response that has written nothing); idleTimeoutSeconds still bounds the body's gaps.
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const out: string[] = [];
    let connTokens: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toString('latin1');
      const value = raw[i + 1].toString('latin1');
      const len = name.length;
      if (len === 10 || len === 17 || len === 2 || len === 7 || len === 16 || len === 14) {
        const lower = name.toLowerCase();
        if (RESPONSE_HOP.has(lower)) {
          if (lower === 'connection') connTokens = value;
          continue;
        }
      }
      out.push(name, value);
    }
    if (connTokens !== undefined) stripConnectionTokens(out, connTokens);
    this.status = statusCode;
    if (this.req.httpVersionMajor === 2) {
      // HTTP/2 client: the head goes out with the first body bytes, the trailers or the end, so
      // that a response without body or trailers (gRPC's trailers-only form) stays one HEADERS
      // frame that ends the stream. (node:http also sends its head with the first write.)
      this.head = out;
      return true;
    }
    if (this.proxy.draining) out.push('connection', 'close');
    try {
      this.res.writeHead(statusCode, out);
    } catch (err) {
      this.fail(err);
      return false;
    }
    return true;
  }

  /** HTTP/2 client: send the held head. False if it could not be sent (the exchange failed). */
  private sendHead(): boolean {
    const h = this.head!;
    this.head = undefined;
    try {
      this.res.writeHead(this.status, h);
    } catch (err) {
      this.fail(err);
      return false;
    }
    return true;
  }

  /** HTTP/2 client, no body and no trailers: the head ends the stream. False if it failed. */
  private endWithHead(): boolean {
    const h = this.head!;
    this.head = undefined;
    const fields = new Map<string, string[]>();
    for (let i = 0; i < h.length; i += 2) {
      const k = h[i].toLowerCase();
      const prev = fields.get(k);
      if (prev === undefined) fields.set(k, [h[i + 1]]);
      else prev.push(h[i + 1]);
    }
    try {
      this.res.statusCode = this.status;
      for (const [k, v] of fields) this.res.setHeader(k, v.length === 1 ? v[0] : v);
      this.res.end();
    } catch (err) {
      this.fail(err);
      return false;
    }
    return true;
  }

  public onData(chunk: Buffer): boolean {
    if (!this.bodyStarted) {
      this.bodyStarted = true;
      if (chunk.length <= SMALL_CHUNK) {
        // Hold a small first chunk until the end of this parser pass: when the whole response came in
        // one packet (the common case) onComplete sends head + body with a single res.end().
        this.pending = chunk;
        process.nextTick(flushPending, this);
        return true;
      }
    }
    if (this.pending !== undefined) this.flushPending();
    return this.write(chunk);
  }

  /** The response ended; `trailers` (raw from HTTP/1.1, an object from HTTP/2) are passed on. */
  public onComplete(trailers?: Buffer[] | Record<string, string | string[]> | null): void {
    const t = trailerFields(trailers);
    if (t !== undefined) {
      // Trailers go out after the body: over HTTP/2 as a trailing HEADERS frame, over HTTP/1.1
      // in the chunked encoding's trailer section (dropped by Node if the response is not chunked).
      if (this.pending !== undefined) this.flushPending();
      if (this.head !== undefined && !this.sendHead()) return;
      if (this.done) return;
      this.res.addTrailers(t);
      this.res.end();
    } else if (this.pending !== undefined) {
      const p = this.pending;
      this.pending = undefined;
      if (this.head !== undefined && !this.sendHead()) return;
      // latin1 strings are byte-exact; Node then writes head + body as one string (no writev).
      this.res.end(p.toString('latin1'), 'latin1');
    } else if (this.head !== undefined) {
      if (!this.endWithHead()) return;
    } else {
      this.res.end();
    }
    this.finish(this.status);
  }

  /** @internal */
  public flushPending(): void {
    const p = this.pending;
    if (p === undefined || this.done) return;
    this.pending = undefined;
    this.write(p);
  }

  private write(chunk: Buffer): boolean {
    if (this.head !== undefined && !this.sendHead()) return true;
    const ok = chunk.length <= SMALL_CHUNK ? this.res.write(chunk.toString('latin1'), 'latin1') : this.res.write(chunk);
    if (ok) return true;
    this.res.once('drain', this.resumeFn!);
    return false;
  }

  public onError(err: Error): void {
    if (this.retryElsewhere(err)) return;
    this.fail(err);
  }

  /**
   * The pod refused the connection before anything was sent (it died, or is not listening any
   * more, before its EndpointSlice says so): take it out of rotation until the ingress's probe
   * passes again, and send the request once more (to another pod, or held until one is usable).
   * Only for requests without a body (nothing of it was consumed), once.
   */
  private retryElsewhere(err: Error): boolean {
    const pod = this.pod;
    const code = (err as { code?: string }).code;
    if (this.phase === FORWARDING && pod !== undefined && !this.done && !this.started && CONNECT_ERRORS.has(code ?? '')) {
      // The owner replica could not be reached (nothing was sent): serve the request here.
      this.phase = NEW;
      this.pod = undefined;
      this.abortFn = undefined;
      pod.inFlight--;
      pod.downUntil = performance.now() + PEER_DOWN_MS;
      this.headers.splice(this.headers.length - 2, 2); // the K-Ingress-Revision header forward() added
      this.proxy.peerFallback(this, this.pool, pod, code!);
      return true;
    }
    if (this.retried || this.done || this.started || this.body !== null || pod === undefined) return false;
    if (code !== 'ECONNREFUSED') return false;
    if (!this.pool.demote(pod)) return false;
    this.retried = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.abortFn = undefined;
    this.pod = undefined;
    this.pool.release(pod);
    this.proxy.log('info', 'pod refused a connection; retrying the request elsewhere', { revision: this.pool.key, pod: pod.key, error: code });
    if (!this.submit(true)) this.fail(err);
    return true;
  }

  /** The client went away (or the response finished: then nothing to do). */
  public clientClosed(): void {
    if (this.done) return;
    this.abortFn?.(new Error('client closed'));
    this.finish(499);
  }

  private fail(err: unknown): void {
    if (this.done) return;
    const res = this.res;
    if ((err as { code?: string })?.code === 'INGRESS_BODY_TOO_LARGE') {
      if (!this.started && !res.headersSent) this.proxy.sendText(this.req, res, 413, 'request body too large', true);
      else res.destroy();
      this.finish(413);
      return;
    }
    const c = classify(err);
    this.series.upstreamError(c.kind);
    if (!this.started && !res.headersSent && !responseGone(res)) {
      this.proxy.sendText(this.req, res, c.status, c.text, false);
      this.finish(c.status);
    } else {
      res.destroy();
      this.finish(res.statusCode || c.status);
    }
  }

  private finish(status: number): void {
    if (this.done) return;
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.series.observe(status, (performance.now() - this.start) / 1000);
    if (this.phase === FORWARDING) {
      // Sent to the owner replica: no slot here, and the owner counts it for the autoscaler.
      this.pod!.inFlight--;
    } else {
      if (isQueued(this.phase)) this.pool.cancelled();
      else if (this.pod !== undefined) this.pool.release(this.pod);
      this.proxy.revisionDone(this.pool);
    }
    this.proxy.requestDone();
  }
}

/** The response can no longer be written (node:http's `destroyed`; the HTTP/2 compatibility response's stream). */
function responseGone(res: http.ServerResponse): boolean {
  return res.destroyed === true || (res as unknown as { stream?: { destroyed?: boolean } }).stream?.destroyed === true;
}

/** `v` if it is a positive finite number (0 and unset mean "not configured"). */
function positive(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** Trailers as header fields to pass on (hop-by-hop and pseudo-headers dropped), or undefined when there are none. */
function trailerFields(t: Buffer[] | Record<string, string | string[]> | null | undefined): Record<string, string | string[]> | undefined {
  // undici passes an empty list for every HTTP/1.1 response without trailers: the common case.
  if (t === null || t === undefined || (Array.isArray(t) && t.length === 0)) return undefined;
  // No closure here: the shipped bundle keeps function names (esbuild keepNames), which would
  // cost an Object.defineProperty for every closure created, i.e. on every response.
  let out: Record<string, string | string[]> | undefined;
  if (Array.isArray(t)) {
    for (let i = 0; i + 1 < t.length; i += 2) out = addTrailer(out, t[i].toString('latin1'), t[i + 1].toString('latin1'));
  } else {
    for (const [k, v] of Object.entries(t)) {
      if (Array.isArray(v)) for (const x of v) out = addTrailer(out, k, x);
      else if (v !== undefined) out = addTrailer(out, k, String(v));
    }
  }
  return out;
}

/** One trailer field into `out` (made on the first kept field); hop-by-hop and pseudo-header fields are dropped. */
function addTrailer(out: Record<string, string | string[]> | undefined, name: string, value: string): Record<string, string | string[]> | undefined {
  const k = name.toLowerCase();
  if (RESPONSE_HOP.has(k) || k.charCodeAt(0) === 58 /* ':' */) return out;
  const o = out ?? {};
  const prev = o[k];
  o[k] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  return o;
}

/** The HTTP/2 connection preface (RFC 9113 §3.4): how an h2c prior-knowledge client starts. */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Whether an `Upgrade` header asks for h2c only. */
function upgradeIsH2c(v: string | undefined): boolean {
  if (v === undefined) return false;
  const tokens = v.split(',');
  for (const t of tokens) if (t.trim().toLowerCase() !== 'h2c') return false;
  return tokens.length > 0;
}

/**
 * One listener: a TCP server that hands each connection, by its first bytes, to node:http2 (the
 * HTTP/2 client preface: h2c with prior knowledge) or to node:http (anything else).
 */
interface Frontend {
  readonly tcp: net.Server;
  readonly h1: http.Server;
  readonly h2: http2.Http2Server;
  /** Connections whose first bytes have not decided the protocol yet. */
  readonly sniffing: Set<net.Socket>;
  readonly sessions: Set<http2.ServerHttp2Session>;
}

function listenOn(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** Stop accepting; resolves once the server's connections are gone (at once if it never listened). */
function closeServer(server: net.Server): Promise<void> {
  return new Promise<void>((r) => {
    if (!server.listening) return r();
    server.close(() => r());
  });
}

export class IngressProxy {
  /** The external listener (HTTP/1.1 and h2c): external hosts only. */
  public readonly server: net.Server;
  /** The internal (cluster-local) listener (HTTP/1.1 and h2c): every host. */
  public readonly internalServer: net.Server;
  private readonly frontends: readonly Frontend[];
  /** The HTTPS listener's frontend (also in `frontends`). */
  private readonly httpsFrontend: Frontend;
  /** The peer listener's frontend (also in `frontends`): requests forwarded by the other ingress replicas. */
  private readonly peerFrontend: Frontend;
  private readonly peerAddress: string | undefined;
  private readonly peerPort: number;
  /** The ready ingress replicas' addresses (sorted), from `setPeers`. */
  private peers: readonly string[] = [];
  private peerSet: ReadonlySet<string> = new Set();
  /** `<ns>/<rev>` → its owner's address ('' = this replica), for the current peers. */
  private readonly owners = new Map<string, string>();
  /** Connection pools to the owners' peer ports, by `<address>` (HTTP/1.1) and `<address>/h2c` (HTTP/2). */
  private readonly peerTrackers = new Map<string, PodTracker>();
  /** Host → the secure context of its certificate (SNI), from `setCertificates`. */
  private sniContexts: ReadonlyMap<string, tls.SecureContext> = new Map();
  private readonly keepAliveTimeoutMs: number;
  private readonly headersTimeoutMs: number;
  public readonly metrics: IngressMetrics;
  public draining = false;
  /** Per-revision request statistics for the autoscaler (pushed by main.ts's StatsPusher). */
  public readonly stats: StatsAccumulator;
  private table: RouteTable;
  /** `<ns>/<rev>` → pool of the revision's pods. */
  private readonly pools = new Map<string, RevisionPool>();
  /** `<ns>/<rev>` → last known endpoints (kept for revisions without a pool). */
  private readonly endpoints = new Map<string, readonly PodEndpoint[]>();
  /** Pools not in the current table since (ms, Date.now()). */
  private readonly unusedSince = new Map<string, number>();
  private readonly revisionInfo: ((namespace: string, revision: string) => RevisionInfo | undefined) | undefined;
  private readonly resolver: BackendResolver | undefined;
  private readonly serviceOrigin: (origin: string) => string;
  private readonly defaultTimeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly maxHeaderCount: number;
  private readonly maxWaitingPerRevision: number;
  private readonly maxWaitingTotal: number;
  private readonly onPoke: ((stat: RevisionStat) => void) | undefined;
  /** @internal */
  public readonly log: LogFn;
  private readonly poolHost: PoolHost;
  private readonly upgrades = new Set<Duplex>();
  private inFlight = 0;
  /** Requests waiting in a pool's queue, all revisions. */
  private waitingTotal = 0;
  private idleWaiters: Array<() => void> = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private tableReady = false;
  /** `tag-header-based-routing` is Enabled in the current table's configuration (set with the table). */
  private tagHeaderRouting = false;

  constructor(opts: ProxyOptions = {}) {
    this.resolver = opts.resolver;
    this.serviceOrigin = opts.serviceOrigin ?? ((origin) => origin);
    this.revisionInfo = opts.revisions;
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 300_000;
    this.maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024 * 1024;
    this.maxHeaderCount = opts.maxHeaderCount ?? 100;
    this.maxWaitingPerRevision = opts.maxWaitingPerRevision ?? ingressMaxWaitingPerRevision(DEFAULT_RUNTIME_MEMORY_LIMIT_MIB);
    this.maxWaitingTotal = opts.maxWaitingTotal ?? ingressMaxWaitingTotal(DEFAULT_RUNTIME_MEMORY_LIMIT_MIB);
    this.onPoke = opts.onPoke;
    this.metrics = opts.metrics ?? new IngressMetrics();
    this.log = opts.log ?? (() => undefined);
    this.stats = new StatsAccumulator(performance.now() / 1000);
    const metrics = this.metrics;
    const connectionsPerPod = opts.connectionsPerBackend ?? 128;
    this.poolHost = {
      connectionsPerPod,
      log: this.log,
      waiterQueued: () => {
        this.waitingTotal++;
      },
      waiterLeft: () => {
        this.waitingTotal--;
      },
      probed: (ok) => metrics.probed(ok),
    };
    metrics.waitingSource(() => this.waitingTotal, () => {
      let held = 0;
      for (const p of this.pools.values()) if (!p.hasUsablePod) held += p.waiting;
      return held;
    });
    this.table = emptyRouteTable();
    this.keepAliveTimeoutMs = opts.keepAliveTimeoutMs ?? 75_000;
    this.headersTimeoutMs = opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
    const external = this.createFrontend(opts, false);
    const internal = this.createFrontend(opts, true);
    this.httpsFrontend = this.createHttpsFrontend(opts);
    this.peerFrontend = this.createFrontend(opts, false, true);
    this.frontends = [external, internal, this.httpsFrontend, this.peerFrontend];
    this.peerAddress = opts.peerAddress === undefined || opts.peerAddress === '' ? undefined : normalizePeerAddress(opts.peerAddress);
    this.peerPort = opts.peerPort ?? INGRESS_PEER_PORT;
    this.server = external.tcp;
    this.internalServer = internal.tcp;
  }

  /**
   * The HTTPS listener (`listenHttps`): TLS from node:tls, the certificate chosen by SNI among
   * `setCertificates`' (a DomainMapping's `spec.tls.secretName`); a server name without one fails
   * the handshake. ALPN `h2` goes to node:http2, anything else to node:http, over the decrypted
   * stream. It serves external hosts only, and only the host its certificate was chosen for:
   * a request whose Host (or `:authority`) is not the TLS server name gets 421.
   */
  private createHttpsFrontend(opts: ProxyOptions): Frontend {
    const fe = this.createFrontend(opts, false);
    const checked = (req: http.IncomingMessage, res: http.ServerResponse, socket: tls.TLSSocket | undefined): void => {
      if (tlsHostMatches(req, socket)) this.onRequest(req, res, false);
      else this.sendText(req, res, 421, 'misdirected request: the Host is not the TLS server name', false);
    };
    fe.h1.removeAllListeners('request');
    fe.h1.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => checked(req, res, req.socket as tls.TLSSocket));
    fe.h1.removeAllListeners('upgrade');
    fe.h1.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (tlsHostMatches(req, socket as tls.TLSSocket)) this.onUpgrade(req, socket, head, false, fe.h1);
      else refuseUpgrade(socket, '421 Misdirected Request', 'misdirected request: the Host is not the TLS server name');
    });
    fe.h2.removeAllListeners('request');
    fe.h2.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
      const socket = req.stream.session?.socket as tls.TLSSocket | undefined;
      checked(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse, socket);
    });
    const server = tls.createServer({
      SNICallback: (name, cb) => cb(null, this.sniContexts.get(hostOnly(name))),
      ALPNProtocols: ['h2', 'http/1.1'],
      minVersion: 'TLSv1.2',
      handshakeTimeout: 10_000,
    }, (socket) => {
      if (socket.alpnProtocol === 'h2') fe.h2.emit('connection', socket);
      else fe.h1.emit('connection', socket);
    });
    server.on('tlsClientError', (_err: Error, socket: tls.TLSSocket) => socket.destroy());
    (fe as { tcp: net.Server }).tcp = server;
    return fe;
  }

  /**
   * The certificates the HTTPS listener serves, by host (the SNI server name, lower case): PEM
   * `cert` (the chain) and `key`, as a TLS Secret's `tls.crt` and `tls.key`. Replaces the previous
   * set. Returns `<host>: <reason>` for material node:tls rejects (that host gets no HTTPS).
   */
  public setCertificates(certs: ReadonlyMap<string, { readonly cert: string; readonly key: string }>): string[] {
    const next = new Map<string, tls.SecureContext>();
    const errors: string[] = [];
    for (const [host, c] of certs) {
      try {
        next.set(hostOnly(host), tls.createSecureContext({ cert: c.cert, key: c.key }));
      } catch (e) {
        errors.push(`${host}: ${(e as Error).message}`);
      }
    }
    this.sniContexts = next;
    return errors;
  }

  /** Start the HTTPS listener (DomainMappings with `spec.tls`; HTTP/1.1 and HTTP/2 by ALPN). Resolves with the bound port. */
  public listenHttps(port: number, host = '0.0.0.0'): Promise<number> {
    return listenOn(this.httpsFrontend.tcp, port, host);
  }

  /**
   * Start the peer listener (HTTP/1.1 and h2c): requests other ingress replicas forward to this
   * one as their revision's owner. Only from the addresses given to `setPeers`. Resolves with the bound port.
   */
  public listenPeer(port: number = this.peerPort, host = '0.0.0.0'): Promise<number> {
    return listenOn(this.peerFrontend.tcp, port, host);
  }

  /**
   * The ready ingress replicas' addresses (the `serving-ingress` Service's EndpointSlices). The
   * owners of revisions move with them; requests in flight finish where they are.
   */
  public setPeers(addresses: readonly string[]): void {
    const next = [...new Set(addresses.map(normalizePeerAddress))].sort();
    if (next.join(',') === this.peers.join(',')) return;
    this.peers = next;
    this.peerSet = new Set(next);
    this.owners.clear();
    for (const [k, t] of [...this.peerTrackers]) {
      if (this.peerSet.has(t.ip)) continue;
      this.peerTrackers.delete(k);
      t.close(); // once its requests finish
    }
    this.log('info', 'ingress peers changed', { peers: next, self: this.peerAddress ?? null });
  }

  /** The owner replica's peer-port pool for a revision another replica owns; undefined: serve it here. */
  private peerFor(pool: RevisionPool): PodTracker | undefined {
    if (this.peerAddress === undefined || this.peers.length === 0) return undefined;
    let owner = this.owners.get(pool.key);
    if (owner === undefined) {
      owner = ownerOf(pool.key, this.peers, this.peerAddress) ?? '';
      this.owners.set(pool.key, owner);
    }
    if (owner === '') return undefined;
    const h2c = pool.settings.h2c;
    const k = h2c ? `${owner}/h2c` : owner;
    let t = this.peerTrackers.get(k);
    if (t === undefined) {
      t = new PodTracker(podKey({ ip: owner, port: this.peerPort }), owner, this.peerPort, 0, h2c);
      t.localAddress = this.peerAddress;
      this.peerTrackers.set(k, t);
    }
    if (t.downUntil > performance.now()) {
      this.metrics.peerFallbacks++;
      return undefined;
    }
    return t;
  }

  /** @internal The owner replica refused the connection: serve the request or upgrade here (counted and queued like any). */
  public peerFallback(x: Dispatchable, pool: RevisionPool, peer: PodTracker, code: string): void {
    this.metrics.peerFallbacks++;
    this.log('warn', 'owner ingress replica not reachable; serving its requests here for 1 s (containerConcurrency then holds per replica only)',
      { revision: pool.key, peer: peer.key, error: code });
    this.queueHere(x, pool);
  }

  /**
   * A routed request or upgrade of `pool`: to the owner replica when the revision has
   * containerConcurrency > 0 and another replica owns it (it alone sends to the pods), else here.
   */
  private dispatch(x: Dispatchable, pool: RevisionPool): void {
    const peer = pool.settings.containerConcurrency > 0 ? this.peerFor(pool) : undefined;
    if (peer !== undefined) {
      this.metrics.peerForwards++;
      x.forward(peer);
      return;
    }
    this.queueHere(x, pool);
  }

  /** Count the arrival for the autoscaler and queue in the revision's pool (503 when the queue is full). */
  private queueHere(x: Dispatchable, pool: RevisionPool): void {
    this.arrive(pool);
    if (!x.submit(this.canQueue(pool))) x.overflow();
  }

  /**
   * A request forwarded by another ingress replica (the peer port): only from a ready replica's
   * address; routed already (its revision in `K-Ingress-Revision`, its headers final), so it goes
   * straight into the revision's pool, where containerConcurrency, the queue bounds and the
   * timeouts apply as to any request. Counted for the autoscaler here and in the peer series
   * (not in the route series: the forwarding replica counts it there).
   */
  private onPeerRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const start = performance.now();
    this.inFlight++;
    this.metrics.inFlight = this.inFlight;
    const source = normalizePeerAddress(req.socket.remoteAddress ?? '');
    if (!this.peerSet.has(source)) {
      this.metrics.peerRefused++;
      this.log('warn', 'peer port: refused a request from an address that is not a ready ingress replica', { source, peers: this.peers });
      this.sendText(req, res, 403,
        `forbidden: ${source || 'an unknown address'} is not a ready ingress replica (the peer port serves only requests the ingress replicas forward)`, true);
      this.requestDone();
      return;
    }
    const { headers, revision } = peerRequestHeaders(req.rawHeaders);
    const pool = revision === undefined ? undefined : this.peerPool(revision);
    if (pool === undefined) {
      if (revision === undefined) {
        this.sendText(req, res, 400, `bad request: no ${INGRESS_PEER_REVISION_HEADER} header (the peer port serves only requests the ingress replicas forward)`, false);
      } else {
        this.sendText(req, res, 404, `no revision "${revision}" known to this ingress replica (not in its routing table or Revisions yet)`, false);
      }
      this.requestDone();
      return;
    }
    let body: AsyncIterable<Buffer> | http.IncomingMessage | null = null;
    if (req.httpVersionMajor === 2) {
      if (!(req as unknown as http2.Http2ServerRequest).stream.endAfterHeaders) body = limitBody(req, this.maxBodyBytes);
    } else if (req.headers['transfer-encoding'] !== undefined) {
      body = limitBody(req, this.maxBodyBytes);
    } else if (Number(req.headers['content-length'] ?? 0) > 0) {
      body = req;
    }
    const ex = new Exchange(this, req, res, this.metrics.peerSeriesFor(pool.key), start, pool, headers, body);
    (res as ExchangeCarrier)[EXCHANGE] = ex;
    res.on('close', onResponseClose);
    this.queueHere(ex, pool);
  }

  /** The pool of a forwarded request's revision: its pool, or a new one if this replica knows the revision (its table may lag). */
  private peerPool(key: string): RevisionPool | undefined {
    const pool = this.pools.get(key);
    if (pool !== undefined) return pool;
    const slash = key.indexOf('/');
    if (slash <= 0 || slash === key.length - 1) return undefined;
    const namespace = key.slice(0, slash);
    const revision = key.slice(slash + 1);
    if (this.resolver === undefined && this.revisionInfo?.(namespace, revision) === undefined) return undefined;
    this.unusedSince.set(key, Date.now()); // not in this replica's table: swept once idle
    this.scheduleSweep();
    return this.makePool(key, namespace, revision);
  }

  private createFrontend(opts: ProxyOptions, internal: boolean, peer = false): Frontend {
    const maxHeaderBytes = opts.maxHeaderBytes ?? 16 * 1024;
    const h1 = http.createServer({
      maxHeaderSize: maxHeaderBytes,
      keepAliveTimeout: this.keepAliveTimeoutMs,
      requestTimeout: 0, // per-revision timeouts apply instead
      headersTimeout: this.headersTimeoutMs,
      // Node checks the headers timeout at this interval (its default, 30 s, unless the timeout is shorter).
      connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.floor(this.headersTimeoutMs / 2))),
      noDelay: true,
    }, (req, res) => (peer ? this.onPeerRequest(req, res) : this.onRequest(req, res, internal)));
    // Let one more header through than allowed so that "too many" is detectable (Node truncates silently).
    h1.maxHeadersCount = this.maxHeaderCount + 1;
    h1.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.onClientError(err, socket));
    h1.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!peer) this.onUpgrade(req, socket, head, internal, h1);
      else if (upgradeIsH2c(req.headers.upgrade)) this.ignoreH2cUpgrade(req, socket, head, h1);
      else this.onPeerUpgrade(req, socket, head);
    });
    // The HTTP/1.1 server never listens itself (the TCP server hands it connections); 'listening'
    // starts Node's tracking of its connections (headers/keep-alive timeouts, closeIdleConnections).
    h1.emit('listening');

    const h2 = http2.createServer({
      maxSessionMemory: 32,
      // Pseudo-headers count here too; the proxy applies its own header count limit to the rest.
      maxHeaderListPairs: this.maxHeaderCount + 8,
      settings: { maxConcurrentStreams: 1000, maxHeaderListSize: maxHeaderBytes },
    });
    const sessions = new Set<http2.ServerHttp2Session>();
    h2.on('session', (session: http2.ServerHttp2Session) => {
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
      session.on('error', () => undefined);
      // An idle session (no frames for the keep-alive timeout) is closed gracefully (GOAWAY).
      session.setTimeout(this.keepAliveTimeoutMs, () => session.close());
      if (this.draining) session.close();
    });
    // The compatibility API's request/response mirror node:http's (raw headers, writeHead with an
    // array, write/end/addTrailers, 'close', 'drain'): one request path serves both protocols.
    h2.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => (peer
      ? this.onPeerRequest(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse)
      : this.onRequest(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse, internal)));

    const sniffing = new Set<net.Socket>();
    const fe: Frontend = { tcp: undefined as unknown as net.Server, h1, h2, sniffing, sessions };
    const tcp = net.createServer({ noDelay: true }, (socket) => this.sniff(socket, fe));
    (fe as { tcp: net.Server }).tcp = tcp;
    return fe;
  }

  /**
   * A new connection: read until its first bytes show whether it starts with the HTTP/2 client
   * preface, put them back and hand the connection to node:http2 or node:http. Nothing is parsed
   * here; a client that sends nothing is dropped after the headers timeout.
   */
  private sniff(socket: net.Socket, fe: Frontend): void {
    fe.sniffing.add(socket);
    let buf: Buffer | undefined;
    const onError = (): void => {
      fe.sniffing.delete(socket);
      socket.destroy();
    };
    const onData = (chunk: Buffer): void => {
      buf = buf === undefined ? chunk : Buffer.concat([buf, chunk]);
      const n = Math.min(buf.length, H2_PREFACE.length);
      const h2 = buf.compare(H2_PREFACE, 0, n, 0, n) === 0;
      if (h2 && n < H2_PREFACE.length) return; // a prefix of the preface so far: wait for more
      fe.sniffing.delete(socket);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('timeout', onError);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(buf);
      if (h2) {
        // node:http2 reads what is buffered on the socket, then takes over its handle.
        fe.h2.emit('connection', socket);
      } else {
        fe.h1.emit('connection', socket);
        socket.resume(); // the put-back bytes reach the parser before anything read later
      }
    };
    socket.on('error', onError);
    socket.setTimeout(this.headersTimeoutMs, onError);
    socket.on('data', onData);
  }

  /** True once a table has been installed. */
  public get ready(): boolean {
    return this.tableReady;
  }

  public get currentTable(): RouteTable {
    return this.table;
  }

  public get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Requests waiting for a pod (queued behind full pods or held at zero), all revisions. */
  public get requestsWaiting(): number {
    return this.waitingTotal;
  }

  /** The pool of a revision, if it has one (tests, metrics). */
  public poolOf(namespace: string, revision: string): RevisionPool | undefined {
    return this.pools.get(`${namespace}/${revision}`);
  }

  /**
   * Atomically install a new table. The pools of the revisions it references are made (and their
   * settings refreshed) here, not per request.
   */
  public setTable(table: RouteTable): void {
    const now = Date.now();
    const used = new Set<string>();
    for (const t of table.targets) {
      if (used.has(t.backendKey)) {
        this.metrics.seriesFor(t);
        continue;
      }
      used.add(t.backendKey);
      this.unusedSince.delete(t.backendKey);
      const pool = this.pools.get(t.backendKey);
      if (pool === undefined) this.makePoolFor(t);
      else if (!pool.kubernetesService) this.refreshPool(pool); // a revision's settings may have become known
      this.metrics.seriesFor(t);
    }
    for (const key of this.pools.keys()) if (!used.has(key) && !this.unusedSince.has(key)) this.unusedSince.set(key, now);
    this.table = table;
    this.tagHeaderRouting = featureFlag(table.config, TAG_HEADER_BASED_ROUTING) === 'Enabled';
    this.tableReady = true;
    this.metrics.tableGeneration = table.generation;
    this.metrics.tableSwaps++;
    this.metrics.hosts = table.hosts.size;
    this.metrics.externalHosts = table.externalHosts.size;
    this.metrics.routes = table.routeCount;
    this.log('debug', 'routing table installed', { generation: table.generation, hosts: table.hosts.size, pools: this.pools.size });
    this.scheduleSweep();
  }

  /**
   * A revision's endpoints (from its EndpointSlices; `undefined`: none known). Requests waiting
   * for it go out as soon as a pod is usable; removed pods finish their requests.
   */
  public setEndpoints(namespace: string, revision: string, eps: readonly PodEndpoint[] | undefined): void {
    const key = `${namespace}/${revision}`;
    if (eps === undefined) this.endpoints.delete(key);
    else this.endpoints.set(key, eps);
    this.pools.get(key)?.setEndpoints(eps);
  }

  /** @internal A request of this revision ended (stats). */
  public revisionDone(pool: RevisionPool): void {
    if (!pool.kubernetesService) this.stats.depart(pool.key, performance.now() / 1000);
  }

  private makePoolFor(t: Target): RevisionPool {
    return t.origin !== undefined ? this.makeServicePool(t.backendKey, t.namespace, t.origin) : this.makePool(t.backendKey, t.namespace, t.revision);
  }

  /**
   * The pool of a Kubernetes Service a DomainMapping sends to: its one address (the Service's DNS
   * name and port 80; kube-proxy picks the pod), never demoted or probed, HTTP/1.1, no
   * containerConcurrency, the default timeout (`defaultTimeoutMs`: 300 s, Knative's default
   * revision timeout), and no autoscaler statistics.
   */
  private makeServicePool(key: string, namespace: string, origin: string): RevisionPool {
    // Those of a revision nothing is known of (the defaults): as listed above.
    const pool = new RevisionPool(key, namespace, '', this.settingsOf(undefined), this.poolHost);
    pool.kubernetesService = true;
    pool.staticEndpoints = true;
    this.pools.set(key, pool);
    pool.setEndpoints([endpointOf(this.serviceOrigin(origin))]);
    return pool;
  }

  private makePool(key: string, namespace: string, revision: string): RevisionPool {
    const pool = new RevisionPool(key, namespace, revision, this.settingsFor(namespace, revision), this.poolHost);
    this.pools.set(key, pool);
    if (this.resolver !== undefined) {
      pool.staticEndpoints = true;
      pool.setEndpoints([this.staticEndpoint(namespace, revision)]);
    } else {
      pool.setEndpoints(this.endpoints.get(key));
    }
    return pool;
  }

  private refreshPool(pool: RevisionPool): void {
    pool.setSettings(this.settingsFor(pool.namespace, pool.revision));
    if (this.resolver !== undefined) pool.setEndpoints([this.staticEndpoint(pool.namespace, pool.revision)]);
  }

  private staticEndpoint(namespace: string, revision: string): PodEndpoint {
    return endpointOf(this.resolver!(namespace, revision).origin);
  }

  /** Knative's three revision timeouts → the wait deadline, the whole-request timer and undici's two timeouts. */
  private settingsFor(namespace: string, revision: string): PoolSettings {
    return this.settingsOf(this.resolver !== undefined ? this.resolver(namespace, revision) : this.revisionInfo?.(namespace, revision));
  }

  /** `settingsFor` of a revision's info (undefined: unknown, the defaults). */
  private settingsOf(b: RevisionInfo | undefined): PoolSettings {
    const total = positive(b?.timeoutMs) ?? this.defaultTimeoutMs;
    const headers = Math.min(positive(b?.responseStartTimeoutMs) ?? total, total);
    const cc = b?.containerConcurrency;
    return {
      containerConcurrency: cc !== undefined && Number.isInteger(cc) && cc > 0 ? cc : 0,
      timeoutMs: total,
      headersTimeoutMs: headers,
      bodyTimeoutMs: positive(b?.idleTimeoutMs) ?? 0, // undici: 0 = no limit
      waitTimeoutMs: headers,
      probe: b?.probe ?? { kind: 'tcp' },
      h2c: b?.h2c === true,
    };
  }

  /** Start the external listener (external hosts only; HTTP/1.1 and h2c). Resolves with the bound port. */
  public listen(port: number, host = '0.0.0.0'): Promise<number> {
    return listenOn(this.server, port, host);
  }

  /** Start the internal (cluster-local) listener (every host; HTTP/1.1 and h2c). Resolves with the bound port. */
  public listenInternal(port: number, host = '0.0.0.0'): Promise<number> {
    return listenOn(this.internalServer, port, host);
  }

  /**
   * Graceful drain of both listeners: stop accepting, close idle keep-alive connections, let
   * in-flight requests finish (their responses carry `Connection: close`), bounded by `timeoutMs`.
   * Resolves true if everything finished in time.
   */
  public async drain(timeoutMs = 30_000): Promise<boolean> {
    this.draining = true;
    const closed = Promise.all(this.frontends.map((f) => closeServer(f.tcp)));
    for (const f of this.frontends) {
      f.h1.closeIdleConnections();
      for (const s of f.sniffing) s.destroy();
      for (const s of f.sessions) s.close(); // GOAWAY: no new streams, the open ones finish
    }
    const idle = this.inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => this.idleWaiters.push(r));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const ok = await Promise.race([idle.then(() => true), timedOut]);
    // HTTP/2 sessions close themselves once their last stream has been written out (a response
    // ended here may still be queued in the session): give them the rest of the drain time.
    if (ok) await Promise.race([this.sessionsClosed(), timedOut]);
    clearTimeout(timer);
    this.closeConnections();
    await closed;
    return ok;
  }

  /** Resolves once every HTTP/2 session of both listeners has closed. */
  private sessionsClosed(): Promise<void> {
    const open: Promise<void>[] = [];
    for (const f of this.frontends) {
      for (const s of f.sessions) if (!s.destroyed) open.push(new Promise<void>((r) => s.once('close', () => r())));
    }
    return Promise.all(open).then(() => undefined);
  }

  private closeConnections(): void {
    for (const f of this.frontends) {
      f.h1.closeAllConnections();
      f.h1.close();
      for (const s of f.sniffing) s.destroy();
      for (const s of f.sessions) s.destroy();
    }
    for (const s of this.upgrades) s.destroy();
  }

  /** Close everything now (tests, after drain). */
  public async close(): Promise<void> {
    this.draining = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    const closed = Promise.all(this.frontends.map((f) => closeServer(f.tcp)));
    this.closeConnections();
    await closed;
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
    await Promise.all([...this.peerTrackers.values()].map((t) => t.destroy()));
    this.peerTrackers.clear();
  }

  /** @internal */
  public requestDone(): void {
    this.inFlight--;
    this.metrics.inFlight = this.inFlight;
    if (this.inFlight === 0 && this.idleWaiters.length > 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  /** @internal Short, clear text response. */
  public sendText(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string, close: boolean): void {
    if (res.headersSent || responseGone(res)) {
      res.destroy();
      return;
    }
    const body = textBody(text);
    const headers: string[] = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length)];
    if ((close || this.draining) && req.httpVersionMajor !== 2) headers.push('connection', 'close');
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private scheduleSweep(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      const cutoff = Date.now() - 30_000;
      let pending = false;
      for (const [key, since] of [...this.unusedSince]) {
        const pool = this.pools.get(key);
        if (pool === undefined) {
          this.unusedSince.delete(key);
        } else if (since <= cutoff && pool.idle) {
          this.pools.delete(key);
          this.unusedSince.delete(key);
          void pool.close();
        } else {
          pending = true;
        }
      }
      if (pending) this.scheduleSweep();
    }, 31_000);
    this.sweepTimer.unref();
  }

  private poolFor(t: Target): RevisionPool {
    return this.pools.get(t.backendKey) ?? this.makePoolFor(t);
  }

  /** May one more request wait in this pool? */
  private canQueue(pool: RevisionPool): boolean {
    return pool.waiting < this.maxWaitingPerRevision && this.waitingTotal < this.maxWaitingTotal;
  }

  /** Count the arrival for the autoscaler; poke it at once if the revision has no ready pod. */
  private arrive(pool: RevisionPool): void {
    if (pool.kubernetesService) return;
    const poke = this.stats.arrive(pool.key, pool.namespace, pool.revision, performance.now() / 1000, pool.hasUsablePod);
    if (poke !== undefined) {
      this.metrics.pokes++;
      this.onPoke?.(poke);
    }
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    let status = '400 Bad Request';
    let text = 'bad request';
    switch (err.code) {
      case 'HPE_HEADER_OVERFLOW':
        status = '431 Request Header Fields Too Large';
        text = 'request headers too large';
        break;
      case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      case 'HPE_INVALID_CONTENT_LENGTH':
      case 'HPE_INVALID_TRANSFER_ENCODING':
        text = 'bad request: invalid or conflicting Content-Length / Transfer-Encoding';
        break;
      case 'ERR_HTTP_REQUEST_TIMEOUT':
      case 'HPE_HEADERS_TIMEOUT':
        status = '408 Request Timeout';
        text = 'request timeout';
        break;
      default:
        break;
    }
    const body = text + '\n';
    socket.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse, internal: boolean): void {
    const start = performance.now();
    const table = this.table; // the one table read for this request
    this.inFlight++;
    this.metrics.inFlight = this.inFlight;
    const unrouted = this.metrics.unrouted;

    const raw = req.rawHeaders;
    // HTTP/2: the four request pseudo-headers (:method, :scheme, :authority, :path) do not count.
    const h2 = req.httpVersionMajor === 2;
    if (raw.length > this.maxHeaderCount * 2 + (h2 ? 8 : 0)) {
      this.reject(req, res, unrouted, start, 431, 'too many request headers', true);
      return;
    }
    const url = req.url;
    if (url === undefined || url.charCodeAt(0) !== 47 /* '/' */) {
      this.reject(req, res, unrouted, start, 400, 'bad request: origin-form request target required', true);
      return;
    }

    // One pass over the raw headers for routing and framing; the upstream header list is built
    // once the route is known (upstreamRequestHeaders, headers.ts).
    let host: string | undefined;
    let hostCount = 0;
    let tagHeader: string | undefined;
    let contentLength: string | undefined;
    let clCount = 0;
    let chunked = false;
    let authority: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i];
      switch (name.length) {
        case 4:
          if (name === 'Host' || name.toLowerCase() === 'host') {
            if (host !== undefined) hostCount++;
            host = raw[i + 1];
          }
          break;
        case 10:
          if (name === ':authority') authority = raw[i + 1];
          break;
        case 14:
          if (name === 'Content-Length' || name.toLowerCase() === 'content-length') {
            const value = raw[i + 1];
            if (contentLength !== undefined && contentLength !== value) clCount++;
            contentLength = value;
            clCount++;
          }
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') chunked = true;
          break;
        case 19:
          if (tagHeader === undefined && name.toLowerCase() === 'knative-serving-tag') tagHeader = raw[i + 1];
          break;
        default:
          break;
      }
    }

    if (authority !== undefined) {
      // HTTP/2 (RFC 9113 §8.3.1): :authority names the target; a Host header must agree.
      if (host !== undefined && host !== authority) {
        this.reject(req, res, unrouted, start, 400, 'bad request: Host and :authority differ', true);
        return;
      }
      host = authority;
    }

    // Request framing (Node's parser already rejects most of this; keep the proxy safe regardless).
    if (hostCount > 0) {
      this.reject(req, res, unrouted, start, 400, 'bad request: multiple Host headers', true);
      return;
    }
    if ((chunked && contentLength !== undefined) || clCount > 1) {
      this.reject(req, res, unrouted, start, 400, 'bad request: conflicting Content-Length / Transfer-Encoding', true);
      return;
    }
    let body: AsyncIterable<Buffer> | http.IncomingMessage | null = null;
    if (chunked) {
      body = limitBody(req, this.maxBodyBytes);
    } else if (contentLength !== undefined) {
      const n = Number(contentLength);
      if (!(n >= 0) || !Number.isInteger(n)) {
        this.reject(req, res, unrouted, start, 400, 'bad request: invalid Content-Length', true);
        return;
      }
      if (n > this.maxBodyBytes) {
        this.reject(req, res, unrouted, start, 413, 'request body too large', true);
        return;
      }
      if (n > 0) body = req;
    } else if (h2 && !(req as unknown as http2.Http2ServerRequest).stream.endAfterHeaders) {
      // HTTP/2 frames the body itself: a stream not ended by its HEADERS frame has one (gRPC never sends Content-Length).
      body = limitBody(req, this.maxBodyBytes);
    }

    // A cluster-local host is absent from the external map: the same 404 as an unknown host.
    const found = findHost(internal ? table.hosts : table.externalHosts, host);
    if (found === undefined) {
      this.reject(req, res, unrouted, start, 404, 'no route for this host', false);
      return;
    }
    const entry: RouteEntry = tagHeader === undefined ? found : selectEntry(found, tagHeader);
    const target = entry.balancer.pick();
    if (target === undefined) {
      this.reject(req, res, unrouted, start, 503, 'no ready targets for this route', false);
      return;
    }
    const series = this.metrics.seriesFor(target);
    const pool = this.poolFor(target);

    const fwd = upstreamRequestHeaders(raw, {
      remoteAddress: req.socket.remoteAddress ?? '',
      scheme: (req.socket as tls.TLSSocket).encrypted === true ? 'https' : 'http',
      defaultRoute: entry === found && found.markDefaultRoute,
      tag: entry.kind === 'tag' && this.tagHeaderRouting ? entry.tag : undefined,
      h2c: pool.settings.h2c,
      hostOverride: found.hostOverride,
      originalHost: found.originalHost,
    });

    const ex = new Exchange(this, req, res, series, start, pool, fwd, body);
    (res as ExchangeCarrier)[EXCHANGE] = ex;
    res.on('close', onResponseClose);
    this.dispatch(ex, pool);
  }

  private reject(req: http.IncomingMessage, res: http.ServerResponse, series: Series, start: number,
    status: number, text: string, close: boolean): void {
    this.sendText(req, res, status, text, close);
    series.observe(status, (performance.now() - start) / 1000);
    this.requestDone();
  }

  /**
   * HTTP/1.1 `Upgrade: h2c` (RFC 9113 §3.1 deprecates it; RFC 7540 §3.2 lets a server ignore it):
   * node:http2 cannot take over a connection with the upgraded request as stream 1, so the
   * ingress answers over HTTP/1.1. Node's parser has already handed the connection over, so the
   * request goes back to the HTTP/1.1 server as Node parsed it, without `Upgrade`,
   * `HTTP2-Settings` and those `Connection` tokens (its body bytes follow unchanged), and the
   * connection stays HTTP/1.1 keep-alive.
   */
  private ignoreH2cUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, h1: http.Server): void {
    const raw = req.rawHeaders;
    let lines = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
    for (let i = 0; i < raw.length; i += 2) {
      const lower = raw[i].toLowerCase();
      if (lower === 'upgrade' || lower === 'http2-settings') continue;
      if (lower === 'connection') {
        const keep = raw[i + 1].split(',').map((t) => t.trim()).filter((t) => t !== '' && !/^(upgrade|http2-settings)$/i.test(t));
        if (keep.length > 0) lines += `${raw[i]}: ${keep.join(', ')}\r\n`;
        continue;
      }
      lines += `${raw[i]}: ${raw[i + 1]}\r\n`;
    }
    lines += '\r\n';
    const bytes = Buffer.from(lines, 'latin1');
    socket.unshift(head.length > 0 ? Buffer.concat([bytes, head]) : bytes);
    h1.emit('connection', socket);
    socket.resume();
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, internal: boolean, h1: http.Server): void {
    if (upgradeIsH2c(req.headers.upgrade)) return this.ignoreH2cUpgrade(req, socket, head, h1);
    const table = this.table;
    socket.on('error', () => socket.destroy());
    if (this.draining) return refuseUpgrade(socket, '503 Service Unavailable', 'shutting down');
    const found = findHost(internal ? table.hosts : table.externalHosts, req.headers.host);
    if (found === undefined) return refuseUpgrade(socket, '404 Not Found', 'no route for this host');
    const tagHeader = req.headers['knative-serving-tag'];
    const entry = typeof tagHeader === 'string' ? selectEntry(found, tagHeader) : found;
    const target = entry.balancer.pick();
    if (target === undefined) return refuseUpgrade(socket, '503 Service Unavailable', 'no ready targets for this route');
    const pool = this.poolFor(target);
    const series = this.metrics.seriesFor(target);

    const fwd = upstreamRequestHeaders(req.rawHeaders, {
      remoteAddress: req.socket.remoteAddress ?? '',
      scheme: (req.socket as tls.TLSSocket).encrypted === true ? 'https' : 'http',
      defaultRoute: entry === found && found.markDefaultRoute,
      tag: entry.kind === 'tag' && this.tagHeaderRouting ? entry.tag : undefined,
      h2c: false,
      tunnel: true,
      hostOverride: found.hostOverride,
      originalHost: found.originalHost,
    });
    let lines = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (let i = 0; i < fwd.length; i += 2) lines += `${fwd[i]}: ${fwd[i + 1]}\r\n`;
    lines += '\r\n';

    const up = new Upgrade(this, socket, head, lines, series, performance.now(), pool);
    this.upgrades.add(socket);
    socket.once('close', () => up.clientClosed());
    this.dispatch(up, pool);
  }

  /** @internal An upgraded connection ended. */
  public upgradeDone(socket: Duplex, pool: RevisionPool, counted: boolean): void {
    this.upgrades.delete(socket);
    if (counted) this.revisionDone(pool);
  }

  /**
   * An upgrade (WebSocket) forwarded by another ingress replica (the peer port): source-checked
   * like a request, then tunnelled to a pod of its revision with the forwarder's header block
   * (without `K-Ingress-Revision`), holding one of the pod's slots until the connection closes.
   */
  private onPeerUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const source = normalizePeerAddress(req.socket.remoteAddress ?? '');
    if (!this.peerSet.has(source)) {
      this.metrics.peerRefused++;
      this.log('warn', 'peer port: refused an upgrade from an address that is not a ready ingress replica', { source, peers: this.peers });
      return refuseUpgrade(socket, '403 Forbidden', `forbidden: ${source || 'an unknown address'} is not a ready ingress replica`);
    }
    let revision: string | undefined;
    let lines = `${req.method} ${req.url} HTTP/1.1\r\n`;
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i].toLowerCase() === INGRESS_PEER_REVISION_HEADER) revision ??= raw[i + 1];
      else lines += `${raw[i]}: ${raw[i + 1]}\r\n`;
    }
    lines += '\r\n';
    const pool = revision === undefined ? undefined : this.peerPool(revision);
    if (pool === undefined) {
      return revision === undefined
        ? refuseUpgrade(socket, '400 Bad Request', `bad request: no ${INGRESS_PEER_REVISION_HEADER} header`)
        : refuseUpgrade(socket, '404 Not Found', `no revision "${revision}" known to this ingress replica`);
    }
    const up = new Upgrade(this, socket, head, lines, this.metrics.peerSeriesFor(pool.key), performance.now(), pool);
    this.upgrades.add(socket);
    socket.once('close', () => up.clientClosed());
    this.queueHere(up, pool);
  }
}

/** An always-ready endpoint at `origin` (`http://host:port`; IPv6 hosts in brackets). */
function endpointOf(origin: string): PodEndpoint {
  const u = new URL(origin);
  return { ip: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) || 80, ready: true, terminating: false };
}

/** A host as SNI names it: lower case, without `:port` and trailing dot. */
function hostOnly(host: string): string {
  let h = host;
  const colon = h.lastIndexOf(':');
  if (colon !== -1 && h.indexOf(']') < colon) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}

/** On the HTTPS listener: the request's Host (or `:authority`) is the server name its certificate was chosen for. */
function tlsHostMatches(req: http.IncomingMessage, socket: tls.TLSSocket | undefined): boolean {
  const name = socket?.servername;
  const host = req.headers.host ?? (req.headers as Record<string, string | string[] | undefined>)[':authority'];
  return typeof name === 'string' && typeof host === 'string' && hostOnly(host) === hostOnly(name);
}

function refuseUpgrade(socket: Duplex, status: string, text: string): void {
  const body = text + '\n';
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
}

function onUpgradeConnectTimeout(up: Upgrade): void {
  up.connectTimedOut();
}

/**
 * An upgrade (WebSocket) request: waits for a pod slot like any request, then tunnels bytes both
 * ways; the slot is held until the connection closes.
 */
class Upgrade implements Waiter, Dispatchable {
  public readonly waitDeadline: number;
  private phase = NEW;
  private done = false;
  private pod: PodTracker | undefined;
  private upstream: net.Socket | undefined;
  private connected = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly proxy: IngressProxy,
    private readonly socket: Duplex,
    private readonly head: Buffer,
    private readonly lines: string,
    private readonly series: Series,
    private readonly start: number,
    private readonly pool: RevisionPool,
  ) {
    this.waitDeadline = start + pool.settings.waitTimeoutMs;
  }

  public get settled(): boolean {
    return this.done;
  }

  public submit(canQueue: boolean): boolean {
    this.phase = NEW; // (a retry comes back from RUNNING)
    const ok = this.pool.submit(this, canQueue);
    if (ok && this.phase === NEW) this.phase = queuedPhase(this.pool);
    return ok;
  }

  public overflow(): void {
    this.proxy.metrics.queueOverflow(this.pool.namespace, this.pool.revision);
    this.series.observe(503, (performance.now() - this.start) / 1000);
    refuseUpgrade(this.socket, '503 Service Unavailable', 'pending request queue full');
    this.end();
  }

  public expire(): void {
    this.phase = EXPIRED;
    if (this.done) return;
    this.proxy.metrics.waitTimedOut(this.pool.namespace, this.pool.revision);
    this.series.observe(504, (performance.now() - this.start) / 1000);
    refuseUpgrade(this.socket, '504 Gateway Timeout', 'activator request timeout');
    this.end();
  }

  public run(pod: PodTracker): void {
    observePodWait(this.proxy.metrics, this.pool, this.phase, performance.now() - this.start);
    this.phase = RUNNING;
    this.pod = pod;
    this.connect(pod, this.lines);
  }

  /** Tunnel through the revision's owner replica (its peer port), the revision named in `K-Ingress-Revision`. */
  public forward(peer: PodTracker): void {
    this.phase = FORWARDING;
    this.pod = peer;
    peer.inFlight++;
    this.connect(peer, `${this.lines.slice(0, -2)}${INGRESS_PEER_REVISION_HEADER}: ${this.pool.key}\r\n\r\n`);
  }

  private connect(target: PodTracker, lines: string): void {
    const s = this.pool.settings;
    const waited = performance.now() - this.start;
    const local = target.localAddress === undefined ? {} : { localAddress: target.localAddress };
    const upstream = net.connect({ host: target.ip, port: target.port, noDelay: true, ...local });
    this.upstream = upstream;
    // Through the owner: its queue wait comes first, so allow the whole timeout (the owner answers 504 itself).
    const limit = this.phase === FORWARDING ? s.timeoutMs + PEER_SLACK_MS : Math.min(s.timeoutMs - waited, 30_000);
    this.timer = setTimeout(onUpgradeConnectTimeout, Math.max(1, limit), this);
    upstream.once('connect', () => {
      // Through the owner, its answer (101, or its 503/504 …) comes once it has a pod slot: passed on as it comes.
      this.connected = true;
      clearTimeout(this.timer);
      upstream.write(lines);
      if (this.head.length > 0) upstream.write(this.head);
      upstream.pipe(this.socket);
      this.socket.pipe(upstream);
      this.series.observe(101, (performance.now() - this.start) / 1000);
    });
    upstream.on('error', (err) => {
      if (this.upstream !== upstream) return;
      clearTimeout(this.timer);
      const code = (err as { code?: string }).code ?? '';
      if (this.phase === FORWARDING && !this.connected && !this.done && CONNECT_ERRORS.has(code)) {
        // The owner replica could not be reached (nothing was sent): serve the upgrade here.
        const peer = this.pod!;
        this.upstream = undefined;
        this.pod = undefined;
        this.phase = NEW;
        peer.inFlight--;
        peer.downUntil = performance.now() + PEER_DOWN_MS;
        this.proxy.peerFallback(this, this.pool, peer, code);
        return;
      }
      if (!this.connected && !this.done) {
        const c = classify(err);
        this.series.upstreamError(c.kind);
        this.series.observe(c.status, (performance.now() - this.start) / 1000);
        refuseUpgrade(this.socket, c.status === 504 ? '504 Gateway Timeout' : '502 Bad Gateway', c.text);
      } else {
        this.socket.destroy();
      }
      this.end();
    });
    upstream.once('close', () => {
      if (this.upstream !== upstream) return;
      this.socket.destroy();
      this.end();
    });
  }

  /** @internal */
  public connectTimedOut(): void {
    this.upstream?.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
  }

  /** The client's socket closed. */
  public clientClosed(): void {
    this.upstream?.destroy();
    this.end();
  }

  private end(): void {
    if (this.done) return;
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.phase === FORWARDING) this.pod!.inFlight--;
    else if (isQueued(this.phase)) this.pool.cancelled();
    else if (this.pod !== undefined) this.pool.release(this.pod);
    this.proxy.upgradeDone(this.socket, this.pool, this.phase !== FORWARDING);
  }
}

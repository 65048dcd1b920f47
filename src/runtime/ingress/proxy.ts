/**
 * HTTP/1.1 reverse proxy: node:http in front, undici connection pools (keep-alive) per revision
 * backend behind. Bodies stream in both directions; WebSocket (and other) upgrades are tunnelled.
 *
 * Two listeners, like Kourier's two gateways: the external one (`listen`, behind the external
 * Service) serves only external hosts; the internal one (`listenInternal`, behind the ClusterIP
 * Service that Route placeholder Services point at) serves cluster-local and external hosts. A
 * cluster-local host on the external listener gets exactly the unknown-host 404.
 *
 * Hot path: one table read, one pass over the raw request headers, one Map lookup for the host
 * (in the listener's host map), one smooth-WRR pick, one Map lookup for the backend pool and one
 * for the metrics series.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { Pool } from 'undici';
import { IngressMetrics, Series, UpstreamErrorKind } from './metrics';
import { emptyRouteTable, findHost, RouteEntry, RouteTable, selectEntry, Target } from './table';
import { clusterLocalHost } from '../../core/hosts';
import type { LogFn } from '../common/log';

/** Where a revision is reached, and its request timeouts (Knative's revision timeout semantics). */
export interface Backend {
  /** `http://host:port` */
  readonly origin: string;
  /**
   * `spec.timeoutSeconds` (ms): the whole request, from receipt until the response is complete;
   * also bounds the response start and the gaps between body chunks unless those are set.
   * Default: the proxy's `defaultTimeoutMs`.
   */
  readonly timeoutMs?: number;
  /** `spec.responseStartTimeoutSeconds` (ms): until the response headers arrive. */
  readonly responseStartTimeoutMs?: number;
  /** `spec.idleTimeoutSeconds` (ms): longest gap between response body chunks. */
  readonly idleTimeoutMs?: number;
}

/** Maps a revision to its backend. Called per revision on every table swap, never per request. */
export type BackendResolver = (namespace: string, revision: string) => Backend;

/** `http://<rev>.<ns>.svc.<clusterDomain>:80` (the revision's ClusterIP Service). */
export function defaultBackendResolver(clusterDomain = 'cluster.local'): BackendResolver {
  return (namespace, revision) => ({ origin: `http://${clusterLocalHost(revision, namespace, clusterDomain)}:80` });
}

export type { LogFn };

export interface ProxyOptions {
  resolver?: BackendResolver;
  clusterDomain?: string;
  /** Default per-revision timeout (ms); default 300 000. */
  defaultTimeoutMs?: number;
  /** Max request body bytes (413 above); default 64 MiB. */
  maxBodyBytes?: number;
  /** Max total request header bytes (431 above); default 16 KiB. */
  maxHeaderBytes?: number;
  /** Max request header count (431 above); default 100. */
  maxHeaderCount?: number;
  /** Max connections per backend origin; default 128. */
  connectionsPerBackend?: number;
  /** Client keep-alive idle timeout (ms); default 75 000. */
  keepAliveTimeoutMs?: number;
  metrics?: IngressMetrics;
  log?: LogFn;
}

interface BackendState {
  readonly key: string;
  readonly origin: string;
  readonly hostname: string;
  readonly port: number;
  /** Whole request (ms). */
  timeoutMs: number;
  /** Until the response headers (ms). */
  headersTimeoutMs: number;
  /** Between response body chunks (ms). */
  bodyTimeoutMs: number;
  readonly pool: Pool;
  unusedSince: number;
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

const RESPONSE_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

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

function textBody(text: string): Buffer {
  return Buffer.from(text + '\n', 'latin1');
}

function flushPending(ex: Exchange): void {
  ex.flushPending();
}

/** One proxied request: an undici (legacy, unwrapped: fastest) dispatch handler. */
class Exchange {
  private abortFn: ((err?: Error) => void) | undefined;
  private resumeFn: (() => void) | undefined;
  private done = false;
  private started = false;
  private bodyStarted = false;
  private pending: Buffer | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly proxy: IngressProxy,
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private readonly series: Series,
    private readonly start: number,
  ) {}

  /** Start the whole-request timer (the revision's `timeoutSeconds`). */
  public startTimer(ms: number): void {
    this.timer = setTimeout(onRequestTimeout, ms, this);
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
    const out: string[] = [];
    let connTokens: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toString('latin1');
      const value = raw[i + 1].toString('latin1');
      const len = name.length;
      if (len === 10 || len === 17 || len === 2 || len === 7 || len === 16) {
        const lower = name.toLowerCase();
        if (RESPONSE_HOP.has(lower)) {
          if (lower === 'connection') connTokens = value;
          continue;
        }
      }
      out.push(name, value);
    }
    if (connTokens !== undefined) stripConnectionTokens(out, connTokens);
    if (this.proxy.draining) out.push('connection', 'close');
    const res = this.res;
    try {
      res.writeHead(statusCode, out);
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

  public onComplete(): void {
    const p = this.pending;
    if (p !== undefined) {
      this.pending = undefined;
      // latin1 strings are byte-exact; Node then writes head + body as one string (no writev).
      this.res.end(p.toString('latin1'), 'latin1');
    } else {
      this.res.end();
    }
    this.finish(this.res.statusCode);
  }

  /** @internal */
  public flushPending(): void {
    const p = this.pending;
    if (p === undefined || this.done) return;
    this.pending = undefined;
    this.write(p);
  }

  private write(chunk: Buffer): boolean {
    const ok = chunk.length <= SMALL_CHUNK ? this.res.write(chunk.toString('latin1'), 'latin1') : this.res.write(chunk);
    if (ok) return true;
    this.res.once('drain', this.resumeFn!);
    return false;
  }

  public onError(err: Error): void {
    this.fail(err);
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
    if (!this.started && !res.headersSent && !res.destroyed) {
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
    this.proxy.requestDone();
  }
}

/** `v` if it is a positive finite number (0 and unset mean "not configured"). */
function positive(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
}

function stripConnectionTokens(headers: string[], connection: string): void {
  // Fast path: the usual values name no extra hop-by-hop headers.
  const len = connection.length;
  if ((len === 10 || len === 5 || len === 7) && /^(keep-alive|close|upgrade)$/i.test(connection)) return;
  const tokens = connection.toLowerCase().split(',').map((t) => t.trim()).filter((t) => t && t !== 'close' && t !== 'keep-alive' && t !== 'upgrade');
  if (tokens.length === 0) return;
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (tokens.includes(headers[i].toLowerCase())) headers.splice(i, 2);
  }
}

function listenOn(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** Stop accepting; resolves once the server's connections are gone (at once if it never listened). */
function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((r) => {
    if (!server.listening) return r();
    server.close(() => r());
  });
}

/** Names (lowercase) never forwarded upstream: hop-by-hop, plus headers undici manages itself. */
const REQUEST_DROP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authorization', 'expect', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host',
]);
const DROP_LENGTHS = new Set([...REQUEST_DROP].map((h) => h.length));

export class IngressProxy {
  /** The external listener: external hosts only. */
  public readonly server: http.Server;
  /** The internal (cluster-local) listener: every host. */
  public readonly internalServer: http.Server;
  public readonly metrics: IngressMetrics;
  public draining = false;
  private table: RouteTable;
  private readonly backends = new Map<string, BackendState>();
  private readonly resolver: BackendResolver;
  private readonly defaultTimeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly maxHeaderCount: number;
  private readonly connections: number;
  private readonly log: LogFn;
  private readonly upgrades = new Set<Duplex>();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private tableReady = false;

  constructor(opts: ProxyOptions = {}) {
    this.resolver = opts.resolver ?? defaultBackendResolver(opts.clusterDomain);
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 300_000;
    this.maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024 * 1024;
    this.maxHeaderCount = opts.maxHeaderCount ?? 100;
    this.connections = opts.connectionsPerBackend ?? 128;
    this.metrics = opts.metrics ?? new IngressMetrics();
    this.log = opts.log ?? (() => undefined);
    this.table = emptyRouteTable();
    this.server = this.createServer(opts, false);
    this.internalServer = this.createServer(opts, true);
  }

  private createServer(opts: ProxyOptions, internal: boolean): http.Server {
    const server = http.createServer({
      maxHeaderSize: opts.maxHeaderBytes ?? 16 * 1024,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 75_000,
      requestTimeout: 0, // per-revision timeouts apply instead
      headersTimeout: 60_000,
      noDelay: true,
    }, (req, res) => this.onRequest(req, res, internal));
    // Let one more header through than allowed so that "too many" is detectable (Node truncates silently).
    server.maxHeadersCount = this.maxHeaderCount + 1;
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.onClientError(err, socket));
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head, internal));
    return server;
  }

  private get servers(): http.Server[] {
    return [this.server, this.internalServer];
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

  /** Atomically install a new table. Backends it references are resolved and pooled here, not per request. */
  public setTable(table: RouteTable): void {
    const now = Date.now();
    const used = new Set<string>();
    for (const t of table.targets) {
      used.add(t.backendKey);
      const b = this.backends.get(t.backendKey);
      if (b === undefined) {
        this.backends.set(t.backendKey, this.makeBackend(t));
      } else {
        b.unusedSince = 0;
        this.applyTimeouts(b, this.resolver(t.namespace, t.revision)); // a revision's timeouts may have become known
      }
      this.metrics.seriesFor(t);
    }
    for (const b of this.backends.values()) if (!used.has(b.key) && b.unusedSince === 0) b.unusedSince = now;
    this.table = table;
    this.tableReady = true;
    this.metrics.tableGeneration = table.generation;
    this.metrics.tableSwaps++;
    this.metrics.hosts = table.hosts.size;
    this.metrics.externalHosts = table.externalHosts.size;
    this.metrics.routes = table.routeCount;
    this.log('debug', 'routing table installed', { generation: table.generation, hosts: table.hosts.size, backends: this.backends.size });
    this.scheduleSweep();
  }

  /** Start the external listener (external hosts only). Resolves with the bound port. */
  public listen(port: number, host = '0.0.0.0'): Promise<number> {
    return listenOn(this.server, port, host);
  }

  /** Start the internal (cluster-local) listener (every host). Resolves with the bound port. */
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
    const closed = Promise.all(this.servers.map(closeServer));
    for (const s of this.servers) s.closeIdleConnections();
    const idle = this.inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => this.idleWaiters.push(r));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const ok = await Promise.race([idle.then(() => true), timedOut]);
    clearTimeout(timer);
    for (const s of this.servers) s.closeAllConnections();
    for (const s of this.upgrades) s.destroy();
    await closed;
    return ok;
  }

  /** Close everything now (tests, after drain). */
  public async close(): Promise<void> {
    this.draining = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    const closed = Promise.all(this.servers.map(closeServer));
    for (const s of this.servers) s.closeAllConnections();
    await closed;
    for (const s of this.upgrades) s.destroy();
    await Promise.all([...this.backends.values()].map((b) => b.pool.destroy().catch(() => undefined)));
    this.backends.clear();
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
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const body = textBody(text);
    const headers: string[] = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length)];
    if (close || this.draining) headers.push('connection', 'close');
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private makeBackend(t: Target): BackendState {
    const b = this.resolver(t.namespace, t.revision);
    const u = new URL(b.origin);
    const pool = new Pool(u.origin, {
      connections: this.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    pool.on('connectionError', () => undefined);
    const state: BackendState = {
      key: t.backendKey,
      origin: u.origin,
      hostname: u.hostname.replace(/^\[|\]$/g, ''),
      port: Number(u.port) || 80,
      timeoutMs: 0,
      headersTimeoutMs: 0,
      bodyTimeoutMs: 0,
      pool,
      unusedSince: 0,
    };
    this.applyTimeouts(state, b);
    return state;
  }

  /** Knative's three revision timeouts → the whole-request timer and undici's two timeouts. */
  private applyTimeouts(state: BackendState, b: Backend): void {
    const total = positive(b.timeoutMs) ?? this.defaultTimeoutMs;
    state.timeoutMs = total;
    state.headersTimeoutMs = Math.min(positive(b.responseStartTimeoutMs) ?? total, total);
    state.bodyTimeoutMs = Math.min(positive(b.idleTimeoutMs) ?? total, total);
  }

  private scheduleSweep(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      const cutoff = Date.now() - 30_000;
      let pending = false;
      for (const b of [...this.backends.values()]) {
        if (b.unusedSince === 0) continue;
        if (b.unusedSince <= cutoff) {
          this.backends.delete(b.key);
          b.pool.close().catch(() => undefined);
        } else {
          pending = true;
        }
      }
      if (pending) this.scheduleSweep();
    }, 31_000);
    this.sweepTimer.unref();
  }

  private backendFor(t: Target): BackendState {
    let b = this.backends.get(t.backendKey);
    if (b === undefined) {
      b = this.makeBackend(t);
      this.backends.set(t.backendKey, b);
    }
    return b;
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
    if (raw.length > this.maxHeaderCount * 2) {
      this.reject(req, res, unrouted, start, 431, 'too many request headers', true);
      return;
    }
    const url = req.url;
    if (url === undefined || url.charCodeAt(0) !== 47 /* '/' */) {
      this.reject(req, res, unrouted, start, 400, 'bad request: origin-form request target required', true);
      return;
    }

    // One pass over the raw headers: pick out what we need, build the upstream header list.
    const fwd: string[] = [];
    let host: string | undefined;
    let hostCount = 0;
    let tagHeader: string | undefined;
    let contentLength: string | undefined;
    let clCount = 0;
    let chunked = false;
    let connection: string | undefined;
    let xff: string | undefined;
    let xfProto: string | undefined;
    let xfHost: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i];
      const value = raw[i + 1];
      const len = name.length;
      switch (len) {
        case 4:
          if (name === 'Host' || name.toLowerCase() === 'host') {
            if (host !== undefined) hostCount++;
            host = value;
          }
          break;
        case 14:
          if (name === 'Content-Length' || name.toLowerCase() === 'content-length') {
            if (contentLength !== undefined && contentLength !== value) clCount++;
            contentLength = value;
            clCount++;
          }
          break;
        case 19:
          if (tagHeader === undefined && name.toLowerCase() === 'knative-serving-tag') tagHeader = value;
          break;
        default:
          break;
      }
      if (DROP_LENGTHS.has(len)) {
        const lower = name.toLowerCase();
        if (REQUEST_DROP.has(lower)) {
          if (lower === 'transfer-encoding') chunked = true;
          else if (lower === 'connection') connection = connection === undefined ? value : `${connection}, ${value}`;
          else if (lower === 'x-forwarded-for') xff = xff === undefined ? value : `${xff}, ${value}`;
          else if (lower === 'x-forwarded-proto') xfProto ??= value;
          else if (lower === 'x-forwarded-host') xfHost ??= value;
          continue;
        }
      }
      fwd.push(name, value);
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
    const backend = this.backendFor(target);

    if (connection !== undefined) stripConnectionTokens(fwd, connection);
    const remote = req.socket.remoteAddress ?? '';
    fwd.push('x-forwarded-for', xff === undefined ? remote : `${xff}, ${remote}`);
    fwd.push('x-forwarded-proto', xfProto ?? 'http');
    if (host !== undefined) fwd.push('x-forwarded-host', xfHost ?? host);
    if (entry === found && found.markDefaultRoute) fwd.push('knative-serving-default-route', 'true');

    const ex = new Exchange(this, req, res, series, start);
    (res as ExchangeCarrier)[EXCHANGE] = ex;
    res.on('close', onResponseClose);
    ex.startTimer(backend.timeoutMs);
    backend.pool.dispatch({
      path: url,
      method: req.method as string,
      headers: fwd,
      body: body as never,
      headersTimeout: backend.headersTimeoutMs,
      bodyTimeout: backend.bodyTimeoutMs,
    }, ex as never);
  }

  private reject(req: http.IncomingMessage, res: http.ServerResponse, series: Series, start: number,
    status: number, text: string, close: boolean): void {
    this.sendText(req, res, status, text, close);
    series.observe(status, (performance.now() - start) / 1000);
    this.requestDone();
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, internal: boolean): void {
    const table = this.table;
    const refuse = (status: string, text: string): void => {
      const body = text + '\n';
      socket.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    };
    socket.on('error', () => socket.destroy());
    if (this.draining) return refuse('503 Service Unavailable', 'shutting down');
    const found = findHost(internal ? table.hosts : table.externalHosts, req.headers.host);
    if (found === undefined) return refuse('404 Not Found', 'no route for this host');
    const tagHeader = req.headers['knative-serving-tag'];
    const entry = typeof tagHeader === 'string' ? selectEntry(found, tagHeader) : found;
    const target = entry.balancer.pick();
    if (target === undefined) return refuse('503 Service Unavailable', 'no ready targets for this route');
    const backend = this.backendFor(target);
    const series = this.metrics.seriesFor(target);

    const raw = req.rawHeaders;
    let xff: string | undefined;
    let lines = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (let i = 0; i < raw.length; i += 2) {
      const lower = raw[i].toLowerCase();
      if (lower === 'x-forwarded-for') {
        xff = xff === undefined ? raw[i + 1] : `${xff}, ${raw[i + 1]}`;
        continue;
      }
      if (lower === 'keep-alive' || lower === 'proxy-connection' || lower === 'te' || lower === 'trailer'
        || lower === 'transfer-encoding' || lower === 'proxy-authorization' || lower === 'x-forwarded-proto' || lower === 'x-forwarded-host') continue;
      lines += `${raw[i]}: ${raw[i + 1]}\r\n`;
    }
    const remote = req.socket.remoteAddress ?? '';
    lines += `x-forwarded-for: ${xff === undefined ? remote : `${xff}, ${remote}`}\r\n`;
    lines += `x-forwarded-proto: ${(req.headers['x-forwarded-proto'] as string | undefined) ?? 'http'}\r\n`;
    if (req.headers.host) lines += `x-forwarded-host: ${(req.headers['x-forwarded-host'] as string | undefined) ?? req.headers.host}\r\n`;
    if (entry === found && found.markDefaultRoute) lines += 'knative-serving-default-route: true\r\n';
    lines += '\r\n';

    const start = performance.now();
    const upstream = net.connect({ host: backend.hostname, port: backend.port, noDelay: true });
    let connected = false;
    const timer = setTimeout(() => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), Math.min(backend.timeoutMs, 30_000));
    upstream.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      upstream.write(lines);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
      series.observe(101, (performance.now() - start) / 1000);
    });
    upstream.on('error', (err) => {
      clearTimeout(timer);
      if (!connected) {
        const c = classify(err);
        series.upstreamError(c.kind);
        series.observe(c.status, (performance.now() - start) / 1000);
        refuse(c.status === 504 ? '504 Gateway Timeout' : '502 Bad Gateway', c.text);
      } else {
        socket.destroy();
      }
    });
    this.upgrades.add(socket);
    const cleanup = (): void => {
      this.upgrades.delete(socket);
      upstream.destroy();
    };
    socket.once('close', cleanup);
    upstream.once('close', () => socket.destroy());
  }
}

/**
 * Real loopback HTTP backends standing in for pods (for the WorkloadSimulator's
 * `endpointSlices.backend` hook): each one gets its own 127.0.0.1 port at once, and only starts
 * listening on it after a start-up delay, so until then a connection is refused as it would be
 * by a container that is still starting.
 *
 * ```ts
 * const pods = loopbackBackends({ startupDelayMs: 500 });
 * const api = await KubeApiEmulator.start({ simulateWorkloads: { endpointSlices: { backend: pods.start } } });
 * ...
 * pods.all().map((b) => b.maxInFlight);   // e.g. 1 for a containerConcurrency 1 check
 * ```
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PodBackend, PodInfo } from './workloads';

export interface LoopbackBackendOptions {
  /** Time from start() until the backend listens (the container's own start-up). Default 0. */
  startupDelayMs?: number;
  /**
   * Request handler. Default: 200 with the body `<pod name>\n` (or `ok\n` without a pod), after
   * `delay` ms taken from the `?delay=` query (for long requests).
   */
  handler?: (req: IncomingMessage, res: ServerResponse, backend: LoopbackBackend) => void;
}

function reservePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export class LoopbackBackend implements PodBackend {
  /** Start a backend: the port is known when this resolves; `ready` resolves once it listens. */
  public static async start(options: LoopbackBackendOptions = {}, pod?: PodInfo): Promise<LoopbackBackend> {
    const port = await reservePort();
    return new LoopbackBackend(port, options, pod);
  }

  public readonly address = '127.0.0.1';
  public readonly ready: Promise<void>;
  /** Requests in flight now, the most ever in flight at once, and requests received. */
  public inFlight = 0;
  public maxInFlight = 0;
  public requests = 0;
  /** When it started listening (Date.now()), or undefined. */
  public listeningSince?: number;
  private readonly server: Server;
  private closed = false;
  private timer?: NodeJS.Timeout;

  private constructor(public readonly port: number, options: LoopbackBackendOptions, public readonly pod?: PodInfo) {
    const handler = options.handler ?? defaultHandler;
    this.server = createServer((req, res) => {
      this.requests++;
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.inFlight--;
      };
      res.on('finish', finish);
      res.on('close', finish);
      handler(req, res, this);
    });
    this.server.keepAliveTimeout = 5_000;
    this.ready = new Promise<void>((resolve, reject) => {
      const listen = () => {
        if (this.closed) {
          reject(new Error('closed before it started'));
          return;
        }
        this.server.once('error', reject);
        this.server.listen(port, '127.0.0.1', () => {
          this.listeningSince = Date.now();
          resolve();
        });
      };
      const delay = options.startupDelayMs ?? 0;
      if (delay > 0) this.timer = setTimeout(listen, delay);
      else listen();
    });
    this.ready.catch(() => undefined);
  }

  /** Stop accepting connections, close idle keep-alive connections, wait for in-flight requests. */
  public close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }
}

function defaultHandler(req: IncomingMessage, res: ServerResponse, backend: LoopbackBackend): void {
  const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
  const answer = () => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`${backend.pod?.name ?? 'ok'}\n`);
  };
  req.resume();
  req.on('end', () => (delay > 0 ? setTimeout(answer, delay) : answer()));
}

/** A backend hook for `simulateWorkloads.endpointSlices.backend` that keeps every backend it started. */
export function loopbackBackends(options: LoopbackBackendOptions = {}): {
  start: (pod: PodInfo) => Promise<LoopbackBackend>;
  all: () => LoopbackBackend[];
  byPod: (name: string) => LoopbackBackend | undefined;
} {
  const started: LoopbackBackend[] = [];
  return {
    start: async (pod) => {
      const b = await LoopbackBackend.start(options, pod);
      started.push(b);
      return b;
    },
    all: () => started.slice(),
    byPod: (name) => started.find((b) => b.pod?.name === name),
  };
}

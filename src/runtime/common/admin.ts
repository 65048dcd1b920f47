/**
 * The runtime's admin HTTP server (controller and ingress): `/healthz` (liveness), `/readyz`
 * (readiness: 503 with the reason while not ready), `/metrics` (Prometheus text format 0.0.4),
 * the component's own read-only paths (`handle`, GET/HEAD only); anything else 404; a callback that throws gives a 500. The ports are in
 * src/core/runtime-contract.ts, where the control plane's probes read them.
 */
import * as http from 'node:http';
import { closeServer, listenOn } from './server';

export interface AdminServerOptions {
  /** Why the component is not ready (the 503 body), or undefined when it is ready. */
  notReadyReason: () => string | undefined;
  /** Liveness; default always healthy. */
  isHealthy?: () => boolean;
  /** The metrics text exposition. */
  metrics: () => string;
  /** The component's own read-only paths: the answer for a path, or undefined (404). */
  handle?: (path: string) => AdminResponse | undefined;
}

/** An answer of `AdminServerOptions.handle`. */
export interface AdminResponse {
  status: number;
  body: string;
  /** Content type; default text/plain. */
  type?: string;
}

export class AdminServer {
  public readonly server: http.Server;
  /** The bound port once listening. */
  public port?: number;

  constructor(private readonly opts: AdminServerOptions) {
    this.server = http.createServer((req, res) => {
      try {
        this.handle(req, res);
      } catch (e) {
        // A failing probe or metrics callback answers 500; it must not take the process down.
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`internal error: ${(e as Error)?.message ?? String(e)}\n`);
      }
    });
  }

  /** True when `/readyz` answers 200. */
  public get ready(): boolean {
    return this.opts.notReadyReason() === undefined;
  }

  /** Start listening; resolves with the bound port (`port` 0 picks a free one). */
  public listen(port: number, host = '0.0.0.0'): Promise<number> {
    return listenOn(this.server, port, host).then((p) => (this.port = p));
  }

  /** Stop listening and close open (keep-alive) connections. */
  public close(): Promise<void> {
    return closeServer(this.server);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    switch (path) {
      case '/healthz': {
        const ok = this.opts.isHealthy ? this.opts.isHealthy() : true;
        return send(ok ? 200 : 500, ok ? 'ok\n' : 'unhealthy\n');
      }
      case '/readyz': {
        const reason = this.opts.notReadyReason();
        return reason === undefined ? send(200, 'ok\n') : send(503, `${reason}\n`);
      }
      case '/metrics':
        return send(200, this.opts.metrics(), 'text/plain; version=0.0.4; charset=utf-8');
      default: {
        const r = req.method === 'GET' || req.method === 'HEAD' ? this.opts.handle?.(path) : undefined;
        if (r !== undefined) return send(r.status, r.body, r.type);
        return send(404, 'not found\n');
      }
    }
  }
}

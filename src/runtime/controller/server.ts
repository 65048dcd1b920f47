/** Admin HTTP server: /healthz, /readyz (once caches have synced), /metrics. */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';

export interface AdminServerOptions {
  port: number;
  host?: string;
  isReady: () => boolean;
  isHealthy?: () => boolean;
  metrics: () => string;
}

export class AdminServer {
  private server?: http.Server;
  /** The bound port once started. */
  port?: number;
  constructor(private readonly opts: AdminServerOptions) {}

  async start(): Promise<number> {
    const srv = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const send = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
        res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      };
      if (path === '/healthz') {
        const ok = this.opts.isHealthy ? this.opts.isHealthy() : true;
        send(ok ? 200 : 500, ok ? 'ok\n' : 'unhealthy\n');
      } else if (path === '/readyz') {
        const ok = this.opts.isReady();
        send(ok ? 200 : 503, ok ? 'ok\n' : 'caches not synced\n');
      } else if (path === '/metrics') {
        send(200, this.opts.metrics(), 'text/plain; version=0.0.4; charset=utf-8');
      } else {
        send(404, 'not found\n');
      }
    });
    this.server = srv;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.opts.port, this.opts.host ?? '0.0.0.0', () => resolve());
    });
    return (srv.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const srv = this.server;
    if (!srv) return;
    this.server = undefined;
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
}

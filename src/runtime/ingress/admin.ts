/** Admin endpoints (default port 9000): /healthz, /readyz, /metrics. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IngressProxy } from './proxy';

export class AdminServer {
  public readonly server: http.Server;

  constructor(private readonly proxy: IngressProxy) {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  /** Ready once the first table is installed, and not while draining. */
  public get ready(): boolean {
    return this.proxy.ready && !this.proxy.draining;
  }

  public listen(port: number, host = '0.0.0.0'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  public close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    switch (path) {
      case '/healthz':
        return send(200, 'ok\n');
      case '/readyz':
        if (this.proxy.draining) return send(503, 'draining\n');
        if (!this.proxy.ready) return send(503, 'routing table not built yet\n');
        return send(200, 'ok\n');
      case '/metrics':
        return send(200, this.proxy.metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
      default:
        return send(404, 'not found\n');
    }
  }
}

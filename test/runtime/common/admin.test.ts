import * as http from 'node:http';
import { AdminServer } from '../../../src/runtime/common/admin';
import { ingressAdminServer } from '../../../src/runtime/ingress/admin';
import { IngressProxy } from '../../../src/runtime/ingress/proxy';

interface Reply { code: number; body: string; type?: string }

function request(port: number, path: string, method = 'GET', agent?: http.Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    http.request({ host: '127.0.0.1', port, path, method, agent }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ code: res.statusCode!, body, type: res.headers['content-type'] }));
    }).on('error', reject).end();
  });
}

describe('runtime admin server', () => {
  test('/healthz, /readyz (503 with the reason until ready), /metrics in the Prometheus text format, 404 otherwise', async () => {
    let reason: string | undefined = 'caches not synced';
    const s = new AdminServer({ notReadyReason: () => reason, metrics: () => 'x 1\n' });
    const port = await s.listen(0, '127.0.0.1');
    try {
      expect(s.port).toBe(port);
      expect(await request(port, '/healthz')).toEqual({ code: 200, body: 'ok\n', type: 'text/plain; charset=utf-8' });
      expect(await request(port, '/readyz')).toMatchObject({ code: 503, body: 'caches not synced\n' });
      expect(s.ready).toBe(false);
      reason = undefined;
      expect(await request(port, '/readyz?verbose')).toMatchObject({ code: 200, body: 'ok\n' });
      expect(s.ready).toBe(true);
      expect(await request(port, '/metrics')).toEqual({ code: 200, body: 'x 1\n', type: 'text/plain; version=0.0.4; charset=utf-8' });
      expect(await request(port, '/metrics', 'HEAD')).toMatchObject({ code: 200, body: '' });
      expect(await request(port, '/nope')).toMatchObject({ code: 404, body: 'not found\n' });
    } finally {
      await s.close();
    }
  });

  test('an unhealthy component answers 500 on /healthz; a throwing callback answers 500 and the server keeps serving', async () => {
    let healthy = false;
    const s = new AdminServer({
      notReadyReason: () => undefined,
      isHealthy: () => healthy,
      metrics: () => {
        throw new Error('render failed');
      },
    });
    const port = await s.listen(0, '127.0.0.1');
    try {
      expect(await request(port, '/healthz')).toMatchObject({ code: 500, body: 'unhealthy\n' });
      healthy = true;
      expect(await request(port, '/metrics')).toMatchObject({ code: 500, body: 'internal error: render failed\n' });
      expect(await request(port, '/healthz')).toMatchObject({ code: 200, body: 'ok\n' });
    } finally {
      await s.close();
    }
  });

  test('close() does not wait for idle keep-alive connections (a scraper holding one)', async () => {
    const s = new AdminServer({ notReadyReason: () => undefined, metrics: () => '' });
    const port = await s.listen(0, '127.0.0.1');
    const agent = new http.Agent({ keepAlive: true });
    expect((await request(port, '/healthz', 'GET', agent)).code).toBe(200);
    const t0 = Date.now();
    await s.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(s.server.listening).toBe(false);
    await s.close(); // twice is fine
    agent.destroy();
  });

  test('listen() rejects when the port is taken', async () => {
    const a = new AdminServer({ notReadyReason: () => undefined, metrics: () => '' });
    const port = await a.listen(0, '127.0.0.1');
    const b = new AdminServer({ notReadyReason: () => undefined, metrics: () => '' });
    await expect(b.listen(port, '127.0.0.1')).rejects.toThrow(/EADDRINUSE/);
    await a.close();
  });

  test('the ingress: not ready until the first routing table, and not while draining; /metrics is the proxy\'s', async () => {
    const proxy = new IngressProxy({});
    const s = ingressAdminServer(proxy);
    const port = await s.listen(0, '127.0.0.1');
    try {
      expect(await request(port, '/readyz')).toMatchObject({ code: 503, body: 'routing table not built yet\n' });
      proxy.draining = true;
      expect(await request(port, '/readyz')).toMatchObject({ code: 503, body: 'draining\n' });
      expect(await request(port, '/healthz')).toMatchObject({ code: 200, body: 'ok\n' });
      expect((await request(port, '/metrics')).body).toBe(proxy.metrics.render());
    } finally {
      await s.close();
      await proxy.close();
    }
  });
});

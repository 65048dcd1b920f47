import * as http from 'node:http';
import { defaultServingConfig } from '../../../src/core/config';
import { domainMappingDigest, domainMappingRule } from '../../../src/core/domain-mapping';
import { routingDigest, routingFromStatus } from '../../../src/core/routing';
import type { DomainMappingObject, RouteObject } from '../../../src/core/types';
import { AdminServer } from '../../../src/runtime/common/admin';
import { ingressAdminServer } from '../../../src/runtime/ingress/admin';
import { IngressProxy } from '../../../src/runtime/ingress/proxy';
import { buildRouteTable } from '../../../src/runtime/ingress/table';

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

  test('the ingress: GET /v1/routes/<ns>/<name> answers the digest of the routing its table serves for the Route (null when absent or it lost a host)', async () => {
    const cfg = defaultServingConfig();
    const route = (ns: string, name: string, rev: string, tag?: string): RouteObject => ({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Route',
      metadata: { namespace: ns, name },
      status: { traffic: [{ revisionName: rev, percent: 100, ...(tag ? { tag } : {}) }] },
    } as any);
    const web = route('prod', 'web', 'web-1', 'v1');
    // named like web's tag host (v1-web): first in namespace/name order, so it keeps the host
    const rival = route('prod', 'v1-web', 'other-1');
    const proxy = new IngressProxy({});
    const s = ingressAdminServer(proxy);
    const port = await s.listen(0, '127.0.0.1');
    try {
      expect(await request(port, '/v1/routes/prod/web')).toMatchObject({ code: 503, body: 'routing table not built yet\n' });
      proxy.setTable(buildRouteTable([web], cfg, { generation: 7 }));
      const got = await request(port, '/v1/routes/prod/web');
      expect(got).toMatchObject({ code: 200, type: 'application/json' });
      expect(JSON.parse(got.body)).toEqual({ route: 'prod/web', digest: routingDigest(routingFromStatus(web, cfg)), tableGeneration: 7 });
      expect(JSON.parse((await request(port, '/v1/routes/prod/other')).body)).toEqual({ route: 'prod/other', digest: null, tableGeneration: 7 });
      expect(await request(port, '/v1/routes/prod')).toMatchObject({ code: 400, body: 'expected /v1/routes/<namespace>/<name>\n' });
      expect(await request(port, '/v1/routes/prod/web', 'POST')).toMatchObject({ code: 404 });
      // a route that loses one of its hosts to another is not served as computed: no digest
      const both = buildRouteTable([web, rival], cfg, { generation: 8 });
      expect(both.conflicts.length).toBeGreaterThan(0);
      proxy.setTable(both);
      expect(JSON.parse((await request(port, '/v1/routes/prod/web')).body)).toEqual({ route: 'prod/web', digest: null, tableGeneration: 8 });
      expect(JSON.parse((await request(port, '/v1/routes/prod/v1-web')).body).digest).toBe(routingDigest(routingFromStatus(rival, cfg)));
    } finally {
      await s.close();
      await proxy.close();
    }
  });

  test('the ingress: GET /v1/domainmappings/<ns>/<name> answers the digest of the rule its table serves for the DomainMapping (null when not served)', async () => {
    const cfg = defaultServingConfig();
    const web: RouteObject = { apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: { namespace: 'prod', name: 'web' }, status: { traffic: [{ revisionName: 'web-1', percent: 100 }] } } as any;
    const mapping = (name: string, target: string, claimed = 'True'): DomainMappingObject => ({
      apiVersion: 'serving.knative.dev/v1beta1',
      kind: 'DomainMapping',
      metadata: { namespace: 'prod', name, generation: 1 },
      spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: target } },
      status: { observedGeneration: 1, conditions: [{ type: 'DomainClaimed', status: claimed }, { type: 'ReferenceResolved', status: 'True' }] },
    } as DomainMappingObject);
    const shop = mapping('shop.example.org', 'web');
    const proxy = new IngressProxy({});
    const s = ingressAdminServer(proxy);
    const port = await s.listen(0, '127.0.0.1');
    try {
      expect(await request(port, '/v1/domainmappings/prod/shop.example.org')).toMatchObject({ code: 503, body: 'routing table not built yet\n' });
      proxy.setTable(buildRouteTable([web], cfg, {
        generation: 3,
        // not claimed; a target the table does not serve
        domainMappings: [shop, mapping('unclaimed.example.org', 'web', 'False'), mapping('lost.example.org', 'gone')],
      }));
      const got = await request(port, '/v1/domainmappings/prod/shop.example.org');
      expect(got).toMatchObject({ code: 200, type: 'application/json' });
      expect(JSON.parse(got.body)).toEqual({ domainMapping: 'prod/shop.example.org', digest: domainMappingDigest(domainMappingRule(shop, cfg)!), tableGeneration: 3 });
      for (const name of ['unclaimed.example.org', 'lost.example.org', 'none.example.org']) {
        expect(JSON.parse((await request(port, `/v1/domainmappings/prod/${name}`)).body)).toEqual({ domainMapping: `prod/${name}`, digest: null, tableGeneration: 3 });
      }
      // a Route's endpoint does not answer for the DomainMapping, nor the other way round
      expect(JSON.parse((await request(port, '/v1/routes/prod/shop.example.org')).body).digest).toBeNull();
      expect(JSON.parse((await request(port, '/v1/domainmappings/prod/web')).body).digest).toBeNull();
      expect(await request(port, '/v1/domainmappings/prod')).toMatchObject({ code: 400, body: 'expected /v1/domainmappings/<namespace>/<name>\n' });
    } finally {
      await s.close();
      await proxy.close();
    }
  });
});

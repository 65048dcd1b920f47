/** The controller's IngressReady probe I/O: replica addresses from EndpointSlices, HTTP answers and failures. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultServingConfig } from '../../../src/core/config';
import { domainMappingDigest, domainMappingRule } from '../../../src/core/domain-mapping';
import { routingDigest, routingFromStatus } from '../../../src/core/routing';
import type { DomainMappingObject, KubeObject, RouteObject } from '../../../src/core/types';
import { HttpIngressProber, ingressReplicaAddresses } from '../../../src/runtime/controller/ingress-probe';
import { ingressAdminServer } from '../../../src/runtime/ingress/admin';
import { IngressProxy } from '../../../src/runtime/ingress/proxy';
import { buildRouteTable } from '../../../src/runtime/ingress/table';

const slice = (endpoints: any[]): KubeObject => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's' }, endpoints } as any);

test('ingressReplicaAddresses: ready endpoints (unset ready counts as ready), deduplicated, sorted, IPv6 in brackets, at the admin port', () => {
  expect(ingressReplicaAddresses([
    slice([
      { addresses: ['10.0.0.3'], conditions: { ready: true } },
      { addresses: ['10.0.0.9'], conditions: { ready: false, terminating: true } },
      { addresses: ['10.0.0.1'] },
    ]),
    slice([{ addresses: ['10.0.0.3', 'fd00::5'], conditions: { ready: true } }, { addresses: [''] }]),
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'empty' } } as any,
  ], 9000)).toEqual(['10.0.0.1:9000', '10.0.0.3:9000', '[fd00::5]:9000']);
  expect(ingressReplicaAddresses([], 9000)).toEqual([]);
});

describe('HttpIngressProber', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });
  const server = async (handler: http.RequestListener): Promise<string> => {
    const s = http.createServer(handler);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise((r) => {
      s.closeAllConnections();
      s.close(() => r());
    }));
    return `127.0.0.1:${(s.address() as AddressInfo).port}`;
  };

  test('one answer per replica: the digest a real ingress admin server serves, a Route it does not have, a failed or odd answer', async () => {
    const cfg = defaultServingConfig();
    const route: RouteObject = { apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: { namespace: 'prod', name: 'web' }, status: { traffic: [{ revisionName: 'web-1', percent: 100 }] } } as any;
    const withRoute = new IngressProxy({});
    withRoute.setTable(buildRouteTable([route], cfg));
    const without = new IngressProxy({});
    without.setTable(buildRouteTable([], cfg));
    const notReady = new IngressProxy({});
    const admins = [ingressAdminServer(withRoute), ingressAdminServer(without), ingressAdminServer(notReady)];
    const addrs: string[] = [];
    for (const [i, a] of admins.entries()) {
      addrs.push(`127.0.0.1:${await a.listen(0, '127.0.0.1')}`);
      closers.push(async () => {
        await a.close();
        await [withRoute, without, notReady][i].close();
      });
    }
    const otherRoute = await server((_req, res) => res.end(JSON.stringify({ route: 'prod/other', digest: 'x' })));
    const garbage = await server((_req, res) => res.end('not json'));
    // a port nothing listens on
    const refused = await server(() => undefined);
    await closers.pop()!();
    const prober = new HttpIngressProber({ replicas: () => [...addrs, otherRoute, garbage, refused] });
    closers.push(async () => prober.close());
    expect(await prober.probe('Route', 'prod', 'web')).toEqual([
      { replica: addrs[0], digest: routingDigest(routingFromStatus(route, cfg)) },
      { replica: addrs[1] },
      { replica: addrs[2], error: 'HTTP 503' },
      { replica: otherRoute, error: 'answer for another route' },
      { replica: garbage, error: 'unreadable answer' },
      { replica: refused, error: 'ECONNREFUSED' },
    ]);
  });

  test('a DomainMapping: the digest a real ingress admin server serves for it, none for a Route of that name, an answer for another one', async () => {
    const cfg = defaultServingConfig();
    const route: RouteObject = { apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: { namespace: 'prod', name: 'web' }, status: { traffic: [{ revisionName: 'web-1', percent: 100 }] } } as any;
    const dm: DomainMappingObject = {
      apiVersion: 'serving.knative.dev/v1beta1',
      kind: 'DomainMapping',
      metadata: { namespace: 'prod', name: 'shop.example.org', generation: 1 },
      spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'web' } },
      status: { observedGeneration: 1, conditions: [{ type: 'DomainClaimed', status: 'True' }, { type: 'ReferenceResolved', status: 'True' }] },
    } as DomainMappingObject;
    const serving = new IngressProxy({});
    serving.setTable(buildRouteTable([route], cfg, { domainMappings: [dm] }));
    const routeOnly = new IngressProxy({});
    routeOnly.setTable(buildRouteTable([route], cfg));
    const addrs: string[] = [];
    for (const p of [serving, routeOnly]) {
      const a = ingressAdminServer(p);
      addrs.push(`127.0.0.1:${await a.listen(0, '127.0.0.1')}`);
      closers.push(async () => {
        await a.close();
        await p.close();
      });
    }
    const other = await server((_req, res) => res.end(JSON.stringify({ domainMapping: 'prod/other.example.org', digest: 'x' })));
    // a Route answer is not a DomainMapping answer
    const asRoute = await server((_req, res) => res.end(JSON.stringify({ route: 'prod/shop.example.org', digest: 'x' })));
    const prober = new HttpIngressProber({ replicas: () => [...addrs, other, asRoute] });
    closers.push(async () => prober.close());
    expect(await prober.probe('DomainMapping', 'prod', 'shop.example.org')).toEqual([
      { replica: addrs[0], digest: domainMappingDigest(domainMappingRule(dm, cfg)!) },
      { replica: addrs[1] },
      { replica: other, error: 'answer for another domain mapping' },
      { replica: asRoute, error: 'answer for another domain mapping' },
    ]);
  });

  test('a replica that does not answer within the timeout counts as failed; no replica → no answer', async () => {
    const silent = await server(() => undefined);
    const prober = new HttpIngressProber({ replicas: () => [silent], timeoutMs: 100 });
    closers.push(async () => prober.close());
    const t0 = Date.now();
    expect(await prober.probe('Route', 'a', 'b')).toEqual([{ replica: silent, error: 'no answer within 100 ms' }]);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await new HttpIngressProber({ replicas: () => [] }).probe('Route', 'a', 'b')).toEqual([]);
  });
});

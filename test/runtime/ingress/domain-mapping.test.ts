/**
 * DomainMappings through the ingress (issue 14): the table serves a claimed, resolved
 * DomainMapping's host as its target's cluster-local host (core/domain-mapping
 * `domainMappingRule`, the rule the controller's conditions describe), the proxy forwards to the
 * target's pods with `Host` = the domain and no `K-Original-Host` (what upstream's app sees once
 * queue-proxy has undone the gateway's rewrite); a Kubernetes Service as the target gets the
 * requests at its port 80 with the gateway's rewrite (`Host` = its host, `K-Original-Host` = the
 * domain); unknown and unclaimed domains get the unknown-host 404. Then the whole path: controller + watcher + proxy against
 * the API emulator.
 */
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { Pool } from 'undici';
import WebSocket from 'ws';
import { get, ingressConfig, routeWithStatus, startBackend, TestBackend } from './helpers';
import type { DomainMappingObject } from '../../../src/core/types';
import { R } from '../../../src/runtime/controller/client';
import { IngressProxy } from '../../../src/runtime/ingress/proxy';
import { buildRouteTable, lookupHost, RouteTable } from '../../../src/runtime/ingress/table';
import { KubeWatcher, startKubeWatcher, TableBuilder } from '../../../src/runtime/ingress/watcher';
import { makeKubeConfig } from '../../support/kubeconfig';
import { Harness, image, ksvc, startHarness } from '../controller/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const k8s: typeof K8s = require('@kubernetes/client-node');

type Cond = 'True' | 'False' | 'Unknown';

/** A DomainMapping with the status the controller writes (DomainClaimed / ReferenceResolved as given). */
interface MappingOpts {
  ns?: string;
  claimed?: Cond;
  resolved?: Cond;
  generation?: number;
  observed?: number;
  tls?: string;
  /** spec.ref names a v1 (Kubernetes) Service instead of a Knative one. */
  kubernetesService?: boolean;
}
function mapping(name: string, target: string, opts: MappingOpts = {}): DomainMappingObject {
  return {
    apiVersion: 'serving.knative.dev/v1beta1',
    kind: 'DomainMapping',
    metadata: { name, namespace: opts.ns ?? 'default', generation: opts.generation ?? 1 },
    spec: {
      ref: { apiVersion: opts.kubernetesService ? 'v1' : 'serving.knative.dev/v1', kind: 'Service', name: target },
      ...(opts.tls ? { tls: { secretName: opts.tls } } : {}),
    },
    status: {
      observedGeneration: opts.observed ?? 1,
      conditions: [
        { type: 'DomainClaimed', status: opts.claimed ?? 'True' },
        { type: 'ReferenceResolved', status: opts.resolved ?? 'True' },
      ],
    },
  };
}

const ROUTES = [
  routeWithStatus('default', 'web', [{ revision: 'web-1', percent: 100 }]),
  routeWithStatus('default', 'api', [{ revision: 'api-1', percent: 100 }], { clusterLocal: true }),
];

describe('DomainMapping rules in the routing table', () => {
  const build = (dms: DomainMappingObject[]): RouteTable => buildRouteTable(ROUTES, ingressConfig(), { domainMappings: dms });

  test('a claimed, resolved mapping serves its host on both listeners as the target\'s cluster-local host', () => {
    const t = build([mapping('app.example.org', 'web'), mapping('private.example.org', 'api', { tls: 'private-cert' })]);
    expect(t.domainMappingCount).toBe(2);
    const e = lookupHost(t, 'app.example.org', true)!;
    expect(e.hostOverride).toBe('app.example.org');
    expect(e.originalHost).toBeUndefined();
    expect(e.balancer).toBe(lookupHost(t, 'web.default.svc.cluster.local')!.balancer);
    expect(lookupHost(t, 'APP.example.org.:443', true)).toBe(e);
    expect(lookupHost(t, 'app.example.org')).toBe(e);
    // a cluster-local Route as the target: the mapping is public (Knative's DM ingress is external)
    expect(lookupHost(t, 'private.example.org', true)!.balancer.items.map((x) => x.revision)).toEqual(['api-1']);
    expect([...t.tlsHosts]).toEqual([['private.example.org', { namespace: 'default', secretName: 'private-cert' }]]);
  });

  test('a Kubernetes Service no Route serves: its port 80 by its cluster DNS name, Host = its host, K-Original-Host = the domain', () => {
    const t = build([mapping('legacy.example.org', 'backend', { kubernetesService: true })]);
    expect(t.domainMappingCount).toBe(1);
    const e = lookupHost(t, 'legacy.example.org', true)!;
    expect(lookupHost(t, 'legacy.example.org')).toBe(e);
    expect(e).toMatchObject({ hostOverride: 'backend.default.svc.cluster.local', originalHost: 'legacy.example.org', tagEntries: undefined });
    expect(e.balancer.items).toEqual([{
      id: 'default/legacy.example.org/',
      backendKey: 'default/svc:backend',
      namespace: 'default',
      route: 'legacy.example.org',
      revision: '',
      origin: 'http://backend.default.svc.cluster.local:80',
    }]);
    expect(t.targets).toContain(e.balancer.items[0]);
    // The Service's own host is not routed by the ingress (it is reached through the cluster's DNS).
    expect(lookupHost(t, 'backend.default.svc.cluster.local')).toBeUndefined();
  });

  test('a Kubernetes Service whose host a Route serves (a Route\'s placeholder Service): that Route, as upstream reaches it through the placeholder', () => {
    const t = build([mapping('app.example.org', 'web', { kubernetesService: true })]);
    const e = lookupHost(t, 'app.example.org', true)!;
    expect(e.balancer).toBe(lookupHost(t, 'web.default.svc.cluster.local')!.balancer);
    expect(e.balancer.items.map((x) => x.revision)).toEqual(['web-1']);
    expect(e.hostOverride).toBe('app.example.org');
    expect(e.originalHost).toBeUndefined();
  });

  test.each([
    ['DomainClaimed False (claim held by another namespace, or none)', { claimed: 'False' as Cond }],
    ['DomainClaimed Unknown (not reconciled yet)', { claimed: 'Unknown' as Cond }],
    ['ReferenceResolved False', { resolved: 'False' as Cond }],
    ['a generation the controller has not observed', { generation: 2, observed: 1 }],
  ])('not served: %s', (_what, opts) => {
    const t = build([mapping('app.example.org', 'web', opts)]);
    expect(t.domainMappingCount).toBe(0);
    expect(lookupHost(t, 'app.example.org', true)).toBeUndefined();
    expect(lookupHost(t, 'app.example.org')).toBeUndefined();
  });

  test('a host a Route serves stays the Route\'s; a target the table does not serve leaves the domain unrouted', () => {
    const t = build([mapping('web.default.example.com', 'api'), mapping('gone.example.org', 'missing')]);
    expect(t.domainMappingCount).toBe(0);
    expect(lookupHost(t, 'web.default.example.com', true)!.hostOverride).toBeUndefined();
    expect(t.conflicts).toEqual(['web.default.example.com claimed by default/web and DomainMapping default/web.default.example.com']);
    expect(t.invalid).toEqual(['DomainMapping default/gone.example.org: its target host missing.default.svc.cluster.local is not served']);
    expect(lookupHost(t, 'gone.example.org', true)).toBeUndefined();
  });
});

describe('DomainMapping through the proxy (real sockets)', () => {
  const backends: Record<string, TestBackend> = {};
  let proxy: IngressProxy;
  let external: Pool;
  let externalPort: number;
  let internal: Pool;
  let downPort: number;
  const serviceOrigins: string[] = [];

  beforeAll(async () => {
    for (const id of ['web-1', 'api-1', 'backend-svc']) backends[id] = await startBackend(id);
    // A port nothing listens on: the Service 'down' (bound, then closed).
    const closed = await startBackend('closed');
    downPort = closed.port;
    await closed.close();
    proxy = new IngressProxy({
      resolver: (_ns, rev) => ({ origin: `http://127.0.0.1:${backends[rev].port}` }),
      // The cluster's DNS and kube-proxy, played: each Service's address → a loopback server.
      serviceOrigin: (origin) => {
        serviceOrigins.push(origin);
        return origin === 'http://backend.default.svc.cluster.local:80' ? `http://127.0.0.1:${backends['backend-svc'].port}` : `http://127.0.0.1:${downPort}`;
      },
    });
    proxy.setTable(buildRouteTable(ROUTES, ingressConfig(), {
      domainMappings: [
        mapping('app.example.org', 'web'), mapping('unclaimed.example.org', 'web', { claimed: 'False' }),
        mapping('legacy.example.org', 'backend', { kubernetesService: true }), mapping('down.example.org', 'down', { kubernetesService: true }),
      ],
    }));
    externalPort = await proxy.listen(0, '127.0.0.1');
    external = new Pool(`http://127.0.0.1:${externalPort}`);
    internal = new Pool(`http://127.0.0.1:${await proxy.listenInternal(0, '127.0.0.1')}`);
  });

  afterAll(async () => {
    await external.close();
    await internal.close();
    await proxy.close();
    for (const b of Object.values(backends)) await b.close();
  });

  test('mapped host → the target\'s pods with Host = the domain (as upstream\'s queue-proxy restores it), no K-Original-Host', async () => {
    for (const pool of [external, internal]) {
      // The client's own spelling (case, port) stays in X-Forwarded-Host; Host is the DomainMapping's name.
      const r = await get(pool, 'APP.example.org:80', '/headers', { 'k-original-host': 'spoofed.example.net' });
      expect(r.status).toBe(200);
      const seen = JSON.parse(r.body);
      expect(seen.id).toBe('web-1');
      expect(seen.headers.host).toBe('app.example.org');
      expect(seen.headers['k-original-host']).toBeUndefined();
      expect(seen.headers['x-forwarded-host']).toBe('APP.example.org:80');
    }
  });

  /** A WebSocket through the external listener for `host` (with a spoofed K-Original-Host): the echo of "hi". */
  const wsEcho = (host: string): Promise<string> => new Promise<string>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${externalPort}/`, { headers: { 'host': host, 'k-original-host': 'spoofed.example.net' } });
    ws.once('open', () => ws.send('hi'));
    ws.once('message', (m) => {
      ws.close();
      resolve(m.toString());
    });
    ws.once('error', reject);
  });

  test('a WebSocket upgrade for the mapped host gets the same Host', async () => {
    expect(await wsEcho('app.example.org')).toBe('web-1:hi');
    const seen = backends['web-1'].lastUpgradeHeaders!;
    expect(seen.host).toBe('app.example.org');
    expect(seen['k-original-host']).toBeUndefined();
    expect(seen['x-forwarded-host']).toBe('app.example.org');
  });

  test('a request for the target itself keeps its Host; a client\'s K-Original-Host is dropped there too', async () => {
    const seen = JSON.parse((await get(external, 'web.default.example.com', '/headers', { 'k-original-host': 'spoofed.example.net' })).body);
    expect(seen.headers.host).toBe('web.default.example.com');
    expect(seen.headers['k-original-host']).toBeUndefined();
  });

  test('a DomainMapping to a Kubernetes Service: its port 80 gets Host = its cluster-local host and K-Original-Host = the domain', async () => {
    for (const pool of [external, internal]) {
      const r = await get(pool, 'legacy.example.org', '/headers', { 'k-original-host': 'spoofed.example.net' });
      expect(r.status).toBe(200);
      const seen = JSON.parse(r.body);
      expect(seen.id).toBe('backend-svc');
      expect(seen.headers.host).toBe('backend.default.svc.cluster.local');
      expect(seen.headers['k-original-host']).toBe('legacy.example.org');
      expect(seen.headers['x-forwarded-host']).toBe('legacy.example.org');
    }
    expect(serviceOrigins).toContain('http://backend.default.svc.cluster.local:80');
    // Not a revision: no autoscaler statistics, never held.
    expect(proxy.poolOf('default', 'svc:backend')!.kubernetesService).toBe(true);
    expect(proxy.requestsWaiting).toBe(0);
  });

  test('a WebSocket upgrade for a DomainMapping to a Kubernetes Service', async () => {
    expect(await wsEcho('legacy.example.org')).toBe('backend-svc:hi');
    expect(backends['backend-svc'].lastUpgradeHeaders).toMatchObject({ 'host': 'backend.default.svc.cluster.local', 'k-original-host': 'legacy.example.org' });
  });

  test('a Kubernetes Service that refuses connections → 502 at once (not held like a revision without pods)', async () => {
    const t0 = Date.now();
    const r = await get(external, 'down.example.org');
    expect(r.status).toBe(502);
    expect(r.body).toMatch(/upstream connection refused/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(proxy.requestsWaiting).toBe(0);
  });

  test('unknown and unclaimed domains → 404, like any unknown host', async () => {
    for (const host of ['unknown.example.org', 'unclaimed.example.org']) {
      const r = await get(external, host);
      expect(r.status).toBe(404);
      expect(r.body).toBe('no route for this host\n');
    }
    expect(backends['web-1'].hits).toBe(3);
  });
});

describe('DomainMapping end to end: controller, watcher and proxy against the API emulator', () => {
  let h: Harness;
  let watcher: KubeWatcher;
  let proxy: IngressProxy;
  let backend: TestBackend;
  let legacy: TestBackend;
  let pool: Pool;
  let table: RouteTable | undefined;

  beforeAll(async () => {
    h = await startHarness();
    backend = await startBackend('web');
    legacy = await startBackend('legacy');
    proxy = new IngressProxy({
      resolver: () => ({ origin: `http://127.0.0.1:${backend.port}` }),
      serviceOrigin: () => `http://127.0.0.1:${legacy.port}`,
    });
    const builder = new TableBuilder({ debounceMs: 5, onTable: (t) => { table = t; proxy.setTable(t); } });
    watcher = await startKubeWatcher(k8s, makeKubeConfig(h.emu), builder, { systemNamespace: 'knative-serving' });
    pool = new Pool(`http://127.0.0.1:${await proxy.listen(0, '127.0.0.1')}`);
  });

  afterAll(async () => {
    await pool.close();
    await watcher.stop();
    await proxy.close();
    await backend.close();
    await legacy.close();
    await h.stop();
  });

  const until = async (pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> => {
    const t0 = Date.now();
    while (!(await pred())) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  test('unclaimed → 404; claimed → served with Host = the domain; deleted → 404', async () => {
    const c = h.controller.client;
    await c.create(R.services, ksvc('web', { template: { spec: image('ghcr.io/example/web:1') } }));
    await c.create(R.domainMappings, {
      apiVersion: 'serving.knative.dev/v1beta1',
      kind: 'DomainMapping',
      metadata: { name: 'shop.example.org', namespace: 'default' },
      spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'web' } },
    } as any);
    await until(() => lookupHost(table ?? buildRouteTable([], ingressConfig()), 'web.default.svc.cluster.local') !== undefined, 'the Route served');
    await h.settle();
    expect((await get(pool, 'shop.example.org')).status).toBe(404);

    await c.create(R.clusterDomainClaims, {
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'ClusterDomainClaim',
      metadata: { name: 'shop.example.org' },
      spec: { namespace: 'default' },
    } as any);
    await until(async () => (await get(pool, 'shop.example.org')).status === 200, 'the mapped host served');
    const dm = await c.get<any>(R.domainMappings, 'default', 'shop.example.org');
    expect((dm.status.conditions as any[]).find((x) => x.type === 'Ready').status).toBe('True');
    const seen = JSON.parse((await get(pool, 'shop.example.org', '/headers')).body);
    expect(seen.headers.host).toBe('shop.example.org');
    expect(seen.headers['k-original-host']).toBeUndefined();

    await c.delete(R.domainMappings, 'default', 'shop.example.org');
    await until(async () => (await get(pool, 'shop.example.org')).status === 404, 'the mapped host gone');
  }, 40_000);

  test('a Kubernetes Service as the target: ResolveFailed until it exists, then Ready and served at its port 80', async () => {
    const c = h.controller.client;
    await c.create(R.clusterDomainClaims, {
      apiVersion: 'networking.internal.knative.dev/v1alpha1', kind: 'ClusterDomainClaim', metadata: { name: 'legacy.example.org' }, spec: { namespace: 'default' },
    } as any);
    await c.create(R.domainMappings, {
      apiVersion: 'serving.knative.dev/v1beta1',
      kind: 'DomainMapping',
      metadata: { name: 'legacy.example.org', namespace: 'default' },
      spec: { ref: { apiVersion: 'v1', kind: 'Service', name: 'legacy' } },
    } as any);
    const resolved = async (): Promise<any> => ((await c.get<any>(R.domainMappings, 'default', 'legacy.example.org')).status?.conditions ?? [])
      .find((x: any) => x.type === 'ReferenceResolved');
    await until(async () => (await resolved())?.status === 'False', 'ResolveFailed');
    expect((await resolved()).message).toBe('failed to get object default/legacy: services "legacy" not found');
    expect((await get(pool, 'legacy.example.org')).status).toBe(404);

    // The Service appears: its informer re-enqueues the DomainMapping.
    await c.create(R.k8sServices, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy', namespace: 'default' }, spec: { selector: { app: 'legacy' }, ports: [{ port: 80, targetPort: 8080 }] },
    } as any);
    await until(async () => (await get(pool, 'legacy.example.org')).status === 200, 'the mapped host served');
    const dm = await c.get<any>(R.domainMappings, 'default', 'legacy.example.org');
    expect((dm.status.conditions as any[]).map((x) => [x.type, x.status])).toEqual(expect.arrayContaining([['ReferenceResolved', 'True'], ['Ready', 'True']]));
    const r = await get(pool, 'legacy.example.org', '/headers');
    expect(JSON.parse(r.body)).toMatchObject({ id: 'legacy', headers: { 'host': 'legacy.default.svc.cluster.local', 'k-original-host': 'legacy.example.org' } });
  }, 40_000);
});

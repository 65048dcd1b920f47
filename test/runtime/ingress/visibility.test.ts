/**
 * Which listener serves which host, over real sockets (issue 9): the external listener (behind the
 * LoadBalancer/NodePort Service) serves external hosts only, and answers a cluster-local host
 * byte-for-byte like an unknown host; the internal listener (behind the ClusterIP Service that the
 * Route placeholder Services point at) serves every host.
 */
import { Pool } from 'undici';
import WebSocket from 'ws';
import { get, ingressConfig, rawRequest, routeWithStatus, startBackend, TestBackend } from './helpers';
import { IngressProxy } from '../../../src/runtime/ingress/proxy';
import { buildRouteTable } from '../../../src/runtime/ingress/table';

const NS = 'default';

/** A public Route with a public tag `open` and a private tag `secret`; a cluster-local Route with a tag `t`. */
const ROUTES = [
  routeWithStatus(NS, 'pub', [
    { revision: 'pub-1', percent: 100 },
    { revision: 'pub-2', percent: 0, tag: 'open' },
    { revision: 'pub-3', percent: 0, tag: 'secret' },
  ], { clusterLocalTags: ['secret'] }),
  routeWithStatus(NS, 'priv', [
    { revision: 'priv-1', percent: 100 },
    { revision: 'priv-2', percent: 0, tag: 't' },
  ], { clusterLocal: true }),
];

/** Cluster-local hosts and the revision the internal listener must route each to. */
const PRIVATE: Array<[string, string]> = [
  // the cluster-local Route: main host (= status.url = address), its short forms, odd spellings
  ['priv.default.svc.cluster.local', 'priv-1'],
  ['priv.default.svc', 'priv-1'],
  ['priv.default', 'priv-1'],
  ['priv.default.svc.cluster.local:80', 'priv-1'],
  ['PRIV.Default.svc.cluster.local.', 'priv-1'],
  // a tag host of the cluster-local Route (its URL) and a short form
  ['t-priv.default.svc.cluster.local', 'priv-2'],
  ['t-priv.default', 'priv-2'],
  // the public Route's address (status.address.url) and short forms
  ['pub.default.svc.cluster.local', 'pub-1'],
  ['pub.default', 'pub-1'],
  // the public Route's private tag (its URL) and a short form
  ['secret-pub.default.svc.cluster.local', 'pub-3'],
  ['secret-pub.default.svc', 'pub-3'],
  // the short forms of a public tag are cluster-local as well
  ['open-pub.default.svc.cluster.local', 'pub-2'],
  ['open-pub.default', 'pub-2'],
];
const PUBLIC: Array<[string, string]> = [
  ['pub.default.example.com', 'pub-1'],
  ['PUB.default.example.com:8080', 'pub-1'],
  ['open-pub.default.example.com', 'pub-2'],
];

/** A raw response without its Date header (the only part that may differ between two requests). */
const undated = (raw: string): string => raw.replace(/^Date: .*\r\n/im, '');
const rawGet = (port: number, host: string, extra = ''): Promise<string> =>
  rawRequest(port, `GET / HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`).then(undated);

describe('listener visibility (real sockets)', () => {
  const backends: Record<string, TestBackend> = {};
  let proxy: IngressProxy;
  let externalPort: number;
  let internalPort: number;
  let external: Pool;
  let internal: Pool;

  beforeAll(async () => {
    for (const id of ['pub-1', 'pub-2', 'pub-3', 'priv-1', 'priv-2']) backends[id] = await startBackend(id);
    proxy = new IngressProxy({ resolver: (_ns, rev) => ({ origin: `http://127.0.0.1:${backends[rev].port}` }) });
    proxy.setTable(buildRouteTable(ROUTES, ingressConfig({ 'config-features': { 'tag-header-based-routing': 'Enabled' } })));
    externalPort = await proxy.listen(0, '127.0.0.1');
    internalPort = await proxy.listenInternal(0, '127.0.0.1');
    external = new Pool(`http://127.0.0.1:${externalPort}`);
    internal = new Pool(`http://127.0.0.1:${internalPort}`);
  });

  afterAll(async () => {
    await external.close();
    await internal.close();
    await proxy.close();
    await Promise.all(Object.values(backends).map((b) => b.close()));
  });

  test('the unknown-host 404 (the reference the private hosts are compared with)', async () => {
    const unknown = await rawGet(externalPort, 'nope.example.com');
    expect(unknown).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(unknown).toMatch(/\r\n\r\nno route for this host\n$/);
    expect(await rawGet(internalPort, 'nope.example.com')).toBe(unknown);
  });

  test.each(PRIVATE)('cluster-local %s: external listener → the unknown-host 404, byte for byte; internal → %s', async (host, revision) => {
    const unknown = await rawGet(externalPort, 'nope.example.com');
    expect(await rawGet(externalPort, host)).toBe(unknown);
    const hitsBefore = backends[revision].hits;
    const r = await get(internal, host);
    expect([r.status, r.body]).toEqual([200, revision]);
    expect(backends[revision].hits).toBe(hitsBefore + 1);
  });

  test.each(PUBLIC)('external %s is served on both listeners (→ %s)', async (host, revision) => {
    for (const pool of [external, internal]) {
      const r = await get(pool, host);
      expect([r.status, r.body]).toEqual([200, revision]);
    }
  });

  test('private hosts reach no backend through the external listener (HEAD, POST with a body, keep-alive reuse)', async () => {
    const before = Object.fromEntries(Object.entries(backends).map(([id, b]) => [id, b.hits]));
    for (const [host] of PRIVATE) {
      const head = await external.request({ path: '/', method: 'HEAD', headers: { host } });
      await head.body.text();
      expect(head.statusCode).toBe(404);
      const post = await external.request({ path: '/echo', method: 'POST', headers: { host, 'content-type': 'text/plain' }, body: 'hello' });
      expect([post.statusCode, await post.body.text()]).toEqual([404, 'no route for this host\n']);
    }
    expect(Object.fromEntries(Object.entries(backends).map(([id, b]) => [id, b.hits]))).toEqual(before);
  });

  describe('Knative-Serving-Tag header (tag-header-based-routing Enabled)', () => {
    const viaHeader = async (pool: Pool, host: string, tag: string): Promise<{ id: string; defaultRoute: unknown }> => {
      const r = await get(pool, host, '/headers', { 'knative-serving-tag': tag });
      expect(r.status).toBe(200);
      const body = JSON.parse(r.body) as { id: string; headers: Record<string, unknown> };
      return { id: body.id, defaultRoute: body.headers['knative-serving-default-route'] };
    };

    test('external listener: a public tag is selected; a cluster-local tag is treated exactly like an unknown tag', async () => {
      expect(await viaHeader(external, 'pub.default.example.com', 'open')).toEqual({ id: 'pub-2', defaultRoute: undefined });
      const unknownTag = await viaHeader(external, 'pub.default.example.com', 'no-such-tag');
      expect(unknownTag).toEqual({ id: 'pub-1', defaultRoute: 'true' });
      expect(await viaHeader(external, 'pub.default.example.com', 'secret')).toEqual(unknownTag);
      // and the raw responses are the same (the backend echoes nothing tag-specific on /)
      expect(await rawGet(externalPort, 'pub.default.example.com', 'Knative-Serving-Tag: secret\r\n'))
        .toBe(await rawGet(externalPort, 'pub.default.example.com', 'Knative-Serving-Tag: no-such-tag\r\n'));
    });

    test('internal listener: every tag is selectable, through the external host or a cluster-local one', async () => {
      for (const host of ['pub.default.example.com', 'pub.default', 'pub.default.svc.cluster.local']) {
        expect(await viaHeader(internal, host, 'secret')).toEqual({ id: 'pub-3', defaultRoute: undefined });
        expect(await viaHeader(internal, host, 'open')).toEqual({ id: 'pub-2', defaultRoute: undefined });
      }
      expect(await viaHeader(internal, 'priv.default', 't')).toEqual({ id: 'priv-2', defaultRoute: undefined });
    });

    test('a cluster-local Route stays a 404 on the external listener whatever the tag header says', async () => {
      const unknown = await rawGet(externalPort, 'nope.example.com', 'Knative-Serving-Tag: t\r\n');
      expect(await rawGet(externalPort, 'priv.default.svc.cluster.local', 'Knative-Serving-Tag: t\r\n')).toBe(unknown);
    });
  });

  describe('WebSocket upgrades follow the same rule', () => {
    const upgrade = (port: number, host: string): Promise<string> => rawRequest(port,
      `GET /socket HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`, 1000);
    const echo = (port: number, host: string): Promise<string> => new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/socket`, { headers: { host } });
      ws.on('open', () => ws.send('ping'));
      ws.on('message', (m) => { resolve(m.toString()); ws.close(); });
      ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.on('error', reject);
    });

    test('a cluster-local host: refused on the external listener exactly like an unknown host; tunnelled on the internal one', async () => {
      const unknown = await upgrade(externalPort, 'nope.example.com');
      expect(unknown).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
      for (const host of ['priv.default.svc.cluster.local', 'secret-pub.default.svc.cluster.local', 'pub.default']) {
        expect(await upgrade(externalPort, host)).toBe(unknown);
      }
      await expect(echo(externalPort, 'priv.default')).rejects.toThrow('HTTP 404');
      expect(await echo(internalPort, 'priv.default')).toBe('priv-1:ping');
      expect(await echo(internalPort, 'secret-pub.default.svc.cluster.local')).toBe('pub-3:ping');
    });

    test('a public host is tunnelled on both listeners', async () => {
      expect(await echo(externalPort, 'pub.default.example.com')).toBe('pub-1:ping');
      expect(await echo(internalPort, 'pub.default.example.com')).toBe('pub-1:ping');
    });
  });

  test('metrics: external hosts are counted apart; a private host on the external listener counts as unrouted', async () => {
    const t = proxy.currentTable;
    expect([...t.externalHosts.keys()].sort()).toEqual(['open-pub.default.example.com', 'pub.default.example.com']);
    expect(proxy.metrics.render()).toMatch(/^ingress_table_external_hosts 2$/m);
    expect(proxy.metrics.render()).toMatch(new RegExp(`^ingress_table_hosts ${t.hosts.size}$`, 'm'));
    const unrouted = proxy.metrics.unrouted.codes[3];
    await rawGet(externalPort, 'priv.default');
    expect(proxy.metrics.unrouted.codes[3]).toBe(unrouted + 1);
  });
});

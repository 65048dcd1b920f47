import { ingressConfig, routeWithStatus } from './helpers';
import { buildRouteTable, lookupHost, selectEntry } from '../../../src/runtime/ingress/table';

const cfg = ingressConfig();

describe('buildRouteTable', () => {
  const route = routeWithStatus('default', 'hello', [
    { revision: 'hello-00001', percent: 40, tag: 'v1' },
    { revision: 'hello-00002', percent: 60 },
    { revision: 'hello-00002', percent: 0, tag: 'current' },
    { revision: 'hello-00003', percent: 0, tag: 'next' },
  ]);
  const table = buildRouteTable([route], cfg, { generation: 7 });

  test('main, cluster-local and short hosts share one entry with the merged split', () => {
    const main = lookupHost(table, 'hello.default.example.com')!;
    expect(main.kind).toBe('main');
    for (const h of ['hello.default.svc.cluster.local', 'hello.default', 'hello.default.svc', 'hello.default.svc:80', 'HELLO.default.example.com:8080', 'hello.default.example.com.']) {
      expect(lookupHost(table, h)).toBe(main);
    }
    expect(main.balancer.items.map((t) => t.revision)).toEqual(['hello-00001', 'hello-00002']);
    expect(main.balancer.weights).toEqual([40, 60]);
    expect(table.generation).toBe(7);
  });

  test('tag hosts (external and cluster-local) send 100% to the tag revision, including 0% tags', () => {
    for (const [host, rev] of [
      ['v1-hello.default.example.com', 'hello-00001'],
      ['current-hello.default.example.com', 'hello-00002'],
      ['next-hello.default.example.com', 'hello-00003'],
      ['next-hello.default', 'hello-00003'],
      ['next-hello.default.svc', 'hello-00003'],
      ['next-hello.default.svc.cluster.local', 'hello-00003'],
    ]) {
      const e = lookupHost(table, host)!;
      expect(e.kind).toBe('tag');
      expect(e.balancer.items.map((t) => t.revision)).toEqual([rev]);
      expect(e.balancer.pick()!.revision).toBe(rev);
    }
    // 0% target is not part of the main split
    const main = lookupHost(table, 'hello.default.example.com')!;
    expect(main.balancer.items.some((t) => t.revision === 'hello-00003')).toBe(false);
  });

  test('visibility: the external map holds only the external status URLs; every host is in the internal map', () => {
    const mixed = buildRouteTable([
      routeWithStatus('default', 'pub', [{ revision: 'p-1', percent: 100 }, { revision: 'p-2', tag: 'open' }, { revision: 'p-3', tag: 'secret' }], { clusterLocalTags: ['secret'] }),
      routeWithStatus('default', 'priv', [{ revision: 'q-1', percent: 100 }, { revision: 'q-2', tag: 't' }], { clusterLocal: true }),
    ], ingressConfig({ 'config-features': { 'tag-header-based-routing': 'Enabled' } }));
    expect([...mixed.externalHosts.keys()].sort()).toEqual(['open-pub.default.example.com', 'pub.default.example.com']);
    expect([...mixed.hosts.keys()].sort()).toEqual([
      'open-pub.default', 'open-pub.default.example.com', 'open-pub.default.svc', 'open-pub.default.svc.cluster.local',
      'priv.default', 'priv.default.svc', 'priv.default.svc.cluster.local',
      'pub.default', 'pub.default.example.com', 'pub.default.svc', 'pub.default.svc.cluster.local',
      'secret-pub.default', 'secret-pub.default.svc', 'secret-pub.default.svc.cluster.local',
      't-priv.default', 't-priv.default.svc', 't-priv.default.svc.cluster.local',
    ]);
    expect(lookupHost(mixed, 'priv.default.svc.cluster.local', true)).toBeUndefined();
    expect(lookupHost(mixed, 'PUB.default.example.com:80', true)?.route).toBe('pub');
    // Tag header on the external main entry: external tags only; the internal one has all tags.
    const ext = lookupHost(mixed, 'pub.default.example.com', true)!;
    const int = lookupHost(mixed, 'pub.default.example.com')!;
    expect([...ext.tagEntries!.keys()]).toEqual(['open']);
    expect([...int.tagEntries!.keys()].sort()).toEqual(['open', 'secret']);
    expect(selectEntry(ext, 'secret')).toBe(ext);
    expect(ext.balancer).toBe(int.balancer); // one route, one split state
  });

  test('unknown host → undefined', () => {
    expect(lookupHost(table, 'nope.example.com')).toBeUndefined();
    expect(lookupHost(table, undefined)).toBeUndefined();
  });

  test('tag header routing only when Enabled', () => {
    const main = lookupHost(table, 'hello.default.example.com')!;
    expect(main.tagEntries).toBeUndefined();
    expect(selectEntry(main, 'next')).toBe(main);
    expect(main.markDefaultRoute).toBe(false);

    const on = buildRouteTable([route], ingressConfig({ 'config-features': { 'tag-header-based-routing': 'Enabled' } }));
    const m2 = lookupHost(on, 'hello.default')!;
    expect(m2.markDefaultRoute).toBe(true);
    expect(selectEntry(m2, 'next').balancer.pick()!.revision).toBe('hello-00003');
    expect(selectEntry(m2, 'unknown')).toBe(m2);
  });

  test('custom tag template and cluster domain are used for the tag hosts', () => {
    const c = ingressConfig({ 'config-network': { 'tag-template': '{{.Name}}-at-{{.Tag}}' } }, 'corp.internal');
    const r = routeWithStatus('ns1', 'web', [{ revision: 'web-1', percent: 100, tag: 'blue' }], { clusterDomain: 'corp.internal' });
    const t = buildRouteTable([r], c);
    expect(lookupHost(t, 'web-at-blue.ns1.svc.corp.internal')?.tag).toBe('blue');
    expect(lookupHost(t, 'web-at-blue.ns1.example.com', true)?.tag).toBe('blue');
    expect(lookupHost(t, 'web.ns1.svc.corp.internal')?.kind).toBe('main');
  });

  test('a not-Ready Route is still served from its status.traffic; one with empty status.traffic is not', () => {
    const notReady = routeWithStatus('default', 'pending', [{ revision: 'p-1', percent: 100 }], { ready: false });
    const notReadyNoTraffic = { ...notReady, metadata: { ...notReady.metadata, name: 'empty' }, status: { ...notReady.status, traffic: [] } };
    const t = buildRouteTable([notReady, notReadyNoTraffic], cfg);
    expect(lookupHost(t, 'pending.default')).toBeDefined();
    expect(lookupHost(t, 'empty.default')).toBeUndefined();
    expect(t.routeCount).toBe(1);
  });

  test('host conflicts: first in namespace/name order wins, conflict reported', () => {
    // A domain template without the namespace gives two Routes named x the same host.
    const c = ingressConfig({ 'config-network': { 'domain-template': '{{.Name}}.{{.Domain}}' } });
    const a = routeWithStatus('a', 'x', [{ revision: 'a-1', percent: 100 }]);
    const b = routeWithStatus('b', 'x', [{ revision: 'b-1', percent: 100 }]);
    const t = buildRouteTable([b, a], c);
    expect(lookupHost(t, 'x.example.com', true)!.routeKey).toBe('a/x');
    expect(lookupHost(t, 'x.b')!.routeKey).toBe('b/x');
    expect(t.conflicts).toEqual(['x.example.com claimed by a/x and b/x']);
  });

  test('a Route whose hosts cannot be computed under the configuration is left out and reported', () => {
    const c = ingressConfig({ 'config-network': { 'domain-template': '{{.Name}}.{{index .Labels "team"}}.{{.Domain}}' } });
    const ok = routeWithStatus('default', 'ok', [{ revision: 'ok-1', percent: 100 }]);
    ok.metadata.labels = { team: 'blue' };
    const bad = routeWithStatus('default', 'bad', [{ revision: 'bad-1', percent: 100 }]); // no label: "bad..example.com"
    const t = buildRouteTable([ok, bad], c);
    expect(lookupHost(t, 'ok.blue.example.com', true)?.route).toBe('ok');
    expect(lookupHost(t, 'bad.default')).toBeUndefined();
    expect(t.routeCount).toBe(1);
    expect(t.invalid).toEqual([expect.stringMatching(/^default\/bad: invalid domain name "bad\.\.example\.com"/)]);
  });

  test('balancer state carries over when the split is unchanged', () => {
    const r = routeWithStatus('default', 's', [{ revision: 's-1', percent: 50 }, { revision: 's-2', percent: 50 }]);
    const t1 = buildRouteTable([r], cfg);
    const first = lookupHost(t1, 's.default')!.balancer.pick()!.revision;
    const t2 = buildRouteTable([r], cfg, { previous: t1 });
    expect(t2.generation).toBe(t1.generation + 1);
    expect(lookupHost(t2, 's.default')!.balancer.pick()!.revision).not.toBe(first);
  });

  test('is pure: the input is not mutated', () => {
    const r = routeWithStatus('default', 'p', [{ revision: 'p-1', percent: 100, tag: 't' }]);
    const copy = JSON.parse(JSON.stringify(r));
    buildRouteTable([r], cfg);
    expect(r).toEqual(copy);
  });
});

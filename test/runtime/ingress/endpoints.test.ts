/** EndpointSlices → per-revision pod sets (pure). */
import { EndpointSliceLike, mergeEndpoints, podKey, readyAddresses, RevisionEndpointsIndex, sliceEndpoints } from '../../../src/runtime/ingress/endpoints';
import { revisionInfo, revisionProbe } from '../../../src/runtime/ingress/watcher';

const slice = (name: string, rev: string | undefined, endpoints: EndpointSliceLike['endpoints'], ports: EndpointSliceLike['ports'] = [{ name: 'http', port: 8080 }], ns = 'default'): EndpointSliceLike => ({
  metadata: { name, namespace: ns, labels: rev === undefined ? {} : { 'serving.knative.dev/revision': rev, 'kubernetes.io/service-name': rev } },
  addressType: 'IPv4',
  ports,
  endpoints,
});

describe('sliceEndpoints', () => {
  test('addresses[0] + the port named http; ready absent means ready; terminating absent means not', () => {
    expect(sliceEndpoints(slice('s', 'r', [
      { addresses: ['10.0.0.2', '10.0.0.99'], conditions: { ready: true } },
      { addresses: ['10.0.0.3'], conditions: { ready: false, serving: false, terminating: false } },
      { addresses: ['10.0.0.4'], conditions: { ready: false, serving: true, terminating: true } },
      { addresses: ['10.0.0.5'] },
      { addresses: [] },
    ], [{ name: 'metrics', port: 9090 }, { name: 'http', port: 8080 }]))).toEqual([
      { ip: '10.0.0.2', port: 8080, ready: true, terminating: false },
      { ip: '10.0.0.3', port: 8080, ready: false, terminating: false },
      { ip: '10.0.0.4', port: 8080, ready: false, terminating: true },
      { ip: '10.0.0.5', port: 8080, ready: true, terminating: false },
    ]);
  });

  test('port http2 for h2c revisions, else the first numbered port; no port or an FQDN slice → no endpoints', () => {
    expect(sliceEndpoints(slice('s', 'r', [{ addresses: ['10.0.0.2'] }], [{ name: 'http2', port: 8081 }]))[0].port).toBe(8081);
    expect(sliceEndpoints(slice('s', 'r', [{ addresses: ['10.0.0.2'] }], [{ name: 'x', port: null }, { name: 'y', port: 7000 }]))[0].port).toBe(7000);
    expect(sliceEndpoints(slice('s', 'r', [{ addresses: ['10.0.0.2'] }], []))).toEqual([]);
    expect(sliceEndpoints({ ...slice('s', 'r', [{ addresses: ['a.example'] }]), addressType: 'FQDN' })).toEqual([]);
  });

  test('podKey brackets IPv6', () => {
    expect(podKey({ ip: '10.0.0.1', port: 80 })).toBe('10.0.0.1:80');
    expect(podKey({ ip: 'fd00::1', port: 80 })).toBe('[fd00::1]:80');
  });

  test('mergeEndpoints: one per ip:port, ready if any slice says so, terminating only if all do; sorted', () => {
    expect(mergeEndpoints([
      [{ ip: '10.0.0.9', port: 80, ready: false, terminating: true }, { ip: '10.0.0.1', port: 80, ready: true, terminating: false }],
      [{ ip: '10.0.0.9', port: 80, ready: true, terminating: false }],
    ])).toEqual([
      { ip: '10.0.0.1', port: 80, ready: true, terminating: false },
      { ip: '10.0.0.9', port: 80, ready: true, terminating: false },
    ]);
  });
});

describe('RevisionEndpointsIndex', () => {
  test('slices merge per revision; only real changes are reported; the last slice gone → undefined', () => {
    const idx = new RevisionEndpointsIndex();
    expect(idx.upsert(slice('r-1-abc', 'r-1', [{ addresses: ['10.0.0.1'], conditions: { ready: true } }]))).toBe('default/r-1');
    expect(idx.upsert(slice('r-1-def', 'r-1', [{ addresses: ['10.0.0.2'], conditions: { ready: false } }]))).toBe('default/r-1');
    expect(idx.pods('default/r-1')!.map((p) => `${podKey(p)} ${p.ready}`)).toEqual(['10.0.0.1:8080 true', '10.0.0.2:8080 false']);
    // the same content again: no change
    expect(idx.upsert(slice('r-1-def', 'r-1', [{ addresses: ['10.0.0.2'], conditions: { ready: false } }]))).toBeUndefined();
    // the pod becomes ready
    expect(idx.upsert(slice('r-1-def', 'r-1', [{ addresses: ['10.0.0.2'], conditions: { ready: true } }]))).toBe('default/r-1');
    expect(idx.pods('default/r-1')!.every((p) => p.ready)).toBe(true);
    // other revisions and namespaces are apart
    expect(idx.upsert(slice('r-1-x', 'r-1', [{ addresses: ['10.1.0.1'] }], undefined, 'team'))).toBe('team/r-1');
    expect(idx.pods('default/r-1')).toHaveLength(2);
    expect([...idx.revisions].sort()).toEqual(['default/r-1', 'team/r-1']);
    // slices without the revision label are not a revision's
    expect(idx.upsert(slice('other', undefined, [{ addresses: ['10.9.9.9'] }]))).toBeUndefined();
    expect(idx.remove(slice('r-1-abc', 'r-1', []))).toBe('default/r-1');
    expect(idx.pods('default/r-1')!.map(podKey)).toEqual(['10.0.0.2:8080']);
    expect(idx.remove(slice('r-1-def', 'r-1', []))).toBe('default/r-1');
    expect(idx.pods('default/r-1')).toBeUndefined();
    expect(idx.remove(slice('r-1-def', 'r-1', []))).toBeUndefined();
  });

  test('a slice relabelled to another revision moves', () => {
    const idx = new RevisionEndpointsIndex();
    idx.upsert(slice('s', 'a', [{ addresses: ['10.0.0.1'] }]));
    expect(idx.upsert(slice('s', 'b', [{ addresses: ['10.0.0.1'] }]))).toBe('default/b');
    expect(idx.pods('default/a')).toBeUndefined();
    expect(idx.pods('default/b')).toHaveLength(1);
  });
});

describe('readyAddresses (the autoscaler Service)', () => {
  test('ready, non-terminating endpoints on the http-stats port, sorted and deduplicated', () => {
    const ports = [{ name: 'http-stats', port: 8090 }];
    expect(readyAddresses([
      slice('a', undefined, [{ addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.1'], conditions: { ready: true } }, { addresses: ['10.0.0.2'], conditions: { ready: false } }], ports),
      slice('b', undefined, [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.4'], conditions: { ready: true, terminating: true } }], ports),
    ], 'http-stats')).toEqual(['10.0.0.1:8090', '10.0.0.3:8090']);
  });
});

describe('what the ingress reads from a Revision', () => {
  const rev = (spec: Record<string, unknown>): unknown => ({ metadata: { name: 'r', namespace: 'default' }, spec });

  test('containerConcurrency (0, absent or malformed → unlimited) and the timeouts', () => {
    expect(revisionInfo(rev({ containerConcurrency: 1, timeoutSeconds: 20, containers: [{ image: 'i' }] }))).toEqual({ containerConcurrency: 1, timeoutMs: 20_000, probe: { kind: 'tcp' } });
    expect(revisionInfo(rev({ containerConcurrency: 0, containers: [{ image: 'i' }] }))).toEqual({ probe: { kind: 'tcp' } });
    expect(revisionInfo(rev({ containerConcurrency: '3', containers: [{ image: 'i' }] }))).toEqual({ probe: { kind: 'tcp' } });
  });

  test('protocol: h2c iff the serving container\'s first port is named h2c (the one declaring ports in a multi-container pod)', () => {
    expect(revisionInfo(rev({ containers: [{ image: 'i', ports: [{ name: 'h2c', containerPort: 9000 }] }] }))).toEqual({ probe: { kind: 'tcp' }, h2c: true });
    expect(revisionInfo(rev({ containers: [{ image: 's' }, { image: 'i', ports: [{ name: 'h2c', containerPort: 9000 }] }] })).h2c).toBe(true);
    for (const ports of [[{ name: 'http1', containerPort: 9000 }], [{ containerPort: 9000 }], [], [{ containerPort: 1 }, { name: 'h2c', containerPort: 2 }]]) {
      expect(revisionInfo(rev({ containers: [{ image: 'i', ports }] })).h2c).toBeUndefined();
    }
  });

  test('probe: the serving container\'s httpGet path/port/headers, tcpSocket, else TCP; exec, gRPC, HTTPS or a startupProbe → the kubelet decides', () => {
    expect(revisionProbe(rev({ containers: [{ image: 'i', readinessProbe: { httpGet: { path: '/ready', httpHeaders: [{ name: 'X-A', value: '1' }] } } }] })))
      .toEqual({ kind: 'http', path: '/ready', headers: [['X-A', '1']] });
    expect(revisionProbe(rev({ containers: [{ image: 'i', ports: [{ name: 'health', containerPort: 9000 }], readinessProbe: { httpGet: { path: '/h', port: 'health' } } }] })))
      .toEqual({ kind: 'http', path: '/h', port: 9000 });
    expect(revisionProbe(rev({ containers: [{ image: 'i', readinessProbe: { httpGet: { port: 8081 } } }] }))).toEqual({ kind: 'http', path: '/', port: 8081 });
    expect(revisionProbe(rev({ containers: [{ image: 'i', readinessProbe: { tcpSocket: { port: 7000 } } }] }))).toEqual({ kind: 'tcp', port: 7000 });
    expect(revisionProbe(rev({ containers: [{ image: 'i', readinessProbe: { exec: { command: ['true'] } } }] }))).toEqual({ kind: 'none' });
    expect(revisionProbe(rev({ containers: [{ image: 'i', readinessProbe: { grpc: { port: 9 } } }] }))).toEqual({ kind: 'none' });
    expect(revisionProbe(rev({ containers: [{ image: 'i', readinessProbe: { httpGet: { path: '/', scheme: 'HTTPS' } } }] }))).toEqual({ kind: 'none' });
    expect(revisionProbe(rev({ containers: [{ image: 'i', startupProbe: { tcpSocket: {} } }] }))).toEqual({ kind: 'none' });
    // the serving container is the one with a port
    expect(revisionProbe(rev({
      containers: [
        { image: 'side', readinessProbe: { exec: { command: ['x'] } } },
        { image: 'main', ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { path: '/ok' } } },
      ],
    }))).toEqual({ kind: 'http', path: '/ok' });
    expect(revisionProbe(undefined)).toEqual({ kind: 'tcp' });
  });
});

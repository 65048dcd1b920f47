/**
 * Cluster tier: containerConcurrency holds across the ingress replicas (2, the control plane's
 * default). A Knative Service with `containerConcurrency: 1` and one pod (min = max scale 1),
 * whose test image reports whether another request overlapped one it served
 * (test/cluster/images.ts `example.com/cluster-test/overlap`); concurrent requests go to both
 * ingress replicas at once. One replica owns the revision (src/runtime/ingress/owner.ts) and
 * alone sends to the pod; the other forwards to its peer port.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { get } from './gray-release';
import { stopAndDiagnose } from './lifecycle';
import { Stack, SYSTEM_NAMESPACE } from './stack';

let stack: Stack;
const HOST = 'cc1.default.example.com';

beforeAll(async () => {
  stack = await Stack.start();
}, 240_000);

stopAndDiagnose(() => stack);

const ready = (o: any): boolean => (o.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.status === 'True'
  && o.status.observedGeneration === o.metadata.generation;

/** A counter's value in a replica's /metrics (admin port 9000). */
async function counter(ip: string, name: string): Promise<number> {
  const r = await get(ip, 9000, 'metrics', '/metrics', 20_000);
  const line = r.body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

describe('scenario: containerConcurrency across ingress replicas', () => {
  test('CC=1, one pod, 60 concurrent requests over both ingress replicas: the pod never serves two at once; the non-owner forwarded', async () => {
    const file = path.join(stack.work, 'cc1.yaml');
    fs.writeFileSync(file, JSON.stringify({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: 'cc1', namespace: 'default' },
      spec: {
        template: {
          metadata: { annotations: { 'autoscaling.knative.dev/min-scale': '1', 'autoscaling.knative.dev/max-scale': '1' } },
          spec: { containerConcurrency: 1, containers: [{ image: 'example.com/cluster-test/overlap:1' }] },
        },
      },
    }));
    await stack.apply([file]);
    await stack.until('ksvc cc1 Ready', async () => ready(await stack.getJson(['ksvc', '-n', 'default', 'cc1'])), 90_000);
    const pods = await stack.getJson(['pods', '-n', SYSTEM_NAMESPACE, '-l', 'app.kubernetes.io/name=serving-ingress']);
    const ips: string[] = pods.items.map((p: any) => p.status.podIP);
    expect(ips).toHaveLength(2);
    for (const ip of ips) await stack.until(`${HOST} served on ${ip}`, async () => (await get(ip, 8080, HOST)).status === 200, 30_000);
    const forwardsBefore = await Promise.all(ips.map((ip) => counter(ip, 'ingress_peer_forwards_total')));

    const results = await Promise.all(Array.from({ length: 60 }, (_, i) =>
      get(ips[i % 2], 8080, HOST, '/?ms=50', 20_000).catch((e: Error) => ({ status: 0, body: e.message }))));
    for (const r of results) stack.requests.add('scenario', 'containerConcurrency across ingress replicas', r.status, 200, r.body.trim());
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    expect(results.filter((r) => !r.body.startsWith('overlap=0 '))).toEqual([]);
    expect(results.map((r) => r.body.trim())).toContain('overlap=0 max=1');
    expect(results.filter((r) => r.body.trim() !== 'overlap=0 max=1')).toEqual([]);

    // exactly one replica forwarded (the non-owner), its 30 requests; the owner none
    const forwards = (await Promise.all(ips.map((ip) => counter(ip, 'ingress_peer_forwards_total')))).map((n, i) => n - forwardsBefore[i]);
    expect(forwards.sort((a, b) => a - b)).toEqual([0, 30]);
    expect(await Promise.all(ips.map((ip) => counter(ip, 'ingress_peer_fallbacks_total')))).toEqual([0, 0]);
    expect(stack.forbidden()).toEqual([]);
  });
});

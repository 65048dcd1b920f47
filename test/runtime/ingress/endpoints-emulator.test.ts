/**
 * The production endpoints path: the watcher's EndpointSlice informers (client-node, list +
 * watch) against the API emulator's pod mode (a simulated EndpointSlice controller, a real
 * loopback backend per pod that listens only after a start-up delay), feeding a real proxy.
 * Scale from zero: requests held while the Deployment has 0 replicas, the pod's endpoint
 * appears not ready, the ingress's own probe lets the requests through before the pod is Ready.
 */
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { Pool } from 'undici';
import { get, routeWithStatus } from './helpers';
import type { PodEndpoint } from '../../../src/runtime/ingress/endpoints';
import { IngressProxy } from '../../../src/runtime/ingress/proxy';
import { KubeWatcher, startKubeWatcher, TableBuilder } from '../../../src/runtime/ingress/watcher';
import { loopbackBackends } from '../../support/backends';
import { KubeApiEmulator } from '../../support/emulator';
import { makeKubeConfig } from '../../support/kubeconfig';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const k8s: typeof K8s = require('@kubernetes/client-node');

async function until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const NS = 'default';
const REV = 'hello-1';

describe('EndpointSlices from the API emulator drive the proxy', () => {
  test('held at zero, scaled to one: answered once the ingress\'s own probe passes (before the pod is Ready); pods removed → held again', async () => {
    const READY_DELAY = 1500;
    const pods = loopbackBackends({ startupDelayMs: 200 });
    const api = await KubeApiEmulator.start({
      admission: false,
      simulateWorkloads: { delayMs: 10, readyDelayMs: READY_DELAY, endpointSlices: { backend: pods.start } },
    });
    const labels = { 'serving.knative.dev/revision': REV, 'app': REV };
    api.seed(
      routeWithStatus(NS, 'hello', [{ revision: REV, percent: 100 }]) as any,
      {
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Revision',
        metadata: { name: REV, namespace: NS },
        spec: { containerConcurrency: 1, timeoutSeconds: 20, containers: [{ image: 'img', ports: [{ containerPort: 8080 }] }] },
      } as any,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-domain', namespace: 'knative-serving' }, data: { 'example.com': '' } } as any,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: REV, namespace: NS, labels },
        spec: { selector: { app: REV }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      } as any,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `${REV}-deployment`, namespace: NS, labels },
        spec: { replicas: 0, selector: { matchLabels: { app: REV } }, template: { metadata: { labels }, spec: { containers: [{ name: 'user', image: 'img', ports: [{ containerPort: 8080 }] }] } } },
      } as any,
    );

    const seen: Array<readonly PodEndpoint[] | undefined> = [];
    const proxy: IngressProxy = new IngressProxy({ revisions: (ns, rev) => builder.revisionFor(ns, rev) });
    const builder: TableBuilder = new TableBuilder({ debounceMs: 10, onTable: (t) => proxy.setTable(t) });
    let watcher: KubeWatcher | undefined;
    const port = await proxy.listenInternal(0, '127.0.0.1');
    const client = new Pool(`http://127.0.0.1:${port}`, { connections: 8 });
    try {
      watcher = await startKubeWatcher(k8s, makeKubeConfig(api), builder, {
        systemNamespace: 'knative-serving',
        onEndpoints: (ns, rev, eps) => {
          seen.push(eps);
          proxy.setEndpoints(ns, rev, eps);
        },
      });
      await until(() => proxy.ready);
      expect(proxy.poolOf(NS, REV)!.settings.containerConcurrency).toBe(1);

      const held = Promise.all(Array.from({ length: 4 }, () => get(client, 'hello.default', '/')));
      await until(() => proxy.requestsWaiting === 4);
      await new Promise((r) => setTimeout(r, 100));
      expect(proxy.requestsWaiting).toBe(4);

      // scale 0 → 1 through the scale subresource (what the autoscaler does)
      const apps = makeKubeConfig(api).makeApiClient(k8s.AppsV1Api);
      const scaleTo = (replicas: number): Promise<unknown> =>
        apps.replaceNamespacedDeploymentScale({ name: `${REV}-deployment`, namespace: NS, body: { metadata: { name: `${REV}-deployment`, namespace: NS }, spec: { replicas } } });
      await scaleTo(1);
      const rs = await held;
      const answered = Date.now();
      expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      const backend = pods.all()[0];
      expect(backend.maxInFlight).toBe(1);
      // the endpoint was still not ready when the requests went out: the ingress probed it itself
      expect(answered - backend.listeningSince!).toBeLessThan(READY_DELAY);
      expect(seen.some((eps) => eps?.length === 1 && !eps[0].ready)).toBe(true);
      await until(() => seen.some((eps) => eps?.length === 1 && eps[0].ready));

      // back to zero: the endpoint goes, new requests are held again (and time out at 20 s, not awaited)
      await scaleTo(0);
      await until(() => !proxy.poolOf(NS, REV)!.hasUsablePod);
      const again = get(client, 'hello.default', '/').catch(() => undefined);
      await until(() => proxy.requestsWaiting === 1);
      await client.destroy();
      await again;
    } finally {
      await watcher?.stop();
      await proxy.close();
      await Promise.all(pods.all().map((b) => b.close()));
      await api.stop();
    }
  });
});

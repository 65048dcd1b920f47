/**
 * Real ingress replicas for the IngressReady end-to-end tests: each a watcher + table builder +
 * proxy (external and internal listeners on 127.0.0.1) + admin server on its own loopback
 * address (so every admin server uses the same port, as pods do), listed as ready endpoints of
 * the internal ingress Service's EndpointSlice in the API emulator, so the controller's default
 * HTTP prober asks them. Every revision is served by one backend (`origin`).
 */
import * as http from 'node:http';
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { KubeObject } from '../../../src/core/types';
import { AdminServer } from '../../../src/runtime/common/admin';
import { ingressAdminServer } from '../../../src/runtime/ingress/admin';
import { IngressProxy } from '../../../src/runtime/ingress/proxy';
import { KubeWatcher, startKubeWatcher, TableBuilder } from '../../../src/runtime/ingress/watcher';
import type { KubeApiEmulator } from '../../support/emulator';
import { makeKubeConfig } from '../../support/kubeconfig';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const k8s: typeof K8s = require('@kubernetes/client-node');

export const SYSTEM_NS = 'knative-serving';
export const REPLICA_IPS = ['127.0.0.2', '127.0.0.3'];

export interface Replica {
  ip: string;
  proxy: IngressProxy;
  admin: AdminServer;
  watcher: KubeWatcher;
  builder: TableBuilder;
  /** The internal (cluster-local) listener's port. */
  port: number;
  /** The external listener's port. */
  externalPort: number;
}

export interface Replicas {
  replicas: Replica[];
  /** The admin port every replica listens on (at its own address): the controller's `ingressAdminPort`. */
  adminPort: number;
  stop(): Promise<void>;
}

/** A port free on every replica address (each admin server binds its own address, like a pod IP). */
async function listenAdmins(admins: AdminServer[]): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await admins[0].listen(0, REPLICA_IPS[0]);
    try {
      for (let i = 1; i < admins.length; i++) await admins[i].listen(port, REPLICA_IPS[i]);
      return port;
    } catch (e) {
      for (const a of admins) await a.close();
      if (attempt > 20) throw e;
    }
  }
}

/** Seed the EndpointSlice listing the replicas, then start them (call before the controller starts). */
export async function startReplicas(emu: KubeApiEmulator, origin: string): Promise<Replicas> {
  emu.seed({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'serving-ingress-internal-abcde', namespace: SYSTEM_NS, labels: { 'kubernetes.io/service-name': 'serving-ingress-internal' } },
    addressType: 'IPv4',
    endpoints: REPLICA_IPS.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8081, protocol: 'TCP' }],
  } as KubeObject);
  const replicas: Replica[] = [];
  for (const ip of REPLICA_IPS) {
    const proxy: IngressProxy = new IngressProxy({ resolver: () => ({ origin }) });
    const builder = new TableBuilder({ onTable: (t) => proxy.setTable(t) });
    const admin = ingressAdminServer(proxy);
    // the internal listener serves every host (the default domain makes cluster-local URLs)
    const port = await proxy.listenInternal(0, '127.0.0.1');
    const externalPort = await proxy.listen(0, '127.0.0.1');
    replicas.push({ ip, proxy, admin, builder, port, externalPort, watcher: undefined as unknown as KubeWatcher });
  }
  const adminPort = await listenAdmins(replicas.map((r) => r.admin));
  for (const r of replicas) {
    r.watcher = await startKubeWatcher(k8s, makeKubeConfig(emu, 'system:serviceaccount:knative-serving:serving-ingress'), r.builder, { systemNamespace: SYSTEM_NS });
  }
  return {
    replicas,
    adminPort,
    async stop() {
      for (const r of replicas) {
        await r.watcher.stop();
        await r.admin.close();
        await r.proxy.close();
      }
    },
  };
}

/** GET / with `host` on 127.0.0.1:`port` through `agent`: the status code, -1 on a connection error. */
export function getStatus(agent: http.Agent, port: number, host: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(-1));
    req.end();
  });
}

/**
 * Background load while the test creates objects: `clients` closed-loop clients, each going round
 * the `ports` (one per replica) and the hosts already Ready (`hosts` grows as the test goes),
 * counting every answer in `counts.load` and the 404s in `counts.loadNotFound`. `stop()` ends
 * the loop and waits for the last requests.
 */
export function backgroundLoad(ports: readonly number[], hosts: readonly string[],
  get: (port: number, host: string) => Promise<number>, counts: { load: number; loadNotFound: number }, clients = 4): { stop(): Promise<void> } {
  let loading = true;
  const loaders = Array.from({ length: clients }, async (_, w) => {
    let i = w;
    while (loading) {
      if (hosts.length === 0) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      const code = await get(ports[i % ports.length], hosts[i % hosts.length]);
      counts.load++;
      if (code === 404) counts.loadNotFound++;
      i++;
    }
  });
  return {
    async stop(): Promise<void> {
      loading = false;
      await Promise.all(loaders);
    },
  };
}

/**
 * Ingress entry point (bundled by esbuild into dist/runtime/ingress.js).
 *
 * Env: SYSTEM_NAMESPACE (knative-serving), CLUSTER_DOMAIN (cluster.local), PORT (8080: external
 * listener, external hosts only), INTERNAL_PORT (8081: cluster-local listener, every host),
 * ADMIN_PORT (9000), LOG_LEVEL (info), DRAIN_TIMEOUT_SECONDS (30).
 * Logs JSON lines on stderr (src/runtime/common/log.ts); admin server on ADMIN_PORT (admin.ts).
 * SIGTERM/SIGINT: /readyz → 503, both listeners stop accepting, wait (bounded) for in-flight
 * requests, exit.
 */
import { ingressAdminServer } from './admin';
import { IngressMetrics } from './metrics';
import { defaultBackendResolver, IngressProxy } from './proxy';
import { TableBuilder, startKubeWatcher } from './watcher';
import { DEFAULT_SYSTEM_NAMESPACE, INGRESS_ADMIN_PORT, INGRESS_INTERNAL_PORT, INGRESS_PROXY_PORT } from '../../core/runtime-contract';
import { createLogger, logFn, logStartupFailure, stderrSink } from '../common/log';

function intEnv(name: string, def: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
}

export async function main(): Promise<void> {
  const systemNamespace = process.env.SYSTEM_NAMESPACE || DEFAULT_SYSTEM_NAMESPACE;
  const clusterDomain = process.env.CLUSTER_DOMAIN || 'cluster.local';
  const port = intEnv('PORT', INGRESS_PROXY_PORT);
  const internalPort = intEnv('INTERNAL_PORT', INGRESS_INTERNAL_PORT);
  const adminPort = intEnv('ADMIN_PORT', INGRESS_ADMIN_PORT);
  if (port !== 0 && port === internalPort) {
    throw new Error(`PORT and INTERNAL_PORT must differ (both ${port}): the external listener must not serve cluster-local hosts`);
  }
  const drainTimeoutMs = intEnv('DRAIN_TIMEOUT_SECONDS', 30) * 1000;
  const log = logFn(createLogger({ level: process.env.LOG_LEVEL, base: { component: 'ingress' }, sink: stderrSink }));

  const metrics = new IngressMetrics();
  const builder: TableBuilder = new TableBuilder({ clusterDomain, log, onTable: (t) => proxy.setTable(t) });
  // Asked on every table swap: the revision's Service, plus the timeouts of its watched Revision.
  const serviceOf = defaultBackendResolver(clusterDomain);
  const proxy = new IngressProxy({
    resolver: (ns, rev) => ({ ...serviceOf(ns, rev), ...builder.timeoutsFor(ns, rev) }),
    clusterDomain,
    metrics,
    log,
  });
  const admin = ingressAdminServer(proxy);

  await admin.listen(adminPort);
  const externalBound = await proxy.listen(port);
  const internalBound = await proxy.listenInternal(internalPort);
  log('info', 'ingress listening', { port: externalBound, internalPort: internalBound, adminPort, systemNamespace, clusterDomain });

  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const watcher = await startKubeWatcher(k8s, kc, builder, { systemNamespace, log });

  let shuttingDown = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log('info', 'draining', { signal, inFlight: proxy.requestsInFlight });
    const ok = await proxy.drain(drainTimeoutMs);
    log(ok ? 'info' : 'warn', ok ? 'drained' : 'drain timed out', { inFlight: proxy.requestsInFlight });
    await watcher.stop().catch(() => undefined);
    await proxy.close().catch(() => undefined);
    await admin.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((err) => {
    logStartupFailure('ingress', err);
    process.exit(1);
  });
}

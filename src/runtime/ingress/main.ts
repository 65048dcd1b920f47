/**
 * Ingress entry point (bundled by esbuild into dist/runtime/ingress.js).
 *
 * Env: SYSTEM_NAMESPACE (knative-serving), CLUSTER_DOMAIN (cluster.local), PORT (8080: external
 * listener, external hosts only), INTERNAL_PORT (8081: cluster-local listener, every host; both
 * serve HTTP/1.1 and h2c on the same port, proxy.ts),
 * HTTPS_PORT (8443: DomainMappings with spec.tls, certificates by SNI from the Secrets they name,
 * certificates.ts), ADMIN_PORT (9000), LOG_LEVEL (info), DRAIN_TIMEOUT_SECONDS (30);
 * MAX_WAITING_PER_REVISION and MAX_WAITING_TOTAL (default: what fits the default 256 MiB
 * memory limit, `ingressMaxWaitingTotal` in core/runtime-contract; the control plane sets both
 * from the ingress's memory limit): requests waiting for a pod slot (queued behind full pods, or
 * held while a revision has no ready pod), beyond which the ingress answers 503 "pending request
 * queue full";
 * POD_NAME (the host name): this replica's name in its stats; AUTOSCALER_ENDPOINTS
 * (`host:port[,host:port]`: a static list instead of watching the serving-autoscaler Service's
 * EndpointSlices); AUTOSCALER_TOKEN_FILE (INGRESS_AUTOSCALER_TOKEN_PATH; a missing file sends no
 * Authorization header);
 * POD_IP (downward API status.podIP): this replica's address among the ingress replicas, which it
 * learns from the serving-ingress Service's EndpointSlices (ready addresses). With it, a revision
 * with containerConcurrency > 0 has one owner replica (owner.ts) that alone sends to its pods; the
 * others forward its requests to the owner's PEER_PORT (INGRESS_PEER_PORT, 8082; accepts only the
 * ready replicas' addresses). Without POD_IP each replica enforces containerConcurrency on its
 * own (a warning is logged; then 2 replicas may send a CC=1 pod 2 requests at once).
 * Logs JSON lines on stderr (src/runtime/common/log.ts); admin server on ADMIN_PORT (admin.ts).
 * SIGTERM/SIGINT: /readyz → 503, both listeners stop accepting, wait (bounded) for in-flight
 * requests, exit.
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { ingressAdminServer } from './admin';
import { CertificateStore, SecretLike } from './certificates';
import { IngressMetrics } from './metrics';
import { IngressProxy } from './proxy';
import { parseEndpointList, StatsPusher } from './stats-push';
import { TableBuilder, startKubeWatcher } from './watcher';
import {
  DEFAULT_RUNTIME_MEMORY_LIMIT_MIB, DEFAULT_SYSTEM_NAMESPACE, INGRESS_ADMIN_PORT, INGRESS_AUTOSCALER_TOKEN_PATH,
  INGRESS_HTTPS_PORT, INGRESS_INTERNAL_PORT, INGRESS_PEER_PORT, INGRESS_PROXY_PORT, ingressMaxWaitingPerRevision, ingressMaxWaitingTotal,
} from '../../core/runtime-contract';
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
  const httpsPort = intEnv('HTTPS_PORT', INGRESS_HTTPS_PORT);
  const peerPort = intEnv('PEER_PORT', INGRESS_PEER_PORT);
  const podIp = process.env.POD_IP || undefined;
  for (const [name, p] of [['PORT', port], ['INTERNAL_PORT', internalPort], ['HTTPS_PORT', httpsPort], ['ADMIN_PORT', adminPort]] as const) {
    if (peerPort !== 0 && p === peerPort) throw new Error(`PEER_PORT and ${name} must differ (both ${p}): the peer port serves forwarded requests only`);
  }
  if (port !== 0 && port === internalPort) {
    throw new Error(`PORT and INTERNAL_PORT must differ (both ${port}): the external listener must not serve cluster-local hosts`);
  }
  const drainTimeoutMs = intEnv('DRAIN_TIMEOUT_SECONDS', 30) * 1000;
  const maxWaitingPerRevision = intEnv('MAX_WAITING_PER_REVISION', ingressMaxWaitingPerRevision(DEFAULT_RUNTIME_MEMORY_LIMIT_MIB));
  const maxWaitingTotal = intEnv('MAX_WAITING_TOTAL', ingressMaxWaitingTotal(DEFAULT_RUNTIME_MEMORY_LIMIT_MIB));
  const staticAutoscaler = process.env.AUTOSCALER_ENDPOINTS ? parseEndpointList(process.env.AUTOSCALER_ENDPOINTS) : undefined;
  const tokenFile = process.env.AUTOSCALER_TOKEN_FILE || INGRESS_AUTOSCALER_TOKEN_PATH;
  const sender = process.env.POD_NAME || os.hostname();
  const log = logFn(createLogger({ level: process.env.LOG_LEVEL, base: { component: 'ingress' }, sink: stderrSink }));

  const metrics = new IngressMetrics();
  // The HTTPS listener's certificates: the TLS Secrets DomainMappings name, read when the table's
  // TLS hosts change and every minute (rotation).
  let readSecret: (ns: string, name: string) => Promise<SecretLike | undefined> = async () => undefined;
  const certificates = new CertificateStore({ read: (ns, name) => readSecret(ns, name), apply: (c) => proxy.setCertificates(c), log });
  const builder: TableBuilder = new TableBuilder({
    clusterDomain,
    log,
    onTable: (t) => {
      proxy.setTable(t);
      certificates.setHosts(t.tlsHosts);
    },
  });
  let autoscalerEndpoints: readonly string[] = staticAutoscaler ?? [];
  const pusher: StatsPusher = new StatsPusher({
    sender,
    collect: () => proxy.stats.tick(performance.now() / 1000),
    endpoints: () => autoscalerEndpoints,
    tokenFile,
    log,
    metrics,
  });
  // Asked when a revision's pool is made and on every table swap: its watched Revision's settings.
  const proxy = new IngressProxy({
    revisions: (ns, rev) => builder.revisionFor(ns, rev),
    clusterDomain,
    metrics,
    log,
    maxWaitingPerRevision,
    maxWaitingTotal,
    onPoke: (stat) => pusher.poke(stat),
    peerAddress: podIp,
    peerPort,
  });
  const admin = ingressAdminServer(proxy);

  await admin.listen(adminPort);
  const externalBound = await proxy.listen(port);
  const internalBound = await proxy.listenInternal(internalPort);
  const httpsBound = await proxy.listenHttps(httpsPort);
  const peerBound = podIp === undefined ? undefined : await proxy.listenPeer(peerPort);
  log('info', 'ingress listening', {
    port: externalBound, internalPort: internalBound, httpsPort: httpsBound, peerPort: peerBound ?? null, adminPort, systemNamespace, clusterDomain,
  });
  if (podIp === undefined) {
    log('warn', 'POD_IP is not set: no owner replica per revision, so containerConcurrency is enforced per ingress replica only', {});
  }

  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  readSecret = async (namespace, name) => {
    try {
      return (await core.readNamespacedSecret({ name, namespace })) as SecretLike;
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  };
  void certificates.reload();
  const watcher = await startKubeWatcher(k8s, kc, builder, {
    systemNamespace,
    log,
    onEndpoints: (ns, rev, pods) => proxy.setEndpoints(ns, rev, pods),
    ...(podIp === undefined ? {} : { onIngressPeers: (addrs: string[]) => proxy.setPeers(addrs) }),
    ...(staticAutoscaler === undefined ? { onAutoscalerEndpoints: (addrs: string[]) => { autoscalerEndpoints = addrs; } } : {}),
  });
  pusher.start();
  log('info', 'stats push', { autoscaler: staticAutoscaler ?? 'EndpointSlices of the serving-autoscaler Service', tokenFile, sender });

  let shuttingDown = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log('info', 'draining', { signal, inFlight: proxy.requestsInFlight });
    const ok = await proxy.drain(drainTimeoutMs);
    log(ok ? 'info' : 'warn', ok ? 'drained' : 'drain timed out', { inFlight: proxy.requestsInFlight });
    pusher.stop();
    certificates.stop();
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

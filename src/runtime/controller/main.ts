/**
 * Controller entry point (bundled to dist/runtime/controller.js).
 * Env: SYSTEM_NAMESPACE (knative-serving), CLUSTER_DOMAIN (cluster.local), POD_NAME (leader
 * identity), LEASE_NAME, LOG_LEVEL, ADMIN_PORT (8080), INGRESS_SERVICE (serving-ingress-internal:
 * the internal ingress Service that Route placeholder Services alias),
 * WORKERS (4), STATS_PORT (8090: the autoscaler's stats endpoint; 0 = any free port),
 * AUTOSCALER_AUTH (`tokenreview`, default: stats need the ingress ServiceAccount's token, checked
 * by TokenReview; `none`: no authentication, tests only), INGRESS_SERVICE_ACCOUNT (serving-ingress),
 * INGRESS_ADMIN_PORT (9000: where the ingress replicas, the ready endpoints of INGRESS_SERVICE's
 * EndpointSlices, answer the IngressReady probe).
 * Uses in-cluster config when available, else the default kubeconfig.
 * Logs JSON lines on stdout (src/runtime/common/log.ts); admin server on ADMIN_PORT (common/admin.ts).
 */
import * as os from 'node:os';
import { createStatsEndpoint } from './autoscaler/endpoint';
import { StatsServer } from './autoscaler/stats-server';
import { Controller } from './controller';
import { k8s } from './k8s';
import {
  AUTOSCALER_STATS_PORT, CONTROLLER_ADMIN_PORT, CONTROLLER_LEASE_NAME, DEFAULT_SYSTEM_NAMESPACE, INGRESS_ADMIN_PORT, INGRESS_INTERNAL_SERVICE_NAME,
} from '../../core/runtime-contract';
import { AdminServer } from '../common/admin';
import { createLogger, logStartupFailure } from '../common/log';

export interface Running { controller: Controller; server: AdminServer; stats: StatsServer; shutdown: () => Promise<void> }

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}=${JSON.stringify(value)} is not a port number (0-65535); unset it for ${fallback}`);
  return n;
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<Running> {
  const log = createLogger({ level: env.LOG_LEVEL, base: { component: 'controller' } });
  const authMode = env.AUTOSCALER_AUTH || 'tokenreview';
  if (authMode !== 'none' && authMode !== 'tokenreview') {
    throw new Error(`AUTOSCALER_AUTH=${JSON.stringify(env.AUTOSCALER_AUTH)} is not supported: use "tokenreview" (default) or "none" (tests only)`);
  }
  const statsPort = port(env.STATS_PORT, AUTOSCALER_STATS_PORT, 'STATS_PORT');
  // Tag-to-digest resolution is opt-in (it needs egress to the registries and get on Secrets and ServiceAccounts).
  if (env.RESOLVE_DIGESTS && !['true', 'false'].includes(env.RESOLVE_DIGESTS)) {
    throw new Error(`RESOLVE_DIGESTS=${JSON.stringify(env.RESOLVE_DIGESTS)} is not supported: use "true" or "false" (default)`);
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const controller = new Controller({
    resolveDigests: env.RESOLVE_DIGESTS === 'true',
    kubeConfig: kc,
    systemNamespace: env.SYSTEM_NAMESPACE || DEFAULT_SYSTEM_NAMESPACE,
    clusterDomain: env.CLUSTER_DOMAIN || 'cluster.local',
    podName: env.POD_NAME || os.hostname(),
    leaseName: env.LEASE_NAME || CONTROLLER_LEASE_NAME,
    ingressServiceName: env.INGRESS_SERVICE || INGRESS_INTERNAL_SERVICE_NAME,
    ingressAdminPort: port(env.INGRESS_ADMIN_PORT, INGRESS_ADMIN_PORT, 'INGRESS_ADMIN_PORT'),
    workersPerKind: Number(env.WORKERS) || 4,
    log,
  });
  const server = new AdminServer({
    notReadyReason: () => (controller.synced ? undefined : 'caches not synced'),
    metrics: () => controller.metrics.render(),
  });
  const adminPort = await server.listen(port(env.ADMIN_PORT, CONTROLLER_ADMIN_PORT, 'ADMIN_PORT'));
  log.info('admin server listening', { port: adminPort });
  const stats = createStatsEndpoint(controller, { auth: authMode, ingressServiceAccount: env.INGRESS_SERVICE_ACCOUNT });
  if (authMode === 'none') log.warn('AUTOSCALER_AUTH=none: the stats endpoint accepts stats from anyone (tests only)');
  log.info('autoscaler stats endpoint listening', { port: await stats.listen(statsPort), auth: authMode });
  await controller.start();
  log.info('caches synced', { leaderElection: true });
  let stopping: Promise<void> | undefined;
  const shutdown = () => (stopping ??= (async () => {
    log.info('shutting down: stop leading, drain queues, release lease');
    await stats.close();
    await controller.stop();
    await server.close();
    log.info('shutdown complete');
  })());
  return { controller, server, stats, shutdown };
}

if (require.main === module) {
  // Until the controller is up, a signal simply exits (nothing to drain or release yet).
  const early = () => process.exit(0);
  process.once('SIGTERM', early);
  process.once('SIGINT', early);
  main().then(({ shutdown }) => {
    process.removeListener('SIGTERM', early);
    process.removeListener('SIGINT', early);
    const onSignal = (sig: string) => {
      void shutdown().then(() => process.exit(0), () => process.exit(1));
      void sig;
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  }).catch((e) => {
    logStartupFailure('controller', e);
    process.exit(1);
  });
}

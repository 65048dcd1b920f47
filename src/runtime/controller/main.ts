/**
 * Controller entry point (bundled to dist/runtime/controller.js).
 * Env: SYSTEM_NAMESPACE (knative-serving), CLUSTER_DOMAIN (cluster.local), POD_NAME (leader
 * identity), LEASE_NAME, LOG_LEVEL, ADMIN_PORT (8080), INGRESS_SERVICE (serving-ingress-internal:
 * the internal ingress Service that Route placeholder Services alias),
 * WORKERS (4). Uses in-cluster config when available, else the default kubeconfig.
 * Logs JSON lines on stdout (src/runtime/common/log.ts); admin server on ADMIN_PORT (common/admin.ts).
 */
import * as os from 'node:os';
import { Controller } from './controller';
import { k8s } from './k8s';
import { CONTROLLER_ADMIN_PORT, CONTROLLER_LEASE_NAME, DEFAULT_SYSTEM_NAMESPACE, INGRESS_INTERNAL_SERVICE_NAME } from '../../core/runtime-contract';
import { AdminServer } from '../common/admin';
import { createLogger, logStartupFailure } from '../common/log';

export interface Running { controller: Controller; server: AdminServer; shutdown: () => Promise<void> }

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<Running> {
  const log = createLogger({ level: env.LOG_LEVEL, base: { component: 'controller' } });
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const controller = new Controller({
    kubeConfig: kc,
    systemNamespace: env.SYSTEM_NAMESPACE || DEFAULT_SYSTEM_NAMESPACE,
    clusterDomain: env.CLUSTER_DOMAIN || 'cluster.local',
    podName: env.POD_NAME || os.hostname(),
    leaseName: env.LEASE_NAME || CONTROLLER_LEASE_NAME,
    ingressServiceName: env.INGRESS_SERVICE || INGRESS_INTERNAL_SERVICE_NAME,
    workersPerKind: Number(env.WORKERS) || 4,
    log,
  });
  const server = new AdminServer({
    notReadyReason: () => (controller.synced ? undefined : 'caches not synced'),
    metrics: () => controller.metrics.render(),
  });
  const port = await server.listen(env.ADMIN_PORT !== undefined && env.ADMIN_PORT !== '' ? Number(env.ADMIN_PORT) : CONTROLLER_ADMIN_PORT);
  log.info('admin server listening', { port });
  await controller.start();
  log.info('caches synced', { leaderElection: true });
  let stopping: Promise<void> | undefined;
  const shutdown = () => (stopping ??= (async () => {
    log.info('shutting down: stop leading, drain queues, release lease');
    await controller.stop();
    await server.close();
    log.info('shutdown complete');
  })());
  return { controller, server, shutdown };
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

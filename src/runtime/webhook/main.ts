/**
 * Admission webhook entry point (bundled to dist/runtime/webhook.js), deployed by
 * ServingControlPlane. The names and ports default to core/runtime-contract's, which the control
 * plane deploys with.
 *
 * Env: SYSTEM_NAMESPACE (knative-serving), CLUSTER_DOMAIN (cluster.local), LOG_LEVEL,
 * WEBHOOK_PORT (8443: HTTPS, the AdmissionReview endpoints of server.ts), ADMIN_PORT (8080:
 * /healthz, /readyz, /metrics), WEBHOOK_SERVICE (serving-webhook: the Service the API server
 * calls; the certificate names it), WEBHOOK_SECRET (serving-webhook-certs: the Secret the
 * certificates are kept in), MUTATING_WEBHOOK_CONFIGURATION (webhook.serving.knative.dev),
 * VALIDATING_WEBHOOK_CONFIGURATIONS (validation.webhook.serving.knative.dev,config.webhook.serving.knative.dev:
 * comma-separated; each gets the CA bundle), WEBHOOK_TLS_MIN_VERSION (1.3; or 1.2),
 * WEBHOOK_CERT_LIFETIME_SECONDS (604800 = 7 days, upstream's; at least 60: the lifetime of the
 * certificates this replica issues, rotated at 80 % of it).
 * Uses in-cluster config when available, else the default kubeconfig.
 */
import { CertificateManager } from './certificate-manager';
import { ConfigWatcher } from './config';
import { webhookKube, WebhookKube } from './kube';
import { WebhookServer } from './server';
import {
  DEFAULT_SYSTEM_NAMESPACE, WEBHOOK_ADMIN_PORT, WEBHOOK_CONFIG_VALIDATING_CONFIGURATION_NAME, WEBHOOK_MUTATING_CONFIGURATION_NAME,
  WEBHOOK_PORT, WEBHOOK_SECRET_NAME, WEBHOOK_SERVICE_NAME, WEBHOOK_VALIDATING_CONFIGURATION_NAME,
} from '../../core/runtime-contract';
import { AdminServer } from '../common/admin';
import { createLogger, Logger, logStartupFailure } from '../common/log';
import { Registry } from '../common/metrics';
import { KubeClient } from '../controller/client';
import { k8s, KubeConfig } from '../controller/k8s';

export const WEBHOOK_DEFAULTS = {
  port: WEBHOOK_PORT,
  adminPort: WEBHOOK_ADMIN_PORT,
  service: WEBHOOK_SERVICE_NAME,
  secret: WEBHOOK_SECRET_NAME,
  mutating: WEBHOOK_MUTATING_CONFIGURATION_NAME,
  validating: [WEBHOOK_VALIDATING_CONFIGURATION_NAME, WEBHOOK_CONFIG_VALIDATING_CONFIGURATION_NAME],
} as const;

export interface RunningWebhook {
  server: WebhookServer;
  admin: AdminServer;
  certificates: CertificateManager;
  config: ConfigWatcher;
  shutdown(): Promise<void>;
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}=${JSON.stringify(value)} is not a port number (0-65535); unset it for ${fallback}`);
  return n;
}

function tlsVersion(v: string | undefined): 'TLSv1.2' | 'TLSv1.3' {
  if (v === undefined || v === '' || v === '1.3') return 'TLSv1.3';
  if (v === '1.2') return 'TLSv1.2';
  throw new Error(`WEBHOOK_TLS_MIN_VERSION=${JSON.stringify(v)} is not supported: use "1.3" (default) or "1.2"`);
}

function lifetimeSeconds(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 60) throw new Error(`WEBHOOK_CERT_LIFETIME_SECONDS=${JSON.stringify(v)} is not a whole number of seconds ≥ 60; unset it for 7 days`);
  return n;
}

export interface WebhookMainOptions {
  env?: NodeJS.ProcessEnv;
  kubeConfig?: KubeConfig;
  /** The Kubernetes writes (default: client-node on `kubeConfig`). */
  kube?: WebhookKube;
  log?: Logger;
  /** Listen address of both servers (default 0.0.0.0). */
  host?: string;
  now?: () => Date;
  certCheckEveryMs?: number;
  lifetimeMs?: number;
}

export async function main(o: WebhookMainOptions = {}): Promise<RunningWebhook> {
  const env = o.env ?? process.env;
  const log = o.log ?? createLogger({ level: env.LOG_LEVEL, base: { component: 'webhook' } });
  const namespace = env.SYSTEM_NAMESPACE || DEFAULT_SYSTEM_NAMESPACE;
  const clusterDomain = env.CLUSTER_DOMAIN || 'cluster.local';
  const minTlsVersion = tlsVersion(env.WEBHOOK_TLS_MIN_VERSION);
  const lifetimeFromEnv = lifetimeSeconds(env.WEBHOOK_CERT_LIFETIME_SECONDS);
  const kc = o.kubeConfig ?? (() => {
    const c = new k8s.KubeConfig();
    c.loadFromDefault();
    return c;
  })();
  const metrics = new Registry();

  const config = new ConfigWatcher(new KubeClient(kc), namespace, clusterDomain, log);
  const validating = env.VALIDATING_WEBHOOK_CONFIGURATIONS !== undefined
    ? env.VALIDATING_WEBHOOK_CONFIGURATIONS.split(',').map((s) => s.trim()).filter(Boolean)
    : [...WEBHOOK_DEFAULTS.validating];
  const certificates = new CertificateManager({
    kube: o.kube ?? webhookKube(kc),
    namespace,
    secretName: env.WEBHOOK_SECRET || WEBHOOK_DEFAULTS.secret,
    service: env.WEBHOOK_SERVICE || WEBHOOK_DEFAULTS.service,
    clusterDomain,
    configurations: [
      { kind: 'MutatingWebhookConfiguration', name: env.MUTATING_WEBHOOK_CONFIGURATION || WEBHOOK_DEFAULTS.mutating },
      ...validating.map((name) => ({ kind: 'ValidatingWebhookConfiguration' as const, name })),
    ],
    checkEveryMs: o.certCheckEveryMs,
    lifetimeMs: o.lifetimeMs ?? (lifetimeFromEnv === undefined ? undefined : lifetimeFromEnv * 1000),
    now: o.now,
    log,
  });
  metrics.counter('webhook_certificates_issued_total', 'CA + serving certificates issued by this replica').collect({}, () => certificates.stats.issued);
  metrics.counter('webhook_certificate_check_errors_total', 'Failed certificate checks (retried)').collect({}, () => certificates.stats.errors);
  metrics.gauge('webhook_config_reloads', 'Configuration changes applied since start').set({}, () => config.reloads);

  let server: WebhookServer | undefined;
  const admin = new AdminServer({
    notReadyReason: () => (!config.synced ? 'configuration not listed yet' : server?.port === undefined ? 'certificates not ready' : undefined),
    metrics: () => metrics.render(),
  });
  const host = o.host ?? '0.0.0.0';
  log.info('admin server listening', { port: await admin.listen(port(env.ADMIN_PORT, WEBHOOK_DEFAULTS.adminPort, 'ADMIN_PORT'), host) });

  await config.start();
  const bundle = await certificates.start();
  server = new WebhookServer({
    config: () => config.config, systemNamespace: namespace, cert: bundle.serverCert, key: bundle.serverKey, minTlsVersion, log, metrics,
  });
  const s = server;
  certificates.onChange((b) => {
    s.setCertificate(b.serverCert, b.serverKey);
    log.info('serving with new certificates');
  });
  log.info('webhook listening', { port: await server.listen(port(env.WEBHOOK_PORT, WEBHOOK_DEFAULTS.port, 'WEBHOOK_PORT'), host) });

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => (stopping ??= (async () => {
    certificates.stop();
    config.stop();
    await s.close();
    await admin.close();
  })());
  return { server: s, admin, certificates, config, shutdown };
}

if (require.main === module) {
  main().then(({ shutdown }) => {
    const onSignal = (): void => {
      void shutdown().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }).catch((e) => {
    logStartupFailure('webhook', e);
    process.exit(1);
  });
}

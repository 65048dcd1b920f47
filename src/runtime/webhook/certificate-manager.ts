/**
 * Keeps the webhook's certificates: reads its Secret, issues a new CA + serving certificate when
 * the Secret is empty, missing, unusable or 80 % through its lifetime (certificates.ts), writes
 * them back (update with the read resourceVersion; create only when the Secret is missing, which
 * the deployed webhook may not do: ServingControlPlane creates it empty; when another replica wrote first, the
 * 409 makes us re-read and use its certificates), and patches the CA bundle into the named
 * webhook configurations. `check()` runs at start-up and then on a timer (every `checkEveryMs`,
 * and at the rotation time), so every replica picks up a rotation made by another within one
 * period.
 */
import { CertBundle, issueCertificates, rotationReason, rotationTime, SECRET_KEYS } from './certificates';
import type { SecretObject, WebhookConfigurationKind, WebhookKube, PatchOperation } from './kube';
import { Logger, silentLogger } from '../common/log';
import { isAlreadyExists, isConflict, KubeApiError } from '../controller/client';

export interface CertificateManagerOptions {
  kube: WebhookKube;
  /** The system namespace (the Secret's and the Service's). */
  namespace: string;
  secretName: string;
  /** The webhook's Service name (the certificate's names). */
  service: string;
  clusterDomain?: string;
  /** Webhook configurations whose every webhook gets the CA bundle. */
  configurations: Array<{ kind: WebhookConfigurationKind; name: string }>;
  lifetimeMs?: number;
  /** Re-read the Secret this often (default 60 s). */
  checkEveryMs?: number;
  now?: () => Date;
  log?: Logger;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined): string | undefined => (s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8'));

function bundleOf(secret: SecretObject | undefined): Partial<CertBundle> | undefined {
  if (!secret) return undefined;
  const d = secret.data ?? {};
  return {
    serverKey: unb64(d[SECRET_KEYS.serverKey]),
    serverCert: unb64(d[SECRET_KEYS.serverCert]),
    caCert: unb64(d[SECRET_KEYS.caCert]),
    caBundle: unb64(d[SECRET_KEYS.caBundle]),
  };
}

function dataOf(b: CertBundle): Record<string, string> {
  return {
    [SECRET_KEYS.serverKey]: b64(b.serverKey),
    [SECRET_KEYS.serverCert]: b64(b.serverCert),
    [SECRET_KEYS.caCert]: b64(b.caCert),
    [SECRET_KEYS.caBundle]: b64(b.caBundle),
  };
}

export class CertificateManager {
  /** The certificates in force (after the first successful `check()`). */
  public current?: CertBundle;
  /** Counters for tests and metrics. */
  public readonly stats = { issued: 0, conflicts: 0, caBundlePatches: 0, errors: 0 };
  private timer?: NodeJS.Timeout;
  private listeners: Array<(b: CertBundle) => void> = [];
  private readonly log: Logger;
  private readonly now: () => Date;
  private running?: Promise<CertBundle>;

  constructor(private readonly opts: CertificateManagerOptions) {
    this.log = opts.log ?? silentLogger;
    this.now = opts.now ?? (() => new Date());
  }

  /** Called with the new bundle whenever the certificates in force change. */
  public onChange(fn: (b: CertBundle) => void): void {
    this.listeners.push(fn);
  }

  /** Make sure valid certificates are stored, in force here, and trusted by the configurations. */
  public check(): Promise<CertBundle> {
    this.running ??= this.doCheck().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async doCheck(): Promise<CertBundle> {
    const { kube, namespace, secretName } = this.opts;
    for (let attempt = 0; ; attempt++) {
      const secret = await kube.getSecret(namespace, secretName);
      const stored = bundleOf(secret);
      const reason = rotationReason(stored, { ...this.opts, now: this.now() });
      if (reason === undefined) {
        this.use(stored as CertBundle);
        break;
      }
      const bundle = await issueCertificates({
        service: this.opts.service,
        namespace,
        clusterDomain: this.opts.clusterDomain,
        now: this.now(),
        lifetimeMs: this.opts.lifetimeMs,
        // Keep trusting the CA the replicas serve with now, also when the Secret lost it (data
        // wiped): the others switch to the new certificate only at their next check.
        previousCaBundle: stored?.caBundle ?? this.current?.caBundle,
      });
      try {
        if (secret === undefined) {
          await kube.createSecret({
            apiVersion: 'v1',
            kind: 'Secret',
            type: 'Opaque',
            metadata: { name: secretName, namespace, labels: { 'app.kubernetes.io/component': 'webhook' } },
            data: dataOf(bundle),
          });
        } else {
          await kube.updateSecret({ ...secret, data: dataOf(bundle) });
        }
      } catch (e) {
        // ServingControlPlane creates the Secret (empty) so the webhook needs no `create` (which
        // RBAC cannot restrict to one name): without it, say what to do.
        if (secret === undefined && e instanceof KubeApiError && e.code === 403) {
          throw new Error(`the Secret ${namespace}/${secretName} does not exist and this webhook may not create it (${e.message}); `
            + 'apply the control plane\'s manifests, which create it empty (ServingControlPlane), or create an empty Secret of that name');
        }
        // Another replica wrote first: read and judge its certificates.
        if ((isConflict(e) || isAlreadyExists(e)) && attempt < 3) {
          this.stats.conflicts++;
          continue;
        }
        throw e;
      }
      this.stats.issued++;
      this.log.info('issued webhook certificates', { reason, secret: `${namespace}/${secretName}`, rotateAt: rotationTime(bundle).toISOString() });
      this.use(bundle);
      break;
    }
    await this.patchConfigurations(this.current!.caBundle);
    return this.current!;
  }

  private use(bundle: CertBundle): void {
    const cur = this.current;
    const changed = cur?.serverCert !== bundle.serverCert || cur?.serverKey !== bundle.serverKey || cur?.caBundle !== bundle.caBundle;
    this.current = bundle;
    if (changed) for (const fn of this.listeners) fn(bundle);
  }

  /** Set `clientConfig.caBundle` of every webhook in the named configurations (only when it differs). */
  private async patchConfigurations(caBundle: string): Promise<void> {
    const want = b64(caBundle);
    for (const { kind, name } of this.opts.configurations) {
      const cfg = await this.opts.kube.getWebhookConfiguration(kind, name);
      if (cfg === undefined) {
        this.log.warn('webhook configuration not found; its caBundle is not set', { kind, name });
        continue;
      }
      type Webhook = { name?: string; clientConfig?: { caBundle?: string } };
      const listed = (cfg as { webhooks?: unknown }).webhooks;
      const webhooks: Webhook[] = Array.isArray(listed) ? listed : [];
      const ops: PatchOperation[] = [];
      webhooks.forEach((w, i) => {
        if (w.clientConfig?.caBundle === want) return;
        // The test guards against a concurrent edit that reordered the list.
        ops.push({ op: 'test', path: `/webhooks/${i}/name`, value: w.name });
        ops.push({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: want });
      });
      if (ops.length === 0) continue;
      await this.opts.kube.patchWebhookConfiguration(kind, name, ops);
      this.stats.caBundlePatches++;
      this.log.info('patched the CA bundle into the webhook configuration', { kind, name, webhooks: ops.length / 2 });
    }
  }

  /** Check now, then every `checkEveryMs` and at the rotation time; errors are logged and retried. */
  public async start(): Promise<CertBundle> {
    const bundle = await this.check();
    this.schedule();
    return bundle;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const every = this.opts.checkEveryMs ?? 60_000;
    const untilRotation = this.current ? rotationTime(this.current).getTime() - this.now().getTime() : every;
    const delay = Math.max(10, Math.min(every, untilRotation));
    this.timer = setTimeout(() => {
      this.check().catch((e) => {
        this.stats.errors++;
        this.log.error('certificate check failed; retrying', { error: e });
      }).finally(() => {
        if (this.timer !== undefined) this.schedule();
      });
    }, delay);
    this.timer.unref?.();
  }

  public stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

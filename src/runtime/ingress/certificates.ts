/**
 * The HTTPS listener's certificates: for each mapped host whose DomainMapping names a TLS Secret
 * (`RouteTable.tlsHosts`, from core/domain-mapping), the Secret's `tls.crt` and `tls.key`, read by
 * a single GET per Secret (no list or watch: the ingress may only read Secrets in namespaces the
 * controller granted it, see reconcilers/domainmapping.ts). Read again whenever the hosts change
 * and every `refreshMs` (a rotated certificate is served within that time). A Secret that cannot
 * be read, or lacks either key, leaves its hosts without HTTPS (logged); the others are served,
 * and the reads are retried sooner (after 1 s, doubling up to `refreshMs`): e.g. a Secret created
 * after its DomainMapping, or read access the controller has just granted.
 */
import type { LogFn } from './proxy';
import type { TlsSecretRef } from './table';

/** A Secret as read from the API server (only `data` is used; values base64 as the API returns them). */
export interface SecretLike {
  readonly data?: Readonly<Record<string, string>>;
}

/** PEM certificate chain and key of one host. */
export interface CertificateMaterial {
  readonly cert: string;
  readonly key: string;
}

export interface CertificateStoreOptions {
  /** GET one Secret; undefined when it does not exist. Other failures throw. */
  readonly read: (namespace: string, name: string) => Promise<SecretLike | undefined>;
  /** Install the certificates by host; returns `<host>: <reason>` for rejected material. */
  readonly apply: (certs: ReadonlyMap<string, CertificateMaterial>) => string[];
  log?: LogFn;
  /** Re-read every Secret this often (ms); 0 = only when the hosts change. Default 60 000. */
  refreshMs?: number;
}

const decode = (v: string | undefined): string | undefined => (v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8'));

export class CertificateStore {
  private hosts: ReadonlyMap<string, TlsSecretRef> = new Map();
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Delay of the next retry while some Secret could not be read (ms); 0 when the last load read them all. */
  private retryMs = 0;
  /** Completed loads (tests). */
  public loads = 0;

  constructor(private readonly opts: CertificateStoreOptions) {}

  /** The hosts to serve (a table's `tlsHosts`); reloads when they differ from the last ones. */
  public setHosts(hosts: ReadonlyMap<string, TlsSecretRef>): void {
    if (sameHosts(hosts, this.hosts)) return;
    this.hosts = hosts;
    void this.reload();
  }

  /** Read every Secret again and install the result; concurrent calls coalesce into one more load. */
  public reload(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.load();
      } while (this.again && !this.stopped);
      this.running = undefined;
      this.schedule();
    })();
    return this.running;
  }

  public stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const every = this.opts.refreshMs ?? 60_000;
    if (this.stopped || every <= 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), this.retryMs > 0 ? Math.min(this.retryMs, every) : every);
    this.timer.unref();
  }

  private async load(): Promise<void> {
    const hosts = this.hosts;
    const secrets = new Map<string, Promise<CertificateMaterial | string>>();
    const fetch = (ref: TlsSecretRef): Promise<CertificateMaterial | string> => {
      const key = `${ref.namespace}/${ref.secretName}`;
      let p = secrets.get(key);
      if (p === undefined) {
        p = this.opts.read(ref.namespace, ref.secretName).then((s) => {
          if (s === undefined) return `Secret ${key} not found`;
          const cert = decode(s.data?.['tls.crt']);
          const keyPem = decode(s.data?.['tls.key']);
          if (!cert || !keyPem) return `Secret ${key} has no tls.crt and tls.key`;
          return { cert, key: keyPem };
        }, (e: unknown) => `Secret ${key} not readable: ${(e as Error)?.message ?? String(e)}`);
        secrets.set(key, p);
      }
      return p;
    };
    const certs = new Map<string, CertificateMaterial>();
    let failed = false;
    for (const [host, ref] of hosts) {
      const m = await fetch(ref);
      if (typeof m === 'string') {
        failed = true;
        this.opts.log?.('warn', 'no certificate for a DomainMapping host', { host, error: m });
      } else {
        certs.set(host, m);
      }
    }
    this.retryMs = failed ? (this.retryMs === 0 ? 1000 : this.retryMs * 2) : 0;
    if (this.stopped) return;
    for (const e of this.opts.apply(certs)) this.opts.log?.('warn', 'certificate rejected', { error: e });
    this.loads++;
  }
}

function sameHosts(a: ReadonlyMap<string, TlsSecretRef>, b: ReadonlyMap<string, TlsSecretRef>): boolean {
  if (a.size !== b.size) return false;
  for (const [h, r] of a) {
    const o = b.get(h);
    if (o === undefined || o.namespace !== r.namespace || o.secretName !== r.secretName) return false;
  }
  return true;
}

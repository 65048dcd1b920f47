/**
 * The admission webhook's certificates, as upstream's webhook makes them (knative.dev/pkg
 * webhook/certificates, reference runtime §7): a new self-signed ECDSA P-256 CA and a serving
 * certificate it signs, issued together, O `knative.dev`, CN `<service>.<namespace>.svc`, SANs
 * `<service>`, `<service>.<namespace>`, `<service>.<namespace>.svc` and
 * `<service>.<namespace>.svc.<cluster domain>`. The CA's private key is not kept: the next
 * rotation issues a new CA.
 *
 * X.509 with @peculiar/x509 over Node's WebCrypto (node:crypto cannot issue certificates);
 * parsing and checks with node:crypto's X509Certificate.
 *
 * `rotationReason` says when a stored bundle must be replaced: a key missing or unparsable, the
 * key not matching the certificate, the certificate not signed by the CA or not naming the
 * service, or 80 % of its lifetime gone (upstream: less than 24 h left of 7 days).
 */
import 'reflect-metadata';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { DEFAULT_CLUSTER_DOMAIN } from '../../core/config';
import { clusterLocalHostForms } from '../../core/hosts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** The PEM texts the webhook serves with and the CA bundle the API server trusts. */
export interface CertBundle {
  /** `server-key.pem`: PKCS #8 private key of the serving certificate. */
  serverKey: string;
  /** `server-cert.pem`: the serving certificate. */
  serverCert: string;
  /** `ca-cert.pem`: the CA that signed the serving certificate. */
  caCert: string;
  /**
   * `ca-bundle.pem`: what goes into the webhook configurations' `caBundle`: `caCert`, then the
   * previous CA while it is still valid (replicas that have not reloaded yet still serve a
   * certificate it signed).
   */
  caBundle: string;
}

/** The Secret data keys (upstream's names, plus ca-bundle.pem). */
export const SECRET_KEYS = { serverKey: 'server-key.pem', serverCert: 'server-cert.pem', caCert: 'ca-cert.pem', caBundle: 'ca-bundle.pem' } as const;

/** Upstream's certificate lifetime: 7 days. */
export const DEFAULT_CERT_LIFETIME_MS = 7 * 24 * 3600 * 1000;
/** Rotate once this fraction of the lifetime is gone. */
export const ROTATE_AT_FRACTION = 0.8;

export interface IssueOptions {
  service: string;
  namespace: string;
  /** Default cluster.local. */
  clusterDomain?: string;
  now: Date;
  /** Default DEFAULT_CERT_LIFETIME_MS. */
  lifetimeMs?: number;
  /** The CA bundle in force now (kept in the new bundle while its certificates are valid). */
  previousCaBundle?: string;
}

/** The DNS names the serving certificate covers. */
export function serviceDnsNames(service: string, namespace: string, clusterDomain?: string): string[] {
  return [service, ...clusterLocalHostForms(service, namespace, clusterDomain ?? DEFAULT_CLUSTER_DOMAIN)];
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function serial(): string {
  // 16 random bytes with the top bit clear: a positive 128-bit serial number.
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = b[0] % 0x80;
  return Buffer.from(b).toString('hex');
}

/** Key usage flags combined (each is a distinct bit, so their sum is their union). */
function usages(...flags: number[]): number {
  return flags.reduce((a, b) => a + b, 0);
}

/** Split a PEM text into its certificates (each a full PEM block). */
export function pemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** Issue a new CA and serving certificate. */
export async function issueCertificates(opts: IssueOptions): Promise<CertBundle> {
  const lifetime = opts.lifetimeMs ?? DEFAULT_CERT_LIFETIME_MS;
  // Backdated a minute: a server whose clock is slightly behind ours still accepts it.
  const notBefore = new Date(opts.now.getTime() - 60_000);
  const notAfter = new Date(opts.now.getTime() + lifetime);
  const dnsNames = serviceDnsNames(opts.service, opts.namespace, opts.clusterDomain);
  const subject = `O=knative.dev, CN=${dnsNames[2]}`;

  const caKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `O=knative.dev, CN=${serviceDnsNames(`${opts.service}-ca`, opts.namespace)[2]}`,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(usages(x509.KeyUsageFlags.keyCertSign, x509.KeyUsageFlags.cRLSign, x509.KeyUsageFlags.digitalSignature), true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages(x509.KeyUsageFlags.digitalSignature, x509.KeyUsageFlags.keyEncipherment), true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });

  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const serverKey = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
  const caCert = ca.toString('pem') + '\n';
  const previous = pemCertificates(opts.previousCaBundle ?? '').filter((p) => {
    try {
      return new Date(new X509Certificate(p).validTo).getTime() > opts.now.getTime();
    } catch {
      return false;
    }
  });
  // Only the newest previous CA is kept: the one replicas may still be serving with.
  const caBundle = [caCert, ...previous.slice(0, 1).map((p) => `${p}\n`)].join('');
  return { serverKey, serverCert: cert.toString('pem') + '\n', caCert, caBundle };
}

/** When `bundle` must be replaced (a sentence), or undefined while it can be served. */
export function rotationReason(
  bundle: Partial<CertBundle> | undefined, opts: { service: string; namespace: string; clusterDomain?: string; now: Date },
): string | undefined {
  if (!bundle?.serverKey || !bundle.serverCert || !bundle.caCert || !bundle.caBundle) return 'no certificate yet';
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(bundle.serverCert);
    ca = new X509Certificate(bundle.caCert);
  } catch (e) {
    return `a certificate does not parse (${(e as Error).message})`;
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(bundle.serverKey))) return 'the key does not match the certificate';
  } catch (e) {
    return `the key does not parse (${(e as Error).message})`;
  }
  if (!cert.verify(ca.publicKey)) return 'the certificate is not signed by the CA';
  if (!pemCertificates(bundle.caBundle).some((p) => p.replace(/\s/g, '') === bundle.caCert!.replace(/\s/g, ''))) return 'the CA bundle does not hold the CA';
  const names = (cert.subjectAltName ?? '').split(', ').map((s) => s.replace(/^DNS:/, ''));
  for (const n of serviceDnsNames(opts.service, opts.namespace, opts.clusterDomain)) {
    if (!names.includes(n)) return `the certificate does not name ${n}`;
  }
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  const now = opts.now.getTime();
  if (now >= from + (to - from) * ROTATE_AT_FRACTION) return `${Math.round(ROTATE_AT_FRACTION * 100)} % of the certificate's lifetime is gone (valid until ${cert.validTo})`;
  return undefined;
}

/** When `bundle`'s serving certificate is due for rotation (80 % of its lifetime). */
export function rotationTime(bundle: CertBundle): Date {
  const cert = new X509Certificate(bundle.serverCert);
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  return new Date(from + (to - from) * ROTATE_AT_FRACTION);
}

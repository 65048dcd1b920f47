/**
 * HTTPS for DomainMappings with `spec.tls.secretName` (issue 14): the ingress's HTTPS listener
 * chooses the certificate by SNI from the Secret each DomainMapping names (CertificateStore →
 * IngressProxy.setCertificates), forwards like the HTTP listeners (Host rewritten to the target's
 * cluster-local host) with `X-Forwarded-Proto: https`, refuses a server name without a
 * certificate at the handshake and a Host other than the server name with 421, speaks HTTP/2 by
 * ALPN, and serves a rotated certificate after a reload. The certificates are made at test time
 * with the `openssl` CLI (node:crypto cannot issue X.509 certificates).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { ingressConfig, routeWithStatus, startBackend, TestBackend } from './helpers';
import type { DomainMappingObject } from '../../../src/core/types';
import { CertificateStore, SecretLike } from '../../../src/runtime/ingress/certificates';
import { IngressProxy } from '../../../src/runtime/ingress/proxy';
import { buildRouteTable } from '../../../src/runtime/ingress/table';

interface Cert { cert: string; key: string }

/** A self-signed certificate for `host` (P-256, SAN = host), made by the openssl CLI in `dir`. */
function makeCert(dir: string, host: string, tag: string): Cert {
  const key = path.join(dir, `${tag}.key`);
  const crt = path.join(dir, `${tag}.crt`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', key, '-out', crt, '-subj', `/CN=${host}/O=${tag}`, '-addext', `subjectAltName=DNS:${host}`,
  ], { stdio: 'pipe' });
  return { cert: fs.readFileSync(crt, 'utf8'), key: fs.readFileSync(key, 'utf8') };
}

const mapping = (name: string, target: string, secretName?: string): DomainMappingObject => ({
  apiVersion: 'serving.knative.dev/v1beta1',
  kind: 'DomainMapping',
  metadata: { name, namespace: 'default', generation: 1 },
  spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: target }, ...(secretName ? { tls: { secretName } } : {}) },
  status: { observedGeneration: 1, conditions: [{ type: 'DomainClaimed', status: 'True' }, { type: 'ReferenceResolved', status: 'True' }] },
});

const secretOf = (c: Cert): SecretLike => ({
  data: { 'tls.crt': Buffer.from(c.cert).toString('base64'), 'tls.key': Buffer.from(c.key).toString('base64') },
});

interface Answer { status: number; body: string; peerOrg: string | undefined }

/** One HTTPS/1.1 request to the listener with SNI `servername` and Host `host`, trusting `ca`. */
function httpsGet(port: number, servername: string, host: string, ca: string, p = '/headers'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: p, servername, ca, headers: { host }, agent: false }, (res) => {
      const peer = (res.socket as tls.TLSSocket).getPeerCertificate();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peerOrg: peer?.subject?.O as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('DomainMapping HTTPS (SNI certificates from Secrets)', () => {
  let dir: string;
  let certA: Cert;
  let certB: Cert;
  let certA2: Cert;
  let backend: TestBackend;
  let proxy: IngressProxy;
  let port: number;
  let store: CertificateStore;
  const secrets = new Map<string, SecretLike>();
  const warnings: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dm-tls-'));
    certA = makeCert(dir, 'secure.example.org', 'a');
    certB = makeCert(dir, 'other.example.org', 'b');
    certA2 = makeCert(dir, 'secure.example.org', 'a2');
    secrets.set('default/secure-cert', secretOf(certA));
    secrets.set('default/other-cert', secretOf(certB));
    backend = await startBackend('web');
    proxy = new IngressProxy({ resolver: () => ({ origin: `http://127.0.0.1:${backend.port}` }) });
    const table = buildRouteTable([routeWithStatus('default', 'web', [{ revision: 'web-1', percent: 100 }])], ingressConfig(), {
      domainMappings: [
        mapping('secure.example.org', 'web', 'secure-cert'),
        mapping('other.example.org', 'web', 'other-cert'),
        mapping('missing.example.org', 'web', 'no-such-secret'),
        mapping('plain.example.org', 'web'),
      ],
    });
    proxy.setTable(table);
    store = new CertificateStore({
      read: async (ns, name) => secrets.get(`${ns}/${name}`),
      apply: (certs) => proxy.setCertificates(certs),
      log: (_level, msg, fields) => warnings.push(`${msg} ${JSON.stringify(fields)}`),
      refreshMs: 0,
    });
    store.setHosts(table.tlsHosts);
    await store.reload();
    port = await proxy.listenHttps(0, '127.0.0.1');
  });

  afterAll(async () => {
    store.stop();
    await proxy.close();
    await backend.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the table lists the hosts with a Secret; a missing Secret is logged and leaves its host without a certificate', () => {
    expect([...proxy.currentTable.tlsHosts.keys()].sort()).toEqual(['missing.example.org', 'other.example.org', 'secure.example.org']);
    // (setHosts and reload() each loaded once)
    expect([...new Set(warnings)]).toEqual([expect.stringMatching(/^no certificate for a DomainMapping host .*missing\.example\.org.*Secret default\/no-such-secret not found/)]);
  });

  test('SNI chooses each host\'s certificate; the request reaches the target with Host = the domain and X-Forwarded-Proto https', async () => {
    const a = await httpsGet(port, 'secure.example.org', 'secure.example.org', certA.cert);
    expect(a.status).toBe(200);
    expect(a.peerOrg).toBe('a');
    const seen = JSON.parse(a.body).headers;
    expect(seen.host).toBe('secure.example.org');
    expect(seen['k-original-host']).toBeUndefined();
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen['x-forwarded-host']).toBe('secure.example.org');
    const b = await httpsGet(port, 'other.example.org', 'other.example.org', certB.cert);
    expect(b.status).toBe(200);
    expect(b.peerOrg).toBe('b');
  });

  test('a server name without a certificate (no tls, missing Secret, unknown) fails the handshake', async () => {
    for (const name of ['plain.example.org', 'missing.example.org', 'unknown.example.org']) {
      await expect(httpsGet(port, name, name, certA.cert)).rejects.toThrow(/alert|handshake|socket hang up|ECONNRESET|unrecognized name|internal error/i);
    }
  });

  test('a Host other than the TLS server name → 421, even a host served over HTTP', async () => {
    for (const host of ['other.example.org', 'web.default.example.com', 'web.default.svc.cluster.local']) {
      const r = await httpsGet(port, 'secure.example.org', host, certA.cert, '/');
      expect(r.status).toBe(421);
      expect(r.body).toBe('misdirected request: the Host is not the TLS server name\n');
    }
  });

  test('HTTP/2 by ALPN', async () => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { servername: 'secure.example.org', ca: certA.cert });
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const s = session.request({ ':path': '/headers', ':authority': 'secure.example.org' });
        let st = 0;
        let b = '';
        s.on('response', (h) => { st = Number(h[':status']); });
        s.setEncoding('utf8');
        s.on('data', (d: string) => { b += d; });
        s.on('end', () => resolve({ status: st, body: b }));
        s.on('error', reject);
      });
      expect((session.socket as tls.TLSSocket).alpnProtocol).toBe('h2');
      expect(status).toBe(200);
      const seen = JSON.parse(body).headers;
      expect(seen.host).toBe('secure.example.org');
      expect(seen['k-original-host']).toBeUndefined();
      expect(seen['x-forwarded-proto']).toBe('https');
    } finally {
      session.close();
    }
  });

  test('a Secret that cannot be read yet is retried after 1 s (doubling), not after the refresh period', async () => {
    let calls = 0;
    const applied: string[][] = [];
    const retrying = new CertificateStore({
      read: async () => (++calls === 1 ? undefined : secretOf(certA)),
      apply: (c) => { applied.push([...c.keys()]); return []; },
      refreshMs: 60_000,
    });
    const t0 = Date.now();
    retrying.setHosts(new Map([['secure.example.org', { namespace: 'default', secretName: 'late-cert' }]]));
    while (applied.length < 2 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    const took = Date.now() - t0;
    retrying.stop();
    expect(applied).toEqual([[], ['secure.example.org']]);
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(3000);
  });

  test('a rotated certificate is served after the reload', async () => {
    secrets.set('default/secure-cert', secretOf(certA2));
    await store.reload();
    const r = await httpsGet(port, 'secure.example.org', 'secure.example.org', certA2.cert);
    expect(r.status).toBe(200);
    expect(r.peerOrg).toBe('a2');
  });
});

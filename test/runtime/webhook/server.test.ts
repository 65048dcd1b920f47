/**
 * The admission webhook process (src/runtime/webhook/main.ts) against the API emulator, over real
 * HTTPS on loopback, trusting only the CA bundle it patched into the webhook configurations:
 * certificates issued into its Secret, CA bundle patched, AdmissionReviews answered, the
 * configuration followed without restart, readiness, HTTP errors; certificate rotation (fake
 * clock) with the server switching certificates while the old CA stays trusted for a while;
 * replicas sharing one Secret; an unusable Secret replaced.
 */
import { X509Certificate } from 'node:crypto';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { KubeObject } from '../../../src/core/types';
import { silentLogger } from '../../../src/runtime/common/log';
import { k8s } from '../../../src/runtime/controller/k8s';
import { CertificateManager } from '../../../src/runtime/webhook/certificate-manager';
import { SECRET_KEYS } from '../../../src/runtime/webhook/certificates';
import { webhookKube } from '../../../src/runtime/webhook/kube';
import { main, RunningWebhook } from '../../../src/runtime/webhook/main';
import { KubeApiEmulator } from '../../support/emulator';
import { jsonPatch } from '../../support/patch';

const NS = 'knative-serving';
const SERVICE = 'serving-webhook';
const SERVER_NAME = `${SERVICE}.${NS}.svc`;

function kubeConfig(emu: KubeApiEmulator): InstanceType<typeof k8s.KubeConfig> {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions(emu.kubeConfigOptions(`system:serviceaccount:${NS}:webhook`));
  return kc;
}

const webhookConfigs = (): KubeObject[] => [
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'webhook.serving.knative.dev' },
    webhooks: [{ name: 'webhook.serving.knative.dev', clientConfig: { service: { name: SERVICE, namespace: NS, path: '/defaulting' } } }],
  } as any,
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'validation.webhook.serving.knative.dev' },
    webhooks: [{ name: 'validation.webhook.serving.knative.dev', clientConfig: { service: { name: SERVICE, namespace: NS, path: '/resource-validation' } } }],
  } as any,
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'config.webhook.serving.knative.dev' },
    webhooks: [{ name: 'config.webhook.serving.knative.dev', clientConfig: { service: { name: SERVICE, namespace: NS, path: '/config-validation' } } }],
  } as any,
];

interface Answer { status: number; body: string; peerCert?: string }

/** POST over HTTPS to 127.0.0.1:port, verifying the certificate against `ca` for SERVER_NAME. */
function post(port: number, path: string, body: unknown, ca: string, method = 'POST'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = typeof body === 'string' ? body : JSON.stringify(body);
    const req = https.request({
      host: '127.0.0.1',
      port,
      path,
      method,
      ca,
      servername: SERVER_NAME,
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
    }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerX509Certificate?.();
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), peerCert: peer?.fingerprint256 }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function review(request: Record<string, unknown>): unknown {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-1', userInfo: { username: 'alice' }, ...request } };
}

const ksvc = (image = 'ghcr.io/x/hello'): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'hello', namespace: 'default' }, spec: { template: { spec: { containers: [{ image }] } } },
});
const KSVC_KIND = { group: 'serving.knative.dev', version: 'v1', kind: 'Service' };

async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function caBundleOf(emu: KubeApiEmulator, kind: string, name: string): string {
  const cfg = emu.get<any>(kind, '', name);
  return Buffer.from(cfg.webhooks[0].clientConfig.caBundle, 'base64').toString();
}

function secretBundle(emu: KubeApiEmulator): Record<string, string> {
  const s = emu.get<any>('secrets', NS, 'serving-webhook-certs');
  return Object.fromEntries(Object.entries(s.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
}

describe('webhook process', () => {
  let emu: KubeApiEmulator;
  let wh: RunningWebhook;
  let ca: string;

  beforeAll(async () => {
    emu = await KubeApiEmulator.start({});
    emu.seed(...webhookConfigs(), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-defaults', namespace: NS }, data: { 'revision-timeout-seconds': '200' } } as KubeObject);
    wh = await main({ env: { SYSTEM_NAMESPACE: NS, WEBHOOK_PORT: '0', ADMIN_PORT: '0' }, kubeConfig: kubeConfig(emu), host: '127.0.0.1', log: silentLogger });
    ca = caBundleOf(emu, 'mutatingwebhookconfigurations', 'webhook.serving.knative.dev');
  });
  afterAll(async () => {
    await wh?.shutdown();
    await emu?.stop();
  });

  test('certificates are issued into the Secret and the CA bundle patched into every configuration', () => {
    const data = secretBundle(emu);
    expect(Object.keys(data).sort()).toEqual(Object.values(SECRET_KEYS).sort());
    expect(data[SECRET_KEYS.caBundle]).toBe(ca);
    expect(caBundleOf(emu, 'validatingwebhookconfigurations', 'validation.webhook.serving.knative.dev')).toBe(ca);
    expect(caBundleOf(emu, 'validatingwebhookconfigurations', 'config.webhook.serving.knative.dev')).toBe(ca);
    const cert = new X509Certificate(data[SECRET_KEYS.serverCert]);
    expect(cert.subjectAltName).toBe(`DNS:${SERVICE}, DNS:${SERVICE}.${NS}, DNS:${SERVICE}.${NS}.svc, DNS:${SERVICE}.${NS}.svc.cluster.local`);
    expect(cert.verify(new X509Certificate(data[SECRET_KEYS.caCert]).publicKey)).toBe(true);
    // Writes are exactly: one Secret create, one patch per configuration.
    const writes = emu.actions().filter((a) => a.resource !== 'leases').map((a) => `${a.verb} ${a.resource} ${a.name}`);
    expect(writes.sort()).toEqual([
      'create secrets serving-webhook-certs',
      'patch mutatingwebhookconfigurations webhook.serving.knative.dev',
      'patch validatingwebhookconfigurations config.webhook.serving.knative.dev',
      'patch validatingwebhookconfigurations validation.webhook.serving.knative.dev',
    ]);
  });

  test('readiness, health and metrics on the admin server', async () => {
    const get = (path: string) => fetch(`http://127.0.0.1:${wh.admin.port}${path}`);
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
    await post(wh.server.port!, '/defaulting', review({ operation: 'CREATE', kind: KSVC_KIND, object: ksvc() }), ca);
    expect(await (await get('/metrics')).text()).toMatch(/webhook_admission_reviews_total\{endpoint="defaulting",allowed="true",patched="true"\} [1-9]/);
  });

  test('/defaulting over HTTPS: the patch gives the defaults of the cluster configuration', async () => {
    const obj = ksvc();
    const res = await post(wh.server.port!, '/defaulting', review({ operation: 'CREATE', kind: KSVC_KIND, object: obj }), ca);
    expect(res.status).toBe(200);
    const out = JSON.parse(res.body);
    expect(out).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u-1', allowed: true, patchType: 'JSONPatch' } });
    const patched = jsonPatch(obj, JSON.parse(Buffer.from(out.response.patch, 'base64').toString())) as any;
    expect(patched.spec.template.spec.timeoutSeconds).toBe(200);
    expect(patched.metadata.annotations).toEqual({ 'serving.knative.dev/creator': 'alice', 'serving.knative.dev/lastModifier': 'alice' });
  });

  test('a configuration change applies to the next review without a restart', async () => {
    const cm = emu.get<any>('configmaps', NS, 'config-defaults');
    emu.put({ ...cm, data: { 'revision-timeout-seconds': '90' } });
    await until('the new configuration', () => wh.config.config.defaults.revisionTimeoutSeconds === 90);
    const res = await post(wh.server.port!, '/defaulting', review({ operation: 'CREATE', kind: KSVC_KIND, object: ksvc() }), ca);
    const ops = JSON.parse(Buffer.from(JSON.parse(res.body).response.patch, 'base64').toString());
    expect(ops).toContainEqual({ op: 'add', path: '/spec/template/spec/timeoutSeconds', value: 90 });
  });

  test('/resource-validation denies with the rule texts; /config-validation denies a bad ConfigMap', async () => {
    const bad = ksvc('');
    const v = JSON.parse((await post(wh.server.port!, '/resource-validation', review({ operation: 'CREATE', kind: KSVC_KIND, object: bad }), ca)).body);
    expect(v.response.allowed).toBe(false);
    expect(v.response.status.message).toMatch(/^validation failed: spec\.template\.spec\.containers\[0\]: missing field\(s\)\. Fix: Give the container at least an image\.\n/);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-autoscaler', namespace: NS }, data: { 'max-scale-up-rate': 'fast' } };
    const c = JSON.parse((await post(wh.server.port!, '/config-validation', review({ operation: 'UPDATE', kind: { group: '', version: 'v1', kind: 'ConfigMap' }, namespace: NS, object: cm }), ca)).body);
    expect(c.response).toMatchObject({ allowed: false, status: { message: expect.stringMatching(/^validation failed: config-autoscaler: invalid value "fast" for key "max-scale-up-rate"/) } });
  });

  test('HTTP errors: unknown path 404, GET 405, not a review 400, v1beta1 400', async () => {
    const port = wh.server.port!;
    expect((await post(port, '/mutate', review({}), ca)).status).toBe(404);
    expect((await post(port, '/defaulting', '', ca, 'GET')).status).toBe(405);
    const notJson = await post(port, '/defaulting', 'hello', ca);
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatch(/not JSON/);
    const beta = await post(port, '/defaulting', { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x' } }, ca);
    expect(beta.status).toBe(400);
    expect(beta.body).toMatch(/admissionReviewVersions/);
  });

  test('a client that does not trust the CA is refused; TLS below 1.3 is refused', async () => {
    await expect(post(wh.server.port!, '/defaulting', review({}), '')).rejects.toThrow(/self-signed|unable to verify|certificate/);
    await expect(new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: wh.server.port!, path: '/defaulting', method: 'POST', ca, servername: SERVER_NAME, maxVersion: 'TLSv1.2', agent: false }, resolve);
      req.on('error', reject);
      req.end('{}');
    })).rejects.toThrow(/protocol|version|alert/i);
  });
});

describe('certificate rotation and replicas', () => {
  let emu: KubeApiEmulator;
  beforeEach(async () => {
    emu = await KubeApiEmulator.start({});
    emu.seed(...webhookConfigs());
  });
  afterEach(async () => emu.stop());

  const DAY = 24 * 3600 * 1000;
  function manager(now: () => Date): CertificateManager {
    return new CertificateManager({
      kube: webhookKube(kubeConfig(emu)),
      namespace: NS,
      secretName: 'serving-webhook-certs',
      service: SERVICE,
      now,
      configurations: [
        { kind: 'MutatingWebhookConfiguration', name: 'webhook.serving.knative.dev' },
        { kind: 'ValidatingWebhookConfiguration', name: 'validation.webhook.serving.knative.dev' },
      ],
    });
  }

  test('rotation at 80 % of the lifetime: new certificate served, both CAs trusted until the old expires', async () => {
    // The clock starts 5.7 days ago, so the certificate issued at the rotation is valid now (the
    // TLS client checks validity against the real time).
    let t = Date.now() - 5.7 * DAY;
    const clock = () => new Date(t);
    const wh = await main({ env: { SYSTEM_NAMESPACE: NS, WEBHOOK_PORT: '0', ADMIN_PORT: '0' }, kubeConfig: kubeConfig(emu), host: '127.0.0.1', now: clock, certCheckEveryMs: 3_600_000, log: silentLogger });
    try {
      const first = secretBundle(emu);
      const oldCa = first[SECRET_KEYS.caCert];
      const a = await post(wh.server.port!, '/defaulting', review({ operation: 'CREATE', kind: KSVC_KIND, object: ksvc() }), oldCa);
      expect(a.status).toBe(200);
      // 5 days in: nothing to do.
      t += 5 * DAY;
      await wh.certificates.check();
      expect(secretBundle(emu)[SECRET_KEYS.serverCert]).toBe(first[SECRET_KEYS.serverCert]);
      // 5.7 days in (> 80 % of 7 days): rotated.
      t += 0.7 * DAY;
      await wh.certificates.check();
      const second = secretBundle(emu);
      expect(second[SECRET_KEYS.serverCert]).not.toBe(first[SECRET_KEYS.serverCert]);
      expect(second[SECRET_KEYS.caBundle]).toBe(`${second[SECRET_KEYS.caCert]}${oldCa}`);
      expect(caBundleOf(emu, 'mutatingwebhookconfigurations', 'webhook.serving.knative.dev')).toBe(second[SECRET_KEYS.caBundle]);
      // New connections get the new certificate, signed by the new CA only.
      const b = await post(wh.server.port!, '/defaulting', review({ operation: 'CREATE', kind: KSVC_KIND, object: ksvc() }), second[SECRET_KEYS.caCert]);
      expect(b.status).toBe(200);
      expect(b.peerCert).toBe(new X509Certificate(second[SECRET_KEYS.serverCert]).fingerprint256);
      expect(b.peerCert).not.toBe(a.peerCert);
      await expect(post(wh.server.port!, '/defaulting', review({}), oldCa)).rejects.toThrow();
      // The next rotation drops the first CA (expired by then).
      t += 6 * DAY;
      await wh.certificates.check();
      const third = secretBundle(emu);
      expect(third[SECRET_KEYS.caBundle]).toBe(`${third[SECRET_KEYS.caCert]}${second[SECRET_KEYS.caCert]}`);
    } finally {
      await wh.shutdown();
    }
  });

  test('replicas share the Secret: the second uses the first one\'s certificates; racing replicas converge', async () => {
    const now = () => new Date();
    const [m1, m2] = [manager(now), manager(now)];
    const [b1, b2] = await Promise.all([m1.check(), m2.check()]);
    expect(b1).toEqual(b2);
    // One write wins; the other replica (if it raced) got 409 and read the winner's certificates.
    expect(m1.stats.issued + m2.stats.issued).toBe(1);
    expect(m1.stats.conflicts + m2.stats.conflicts).toBeLessThanOrEqual(1);
    const patches = emu.actions({ verb: 'patch' }).length;
    expect(patches).toBeGreaterThanOrEqual(2);
    // A replica started later uses the stored certificates and finds the CA bundles in place.
    const m3 = manager(now);
    expect(await m3.check()).toEqual(b1);
    expect(m3.stats.issued).toBe(0);
    expect(emu.actions({ verb: 'patch' }).length).toBe(patches);
  });

  test('a configuration created later gets the CA bundle at the next check; a rotation by another replica is picked up', async () => {
    emu.remove('validatingwebhookconfigurations', '', 'validation.webhook.serving.knative.dev');
    let t = Date.now();
    const m1 = manager(() => new Date(t));
    const changes: string[] = [];
    m1.onChange((b) => changes.push(b.serverCert));
    const b1 = await m1.check();
    expect(emu.actions({ verb: 'patch' }).map((a) => a.name)).toEqual(['webhook.serving.knative.dev']);
    emu.seed(webhookConfigs()[1]);
    await m1.check();
    expect(caBundleOf(emu, 'validatingwebhookconfigurations', 'validation.webhook.serving.knative.dev')).toBe(b1.caBundle);
    // Another replica, 6 days later by its clock, rotates; this one reads the new certificates.
    const m2 = manager(() => new Date(t + 6 * DAY));
    const b2 = await m2.check();
    expect(m2.stats.issued).toBe(1);
    t += 1000;
    expect(await m1.check()).toEqual(b2);
    expect(m1.stats.issued).toBe(1);
    expect(changes).toEqual([b1.serverCert, b2.serverCert]);
  });

  test('an unusable Secret is replaced (update, not create)', async () => {
    emu.seed({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'serving-webhook-certs', namespace: NS }, data: { [SECRET_KEYS.serverCert]: Buffer.from('garbage').toString('base64') } } as KubeObject);
    const m = manager(() => new Date());
    const b = await m.check();
    expect(m.stats.issued).toBe(1);
    expect(secretBundle(emu)[SECRET_KEYS.serverCert]).toBe(b.serverCert);
    expect(emu.actions({ resource: 'secrets' }).map((a) => a.verb)).toEqual(['update']);
  });

  test('a Secret whose data was wiped: the new CA bundle still trusts the CA the replicas serve with', async () => {
    const m = manager(() => new Date());
    const b1 = await m.check();
    const s = emu.get<any>('secrets', NS, 'serving-webhook-certs');
    emu.put({ ...s, data: undefined });
    const b2 = await m.check();
    expect(m.stats.issued).toBe(2);
    expect(b2.caBundle).toBe(`${b2.caCert}${b1.caCert}`);
    const cfg = emu.get<any>('mutatingwebhookconfigurations', '', 'webhook.serving.knative.dev');
    expect(Buffer.from(cfg.webhooks[0].clientConfig.caBundle, 'base64').toString()).toBe(b2.caBundle);
  });

  test('the empty Secret the control plane creates is filled by update (get/update of one name suffice)', async () => {
    emu.seed({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'serving-webhook-certs', namespace: NS, labels: { a: 'b' } } } as KubeObject);
    const m = manager(() => new Date());
    const b = await m.check();
    expect(m.stats.issued).toBe(1);
    expect(secretBundle(emu)[SECRET_KEYS.serverCert]).toBe(b.serverCert);
    expect(emu.get<any>('secrets', NS, 'serving-webhook-certs').metadata.labels).toEqual({ a: 'b' });
    expect(emu.actions({ resource: 'secrets' }).map((a) => `${a.verb} ${a.name}`)).toEqual(['update serving-webhook-certs']);
  });
});

describe('a missing Secret the webhook may not create', () => {
  test('the check fails naming the Secret and the fix', async () => {
    const emu = await KubeApiEmulator.start({
      authorize: (a) => (a.resource === 'secrets' && a.verb === 'create' ? 'secrets "serving-webhook-certs" is forbidden' : undefined),
    });
    try {
      const m = new CertificateManager({
        kube: webhookKube(kubeConfig(emu)), namespace: NS, secretName: 'serving-webhook-certs', service: SERVICE, configurations: [],
      });
      await expect(m.check()).rejects.toThrow(
        /^the Secret knative-serving\/serving-webhook-certs does not exist and this webhook may not create it \(.*forbidden.*\); apply the control plane's manifests, which create it empty/);
    } finally {
      await emu.stop();
    }
  });
});

describe('WEBHOOK_CERT_LIFETIME_SECONDS', () => {
  test('sets the lifetime of the certificates issued; a bad value stops start-up naming it', async () => {
    const emu = await KubeApiEmulator.start({});
    try {
      await expect(main({ env: { WEBHOOK_CERT_LIFETIME_SECONDS: '59', WEBHOOK_PORT: '0', ADMIN_PORT: '0' }, kubeConfig: kubeConfig(emu), host: '127.0.0.1', log: silentLogger }))
        .rejects.toThrow('WEBHOOK_CERT_LIFETIME_SECONDS="59" is not a whole number of seconds ≥ 60; unset it for 7 days');
      const wh = await main({ env: { SYSTEM_NAMESPACE: NS, WEBHOOK_CERT_LIFETIME_SECONDS: '3600', WEBHOOK_PORT: '0', ADMIN_PORT: '0' }, kubeConfig: kubeConfig(emu), host: '127.0.0.1', log: silentLogger });
      try {
        const cert = new X509Certificate(secretBundle(emu)[SECRET_KEYS.serverCert]);
        // Backdated a minute (certificates.ts), so notAfter − notBefore = lifetime + 60 s.
        expect(Date.parse(cert.validTo) - Date.parse(cert.validFrom)).toBe(3660_000);
      } finally {
        await wh.shutdown();
      }
    } finally {
      await emu.stop();
    }
  });
});

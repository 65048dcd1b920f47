/**
 * Cluster tier: DomainMappings on a real kube-apiserver (issue 14), with the bundled controller and
 * ingress under the RBAC the control plane emits. A claimed domain with a TLS Secret is served
 * over HTTP and HTTPS (SNI, the Secret's certificate, made here by the openssl CLI); the
 * controller grants the ingress read access to that namespace's Secrets by binding the emitted
 * ClusterRole (real RBAC escalation check: `bind`); an unclaimed domain is refused
 * (DomainAlreadyClaimed) and not routed.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { stopAndDiagnose } from './lifecycle';
import { Stack, SYSTEM_NAMESPACE } from './stack';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start();
}, 240_000);

stopAndDiagnose(() => stack);

const cond = (o: any, type: string): any => (o?.status?.conditions ?? []).find((c: any) => c.type === type);

function httpsGet(host: string, port: number, servername: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host, port, path: '/', servername, ca, headers: { host: servername }, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => {
        // The played kube-proxy's close() waits for every connection it forwards: leave none open.
        res.socket.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', (e) => {
      req.destroy();
      reject(e);
    });
    req.end();
  });
}

test('a claimed DomainMapping with a TLS Secret: HTTP and HTTPS through the ingress; the ingress may read Secrets only there; an unclaimed domain is not routed; no 403', async () => {
  const dir = path.join(stack.work, 'domain-mapping');
  fs.mkdirSync(dir);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt'), '-subj', '/CN=shop.example.org', '-addext', 'subjectAltName=DNS:shop.example.org',
  ], { stdio: 'pipe' });
  const cert = fs.readFileSync(path.join(dir, 'tls.crt'), 'utf8');
  const key = fs.readFileSync(path.join(dir, 'tls.key'), 'utf8');
  const ref = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'shop' };
  const items = [
    { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'shop', namespace: 'default' }, spec: { template: { spec: { containers: [{ image: 'gcr.io/knative-samples/helloworld-go' }] } } } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shop-tls', namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') } },
    { apiVersion: 'networking.internal.knative.dev/v1alpha1', kind: 'ClusterDomainClaim', metadata: { name: 'shop.example.org' }, spec: { namespace: 'default' } },
    { apiVersion: 'serving.knative.dev/v1beta1', kind: 'DomainMapping', metadata: { name: 'shop.example.org', namespace: 'default' }, spec: { ref, tls: { secretName: 'shop-tls' } } },
    { apiVersion: 'serving.knative.dev/v1beta1', kind: 'DomainMapping', metadata: { name: 'unclaimed.example.org', namespace: 'default' }, spec: { ref } },
  ];
  const file = path.join(dir, 'objects.json');
  fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  await stack.apply([file]);

  const dm = await stack.until('DomainMapping shop.example.org Ready', async () => {
    const o = await stack.getJson(['domainmapping', '-n', 'default', 'shop.example.org']);
    return cond(o, 'Ready')?.status === 'True' && o.status.observedGeneration === o.metadata.generation ? o : undefined;
  }, 120_000);
  expect(dm.status.url).toBe('https://shop.example.org');
  expect(cond(dm, 'CertificateProvisioned')).toMatchObject({ status: 'True', reason: 'CertificateExternallyProvided' });
  expect(dm.metadata.finalizers).toBeUndefined(); // autocreate is off: no finalizer

  // The Secrets grant: a RoleBinding of the emitted ClusterRole, owned by the DomainMapping.
  const rbName = `${SYSTEM_NAMESPACE}-ingress-domainmapping-secrets`;
  const rb = await stack.getJson(['rolebinding', '-n', 'default', rbName]);
  expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: rbName });
  expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'serving-ingress', namespace: SYSTEM_NAMESPACE }]);
  expect(rb.metadata.ownerReferences.map((o: any) => [o.kind, o.name, o.uid])).toEqual([['DomainMapping', 'shop.example.org', dm.metadata.uid]]);
  const can = async (ns: string): Promise<string> =>
    (await stack.cluster.kubectl(['auth', 'can-i', 'get', 'secrets', '-n', ns, `--as=system:serviceaccount:${SYSTEM_NAMESPACE}:serving-ingress`])).stdout.trim();
  expect(await can('default')).toBe('yes');
  expect(await can('kube-system')).toBe('no');

  // HTTP through the external listener: the target's pods answer (with the domain as Host, as upstream's app sees it).
  const r = await stack.until('the mapped host served', async () => {
    const x = await stack.request('shop.example.org');
    return x.status === 200 ? x : undefined;
  }, 60_000);
  stack.requests.add('scenario', 'domain-mapping', r.status, 200, r.body.trim());
  expect(r.body).toBe('Hello World!\n');

  // HTTPS: the serving-ingress Service's https port 443 → the pods' https port 8443; each ingress
  // replica presents the Secret's certificate for the server name. (Asked at the pod IPs: the
  // played kube-proxy's stop waits for every connection it forwarded, and it kept one of the TLS
  // connections half-open.)
  const svc = await stack.getJson(['service', '-n', SYSTEM_NAMESPACE, 'serving-ingress']);
  expect(svc.spec.ports.find((p: any) => p.name === 'https')).toMatchObject({ name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' });
  const pods = await stack.getJson(['pods', '-n', SYSTEM_NAMESPACE, '-l', 'app.kubernetes.io/name=serving-ingress']);
  expect(pods.items).toHaveLength(2);
  for (const pod of pods.items) {
    const port = pod.spec.containers[0].ports.find((p: any) => p.name === 'https').containerPort;
    const s = await stack.until(`the mapped host served over HTTPS by ${pod.metadata.name}`, async () => {
      const x = await httpsGet(pod.status.podIP, port, 'shop.example.org', cert).catch(() => undefined);
      return x?.status === 200 ? x : undefined;
    }, 60_000);
    stack.requests.add('scenario', 'domain-mapping', s.status, 200, s.body.trim());
    expect(s.body).toBe('Hello World!\n');
  }

  // The unclaimed domain: refused by the controller, unknown to the ingress.
  const other = await stack.getJson(['domainmapping', '-n', 'default', 'unclaimed.example.org']);
  expect(cond(other, 'DomainClaimed')).toMatchObject({ status: 'False', reason: 'DomainAlreadyClaimed' });
  const u = await stack.request('unclaimed.example.org');
  stack.requests.add('scenario', 'domain-mapping', u.status, 404);
  expect(u.status).toBe(404);

  // Deleting the DomainMapping: the API server's garbage collector removes the grant with it.
  await stack.cluster.kubectlOk(['delete', 'domainmapping', '-n', 'default', 'shop.example.org']);
  await stack.until('the Secrets RoleBinding collected', async () => (await can('default')) === 'no', 60_000);

  expect(stack.forbidden()).toEqual([]);
});

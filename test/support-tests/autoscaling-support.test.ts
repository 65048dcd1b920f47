/**
 * Emulator support for the autoscaler (issue 13): the deployments/scale subresource as
 * kube-apiserver's ScaleREST does it, ServiceAccount tokens (TokenRequest, TokenReview, bearer
 * authentication), and pod-level workloads with EndpointSlices and real loopback backends.
 * The Scale errors, the TokenRequest/TokenReview answers (shape and error texts, apart from the
 * expiry and deleted-object ones) and the placeholder EndpointSlice are what kube-apiserver and
 * kube-controller-manager v1.37.2 (the cluster tier's binaries) answered to the same requests.
 */
import * as http from 'node:http';
import { Clients, deployment, eventually, failure, k8s, merge, sleep, startWithClients } from './helpers';
import { loopbackBackends } from '../support/backends';
import { API_AUDIENCE } from '../support/tokens';

let c: Clients;
afterEach(async () => {
  await c?.api.stop();
});

describe('deployments/scale', () => {
  test('PUT sets spec.replicas (generation bumped), answers a Scale; stale resourceVersion → 409; none → unconditional', async () => {
    c = await startWithClients();
    await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web', 'default', 'nginx:1.27', 1) });
    const scale = await c.apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'default' });
    expect(scale).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 1 }, status: { selector: 'app=web' } });
    const out = await c.apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { ...scale, spec: { replicas: 4 } } });
    expect(out.spec?.replicas).toBe(4);
    const d = c.api.get('deployments', 'default', 'web')!;
    expect(d.spec.replicas).toBe(4);
    expect(d.metadata.generation).toBe(2);
    expect(out.metadata?.resourceVersion).toBe(d.metadata.resourceVersion);
    // the old Scale's resourceVersion is stale now
    const stale = await failure(() => c.apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { ...scale, spec: { replicas: 2 } } }));
    expect(stale.code).toBe(409);
    expect(stale.body.message).toBe('Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again');
    // without a resourceVersion the write is unconditional; absent replicas (Go int32 omitempty) is 0
    const zero = await c.apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { metadata: { name: 'web' }, spec: {} } });
    expect(zero.spec).toEqual({}); // ScaleSpec.replicas is omitempty
    expect(c.api.get('deployments', 'default', 'web')!.spec.replicas).toBe(0);
    expect(c.api.get('deployments', 'default', 'web')!.metadata.generation).toBe(3);
    // a no-op scale changes nothing (no new generation)
    await c.apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { metadata: { name: 'web' }, spec: { replicas: 0 } } });
    expect(c.api.get('deployments', 'default', 'web')!.metadata.generation).toBe(3);
    expect(c.api.actions({ resource: 'deployments', subresource: 'scale' }).map((a) => a.verb)).toEqual(['update', 'update', 'update', 'update']);
  });

  test('errors: negative replicas 422, wrong name 400, uid precondition 409, missing Deployment 404, non-integer 400', async () => {
    c = await startWithClients();
    await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web') });
    const put = (body: any, name = 'web') => failure(() => c.apps.replaceNamespacedDeploymentScale({ name, namespace: 'default', body }));
    const neg = await put({ metadata: { name: 'web' }, spec: { replicas: -1 } });
    expect(neg.code).toBe(422);
    expect(neg.body.message).toBe('Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    const named = await put({ metadata: { name: 'other' }, spec: { replicas: 1 } });
    expect(named.code).toBe(400);
    expect(named.body.message).toBe('the name of the object (other) does not match the name on the URL (web)');
    const uid = await put({ metadata: { name: 'web', uid: 'not-the-uid' }, spec: { replicas: 1 } });
    expect(uid.code).toBe(409);
    expect(uid.body.message).toBe('Operation cannot be fulfilled on deployments.apps "web": StorageError: invalid object, Code: 4, Key: /registry/deployments/default/web, '
      + `ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${c.api.get('deployments', 'default', 'web')!.metadata.uid}`);
    const missing = await put({ metadata: { name: 'nope' }, spec: { replicas: 1 } }, 'nope');
    expect(missing.code).toBe(404);
    expect(missing.body.message).toBe('deployments.apps "nope" not found');
    const frac = await put({ metadata: { name: 'web' }, spec: { replicas: 1.5 } });
    expect(frac.code).toBe(400);
    expect(frac.body.message).toBe('Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal number 1.5 into Go struct field ScaleSpec.spec.replicas of type int32');
    const str = await put({ metadata: { name: 'web' }, spec: { replicas: '3' } });
    expect(str.body.message).toBe('Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32');
    const noName = await put({ spec: { replicas: 1 } });
    expect(noName).toMatchObject({ code: 400, body: { message: 'the name of the object (web based on URL) was undeterminable: name must be provided' } });
    expect(c.api.get('deployments', 'default', 'web')!.spec.replicas).toBe(1);
  });

  test('PATCH of the Scale (merge) and ?dryRun=All (nothing stored)', async () => {
    c = await startWithClients();
    await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web') });
    const patched = await c.apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { spec: { replicas: 3 } } }, merge);
    expect(patched.spec?.replicas).toBe(3);
    const dry = await c.apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'default', dryRun: 'All', body: { metadata: { name: 'web' }, spec: { replicas: 7 } } });
    expect(dry.spec?.replicas).toBe(7);
    expect(c.api.get('deployments', 'default', 'web')!.spec.replicas).toBe(3);
  });

  test('RBAC: the authorizer sees update on deployments/scale', async () => {
    const seen: string[] = [];
    c = await startWithClients({
      authorize: (r) => {
        seen.push(`${r.verb} ${r.resource}/${r.subresource ?? ''}`);
        return r.subresource === 'scale' && r.verb === 'update' && r.user === 'denied' ? 'no rule' : undefined;
      },
    });
    await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web') });
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions(c.api.kubeConfigOptions('denied'));
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const denied = await failure(() => apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { metadata: { name: 'web' }, spec: { replicas: 2 } } }));
    expect(denied.code).toBe(403);
    expect(denied.body.message).toContain('User "denied" cannot update resource "deployments/scale.apps"');
    expect(seen).toContain('update deployments/scale');
  });
});

describe('ServiceAccount tokens', () => {
  const sa = (name: string, ns = 'knative-serving') => ({ metadata: { name, namespace: ns } });

  test('TokenRequest issues a JWT for an existing ServiceAccount with the audiences asked; TokenReview authenticates it for those audiences only', async () => {
    c = await startWithClients();
    await c.core.createNamespacedServiceAccount({ namespace: 'knative-serving', body: sa('serving-ingress') });
    const tr = await c.core.createNamespacedServiceAccountToken({
      name: 'serving-ingress', namespace: 'knative-serving', body: { spec: { audiences: ['serving-autoscaler'], expirationSeconds: 3600 } },
    });
    const token = tr.status!.token;
    expect(tr.metadata).toMatchObject({ name: 'serving-ingress', namespace: 'knative-serving', uid: c.api.get('serviceaccounts', 'knative-serving', 'serving-ingress')!.metadata.uid });
    expect(tr.spec).toEqual({ audiences: ['serving-autoscaler'], expirationSeconds: 3600, boundObjectRef: null });
    expect(token.split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ aud: ['serving-autoscaler'], sub: 'system:serviceaccount:knative-serving:serving-ingress' });
    expect(claims.exp - claims.iat).toBe(3600);
    expect(new Date(tr.status!.expirationTimestamp).getTime() / 1000).toBe(claims.exp);

    const auth = c.kc.makeApiClient(k8s.AuthenticationV1Api);
    const ok = await auth.createTokenReview({ body: { spec: { token, audiences: ['serving-autoscaler'] } } });
    expect(ok.status).toMatchObject({
      authenticated: true,
      audiences: ['serving-autoscaler'],
      user: {
        username: 'system:serviceaccount:knative-serving:serving-ingress',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:knative-serving', 'system:authenticated'],
      },
    });
    // another audience (or the API server's, the default) is refused
    const other = await auth.createTokenReview({ body: { spec: { token, audiences: ['something-else'] } } });
    expect(other.status?.authenticated).toBeFalsy();
    expect(other.status).toEqual({ user: {}, error: '[invalid bearer token, token audiences ["serving-autoscaler"] is invalid for the target audiences ["something-else"]]' });
    const dflt = await auth.createTokenReview({ body: { spec: { token } } });
    expect(dflt.status?.error).toBe(`[invalid bearer token, token audiences ["serving-autoscaler"] is invalid for the target audiences ["${API_AUDIENCE}"]]`);
    // garbage and tampered tokens are not authenticated
    const bad = await auth.createTokenReview({ body: { spec: { token: 'not-a-token', audiences: ['serving-autoscaler'] } } });
    expect(bad.status).toEqual({ user: {}, error: 'invalid bearer token' });
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:knative-serving:admin' })).toString('base64url');
    const tampered = await auth.createTokenReview({ body: { spec: { token: `${h}.${forged}.${s}`, audiences: ['serving-autoscaler'] } } });
    expect(tampered.status?.authenticated).toBeFalsy();
    expect(p).not.toBe(forged);
    // a token is required; nothing is stored
    const empty = await failure(() => auth.createTokenReview({ body: { spec: { token: '' } } }));
    expect(empty).toMatchObject({ code: 400, body: { message: 'token is required for TokenReview in authentication' } });
    expect(c.api.actions({ resource: 'tokenreviews' })).toHaveLength(6);
  });

  test('the ServiceAccount must exist; under 10 minutes → 422; a deleted ServiceAccount or bound pod invalidates its tokens; expiry', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    c = await startWithClients({ now: () => now });
    const missing = await failure(() => c.core.createNamespacedServiceAccountToken({ name: 'ghost', namespace: 'default', body: { spec: { audiences: [] } } }));
    expect(missing).toMatchObject({ code: 404, body: { message: 'serviceaccounts "ghost" not found' } });
    await c.core.createNamespacedServiceAccount({ namespace: 'default', body: sa('a', 'default') });
    const short = await failure(() => c.core.createNamespacedServiceAccountToken({ name: 'a', namespace: 'default', body: { spec: { audiences: [], expirationSeconds: 599 } } }));
    expect(short.code).toBe(422);
    expect(short.body.message).toBe('TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');

    const { token } = c.api.issueToken('default', 'a', { audiences: ['x'], expirationSeconds: 600 });
    expect(c.api.reviewToken(token, ['x']).authenticated).toBe(true);
    now = new Date('2026-01-01T00:10:00Z');
    expect(c.api.reviewToken(token, ['x'])).toMatchObject({ error: expect.stringContaining('expired') });

    // bound to a pod: works while that pod exists
    c.api.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    const pod = c.api.get('pods', 'default', 'p')!;
    const bound = c.api.issueToken('default', 'a', { audiences: ['x'], boundPod: { name: 'p', uid: pod.metadata.uid! } });
    expect(c.api.reviewToken(bound.token, ['x']).user.extra?.['authentication.kubernetes.io/pod-name']).toEqual(['p']);
    c.api.remove('pods', 'default', 'p');
    expect(c.api.reviewToken(bound.token, ['x']).authenticated).toBeUndefined();
    const plain = c.api.issueToken('default', 'a', { audiences: ['x'] });
    c.api.remove('serviceaccounts', 'default', 'a');
    expect(c.api.reviewToken(plain.token, ['x'])).toMatchObject({ error: expect.stringContaining('has been deleted') });
  });

  test('a token issued for the API audience authenticates API requests as its ServiceAccount (RBAC sees that user); a bad one gets 401', async () => {
    const users: string[] = [];
    c = await startWithClients({ authorize: (r) => { users.push(r.user); return undefined; } });
    await c.core.createNamespacedServiceAccount({ namespace: 'default', body: sa('reader', 'default') });
    const { token } = c.api.issueToken('default', 'reader');
    expect(c.api.reviewToken(token).audiences).toEqual([API_AUDIENCE]);
    const kc = new k8s.KubeConfig();
    const opts = c.api.kubeConfigOptions();
    kc.loadFromOptions({ ...opts, users: [{ name: 'emulator-user', token }] });
    users.length = 0;
    await kc.makeApiClient(k8s.CoreV1Api).listNamespacedConfigMap({ namespace: 'default' });
    expect(users).toEqual(['system:serviceaccount:default:reader']);
    const other = c.api.issueToken('default', 'reader', { audiences: ['serving-autoscaler'] });
    const kc2 = new k8s.KubeConfig();
    kc2.loadFromOptions({ ...opts, users: [{ name: 'emulator-user', token: other.token }] });
    const denied = await failure(() => kc2.makeApiClient(k8s.CoreV1Api).listNamespacedConfigMap({ namespace: 'default' }));
    expect(denied.code).toBe(401);
  });

  test('RBAC attributes: create tokenreviews (cluster scope) and create serviceaccounts/token', async () => {
    const seen: string[] = [];
    c = await startWithClients({ authorize: (r) => { seen.push(`${r.verb} ${r.group}/${r.resource}/${r.subresource ?? ''} ns=${r.namespace}`); return undefined; } });
    await c.core.createNamespacedServiceAccount({ namespace: 'default', body: sa('a', 'default') });
    const t = await c.core.createNamespacedServiceAccountToken({ name: 'a', namespace: 'default', body: { spec: { audiences: [] } } });
    await c.kc.makeApiClient(k8s.AuthenticationV1Api).createTokenReview({ body: { spec: { token: t.status!.token } } });
    expect(seen).toContain('create /serviceaccounts/token ns=default');
    expect(seen).toContain('create authentication.k8s.io/tokenreviews/ ns=');
  });
});

describe('pods and EndpointSlices (simulateWorkloads.endpointSlices)', () => {
  const svc = (name: string, selector: Record<string, string>, labels: Record<string, string> = {}, targetPort: number | string = 8080) => ({
    metadata: { name, namespace: 'default', labels },
    spec: { selector, ports: [{ name: 'http', port: 80, targetPort }] },
  });
  const slicesOf = (name: string) => c.api.list('endpointslices', 'default', `kubernetes.io/service-name=${name}`);
  const endpoints = (name: string) => slicesOf(name).flatMap((s: any) => (s.endpoints ?? []).map((e: any) => ({ ...e, port: s.ports?.[0]?.port })));

  test('each replica is a pod with a loopback address; the Service gets a slice with its labels, owner, ports and ready endpoints; scale up and down follow', async () => {
    c = await startWithClients({ simulateWorkloads: { delayMs: 5, readyDelayMs: 40, endpointSlices: true } });
    await c.core.createNamespacedService({ namespace: 'default', body: svc('web', { app: 'web' }, { 'serving.knative.dev/revision': 'web-00001' }) });
    // no pods yet: one placeholder slice (Go nil lists)
    const placeholder = await eventually(() => slicesOf('web')[0], 2000, 'placeholder slice');
    expect(placeholder).toMatchObject({ addressType: 'IPv4', endpoints: null, ports: null });
    expect(placeholder.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(placeholder.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(placeholder.metadata.labels).toEqual({
      'serving.knative.dev/revision': 'web-00001',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    const svcObj = c.api.get('services', 'default', 'web')!;
    expect(placeholder.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svcObj.metadata.uid, controller: true, blockOwnerDeletion: true }]);

    await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web', 'default', 'nginx:1.27', 2) });
    // first published not ready (pod has an IP, not Ready yet), then ready
    const notReady = await eventually(() => { const e = endpoints('web'); return e.length === 2 && e; }, 2000, 'two endpoints');
    const starting = { ready: false, serving: false, terminating: false };
    expect(notReady.map((e: any) => e.conditions)).toEqual([starting, starting]);
    await eventually(() => endpoints('web').filter((e: any) => e.conditions.ready).length === 2, 2000, 'two ready');
    const eps = endpoints('web');
    expect(eps.every((e: any) => /^127\.1\.\d+\.\d+$/.test(e.addresses[0]) && e.port === 8080 && e.targetRef.kind === 'Pod' && e.nodeName)).toBe(true);
    expect(new Set(eps.map((e: any) => e.addresses[0])).size).toBe(2);
    expect(slicesOf('web')).toHaveLength(1);
    expect(slicesOf('web')[0].ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    let d = c.api.get('deployments', 'default', 'web')!;
    expect(d.status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 });

    // scale up through the Scale subresource: the two ready pods stay ready
    await c.apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { spec: { replicas: 4 } } }, merge);
    await eventually(() => endpoints('web').length === 4, 2000, 'four endpoints');
    expect(endpoints('web').filter((e: any) => e.conditions.ready).length).toBeGreaterThanOrEqual(2);
    d = await c.api.waitFor('deployments', 'default', 'web', (x: any) => x?.status?.readyReplicas === 4, 2000);
    // scale down to one: three pods go, their endpoints with them
    await c.apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { spec: { replicas: 1 } } }, merge);
    await eventually(() => endpoints('web').length === 1, 2000, 'one endpoint');
    expect(c.api.list('pods', 'default', 'app=web')).toHaveLength(1);
    d = await c.api.waitFor('deployments', 'default', 'web', (x: any) => x?.status?.replicas === 1 && x.status.observedGeneration === 3, 2000);
    expect(d!.status.readyReplicas).toBe(1);
    // to zero: the placeholder again
    await c.apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { spec: { replicas: 0 } } }, merge);
    await eventually(() => slicesOf('web').length === 1 && slicesOf('web')[0].endpoints === null, 2000, 'placeholder again');
    // deleting the Service removes its slices (owner references)
    await c.core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    await eventually(() => slicesOf('web').length === 0, 2000, 'slices collected');
  });

  test('a scale-down with terminationMs: the endpoint stays serving and terminating (ready=false) until the pod is gone', async () => {
    c = await startWithClients({ simulateWorkloads: { delayMs: 5, readyDelayMs: 5, endpointSlices: { terminationMs: 300 } } });
    await c.core.createNamespacedService({ namespace: 'default', body: svc('web', { app: 'web' }) });
    await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web', 'default', 'nginx:1.27', 2) });
    await eventually(() => endpoints('web').filter((e: any) => e.conditions.ready).length === 2, 2000, 'two ready');
    await c.apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { spec: { replicas: 1 } } }, merge);
    const term = await eventually(() => endpoints('web').find((e: any) => e.conditions.terminating), 2000, 'a terminating endpoint');
    expect(term.conditions).toEqual({ ready: false, serving: true, terminating: true });
    const d = await c.api.waitFor('deployments', 'default', 'web', (x: any) => x?.status?.observedGeneration === 2 && x.status.replicas === 1, 2000);
    expect(d!.status.terminatingReplicas).toBe(1);
    await eventually(() => endpoints('web').length === 1, 2000, 'terminating endpoint gone');
  });

  test('real loopback backends: the endpoint is 127.0.0.1:<its port>, refused until the start-up delay passes, Ready after it; closed when the pod goes', async () => {
    const pods = loopbackBackends({ startupDelayMs: 300 });
    c = await startWithClients({ simulateWorkloads: { delayMs: 5, readyDelayMs: 10, endpointSlices: { backend: pods.start } } });
    await c.core.createNamespacedService({ namespace: 'default', body: svc('web', { app: 'web' }, {}, 'http') });
    const t0 = Date.now();
    await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web', 'default', 'nginx:1.27', 2) });
    const first = await eventually(() => { const e = endpoints('web'); return e.length === 2 && e; }, 2000, 'two endpoints');
    expect(first.every((e: any) => e.addresses[0] === '127.0.0.1' && !e.conditions.ready)).toBe(true);
    const ports = first.map((e: any) => e.port);
    expect(new Set(ports).size).toBe(2);
    expect(slicesOf('web')).toHaveLength(2); // one slice per distinct port, as kube groups endpoints
    const get = (port: number) => new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let body = '';
        res.on('data', (b) => (body += b));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    await expect(get(ports[0])).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await eventually(() => endpoints('web').filter((e: any) => e.conditions.ready).length === 2, 3000, 'two ready');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    const answers = await Promise.all(ports.map(get));
    expect(answers.sort()).toEqual(c.api.list('pods', 'default', 'app=web').map((p) => `${p.metadata.name}\n`).sort());
    expect(pods.all().every((b) => b.listeningSince! - t0 >= 300)).toBe(true);

    await c.apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { spec: { replicas: 1 } } }, merge);
    await eventually(() => endpoints('web').length === 1, 2000, 'one endpoint');
    const gone = ports.find((p: number) => p !== endpoints('web')[0].port);
    await sleep(50);
    await expect(get(gone)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  test('a Service with a named targetPort resolves it per pod; a pod without that port is left out of that port', async () => {
    c = await startWithClients({ simulateWorkloads: { delayMs: 5, readyDelayMs: 5, endpointSlices: true } });
    await c.core.createNamespacedService({ namespace: 'default', body: svc('web', { app: 'web' }, {}, 'user-port') });
    const dep = deployment('web', 'default', 'nginx:1.27', 1);
    dep.spec!.template.spec!.containers[0].ports = [{ name: 'user-port', containerPort: 9090 }];
    await c.apps.createNamespacedDeployment({ namespace: 'default', body: dep });
    await eventually(() => endpoints('web').some((e: any) => e.conditions.ready), 2000, 'ready endpoint');
    expect(slicesOf('web')[0].ports).toEqual([{ name: 'http', port: 9090, protocol: 'TCP' }]);
  });

  test('a template change replaces pods once the new ones are ready (old endpoints stay until then)', async () => {
    c = await startWithClients({ simulateWorkloads: { delayMs: 5, readyDelayMs: 80, endpointSlices: true } });
    await c.core.createNamespacedService({ namespace: 'default', body: svc('web', { app: 'web' }) });
    await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web', 'default', 'nginx:1.27', 1) });
    await eventually(() => endpoints('web').some((e: any) => e.conditions.ready), 2000, 'ready');
    const oldPod = c.api.list('pods', 'default', 'app=web')[0].metadata.name;
    await c.apps.patchNamespacedDeployment({ name: 'web', namespace: 'default', body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.28' }] } } } } }, merge);
    await eventually(() => endpoints('web').length === 2, 2000, 'surge pod');
    expect(endpoints('web').find((e: any) => e.targetRef.name === oldPod).conditions.ready).toBe(true);
    await eventually(() => endpoints('web').length === 1 && endpoints('web')[0].targetRef.name !== oldPod && endpoints('web')[0].conditions.ready, 2000, 'replaced');
  });
});

/** REST CRUD, metadata, optimistic concurrency, generation, status subresource, selectors. */
import { Clients, deployment, failure, jsonPatch, k8s, knService, merge, startWithClients, strategic } from './helpers';

let c: Clients;
beforeEach(async () => {
  c = await startWithClients();
});
afterEach(async () => {
  await c.api.stop();
});

describe('core v1 CRUD through CoreV1Api', () => {
  test('configmap create/read/replace/patch/delete with metadata', async () => {
    const created = await c.core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'cm1', labels: { a: 'b' } }, data: { k: 'v' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.metadata?.generation).toBeUndefined();
    expect(created.metadata?.namespace).toBe('default');

    const read = await c.core.readNamespacedConfigMap({ name: 'cm1', namespace: 'default' });
    expect(read.data).toEqual({ k: 'v' });

    read.data = { k: 'v2' };
    const replaced = await c.core.replaceNamespacedConfigMap({ name: 'cm1', namespace: 'default', body: read });
    expect(Number(replaced.metadata!.resourceVersion)).toBeGreaterThan(Number(created.metadata!.resourceVersion));
    expect(replaced.metadata?.uid).toBe(created.metadata?.uid);

    const merged = await c.core.patchNamespacedConfigMap({ name: 'cm1', namespace: 'default', body: { data: { extra: 'x' } } }, merge);
    expect(merged.data).toEqual({ k: 'v2', extra: 'x' });
    const patched = await c.core.patchNamespacedConfigMap(
      { name: 'cm1', namespace: 'default', body: [{ op: 'remove', path: '/data/k' }, { op: 'add', path: '/metadata/labels/c', value: 'd' }] }, jsonPatch);
    expect(patched.data).toEqual({ extra: 'x' });
    expect(patched.metadata?.labels).toEqual({ a: 'b', c: 'd' });
    const smp = await c.core.patchNamespacedConfigMap({ name: 'cm1', namespace: 'default', body: { metadata: { labels: { a: null } } } }, strategic);
    expect(smp.metadata?.labels).toEqual({ c: 'd' });

    await c.core.deleteNamespacedConfigMap({ name: 'cm1', namespace: 'default' });
    const nf = await failure(() => c.core.readNamespacedConfigMap({ name: 'cm1', namespace: 'default' }));
    expect(nf.code).toBe(404);
    expect(nf.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'configmaps "cm1" not found', details: { name: 'cm1', kind: 'configmaps' } });
  });

  test('409 AlreadyExists, 409 Conflict on stale resourceVersion, unconditional update allowed', async () => {
    const body = { metadata: { name: 's1' }, stringData: { password: 'p' } };
    const s = await c.core.createNamespacedSecret({ namespace: 'ns1', body });
    expect(s.data).toEqual({ password: Buffer.from('p').toString('base64') });
    expect(s.type).toBe('Opaque');
    const dup = await failure(() => c.core.createNamespacedSecret({ namespace: 'ns1', body }));
    expect(dup.code).toBe(409);
    expect(dup.body.reason).toBe('AlreadyExists');

    const fresh = await c.core.readNamespacedSecret({ name: 's1', namespace: 'ns1' });
    await c.core.replaceNamespacedSecret({ name: 's1', namespace: 'ns1', body: { ...fresh, data: { a: 'YQ==' } } });
    const stale = await failure(() => c.core.replaceNamespacedSecret({ name: 's1', namespace: 'ns1', body: { ...fresh, data: { b: 'Yg==' } } }));
    expect(stale.code).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    expect(stale.body.message).toBe('Operation cannot be fulfilled on secrets "s1": the object has been modified; please apply your changes to the latest version and try again');

    const noRv = { ...fresh, metadata: { ...fresh.metadata, resourceVersion: undefined }, data: { c: 'Yw==' } };
    const ok = await c.core.replaceNamespacedSecret({ name: 's1', namespace: 'ns1', body: noRv });
    expect(ok.data).toEqual({ c: 'Yw==' });

    // a merge patch carrying a stale resourceVersion is a precondition too
    const pc = await failure(() => c.core.patchNamespacedSecret({ name: 's1', namespace: 'ns1', body: { metadata: { resourceVersion: fresh.metadata!.resourceVersion } } }, merge));
    expect(pc.code).toBe(409);
  });

  test('a no-op update keeps the resourceVersion', async () => {
    const sa = await c.core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'sa' } } });
    const again = await c.core.replaceNamespacedServiceAccount({ name: 'sa', namespace: 'default', body: sa });
    expect(again.metadata?.resourceVersion).toBe(sa.metadata?.resourceVersion);
  });

  test('generateName, name/namespace mismatches, missing name', async () => {
    const cm = await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'gen-' } } });
    expect(cm.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    const mismatch = await failure(() => c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x', namespace: 'other' } } }));
    expect(mismatch.code).toBe(400);
    const missing = await failure(() => c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: {} } }));
    expect(missing.code).toBe(422);
    expect(missing.body.details.causes[0].field).toBe('metadata.name');
    const rename = await failure(() => c.core.replaceNamespacedConfigMap({ name: cm.metadata!.name!, namespace: 'default', body: { metadata: { name: 'other' } } }));
    expect(rename.code).toBe(400);
  });

  test('core Service gets server defaults and keeps its clusterIP on update', async () => {
    const svc = await c.core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
    });
    expect(svc.spec?.type).toBe('ClusterIP');
    expect(svc.spec?.clusterIP).toMatch(/^10\.96\./);
    expect(svc.spec?.ports?.[0].protocol).toBe('TCP');
    const updated = await c.core.replaceNamespacedService({
      name: 'web',
      namespace: 'default',
      body: { metadata: { name: 'web', resourceVersion: svc.metadata!.resourceVersion }, spec: { selector: { app: 'web2' }, ports: [{ port: 80 }] } },
    });
    expect(updated.spec?.clusterIP).toBe(svc.spec?.clusterIP);
    expect(updated.spec?.ports?.[0].targetPort).toBe(80);
  });

  test('namespaces (cluster scoped), pods, events, endpoints, serviceaccounts', async () => {
    await c.core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    const ns = await c.core.readNamespace({ name: 'team-a' });
    expect(ns.status?.phase).toBe('Active');
    expect(ns.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
    const list = await c.core.listNamespace();
    expect(list.items.map((n) => n.metadata?.name)).toEqual(['team-a']);

    const pod = await c.core.createNamespacedPod({ namespace: 'team-a', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
    expect(pod.spec?.restartPolicy).toBe('Always');
    expect(pod.spec?.containers[0].imagePullPolicy).toBe('Always');
    expect(pod.status?.phase).toBe('Pending');
    await c.core.createNamespacedEvent({
      namespace: 'team-a',
      body: { metadata: { name: 'p.1' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'team-a' }, reason: 'Created', message: 'hi', type: 'Normal' },
    });
    await c.core.createNamespacedEndpoints({ namespace: 'team-a', body: { metadata: { name: 'web' }, subsets: [] } });
    await c.core.createNamespacedServiceAccount({ namespace: 'team-a', body: { metadata: { name: 'ctl' } } });
    expect((await c.core.listNamespacedEvent({ namespace: 'team-a' })).items).toHaveLength(1);
    expect((await c.core.listEventForAllNamespaces()).items).toHaveLength(1);
  });
});

describe('apps/v1 deployments', () => {
  test('generation starts at 1 and bumps only on spec change; status subresource', async () => {
    const d = await c.apps.createNamespacedDeployment({ namespace: 'default', body: { ...deployment('web'), status: { replicas: 99 } } });
    expect(d.metadata?.generation).toBe(1);
    expect(d.status).toEqual({});
    expect(d.spec?.strategy?.type).toBe('RollingUpdate');
    expect(d.spec?.template.spec?.containers[0].terminationMessagePath).toBe('/dev/termination-log');

    const labelled = await c.apps.patchNamespacedDeployment({ name: 'web', namespace: 'default', body: { metadata: { labels: { x: 'y' } } } }, merge);
    expect(labelled.metadata?.generation).toBe(1);
    const scaled = await c.apps.patchNamespacedDeployment({ name: 'web', namespace: 'default', body: { spec: { replicas: 3 } } }, merge);
    expect(scaled.metadata?.generation).toBe(2);

    // status in a main-resource update is ignored
    const ignored = await c.apps.replaceNamespacedDeployment({ name: 'web', namespace: 'default', body: { ...scaled, status: { replicas: 3 } } });
    expect(ignored.status).toEqual({});
    // /status changes only status
    const st = await c.apps.replaceNamespacedDeploymentStatus({
      name: 'web',
      namespace: 'default',
      body: { ...ignored, spec: { ...ignored.spec!, replicas: 7 }, metadata: { ...ignored.metadata, labels: { changed: 'yes' } }, status: { replicas: 3, observedGeneration: 2 } },
    });
    expect(st.status).toEqual({ replicas: 3, observedGeneration: 2 });
    expect(st.spec?.replicas).toBe(3);
    expect(st.metadata?.labels).toEqual({ app: 'web', x: 'y' });
    expect(st.metadata?.generation).toBe(2);
    const statusRead = await c.apps.readNamespacedDeploymentStatus({ name: 'web', namespace: 'default' });
    expect(statusRead.status?.replicas).toBe(3);

    const scale = await c.apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'default' });
    expect(scale.spec?.replicas).toBe(3);
    expect(scale.status?.selector).toBe('app=web');
    const rescaled = await c.apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { ...scale, spec: { replicas: 5 } } });
    expect(rescaled.spec?.replicas).toBe(5);
    expect((await c.apps.readNamespacedDeployment({ name: 'web', namespace: 'default' })).metadata?.generation).toBe(3);
  });

  test('structural validation: selector must match template labels, containers required, selector immutable', async () => {
    const bad = deployment('bad');
    bad.spec!.template.metadata!.labels = { app: 'other' };
    bad.spec!.template.spec!.containers = [{ name: 'c' } as any];
    const r = await failure(() => c.apps.createNamespacedDeployment({ namespace: 'default', body: bad }));
    expect(r.code).toBe(422);
    expect(r.body.reason).toBe('Invalid');
    expect(r.body.details.causes.map((x: any) => x.field)).toEqual(['spec.template.metadata.labels', 'spec.template.spec.containers[0].image']);

    const d = await c.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('ok') });
    d.spec!.selector = { matchLabels: { app: 'ok', tier: 'x' } };
    d.spec!.template.metadata!.labels = { app: 'ok', tier: 'x' };
    const imm = await failure(() => c.apps.replaceNamespacedDeployment({ name: 'ok', namespace: 'default', body: d }));
    expect(imm.code).toBe(422);
    expect(imm.body.message).toContain('field is immutable');
  });
});

describe('other built-in groups', () => {
  test('HPA, Lease, NetworkPolicy and PDB can be created; server defaults HPA minReplicas 1 and policyTypes [Ingress]; HPA and PDB start at generation 1', async () => {
    const kc = c.kc;
    const hpa = await kc.makeApiClient(k8s.AutoscalingV2Api).createNamespacedHorizontalPodAutoscaler({
      namespace: 'default',
      body: { metadata: { name: 'h' }, spec: { maxReplicas: 3, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } } },
    });
    expect(hpa.spec?.minReplicas).toBe(1);
    expect(hpa.metadata?.generation).toBe(1);
    const lease = await kc.makeApiClient(k8s.CoordinationV1Api).createNamespacedLease({
      namespace: 'knative-serving', body: { metadata: { name: 'ctl' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } },
    });
    expect(lease.spec?.holderIdentity).toBe('a');
    const np = await kc.makeApiClient(k8s.NetworkingV1Api).createNamespacedNetworkPolicy({ namespace: 'default', body: { metadata: { name: 'np' }, spec: { podSelector: {} } } });
    expect(np.spec?.policyTypes).toEqual(['Ingress']);
    const pdb = await kc.makeApiClient(k8s.PolicyV1Api).createNamespacedPodDisruptionBudget({ namespace: 'default', body: { metadata: { name: 'pdb' }, spec: { minAvailable: 1 } } });
    expect(pdb.metadata?.generation).toBe(1);
  });
});

describe('Knative kinds through CustomObjectsApi', () => {
  const G = 'serving.knative.dev';

  test('create/get/replace/status/list-all-namespaces/delete', async () => {
    const created = await c.custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', body: { ...knService('hello'), status: { url: 'x' } } });
    expect(created.metadata.generation).toBe(1);
    expect(created.status).toBeUndefined();
    expect(created.kind).toBe('Service');

    const lbl = await c.custom.patchNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'hello', body: { metadata: { labels: { team: 'a' } } } }, merge);
    expect(lbl.metadata.generation).toBe(1);

    const spec = structuredClone(lbl);
    spec.spec.template.spec.containers[0].image = 'ghcr.io/example/hello:2.0';
    const bumped = await c.custom.replaceNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'hello', body: spec });
    expect(bumped.metadata.generation).toBe(2);

    const withStatus = await c.custom.replaceNamespacedCustomObjectStatus({
      group: G,
      version: 'v1',
      namespace: 'default',
      plural: 'services',
      name: 'hello',
      body: { ...bumped, status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] } },
    });
    expect(withStatus.status.observedGeneration).toBe(2);
    expect(withStatus.metadata.generation).toBe(2);
    const patchedStatus = await c.custom.patchNamespacedCustomObjectStatus({
      group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'hello', body: { status: { url: 'http://hello.default.example.com' } },
    }, merge);
    expect(patchedStatus.status.url).toBe('http://hello.default.example.com');
    expect(patchedStatus.status.observedGeneration).toBe(2);

    await c.custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: 'other', plural: 'services', body: knService('hello', 'other') });
    const all = await c.custom.listClusterCustomObject({ group: G, version: 'v1', plural: 'services' });
    expect(all.items.map((s: any) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(['default/hello', 'other/hello']);
    expect(all.items[0].kind).toBe('Service');
    expect(Number(all.metadata.resourceVersion)).toBeGreaterThan(0);

    // custom resources refuse unconditional updates (no resourceVersion) and stale ones
    const noRv = structuredClone(patchedStatus);
    delete noRv.metadata.resourceVersion;
    const unconditional = await failure(() => c.custom.replaceNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'hello', body: noRv }));
    expect(unconditional.code).toBe(422);
    expect(unconditional.body.details.causes[0].field).toBe('metadata.resourceVersion');
    const stale = await failure(() => c.custom.replaceNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'hello', body: bumped }));
    expect(stale.code).toBe(409);

    await c.custom.deleteNamespacedCustomObject({ group: G, version: 'v1', namespace: 'default', plural: 'services', name: 'hello' });
    expect(c.api.get('ksvc', 'default', 'hello')).toBeUndefined();
    // core and Knative services are distinct resources
    expect((await c.core.listServiceForAllNamespaces()).items).toHaveLength(0);
  });

  test('domainmappings v1beta1 with status', async () => {
    const dm = await c.custom.createNamespacedCustomObject({
      group: G,
      version: 'v1beta1',
      namespace: 'default',
      plural: 'domainmappings',
      body: { apiVersion: 'serving.knative.dev/v1beta1', kind: 'DomainMapping', metadata: { name: 'app.example.com' }, spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello' } } },
    });
    expect(dm.metadata.generation).toBe(1);
    const st = await c.custom.patchNamespacedCustomObjectStatus({
      group: G, version: 'v1beta1', namespace: 'default', plural: 'domainmappings', name: 'app.example.com', body: { status: { url: 'https://app.example.com' } },
    }, merge);
    expect(st.status.url).toBe('https://app.example.com');
  });
});

describe('selectors', () => {
  beforeEach(async () => {
    const mk = (name: string, labels: Record<string, string>, ns = 'default') => c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels } } });
    await mk('a', { app: 'x', tier: 'web' });
    await mk('b', { app: 'y', tier: 'web' });
    await mk('c', { app: 'z' });
    await mk('d', { app: 'x' }, 'other');
  });

  test.each([
    ['app=x', ['a']],
    ['app==x', ['a']],
    ['app!=x', ['b', 'c']],
    ['app in (x, y)', ['a', 'b']],
    ['app notin (x,y)', ['c']],
    ['tier', ['a', 'b']],
    ['!tier', ['c']],
    ['app in (x,y),tier=web', ['a', 'b']],
  ])('labelSelector %s', async (sel, names) => {
    const list = await c.core.listNamespacedConfigMap({ namespace: 'default', labelSelector: sel });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(names);
  });

  test('fieldSelector metadata.name / metadata.namespace, across namespaces', async () => {
    const byName = await c.core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.name=a' });
    expect(byName.items.map((i) => i.metadata?.name)).toEqual(['a']);
    const byNs = await c.core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.namespace!=default', labelSelector: 'app=x' });
    expect(byNs.items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`)).toEqual(['other/d']);
    const bad = await failure(() => c.core.listConfigMapForAllNamespaces({ fieldSelector: 'spec.foo=1' }));
    expect(bad.code).toBe(400);
  });

  test('pagination with limit/continue', async () => {
    const p1 = await c.core.listConfigMapForAllNamespaces({ limit: 3 });
    expect(p1.items).toHaveLength(3);
    expect(p1.metadata?.remainingItemCount).toBe(1);
    const p2 = await c.core.listConfigMapForAllNamespaces({ limit: 3, _continue: p1.metadata?._continue });
    expect(p2.items.map((i) => i.metadata?.name)).toEqual(['d']);
  });

  test('built-in list items carry no apiVersion/kind (like kube-apiserver)', async () => {
    const raw = await fetch(`${c.api.url}/api/v1/namespaces/default/configmaps`).then((r) => r.json() as Promise<any>);
    expect(raw.kind).toBe('ConfigMapList');
    expect(raw.items[0].kind).toBeUndefined();
  });
});

describe('discovery and generic clients', () => {
  test('KubernetesObjectApi works via discovery', async () => {
    const client = k8s.KubernetesObjectApi.makeApiClient(c.kc);
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gen', namespace: 'default' } } as any);
    const got = await client.read({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'none', namespace: 'default' } }).catch((e) => e.code);
    expect(got).toBe(404);
    const cm = await client.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gen', namespace: 'default' } });
    expect(cm.metadata?.name).toBe('gen');
  });

  test('unknown paths 404 with a Status body; version endpoint', async () => {
    const r = await fetch(`${c.api.url}/apis/example.com/v1/namespaces/default/widgets`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as any).kind).toBe('Status');
    const v = await fetch(`${c.api.url}/version`).then((x) => x.json() as Promise<any>);
    expect(v.major).toBe('1');
  });
});

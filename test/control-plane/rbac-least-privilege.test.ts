/**
 * Least privilege, tied to the code that runs: the controller, the ingress watcher and the webhook run against
 * the API emulator with an RBAC-style authorizer built from exactly the rules `ServingControlPlane`
 * emits (each component as its own ServiceAccount). A scenario drives every code path that talks
 * to the API server (create, drift repair, tag removal, class change, revision GC, leader election,
 * the ingress's informers including EndpointSlices, stats authenticated by TokenReview, the
 * autoscaler's scale writes).
 *
 * - Sufficient: no request of the runtime is denied.
 * - Minimal: every verb on every resource of every emitted rule is used by some request, so a rule
 *   (or a verb in it) cannot outlive the code that needed it.
 */
import { Chart, Testing } from 'cdk8s';
import { ServingControlPlane, ServingControlPlaneProps } from '../../src';
import { deploymentName, revisionServiceName } from '../../src/core/names';
import { AUTOSCALER_STATS_PATH, AUTOSCALER_TOKEN_AUDIENCE } from '../../src/core/runtime-contract';
import type { KubeObject } from '../../src/core/types';
import { silentLogger } from '../../src/runtime/common/log';
import { createStatsEndpoint } from '../../src/runtime/controller/autoscaler/endpoint';
import type { StatsServer } from '../../src/runtime/controller/autoscaler/stats-server';
import { KubeClient, R } from '../../src/runtime/controller/client';
import { Controller } from '../../src/runtime/controller/controller';
import { CertificateStore, SecretLike } from '../../src/runtime/ingress/certificates';
import { startKubeWatcher, TableBuilder } from '../../src/runtime/ingress/watcher';
import { main as webhookMain } from '../../src/runtime/webhook/main';
import { image, isReadyObj, ksvc, newController, settle } from '../runtime/controller/harness';
import { AccessRequest, KubeApiEmulator } from '../support/emulator';
import { makeKubeConfig } from '../support/kubeconfig';
import { TestRegistry } from '../support/registry';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const k8s = require('@kubernetes/client-node');

const SYSTEM_NS = 'knative-serving';

interface PolicyRule { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }
/** One emitted rule as it reaches a user: through which binding, and where it applies. */
interface BoundRule { role: string; namespace?: string; rule: PolicyRule }

/**
 * The RBAC objects `ServingControlPlane` synthesizes, as an authorizer sees them: per
 * ServiceAccount user, the rules of every (Cluster)Role bound to it; and every emitted ClusterRole
 * by name (one is bound at run time, by the controller: `runtimeBound`).
 */
function emitted(props: ServingControlPlaneProps = {}): { byUser: Map<string, BoundRule[]>; clusterRoles: Map<string, any>; manifests: any[] } {
  const chart = new Chart(Testing.app(), 'cp');
  new ServingControlPlane(chart, 'Serving', props);
  const manifests = Testing.synth(chart);
  const clusterRoles = new Map<string, any>();
  for (const m of manifests) if (m.kind === 'ClusterRole') clusterRoles.set(m.metadata.name, m);
  const roles = new Map<string, any>();
  for (const m of manifests) if (m.kind === 'ClusterRole' || m.kind === 'Role') roles.set(`${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`, m);
  const byUser = new Map<string, BoundRule[]>();
  for (const b of manifests.filter((m: any) => m.kind === 'ClusterRoleBinding' || m.kind === 'RoleBinding')) {
    const ns = b.kind === 'RoleBinding' ? b.metadata.namespace : undefined;
    const role = roles.get(`${b.roleRef.kind}/${b.roleRef.kind === 'Role' ? ns : ''}/${b.roleRef.name}`);
    if (!role) throw new Error(`${b.kind} ${b.metadata.name} binds a role that is not emitted: ${JSON.stringify(b.roleRef)}`);
    for (const subj of b.subjects) {
      if (subj.kind !== 'ServiceAccount') throw new Error(`${b.kind} ${b.metadata.name} binds a ${subj.kind}`);
      const user = `system:serviceaccount:${subj.namespace}:${subj.name}`;
      const list = byUser.get(user) ?? [];
      for (const rule of role.rules) list.push({ role: `${role.kind}/${role.metadata.name}`, namespace: ns, rule });
      byUser.set(user, list);
    }
  }
  return { byUser, clusterRoles, manifests };
}

/**
 * The rules RoleBindings created at run time (the controller's, for the ingress's Secrets) grant
 * `user` in `namespace`: only bindings of ClusterRoles the control plane emits count.
 */
function runtimeBound(emu: KubeApiEmulator, clusterRoles: Map<string, any>, user: string, namespace: string): BoundRule[] {
  if (!namespace) return [];
  const out: BoundRule[] = [];
  for (const b of emu.list<any>('rolebindings', namespace)) {
    const role = b.roleRef?.kind === 'ClusterRole' ? clusterRoles.get(b.roleRef.name) : undefined;
    if (!role) continue;
    if (!(b.subjects ?? []).some((s: any) => s.kind === 'ServiceAccount' && `system:serviceaccount:${s.namespace}:${s.name}` === user)) continue;
    for (const rule of role.rules) out.push({ role: `ClusterRole/${role.metadata.name}`, namespace, rule });
  }
  return out;
}

function matches(b: BoundRule, a: AccessRequest): boolean {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const { rule } = b;
  if (!rule.apiGroups.includes(a.group) || !rule.resources.includes(resource) || !rule.verbs.includes(a.verb)) return false;
  if (b.namespace !== undefined && a.namespace !== b.namespace) return false;
  // As in Kubernetes RBAC, a rule restricted by name never matches a request without a name.
  if (rule.resourceNames && (a.name === undefined || !rule.resourceNames.includes(a.name))) return false;
  return true;
}

/** Every (user, role, group/resource, verb) a bound rule grants, as a key. */
function grantKeys(user: string, b: BoundRule): string[] {
  const out: string[] = [];
  for (const g of b.rule.apiGroups) for (const r of b.rule.resources) for (const v of b.rule.verbs) out.push(`${user} ${b.role} ${g}/${r} ${v}`);
  return out;
}

async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('RBAC: every emitted rule is needed by running code, and suffices', () => {
  const { byUser: rbac, clusterRoles, manifests } = emitted();
  const users = [...rbac.keys()];
  const userOf = (component: string): string => {
    const u = users.find((x) => x.endsWith(`:serving-${component}`));
    if (!u) throw new Error(`no ServiceAccount bound for ${component}: ${users.join(', ')}`);
    return u;
  };
  const used = new Set<string>();
  const denied: string[] = [];
  let emu: KubeApiEmulator;
  let controller: Controller;
  let stopWatcher: () => Promise<void>;
  let stats: StatsServer;
  let statsPort = 0;
  let ingressPeers: string[] = [];
  const slicesSeen = new Set<string>();

  beforeAll(async () => {
    emu = await KubeApiEmulator.start({
      // Pod mode: revision Services get EndpointSlices the ingress watches.
      simulateWorkloads: { delayMs: 5, readyDelayMs: 0, endpointSlices: true },
      bookmarkIntervalMs: 60_000,
      authorize: (a) => {
        if (!a.user.startsWith('system:serviceaccount:')) return undefined; // the test itself (cluster admin)
        const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
        const hits = [...(rbac.get(a.user) ?? []), ...runtimeBound(emu, clusterRoles, a.user, a.namespace)].filter((b) => matches(b, a));
        if (hits.length === 0) {
          denied.push(`${a.user} ${a.verb} ${a.group}/${resource} ns=${a.namespace} name=${a.name ?? ''}`);
          return 'no RBAC rule of the control plane allows it';
        }
        for (const b of hits) used.add(`${a.user} ${b.role} ${a.group}/${resource} ${a.verb}`);
        return undefined;
      },
    });
    emu.seed(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'config-gc', namespace: SYSTEM_NS },
        data: { 'retain-since-create-time': 'disabled', 'retain-since-last-active-time': 'disabled', 'min-non-active-revisions': '0', 'max-non-active-revisions': '1' },
      } as KubeObject,
    );
    controller = newController(emu, {
      kubeConfig: makeKubeConfig(emu, userOf('controller')),
      leaderElection: true,
      leaseDurationMs: 2_000,
      renewDeadlineMs: 1_500,
      retryPeriodMs: 100,
    });
    await controller.start();
    // The stats endpoint as main.ts serves it: tokens checked by TokenReview (the controller's client).
    stats = createStatsEndpoint(controller);
    statsPort = await stats.listen(0, '127.0.0.1');
    // The ingress replicas' own EndpointSlice (serving-ingress): where each replica learns its peers.
    emu.seed({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'serving-ingress-x1', namespace: SYSTEM_NS, labels: { 'kubernetes.io/service-name': 'serving-ingress' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.12'], conditions: { ready: true } }, { addresses: ['10.0.0.11'], conditions: { ready: true } },
        { addresses: ['10.0.0.13'], conditions: { ready: false } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    } as KubeObject);
    const builder = new TableBuilder({ debounceMs: 10, onTable: () => undefined });
    const watcher = await startKubeWatcher(k8s, makeKubeConfig(emu, userOf('ingress')), builder, {
      systemNamespace: SYSTEM_NS,
      onEndpoints: (ns, rev, pods) => {
        if (pods !== undefined) slicesSeen.add(`${ns}/${rev}`);
      },
      onAutoscalerEndpoints: () => undefined,
      onIngressPeers: (addrs) => {
        ingressPeers = addrs;
      },
    });
    stopWatcher = () => watcher.stop();
  });

  afterAll(async () => {
    await stats?.close();
    await stopWatcher?.();
    await controller?.stop();
    await emu?.stop();
  });

  test('a scenario through every API path of the runtime is never denied', async () => {
    // The test acts as the cluster admin: over HTTP (with admission) for what a user applies,
    // in-process for drift that "someone else" introduces.
    const admin = new KubeClient(makeKubeConfig(emu));
    const svcName = 'shop';
    const get = (ref: string, name: string): KubeObject | undefined => emu.get(ref, 'default', name);
    const ready = async (): Promise<boolean> => isReadyObj(get('ksvc', svcName));
    const apply = async (spec: unknown): Promise<void> => {
      const cur = get('ksvc', svcName);
      if (!cur) await admin.create(R.services, ksvc(svcName, spec));
      else await admin.update(R.services, { ...cur, spec });
    };

    // 1. A Service with the HPA class and a tagged revision (placeholder Service per tag).
    const hpa = { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'cpu', 'autoscaling.knative.dev/target': '70' };
    await apply({
      template: { metadata: { name: `${svcName}-v1`, annotations: hpa }, spec: image('example.com/shop:1') },
      traffic: [{ latestRevision: true, percent: 100 }, { revisionName: `${svcName}-v1`, percent: 0, tag: 'stable' }],
    });
    await until(ready, 'shop ready (v1)');
    await until(() => controller.isLeader, 'leadership');

    // 2. Drift on owned children is repaired (update on Deployment, Service, HPA).
    const dep = get('deployments', deploymentName(`${svcName}-v1`))!;
    const image0 = dep.spec.template.spec.containers[0].image;
    dep.spec.template.spec.containers[0].image = 'example.com/drift:1';
    emu.put(dep);
    const svc = get('services', revisionServiceName(`${svcName}-v1`))!;
    emu.put({ ...svc, spec: { ...svc.spec, selector: { drift: 'yes' } } });
    const hpaObj = get('horizontalpodautoscalers', `${svcName}-v1`)!;
    emu.put({ ...hpaObj, spec: { ...hpaObj.spec, maxReplicas: 99 } });
    const route = get('routes', svcName)!;
    emu.put({ ...route, spec: { traffic: [{ latestRevision: true, percent: 100 }] } });
    await until(() => get('deployments', deploymentName(`${svcName}-v1`))?.spec.template.spec.containers[0].image === image0, 'deployment drift repaired');
    await until(() => get('services', revisionServiceName(`${svcName}-v1`))?.spec.selector?.drift === undefined, 'service drift repaired');
    await until(() => get('horizontalpodautoscalers', `${svcName}-v1`)?.spec.maxReplicas !== 99, 'hpa drift repaired');
    await until(() => (get('routes', svcName)?.spec.traffic ?? []).length === 2, 'route drift repaired');
    // The same drift again: the repeated `Updated` Event is one Event whose series is patched (events.ts).
    const again = get('deployments', deploymentName(`${svcName}-v1`))!;
    again.spec.template.spec.containers[0].image = 'example.com/drift:2';
    emu.put(again);
    await until(() => emu.actions({ resource: 'events.events.k8s.io' }).some((a) => a.verb === 'patch' && !a.error), 'an Event series patched');

    // 3. The Revision leaves the HPA class (kubectl annotate): its HPA is deleted.
    const rev1 = get('revisions', `${svcName}-v1`)!;
    const annotations = Object.fromEntries(Object.entries(rev1.metadata.annotations ?? {}).filter(([k]) => !(k in hpa)));
    emu.put({ ...rev1, metadata: { ...rev1.metadata, annotations } });
    await until(() => get('horizontalpodautoscalers', `${svcName}-v1`) === undefined, 'HPA deleted after the class change');

    // 4. New templates: the tag goes (its placeholder Service is deleted), old revisions beyond
    //    config-gc's max are collected.
    for (const v of [2, 3, 4]) {
      await apply({ template: { metadata: { name: `${svcName}-v${v}` }, spec: image(`example.com/shop:${v}`) }, traffic: [{ latestRevision: true, percent: 100 }] });
      await until(async () => (await ready()) && get('ksvc', svcName)?.status?.latestReadyRevisionName === `${svcName}-v${v}`, `shop ready (v${v})`);
    }
    await until(() => get('revisions', `${svcName}-v1`) === undefined, 'revision GC');
    await until(() => get('services', `stable-${svcName}`) === undefined, 'tag placeholder Service deleted');
    await settle(emu, [controller], 200, 15_000);

    // 5. The ingress pushes stats with its projected token (audience serving-autoscaler): the
    //    controller checks it by TokenReview, and the poke makes the autoscaler scale the latest
    //    (KPA) revision through deployments/scale.
    expect(slicesSeen.has(`default/${svcName}-v4`)).toBe(true);
    emu.seed({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'serving-ingress', namespace: SYSTEM_NS } } as KubeObject);
    const { token } = emu.issueToken(SYSTEM_NS, 'serving-ingress', { audiences: [AUTOSCALER_TOKEN_AUDIENCE] });
    const batch = { sender: 'serving-ingress-0', stats: [{ namespace: 'default', revision: `${svcName}-v4`, concurrency: 200, requests: 200, poke: true }] };
    const res = await fetch(`http://127.0.0.1:${statsPort}${AUTOSCALER_STATS_PATH}`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'authorization': `Bearer ${token}` }, body: JSON.stringify(batch),
    });
    expect(res.status).toBe(204);
    await until(() => emu.actions({ resource: 'deployments', subresource: 'scale' }).some((a) => !a.error), 'a scale write');
    await settle(emu, [controller], 200, 15_000);

    // 6. A DomainMapping with autocreate-cluster-domain-claims on: its finalizer is added and the
    //    ClusterDomainClaim created; deleting it deletes the claim, then removes the finalizer.
    const network: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-network', namespace: SYSTEM_NS } };
    await admin.create(R.configMaps, { ...network, data: { 'autocreate-cluster-domain-claims': 'true' } } as KubeObject);
    await until(() => controller.config.network.autocreateClusterDomainClaims, 'config-network loaded');
    const domain = 'shop.example.org';
    await admin.create(R.domainMappings, {
      apiVersion: 'serving.knative.dev/v1beta1',
      kind: 'DomainMapping',
      metadata: { name: domain, namespace: 'default' },
      spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: svcName } },
    } as KubeObject);
    await until(() => isReadyObj(get('domainmappings', domain)), 'DomainMapping ready');
    expect(emu.get('clusterdomainclaims', '', domain)?.spec).toEqual({ namespace: 'default' });
    await admin.delete(R.domainMappings, 'default', domain);
    await until(() => get('domainmappings', domain) === undefined && emu.get('clusterdomainclaims', '', domain) === undefined, 'DomainMapping and its claim deleted');
    await settle(emu, [controller], 200, 15_000);

    // 7. A DomainMapping naming a TLS Secret: the controller binds the ingress's Secrets ClusterRole
    //    in its namespace (through `bind`); the ingress's CertificateStore GETs the Secret; the
    //    binding goes once no DomainMapping there names a Secret.
    const tlsDomain = 'secure.example.org';
    const pem = { 'tls.crt': Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64'), 'tls.key': Buffer.from('key').toString('base64') };
    emu.seed({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'secure-cert', namespace: 'default' }, type: 'kubernetes.io/tls', data: pem } as KubeObject);
    const tlsDomains = [tlsDomain, 'secure2.example.org'];
    const binding = 'knative-serving-ingress-domainmapping-secrets';
    for (const [i, d] of tlsDomains.entries()) {
      await admin.create(R.domainMappings, {
        apiVersion: 'serving.knative.dev/v1beta1',
        kind: 'DomainMapping',
        metadata: { name: d, namespace: 'default' },
        spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: svcName }, tls: { secretName: 'secure-cert' } },
      } as KubeObject);
      await until(() => isReadyObj(get('domainmappings', d)), 'DomainMapping with TLS ready');
      // the second one is added to the binding's owners (an update)
      await until(() => (get('rolebindings', binding)?.metadata.ownerReferences ?? []).length === i + 1, 'the Secrets binding owned by each');
    }
    expect(get('rolebindings', binding)?.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: binding });
    const ingressCore: { readNamespacedSecret(r: { name: string; namespace: string }): Promise<unknown> } = makeKubeConfig(emu, userOf('ingress')).makeApiClient(k8s.CoreV1Api);
    const applied: string[] = [];
    const store = new CertificateStore({
      read: async (namespace, name) => (await ingressCore.readNamespacedSecret({ name, namespace })) as SecretLike,
      apply: (certs) => { applied.push(...certs.keys()); return []; },
      refreshMs: 0,
    });
    store.setHosts(new Map([[tlsDomain, { namespace: 'default', secretName: 'secure-cert' }]]));
    await store.reload();
    expect(applied).toContain(tlsDomain);
    for (const d of tlsDomains) {
      await admin.update(R.domainMappings, { ...get('domainmappings', d)!, spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: svcName } } });
    }
    await until(() => get('rolebindings', binding) === undefined, 'the Secrets binding deleted');
    await settle(emu, [controller], 200, 15_000);

    // 8. The admission webhook, against the control plane's empty Secret and webhook
    //    configurations: lists/watches the config-* ConfigMaps, fills the Secret (get, update),
    //    patches the CA bundle into its three configurations (get, patch).
    emu.seed(...manifests.filter((m) => (m.kind === 'Secret' && m.metadata.name === 'serving-webhook-certs') || m.kind.endsWith('WebhookConfiguration')));
    const webhook = await webhookMain({
      env: { SYSTEM_NAMESPACE: SYSTEM_NS, WEBHOOK_PORT: '0', ADMIN_PORT: '0' },
      kubeConfig: makeKubeConfig(emu, userOf('webhook')),
      host: '127.0.0.1',
      log: silentLogger,
    });
    try {
      expect(webhook.config.config.network.autocreateClusterDomainClaims).toBe(true);
      expect(emu.get<any>('secrets', SYSTEM_NS, 'serving-webhook-certs').data).toBeDefined();
      for (const m of manifests.filter((x) => x.kind.endsWith('WebhookConfiguration'))) {
        const ref = m.kind === 'MutatingWebhookConfiguration' ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations';
        expect(emu.get<any>(ref, '', m.metadata.name).webhooks[0].clientConfig.caBundle).toBeDefined();
      }
    } finally {
      await webhook.shutdown();
    }

    expect(denied).toEqual([]);
    // the ingress's peers: the ready addresses of its own Service's slices, read under the same grant
    expect(ingressPeers).toEqual(['10.0.0.11', '10.0.0.12']);
  });

  test('every verb of every emitted rule was used (no rule outlives its call site)', () => {
    expect(users.sort()).toEqual([userOf('controller'), userOf('ingress'), userOf('webhook')].sort());
    const granted = [...rbac].flatMap(([user, bound]) => bound.flatMap((b) => grantKeys(user, b)));
    // The ClusterRole the controller binds at run time, per namespace (the ingress's Secrets).
    const perNamespace = clusterRoles.get('knative-serving-ingress-domainmapping-secrets');
    expect(perNamespace).toBeDefined();
    for (const rule of perNamespace.rules) granted.push(...grantKeys(userOf('ingress'), { role: `ClusterRole/${perNamespace.metadata.name}`, rule }));
    expect(granted.length).toBeGreaterThan(30);
    const unused = granted.filter((k) => !used.has(k));
    expect(unused).toEqual([]);
  });
});

describe('RBAC with tag-to-digest resolution (controller.resolveDigests): its extra rules are needed and suffice', () => {
  const { byUser: rbac } = emitted({ controller: { resolveDigests: true } });
  const { byUser: base } = emitted();
  const controllerUser = [...rbac.keys()].find((u) => u.endsWith(':serving-controller'))!;
  const used = new Set<string>();
  const denied: string[] = [];
  let emu: KubeApiEmulator;
  let controller: Controller;
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await TestRegistry.start({ user: 'bob', password: 'pw' });
    emu = await KubeApiEmulator.start({
      simulateWorkloads: { delayMs: 5, readyDelayMs: 0 },
      bookmarkIntervalMs: 60_000,
      authorize: (a) => {
        if (a.user !== controllerUser) return undefined;
        const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
        const hits = (rbac.get(a.user) ?? []).filter((b) => matches(b, a));
        if (hits.length === 0) {
          denied.push(`${a.verb} ${a.group}/${resource} ns=${a.namespace} name=${a.name ?? ''}`);
          return 'no RBAC rule of the control plane allows it';
        }
        for (const b of hits) used.add(`${a.user} ${b.role} ${a.group}/${resource} ${a.verb}`);
        return undefined;
      },
    });
    controller = newController(emu, { kubeConfig: makeKubeConfig(emu, controllerUser), resolveDigests: true });
    await controller.start();
  }, 180_000);

  afterAll(async () => {
    await controller?.stop();
    await emu?.stop();
    await registry?.stop();
  });

  test('a revision pulling from a private registry with its ServiceAccount\'s and its own pull Secrets resolves under the emitted rules', async () => {
    const digest = await registry.push('team/app', '1', 'rbac');
    const secret = (name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'default' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [registry.host]: { username: 'bob', password: 'pw' } } })).toString('base64') },
    } as KubeObject);
    emu.seed(secret('own'), secret('from-sa'),
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'default' }, imagePullSecrets: [{ name: 'from-sa' }] } as KubeObject);
    emu.seed(ksvc('private', { template: { spec: { serviceAccountName: 'app', imagePullSecrets: [{ name: 'own' }], containers: [{ image: `${registry.host}/team/app:1` }] } } }));
    await until(() => isReadyObj(emu.get('ksvc', 'default', 'private')), 'private Ready', 20_000);
    const rev = emu.get<any>('revisions', 'default', emu.get<any>('ksvc', 'default', 'private').status.latestReadyRevisionName);
    expect(rev.status.containerStatuses[0].imageDigest).toBe(`${registry.host}/team/app@${digest}`);
    expect(denied).toEqual([]);
    // The rules only this setting adds were each used.
    const baseKeys = new Set((base.get(controllerUser) ?? []).flatMap((b) => grantKeys(controllerUser, b)));
    const extra = (rbac.get(controllerUser) ?? []).flatMap((b) => grantKeys(controllerUser, b)).filter((k) => !baseKeys.has(k));
    expect(extra.length).toBe(2);
    expect(extra.filter((k) => !used.has(k))).toEqual([]);
  });
});

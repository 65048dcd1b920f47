import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { MutatingWebhookConfiguration, ValidatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { AutoscalerClass } from '../../src';
import {
  ExternalScheme, FeatureFlagState, IngressServiceType, LogLevel, RbacScope, ServingControlPlane, ServingControlPlaneProps,
} from '../../src/control-plane';
import { parseServingConfig } from '../../src/core/config';
import { INGRESS_AUTOSCALER_TOKEN_PATH, INGRESS_PEER_PORT } from '../../src/core/runtime-contract';
import { clusterDomainClaimSchema, crdFor, KnativeKind } from '../../src/core/schema';
import { preserveUnknownPaths } from '../support/schema-validator';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
}

const PKG_VERSION = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version as string;

function synth(props?: ServingControlPlaneProps, chart: Chart = Testing.chart()): Manifest[] {
  new ServingControlPlane(chart, 'ControlPlane', props);
  return Testing.synth(chart) as Manifest[];
}

function find(out: Manifest[], kind: string, name: string): Manifest {
  const o = out.find(m => m.kind === kind && m.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in ${out.map(m => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return o;
}

function configData(out: Manifest[], name: string): Record<string, string> | undefined {
  return find(out, 'ConfigMap', name).data;
}

/** Snapshots must survive a version bump: the package version is asserted separately. */
function versionless<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).split(`:${PKG_VERSION}"`).join(':<version>"').split(`"${PKG_VERSION}"`).join('"<version>"'));
}

/** Snapshot helper: CRD schemas are pinned by schema.test.ts, keep them out of the big snapshot. */
function withoutCrdSchemas(out: Manifest[]): Manifest[] {
  return versionless(out).map(m => (m.kind !== 'CustomResourceDefinition' ? m : {
    ...m,
    spec: { ...m.spec, versions: m.spec.versions.map((v: any) => ({ ...v, schema: '<src/core/schema.ts>' })) },
  }));
}

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  Namespace,
  ConfigMap,
  ServiceAccount,
  Service,
  Deployment,
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
  PodDisruptionBudget,
  NetworkPolicy,
  CustomResourceDefinition,
  Secret,
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
};

const CLUSTER_SCOPED = ['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function cpuMillis(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000;
}
function memMi(q: string): number {
  const m = /^(\d+)(Mi|Gi|Ki)?$/.exec(q);
  if (!m) throw new Error(`unexpected memory quantity ${q}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : m[2] === 'Ki' ? 1 / 1024 : m[2] === 'Mi' ? 1 : 1 / (1024 * 1024));
}

describe('ServingControlPlane defaults', () => {
  const out = synth();

  test('renders the expected objects (reviewed snapshot)', () => {
    expect(out.map(m => `${m.kind} ${m.metadata.namespace ?? '-'}/${m.metadata.name}`)).toEqual([
      'Namespace -/knative-serving',
      'CustomResourceDefinition -/services.serving.knative.dev',
      'CustomResourceDefinition -/configurations.serving.knative.dev',
      'CustomResourceDefinition -/revisions.serving.knative.dev',
      'CustomResourceDefinition -/routes.serving.knative.dev',
      'CustomResourceDefinition -/domainmappings.serving.knative.dev',
      'CustomResourceDefinition -/clusterdomainclaims.networking.internal.knative.dev',
      'ConfigMap knative-serving/config-defaults',
      'ConfigMap knative-serving/config-features',
      'ConfigMap knative-serving/config-autoscaler',
      'ConfigMap knative-serving/config-network',
      'ConfigMap knative-serving/config-domain',
      'ConfigMap knative-serving/config-gc',
      'ConfigMap knative-serving/config-deployment',
      'ServiceAccount knative-serving/serving-controller',
      'ClusterRole -/knative-serving-controller',
      'ClusterRoleBinding -/knative-serving-controller',
      'Role knative-serving/serving-controller',
      'RoleBinding knative-serving/serving-controller',
      'ServiceAccount knative-serving/serving-ingress',
      'ClusterRole -/knative-serving-ingress',
      'ClusterRoleBinding -/knative-serving-ingress',
      'Role knative-serving/serving-ingress',
      'RoleBinding knative-serving/serving-ingress',
      'ClusterRole -/knative-serving-ingress-domainmapping-secrets',
      'ServiceAccount knative-serving/serving-webhook',
      'ClusterRole -/knative-serving-webhook',
      'ClusterRoleBinding -/knative-serving-webhook',
      'Role knative-serving/serving-webhook',
      'RoleBinding knative-serving/serving-webhook',
      // One RuntimeComponent per component: its Deployment, Services, PodDisruptionBudget, NetworkPolicy.
      'Deployment knative-serving/serving-controller',
      'Service knative-serving/serving-autoscaler',
      'PodDisruptionBudget knative-serving/serving-controller',
      'NetworkPolicy knative-serving/serving-controller',
      'Deployment knative-serving/serving-ingress',
      'Service knative-serving/serving-ingress',
      'Service knative-serving/serving-ingress-internal',
      'PodDisruptionBudget knative-serving/serving-ingress',
      'NetworkPolicy knative-serving/serving-ingress',
      // The webhook's certificate Secret (created empty: the webhook only gets and updates it).
      'Secret knative-serving/serving-webhook-certs',
      'Deployment knative-serving/serving-webhook',
      'Service knative-serving/serving-webhook',
      'PodDisruptionBudget knative-serving/serving-webhook',
      'NetworkPolicy knative-serving/serving-webhook',
      'MutatingWebhookConfiguration -/webhook.serving.knative.dev',
      'ValidatingWebhookConfiguration -/validation.webhook.serving.knative.dev',
      'ValidatingWebhookConfiguration -/config.webhook.serving.knative.dev',
    ]);
    expect(withoutCrdSchemas(out)).toMatchSnapshot();
  });

  test('every core object validates against the Kubernetes schemas (kubernetes-models)', () => {
    for (const m of out) {
      const Model = MODELS[m.kind];
      expect([m.kind, Model !== undefined]).toEqual([m.kind, true]);
      expect(() => new Model(m).validate()).not.toThrow();
    }
  });

  test('the kubernetes-models check does reject a broken object (guard against a vacuous test)', () => {
    const d = find(out, 'Deployment', 'serving-controller');
    expect(() => new Deployment({ ...d, spec: { ...d.spec, replicas: 'two' } } as any).validate()).toThrow();
  });

  test('CRDs: labels, names, status subresource, printer columns, schema from src/core/schema.ts', () => {
    const all = out.filter(m => m.kind === 'CustomResourceDefinition');
    expect(all).toHaveLength(6);
    const crds = all.slice(0, 5);
    for (const crd of crds) {
      const kind = crd.spec.names.kind as KnativeKind;
      const desc = crdFor(kind);
      expect(crd.metadata.labels).toEqual({
        'app.kubernetes.io/part-of': 'cdk8s-knative-serving',
        'app.kubernetes.io/version': PKG_VERSION,
        'knative.dev/crd-install': 'true',
        ...desc.labels,
      });
      expect(crd.metadata.namespace).toBeUndefined();
      expect(crd.spec.scope).toBe('Namespaced');
      expect(crd.spec.group).toBe('serving.knative.dev');
      expect(crd.spec.names).toEqual({
        kind, plural: desc.plural, singular: desc.singular, shortNames: desc.shortNames, categories: ['all', 'knative', 'serving'],
      });
      expect(crd.spec.versions).toHaveLength(1);
      const [v] = crd.spec.versions;
      expect(v.name).toBe(desc.version);
      expect(v.served).toBe(true);
      expect(v.storage).toBe(true);
      expect(v.subresources).toEqual({ status: {} });
      expect(v.additionalPrinterColumns).toEqual(desc.printerColumns);
      // Rendered unchanged (cdk8s sorts keys; compare as data).
      expect(v.schema.openAPIV3Schema).toEqual(desc.schema);
      expect(preserveUnknownPaths(v.schema.openAPIV3Schema)).toEqual(preserveUnknownPaths(desc.schema));
    }
    expect(crds.map(c => c.spec.names.shortNames)).toEqual([['kservice', 'ksvc'], ['config', 'cfg'], ['rev'], ['rt'], ['dm']]);
    expect(find(out, 'CustomResourceDefinition', 'domainmappings.serving.knative.dev').spec.versions[0].name).toBe('v1beta1');
    // The domain claims of DomainMappings: cluster-scoped, upstream's domain-claim.yaml.
    const cdc = all[5];
    expect(cdc.metadata).toEqual({
      name: 'clusterdomainclaims.networking.internal.knative.dev',
      labels: { 'app.kubernetes.io/part-of': 'cdk8s-knative-serving', 'app.kubernetes.io/version': PKG_VERSION, 'knative.dev/crd-install': 'true' },
    });
    expect(cdc.spec.scope).toBe('Cluster');
    expect(cdc.spec.group).toBe('networking.internal.knative.dev');
    expect(cdc.spec.names).toEqual({ kind: 'ClusterDomainClaim', plural: 'clusterdomainclaims', singular: 'clusterdomainclaim', shortNames: ['cdc'], categories: ['knative-internal', 'networking'] });
    expect(cdc.spec.versions).toEqual([{ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: clusterDomainClaimSchema() } }]);
    expect(cdc.spec.versions[0].schema.openAPIV3Schema.properties.spec).toMatchObject({ type: 'object', required: ['namespace'], properties: { namespace: { type: 'string' } } });
  });

  test('images default to the package version from package.json', () => {
    expect(PKG_VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(ServingControlPlane.packageVersion()).toBe(PKG_VERSION);
    const img = (name: string): string => find(out, 'Deployment', name).spec.template.spec.containers[0].image;
    expect(img('serving-controller')).toBe(`ghcr.io/cdk8s-knative/serving-controller:${PKG_VERSION}`);
    expect(img('serving-ingress')).toBe(`ghcr.io/cdk8s-knative/serving-ingress:${PKG_VERSION}`);
    expect(img('serving-webhook')).toBe(`ghcr.io/cdk8s-knative/serving-webhook:${PKG_VERSION}`);
  });

  test('default requests total ≤ 130m CPU and ≤ 192Mi memory (from the synthesized objects × replicas)', () => {
    let cpu = 0;
    let mem = 0;
    let limitCpu = 0;
    let limitMem = 0;
    for (const d of out.filter(m => m.kind === 'Deployment')) {
      const replicas = d.spec.replicas as number;
      for (const c of d.spec.template.spec.containers) {
        cpu += replicas * cpuMillis(c.resources.requests.cpu);
        mem += replicas * memMi(c.resources.requests.memory);
        limitCpu += replicas * cpuMillis(c.resources.limits.cpu);
        limitMem += replicas * memMi(c.resources.limits.memory);
        expect(cpuMillis(c.resources.limits.cpu)).toBeGreaterThan(cpuMillis(c.resources.requests.cpu));
        expect(memMi(c.resources.limits.memory)).toBeGreaterThan(memMi(c.resources.requests.memory));
      }
    }
    expect(cpu).toBeLessThanOrEqual(130);
    expect(mem).toBeLessThanOrEqual(192);
    expect({ cpu, mem, limitCpu, limitMem }).toEqual({ cpu: 130, mem: 192, limitCpu: 4000, limitMem: 1536 });
  });

  test('restricted security contexts on every pod and container', () => {
    for (const d of out.filter(m => m.kind === 'Deployment')) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toEqual({
        runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.automountServiceAccountToken).toBe(true);
      expect(pod.serviceAccountName).toBe(d.metadata.name);
      for (const c of pod.containers) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          runAsUser: 65532,
          runAsGroup: 65532,
          seccompProfile: { type: 'RuntimeDefault' },
        });
      }
    }
    expect(find(out, 'Namespace', 'knative-serving').metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const sa of out.filter(m => m.kind === 'ServiceAccount')) expect(sa.automountServiceAccountToken).toBe(false);
  });

  test('controller: replicas, leader election env, admin and stats ports, probes; the serving-autoscaler Service', () => {
    const d = find(out, 'Deployment', 'serving-controller');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'serving-controller' } });
    const c = d.spec.template.spec.containers[0];
    expect(c.args).toEqual(['/app/controller.js']);
    expect(c.env).toEqual([
      { name: 'SYSTEM_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'CLUSTER_DOMAIN', value: 'cluster.local' },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'NODE_OPTIONS', value: '--enable-source-maps --max-old-space-size=128' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'LEASE_NAME', value: 'serving-controller-leader' },
      { name: 'INGRESS_SERVICE', value: 'serving-ingress-internal' },
      { name: 'STATS_PORT', value: '8090' },
      { name: 'INGRESS_SERVICE_ACCOUNT', value: 'serving-ingress' },
    ]);
    expect(c.ports).toEqual([{ name: 'admin', containerPort: 8080, protocol: 'TCP' }, { name: 'http-stats', containerPort: 8090, protocol: 'TCP' }]);
    expect(d.spec.template.spec.volumes).toBeUndefined();
    const stats = find(out, 'Service', 'serving-autoscaler');
    expect(stats.metadata.labels).toEqual(d.metadata.labels);
    expect(stats.spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'serving-controller' },
      ports: [{ name: 'http-stats', port: 8090, targetPort: 'http-stats', protocol: 'TCP' }],
    });
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/healthz', port: 'admin' }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 });
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 'admin' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 });
    expect(c.resources).toEqual({ requests: { cpu: '20m', memory: '32Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
  });

  test('ingress: replicas, ports (peer port 8082 on no Service), POD_IP, probes on admin 9000; external Service 80 → 8080 and 443 → 8443 (HTTPS), internal ClusterIP Service 80 → 8081', () => {
    const d = find(out, 'Deployment', 'serving-ingress');
    expect(d.spec.replicas).toBe(2);
    const c = d.spec.template.spec.containers[0];
    expect(c.args).toEqual(['/app/ingress.js']);
    expect(c.env.map((e: any) => e.name)).toEqual(['SYSTEM_NAMESPACE', 'CLUSTER_DOMAIN', 'LOG_LEVEL', 'NODE_OPTIONS', 'POD_IP', 'MAX_WAITING_TOTAL', 'MAX_WAITING_PER_REVISION']);
    // its address among the ingress replicas (owner replica per revision with containerConcurrency > 0)
    expect(c.env.find((e: any) => e.name === 'POD_IP')).toEqual({ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    expect(c.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'https', containerPort: 8443, protocol: 'TCP' },
      { name: 'http-internal', containerPort: 8081, protocol: 'TCP' },
      { name: 'admin', containerPort: 9000, protocol: 'TCP' },
      { name: 'http-peer', containerPort: INGRESS_PEER_PORT, protocol: 'TCP' },
    ]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'admin' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' });
    expect(c.resources).toEqual({ requests: { cpu: '25m', memory: '32Mi' }, limits: { cpu: '1000m', memory: '256Mi' } });
    // the autoscaler token: projected, audience-bound, 1 h, mounted read-only at the contract's path
    expect(d.spec.template.spec.volumes).toEqual([{
      name: 'autoscaler-token',
      projected: { sources: [{ serviceAccountToken: { audience: 'serving-autoscaler', expirationSeconds: 3600, path: 'token' } }] },
    }]);
    expect(c.volumeMounts).toEqual([{ name: 'autoscaler-token', mountPath: '/var/run/secrets/serving/autoscaler', readOnly: true }]);
    expect(`${c.volumeMounts[0].mountPath}/${d.spec.template.spec.volumes[0].projected.sources[0].serviceAccountToken.path}`).toBe(INGRESS_AUTOSCALER_TOKEN_PATH);
    const svc = find(out, 'Service', 'serving-ingress');
    expect(svc.spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'serving-ingress' },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }, { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }],
    });
    const internal = find(out, 'Service', 'serving-ingress-internal');
    expect(internal.metadata.labels).toEqual(svc.metadata.labels);
    expect(internal.spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'serving-ingress' },
      ports: [{ name: 'http', port: 80, targetPort: 'http-internal', protocol: 'TCP' }],
    });
  });

  test('PodDisruptionBudgets keep one pod of each component', () => {
    expect(find(out, 'PodDisruptionBudget', 'serving-controller').spec).toEqual({
      minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'serving-controller' } },
    });
    expect(find(out, 'PodDisruptionBudget', 'serving-ingress').spec).toEqual({
      minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'serving-ingress' } },
    });
  });

  test('NetworkPolicies: ingress 8080 and 8443 from anywhere, 8081 from pods of any namespace, 9000 from scrapers and the controller pods (IngressReady probe), '
    + '8082 (peer port) from the ingress pods; controller 8080 from the namespace and scrapers, 8090 from the ingress pods', () => {
    const scrapers = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
    expect(find(out, 'NetworkPolicy', 'serving-ingress').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'serving-ingress' } },
      policyTypes: ['Ingress'],
      ingress: [
        { ports: [{ protocol: 'TCP', port: 8080 }] },
        { ports: [{ protocol: 'TCP', port: 8443 }] },
        { from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 8081 }] },
        { from: [scrapers, { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'serving-controller' } } }], ports: [{ protocol: 'TCP', port: 9000 }] },
        { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'serving-ingress' } } }], ports: [{ protocol: 'TCP', port: 8082 }] },
      ],
    });
    expect(find(out, 'NetworkPolicy', 'serving-controller').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'serving-controller' } },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: {} }, scrapers], ports: [{ protocol: 'TCP', port: 8080 }] },
        { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'serving-ingress' } } }], ports: [{ protocol: 'TCP', port: 8090 }] },
      ],
    });
  });

  test('ConfigMaps exist for every config the runtime reads, with no data by default', () => {
    for (const name of ['config-defaults', 'config-features', 'config-autoscaler', 'config-network', 'config-domain', 'config-gc', 'config-deployment']) {
      expect(configData(out, name)).toBeUndefined();
    }
  });
});

describe('controller.resolveDigests', () => {
  test('off by default: no RESOLVE_DIGESTS, no Secrets or ServiceAccounts for the controller', () => {
    const out = synth();
    const env = find(out, 'Deployment', 'serving-controller').spec.template.spec.containers[0].env;
    expect(env.map((e: any) => e.name)).not.toContain('RESOLVE_DIGESTS');
    const controllerRole = find(out, 'ClusterRole', 'knative-serving-controller');
    expect(controllerRole.rules.flatMap((r: any) => r.resources)).not.toContain('secrets');
  });

  test('on: RESOLVE_DIGESTS=true and get on Secrets and ServiceAccounts, with the need named', () => {
    const out = synth({ controller: { resolveDigests: true } });
    const env = find(out, 'Deployment', 'serving-controller').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'RESOLVE_DIGESTS', value: 'true' });
    const controllerRole = find(out, 'ClusterRole', 'knative-serving-controller');
    expect(controllerRole.rules).toContainEqual({ apiGroups: [''], resources: ['serviceaccounts', 'secrets'], verbs: ['get'] });
    expect(controllerRole.metadata.annotations?.['serving.cdk8s-knative.dev/rule-needs']).toContain('tag-to-digest resolution');
  });
});

describe('RBAC', () => {
  const out = synth();
  const chart = Testing.chart();
  const cp = new ServingControlPlane(chart, 'cp');
  const roles = out.filter(m => m.kind === 'ClusterRole' || m.kind === 'Role');

  test('no wildcard verbs, resources or apiGroups; no nonResourceURLs', () => {
    expect(roles).toHaveLength(7);
    for (const r of roles) {
      for (const rule of r.rules) {
        for (const field of ['verbs', 'resources', 'apiGroups']) {
          expect(rule[field].length).toBeGreaterThan(0);
          expect(rule[field].filter((x: string) => x.includes('*'))).toEqual([]);
        }
        expect(rule.nonResourceURLs).toBeUndefined();
      }
    }
  });

  test('every rule has a documented need, listed by describeRules() and in the role annotation', () => {
    const rules = cp.describeRules();
    for (const r of rules) expect(r.need.length).toBeGreaterThan(20);
    for (const role of roles) {
      const component = role.metadata.labels!['app.kubernetes.io/component'];
      const scope = role.kind === 'Role' ? RbacScope.SYSTEM_NAMESPACE
        : role.metadata.name.endsWith('-domainmapping-secrets') ? RbacScope.DOMAIN_MAPPING_NAMESPACES : RbacScope.CLUSTER;
      const mine = rules.filter(r => r.component === component && r.scope === scope);
      expect(role.rules).toEqual(mine.map(r => ({
        apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs, ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}),
      })));
      const lines = role.metadata.annotations!['serving.cdk8s-knative.dev/rule-needs'].split('\n');
      expect(lines).toHaveLength(mine.length);
      lines.forEach((line, i) => expect(line).toContain(mine[i].need));
    }
  });

  test('controller: Knative kinds (informers, writes, status, finalizers), deployments, pods (read), events (write), services, HPAs; config + lease only in the system namespace; nothing else', () => {
    const grants = cp.describeRules().filter(r => r.component === 'controller')
      .map(r => `${r.scope} ${r.apiGroups.join(',') || 'core'} ${r.resources.join(',')} ${r.verbs.join(',')}${r.resourceNames ? ` @${r.resourceNames.join(',')}` : ''}`);
    expect(grants).toEqual([
      'Cluster serving.knative.dev services list,watch',
      'Cluster serving.knative.dev configurations,routes list,watch,create,update',
      'Cluster serving.knative.dev revisions list,watch,create,update,delete',
      'Cluster serving.knative.dev services/status,configurations/status,revisions/status,routes/status,domainmappings/status update',
      'Cluster serving.knative.dev domainmappings list,watch,update',
      'Cluster rbac.authorization.k8s.io rolebindings list,watch,create,update,delete',
      'Cluster rbac.authorization.k8s.io clusterroles bind @knative-serving-ingress-domainmapping-secrets',
      'Cluster networking.internal.knative.dev clusterdomainclaims list,watch,create,delete',
      'Cluster serving.knative.dev services/finalizers,configurations/finalizers,revisions/finalizers,routes/finalizers update',
      'Cluster apps deployments list,watch,create,update',
      'Cluster core pods list,watch',
      'Cluster events.k8s.io events create,patch',
      'Cluster apps deployments/scale update',
      'Cluster authentication.k8s.io tokenreviews create',
      'Cluster core services list,watch,create,update,delete',
      'Cluster autoscaling horizontalpodautoscalers list,watch,create,update,delete',
      'SystemNamespace discovery.k8s.io endpointslices list,watch',
      'SystemNamespace core configmaps list,watch',
      'SystemNamespace coordination.k8s.io leases create',
      'SystemNamespace coordination.k8s.io leases get,update @serving-controller-leader',
    ]);
    // Pods only to the controller, read-only (their failure reasons explain a Revision); events
    // only to the controller, create and patch (its series), in events.k8s.io; Secrets only to the
    // ingress, `get`, in the namespaces the controller binds that role in (DomainMappings with TLS).
    const grantsOf = (res: string) => cp.describeRules().filter(r => r.resources.some(x => x.split('/')[0] === res)).map(r => [r.component, r.scope, r.apiGroups, r.verbs]);
    expect(grantsOf('pods')).toEqual([['controller', 'Cluster', [''], ['list', 'watch']]]);
    expect(grantsOf('events')).toEqual([['controller', 'Cluster', ['events.k8s.io'], ['create', 'patch']]]);
    // The webhook: get/update of its own certificate Secret only.
    expect(cp.describeRules().filter(r => r.resources.some(x => x.split('/')[0] === 'secrets')).map(r => [r.component, r.scope, r.verbs, r.resourceNames]))
      .toEqual([['ingress', RbacScope.DOMAIN_MAPPING_NAMESPACES, ['get'], undefined], ['webhook', RbacScope.SYSTEM_NAMESPACE, ['get', 'update'], ['serving-webhook-certs']]]);
    // That role is emitted, unbound: the controller binds it per namespace.
    const secretsRole = find(out, 'ClusterRole', 'knative-serving-ingress-domainmapping-secrets');
    expect(secretsRole.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    expect(out.filter(m => /RoleBinding$/.test(m.kind) && m.roleRef.name === secretsRole.metadata.name)).toEqual([]);
  });

  test('ingress: read-only informers on routes, domainmappings, revisions and EndpointSlices (cluster) and configmaps (system namespace); get Secrets where the controller binds it', () => {
    const ingress = cp.describeRules().filter(r => r.component === 'ingress');
    expect(ingress.map(r => [r.scope, r.apiGroups, r.resources, r.verbs])).toEqual([
      [RbacScope.CLUSTER, ['serving.knative.dev'], ['routes'], ['list', 'watch']],
      [RbacScope.CLUSTER, ['serving.knative.dev'], ['domainmappings'], ['list', 'watch']],
      [RbacScope.CLUSTER, ['serving.knative.dev'], ['revisions'], ['list', 'watch']],
      [RbacScope.CLUSTER, ['discovery.k8s.io'], ['endpointslices'], ['list', 'watch']],
      [RbacScope.DOMAIN_MAPPING_NAMESPACES, [''], ['secrets'], ['get']],
      [RbacScope.SYSTEM_NAMESPACE, [''], ['configmaps'], ['list', 'watch']],
    ]);
  });

  test('webhook: its configuration informer, its own Secret and webhook configurations, by name', () => {
    const webhook = cp.describeRules().filter(r => r.component === 'webhook');
    expect(webhook.map(r => [r.scope, r.apiGroups, r.resources, r.verbs, r.resourceNames])).toEqual([
      [RbacScope.CLUSTER, ['admissionregistration.k8s.io'], ['mutatingwebhookconfigurations'], ['get', 'patch'], ['webhook.serving.knative.dev']],
      [RbacScope.CLUSTER, ['admissionregistration.k8s.io'], ['validatingwebhookconfigurations'], ['get', 'patch'],
        ['validation.webhook.serving.knative.dev', 'config.webhook.serving.knative.dev']],
      [RbacScope.SYSTEM_NAMESPACE, [''], ['configmaps'], ['list', 'watch'], undefined],
      [RbacScope.SYSTEM_NAMESPACE, [''], ['secrets'], ['get', 'update'], ['serving-webhook-certs']],
    ]);
  });

  test('bindings bind each role to its own service account', () => {
    for (const role of ['controller', 'ingress', 'webhook']) {
      const crb = find(out, 'ClusterRoleBinding', `knative-serving-${role}`);
      expect(crb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `knative-serving-${role}` });
      expect(crb.subjects).toEqual([{ kind: 'ServiceAccount', name: `serving-${role}`, namespace: 'knative-serving' }]);
      const rb = find(out, 'RoleBinding', `serving-${role}`);
      expect(rb.metadata.namespace).toBe('knative-serving');
      expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `serving-${role}` });
      expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: `serving-${role}`, namespace: 'knative-serving' }]);
    }
  });

  test('describeRules() returns copies', () => {
    const a = cp.describeRules();
    a[0].verbs.push('escalate');
    expect(cp.describeRules()[0].verbs).toEqual(['list', 'watch']);
  });
});

describe('knobs', () => {
  test('namespace: every namespaced object, the binding subjects and the cluster role binding names follow it', () => {
    const out = synth({ namespace: 'kn-system' });
    expect(find(out, 'Namespace', 'kn-system')).toBeDefined();
    for (const m of out) {
      if (CLUSTER_SCOPED.includes(m.kind)) {
        expect(m.metadata.namespace).toBeUndefined();
      } else {
        expect([m.kind, m.metadata.name, m.metadata.namespace]).toEqual([m.kind, m.metadata.name, 'kn-system']);
      }
    }
    expect(find(out, 'ClusterRoleBinding', 'kn-system-controller').subjects[0].namespace).toBe('kn-system');
  });

  test('installCrds: false omits the CRDs', () => {
    const chart = Testing.chart();
    const cp = new ServingControlPlane(chart, 'cp', { installCrds: false });
    expect(cp.customResourceDefinitions).toEqual([]);
    expect(Testing.synth(chart).some(m => m.kind === 'CustomResourceDefinition')).toBe(false);
  });

  test('createNamespace: false omits the Namespace', () => {
    expect(synth({ createNamespace: false }).some(m => m.kind === 'Namespace')).toBe(false);
  });

  test('a chart namespace never leaks onto cluster-scoped objects, and never moves the system namespace', () => {
    // Testing.chart() has no namespace; use a real one.
    const app = Testing.app();
    const nsChart = new Chart(app, 'ns', { namespace: 'apps' });
    const out = synth({}, nsChart);
    for (const m of out) {
      if (CLUSTER_SCOPED.includes(m.kind)) {
        expect([m.kind, m.metadata.namespace]).toEqual([m.kind, undefined]);
      } else {
        expect([m.kind, m.metadata.namespace]).toEqual([m.kind, 'knative-serving']);
      }
    }
  });

  test('imageRegistry prefixes the default images; controllerImage and ingressImage replace them', () => {
    const out = synth({ imageRegistry: 'registry.example.com:5000/knative/' });
    expect(find(out, 'Deployment', 'serving-controller').spec.template.spec.containers[0].image)
      .toBe(`registry.example.com:5000/knative/serving-controller:${PKG_VERSION}`);
    const out2 = synth({ controllerImage: 'example.com/c@sha256:' + 'a'.repeat(64), ingressImage: 'example.com/i:dev' });
    expect(find(out2, 'Deployment', 'serving-controller').spec.template.spec.containers[0].image).toBe('example.com/c@sha256:' + 'a'.repeat(64));
    expect(find(out2, 'Deployment', 'serving-ingress').spec.template.spec.containers[0].image).toBe('example.com/i:dev');
  });

  test('replicas: 1 → no PDB; 3 → PDB minAvailable 1', () => {
    const out = synth({ controller: { replicas: 1 }, ingress: { replicas: 3 }, webhook: { replicas: 1 } });
    expect(find(out, 'Deployment', 'serving-controller').spec.replicas).toBe(1);
    expect(find(out, 'Deployment', 'serving-ingress').spec.replicas).toBe(3);
    expect(out.filter(m => m.kind === 'PodDisruptionBudget').map(m => m.metadata.name)).toEqual(['serving-ingress']);
    expect(find(out, 'PodDisruptionBudget', 'serving-ingress').spec.minAvailable).toBe(1);
  });

  test('controller resources and per-component log levels render into the Deployments', () => {
    const out = synth({
      controller: {
        resources: { cpuRequest: Cpu.millis(50), cpuLimit: Cpu.units(1), memoryRequest: Size.mebibytes(64), memoryLimit: Size.gibibytes(1) },
        logLevel: LogLevel.DEBUG,
      },
      ingress: { logLevel: LogLevel.WARN },
    });
    const c = find(out, 'Deployment', 'serving-controller').spec.template.spec.containers[0];
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1000m', memory: '1024Mi' } });
    expect(c.env.find((e: any) => e.name === 'LOG_LEVEL').value).toBe('debug');
    expect(find(out, 'Deployment', 'serving-ingress').spec.template.spec.containers[0].env.find((e: any) => e.name === 'LOG_LEVEL').value).toBe('warn');
  });

  test('clusterDomain → env CLUSTER_DOMAIN', () => {
    const out = synth({ clusterDomain: 'corp.internal' });
    for (const d of out.filter(m => m.kind === 'Deployment')) {
      expect(d.spec.template.spec.containers[0].env.find((e: any) => e.name === 'CLUSTER_DOMAIN').value).toBe('corp.internal');
    }
  });

  test('ingress Service: NodePort with a fixed node port, custom port and annotations; the internal Service stays ClusterIP 80 without them', () => {
    const out = synth({ ingress: { serviceType: IngressServiceType.NODE_PORT, httpPort: 8081, httpsPort: 8444, nodePort: 30080, serviceAnnotations: { a: 'b' } } });
    const svc = find(out, 'Service', 'serving-ingress');
    expect(svc.metadata.annotations).toEqual({ a: 'b' });
    expect(svc.spec).toEqual({
      type: 'NodePort',
      selector: { 'app.kubernetes.io/name': 'serving-ingress' },
      ports: [{ name: 'http', port: 8081, targetPort: 'http', protocol: 'TCP', nodePort: 30080 }, { name: 'https', port: 8444, targetPort: 'https', protocol: 'TCP' }],
    });
    expect(() => new Service(svc).validate()).not.toThrow();
    const internal = find(out, 'Service', 'serving-ingress-internal');
    expect(internal.metadata.annotations).toBeUndefined();
    expect(internal.spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'serving-ingress' },
      ports: [{ name: 'http', port: 80, targetPort: 'http-internal', protocol: 'TCP' }],
    });
    const lb = synth({ ingress: { serviceType: IngressServiceType.LOAD_BALANCER } });
    expect(find(lb, 'Service', 'serving-ingress').spec.type).toBe('LoadBalancer');
    expect(find(lb, 'Service', 'serving-ingress').spec.ports.map((p: any) => p.targetPort)).toEqual(['http', 'https']);
    expect(find(lb, 'Service', 'serving-ingress-internal').spec.type).toBe('ClusterIP');
  });

  test('network policies: custom metrics namespace, or disabled', () => {
    const out = synth({ networkPolicy: { metricsNamespace: 'prometheus' } });
    expect(find(out, 'NetworkPolicy', 'serving-ingress').spec.ingress[3].from)
      .toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'prometheus' } } }, { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'serving-controller' } } }]);
    expect(synth({ networkPolicy: { enabled: false } }).some(m => m.kind === 'NetworkPolicy')).toBe(false);
  });

  test('config: every knob renders the ConfigMap key the runtime reads (reviewed snapshot)', () => {
    const out = synth({
      defaultDomain: 'example.com',
      domainSelectors: [{ domain: 'internal.example.com', selector: { 'tier': 'internal', 'example.com/team': 'a' } }],
      network: {
        domainTemplate: '{{.Name}}-{{.Namespace}}.{{.Domain}}',
        tagTemplate: '{{.Name}}-{{.Tag}}',
        defaultExternalScheme: ExternalScheme.HTTPS,
        rolloutDuration: Duration.minutes(2),
        autocreateClusterDomainClaims: true,
      },
      gc: {
        retainSinceCreateTime: Duration.hours(24),
        retainSinceLastActiveTime: Duration.minutes(90),
        minNonActiveRevisions: 5,
        maxNonActiveRevisions: 50,
      },
      defaults: {
        revisionTimeout: Duration.minutes(2),
        maxRevisionTimeout: Duration.minutes(15),
        containerConcurrency: 10,
        containerConcurrencyMaxLimit: 500,
      },
      features: {
        tagHeaderBasedRouting: FeatureFlagState.ENABLED,
        podSpecFieldRef: FeatureFlagState.ENABLED,
        securePodDefaults: FeatureFlagState.ENABLED,
        additionalFlags: { 'kubernetes.podspec-dnspolicy': 'Allowed' },
      },
    });
    const data: Record<string, Record<string, string> | undefined> = {};
    for (const m of out.filter(x => x.kind === 'ConfigMap')) data[m.metadata.name] = m.data;
    expect(data).toEqual({
      'config-defaults': {
        'revision-timeout-seconds': '120',
        'max-revision-timeout-seconds': '900',
        'container-concurrency': '10',
        'container-concurrency-max-limit': '500',
      },
      'config-features': {
        'tag-header-based-routing': 'Enabled',
        'kubernetes.podspec-fieldref': 'Enabled',
        'secure-pod-defaults': 'Enabled',
        'kubernetes.podspec-dnspolicy': 'Allowed',
      },
      'config-autoscaler': undefined,
      'config-network': {
        'domain-template': '{{.Name}}-{{.Namespace}}.{{.Domain}}',
        'tag-template': '{{.Name}}-{{.Tag}}',
        'default-external-scheme': 'https',
        'rollout-duration': '120',
        'autocreate-cluster-domain-claims': 'true',
      },
      'config-domain': {
        'example.com': '',
        'internal.example.com': 'selector:\n  example.com/team: "a"\n  tier: "internal"\n',
      },
      'config-gc': {
        'retain-since-create-time': '24h0m0s',
        'retain-since-last-active-time': '1h30m0s',
        'min-non-active-revisions': '5',
        'max-non-active-revisions': '50',
      },
      'config-deployment': undefined,
    });
    // The runtime's parser reads back exactly what was configured.
    const cfg = parseServingConfig(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v ?? {}])));
    expect(cfg.domain).toEqual({ 'example.com': {}, 'internal.example.com': { 'tier': 'internal', 'example.com/team': 'a' } });
    expect(cfg.network.domainTemplate).toBe('{{.Name}}-{{.Namespace}}.{{.Domain}}');
    expect(cfg.network.tagTemplate).toBe('{{.Name}}-{{.Tag}}');
    expect(cfg.network.defaultExternalScheme).toBe('https');
    expect(cfg.network.rolloutDurationSeconds).toBe(120);
    expect(cfg.network.autocreateClusterDomainClaims).toBe(true);
    expect(cfg.gc).toEqual({
      retainSinceCreateTimeSeconds: 86400, retainSinceLastActiveTimeSeconds: 5400, minNonActiveRevisions: 5, maxNonActiveRevisions: 50,
    });
    expect(cfg.defaults.revisionTimeoutSeconds).toBe(120);
    expect(cfg.defaults.maxRevisionTimeoutSeconds).toBe(900);
    expect(cfg.defaults.containerConcurrency).toBe(10);
    expect(cfg.defaults.containerConcurrencyMaxLimit).toBe(500);
    expect(cfg.features['tag-header-based-routing']).toBe('Enabled');
    expect(cfg.features['kubernetes.podspec-dnspolicy']).toBe('Allowed');
    expect(versionless(out.filter(x => x.kind === 'ConfigMap'))).toMatchSnapshot();
    for (const m of out) expect(() => new MODELS[m.kind](m).validate()).not.toThrow();
  });
});

describe('config-autoscaler', () => {
  test('every autoscaler prop renders its key and round-trips through the runtime parser', () => {
    const out = synth({
      autoscaler: {
        podAutoscalerClass: AutoscalerClass.HPA,
        enableScaleToZero: false,
        allowZeroInitialScale: true,
        initialScale: 0,
        minScale: 1,
        maxScale: 8,
        maxScaleLimit: 20,
        containerConcurrencyTargetDefault: 50,
        targetUtilizationPercentage: 80,
        requestsPerSecondTargetDefault: 150.5,
        targetBurstCapacity: -1,
        stableWindow: Duration.minutes(2),
        panicWindowPercentage: 5,
        panicThresholdPercentage: 300,
        scaleToZeroGracePeriod: Duration.seconds(45),
        scaleToZeroPodRetentionPeriod: Duration.millis(1500),
        scaleDownDelay: Duration.minutes(5),
        maxScaleUpRate: 10,
        maxScaleDownRate: 4,
        activatorCapacity: 50,
      },
    });
    const data = configData(out, 'config-autoscaler')!;
    expect(data).toEqual({
      'pod-autoscaler-class': 'hpa.autoscaling.knative.dev',
      'enable-scale-to-zero': 'false',
      'allow-zero-initial-scale': 'true',
      'initial-scale': '0',
      'min-scale': '1',
      'max-scale': '8',
      'max-scale-limit': '20',
      'container-concurrency-target-default': '50',
      'container-concurrency-target-percentage': '80',
      'requests-per-second-target-default': '150.5',
      'target-burst-capacity': '-1',
      'stable-window': '2m0s',
      'panic-window-percentage': '5',
      'panic-threshold-percentage': '300',
      'scale-to-zero-grace-period': '45s',
      'scale-to-zero-pod-retention-period': '1.5s',
      'scale-down-delay': '5m0s',
      'max-scale-up-rate': '10',
      'max-scale-down-rate': '4',
      'activator-capacity': '50',
    });
    expect(parseServingConfig({ 'config-autoscaler': data }).autoscaler).toEqual({
      podAutoscalerClass: 'hpa.autoscaling.knative.dev',
      enableScaleToZero: false,
      allowZeroInitialScale: true,
      initialScale: 0,
      minScale: 1,
      maxScale: 8,
      maxScaleLimit: 20,
      containerConcurrencyTargetDefault: 50,
      containerConcurrencyTargetPercentage: 80,
      requestsPerSecondTargetDefault: 150.5,
      targetBurstCapacity: -1,
      stableWindowSeconds: 120,
      panicWindowPercentage: 5,
      panicThresholdPercentage: 300,
      scaleToZeroGracePeriodSeconds: 45,
      scaleToZeroPodRetentionPeriodSeconds: 1.5,
      scaleDownDelaySeconds: 300,
      maxScaleUpRate: 10,
      maxScaleDownRate: 4,
      activatorCapacity: 50,
    });
    expect(new ConfigMap(find(out, 'ConfigMap', 'config-autoscaler') as any).validate()).toBeUndefined();
  });

  test('a 1 % target utilization is written as the fraction 0.01 (Knative reads values up to 1 as fractions)', () => {
    const data = configData(synth({ autoscaler: { targetUtilizationPercentage: 1 } }), 'config-autoscaler')!;
    expect(data).toEqual({ 'container-concurrency-target-percentage': '0.01' });
    expect(parseServingConfig({ 'config-autoscaler': data }).autoscaler.containerConcurrencyTargetPercentage).toBe(1);
  });

  test('unset props render no key (Knative\'s defaults)', () => {
    expect(configData(synth({ autoscaler: {} }), 'config-autoscaler')).toBeUndefined();
  });
});

describe('eager errors name the bad value and the fix', () => {
  // [path] field: problem (got value). Fix: ...
  const cases: Array<[string, ServingControlPlaneProps, RegExp]> = [
    ['namespace', { namespace: 'Knative_Serving' }, /^\[test\/cp\] namespace: is not a valid namespace name.*\(got "Knative_Serving"\)\. Fix: Use lower-case/],
    ['clusterDomain', { clusterDomain: 'Cluster Local' }, /^\[test\/cp\] clusterDomain: is not a valid DNS subdomain \(got "Cluster Local"\)\. Fix:/],
    ['imageRegistry', { imageRegistry: 'https://ghcr.io/x' }, /imageRegistry: is not a registry host\/path \(got "https:\/\/ghcr.io\/x"\).*no tag, no scheme/],
    ['controllerImage', { controllerImage: 'Bad Image' }, /controllerImage: is not a valid image reference \(got "Bad Image"\)/],
    ['replicas', { controller: { replicas: 0 } }, /controller.replicas: must be an integer ≥ 1 \(got 0\)/],
    ['replicas fraction', { ingress: { replicas: 1.5 } }, /ingress.replicas: must be an integer ≥ 1 \(got 1.5\)/],
    ['cpu limit < request', { ingress: { resources: { cpuRequest: Cpu.millis(200), cpuLimit: Cpu.millis(100) } } },
      /ingress.resources.cpuLimit: is below the CPU request \(200m\) \(got "100m"\)\. Fix: Raise cpuLimit/],
    // Only the request is written: the error is about it, not about the default limit nobody wrote.
    ['memory request > default limit', { controller: { resources: { memoryRequest: Size.mebibytes(300) } } },
      /controller.resources.memoryRequest: is above the default memory limit \(256Mi\) \(got "300Mi"\)\. Fix: Lower memoryRequest, or also set memoryLimit\./],
    ['memory limit < default request', { controller: { resources: { memoryLimit: Size.mebibytes(10) } } },
      /controller.resources.memoryLimit: is below the memory request \(\d+Mi, the default\) \(got "10Mi"\)/],
    ['cpu request > default limit', { ingress: { resources: { cpuRequest: Cpu.units(8) } } },
      /ingress.resources.cpuRequest: is above the default CPU limit \(\d+m\) \(got "8000m"\)/],
    ['fractional memory', { controller: { resources: { memoryRequest: Size.kibibytes(100) } } }, /memoryRequest: must be a whole number of mebibytes \(got "100Ki"\)/],
    ['httpPort', { ingress: { httpPort: 70000 } }, /ingress.httpPort: must be an integer in 1..65535 \(got 70000\)/],
    ['httpsPort = httpPort', { ingress: { httpPort: 8080, httpsPort: 8080 } }, /ingress.httpsPort: must be an integer in 1..65535 other than ingress.httpPort \(8080\) \(got 8080\)\. Fix: Use 443/],
    ['httpsPort range', { ingress: { httpsPort: 0 } }, /ingress.httpsPort: must be an integer in 1..65535 other than ingress.httpPort \(80\) \(got 0\)/],
    ['nodePort on ClusterIP', { ingress: { nodePort: 30080 } }, /ingress.nodePort: is only valid for NodePort or LoadBalancer.*\(got 30080\)\. Fix: Set ingress.serviceType/],
    ['nodePort range', { ingress: { serviceType: IngressServiceType.NODE_PORT, nodePort: 80 } }, /ingress.nodePort: must be in the default node-port range 30000–32767 \(got 80\)/],
    ['metricsNamespace', { networkPolicy: { metricsNamespace: 'Mon' } }, /networkPolicy.metricsNamespace: is not a valid namespace name \(got "Mon"\)/],
    ['defaultDomain', { defaultDomain: 'Example.COM' }, /defaultDomain: is not a valid DNS-1123 subdomain.*\(got "Example.COM"\)\. Fix: Use a domain such as "example.com"/],
    ['defaultDomain cluster-local', { defaultDomain: 'svc.cluster.local' }, /defaultDomain: is the cluster-local domain.*\(got "svc.cluster.local"\)/],
    ['selector empty', { domainSelectors: [{ domain: 'a.example.com', selector: {} }] }, /domainSelectors\[0\].selector: must contain at least one label \(got "\{\}"\).*defaultDomain: 'a.example.com'/],
    ['selector value', { domainSelectors: [{ domain: 'a.example.com', selector: { app: 'no spaces' } }] }, /domainSelectors\[0\].selector\["app"\]: is not a valid label value \(got "no spaces"\)/],
    ['selector duplicate domain', { defaultDomain: 'a.example.com', domainSelectors: [{ domain: 'a.example.com', selector: { a: 'b' } }] }, /domainSelectors\[0\].domain: is configured twice \(got "a.example.com"\)/],
    ['domainTemplate path', { network: { domainTemplate: '{{.Name}}.{{.Domain}}/{{.Namespace}}' } },
      /network.domainTemplate: .*renders "hello.example.com\/default", which is not a valid host.*\(got "\{\{.Name\}\}.\{\{.Domain\}\}\/\{\{.Namespace\}\}"\)\. Fix: Render a bare host name/],
    ['domainTemplate single label', { network: { domainTemplate: '{{.Name}}' } }, /renders "hello", which is not a valid host .*at least two segments/],
    ['domainTemplate unknown field', { network: { domainTemplate: '{{.Name}}.{{.Nmspace}}.{{.Domain}}' } }, /network.domainTemplate: .*can't evaluate field Nmspace.*Fix: Use a template such as/],
    ['domainTemplate without Name', { network: { domainTemplate: 'app.{{.Domain}}' } }, /does not use \{\{.Name\}\}/],
    ['tagTemplate with a dot', { network: { tagTemplate: '{{.Tag}}.{{.Name}}' } }, /network.tagTemplate: .*renders "candidate.hello", which is not a DNS label/],
    ['tagTemplate without Tag', { network: { tagTemplate: '{{.Name}}-x' } }, /does not use \{\{.Tag\}\}/],
    ['rolloutDuration fraction', { network: { rolloutDuration: Duration.millis(1500) } }, /network.rolloutDuration: must be a whole number of seconds \(got "1500ms"\)/],
    ['gc min > max', { gc: { minNonActiveRevisions: 10, maxNonActiveRevisions: 5 } }, /gc.minNonActiveRevisions: must be ≤ gc.maxNonActiveRevisions \(5\) \(got 10\)/],
    ['gc min > default max', { gc: { minNonActiveRevisions: 2000 } }, /gc.minNonActiveRevisions: must be ≤ gc.maxNonActiveRevisions \(1000\) \(got 2000\)/],
    ['gc max < default min: the prop the user wrote is named', { gc: { maxNonActiveRevisions: 10 } }, /gc.maxNonActiveRevisions: must be ≥ gc.minNonActiveRevisions \(20 by default\) \(got 10\)/],
    ['gc negative', { gc: { maxNonActiveRevisions: -1 } }, /gc.maxNonActiveRevisions: must be an integer ≥ 0 \(got -1\)/],
    ['timeout > max', { defaults: { revisionTimeout: Duration.minutes(20) } }, /defaults.revisionTimeout: must be ≤ defaults.maxRevisionTimeout \(600s\) \(got "1200s"\)/],
    ['max timeout < default timeout: the prop the user wrote is named', { defaults: { maxRevisionTimeout: Duration.seconds(200) } },
      /defaults.maxRevisionTimeout: must be ≥ defaults.revisionTimeout \(300s by default\) \(got "200s"\)/],
    ['timeout zero', { defaults: { revisionTimeout: Duration.seconds(0) } }, /defaults.revisionTimeout: must be at least 1s \(got "0s"\)/],
    ['concurrency > limit', { defaults: { containerConcurrency: 2000 } }, /defaults.containerConcurrency: must be ≤ defaults.containerConcurrencyMaxLimit \(1000\) \(got 2000\)/],
    ['concurrency 0 not allowed', { defaults: { containerConcurrency: 0, allowContainerConcurrencyZero: false } },
      /defaults.containerConcurrency: must be ≥ 1 when defaults.allowContainerConcurrencyZero is false \(got 0\)/],
    ['unknown flag', { features: { additionalFlags: { 'tag-header-routing': 'Enabled' } } }, /features.additionalFlags key: is not a Knative Serving feature flag \(got "tag-header-routing"\).*tag-header-based-routing/],
    ['bad flag state', { features: { additionalFlags: { 'autodetect-http2': 'on' } } }, /features.additionalFlags\["autodetect-http2"\]: is not a flag state \(got "on"\).*"Enabled", "Allowed" or "Disabled"/],
    ['duplicate flag', { features: { tagHeaderBasedRouting: FeatureFlagState.ENABLED, additionalFlags: { 'tag-header-based-routing': 'Disabled' } } },
      /duplicates features.tagHeaderBasedRouting/],
    ['initialScale 0 not allowed', { autoscaler: { initialScale: 0 } },
      /autoscaler.initialScale: may be 0 only when autoscaler.allowZeroInitialScale is true \(got 0\)\. Fix: Set allowZeroInitialScale: true/],
    ['initialScale fraction', { autoscaler: { initialScale: 1.5 } }, /autoscaler.initialScale: must be an integer ≥ 0 \(got 1.5\)/],
    ['maxScaleLimit without maxScale', { autoscaler: { maxScaleLimit: 10 } },
      /autoscaler.maxScaleLimit: needs a default autoscaler.maxScale between 1 and the limit.*\(got 10\)\. Fix: Set maxScale too, e.g. maxScale: 10/],
    ['maxScale above the limit', { autoscaler: { maxScale: 20, maxScaleLimit: 10 } }, /autoscaler.maxScale: must be between 1 and autoscaler.maxScaleLimit \(10\) \(got 20\)/],
    ['minScale above maxScale', { autoscaler: { minScale: 5, maxScale: 3 } }, /autoscaler.minScale: must be ≤ autoscaler.maxScale \(3\) \(got 5\)/],
    ['utilization out of range', { autoscaler: { targetUtilizationPercentage: 0.5 } }, /autoscaler.targetUtilizationPercentage: must be a number in \[1, 100\] \(got 0.5\)/],
    ['target default not positive', { autoscaler: { containerConcurrencyTargetDefault: 0 } }, /autoscaler.containerConcurrencyTargetDefault: must be a number > 0 \(got 0\)/],
    ['rps target too small', { autoscaler: { requestsPerSecondTargetDefault: 0.001 } }, /autoscaler.requestsPerSecondTargetDefault: must be a number ≥ 0.01 \(got 0.001\)/],
    ['non-finite number', { autoscaler: { activatorCapacity: Number.POSITIVE_INFINITY } }, /autoscaler.activatorCapacity: must be a number ≥ 1 \(got Infinity\)/],
    ['burst capacity', { autoscaler: { targetBurstCapacity: -2 } }, /autoscaler.targetBurstCapacity: must be a number ≥ 0, or -1 \(unlimited\) \(got -2\)/],
    ['stable window too long', { autoscaler: { stableWindow: Duration.hours(2) } }, /autoscaler.stableWindow: must be at most 1h0m0s \(got "7200s"\)/],
    ['stable window fraction', { autoscaler: { stableWindow: Duration.millis(6500) } }, /autoscaler.stableWindow: must be a whole number of seconds \(got "6500ms"\)/],
    ['panic window below 1s', { autoscaler: { stableWindow: Duration.seconds(6), panicWindowPercentage: 10 } },
      /autoscaler.panicWindowPercentage: gives a panic window of 0.6s .*below the minimum 1s \(got 10\)/],
    ['panic threshold', { autoscaler: { panicThresholdPercentage: 100 } }, /autoscaler.panicThresholdPercentage: must be a number in \[110, 1000\] \(got 100\)/],
    ['grace period', { autoscaler: { scaleToZeroGracePeriod: Duration.seconds(5) } }, /autoscaler.scaleToZeroGracePeriod: must be at least 6s \(got "5s"\)/],
    ['scale-down delay fraction', { autoscaler: { scaleDownDelay: Duration.millis(1500) } }, /autoscaler.scaleDownDelay: must be a whole number of seconds/],
    ['scale-up rate', { autoscaler: { maxScaleUpRate: 1 } }, /autoscaler.maxScaleUpRate: must be a number > 1 \(got 1\)/],
    ['custom class in knative.dev', { autoscaler: { podAutoscalerClass: AutoscalerClass.custom('my.knative.dev') } },
      /autoscaler.podAutoscalerClass: is not a Knative autoscaler class.*\(got "my.knative.dev"\)\. Fix: Use AutoscalerClass.KPA/],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expect(() => new ServingControlPlane(Testing.chart(), 'cp', props)).toThrow(message);
  });
});

test('caps the V8 heap at half of each container memory limit (NODE_OPTIONS)', () => {
  const chart = Testing.chart();
  new ServingControlPlane(chart, 'Serving', { controller: { resources: { memoryLimit: Size.mebibytes(512) } } });
  const out = Testing.synth(chart);
  const env = (name: string) => out.find((o: any) => o.kind === 'Deployment' && o.metadata.name === name).spec.template.spec.containers[0].env;
  expect(env('serving-controller').find((e: any) => e.name === 'NODE_OPTIONS').value).toBe('--enable-source-maps --max-old-space-size=256');
  expect(env('serving-ingress').find((e: any) => e.name === 'NODE_OPTIONS').value).toBe('--enable-source-maps --max-old-space-size=128');
});

test('the ingress holds as many waiting requests as fit its heap: MAX_WAITING_* follow its memory limit', () => {
  const waiting = (props: ServingControlPlaneProps): Record<string, string> => {
    const chart = Testing.chart();
    new ServingControlPlane(chart, 'Serving', props);
    const env: any[] = Testing.synth(chart).find((o: any) => o.kind === 'Deployment' && o.metadata.name === 'serving-ingress')
      .spec.template.spec.containers[0].env;
    return Object.fromEntries(env.filter((e) => e.name.startsWith('MAX_WAITING')).map((e) => [e.name, e.value]));
  };
  // 256 MiB → 128 MiB old space − 32 MiB own heap = 96 MiB at 12 KiB per held request → 8,192 → 8,100
  expect(waiting({})).toEqual({ MAX_WAITING_TOTAL: '8100', MAX_WAITING_PER_REVISION: '8100' });
  // 1 GiB → 480 MiB → 40,960: the per-revision cap stays at upstream's 10,000
  expect(waiting({ ingress: { resources: { memoryLimit: Size.gibibytes(1) } } }))
    .toEqual({ MAX_WAITING_TOTAL: '40900', MAX_WAITING_PER_REVISION: '10000' });
  // too small to hold much: at least 100
  expect(waiting({ ingress: { resources: { memoryRequest: Size.mebibytes(32), memoryLimit: Size.mebibytes(64) } } }))
    .toEqual({ MAX_WAITING_TOTAL: '100', MAX_WAITING_PER_REVISION: '100' });
});

describe('admission webhook', () => {
  const out = synth();

  test('three configurations as upstream registers them: Fail, None, 10 s, v1 reviews, our Service and paths', () => {
    const hooks = out.filter(m => m.kind.endsWith('WebhookConfiguration'));
    expect(hooks.map(h => [h.kind, h.metadata.name, h.webhooks.map((w: any) => w.name)])).toEqual([
      ['MutatingWebhookConfiguration', 'webhook.serving.knative.dev', ['webhook.serving.knative.dev']],
      ['ValidatingWebhookConfiguration', 'validation.webhook.serving.knative.dev', ['validation.webhook.serving.knative.dev']],
      ['ValidatingWebhookConfiguration', 'config.webhook.serving.knative.dev', ['config.webhook.serving.knative.dev']],
    ]);
    const paths = ['/defaulting', '/resource-validation', '/config-validation'];
    hooks.forEach((h, i) => {
      const [w] = h.webhooks;
      expect(w).toMatchObject({ failurePolicy: 'Fail', sideEffects: 'None', timeoutSeconds: 10, admissionReviewVersions: ['v1'] });
      expect(w.clientConfig).toEqual({ service: { name: 'serving-webhook', namespace: 'knative-serving', path: paths[i], port: 443 } });
      expect(w.clientConfig.caBundle).toBeUndefined();
    });
    expect(hooks[0].webhooks[0].reinvocationPolicy).toBe('IfNeeded');
    // The Service forwards 443 to the webhook's HTTPS port.
    const svc = find(out, 'Service', 'serving-webhook');
    expect(svc.spec.ports).toEqual([{ name: 'https-webhook', port: 443, targetPort: 'https-webhook', protocol: 'TCP' }]);
    const container = find(out, 'Deployment', 'serving-webhook').spec.template.spec.containers[0];
    expect(container.ports.find((p: any) => p.name === 'https-webhook').containerPort).toBe(8443);
    expect(container.args).toEqual(['/app/webhook.js']);
  });

  test('resource webhooks: the five kinds with /status, CREATE/UPDATE (+DELETE to validate), outside the system namespace and excluded namespaces', () => {
    const resources = ['configurations', 'configurations/status', 'revisions', 'revisions/status', 'routes', 'routes/status', 'services', 'services/status'];
    const rules = (ops: string[]): unknown[] => [
      { apiGroups: ['serving.knative.dev'], apiVersions: ['v1'], operations: ops, resources, scope: 'Namespaced' },
      { apiGroups: ['serving.knative.dev'], apiVersions: ['v1beta1'], operations: ops, resources: ['domainmappings', 'domainmappings/status'], scope: 'Namespaced' },
    ];
    const selector = {
      matchExpressions: [
        { key: 'webhooks.knative.dev/exclude', operator: 'DoesNotExist' },
        { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['knative-serving'] },
      ],
    };
    const mutating = find(out, 'MutatingWebhookConfiguration', 'webhook.serving.knative.dev').webhooks[0];
    expect([mutating.rules, mutating.namespaceSelector, mutating.objectSelector]).toEqual([rules(['CREATE', 'UPDATE']), selector, undefined]);
    const validating = find(out, 'ValidatingWebhookConfiguration', 'validation.webhook.serving.knative.dev').webhooks[0];
    expect([validating.rules, validating.namespaceSelector]).toEqual([rules(['CREATE', 'UPDATE', 'DELETE']), selector]);
  });

  test('config webhook: ConfigMaps of the system namespace carrying the control plane\'s part-of label (so not kube-root-ca.crt)', () => {
    const w = find(out, 'ValidatingWebhookConfiguration', 'config.webhook.serving.knative.dev').webhooks[0];
    expect(w.rules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'], scope: 'Namespaced' }]);
    expect(w.namespaceSelector).toEqual({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['knative-serving'] }] });
    expect(w.objectSelector).toEqual({ matchLabels: { 'app.kubernetes.io/part-of': 'cdk8s-knative-serving' } });
    // Every config-* ConfigMap of the control plane is selected.
    for (const cm of out.filter(m => m.kind === 'ConfigMap')) expect(cm.metadata.labels).toMatchObject(w.objectSelector.matchLabels);
    // The namespace selector follows the namespace prop.
    const kn = synth({ namespace: 'kn-system' });
    expect(find(kn, 'ValidatingWebhookConfiguration', 'config.webhook.serving.knative.dev').webhooks[0].namespaceSelector.matchExpressions[0].values).toEqual(['kn-system']);
    expect(find(kn, 'MutatingWebhookConfiguration', 'webhook.serving.knative.dev').webhooks[0].clientConfig.service.namespace).toBe('kn-system');
  });

  test('the Secret is emitted empty; the NetworkPolicy opens the webhook port to any source (the API server is no pod), the admin port to pods and scrapers', () => {
    const secret = find(out, 'Secret', 'serving-webhook-certs');
    expect(secret.data).toBeUndefined();
    expect(secret.type).toBe('Opaque');
    const np = find(out, 'NetworkPolicy', 'serving-webhook');
    expect(np.spec.ingress).toEqual([
      { ports: [{ protocol: 'TCP', port: 8443 }] },
      { from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
  });

  test('webhook.enabled false: nothing of the webhook is emitted', () => {
    const chart = Testing.chart();
    const cp = new ServingControlPlane(chart, 'cp', { webhook: { enabled: false } });
    const off = Testing.synth(chart) as Manifest[];
    expect(off.filter(m => JSON.stringify(m).includes('webhook'))).toEqual([]);
    expect([cp.webhookDeployment, cp.webhookService, cp.webhookConfigurations]).toEqual([undefined, undefined, []]);
    expect(cp.describeRules().some(r => r.component === 'webhook')).toBe(false);
    // The rest is the same as with the webhook.
    const on = synth();
    expect(off).toEqual(on.filter(m => !JSON.stringify(m).includes('webhook')));
  });

  test('options: replicas, resources, image, log level, timeout; bad values are named', () => {
    const out2 = synth({ webhook: { replicas: 3, timeoutSeconds: 5, logLevel: LogLevel.DEBUG, resources: { cpuRequest: Cpu.millis(50) } }, webhookImage: 'example.com/w:1' });
    const d = find(out2, 'Deployment', 'serving-webhook');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].image).toBe('example.com/w:1');
    expect(d.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(d.spec.template.spec.containers[0].env.find((e: any) => e.name === 'LOG_LEVEL').value).toBe('debug');
    for (const h of out2.filter(m => m.kind.endsWith('WebhookConfiguration'))) expect(h.webhooks[0].timeoutSeconds).toBe(5);
    expect(() => synth({ webhook: { timeoutSeconds: 31 } })).toThrow('[test/ControlPlane] webhook.timeoutSeconds: must be an integer in 1..30');
    expect(() => synth({ webhook: { replicas: 0 } })).toThrow('[test/ControlPlane] webhook.replicas: must be an integer ≥ 1');
    expect(() => synth({ webhookImage: 'Bad Image' })).toThrow('[test/ControlPlane] webhookImage: is not a valid image reference');
  });
});

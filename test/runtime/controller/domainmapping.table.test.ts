/**
 * DomainMapping reconciler table (Knative's pkg/reconciler/domainmapping/table_test.go in this
 * runtime's style): every condition and reason the reconciler sets, the ClusterDomainClaim
 * (existing, another namespace's, autocreated, failed create), the finalizer kept only while
 * autocreate is on, deletion, and IngressReady only once every ingress replica serves the rule
 * (the harness's ingress stand-in serves what the API stores, so a status is served once
 * written; the probe rows answer with fixed replicas).
 */
import { NOW, image, ksvc, startHarness } from './harness';
import { condOf, induceFailure, readyStatus, runTable, uid, written } from './table';
import { defaultServingConfig } from '../../../src/core/config';
import { domainMappingDigest, domainMappingRule } from '../../../src/core/domain-mapping';
import type { DomainMappingObject, KubeObject } from '../../../src/core/types';
import { R } from '../../../src/runtime/controller/client';
import type { IngressProber } from '../../../src/runtime/controller/ingress-probe';

const DOMAIN = 'app.example.com';
const KEY = `default/${DOMAIN}`;
const FINALIZER = 'domainmappings.serving.knative.dev';

interface DmOpts { ref?: any; tls?: any; generation?: number; status?: any; finalizers?: string[]; deletionTimestamp?: string; ns?: string }
const dm = (extra: DmOpts = {}): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1beta1',
  kind: 'DomainMapping',
  metadata: {
    name: DOMAIN,
    namespace: extra.ns ?? 'default',
    uid: uid('DomainMapping', DOMAIN),
    generation: extra.generation ?? 1,
    ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
    ...(extra.deletionTimestamp ? { deletionTimestamp: extra.deletionTimestamp } : {}),
  },
  // ref.namespace as Knative's defaulting (and the emulator's admission) sets it
  spec: { ref: extra.ref ?? { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'web', namespace: 'default' }, ...(extra.tls ? { tls: extra.tls } : {}) },
  ...(extra.status ? { status: extra.status } : {}),
});
const claim = (namespace: string): KubeObject => ({
  apiVersion: 'networking.internal.knative.dev/v1alpha1', kind: 'ClusterDomainClaim', metadata: { name: DOMAIN }, spec: { namespace },
} as any);
const addressed = (kind: 'Service' | 'Route', name: string, url: string | undefined, extra: any = {}): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1',
  kind,
  metadata: { name, namespace: 'default', generation: 1 },
  spec: kind === 'Service' ? { template: { spec: { containers: [{ image: 'ghcr.io/example/web:1' }] } } } : { traffic: [{ configurationName: name, latestRevision: true, percent: 100 }] },
  status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }], ...(url ? { address: { url } } : {}), ...extra },
});
const WEB = addressed('Service', 'web', 'http://web.default.svc.cluster.local');
/** The KService's Route as the ingress serves it: its cluster-local host is the DomainMapping's target host. */
const WEB_ROUTE = addressed('Route', 'web', 'http://web.default.svc.cluster.local', { traffic: [{ revisionName: 'web-00001', percent: 100 }] });
/** A Kubernetes Service (not a Knative one) in the DomainMapping's namespace. */
const K8S_SERVICE = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy', namespace: 'default' }, spec: { ports: [{ port: 80, targetPort: 8080 }] } } as KubeObject;
/** IngressReady's message while the stand-in has not loaded the DomainMapping's rule (its status not written yet). */
const NOT_LOADED = 'Waiting for load balancer to be ready: 0 of 1 ingress replicas serve the current routing (ingress-stand-in: domain mapping not loaded).';
const network = (data: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-network', namespace: 'knative-serving' }, data } as any);
const AUTOCREATE = network({ 'autocreate-cluster-domain-claims': 'true' });

const expectCond = (obj: any, type: string, status: string, reason?: string, message?: string | RegExp): void => {
  const c = condOf(obj, type);
  expect(c).toMatchObject({ status, ...(reason ? { reason } : {}) });
  if (reason === undefined) expect(c.reason).toBeUndefined();
  if (typeof message === 'string') expect(c.message).toBe(message);
  else if (message) expect(c.message).toMatch(message);
};
const st = (actions: any[]): any => written(actions, 'update domainmappings/status');

/** The status of a served DomainMapping, as the reconciler writes it. */
const SERVED = {
  ...readyStatus(1, ['DomainClaimed', 'ReferenceResolved', 'IngressReady', 'CertificateProvisioned']),
  url: `http://${DOMAIN}`,
  address: { url: `http://${DOMAIN}` },
};
SERVED.conditions = SERVED.conditions.map((c: any) => (c.type === 'CertificateProvisioned'
  ? { ...c, reason: 'TLSNotEnabled', message: 'external-domain-tls is not enabled' } : c));

const ALREADY = 'The domain name is already in use by another DomainMapping';

/** The RoleBinding that lets the ingress read this namespace's TLS Secrets, owned by the DomainMappings naming one. */
const SECRETS = 'knative-serving-ingress-domainmapping-secrets';
const secretsBinding = (owners: Array<[string, string]>): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: {
    name: SECRETS,
    namespace: 'default',
    labels: { 'networking.internal.knative.dev/domainmapping-secrets': 'true' },
    ownerReferences: owners.map(([name, u]) => ({ apiVersion: 'serving.knative.dev/v1beta1', kind: 'DomainMapping', name, uid: u })),
  },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: SECRETS },
  subjects: [{ kind: 'ServiceAccount', name: 'serving-ingress', namespace: 'knative-serving' }],
} as any);
const otherTls = (): KubeObject => ({
  ...dm({ tls: { secretName: 'other-cert' } }),
  metadata: { name: 'other.example.com', namespace: 'default', uid: uid('DomainMapping', 'other.example.com'), generation: 1 },
});

runTable('DomainMapping', [
  {
    name: 'claimed domain, KService with an address → url and address http://<domain>, IngressReady Unknown until the ingress serves the rule, then every condition True',
    objects: [dm(), claim('default'), WEB, WEB_ROUTE],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions, _emu, ctl) => {
      const s = st(actions);
      expect(s.status.url).toBe(`http://${DOMAIN}`);
      expect(s.status.address).toEqual({ url: `http://${DOMAIN}` });
      expect(s.status.observedGeneration).toBe(1);
      expectCond(s, 'DomainClaimed', 'True');
      expectCond(s, 'ReferenceResolved', 'True');
      // the ingress (stand-in: serves what the API stores) has not loaded this status yet
      expectCond(s, 'IngressReady', 'Unknown', 'Uninitialized', NOT_LOADED);
      expectCond(s, 'CertificateProvisioned', 'True', 'TLSNotEnabled', 'external-domain-tls is not enabled');
      expectCond(s, 'Ready', 'Unknown', 'Uninitialized', NOT_LOADED);
      expect(ctl.scheduledRequeues()).toEqual([{ kind: 'DomainMapping', key: KEY, due: Date.parse(NOW) + 50 }]);
      // autocreate is off: no finalizer is needed, none is added
      expect(s.metadata.finalizers).toBeUndefined();
    },
    // The status is stored, so the ingress serves its rule: the next reconcile marks it Ready.
    thenConverges: {
      want: [`update domainmappings/status ${KEY}`],
      check: (actions) => {
        expectCond(st(actions), 'IngressReady', 'True');
        expectCond(st(actions), 'Ready', 'True');
      },
    },
  },
  {
    name: 'steady state: the status already says so and the ingress serves it → no write',
    objects: [dm({ status: SERVED }), claim('default'), WEB, WEB_ROUTE],
    key: KEY,
    want: [],
  },
  {
    name: 'a Route as the target resolves the same way',
    objects: [dm({ ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Route', name: 'web' } }), claim('default'), WEB_ROUTE],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => {
      expectCond(st(actions), 'ReferenceResolved', 'True');
      expectCond(st(actions), 'Ready', 'Unknown', 'Uninitialized');
    },
    thenConverges: { want: [`update domainmappings/status ${KEY}`], check: (actions) => expectCond(st(actions), 'Ready', 'True') },
  },
  {
    name: 'no ClusterDomainClaim, autocreate off → DomainClaimed False DomainAlreadyClaimed; new generation → IngressReady Unknown IngressNotConfigured',
    objects: [dm({ generation: 2, status: SERVED }), WEB],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => {
      const s = st(actions);
      expectCond(s, 'DomainClaimed', 'False', 'DomainAlreadyClaimed', ALREADY);
      expectCond(s, 'IngressReady', 'Unknown', 'IngressNotConfigured', 'Ingress has not yet been reconciled.');
      expectCond(s, 'Ready', 'False', 'DomainAlreadyClaimed', ALREADY);
      expect(s.status.observedGeneration).toBe(2);
      expect(s.status.url).toBe(`http://${DOMAIN}`);
    },
  },
  {
    name: 'the claim belongs to another namespace → DomainClaimed False DomainAlreadyClaimed, the reference is not resolved',
    objects: [dm(), claim('other'), WEB],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => {
      const s = st(actions);
      expectCond(s, 'DomainClaimed', 'False', 'DomainAlreadyClaimed', ALREADY);
      expectCond(s, 'ReferenceResolved', 'Unknown');
      expectCond(s, 'Ready', 'False', 'DomainAlreadyClaimed');
    },
  },
  {
    name: 'autocreate on, no claim → finalizer added, ClusterDomainClaim created for this namespace, Ready once served',
    objects: [AUTOCREATE, dm(), WEB, WEB_ROUTE],
    key: KEY,
    want: [`update domainmappings ${KEY}`, `create clusterdomainclaims /${DOMAIN}`, `update domainmappings/status ${KEY}`],
    check: (actions, emu) => {
      expect(written(actions, 'update domainmappings ').metadata.finalizers).toEqual([FINALIZER]);
      expect(st(actions).status.observedGeneration).toBe(1);
      const c = emu.get(R.clusterDomainClaims as any, '', DOMAIN) as any;
      expect(c.spec).toEqual({ namespace: 'default' });
      expectCond(st(actions), 'DomainClaimed', 'True');
      expectCond(st(actions), 'Ready', 'Unknown', 'Uninitialized');
    },
    thenConverges: { want: [`update domainmappings/status ${KEY}`], check: (actions) => expectCond(st(actions), 'Ready', 'True') },
  },
  {
    name: 'autocreate on, creating the claim fails → DomainClaimed False DomainClaimFailed, error; then converges',
    objects: [AUTOCREATE, dm({ finalizers: [FINALIZER] }), WEB, WEB_ROUTE],
    key: KEY,
    withReactors: [induceFailure('create', 'clusterdomainclaims')],
    wantErr: true,
    want: [`create clusterdomainclaims /${DOMAIN} → 500`, `update domainmappings/status ${KEY}`],
    check: (actions) => {
      expectCond(st(actions), 'DomainClaimed', 'False', 'DomainClaimFailed', /^failed to create ClusterDomainClaim: /);
      expectCond(st(actions), 'Ready', 'False', 'DomainClaimFailed');
    },
    thenConverges: {
      want: [`create clusterdomainclaims /${DOMAIN}`, `update domainmappings/status ${KEY}`],
      // claimed and resolved now; the failed reconcile's status had no rule to serve
      check: (actions) => {
        expectCond(st(actions), 'DomainClaimed', 'True');
        expectCond(st(actions), 'Ready', 'Unknown', 'Uninitialized', NOT_LOADED);
      },
    },
  },
  {
    name: 'autocreate off again: the finalizer is no longer needed → removed',
    objects: [dm({ finalizers: [FINALIZER], status: SERVED }), claim('default'), WEB, WEB_ROUTE],
    key: KEY,
    want: [`update domainmappings ${KEY}`],
    check: (actions) => {
      expect(written(actions, 'update domainmappings ').metadata.finalizers ?? []).toEqual([]);
      expect(actions[0].result?.metadata?.generation).toBe(1);
    },
  },
  {
    name: 'spec.tls.secretName → https url and address, CertificateProvisioned True CertificateExternallyProvided; the ingress may read Secrets here (RoleBinding owned by the DomainMapping)',
    objects: [dm({ tls: { secretName: 'app-cert' } }), claim('default'), WEB, WEB_ROUTE],
    key: KEY,
    want: [`create rolebindings default/${SECRETS}`, `update domainmappings/status ${KEY}`],
    check: (actions) => {
      const rb = written(actions, 'create rolebindings');
      const want = secretsBinding([[DOMAIN, uid('DomainMapping', DOMAIN)]]) as any;
      expect(rb.metadata.ownerReferences).toEqual(want.metadata.ownerReferences);
      expect(rb.metadata.labels).toEqual(want.metadata.labels);
      expect(rb.roleRef).toEqual(want.roleRef);
      expect(rb.subjects).toEqual(want.subjects);
      const s = st(actions);
      expect(s.status.url).toBe(`https://${DOMAIN}`);
      expect(s.status.address).toEqual({ url: `https://${DOMAIN}` });
      expectCond(s, 'CertificateProvisioned', 'True', 'CertificateExternallyProvided', 'TLS certificate was provided externally');
      expectCond(s, 'Ready', 'Unknown', 'Uninitialized');
    },
    // the rule with its TLS Secret is served once written
    thenConverges: { want: [`update domainmappings/status ${KEY}`], check: (actions) => expectCond(st(actions), 'Ready', 'True') },
  },
  {
    name: 'TLS Secrets binding: current → no write; another DomainMapping naming a Secret → both own it; none left → deleted',
    objects: [dm({ tls: { secretName: 'app-cert' }, status: { ...SERVED, url: `https://${DOMAIN}`, address: { url: `https://${DOMAIN}` }, conditions: SERVED.conditions.map((c: any) => (c.type === 'CertificateProvisioned' ? { ...c, reason: 'CertificateExternallyProvided', message: 'TLS certificate was provided externally' } : c)) } }),
      claim('default'), WEB, WEB_ROUTE, secretsBinding([[DOMAIN, uid('DomainMapping', DOMAIN)]])],
    key: KEY,
    want: [],
  },
  {
    name: 'TLS Secrets binding: a second DomainMapping naming a Secret is added to its owners',
    objects: [dm({ tls: { secretName: 'app-cert' } }), otherTls(), claim('default'), WEB, secretsBinding([[DOMAIN, uid('DomainMapping', DOMAIN)]])],
    key: KEY,
    want: [`update rolebindings default/${SECRETS}`, `update domainmappings/status ${KEY}`],
    check: (actions) => expect(written(actions, 'update rolebindings').metadata.ownerReferences.map((o: any) => o.name)).toEqual([DOMAIN, 'other.example.com']),
  },
  {
    name: 'TLS Secrets binding: spec.tls removed → dropped from the owners; the last one gone → the binding is deleted',
    objects: [dm(), claim('default'), WEB, secretsBinding([[DOMAIN, uid('DomainMapping', DOMAIN)]])],
    key: KEY,
    want: [`delete rolebindings default/${SECRETS}`, `update domainmappings/status ${KEY}`],
  },
  {
    name: 'external-domain-tls Enabled without spec.tls → TLSNotEnabled says no certificates are provisioned; default-external-scheme used',
    objects: [network({ 'external-domain-tls': 'Enabled', 'default-external-scheme': 'https' }), dm(), claim('default'), WEB],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => {
      expect(st(actions).status.url).toBe(`https://${DOMAIN}`);
      expectCond(st(actions), 'CertificateProvisioned', 'True', 'TLSNotEnabled', /provisions no certificates/);
    },
  },
  {
    name: 'the referenced KService does not exist → ReferenceResolved False ResolveFailed (upstream resolver message)',
    objects: [dm(), claim('default')],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => {
      expectCond(st(actions), 'ReferenceResolved', 'False', 'ResolveFailed', 'failed to get object default/web: services.serving.knative.dev "web" not found');
      expectCond(st(actions), 'IngressReady', 'Unknown', 'IngressNotConfigured');
      expectCond(st(actions), 'Ready', 'False', 'ResolveFailed');
    },
  },
  {
    name: 'the KService has no address yet → ResolveFailed "address not set"',
    objects: [dm(), claim('default'), addressed('Service', 'web', undefined)],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => expectCond(st(actions), 'ReferenceResolved', 'False', 'ResolveFailed', 'address not set for Service default/web'),
  },
  {
    name: 'ref.address names an address the target does not have → ResolveFailed',
    objects: [dm({ ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'web', address: 'private' } }), claim('default'), WEB],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => expectCond(st(actions), 'ReferenceResolved', 'False', 'ResolveFailed', 'address with name "private" not found for Service default/web'),
  },
  {
    name: 'a Kubernetes Service (v1) that exists → resolved to its cluster DNS name (Knative\'s resolver special case), Ready once served',
    objects: [dm({ ref: { apiVersion: 'v1', kind: 'Service', name: 'legacy', namespace: 'default' } }), claim('default'), K8S_SERVICE],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => {
      expectCond(st(actions), 'ReferenceResolved', 'True');
      expectCond(st(actions), 'IngressReady', 'Unknown', 'Uninitialized', NOT_LOADED);
    },
    // The ingress serves it (the Service's port 80) without any Route: Ready.
    thenConverges: { want: [`update domainmappings/status ${KEY}`], check: (actions) => expectCond(st(actions), 'Ready', 'True') },
  },
  {
    name: 'a Kubernetes Service (v1) that does not exist → ResolveFailed with upstream\'s resolver message',
    objects: [dm({ ref: { apiVersion: 'v1', kind: 'Service', name: 'legacy', namespace: 'default' } }), claim('default'), WEB],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => expectCond(st(actions), 'ReferenceResolved', 'False', 'ResolveFailed', 'failed to get object default/legacy: services "legacy" not found'),
  },
  {
    name: 'a kind the runtime does not resolve (another Addressable) → ResolveFailed naming what is supported',
    objects: [dm({ ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'web' } }), claim('default'), WEB],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => expectCond(st(actions), 'ReferenceResolved', 'False', 'ResolveFailed',
      /^Broker of apiVersion "eventing.knative.dev\/v1" is not resolved by the bundled runtime: spec.ref must name a serving.knative.dev\/v1 Service or Route, or a v1 Service/),
  },
  {
    name: 'resolved URL with a path → ResolveFailed "contains a path"',
    objects: [dm(), claim('default'), addressed('Service', 'web', 'http://web.default.svc.cluster.local/api')],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => expectCond(st(actions), 'ReferenceResolved', 'False', 'ResolveFailed', 'resolved URI "http://web.default.svc.cluster.local/api" contains a path'),
  },
  {
    name: 'resolved URL not of the form {name}.{namespace}.svc.<cd> → ResolveFailed',
    objects: [dm(), claim('default'), addressed('Service', 'web', 'http://web.example.com')],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => expectCond(st(actions), 'ReferenceResolved', 'False', 'ResolveFailed', 'resolved URI "http://web.example.com" must be of the form {name}.{namespace}.svc.cluster.local'),
  },
  {
    name: 'resolved URL in another namespace → ResolveFailed "same namespace"',
    objects: [dm(), claim('default'), addressed('Service', 'web', 'http://web.other.svc.cluster.local')],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => expectCond(st(actions), 'ReferenceResolved', 'False', 'ResolveFailed', 'resolved URI "http://web.other.svc.cluster.local" must be in same namespace as DomainMapping'),
  },
  {
    name: 'resolved URL of another name in this namespace → ResolveFailed (the ingress routes to the ref\'s own host)',
    objects: [dm(), claim('default'), addressed('Service', 'web', 'http://api.default.svc.cluster.local')],
    key: KEY,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => expectCond(st(actions), 'ReferenceResolved', 'False', 'ResolveFailed', /is not the cluster-local address of Service default\/web \(web\.default\.svc\.cluster\.local\)/),
  },
  {
    name: 'invalid spec (ref.namespace differs; stored before admission) → ReferenceResolved False InvalidSpec',
    objects: [dm({ ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'web', namespace: 'other' } }), claim('default'), WEB],
    key: KEY,
    admission: false,
    want: [`update domainmappings/status ${KEY}`],
    check: (actions) => {
      expectCond(st(actions), 'ReferenceResolved', 'False', 'InvalidSpec', /mismatched namespaces/);
      expectCond(st(actions), 'Ready', 'False', 'InvalidSpec');
    },
  },
  {
    name: 'deleted with autocreate on: our claim is deleted, then the finalizer removed',
    objects: [AUTOCREATE, dm({ finalizers: [FINALIZER], deletionTimestamp: NOW, status: SERVED }), claim('default')],
    key: KEY,
    want: [`delete clusterdomainclaims /${DOMAIN}`, `update domainmappings ${KEY}`],
  },
  {
    name: 'deleted with autocreate on, the claim is another namespace\'s → kept; only the finalizer is removed',
    objects: [AUTOCREATE, dm({ finalizers: [FINALIZER], deletionTimestamp: NOW, status: SERVED }), claim('other')],
    key: KEY,
    want: [`update domainmappings ${KEY}`],
  },
  ...ingressProbeRows(),
]);

/**
 * IngressReady means served: a claimed, resolved DomainMapping whose status already holds its
 * rule (IngressReady still Unknown), probed through fixed answers of two replicas.
 */
function ingressProbeRows(): Parameters<typeof runTable>[1] {
  const status = {
    ...SERVED,
    conditions: SERVED.conditions.map((c: any) => (c.type === 'IngressReady' || c.type === 'Ready'
      ? { ...c, status: 'Unknown', reason: 'Uninitialized', message: 'Waiting for load balancer to be ready' } : c)),
  };
  const world = () => [dm({ status }), claim('default'), WEB, WEB_ROUTE];
  // What an ingress computes from that status (its own function, not the controller's).
  const current = domainMappingDigest(domainMappingRule(dm({ status }) as DomainMappingObject, defaultServingConfig())!);
  const older = domainMappingDigest({ ...domainMappingRule(dm({ status }) as DomainMappingObject, defaultServingConfig())!, targetHost: 'api.default.svc.cluster.local' });
  const answers = (...a: Array<{ replica: string; digest?: string; error?: string }>) => (): IngressProber => ({ probe: async () => a });
  return [
    {
      name: 'IngressReady: every replica serves the current rule → True, Ready True, nothing scheduled',
      objects: world(),
      key: KEY,
      ingressProber: answers({ replica: '10.0.0.2:9000', digest: current }, { replica: '10.0.0.3:9000', digest: current }),
      want: [`update domainmappings/status ${KEY}`],
      check: (actions, _emu, ctl) => {
        expectCond(st(actions), 'IngressReady', 'True');
        expectCond(st(actions), 'Ready', 'True');
        expect(ctl.scheduledRequeues()).toEqual([]);
      },
    },
    {
      name: 'IngressReady: one replica serves an older rule → Unknown Uninitialized naming it, probed again in 50 ms',
      objects: world(),
      key: KEY,
      ingressProber: answers({ replica: '10.0.0.3:9000', digest: older }, { replica: '10.0.0.2:9000', digest: current }),
      // the condition's message changes (now naming the replica)
      want: [`update domainmappings/status ${KEY}`],
      check: (actions, _emu, ctl) => {
        const msg = 'Waiting for load balancer to be ready: 1 of 2 ingress replicas serve the current routing (10.0.0.3:9000: serves another version).';
        expectCond(st(actions), 'IngressReady', 'Unknown', 'Uninitialized', msg);
        expectCond(st(actions), 'Ready', 'Unknown', 'Uninitialized', msg);
        expect(ctl.scheduledRequeues()).toEqual([{ kind: 'DomainMapping', key: KEY, due: Date.parse(NOW) + 50 }]);
      },
    },
    {
      name: 'IngressReady: no ready ingress replica → Unknown, the message says so',
      objects: world(),
      key: KEY,
      ingressProber: answers(),
      want: [`update domainmappings/status ${KEY}`],
      check: (actions, _emu, ctl) => {
        expectCond(st(actions), 'IngressReady', 'Unknown', 'Uninitialized', 'Waiting for load balancer to be ready: no ready ingress replica to probe.');
        expect(ctl.scheduledRequeues()).toHaveLength(1);
      },
    },
    {
      name: 'IngressReady: a replica without the rule and a failed probe → Unknown naming both; the reconcile does not fail',
      objects: world(),
      key: KEY,
      ingressProber: answers({ replica: '10.0.0.2:9000' }, { replica: '10.0.0.3:9000', error: 'ECONNREFUSED' }),
      want: [`update domainmappings/status ${KEY}`],
      check: (actions) => expectCond(st(actions), 'IngressReady', 'Unknown', 'Uninitialized',
        'Waiting for load balancer to be ready: 0 of 2 ingress replicas serve the current routing (10.0.0.2:9000: domain mapping not loaded; 10.0.0.3:9000: probe failed: ECONNREFUSED).'),
    },
    {
      name: 'IngressReady: a prober that throws → Unknown with the error; the reconcile does not fail',
      objects: world(),
      key: KEY,
      ingressProber: () => ({ probe: async () => { throw new Error('boom'); } }),
      want: [`update domainmappings/status ${KEY}`],
      check: (actions) => expectCond(st(actions), 'IngressReady', 'Unknown', 'Uninitialized', 'ingress probe failed: boom'),
    },
    {
      name: 'IngressReady: the stand-in ingress does not serve the target (no Route web) → the domain is not served, Unknown',
      objects: [dm({ status }), claim('default'), WEB],
      key: KEY,
      want: [`update domainmappings/status ${KEY}`],
      check: (actions) => expectCond(st(actions), 'IngressReady', 'Unknown', 'Uninitialized', NOT_LOADED),
    },
    {
      name: 'IngressReady: the DomainMapping is not claimed → not probed (the ingress must not serve it), nothing scheduled',
      objects: [dm({ status }), claim('other'), WEB, WEB_ROUTE],
      key: KEY,
      ingressProber: () => ({ probe: async () => { throw new Error('must not be probed'); } }),
      want: [`update domainmappings/status ${KEY}`],
      check: (actions, _emu, ctl) => {
        expectCond(st(actions), 'DomainClaimed', 'False', 'DomainAlreadyClaimed');
        expect(ctl.scheduledRequeues()).toEqual([]);
      },
    },
  ];
}

describe('DomainMapping watches', () => {
  test('a claim created later, then the target becoming addressable, each re-enqueue the DomainMapping until Ready', async () => {
    const h = await startHarness();
    try {
      const c = h.controller.client;
      await c.create(R.domainMappings, dm());
      await h.settle();
      const get = async (): Promise<any> => c.get(R.domainMappings, 'default', DOMAIN);
      expect(condOf(await get(), 'DomainClaimed')).toMatchObject({ status: 'False', reason: 'DomainAlreadyClaimed' });
      await c.create(R.clusterDomainClaims, claim('default'));
      await h.settle();
      expect(condOf(await get(), 'DomainClaimed')).toMatchObject({ status: 'True' });
      expect(condOf(await get(), 'ReferenceResolved')).toMatchObject({ status: 'False', reason: 'ResolveFailed' });
      await c.create(R.services, ksvc('web', { template: { spec: image('ghcr.io/example/web:1') } }));
      await h.settle(300, 20_000);
      const done = await get();
      expect(condOf(done, 'ReferenceResolved')).toMatchObject({ status: 'True' });
      expect(condOf(done, 'Ready')).toMatchObject({ status: 'True' });
    } finally {
      await h.stop();
    }
  }, 30_000);
});

/**
 * DomainMapping reconciler (reference §8, runtime.md §8; Knative's
 * `pkg/reconciler/domainmapping/reconciler.go`), in upstream's order:
 *
 * 1. a new generation marks `IngressReady=Unknown IngressNotConfigured`; `status.url` and
 *    `status.address.url` are `<scheme>://<domain>` (core/domain-mapping `domainMappingUrl`);
 * 2. the cluster-wide ClusterDomainClaim named after the domain: ours (`spec.namespace` = this
 *    namespace) → `DomainClaimed=True`; another namespace's → `False DomainAlreadyClaimed`;
 *    missing → created when config-network `autocreate-cluster-domain-claims` is true (a failed
 *    create → `False DomainClaimFailed`), else `False DomainAlreadyClaimed`;
 * 3. TLS: `spec.tls.secretName` → `CertificateProvisioned=True CertificateExternallyProvided`
 *    (the ingress serves HTTPS from that Secret), else `True TLSNotEnabled`;
 * 4. `spec.ref`: a serving.knative.dev/v1 Service or Route in this namespace, resolved through
 *    its `status.address.url`, or a Kubernetes Service (`v1`), which must exist and resolves to
 *    `http://<name>.<namespace>.svc.<cd>` (Knative's resolver special-cases it); checked as
 *    upstream checks it (no path, host `<name>.<namespace>.svc.<cd>`, same namespace); anything
 *    else → `ReferenceResolved=False ResolveFailed` with the reason;
 * 5. the ingress rule (core/domain-mapping `domainMappingRule`): the bundled ingress reads this
 *    status, as it reads Routes', and serves the domain once DomainClaimed and ReferenceResolved
 *    are True for the current generation. IngressReady means served, as for Routes (upstream
 *    propagates its KIngress's Ready, which waits for its prober): `True` only once every ready
 *    ingress replica answers that it serves the rule of this status (`domainMappingDigest` of
 *    `domainMappingRule`, the ingress's own computation; controller/ingress-probe.ts asks them,
 *    `GET /v1/domainmappings/<ns>/<name>`), else `Unknown Uninitialized` "Waiting for load
 *    balancer to be ready: …" naming the replicas that lag (upstream's KIngress reason), and the
 *    DomainMapping is probed again with the Routes' backoff or at once when the ingress replicas
 *    change. A replica does not serve a domain a Route already serves, nor one whose target it
 *    does not serve, so such a DomainMapping stays Unknown.
 *
 * Differences from upstream: a claim held by another namespace, or missing with autocreate off,
 * ends the reconcile without an error (upstream returns one and retries with backoff); the
 * ClusterDomainClaim informer re-enqueues the DomainMapping when the claim changes. Only the two
 * Knative kinds and Kubernetes Services are resolved (the ingress routes to Routes, and to a
 * Service's port 80 through the cluster's DNS), not other Addressables. The finalizer
 * `domainmappings.serving.knative.dev` is kept only while autocreate is on (the only case in
 * which deleting the DomainMapping deletes its claim); upstream always adds it.
 */
import { IndexDeclaration, KindReconciler, Listers, ReconcilerContext, Watch, watchSelf } from './base';
import {
  DOMAIN_MAPPING_CONDITIONS, DOMAIN_MAPPING_CONDITION_CERTIFICATE_PROVISIONED as CERT,
  DOMAIN_MAPPING_CONDITION_DOMAIN_CLAIMED as CLAIMED, DOMAIN_MAPPING_CONDITION_INGRESS_READY as INGRESS,
  DOMAIN_MAPPING_CONDITION_REFERENCE_RESOLVED as RESOLVED,
} from '../../../core/conditions';
import {
  CLUSTER_DOMAIN_CLAIM_API_VERSION, DOMAIN_MAPPING_FINALIZER, DOMAIN_MAPPING_SECRETS_LABEL, domainMappingDigest, domainMappingRule,
  domainMappingTargetHost, domainMappingUrl, isKubernetesServiceRef, resolvedUrlError,
} from '../../../core/domain-mapping';
import { INGRESS_NOT_SERVED_REASON } from '../../../core/routing';
import { domainMappingSecretsRoleName, INGRESS_SERVICE_NAME } from '../../../core/runtime-contract';
import { DOMAIN_MAPPING_API_VERSION, SERVING_API_VERSION } from '../../../core/types';
import type { DomainMappingObject, KubeObject } from '../../../core/types';
import { R } from '../client';
import { keyOf } from '../informers';
import { forgetProbes, probeAgainLater, servedByIngress } from '../ingress-probe';

const set = DOMAIN_MAPPING_CONDITIONS;

export const DOMAIN_ALREADY_CLAIMED_MESSAGE = 'The domain name is already in use by another DomainMapping';

/** `<apiVersion> <kind>:<ns>/<name>`: what a DomainMapping's ref names (indexed, so a change of the target re-enqueues it). */
function refKey(dm: KubeObject): string[] {
  const ref = (dm as DomainMappingObject).spec?.ref;
  if (!ref?.name || !ref.kind) return [];
  return [`${ref.apiVersion ?? ''} ${ref.kind}:${dm.metadata.namespace}/${ref.name}`];
}

const referrers = (listers: Listers, key: string): string[] => listers.domainMappings.byIndex('ref', key).map(keyOf);

const indexes: IndexDeclaration[] = [
  { informer: 'domainMappings', name: 'ref', fn: refKey },
  // DomainMappings naming a TLS Secret, by namespace (the owners of that namespace's RoleBinding).
  { informer: 'domainMappings', name: 'tlsNamespace', fn: (o) => ((o as DomainMappingObject).spec?.tls?.secretName ? [o.metadata.namespace ?? ''] : []) },
  // DomainMappings by name (= domain), in every namespace: a claim's change enqueues them all.
  { informer: 'domainMappings', name: 'domain', fn: (o) => [o.metadata.name ?? ''] },
];

const watches: Watch[] = [
  watchSelf('domainMappings'),
  { informer: 'clusterDomainClaims', keys: (o, listers) => listers.domainMappings.byIndex('domain', o.metadata.name ?? '').map(keyOf) },
  { informer: 'services', keys: (o, listers) => referrers(listers, `${SERVING_API_VERSION} Service:${keyOf(o)}`) },
  { informer: 'routes', keys: (o, listers) => referrers(listers, `${SERVING_API_VERSION} Route:${keyOf(o)}`) },
  { informer: 'k8sServices', keys: (o, listers) => referrers(listers, `v1 Service:${keyOf(o)}`) },
  // The Secrets RoleBinding changed (drift, deletion): the namespace's DomainMappings with TLS repair it.
  { informer: 'roleBindings', keys: (o, listers) => listers.domainMappings.byIndex('tlsNamespace', o.metadata.namespace ?? '').map(keyOf) },
];

/**
 * The ingress's read access to the TLS Secrets of this namespace's DomainMappings (the narrowest
 * RBAC allows without letting the controller read Secrets itself): a RoleBinding of the ClusterRole
 * `<system ns>-ingress-domainmapping-secrets` (get Secrets; emitted unbound by the control plane) to
 * the ingress's ServiceAccount, while some DomainMapping of the namespace names a TLS Secret. Its
 * owners are those DomainMappings (not controllers), so the API server's garbage collector removes
 * it with the last of them; one that no longer names a Secret is dropped from the owners here, and
 * the binding is deleted when none is left. The controller may create it through its `bind`
 * permission on exactly that ClusterRole.
 */
async function reconcileSecretAccess(ctx: ReconcilerContext, namespace: string): Promise<void> {
  const name = domainMappingSecretsRoleName(ctx.ingress.namespace);
  const owners = ctx.listers.domainMappings.byIndex('tlsNamespace', namespace)
    .filter((d) => !d.metadata.deletionTimestamp && d.metadata.uid)
    .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1))
    .map((d) => ({ apiVersion: DOMAIN_MAPPING_API_VERSION, kind: 'DomainMapping', name: d.metadata.name!, uid: d.metadata.uid! }));
  const existing = ctx.listers.roleBindings.get(namespace, name);
  if (owners.length === 0) {
    if (existing) await ctx.client.delete(R.roleBindings, namespace, name);
    return;
  }
  const desired: KubeObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace, labels: { [DOMAIN_MAPPING_SECRETS_LABEL]: 'true' }, ownerReferences: owners },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [{ kind: 'ServiceAccount', name: INGRESS_SERVICE_NAME, namespace: ctx.ingress.namespace }],
  } as KubeObject;
  if (!existing) {
    await ctx.client.create(R.roleBindings, desired);
    return;
  }
  const d = desired as any;
  const e = existing as any;
  const same = JSON.stringify(e.metadata.ownerReferences ?? []) === JSON.stringify(owners)
    && e.metadata.labels?.[DOMAIN_MAPPING_SECRETS_LABEL] === 'true'
    && JSON.stringify(e.subjects ?? []) === JSON.stringify(d.subjects);
  if (same) return;
  // roleRef cannot change (the API server refuses it); ours is fixed by the name.
  await ctx.client.update(R.roleBindings, {
    ...e,
    metadata: { ...e.metadata, labels: { ...(e.metadata.labels ?? {}), [DOMAIN_MAPPING_SECRETS_LABEL]: 'true' }, ownerReferences: owners },
    subjects: d.subjects,
  });
}

/** The ClusterDomainClaim Knative's `MakeDomainClaim` builds. */
export function makeDomainClaim(dm: DomainMappingObject): KubeObject {
  return {
    apiVersion: CLUSTER_DOMAIN_CLAIM_API_VERSION,
    kind: 'ClusterDomainClaim',
    metadata: { name: dm.metadata.name },
    spec: { namespace: dm.metadata.namespace },
  };
}

/** Step 2: true when this namespace holds the claim (DomainClaimed True); otherwise the condition says why. */
async function reconcileClaim(ctx: ReconcilerContext, dm: DomainMappingObject, st: any, now: Date): Promise<boolean> {
  const ns = dm.metadata.namespace!;
  const domain = dm.metadata.name!;
  const claim = ctx.listers.clusterDomainClaims.get('', domain);
  if (!claim) {
    if (!ctx.config().network.autocreateClusterDomainClaims) {
      set.markFalse(st, CLAIMED, 'DomainAlreadyClaimed', DOMAIN_ALREADY_CLAIMED_MESSAGE, now);
      ctx.log.debug('no ClusterDomainClaim for domain (and autocreate-cluster-domain-claims is not true)', { domainMapping: `${ns}/${domain}` });
      return false;
    }
    try {
      await ctx.client.create(R.clusterDomainClaims, makeDomainClaim(dm));
    } catch (e) {
      set.markFalse(st, CLAIMED, 'DomainClaimFailed', `failed to create ClusterDomainClaim: ${(e as Error).message}`, now);
      throw e;
    }
  } else if (claim.spec?.namespace !== ns) {
    set.markFalse(st, CLAIMED, 'DomainAlreadyClaimed', DOMAIN_ALREADY_CLAIMED_MESSAGE, now);
    return false;
  }
  set.markTrue(st, CLAIMED, now);
  return true;
}

/** Step 4: the target's URL, or the `ResolveFailed` message. */
function resolveRef(ctx: ReconcilerContext, dm: DomainMappingObject): { url?: string; error?: string } {
  const ns = dm.metadata.namespace!;
  const ref = dm.spec.ref;
  const what = `${ref.kind} ${ns}/${ref.name}`;
  let target: KubeObject | undefined;
  let resource: string;
  if (ref.apiVersion === SERVING_API_VERSION && ref.kind === 'Service') {
    target = ctx.listers.services.get(ns, ref.name);
    resource = 'services.serving.knative.dev';
  } else if (ref.apiVersion === SERVING_API_VERSION && ref.kind === 'Route') {
    target = ctx.listers.routes.get(ns, ref.name);
    resource = 'routes.serving.knative.dev';
  } else if (isKubernetesServiceRef(ref)) {
    // Knative's resolver: the Service must exist; its URL is its cluster DNS name (no Addressable status).
    if (!ctx.listers.k8sServices.get(ns, ref.name)) return { error: `failed to get object ${ns}/${ref.name}: services "${ref.name}" not found` };
    return { url: `http://${domainMappingTargetHost(dm, ctx.config().clusterDomain)}` };
  } else {
    return {
      error: `${ref.kind} of apiVersion "${ref.apiVersion ?? ''}" is not resolved by the bundled runtime: `
        + `spec.ref must name a ${SERVING_API_VERSION} Service or Route, or a v1 Service (the only targets its ingress routes to)`,
    };
  }
  if (!target) return { error: `failed to get object ${ns}/${ref.name}: ${resource} "${ref.name}" not found` };
  if (ref.address) {
    const named = (target.status?.addresses ?? []).find((a: { name?: string }) => a.name === ref.address);
    if (!named?.url) return { error: `address with name "${ref.address}" not found for ${what}` };
    return { url: named.url };
  }
  const url: string | undefined = target.status?.address?.url;
  if (!url) return { error: `address not set for ${what}` };
  return { url };
}

export const domainMappingReconciler: KindReconciler<DomainMappingObject> = {
  kind: 'DomainMapping',
  resource: R.domainMappings,
  conditions: set,
  lister: (ctx) => ctx.listers.domainMappings,
  invalidSpecCondition: RESOLVED,
  onNewGeneration: (st, now) => set.markUnknown(st, INGRESS, 'IngressNotConfigured', 'Ingress has not yet been reconciled.', now),
  watches,
  indexes,
  finalizer: {
    name: DOMAIN_MAPPING_FINALIZER,
    // Only an autocreated claim is deleted with its DomainMapping (upstream FinalizeKind).
    needed: (ctx) => ctx.config().network.autocreateClusterDomainClaims,
    async finalizeKind(ctx, dm) {
      if (!ctx.config().network.autocreateClusterDomainClaims) return;
      const claim = ctx.listers.clusterDomainClaims.get('', dm.metadata.name!);
      // Only our namespace's claim: we may never have acquired it.
      if (!claim || claim.spec?.namespace !== dm.metadata.namespace) return;
      await ctx.client.delete(R.clusterDomainClaims, '', dm.metadata.name!);
    },
  },
  async finalize(ctx, namespace, name) {
    forgetProbes(ctx, 'DomainMapping', `${namespace}/${name}`);
  },
  async reconcile(ctx: ReconcilerContext, dm: DomainMappingObject, now: Date): Promise<void> {
    const cfg = ctx.config();
    const st = dm.status as any;
    const url = domainMappingUrl(dm, cfg);
    st.url = url;
    st.address = { url };
    await reconcileSecretAccess(ctx, dm.metadata.namespace!);

    if (!(await reconcileClaim(ctx, dm, st, now))) return;

    if (dm.spec.tls?.secretName) set.markTrueWithReason(st, CERT, 'CertificateExternallyProvided', 'TLS certificate was provided externally', now);
    else if (cfg.network.externalDomainTls !== 'Enabled') set.markTrueWithReason(st, CERT, 'TLSNotEnabled', 'external-domain-tls is not enabled', now);
    else set.markTrueWithReason(st, CERT, 'TLSNotEnabled', 'external-domain-tls is enabled, but the bundled runtime provisions no certificates: set spec.tls.secretName for HTTPS', now);

    const resolved = resolveRef(ctx, dm);
    let error = resolved.error ?? resolvedUrlError(resolved.url!, dm.metadata.namespace!, cfg.clusterDomain);
    const target = domainMappingTargetHost(dm, cfg.clusterDomain);
    if (!error && new URL(resolved.url!).hostname.toLowerCase() !== target) {
      error = `resolved URI "${resolved.url}" is not the cluster-local address of ${dm.spec.ref.kind} ${dm.metadata.namespace}/${dm.spec.ref.name} (${target})`;
    }
    if (error) {
      set.markFalse(st, RESOLVED, 'ResolveFailed', error, now);
      return;
    }
    set.markTrue(st, RESOLVED, now);
    // The ingress serves domainMappingRule(this status, observed as written) from its watch.
    const key = `${dm.metadata.namespace}/${dm.metadata.name}`;
    const written: DomainMappingObject = { ...dm, status: { ...st, observedGeneration: dm.metadata.generation ?? 0 } };
    const verdict = await servedByIngress(ctx, 'DomainMapping', key, () => {
      const rule = domainMappingRule(written, cfg);
      if (!rule) throw new Error('the status being written has no ingress rule');
      return domainMappingDigest(rule);
    });
    if (verdict.served) {
      set.markTrue(st, INGRESS, now);
    } else {
      set.markUnknown(st, INGRESS, INGRESS_NOT_SERVED_REASON, verdict.message, now);
      probeAgainLater(ctx, 'DomainMapping', key);
    }
  },
};

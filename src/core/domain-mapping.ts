/**
 * The DomainMapping contract (reference §8, runtime.md §8): what a DomainMapping publishes
 * (`status.url`, `status.address`), which targets it may resolve to, and the one ingress rule it
 * gets. Knative's DomainMapping reconciler writes that rule into a KIngress
 * (`resources.MakeIngress`: one ExternalIP rule, host = the domain, `rewriteHost` = the target's
 * cluster-local host, header `K-Original-Host: <domain>`, TLS from `spec.tls.secretName`); the
 * bundled runtime has no KIngress, so the controller (conditions, claim) and the ingress (host
 * table, SNI certificates) both call `domainMappingRule` on the same object and get the same rule.
 * The ingress is also the last hop before a revision's pod, so it sends the domain as `Host`
 * (what upstream's queue-proxy restores from `K-Original-Host`) and no `K-Original-Host`. A
 * Kubernetes Service as the target (no Route serves its host) gets the request at its port 80
 * as upstream's gateway sends it: `Host` = its cluster-local host, `K-Original-Host` = the domain.
 */
import { createHash } from 'node:crypto';
import { DOMAIN_MAPPING_CONDITION_DOMAIN_CLAIMED, DOMAIN_MAPPING_CONDITION_REFERENCE_RESOLVED } from './conditions';
import { ServingConfig } from './config';
import { clusterLocalDomainOf, clusterLocalHost, normalizeHost } from './hosts';
import { canonicalJson } from './names';
import type { DomainMappingObject } from './types';

/** Finalizer Knative's DomainMapping reconciler uses (only needed to delete an autocreated ClusterDomainClaim). */
export const DOMAIN_MAPPING_FINALIZER = 'domainmappings.serving.knative.dev';

/** API version of ClusterDomainClaim (cluster-scoped; name = the domain, `spec.namespace` = the namespace that may map it). */
export const CLUSTER_DOMAIN_CLAIM_API_VERSION = 'networking.internal.knative.dev/v1alpha1';

/**
 * Label of the RoleBindings the controller keeps so that the ingress may read the TLS Secrets
 * DomainMappings name (one per namespace; see `domainMappingSecretsRoleName` in runtime-contract).
 */
export const DOMAIN_MAPPING_SECRETS_LABEL = 'networking.internal.knative.dev/domainmapping-secrets';

/**
 * Whether a DomainMapping's `spec.ref` names a Kubernetes Service (`apiVersion: v1`,
 * `kind: Service`): Knative's resolver special-cases it (its URL is
 * `http://<name>.<namespace>.svc.<cd>`, the object need not be Addressable), and its KIngress
 * sends the domain's requests to that Service's port 80.
 */
export function isKubernetesServiceRef(ref: { readonly apiVersion?: unknown; readonly kind?: unknown } | undefined): boolean {
  return ref?.apiVersion === 'v1' && ref.kind === 'Service';
}

/** Port of the target Service Knative's DomainMapping KIngress sends to (`resources.MakeIngress`: `servicePort: 80`). */
export const DOMAIN_MAPPING_SERVICE_PORT = 80;

/** The one ingress rule of a DomainMapping (always on the external listener, like Knative's ExternalIP rule). */
export interface DomainMappingRule {
  readonly namespace: string;
  /** The DomainMapping's name. */
  readonly name: string;
  /** The mapped host (lower case, no trailing dot): the DomainMapping's name. */
  readonly host: string;
  /** The host requests are routed as: `<ref.name>.<namespace>.svc.<cd>`. */
  readonly targetHost: string;
  /**
   * The Kubernetes Service `spec.ref` names (`isKubernetesServiceRef`): when no Route serves
   * `targetHost`, the domain is sent to this Service's port 80 (`DOMAIN_MAPPING_SERVICE_PORT`).
   * @default - a Knative Service or Route: the domain is served only while a Route serves `targetHost`
   */
  readonly kubernetesService?: string;
  /**
   * The Secret (in `namespace`) whose `tls.crt`/`tls.key` serve HTTPS for `host`.
   * @default - no TLS for this host
   */
  readonly tlsSecretName?: string;
}

/**
 * `status.url` and `status.address.url`: `https://<domain>` with `spec.tls`, else
 * `<default-external-scheme>://<domain>` (Knative; no managed certificates here).
 */
export function domainMappingUrl(dm: DomainMappingObject, cfg: ServingConfig): string {
  const scheme = dm.spec?.tls?.secretName ? 'https' : cfg.network.defaultExternalScheme;
  return `${scheme}://${dm.metadata.name ?? ''}`;
}

/**
 * The host a DomainMapping's reference resolves to: the cluster-local host of the Service named
 * `ref.name`, `<ref.name>.<namespace>.svc.<cd>` (what a Knative Service's or Route's
 * `status.address.url` holds: its placeholder Service; for a Kubernetes Service, its own name).
 */
export function domainMappingTargetHost(dm: DomainMappingObject, clusterDomain: string): string {
  return clusterLocalHost(dm.spec?.ref?.name ?? '', dm.metadata.namespace ?? 'default', clusterDomain);
}

/**
 * Knative's checks on a resolved reference URL (reconciler.go `resolveRef`): no path, host of the
 * form `<name>.<namespace>.svc.<cd>`, namespace = the DomainMapping's. Returns the
 * `ReferenceResolved=False ResolveFailed` message, or undefined when the URL is usable.
 */
export function resolvedUrlError(url: string, namespace: string, clusterDomain: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `resolved URI "${url}" is not a URL`;
  }
  if (u.pathname.replace(/\/$/, '') !== '') return `resolved URI "${url}" contains a path`;
  const suffix = `.${clusterLocalDomainOf(clusterDomain)}`;
  const host = normalizeHost(u.hostname);
  const parts = host.endsWith(suffix) ? host.slice(0, -suffix.length).split('.') : [];
  if (parts.length !== 2) return `resolved URI "${url}" must be of the form {name}.{namespace}${suffix}`;
  if (parts[1] !== namespace) return `resolved URI "${url}" must be in same namespace as DomainMapping`;
  return undefined;
}

function conditionTrue(dm: DomainMappingObject, type: string): boolean {
  return (dm.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/**
 * The ingress rule of a DomainMapping, or undefined while it must not be served: the controller
 * has not observed its current generation, or has not marked `DomainClaimed` (the cluster-wide
 * ClusterDomainClaim names this namespace) and `ReferenceResolved` True for it. An unclaimed
 * domain is therefore never routed, whatever the DomainMapping says.
 */
export function domainMappingRule(dm: DomainMappingObject, cfg: ServingConfig): DomainMappingRule | undefined {
  const name = dm.metadata?.name;
  const namespace = dm.metadata?.namespace;
  if (!name || !namespace || !dm.spec?.ref?.name) return undefined;
  if ((dm.metadata.generation ?? 0) !== (dm.status?.observedGeneration ?? -1)) return undefined;
  const claimed = conditionTrue(dm, DOMAIN_MAPPING_CONDITION_DOMAIN_CLAIMED);
  if (!claimed || !conditionTrue(dm, DOMAIN_MAPPING_CONDITION_REFERENCE_RESOLVED)) return undefined;
  const secret = dm.spec.tls?.secretName;
  return {
    namespace,
    name,
    host: normalizeHost(name),
    targetHost: domainMappingTargetHost(dm, cfg.clusterDomain),
    ...(isKubernetesServiceRef(dm.spec.ref) ? { kubernetesService: dm.spec.ref.name } : {}),
    ...(secret ? { tlsSecretName: secret } : {}),
  };
}

/**
 * A stable digest of what the ingress serves for a DomainMapping (the counterpart of
 * `routingDigest` for Routes; upstream hashes the DomainMapping's KIngress spec): hex SHA-256 of
 * the canonical JSON of its rule (namespace, name, mapped host, target host, TLS Secret, Kubernetes Service). The
 * controller computes it from the status it writes, each ingress replica from the DomainMapping
 * it serves (both through `domainMappingRule`); equal digests mean the replica serves that rule.
 */
export function domainMappingDigest(rule: DomainMappingRule): string {
  return createHash('sha256').update(canonicalJson({
    kind: 'DomainMapping',
    namespace: rule.namespace,
    name: rule.name,
    host: rule.host,
    targetHost: rule.targetHost,
    tlsSecretName: rule.tlsSecretName ?? null,
    // Only when set, so the digests of the other DomainMappings stay what they were.
    ...(rule.kubernetesService !== undefined ? { kubernetesService: rule.kubernetesService } : {}),
  }), 'utf8').digest('hex');
}

/**
 * Names and ports shared by the ServingControlPlane construct (which deploys the bundled
 * runtime) and the runtime itself (which defaults to them). One source, so the two can't drift.
 */

/** Namespace of the runtime and of Knative's config-* ConfigMaps. */
export const DEFAULT_SYSTEM_NAMESPACE = 'knative-serving';
/** The external ingress Service (type configurable, e.g. LoadBalancer): the ingress's external listener only. */
export const INGRESS_SERVICE_NAME = 'serving-ingress';
/**
 * The internal (ClusterIP) ingress Service: the ingress's cluster-local listener, which serves
 * cluster-local hosts as well as external ones. Route placeholder Services point at it (ExternalName).
 */
export const INGRESS_INTERNAL_SERVICE_NAME = 'serving-ingress-internal';
/** Lease the controller replicas elect a leader on. */
export const CONTROLLER_LEASE_NAME = 'serving-controller-leader';
/** Controller admin port: /healthz, /readyz, /metrics. */
export const CONTROLLER_ADMIN_PORT = 8080;
/** Ingress proxy port (HTTP), external listener: external hosts only. */
export const INGRESS_PROXY_PORT = 8080;
/** Ingress proxy port (HTTP), internal listener: cluster-local and external hosts. */
export const INGRESS_INTERNAL_PORT = 8081;
/**
 * Ingress proxy port (HTTPS), external: DomainMappings with `spec.tls.secretName`, the certificate
 * chosen by SNI from that Secret.
 */
export const INGRESS_HTTPS_PORT = 8443;
/**
 * The ClusterRole (emitted unbound by the control plane) that lets the ingress read Secrets, and
 * the RoleBinding of the same name the controller keeps in each namespace with a DomainMapping
 * naming a TLS Secret (owned by those DomainMappings).
 */
export function domainMappingSecretsRoleName(systemNamespace: string): string {
  return `${systemNamespace}-ingress-domainmapping-secrets`;
}
/**
 * Ingress peer port: requests another ingress replica forwards to this one, the owner of their
 * revision (a revision with containerConcurrency > 0 has one owner replica, which alone sends to
 * its pods: runtime/ingress/owner.ts). Accepts connections from the ready ingress replicas only;
 * on no Service.
 */
export const INGRESS_PEER_PORT = 8082;
/**
 * The header a forwarding ingress replica names the revision it picked with (`<namespace>/<revision>`).
 * Read on the peer port only; dropped from every request arriving on the other listeners.
 */
export const INGRESS_PEER_REVISION_HEADER = 'k-ingress-revision';
/** Ingress admin port: /healthz, /readyz, /metrics. */
export const INGRESS_ADMIN_PORT = 9000;

/** Default memory limit of each runtime container (MiB). */
export const DEFAULT_RUNTIME_MEMORY_LIMIT_MIB = 256;

/**
 * V8 flags for a runtime container with the given memory limit: cap the old-generation heap at
 * half the limit. Without a cap V8 sizes the heap for the whole machine and lets garbage pile
 * up (bench:controller at 1,000 Services: 187 MB peak RSS uncapped vs 119 MB capped, and faster).
 * Source maps stay on for readable stack traces (the bundles are minified).
 */
export function runtimeNodeOptions(memoryLimitMiB: number): string {
  return `--enable-source-maps --max-old-space-size=${runtimeOldSpaceMiB(memoryLimitMiB)}`;
}

/** The V8 old-generation cap (MiB) `runtimeNodeOptions` sets for a memory limit: half of it, at least 32. */
export function runtimeOldSpaceMiB(memoryLimitMiB: number): number {
  return Math.max(32, Math.floor(memoryLimitMiB / 2));
}

/** Upstream's breaker queue depth: the most requests one revision may have waiting in the ingress. */
export const MAX_WAITING_PER_REVISION_CAP = 10_000;
/** Heap the ingress needs for itself (tables, pools, metrics) before it holds any request (MiB). */
const INGRESS_OWN_HEAP_MIB = 32;
/**
 * What one waiting request costs the ingress (KiB): socket, parser, request and response objects
 * and its record; bench:autoscale measures 10.0–10.7 KB per held request, rounded up.
 */
const INGRESS_HELD_REQUEST_KIB = 12;

/**
 * The most requests an ingress replica with this memory limit holds waiting for a pod slot, in
 * total (env `MAX_WAITING_TOTAL`): what fits in its V8 old-generation cap (`runtimeOldSpaceMiB`)
 * after its own heap, in hundreds, at least 100. 256 MiB → 8,100. A higher number would let a
 * burst of held requests run the ingress out of heap and lose every request it holds.
 */
export function ingressMaxWaitingTotal(memoryLimitMiB: number): number {
  const budgetKiB = (runtimeOldSpaceMiB(memoryLimitMiB) - INGRESS_OWN_HEAP_MIB) * 1024;
  return Math.max(100, Math.floor(budgetKiB / INGRESS_HELD_REQUEST_KIB / 100) * 100);
}

/** The most requests one revision may have waiting (env `MAX_WAITING_PER_REVISION`): upstream's 10,000, at most the total. */
export function ingressMaxWaitingPerRevision(memoryLimitMiB: number): number {
  return Math.min(MAX_WAITING_PER_REVISION_CAP, ingressMaxWaitingTotal(memoryLimitMiB));
}

/**
 * The autoscaler's stats endpoint (served by every controller replica; only the leader decides).
 * Every ingress replica pushes per-revision concurrency and request counts to every ready
 * endpoint of this Service once a second, and pokes it at once when a revision has no ready pod.
 */
export const AUTOSCALER_SERVICE_NAME = 'serving-autoscaler';
/** Port of the autoscaler's stats endpoint on the controller pods (and the Service). */
export const AUTOSCALER_STATS_PORT = 8090;
/** Path the ingress POSTs its stats batches to. */
export const AUTOSCALER_STATS_PATH = '/v1/stats';
/** Audience of the ingress's projected ServiceAccount token that authenticates its stats (checked by TokenReview). */
export const AUTOSCALER_TOKEN_AUDIENCE = 'serving-autoscaler';
/** Where the ingress pods mount that token (a projected serviceAccountToken volume). */
export const INGRESS_AUTOSCALER_TOKEN_PATH = '/var/run/secrets/serving/autoscaler/token';

/**
 * The admission webhook's Service (ClusterIP, port 443 → `WEBHOOK_PORT`): the API server calls it,
 * and the webhook's serving certificate names it (`<name>.<namespace>.svc[.<cluster domain>]`).
 */
export const WEBHOOK_SERVICE_NAME = 'serving-webhook';
/** The webhook's HTTPS port (AdmissionReview endpoints). */
export const WEBHOOK_PORT = 8443;
/** The webhook's admin port: /healthz, /readyz, /metrics. */
export const WEBHOOK_ADMIN_PORT = 8080;
/**
 * The Secret the webhook keeps its CA and serving certificate in. The control plane creates it
 * empty; the webhook fills and rotates it (get/update of this name only).
 */
export const WEBHOOK_SECRET_NAME = 'serving-webhook-certs';
/** The MutatingWebhookConfiguration (defaulting of the Knative kinds): upstream's name. */
export const WEBHOOK_MUTATING_CONFIGURATION_NAME = 'webhook.serving.knative.dev';
/** The ValidatingWebhookConfiguration of the Knative kinds: upstream's name. */
export const WEBHOOK_VALIDATING_CONFIGURATION_NAME = 'validation.webhook.serving.knative.dev';
/** The ValidatingWebhookConfiguration of the config-* ConfigMaps: upstream's name. */
export const WEBHOOK_CONFIG_VALIDATING_CONFIGURATION_NAME = 'config.webhook.serving.knative.dev';
/** The webhook's endpoints (upstream's paths). */
export const WEBHOOK_PATHS = Object.freeze({
  defaulting: '/defaulting',
  validation: '/resource-validation',
  configValidation: '/config-validation',
});
/** Namespaces with this label (any value) are not admitted by the resource webhooks (upstream's label). */
export const WEBHOOK_EXCLUDE_LABEL = 'webhooks.knative.dev/exclude';

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
  return `--enable-source-maps --max-old-space-size=${Math.max(32, Math.floor(memoryLimitMiB / 2))}`;
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

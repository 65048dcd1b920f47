/**
 * Names and ports shared by the ServingControlPlane construct (which deploys the bundled
 * runtime) and the runtime itself (which defaults to them). One source, so the two can't drift.
 */

/** Namespace of the runtime and of Knative's config-* ConfigMaps. */
export const DEFAULT_SYSTEM_NAMESPACE = 'knative-serving';
/** The ingress Service that placeholder Route Services point at (ExternalName). */
export const INGRESS_SERVICE_NAME = 'serving-ingress';
/** Lease the controller replicas elect a leader on. */
export const CONTROLLER_LEASE_NAME = 'serving-controller-leader';
/** Controller admin port: /healthz, /readyz, /metrics. */
export const CONTROLLER_ADMIN_PORT = 8080;
/** Ingress proxy port (HTTP). */
export const INGRESS_PROXY_PORT = 8080;
/** Ingress admin port: /healthz, /readyz, /metrics. */
export const INGRESS_ADMIN_PORT = 9000;

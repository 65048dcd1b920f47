/**
 * The resource types the emulator serves: group/version/plural/kind, scope, subresources and
 * how `metadata.generation` behaves for each (mirrors the kube-apiserver registry strategies).
 */

export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  /** Has a /status subresource: main-resource writes ignore status, /status writes change only status. */
  statusSubresource: boolean;
  /** Has a /scale subresource (autoscaling/v1 Scale). */
  scaleSubresource?: boolean;
  /** Objects carry metadata.generation (starting at 1, bumped on spec change). */
  generation: boolean;
  /** A CustomResource (unstructured): list items keep apiVersion/kind; create drops status entirely. */
  custom: boolean;
  shortNames?: string[];
  /** Create-only review kinds (TokenReview): answered, never stored, no other verb. */
  createOnly?: boolean;
}

function r(
  group: string, version: string, plural: string, kind: string,
  opts: Partial<Pick<ResourceType, 'namespaced' | 'statusSubresource' | 'scaleSubresource' | 'generation' | 'custom' | 'shortNames' | 'createOnly'>> = {},
): ResourceType {
  return {
    group,
    version,
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced: opts.namespaced ?? true,
    statusSubresource: opts.statusSubresource ?? false,
    scaleSubresource: opts.scaleSubresource,
    generation: opts.generation ?? false,
    custom: opts.custom ?? false,
    shortNames: opts.shortNames,
    ...(opts.createOnly ? { createOnly: true } : {}),
  };
}

export const KNATIVE_GROUP = 'serving.knative.dev';

export const RESOURCES: ResourceType[] = [
  r('', 'v1', 'namespaces', 'Namespace', { namespaced: false, statusSubresource: true, shortNames: ['ns'] }),
  r('', 'v1', 'services', 'Service', { statusSubresource: true, shortNames: ['svc'] }),
  r('', 'v1', 'configmaps', 'ConfigMap', { shortNames: ['cm'] }),
  r('', 'v1', 'secrets', 'Secret'),
  r('', 'v1', 'serviceaccounts', 'ServiceAccount', { shortNames: ['sa'] }),
  r('', 'v1', 'pods', 'Pod', { statusSubresource: true, shortNames: ['po'] }),
  r('', 'v1', 'events', 'Event', { shortNames: ['ev'] }),
  r('events.k8s.io', 'v1', 'events', 'Event'),
  r('', 'v1', 'endpoints', 'Endpoints', { shortNames: ['ep'] }),
  r('apps', 'v1', 'deployments', 'Deployment', { statusSubresource: true, scaleSubresource: true, generation: true, shortNames: ['deploy'] }),
  r('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', { statusSubresource: true, generation: true, shortNames: ['hpa'] }),
  r('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', { generation: true }),
  r('authentication.k8s.io', 'v1', 'tokenreviews', 'TokenReview', { namespaced: false, createOnly: true }),
  r('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', { generation: true, shortNames: ['netpol'] }),
  r('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding'),
  r('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', { statusSubresource: true, generation: true, shortNames: ['pdb'] }),
  r('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', { namespaced: false }),
  r('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', { namespaced: false }),
  r(KNATIVE_GROUP, 'v1', 'services', 'Service', { statusSubresource: true, generation: true, custom: true, shortNames: ['kservice', 'ksvc'] }),
  r(KNATIVE_GROUP, 'v1', 'configurations', 'Configuration', { statusSubresource: true, generation: true, custom: true, shortNames: ['config', 'cfg'] }),
  r(KNATIVE_GROUP, 'v1', 'revisions', 'Revision', { statusSubresource: true, generation: true, custom: true, shortNames: ['rev'] }),
  r(KNATIVE_GROUP, 'v1', 'routes', 'Route', { statusSubresource: true, generation: true, custom: true, shortNames: ['rt'] }),
  r(KNATIVE_GROUP, 'v1beta1', 'domainmappings', 'DomainMapping', { statusSubresource: true, generation: true, custom: true, shortNames: ['dm'] }),
  r('networking.internal.knative.dev', 'v1alpha1', 'clusterdomainclaims', 'ClusterDomainClaim', { namespaced: false, custom: true, shortNames: ['cdc'] }),
];

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** Stable key for a resource type: `<group>/<plural>` (core: `/<plural>`). */
export function typeKey(t: ResourceType): string {
  return `${t.group}/${t.plural}`;
}

export function findByPath(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

export function findByApiVersionKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCES.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
}

/**
 * Resolve a loose reference used by the in-process helpers and `inject()`:
 * `'revisions'`, `'revisions.serving.knative.dev'`, `'Revision'`, `'ksvc'`, `'deployments.apps'`,
 * `'serving.knative.dev/v1/services'`, `'services'` (core Service; use `'ksvc'` or the qualified
 * form for Knative Services).
 */
export function resolveType(ref: string): ResourceType | undefined {
  const slash = ref.split('/');
  if (slash.length >= 2) {
    const plural = slash[slash.length - 1];
    const version = slash[slash.length - 2];
    const group = slash.slice(0, -2).join('/');
    const t = findByPath(group, version, plural) ?? RESOURCES.find((x) => x.plural === plural && x.group === slash.slice(0, -1).join('/'));
    if (t) return t;
  }
  const dot = ref.indexOf('.');
  if (dot > 0) {
    const head = ref.slice(0, dot);
    const group = ref.slice(dot + 1);
    const t = RESOURCES.find((x) => x.group === group && (x.plural === head || x.singular === head.toLowerCase() || x.kind === head));
    if (t) return t;
  }
  const core = RESOURCES.find((x) => x.plural === ref && x.group === '');
  if (core) return core;
  return RESOURCES.find((x) => x.plural === ref || x.kind === ref || x.singular === ref || (x.shortNames ?? []).includes(ref));
}

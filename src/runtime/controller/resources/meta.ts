/** Label/annotation keys (reference §9), owner-reference and annotation helpers shared by the makers. */
import type { KubeObject, OwnerReference } from '../../../core/types';

export const L = {
  service: 'serving.knative.dev/service',
  serviceUID: 'serving.knative.dev/serviceUID',
  configuration: 'serving.knative.dev/configuration',
  configurationGeneration: 'serving.knative.dev/configurationGeneration',
  configurationUID: 'serving.knative.dev/configurationUID',
  revision: 'serving.knative.dev/revision',
  revisionUID: 'serving.knative.dev/revisionUID',
  route: 'serving.knative.dev/route',
  routingState: 'serving.knative.dev/routingState',
  visibility: 'networking.knative.dev/visibility',
  noGC: 'serving.knative.dev/no-gc',
} as const;

export const A = {
  routes: 'serving.knative.dev/routes',
  routingStateModified: 'serving.knative.dev/routingStateModified',
  creator: 'serving.knative.dev/creator',
  lastModifier: 'serving.knative.dev/lastModifier',
  lastApplied: 'kubectl.kubernetes.io/last-applied-configuration',
  rolloutDuration: 'serving.knative.dev/rollout-duration',
  rolloutDurationAlt: 'serving.knative.dev/rolloutDuration',
  initialScale: 'autoscaling.knative.dev/initial-scale',
  initialScaleAlt: 'autoscaling.knative.dev/initialScale',
  minScale: 'autoscaling.knative.dev/min-scale',
  minScaleAlt: 'autoscaling.knative.dev/minScale',
  maxScale: 'autoscaling.knative.dev/max-scale',
  maxScaleAlt: 'autoscaling.knative.dev/maxScale',
  class: 'autoscaling.knative.dev/class',
  metric: 'autoscaling.knative.dev/metric',
  target: 'autoscaling.knative.dev/target',
  progressDeadline: 'serving.knative.dev/progress-deadline',
  /** Left on Route/Service status by earlier versions of this runtime (no gradual rollout then); removed on reconcile. */
  rolloutUnsupported: 'serving.knative.dev/rollout-duration-unsupported',
} as const;

export const HPA_CLASS = 'hpa.autoscaling.knative.dev';

export function ownerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The controller ownerReference of an object, if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

/** True when `obj` is controlled by `owner` (same uid, or same kind/name when uid is unknown). */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const c = controllerOf(obj);
  if (!c) return false;
  if (owner.metadata.uid) return c.uid === owner.metadata.uid;
  return c.kind === owner.kind && c.name === owner.metadata.name;
}

/** Sorted, comma-joined set. */
export function joinSet(items: Iterable<string>): string {
  return [...new Set([...items].filter((s) => s))].sort().join(',');
}

export function splitSet(v: string | undefined): string[] {
  return v ? v.split(',').map((s) => s.trim()).filter((s) => s) : [];
}

export function annotation(obj: { metadata?: { annotations?: Record<string, string> } } | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = obj?.metadata?.annotations?.[k];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Label/annotation keys (reference §9) and owner-reference helpers shared by the makers. */
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
  /** Set by this runtime on Route/Service status when a rollout-duration is requested. */
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

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    // treat undefined/null/missing alike
    return (a === undefined || a === null) && (b === undefined || b === null);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

export function clone<T>(o: T): T {
  return o === undefined ? o : (JSON.parse(JSON.stringify(o)) as T);
}

/** Parse Go duration-like rollout annotation values ("300s", "5m", "1h"). Returns seconds or undefined. */
export function parseDurationSeconds(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v))) {
    const n = parseFloat(m[1]);
    const mult: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
    total += n * mult[m[2]];
    consumed += m[0].length;
  }
  if (consumed !== v.length) return /^\d+$/.test(v) ? Number(v) : undefined;
  return total;
}

/**
 * Semantic "desired ⊆ existing": every field we set has the same value in the existing object;
 * fields the API server defaulted (and we never set) are ignored. Arrays must have equal length.
 */
export function isSubset(desired: unknown, existing: unknown): boolean {
  if (desired === undefined || desired === null) return true;
  if (typeof desired !== 'object') {
    if (typeof desired === typeof existing) return desired === existing;
    // int-or-string values ("8080" vs 8080) compare loosely
    return String(desired) === String(existing);
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(existing) || existing.length !== desired.length) {
      return desired.length === 0 && (existing === undefined || existing === null || (Array.isArray(existing) && existing.length === 0));
    }
    return desired.every((d, i) => isSubset(d, existing[i]));
  }
  if (typeof existing !== 'object' || existing === null || Array.isArray(existing)) {
    return Object.keys(desired as object).length === 0 && (existing === undefined || existing === null);
  }
  for (const [k, v] of Object.entries(desired as Record<string, unknown>)) {
    if (!isSubset(v, (existing as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * The reconcile framework shared by every kind (what Knative's generated reconcilers do):
 * read the primary from the lister, deep-copy it, initialise conditions (and mark a new
 * generation), run the kind's reconcile, always set `observedGeneration`, and write the status
 * through `/status` only when it changed. Errors are returned to the caller for requeueing.
 */
import type { ConditionSet } from '../../../core/conditions';
import type { ServingConfig } from '../../../core/config';
import type { KubeObject, ConfigurationObject, KnServiceObject, RevisionObject, RouteObject } from '../../../core/types';
import { KubeClient, Resource } from '../client';
import { Clock } from '../clock';
import { Lister } from '../informers';
import { Logger } from '../../common/log';
import { clone, deepEqual } from '../resources/meta';
import { IngressTarget } from '../resources/route';

export interface Listers {
  services: Lister<KnServiceObject>;
  configurations: Lister<ConfigurationObject>;
  revisions: Lister<RevisionObject>;
  routes: Lister<RouteObject>;
  deployments: Lister<KubeObject>;
  k8sServices: Lister<KubeObject>;
  hpas: Lister<KubeObject>;
}

export interface ReconcilerContext {
  client: KubeClient;
  listers: Listers;
  config: () => ServingConfig;
  clock: Clock;
  log: Logger;
  ingress: IngressTarget;
  /**
   * Labeler memo: per route key, the referenced set whose stale-label cleanup last ran, so the
   * namespace-wide scan is skipped while nothing changed (re-done at least every 5 minutes).
   */
  labelerMemo?: Map<string, { sig: string; at: number }>;
}

/** A reconcile error that should not be logged loudly (e.g. requeue after a 409). */
export class RequeueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequeueError';
  }
}

export interface KindReconciler<T extends KubeObject> {
  kind: string;
  resource: Resource;
  conditions: ConditionSet;
  lister(ctx: ReconcilerContext): Lister<T>;
  /** Mutates `obj.status` (a deep copy); may throw after having marked conditions. */
  reconcile(ctx: ReconcilerContext, obj: T, now: Date): Promise<void>;
  /** Called when the key is gone (deleted). */
  finalize?(ctx: ReconcilerContext, namespace: string, name: string): Promise<void>;
}

export async function reconcileKey<T extends KubeObject>(
  ctx: ReconcilerContext, r: KindReconciler<T>, namespace: string, name: string): Promise<void> {
  const cur = r.lister(ctx).get(namespace, name);
  if (!cur) {
    await r.finalize?.(ctx, namespace, name);
    return;
  }
  if (cur.metadata.deletionTimestamp) return;
  const obj = clone(cur);
  const now = ctx.clock.now();
  r.conditions.beginReconcile(obj, now);
  let err: unknown;
  try {
    await r.reconcile(ctx, obj, now);
  } catch (e) {
    err = e;
  }
  r.conditions.endReconcile(obj);
  if (!deepEqual(cur.status, obj.status)) {
    await ctx.client.updateStatus(r.resource, { ...cur, status: obj.status });
  }
  if (err) throw err;
}

/** Mirror a child's Ready condition into `type` on the parent (same status/reason/message). */
export function mirrorReady(set: ConditionSet, status: any, type: string, child: KubeObject, now: Date): void {
  const c = (child.status?.conditions ?? []).find((x: any) => x.type === 'Ready');
  if (!c || c.status === 'Unknown') set.markUnknown(status, type, c?.reason ?? '', c?.message ?? '', now);
  else if (c.status === 'True') set.markTrue(status, type, now);
  else set.markFalse(status, type, c.reason ?? '', c.message ?? '', now);
}

/** Copy `desired` spec/labels/annotations over `existing` if they differ; returns the object to write or undefined. */
export function diffMeta<T extends KubeObject>(existing: T, desired: T, compareSpec: (a: any, b: any) => boolean = deepEqual): T | undefined {
  const same = compareSpec(existing.spec, desired.spec) &&
    deepEqual(existing.metadata.labels ?? {}, desired.metadata.labels ?? {}) &&
    deepEqual(existing.metadata.annotations ?? {}, desired.metadata.annotations ?? {});
  if (same) return undefined;
  return {
    ...existing,
    metadata: { ...existing.metadata, labels: desired.metadata.labels, annotations: desired.metadata.annotations },
    spec: desired.spec,
  };
}

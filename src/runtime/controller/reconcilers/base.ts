/**
 * The reconcile framework shared by every kind (what Knative's generated reconcilers do):
 * read the primary from the lister, deep-copy it, initialise conditions (and mark a new
 * generation), reject an invalid spec (the kind's declared condition False `InvalidSpec`: our
 * stand-in for Knative's validating webhook), run the kind's reconcile, turn a NotOwnedError into
 * its condition, always set `observedGeneration`, and write the status through `/status` only
 * when it changed. Errors are returned to the caller for requeueing.
 *
 * Each kind also declares what feeds its work queue (`watches`, as Knative's controller.go
 * does with `HandleAll(impl.Enqueue)` / `FilterController` + `EnqueueControllerOf` / the
 * tracker) and the informer indexes its reconcile reads; controller.ts only wires them.
 */
import type { ConditionSet } from '../../../core/conditions';
import type { ServingConfig } from '../../../core/config';
import type { KubeObject, ConfigurationObject, DomainMappingObject, KnServiceObject, RevisionObject, RouteObject } from '../../../core/types';
import { Logger } from '../../common/log';
import { invalidMessage } from '../admission';
import type { RevisionAutoscalingStatus } from '../autoscaler/autoscaler';
import { KubeClient, Resource, apiVersionOf, isConflict } from '../client';
import { Clock } from '../clock';
import type { DigestResolver } from '../digests';
import type { EventRecorder, EventType } from '../events';
import { IndexFn, Lister, keyOf } from '../informers';
import type { IngressProbeState } from '../ingress-probe';
import { controllerOf } from '../resources/meta';
import { IngressTarget } from '../resources/route';
import { clone, deepEqual } from '../util';
import { NotOwnedError } from './child';

export interface Listers {
  services: Lister<KnServiceObject>;
  configurations: Lister<ConfigurationObject>;
  revisions: Lister<RevisionObject>;
  routes: Lister<RouteObject>;
  domainMappings: Lister<DomainMappingObject>;
  /** Cluster-scoped: `get('', name)`. */
  clusterDomainClaims: Lister<KubeObject>;
  /** The RoleBindings that let the ingress read DomainMappings' TLS Secrets (label DOMAIN_MAPPING_SECRETS_LABEL). */
  roleBindings: Lister<KubeObject>;
  deployments: Lister<KubeObject>;
  k8sServices: Lister<KubeObject>;
  hpas: Lister<KubeObject>;
  /** Pods of Revisions (label serving.knative.dev/revision): their failure reasons explain a Revision that does not start. */
  pods: Lister<KubeObject>;
}

/** What the Revision reconciler reads from the autoscaler (the KPA state upstream keeps on the PA). */
export interface AutoscalingView {
  status(namespace: string, name: string): RevisionAutoscalingStatus | undefined;
}

export interface ReconcilerContext {
  client: KubeClient;
  /** Kubernetes Events about the reconciled objects (events.ts). Absent: none are recorded. */
  events?: EventRecorder;
  /** Tag-to-digest resolution (digests.ts). Absent: Deployments run the images as written. */
  digests?: DigestResolver;
  /** The in-memory KPA autoscaler (absent: KPA revisions report Active from the Deployment alone). */
  autoscaling?: AutoscalingView;
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
  /**
   * IngressReady means served: the Route reconciler asks the ingress replicas which version of a
   * Route they serve (controller/ingress-probe.ts). Absent: the status being written stands for
   * served (tests driving a reconciler without a controller).
   */
  ingressProbe?: IngressProbeState;
  /**
   * Reconcile `key` of `kind` again after `delayMs` (Knative's `EnqueueAfter`; e.g. a Route's next
   * rollout step). Absent when no work queue runs (tests driving `reconcileOnce`).
   */
  enqueueAfter?(kind: string, key: string, delayMs: number): void;
  /** Drop the requeue scheduled for `key` of `kind` (e.g. a probe retry once the Route is served). */
  cancelAfter?(kind: string, key: string): void;
}

/** A reconcile error that should not be logged loudly (e.g. requeue after a 409). */
export class RequeueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequeueError';
  }
}

/** The informers a kind can watch (one per lister). */
export type InformerName = keyof Listers;

/**
 * One source of work for a kind: events (add, update, delete) of `informer` enqueue the keys
 * `keys` returns. Keys of the kind's own objects are enqueued at once (`primary`); keys enqueued
 * because something else changed are coalesced (ControllerOptions.coalesceMs).
 */
export interface Watch {
  informer: InformerName;
  primary?: boolean;
  keys(obj: KubeObject, listers: Listers): Iterable<string>;
}

/** A secondary index a kind's reconcile (or watches) read through `Lister.byIndex`. */
export interface IndexDeclaration {
  informer: InformerName;
  name: string;
  fn: IndexFn<KubeObject>;
}

/** The kind's own objects (Knative: `HandleAll(impl.Enqueue)`). */
export function watchSelf(informer: InformerName): Watch {
  return { informer, primary: true, keys: (o) => [keyOf(o)] };
}

/**
 * Children whose controller reference is an object of `owner` enqueue that owner
 * (Knative: `FilterController(&v1.X{})` + `EnqueueControllerOf`).
 */
export function watchOwned(informer: InformerName, owner: Resource): Watch {
  return {
    informer,
    keys: (o) => {
      const c = controllerOf(o);
      const group = c?.apiVersion.includes('/') ? c.apiVersion.split('/')[0] : '';
      if (!c || c.kind !== owner.kind || group !== owner.group) return [];
      return [`${o.metadata.namespace}/${c.name}`];
    },
  };
}

/** Index objects by `<namespace>/<value of label>`. */
export function labelIndex(label: string): IndexFn<KubeObject> {
  return (o) => {
    const v = o.metadata.labels?.[label];
    return v ? [`${o.metadata.namespace}/${v}`] : [];
  };
}

export interface KindReconciler<T extends KubeObject> {
  kind: string;
  resource: Resource;
  conditions: ConditionSet;
  /**
   * Condition marked False with reason `InvalidSpec` (and the violations as message) when the
   * defaulted object fails validation; `reconcile` is then not called.
   */
  invalidSpecCondition: string;
  /** What enqueues keys of this kind (see Watch). */
  watches: readonly Watch[];
  /** Informer indexes this kind reads. */
  indexes?: readonly IndexDeclaration[];
  /**
   * A finalizer the kind keeps only while it is needed (Knative's `FinalizeKind`; here opt-in per
   * object): `needed` says whether this object needs it now (it is added, or removed, through a
   * metadata update before the reconcile); `finalizeKind` runs once the object is being deleted,
   * after which the finalizer is removed.
   */
  finalizer?: {
    name: string;
    needed(ctx: ReconcilerContext, obj: T): boolean;
    finalizeKind(ctx: ReconcilerContext, obj: T): Promise<void>;
  };
  lister(ctx: ReconcilerContext): Lister<T>;
  /** Marks made on a new generation, before validation (Route: IngressReady Unknown). */
  onNewGeneration?(status: any, now: Date): void;
  /** Mutates `obj.status` (a deep copy); may throw after having marked conditions. */
  reconcile(ctx: ReconcilerContext, obj: T, now: Date): Promise<void>;
  /** Called when the key is gone (deleted). */
  finalize?(ctx: ReconcilerContext, namespace: string, name: string): Promise<void>;
  /**
   * The Events a status change records (e.g. a Revision's `RevisionReady` on its not-ready → ready
   * edge), from the status before and after a reconcile whose status write succeeded.
   */
  transitions?(before: T, after: T): Array<{ type: EventType; reason: string; note: string }>;
}

/** `obj` with the finalizer `name` added (`on`) or removed, through a metadata update; unchanged objects are returned as they are. */
async function setFinalizer<T extends KubeObject>(ctx: ReconcilerContext, r: KindReconciler<T>, obj: T, name: string, on: boolean): Promise<T> {
  const list: string[] = obj.metadata.finalizers ?? [];
  if (list.includes(name) === on) return obj;
  const finalizers = on ? [...list, name] : list.filter((f) => f !== name);
  const update = { ...obj, apiVersion: apiVersionOf(r.resource), kind: r.resource.kind, metadata: { ...obj.metadata, finalizers } };
  return ctx.client.update(r.resource, update);
}

export async function reconcileKey<T extends KubeObject>(
  ctx: ReconcilerContext, r: KindReconciler<T>, namespace: string, name: string): Promise<void> {
  let cur = r.lister(ctx).get(namespace, name);
  if (!cur) {
    await r.finalize?.(ctx, namespace, name);
    return;
  }
  const fin = r.finalizer;
  if (cur.metadata.deletionTimestamp) {
    if (fin && cur.metadata.finalizers?.includes(fin.name)) {
      await fin.finalizeKind(ctx, cur);
      await setFinalizer(ctx, r, cur, fin.name, false);
    }
    return;
  }
  if (fin) cur = await setFinalizer(ctx, r, cur, fin.name, fin.needed(ctx, cur));
  const obj = clone(cur);
  const now = ctx.clock.now();
  r.conditions.beginReconcile(obj, now);
  if ((obj.metadata.generation ?? 0) !== (obj.status.observedGeneration ?? 0)) r.onNewGeneration?.(obj.status, now);
  let err: unknown;
  try {
    const bad = invalidMessage(obj, ctx.config());
    if (bad) r.conditions.markFalse(obj.status, r.invalidSpecCondition, 'InvalidSpec', bad, now);
    else await r.reconcile(ctx, obj, now);
  } catch (e) {
    if (e instanceof NotOwnedError) r.conditions.markFalse(obj.status, e.condition, e.reason, e.conditionMessage, now);
    err = e;
  }
  r.conditions.endReconcile(obj);
  const about = { ...cur, apiVersion: cur.apiVersion ?? apiVersionOf(r.resource), kind: cur.kind ?? r.resource.kind };
  if (!deepEqual(cur.status, obj.status)) {
    try {
      await ctx.client.updateStatus(r.resource, { ...cur, status: obj.status });
    } catch (e) {
      // Knative's generated reconcilers: UpdateFailed "Failed to update status for <name>: <err>"
      // (a conflict is routine: the next reconcile works on the newer object).
      if (!isConflict(e)) ctx.events?.event(about, 'Warning', 'UpdateFailed', `Failed to update status for "${name}": ${(e as Error).message}`);
      throw e;
    }
    for (const t of r.transitions?.(cur, obj) ?? []) ctx.events?.event(about, t.type, t.reason, t.note);
  }
  if (err) {
    // Knative's generated reconcilers: InternalError with the reconcile error (not for requeues or conflicts).
    if (!(err instanceof RequeueError) && !isConflict(err)) ctx.events?.event(about, 'Warning', 'InternalError', (err as Error).message ?? String(err));
    throw err;
  }
}

/** Mirror a child's Ready condition into `type` on the parent (same status/reason/message). */
export function mirrorReady(set: ConditionSet, status: any, type: string, child: KubeObject, now: Date): void {
  const c = (child.status?.conditions ?? []).find((x: any) => x.type === 'Ready');
  if (!c || c.status === 'Unknown') set.markUnknown(status, type, c?.reason ?? '', c?.message ?? '', now);
  else if (c.status === 'True') set.markTrue(status, type, now);
  else set.markFalse(status, type, c.reason ?? '', c.message ?? '', now);
}

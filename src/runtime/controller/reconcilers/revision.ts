/**
 * Revision reconciler: Deployment + ClusterIP Service (+ HPA for the HPA class); conditions
 * ResourcesAvailable / ContainerHealthy (Ready = both) and Active (informational) from the
 * Deployment's status; actualReplicas/desiredReplicas.
 */
import {
  READY, REVISION_CONDITIONS, REVISION_CONDITION_ACTIVE as ACTIVE, REVISION_CONDITION_CONTAINER_HEALTHY as HEALTHY,
  REVISION_CONDITION_RESOURCES_AVAILABLE as AVAILABLE,
} from '../../../core/conditions';
import { deploymentName, revisionServiceName } from '../../../core/names';
import type { KubeObject, RevisionObject } from '../../../core/types';
import { invalidMessage } from '../admission';
import { R, Resource } from '../client';
import { Lister } from '../informers';
import { KindReconciler, ReconcilerContext } from './base';
import { deepEqual, isControlledBy, isSubset } from '../resources/meta';
import { makeDeployment, makeHpa, makeRevisionService, usesHpa } from '../resources/revision';

const set = REVISION_CONDITIONS;

export class ChildNotOwnedError extends Error {}

type Outcome = { obj: KubeObject; created: boolean } | { notOwned: true };

/** get → create, or NotOwned, or semantic diff → update. */
async function ensureChild(ctx: ReconcilerContext, rev: RevisionObject, res: Resource, lister: Lister<KubeObject>, desired: KubeObject,
  same: (existing: KubeObject, desired: KubeObject) => boolean, merge: (existing: KubeObject, desired: KubeObject) => KubeObject): Promise<Outcome> {
  const existing = lister.get(desired.metadata.namespace!, desired.metadata.name!);
  if (!existing) return { obj: await ctx.client.create(res, desired), created: true };
  if (!isControlledBy(existing, rev)) return { notOwned: true };
  if (same(existing, desired)) return { obj: existing, created: false };
  return { obj: await ctx.client.update(res, merge(existing, desired)), created: false };
}

const sameMeta = (a: KubeObject, b: KubeObject) =>
  deepEqual(a.metadata.labels ?? {}, b.metadata.labels ?? {}) && deepEqual(a.metadata.annotations ?? {}, b.metadata.annotations ?? {});

export const revisionReconciler: KindReconciler<RevisionObject> = {
  kind: 'Revision',
  resource: R.revisions,
  conditions: set,
  lister: (ctx) => ctx.listers.revisions,
  async reconcile(ctx: ReconcilerContext, rev: RevisionObject, now: Date): Promise<void> {
    const cfg = ctx.config();
    const st = rev.status as any;
    const bad = invalidMessage(rev, cfg);
    if (bad) {
      set.markFalse(st, AVAILABLE, 'InvalidSpec', bad, now);
      return;
    }
    const hpa = usesHpa(rev, cfg);

    // Deployment
    const wantDep = makeDeployment(rev, cfg);
    const dep = await ensureChild(ctx, rev, R.deployments, ctx.listers.deployments, wantDep,
      (e, d) => sameMeta(e, d) && isSubset({ ...d.spec, replicas: hpa ? undefined : d.spec.replicas }, e.spec),
      (e, d) => ({
        ...e,
        metadata: { ...e.metadata, labels: d.metadata.labels, annotations: d.metadata.annotations },
        spec: { ...e.spec, ...d.spec, replicas: hpa ? e.spec?.replicas ?? d.spec.replicas : d.spec.replicas },
      }));
    if ('notOwned' in dep) {
      set.markFalse(st, AVAILABLE, 'NotOwned', `There is an existing Deployment "${deploymentName(rev.metadata.name!)}" that we do not own.`, now);
      throw new ChildNotOwnedError(`revision ${rev.metadata.namespace}/${rev.metadata.name}: deployment not owned`);
    }

    // ClusterIP Service the ingress proxies to
    const wantSvc = makeRevisionService(rev);
    const svc = await ensureChild(ctx, rev, R.k8sServices, ctx.listers.k8sServices, wantSvc,
      (e, d) => sameMeta(e, d) && isSubset(d.spec, e.spec),
      (e, d) => ({
        ...e,
        metadata: { ...e.metadata, labels: d.metadata.labels },
        spec: { ...e.spec, type: d.spec.type, selector: d.spec.selector, ports: d.spec.ports },
      }));
    if ('notOwned' in svc) {
      set.markFalse(st, AVAILABLE, 'NotOwned', `There is an existing Service "${revisionServiceName(rev.metadata.name!)}" that we do not own.`, now);
      throw new ChildNotOwnedError(`revision ${rev.metadata.namespace}/${rev.metadata.name}: service not owned`);
    }

    // HPA (class hpa.autoscaling.knative.dev)
    const existingHpa = ctx.listers.hpas.get(rev.metadata.namespace!, rev.metadata.name!);
    if (hpa) {
      const h = await ensureChild(ctx, rev, R.hpas, ctx.listers.hpas, makeHpa(rev, cfg),
        (e, d) => sameMeta(e, d) && isSubset(d.spec, e.spec),
        (e, d) => ({ ...e, metadata: { ...e.metadata, labels: d.metadata.labels }, spec: d.spec }));
      if ('notOwned' in h) {
        set.markFalse(st, AVAILABLE, 'NotOwned', `There is an existing HorizontalPodAutoscaler "${rev.metadata.name}" that we do not own.`, now);
        throw new ChildNotOwnedError(`revision ${rev.metadata.namespace}/${rev.metadata.name}: hpa not owned`);
      }
    } else if (existingHpa && isControlledBy(existingHpa, rev)) {
      await ctx.client.delete(R.hpas, existingHpa.metadata.namespace!, existingHpa.metadata.name!);
    }

    propagateDeploymentStatus(rev, dep.obj, dep.created, now);
  },
};

export function propagateDeploymentStatus(rev: RevisionObject, dep: KubeObject, justCreated: boolean, now: Date): void {
  const st = rev.status as any;
  st.containerStatuses = (rev.spec.containers ?? []).map((c: any) => ({ name: c.name ?? '' }));
  const ds = dep.status ?? {};
  const want = dep.spec?.replicas ?? 1;
  const ready = ds.readyReplicas ?? 0;
  const available = ds.availableReplicas ?? 0;
  st.desiredReplicas = want;
  st.actualReplicas = ready;
  if (justCreated || !dep.status) {
    set.markUnknown(st, ACTIVE, 'Deploying', '', now);
    set.markUnknown(st, AVAILABLE, 'Deploying', '', now);
    set.markUnknown(st, HEALTHY, 'Deploying', '', now);
    return;
  }
  const conds: any[] = ds.conditions ?? [];
  const progressing = conds.find((c) => c.type === 'Progressing');
  const replicaFailure = conds.find((c) => c.type === 'ReplicaFailure');
  // Active (informational, severity Info) first: it never drives Ready.
  if (available > 0) set.markTrue(st, ACTIVE, now);
  else if (want === 0) set.markFalse(st, ACTIVE, 'NoTraffic', 'The target is not receiving traffic.', now);
  else set.markUnknown(st, ACTIVE, 'Deploying', '', now);

  if (progressing?.status === 'False') {
    set.markFalse(st, AVAILABLE, progressing.reason ?? 'ProgressDeadlineExceeded', progressing.message ?? 'Initial scale was never achieved', now);
  } else if (replicaFailure?.status === 'True') {
    set.markFalse(st, AVAILABLE, replicaFailure.reason ?? 'ReplicaFailure', replicaFailure.message ?? '', now);
  } else if (available > 0 || want === 0) {
    set.markTrue(st, AVAILABLE, now);
  } else {
    set.markUnknown(st, AVAILABLE, 'Deploying', '', now);
  }
  if (ready > 0 || available > 0 || want === 0) set.markTrue(st, HEALTHY, now);
  else if (set.get(st, HEALTHY)?.status !== 'True') set.markUnknown(st, HEALTHY, 'Deploying', '', now);
  void READY;
}

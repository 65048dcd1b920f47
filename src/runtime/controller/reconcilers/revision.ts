/**
 * Revision reconciler: Deployment + ClusterIP Service (+ HPA for the HPA class); conditions
 * ResourcesAvailable / ContainerHealthy (Ready = both) and Active (informational) from the
 * Deployment's status and the revision's pods (core/revision-health: ImagePullBackOff,
 * Unschedulable, ExitCode<N>, …); actualReplicas/desiredReplicas.
 */
import { KindReconciler, ReconcilerContext, labelIndex, watchOwned, watchSelf } from './base';
import { deleteChildren, ensureChild } from './child';
import {
  READY, REVISION_CONDITIONS, REVISION_CONDITION_ACTIVE as ACTIVE, REVISION_CONDITION_CONTAINER_HEALTHY as HEALTHY,
  REVISION_CONDITION_RESOURCES_AVAILABLE as AVAILABLE,
} from '../../../core/conditions';
import { ConditionVerdict, PodView, revisionHealth } from '../../../core/revision-health';
import { formatViolation } from '../../../core/rules/violation';
import { unsupportedHpaMetric } from '../../../core/runtime-support';
import type { KubeObject, RevisionObject } from '../../../core/types';
import type { RevisionAutoscalingStatus } from '../autoscaler/autoscaler';
import { R } from '../client';
import { L } from '../resources/meta';
import { makeDeployment, makeHpa, makeRevisionService, usesHpa } from '../resources/revision';
import { isSubset } from '../util';

const set = REVISION_CONDITIONS;

export const revisionReconciler: KindReconciler<RevisionObject> = {
  kind: 'Revision',
  resource: R.revisions,
  conditions: set,
  lister: (ctx) => ctx.listers.revisions,
  invalidSpecCondition: AVAILABLE,
  watches: [
    watchSelf('revisions'),
    watchOwned('deployments', R.revisions),
    watchOwned('hpas', R.revisions),
    watchOwned('k8sServices', R.revisions),
    // A pod's state changes (ImagePullBackOff, a crash, unschedulable): its revision explains it.
    // Pods are owned by ReplicaSets, so they are matched by their revision label.
    { informer: 'pods', keys: (o) => (o.metadata.labels?.[L.revision] ? [`${o.metadata.namespace}/${o.metadata.labels[L.revision]}`] : []) },
  ],
  indexes: [{ informer: 'pods', name: 'revisionUID', fn: labelIndex(L.revisionUID) }],
  // Upstream's RevisionReady, on the not-ready → ready edge.
  transitions(before, after) {
    const ready = (o: RevisionObject) => set.get(o.status as any, READY)?.status === 'True';
    return !ready(before) && ready(after) ? [{ type: 'Normal', reason: 'RevisionReady', note: 'Revision becomes ready upon all resources being ready' }] : [];
  },
  async finalize(ctx: ReconcilerContext, namespace: string, name: string): Promise<void> {
    ctx.digests?.forgetByName(namespace, name);
  },
  async reconcile(ctx: ReconcilerContext, rev: RevisionObject, now: Date): Promise<void> {
    const cfg = ctx.config();
    const st = rev.status as any;
    const hpa = usesHpa(rev, cfg);

    // HPA class with a metric other than cpu/memory: upstream would create an HPA on a Pods metric
    // served by a custom-metrics adapter, which the bundled runtime does not have. Synthesis fails
    // on the same rule (core/runtime-support); an object applied past it fails here, with no
    // workload, instead of silently scaling on CPU.
    const unsupported = hpa ? unsupportedHpaMetric(rev.metadata.annotations ?? {}, 'metadata.annotations', cfg) : undefined;
    if (unsupported) {
      const stale = ctx.listers.hpas.get(rev.metadata.namespace!, rev.metadata.name!);
      if (stale) await deleteChildren(ctx, rev, R.hpas, [stale]);
      set.markFalse(st, AVAILABLE, 'UnsupportedMetric', formatViolation(unsupported), now);
      return;
    }

    // Tag-to-digest resolution (when on): until every container has its imageDigest, ResourcesAvailable
    // Unknown ResolvingDigests and no Deployment; a failure is ContainerHealthy False ContainerMissing,
    // retried with backoff. Once written, a revision's digests never change (a moved tag is not followed).
    if (ctx.digests && !digestsResolved(rev)) {
      const d = ctx.digests.state(rev);
      if (d.phase === 'pending') {
        set.markUnknown(st, AVAILABLE, 'ResolvingDigests', '', now);
        return;
      }
      if (d.phase === 'failed') {
        set.markFalse(st, HEALTHY, 'ContainerMissing', d.message, now);
        ctx.enqueueAfter?.('Revision', `${rev.metadata.namespace}/${rev.metadata.name}`, Math.max(0, d.retryAt - now.getTime()));
        return;
      }
      st.containerStatuses = d.results.containerStatuses;
      if (d.results.initContainerStatuses.length) st.initContainerStatuses = d.results.initContainerStatuses;
    }

    // Deployment. Created at the bounded initial scale; afterwards spec.replicas belongs to the
    // autoscaler (KPA: the controller's autoscaler through deployments/scale; HPA class: the HPA),
    // so the semantic diff ignores it and an update keeps the stored value.
    const dep = await ensureChild(ctx, rev, makeDeployment(rev, cfg), {
      resource: R.deployments,
      lister: ctx.listers.deployments,
      condition: AVAILABLE,
      // Other writers annotate the Deployment (kube-controller-manager's deployment controller keeps
      // `deployment.kubernetes.io/revision` on it, through the status subresource); replacing the
      // map would remove theirs, and on a real API server an annotation change bumps the
      // Deployment's generation, so the two controllers would rewrite it forever. Knative unions
      // the maps too (kmeta.UnionMaps in checkAndUpdateDeployment).
      annotations: 'merge',
      specIsCurrent: (e, d) => isSubset({ ...d, replicas: undefined }, e),
      applySpec: (e, d) => ({ ...e, ...d, replicas: e?.replicas ?? d.replicas }),
      beforeCreate: () => {
        set.markUnknown(st, AVAILABLE, 'Deploying', '', now);
        set.markUnknown(st, HEALTHY, 'Deploying', '', now);
      },
    });

    // ClusterIP Service the ingress proxies to
    await ensureChild(ctx, rev, makeRevisionService(rev), {
      resource: R.k8sServices,
      lister: ctx.listers.k8sServices,
      condition: AVAILABLE,
      annotations: 'ignore',
      applySpec: (e, d) => ({ ...e, type: d.type, selector: d.selector, ports: d.ports }),
    });

    // HPA (class hpa.autoscaling.knative.dev)
    if (hpa) {
      await ensureChild(ctx, rev, makeHpa(rev, cfg), {
        resource: R.hpas,
        lister: ctx.listers.hpas,
        condition: AVAILABLE,
        annotations: 'ignore',
      });
    } else {
      const stale = ctx.listers.hpas.get(rev.metadata.namespace!, rev.metadata.name!);
      if (stale) await deleteChildren(ctx, rev, R.hpas, [stale]);
    }

    const kpa = hpa ? undefined : ctx.autoscaling?.status(rev.metadata.namespace!, rev.metadata.name!);
    // The revision's pods by its UID label (the Deployment's selector), for their failure reasons.
    const pods = ctx.listers.pods.byIndex('revisionUID', `${rev.metadata.namespace}/${rev.metadata.uid}`);
    propagateDeploymentStatus(rev, dep.obj, dep.created, now, hpa ? undefined : { status: kpa }, pods);
  },
};

/**
 * Revision status from its Deployment and its pods (core/revision-health: the pod-level reasons
 * such as ImagePullBackOff, Unschedulable, ExitCode<N>). `kpa` (KPA-class revisions with the
 * controller's autoscaler): `Active`, `actualReplicas` and `desiredReplicas` come from the
 * autoscaler's KPA state (upstream copies them from the PodAutoscaler, runtime.md §3.3). Until the
 * autoscaler's first KPA step for the revision (and for the HPA class), they follow the Deployment.
 */
/** Every container (and init container) of the revision has an imageDigest in its status ('' when skipped). */
function digestsResolved(rev: RevisionObject): boolean {
  const st = rev.status as any;
  const has = (list: any[] | undefined, statuses: any[] | undefined): boolean =>
    (list ?? []).every((c) => (statuses ?? []).some((s) => s.name === (c.name ?? '') && typeof s.imageDigest === 'string'));
  return has(rev.spec.containers, st?.containerStatuses) && has((rev.spec as any).initContainers, st?.initContainerStatuses);
}

export function propagateDeploymentStatus(rev: RevisionObject, dep: KubeObject, justCreated: boolean, now: Date,
  kpa?: { status: RevisionAutoscalingStatus | undefined }, pods: readonly KubeObject[] = []): void {
  const st = rev.status as any;
  // One entry per container, in spec order, keeping a resolved imageDigest.
  const prev: Array<{ name: string; imageDigest?: string }> = st.containerStatuses ?? [];
  st.containerStatuses = (rev.spec.containers ?? []).map((c: any) => {
    const digest = prev.find((p) => p.name === (c.name ?? ''))?.imageDigest;
    return digest !== undefined ? { name: c.name ?? '', imageDigest: digest } : { name: c.name ?? '' };
  });
  const ds = dep.status ?? {};
  const want = dep.spec?.replicas ?? 1;
  const ready = ds.readyReplicas ?? 0;
  const available = ds.availableReplicas ?? 0;
  st.desiredReplicas = want;
  st.actualReplicas = ready;
  if (kpa?.status) {
    if (kpa.status.desiredReplicas !== undefined) st.desiredReplicas = kpa.status.desiredReplicas;
    st.actualReplicas = kpa.status.actualReplicas;
  }
  if (justCreated || !dep.status) {
    set.markUnknown(st, ACTIVE, 'Deploying', '', now);
    set.markUnknown(st, AVAILABLE, 'Deploying', '', now);
    set.markUnknown(st, HEALTHY, 'Deploying', '', now);
    return;
  }
  // Active (informational, severity Info) first: it never drives Ready.
  const active = kpa?.status?.active;
  if (active?.status === 'True') set.markTrue(st, ACTIVE, now);
  else if (active?.status === 'False') set.markFalse(st, ACTIVE, active.reason, active.message, now);
  else if (active) set.markUnknown(st, ACTIVE, active.reason, active.message, now);
  else if (available > 0) set.markTrue(st, ACTIVE, now);
  else if (want === 0) set.markFalse(st, ACTIVE, 'NoTraffic', 'The target is not receiving traffic.', now);
  else set.markUnknown(st, ACTIVE, 'Deploying', '', now);

  const health = revisionHealth({
    deployment: dep,
    pods: pods as unknown as readonly PodView[],
    containers: (rev.spec.containers ?? []).map((c: any) => String(c.name ?? '')),
    autoscaler: kpa?.status ? { inactive: active?.status === 'False', scaleTargetInitialized: kpa.status.scaleTargetInitialized } : undefined,
    previousContainerHealthy: set.get(st, HEALTHY)?.status,
  });
  apply(st, AVAILABLE, health.resourcesAvailable, now);
  apply(st, HEALTHY, health.containerHealthy, now);
}

function apply(st: any, type: string, v: ConditionVerdict, now: Date): void {
  if (v.status === 'True') set.markTrue(st, type, now);
  else if (v.status === 'False') set.markFalse(st, type, v.reason, v.message, now);
  else set.markUnknown(st, type, v.reason, v.message, now);
}

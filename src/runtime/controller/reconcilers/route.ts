/**
 * Route reconciler (reference §7.3–7.5): URL, traffic resolution, address, one cluster-local
 * placeholder Service per traffic name, conditions. The bundled ingress reads the Route status
 * directly, so `status.traffic` is what it serves.
 *
 * Gradual rollout (runtime.md §6, core/rollout): with a rollout duration (the Route's
 * `serving.knative.dev/rollout-duration`, else config-network's `rollout-duration`) a new latest
 * revision of a `latestRevision: true` target starts at 1 % and takes the rest in steps (the main
 * traffic per Configuration, each tag's own host on its own); `status.traffic` shows the main
 * traffic's intermediate split, the ingress serves a tag's from the state, IngressReady is `Unknown
 * RolloutInProgress` meanwhile, and the Route is requeued at the next step time. The state is
 * kept in `status.annotations` (`networking.internal.knative.dev/rollout`; upstream keeps it on
 * the KIngress, which this runtime does not have), so a restarted controller resumes from it.
 * The ingress picks each status up from its watch; the step parameters are computed once every
 * ingress replica serves the published first step (upstream: once the KIngress is ready).
 *
 * IngressReady means served (runtime.md §9.3): the ingress builds its table from the Route
 * status, so after writing a status the Route is Ready only once every ready ingress replica
 * answers that it serves the routing of this status (`routingDigest` of `routingFromStatus`, the
 * ingress's own computation; controller/ingress-probe.ts asks them). Until then IngressReady is
 * `Unknown Uninitialized` "Waiting for load balancer to be ready: …" (upstream's KIngress
 * reason, with what the probes found), and the Route is probed again after a backoff (50 ms four
 * times, then doubling to 5 s) or at once when the ingress replicas change. The digest every replica served is
 * remembered, so an unchanged Route is not probed on every reconcile.
 */
import { IndexDeclaration, KindReconciler, Listers, ReconcilerContext, Watch, labelIndex, watchOwned, watchSelf } from './base';
import { deleteChildren, ensureChild } from './child';
import { labelRoute, labelerIndexes, unlabelRoute } from './labeler';
import {
  ROUTE_CONDITIONS, ROUTE_CONDITION_ALL_TRAFFIC_ASSIGNED as ASSIGNED, ROUTE_CONDITION_CERTIFICATE_PROVISIONED as CERT,
  ROUTE_CONDITION_INGRESS_READY as INGRESS,
} from '../../../core/conditions';
import {
  ROLLOUT_IN_PROGRESS_MESSAGE, ROLLOUT_IN_PROGRESS_REASON, ROLLOUT_STATE_ANNOTATION, Rollout, applyRolloutToTraffic, buildRollout,
  observeRolloutReady, parseRollout, rolloutDone, serializeRollout, stepRollout,
} from '../../../core/rollout';
import { INGRESS_NOT_SERVED_REASON, IngressServedVerdict, routingDigest, routingFromStatus } from '../../../core/routing';
import { rolloutDurationSeconds } from '../../../core/rules/annotations';
import { resolveRouteTraffic } from '../../../core/traffic';
import type { KubeObject, RouteObject } from '../../../core/types';
import { R } from '../client';
import { keyOf } from '../informers';
import { forgetProbes, probeAgainLater, servedByIngress } from '../ingress-probe';
import { A, L, splitSet } from '../resources/meta';
import { makePlaceholderService } from '../resources/route';

const set = ROUTE_CONDITIONS;

/**
 * Seconds of the Route's `serving.knative.dev/rollout-duration` (a Go duration, validated at
 * admission), else config-network's rollout-duration.
 */
export function rolloutSeconds(route: RouteObject, defaultSeconds: number): number {
  return rolloutDurationSeconds(route.metadata.annotations) ?? defaultSeconds;
}

/**
 * What a Route refers to, as `Configuration:<ns>/<name>` and `Revision:<ns>/<name>` (spec and
 * status traffic): indexed on the routes informer, so a change to a referenced object
 * re-enqueues the Routes using it (the role of Knative's tracker).
 */
function references(route: KubeObject): string[] {
  const ns = route.metadata.namespace;
  const out: string[] = [];
  for (const t of [...(route.spec?.traffic ?? []), ...(route.status?.traffic ?? [])]) {
    if (t.configurationName) out.push(`Configuration:${ns}/${t.configurationName}`);
    if (t.revisionName) out.push(`Revision:${ns}/${t.revisionName}`);
  }
  return out;
}

/** Whether every ingress replica serves the routing of `route` (its metadata and `status`). */
function routeServedByIngress(ctx: ReconcilerContext, route: RouteObject): Promise<IngressServedVerdict> {
  return servedByIngress(ctx, 'Route', `${route.metadata.namespace}/${route.metadata.name}`, () => routingDigest(routingFromStatus(route, ctx.config())));
}

/** Keys of the Routes referring to `ref` (see `references`). */
const referrers = (listers: Listers, ref: string): string[] => listers.routes.byIndex('references', ref).map(keyOf);

const indexes: IndexDeclaration[] = [
  { informer: 'routes', name: 'references', fn: references },
  // placeholder Services by `<ns>/<route>`
  { informer: 'k8sServices', name: 'route', fn: labelIndex(L.route) },
  ...labelerIndexes,
];

const watches: Watch[] = [
  watchSelf('routes'),
  watchOwned('k8sServices', R.routes),
  {
    // a referenced Configuration changed (new latest revision, readiness), or one whose
    // serving.knative.dev/routes annotation names a Route (the labeler's bookkeeping)
    informer: 'configurations',
    keys: (o, listers) => [
      ...referrers(listers, `Configuration:${keyOf(o)}`),
      ...splitSet(o.metadata.annotations?.[A.routes]).map((r) => `${o.metadata.namespace}/${r}`),
    ],
  },
  {
    // a referenced Revision, or any Revision of a referenced Configuration, changed
    informer: 'revisions',
    keys: (o, listers) => {
      const cfg = o.metadata.labels?.[L.configuration];
      return [
        ...(cfg ? referrers(listers, `Configuration:${o.metadata.namespace}/${cfg}`) : []),
        ...referrers(listers, `Revision:${keyOf(o)}`),
      ];
    },
  },
];

export const routeReconciler: KindReconciler<RouteObject> = {
  kind: 'Route',
  resource: R.routes,
  conditions: set,
  lister: (ctx) => ctx.listers.routes,
  invalidSpecCondition: ASSIGNED,
  onNewGeneration: (st, now) => set.markUnknown(st, INGRESS, 'IngressNotConfigured', 'Ingress has not yet been reconciled.', now),
  watches,
  indexes,
  async finalize(ctx, namespace, name) {
    forgetProbes(ctx, 'Route', `${namespace}/${name}`);
    await unlabelRoute(ctx, namespace, name);
  },
  async reconcile(ctx: ReconcilerContext, route: RouteObject, now: Date): Promise<void> {
    const cfg = ctx.config();
    const st = route.status as any;
    const ns = route.metadata.namespace!;
    const name = route.metadata.name!;
    const key = `${ns}/${name}`;

    const placeholders = ctx.listers.k8sServices.byIndex('route', `${ns}/${name}`);
    const clusterLocalTags: string[] = [];
    for (const p of placeholders) {
      const tag = p.metadata.annotations?.['serving.knative.dev/tag'];
      if (tag && p.metadata.labels?.[L.visibility]) clusterLocalTags.push(tag);
    }
    const lookup = {
      revision: (n: string) => ctx.listers.revisions.get(ns, n),
      configuration: (n: string) => ctx.listers.configurations.get(ns, n),
    };
    const { hosts, routing, result } = resolveRouteTraffic(route, lookup, cfg, { clusterLocalTags });
    if (!hosts) {
      if (!result.ok) set.markFalse(st, ASSIGNED, result.reason, result.message, now);
      return;
    }
    st.url = hosts.url;
    if (!result.ok) {
      if (result.status === 'False') set.markFalse(st, ASSIGNED, result.reason, result.message, now);
      else set.markUnknown(st, ASSIGNED, result.reason, result.message, now);
      await labelRoute(ctx, route, false);
      return;
    }
    set.markTrue(st, ASSIGNED, now);
    // Gradual rollout (upstream reconcileRollout): without a duration the desired state is
    // recorded as is, so a later rollout has a baseline to start from.
    const durationSeconds = rolloutSeconds(route, cfg.network.rolloutDurationSeconds);
    const goal = buildRollout(route.spec?.traffic, lookup);
    let rollout: Rollout = goal;
    if (durationSeconds > 0) {
      const nowMs = now.getTime();
      let prev = parseRollout(st.annotations?.[ROLLOUT_STATE_ANNOTATION]);
      const ingressReady = (st.conditions ?? []).find((c: { type: string }) => c.type === INGRESS);
      // The previous state is the published status; once every ingress replica serves it (while
      // IngressReady is not True), a just-started rollout gets its step parameters.
      if (prev && ingressReady?.status !== 'True' && prev.configurations.some((c) => c.stepParams.startTime > 0 && c.stepParams.stepDuration === 0)) {
        if ((await routeServedByIngress(ctx, { ...route, status: { ...st } })).served) prev = observeRolloutReady(prev, nowMs, durationSeconds);
        else probeAgainLater(ctx, 'Route', key);
      }
      const step = stepRollout(goal, prev, nowMs);
      rollout = step.rollout;
      if (step.nextStepTime > 0) ctx.enqueueAfter?.('Route', key, step.nextStepTime - nowMs);
    }
    const rolling = !rolloutDone(rollout);
    st.traffic = rolling ? applyRolloutToTraffic(result.traffic, rollout) : result.traffic;
    st.annotations = { ...(st.annotations ?? {}), [ROLLOUT_STATE_ANNOTATION]: serializeRollout(rollout) };
    // The routing contract (core/routing), the one the ingress serves: resolved whenever result.ok.
    const contract = routing!;
    st.address = { url: contract.addressUrl };

    // Placeholder Services: `<route>` and one per tag (`<tag>-<route>`).
    const wanted = new Map<string, KubeObject>();
    for (const p of contract.placeholderServices) wanted.set(p.name, makePlaceholderService(route, p.name, ctx.ingress, p.tag));
    for (const desired of wanted.values()) {
      await ensureChild(ctx, route, desired, {
        resource: R.k8sServices,
        lister: ctx.listers.k8sServices,
        condition: INGRESS,
        noun: 'placeholder Service/Endpoint',
        labels: 'merge',
        applySpec: (e, d) => ({ ...e, type: d.type, externalName: d.externalName, ports: d.ports }),
      });
    }
    await deleteChildren(ctx, route, R.k8sServices, placeholders.filter((p) => !wanted.has(p.metadata.name!)));

    // Ingress: ours reads the Route status directly; IngressReady once every replica serves it.
    if (st.annotations?.[A.rolloutUnsupported] !== undefined) delete st.annotations[A.rolloutUnsupported];
    if (rolling) {
      set.markUnknown(st, INGRESS, ROLLOUT_IN_PROGRESS_REASON, ROLLOUT_IN_PROGRESS_MESSAGE, now);
    } else {
      const verdict = await routeServedByIngress(ctx, route);
      if (verdict.served) {
        set.markTrue(st, INGRESS, now);
      } else {
        set.markUnknown(st, INGRESS, INGRESS_NOT_SERVED_REASON, verdict.message, now);
        probeAgainLater(ctx, 'Route', key);
      }
    }
    set.markTrueWithReason(st, CERT, 'TLSNotEnabled', 'external-domain-tls is not enabled', now);

    await labelRoute(ctx, route, true);
  },
};

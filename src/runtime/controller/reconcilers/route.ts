/**
 * Route reconciler (reference §7.3–7.5): URL, traffic resolution, address, one cluster-local
 * placeholder Service per traffic name, conditions. The bundled ingress reads the Route status
 * directly, so IngressReady is True as soon as all traffic is assigned. Gradual rollout
 * (rollout-duration > 0) is not implemented by this runtime: the split is applied at once and
 * the fact is reported on IngressReady's reason/message and in status.annotations.
 */
import { IndexDeclaration, KindReconciler, Listers, ReconcilerContext, Watch, labelIndex, watchOwned, watchSelf } from './base';
import { deleteChildren, ensureChild } from './child';
import { labelRoute, labelerIndexes, unlabelRoute } from './labeler';
import {
  ROUTE_CONDITIONS, ROUTE_CONDITION_ALL_TRAFFIC_ASSIGNED as ASSIGNED, ROUTE_CONDITION_CERTIFICATE_PROVISIONED as CERT,
  ROUTE_CONDITION_INGRESS_READY as INGRESS,
} from '../../../core/conditions';
import { rolloutDurationSeconds } from '../../../core/rules/annotations';
import { resolveRouteTraffic } from '../../../core/traffic';
import type { KubeObject, RouteObject } from '../../../core/types';
import { R } from '../client';
import { keyOf } from '../informers';
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
    await unlabelRoute(ctx, namespace, name);
  },
  async reconcile(ctx: ReconcilerContext, route: RouteObject, now: Date): Promise<void> {
    const cfg = ctx.config();
    const st = route.status as any;
    const ns = route.metadata.namespace!;
    const name = route.metadata.name!;

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
    st.traffic = result.traffic;
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

    // Ingress: ours reads the Route status directly.
    const rollout = rolloutSeconds(route, cfg.network.rolloutDurationSeconds);
    if (rollout > 0) {
      const msg = `rollout-duration ${rollout}s requested, but gradual rollout is not supported by this runtime; the traffic split was applied at once.`;
      st.annotations = { ...(st.annotations ?? {}), [A.rolloutUnsupported]: msg };
      set.markTrueWithReason(st, INGRESS, 'GradualRolloutNotSupported', msg, now);
    } else {
      if (st.annotations) {
        delete st.annotations[A.rolloutUnsupported];
        if (Object.keys(st.annotations).length === 0) delete st.annotations;
      }
      set.markTrue(st, INGRESS, now);
    }
    set.markTrueWithReason(st, CERT, 'TLSNotEnabled', 'external-domain-tls is not enabled', now);

    await labelRoute(ctx, route, true);
  },
};

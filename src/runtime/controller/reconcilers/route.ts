/**
 * Route reconciler (reference §7.3–7.5): URL, traffic resolution, address, one cluster-local
 * placeholder Service per traffic name, conditions. The bundled ingress reads the Route status
 * directly, so IngressReady is True as soon as all traffic is assigned. Gradual rollout
 * (rollout-duration > 0) is not implemented by this runtime: the split is applied at once and
 * the fact is reported on IngressReady's reason/message and in status.annotations.
 */
import {
  ROUTE_CONDITIONS, ROUTE_CONDITION_ALL_TRAFFIC_ASSIGNED as ASSIGNED, ROUTE_CONDITION_CERTIFICATE_PROVISIONED as CERT,
  ROUTE_CONDITION_INGRESS_READY as INGRESS,
} from '../../../core/conditions';
import { resolveRouteTraffic } from '../../../core/traffic';
import type { KubeObject, RouteObject } from '../../../core/types';
import { invalidMessage } from '../admission';
import { R } from '../client';
import { KindReconciler, ReconcilerContext } from './base';
import { labelRoute, unlabelRoute } from './labeler';
import { A, L, annotation, deepEqual, isControlledBy, isSubset, parseDurationSeconds } from '../resources/meta';
import { makePlaceholderService } from '../resources/route';

const set = ROUTE_CONDITIONS;

export class PlaceholderNotOwnedError extends Error {}

export function rolloutSeconds(route: RouteObject, defaultSeconds: number): number {
  const v = annotation(route, A.rolloutDuration, A.rolloutDurationAlt);
  const parsed = parseDurationSeconds(v);
  return parsed ?? defaultSeconds ?? 0;
}

export const routeReconciler: KindReconciler<RouteObject> = {
  kind: 'Route',
  resource: R.routes,
  conditions: set,
  lister: (ctx) => ctx.listers.routes,
  async finalize(ctx, namespace, name) {
    await unlabelRoute(ctx, namespace, name);
  },
  async reconcile(ctx: ReconcilerContext, route: RouteObject, now: Date): Promise<void> {
    const cfg = ctx.config();
    const st = route.status as any;
    const ns = route.metadata.namespace!;
    const name = route.metadata.name!;
    if ((route.metadata.generation ?? 0) !== (st.observedGeneration ?? 0)) {
      set.markUnknown(st, INGRESS, 'IngressNotConfigured', 'Ingress has not yet been reconciled.', now);
    }
    const bad = invalidMessage(route, cfg);
    if (bad) {
      set.markFalse(st, ASSIGNED, 'InvalidSpec', bad, now);
      return;
    }

    let placeholders: KubeObject[];
    try {
      placeholders = ctx.listers.k8sServices.byIndex('route', `${ns}/${name}`);
    } catch {
      placeholders = ctx.listers.k8sServices.byLabels(ns, { [L.route]: name });
    }
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
    for (const [svcName, desired] of wanted) {
      const existing = ctx.listers.k8sServices.get(ns, svcName);
      if (!existing) {
        await ctx.client.create(R.k8sServices, desired);
      } else if (!isControlledBy(existing, route)) {
        set.markFalse(st, INGRESS, 'NotOwned', `There is an existing placeholder Service/Endpoint "${svcName}" that we do not own.`, now);
        throw new PlaceholderNotOwnedError(`route ${ns}/${name}: placeholder service ${svcName} not owned`);
      } else if (!samePlaceholder(existing, desired)) {
        await ctx.client.update(R.k8sServices, {
          ...existing,
          metadata: {
            ...existing.metadata,
            labels: { ...(existing.metadata.labels ?? {}), ...desired.metadata.labels },
            annotations: desired.metadata.annotations,
          },
          spec: { ...existing.spec, type: desired.spec.type, externalName: desired.spec.externalName, ports: desired.spec.ports },
        });
      }
    }
    for (const p of placeholders) {
      if (!wanted.has(p.metadata.name!) && isControlledBy(p, route)) {
        await ctx.client.delete(R.k8sServices, ns, p.metadata.name!);
      }
    }

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

function samePlaceholder(e: KubeObject, d: KubeObject): boolean {
  const labelsOk = Object.entries(d.metadata.labels ?? {}).every(([k, v]) => e.metadata.labels?.[k] === v);
  return labelsOk && deepEqual(e.metadata.annotations ?? {}, d.metadata.annotations ?? {}) &&
    isSubset(d.spec, e.spec);
}

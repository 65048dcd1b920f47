/** Service reconciler (reference §3.5). */
import {
  SERVICE_CONDITIONS, SERVICE_CONDITION_CONFIGURATIONS_READY as CONFIGS_READY, SERVICE_CONDITION_ROUTES_READY as ROUTES_READY,
} from '../../../core/conditions';
import { expectedMigratedTraffic, isTrafficMigrated } from '../../../core/traffic';
import type { ConfigurationObject, KnServiceObject } from '../../../core/types';
import { defaulted } from '../admission';
import { R } from '../client';
import { KindReconciler, ReconcilerContext, mirrorReady, watchOwned, watchSelf } from './base';
import { ensureChild } from './child';
import { A, L, isControlledBy } from '../resources/meta';
import { makeConfiguration, makeRoute } from '../resources/service';
import { deepEqual } from '../util';

const set = SERVICE_CONDITIONS;

export const serviceReconciler: KindReconciler<KnServiceObject> = {
  kind: 'Service',
  resource: R.services,
  conditions: set,
  lister: (ctx) => ctx.listers.services,
  invalidSpecCondition: CONFIGS_READY,
  watches: [
    watchSelf('services'),
    watchOwned('configurations', R.services),
    watchOwned('routes', R.services),
  ],
  async reconcile(ctx: ReconcilerContext, svc: KnServiceObject, now: Date): Promise<void> {
    const cfg = ctx.config();
    const st = svc.status as any;
    const ns = svc.metadata.namespace!;
    const dsvc = defaulted(svc, cfg);

    // 1. Configuration (its spec compared as the webhook would default it)
    const { obj: config } = await ensureChild(ctx, svc, makeConfiguration(dsvc), {
      resource: R.configurations,
      lister: ctx.listers.configurations,
      condition: CONFIGS_READY,
      fromExisting: (existing) => makeConfiguration(dsvc, existing),
      specIsCurrent: (e, d, existing) => {
        const specOf = (spec: any) => defaulted({ ...existing, spec }, cfg).spec;
        return deepEqual(specOf(e), specOf(d));
      },
    });

    // 2. Configuration status
    const byo = svc.spec.template?.metadata?.name;
    if ((config.metadata.generation ?? 0) !== (config.status?.observedGeneration ?? 0)) {
      set.markUnknown(st, CONFIGS_READY, 'OutOfDate', 'The Configuration is still working to reflect the latest desired specification.', now);
      if (byo) return;
    } else {
      st.latestCreatedRevisionName = config.status?.latestCreatedRevisionName;
      st.latestReadyRevisionName = config.status?.latestReadyRevisionName;
      if (st.latestCreatedRevisionName === undefined) delete st.latestCreatedRevisionName;
      if (st.latestReadyRevisionName === undefined) delete st.latestReadyRevisionName;
      mirrorReady(set, st, CONFIGS_READY, config, now);
    }

    // 3. BYO revision name taken by a conflicting Revision
    if (byo) {
      const rev = ctx.listers.revisions.get(ns, byo);
      if (rev && (!isControlledBy(rev, config) ||
        (rev.metadata.labels?.[L.configurationGeneration] !== String(config.metadata.generation) &&
          !deepEqual(rev.spec, config.spec.template.spec)))) {
        set.markFalse(st, ROUTES_READY, 'RevisionNameTaken', `The revision name "${byo}" is taken by a conflicting Revision, so traffic will not be migrated`, now);
        return;
      }
    }

    // 4. Route (its traffic compared as the webhook would default it)
    const { obj: route } = await ensureChild(ctx, svc, makeRoute(dsvc), {
      resource: R.routes,
      lister: ctx.listers.routes,
      condition: ROUTES_READY,
      specIsCurrent: (e, d) => deepEqual(normTraffic(e?.traffic), normTraffic(d?.traffic)),
    });

    // 5. Route status
    if ((route.metadata.generation ?? 0) !== (route.status?.observedGeneration ?? 0)) {
      set.markUnknown(st, ROUTES_READY, 'OutOfDate', 'The Route is still working to reflect the latest desired specification.', now);
      return;
    }
    for (const k of ['url', 'address', 'traffic'] as const) {
      if (route.status?.[k] !== undefined) st[k] = route.status[k];
      else delete st[k];
    }
    // the "gradual rollout not supported" note earlier versions of this runtime left
    if (st.annotations?.[A.rolloutUnsupported] !== undefined) {
      delete st.annotations[A.rolloutUnsupported];
      if (Object.keys(st.annotations).length === 0) delete st.annotations;
    }
    mirrorReady(set, st, ROUTES_READY, route, now);

    // 6. Traffic migration check
    if (set.get(st, ROUTES_READY)?.status === 'True') {
      const cfgName = (config as ConfigurationObject).metadata.name!;
      const expected = expectedMigratedTraffic(route.spec?.traffic, cfgName, config.status?.latestReadyRevisionName);
      if (!isTrafficMigrated(expected, route.status?.traffic)) {
        set.markUnknown(st, ROUTES_READY, 'TrafficNotMigrated', 'Traffic is not yet migrated to the latest revision.', now);
      }
    }
  },
};

/** Route traffic as the webhook defaults it (latestRevision / percent filled in). */
function normTraffic(t: any[] | undefined): any[] {
  return (t ?? []).map((e) => ({
    tag: e.tag || undefined,
    revisionName: e.revisionName || undefined,
    configurationName: e.configurationName || undefined,
    latestRevision: e.latestRevision ?? !e.revisionName,
    percent: e.percent ?? 0,
    url: e.url || undefined,
  }));
}

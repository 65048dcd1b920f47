/**
 * The "labeler" (reference §7.7): routing metadata on Configurations and Revisions.
 * Adds the route to `serving.knative.dev/routes` on every referenced object, sets Revision
 * `routingState` (active/reserve) with `routingStateModified`, and — once the Route is Ready or
 * Failed — removes the route from objects it no longer references. On Route deletion the route
 * is removed everywhere.
 */
import { parseRollout, ROLLOUT_STATE_ANNOTATION } from '../../../core/rollout';
import type { ConfigurationObject, KubeObject, RevisionObject, RouteObject } from '../../../core/types';
import { R, Resource } from '../client';
import { rfc3339 } from '../clock';
import { IndexDeclaration, ReconcilerContext } from './base';
import { A, L, joinSet, splitSet } from '../resources/meta';

/** Configurations and Revisions by each `<ns>/<route>` named in their serving.knative.dev/routes annotation. */
const byRoutesAnnotation = (o: KubeObject): string[] => splitSet(o.metadata.annotations?.[A.routes]).map((r) => `${o.metadata.namespace}/${r}`);

/** The indexes the labeler reads (declared by the Route reconciler, which runs it). */
export const labelerIndexes: IndexDeclaration[] = [
  { informer: 'configurations', name: 'routes', fn: byRoutesAnnotation },
  { informer: 'revisions', name: 'routes', fn: byRoutesAnnotation },
];

export function referenced(route: RouteObject, lookupConfig: (n: string) => ConfigurationObject | undefined,
  lookupRev: (n: string) => RevisionObject | undefined): { configs: Set<string>; revisions: Set<string> } {
  const configs = new Set<string>();
  const revisions = new Set<string>();
  for (const t of [...(route.spec?.traffic ?? []), ...(route.status?.traffic ?? [])]) {
    if (t.revisionName) revisions.add(t.revisionName);
  }
  // A tag's own host follows its rollout (core/routing), which can still serve a revision that
  // status.traffic no longer shows.
  for (const c of parseRollout(route.status?.annotations?.[ROLLOUT_STATE_ANNOTATION])?.configurations ?? []) {
    for (const r of c.revisions) revisions.add(r.revisionName);
  }
  for (const t of route.spec?.traffic ?? []) {
    if (t.configurationName) {
      configs.add(t.configurationName);
      const c = lookupConfig(t.configurationName);
      if ((t.latestRevision ?? !t.revisionName) && c?.status?.latestCreatedRevisionName) revisions.add(c.status.latestCreatedRevisionName);
    }
  }
  for (const r of revisions) {
    const owner = lookupRev(r)?.metadata.labels?.[L.configuration];
    if (owner) configs.add(owner);
  }
  return { configs, revisions };
}

async function setRoutes(ctx: ReconcilerContext, res: Resource, obj: ConfigurationObject | RevisionObject,
  routes: string[], now: Date, isRevision: boolean): Promise<void> {
  const cur = obj.metadata.annotations?.[A.routes];
  const next = joinSet(routes);
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  const labels = { ...(obj.metadata.labels ?? {}) };
  let changed = false;
  if ((cur ?? '') !== next) {
    if (next) annotations[A.routes] = next;
    else delete annotations[A.routes];
    changed = true;
  }
  if (isRevision) {
    const state = next ? 'active' : 'reserve';
    if (labels[L.routingState] !== state) {
      labels[L.routingState] = state;
      annotations[A.routingStateModified] = rfc3339(now);
      changed = true;
    }
  }
  if (!changed) return;
  await ctx.client.update(res, { ...obj, metadata: { ...obj.metadata, labels, annotations } } as any);
}

export async function labelRoute(ctx: ReconcilerContext, route: RouteObject, readyOrFailed: boolean): Promise<void> {
  const ns = route.metadata.namespace!;
  const name = route.metadata.name!;
  const now = ctx.clock.now();
  const ref = referenced(route, (n) => ctx.listers.configurations.get(ns, n), (n) => ctx.listers.revisions.get(ns, n));
  for (const c of ref.configs) {
    const obj = ctx.listers.configurations.get(ns, c);
    if (obj) await setRoutes(ctx, R.configurations, obj, [...splitSet(obj.metadata.annotations?.[A.routes]), name], now, false);
  }
  for (const r of ref.revisions) {
    const obj = ctx.listers.revisions.get(ns, r);
    if (obj) await setRoutes(ctx, R.revisions, obj, [...splitSet(obj.metadata.annotations?.[A.routes]), name], now, true);
  }
  if (!readyOrFailed) return;
  const sig = JSON.stringify([[...ref.configs].sort(), [...ref.revisions].sort()]);
  const key = `${ns}/${name}`;
  const memo = ctx.labelerMemo?.get(key);
  if (memo && memo.sig === sig && Date.now() - memo.at < 5 * 60_000) return;
  await removeFrom(ctx, ns, name, ref.configs, ref.revisions, now);
  ctx.labelerMemo?.set(key, { sig, at: Date.now() });
}

async function removeFrom(ctx: ReconcilerContext, ns: string, name: string,
  keepConfigs: Set<string>, keepRevs: Set<string>, now: Date): Promise<void> {
  const carrying = <T extends ConfigurationObject | RevisionObject>(l: { byIndex(i: string, v: string): T[] }): T[] => l.byIndex('routes', `${ns}/${name}`);
  for (const c of carrying(ctx.listers.configurations)) {
    if (keepConfigs.has(c.metadata.name!)) continue;
    const routes = splitSet(c.metadata.annotations?.[A.routes]);
    if (!routes.includes(name)) continue;
    // A Service's own Configuration keeps its Service's route name (the Service controller sets it).
    if (c.metadata.labels?.[L.service] === name) continue;
    await setRoutes(ctx, R.configurations, c, routes.filter((x) => x !== name), now, false);
  }
  for (const r of carrying(ctx.listers.revisions)) {
    if (keepRevs.has(r.metadata.name!)) continue;
    const routes = splitSet(r.metadata.annotations?.[A.routes]);
    if (!routes.includes(name)) continue;
    await setRoutes(ctx, R.revisions, r, routes.filter((x) => x !== name), now, true);
  }
}

export async function unlabelRoute(ctx: ReconcilerContext, ns: string, name: string): Promise<void> {
  ctx.labelerMemo?.delete(`${ns}/${name}`);
  await removeFrom(ctx, ns, name, new Set(), new Set(), ctx.clock.now());
}

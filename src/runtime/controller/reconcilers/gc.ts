/**
 * Revision garbage collection per Configuration (reference §12.5). A revision is non-active if
 * it is neither the latest ready nor the latest created one, carries no
 * `serving.knative.dev/no-gc: "true"`, and its routingState is `reserve`. Routed (active/pending)
 * revisions are never collected.
 */
import type { ConfigurationObject, RevisionObject } from '../../../core/types';
import { R } from '../client';
import { ReconcilerContext } from './base';
import { A, L } from '../resources/meta';

function ts(v: string | undefined): number {
  const t = v ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : 0;
}

/** Pure selection of revisions to delete (oldest first). */
export function revisionsToCollect(config: ConfigurationObject, revisions: RevisionObject[], gc: {
  retainSinceCreateTimeSeconds: number | null;
  retainSinceLastActiveTimeSeconds: number | null;
  minNonActiveRevisions: number;
  maxNonActiveRevisions: number | null;
}, now: Date): RevisionObject[] {
  const latestReady = config.status?.latestReadyRevisionName;
  const latestCreated = config.status?.latestCreatedRevisionName;
  const nonActive = revisions.filter((r) =>
    r.metadata.name !== latestReady && r.metadata.name !== latestCreated &&
    r.metadata.labels?.[L.noGC] !== 'true' && r.metadata.annotations?.[L.noGC] !== 'true' &&
    r.metadata.labels?.[L.routingState] === 'reserve' && !r.metadata.deletionTimestamp);
  const lastActive = (r: RevisionObject) => ts(r.metadata.annotations?.[A.routingStateModified]) || ts(r.metadata.creationTimestamp);
  nonActive.sort((a, b) => lastActive(a) - lastActive(b));
  const out: RevisionObject[] = [];
  let count = nonActive.length;
  const isStale = (r: RevisionObject) => {
    const created = ts(r.metadata.creationTimestamp);
    if (gc.retainSinceCreateTimeSeconds !== null && now.getTime() - created <= gc.retainSinceCreateTimeSeconds * 1000) return false;
    if (gc.retainSinceLastActiveTimeSeconds !== null && now.getTime() - lastActive(r) <= gc.retainSinceLastActiveTimeSeconds * 1000) return false;
    return gc.retainSinceCreateTimeSeconds !== null || gc.retainSinceLastActiveTimeSeconds !== null;
  };
  const rest: RevisionObject[] = [];
  for (const r of nonActive) {
    if (count > gc.minNonActiveRevisions && isStale(r)) {
      out.push(r);
      count--;
    } else {
      rest.push(r);
    }
  }
  if (gc.maxNonActiveRevisions !== null) {
    for (const r of rest) {
      if (count <= gc.maxNonActiveRevisions) break;
      out.push(r);
      count--;
    }
  }
  return out;
}

export async function collectRevisions(ctx: ReconcilerContext, config: ConfigurationObject, revisions: RevisionObject[], now: Date): Promise<void> {
  const doomed = revisionsToCollect(config, revisions, ctx.config().gc, now);
  for (const r of doomed) {
    ctx.log.info('garbage-collecting revision', { namespace: r.metadata.namespace, revision: r.metadata.name });
    await ctx.client.delete(R.revisions, r.metadata.namespace!, r.metadata.name!);
  }
}

/** Configuration reconciler (reference §4.5) followed by revision GC (§12.5). */
import { CONFIGURATION_CONDITIONS, READY } from '../../../core/conditions';
import { isReady } from '../../../core/traffic';
import type { ConfigurationObject, RevisionObject } from '../../../core/types';
import { defaulted } from '../admission';
import { R, isAlreadyExists } from '../client';
import { KindReconciler, ReconcilerContext, RequeueError, labelIndex, watchOwned, watchSelf } from './base';
import { createChild } from './child';
import { collectRevisions } from './gc';
import { makeRevision, revisionNameFor } from '../resources/configuration';
import { L, isControlledBy } from '../resources/meta';
import { deepEqual } from '../util';

const set = CONFIGURATION_CONDITIONS;

/** Revisions labelled with this configuration (the `configuration` index this kind declares). */
function revisionsOf(ctx: ReconcilerContext, ns: string, name: string): RevisionObject[] {
  return ctx.listers.revisions.byIndex('configuration', `${ns}/${name}`);
}

function generationOf(rev: RevisionObject): number {
  const n = Number(rev.metadata.labels?.[L.configurationGeneration]);
  return Number.isFinite(n) ? n : 0;
}

export const configurationReconciler: KindReconciler<ConfigurationObject> = {
  kind: 'Configuration',
  resource: R.configurations,
  conditions: set,
  lister: (ctx) => ctx.listers.configurations,
  invalidSpecCondition: READY,
  watches: [watchSelf('configurations'), watchOwned('revisions', R.configurations)],
  indexes: [{ informer: 'revisions', name: 'configuration', fn: labelIndex(L.configuration) }],
  // Upstream's Configuration events: the latest ready revision changed, Ready's edges.
  transitions(before, after) {
    const out: Array<{ type: 'Normal' | 'Warning'; reason: string; note: string }> = [];
    const b = before.status as any ?? {};
    const a = after.status as any ?? {};
    if (a.latestReadyRevisionName && a.latestReadyRevisionName !== b.latestReadyRevisionName) {
      out.push({ type: 'Normal', reason: 'LatestReadyUpdate', note: `LatestReadyRevisionName updated to "${a.latestReadyRevisionName}"` });
    }
    const was = set.get(b, READY);
    const is = set.get(a, READY);
    if (is?.status === 'True' && was?.status !== 'True') out.push({ type: 'Normal', reason: 'ConfigurationReady', note: 'Configuration becomes ready' });
    if (is?.status === 'False' && is.reason === 'RevisionFailed' && (was?.status !== 'False' || was.message !== is.message) && a.latestCreatedRevisionName) {
      out.push({ type: 'Warning', reason: 'LatestCreatedFailed', note: `Latest created revision "${a.latestCreatedRevisionName}" has failed` });
    }
    return out;
  },
  async reconcile(ctx: ReconcilerContext, config: ConfigurationObject, now: Date): Promise<void> {
    const cfg = ctx.config();
    const st = config.status as any;
    const ns = config.metadata.namespace!;
    const name = config.metadata.name!;
    const gen = config.metadata.generation ?? 1;
    const byo = config.spec.template?.metadata?.name;
    const revName = revisionNameFor(config);

    // 1. Find or create the Revision of the current generation.
    let rev: RevisionObject | undefined;
    let conflict: string | undefined;
    if (byo) {
      rev = ctx.listers.revisions.get(ns, byo);
      if (rev) {
        if (!isControlledBy(rev, config)) {conflict = `revisions.serving.knative.dev "${byo}" already exists and is not owned by Configuration "${name}"`;} else if (rev.metadata.labels?.[L.configurationGeneration] !== String(gen)) {
          const want = defaulted(config, cfg).spec.template.spec;
          if (!deepEqual(rev.spec, config.spec.template.spec) && !deepEqual(rev.spec, want)) {
            conflict = `revision "${byo}" already exists with a different spec; a new template needs a new revision name`;
          }
        }
      }
    } else {
      rev = revisionsOf(ctx, ns, name).find((r) => r.metadata.labels?.[L.configurationGeneration] === String(gen));
      if (!rev) {
        const byName = ctx.listers.revisions.get(ns, revName);
        if (byName && isControlledBy(byName, config)) rev = byName;
      }
    }
    if (conflict) {
      set.markFalse(st, READY, 'RevisionFailed', `Revision creation failed with message: ${conflict}.`, now);
      return;
    }
    if (!rev) {
      try {
        rev = await createChild(ctx, config, R.revisions, makeRevision(defaulted(config, cfg), now));
      } catch (e) {
        if (isAlreadyExists(e)) throw new RequeueError(`revision ${revName} already exists (cache lagging)`);
        set.markFalse(st, READY, 'RevisionFailed', `Revision creation failed with message: ${(e as Error).message}.`, now);
        throw e;
      }
    }

    // 2. latestCreatedRevisionName
    st.latestCreatedRevisionName = rev.metadata.name;
    if (st.latestCreatedRevisionName !== st.latestReadyRevisionName) set.markUnknown(st, READY, '', '', now);

    // 3. Inspect the revision's Ready.
    const rc = (rev.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
    if (rc?.status === 'False' && (rev.metadata.generation ?? 0) === (rev.status?.observedGeneration ?? 0)) {
      set.markFalse(st, READY, 'RevisionFailed', `Revision "${rev.metadata.name}" failed with message: ${rc.message ?? ''}.`, now);
    }

    // 4. Recompute latestReadyRevisionName.
    const all = revisionsOf(ctx, ns, name);
    if (!all.some((r) => r.metadata.name === rev!.metadata.name)) all.push(rev);
    const currentReady = st.latestReadyRevisionName ? all.find((r) => r.metadata.name === st.latestReadyRevisionName) : undefined;
    const lo = currentReady ? generationOf(currentReady) : -Infinity;
    const candidates = all
      .filter((r) => r.metadata.name === byo || (generationOf(r) >= lo && generationOf(r) <= gen))
      .sort((a, b) => (a.metadata.name === byo ? -1 : b.metadata.name === byo ? 1 : generationOf(b) - generationOf(a)));
    const ready = candidates.find((r) => isReady(r));
    if (ready) {
      st.latestReadyRevisionName = ready.metadata.name;
      if (ready.metadata.name === st.latestCreatedRevisionName) set.markTrue(st, READY, now);
    }

    // GC of non-active revisions.
    await collectRevisions(ctx, config, all, now);
  },
};

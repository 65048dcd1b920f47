/**
 * One reconcile step per child object, in Knative's rhythm (service.go `config()`/`route()`,
 * revision `reconcileDeployment`): get from the lister → create if missing → adopt it if we
 * control it, else NotOwned → semantic diff of only the fields we own → update those fields,
 * keeping everything else (server defaults, fields other controllers set).
 */
import type { KubeObject } from '../../../core/types';
import { KubeClient, Resource, isAlreadyExists, isConflict } from '../client';
import type { EventRecorder } from '../events';
import { Lister } from '../informers';
import { controllerOf, isControlledBy } from '../resources/meta';
import { deepEqual, isSubset } from '../util';

/**
 * An object we would create or update is controlled by someone else (or by nobody). The shared
 * reconcile path (base.ts) marks `condition` False with `reason` / `conditionMessage` on the parent.
 */
export class NotOwnedError extends Error {
  readonly reason = 'NotOwned';

  constructor(
    /** Parent condition to mark False. */
    readonly condition: string,
    /** The child's kind, e.g. `Deployment`. */
    readonly kind: string,
    /** The child's name. */
    readonly childName: string,
    /** How the condition message names the child (Knative's wording), e.g. `placeholder Service/Endpoint`. */
    readonly noun: string,
    parent: KubeObject,
    child: KubeObject,
  ) {
    const by = controllerOf(child);
    super(`${noun} "${childName}" is not owned by ${parent.kind} ${parent.metadata.namespace}/${parent.metadata.name} `
      + `(${by ? `controlled by ${by.kind} ${by.name}` : 'it has no controller'})`);
    this.name = 'NotOwnedError';
  }

  /** The condition message (Knative's `ResourceNotOwnedMessage`). */
  get conditionMessage(): string {
    return `There is an existing ${this.noun} "${this.childName}" that we do not own.`;
  }
}

/**
 * How we own a metadata map: `replace` (ours is the whole map), `merge` (ours are added, other
 * keys are kept) or `ignore` (we set none and leave it alone).
 */
export type MetaOwnership = 'replace' | 'merge' | 'ignore';

export interface ChildOptions<T extends KubeObject> {
  resource: Resource;
  lister: Lister<T>;
  /** Parent condition marked False `NotOwned` when the existing child is not ours. */
  condition: string;
  /** How the NotOwned message names the child. Default: its kind. */
  noun?: string;
  /** Recompute the desired object from the existing one (e.g. keep a set others add to). Default: `desired`. */
  fromExisting?: (existing: T) => T;
  /** Default `replace`. */
  labels?: MetaOwnership;
  /** Default `replace`. */
  annotations?: MetaOwnership;
  /** True when the existing spec already has the fields we own. Default: `isSubset(desired.spec, existing.spec)`. */
  specIsCurrent?: (existingSpec: any, desiredSpec: any, existing: T) => boolean;
  /** The spec to write on update. Default: `desired.spec` (we own all of it). */
  applySpec?: (existingSpec: any, desiredSpec: any) => any;
  /** Called just before a create (upstream marks e.g. `Deploying` here, so a failed create shows it). */
  beforeCreate?: () => void;
}

export interface ChildResult<T extends KubeObject> {
  /** The child as stored after this step. */
  obj: T;
  created: boolean;
  updated: boolean;
}

type StringMap = Record<string, string> | undefined;

function metaIsCurrent(mode: MetaOwnership, existing: StringMap, desired: StringMap): boolean {
  switch (mode) {
    case 'replace': return deepEqual(existing ?? {}, desired ?? {});
    case 'merge': return Object.entries(desired ?? {}).every(([k, v]) => existing?.[k] === v);
    case 'ignore': return true;
  }
}

function applyMeta(mode: MetaOwnership, existing: StringMap, desired: StringMap): StringMap {
  switch (mode) {
    case 'replace': return desired;
    case 'merge': return { ...(existing ?? {}), ...(desired ?? {}) };
    case 'ignore': return existing;
  }
}

/** What a child step needs: the API client and, when Events are recorded, the recorder. */
export interface ChildContext {
  client: KubeClient;
  events?: EventRecorder;
}

/**
 * Create `desired` (a child of `parent`) and record it on the parent as upstream does:
 * `Created` "Created <Kind> "<name>"", or `CreationFailed` "Failed to create <Kind> "<name>": <err>"
 * (Warning; not for an AlreadyExists race, which the next reconcile adopts).
 */
export async function createChild<T extends KubeObject>(ctx: ChildContext, parent: KubeObject, resource: Resource, desired: T): Promise<T> {
  const what = `${desired.kind} "${desired.metadata.name}"`;
  try {
    const out = await ctx.client.create(resource, desired);
    ctx.events?.event(parent, 'Normal', 'Created', `Created ${what}`);
    return out;
  } catch (e) {
    if (!isAlreadyExists(e)) ctx.events?.event(parent, 'Warning', 'CreationFailed', `Failed to create ${what}: ${(e as Error).message}`);
    throw e;
  }
}

/** Create, adopt or update the child `desired` of `parent`; throws NotOwnedError if it is not ours. */
export async function ensureChild<T extends KubeObject>(
  ctx: ChildContext, parent: KubeObject, desired: T, o: ChildOptions<T>): Promise<ChildResult<T>> {
  const ns = desired.metadata.namespace!;
  const name = desired.metadata.name!;
  const existing = o.lister.get(ns, name);
  if (!existing) {
    o.beforeCreate?.();
    return { obj: await createChild(ctx, parent, o.resource, desired), created: true, updated: false };
  }
  // Adoption: a child whose controller reference names this parent (same uid, or same kind and
  // name while the parent has no uid yet) is ours; anything else is reported, never taken over.
  if (!isControlledBy(existing, parent)) throw new NotOwnedError(o.condition, desired.kind, name, o.noun ?? desired.kind, parent, existing);
  const want = o.fromExisting ? o.fromExisting(existing) : desired;
  const labels = o.labels ?? 'replace';
  const annotations = o.annotations ?? 'replace';
  const current = metaIsCurrent(labels, existing.metadata.labels, want.metadata.labels)
    && metaIsCurrent(annotations, existing.metadata.annotations, want.metadata.annotations)
    && (o.specIsCurrent ?? ((e, d) => isSubset(d, e)))(existing.spec, want.spec, existing);
  if (current) return { obj: existing, created: false, updated: false };
  const update: T = {
    ...existing,
    metadata: {
      ...existing.metadata,
      labels: applyMeta(labels, existing.metadata.labels, want.metadata.labels),
      annotations: applyMeta(annotations, existing.metadata.annotations, want.metadata.annotations),
    },
    spec: o.applySpec ? o.applySpec(existing.spec, want.spec) : want.spec,
  };
  // Drift repaired: `Updated` "Updated <Kind> "<name>"" on the parent, `UpdateFailed` (Warning) when
  // the write fails (not for a conflict: the next reconcile works on the newer child).
  const what = `${desired.kind} "${name}"`;
  try {
    const out = await ctx.client.update(o.resource, update);
    ctx.events?.event(parent, 'Normal', 'Updated', `Updated ${what}`);
    return { obj: out, created: false, updated: true };
  } catch (e) {
    if (!isConflict(e)) ctx.events?.event(parent, 'Warning', 'UpdateFailed', `Failed to update ${what}: ${(e as Error).message}`);
    throw e;
  }
}

/** Delete the given children that `parent` controls (stale ones); others are left alone. */
export async function deleteChildren(
  ctx: ChildContext, parent: KubeObject, resource: Resource, children: Iterable<KubeObject>): Promise<void> {
  for (const c of children) {
    if (isControlledBy(c, parent)) await ctx.client.delete(resource, c.metadata.namespace!, c.metadata.name!);
  }
}

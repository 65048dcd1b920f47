/**
 * The emulator's storage and API-server semantics, independent of HTTP:
 * objects, the global resourceVersion counter, the bounded event history, create/update/patch/delete
 * with the kube-apiserver's metadata rules, the status subresource, finalizers and owner-reference
 * garbage collection.
 */
import { randomUUID } from 'node:crypto';
import { hasCrdSchema, pruneUnknownFields, schemaCauses } from './crd-schema';
import {
  apiError, alreadyExists, badRequest, conflict, invalid, notFound, StatusCause,
} from './errors';
import { deepClone, deepEqual, isPlainObject, jsonPatch, mergePatch } from './patch';
import { apiVersionOf, ResourceType, RESOURCES, typeKey } from './resources';
import { FieldRequirement, LabelRequirement, matchesFields, matchesLabels } from './selectors';
import { applyServerDefaults, validateStructure } from './validation';
import type { KubeObject } from '../../src/core/types';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  rv: number;
  type: EventType;
  t: ResourceType;
  object: KubeObject;
  /** The object before this change (MODIFIED/DELETED), used for selector transitions. */
  prev?: KubeObject;
}

export type Operation = 'create' | 'update';

export interface AdmissionRequest {
  operation: Operation;
  /** Stored object on update. */
  old?: KubeObject;
  /** 'status' for /status writes. */
  subresource?: string;
  /** Plural resource name, e.g. 'services'. */
  resource: string;
  group: string;
  /** Requesting user name. */
  user: string;
  /** Parsed cluster configuration (config-* ConfigMaps in the system namespace), when available. */
  config?: unknown;
}

export interface AdmissionViolation {
  path: string;
  message: string;
  value?: unknown;
  fix?: string;
  severity?: 'error' | 'warning';
}

export interface AdmissionResult {
  object: KubeObject;
  violations: AdmissionViolation[];
}

/** A pluggable admission chain (defaulting + validation), run on every create/update of a matching kind. */
export type AdmissionHook = (obj: KubeObject, ctx: AdmissionRequest) => AdmissionResult;

export interface WriteOptions {
  user: string;
  dryRun?: boolean;
  /** kube-apiserver's fieldValidation: Strict → 400 on unknown fields; Warn (default) → pruned + warning; Ignore → pruned. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /** Warnings from admission are appended here. */
  warnings?: string[];
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface StoreOptions {
  historySize: number;
  admission?: AdmissionHook;
  /** Which resource types the admission hook applies to (default: serving.knative.dev kinds). */
  admissionFilter: (t: ResourceType) => boolean;
  validateCore: boolean;
  /** Prune/validate Knative kinds against their CRD schemas (src/core/schema). */
  crdSchemas: boolean;
  serverDefaults: boolean;
  requireNamespaces: boolean;
  gcDelayMs: number;
  now: () => Date;
  configFor?: () => unknown;
  /** Further validating webhooks for built-in objects (e.g. Knative's config webhook); return causes. */
  extraValidation?: (t: ResourceType, obj: KubeObject) => { causes: StatusCause[]; webhook: string };
  formatViolation: (v: AdmissionViolation) => string;
}

const GEN_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += GEN_CHARS[Math.floor(Math.random() * GEN_CHARS.length)];
  return s;
}

function withoutRv(o: KubeObject): KubeObject {
  const c = { ...o, metadata: { ...o.metadata } };
  delete c.metadata.resourceVersion;
  return c;
}

/** The part of an object whose change bumps metadata.generation. */
function generationSubject(t: ResourceType, o: KubeObject): unknown {
  if (t.custom) {
    const { metadata: _m, status: _s, ...rest } = o;
    return rest;
  }
  // kube-apiserver's deployment strategy: "annotation updates bump the generation because
  // annotations are copied from deployments to their replica sets".
  if (t.group === 'apps' && t.kind === 'Deployment') return { spec: o.spec, annotations: o.metadata.annotations ?? {} };
  // the EndpointSlice strategy: anything but metadata, and the labels
  if (t.group === 'discovery.k8s.io' && t.kind === 'EndpointSlice') {
    const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = o;
    return { rest, labels: o.metadata.labels ?? {} };
  }
  return o.spec;
}

/** Go's layout for metav1.MicroTime (RFC3339Micro). */
const MICRO_TIME_LAYOUT = '2006-01-02T15:04:05.000000Z07:00';

/** The metav1.MicroTime fields of the kinds served (Lease renew/acquire times, Event eventTime). */
function microTimeFields(t: ResourceType): string[][] {
  if (t.group === 'coordination.k8s.io' && t.kind === 'Lease') return [['spec', 'acquireTime'], ['spec', 'renewTime']];
  if (t.group === '' && t.kind === 'Event') return [['eventTime']];
  return [];
}

/**
 * Decode metav1.MicroTime fields as kube-apiserver does (time.Parse with RFC3339Micro): exactly six
 * fractional digits, or 400 BadRequest naming the value and the layout (a Lease renewTime with
 * JavaScript's three digits, `toISOString()`, is refused by the real server). Stored in UTC, as
 * the server writes it back.
 */
export function decodeMicroTimes(t: ResourceType, obj: KubeObject): void {
  for (const p of microTimeFields(t)) {
    const parent = p.slice(0, -1).reduce<any>((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj);
    const key = p[p.length - 1];
    const v = parent?.[key];
    if (v === undefined || v === null) continue;
    const fail = (tail: string): never => {
      throw badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: parsing time ${JSON.stringify(String(v))} as "${MICRO_TIME_LAYOUT}": ${tail}`);
    };
    if (typeof v !== 'string') fail('cannot parse a non-string value');
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(.*)$/.exec(v);
    if (!m) fail(`cannot parse ${JSON.stringify(v)} as "2006"`);
    const rest = m![2];
    const frac = /^\.(\d+)/.exec(rest);
    if (!frac || frac[1].length < 6) fail(`cannot parse ${JSON.stringify(rest)} as ".000000"`);
    if (frac![1].length > 6) fail(`cannot parse ${JSON.stringify(rest.slice(7))} as "Z07:00"`);
    const zone = rest.slice(7);
    if (!/^(Z|[+-]\d\d:\d\d)$/.test(zone)) fail(`cannot parse ${JSON.stringify(zone)} as "Z07:00"`);
    const ms = Date.parse(`${m![1]}${zone}`);
    if (Number.isNaN(ms)) fail(`parsing time ${JSON.stringify(v)}: out of range`);
    parent[key] = `${new Date(ms).toISOString().slice(0, 19)}.${frac![1]}Z`;
  }
}

/**
 * ObjectMeta's labels and annotations are `omitempty` maps in Go: an empty map is stored as no
 * map, in an object's metadata and in a pod template's (the real API server never returns `{}`).
 */
function dropEmptyMetaMaps(o: KubeObject): void {
  const drop = (m: any): void => {
    if (!m || typeof m !== 'object') return;
    for (const k of ['labels', 'annotations']) {
      if (m[k] && typeof m[k] === 'object' && !Array.isArray(m[k]) && Object.keys(m[k]).length === 0) delete m[k];
    }
  };
  drop(o.metadata);
  drop((o as any).spec?.template?.metadata);
}

/**
 * Metadata a write to the status subresource of a built-in kind may change: the registries' status
 * strategies reset only the spec (and, for the apps workloads, the labels), so the annotations and
 * labels of the request are kept (kube-controller-manager's deployment controller writes
 * `deployment.kubernetes.io/revision` that way). Custom resources' status writes change only status.
 */
function statusWritableMeta(t: ResourceType): Array<'labels' | 'annotations'> {
  if (t.custom) return [];
  if (t.group === 'apps') return ['annotations'];
  return ['labels', 'annotations'];
}

function initialStatus(t: ResourceType): unknown {
  switch (t.kind) {
    case 'Namespace': return { phase: 'Active' };
    case 'Pod': return { phase: 'Pending', qosClass: 'BestEffort' };
    case 'Service': return t.group === '' ? { loadBalancer: {} } : undefined;
    default: return t.custom ? undefined : {};
  }
}

export class Store {
  private rv = 0;
  /** Events with rv <= compactedRv are no longer in the history. */
  private compactedRv = 0;
  private readonly history: StoreEvent[] = [];
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly uids = new Map<string, { t: ResourceType; ns: string; name: string }>();
  private readonly listeners = new Set<(ev: StoreEvent) => void>();
  private readonly deletedUids = new Set<string>();
  private gcTimer: NodeJS.Timeout | undefined;
  private gcRunning = false;
  private closed = false;

  constructor(private readonly opts: StoreOptions) {
    for (const t of RESOURCES) this.objects.set(typeKey(t), new Map());
  }

  // ---------------------------------------------------------------- basics

  public get resourceVersion(): number {
    return this.rv;
  }

  public get oldestWatchableRv(): number {
    return this.compactedRv;
  }

  public subscribe(fn: (ev: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  public close(): void {
    this.closed = true;
    if (this.gcTimer) clearTimeout(this.gcTimer);
    this.listeners.clear();
  }

  /** Drop the whole event history; any watch from an older resourceVersion gets 410 Expired. */
  public expireHistory(): void {
    this.rv++;
    this.compactedRv = this.rv;
    this.history.length = 0;
  }

  /** Remove every object and the event history (watches from before get 410); the resourceVersion keeps growing. */
  public reset(): void {
    for (const b of this.objects.values()) b.clear();
    this.uids.clear();
    this.deletedUids.clear();
    this.expireHistory();
  }

  /** Events after `rv` (exclusive) still in the history, or undefined when they were compacted away. */
  public eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    // history is sorted by rv; binary search for the first rv > given
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.history[mid].rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  private key(ns: string, name: string): string {
    return `${ns}/${name}`;
  }

  private bucket(t: ResourceType): Map<string, KubeObject> {
    return this.objects.get(typeKey(t))!;
  }

  public getRaw(t: ResourceType, ns: string, name: string): KubeObject | undefined {
    return this.bucket(t).get(this.key(t.namespaced ? ns : '', name));
  }

  public get(t: ResourceType, ns: string, name: string): KubeObject {
    const o = this.getRaw(t, ns, name);
    if (!o) throw notFound(t.plural, t.group, name);
    return deepClone(o);
  }

  public list(t: ResourceType, ns?: string, labels: LabelRequirement[] = [], fields: FieldRequirement[] = []): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.bucket(t).values()) {
      if (t.namespaced && ns && o.metadata.namespace !== ns) continue;
      if (!matchesLabels(o.metadata.labels, labels) || !matchesFields(o, fields)) continue;
      out.push(o);
    }
    out.sort((a, b) => {
      const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
      const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    return out.map((o) => deepClone(o));
  }

  public existsUid(uid: string): boolean {
    return this.uids.has(uid);
  }

  // ---------------------------------------------------------------- low-level commit

  private emit(type: EventType, t: ResourceType, object: KubeObject, prev?: KubeObject): void {
    // stored objects are never mutated after commit (every write stores a fresh copy), so events
    // share them instead of copying; consumers must treat event objects as read-only
    const ev: StoreEvent = { rv: this.rv, type, t, object, prev };
    this.history.push(ev);
    while (this.history.length > this.opts.historySize) {
      const dropped = this.history.shift()!;
      this.compactedRv = dropped.rv;
    }
    for (const l of [...this.listeners]) {
      try {
        l(ev);
      } catch {
        // listeners must not break writes
      }
    }
  }

  private commit(t: ResourceType, obj: KubeObject, prev?: KubeObject): KubeObject {
    this.rv++;
    obj.metadata.resourceVersion = String(this.rv);
    const ns = t.namespaced ? obj.metadata.namespace ?? '' : '';
    this.bucket(t).set(this.key(ns, obj.metadata.name!), obj);
    if (obj.metadata.uid) this.uids.set(obj.metadata.uid, { t, ns, name: obj.metadata.name! });
    this.emit(prev ? 'MODIFIED' : 'ADDED', t, obj, prev);
    if (obj.metadata.deletionTimestamp) this.scheduleGc();
    return deepClone(obj);
  }

  private remove(t: ResourceType, obj: KubeObject): KubeObject {
    const ns = t.namespaced ? obj.metadata.namespace ?? '' : '';
    const prev = this.bucket(t).get(this.key(ns, obj.metadata.name!));
    this.bucket(t).delete(this.key(ns, obj.metadata.name!));
    this.rv++;
    const gone = deepClone(obj);
    gone.metadata.resourceVersion = String(this.rv);
    if (gone.metadata.uid) {
      this.uids.delete(gone.metadata.uid);
      this.deletedUids.add(gone.metadata.uid);
    }
    this.emit('DELETED', t, gone, prev);
    this.scheduleGc();
    return deepClone(gone);
  }

  // ---------------------------------------------------------------- seeding (no admission, keeps status)

  /** Store an object as is (create or replace), filling server-owned metadata that is missing. */
  public seed(t: ResourceType, input: KubeObject): KubeObject {
    const obj = deepClone(input);
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    obj.metadata = obj.metadata ?? {};
    const m = obj.metadata;
    if (!t.namespaced) delete m.namespace;
    else m.namespace = m.namespace || 'default';
    if (!m.name) {
      if (!m.generateName) throw badRequest('seed: metadata.name or generateName is required');
      m.name = m.generateName + randomSuffix();
    }
    const existing = this.getRaw(t, m.namespace ?? '', m.name);
    m.uid = m.uid ?? existing?.metadata.uid ?? randomUUID();
    m.creationTimestamp = m.creationTimestamp ?? existing?.metadata.creationTimestamp ?? timestamp(this.opts.now());
    if (t.generation && m.generation === undefined) m.generation = existing?.metadata.generation ?? 1;
    if (t.kind === 'Namespace' && obj.status === undefined) obj.status = { phase: 'Active' };
    return this.commit(t, obj, existing);
  }

  // ---------------------------------------------------------------- create

  private checkTypeMeta(t: ResourceType, obj: KubeObject): void {
    const av = apiVersionOf(t);
    if (obj.apiVersion !== undefined && obj.apiVersion !== av) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${av})`);
    }
    if (obj.kind !== undefined && obj.kind !== t.kind) {
      throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${t.kind})`);
    }
    obj.apiVersion = av;
    obj.kind = t.kind;
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (!isPlainObject(obj.metadata)) throw badRequest('metadata must be an object');
  }

  private checkNamespace(t: ResourceType, ns: string, obj: KubeObject, creating: boolean): void {
    if (!t.namespaced) {
      delete obj.metadata.namespace;
      return;
    }
    if (obj.metadata.namespace && obj.metadata.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = ns;
    if (!creating) return;
    const nsObj = this.getRaw(RESOURCES[0], '', ns);
    if (nsObj?.metadata.deletionTimestamp) {
      throw apiError(403, `${t.plural}${t.group ? '.' + t.group : ''} "${obj.metadata.name ?? obj.metadata.generateName ?? ''}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, 'Forbidden', { name: obj.metadata.name, group: t.group, kind: t.plural, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }] });
    }
    if (!nsObj && this.opts.requireNamespaces) throw notFound('namespaces', '', ns);
  }

  /** Prune fields outside the CRD schema (in place), honouring fieldValidation. */
  private prune(t: ResourceType, obj: KubeObject, w: WriteOptions): void {
    if (!this.opts.crdSchemas || !t.custom || !hasCrdSchema(t.kind)) return;
    const pruned = pruneUnknownFields(t.kind, obj);
    if (pruned.length === 0) return;
    const mode = w.fieldValidation ?? 'Warn';
    if (mode === 'Strict') {
      throw badRequest(`strict decoding error: ${pruned.map((p) => `unknown field "${p}"`).join(', ')}`);
    }
    if (mode === 'Warn') for (const p of pruned) w.warnings?.push(`unknown field "${p}"`);
  }

  private admit(t: ResourceType, obj: KubeObject, req: Omit<AdmissionRequest, 'resource' | 'group' | 'config'>, warnings: string[] | undefined): KubeObject {
    const causes: StatusCause[] = [];
    let prefix: string | undefined;
    if (this.opts.validateCore && !this.opts.admissionFilter(t) && req.subresource !== 'status') {
      causes.push(...validateStructure(t, obj, req.old));
      const extra = causes.length === 0 ? this.opts.extraValidation?.(t, obj) : undefined;
      if (extra && extra.causes.length > 0) {
        causes.push(...extra.causes);
        prefix = `admission webhook "${extra.webhook}" denied the request`;
      }
    }
    let out = obj;
    if (this.opts.admission && this.opts.admissionFilter(t)) {
      const res = this.opts.admission(deepClone(obj), {
        ...req, resource: t.plural, group: t.group, config: this.opts.configFor?.(),
      });
      for (const v of res.violations) {
        if (v.severity === 'warning') {warnings?.push(this.opts.formatViolation(v));} else {
          const text = this.opts.formatViolation(v);
          const message = v.path && text.startsWith(`${v.path}: `) ? text.slice(v.path.length + 2) : text;
          causes.push(v.path ? { reason: 'FieldValueInvalid', field: v.path, message } : { reason: 'FieldValueInvalid', message });
        }
      }
      if (causes.length > 0) prefix = 'admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed';
      out = res.object ?? obj;
    }
    if (this.opts.crdSchemas && t.custom && hasCrdSchema(t.kind) && causes.length === 0) {
      const schemaErrors = schemaCauses(t.kind, out);
      if (schemaErrors.length > 0) {
        causes.push(...schemaErrors);
        prefix = undefined;
      }
    }
    if (causes.length > 0) throw invalid(t.kind, t.group, obj.metadata.name ?? obj.metadata.generateName ?? '', causes, prefix);
    return out;
  }

  /** Re-assert server-owned metadata after admission (webhooks may not change it). */
  private restoreServerFields(from: KubeObject, to: KubeObject): KubeObject {
    const m = to.metadata ?? {};
    to.metadata = m;
    for (const k of ['name', 'namespace', 'uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'resourceVersion'] as const) {
      if (from.metadata[k] === undefined) delete m[k];
      else (m as Record<string, unknown>)[k] = from.metadata[k];
    }
    to.apiVersion = from.apiVersion;
    to.kind = from.kind;
    return to;
  }

  public create(t: ResourceType, ns: string, input: unknown, w: WriteOptions): KubeObject {
    if (!isPlainObject(input)) throw badRequest('the request body must be a JSON object');
    let obj = deepClone(input) as KubeObject;
    this.checkTypeMeta(t, obj);
    decodeMicroTimes(t, obj);
    this.prune(t, obj, w);
    this.checkNamespace(t, ns, obj, true);
    const m = obj.metadata;
    if (m.resourceVersion) throw apiError(500, 'resourceVersion should not be set on objects to be created', 'InternalError');
    if (!m.name && !m.generateName) {
      throw invalid(t.kind, t.group, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    }
    if (!m.name) m.name = m.generateName + randomSuffix();
    m.uid = randomUUID();
    m.creationTimestamp = timestamp(this.opts.now());
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.managedFields;
    if (t.generation) m.generation = 1;
    else delete m.generation;
    if (t.statusSubresource || t.kind === 'Namespace') {
      const s = initialStatus(t);
      if (s === undefined) delete obj.status;
      else obj.status = s;
    }
    if (this.opts.serverDefaults) applyServerDefaults(t, obj, undefined);
    const admitted = this.admit(t, obj, { operation: 'create', user: w.user }, w.warnings);
    obj = this.restoreServerFields(obj, admitted);
    dropEmptyMetaMaps(obj);
    if (this.getRaw(t, ns, obj.metadata.name!)) throw alreadyExists(t.plural, t.group, obj.metadata.name!);
    if (w.dryRun) return deepClone(obj);
    return this.commit(t, obj);
  }

  // ---------------------------------------------------------------- update / status / patch

  public update(t: ResourceType, ns: string, name: string, input: unknown, w: WriteOptions & { subresource?: string }): KubeObject {
    if (!isPlainObject(input)) throw badRequest('the request body must be a JSON object');
    const old = this.getRaw(t, ns, name);
    const obj = deepClone(input) as KubeObject;
    this.checkTypeMeta(t, obj);
    decodeMicroTimes(t, obj);
    this.prune(t, obj, w);
    if (!obj.metadata.name) {
      throw invalid(t.kind, t.group, name, [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name is required' }]);
    }
    if (obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    this.checkNamespace(t, ns, obj, false);
    if (!old) throw notFound(t.plural, t.group, name);
    if (t.custom && !obj.metadata.resourceVersion) {
      // custom resources do not allow unconditional updates (AllowUnconditionalUpdate() == false)
      throw invalid(t.kind, t.group, name, [{ reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]);
    }
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(t.plural, t.group, name);
    }
    if (obj.metadata.uid && obj.metadata.uid !== old.metadata.uid) {
      throw conflict(t.plural, t.group, name, `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    let next: KubeObject;
    if (w.subresource === 'status') {
      next = deepClone(old);
      if (obj.status === undefined) delete next.status;
      else next.status = obj.status;
      for (const k of statusWritableMeta(t)) {
        if (obj.metadata[k] === undefined) delete next.metadata[k];
        else next.metadata[k] = deepClone(obj.metadata[k]);
      }
      dropEmptyMetaMaps(next);
    } else {
      next = obj;
      for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
        if (old.metadata[k] === undefined) delete next.metadata[k];
        else (next.metadata as Record<string, unknown>)[k] = old.metadata[k];
      }
      delete next.metadata.managedFields;
      if (t.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = deepClone(old.status);
      }
      if (old.metadata.deletionTimestamp) {
        const before = new Set(old.metadata.finalizers ?? []);
        const added = (next.metadata.finalizers ?? []).filter((f) => !before.has(f));
        if (added.length > 0) {
          throw invalid(t.kind, t.group, name, [{ reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` }]);
        }
      }
      if (this.opts.serverDefaults) applyServerDefaults(t, next, old);
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    const admitted = this.admit(t, next, { operation: 'update', old: deepClone(old), subresource: w.subresource, user: w.user }, w.warnings);
    if (w.subresource === 'status') {
      // only the status of the admitted object counts on /status
      if (admitted.status === undefined) delete next.status;
      else next.status = admitted.status;
    } else {
      next = this.restoreServerFields(next, admitted);
      dropEmptyMetaMaps(next);
      if (t.generation && !deepEqual(generationSubject(t, old), generationSubject(t, next))) {
        next.metadata.generation = (old.metadata.generation ?? 0) + 1;
      }
    }
    if (deepEqual(withoutRv(next), withoutRv(old))) return deepClone(old); // no-op: no new resourceVersion, no event
    if (w.dryRun) return deepClone(next);
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      return this.remove(t, next);
    }
    return this.commit(t, next, old);
  }

  public patch(
    t: ResourceType, ns: string, name: string, patch: unknown, contentType: string, w: WriteOptions & { subresource?: string },
  ): KubeObject {
    const current = this.getRaw(t, ns, name);
    if (!current) throw notFound(t.plural, t.group, name);
    let patched: unknown;
    if (contentType.includes('application/json-patch+json')) {
      patched = jsonPatch(current, patch);
    } else if (contentType.includes('merge-patch+json')) {
      if (!isPlainObject(patch)) throw badRequest('merge patch body must be a JSON object');
      patched = mergePatch(current, patch);
    } else if (contentType.includes('apply-patch')) {
      throw apiError(415, `the emulator does not support server-side apply (${contentType}); use a merge or JSON patch`, 'UnsupportedMediaType');
    } else {
      throw apiError(415, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json', 'UnsupportedMediaType');
    }
    if (!isPlainObject(patched)) throw badRequest('patch result is not an object');
    const p = patched as KubeObject;
    if (!isPlainObject(p.metadata)) p.metadata = {};
    if (p.metadata.name !== name) {
      throw badRequest(`the name of the object (${String(p.metadata.name)}) does not match the name on the URL (${name})`);
    }
    return this.update(t, ns, name, p, w);
  }

  // ---------------------------------------------------------------- delete

  public delete(t: ResourceType, ns: string, name: string, opts: DeleteOptions = {}): { object: KubeObject; finished: boolean } {
    const old = this.getRaw(t, ns, name);
    if (!old) throw notFound(t.plural, t.group, name);
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== old.metadata.uid) {
      throw conflict(t.plural, t.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(t.plural, t.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    }
    const finalizers = [...(old.metadata.finalizers ?? [])];
    if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    const isNamespace = t.group === '' && t.plural === 'namespaces';
    if (finalizers.length > 0 || isNamespace) {
      if (old.metadata.deletionTimestamp && deepEqual(finalizers, old.metadata.finalizers ?? [])) {
        return { object: deepClone(old), finished: false };
      }
      if (opts.dryRun) return { object: deepClone(old), finished: false };
      const next = deepClone(old);
      if (!next.metadata.deletionTimestamp) {
        next.metadata.deletionTimestamp = timestamp(this.opts.now());
        next.metadata.deletionGracePeriodSeconds = 0;
        if (next.metadata.generation !== undefined) next.metadata.generation += 1;
      }
      if (finalizers.length > 0) next.metadata.finalizers = finalizers;
      if (isNamespace) next.status = { ...(next.status ?? {}), phase: 'Terminating' };
      return { object: this.commit(t, next, old), finished: false };
    }
    if (opts.dryRun) return { object: deepClone(old), finished: true };
    return { object: this.remove(t, old), finished: true };
  }

  // ---------------------------------------------------------------- garbage collection

  public scheduleGc(): void {
    if (this.closed || this.gcTimer) return;
    this.gcTimer = setTimeout(() => {
      this.gcTimer = undefined;
      this.runGc();
    }, this.opts.gcDelayMs);
    this.gcTimer.unref?.();
  }

  private allObjects(): Array<{ t: ResourceType; o: KubeObject }> {
    const out: Array<{ t: ResourceType; o: KubeObject }> = [];
    for (const t of RESOURCES) for (const o of this.bucket(t).values()) out.push({ t, o });
    return out;
  }

  private dependentsOf(uid: string): Array<{ t: ResourceType; o: KubeObject }> {
    return this.allObjects().filter(({ o }) => (o.metadata.ownerReferences ?? []).some((r) => r.uid === uid));
  }

  private internalUpdate(t: ResourceType, next: KubeObject): void {
    const old = this.getRaw(t, next.metadata.namespace ?? '', next.metadata.name!);
    if (!old) return;
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) this.remove(t, next);
    else this.commit(t, next, old);
  }

  /** Delete during GC; objects already gone are fine. */
  private gcDelete(t: ResourceType, o: KubeObject, policy: DeleteOptions['propagationPolicy']): void {
    try {
      this.delete(t, o.metadata.namespace ?? '', o.metadata.name!, { propagationPolicy: policy });
    } catch {
      // already deleted in this pass
    }
  }

  private removeFinalizer(t: ResourceType, stale: KubeObject, f: string): void {
    const o = this.getRaw(t, stale.metadata.namespace ?? '', stale.metadata.name!);
    if (!o || o.metadata.uid !== stale.metadata.uid) return;
    const next = deepClone(o);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((x) => x !== f);
    if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
    this.internalUpdate(t, next);
  }

  /** One garbage-collection pass; repeats while it makes progress. Exposed for tests via the emulator. */
  public runGc(): void {
    if (this.closed || this.gcRunning) return;
    this.gcRunning = true;
    try {
      for (let pass = 0; pass < 100; pass++) {
        if (!this.gcPass()) break;
      }
    } finally {
      this.gcRunning = false;
    }
  }

  private gcPass(): boolean {
    let progress = false;
    // 1. dependents of deleted owners
    if (this.deletedUids.size > 0) {
      const gone = new Set(this.deletedUids);
      this.deletedUids.clear();
      for (const { t, o } of this.allObjects()) {
        const refs = o.metadata.ownerReferences ?? [];
        if (!refs.some((r) => gone.has(r.uid))) continue;
        const live = refs.filter((r) => !gone.has(r.uid) && this.uids.has(r.uid));
        if (live.length === 0) {
          if (!o.metadata.deletionTimestamp) {
            this.gcDelete(t, o, 'Background');
            progress = true;
          }
        } else {
          const fresh = this.getRaw(t, o.metadata.namespace ?? '', o.metadata.name!);
          if (!fresh) continue;
          const next = deepClone(fresh);
          next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((r) => !gone.has(r.uid));
          this.internalUpdate(t, next);
          progress = true;
        }
      }
    }
    // 2. orphan / foreground finalizers and terminating namespaces
    for (const { t, o } of this.allObjects()) {
      if (!o.metadata.deletionTimestamp) continue;
      const fins = o.metadata.finalizers ?? [];
      const uid = o.metadata.uid!;
      if (fins.includes('orphan')) {
        for (const d of this.dependentsOf(uid)) {
          const next = deepClone(d.o);
          next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
          this.internalUpdate(d.t, next);
        }
        this.removeFinalizer(t, o, 'orphan');
        progress = true;
        continue;
      }
      if (fins.includes('foregroundDeletion')) {
        const deps = this.dependentsOf(uid);
        for (const d of deps) {
          if (!d.o.metadata.deletionTimestamp) {
            this.gcDelete(d.t, d.o, 'Foreground');
            progress = true;
          }
        }
        if (this.dependentsOf(uid).length === 0) {
          this.removeFinalizer(t, o, 'foregroundDeletion');
          progress = true;
        }
        continue;
      }
      if (t.group === '' && t.plural === 'namespaces') {
        const ns = o.metadata.name!;
        let remaining = 0;
        for (const x of this.allObjects()) {
          if (!x.t.namespaced || x.o.metadata.namespace !== ns) continue;
          remaining++;
          if (!x.o.metadata.deletionTimestamp) {
            this.gcDelete(x.t, x.o, 'Background');
            progress = true;
          }
        }
        const fresh = this.getRaw(t, '', ns);
        if (remaining === 0 && fins.length === 0 && fresh) {
          this.remove(t, fresh);
          progress = true;
        }
      }
    }
    return progress;
  }
}

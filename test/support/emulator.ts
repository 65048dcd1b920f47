/**
 * In-process Kubernetes API emulator: a real HTTP server on 127.0.0.1 speaking the kube-apiserver
 * REST dialect (paths, verbs, Status errors, watch streams) over the semantics in ./store.
 *
 * The real controller code and the real @kubernetes/client-node talk to it; tests also get direct
 * in-process access (seed/get/list/waitFor), recorded write actions, and failure injection.
 * See docs in test/support/README.md.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { configFromConfigMaps, defaultAdmission, validateKnativeConfigMap } from './admission';
import {
  ApiError, apiError, badRequest, conflict, gone, internal, methodNotAllowed, notFound, reasonFor, status, StatusBody,
} from './errors';
import { deepClone, isPlainObject, jsonPatch, mergePatch } from './patch';
import { apiVersionOf, findByApiVersionKind, findByPath, KNATIVE_GROUP, ResourceType, RESOURCES, resolveType, typeKey } from './resources';
import { FieldRequirement, LabelRequirement, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors';
import { AdmissionHook, DeleteOptions, Store, StoreEvent } from './store';
import { IssuedToken, IssueTokenOptions, TokenAuthority, TokenReviewStatus } from './tokens';
import { WorkloadOptions, WorkloadSimulator } from './workloads';
import { formatViolation } from '../../src/core/rules';
import type { KubeObject } from '../../src/core/types';

export type Verb = 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'get' | 'list' | 'watch' | 'status';

export interface EmulatorOptions {
  /** Port to listen on (default 0 = random). */
  port?: number;
  /** Host to bind (default 127.0.0.1). */
  host?: string;
  /**
   * Admission for serving.knative.dev kinds (defaulting + validation). Default: the shared core rules
   * (src/core/rules: admit + user info). `false` disables admission entirely, including Knative's
   * config webhook (config-* ConfigMaps in the system namespace must parse with src/core/config).
   */
  admission?: AdmissionHook | false;
  /** Structural validation of built-in kinds (default true). */
  validateCore?: boolean;
  /**
   * Treat Knative kinds as CRDs with the structural schemas of src/core/schema: unknown fields are
   * pruned (Warning headers; 400 with `?fieldValidation=Strict`), type errors → 422 (default true).
   */
  crdSchemas?: boolean;
  /** kube-apiserver defaulting of built-in kinds: Deployment/Pod/Service/Secret/HPA (default true). */
  serverDefaults?: boolean;
  /** Creating into a namespace that does not exist → 404 (default false: namespaces are implicit). */
  requireNamespaces?: boolean;
  /** Number of watch events kept for replay (default 10000). */
  historySize?: number;
  /** Delay before the garbage collector runs after a deletion (default 0 ms). */
  gcDelayMs?: number;
  /** Interval of BOOKMARK events on watches that asked for them (default 1000 ms). */
  bookmarkIntervalMs?: number;
  /** User name recorded by admission when the request carries no identity (default 'kubernetes-admin'). */
  user?: string;
  /** Namespace holding the Knative config-* ConfigMaps read by admission (default 'knative-serving'). */
  systemNamespace?: string;
  /** Clock used for creationTimestamp/deletionTimestamp/conditions (default: real time). */
  now?: () => Date;
  /** Simulated kube-controller-manager + kubelet for Deployments (default off). */
  simulateWorkloads?: boolean | WorkloadOptions;
  /**
   * Recording of write actions: 'full' (default) keeps request objects and results; 'light' keeps
   * verb/resource/namespace/name/subresource/error only (for benchmarks); false records nothing
   * (actionCount still counts writes).
   */
  recordActions?: 'full' | 'light' | false;
  /** Log each request (method, path, status) through this function. */
  log?: (line: string) => void;
  /**
   * Authorization (like kube-apiserver's RBAC authorizer): asked for every resource request and,
   * as the OwnerReferencesPermissionEnforcement admission plugin does, for `update` on
   * `<owner>/finalizers` of every owner reference with `blockOwnerDeletion: true` that a create
   * or update sets, and for `bind` on the ClusterRole a created or updated RoleBinding refers to
   * (RBAC escalation prevention). Return a reason to answer 403 Forbidden, or undefined to allow.
   * Default: everything is allowed.
   */
  authorize?: (request: AccessRequest) => string | undefined;
}

/** What an authorizer is asked (kube-apiserver's authorization attributes). */
export interface AccessRequest {
  user: string;
  /** `bind`: creating or updating a RoleBinding of that ClusterRole (escalation check). */
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'bind';
  group: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  /** `status`, `scale` or (owner-reference enforcement) `finalizers`. */
  subresource?: string;
  /** Empty for cluster-scoped requests and for lists/watches across all namespaces. */
  namespace: string;
  /** Object name, when the request names one. */
  name?: string;
}

export interface RecordedAction {
  verb: 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
  resource: string;
  group: string;
  version: string;
  namespace: string;
  name: string;
  subresource?: string;
  /** Request body for create/update (as sent); the patch document for patch. */
  object?: any;
  patchType?: string;
  /** The stored object after a successful write. */
  result?: any;
  /** The error returned, when the write failed. */
  error?: { code: number; reason: string; message: string };
}

export interface FailureSpec {
  verb?: Verb;
  /** 'revisions', 'deployments', 'ksvc', 'services.serving.knative.dev', … (see resolveType). */
  resource?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  code: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  message?: string;
  reason?: string;
}

/** What a reactor sees (see KubeApiEmulator.react). */
export interface ReactorRequest {
  verb: Verb;
  resource: string;
  group: string;
  namespace: string;
  name?: string;
  subresource?: string;
  /** Request body of writes (create/update: the object; patch: the patch document). */
  object?: any;
}

/** Return undefined to let the request through, or a failure to answer with. */
export type Reactor = (req: ReactorRequest) => { code: number; message?: string; reason?: string } | undefined;

interface Injection extends FailureSpec {
  remaining: number;
  type?: ResourceType;
}

interface Watcher {
  t: ResourceType;
  ns?: string;
  labels: LabelRequirement[];
  fields: FieldRequirement[];
  res: ServerResponse;
  timers: NodeJS.Timeout[];
  closed: boolean;
}

interface Route {
  t: ResourceType;
  ns: string;
  name?: string;
  subresource?: string;
  watchPath: boolean;
}

const JSON_CT = 'application/json';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function userFrom(req: IncomingMessage, fallback: string, tokens: TokenAuthority): string {
  const imp = req.headers['impersonate-user'];
  if (typeof imp === 'string' && imp) return imp;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) {
    const token = auth.slice(7).trim();
    // tokens of the form "user:<name>" identify the caller (e.g. system:serviceaccount:knative-serving:controller)
    if (token.startsWith('user:')) return token.slice(5);
    // a ServiceAccount token this emulator issued (TokenRequest): authenticated as kube-apiserver
    // does (API audience, not expired, ServiceAccount and bound pod still there), else 401
    if (tokens.recognizes(token)) {
      const review = tokens.review(token, undefined);
      if (!review.authenticated) throw apiError(401, 'Unauthorized', 'Unauthorized');
      return review.user.username!;
    }
  }
  return fallback;
}

function refMatches(type: ResourceType | undefined, ref: string | undefined, t: ResourceType): boolean {
  if (!ref) return true;
  if (type) return typeKey(type) === typeKey(t);
  return t.plural === ref;
}

export class KubeApiEmulator {
  /** Start an emulator listening on 127.0.0.1 (random port unless options.port). */
  public static async start(options: EmulatorOptions = {}): Promise<KubeApiEmulator> {
    const api = new KubeApiEmulator(options);
    await api.listen();
    return api;
  }

  public url = '';
  public port = 0;
  private readonly store: Store;
  private readonly server: Server;
  private readonly watchers = new Set<Watcher>();
  private readonly bookmarkWatchers = new WeakSet<Watcher>();
  private readonly injections: Injection[] = [];
  private readonly reactors: Reactor[] = [];
  private recorded: RecordedAction[] = [];
  private writes = 0;
  private readonly opts: EmulatorOptions;
  private readonly workloads?: WorkloadSimulator;
  private readonly tokens: TokenAuthority;
  private requestCount = 0;
  private stopped = false;

  private constructor(options: EmulatorOptions) {
    this.opts = options;
    const now = options.now ?? (() => new Date());
    const admission = options.admission === false ? undefined : options.admission ?? defaultAdmission();
    const systemNamespace = options.systemNamespace ?? 'knative-serving';
    this.store = new Store({
      historySize: options.historySize ?? 10000,
      admission: admission ? (obj, ctx) => admission(obj, ctx) : undefined,
      admissionFilter: (t) => t.group === KNATIVE_GROUP,
      validateCore: options.validateCore ?? true,
      crdSchemas: options.crdSchemas ?? true,
      serverDefaults: options.serverDefaults ?? true,
      requireNamespaces: options.requireNamespaces ?? false,
      gcDelayMs: options.gcDelayMs ?? 0,
      now,
      configFor: () => this.clusterConfig(systemNamespace),
      extraValidation: admission ? (t, obj) => ({
        webhook: 'config.webhook.serving.knative.dev',
        causes: t.group === '' && t.plural === 'configmaps' && obj.metadata.namespace === systemNamespace ? validateKnativeConfigMap(obj) : [],
      }) : undefined,
      formatViolation: formatViolation,
    });
    this.tokens = new TokenAuthority(this.store, now);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => this.sendError(res, err));
    });
    this.server.keepAliveTimeout = 60_000;
    if (options.simulateWorkloads) {
      this.workloads = new WorkloadSimulator(this.store, options.simulateWorkloads === true ? {} : options.simulateWorkloads, now);
    }
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => {
        const addr = this.server.address() as AddressInfo;
        this.port = addr.port;
        const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
        this.url = `http://${host}:${addr.port}`;
        resolve();
      });
    });
  }

  /** Close every watch, stop background work and the HTTP server. */
  public async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.dropWatches();
    await this.workloads?.stop();
    this.store.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ------------------------------------------------------------------ client configuration

  /**
   * Options for `new KubeConfig().loadFromOptions(...)` pointing at this emulator. When `user` is
   * given, requests carry the bearer token "user:<user>" and admission sees that user name
   * (serving.knative.dev/creator, lastModifier); otherwise the emulator's default user.
   */
  public kubeConfigOptions(user?: string): { clusters: any[]; users: any[]; contexts: any[]; currentContext: string } {
    return {
      clusters: [{ name: 'emulator', server: this.url, skipTLSVerify: true }],
      users: [user ? { name: 'emulator-user', token: `user:${user}` } : { name: 'emulator-user' }],
      contexts: [{ name: 'emulator', cluster: 'emulator', user: 'emulator-user', namespace: 'default' }],
      currentContext: 'emulator',
    };
  }

  /** The same as a kubeconfig YAML document (JSON is valid YAML). */
  public kubeConfigYaml(): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'emulator', cluster: { 'server': this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'emulator-user', user: {} }],
      contexts: [{ name: 'emulator', context: { cluster: 'emulator', user: 'emulator-user', namespace: 'default' } }],
      ['current-context']: 'emulator',
    }, null, 2);
  }

  // ------------------------------------------------------------------ in-process access

  private typeOf(ref: string | ResourceType): ResourceType {
    if (typeof ref !== 'string') return ref;
    const t = resolveType(ref);
    if (!t) throw new Error(`unknown resource "${ref}"`);
    return t;
  }

  private typeOfObject(obj: KubeObject): ResourceType {
    const t = RESOURCES.find((x) => apiVersionOf(x) === obj.apiVersion && x.kind === obj.kind);
    if (!t) throw new Error(`the emulator does not serve ${obj.apiVersion} ${obj.kind}`);
    return t;
  }

  /**
   * Store objects as they are (create or replace; status kept; no admission, not recorded as
   * actions). Missing uid/creationTimestamp/generation are filled in; resourceVersion is assigned.
   * Namespaced objects without a namespace go to 'default'. Returns the stored copies.
   */
  public seed(...objs: KubeObject[]): KubeObject[] {
    return objs.map((o) => this.store.seed(this.typeOfObject(o), o));
  }

  /** A copy of a stored object, or undefined. `ref`: 'revisions', 'ksvc', 'deployments', 'Revision', … */
  public get<T extends KubeObject = KubeObject>(ref: string, namespace: string, name: string): T | undefined {
    const o = this.store.getRaw(this.typeOf(ref), namespace, name);
    return o ? (deepClone(o) as T) : undefined;
  }

  /** Copies of stored objects of a type, optionally in one namespace and matching a label selector. */
  public list<T extends KubeObject = KubeObject>(ref: string, namespace?: string, labelSelector?: string): T[] {
    return this.store.list(this.typeOf(ref), namespace, parseLabelSelector(labelSelector)) as T[];
  }

  /** Replace an object in-process (e.g. to simulate another actor); not recorded, no admission. */
  public put(obj: KubeObject): KubeObject {
    return this.seed(obj)[0];
  }

  /** Delete in-process (finalizers and owner cascade honoured); not recorded. */
  public remove(ref: string, namespace: string, name: string, options: DeleteOptions = {}): void {
    this.store.delete(this.typeOf(ref), namespace, name, options);
  }

  /** The current (global) resourceVersion. */
  public get resourceVersion(): string {
    return String(this.store.resourceVersion);
  }

  /**
   * Resolve when predicate(object) is true for the named object (object is undefined while it does
   * not exist, so `(o) => !o` waits for deletion). Rejects after timeoutMs with the last state seen.
   */
  public waitFor<T extends KubeObject = KubeObject>(
    ref: string, namespace: string, name: string,
    predicate: (obj: T | undefined) => boolean = (o) => o !== undefined, timeoutMs = 5000,
  ): Promise<T | undefined> {
    const t = this.typeOf(ref);
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const raw = this.store.getRaw(t, namespace, name);
        const o = raw ? (deepClone(raw) as T) : undefined;
        let ok = false;
        try {
          ok = predicate(o);
        } catch {
          ok = false;
        }
        if (ok) {
          cleanup();
          resolve(o);
        }
        return ok;
      };
      const unsubscribe = this.store.subscribe((ev) => {
        const m = ev.object.metadata;
        if (typeKey(ev.t) === typeKey(t) && m.name === name && (!t.namespaced || m.namespace === namespace)) check();
      });
      const timer = setTimeout(() => {
        cleanup();
        const last = this.store.getRaw(t, namespace, name);
        reject(new Error(`waitFor ${t.plural} ${namespace}/${name}: timed out after ${timeoutMs}ms; last state: ${JSON.stringify(last)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        unsubscribe();
      };
      check();
    });
  }

  /** Subscribe to every committed change (in-process); returns an unsubscribe function. */
  public onChange(fn: (ev: { type: 'ADDED' | 'MODIFIED' | 'DELETED'; resource: string; group: string; object: KubeObject }) => void): () => void {
    return this.store.subscribe((ev) => fn({ type: ev.type, resource: ev.t.plural, group: ev.t.group, object: deepClone(ev.object) }));
  }

  // ------------------------------------------------------------------ ServiceAccount tokens

  /**
   * Issue a ServiceAccount token in-process, as a TokenRequest does (the ServiceAccount must exist;
   * default audience: the API server's; default lifetime 3600 s, at least 600). Write it to a file
   * to stand in for a projected serviceAccountToken volume.
   */
  public issueToken(namespace: string, serviceAccount: string, options: IssueTokenOptions = {}): IssuedToken {
    return this.tokens.issue(namespace, serviceAccount, options);
  }

  /** What a TokenReview with these audiences answers for a token (in-process). */
  public reviewToken(token: string, audiences?: string[]): TokenReviewStatus {
    return this.tokens.review(token, audiences);
  }

  // ------------------------------------------------------------------ actions and failures

  /** Every write received over HTTP, in order (including failed and injected-failure writes). */
  public actions(filter?: { verb?: string; resource?: string; namespace?: string; subresource?: string | null }): RecordedAction[] {
    let out = this.recorded;
    if (filter) {
      const t = filter.resource ? resolveType(filter.resource) : undefined;
      out = out.filter((a) =>
        (!filter.verb || a.verb === filter.verb)
        && (!filter.resource || (t ? a.resource === t.plural && a.group === t.group : a.resource === filter.resource))
        && (!filter.namespace || a.namespace === filter.namespace)
        && (filter.subresource === undefined || (filter.subresource === null ? !a.subresource : a.subresource === filter.subresource)));
    }
    return out.slice();
  }

  /** Number of write requests received since the last clearActions() (cheap; for polling). */
  public get actionCount(): number {
    return this.writes;
  }

  public clearActions(): void {
    this.recorded = [];
    this.writes = 0;
  }

  /** Number of HTTP requests served so far. */
  public get requests(): number {
    return this.requestCount;
  }

  /**
   * Make the next `times` matching requests fail with `code` (409 → Conflict, 500 → InternalError,
   * 410 on watch → an ERROR event with an Expired Status, …). Verb 'status' matches /status writes;
   * 'update'/'patch' match main-resource writes only. Returns a handle with the remaining count.
   */
  public inject(spec: FailureSpec): { remaining(): number; cancel(): void } {
    const inj: Injection = { ...spec, remaining: spec.times ?? 1, type: spec.resource ? resolveType(spec.resource) : undefined };
    if (spec.resource && !inj.type) throw new Error(`inject: unknown resource "${spec.resource}"`);
    this.injections.push(inj);
    return {
      remaining: () => inj.remaining,
      cancel: () => {
        inj.remaining = 0;
      },
    };
  }

  /**
   * Register a reactor (like Knative's WithReactors): called for every API request after the
   * injected failures; it can fail the request by returning `{ code, message?, reason? }`.
   * Returns a function that removes it.
   */
  public react(fn: Reactor): () => void {
    this.reactors.push(fn);
    return () => {
      const i = this.reactors.indexOf(fn);
      if (i >= 0) this.reactors.splice(i, 1);
    };
  }

  /** Remove all pending injected failures and reactors. */
  public clearInjections(): void {
    this.injections.length = 0;
    this.reactors.length = 0;
  }

  private failure(
    code: number, t: ResourceType, name: string | undefined, message: string | undefined, reason: string | undefined, fallback: string,
  ): ApiError {
    if (code === 409 && !reason) return conflict(t.plural, t.group, name ?? '', message);
    if (code === 404 && !reason) return notFound(t.plural, t.group, name ?? '');
    if (code === 410) return gone(message);
    return apiError(code, message ?? fallback, reason ?? reasonFor(code), { name, group: t.group, kind: t.plural });
  }

  private takeInjection(
    verb: Verb, t: ResourceType, ns: string, name: string | undefined, subresource?: string, object?: unknown,
  ): ApiError | undefined {
    const describe = `${verb} ${t.plural}${subresource ? '/' + subresource : ''} ${ns ? ns + '/' : ''}${name ?? ''}`;
    const effective: Verb = subresource === 'status' && (verb === 'update' || verb === 'patch') ? 'status' : verb;
    for (const inj of this.injections) {
      if (inj.remaining <= 0) continue;
      if (inj.verb) {
        if (inj.verb === 'status') {
          if (subresource !== 'status' || !['update', 'patch'].includes(verb)) continue;
        } else if (inj.verb !== verb || (['update', 'patch'].includes(verb) && subresource === 'status')) {
          continue;
        }
      }
      if (!refMatches(inj.type, inj.resource, t)) continue;
      if (inj.namespace !== undefined && inj.namespace !== ns) continue;
      if (inj.name !== undefined && inj.name !== name) continue;
      if (inj.subresource !== undefined && inj.subresource !== subresource) continue;
      inj.remaining--;
      return this.failure(inj.code, t, name, inj.message, inj.reason, `injected failure: ${describe}`);
    }
    for (const fn of [...this.reactors]) {
      const req: ReactorRequest = { verb: effective, resource: t.plural, group: t.group, namespace: ns, name, subresource };
      if (object !== undefined) req.object = deepClone(object);
      const verdict = fn(req);
      if (verdict) return this.failure(verdict.code, t, name, verdict.message, verdict.reason, `reactor failure: ${describe}`);
    }
    return undefined;
  }

  // ------------------------------------------------------------------ watch control

  /** Close every open watch stream cleanly (clients see the stream end and re-watch). */
  public dropWatches(): number {
    const n = this.watchers.size;
    for (const w of [...this.watchers]) this.closeWatcher(w);
    return n;
  }

  /** Forget the event history: the next watch from an older resourceVersion gets 410 Expired. */
  public expireHistory(): void {
    this.store.expireHistory();
  }

  /** Number of open watch streams. */
  public get watchCount(): number {
    return this.watchers.size;
  }

  /**
   * Forget everything (objects, history, actions, injected failures) and close all watches, keeping
   * the server and its URL — handy for table tests that reuse one emulator per file.
   */
  public reset(): void {
    this.dropWatches();
    this.store.reset();
    this.clearActions();
    this.clearInjections();
  }

  /** Run the garbage collector now (normally it runs right after deletions). */
  public collectGarbage(): void {
    this.store.runGc();
  }

  /** Send a BOOKMARK with the current resourceVersion to every watch that allows bookmarks. */
  public sendBookmarks(): void {
    for (const w of this.watchers) this.writeBookmark(w);
  }

  private writeBookmark(w: Watcher): void {
    if (!this.bookmarkWatchers.has(w) || w.closed) return;
    w.res.write(JSON.stringify({
      type: 'BOOKMARK',
      object: { kind: w.t.kind, apiVersion: apiVersionOf(w.t), metadata: { resourceVersion: String(this.store.resourceVersion) } },
    }) + '\n');
  }

  private closeWatcher(w: Watcher): void {
    if (w.closed) return;
    w.closed = true;
    for (const timer of w.timers) clearTimeout(timer);
    this.watchers.delete(w);
    if (!w.res.writableEnded) w.res.end();
  }

  // ------------------------------------------------------------------ config for admission

  private clusterConfig(systemNamespace: string): unknown {
    const cms = this.store.list(RESOURCES.find((t) => t.plural === 'configmaps')!, systemNamespace);
    return configFromConfigMaps(cms);
  }

  // ------------------------------------------------------------------ HTTP

  private send(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
    const text = JSON.stringify(body);
    const headers: Record<string, string | string[]> = { 'Content-Type': JSON_CT, 'Content-Length': String(Buffer.byteLength(text)) };
    if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w.replace(/[\r\n]/g, ' '))}`);
    res.writeHead(code, headers);
    res.end(text);
  }

  private sendError(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err instanceof ApiError) {
      this.send(res, err.code, err.body);
    } else {
      const e = internal(`Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
      this.send(res, 500, e.body);
    }
  }

  private parseRoute(segments: string[]): Route | 'discovery' | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api') {
      if (segments.length < 2) return 'discovery';
      group = '';
      version = segments[1];
      rest = segments.slice(2);
    } else if (segments[0] === 'apis') {
      if (segments.length < 3) return 'discovery';
      group = segments[1];
      version = segments[2];
      rest = segments.slice(3);
    } else {
      return undefined;
    }
    if (rest.length === 0) return 'discovery';
    let watchPath = false;
    if (rest[0] === 'watch') {
      watchPath = true;
      rest = rest.slice(1);
    }
    // /namespaces/{ns}/{plural}[/{name}[/{sub}]]
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const t = findByPath(group, version, rest[2]);
      if (t && t.namespaced) return { t, ns: rest[1], name: rest[3], subresource: rest[4], watchPath };
    }
    const t = findByPath(group, version, rest[0]);
    if (!t) return undefined;
    if (t.namespaced) {
      if (rest.length > 1) return undefined; // named access to a namespaced type needs a namespace
      return { t, ns: '', watchPath };
    }
    return { t, ns: '', name: rest[1], subresource: rest[2], watchPath };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requestCount++;
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    if (this.opts.log) {
      res.on('finish', () => this.opts.log!(`${method} ${url.pathname}${url.search} -> ${res.statusCode}`));
    }
    const segments = url.pathname.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
    if (['healthz', 'readyz', 'livez'].includes(segments[0] ?? '') && segments.length === 1) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (segments[0] === 'version') {
      this.send(res, 200, { major: '1', minor: '31', gitVersion: 'v1.31.0-emulator', platform: 'linux/amd64' });
      return;
    }
    const route = this.parseRoute(segments);
    if (route === 'discovery') {
      const body = this.discovery(segments);
      if (!body) throw notFound('', '', url.pathname);
      this.send(res, 200, body);
      return;
    }
    if (!route) {
      throw apiError(404, `the server could not find the requested resource (${method} ${url.pathname})`, 'NotFound');
    }
    const { t, ns, name, subresource } = route;
    const q = url.searchParams;
    const isWatch = route.watchPath || q.get('watch') === 'true' || q.get('watch') === '1';
    const user = userFrom(req, this.opts.user ?? 'kubernetes-admin', this.tokens);
    const dryRun = q.getAll('dryRun').includes('All');
    const fv = q.get('fieldValidation');
    const fieldValidation = fv === 'Strict' || fv === 'Ignore' || fv === 'Warn' ? fv : undefined;
    const tokenRequest = subresource === 'token' && t.group === '' && t.plural === 'serviceaccounts';
    if (subresource && !['status', 'scale'].includes(subresource) && !tokenRequest) {
      throw apiError(404, `the server could not find the requested resource (${method} ${url.pathname})`, 'NotFound');
    }
    if (subresource === 'status' && !t.statusSubresource) throw notFound(t.plural, t.group, name ?? '');
    if (subresource === 'scale' && !t.scaleSubresource) throw notFound(t.plural, t.group, name ?? '');

    const bodyText = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ? await readBody(req) : '';
    let body: unknown;
    if (bodyText.trim()) {
      try {
        body = JSON.parse(bodyText);
      } catch (e) {
        throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
      }
    }
    if (this.opts.authorize) this.authorize(this.opts.authorize, method, user, t, ns, name, subresource, isWatch, body);
    if ((t.createOnly || tokenRequest) && (method !== 'POST' || isWatch)) throw methodNotAllowed();

    if (method === 'GET') {
      if (name === undefined || isWatch) {
        const injected = this.takeInjection(isWatch ? 'watch' : 'list', t, ns, name, subresource);
        if (isWatch) {
          if (injected && injected.code !== 410) throw injected;
          this.startWatch(req, res, t, ns, name, q, injected !== undefined);
          return;
        }
        if (injected) throw injected;
        this.send(res, 200, this.listBody(t, ns, q));
        return;
      }
      const injected = this.takeInjection('get', t, ns, name, subresource);
      if (injected) throw injected;
      const obj = this.store.get(t, ns, name);
      this.send(res, 200, subresource === 'scale' ? toScale(obj) : obj);
      return;
    }

    const warnings: string[] = [];
    const write = (verb: RecordedAction['verb'], fn: () => { code: number; body: unknown }, extra: Partial<RecordedAction> = {}) => {
      const action: RecordedAction = {
        verb, resource: t.plural, group: t.group, version: t.version, namespace: ns, name: name ?? (body as any)?.metadata?.name ?? '',
      };
      const mode = this.opts.recordActions ?? 'full';
      if (mode === 'full') Object.assign(action, extra);
      if (subresource) action.subresource = subresource;
      if (!dryRun) {
        this.writes++;
        if (mode !== false) this.recorded.push(action);
      }
      try {
        const injected = this.takeInjection(verb === 'deletecollection' ? 'delete' : verb, t, ns, name, subresource, body);
        if (injected) throw injected;
        const out = fn();
        if (mode === 'full' && isPlainObject(out.body) && (out.body as any).kind !== 'Status') action.result = deepClone(out.body);
        if (isPlainObject(out.body) && !action.name) action.name = (out.body as any).metadata?.name ?? '';
        this.send(res, out.code, out.body, warnings);
      } catch (err) {
        if (err instanceof ApiError) action.error = { code: err.code, reason: err.body.reason, message: err.body.message };
        throw err;
      }
    };

    switch (method) {
      case 'POST': {
        if (tokenRequest) {
          write('create', () => ({ code: 201, body: this.tokens.tokenRequest(ns, name!, body) }), { object: deepClone(body) });
          return;
        }
        if (name !== undefined) throw methodNotAllowed();
        if (t.createOnly) {
          write('create', () => ({ code: 201, body: this.tokens.tokenReview(body) }), { object: deepClone(body) });
          return;
        }
        if (t.namespaced && !ns) throw methodNotAllowed('POST requires a namespaced path for a namespaced resource');
        write('create', () => ({ code: 201, body: this.store.create(t, ns, body, { user, dryRun, warnings, fieldValidation }) }), { object: deepClone(body) });
        return;
      }
      case 'PUT': {
        if (name === undefined) throw methodNotAllowed();
        if (subresource === 'scale') {
          write('update', () => ({ code: 200, body: toScale(this.updateScale(t, ns, name, body, user, dryRun)) }), { object: deepClone(body) });
          return;
        }
        write('update', () => ({ code: 200, body: this.store.update(t, ns, name, body, { user, dryRun, warnings, subresource, fieldValidation }) }), { object: deepClone(body) });
        return;
      }
      case 'PATCH': {
        if (name === undefined) throw methodNotAllowed();
        const ct = String(req.headers['content-type'] ?? '');
        if (subresource === 'scale') {
          write('patch', () => {
            const current = toScale(this.store.get(t, ns, name));
            const patched = ct.includes('json-patch') ? jsonPatch(current, body) : mergePatch(current, body);
            return { code: 200, body: toScale(this.updateScale(t, ns, name, patched, user, dryRun)) };
          }, { object: deepClone(body), patchType: ct });
          return;
        }
        write('patch', () => ({ code: 200, body: this.store.patch(t, ns, name, body, ct, { user, dryRun, warnings, subresource, fieldValidation }) }), { object: deepClone(body), patchType: ct });
        return;
      }
      case 'DELETE': {
        const opts: DeleteOptions = { dryRun };
        const b: any = isPlainObject(body) ? body : {};
        const policy = q.get('propagationPolicy') ?? b.propagationPolicy ?? (b.orphanDependents === true ? 'Orphan' : undefined);
        if (policy) opts.propagationPolicy = policy;
        if (b.preconditions) opts.preconditions = b.preconditions;
        if (name === undefined) {
          // deletecollection
          write('deletecollection', () => {
            const items = this.store.list(t, ns || undefined, parseLabelSelector(q.get('labelSelector') ?? undefined), parseFieldSelector(q.get('fieldSelector') ?? undefined));
            for (const o of items) this.store.delete(t, o.metadata.namespace ?? '', o.metadata.name!, opts);
            return { code: 200, body: { ...status(200, ''), status: 'Success', reason: '', code: 200 } };
          });
          return;
        }
        if (subresource) throw methodNotAllowed();
        write('delete', () => {
          const r = this.store.delete(t, ns, name, opts);
          // pods and core Services return the deleted object, like kube-apiserver; others a Status
          if (!r.finished || (t.group === '' && ['pods', 'services'].includes(t.plural))) return { code: 200, body: r.object };
          const ok: StatusBody = {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            message: '',
            reason: '',
            details: { name, group: t.group, kind: t.plural, uid: r.object.metadata.uid },
            code: 200,
          };
          return { code: 200, body: ok };
        });
        return;
      }
      default:
        throw methodNotAllowed();
    }
  }

  /** RBAC-style authorization of one request, plus owner-reference permission enforcement. */
  private authorize(
    authorize: (r: AccessRequest) => string | undefined, method: string, user: string, t: ResourceType, ns: string,
    name: string | undefined, subresource: string | undefined, isWatch: boolean, body: unknown,
  ): void {
    let verb: AccessRequest['verb'];
    switch (method) {
      case 'GET': verb = isWatch ? 'watch' : name === undefined ? 'list' : 'get'; break;
      case 'POST': verb = 'create'; break;
      case 'PUT': verb = 'update'; break;
      case 'PATCH': verb = 'patch'; break;
      case 'DELETE': verb = name === undefined ? 'deletecollection' : 'delete'; break;
      default: return;
    }
    const check = (r: AccessRequest): void => {
      const reason = authorize(r);
      if (reason === undefined) return;
      const what = `${r.resource}${r.subresource ? `/${r.subresource}` : ''}${r.group ? `.${r.group}` : ''}`;
      throw apiError(403, `${r.subresource === 'finalizers' ? 'cannot set blockOwnerDeletion: ' : ''}` +
        `User "${r.user}" cannot ${r.verb} resource "${what}" in API group "${r.group}"` +
        `${r.namespace ? ` in the namespace "${r.namespace}"` : ' at the cluster scope'}: ${reason}`, 'Forbidden');
    };
    check({ user, verb, group: t.group, resource: t.plural, subresource, namespace: ns, name: name ?? undefined });
    if ((verb !== 'create' && verb !== 'update') || subresource || !isPlainObject(body)) return;
    // RBAC escalation prevention: binding a ClusterRole needs `bind` on it (kube-apiserver also
    // accepts a user who holds every permission of the role; this emulator only knows `bind`).
    const roleRef = (body as { roleRef?: { kind?: string; name?: string } }).roleRef;
    if (t.group === 'rbac.authorization.k8s.io' && t.plural === 'rolebindings' && roleRef?.kind === 'ClusterRole') {
      check({ user, verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', namespace: '', name: roleRef.name });
    }
    // OwnerReferencesPermissionEnforcement: blockOwnerDeletion needs update on <owner>/finalizers
    // (on update, only for references that did not already block deletion).
    let before: KubeObject | undefined;
    if (verb === 'update' && name !== undefined) {
      try {
        before = this.store.get(t, ns, name);
      } catch {
        before = undefined;
      }
    }
    const blocking = (o: KubeObject | undefined): any[] => (o?.metadata?.ownerReferences ?? []).filter((r: any) => r?.blockOwnerDeletion === true);
    const had = new Set(blocking(before).map((r) => r.uid));
    for (const ref of blocking(body as KubeObject)) {
      if (had.has(ref.uid)) continue;
      const owner = findByApiVersionKind(String(ref.apiVersion ?? ''), String(ref.kind ?? ''));
      if (!owner) continue;
      check({ user, verb: 'update', group: owner.group, resource: owner.plural, subresource: 'finalizers', namespace: owner.namespaced ? ns : '', name: ref.name });
    }
  }

  /**
   * PUT/PATCH of the autoscaling/v1 Scale subresource, as kube-apiserver's ScaleREST does it: the
   * object's name must match the URL, spec.replicas (Go int32, omitempty: absent = 0) must be a
   * whole number ≥ 0, a uid in the Scale is a precondition, a resourceVersion in the Scale is the
   * Deployment's (409 when stale; none = unconditional), and the write is a Deployment update
   * (spec.replicas changes, the generation is bumped).
   */
  private updateScale(t: ResourceType, ns: string, name: string, scale: unknown, user: string, dryRun: boolean): KubeObject {
    if (!isPlainObject(scale)) throw badRequest('the request body must be a JSON object');
    const s: any = scale;
    const meta: any = isPlainObject(s.metadata) ? s.metadata : {};
    const objName = String(meta.name ?? '');
    if (!objName) throw badRequest(`the name of the object (${name} based on URL) was undeterminable: name must be provided`);
    if (objName !== name) throw badRequest(`the name of the object (${objName}) does not match the name on the URL (${name})`);
    if (meta.namespace && meta.namespace !== ns) {
      throw badRequest(`the namespace of the object (${meta.namespace}) does not match the namespace on the request (${ns})`);
    }
    const replicas = isPlainObject(s.spec) ? s.spec.replicas ?? 0 : 0;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas > 2147483647 || replicas < -2147483648) {
      throw badRequest(`Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal ${typeof replicas === 'number' ? `number ${replicas}` : typeof replicas} `
        + 'into Go struct field ScaleSpec.spec.replicas of type int32');
    }
    const current = this.store.getRaw(t, ns, name);
    if (!current) throw notFound(t.plural, t.group, name);
    if (replicas < 0) {
      throw apiError(422, `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`, 'Invalid', {
        name, group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${replicas}: must be greater than or equal to 0` }],
      });
    }
    if (meta.uid && meta.uid !== current.metadata.uid) {
      throw conflict(t.plural, t.group, name, `StorageError: invalid object, Code: 4, Key: /registry/${t.plural}/${ns}/${name}, ResourceVersion: 0, `
        + `AdditionalErrorMsg: Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (meta.resourceVersion && meta.resourceVersion !== current.metadata.resourceVersion) throw conflict(t.plural, t.group, name);
    const next = deepClone(current);
    next.spec = { ...(next.spec ?? {}), replicas };
    return this.store.update(t, ns, name, next, { user, dryRun });
  }

  private listBody(t: ResourceType, ns: string, q: URLSearchParams): unknown {
    const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
    const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined);
    let items = this.store.list(t, ns || undefined, labels, fields);
    const metadata: Record<string, unknown> = { resourceVersion: String(this.store.resourceVersion) };
    const limit = Number(q.get('limit') ?? 0);
    const cont = q.get('continue');
    if (cont) {
      let after: string;
      try {
        after = Buffer.from(cont, 'base64url').toString('utf8');
      } catch {
        throw badRequest('invalid continue token');
      }
      items = items.filter((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` > after);
    }
    if (limit > 0 && items.length > limit) {
      metadata.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
      const last = items[items.length - 1];
      metadata.continue = Buffer.from(`${last.metadata.namespace ?? ''}/${last.metadata.name}`, 'utf8').toString('base64url');
    }
    if (!t.custom) {
      // built-in typed lists carry no per-item apiVersion/kind, exactly as kube-apiserver sends them
      items = items.map((o) => {
        const { apiVersion: _a, kind: _k, ...rest } = o;
        return rest as KubeObject;
      });
    }
    return { apiVersion: apiVersionOf(t), kind: `${t.kind}List`, metadata, items };
  }

  private startWatch(
    req: IncomingMessage, res: ServerResponse, t: ResourceType, ns: string, name: string | undefined, q: URLSearchParams, forceExpired: boolean,
  ): void {
    const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
    const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined);
    if (name) fields.push({ field: 'metadata.name', op: '=', value: name });
    const rvParam = q.get('resourceVersion') ?? '';
    if (rvParam !== '' && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: ${rvParam}`);
    const w: Watcher = { t, ns: ns || undefined, labels, fields, res, timers: [], closed: false };
    res.writeHead(200, { 'Content-Type': JSON_CT, 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const writeEvent = (type: string, object: unknown) => {
      if (!w.closed) w.res.write(JSON.stringify({ type, object }) + '\n');
    };
    const sinceRv = rvParam === '' ? 0 : Number(rvParam);
    const history = rvParam === '' || rvParam === '0' ? [] : this.store.eventsSince(sinceRv);
    if (forceExpired || history === undefined) {
      writeEvent('ERROR', gone(`too old resource version: ${rvParam} (${this.store.oldestWatchableRv})`).body);
      w.closed = true;
      res.end();
      return;
    }
    this.watchers.add(w);
    const inScope = (o: KubeObject | undefined) =>
      !!o && (!w.ns || o.metadata.namespace === w.ns) && matchesLabels(o.metadata.labels, labels) && matchesFields(o, fields);
    const deliver = (ev: StoreEvent) => {
      if (typeKey(ev.t) !== typeKey(t)) return;
      const now = inScope(ev.object);
      const before = ev.type !== 'ADDED' && inScope(ev.prev);
      if (ev.type === 'DELETED') {
        if (before || now) writeEvent('DELETED', ev.object);
      } else if (ev.type === 'ADDED') {
        if (now) writeEvent('ADDED', ev.object);
      } else if (now && before) {
        writeEvent('MODIFIED', ev.object);
      } else if (now) {
        writeEvent('ADDED', ev.object);
      } else if (before) {
        writeEvent('DELETED', ev.object);
      }
    };
    if (rvParam === '' || rvParam === '0') {
      for (const o of this.store.list(t, w.ns, labels, fields)) writeEvent('ADDED', o);
    } else {
      for (const ev of history) deliver(ev);
    }
    const unsubscribe = this.store.subscribe(deliver);
    if (q.get('allowWatchBookmarks') === 'true') {
      this.bookmarkWatchers.add(w);
      const interval = this.opts.bookmarkIntervalMs ?? 1000;
      const tick = () => {
        this.writeBookmark(w);
        if (!w.closed) w.timers.push(setTimeout(tick, interval).unref());
      };
      w.timers.push(setTimeout(tick, interval).unref());
    }
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (timeout > 0) w.timers.push(setTimeout(() => this.closeWatcher(w), timeout * 1000).unref());
    const cleanup = () => {
      unsubscribe();
      this.closeWatcher(w);
    };
    req.on('close', cleanup);
    res.on('close', cleanup);
    res.on('finish', unsubscribe);
  }

  private discovery(segments: string[]): unknown {
    const path = segments.join('/');
    if (path === 'api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.url.replace(/^http:\/\//, '') }] };
    if (path === 'apis') {
      const groups = new Map<string, string>();
      for (const t of RESOURCES) if (t.group) groups.set(t.group, t.version);
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...groups].map(([g, v]) => ({ name: g, versions: [{ groupVersion: `${g}/${v}`, version: v }], preferredVersion: { groupVersion: `${g}/${v}`, version: v } })),
      };
    }
    let group: string;
    let version: string;
    if (segments[0] === 'api' && segments.length === 2) {
      group = '';
      version = segments[1];
    } else if (segments[0] === 'apis' && segments.length === 3) {
      group = segments[1];
      version = segments[2];
    } else if (segments[0] === 'apis' && segments.length === 2) {
      const ts = RESOURCES.filter((t) => t.group === segments[1]);
      if (ts.length === 0) return undefined;
      const v = ts[0].version;
      return { kind: 'APIGroup', apiVersion: 'v1', name: segments[1], versions: [{ groupVersion: `${segments[1]}/${v}`, version: v }], preferredVersion: { groupVersion: `${segments[1]}/${v}`, version: v } };
    } else {
      return undefined;
    }
    const ts = RESOURCES.filter((t) => t.group === group && t.version === version);
    if (ts.length === 0) return undefined;
    const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
    const resources: unknown[] = [];
    for (const t of ts) {
      resources.push({ name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: t.createOnly ? ['create'] : verbs, shortNames: t.shortNames });
      if (t.group === '' && t.plural === 'serviceaccounts') {
        resources.push({ name: 'serviceaccounts/token', singularName: '', namespaced: true, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] });
      }
      if (t.statusSubresource) resources.push({ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
      if (t.scaleSubresource) resources.push({ name: `${t.plural}/scale`, singularName: '', namespaced: t.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }
}

/** autoscaling/v1 Scale view of a Deployment. */
function toScale(obj: KubeObject): KubeObject {
  const sel = obj.spec?.selector?.matchLabels ?? {};
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    // ScaleSpec.replicas is omitempty (0 is left out); ScaleStatus.replicas is not
    spec: obj.spec?.replicas ? { replicas: obj.spec.replicas } : {},
    status: {
      replicas: obj.status?.replicas ?? 0,
      selector: Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(','),
    },
  };
}

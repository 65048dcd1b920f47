/**
 * Thin typed wrapper over @kubernetes/client-node.
 *
 * Every resource the controller touches is described by a `Resource`. Knative kinds and the
 * non-core Kubernetes groups (apps, autoscaling, coordination.k8s.io) go through
 * `CustomObjectsApi` (their REST shape is identical, and it returns plain JSON so no field is lost
 * to the typed-model serializer); core/v1 kinds (Services, ConfigMaps, Pods) go through `CoreV1Api`.
 * Watches use the client's `Watch`. Errors are normalised into `KubeApiError` (code + reason),
 * so reconcilers can handle 404 / 409 uniformly: a 409 is never retried in place, the key is
 * requeued and re-read from the informer cache.
 */
import { AuthenticationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Watch, k8s } from './k8s';
import type { KubeObject } from '../../core/types';

export interface Resource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const R = {
  services: { group: 'serving.knative.dev', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  configurations: { group: 'serving.knative.dev', version: 'v1', plural: 'configurations', kind: 'Configuration', namespaced: true },
  revisions: { group: 'serving.knative.dev', version: 'v1', plural: 'revisions', kind: 'Revision', namespaced: true },
  routes: { group: 'serving.knative.dev', version: 'v1', plural: 'routes', kind: 'Route', namespaced: true },
  domainMappings: { group: 'serving.knative.dev', version: 'v1beta1', plural: 'domainmappings', kind: 'DomainMapping', namespaced: true },
  clusterDomainClaims: { group: 'networking.internal.knative.dev', version: 'v1alpha1', plural: 'clusterdomainclaims', kind: 'ClusterDomainClaim', namespaced: false },
  roleBindings: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  hpas: { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
  endpointSlices: { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true },
  k8sServices: { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  configMaps: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  pods: { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  secrets: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  serviceAccounts: { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  tokenReviews: { group: 'authentication.k8s.io', version: 'v1', plural: 'tokenreviews', kind: 'TokenReview', namespaced: false },
} as const satisfies Record<string, Resource>;

export function apiVersionOf(r: Resource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function resourceId(r: Resource): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** `status` of a TokenReview, as the controller uses it. */
export interface TokenReviewVerdict {
  authenticated: boolean;
  username?: string;
  audiences?: string[];
  error?: string;
}

export class KubeApiError extends Error {
  constructor(public readonly code: number, public readonly reason: string, message: string, public readonly verb?: string) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.code === 404;
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.code === 409;
export const isAlreadyExists = (e: unknown): boolean => e instanceof KubeApiError && e.code === 409 && e.reason === 'AlreadyExists';
export const isGone = (e: unknown): boolean => e instanceof KubeApiError && e.code === 410;

function normaliseError(e: unknown, verb: string): unknown {
  if (e instanceof KubeApiError) return e;
  const anyE = e as { code?: number; body?: unknown; message?: string };
  if (typeof anyE?.code === 'number') {
    let body: any = anyE.body;
    if (typeof body === 'string') {
      try { body = JSON.parse(body); } catch { /* keep text */ }
    }
    const reason = (body && typeof body === 'object' && body.reason) || String(anyE.code);
    const message = (body && typeof body === 'object' && body.message) || (typeof body === 'string' ? body : anyE.message) || `HTTP ${anyE.code}`;
    return new KubeApiError(anyE.code, reason, message, verb);
  }
  return e;
}

function plain<T>(o: unknown): T {
  return JSON.parse(JSON.stringify(o)) as T;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface WatchHandle {
  abort(): void;
}

export type RequestHook = (verb: string, r: Resource, ok: boolean, code?: number, seconds?: number) => void;
export type WriteHook = (r: Resource, obj: KubeObject | undefined, deleted?: { namespace: string; name: string }) => void;

export class KubeClient {
  /** Path for list/watch of a resource (all namespaces unless one is given). */
  static path(r: Resource, namespace?: string): string {
    const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
    return namespace ? `${prefix}/namespaces/${namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  }

  /**
   * Like `kubeConfig.makeApiClient`, but with ONE keep-alive agent for all requests: the stock
   * configuration builds a fresh Agent per request (a new TCP/TLS connection each time), which
   * costs milliseconds per call. Authentication (tokens, exec plugins, client certs) still runs
   * through the KubeConfig on every request.
   */
  static apiConfiguration(kc: KubeConfig): any {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('No active cluster!');
    let shared: any;
    const auth = {
      getName: () => 'default',
      applySecurityAuthentication: async (context: any) => {
        await kc.applySecurityAuthentication(context);
        if (!shared) {
          shared = context.getAgent?.();
          if (shared && typeof shared === 'object') {
            shared.keepAlive = true;
            shared.keepAliveMsecs = 1000;
            shared.maxFreeSockets = 64;
            if (!Number.isFinite(shared.maxSockets)) shared.maxSockets = 64;
          }
        }
        if (shared) context.setAgent(shared);
      },
    };
    return k8s.createConfiguration({ baseServer: new k8s.ServerConfiguration(cluster.server, {}), authMethods: { default: auth as any } });
  }

  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly authn: AuthenticationV1Api;
  private readonly watcher: Watch;
  onRequest?: RequestHook;
  /** Called with the stored object after every successful create/update/updateStatus/delete. */
  onWrite?: WriteHook;

  constructor(public readonly kubeConfig: KubeConfig) {
    const config = KubeClient.apiConfiguration(kubeConfig);
    this.custom = new k8s.CustomObjectsApi(config);
    this.core = new k8s.CoreV1Api(config);
    this.authn = new k8s.AuthenticationV1Api(config);
    this.watcher = new k8s.Watch(kubeConfig);
  }

  private async call<T>(verb: string, r: Resource, fn: () => Promise<T>): Promise<T> {
    const t0 = process.hrtime.bigint();
    const secs = () => Number(process.hrtime.bigint() - t0) / 1e9;
    try {
      const out = await fn();
      this.onRequest?.(verb, r, true, undefined, secs());
      if (verb === 'create' || verb === 'update' || verb === 'updateStatus') {
        const o = out as unknown as KubeObject;
        if (o?.metadata) {
          o.apiVersion = o.apiVersion ?? apiVersionOf(r);
          o.kind = o.kind ?? r.kind;
          this.onWrite?.(r, o);
        }
      }
      return out;
    } catch (e) {
      const n = normaliseError(e, verb);
      this.onRequest?.(verb, r, false, n instanceof KubeApiError ? n.code : undefined, secs());
      throw n;
    }
  }

  async list<T extends KubeObject = KubeObject>(r: Resource, namespace?: string, labelSelector?: string): Promise<ListResult<T>> {
    return this.call('list', r, async () => {
      let res: any;
      if (r.group) {
        res = namespace
          ? await this.custom.listNamespacedCustomObject({ group: r.group, version: r.version, namespace, plural: r.plural, labelSelector })
          : await this.custom.listClusterCustomObject({ group: r.group, version: r.version, plural: r.plural, labelSelector });
      } else {
        res = plain(await this.coreList(r, namespace, labelSelector));
      }
      const items = ((res.items ?? []) as T[]).map((o) => {
        // list items carry no apiVersion/kind on the wire
        o.apiVersion = o.apiVersion ?? apiVersionOf(r);
        o.kind = o.kind ?? r.kind;
        return o;
      });
      return { items, resourceVersion: String(res.metadata?.resourceVersion ?? '') };
    });
  }

  private coreList(r: Resource, namespace: string | undefined, labelSelector: string | undefined): Promise<unknown> {
    switch (r.plural) {
      case 'services':
        return namespace ? this.core.listNamespacedService({ namespace, labelSelector }) : this.core.listServiceForAllNamespaces({ labelSelector });
      case 'configmaps':
        return namespace
          ? this.core.listNamespacedConfigMap({ namespace, labelSelector })
          : this.core.listConfigMapForAllNamespaces({ labelSelector });
      case 'pods':
        return namespace ? this.core.listNamespacedPod({ namespace, labelSelector }) : this.core.listPodForAllNamespaces({ labelSelector });
      default:
        throw new Error(`unsupported core resource ${r.plural}`);
    }
  }

  async get<T extends KubeObject = KubeObject>(r: Resource, namespace: string, name: string): Promise<T | undefined> {
    try {
      return await this.call('get', r, async () => {
        if (r.group) {
          return (await this.custom.getNamespacedCustomObject({ group: r.group, version: r.version, namespace, plural: r.plural, name })) as T;
        }
        switch (r.plural) {
          case 'services': return withKind(plain<T>(await this.core.readNamespacedService({ name, namespace })), r);
          case 'configmaps': return withKind(plain<T>(await this.core.readNamespacedConfigMap({ name, namespace })), r);
          case 'pods': return withKind(plain<T>(await this.core.readNamespacedPod({ name, namespace })), r);
          case 'secrets': return withKind(plain<T>(await this.core.readNamespacedSecret({ name, namespace })), r);
          case 'serviceaccounts': return withKind(plain<T>(await this.core.readNamespacedServiceAccount({ name, namespace })), r);
          default: throw new Error(`unsupported core resource ${r.plural}`);
        }
      });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async create<T extends KubeObject>(r: Resource, obj: T): Promise<T> {
    const namespace = obj.metadata.namespace!;
    return this.call('create', r, async () => {
      if (r.group && !r.namespaced) {
        return (await this.custom.createClusterCustomObject({ group: r.group, version: r.version, plural: r.plural, body: obj })) as T;
      }
      if (r.group) {
        return (await this.custom.createNamespacedCustomObject({ group: r.group, version: r.version, namespace, plural: r.plural, body: obj })) as T;
      }
      switch (r.plural) {
        case 'services': return withKind(plain<T>(await this.core.createNamespacedService({ namespace, body: obj as any })), r);
        case 'configmaps': return withKind(plain<T>(await this.core.createNamespacedConfigMap({ namespace, body: obj as any })), r);
        default: throw new Error(`unsupported core resource ${r.plural}`);
      }
    });
  }

  /** PUT with the object's resourceVersion (optimistic concurrency: 409 on a stale version). */
  async update<T extends KubeObject>(r: Resource, obj: T): Promise<T> {
    const namespace = obj.metadata.namespace!;
    const name = obj.metadata.name!;
    return this.call('update', r, async () => {
      if (r.group) {
        const req = { group: r.group, version: r.version, namespace, plural: r.plural, name, body: obj };
        return (await this.custom.replaceNamespacedCustomObject(req)) as T;
      }
      switch (r.plural) {
        case 'services': return withKind(plain<T>(await this.core.replaceNamespacedService({ name, namespace, body: obj as any })), r);
        case 'configmaps': return withKind(plain<T>(await this.core.replaceNamespacedConfigMap({ name, namespace, body: obj as any })), r);
        default: throw new Error(`unsupported core resource ${r.plural}`);
      }
    });
  }

  /** PUT to the /status subresource. */
  async updateStatus<T extends KubeObject>(r: Resource, obj: T): Promise<T> {
    const namespace = obj.metadata.namespace!;
    const name = obj.metadata.name!;
    return this.call('updateStatus', r, async () => {
      if (!r.group) throw new Error('status updates of core resources are not used by the controller');
      const req = { group: r.group, version: r.version, namespace, plural: r.plural, name, body: obj };
      return (await this.custom.replaceNamespacedCustomObjectStatus(req)) as T;
    });
  }

  /**
   * PATCH (JSON patch, RFC 6902) of a namespaced object of a non-core group; returns the stored
   * object. Used only for an Event's series (events.ts): everything else is written by update.
   */
  async jsonPatch<T extends KubeObject = KubeObject>(
    r: Resource, namespace: string, name: string, ops: Array<{ op: string; path: string; value?: unknown }>): Promise<T> {
    return this.call('patch', r, async () => {
      if (!r.group) throw new Error('patches of core resources are not used by the controller');
      const req = { group: r.group, version: r.version, namespace, plural: r.plural, name, body: ops };
      return (await this.custom.patchNamespacedCustomObject(req)) as T;
    });
  }

  /**
   * PUT to the `/scale` subresource (autoscaling/v1 Scale): `scale` carries the parent's name,
   * namespace and resourceVersion (409 when stale) and `spec.replicas`. Returns the stored Scale.
   */
  async updateScale(r: Resource, scale: KubeObject): Promise<KubeObject> {
    const namespace = scale.metadata.namespace!;
    const name = scale.metadata.name!;
    return this.call('updateScale', r, async () => {
      if (!r.group) throw new Error('scale updates of core resources are not used by the controller');
      const req = { group: r.group, version: r.version, namespace, plural: r.plural, name, body: scale };
      return (await this.custom.replaceNamespacedCustomObjectScale(req)) as KubeObject;
    });
  }

  /**
   * Create a TokenReview (authentication.k8s.io/v1) for `token` with `audiences`; returns its
   * status (the API server's verdict). Used by the autoscaler's stats endpoint.
   */
  async tokenReview(token: string, audiences: string[]): Promise<TokenReviewVerdict> {
    return this.call('create', R.tokenReviews, async () => {
      const out = plain<any>(await this.authn.createTokenReview({
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences } },
      }));
      const st = out?.status ?? {};
      return {
        authenticated: st.authenticated === true,
        username: st.user?.username,
        audiences: Array.isArray(st.audiences) ? st.audiences : undefined,
        error: st.error || undefined,
      };
    });
  }

  async delete(r: Resource, namespace: string, name: string): Promise<void> {
    try {
      this.onWrite?.(r, undefined, { namespace, name });
      await this.call('delete', r, async () => {
        if (r.group && !r.namespaced) {
          await this.custom.deleteClusterCustomObject({ group: r.group, version: r.version, plural: r.plural, name, propagationPolicy: 'Background' });
          return;
        }
        if (r.group) {
          await this.custom.deleteNamespacedCustomObject({ group: r.group, version: r.version, namespace, plural: r.plural, name, propagationPolicy: 'Background' });
          return;
        }
        switch (r.plural) {
          case 'services': await this.core.deleteNamespacedService({ name, namespace }); return;
          case 'configmaps': await this.core.deleteNamespacedConfigMap({ name, namespace }); return;
          default: throw new Error(`unsupported core resource ${r.plural}`);
        }
      });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  }

  /**
   * Start a watch from `resourceVersion`. `onEvent` gets every event (ERROR events carry a
   * Status object, e.g. code 410 when the version is too old); `onDone` fires exactly once when
   * the stream ends for any reason.
   */
  async watch<T>(r: Resource, opts: { namespace?: string; resourceVersion: string; labelSelector?: string },
    onEvent: (ev: WatchEvent<T>) => void, onDone: (err?: unknown) => void): Promise<WatchHandle> {
    let finished = false;
    const done = (err?: unknown) => {
      if (finished) return;
      finished = true;
      onDone(err);
    };
    try {
      const ctrl = await this.watcher.watch(
        KubeClient.path(r, opts.namespace),
        { resourceVersion: opts.resourceVersion, allowWatchBookmarks: true, labelSelector: opts.labelSelector },
        (phase, obj) => {
          if (finished) return;
          onEvent({ type: phase as WatchEvent<T>['type'], object: obj as T });
        },
        (err) => done(err ?? undefined),
      );
      return { abort: () => { finished = true; ctrl.abort(); } };
    } catch (e) {
      done(normaliseError(e, 'watch'));
      return { abort: () => undefined };
    }
  }
}

function withKind<T extends KubeObject>(o: T, r: Resource): T {
  o.apiVersion = o.apiVersion ?? apiVersionOf(r);
  o.kind = o.kind ?? r.kind;
  return o;
}

/**
 * Watches Routes, DomainMappings and Revisions (all namespaces) and the serving ConfigMaps (config-network,
 * config-domain, config-features, … in the system namespace) with @kubernetes/client-node
 * informers (list + watch; the informer relists on 410 Gone; other errors restart it with
 * backoff), and rebuilds + swaps the routing table on change, coalescing bursts.
 *
 * Also the data path's endpoints: the EndpointSlices (discovery.k8s.io/v1) of every revision
 * Service (label `serving.knative.dev/revision`, all namespaces), merged per revision by
 * endpoints.ts and handed to `onEndpoints` as they change; and, unless a static list is given,
 * the EndpointSlices of the `serving-autoscaler` Service in the system namespace (its ready
 * addresses go to `onAutoscalerEndpoints`, for the stats push); and, with `onIngressPeers`, those
 * of the `serving-ingress` Service (the ready ingress replicas: owner.ts).
 *
 * The ConfigMaps are parsed as the controller parses them: every ConfigMap `parseServingConfig`
 * (core/config) reads, as one configuration; an invalid one is logged and the previous good
 * configuration stays in effect (Knative's config watchers do the same), so the table and the
 * controller's status URLs come from the same configuration.
 *
 * @kubernetes/client-node is ESM-only; the module is passed in (`await import(...)` in main.ts,
 * the jest-mapped CJS bundle in tests) so this file stays loadable from CommonJS.
 */
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { EndpointSliceLike, PodEndpoint, readyAddresses, readyIps, REVISION_LABEL, RevisionEndpointsIndex, SERVICE_NAME_LABEL } from './endpoints';
import type { ProbeSpec } from './pods';
import type { LogFn, RevisionInfo } from './proxy';
import { buildRouteTable, RouteTable } from './table';
import { ConfigMapData, defaultServingConfig, parseServingConfig, SERVING_CONFIG_MAP_NAMES, ServingConfig } from '../../core/config';
import { servingContainerIndex, servingPortIsH2c } from '../../core/rules/podspec';
import { AUTOSCALER_SERVICE_NAME, DEFAULT_SYSTEM_NAMESPACE, INGRESS_SERVICE_NAME } from '../../core/runtime-contract';
import type { DomainMappingObject, RevisionObject, RouteObject } from '../../core/types';

/** A revision's request timeouts in ms (see `Backend` in proxy.ts); unset fields use the defaults. */
export interface RevisionTimeouts {
  readonly timeoutMs?: number;
  readonly responseStartTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
}

/**
 * The timeouts a Revision declares (`spec.timeoutSeconds`, `responseStartTimeoutSeconds`,
 * `idleTimeoutSeconds`); absent, zero or malformed values are left unset.
 */
export function revisionTimeouts(revision: unknown): RevisionTimeouts {
  const spec = (revision as { spec?: Record<string, unknown> } | undefined)?.spec;
  const ms = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v * 1000 : undefined);
  const out: { timeoutMs?: number; responseStartTimeoutMs?: number; idleTimeoutMs?: number } = {};
  const t = ms(spec?.timeoutSeconds);
  const rs = ms(spec?.responseStartTimeoutSeconds);
  const idle = ms(spec?.idleTimeoutSeconds);
  if (t !== undefined) out.timeoutMs = t;
  if (rs !== undefined) out.responseStartTimeoutMs = rs;
  if (idle !== undefined) out.idleTimeoutMs = idle;
  return out;
}

/**
 * How the ingress probes a not-ready pod of this Revision itself (runtime.md §4.3): the serving
 * container's httpGet readiness path (HTTP only; port: the probe's number, a named container
 * port, else the pod's serving port) or tcpSocket; no readiness probe → TCP connect to the
 * serving port. Exec/gRPC/HTTPS readiness probes or a startupProbe → `none`: the pod is used
 * once the kubelet marks it ready (upstream does the same for exec probes and startup probes).
 */
export function revisionProbe(revision: unknown): ProbeSpec {
  const rev = revision as RevisionObject | undefined;
  const containers: any[] = (rev?.spec?.containers as any[] | undefined) ?? [];
  const c: any = rev?.spec ? containers[servingContainerIndex(containers)] : undefined;
  if (c === undefined) return { kind: 'tcp' };
  if (c.startupProbe) return { kind: 'none' };
  const p: any = c.readinessProbe;
  if (!p) return { kind: 'tcp' };
  const portOf = (v: unknown): number | undefined => {
    if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 65536) return v;
    if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
    if (typeof v === 'string') {
      const named = (c.ports ?? []).find((x: any) => x?.name === v);
      return typeof named?.containerPort === 'number' ? named.containerPort : undefined;
    }
    return undefined;
  };
  if (p.httpGet) {
    if (typeof p.httpGet.scheme === 'string' && p.httpGet.scheme.toUpperCase() === 'HTTPS') return { kind: 'none' };
    const path = typeof p.httpGet.path === 'string' && p.httpGet.path.startsWith('/') ? p.httpGet.path : '/';
    const headers: [string, string][] = [];
    for (const h of p.httpGet.httpHeaders ?? []) if (typeof h?.name === 'string' && typeof h?.value === 'string') headers.push([h.name, h.value]);
    const port = portOf(p.httpGet.port);
    return { kind: 'http', path, ...(port !== undefined ? { port } : {}), ...(headers.length > 0 ? { headers } : {}) };
  }
  if (p.tcpSocket) {
    const port = portOf(p.tcpSocket.port);
    return { kind: 'tcp', ...(port !== undefined ? { port } : {}) };
  }
  return { kind: 'none' };
}

/** Everything the ingress reads from a Revision: its timeouts, `containerConcurrency`, probe and protocol (h2c or HTTP/1.1). */
export function revisionInfo(revision: unknown): RevisionInfo {
  const spec = (revision as { spec?: { containerConcurrency?: unknown; containers?: unknown } } | undefined)?.spec;
  const cc = spec?.containerConcurrency;
  const h2c = Array.isArray(spec?.containers) && servingPortIsH2c(spec.containers);
  return {
    ...revisionTimeouts(revision),
    ...(typeof cc === 'number' && Number.isInteger(cc) && cc > 0 ? { containerConcurrency: cc } : {}),
    probe: revisionProbe(revision),
    ...(h2c ? { h2c: true } : {}),
  };
}

const sameInfo = (a: RevisionInfo | undefined, b: RevisionInfo): boolean =>
  a !== undefined && JSON.stringify(a) === JSON.stringify(b);

export interface TableBuilderOptions {
  clusterDomain?: string;
  /** Coalescing window (ms) between the first change and the rebuild; default 50. */
  debounceMs?: number;
  onTable: (table: RouteTable) => void;
  log?: LogFn;
}

/**
 * Event-driven table state: feed it Route / ConfigMap events; it rebuilds (debounced) and hands
 * each new table to `onTable`. No table is produced until `markSynced()` (initial lists done).
 */
export class TableBuilder {
  private readonly routes = new Map<string, RouteObject>();
  private readonly domainMappings = new Map<string, DomainMappingObject>();
  private readonly revisions = new Map<string, RevisionInfo>();
  private readonly configMaps = new Map<string, Record<string, string>>();
  private readonly debounceMs: number;
  private readonly clusterDomain: string;
  private timer: NodeJS.Timeout | undefined;
  private synced = false;
  private last: RouteTable | undefined;
  private config: ServingConfig;
  public builds = 0;

  constructor(private readonly opts: TableBuilderOptions) {
    this.debounceMs = opts.debounceMs ?? 50;
    this.config = defaultServingConfig(opts.clusterDomain || undefined);
    this.clusterDomain = this.config.clusterDomain;
  }

  public get table(): RouteTable | undefined {
    return this.last;
  }

  /** The serving configuration in effect (the last valid one). */
  public get servingConfig(): ServingConfig {
    return this.config;
  }

  public upsertRoute(route: RouteObject): void {
    const key = `${route.metadata?.namespace}/${route.metadata?.name}`;
    this.routes.set(key, route);
    this.schedule();
  }

  public deleteRoute(route: RouteObject): void {
    if (this.routes.delete(`${route.metadata?.namespace}/${route.metadata?.name}`)) this.schedule();
  }

  public upsertDomainMapping(dm: DomainMappingObject): void {
    this.domainMappings.set(`${dm.metadata?.namespace}/${dm.metadata?.name}`, dm);
    this.schedule();
  }

  public deleteDomainMapping(dm: DomainMappingObject): void {
    if (this.domainMappings.delete(`${dm.metadata?.namespace}/${dm.metadata?.name}`)) this.schedule();
  }

  /** Record a Revision's settings; a change rebuilds the table so the proxy picks them up. */
  public upsertRevision(revision: { metadata?: { namespace?: string; name?: string } }): void {
    const key = `${revision.metadata?.namespace}/${revision.metadata?.name}`;
    const info = revisionInfo(revision);
    if (sameInfo(this.revisions.get(key), info)) return;
    this.revisions.set(key, info);
    this.schedule();
  }

  public deleteRevision(revision: { metadata?: { namespace?: string; name?: string } }): void {
    this.revisions.delete(`${revision.metadata?.namespace}/${revision.metadata?.name}`);
  }

  /** The timeouts of a revision, if its Revision object has been seen. */
  public timeoutsFor(namespace: string, revision: string): RevisionTimeouts | undefined {
    const info = this.revisions.get(`${namespace}/${revision}`);
    if (info === undefined) return undefined;
    const out: { timeoutMs?: number; responseStartTimeoutMs?: number; idleTimeoutMs?: number } = {};
    if (info.timeoutMs !== undefined) out.timeoutMs = info.timeoutMs;
    if (info.responseStartTimeoutMs !== undefined) out.responseStartTimeoutMs = info.responseStartTimeoutMs;
    if (info.idleTimeoutMs !== undefined) out.idleTimeoutMs = info.idleTimeoutMs;
    return out;
  }

  /** Timeouts, containerConcurrency and probe of a revision, if its Revision object has been seen. */
  public revisionFor(namespace: string, revision: string): RevisionInfo | undefined {
    return this.revisions.get(`${namespace}/${revision}`);
  }

  /**
   * A serving ConfigMap changed (`data` undefined: deleted). Others are ignored. The whole set is
   * parsed again; if it is invalid the error is logged and the previous configuration is kept.
   */
  public setConfigMap(name: string, data: Record<string, string> | undefined): void {
    if (!SERVING_CONFIG_MAP_NAMES.includes(name)) return;
    if (data === undefined) this.configMaps.delete(name);
    else this.configMaps.set(name, data);
    const all: ConfigMapData = {};
    for (const n of SERVING_CONFIG_MAP_NAMES) all[n] = this.configMaps.get(n);
    try {
      this.config = parseServingConfig(all, this.clusterDomain);
    } catch (e) {
      this.opts.log?.('error', 'invalid configuration; keeping the previous one', { configMap: name, error: (e as Error)?.message ?? String(e) });
      return;
    }
    this.schedule();
  }

  /** Initial lists are complete: allow (and schedule) the first build. */
  public markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    this.schedule();
  }

  /** Build now (cancels a pending debounced build). */
  public flush(): RouteTable | undefined {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.synced) return undefined;
    const table = buildRouteTable([...this.routes.values()], this.config, { previous: this.last, domainMappings: [...this.domainMappings.values()] });
    this.last = table;
    this.builds++;
    for (const c of table.conflicts) this.opts.log?.('warn', 'host conflict', { conflict: c });
    for (const r of table.invalid) this.opts.log?.('warn', 'route not served: invalid hosts', { route: r });
    this.opts.log?.('debug', 'routing table built', { generation: table.generation, routes: table.routeCount, hosts: table.hosts.size });
    this.opts.onTable(table);
    return table;
  }

  public stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (!this.synced || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.flush();
      } catch (err) {
        this.opts.log?.('error', 'table build failed', { error: String(err) });
      }
    }, this.debounceMs);
  }
}

export interface KubeWatcherOptions {
  systemNamespace?: string;
  log?: LogFn;
  /** A revision's merged endpoints changed (`undefined`: its last EndpointSlice is gone). Without it, EndpointSlices are not watched. */
  onEndpoints?: (namespace: string, revision: string, pods: readonly PodEndpoint[] | undefined) => void;
  /** The ready `ip:port` addresses of the autoscaler Service changed. Without it, its EndpointSlices are not watched. */
  onAutoscalerEndpoints?: (addresses: string[]) => void;
  /** Port name of the autoscaler's stats port in its EndpointSlices; default `http-stats`. */
  autoscalerPortName?: string;
  /**
   * The ready ingress replicas' addresses (IPs, from the `serving-ingress` Service's
   * EndpointSlices in the system namespace) changed. Without it, those slices are not watched.
   */
  onIngressPeers?: (addresses: string[]) => void;
  /** Restart backoff after informer errors (ms); default 500 doubling to 30 000. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface KubeWatcher {
  stop(): Promise<void>;
}

type ListFn<T extends K8s.KubernetesObject> = () => Promise<K8s.KubernetesListObject<T>>;

/** Start Route + ConfigMap informers feeding `builder`. Resolves once both are started. */
export async function startKubeWatcher(
  k8s: typeof K8s, kc: K8s.KubeConfig, builder: TableBuilder, opts: KubeWatcherOptions = {},
): Promise<KubeWatcher> {
  const ns = opts.systemNamespace ?? DEFAULT_SYSTEM_NAMESPACE;
  const log = opts.log ?? (() => undefined);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let routesListed = false;
  let revisionsListed = false;
  let configListed = false;
  let domainMappingsListed = false;
  const maybeSynced = (): void => {
    if (routesListed && revisionsListed && configListed && domainMappingsListed) builder.markSynced();
  };

  const listRoutes: ListFn<K8s.KubernetesObject> = async () => {
    const list = await custom.listClusterCustomObject({ group: 'serving.knative.dev', version: 'v1', plural: 'routes' });
    routesListed = true;
    queueMicrotask(maybeSynced);
    return list as K8s.KubernetesListObject<K8s.KubernetesObject>;
  };
  const listRevisions: ListFn<K8s.KubernetesObject> = async () => {
    const list = await custom.listClusterCustomObject({ group: 'serving.knative.dev', version: 'v1', plural: 'revisions' });
    revisionsListed = true;
    queueMicrotask(maybeSynced);
    return list as K8s.KubernetesListObject<K8s.KubernetesObject>;
  };
  const listDomainMappings: ListFn<K8s.KubernetesObject> = async () => {
    const list = await custom.listClusterCustomObject({ group: 'serving.knative.dev', version: 'v1beta1', plural: 'domainmappings' });
    domainMappingsListed = true;
    queueMicrotask(maybeSynced);
    return list as K8s.KubernetesListObject<K8s.KubernetesObject>;
  };
  const listConfigMaps: ListFn<K8s.V1ConfigMap> = async () => {
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    configListed = true;
    queueMicrotask(maybeSynced);
    return list;
  };

  const routeInformer = k8s.makeInformer(kc, '/apis/serving.knative.dev/v1/routes', listRoutes);
  const revisionInformer = k8s.makeInformer(kc, '/apis/serving.knative.dev/v1/revisions', listRevisions);
  const cmInformer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/configmaps`, listConfigMaps);
  const dmInformer = k8s.makeInformer(kc, '/apis/serving.knative.dev/v1beta1/domainmappings', listDomainMappings);
  dmInformer.on('add', (o) => builder.upsertDomainMapping(o as unknown as DomainMappingObject));
  dmInformer.on('update', (o) => builder.upsertDomainMapping(o as unknown as DomainMappingObject));
  dmInformer.on('delete', (o) => builder.deleteDomainMapping(o as unknown as DomainMappingObject));

  routeInformer.on('add', (o) => builder.upsertRoute(o as unknown as RouteObject));
  routeInformer.on('update', (o) => builder.upsertRoute(o as unknown as RouteObject));
  routeInformer.on('delete', (o) => builder.deleteRoute(o as unknown as RouteObject));
  revisionInformer.on('add', (o) => builder.upsertRevision(o));
  revisionInformer.on('update', (o) => builder.upsertRevision(o));
  revisionInformer.on('delete', (o) => builder.deleteRevision(o));
  const onCm = (o: K8s.V1ConfigMap): void => builder.setConfigMap(o.metadata?.name ?? '', o.data ?? {});
  cmInformer.on('add', onCm);
  cmInformer.on('update', onCm);
  cmInformer.on('delete', (o) => builder.setConfigMap(o.metadata?.name ?? '', undefined));

  const informers: Array<[string, K8s.Informer<any>]> = [['routes', routeInformer], ['revisions', revisionInformer], ['configmaps', cmInformer]];
  informers.push(['domainmappings', dmInformer]);

  // The revisions' EndpointSlices (the data path).
  const onEndpoints = opts.onEndpoints;
  if (onEndpoints !== undefined) {
    const index = new RevisionEndpointsIndex();
    const push = (key: string | undefined): void => {
      if (key === undefined) return;
      const slash = key.indexOf('/');
      onEndpoints(key.slice(0, slash), key.slice(slash + 1), index.pods(key));
    };
    // Through the generic group/version/plural client (the same GET as DiscoveryV1Api's; the
    // runtime bundle ships a trimmed client, scripts/k8s-client-shim.mjs).
    const listSlices: ListFn<K8s.KubernetesObject> = async () =>
      (await custom.listClusterCustomObject({ group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', labelSelector: REVISION_LABEL })) as K8s.KubernetesListObject<K8s.KubernetesObject>;
    const sliceInformer = k8s.makeInformer(kc, '/apis/discovery.k8s.io/v1/endpointslices', listSlices, REVISION_LABEL);
    sliceInformer.on('add', (o) => push(index.upsert(o as EndpointSliceLike)));
    sliceInformer.on('update', (o) => push(index.upsert(o as EndpointSliceLike)));
    sliceInformer.on('delete', (o) => push(index.remove(o as EndpointSliceLike)));
    informers.push(['endpointslices', sliceInformer]);
  }

  // The ready endpoints of a Service in the system namespace, from its EndpointSlices.
  const watchService = (informerName: string, service: string, read: (slices: Iterable<EndpointSliceLike>) => string[],
    on: (a: string[]) => void): void => {
    const selector = `${SERVICE_NAME_LABEL}=${service}`;
    const slices = new Map<string, EndpointSliceLike>();
    let last = '';
    const changed = (): void => {
      const addrs = read(slices.values());
      const sig = addrs.join(',');
      if (sig === last) return;
      last = sig;
      on(addrs);
    };
    const list: ListFn<K8s.KubernetesObject> = async () =>
      (await custom.listNamespacedCustomObject({ group: 'discovery.k8s.io', version: 'v1', namespace: ns, plural: 'endpointslices', labelSelector: selector })) as K8s.KubernetesListObject<K8s.KubernetesObject>;
    const informer = k8s.makeInformer(kc, `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, list, selector);
    const upsert = (o: K8s.KubernetesObject): void => {
      slices.set(o.metadata?.name ?? '', o as EndpointSliceLike);
      changed();
    };
    informer.on('add', upsert);
    informer.on('update', upsert);
    informer.on('delete', (o) => {
      slices.delete(o.metadata?.name ?? '');
      changed();
    });
    informers.push([informerName, informer]);
  };
  // The autoscaler's EndpointSlices (where the stats go).
  const onAutoscaler = opts.onAutoscalerEndpoints;
  if (onAutoscaler !== undefined) {
    const portName = opts.autoscalerPortName ?? 'http-stats';
    watchService('autoscaler-endpointslices', AUTOSCALER_SERVICE_NAME, (slices) => readyAddresses(slices, portName), onAutoscaler);
  }
  // The ingress's own EndpointSlices: the ready replicas (owners of revisions with containerConcurrency > 0).
  const onPeers = opts.onIngressPeers;
  if (onPeers !== undefined) watchService('ingress-endpointslices', INGRESS_SERVICE_NAME, readyIps, onPeers);

  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const supervise = (name: string, inf: K8s.Informer<any>): void => {
    let backoff = opts.minBackoffMs ?? 500;
    const max = opts.maxBackoffMs ?? 30_000;
    inf.on('connect', () => undefined);
    inf.on('error', (err: unknown) => {
      if (stopped) return;
      log('warn', 'informer error; restarting', { informer: name, error: String((err as Error)?.message ?? err), backoffMs: backoff });
      const t = setTimeout(() => {
        timers.delete(t);
        if (!stopped) void inf.start().catch(() => undefined);
      }, backoff);
      timers.add(t);
      backoff = Math.min(max, backoff * 2);
    });
    // A successful event resets the backoff.
    inf.on('add', () => { backoff = opts.minBackoffMs ?? 500; });
    inf.on('update', () => { backoff = opts.minBackoffMs ?? 500; });
  };
  for (const [name, inf] of informers) supervise(name, inf);

  await Promise.all(informers.map(([, i]) => i.start().catch(() => undefined)));

  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      builder.stop();
      await Promise.all(informers.map(([, i]) => i.stop()));
    },
  };
}

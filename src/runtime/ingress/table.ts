/**
 * Pure construction of the ingress routing table from Route objects' status.
 *
 * The table is immutable once built (apart from each entry's balancer state, which only the
 * proxy advances). The proxy reads a single table reference per request, so swapping the whole
 * table is atomic: a request sees either the old or the new table, never a mix.
 *
 * Visibility (like Kourier's two gateways): the internal listener serves every host (`hosts`), the
 * external listener only the external ones (`externalHosts`). Cluster-local hosts are the short
 * forms of every traffic name, `status.address.url`, and status URLs in `svc.<clusterDomain>`
 * (`isClusterLocalHost` in core/hosts); both maps are built here, once per table.
 */
import { SmoothWeightedBalancer } from './balancer';
import { clusterLocalHostForms, isClusterLocalHost } from '../../core/hosts';
import type { Condition, RouteObject, WireTrafficTarget } from '../../core/types';

/** The subset of cluster configuration the ingress needs. */
export interface IngressConfig {
  /** `config-features: tag-header-based-routing == Enabled`. */
  readonly tagHeaderBasedRouting: boolean;
  /** `config-network: tag-template` (default `{{.Tag}}-{{.Name}}`). */
  readonly tagTemplate: string;
  /** Kubernetes cluster domain (default `cluster.local`). */
  readonly clusterDomain: string;
}

export const DEFAULT_TAG_TEMPLATE = '{{.Tag}}-{{.Name}}';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export function defaultIngressConfig(clusterDomain: string = DEFAULT_CLUSTER_DOMAIN): IngressConfig {
  return { tagHeaderBasedRouting: false, tagTemplate: DEFAULT_TAG_TEMPLATE, clusterDomain };
}

/** Parse the `config-features` and `config-network` ConfigMap data maps. Unknown values fall back to defaults. */
export function parseIngressConfig(
  features: Record<string, string> | undefined,
  network: Record<string, string> | undefined,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): IngressConfig {
  const flag = (features?.['tag-header-based-routing'] ?? '').trim().toLowerCase();
  const tpl = (network?.['tag-template'] ?? network?.tagTemplate ?? '').trim();
  return {
    tagHeaderBasedRouting: flag === 'enabled',
    tagTemplate: tpl || DEFAULT_TAG_TEMPLATE,
    clusterDomain: clusterDomain || DEFAULT_CLUSTER_DOMAIN,
  };
}

/** One backend target: a revision of a route. */
export interface Target {
  /** `<ns>/<route>/<revision>`: the metrics key. */
  readonly id: string;
  /** `<ns>/<revision>`: the backend key (one connection pool per revision Service). */
  readonly backendKey: string;
  readonly namespace: string;
  readonly route: string;
  readonly revision: string;
}

export type HostKind = 'main' | 'tag';

/** What a host (or a tag header on a main host) routes to. */
export interface RouteEntry {
  /** `<ns>/<route>` */
  readonly routeKey: string;
  readonly namespace: string;
  readonly route: string;
  readonly kind: HostKind;
  /** The tag for tag hosts. */
  readonly tag: string | undefined;
  readonly balancer: SmoothWeightedBalancer<Target>;
  /**
   * Tag header routing (`Knative-Serving-Tag: <tag>`) on a main host: tag → tag entry.
   * Undefined unless the feature is Enabled and the route has tags. The main entry in
   * `externalHosts` lists only the external tags: a cluster-local tag named in the header on the
   * external listener is treated like an unknown tag (the main split serves the request).
   */
  readonly tagEntries: ReadonlyMap<string, RouteEntry> | undefined;
  /** True for main entries when tag-header-based routing is Enabled (adds `Knative-Serving-Default-Route: true`). */
  readonly markDefaultRoute: boolean;
}

export interface RouteTable {
  readonly generation: number;
  readonly config: IngressConfig;
  /** Every host, lowercase without port → entry: what the internal (cluster-local) listener serves. */
  readonly hosts: ReadonlyMap<string, RouteEntry>;
  /** The external hosts only → entry: what the external listener serves. A subset of `hosts`' keys. */
  readonly externalHosts: ReadonlyMap<string, RouteEntry>;
  /** Every distinct target referenced by the table (for pre-warming backends and metrics). */
  readonly targets: readonly Target[];
  /** Number of routes served. */
  readonly routeCount: number;
  /** Hosts claimed by more than one route: `<host> claimed by <a> and <b>` (the first in namespace/name order wins). */
  readonly conflicts: readonly string[];
}

export interface BuildOptions {
  generation?: number;
  /** The previous table: balancers whose targets and weights are unchanged keep their running state. */
  previous?: RouteTable;
}

export function emptyRouteTable(config: IngressConfig = defaultIngressConfig(), generation = 0): RouteTable {
  return Object.freeze({ generation, config, hosts: new Map(), externalHosts: new Map(), targets: [], routeCount: 0, conflicts: [] });
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const h = new URL(url).hostname.toLowerCase();
    return h.endsWith('.') ? h.slice(0, -1) : h || undefined;
  } catch {
    return undefined;
  }
}

function isReady(conditions: Condition[] | undefined): boolean {
  return !!conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Whether the ingress serves this Route: Ready=True, or it already has resolved status.traffic. */
export function isServable(route: RouteObject): boolean {
  if (!route.metadata?.name || !route.metadata?.namespace) return false;
  return isReady(route.status?.conditions) || (route.status?.traffic?.length ?? 0) > 0;
}

function renderTagHost(tpl: string, tag: string, name: string): string {
  return tpl.replace(/\{\{\s*\.Tag\s*\}\}/g, tag).replace(/\{\{\s*\.Name\s*\}\}/g, name).toLowerCase();
}

const targetId = (t: Target): string => t.id;

/** Build the host → entry table. Pure: same input, same table (balancer state aside). */
export function buildRouteTable(routes: readonly RouteObject[], config: IngressConfig, opts: BuildOptions = {}): RouteTable {
  const generation = opts.generation ?? (opts.previous ? opts.previous.generation + 1 : 1);
  const prevBalancers = new Map<string, SmoothWeightedBalancer<Target>>();
  if (opts.previous) {
    for (const e of new Set(opts.previous.hosts.values())) {
      prevBalancers.set(`${e.routeKey}|${e.kind}|${e.tag ?? ''}`, e.balancer);
      if (e.tagEntries) for (const t of e.tagEntries.values()) prevBalancers.set(`${t.routeKey}|${t.kind}|${t.tag ?? ''}`, t.balancer);
    }
  }

  const targets = new Map<string, Target>();
  const targetFor = (ns: string, route: string, revision: string): Target => {
    const id = `${ns}/${route}/${revision}`;
    let t = targets.get(id);
    if (!t) {
      t = Object.freeze({ id, backendKey: `${ns}/${revision}`, namespace: ns, route, revision });
      targets.set(id, t);
    }
    return t;
  };

  const makeBalancer = (key: string, items: Target[], weights: number[]): SmoothWeightedBalancer<Target> => {
    const b = new SmoothWeightedBalancer(items, weights);
    const prev = prevBalancers.get(key);
    if (prev && prev.signature(targetId) === b.signature(targetId)) b.adoptStateFrom(prev);
    return b;
  };

  const cd = config.clusterDomain;
  const hosts = new Map<string, RouteEntry>();
  const externalHosts = new Map<string, RouteEntry>();
  const owner = new Map<string, string>();
  const conflicts: string[] = [];
  /** `external`: what the external listener serves for this host; undefined for a cluster-local host. */
  const claim = (host: string | undefined, entry: RouteEntry, external: RouteEntry | undefined): void => {
    if (!host) return;
    const prevOwner = owner.get(host);
    if (prevOwner !== undefined) {
      if (prevOwner !== entry.routeKey) conflicts.push(`${host} claimed by ${prevOwner} and ${entry.routeKey}`);
      return;
    }
    owner.set(host, entry.routeKey);
    hosts.set(host, entry);
    if (external !== undefined) externalHosts.set(host, external);
  };
  /** A status URL's host if it is external (served on both listeners), else undefined. */
  const externalHost = (host: string | undefined): string | undefined => (host !== undefined && !isClusterLocalHost(host, cd) ? host : undefined);

  const sorted = routes.filter(isServable).sort((a, b) => {
    const ka = `${a.metadata.namespace}/${a.metadata.name}`;
    const kb = `${b.metadata.namespace}/${b.metadata.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });

  let routeCount = 0;
  for (const route of sorted) {
    const ns = route.metadata.namespace as string;
    const name = route.metadata.name as string;
    const routeKey = `${ns}/${name}`;
    const traffic: WireTrafficTarget[] = route.status?.traffic ?? [];
    routeCount++;

    // Main split: entries with percent > 0, merged by revision, in status order.
    const mainTargets: Target[] = [];
    const mainWeights: number[] = [];
    const tagged = new Map<string, { items: Target[]; weights: number[] }>();
    for (const tt of traffic) {
      if (!tt.revisionName) continue;
      const pct = typeof tt.percent === 'number' && Number.isFinite(tt.percent) ? tt.percent : 0;
      const target = targetFor(ns, name, tt.revisionName);
      if (pct > 0) {
        const i = mainTargets.indexOf(target);
        if (i === -1) {
          mainTargets.push(target);
          mainWeights.push(pct);
        } else {
          mainWeights[i] += pct;
        }
      }
      if (tt.tag) {
        let g = tagged.get(tt.tag);
        if (!g) tagged.set(tt.tag, (g = { items: [], weights: [] }));
        const i = g.items.indexOf(target);
        if (i === -1) {
          g.items.push(target);
          g.weights.push(pct);
        } else {
          g.weights[i] += pct;
        }
      }
    }

    // Tag entries: a single target gets 100%; several (a rollout) split by percent.
    const tagEntries = new Map<string, RouteEntry>();
    const externalTagEntries = new Map<string, RouteEntry>();
    const tagHosts = new Map<string, string | undefined>();
    for (const tt of traffic) if (tt.tag && !tagHosts.has(tt.tag)) tagHosts.set(tt.tag, hostOf(tt.url));
    for (const [tag, g] of tagged) {
      let weights = g.weights;
      if (g.items.length === 1 || !weights.some((w) => w > 0)) weights = g.items.map((_, i) => (i === 0 ? 100 : 0));
      const entry: RouteEntry = Object.freeze({
        routeKey,
        namespace: ns,
        route: name,
        kind: 'tag' as const,
        tag,
        balancer: makeBalancer(`${routeKey}|tag|${tag}`, g.items, weights),
        tagEntries: undefined,
        markDefaultRoute: false,
      });
      tagEntries.set(tag, entry);
      if (externalHost(tagHosts.get(tag)) !== undefined) externalTagEntries.set(tag, entry);
    }

    const main: RouteEntry = Object.freeze({
      routeKey,
      namespace: ns,
      route: name,
      kind: 'main' as const,
      tag: undefined,
      balancer: makeBalancer(`${routeKey}|main|`, mainTargets, mainWeights),
      tagEntries: config.tagHeaderBasedRouting && tagEntries.size > 0 ? tagEntries : undefined,
      markDefaultRoute: config.tagHeaderBasedRouting,
    });
    // The same route on the external listener: same balancer, header routing to external tags only.
    const mainExternal: RouteEntry = main.tagEntries === undefined || externalTagEntries.size === tagEntries.size
      ? main
      : Object.freeze({ ...main, tagEntries: externalTagEntries.size > 0 ? externalTagEntries : undefined });

    const mainHost = hostOf(route.status?.url);
    claim(mainHost, main, externalHost(mainHost) !== undefined ? mainExternal : undefined);
    claim(hostOf(route.status?.address?.url), main, undefined);
    for (const h of clusterLocalHostForms(name, ns, cd)) claim(h, main, undefined);

    for (const tt of traffic) {
      if (!tt.tag) continue;
      const entry = tagEntries.get(tt.tag);
      if (!entry) continue;
      const tagHost = hostOf(tt.url);
      claim(tagHost, entry, externalHost(tagHost) !== undefined ? entry : undefined);
      for (const h of clusterLocalHostForms(renderTagHost(config.tagTemplate, tt.tag, name), ns, cd)) claim(h, entry, undefined);
    }
  }

  return Object.freeze({
    generation,
    config,
    hosts,
    externalHosts,
    targets: Object.freeze([...targets.values()]),
    routeCount,
    conflicts: Object.freeze(conflicts),
  });
}

/**
 * Find the entry for a Host header value in one of a table's host maps: exact match first (no
 * allocation for the common case), then lowercased without `:port` and trailing dot.
 */
export function findHost(hosts: ReadonlyMap<string, RouteEntry>, host: string | undefined): RouteEntry | undefined {
  if (!host) return undefined;
  const hit = hosts.get(host);
  if (hit !== undefined) return hit;
  let h = host;
  const colon = h.lastIndexOf(':');
  if (colon !== -1 && h.indexOf(']') < colon) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  h = h.toLowerCase();
  return h === host ? undefined : hosts.get(h);
}

/** `findHost` on the internal listener's hosts (every host), or on the external listener's with `external`. */
export function lookupHost(table: RouteTable, host: string | undefined, external = false): RouteEntry | undefined {
  return findHost(external ? table.externalHosts : table.hosts, host);
}

/** Resolve an entry and an optional `Knative-Serving-Tag` header value to the entry that serves the request. */
export function selectEntry(entry: RouteEntry, tagHeader: string | undefined): RouteEntry {
  if (tagHeader !== undefined && entry.tagEntries !== undefined) {
    const t = entry.tagEntries.get(tagHeader);
    if (t !== undefined) return t;
  }
  return entry;
}

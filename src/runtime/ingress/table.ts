/**
 * Pure construction of the ingress routing table from the Routes' routing contracts.
 *
 * The table is immutable once built (apart from each entry's balancer state, which only the
 * proxy advances). The proxy reads a single table reference per request, so swapping the whole
 * table is atomic: a request sees either the old or the new table, never a mix.
 *
 * Every host, split and tag-header rule comes from `routingFromStatus` (core/routing): the same
 * computation the controller publishes `status.url`, `status.address`, the tag URLs and the
 * placeholder Services from, with the same serving configuration (`parseServingConfig`).
 * Visibility (like Kourier's two gateways): the internal listener serves every rule's hosts
 * (`hosts`), the external listener only the external rules' hosts (`externalHosts`).
 */
import { SmoothWeightedBalancer } from './balancer';
import { ROUTE_CONDITIONS } from '../../core/conditions';
import { defaultServingConfig, ServingConfig } from '../../core/config';
import { DOMAIN_MAPPING_SERVICE_PORT, domainMappingDigest, domainMappingRule } from '../../core/domain-mapping';
import { RouteHostsError } from '../../core/hosts';
import { DEFAULT_TRAFFIC_NAME, RouteRouting, routingDigest, routingFromStatus, RoutingRule, WeightedTarget } from '../../core/routing';
import type { DomainMappingObject, RouteObject } from '../../core/types';

/**
 * One backend target: a revision of a route, or the Kubernetes Service a DomainMapping names
 * (`origin` set; `route` is then the domain and `revision` empty).
 */
export interface Target {
  /** `<ns>/<route>/<revision>`: the metrics key. */
  readonly id: string;
  /** `<ns>/<revision>` (or `<ns>/svc:<service>`): the backend key (one connection pool per revision, or per Service). */
  readonly backendKey: string;
  readonly namespace: string;
  readonly route: string;
  readonly revision: string;
  /**
   * A Kubernetes Service's address, `http://<name>.<ns>.svc.<cd>:80` (resolved by the cluster's
   * DNS; kube-proxy picks the pod): the Service a DomainMapping names, when no Route serves its
   * host. It is not autoscaled and has no containerConcurrency.
   * @default - a revision: its pods from its EndpointSlices
   */
  readonly origin?: string;
}

/** Prefix of a Kubernetes Service's backend key (`<ns>/svc:<name>`); revision names cannot contain ':'. */
export const SERVICE_BACKEND_PREFIX = 'svc:';

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
  /**
   * The `Host` sent upstream in place of the client's. A DomainMapping's host served by a Route
   * (the entry is a copy of the entry of the target's cluster-local host, Knative's KIngress
   * `rewriteHost`): the domain, which upstream's queue-proxy restores from `K-Original-Host`.
   * A DomainMapping to a Kubernetes Service: the Service's cluster-local host, as upstream's
   * gateway rewrites it (there is no queue-proxy to undo it).
   * @default - the client's
   */
  readonly hostOverride?: string;
  /**
   * `K-Original-Host` to send: the domain, on a DomainMapping's requests to a Kubernetes Service.
   * @default - none
   */
  readonly originalHost?: string;
}

/** Where the HTTPS listener finds a mapped host's certificate: a TLS Secret (`tls.crt`, `tls.key`). */
export interface TlsSecretRef {
  readonly namespace: string;
  readonly secretName: string;
}

export interface RouteTable {
  readonly generation: number;
  /** The serving configuration the table was built with. */
  readonly config: ServingConfig;
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
  /** Routes left out because their hosts cannot be computed with this configuration: `<ns>/<name>: <error>`. */
  readonly invalid: readonly string[];
  /** DomainMappings served (each one host, on both listeners). */
  readonly domainMappingCount: number;
  /** Mapped hosts whose DomainMapping names a TLS Secret → that Secret (served on the HTTPS listener by SNI). */
  readonly tlsHosts: ReadonlyMap<string, TlsSecretRef>;
  /**
   * `<ns>/<route>` → `routingDigest` of the routing served for it, for each Route whose every host
   * this table serves (a Route that lost a host to another is left out). What the admin server's
   * `/v1/routes/<ns>/<name>` answers the controller's IngressReady probe with.
   */
  readonly digests: ReadonlyMap<string, string>;
  /**
   * `<ns>/<domain>` → `domainMappingDigest` of the rule served for each DomainMapping this table
   * serves (one whose host stays a Route's, or whose target is not served, is left out): what
   * `/v1/domainmappings/<ns>/<name>` answers the probe with.
   */
  readonly domainMappingDigests: ReadonlyMap<string, string>;
}

export interface BuildOptions {
  generation?: number;
  /** The previous table: balancers whose targets and weights are unchanged keep their running state. */
  previous?: RouteTable;
  /** DomainMappings: each one whose `domainMappingRule` (core/domain-mapping) exists is served. */
  domainMappings?: readonly DomainMappingObject[];
}

export function emptyRouteTable(config: ServingConfig = defaultServingConfig(), generation = 0): RouteTable {
  return Object.freeze({
    generation,
    config,
    hosts: new Map(),
    externalHosts: new Map(),
    targets: [],
    routeCount: 0,
    conflicts: [],
    invalid: [],
    domainMappingCount: 0,
    tlsHosts: new Map(),
    digests: new Map(),
    domainMappingDigests: new Map(),
  });
}

/** Whether the ingress serves this Route: Ready=True, or it already has resolved status.traffic. */
export function isServable(route: RouteObject): boolean {
  if (!route.metadata?.name || !route.metadata?.namespace) return false;
  return ROUTE_CONDITIONS.isHappy({ conditions: route.status?.conditions }) || (route.status?.traffic?.length ?? 0) > 0;
}

const targetId = (t: Target): string => t.id;

/** Build the host → entry table. Pure: same input, same table (balancer state aside). */
export function buildRouteTable(routes: readonly RouteObject[], config: ServingConfig, opts: BuildOptions = {}): RouteTable {
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

  const makeBalancer = (key: string, routing: RouteRouting, splits: readonly WeightedTarget[]): SmoothWeightedBalancer<Target> => {
    const b = new SmoothWeightedBalancer(
      splits.map((sp) => targetFor(routing.namespace, routing.name, sp.revisionName)),
      splits.map((sp) => sp.percent),
    );
    const prev = prevBalancers.get(key);
    if (prev && prev.signature(targetId) === b.signature(targetId)) b.adoptStateFrom(prev);
    return b;
  };

  const hosts = new Map<string, RouteEntry>();
  const externalHosts = new Map<string, RouteEntry>();
  const owner = new Map<string, string>();
  const conflicts: string[] = [];
  const invalid: string[] = [];
  const digests = new Map<string, string>();
  /** Routes that lost a host to another Route. */
  const lostHost = new Set<string>();
  /** `external`: what the external listener serves for this host; undefined for a cluster-local host. */
  const claim = (host: string, entry: RouteEntry, external: RouteEntry | undefined): void => {
    const prevOwner = owner.get(host);
    if (prevOwner !== undefined) {
      if (prevOwner !== entry.routeKey) {
        conflicts.push(`${host} claimed by ${prevOwner} and ${entry.routeKey}`);
        lostHost.add(entry.routeKey);
      }
      return;
    }
    owner.set(host, entry.routeKey);
    hosts.set(host, entry);
    if (external !== undefined) externalHosts.set(host, external);
  };

  const sorted = routes.filter(isServable).sort((a, b) => {
    const ka = `${a.metadata.namespace}/${a.metadata.name}`;
    const kb = `${b.metadata.namespace}/${b.metadata.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });

  let routeCount = 0;
  for (const route of sorted) {
    const routeKey = `${route.metadata.namespace}/${route.metadata.name}`;
    let routing: RouteRouting;
    try {
      routing = routingFromStatus(route, config);
    } catch (e) {
      if (!(e instanceof RouteHostsError)) throw e;
      invalid.push(`${routeKey}: ${e.message}`);
      continue;
    }
    routeCount++;
    const ns = routing.namespace;
    const name = routing.name;

    // One entry per tag, shared by its host rules and the main rules' tag-header routes.
    const tagEntries = new Map<string, RouteEntry>();
    for (const rule of routing.rules) {
      if (rule.name === DEFAULT_TRAFFIC_NAME || tagEntries.has(rule.name)) continue;
      tagEntries.set(rule.name, Object.freeze({
        routeKey,
        namespace: ns,
        route: name,
        kind: 'tag' as const,
        tag: rule.name,
        balancer: makeBalancer(`${routeKey}|tag|${rule.name}`, routing, rule.splits),
        tagEntries: undefined,
        markDefaultRoute: false,
      }));
    }

    // The main split: one balancer; one entry per distinct set of tag-header routes (the
    // external rule may list fewer tags than the cluster-local one).
    const mainRules = routing.rules.filter((r) => r.name === DEFAULT_TRAFFIC_NAME);
    const mainBalancer = makeBalancer(`${routeKey}|main|`, routing, mainRules[0]?.splits ?? []);
    const mainEntries = new Map<string, RouteEntry>();
    const mainEntry = (rule: RoutingRule): RouteEntry => {
      const key = rule.tagHeaderRoutes.map((t) => t.tag).join(',');
      let e = mainEntries.get(key);
      if (e === undefined) {
        const byTag = new Map<string, RouteEntry>();
        for (const t of rule.tagHeaderRoutes) byTag.set(t.tag, tagEntries.get(t.tag)!);
        e = Object.freeze({
          routeKey,
          namespace: ns,
          route: name,
          kind: 'main' as const,
          tag: undefined,
          balancer: mainBalancer,
          tagEntries: byTag.size > 0 ? byTag : undefined,
          markDefaultRoute: rule.appendDefaultRouteHeader,
        });
        mainEntries.set(key, e);
      }
      return e;
    };

    for (const rule of routing.rules) {
      const entry = rule.name === DEFAULT_TRAFFIC_NAME ? mainEntry(rule) : tagEntries.get(rule.name)!;
      // Every host is served internally; an external rule's host also externally. The internal
      // listener uses the cluster-local main rule's entry (all tag-header routes).
      const internal = rule.name === DEFAULT_TRAFFIC_NAME ? mainEntry(mainRules[0]) : entry;
      for (const h of rule.hosts) claim(h, internal, rule.visibility === 'external' ? entry : undefined);
    }
    if (!lostHost.has(routeKey)) digests.set(routeKey, routingDigest(routing));
  }
  // DomainMappings (Knative's ExternalIP rule with rewriteHost): the mapped host serves what the
  // target's cluster-local host serves, on both listeners; a Kubernetes Service whose host no
  // Route serves gets the requests at its port 80. A host a Route already serves stays the
  // Route's; any other target this table does not serve leaves the domain unrouted (404).
  let domainMappingCount = 0;
  const domainMappingDigests = new Map<string, string>();
  const tlsHosts = new Map<string, TlsSecretRef>();
  const mappings = [...(opts.domainMappings ?? [])].sort((a, b) => {
    const ka = `${a.metadata.namespace}/${a.metadata.name}`;
    const kb = `${b.metadata.namespace}/${b.metadata.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  for (const dm of mappings) {
    const rule = domainMappingRule(dm, config);
    if (rule === undefined) continue;
    const dmKey = `DomainMapping ${rule.namespace}/${rule.name}`;
    const prevOwner = owner.get(rule.host);
    if (prevOwner !== undefined) {
      conflicts.push(`${rule.host} claimed by ${prevOwner} and ${dmKey}`);
      continue;
    }
    const target = hosts.get(rule.targetHost);
    let entry: RouteEntry;
    if (target !== undefined) {
      entry = Object.freeze({ ...target, hostOverride: rule.host });
    } else if (rule.kubernetesService !== undefined) {
      const t: Target = Object.freeze({
        id: `${rule.namespace}/${rule.host}/`,
        backendKey: `${rule.namespace}/${SERVICE_BACKEND_PREFIX}${rule.kubernetesService}`,
        namespace: rule.namespace,
        route: rule.host,
        revision: '',
        origin: `http://${rule.targetHost}:${DOMAIN_MAPPING_SERVICE_PORT}`,
      });
      targets.set(t.id, t);
      entry = Object.freeze({
        routeKey: dmKey,
        namespace: rule.namespace,
        route: rule.host,
        kind: 'main' as const,
        tag: undefined,
        balancer: new SmoothWeightedBalancer([t], [100]),
        tagEntries: undefined,
        markDefaultRoute: false,
        hostOverride: rule.targetHost,
        originalHost: rule.host,
      });
    } else {
      invalid.push(`${dmKey}: its target host ${rule.targetHost} is not served`);
      continue;
    }
    owner.set(rule.host, dmKey);
    hosts.set(rule.host, entry);
    externalHosts.set(rule.host, entry);
    if (rule.tlsSecretName !== undefined) tlsHosts.set(rule.host, { namespace: rule.namespace, secretName: rule.tlsSecretName });
    domainMappingCount++;
    domainMappingDigests.set(`${rule.namespace}/${rule.name}`, domainMappingDigest(rule));
  }

  return Object.freeze({
    generation,
    config,
    hosts,
    externalHosts,
    targets: Object.freeze([...targets.values()]),
    routeCount,
    domainMappingCount,
    tlsHosts,
    conflicts: Object.freeze(conflicts),
    invalid: Object.freeze(invalid),
    digests,
    domainMappingDigests,
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

/**
 * The routing contract (reference §9.1, §11): everything a Route publishes and everything the
 * ingress serves for it, computed by one function from the Route's metadata, its resolved
 * traffic (what the controller writes to `status.traffic`) and the serving configuration.
 *
 * Modelled on Knative's `pkg/reconciler/route/resources/ingress.go` (`MakeIngressSpec`): one
 * rule per traffic name (`""` for the Route's main split, then each tag) and visibility, with
 * the rule's hosts, its weighted splits and, for the main split, the tag-header paths. Knative
 * computes this once in the controller and hands it to the ingress as a KIngress; the bundled
 * runtime has no KIngress, so the controller (status URLs, placeholder Services) and the ingress
 * (host table) both call `routingContract` with the same inputs and get the same answer:
 *
 * - the controller: `resolveRouteTraffic` (core/traffic) with the tags whose placeholder Service
 *   carries the visibility label;
 * - the ingress: `routingFromStatus` with the Route object it watches. It does not watch
 *   Services; a tag is cluster-local for it when the controller published the tag's URL under
 *   `svc.<clusterDomain>` (`clusterLocalTagsFromStatus`), which the controller does exactly for
 *   cluster-local tags (§11.3).
 */
import { createHash } from 'node:crypto';
import { featureFlag, ServingConfig } from './config';
import {
  clusterLocalHostForms, isClusterLocalHost, normalizeHost, routeHosts, RouteHostsInput,
} from './hosts';
import { canonicalJson } from './names';
import { parseRollout, Rollout, ROLLOUT_STATE_ANNOTATION, tagRolloutSplit } from './rollout';
import type { RouteObject, WireTrafficTarget } from './types';

/** The traffic name of a Route's main split (Knative's `traffic.DefaultTarget`). */
export const DEFAULT_TRAFFIC_NAME = '';

/** `config-features` flag: `Knative-Serving-Tag` header routing on the main hosts. */
export const TAG_HEADER_BASED_ROUTING = 'tag-header-based-routing';

/** Which ingress listener serves a rule: the external one serves `external` rules only; the internal one serves every rule. */
export type RoutingVisibility = 'external' | 'cluster-local';

/** One weighted backend of a rule: a Revision and its share. */
export interface WeightedTarget {
  readonly revisionName: string;
  readonly percent: number;
}

/** A path of the main rule that matches `Knative-Serving-Tag: <tag>` and sends the request to the tag's split. */
export interface TagHeaderRoute {
  readonly tag: string;
  readonly splits: readonly WeightedTarget[];
}

/** One ingress rule: a traffic name at one visibility. */
export interface RoutingRule {
  /** `DEFAULT_TRAFFIC_NAME` for the main split, else the tag. */
  readonly name: string;
  readonly visibility: RoutingVisibility;
  /** The hosts, lower case without a trailing dot. */
  readonly hosts: readonly string[];
  /**
   * The main split: targets with percent > 0, merged by revision, in `status.traffic` order.
   * A tag: the tag's rollout while its `latestRevision` target is being rolled, else its own
   * targets merged by revision; a single target (or targets that are all at 0%) gets 100% on the
   * first.
   */
  readonly splits: readonly WeightedTarget[];
  /**
   * On the main rules when `tag-header-based-routing` is Enabled: one route per tag. The external
   * rule lists only the external tags (a cluster-local tag named in the header from outside is
   * treated like an unknown tag, so the main split serves it); Knative lists every tag on both.
   */
  readonly tagHeaderRoutes: readonly TagHeaderRoute[];
  /** Add `Knative-Serving-Default-Route: true` to requests the main rule serves (tag-header-based-routing Enabled). */
  readonly appendDefaultRouteHeader: boolean;
}

/** A placeholder Kubernetes Service the controller keeps for a traffic name (§7.3). */
export interface PlaceholderService {
  readonly name: string;
  /** The tag, for a tag's placeholder. */
  readonly tag?: string;
}

/** The routing contract of one Route. */
export interface RouteRouting {
  readonly namespace: string;
  readonly name: string;
  /** `status.url`. */
  readonly url: string;
  /** `status.address.url`. */
  readonly addressUrl: string;
  /** `status.traffic[].url` per tag. */
  readonly tagUrls: Readonly<Record<string, string>>;
  /** Whether the Route's main split is cluster-local. */
  readonly clusterLocal: boolean;
  /** `<route>` first, then one per tag. */
  readonly placeholderServices: readonly PlaceholderService[];
  /** Per traffic name (main first, then the tags in `status.traffic` order): the cluster-local rule, then the external rule unless the name is cluster-local. */
  readonly rules: readonly RoutingRule[];
}

/** The Route fields the contract reads. */
export interface RoutingInput extends RouteHostsInput {
  /** The resolved traffic (`status.traffic`); entries without a `revisionName` are ignored. */
  readonly traffic: readonly WireTrafficTarget[] | undefined;
  /**
   * The Route's gradual rollout state (core/rollout, published in `status.annotations`): a tag
   * whose `latestRevision` target is being rolled gets the tag rollout's split on its own host.
   * The main split needs no state: `status.traffic` shows it during a rollout.
   */
  readonly rollout?: Rollout;
}

export interface RoutingOptions {
  /** Tags whose placeholder Service carries the visibility label (§11.4); the controller knows them from its Service lister. */
  readonly clusterLocalTags?: Iterable<string>;
}

/** Distinct non-empty tags of a traffic list, in order. */
export function trafficTags(traffic: readonly WireTrafficTarget[] | undefined): string[] {
  const tags: string[] = [];
  for (const t of traffic ?? []) if (t.tag && !tags.includes(t.tag)) tags.push(t.tag);
  return tags;
}

/**
 * Tags the controller published as cluster-local: those whose `status.traffic[].url` host is
 * under `svc.<clusterDomain>` (`isClusterLocalHost`). How the ingress learns a tag's visibility
 * without watching the placeholder Services.
 */
export function clusterLocalTagsFromStatus(traffic: readonly WireTrafficTarget[] | undefined, clusterDomain: string): string[] {
  const out: string[] = [];
  for (const t of traffic ?? []) {
    if (!t.tag || out.includes(t.tag) || !t.url) continue;
    let host: string;
    try {
      host = new URL(t.url).hostname;
    } catch {
      continue;
    }
    if (isClusterLocalHost(host, clusterDomain)) out.push(t.tag);
  }
  return out;
}

const finitePercent = (p: number | undefined): number => (typeof p === 'number' && Number.isFinite(p) ? p : 0);

function addWeight(split: WeightedTarget[], revisionName: string, percent: number): void {
  const i = split.findIndex((s) => s.revisionName === revisionName);
  if (i === -1) split.push({ revisionName, percent });
  else split[i] = { revisionName, percent: split[i].percent + percent };
}

/**
 * The routing contract of a Route (see the module comment). Throws `RouteHostsError` when a
 * template fails or renders an invalid host (the controller reports it as
 * `AllTrafficAssigned=False ErrorConfig`).
 */
export function routingContract(route: RoutingInput, cfg: ServingConfig, opts: RoutingOptions = {}): RouteRouting {
  const traffic = (route.traffic ?? []).filter((t) => !!t.revisionName);
  const tags = trafficTags(traffic);
  const hosts = routeHosts(route, tags, cfg, opts.clusterLocalTags);
  const ns = route.namespace;
  const cd = cfg.clusterDomain;

  const mainSplit: WeightedTarget[] = [];
  const tagSplits = new Map<string, WeightedTarget[]>();
  for (const tt of traffic) {
    const pct = finitePercent(tt.percent);
    if (pct > 0) addWeight(mainSplit, tt.revisionName!, pct);
    if (tt.tag) {
      let g = tagSplits.get(tt.tag);
      if (!g) tagSplits.set(tt.tag, (g = []));
      addWeight(g, tt.revisionName!, pct);
    }
  }
  for (const [tag, g] of tagSplits) {
    const rolled = tagRolloutSplit(route.rollout, tag, g.map((s) => s.revisionName));
    if (rolled) {
      tagSplits.set(tag, rolled.map((r) => ({ revisionName: r.revisionName, percent: r.percent })));
    } else if (g.length === 1 || !g.some((s) => s.percent > 0)) {
      tagSplits.set(tag, g.map((s, i) => ({ revisionName: s.revisionName, percent: i === 0 ? 100 : 0 })));
    }
  }

  const headerRouting = featureFlag(cfg, TAG_HEADER_BASED_ROUTING) === 'Enabled';
  const tagRoutes = (external: boolean): TagHeaderRoute[] => (headerRouting
    ? tags.filter((t) => !external || !hosts.tags[t].clusterLocal).map((tag) => ({ tag, splits: tagSplits.get(tag)! }))
    : []);

  const rules: RoutingRule[] = [];
  const addRules = (name: string, hostName: string, external: string | undefined, splits: WeightedTarget[]): void => {
    const main = name === DEFAULT_TRAFFIC_NAME;
    const rule = (visibility: RoutingVisibility, ruleHosts: string[]): RoutingRule => ({
      name,
      visibility,
      hosts: ruleHosts.map(normalizeHost),
      splits,
      tagHeaderRoutes: main ? tagRoutes(visibility === 'external') : [],
      appendDefaultRouteHeader: main && headerRouting,
    });
    rules.push(rule('cluster-local', clusterLocalHostForms(hostName, ns, cd)));
    if (external !== undefined) rules.push(rule('external', [external]));
  };
  addRules(DEFAULT_TRAFFIC_NAME, route.name, hosts.clusterLocal ? undefined : hosts.host, mainSplit);
  const placeholderServices: PlaceholderService[] = [{ name: route.name }];
  const tagUrls: Record<string, string> = {};
  for (const tag of tags) {
    const th = hosts.tags[tag];
    tagUrls[tag] = th.url;
    addRules(tag, th.name, th.clusterLocal ? undefined : th.host, tagSplits.get(tag)!);
    // The Service is named by the first DNS label of the tag's host name (the whole name with
    // the default tag-template).
    placeholderServices.push({ name: th.clusterLocalHost.split('.')[0], tag });
  }

  return {
    namespace: ns,
    name: route.name,
    url: hosts.url,
    addressUrl: hosts.addressUrl,
    tagUrls,
    clusterLocal: hosts.clusterLocal,
    placeholderServices,
    rules,
  };
}

/**
 * The ingress's view: the contract of a Route object as the ingress watches it (metadata,
 * `status.traffic` and the rollout state in `status.annotations`), with the cluster-local tags
 * read from the published tag URLs (`clusterLocalTagsFromStatus`).
 */
export function routingFromStatus(route: RouteObject, cfg: ServingConfig): RouteRouting {
  const traffic = route.status?.traffic;
  return routingContract({
    name: route.metadata.name ?? '',
    namespace: route.metadata.namespace ?? 'default',
    labels: route.metadata.labels,
    annotations: route.metadata.annotations,
    traffic,
    // only tags read the state (tagRolloutSplit): a Route without one skips the parse
    rollout: traffic?.some((t) => t.tag) ? parseRollout(route.status?.annotations?.[ROLLOUT_STATE_ANNOTATION]) : undefined,
  }, cfg, { clusterLocalTags: clusterLocalTagsFromStatus(traffic, cfg.clusterDomain) });
}

/** The hosts a listener serves for a contract: `external` → the external rules' hosts; `internal` → every rule's hosts. */
export function listenerHosts(routing: RouteRouting, listener: 'external' | 'internal'): string[] {
  const out: string[] = [];
  for (const r of routing.rules) {
    if (listener === 'external' && r.visibility !== 'external') continue;
    for (const h of r.hosts) if (!out.includes(h)) out.push(h);
  }
  return out;
}

/**
 * A stable digest of what the ingress serves for a Route (upstream hashes the KIngress spec,
 * runtime.md §9.3): hex SHA-256 of the canonical JSON of the Route's namespace, name and rules
 * (hosts per visibility, splits, tag-header routes, the default-route header). URLs and
 * placeholder Services are not served, so they are not part of it. The controller computes it
 * from the status it writes, each ingress replica from the Route it has loaded (both through
 * `routingFromStatus`); equal digests mean the replica serves that status.
 */
export function routingDigest(routing: RouteRouting): string {
  return createHash('sha256').update(canonicalJson({
    namespace: routing.namespace,
    name: routing.name,
    rules: routing.rules.map((r) => ({
      name: r.name,
      visibility: r.visibility,
      hosts: r.hosts,
      splits: r.splits.map((s) => [s.revisionName, s.percent]),
      tagHeaderRoutes: r.tagHeaderRoutes.map((t) => ({ tag: t.tag, splits: t.splits.map((s) => [s.revisionName, s.percent]) })),
      appendDefaultRouteHeader: r.appendDefaultRouteHeader,
    })),
  }), 'utf8').digest('hex');
}

/** IngressReady reason while the data plane does not serve the Route yet (upstream's KIngress `LoadBalancerReady` Unknown). */
export const INGRESS_NOT_SERVED_REASON = 'Uninitialized';
/** Its message (upstream's), which `ingressServedVerdict` extends with what the probes found. */
export const INGRESS_NOT_SERVED_MESSAGE = 'Waiting for load balancer to be ready';

/** What one ingress replica answered when asked which version of a Route it serves. */
export interface IngressReplicaProbe {
  /** The replica (its admin address). */
  readonly replica: string;
  /**
   * The digest (`routingDigest`) of the Route in the table the replica serves.
   * @default - the Route is not in its table
   */
  readonly digest?: string;
  /**
   * Why the probe failed (no answer, bad status, unreadable body).
   * @default - it answered
   */
  readonly error?: string;
}

/** Whether every ingress replica serves a Route's current routing. */
export interface IngressServedVerdict {
  readonly served: boolean;
  /** IngressReady's message when not served. */
  readonly message: string;
}

/**
 * The decision (upstream's prober: ready once every gateway pod answers the current hash): served
 * only when at least one replica was probed and every probed replica serves `expected`. No
 * replica, a replica without the object, with another version of it, or a failed probe → not
 * served, the message saying which (replicas in address order, so it is stable across probes).
 * `subject` names what was probed in the message ('route', or 'domain mapping' for a
 * DomainMapping's `domainMappingDigest`).
 */
export function ingressServedVerdict(expected: string, probes: readonly IngressReplicaProbe[], subject: string = 'route'): IngressServedVerdict {
  if (probes.length === 0) return { served: false, message: `${INGRESS_NOT_SERVED_MESSAGE}: no ready ingress replica to probe.` };
  const behind: string[] = [];
  for (const p of [...probes].sort((a, b) => (a.replica < b.replica ? -1 : a.replica > b.replica ? 1 : 0))) {
    if (p.error !== undefined) behind.push(`${p.replica}: probe failed: ${p.error}`);
    else if (p.digest === undefined) behind.push(`${p.replica}: ${subject} not loaded`);
    else if (p.digest !== expected) behind.push(`${p.replica}: serves another version`);
  }
  if (behind.length === 0) return { served: true, message: '' };
  return {
    served: false,
    message: `${INGRESS_NOT_SERVED_MESSAGE}: ${probes.length - behind.length} of ${probes.length} ingress replicas serve the current routing (${behind.join('; ')}).`,
  };
}

/**
 * Delay before probing again after the `attempt`-th probe (1-based) found the Route (or
 * DomainMapping) not served:
 * 50 ms for the first four (the bundled ingress loads a change within its 50 ms debounce plus a
 * watch round trip, and the reconcile that follows a status write counts as a probe too), then
 * doubling up to 5 s (upstream's prober: first try after 200 ms, backoff 50 ms → 30 s).
 */
export function ingressProbeBackoffMs(attempt: number): number {
  const n = Math.max(1, Math.floor(attempt));
  return Math.min(5000, 50 * 2 ** Math.min(Math.max(0, n - 4), 10));
}

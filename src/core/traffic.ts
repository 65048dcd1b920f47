/**
 * Traffic resolution (reference §7.4) and Service → Route traffic helpers (§3.3, §3.5).
 */
import { ServingConfig } from './config';
import { RouteHosts, routeHosts, RouteHostsError } from './hosts';
import type { ConfigurationLookup } from './rollout';
import { RouteRouting, routingContract, trafficTags } from './routing';
import { Condition, KubeObject, RevisionObject, RouteObject, WireTrafficTarget } from './types';

export const CONFIGURATION_LABEL = 'serving.knative.dev/configuration';
export const SERVICE_LABEL = 'serving.knative.dev/service';

export interface TrafficLookup extends ConfigurationLookup {
  revision(name: string): RevisionObject | undefined;
}

export type TrafficResult =
  | { ok: true; traffic: WireTrafficTarget[] }
  | { ok: false; status: 'False' | 'Unknown'; reason: string; message: string };

export interface ResolveTrafficOptions {
  /**
   * [≥1.21] A Route labelled `serving.knative.dev/service=S` may only reference Revisions labelled
   * with the same service (`RevisionNotOwned`). Default true; set false for strict 1.17 behaviour.
   */
  crossServiceCheck?: boolean;
}

function readyCondition(obj: KubeObject | undefined): Condition | undefined {
  return (obj?.status?.conditions as Condition[] | undefined)?.find(c => c.type === 'Ready');
}

/** `observedGeneration == generation` ∧ Ready True. */
export function isReady(obj: KubeObject | undefined): boolean {
  if (!obj) return false;
  return (obj.metadata?.generation ?? 0) === (obj.status?.observedGeneration ?? 0) && readyCondition(obj)?.status === 'True';
}

/** `observedGeneration == generation` ∧ Ready False. */
export function isFailed(obj: KubeObject | undefined): boolean {
  if (!obj) return false;
  return (obj.metadata?.generation ?? 0) === (obj.status?.observedGeneration ?? 0) && readyCondition(obj)?.status === 'False';
}

export function isRevisionReady(rev: RevisionObject | undefined): boolean {
  return isReady(rev);
}

interface TargetError {
  failure: boolean;
  reason: string;
  message: string;
}

function revisionUnready(rev: RevisionObject): TargetError {
  const failed = readyCondition(rev)?.status === 'False';
  return failed
    ? { failure: true, reason: 'RevisionMissing', message: `Revision "${rev.metadata.name}" failed to become ready.` }
    : { failure: false, reason: 'RevisionMissing', message: `Revision "${rev.metadata.name}" is not yet ready.` };
}

const revisionMissing = (name: string): TargetError =>
  ({ failure: true, reason: 'RevisionMissing', message: `Revision "${name}" referenced in traffic not found.` });
const configurationMissing = (name: string): TargetError =>
  ({ failure: true, reason: 'ConfigurationMissing', message: `Configuration "${name}" referenced in traffic not found.` });

/**
 * Resolve a Route's `spec.traffic` into `status.traffic` (§7.4). Entries keep spec order; entries
 * with the same tag, revision and latestRevision are merged into the first (percents added).
 * Errors: the last failure (False) wins, else the first not-ready (Unknown) one.
 * Tag URLs come from `hosts.tags` (compute with `routeHosts`).
 */
export function resolveTraffic(route: RouteObject, lookup: TrafficLookup, hosts: RouteHosts, opts: ResolveTrafficOptions = {}): TrafficResult {
  const crossService = opts.crossServiceCheck ?? true;
  const routeService = route.metadata?.labels?.[SERVICE_LABEL];
  let deferred: TargetError | undefined;
  const out: WireTrafficTarget[] = [];

  const resolveEntry = (tt: WireTrafficTarget): string | TargetError => {
    if (tt.revisionName) {
      const rev = lookup.revision(tt.revisionName);
      if (!rev) return revisionMissing(tt.revisionName);
      if (!isReady(rev)) return revisionUnready(rev);
      const cfgName = rev.metadata?.labels?.[CONFIGURATION_LABEL];
      if (cfgName !== undefined && !lookup.configuration(cfgName)) return configurationMissing(cfgName);
      if (crossService && routeService) {
        const owner = rev.metadata?.labels?.[SERVICE_LABEL];
        if (owner !== routeService) {
          return {
            failure: true,
            reason: 'RevisionNotOwned',
            message: owner
              ? `Revision "${tt.revisionName}" belongs to Service "${owner}", not Service "${routeService}".`
              : `Revision "${tt.revisionName}" does not belong to Service "${routeService}".`,
          };
        }
      }
      return tt.revisionName;
    }
    if (tt.configurationName) {
      const cfg = lookup.configuration(tt.configurationName);
      if (!cfg) return configurationMissing(tt.configurationName);
      const latest = cfg.status?.latestReadyRevisionName;
      if (!latest) {
        const failed = readyCondition(cfg)?.status === 'False';
        return failed
          ? { failure: true, reason: 'RevisionMissing', message: `Configuration "${tt.configurationName}" does not have any ready Revision.` }
          : { failure: false, reason: 'RevisionMissing', message: `Configuration "${tt.configurationName}" is waiting for a Revision to become ready.` };
      }
      const rev = lookup.revision(latest);
      if (!rev) return revisionMissing(latest);
      if (!isReady(rev)) return revisionUnready(rev);
      return latest;
    }
    return { failure: false, reason: 'Unknown', message: 'traffic target has neither revisionName nor configurationName' };
  };

  for (const tt of route.spec?.traffic ?? []) {
    const r = resolveEntry(tt);
    if (typeof r !== 'string') {
      if (deferred === undefined || r.failure) deferred = r;
      continue;
    }
    const latestRevision = tt.latestRevision ?? !tt.revisionName;
    const tag = tt.tag || undefined;
    const percent = tt.percent ?? 0;
    const existing = out.find(o => (o.tag || undefined) === tag && o.revisionName === r && o.latestRevision === latestRevision);
    if (existing) {
      existing.percent = (existing.percent ?? 0) + percent;
      continue;
    }
    const entry: WireTrafficTarget = {};
    if (tag) entry.tag = tag;
    entry.revisionName = r;
    entry.latestRevision = latestRevision;
    entry.percent = percent;
    if (tag) {
      const th = hosts.tags[tag];
      if (!th) return { ok: false, status: 'Unknown', reason: 'Unknown', message: `no host computed for tag "${tag}"` };
      entry.url = th.url;
    }
    out.push(entry);
  }
  if (deferred) {
    return { ok: false, status: deferred.failure ? 'False' : 'Unknown', reason: deferred.reason, message: deferred.message };
  }
  return { ok: true, traffic: out };
}

/**
 * The controller's Route step: compute the hosts of the spec's tags with `routeHosts` (so
 * `status.url` is known even when traffic does not resolve), resolve the traffic, and on success
 * compute the routing contract (`routingContract`, core/routing) of the resolved traffic: the
 * status URLs and placeholder Services come from it, as the ingress's host table does.
 * Template/host errors become `False ErrorConfig`.
 */
export function resolveRouteTraffic(
  route: RouteObject,
  lookup: TrafficLookup,
  cfg: ServingConfig,
  opts: ResolveTrafficOptions & { clusterLocalTags?: Iterable<string> } = {},
): { hosts?: RouteHosts; routing?: RouteRouting; result: TrafficResult } {
  const input = {
    name: route.metadata.name ?? '',
    namespace: route.metadata.namespace ?? 'default',
    labels: route.metadata.labels,
    annotations: route.metadata.annotations,
  };
  const clusterLocalTags = [...(opts.clusterLocalTags ?? [])];
  let hosts: RouteHosts;
  try {
    hosts = routeHosts(input, trafficTags(route.spec?.traffic), cfg, clusterLocalTags);
  } catch (e) {
    if (e instanceof RouteHostsError) return { result: { ok: false, status: 'False', reason: 'ErrorConfig', message: e.message } };
    throw e;
  }
  const result = resolveTraffic(route, lookup, hosts, opts);
  if (!result.ok) return { hosts, result };
  return { hosts, routing: routingContract({ ...input, traffic: result.traffic }, cfg, { clusterLocalTags }), result };
}

/**
 * Service `spec.traffic` → Route `spec.traffic` (§3.3): empty/absent → `[{percent: 100,
 * latestRevision: true}]`; every entry without `revisionName` gets `configurationName: <svc>`.
 */
export function serviceRouteTraffic(serviceName: string, traffic: WireTrafficTarget[] | undefined): WireTrafficTarget[] {
  const src = traffic && traffic.length > 0 ? traffic : [{ latestRevision: true, percent: 100 }];
  return src.map(tt => {
    const out: WireTrafficTarget = {};
    if (tt.tag !== undefined) out.tag = tt.tag;
    if (tt.revisionName) out.revisionName = tt.revisionName;
    if (!tt.revisionName) out.configurationName = serviceName;
    else if (tt.configurationName) out.configurationName = tt.configurationName;
    if (tt.latestRevision !== undefined) out.latestRevision = tt.latestRevision;
    if (tt.percent !== undefined) out.percent = tt.percent;
    if (tt.url !== undefined) out.url = tt.url;
    return out;
  });
}

/**
 * §3.5 step 6: the Route `spec.traffic` with every entry whose `configurationName` is the
 * Service's Configuration replaced by `revisionName = latestReadyRevisionName`
 * (configurationName cleared).
 */
export function expectedMigratedTraffic(
  routeSpecTraffic: WireTrafficTarget[] | undefined,
  configurationName: string,
  latestReadyRevisionName: string | undefined,
): WireTrafficTarget[] {
  return (routeSpecTraffic ?? []).map(tt => {
    const out: WireTrafficTarget = { ...tt };
    if (tt.configurationName === configurationName) {
      out.revisionName = latestReadyRevisionName ?? '';
      delete out.configurationName;
    }
    return out;
  });
}

/**
 * Compare expected (from `expectedMigratedTraffic`) with Route `status.traffic`, ignoring `url`
 * and `latestRevision`: same length, and per position equal tag, revisionName,
 * configurationName and percent. False → Service `RoutesReady=Unknown TrafficNotMigrated`.
 */
export function isTrafficMigrated(expected: WireTrafficTarget[], statusTraffic: WireTrafficTarget[] | undefined): boolean {
  const got = statusTraffic ?? [];
  if (got.length !== expected.length) return false;
  return expected.every((w, i) => {
    const g = got[i];
    return (w.tag ?? '') === (g.tag ?? '') && (w.revisionName ?? '') === (g.revisionName ?? '') &&
      (w.configurationName ?? '') === (g.configurationName ?? '') && w.percent === g.percent;
  });
}

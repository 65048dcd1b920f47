/**
 * An ingress stand-in for the controller's IngressReady probe where no ingress runs (controller
 * tests on the API emulator, local mode, bench:controller): one replica that serves each Route
 * and DomainMapping as the bundled ingress would build it from the objects `get` returns (the
 * API's stored objects, or an informer's copies), with no loading delay. Same inclusion rule
 * (`isServable`), digests (`routingDigest` of `routingFromStatus`, `domainMappingDigest`) and
 * table code (`buildRouteTable`, for a DomainMapping with the Route its target host names) as
 * ingress/table.ts. It does not see host conflicts between Routes.
 */
import type { ServingConfig } from '../../src/core/config';
import { IngressReplicaProbe, routingDigest, routingFromStatus } from '../../src/core/routing';
import type { DomainMappingObject, RouteObject } from '../../src/core/types';
import type { IngressProbeKind, IngressProber } from '../../src/runtime/controller/ingress-probe';
import { buildRouteTable, isServable } from '../../src/runtime/ingress/table';

export const STAND_IN_REPLICA = 'ingress-stand-in';

export interface StandInObjects {
  route(namespace: string, name: string): RouteObject | undefined;
  /** Default: no DomainMapping is served. */
  domainMapping?(namespace: string, name: string): DomainMappingObject | undefined;
}

/** `get`: the objects the stand-in serves (or just a Route getter). */
export function ingressStandIn(
  get: StandInObjects | ((namespace: string, name: string) => RouteObject | undefined), config: () => ServingConfig): IngressProber {
  const objects: StandInObjects = typeof get === 'function' ? { route: get } : get;
  const servedRoute = (ns: string, name: string): RouteObject | undefined => {
    const r = objects.route(ns, name);
    return r && isServable(r) ? r : undefined;
  };
  const digestOf = (kind: IngressProbeKind, ns: string, name: string): string | undefined => {
    if (kind === 'Route') {
      const route = servedRoute(ns, name);
      return route && routingDigest(routingFromStatus(route, config()));
    }
    const dm = objects.domainMapping?.(ns, name);
    if (!dm) return undefined;
    // The target host `<ref.name>.<ns>.svc.<cd>` is served by the Route of that name (a KService's Route shares its name).
    const target = dm.spec?.ref?.name ? servedRoute(ns, dm.spec.ref.name) : undefined;
    return buildRouteTable(target ? [target] : [], config(), { domainMappings: [dm] }).domainMappingDigests.get(`${ns}/${name}`);
  };
  return {
    async probe(kind: IngressProbeKind, namespace: string, name: string): Promise<IngressReplicaProbe[]> {
      try {
        const digest = digestOf(kind, namespace, name);
        return [digest === undefined ? { replica: STAND_IN_REPLICA } : { replica: STAND_IN_REPLICA, digest }];
      } catch {
        return [{ replica: STAND_IN_REPLICA }];
      }
    },
  };
}

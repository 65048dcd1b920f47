/**
 * An ingress stand-in for the controller's IngressReady probe where no ingress runs (controller
 * tests on the API emulator, local mode, bench:controller): one replica that serves each Route as
 * the bundled ingress would build it from the Route object `getRoute` returns (the API's stored
 * object, or an informer's copy), with no loading delay. Same inclusion rule (`isServable`) and
 * digest (`routingDigest` of `routingFromStatus`) as ingress/table.ts.
 */
import type { ServingConfig } from '../../src/core/config';
import { IngressReplicaProbe, routingDigest, routingFromStatus } from '../../src/core/routing';
import type { RouteObject } from '../../src/core/types';
import type { IngressProber } from '../../src/runtime/controller/ingress-probe';
import { isServable } from '../../src/runtime/ingress/table';

export const STAND_IN_REPLICA = 'ingress-stand-in';

export function ingressStandIn(getRoute: (namespace: string, name: string) => RouteObject | undefined, config: () => ServingConfig): IngressProber {
  return {
    async probe(namespace: string, name: string): Promise<IngressReplicaProbe[]> {
      const route = getRoute(namespace, name);
      if (!route || !isServable(route)) return [{ replica: STAND_IN_REPLICA }];
      try {
        return [{ replica: STAND_IN_REPLICA, digest: routingDigest(routingFromStatus(route, config())) }];
      } catch {
        return [{ replica: STAND_IN_REPLICA }];
      }
    },
  };
}

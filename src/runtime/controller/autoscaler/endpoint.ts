/**
 * Wiring of the stats endpoint to a Controller: batches go to its autoscaler (receipt time from
 * the controller's clock), outcomes to its /metrics, tokens to TokenReview through its client.
 * Used by main.ts and the tests.
 */
import { StatsAuthenticator } from './auth';
import { StatsServer } from './stats-server';
import { AUTOSCALER_TOKEN_AUDIENCE, INGRESS_SERVICE_NAME } from '../../../core/runtime-contract';
import type { Controller } from '../controller';

export interface StatsEndpointOptions {
  /** `none`: no authentication (tests only); `tokenreview` (default): the ingress ServiceAccount's token, checked by TokenReview. */
  auth?: 'none' | 'tokenreview' | StatsAuthenticator;
  /** ServiceAccount (in the system namespace) allowed to send stats. Default `serving-ingress`, the ingress component's. */
  ingressServiceAccount?: string;
}

/** The user name an API server gives a ServiceAccount's tokens. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

export function createStatsEndpoint(controller: Controller, opts: StatsEndpointOptions = {}): StatsServer {
  let auth: StatsAuthenticator | undefined;
  if (opts.auth instanceof StatsAuthenticator) {
    auth = opts.auth;
  } else if (opts.auth !== 'none') {
    auth = new StatsAuthenticator({
      review: (token, audiences) => controller.client.tokenReview(token, audiences),
      allowedUser: serviceAccountUser(controller.systemNamespace, opts.ingressServiceAccount || INGRESS_SERVICE_NAME),
      audience: AUTOSCALER_TOKEN_AUDIENCE,
    });
  }
  const lastLogged = new Map<string, number>();
  return new StatsServer({
    auth,
    now: () => controller.clock.now().getTime(),
    onBatch: (batch, at) => {
      controller.autoscaler.record(batch, at).catch((e) => controller.log.warn('autoscaler poke failed', { error: e }));
    },
    onResult: (result, _stats, message) => {
      controller.metrics.statBatches.inc({ result });
      // Rejected senders are logged once a minute per status code (the metric counts them all):
      // a stream of 503s means the controller cannot create TokenReviews (RBAC, API server down),
      // and then no stats reach the deciders.
      if (result === 'accepted' || result === '404' || result === '405') return;
      const now = Date.now();
      if ((lastLogged.get(result) ?? -Infinity) + 60_000 > now) return;
      lastLogged.set(result, now);
      controller.log.warn('autoscaler stats rejected', { status: Number(result), reason: message });
    },
  });
}

/**
 * Seed 002, traffic gray release of the `stock-service-example` rest-api.
 *
 * 1. `v1`: the first revision, named `stock-service-example-v1`, gets 100% (default traffic).
 * 2. `v2-50-50`: a new revision `-v2` (RESOURCE=v2) and a 50/50 split between the tagged `v1`
 *    and `v2` revisions, plus the latest ready revision at 0% under tag `latest`.
 * 3. `v3-latest-only`: `-v3` is created but the split is unchanged, so it is reachable only at
 *    the `latest` tag URL (verify it before it gets traffic).
 * 4. `v3-40-30-30`: v1 40%, v2 30%, v3 30%.
 *
 *   STEP=v2-50-50 npx ts-node --project tsconfig.dev.json examples/stock-service-gray-release/main.ts
 */
import { App, Chart, Duration } from 'cdk8s';
import { EnvValue } from 'cdk8s-plus-28';
import { KnativeProbe, KnService, RevisionName, TrafficSplit } from '../../src';
import { Example, runExample } from '../example';

type Version = 'v1' | 'v2' | 'v3';

function stockService(app: App, version: Version, traffic?: (svc: KnService) => TrafficSplit): void {
  const chart = new Chart(app, 'stock-service-gray-release', { namespace: 'default' });
  const svc = new KnService(chart, 'StockService', {
    metadata: { name: 'stock-service-example' },
    revisionName: RevisionName.of(version),
    containers: [{
      image: 'registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1',
      envVariables: { RESOURCE: EnvValue.fromValue(version) },
      readiness: KnativeProbe.fromHttpGet('/', {
        initialDelaySeconds: Duration.seconds(0),
        periodSeconds: Duration.seconds(3),
      }),
    }],
  });
  if (traffic) svc.replaceTraffic(traffic(svc));
}

/** v1 and v2 50/50 (tags v1, v2) and the latest ready revision at 0% (tag latest). */
const fiftyFifty = (svc: KnService): TrafficSplit => TrafficSplit.create()
  .toRevision(svc.revision('v1'), 50, { tag: 'v1' })
  .toRevision(svc.revision('v2'), 50, { tag: 'v2' })
  .toLatest(0, { tag: 'latest' });

export const example: Example = {
  name: 'stock-service-gray-release',
  title: 'Traffic gray release of stock-service-example (v1 → v2 50/50 → v3 40/30/30)',
  scenario: 'seed 002: BYO revision names, tagged 50/50 split, pre-verify v3 via the latest tag, then 40/30/30',
  steps: [
    {
      name: 'v1',
      description: 'stock-service-example-v1 (RESOURCE=v1, readiness GET / every 3s), 100% to the latest revision',
      build: (app) => stockService(app, 'v1'),
    },
    {
      name: 'v2-50-50',
      description: 'stock-service-example-v2; v1/v2 50/50 under tags v1, v2; latest tag at 0%',
      build: (app) => stockService(app, 'v2', fiftyFifty),
    },
    {
      name: 'v3-latest-only',
      description: 'stock-service-example-v3 created; split unchanged, v3 reachable only via the latest tag',
      build: (app) => stockService(app, 'v3', fiftyFifty),
    },
    {
      name: 'v3-40-30-30',
      description: 'v1 40%, v2 30%, v3 30% (tags v1, v2, v3); latest tag at 0%',
      build: (app) => stockService(app, 'v3', (svc) => TrafficSplit.create()
        .toRevision(svc.revision('v1'), 40, { tag: 'v1' })
        .toRevision(svc.revision('v2'), 30, { tag: 'v2' })
        .toRevision(svc.currentRevision!, 30, { tag: 'v3' })
        .toLatest(0, { tag: 'latest' })),
    },
  ],
};

if (require.main === module) {
  runExample(example);
}

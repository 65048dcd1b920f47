/**
 * Full stack: the bundled control plane plus an application, in one chart.
 *
 * - `ServingControlPlane`: CRDs, the `knative-serving` namespace, RBAC, the controller and the
 *   ingress (2 replicas each, 90m CPU / 128Mi requested in total), and the cluster
 *   configuration: external domain `example.com` and tag-header routing enabled.
 * - The final step of seed scenario "stock-service gray release": `stock-service-example` with
 *   the BYO revision `stock-service-example-v3` and traffic 40 / 30 / 30 over v1 / v2 / v3, plus a
 *   `latest` tag with 0%.
 *
 * Apply order does not matter for `kubectl apply --server-side` once the CRDs are established;
 * with plain `kubectl apply`, apply twice (or the CRDs first).
 *
 *   npx ts-node --project tsconfig.dev.json examples/full-stack/main.ts
 */
import { App, Chart, Duration } from 'cdk8s';
import { EnvValue, Probe } from 'cdk8s-plus-28';
import { FeatureFlagState, IngressServiceType, KnService, RevisionName, ServingControlPlane, TrafficTarget } from '../../src';
import { Example, runExample } from '../example';

const SERVICE = 'stock-service-example';

export const example: Example = {
  name: 'full-stack',
  title: 'Bundled control plane + stock-service gray release (final step)',
  scenario: 'seed 002 (stock-service gray release), last step: v1 40% / v2 30% / v3 30%, tag latest 0%, on the bundled runtime',
  steps: [
    {
      name: 'install-and-release',
      description: 'install the bundled control plane and run stock-service-example at v1 40% / v2 30% / v3 30%',
      build(app: App): void {
        const chart = new Chart(app, 'full-stack');

        new ServingControlPlane(chart, 'Serving', {
          defaultDomain: 'example.com',
          features: { tagHeaderBasedRouting: FeatureFlagState.ENABLED },
          ingress: { serviceType: IngressServiceType.LOAD_BALANCER },
        });

        const svc = new KnService(chart, 'StockService', {
          metadata: { name: SERVICE, namespace: 'default' },
          revisionName: RevisionName.of('v3'),
          containers: [{
            image: 'registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1',
            envVariables: { RESOURCE: EnvValue.fromValue('v3') },
            readiness: Probe.fromHttpGet('/', { initialDelaySeconds: Duration.seconds(0), periodSeconds: Duration.seconds(3) }),
          }],
        });
        // v1 and v2 were created by the earlier steps of the scenario; v3 is this template.
        svc.addTraffic(TrafficTarget.revision(svc.revision('v1')), 40, { tag: 'v1' });
        svc.addTraffic(TrafficTarget.revision(svc.revision('v2')), 30, { tag: 'v2' });
        svc.addTraffic(TrafficTarget.revision(svc.revision('v3')), 30, { tag: 'v3' });
        svc.addTraffic(TrafficTarget.latestRevision(), 0, { tag: 'latest' });
      },
    },
  ],
};

if (require.main === module) {
  runExample(example);
}

/**
 * Full stack: the bundled control plane plus an application, converging on a fresh cluster.
 *
 * - `ServingControlPlane` (chart `full-stack`): CRDs, the `knative-serving` namespace, RBAC, the
 *   controller, the ingress and the admission webhook (2 replicas each, 130m CPU / 192Mi
 *   requested in total), and the
 *   cluster configuration: external domain `example.com` and tag-header routing enabled.
 * - The application (chart `stock-service-gray-release`): seed scenario "stock-service gray
 *   release", every step of it, so the revisions that the final 40 / 30 / 30 split names
 *   (`stock-service-example-v1`, `-v2`, `-v3`) are created by the steps before it. Each step is
 *   what a GitOps repository would hold at that point: the control plane and the application.
 *
 * Apply order within a step does not matter for `kubectl apply --server-side` once the CRDs are
 * established and the admission webhook is ready (its configurations fail closed); on a fresh
 * cluster apply the first step, wait for both (`kubectl wait --for=condition=Established crd --all`,
 * `kubectl -n knative-serving rollout status deployment/serving-webhook`), and apply it again.
 *
 *   npm run synth && npm run local -- dist/manifests/full-stack
 *   STEP=v3-40-30-30 npx ts-node --project tsconfig.dev.json examples/full-stack/main.ts
 */
import { App, Chart } from 'cdk8s';
import { FeatureFlagState, IngressServiceType, ServingControlPlane } from '../../src';
import { Example, runExample } from '../example';
import { example as grayRelease } from '../stock-service-gray-release/main';

/** The bundled runtime, configured for the application's URLs. */
function controlPlane(app: App): void {
  new ServingControlPlane(new Chart(app, 'full-stack'), 'Serving', {
    defaultDomain: 'example.com',
    features: { tagHeaderBasedRouting: FeatureFlagState.ENABLED },
    ingress: { serviceType: IngressServiceType.LOAD_BALANCER },
  });
}

export const example: Example = {
  name: 'full-stack',
  title: 'Bundled control plane + stock-service gray release (v1 → v2 50/50 → v3 40/30/30)',
  scenario: 'seed 002 (stock-service gray release), every step, on the bundled runtime installed by the same app',
  steps: grayRelease.steps.map((step, i) => ({
    name: step.name,
    description: `${i === 0 ? 'install the bundled control plane; ' : 'control plane unchanged; '}${step.description}`,
    build(app: App): void {
      controlPlane(app);
      step.build(app);
    },
  })),
};

if (require.main === module) {
  runExample(example);
}

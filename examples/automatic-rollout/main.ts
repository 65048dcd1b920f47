/**
 * Seed scenario 1, "Automatic rollout of a new Revision to existing Service".
 *
 * Step 1 deploys `my-service`; step 2 changes only the container image. Knative creates a new
 * Revision (generated name) and, because the traffic block follows the latest ready revision,
 * shifts 100% of the traffic to it once it is Ready.
 *
 *   STEP=v1 npx ts-node --project tsconfig.dev.json examples/automatic-rollout/main.ts
 *   STEP=v2-new-image npx ts-node --project tsconfig.dev.json examples/automatic-rollout/main.ts
 */
import { App, Chart } from 'cdk8s';
import { EnvValue } from 'cdk8s-plus-28';
import { KnService, TrafficSplit } from '../../src';
import { Example, runExample } from '../example';

/** The Service as the user writes it; only the image differs between the steps. */
function myService(app: App, image: string): void {
  const chart = new Chart(app, 'automatic-rollout', { namespace: 'default' });
  new KnService(chart, 'MyService', {
    metadata: { name: 'my-service' },
    image,
    envVariables: {
      FOO: EnvValue.fromValue('bar'),
      HELLO: EnvValue.fromValue('world'),
    },
    // Knative's default, spelled out: 100% to the latest ready revision.
    traffic: TrafficSplit.latest(),
  });
}

export const example: Example = {
  name: 'automatic-rollout',
  title: 'Automatic rollout of a new Revision to an existing Service',
  scenario: 'seed 000 §1: PATCH the image; a new revision is created and rolled out to 100% automatically',
  steps: [
    {
      name: 'v1',
      description: 'my-service with image :v1, 100% to the latest ready revision',
      build: (app) => myService(app, 'gcr.io/knative-samples/helloworld-go:v1'),
    },
    {
      name: 'v2-new-image',
      description: 'only the image changes (:v2); the new revision takes 100% once Ready',
      build: (app) => myService(app, 'gcr.io/knative-samples/helloworld-go:v2'),
    },
  ],
};

if (require.main === module) {
  runExample(example);
}

/**
 * Seed scenario 2, "Creating a new Service": the first deployment of `my-service`.
 *
 * Knative creates a Configuration and a Route named `my-service`; the Configuration stamps out
 * the first Revision and the Route sends it 100% of the traffic (the Service's default
 * `latestRevision: true` traffic block, rendered explicitly).
 *
 *   npx ts-node --project tsconfig.dev.json examples/first-service/main.ts
 */
import { App, Chart } from 'cdk8s';
import { EnvValue } from 'cdk8s-plus-28';
import { KnService } from '../../src';
import { Example, runExample } from '../example';

export const example: Example = {
  name: 'first-service',
  title: 'Creating a new Service',
  scenario: 'seed 000 §2: create my-service (env FOO=bar, HELLO=world), 100% to its first revision',
  steps: [
    {
      name: 'create',
      description: 'create my-service; Knative names the first revision and routes 100% to it',
      build(app: App): void {
        const chart = new Chart(app, 'first-service', { namespace: 'default' });
        new KnService(chart, 'MyService', {
          metadata: { name: 'my-service' },
          image: 'gcr.io/knative-samples/helloworld-go',
          envVariables: {
            FOO: EnvValue.fromValue('bar'),
            HELLO: EnvValue.fromValue('world'),
          },
        });
      },
    },
  ],
};

if (require.main === module) {
  runExample(example);
}

/**
 * Seed 001 §5, "Deploy a Function".
 *
 * A function is deployed like an app: as a container answering HTTP. What makes it a function
 * here is its revision settings: `containerConcurrency: 1` (the seed's `concurrencyModel:
 * SingleThreaded`, one request at a time per replica), a 20 s request timeout, and a type label
 * on the revision template so CLIs/UIs can list revisions by type (no behavioural effect).
 *
 * As in the seed, a Configuration (`my-function`) stamps out the revisions; a Route of the same
 * name sends 100% of the traffic to its latest ready revision (what a Knative Service would
 * create for you).
 *
 *   npx ts-node --project tsconfig.dev.json examples/function/main.ts
 */
import { App, Chart, Duration } from 'cdk8s';
import { EnvValue } from 'cdk8s-plus-28';
import { Configuration, Route, TrafficSplit, TrafficTarget } from '../../src';
import { Example, runExample } from '../example';

/** Revision label marking revisions as functions (the seed's `elafros.dev/type: function`). */
export const FUNCTION_TYPE_LABEL = 'functions.knative.dev/type';

export const example: Example = {
  name: 'function',
  title: 'Deploy a Function',
  scenario: 'seed 001 §5: my-function with containerConcurrency 1 (SingleThreaded), timeoutSeconds 20, type label function',
  steps: [
    {
      name: 'deploy',
      description: 'Configuration my-function (single-threaded, 20 s timeout) and a Route following its latest revision',
      build(app: App): void {
        const chart = new Chart(app, 'function', { namespace: 'default' });
        const fn = new Configuration(chart, 'MyFunction', {
          metadata: { name: 'my-function' },
          // The image the function build produces (the seed's build.template.arguments[_IMAGE]).
          image: 'gcr.io/knative-samples/my-function',
          envVariables: {
            FOO: EnvValue.fromValue('bar'),
            HELLO: EnvValue.fromValue('world'),
          },
          revisionLabels: { [FUNCTION_TYPE_LABEL]: 'function' },
          // concurrencyModel: SingleThreaded
          containerConcurrency: 1,
          timeout: Duration.seconds(20),
        });
        new Route(chart, 'MyFunctionRoute', {
          metadata: { name: 'my-function' },
          traffic: TrafficSplit.create().to(TrafficTarget.configuration(fn), 100),
        });
      },
    },
  ],
};

if (require.main === module) {
  runExample(example);
}

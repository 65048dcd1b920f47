/**
 * Seed scenario 4, "Roll back to a known-good Revision".
 *
 * `my-service-abc` is known good; `my-service-def` (a new image) turns out to be bad. The
 * rollback leaves the template as it is (no new revision) and only rewrites the traffic block:
 * 100% to `my-service-abc`, 0% to the latest ready revision, which stays reachable for
 * validation at its `latest` tag URL.
 *
 *   npx ts-node --project tsconfig.dev.json examples/rollback/main.ts   # the rollback step
 */
import { App, Chart } from 'cdk8s';
import { EnvValue } from 'cdk8s-plus-28';
import { KnService, RevisionName, TrafficSplit } from '../../src';
import { Example, runExample } from '../example';

const IMAGES = {
  abc: 'gcr.io/knative-samples/helloworld-go:v1',
  def: 'gcr.io/knative-samples/helloworld-go:v2',
} as const;

function myService(app: App, revision: keyof typeof IMAGES, traffic?: (svc: KnService) => TrafficSplit): void {
  const chart = new Chart(app, 'rollback', { namespace: 'default' });
  const svc = new KnService(chart, 'MyService', {
    metadata: { name: 'my-service' },
    image: IMAGES[revision],
    envVariables: {
      FOO: EnvValue.fromValue('bar'),
      HELLO: EnvValue.fromValue('world'),
    },
    revisionName: RevisionName.of(revision),
  });
  svc.replaceTraffic(traffic ? traffic(svc) : TrafficSplit.latest());
}

export const example: Example = {
  name: 'rollback',
  title: 'Roll back to a known-good Revision',
  scenario: 'seed 000 §4: 100% back to my-service-abc, the latest revision kept at 0% (tag latest)',
  steps: [
    {
      name: 'deploy-abc',
      description: 'known-good my-service-abc, 100% to the latest revision',
      build: (app) => myService(app, 'abc'),
    },
    {
      name: 'deploy-def',
      description: 'new image as my-service-def, rolled out automatically (it turns out to be bad)',
      build: (app) => myService(app, 'def'),
    },
    {
      name: 'rollback',
      description: 'template unchanged (no new revision); 100% to my-service-abc, latest at 0% under tag latest',
      build: (app) => myService(app, 'def', (svc) => TrafficSplit.rollback(svc.revision('abc'), { latestTag: 'latest' })),
    },
  ],
};

if (require.main === module) {
  runExample(example);
}

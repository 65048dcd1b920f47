/**
 * Seed scenario 3, "Managed release of a new Revision - config change only".
 *
 * Release mode with bring-your-own revision names: traffic is pinned to `my-service-def`
 * (tag `current`), the config change (HELLO=blurg) is deployed as `my-service-ghi` and only
 * reachable at the `latest` tag URL, then rolled out 0% → 5% → 50% under the `candidate` tag
 * and promoted to `current`. The `latest` tag keeps pointing at the latest ready revision at 0%
 * throughout.
 *
 *   STEP=candidate-5 npx ts-node --project tsconfig.dev.json examples/managed-release/main.ts
 */
import { App, Chart } from 'cdk8s';
import { EnvValue } from 'cdk8s-plus-28';
import { IRevision, KnService, RevisionName, TrafficSplit } from '../../src';
import { Example, ExampleStep, runExample } from '../example';

/** The template of each revision: `def` is the one in production, `ghi` the config change. */
const TEMPLATES = {
  def: { HELLO: 'world' },
  ghi: { HELLO: 'blurg' },
} as const;

/**
 * `my-service` with the template of revision `revision` and the traffic block `traffic`
 * computes from the Service's revision handles.
 */
function myService(app: App, revision: keyof typeof TEMPLATES, traffic: (svc: KnService) => TrafficSplit): void {
  const chart = new Chart(app, 'managed-release', { namespace: 'default' });
  const svc = new KnService(chart, 'MyService', {
    metadata: { name: 'my-service' },
    image: 'gcr.io/knative-samples/helloworld-go',
    envVariables: {
      FOO: EnvValue.fromValue('bar'),
      HELLO: EnvValue.fromValue(TEMPLATES[revision].HELLO),
    },
    // BYO name: Knative does not re-default a named template on update; the constructs emit it
    // fully defaulted (reference §14.4).
    revisionName: RevisionName.of(revision),
  });
  svc.replaceTraffic(traffic(svc));
}

const current = (svc: KnService): IRevision => svc.revision('def');
const candidate = (svc: KnService): IRevision => svc.revision('ghi');

function step(name: string, description: string, revision: keyof typeof TEMPLATES, traffic: (svc: KnService) => TrafficSplit): ExampleStep {
  return { name, description, build: (app) => myService(app, revision, traffic) };
}

export const example: Example = {
  name: 'managed-release',
  title: 'Managed release of a new Revision (config change only)',
  scenario: 'seed 000 §3: pin current, deploy candidate ghi behind the latest tag, release 0% → 5% → 50%, promote',
  steps: [
    step('pin-current', 'release mode: my-service-def tagged current gets 100%, latest tag at 0%', 'def',
      (svc) => TrafficSplit.release({ current: current(svc) })),
    step('deploy-candidate', 'HELLO=blurg as my-service-ghi; traffic unchanged, ghi reachable only via the latest tag', 'ghi',
      (svc) => TrafficSplit.release({ current: current(svc) })),
    step('begin', 'begin the release: ghi tagged candidate at 0%', 'ghi',
      (svc) => TrafficSplit.release({ current: current(svc), candidate: candidate(svc), candidatePercent: 0 })),
    step('candidate-5', '5% to the candidate, 95% to current', 'ghi',
      (svc) => TrafficSplit.release({ current: current(svc), candidate: candidate(svc), candidatePercent: 5 })),
    step('candidate-50', '50% to the candidate, 50% to current', 'ghi',
      (svc) => TrafficSplit.release({ current: current(svc), candidate: candidate(svc), candidatePercent: 50 })),
    step('promote', 'finish: ghi becomes current with 100%, latest tag stays at 0%', 'ghi',
      (svc) => TrafficSplit.release({ current: current(svc), candidate: candidate(svc), candidatePercent: 50 }).promote()),
  ],
};

if (require.main === module) {
  runExample(example);
}

/**
 * Cluster tier, data-driven: seed scenarios replayed step by step with `kubectl apply
 * --server-side` on a real API server, each scenario on a fresh cluster with the bundled control
 * plane. After each step: the Service's status (latestCreated/latestReady, traffic with tag URLs,
 * Ready, observedGeneration) from `kubectl get -o json`; then real HTTP through one ingress
 * replica: 100 requests to the Service's host split exactly as the traffic block says (counted
 * per revision by the pods that served them, since helloworld answers the same text for every
 * revision), every tag host served by its revision, no 403 for the runtime's ServiceAccounts.
 */
import * as http from 'node:http';
import * as path from 'node:path';
import { emulatorAgreement } from './emulator-replay';
import { Stack, Step, synthesize, SYSTEM_NAMESPACE } from './stack';

interface StepExpectation {
  step: string;
  latestCreated: string;
  latestReady: string;
  /** status.traffic, tag URLs derived from `tag` */
  traffic: Array<{ revision: string; percent: number; latest: boolean; tag?: string }>;
  /** revision → requests of 100 to the Service's host */
  split: Record<string, number>;
  /** tag → revision that serves the tag host */
  tags: Record<string, string>;
}

interface Scenario { example: string; service: string; steps: StepExpectation[] }

const t = (revision: string, percent: number, latest: boolean, tag?: string): StepExpectation['traffic'][number] => ({ revision, percent, latest, tag });

const SCENARIOS: Scenario[] = [
  {
    example: 'automatic-rollout',
    service: 'my-service',
    steps: [
      { step: 'v1', latestCreated: 'my-service-00001', latestReady: 'my-service-00001', traffic: [t('my-service-00001', 100, true)], split: { 'my-service-00001': 100 }, tags: {} },
      {
        step: 'v2-new-image',
        latestCreated: 'my-service-00002',
        latestReady: 'my-service-00002',
        traffic: [t('my-service-00002', 100, true)],
        split: { 'my-service-00002': 100 },
        tags: {},
      },
    ],
  },
  {
    example: 'managed-release',
    service: 'my-service',
    steps: [
      {
        step: 'pin-current',
        latestCreated: 'my-service-def',
        latestReady: 'my-service-def',
        traffic: [t('my-service-def', 100, false, 'current'), t('my-service-def', 0, true, 'latest')],
        split: { 'my-service-def': 100 },
        tags: { current: 'my-service-def', latest: 'my-service-def' },
      },
      {
        step: 'deploy-candidate',
        latestCreated: 'my-service-ghi',
        latestReady: 'my-service-ghi',
        traffic: [t('my-service-def', 100, false, 'current'), t('my-service-ghi', 0, true, 'latest')],
        split: { 'my-service-def': 100 },
        tags: { current: 'my-service-def', latest: 'my-service-ghi' },
      },
      {
        step: 'begin',
        latestCreated: 'my-service-ghi',
        latestReady: 'my-service-ghi',
        traffic: [t('my-service-def', 100, false, 'current'), t('my-service-ghi', 0, false, 'candidate'), t('my-service-ghi', 0, true, 'latest')],
        split: { 'my-service-def': 100 },
        tags: { current: 'my-service-def', candidate: 'my-service-ghi', latest: 'my-service-ghi' },
      },
      {
        step: 'candidate-5',
        latestCreated: 'my-service-ghi',
        latestReady: 'my-service-ghi',
        traffic: [t('my-service-def', 95, false, 'current'), t('my-service-ghi', 5, false, 'candidate'), t('my-service-ghi', 0, true, 'latest')],
        split: { 'my-service-def': 95, 'my-service-ghi': 5 },
        tags: { current: 'my-service-def', candidate: 'my-service-ghi', latest: 'my-service-ghi' },
      },
      {
        step: 'candidate-50',
        latestCreated: 'my-service-ghi',
        latestReady: 'my-service-ghi',
        traffic: [t('my-service-def', 50, false, 'current'), t('my-service-ghi', 50, false, 'candidate'), t('my-service-ghi', 0, true, 'latest')],
        split: { 'my-service-def': 50, 'my-service-ghi': 50 },
        tags: { current: 'my-service-def', candidate: 'my-service-ghi', latest: 'my-service-ghi' },
      },
      {
        step: 'promote',
        latestCreated: 'my-service-ghi',
        latestReady: 'my-service-ghi',
        traffic: [t('my-service-ghi', 100, false, 'current'), t('my-service-ghi', 0, true, 'latest')],
        split: { 'my-service-ghi': 100 },
        tags: { current: 'my-service-ghi', latest: 'my-service-ghi' },
      },
    ],
  },
  {
    example: 'rollback',
    service: 'my-service',
    steps: [
      {
        step: 'deploy-abc',
        latestCreated: 'my-service-abc',
        latestReady: 'my-service-abc',
        traffic: [t('my-service-abc', 100, true)],
        split: { 'my-service-abc': 100 },
        tags: {},
      },
      {
        step: 'deploy-def',
        latestCreated: 'my-service-def',
        latestReady: 'my-service-def',
        traffic: [t('my-service-def', 100, true)],
        split: { 'my-service-def': 100 },
        tags: {},
      },
      {
        step: 'rollback',
        latestCreated: 'my-service-def',
        latestReady: 'my-service-def',
        traffic: [t('my-service-abc', 100, false), t('my-service-def', 0, true, 'latest')],
        split: { 'my-service-abc': 100 },
        tags: { latest: 'my-service-def' },
      },
    ],
  },
];

const REVISION_LABEL = 'serving.knative.dev/revision';

function get(ip: string, port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: ip, port, path: '/', headers: { host }, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

describe.each(SCENARIOS.map((s) => [s.example, s] as const))('scenario: %s', (_name, scenario) => {
  let stack: Stack;
  let steps: Step[];
  const host = `${scenario.service}.default.example.com`;
  const tagHost = (tag: string): string => `${tag}-${scenario.service}.default.example.com`;

  beforeAll(async () => {
    stack = await Stack.start();
    steps = synthesize(scenario.example, path.join(stack.work, scenario.example));
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) {
      // eslint-disable-next-line no-console
      console.log(stack.diagnostics());
    }
  });

  test.each(scenario.steps.map((s, i) => [i + 1, s.step, s] as const))('step %i %s', async (i, name, want) => {
    const step = steps[i - 1];
    expect(step.name).toBe(name);
    await stack.apply(step.files);

    const svc = await stack.until(`ksvc ${scenario.service} at step ${name}`, async () => {
      const s = await stack.getJson(['ksvc', '-n', 'default', scenario.service]);
      const ready = (s.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
      return ready?.status === 'True' && s.status.observedGeneration === s.metadata.generation && s.status.latestReadyRevisionName === want.latestReady ? s : undefined;
    }, 90_000);
    expect(svc.status.url).toBe(`http://${host}`);
    expect(svc.status.latestCreatedRevisionName).toBe(want.latestCreated);
    expect(svc.status.traffic).toEqual(want.traffic.map((x) => ({
      ...(x.tag ? { tag: x.tag, url: `http://${tagHost(x.tag)}` } : {}),
      revisionName: x.revision,
      percent: x.percent,
      latestRevision: x.latest,
    })));

    const pods = await stack.getJson(['pods', '-n', SYSTEM_NAMESPACE, '-l', 'app.kubernetes.io/name=serving-ingress']);
    const ip: string = pods.items[0].status.podIP;
    // Wait until this replica has the step's table: every tag host served by its revision.
    for (const [tag, revision] of Object.entries(want.tags)) {
      await stack.until(`tag ${tag} → ${revision} on ${ip}`, async () => {
        const before = stack.kubelet.requestsServedBy(REVISION_LABEL, 'default');
        const r = await get(ip, 8080, tagHost(tag));
        return r.status === 200 && Object.keys(diff(stack.kubelet.requestsServedBy(REVISION_LABEL, 'default'), before)).join() === revision;
      }, 30_000);
    }
    await stack.until(`${host} served on ${ip} by ${Object.keys(want.split).join(', ')}`, async () => {
      const before = stack.kubelet.requestsServedBy(REVISION_LABEL, 'default');
      const r = await get(ip, 8080, host);
      return r.status === 200 && Object.keys(want.split).includes(Object.keys(diff(stack.kubelet.requestsServedBy(REVISION_LABEL, 'default'), before)).join());
    }, 30_000);

    const before = stack.kubelet.requestsServedBy(REVISION_LABEL, 'default');
    const statuses: Record<number, number> = {};
    for (let n = 0; n < 100; n++) {
      const r = await get(ip, 8080, host).catch((e: Error) => ({ status: 0, body: e.message }));
      stack.requests.add('scenario', scenario.example, r.status, 200, r.body.trim().slice(0, 80));
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    }
    expect(statuses).toEqual({ 200: 100 });
    expect(diff(stack.kubelet.requestsServedBy(REVISION_LABEL, 'default'), before)).toEqual(want.split);
    const unknown = await get(ip, 8080, 'nope.default.example.com');
    stack.requests.add('scenario', scenario.example, unknown.status, 404);
    expect(unknown.status).toBe(404);
    expect(stack.forbidden()).toEqual([]);
  });

  test('the emulator agrees: the same steps replayed on the emulator end in the same objects', async () => {
    const { differences } = await emulatorAgreement(stack, scenario.example, steps);
    expect(differences).toEqual([]);
  });
});

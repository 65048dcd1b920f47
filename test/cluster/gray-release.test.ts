/**
 * Cluster tier: seed 002, the stock-service gray release (v1 → v1/v2 50/50 → v3 reachable only at
 * the `latest` tag → 40/30/30), replayed step by step with `kubectl apply --server-side` on a real
 * API server. After each step: the Service's status as the seed prints it (from `kubectl get -o
 * json`), then real HTTP through the ingress: exact split counts over 100 requests to one ingress
 * replica (smooth weighted round-robin: every 100 consecutive picks split exactly), each tag host
 * answered by its revision, and no 403 for the runtime's ServiceAccounts.
 */
import * as http from 'node:http';
import * as path from 'node:path';
import { Stack, Step, synthesize, SYSTEM_NAMESPACE } from './stack';

const NAME = 'stock-service-example';
const HOST = `${NAME}.default.example.com`;
const rev = (v: string): string => `${NAME}-${v}`;
const tagUrl = (tag: string): string => `http://${tag}-${NAME}.default.example.com`;
const welcome = (v: string): string => `Welcome to the ${v} app! \n`;

interface Expected {
  step: string;
  latestReady: string;
  /** Revisions that exist (all Ready) */
  revisions: string[];
  traffic: Array<Record<string, unknown>>;
  /** body → count over 100 requests to one ingress replica */
  split: Record<string, number>;
  /** tag → body */
  tags: Record<string, string>;
}

const fiftyFifty = [
  { tag: 'v1', revisionName: rev('v1'), percent: 50, latestRevision: false, url: tagUrl('v1') },
  { tag: 'v2', revisionName: rev('v2'), percent: 50, latestRevision: false, url: tagUrl('v2') },
];

const STEPS: Expected[] = [
  {
    step: 'v1',
    latestReady: rev('v1'),
    revisions: [rev('v1')],
    traffic: [{ revisionName: rev('v1'), percent: 100, latestRevision: true }],
    split: { [welcome('v1')]: 100 },
    tags: {},
  },
  {
    step: 'v2-50-50',
    latestReady: rev('v2'),
    revisions: [rev('v1'), rev('v2')],
    traffic: [...fiftyFifty, { tag: 'latest', revisionName: rev('v2'), percent: 0, latestRevision: true, url: tagUrl('latest') }],
    split: { [welcome('v1')]: 50, [welcome('v2')]: 50 },
    tags: { v1: welcome('v1'), v2: welcome('v2'), latest: welcome('v2') },
  },
  {
    step: 'v3-latest-only',
    latestReady: rev('v3'),
    revisions: [rev('v1'), rev('v2'), rev('v3')],
    traffic: [...fiftyFifty, { tag: 'latest', revisionName: rev('v3'), percent: 0, latestRevision: true, url: tagUrl('latest') }],
    split: { [welcome('v1')]: 50, [welcome('v2')]: 50 },
    tags: { v1: welcome('v1'), v2: welcome('v2'), latest: welcome('v3') },
  },
  {
    step: 'v3-40-30-30',
    latestReady: rev('v3'),
    revisions: [rev('v1'), rev('v2'), rev('v3')],
    traffic: [
      { tag: 'v1', revisionName: rev('v1'), percent: 40, latestRevision: false, url: tagUrl('v1') },
      { tag: 'v2', revisionName: rev('v2'), percent: 30, latestRevision: false, url: tagUrl('v2') },
      { tag: 'v3', revisionName: rev('v3'), percent: 30, latestRevision: false, url: tagUrl('v3') },
      { tag: 'latest', revisionName: rev('v3'), percent: 0, latestRevision: true, url: tagUrl('latest') },
    ],
    split: { [welcome('v1')]: 40, [welcome('v2')]: 30, [welcome('v3')]: 30 },
    tags: { v1: welcome('v1'), v2: welcome('v2'), v3: welcome('v3'), latest: welcome('v3') },
  },
];

let stack: Stack;
let steps: Step[];

beforeAll(async () => {
  stack = await Stack.start();
  steps = synthesize('stock-service-gray-release', path.join(stack.work, 'gray'));
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

/** GET http://<ip>:<port>/ with a Host header. */
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

test.each(STEPS.map((s, i) => [i + 1, s.step, s] as const))('step %i %s: status as the seed prints it, exact split, tag hosts', async (i, name, want) => {
  const step = steps[i - 1];
  expect(step.name).toBe(name);
  await stack.apply(step.files);

  const svc = await stack.until(`ksvc ${NAME} at step ${name}`, async () => {
    const s = await stack.getJson(['ksvc', '-n', 'default', NAME]);
    const ready = (s.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
    const done = ready?.status === 'True' && s.status.observedGeneration === s.metadata.generation && s.status.latestReadyRevisionName === want.latestReady;
    return done ? s : undefined;
  }, 90_000);
  expect(svc.status.url).toBe(`http://${HOST}`);
  expect(svc.status.latestCreatedRevisionName).toBe(want.latestReady);
  expect(svc.status.traffic).toEqual(want.traffic);
  const revisions = await stack.getJson(['revisions', '-n', 'default', '-l', `serving.knative.dev/service=${NAME}`]);
  expect(revisions.items.map((r: any) => [r.metadata.name, r.status.conditions.find((c: any) => c.type === 'Ready').status]).sort())
    .toEqual(want.revisions.map((r) => [r, 'True']));

  // One ingress replica, reached on its pod IP (as a load balancer would), after it has the table.
  const pods = await stack.getJson(['pods', '-n', SYSTEM_NAMESPACE, '-l', 'app.kubernetes.io/name=serving-ingress']);
  const ip: string = pods.items[0].status.podIP;
  for (const [tag, body] of Object.entries(want.tags)) {
    await stack.until(`tag ${tag} on ${ip}`, async () => (await get(ip, 8080, `${tag}-${NAME}.default.example.com`)).body === body, 30_000);
  }
  await stack.until(`split on ${ip}`, async () => {
    const b = (await get(ip, 8080, HOST)).body;
    return want.split[b] !== undefined;
  }, 30_000);
  const counts: Record<string, number> = {};
  for (let n = 0; n < 100; n++) {
    const r = await get(ip, 8080, HOST);
    const key = r.status === 200 ? r.body : `status:${r.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  expect(counts).toEqual(want.split);
  for (const [tag, body] of Object.entries(want.tags)) {
    expect(await get(ip, 8080, `${tag}-${NAME}.default.example.com`)).toEqual({ status: 200, body });
  }
  // Through the ingress Service (both replicas, via the played kube-proxy) too.
  const viaService = await stack.request(HOST);
  expect(viaService.status).toBe(200);
  expect(Object.keys(want.split)).toContain(viaService.body);
  expect((await get(ip, 8080, `nope-${NAME}.default.example.com`)).status).toBe(404);

  expect(stack.forbidden()).toEqual([]);
});

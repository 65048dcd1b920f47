/**
 * Seed 002, the stock-service gray release, as data: what each step's status must say (as the seed
 * prints it) and what HTTP through the ingress must answer; shared by gray-release.test.ts (the
 * application on an installed control plane) and full-stack.test.ts (control plane and application
 * applied together on a fresh cluster).
 */
import * as http from 'node:http';
import type { Scope } from './record';
import { Stack, SYSTEM_NAMESPACE } from './stack';
export const NAME = 'stock-service-example';
export const HOST = `${NAME}.default.example.com`;
const rev = (v: string): string => `${NAME}-${v}`;
const tagUrl = (tag: string): string => `http://${tag}-${NAME}.default.example.com`;
const welcome = (v: string): string => `Welcome to the ${v} app! \n`;

export interface Expected {
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

export const GRAY_RELEASE_STEPS: Expected[] = [
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

/** GET http://<ip>:<port><urlPath> with a Host header (no keep-alive; `timeoutMs` of socket inactivity). */
export function get(ip: string, port: number, host: string, urlPath = '/', timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: ip, port, path: urlPath, headers: { host }, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * After a step was applied: wait for the Service to converge, then check its status, its
 * revisions, the split over 100 requests to one ingress replica, every tag host, the ingress
 * Service path, a 404 for an unknown host and that the runtime met no 403.
 */
export async function checkGrayReleaseStep(
  stack: Stack, name: string, want: Expected, tally: { scope: Scope; name: string } = { scope: 'scenario', name: 'stock-service-gray-release' },
): Promise<void> {
  const asserted = async (host: string, expected: number, ip?: string): Promise<{ status: number; body: string }> => {
    const r = await (ip ? get(ip, 8080, host) : stack.request(host)).catch((e: Error) => ({ status: 0, body: e.message }));
    stack.requests.add(tally.scope, tally.name, r.status, expected, r.body.trim().slice(0, 80));
    return r;
  };
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
    const r = await asserted(HOST, 200, ip);
    const key = r.status === 200 ? r.body : `status:${r.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  expect(counts).toEqual(want.split);
  for (const [tag, body] of Object.entries(want.tags)) {
    expect(await asserted(`${tag}-${NAME}.default.example.com`, 200, ip)).toEqual({ status: 200, body });
  }
  // Through the ingress Service (both replicas, via the played kube-proxy) too.
  const viaService = await asserted(HOST, 200);
  expect(viaService.status).toBe(200);
  expect(Object.keys(want.split)).toContain(viaService.body);
  expect((await asserted(`nope-${NAME}.default.example.com`, 404, ip)).status).toBe(404);

  expect(stack.forbidden()).toEqual([]);
}

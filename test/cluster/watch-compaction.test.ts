/**
 * Cluster tier fault: a watch that ends with 410 Gone after an etcd compaction.
 *
 * The API server runs with `--watch-cache=false`, so every watch is served by etcd itself, and
 * `--min-request-timeout=4`, so it ends each watch after 4–8 s (the runtime's watches ask no
 * timeout), as it would after up to an hour in a normal cluster. The runtime resumes each watch
 * from the last resourceVersion it saw. Before the compaction that succeeds (no relist); after
 * etcd compacted its history up to the current revision, etcd refuses the old revision and the
 * API server ends the watch with an ERROR event 410 Gone: every runtime process must relist and
 * keep working — the next step of the gray release converges with exactly its revisions, served
 * as before, with no process restart and no 403.
 */
import * as path from 'node:path';
import { checkGrayReleaseStep, GRAY_RELEASE_STEPS } from './gray-release';
import { stopAndDiagnose } from './lifecycle';
import { Stack, Step, synthesize, SYSTEM_NAMESPACE } from './stack';

let stack: Stack;
let steps: Step[];
const TALLY = { scope: 'fault' as const, name: 'watch 410 after etcd compaction' };

beforeAll(async () => {
  stack = await Stack.start({ apiserverArgs: ['--watch-cache=false', '--min-request-timeout=4'] });
  steps = synthesize('stock-service-gray-release', path.join(stack.work, 'gray'));
}, 240_000);

stopAndDiagnose(() => stack);

const POD_NAME = 'authentication.kubernetes.io/pod-name';

/**
 * Per runtime pod (the audit log names the pod its bound token belongs to): the lists it sent
 * since `since` (ms). An informer lists at start and again only when its watch cannot resume.
 */
function listsSince(since: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const ev of stack.cluster.auditEvents()) {
    if (ev.verb !== 'list' || !String(ev.user?.username).startsWith(`system:serviceaccount:${SYSTEM_NAMESPACE}:`)) continue;
    if (Date.parse(ev.requestReceivedTimestamp) < since) continue;
    const pod = ev.user?.extra?.[POD_NAME]?.[0] ?? '(no pod)';
    out[pod] = (out[pod] ?? 0) + 1;
  }
  return out;
}

async function runtimePodNames(): Promise<string[]> {
  const pods = await stack.getJson(['pods', '-n', SYSTEM_NAMESPACE]);
  return pods.items.map((p: any) => p.metadata.name).sort();
}

async function restarts(): Promise<number> {
  const pods = await stack.getJson(['pods', '-n', SYSTEM_NAMESPACE]);
  return pods.items.reduce((n: number, p: any) => n + (p.status.containerStatuses ?? []).reduce((m: number, c: any) => m + c.restartCount, 0), 0);
}

describe('fault', () => {
  test('watch 410 after an etcd compaction: every runtime process relists and the next step converges', async () => {
    await stack.apply(steps[0].files);
    await checkGrayReleaseStep(stack, GRAY_RELEASE_STEPS[0].step, GRAY_RELEASE_STEPS[0], TALLY);

    // Control: watches end and resume from their resourceVersion (no list) while nothing is compacted.
    const control = Date.now();
    await new Promise((r) => setTimeout(r, 9_000));
    expect(listsSince(control)).toEqual({});

    const compactedAt = Date.now();
    const revision = await stack.cluster.compactEtcd();
    expect(revision).toBeGreaterThan(0);
    // Within two watch lifetimes every runtime process has hit the compacted revision: 410, relist.
    const pods = await runtimePodNames();
    // Controller, ingress and admission webhook (its config-* informer): 2 each.
    expect(pods).toHaveLength(6);
    await stack.until('every runtime pod relisted after the compaction', async () => {
      const lists = listsSince(compactedAt);
      return pods.every((p) => (lists[p] ?? 0) > 0);
    }, 30_000);
    // eslint-disable-next-line no-console
    console.log(`etcd compacted at revision ${revision}; lists per runtime pod since: ${JSON.stringify(listsSince(compactedAt))}`);

    await stack.apply(steps[1].files);
    await checkGrayReleaseStep(stack, GRAY_RELEASE_STEPS[1].step, GRAY_RELEASE_STEPS[1], TALLY);
    expect(await restarts()).toBe(0);
    expect(stack.forbidden()).toEqual([]);
  });
});

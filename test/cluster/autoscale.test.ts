/**
 * Cluster tier: a KPA revision driven 0 → N → 0 by a step load through the ingress, on the real
 * kube-apiserver + kube-controller-manager with the played kubelet's pods.
 *
 * config-autoscaler is shortened (stable-window 6s, panic window 20 %, scale-to-zero grace 6s,
 * allow-zero-initial-scale) and the Knative Service (Knative's autoscale-go sample, played by
 * images.ts) starts at initial-scale 0 with target 10 at 100 % utilization. `clients` closed-loop
 * clients each hold a 1 s request, so the ingress sees a concurrency of about `clients` and the
 * decider's N is ceil(clients / target). The ingress pushes its stats to the controller with its
 * projected, audience-bound token (TokenReview on the controller's side); the first request
 * pokes the autoscaler. Asserted: every request answered 2xx; Deployment spec.replicas and ready
 * pods reach N and never exceed it; the Revision's actualReplicas/desiredReplicas N with Active
 * True while serving; after the load stops, Active False NoTraffic and 0 replicas, no pod left.
 * Prints `AUTOSCALE {...}` with the measured times (also recorded for `npm run e2e`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stopAndDiagnose } from './lifecycle';
import { StepLoad } from './load';
import { record } from './record';
import { Stack, SYSTEM_NAMESPACE } from './stack';
import { deciderSpec } from '../../src/core/autoscaler';
import { parseAutoscaler } from '../../src/core/config/config-autoscaler';

const NS = 'default';
const NAME = 'autoscale';
const REV = `${NAME}-00001`;
const HOST = `${NAME}.${NS}.example.com`;
const CLIENTS = 30;
const SLEEP_MS = 1000;
const AUTOSCALER_DATA: Record<string, string> = {
  'stable-window': '6s',
  'panic-window-percentage': '20',
  'scale-to-zero-grace-period': '6s',
  'allow-zero-initial-scale': 'true',
};
const ANNOTATIONS: Record<string, string> = {
  'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
  'autoscaling.knative.dev/target': '10',
  'autoscaling.knative.dev/target-utilization-percentage': '100',
  'autoscaling.knative.dev/initial-scale': '0',
};

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start();
  // eslint-disable-next-line no-console
  console.log(`cluster ${stack.cluster.version} + control plane ready in ${stack.startMs} ms`);
}, 240_000);

stopAndDiagnose(() => stack);

interface Sample {
  t: number;
  specReplicas: number;
  readyReplicas: number;
  pods: number;
  active?: string;
  activeReason?: string;
  actual?: number;
  desired?: number;
}

/** One reading of the revision's Deployment, pods and Revision status (admin, through the real API). */
async function sample(t0: number): Promise<Sample> {
  const [deploys, pods, rev] = await Promise.all([
    stack.getJson(['deployments', '-n', NS, '-l', `serving.knative.dev/revision=${REV}`]),
    stack.getJson(['pods', '-n', NS, '-l', `serving.knative.dev/revision=${REV}`]),
    stack.getJson(['revision', '-n', NS, REV]),
  ]);
  const d = deploys.items[0];
  const active = (rev.status?.conditions ?? []).find((c: any) => c.type === 'Active');
  return {
    t: (Date.now() - t0) / 1000,
    specReplicas: d?.spec?.replicas ?? -1,
    readyReplicas: d?.status?.readyReplicas ?? 0,
    pods: pods.items.length,
    active: active?.status,
    activeReason: active?.reason,
    actual: rev.status?.actualReplicas,
    desired: rev.status?.desiredReplicas,
  };
}

describe('autoscale: a KPA revision 0 → N → 0 under a step load', () => {
  test('config-autoscaler shortened, the Knative Service starts at 0 replicas', async () => {
    // The same parser and decider inputs the controller uses: the data must be valid.
    parseAutoscaler(AUTOSCALER_DATA);
    const reloads = (): number => Object.entries(stack.kubelet.allProcessLogs())
      .filter(([k]) => k.startsWith(`${SYSTEM_NAMESPACE}_serving-controller`))
      .reduce((n, [, log]) => n + (log.match(/configuration reloaded/g) ?? []).length, 0);
    const before = reloads();
    await stack.cluster.kubectlOk(['-n', SYSTEM_NAMESPACE, 'patch', 'configmap', 'config-autoscaler', '--type', 'merge', '-p', JSON.stringify({ data: AUTOSCALER_DATA })]);
    // both controller replicas reload it
    await stack.until('both controllers reload config-autoscaler', async () => reloads() >= before + 2, 20_000);

    const ksvc = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: NAME, namespace: NS },
      spec: {
        template: {
          metadata: { annotations: ANNOTATIONS },
          spec: {
            containers: [{
              image: 'gcr.io/knative-samples/autoscale-go:0.1',
              readinessProbe: { httpGet: { path: '/' }, periodSeconds: 1 },
            }],
          },
        },
      },
    };
    const file = path.join(stack.work, 'autoscale.json');
    fs.writeFileSync(file, JSON.stringify(ksvc));
    await stack.apply([file]);
    await stack.until(`ksvc ${NAME} Ready`, async () => {
      const s = await stack.getJson(['ksvc', '-n', NS, NAME]);
      const ready = (s.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
      return ready?.status === 'True' && s.status.observedGeneration === s.metadata.generation ? s : undefined;
    }, 60_000);
    const s = await sample(Date.now());
    expect(s).toMatchObject({ specReplicas: 0, readyReplicas: 0, pods: 0 });
    expect(stack.forbidden()).toEqual([]);
  });

  test(`${CLIENTS} clients holding ${SLEEP_MS} ms requests: 0 → N pods, every request answered, then back to 0`, async () => {
    const spec = deciderSpec(ANNOTATIONS, 0, parseAutoscaler(AUTOSCALER_DATA), true);
    const n = Math.ceil(CLIENTS / spec.targetValue);
    expect(n).toBeGreaterThan(1);

    const samples: Sample[] = [];
    const t0 = Date.now();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try {
          samples.push(await sample(t0));
        } catch {
          // a failed read is retried on the next round
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const waitFor = async (what: string, f: (x: Sample) => boolean, timeoutMs: number): Promise<Sample> =>
      stack.until(what, async () => { const last = samples[samples.length - 1]; return last && f(last) ? last : undefined; }, timeoutMs);

    const { host, port } = await stack.ingressAddress();
    const load = new StepLoad({ host, port, hostHeader: HOST, path: `/?sleep=${SLEEP_MS}`, clients: CLIENTS });
    let report;
    let up: Sample;
    let serving: Sample;
    try {
      up = await waitFor(`${n} ready pods`, (x) => x.readyReplicas >= n, 60_000);
      // Revision status follows while the load goes on.
      serving = await waitFor(`Revision ${REV} Active True with actual/desired ${n}`,
        (x) => x.active === 'True' && x.actual === n && x.desired === n, 20_000);
      // hold the load a few more seconds at N
      await new Promise((r) => setTimeout(r, 4000));
    } finally {
      report = await load.stop();
    }
    const stoppedAt = (Date.now() - t0) / 1000;
    let zero: Sample;
    try {
      zero = await waitFor('scale to zero: Active False NoTraffic, 0 replicas, no pod',
        (x) => x.t > stoppedAt && x.specReplicas === 0 && x.readyReplicas === 0 && x.pods === 0
          && x.active === 'False' && x.activeReason === 'NoTraffic' && x.actual === 0 && x.desired === 0, 90_000);
    } finally {
      sampling = false;
      await sampler;
    }
    const during = samples.filter((x) => x.t <= stoppedAt);
    const maxReplicas = Math.max(...samples.map((x) => x.specReplicas));
    const zeroWritten = samples.find((x) => x.t > stoppedAt && x.specReplicas === 0);
    const result = {
      clients: CLIENTS,
      target: spec.targetValue,
      n,
      max_replicas: maxReplicas,
      first_ok_s: report.firstOkMs === undefined ? null : report.firstOkMs / 1000,
      scale_up_s: up.t,
      active_status_s: serving.t,
      load_s: report.durationMs / 1000,
      requests: report.requests,
      failed_requests: report.failed,
      failures: report.failures,
      // from the last request's end until the Deployment is at 0 with no pod and the Revision says NoTraffic
      scale_to_zero_s: Number((zero.t - stoppedAt).toFixed(2)),
      // from the last request's end until the Deployment's spec.replicas read 0
      replicas_0_s: zeroWritten ? Number((zeroWritten.t - stoppedAt).toFixed(2)) : null,
    };
    record({ type: 'autoscale', ...result });
    // eslint-disable-next-line no-console
    console.log('AUTOSCALE ' + JSON.stringify(result));
    // eslint-disable-next-line no-console
    console.log('timeline (t s: spec/ready/pods Active actual/desired): ' + samples.filter((x, i) => i === 0
      || JSON.stringify({ ...x, t: 0 }) !== JSON.stringify({ ...samples[i - 1], t: 0 }))
      .map((x) => `${x.t.toFixed(1)}: ${x.specReplicas}/${x.readyReplicas}/${x.pods} ${x.active}${x.activeReason ? `(${x.activeReason})` : ''} ${x.actual}/${x.desired}`).join('; '));

    expect(report.failures).toEqual({});
    expect(report.failed).toBe(0);
    expect(report.requests).toBeGreaterThan(CLIENTS);
    expect(maxReplicas).toBe(n);
    expect(during.some((x) => x.readyReplicas === n && x.pods === n)).toBe(true);
    // The ingress's stats reached the controllers (its projected token passed TokenReview): no
    // push failed (a 401 or an unreachable endpoint would be logged).
    const ingressLogs = Object.entries(stack.kubelet.allProcessLogs())
      .filter(([k]) => k.startsWith(`${SYSTEM_NAMESPACE}_serving-ingress`)).map(([, log]) => log).join('\n');
    expect(ingressLogs.split('\n').filter((l) => l.includes('stats push failed'))).toEqual([]);
    expect(stack.forbidden()).toEqual([]);
  });
});

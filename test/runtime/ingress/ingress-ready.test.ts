/**
 * IngressReady means served, end to end: the API emulator, the real controller (its default
 * HTTP prober on the EndpointSlices of the internal ingress Service) and two real ingress
 * replicas (./replicas.ts: watcher + table + proxy + admin server, each on its own loopback
 * address so both admin servers use the same port, as pods do), one real HTTP backend on loopback.
 *
 * 100 Routes are created one after another under a background load; for each, a client starts
 * sending to both replicas the moment the Route's Ready condition turns True (an emulator store
 * subscription, not a poll) and counts 404s: there must be none.
 *
 * `INGRESS_READY_GATE_OFF=1` runs the same with IngressReady True as soon as the status is
 * written (the behaviour before the probe) and prints the 404s it got; it is not run by default.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { backgroundLoad, getStatus, startReplicas } from './replicas';
import { routingDigest, routingFromStatus } from '../../../src/core/routing';
import type { KubeObject, RouteObject } from '../../../src/core/types';
import { realClock } from '../../../src/runtime/controller/clock';
import type { Controller } from '../../../src/runtime/controller/controller';
import type { IngressProber } from '../../../src/runtime/controller/ingress-probe';
import { KubeApiEmulator } from '../../support/emulator';
import { image, isReadyObj, ksvc, newController } from '../controller/harness';

const ROUTES = 100;

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const get = (port: number, host: string): Promise<number> => getStatus(agent, port, host);

const route = (name: string): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Route',
  metadata: { name, namespace: 'default' },
  spec: { traffic: [{ revisionName: 'app-00001', percent: 100 }] },
});

interface Outcome { after: number; notFound: number; other: number; load: number; loadNotFound: number; readyMs: number[] }

async function run(gate: boolean): Promise<Outcome> {
  const backend = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const origin = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;

  const emu = await KubeApiEmulator.start({ simulateWorkloads: { delayMs: 5, readyDelayMs: 0 }, bookmarkIntervalMs: 60_000 });
  const { replicas, adminPort, stop: stopReplicas } = await startReplicas(emu, origin);

  // Gate off: served = the status is stored (what the controller did before probing).
  let ctl: Controller;
  const statusWritten: IngressProber = {
    probe: async (_kind, ns, name) => {
      const r = emu.get<RouteObject>('routes', ns, name);
      return [{ replica: 'status-written', ...(r ? { digest: routingDigest(routingFromStatus(r, ctl.config)) } : {}) }];
    },
  };
  // Gate on: the default HTTP prober (ingressProber undefined), asking the replicas on adminPort.
  ctl = newController(emu, { clock: realClock, ingressProber: gate ? undefined : statusWritten, ingressAdminPort: adminPort });
  await ctl.start();

  const counts = { after: 0, notFound: 0, other: 0, load: 0, loadNotFound: 0 };
  const readyMs: number[] = [];
  const readyHosts: string[] = [];
  // Background load: 4 closed-loop clients over the Routes already Ready, both replicas.
  const load = backgroundLoad(replicas.map((r) => r.port), readyHosts, get, counts);

  try {
    // The revision the Routes send to: a Service's first revision.
    await ctl.client.create({ group: 'serving.knative.dev', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
      ksvc('app', { template: { spec: image('registry.example.com/app:1') } }));
    await emu.waitFor('ksvc', 'default', 'app', isReadyObj, 15_000);
    for (let i = 0; i < ROUTES; i++) {
      const name = `r${i}`;
      const t0 = Date.now();
      await ctl.client.create({ group: 'serving.knative.dev', version: 'v1', plural: 'routes', kind: 'Route', namespaced: true }, route(name));
      const ready = await emu.waitFor<RouteObject>('routes', 'default', name,
        (o) => o?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') === true, 15_000);
      readyMs.push(Date.now() - t0);
      const host = new URL(ready!.status!.url!).host;
      // The instant Ready is True: 5 requests to each replica at once.
      const codes = await Promise.all(replicas.flatMap((r) => Array.from({ length: 5 }, () => get(r.port, host))));
      for (const c of codes) {
        counts.after++;
        if (c === 404) counts.notFound++;
        else if (c !== 200) counts.other++;
      }
      readyHosts.push(host);
    }
  } finally {
    await load.stop();
    await ctl.stop();
    await stopReplicas();
    agent.destroy();
    await emu.stop();
    await new Promise((r) => backend.close(() => r(undefined)));
  }
  return { ...counts, readyMs };
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

describe('IngressReady means served', () => {
  jest.setTimeout(120_000);

  test(`${ROUTES} Routes created one after another under load: a client sending the moment Ready turns True gets no 404`, async () => {
    const r = await run(true);
    // eslint-disable-next-line no-console
    console.log(`INGRESS_READY gate=on routes=${ROUTES} requests_after_ready=${r.after} 404=${r.notFound} other_non_200=${r.other} `
      + `load_requests=${r.load} load_404=${r.loadNotFound} create_to_ready_ms p50=${pct(r.readyMs, 0.5)} p99=${pct(r.readyMs, 0.99)}`);
    expect(r.after).toBe(ROUTES * 10);
    expect(r.notFound).toBe(0);
    expect(r.other).toBe(0);
    expect(r.load).toBeGreaterThan(0);
    expect(r.loadNotFound).toBe(0);
  });

  (process.env.INGRESS_READY_GATE_OFF ? test : test.skip)('gate off (Ready once the status is written): the 404s a client gets', async () => {
    const r = await run(false);
    // eslint-disable-next-line no-console
    console.log(`INGRESS_READY gate=off routes=${ROUTES} requests_after_ready=${r.after} 404=${r.notFound} other_non_200=${r.other} `
      + `create_to_ready_ms p50=${pct(r.readyMs, 0.5)} p99=${pct(r.readyMs, 0.99)}`);
    expect(r.notFound).toBeGreaterThan(0);
  });
});

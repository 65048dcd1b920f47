/**
 * DomainMapping IngressReady means served, end to end: the API emulator, the real controller (its
 * default HTTP prober asking `GET /v1/domainmappings/<ns>/<name>` on the replicas listed in the
 * internal ingress Service's EndpointSlice) and two real ingress replicas (./replicas.ts), one
 * real HTTP backend behind a Knative Service.
 *
 * 50 DomainMappings to that Service are created one after another (each domain claimed first)
 * under a background load; for each, a client starts sending to the external listener of both
 * replicas the moment the DomainMapping's Ready condition turns True and counts 404s: there
 * must be none.
 *
 * `INGRESS_READY_GATE_OFF=1` runs the same with the ingress stand-in as the prober (IngressReady
 * True once the status is stored: the behaviour before the probe) and prints the 404s it got; it
 * is not run by default.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { backgroundLoad, getStatus, startReplicas } from './replicas';
import type { DomainMappingObject, KubeObject } from '../../../src/core/types';
import { R } from '../../../src/runtime/controller/client';
import { realClock } from '../../../src/runtime/controller/clock';
import type { Controller } from '../../../src/runtime/controller/controller';
import { KubeApiEmulator } from '../../support/emulator';
import { ingressStandIn } from '../../support/ingress-stand-in';
import { image, isReadyObj, ksvc, newController } from '../controller/harness';

const MAPPINGS = 50;

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const get = (port: number, host: string): Promise<number> => getStatus(agent, port, host);

const claim = (domain: string): KubeObject => ({
  apiVersion: 'networking.internal.knative.dev/v1alpha1', kind: 'ClusterDomainClaim', metadata: { name: domain }, spec: { namespace: 'default' },
} as KubeObject);
const mapping = (domain: string): KubeObject => ({
  apiVersion: 'serving.knative.dev/v1beta1',
  kind: 'DomainMapping',
  metadata: { name: domain, namespace: 'default' },
  spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'app' } },
} as KubeObject);

interface Outcome { after: number; notFound: number; other: number; load: number; loadNotFound: number; readyMs: number[] }

async function run(gate: boolean): Promise<Outcome> {
  // 200 only with a mapped domain as Host (what the ingress sends a DomainMapping's pod), else 500 (counted as other_non_200)
  const backend = http.createServer((req, res) => {
    res.statusCode = /^d\d+\.example\.org$/.test(req.headers.host ?? '') ? 200 : 500;
    res.end();
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const origin = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;

  const emu = await KubeApiEmulator.start({ simulateWorkloads: { delayMs: 5, readyDelayMs: 0 }, bookmarkIntervalMs: 60_000 });
  const { replicas, adminPort, stop: stopReplicas } = await startReplicas(emu, origin);
  // Gate on: the default HTTP prober (ingressProber undefined), asking the replicas on adminPort.
  // Gate off: the stand-in, which serves what the API stores (Ready once the status is written).
  const ctl: Controller = newController(emu, {
    clock: realClock,
    ingressAdminPort: adminPort,
    ingressProber: gate ? undefined
      : ingressStandIn({ route: (ns, n) => emu.get('routes', ns, n), domainMapping: (ns, n) => emu.get('domainmappings', ns, n) }, () => ctl.config),
  });
  await ctl.start();

  const counts = { after: 0, notFound: 0, other: 0, load: 0, loadNotFound: 0 };
  const readyMs: number[] = [];
  const readyHosts: string[] = [];
  // Background load: 4 closed-loop clients over the domains already Ready, both replicas.
  const load = backgroundLoad(replicas.map((r) => r.externalPort), readyHosts, get, counts);

  try {
    await ctl.client.create(R.services, ksvc('app', { template: { spec: image('registry.example.com/app:1') } }));
    await emu.waitFor('ksvc', 'default', 'app', isReadyObj, 15_000);
    for (let i = 0; i < MAPPINGS; i++) {
      const domain = `d${i}.example.org`;
      await ctl.client.create(R.clusterDomainClaims, claim(domain));
      const t0 = Date.now();
      await ctl.client.create(R.domainMappings, mapping(domain));
      await emu.waitFor<DomainMappingObject>('domainmappings', 'default', domain,
        (o) => o?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true, 15_000);
      readyMs.push(Date.now() - t0);
      // The instant Ready is True: 5 requests to each replica at once.
      const codes = await Promise.all(replicas.flatMap((r) => Array.from({ length: 5 }, () => get(r.externalPort, domain))));
      for (const c of codes) {
        counts.after++;
        if (c === 404) counts.notFound++;
        else if (c !== 200) counts.other++;
      }
      readyHosts.push(domain);
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
const line = (gate: string, r: Outcome): string => `DOMAIN_MAPPING_READY gate=${gate} mappings=${MAPPINGS} requests_after_ready=${r.after} 404=${r.notFound} `
  + `other_non_200=${r.other} load_requests=${r.load} load_404=${r.loadNotFound} create_to_ready_ms p50=${pct(r.readyMs, 0.5)} p99=${pct(r.readyMs, 0.99)}`;

describe('DomainMapping IngressReady means served', () => {
  jest.setTimeout(120_000);

  test(`${MAPPINGS} DomainMappings created one after another under load: a client sending the moment Ready turns True gets no 404`, async () => {
    const r = await run(true);
    // eslint-disable-next-line no-console
    console.log(line('on', r));
    expect(r.after).toBe(MAPPINGS * 10);
    expect(r.notFound).toBe(0);
    expect(r.other).toBe(0);
    expect(r.load).toBeGreaterThan(0);
    expect(r.loadNotFound).toBe(0);
  });

  (process.env.INGRESS_READY_GATE_OFF ? test : test.skip)('gate off (Ready once the status is written): the 404s a client gets', async () => {
    const r = await run(false);
    // eslint-disable-next-line no-console
    console.log(line('off', r));
    expect(r.notFound).toBeGreaterThan(0);
  });
});

/** Test harness: the real controller against the in-process API emulator. */
import type { KubeObject } from '../../../src/core/types';
import { createLogger, silentLogger } from '../../../src/runtime/common/log';
import { R } from '../../../src/runtime/controller/client';
import { fixedClock } from '../../../src/runtime/controller/clock';
import { Controller, ControllerOptions } from '../../../src/runtime/controller/controller';
import { k8s } from '../../../src/runtime/controller/k8s';
import { EmulatorOptions, KubeApiEmulator } from '../../support/emulator';
import { ingressStandIn } from '../../support/ingress-stand-in';

export const NOW = '2026-01-01T00:00:00Z';

export function kubeConfigFor(emu: KubeApiEmulator): InstanceType<typeof k8s.KubeConfig> {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions(emu.kubeConfigOptions('system:serviceaccount:knative-serving:controller'));
  return kc;
}

export interface Harness {
  emu: KubeApiEmulator;
  controller: Controller;
  clock: ReturnType<typeof fixedClock>;
  stop(): Promise<void>;
  /** Wait until the controller is idle and the emulator saw no writes for `quietMs`. */
  settle(quietMs?: number, timeoutMs?: number): Promise<void>;
}

/**
 * The controller against the emulator. Unless `opts.ingressProber` is given, IngressReady probes
 * an ingress stand-in that serves each Route and DomainMapping as the emulator stores it
 * (test/support/ingress-stand-in.ts): one is served once its status is written, never before.
 */
export function newController(emu: KubeApiEmulator, opts: Partial<ControllerOptions> = {}): Controller {
  const ctl: Controller = new Controller({
    ingressProber: ingressStandIn({ route: (ns, name) => emu.get('routes', ns, name), domainMapping: (ns, name) => emu.get('domainmappings', ns, name) }, () => ctl.config),
    kubeConfig: kubeConfigFor(emu),
    leaderElection: false,
    clock: opts.clock ?? fixedClock(NOW),
    log: process.env.CONTROLLER_TEST_LOG ? createLogger({ level: 'debug', sink: (l) => process.stderr.write(l + '\n') }) : silentLogger,
    resyncMs: 0,
    ...opts,
  });
  return ctl;
}

export async function startHarness(emuOpts: EmulatorOptions = {}, ctlOpts: Partial<ControllerOptions> = {}): Promise<Harness> {
  const clock = fixedClock(NOW);
  const emu = await KubeApiEmulator.start({ simulateWorkloads: { delayMs: 5, readyDelayMs: 0 }, bookmarkIntervalMs: 60_000, ...emuOpts });
  const controller = newController(emu, { clock, ...ctlOpts });
  await controller.start();
  return {
    emu,
    controller,
    clock,
    async stop() {
      await controller.stop();
      await emu.stop();
    },
    settle: (quietMs = 150, timeoutMs = 10_000) => settle(emu, [controller], quietMs, timeoutMs),
  };
}

export async function settle(emu: KubeApiEmulator, controllers: Controller[], quietMs = 150, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let quietSince = Date.now();
  for (;;) {
    const n = emu.actions().filter((a) => a.resource !== 'leases').length;
    const idle = controllers.every((c) => c.idle);
    if (n !== last || !idle) {
      last = n;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) {
      return;
    }
    if (Date.now() > deadline) throw new Error(`did not settle within ${timeoutMs}ms; queues ${JSON.stringify(controllers.map((c) => c.queueStats()))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function ksvc(name: string, spec: any, extra: Partial<KubeObject['metadata']> = {}, ns = 'default'): KubeObject {
  return { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name, namespace: ns, ...extra }, spec };
}

export function image(img: string, env: Record<string, string> = {}, extra: any = {}): any {
  return { containers: [{ image: img, env: Object.entries(env).map(([name, value]) => ({ name, value })), ...extra }] };
}

export function cond(obj: KubeObject | undefined, type = 'Ready'): string | undefined {
  return obj?.status?.conditions?.find((c: any) => c.type === type)?.status;
}

export function isReadyObj(obj: KubeObject | undefined): boolean {
  return !!obj && obj.metadata.generation === obj.status?.observedGeneration && cond(obj) === 'True';
}

/** Domain config so URLs look like the seeds (example.com / mydomain.com). */
export function domainConfigMap(domain: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-domain', namespace: 'knative-serving' }, data: { [domain]: '' } } as any;
}

/** Apply (create or update) a Service the way kubectl would over HTTP, through the client. */
export async function applyService(h: Harness, svc: KubeObject): Promise<KubeObject> {
  const cur = await h.controller.client.get(R.services, svc.metadata.namespace!, svc.metadata.name!);
  if (!cur) return h.controller.client.create(R.services, svc);
  for (let i = 0; ; i++) {
    const latest = (await h.controller.client.get(R.services, svc.metadata.namespace!, svc.metadata.name!))!;
    // Like `kubectl apply`'s 3-way merge: an unchanged BYO-named template keeps the stored
    // (defaulted) form — the webhook does not re-default a template whose name did not change.
    const byo = svc.spec.template?.metadata?.name;
    const spec = byo && byo === latest.spec.template?.metadata?.name ? { ...svc.spec, template: latest.spec.template } : svc.spec;
    try {
      return await h.controller.client.update(R.services, {
        ...latest,
        metadata: {
          ...latest.metadata,
          labels: svc.metadata.labels ?? latest.metadata.labels,
          annotations: { ...(latest.metadata.annotations ?? {}), ...(svc.metadata.annotations ?? {}) },
        },
        spec,
      });
    } catch (e) {
      if (i > 5) throw e;
    }
  }
}

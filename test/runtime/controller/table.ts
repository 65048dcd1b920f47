/**
 * Table-driven reconciler tests (Knative's TableTest in TypeScript): each row seeds a world into
 * the API emulator, runs ONE reconcile of one key with a fixed clock, and compares the recorded
 * write actions (creates, updates, status updates, deletes — in order, nothing extra; a failed
 * write reads `… → <code>`) plus optional checks on the written objects.
 *
 * Failure rows (Knative's `WithReactors: InduceFailure(verb, resource)`): `withReactors` makes
 * matching API requests fail during the row's reconcile, which must then return an error;
 * `thenConverges` clears the failures, lets the informer caches catch up with what was written,
 * and runs the next reconcile of the key, which must succeed with exactly the given writes.
 * Event writes (events.k8s.io) are left out of `want`; `wantEvents` checks them (Knative's
 * WantEvents).
 */
import { NOW, newController } from './harness';
import type { KubeObject } from '../../../src/core/types';
import { fixedClock } from '../../../src/runtime/controller/clock';
import { Controller } from '../../../src/runtime/controller/controller';
import type { IngressProber } from '../../../src/runtime/controller/ingress-probe';
import { FailureSpec, KubeApiEmulator, RecordedAction } from '../../support/emulator';

export type Kind = 'Service' | 'Configuration' | 'Revision' | 'Route' | 'DomainMapping';

export interface Row {
  name: string;
  objects: KubeObject[];
  key: string;
  /** e.g. 'create configurations default/foo', 'update services/status default/foo', 'delete revisions default/x' */
  want: string[];
  wantErr?: boolean | RegExp;
  check?: (actions: RecordedAction[], emu: KubeApiEmulator, ctl: Controller) => void;
  /**
   * The Events the reconcile records, as `<type> <reason> <Kind>/<name>: <note>` (regarding
   * object), in order. Event writes are not part of `want`; unchecked when absent.
   */
  wantEvents?: string[];
  /** Requests that fail during this reconcile (see `induceFailure`). */
  withReactors?: FailureSpec[];
  /**
   * Seed objects the emulator's admission would reject (and then accept status writes for
   * them, as the API server does for objects stored before a webhook existed). Default true.
   */
  admission?: boolean;
  /**
   * What the Route reconciler's IngressReady probe asks. Default: the harness's ingress stand-in,
   * which serves each Route as the emulator stores it (so a status is served once written).
   */
  ingressProber?: (emu: KubeApiEmulator) => IngressProber;
  /** The next reconcile, without the failures, succeeds with exactly these writes. */
  thenConverges?: { want: string[]; check?: (actions: RecordedAction[], emu: KubeApiEmulator) => void };
}

export function describeAction(a: RecordedAction): string {
  return `${a.verb} ${a.resource}${a.subresource ? '/' + a.subresource : ''} ${a.namespace}/${a.name}${a.error ? ` → ${a.error.code}` : ''}`;
}

/**
 * Knative's `InduceFailure(verb, resource)`: every `verb` request on `resource` ('deployments',
 * 'services' = Kubernetes Services, 'ksvc', 'revisions', …) fails with `code` during the row's
 * reconcile. Verb 'status' is an update of the /status subresource.
 */
export function induceFailure(verb: 'create' | 'update' | 'delete' | 'status', resource: string, code = 500, reason?: string): FailureSpec {
  return { verb, resource, code, reason, times: Number.MAX_SAFE_INTEGER };
}

/** Wait until the controller's caches reflect every successful write in `actions`. */
async function cachesCaughtUp(ctl: Controller, actions: RecordedAction[], timeoutMs = 5000): Promise<void> {
  const informers = Object.values(ctl.informers);
  const rv = (v: string | undefined) => (v ? Number(v) : -1);
  const pending = () => actions.filter((a) => {
    if (a.error) return false;
    const inf = informers.find((i) => i.resource.plural === a.resource && i.resource.group === a.group);
    if (!inf) return false;
    const cached = inf.lister.get(a.namespace, a.name);
    if (a.verb === 'delete') return cached !== undefined;
    return !cached || rv(cached.metadata.resourceVersion) < rv(a.result?.metadata?.resourceVersion);
  });
  const deadline = Date.now() + timeoutMs;
  while (pending().length > 0) {
    if (Date.now() > deadline) throw new Error(`caches did not catch up with: ${pending().map(describeAction).join(', ')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Events created (and series patches, as `+1 <name>`) among `actions`. */
export function describeEvents(actions: RecordedAction[]): string[] {
  return actions.filter((a) => a.group === 'events.k8s.io' && !a.error).map((a) => {
    if (a.verb !== 'create') return `series ${a.name}`;
    const e: any = a.object;
    return `${e.type} ${e.reason} ${e.regarding.kind}/${e.regarding.name}: ${e.note}`;
  });
}

/** The object written by the n-th action matching `prefix`. */
export function written(actions: RecordedAction[], prefix: string, n = 0): any {
  const m = actions.filter((a) => describeAction(a).startsWith(prefix));
  if (!m[n]) throw new Error(`no action "${prefix}" in ${actions.map(describeAction).join(', ')}`);
  return m[n].object;
}

export function condOf(obj: any, type: string): any {
  return (obj?.status?.conditions ?? []).find((c: any) => c.type === type);
}

export function runTable(kind: Kind, rows: Row[]): void {
  describe(`${kind} reconciler table`, () => {
    let emu: KubeApiEmulator;
    let ctl: Controller | undefined;
    afterEach(async () => {
      await ctl?.stop();
      ctl = undefined;
      await emu?.stop();
    });
    for (const row of rows) {
      test(row.name, async () => {
        emu = await KubeApiEmulator.start({ now: () => new Date(NOW), ...(row.admission === false ? { admission: false } : {}) });
        emu.seed(...row.objects);
        emu.clearActions();
        const prober = row.ingressProber ? { ingressProber: row.ingressProber(emu) } : {};
        ctl = newController(emu, { runWorkers: false, clock: fixedClock(NOW), ...prober });
        await ctl.start();
        if (row.withReactors?.length && !row.wantErr) throw new Error(`row "${row.name}": a row with reactors must expect the reconcile error (wantErr)`);
        for (const f of row.withReactors ?? []) emu.inject(f);
        let err: unknown;
        try {
          await ctl.reconcileOnce(kind, row.key);
        } catch (e) {
          err = e;
        }
        const actions = emu.actions().filter((a) => a.group !== 'events.k8s.io');
        if (row.wantErr) {
          expect(err).toBeDefined();
          if (row.wantErr instanceof RegExp) expect(String((err as Error).message)).toMatch(row.wantErr);
        } else if (err) {
          throw err;
        }
        expect(actions.map(describeAction)).toEqual(row.want);
        row.check?.(actions, emu, ctl);
        // Event writes are asynchronous: awaited after the row's checks (which may look at timers).
        await ctl.events.idle();
        if (row.wantEvents) expect(describeEvents(emu.actions())).toEqual(row.wantEvents);
        if (row.thenConverges) {
          emu.clearInjections();
          await cachesCaughtUp(ctl, actions);
          emu.clearActions();
          await ctl.reconcileOnce(kind, row.key);
          const next = emu.actions().filter((a) => a.group !== 'events.k8s.io');
          expect(next.map(describeAction)).toEqual(row.thenConverges.want);
          row.thenConverges.check?.(next, emu);
        }
      });
    }
  });
}

// ----------------------------------------------------------------------------- fixtures

export const uid = (kind: string, name: string) => `uid-${kind.toLowerCase()}-${name}`;

export function owner(kind: string, name: string): any {
  return { apiVersion: 'serving.knative.dev/v1', kind, name, uid: uid(kind, name), controller: true, blockOwnerDeletion: true };
}

export function readyStatus(gen: number, conds: string[], extra: any = {}): any {
  return {
    observedGeneration: gen,
    conditions: ['Ready', ...conds].sort().map((type) => ({ type, status: 'True', lastTransitionTime: NOW })),
    ...extra,
  };
}

/** A Revision's status once its Deployment is available and its containers are healthy. */
export const READY_REVISION_STATUS = readyStatus(1, ['ResourcesAvailable', 'ContainerHealthy']);

export interface RevisionFixture {
  /** `serving.knative.dev/configurationGeneration`; default 1. */
  readonly gen?: number;
  /** Omitted when unset. */
  readonly status?: any;
  /** Added to the configuration labels. */
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  /** Default: owned by Configuration `web`. */
  readonly ownerReferences?: any[];
  readonly creationTimestamp?: string;
  /** Default: `TEMPLATE.spec`. */
  readonly spec?: any;
}

/** A Revision of Configuration `web` in `default`, as the Configuration reconciler creates it. */
export function revisionFixture(name: string, o: RevisionFixture = {}): KubeObject {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: {
      name,
      namespace: 'default',
      generation: 1,
      uid: uid('Revision', name),
      ownerReferences: o.ownerReferences ?? [owner('Configuration', 'web')],
      labels: { 'serving.knative.dev/configuration': 'web', 'serving.knative.dev/configurationGeneration': String(o.gen ?? 1), ...o.labels },
      annotations: o.annotations,
      creationTimestamp: o.creationTimestamp,
    },
    spec: o.spec ?? TEMPLATE.spec,
    ...(o.status ? { status: o.status } : {}),
  };
}

export const TEMPLATE = {
  spec: {
    containers: [{ image: 'gcr.io/example/app:1', name: 'user-container', resources: {}, readinessProbe: { tcpSocket: { port: 0 }, successThreshold: 1 } }],
    timeoutSeconds: 300,
    containerConcurrency: 0,
    enableServiceLinks: false,
  },
};

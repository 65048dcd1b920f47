/**
 * Table-driven reconciler tests (Knative's TableTest in TypeScript): each row seeds a world into
 * the API emulator, runs ONE reconcile of one key with a fixed clock, and compares the recorded
 * write actions (creates, updates, status updates, deletes — in order, nothing extra) plus
 * optional checks on the written objects.
 */
import { NOW, newController } from './harness';
import type { KubeObject } from '../../../src/core/types';
import { fixedClock } from '../../../src/runtime/controller/clock';
import { Controller } from '../../../src/runtime/controller/controller';
import { KubeApiEmulator, RecordedAction } from '../../support/emulator';

export type Kind = 'Service' | 'Configuration' | 'Revision' | 'Route';

export interface Row {
  name: string;
  objects: KubeObject[];
  key: string;
  /** e.g. 'create configurations default/foo', 'update services/status default/foo', 'delete revisions default/x' */
  want: string[];
  wantErr?: boolean | RegExp;
  check?: (actions: RecordedAction[], emu: KubeApiEmulator) => void;
  /**
   * Seed objects the emulator's admission would reject (and then accept status writes for
   * them, as the API server does for objects stored before a webhook existed). Default true.
   */
  admission?: boolean;
}

export function describeAction(a: RecordedAction): string {
  return `${a.verb} ${a.resource}${a.subresource ? '/' + a.subresource : ''} ${a.namespace}/${a.name}`;
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
        ctl = newController(emu, { runWorkers: false, clock: fixedClock(NOW) });
        await ctl.start();
        let err: unknown;
        try {
          await ctl.reconcileOnce(kind, row.key);
        } catch (e) {
          err = e;
        }
        const actions = emu.actions();
        if (row.wantErr) {
          expect(err).toBeDefined();
          if (row.wantErr instanceof RegExp) expect(String((err as Error).message)).toMatch(row.wantErr);
        } else if (err) {
          throw err;
        }
        expect(actions.map(describeAction)).toEqual(row.want);
        row.check?.(actions, emu);
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

/**
 * EventRecorder against the API emulator: events.k8s.io/v1 Events about the right object, one
 * Event per (object, type, reason, note) with its series count patched on repeats, a new Event
 * after the 6-minute window or when the old one expired, writes that never throw.
 */
import { NOW, kubeConfigFor } from './harness';
import type { KubeObject } from '../../../src/core/types';
import { KubeClient } from '../../../src/runtime/controller/client';
import { fixedClock } from '../../../src/runtime/controller/clock';
import { EVENT_SERIES_WINDOW_MS, EVENTS, EventRecorder } from '../../../src/runtime/controller/events';
import { KubeApiEmulator } from '../../support/emulator';

const rev: KubeObject = {
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Revision',
  metadata: { name: 'web-00001', namespace: 'default', uid: 'uid-rev', resourceVersion: '7' },
};

describe('EventRecorder', () => {
  let emu: KubeApiEmulator;
  beforeEach(async () => {
    emu = await KubeApiEmulator.start({ now: () => new Date(NOW) });
  });
  afterEach(async () => {
    await emu.stop();
  });

  const stored = (): any[] => emu.list<any>('events.events.k8s.io', 'default')
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));

  test('a repeated event is one Event with a series count; another reason or note is another Event', async () => {
    const clock = fixedClock(NOW);
    const rec = new EventRecorder({ client: new KubeClient(kubeConfigFor(emu)), instance: 'controller-0', clock });
    rec.event(rev, 'Warning', 'InternalError', 'boom');
    await rec.idle();
    clock.advance(5_000);
    rec.event(rev, 'Warning', 'InternalError', 'boom');
    clock.advance(5_000);
    rec.event(rev, 'Warning', 'InternalError', 'boom');
    rec.event(rev, 'Normal', 'RevisionReady', 'Revision becomes ready upon all resources being ready');
    await rec.idle();
    const events = stored();
    expect(events).toHaveLength(2);
    const err = events.find((e) => e.reason === 'InternalError');
    expect(err).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      type: 'Warning',
      note: 'boom',
      action: 'Reconcile',
      reportingController: 'knative.dev/serving-controller',
      reportingInstance: 'controller-0',
      eventTime: '2026-01-01T00:00:00.000000Z',
      regarding: { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', name: 'web-00001', namespace: 'default', uid: 'uid-rev', resourceVersion: '7' },
      series: { count: 3, lastObservedTime: '2026-01-01T00:00:10.000000Z' },
    });
    expect(err.metadata.name).toMatch(/^web-00001\.[0-9a-f]+$/);
    expect(events.find((e) => e.reason === 'RevisionReady').series).toBeUndefined();
    const writes = emu.actions({ resource: 'events.events.k8s.io' }).map((a) => `${a.verb} ${a.name === err.metadata.name ? 'err' : 'ready'}`);
    // writes of one series are in order; different series are written concurrently
    expect(writes.filter((w) => w.endsWith('err'))).toEqual(['create err', 'patch err', 'patch err']);
    expect(writes.filter((w) => w.endsWith('ready'))).toEqual(['create ready']);
    expect(rec.stats).toEqual({ created: 2, patched: 2, failed: 0 });
  });

  test('after the 6-minute window, or once the Event expired on the server, a new Event is created', async () => {
    const clock = fixedClock(NOW);
    const rec = new EventRecorder({ client: new KubeClient(kubeConfigFor(emu)), instance: 'controller-0', clock });
    rec.event(rev, 'Warning', 'InternalError', 'boom');
    await rec.idle();
    clock.advance(EVENT_SERIES_WINDOW_MS + 1);
    rec.event(rev, 'Warning', 'InternalError', 'boom');
    await rec.idle();
    expect(stored()).toHaveLength(2);
    // The API server's TTL removed the newest one: the next repeat creates a fresh Event.
    const newest = stored().sort((a, b) => a.eventTime.localeCompare(b.eventTime))[1];
    await new KubeClient(kubeConfigFor(emu)).delete(EVENTS, 'default', newest.metadata.name);
    clock.advance(1_000);
    rec.event(rev, 'Warning', 'InternalError', 'boom');
    await rec.idle();
    const names = stored().map((e) => e.metadata.name);
    expect(names).toHaveLength(2);
    expect(names).not.toContain(newest.metadata.name);
    expect(stored().every((e) => e.series === undefined)).toBe(true);
  });

  test('a failed write is counted and logged, never thrown; a long note is cut to the API limit', async () => {
    const rec = new EventRecorder({ client: new KubeClient(kubeConfigFor(emu)), instance: 'controller-0', clock: fixedClock(NOW) });
    emu.inject({ verb: 'create', resource: 'events.events.k8s.io', code: 500, times: 1 });
    rec.event(rev, 'Warning', 'InternalError', 'x');
    await rec.idle();
    expect(rec.stats.failed).toBe(1);
    rec.event({ ...rev, metadata: { ...rev.metadata, uid: 'other' } }, 'Warning', 'InternalError', 'y'.repeat(5000));
    await rec.idle();
    const e = stored().find((x) => x.regarding.uid === 'other');
    expect(e.note).toHaveLength(1024);
    expect(e.note.endsWith('...')).toBe(true);
  });
});

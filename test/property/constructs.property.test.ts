/**
 * Property tests: thousands of random prop sets thrown at the L2 constructs. Every case either
 *
 *  - fails with a clear Error: synth-time errors name the construct path and say how to fix the
 *    problem (or name the bad value); eager errors (thrown while building) say how to fix it and
 *    name the bad value or property; or
 *  - synthesizes to objects that pass Knative validation with zero errors, lose nothing in
 *    Knative's Go JSON round trip, are a fixed point of Knative defaulting, and contain every
 *    field that was asked for (nothing silently dropped).
 *
 * Seeded for reproducibility (PROPERTY_SEED overrides); PROPERTY_RUNS scales the number of runs.
 */
import { appendFileSync } from 'node:fs';
import { App, Chart, Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { buildSplit, entries, objectName, serviceCase, serviceProps } from './arbitraries';
import { KnService, Route, RevisionName, TrafficSplit } from '../../src';
import { goJsonRoundTripChanges } from '../../src/core/go-json';
import { applyDefaults, formatViolation, validate } from '../../src/core/rules';
import type { KubeObject } from '../../src/core/types';
import { KnativeError } from '../../src/serving/errors';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261121);
const SCALE = Number(process.env.PROPERTY_RUNS_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

function synthObjects(app: App): KubeObject[] {
  return app.charts.flatMap((c) => c.toJson() as KubeObject[]);
}

/** A failure must be an Error that says what is wrong and how to fix it. */
function expectClearError(e: unknown, constructPath: string, eager: boolean): void {
  expect(e).toBeInstanceOf(Error);
  const msg = (e as Error).message;
  if (process.env.PROPERTY_LOG) appendFileSync(process.env.PROPERTY_LOG, `${eager ? 'EAGER' : 'SYNTH'} ${msg}\n`);
  if (!eager && msg.startsWith('Validation failed')) {
    const lines = msg.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      // `[<construct path>] <field path>: <message> (got <value>). Fix: <fix>`
      expect(line.startsWith(`[${constructPath}`)).toBe(true);
      if (!/Fix:|fix|\(got /.test(line)) throw new Error(`synth error neither names the bad value nor a fix: ${line}`);
    }
    return;
  }
  // Eager errors (construction / mutator calls): the shared error type and format
  // `[<construct path>] <field>: <message> (got <value>). Fix: <fix>` (the value when one was written).
  if (!KnativeError.is(e)) throw new Error(`eager error is not a KnativeError: ${msg}`);
  if (!/^\[[^\]]+\] [^:]+: .+\. Fix: \S/s.test(msg)) throw new Error(`eager error not in the shared format: ${msg}`);
}

/**
 * Runs `build` (props, constructor, fluent calls), then synthesizes, and counts the outcome:
 * `eager` (build threw), `synth` (synthesis threw) or `ok`. Every error must be a clear one; an
 * error thrown while `build` has marked the constructor as running must start with the construct
 * path. Returns the synthesized objects only when both steps succeed.
 */
function synthOrClassify(outcomes: Record<string, number>, app: App, path: string,
  build: (inConstructor: (running: boolean) => void) => void): KubeObject[] | undefined {
  let inConstructor = false;
  try {
    build((running) => { inConstructor = running; });
  } catch (e) {
    outcomes.eager++;
    expectClearError(e, path, true);
    // Errors thrown by the constructor name the construct path.
    if (inConstructor) expect((e as KnativeError).constructPath).toBe(path);
    return undefined;
  }
  let objects: KubeObject[];
  try {
    objects = synthObjects(app);
  } catch (e) {
    outcomes.synth++;
    expectClearError(e, path, false);
    return undefined;
  }
  outcomes.ok++;
  return objects;
}

/** Zero validation errors, nothing dropped or rewritten by Go's round trip, a fixed point of Knative defaulting (no exceptions). */
function expectAdmitted(obj: KubeObject): void {
  const errors = validate(obj, { operation: 'create' }).filter((v) => v.severity !== 'warning').map(formatViolation);
  expect(errors).toEqual([]);
  expect(goJsonRoundTripChanges(obj).filter((c) => c.change !== 'added')).toEqual([]);
  expect(applyDefaults(obj, { operation: 'create' })).toEqual(obj);
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('constructs under random props', () => {
  let outcomes: Record<string, number>;
  beforeEach(() => { outcomes = { eager: 0, synth: 0, ok: 0 }; });

  test('KnService: clear error, or admitted output with nothing dropped', () => {
    fc.assert(fc.property(serviceCase, (p) => {
      const app = new App();
      const chart = new Chart(app, 'prop', { namespace: p.namespace });
      const path = 'prop/Svc';
      let svc!: KnService;
      const objects = synthOrClassify(outcomes, app, path, (inConstructor) => {
        const props = serviceProps(p);
        inConstructor(true);
        svc = new KnService(chart, 'Svc', props);
        inConstructor(false);
        if (p.traffic) svc.replaceTraffic(buildSplit(svc, chart, p.traffic));
      });
      if (objects === undefined) return;
      expect(objects).toHaveLength(1);
      const obj = objects[0];
      expectAdmitted(obj);

      // Nothing requested is silently dropped.
      const tpl = obj.spec.template;
      const c = tpl.spec.containers[0];
      expect(obj.metadata.name).toBe(p.name);
      expect(c.image).toBe(p.image);
      // An empty value is Go's zero value: left out, as Knative's admission would (same variable).
      expect(c.env ?? []).toEqual(Object.entries(p.env).map(([name, value]) => (value === '' ? { name } : { name, value })));
      if (p.port !== undefined) expect(c.ports).toEqual([{ containerPort: p.port }]);
      else expect(c.ports).toBeUndefined();
      // Knative's defaults (300 s, 0) are rendered when unset.
      expect(tpl.spec.containerConcurrency).toBe(p.containerConcurrency ?? 0);
      expect(tpl.spec.timeoutSeconds).toBe(p.timeout?.s ?? 300);
      if (p.revisionName !== undefined) expect(tpl.metadata.name).toBe(p.revisionName.startsWith(`${p.name}-`) ? p.revisionName : `${p.name}-${p.revisionName}`);
      for (const [k, v] of Object.entries(p.revisionLabels)) expect(tpl.metadata.labels[k]).toBe(v);
      const annotations = tpl.metadata?.annotations ?? {};
      for (const [key, prefixKey] of [['minScale', 'min-scale'], ['maxScale', 'max-scale'], ['target', 'target'], ['initialScale', 'initial-scale']] as const) {
        const v = p.autoscaling?.[key];
        if (v !== undefined) expect(annotations[`autoscaling.knative.dev/${prefixKey}`]).toBe(String(v));
      }
      const traffic = obj.spec.traffic as Array<Record<string, unknown>>;
      if (p.traffic && p.traffic.length > 0) {
        expect(traffic).toHaveLength(p.traffic.length);
        p.traffic.forEach((e, i) => {
          if (e.tag !== undefined) expect(traffic[i].tag).toBe(e.tag);
          if (!e.remainder) expect(traffic[i].percent).toBe(e.percent);
        });
        expect(traffic.reduce((s, t) => s + (t.percent as number), 0)).toBe(100);
      } else {
        expect(traffic).toEqual([{ latestRevision: true, percent: 100 }]);
      }
    }), { seed: SEED, numRuns: runs(2500) });
    // The generator must exercise all three outcomes, or the property proves little.
    expect(outcomes.ok).toBeGreaterThan(50);
    expect(outcomes.eager).toBeGreaterThan(50);
    expect(outcomes.synth).toBeGreaterThan(50);
  });

  test('Route: clear error, or admitted output with every entry kept', () => {
    const routeCase = fc.record({ name: objectName, entries, clusterLocal: fc.boolean() });
    fc.assert(fc.property(routeCase, (p) => {
      const app = new App();
      const chart = new Chart(app, 'prop', { namespace: 'default' });
      const path = 'prop/Route';
      const objects = synthOrClassify(outcomes, app, path, (inConstructor) => {
        const traffic = buildSplit(undefined, chart, p.entries);
        inConstructor(true);
        new Route(chart, 'Route', { metadata: { name: p.name }, clusterLocal: p.clusterLocal, traffic });
      });
      if (objects === undefined) return;
      const [route] = objects;
      expectAdmitted(route);
      expect(route.spec.traffic).toHaveLength(p.entries.length);
      if (p.clusterLocal) expect(route.metadata.labels?.['networking.knative.dev/visibility']).toBe('cluster-local');
      p.entries.forEach((e, i) => {
        const t = route.spec.traffic[i];
        if (e.tag !== undefined) expect(t.tag).toBe(e.tag);
        if (e.target.kind === 'configuration') expect(t.configurationName).toBe(e.target.name);
        if (e.target.kind === 'revisionName') expect(t.revisionName).toBe(e.target.name);
      });
    }), { seed: SEED + 1, numRuns: runs(1000) });
    expect(outcomes.ok).toBeGreaterThan(20);
    expect(outcomes.synth + outcomes.eager).toBeGreaterThan(20);
  });

  test('release/promote walk: every percent 0..100 gives a valid, 100%-summing split', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 100 }), fc.boolean(), (pct, promote) => {
      const app = new App();
      const chart = new Chart(app, 'prop', { namespace: 'default' });
      const svc = new KnService(chart, 'Svc', {
        metadata: { name: 'my-service' },
        image: 'img',
        revisionName: RevisionName.of('ghi'),
      });
      const split = TrafficSplit.release({ current: svc.revision('def'), candidate: svc.currentRevision!, candidatePercent: pct });
      svc.replaceTraffic(promote ? split.promote() : split);
      const [obj] = synthObjects(app);
      expectAdmitted(obj);
      const byTag = Object.fromEntries((obj.spec.traffic as Array<{ tag: string; percent: number }>).map((t) => [t.tag, t.percent]));
      expect(byTag).toEqual(promote ? { current: 100, latest: 0 } : { current: 100 - pct, candidate: pct, latest: 0 });
    }), { seed: SEED + 2, numRuns: runs(300) });
  });
});

test('unset timeoutSeconds/containerConcurrency are rendered as Knative\'s defaults (reference §14.3); a 600s timeout also gets responseStartTimeoutSeconds 300', () => {
  const app = new App();
  const chart = new Chart(app, 'defaults', { namespace: 'default' });
  new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'img' });
  new KnService(chart, 'Long', { metadata: { name: 'long' }, image: 'img', timeout: Duration.seconds(600) });
  const [svc, long] = synthObjects(app);
  expect(svc.spec.template.spec).toMatchObject({ timeoutSeconds: 300, containerConcurrency: 0 });
  expect(svc.spec.template.spec).not.toHaveProperty('responseStartTimeoutSeconds');
  expect(long.spec.template.spec).toMatchObject({ timeoutSeconds: 600, containerConcurrency: 0, responseStartTimeoutSeconds: 300 });
  expectAdmitted(svc);
  expectAdmitted(long);
});

test('timeout 0s is rejected eagerly with the value and a fix', () => {
  const app = new App();
  const chart = new Chart(app, 'zero', { namespace: 'default' });
  let error: unknown;
  try {
    new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'img', timeout: Duration.seconds(0) });
  } catch (e) {
    error = e;
  }
  expectClearError(error, 'zero/Svc', true);
  expect((error as Error).message).toMatch(/^\[zero\/Svc\] timeout: must be at least 1 second .*\(got 0 seconds\)\. Fix: Omit timeout to use the cluster default/);
});

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
import { EnvValue } from 'cdk8s-plus-28';
import * as fc from 'fast-check';
import {
  AutoscalerClass, AutoscalingMetric, AutoscalingOptions, Configuration, KnService, Route, RevisionName,
  TrafficSplit, TrafficTarget,
} from '../../src';
import { goJsonRoundTripChanges } from '../../src/core/go-json';
import { applyDefaults, formatViolation, validate } from '../../src/core/rules';
import type { KubeObject } from '../../src/core/types';
import { KnativeError } from '../../src/serving/errors';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261121);
const SCALE = Number(process.env.PROPERTY_RUNS_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const label = fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/);
/** Object names: mostly valid, some invalid (uppercase, too long, leading digit/dash, dots). */
const objectName = fc.oneof(
  { weight: 6, arbitrary: label },
  { weight: 1, arbitrary: fc.constantFrom('My-Service', 'a_b', '-svc', 'svc-', '1svc', 'a.b', 'x'.repeat(64), 'y'.repeat(50)) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 70 }) },
);
const image = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('gcr.io/x/app:1.0', 'ghcr.io/org/svc', 'nginx', 'registry.local:5000/a/b@sha256:' + 'a'.repeat(64)) },
  { weight: 1, arbitrary: fc.constantFrom('', ' gcr.io/x', 'gcr.io/x ', 'UPPER/Case') },
);
const port = fc.option(fc.oneof(
  fc.constantFrom(8080, 80, 3000, 443, 0, 1, 65535),
  fc.constantFrom(8008, 8012, 8013, 8022, 9090, 9091), // reserved by Knative
  fc.constantFrom(-1, 65536, 70000, 8080.5),
), { nil: undefined, freq: 3 });
const envName = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,12}$/) },
  { weight: 2, arbitrary: fc.constantFrom('PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION') }, // reserved
  { weight: 1, arbitrary: fc.constantFrom('a=b', '1BAD', 'has space', 'dots.are.ok', 'lower_case') },
);
const env = fc.dictionary(envName, fc.string({ maxLength: 12 }), { maxKeys: 4 });
const intOrFloat = (min: number, max: number) => fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min, max }) },
  { weight: 1, arbitrary: fc.double({ min, max, noNaN: true }) },
);
const secondsFrom = (min: number) => fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min, max: 4000 }).map((s) => ({ s, d: Duration.seconds(s) })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }).map((ms) => ({ s: ms / 1000, d: Duration.millis(ms) })) },
);
const seconds = secondsFrom(0);
/** Revision timeouts, including 0 (rejected eagerly: Knative would re-default it). */
const revisionTimeout = secondsFrom(0);
const autoscaling: fc.Arbitrary<AutoscalingOptions | undefined> = fc.option(fc.record({
  autoscalerClass: fc.constantFrom(AutoscalerClass.KPA, AutoscalerClass.HPA),
  metric: fc.constantFrom(AutoscalingMetric.CONCURRENCY, AutoscalingMetric.RPS, AutoscalingMetric.CPU, AutoscalingMetric.MEMORY),
  target: intOrFloat(-5, 500),
  targetUtilizationPercentage: intOrFloat(-5, 150),
  targetBurstCapacity: intOrFloat(-3, 300),
  minScale: intOrFloat(-2, 12),
  maxScale: intOrFloat(-2, 12),
  initialScale: intOrFloat(-2, 5),
  activationScale: intOrFloat(-1, 5),
  window: seconds.map((x) => x.d),
  panicWindowPercentage: intOrFloat(-5, 150),
  panicThresholdPercentage: intOrFloat(50, 1500),
  scaleDownDelay: seconds.map((x) => x.d),
}, { requiredKeys: [] }), { nil: undefined, freq: 2 });

const tag = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('v1', 'v2', 'current', 'candidate', 'latest') }, // duplicates likely
  { weight: 2, arbitrary: label },
  { weight: 1, arbitrary: fc.constantFrom('Bad_Tag', '1v', 'v1-', '', 't'.repeat(60), 't'.repeat(64)) },
);
const percent = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 100 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 101, 50.5) },
);
const suffix = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('v1', 'v2', 'abc', 'def', '00001') },
  { weight: 1, arbitrary: fc.constantFrom('Bad', '', '-', 'a'.repeat(70)) },
);

type TargetSpec = { kind: 'latest' } | { kind: 'revision'; suffix: string } | { kind: 'revisionName'; name: string } | { kind: 'configuration'; name: string };
interface EntrySpec { target: TargetSpec; percent: number; tag?: string; remainder: boolean }

const target: fc.Arbitrary<TargetSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'latest' as const }) },
  { weight: 3, arbitrary: suffix.map((s) => ({ kind: 'revision' as const, suffix: s })) },
  { weight: 1, arbitrary: objectName.map((name) => ({ kind: 'revisionName' as const, name })) },
  { weight: 1, arbitrary: objectName.map((name) => ({ kind: 'configuration' as const, name })) },
);
const entries = fc.array(fc.record({
  target, percent, tag: fc.option(tag, { nil: undefined, freq: 2 }), remainder: fc.boolean(),
}), { maxLength: 4 }).map((es) => es.map((e, i) => ({ ...e, remainder: e.remainder && i === es.length - 1 })));

interface ServiceCase {
  name: string;
  namespace: string;
  image: string;
  shortcut: boolean;
  port?: number;
  env: Record<string, string>;
  containerConcurrency?: number;
  timeout?: { s: number; d: Duration };
  autoscaling?: AutoscalingOptions;
  revisionName?: string;
  traffic?: EntrySpec[];
  revisionLabels: Record<string, string>;
}

const serviceCase: fc.Arbitrary<ServiceCase> = fc.record({
  name: objectName,
  namespace: fc.oneof({ weight: 5, arbitrary: fc.constant('default') }, { weight: 1, arbitrary: objectName }),
  image,
  shortcut: fc.boolean(),
  port,
  env,
  containerConcurrency: fc.option(intOrFloat(-3, 1200), { nil: undefined, freq: 2 }),
  timeout: fc.option(revisionTimeout, { nil: undefined, freq: 2 }),
  autoscaling,
  revisionName: fc.option(suffix, { nil: undefined, freq: 2 }),
  traffic: fc.option(entries, { nil: undefined, freq: 3 }),
  revisionLabels: fc.dictionary(fc.constantFrom('app', 'tier', 'functions.knative.dev/type', 'serving.knative.dev/service', 'Bad Key'), label, { maxKeys: 2 }),
}, { requiredKeys: ['name', 'namespace', 'image', 'shortcut', 'env', 'revisionLabels'] });

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

function buildTarget(svc: KnService | undefined, chart: Chart, t: TargetSpec, i: number): TrafficTarget {
  switch (t.kind) {
    case 'latest': return TrafficTarget.latestRevision();
    case 'revision': return svc ? TrafficTarget.revision(svc.revision(t.suffix)) : TrafficTarget.revisionName(t.suffix);
    case 'revisionName': return TrafficTarget.revisionName(t.name);
    case 'configuration': return TrafficTarget.configuration(Configuration.fromConfigurationName(chart, `Cfg${i}`, t.name));
  }
}

function buildSplit(svc: KnService | undefined, chart: Chart, es: EntrySpec[]): TrafficSplit {
  const split = TrafficSplit.create();
  es.forEach((e, i) => {
    const t = buildTarget(svc, chart, e.target, i);
    if (e.remainder) split.remainderTo(t, { tag: e.tag });
    else split.to(t, e.percent, { tag: e.tag });
  });
  return split;
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
        const envVariables = Object.fromEntries(Object.entries(p.env).map(([k, v]) => [k, EnvValue.fromValue(v)]));
        const container = { image: p.image, port: p.port, envVariables };
        const revisionName = p.revisionName === undefined ? undefined : RevisionName.of(p.revisionName);
        inConstructor(true);
        svc = new KnService(chart, 'Svc', {
          metadata: { name: p.name },
          ...(p.shortcut ? { image: p.image, port: p.port, envVariables } : { containers: [container] }),
          containerConcurrency: p.containerConcurrency,
          timeout: p.timeout?.d,
          autoscaling: p.autoscaling,
          revisionName,
          revisionLabels: p.revisionLabels,
        });
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

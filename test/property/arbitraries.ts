/**
 * Arbitraries (fast-check) for the L2 constructs' props, shared by the property test
 * (constructs.property.test.ts) and the upstream conformance test (test/conformance), plus the
 * builders that turn a generated traffic table into a `TrafficSplit`.
 */
import { Chart, Duration } from 'cdk8s';
import { EnvValue } from 'cdk8s-plus-28';
import * as fc from 'fast-check';
import {
  AutoscalerClass, AutoscalingMetric, AutoscalingOptions, Configuration, KnService, KnServiceProps, RevisionName,
  TrafficSplit, TrafficTarget,
} from '../../src';

export const label = fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/);
/** Object names: mostly valid, some invalid (uppercase, too long, leading digit/dash, dots). */
export const objectName = fc.oneof(
  { weight: 6, arbitrary: label },
  { weight: 1, arbitrary: fc.constantFrom('My-Service', 'a_b', '-svc', 'svc-', '1svc', 'a.b', 'x'.repeat(64), 'y'.repeat(50)) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 70 }) },
);
export const image = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('gcr.io/x/app:1.0', 'ghcr.io/org/svc', 'nginx', 'registry.local:5000/a/b@sha256:' + 'a'.repeat(64)) },
  { weight: 1, arbitrary: fc.constantFrom('', ' gcr.io/x', 'gcr.io/x ', 'UPPER/Case') },
);
export const port = fc.option(fc.oneof(
  fc.constantFrom(8080, 80, 3000, 443, 0, 1, 65535),
  fc.constantFrom(8008, 8012, 8013, 8022, 9090, 9091), // reserved by Knative
  fc.constantFrom(-1, 65536, 70000, 8080.5),
), { nil: undefined, freq: 3 });
export const envName = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,12}$/) },
  { weight: 2, arbitrary: fc.constantFrom('PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION') }, // reserved
  { weight: 1, arbitrary: fc.constantFrom('a=b', '1BAD', 'has space', 'dots.are.ok', 'lower_case') },
);
export const env = fc.dictionary(envName, fc.string({ maxLength: 12 }), { maxKeys: 4 });
export const intOrFloat = (min: number, max: number) => fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min, max }) },
  { weight: 1, arbitrary: fc.double({ min, max, noNaN: true }) },
);
export const secondsFrom = (min: number) => fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min, max: 4000 }).map((s) => ({ s, d: Duration.seconds(s) })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }).map((ms) => ({ s: ms / 1000, d: Duration.millis(ms) })) },
);
export const seconds = secondsFrom(0);
/** Revision timeouts, including 0 (rejected eagerly: Knative would re-default it). */
export const revisionTimeout = secondsFrom(0);
export const autoscaling: fc.Arbitrary<AutoscalingOptions | undefined> = fc.option(fc.record({
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

export const tag = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('v1', 'v2', 'current', 'candidate', 'latest') }, // duplicates likely
  { weight: 2, arbitrary: label },
  { weight: 1, arbitrary: fc.constantFrom('Bad_Tag', '1v', 'v1-', '', 't'.repeat(60), 't'.repeat(64)) },
);
export const percent = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 100 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 101, 50.5) },
);
export const suffix = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('v1', 'v2', 'abc', 'def', '00001') },
  { weight: 1, arbitrary: fc.constantFrom('Bad', '', '-', 'a'.repeat(70)) },
);

export type TargetSpec = { kind: 'latest' } | { kind: 'revision'; suffix: string } | { kind: 'revisionName'; name: string } | { kind: 'configuration'; name: string };
export interface EntrySpec { target: TargetSpec; percent: number; tag?: string; remainder: boolean }

export const target: fc.Arbitrary<TargetSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'latest' as const }) },
  { weight: 3, arbitrary: suffix.map((s) => ({ kind: 'revision' as const, suffix: s })) },
  { weight: 1, arbitrary: objectName.map((name) => ({ kind: 'revisionName' as const, name })) },
  { weight: 1, arbitrary: objectName.map((name) => ({ kind: 'configuration' as const, name })) },
);
export const entries = fc.array(fc.record({
  target, percent, tag: fc.option(tag, { nil: undefined, freq: 2 }), remainder: fc.boolean(),
}), { maxLength: 4 }).map((es) => es.map((e, i) => ({ ...e, remainder: e.remainder && i === es.length - 1 })));

export interface ServiceCase {
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

export const serviceCase: fc.Arbitrary<ServiceCase> = fc.record({
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

// Builders

export function buildTarget(svc: KnService | undefined, chart: Chart, t: TargetSpec, i: number): TrafficTarget {
  switch (t.kind) {
    case 'latest': return TrafficTarget.latestRevision();
    case 'revision': return svc ? TrafficTarget.revision(svc.revision(t.suffix)) : TrafficTarget.revisionName(t.suffix);
    case 'revisionName': return TrafficTarget.revisionName(t.name);
    case 'configuration': return TrafficTarget.configuration(Configuration.fromConfigurationName(chart, `Cfg${i}`, t.name));
  }
}

export function buildSplit(svc: KnService | undefined, chart: Chart, es: EntrySpec[]): TrafficSplit {
  const split = TrafficSplit.create();
  es.forEach((e, i) => {
    const t = buildTarget(svc, chart, e.target, i);
    if (e.remainder) split.remainderTo(t, { tag: e.tag });
    else split.to(t, e.percent, { tag: e.tag });
  });
  return split;
}

/** The KnService props a generated case asks for (may throw eagerly: `RevisionName.of`). */
export function serviceProps(p: ServiceCase): KnServiceProps {
  const envVariables = Object.fromEntries(Object.entries(p.env).map(([k, v]) => [k, EnvValue.fromValue(v)]));
  const container = { image: p.image, port: p.port, envVariables };
  const revisionName = p.revisionName === undefined ? undefined : RevisionName.of(p.revisionName);
  return {
    metadata: { name: p.name },
    ...(p.shortcut ? { image: p.image, port: p.port, envVariables } : { containers: [container] }),
    containerConcurrency: p.containerConcurrency,
    timeout: p.timeout?.d,
    autoscaling: p.autoscaling,
    revisionName,
    revisionLabels: p.revisionLabels,
  };
}

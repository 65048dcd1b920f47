import { Duration, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { ServingControlPlane, ServingControlPlaneProps } from '../../src/control-plane';
import { parseServingConfig, routeHosts } from '../../src/core';

/** Synthesize, or return the error message. */
function attempt(props: ServingControlPlaneProps): { error?: string; data?: Record<string, Record<string, string>> } {
  try {
    const chart = Testing.chart();
    new ServingControlPlane(chart, 'cp', props);
    const data: Record<string, Record<string, string>> = {};
    for (const m of Testing.synth(chart).filter(o => o.kind === 'ConfigMap')) data[m.metadata.name] = m.data ?? {};
    return { data };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const piece = fc.constantFrom('{{.Name}}', '{{.Namespace}}', '{{.Domain}}', '{{.Tag}}', '.', '-', 'x', 'App', '/', '{{.Bogus}}', '{{index .Labels "team"}}', ' ');
const randomTemplate = fc.array(piece, { minLength: 0, maxLength: 6 }).map(a => a.join(''));
// Mostly near-valid templates (so both branches are exercised), plus fully random ones.
const domainTemplateArb = fc.oneof(
  fc.tuple(fc.constantFrom('{{.Name}}', '{{.Name}}-{{.Namespace}}', '{{.Namespace}}-{{.Name}}', 'x{{.Name}}'),
    fc.constantFrom('.', '-', '.{{.Namespace}}.', '/'), fc.constantFrom('{{.Domain}}', 'x.{{.Domain}}', '{{.Domain}}/p')).map(t => t.join('')),
  randomTemplate,
);
const tagTemplateArb = fc.oneof(
  fc.tuple(fc.constantFrom('{{.Tag}}', '{{.Name}}', 'x'), fc.constantFrom('-', '.', '--', ''), fc.constantFrom('{{.Name}}', '{{.Tag}}')).map(t => t.join('')),
  randomTemplate,
);
let accepted = 0;
let rejected = 0;

describe('properties', () => {
  test('random domain/tag templates either fail eagerly with a clear message or yield valid hosts for the runtime', () => {
    fc.assert(fc.property(domainTemplateArb, tagTemplateArb, fc.constantFrom('example.com', 'apps.internal'), (domainTemplate, tagTemplate, domain) => {
      const r = attempt({ defaultDomain: domain, network: { domainTemplate, tagTemplate } });
      if (r.error !== undefined) {
        rejected++;
        expect(r.error).toMatch(/^\[test\/cp\] network\.(domainTemplate|tagTemplate): .*\(got ".*"\)\. Fix: /);
        expect(r.error).toMatch(/Fix: /);
        return;
      }
      accepted++;
      // Accepted: the runtime parses it and computes valid hosts for an ordinary route and tag.
      const cfg = parseServingConfig(r.data!);
      const hosts = routeHosts({ name: 'shop', namespace: 'prod' }, ['canary'], cfg);
      expect(hosts.url).toMatch(/^http:\/\/[a-z0-9.-]+$/);
      expect(hosts.tags.canary.url).toMatch(/^http:\/\/[a-z0-9.-]+$/);
    }), { numRuns: 300, seed: 20261121 });
    // Both outcomes must actually occur, or the property says nothing.
    expect(accepted).toBeGreaterThan(5);
    expect(rejected).toBeGreaterThan(20);
  });

  test('random numeric settings either fail eagerly naming the prop or round-trip through the runtime parser', () => {
    const int = fc.integer({ min: -5, max: 2000 });
    fc.assert(fc.property(int, int, int, int, fc.integer({ min: 0, max: 1200 }), fc.integer({ min: 0, max: 1200 }),
      (min, max, cc, ccMax, timeout, maxTimeout) => {
        const r = attempt({
          gc: { minNonActiveRevisions: min, maxNonActiveRevisions: max },
          defaults: {
            containerConcurrency: cc,
            containerConcurrencyMaxLimit: ccMax,
            revisionTimeout: Duration.seconds(timeout),
            maxRevisionTimeout: Duration.seconds(maxTimeout),
          },
        });
        if (r.error !== undefined) {
          expect(r.error).toMatch(/^\[test\/cp\] (gc|defaults)\.[a-zA-Z]+: .*\(got .*\)\. Fix: /);
          return;
        }
        const cfg = parseServingConfig(r.data!);
        expect([cfg.gc.minNonActiveRevisions, cfg.gc.maxNonActiveRevisions]).toEqual([min, max]);
        expect([cfg.defaults.containerConcurrency, cfg.defaults.containerConcurrencyMaxLimit]).toEqual([cc, ccMax]);
        expect([cfg.defaults.revisionTimeoutSeconds, cfg.defaults.maxRevisionTimeoutSeconds]).toEqual([timeout, maxTimeout]);
      }), { numRuns: 300 });
  });

  test('random autoscaler settings either fail eagerly naming the prop or round-trip through the runtime parser', () => {
    let ok = 0;
    let bad = 0;
    // Each setting is unset half of the time; values lie mostly in range, sometimes just outside.
    const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 2 });
    const mostly = (lo: number, hi: number, outLo: number, outHi: number): fc.Arbitrary<number> =>
      fc.oneof({ arbitrary: fc.integer({ min: lo, max: hi }), weight: 4 }, { arbitrary: fc.integer({ min: outLo, max: outHi }), weight: 1 });
    fc.assert(fc.property(
      opt(fc.boolean()), opt(mostly(1, 4, -1, 0)), opt(mostly(0, 6, -1, 12)), opt(mostly(0, 12, -1, 12)),
      opt(mostly(0, 0, -1, 12)), opt(fc.oneof(fc.double({ min: 1, max: 100, noNaN: true }), fc.double({ min: -1, max: 120, noNaN: true }))),
      opt(mostly(6, 80, 1, 5)), opt(mostly(2, 100, 0, 120)), opt(mostly(110, 1000, 0, 1200)),
      (allowZero, initial, min, max, limit, utilization, stableS, panicPct, threshold) => {
        const r = attempt({
          autoscaler: {
            allowZeroInitialScale: allowZero,
            initialScale: initial,
            minScale: min,
            maxScale: max,
            maxScaleLimit: limit,
            targetUtilizationPercentage: utilization,
            stableWindow: stableS === undefined ? undefined : Duration.seconds(stableS),
            panicWindowPercentage: panicPct,
            panicThresholdPercentage: threshold,
          },
        });
        if (r.error !== undefined) {
          bad++;
          expect(r.error).toMatch(/^\[test\/cp\] autoscaler\.[a-zA-Z]+: .*\(got .*\)\. Fix: /);
          return;
        }
        ok++;
        // Accepted: the runtime's parser reads back exactly the values set (Knative's defaults for the rest).
        const a = parseServingConfig(r.data!).autoscaler;
        expect(a.allowZeroInitialScale).toBe(allowZero ?? false);
        expect(a.initialScale).toBe(initial ?? 1);
        expect([a.minScale, a.maxScale, a.maxScaleLimit]).toEqual([min ?? 0, max ?? 0, limit ?? 0]);
        expect(a.containerConcurrencyTargetPercentage).toBeCloseTo(utilization ?? 70, 9);
        expect(a.stableWindowSeconds).toBe(stableS ?? 60);
        expect(a.panicWindowPercentage).toBe(panicPct ?? 10);
        expect(a.panicThresholdPercentage).toBe(threshold ?? 200);
      }), { numRuns: 400, seed: 424242 });
    expect(ok).toBeGreaterThan(20);
    expect(bad).toBeGreaterThan(20);
  });
});

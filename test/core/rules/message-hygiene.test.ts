import { annSvc, ctrSvc, podSvc, route, withFeatures } from './helpers';
import { validate, Violation } from '../../../src/core/rules';
import type { KubeObject } from '../../../src/core/types';

const A = 'autoscaling.knative.dev/';
const SMALL_MAX_SCALE = withFeatures({}, (c) => { c.autoscaler.maxScaleLimit = 10; });

/** One input per `Sink.outOfBounds` call site in src/core/rules. */
const OUT_OF_BOUNDS: Array<[string, KubeObject, Parameters<typeof validate>[1]]> = [
  ['timeoutSeconds', podSvc((p) => { p.timeoutSeconds = 900; }), undefined],
  ['containerConcurrency', podSvc((p) => { p.containerConcurrency = 5000; }), undefined],
  ['containerPort', ctrSvc((c) => { c.ports = [{ containerPort: 70000 }]; }), undefined],
  ['probe successThreshold', ctrSvc((c) => { c.readinessProbe = { tcpSocket: {}, successThreshold: 0 }; }), undefined],
  ['probe periodSeconds', ctrSvc((c) => { c.readinessProbe = { tcpSocket: {}, periodSeconds: -1 }; }), undefined],
  ['runAsUser', ctrSvc((c) => { c.securityContext = { runAsUser: -1 }; }), undefined],
  ['supplementalGroups', podSvc((p) => { p.securityContext = { supplementalGroups: [-1] }; }), withFeatures({ 'kubernetes.podspec-securitycontext': 'Enabled' })],
  ['traffic percent', route((r) => { r.spec.traffic = [{ configurationName: 'c', percent: 101 }]; }), undefined],
  ['utilization', annSvc({ [`${A}target-utilization-percentage`]: '120' }), undefined],
  ['panic threshold', annSvc({ [`${A}panic-threshold-percentage`]: '100' }), undefined],
  ['min-scale int32', annSvc({ [`${A}min-scale`]: '-1' }), undefined],
  ['max-scale over the limit', annSvc({ [`${A}max-scale`]: '20' }), SMALL_MAX_SCALE],
  ['activation-scale', annSvc({ [`${A}activation-scale`]: '1' }), undefined],
  ['window', annSvc({ [`${A}window`]: '2s' }), undefined],
  ['queue resource percentage', annSvc({ 'queue.sidecar.serving.knative.dev/resourcePercentage': '200' }), undefined],
];

const BOUNDS = /^expected (\S+) <= \S+ <= (\S+)$/;

describe('message hygiene of the shared rules', () => {
  // Rows have three elements: jest passes `done` as an extra argument when the callback takes more.
  test.each(OUT_OF_BOUNDS)('%s: the Fix names the same range as "expected lo <= v <= hi"', (_name, obj, ctx) => {
    const hits = validate(obj, ctx).filter((v): v is Violation & { fix: string } => BOUNDS.test(v.message));
    expect(hits).toHaveLength(1);
    const [, lo, hi] = BOUNDS.exec(hits[0].message)!;
    expect(hits[0].fix).toContain(lo);
    expect(hits[0].fix).toContain(hi);
    // No other number range in the fix (e.g. "between 1 and 600" against "expected 0 <= … <= 600").
    const between = /between (\S+) .*?and (?:the [^(]*\()?([^\s)]+)/.exec(hits[0].fix);
    if (between) expect([between[1], between[2].replace(/[.,]$/, '')]).toEqual([lo, hi]);
  });

  test('no violation reports a value the object does not contain', () => {
    const objects = [
      ctrSvc((c) => { c.readinessProbe = { tcpSocket: {}, periodSeconds: 5 }; }),
      ctrSvc((c) => { c.readinessProbe = { httpGet: { path: '/' } }; }),
      route((r) => { delete r.spec.traffic; }),
      podSvc((p) => { p.containers.push({ image: 'bb', readinessProbe: { httpGet: { path: '/' } } }); }),
    ];
    for (const obj of objects) {
      const written = JSON.stringify(obj);
      for (const v of validate(obj, withFeatures({ 'multi-container-probing': 'Enabled' }))) {
        if (v.value === undefined) continue;
        // Scalars must occur in the input as written.
        if (typeof v.value !== 'object' || v.value === null) expect(written).toContain(JSON.stringify(v.value));
      }
    }
  });
});

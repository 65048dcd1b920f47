import { ANN, annSvc, errors, withFeatures } from './helpers';
import { validateAutoscalingAnnotations } from '../../../src/core/rules';

const A = 'autoscaling.knative.dev/';
const P = `${ANN}.${A}`;

describe('§10.2 autoscaling annotations', () => {
  test.each<[string, Record<string, string>, string[]]>([
    ['all valid', {
      [`${A}class`]: 'kpa.autoscaling.knative.dev',
      [`${A}metric`]: 'rps',
      [`${A}target`]: '10',
      [`${A}target-utilization-percentage`]: '80',
      [`${A}target-burst-capacity`]: '-1',
      [`${A}min-scale`]: '1',
      [`${A}max-scale`]: '5',
      [`${A}initial-scale`]: '2',
      [`${A}activation-scale`]: '3',
      [`${A}scale-down-delay`]: '5m',
      [`${A}scale-to-zero-pod-retention-period`]: '1m',
      [`${A}window`]: '30s',
      [`${A}panic-window-percentage`]: '20',
      [`${A}panic-threshold-percentage`]: '300',
      [`${A}metric-aggregation-algorithm`]: 'weighted-exponential',
    }, []],
    ['class ending in .knative.dev', { [`${A}class`]: 'foo.autoscaling.knative.dev' }, [`${P}class: invalid value: foo.autoscaling.knative.dev`]],
    ['custom class ok', { [`${A}class`]: 'example.com/autoscaler', [`${A}metric`]: 'anything' }, []],
    ['KPA metric', { [`${A}metric`]: 'cpu' }, [`${P}metric: invalid value: cpu`]],
    ['HPA metric cpu ok', { [`${A}class`]: 'hpa.autoscaling.knative.dev', [`${A}metric`]: 'cpu' }, []],
    ['HPA metric empty', { [`${A}class`]: 'hpa.autoscaling.knative.dev', [`${A}metric`]: '' }, [`${P}metric: invalid value: `]],
    ['target too small', { [`${A}target`]: '0.001' }, [`${P}target: target 0.001 should be at least 0.01`]],
    ['target not a number', { [`${A}target`]: 'ten' }, [`${P}target: invalid value: ten`]],
    ['utilization range', { [`${A}target-utilization-percentage`]: '120' }, [`${P}target-utilization-percentage: expected 1 <= 120 <= 100`]],
    ['utilization alt key', { [`${A}targetUtilizationPercentage`]: '0' }, [`${P}targetUtilizationPercentage: expected 1 <= 0 <= 100`]],
    ['burst capacity', { [`${A}target-burst-capacity`]: '-2' }, [`${P}target-burst-capacity: invalid value: -2`]],
    ['min-scale not a number', { [`${A}min-scale`]: 'one' }, [`${P}min-scale: invalid value: one`]],
    ['min-scale negative', { [`${A}minScale`]: '-1' }, [`${P}minScale: expected 0 <= -1 <= 2147483647`]],
    ['max-scale overflow', { [`${A}max-scale`]: '2147483648' }, [`${P}max-scale: expected 0 <= 2147483648 <= 2147483647`]],
    ['max < min', { [`${A}min-scale`]: '5', [`${A}max-scale`]: '2' }, [`${P}max-scale: max-scale=2 is less than min-scale=5`]],
    ['max 0 = unlimited', { [`${A}min-scale`]: '5', [`${A}max-scale`]: '0' }, []],
    ['initial-scale 0 not allowed', { [`${A}initial-scale`]: '0' }, [`${P}initial-scale: invalid value: 0`]],
    ['initial-scale negative', { [`${A}initialScale`]: '-3' }, [`${P}initialScale: invalid value: -3`]],
    ['activation-scale < 2', { [`${A}activation-scale`]: '1' }, [`${P}activation-scale: expected 2 <= 1 <= 2147483647`]],
    ['activation-scale < min', { [`${A}min-scale`]: '5', [`${A}activation-scale`]: '3' }, [`${P}activation-scale: activation-scale=3 is less than min-scale=5`]],
    ['activation-scale > max', { [`${A}max-scale`]: '3', [`${A}activation-scale`]: '4' }, [`${P}activation-scale: activation-scale=4 is greater than max-scale=3`]],
    ['scale-down-delay > 1h', { [`${A}scale-down-delay`]: '2h' }, [`${P}scale-down-delay: expected 0s <= 2h <= 1h0m0s`]],
    ['scale-down-delay precision', { [`${A}scaleDownDelay`]: '1.5s' }, [`${P}scaleDownDelay: must be specified with at most second precision`]],
    ['retention negative', { [`${A}scale-to-zero-pod-retention-period`]: '-1s' }, [`${P}scale-to-zero-pod-retention-period: expected 0s <= -1s <= 1h0m0s`]],
    ['window too small', { [`${A}window`]: '5s' }, [`${P}window: expected 6s <= 5s <= 1h0m0s`]],
    ['window unparsable', { [`${A}window`]: '60' }, [`${P}window: invalid value: 60`]],
    ['window precision', { [`${A}window`]: '6500ms' }, [`${P}window: must be specified with at most second precision`]],
    ['panic window range', { [`${A}panic-window-percentage`]: '0.5' }, [`${P}panic-window-percentage: expected 1 <= 0.5 <= 100`]],
    ['panic threshold range', { [`${A}panicThresholdPercentage`]: '100' }, [`${P}panicThresholdPercentage: expected 110 <= 100 <= 1000`]],
    ['algorithm only checked with explicit KPA class', { [`${A}metric-aggregation-algorithm`]: 'median' }, []],
    ['algorithm with KPA class', { [`${A}class`]: 'kpa.autoscaling.knative.dev', [`${A}metricAggregationAlgorithm`]: 'median' }, [`${P}metricAggregationAlgorithm: invalid value: median`]],
    ['KeyPriority: primary key wins', { [`${A}min-scale`]: '1', [`${A}minScale`]: 'junk' }, []],
  ])('%s', (_n, anns, want) => {
    expect(errors(annSvc(anns))).toEqual(want);
  });

  test('initial-scale 0 allowed with allow-zero-initial-scale', () => {
    expect(errors(annSvc({ [`${A}initial-scale`]: '0' }), withFeatures({}, (c) => { c.autoscaler.allowZeroInitialScale = true; }))).toEqual([]);
  });
  test.each<[string, string[]]>([
    ['0', [`${P}max-scale: expected 1 <= 0 <= 10`]],
    ['11', [`${P}max-scale: expected 1 <= 11 <= 10`]],
    ['10', []],
  ])('max-scale-limit 10: max-scale %s', (v, want) => {
    expect(errors(annSvc({ [`${A}max-scale`]: v }), withFeatures({}, (c) => { c.autoscaler.maxScaleLimit = 10; }))).toEqual(want);
  });
  test('class default from config drives the metric check', () => {
    expect(errors(annSvc({ [`${A}metric`]: 'cpu' }), withFeatures({}, (c) => { c.autoscaler.podAutoscalerClass = 'hpa.autoscaling.knative.dev'; }))).toEqual([]);
  });
  test('entry point with custom path, value and fix', () => {
    expect(validateAutoscalingAnnotations({ [`${A}min-scale`]: 'x' })).toEqual([{
      path: `metadata.annotations.${A}min-scale`, message: 'invalid value: x', value: 'x', fix: 'Use a whole number, e.g. "1".',
    }]);
  });
});

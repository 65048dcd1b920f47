import { Duration, Testing } from 'cdk8s';
import {
  Autoscaling,
  AutoscalerClass,
  AutoscalingMetric,
  MetricAggregationAlgorithm,
} from '../../src/serving/autoscaling';
import { KnService } from '../../src/serving/kn-service';
import { Revision } from '../../src/serving/revision';
import { RevisionTemplate } from '../../src/serving/template';

describe('Autoscaling.annotations', () => {
  test('renders every option under its canonical key', () => {
    expect(Autoscaling.annotations({
      autoscalerClass: AutoscalerClass.KPA,
      metric: AutoscalingMetric.RPS,
      target: 150.5,
      targetUtilizationPercentage: 80,
      targetBurstCapacity: -1,
      minScale: 1,
      maxScale: 10,
      initialScale: 2,
      activationScale: 3,
      window: Duration.minutes(2),
      panicWindowPercentage: 5,
      panicThresholdPercentage: 150,
      scaleDownDelay: Duration.minutes(15),
      scaleToZeroPodRetentionPeriod: Duration.seconds(90),
      metricAggregationAlgorithm: MetricAggregationAlgorithm.WEIGHTED_EXPONENTIAL,
    })).toEqual({
      'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/metric': 'rps',
      'autoscaling.knative.dev/target': '150.5',
      'autoscaling.knative.dev/target-utilization-percentage': '80',
      'autoscaling.knative.dev/target-burst-capacity': '-1',
      'autoscaling.knative.dev/min-scale': '1',
      'autoscaling.knative.dev/max-scale': '10',
      'autoscaling.knative.dev/initial-scale': '2',
      'autoscaling.knative.dev/activation-scale': '3',
      'autoscaling.knative.dev/window': '120s',
      'autoscaling.knative.dev/panic-window-percentage': '5',
      'autoscaling.knative.dev/panic-threshold-percentage': '150',
      'autoscaling.knative.dev/scale-down-delay': '900s',
      'autoscaling.knative.dev/scale-to-zero-pod-retention-period': '90s',
      'autoscaling.knative.dev/metric-aggregation-algorithm': 'weighted-exponential',
    });
  });

  test('renders nothing for empty options', () => {
    expect(Autoscaling.annotations({})).toEqual({});
  });

  test('HPA, CPU, MEMORY and custom values', () => {
    expect(Autoscaling.annotations({ autoscalerClass: AutoscalerClass.HPA, metric: AutoscalingMetric.CPU })).toEqual({
      'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/metric': 'cpu',
    });
    expect(AutoscalingMetric.MEMORY.value).toBe('memory');
    expect(AutoscalingMetric.CONCURRENCY.value).toBe('concurrency');
    expect(Autoscaling.annotations({ autoscalerClass: AutoscalerClass.custom('my.scaler.example.com'), metric: AutoscalingMetric.custom('queue-depth') })).toEqual({
      'autoscaling.knative.dev/class': 'my.scaler.example.com',
      'autoscaling.knative.dev/metric': 'queue-depth',
    });
    expect(MetricAggregationAlgorithm.LINEAR).toBe('linear');
  });

  test('zero replica counts are rendered', () => {
    expect(Autoscaling.annotations({ minScale: 0, maxScale: 0 })).toEqual({
      'autoscaling.knative.dev/min-scale': '0',
      'autoscaling.knative.dev/max-scale': '0',
    });
  });
});

describe('eager errors', () => {
  test.each([
    ['minScale', { minScale: 1.5 }],
    ['maxScale', { maxScale: 2.2 }],
    ['initialScale', { initialScale: 0.5 }],
    ['activationScale', { activationScale: Number.NaN }],
  ])('throws on a non-integer %s', (prop, options) => {
    expect(() => Autoscaling.annotations(options)).toThrow(new RegExp(`^autoscaling\\.${prop}: must be a whole number of replicas \\(got .*\\)\\. Fix: Use an integer`));
  });

  test('throws on non-finite numbers', () => {
    expect(() => Autoscaling.annotations({ target: Number.POSITIVE_INFINITY })).toThrow(/^autoscaling\.target: must be a finite number \(got Infinity\)\. Fix: /);
  });

  test('throws on durations that are not whole seconds', () => {
    expect(() => Autoscaling.annotations({ window: Duration.millis(6500) })).toThrow('autoscaling.window: must be a whole number of seconds (got 6 seconds 500 millis). Fix: Use e.g. Duration.seconds(7).');
    expect(() => Autoscaling.annotations({ scaleDownDelay: Duration.millis(10) })).toThrow(/autoscaling\.scaleDownDelay: must be a whole number of seconds/);
  });

  test('empty or malformed custom class and metric names: recorded, thrown with the construct path where they are used', () => {
    const badClass = AutoscalerClass.custom('');
    const badMetric = AutoscalingMetric.custom(' cpu');
    expect(badClass.value).toBe('');
    const chart = Testing.chart();
    expect(() => new KnService(chart, 'Svc', { image: 'img', autoscaling: { autoscalerClass: badClass } })).toThrow(
      '[test/Svc] autoscaling.autoscalerClass: AutoscalerClass.custom() needs a non-empty class name without surrounding spaces (got ""). Fix: Pass e.g. "my.autoscaler.example.com".');
    expect(() => new KnService(chart, 'Svc2', { image: 'img', autoscaling: { metric: badMetric } })).toThrow(
      /^\[test\/Svc2\] autoscaling\.metric: AutoscalingMetric\.custom\(\) needs a non-empty metric name without surrounding spaces \(got " cpu"\)\. Fix: /);
    // Without a construct (the annotations map cannot be attached later): path-less, same shape.
    expect(() => Autoscaling.annotations({ metric: badMetric })).toThrow(/^autoscaling\.metric: .*\(got " cpu"\)\. Fix: /);
  });

  test('throws when revisionAnnotations and autoscaling set the same key', () => {
    const chart = Testing.chart();
    expect(() => new RevisionTemplate(chart, {
      image: 'img',
      autoscaling: { minScale: 1 },
      revisionAnnotations: { 'autoscaling.knative.dev/min-scale': '2' },
    })).toThrow('[test] revisionAnnotations["autoscaling.knative.dev/min-scale"]: is also set by `autoscaling` (got "2"). Fix: Set it only through `autoscaling`.');
  });
});

describe('in a revision', () => {
  test('annotations go on the revision template metadata', () => {
    const chart = Testing.chart();
    const t = new RevisionTemplate(chart, { image: 'img', autoscaling: { minScale: 1, maxScale: 3, window: Duration.seconds(30) } });
    expect(t._toKube('svc').metadata).toEqual({
      annotations: {
        'autoscaling.knative.dev/max-scale': '3',
        'autoscaling.knative.dev/min-scale': '1',
        'autoscaling.knative.dev/window': '30s',
      },
    });
  });

  test('annotations go on a standalone Revision\'s own metadata', () => {
    const chart = Testing.chart();
    new Revision(chart, 'Rev', { image: 'img', autoscaling: { autoscalerClass: AutoscalerClass.HPA, metric: AutoscalingMetric.CPU, target: 70 } });
    expect(Testing.synth(chart)[0].metadata.annotations).toEqual({
      'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/metric': 'cpu',
      'autoscaling.knative.dev/target': '70',
    });
  });

  test('range errors are reported together at synth time', () => {
    const chart = Testing.chart();
    new Revision(chart, 'Rev', {
      image: 'img',
      autoscaling: { minScale: 5, maxScale: 2, window: Duration.seconds(1), target: 0, panicThresholdPercentage: 50 },
    });
    let message = '';
    try {
      Testing.synth(chart);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/max-scale=2 is less than min-scale=5/);
    expect(message).toMatch(/autoscaling.knative.dev\/window/);
    expect(message).toMatch(/target 0 should be at least 0.01/);
    expect(message).toMatch(/autoscaling.knative.dev\/panic-threshold-percentage/);
    expect(message.match(/\[test\/Rev\]/g)?.length).toBeGreaterThanOrEqual(4);
  });

  test('KPA rejects the cpu metric at synth time', () => {
    const chart = Testing.chart();
    new Revision(chart, 'Rev', { image: 'img', autoscaling: { autoscalerClass: AutoscalerClass.KPA, metric: AutoscalingMetric.CPU } });
    expect(() => Testing.synth(chart)).toThrow(/autoscaling.knative.dev\/metric/);
  });

  test('valid settings synthesize without errors', () => {
    const chart = Testing.chart();
    new Revision(chart, 'Rev', {
      image: 'img',
      autoscaling: { minScale: 1, maxScale: 5, target: 10, window: Duration.minutes(1), scaleDownDelay: Duration.minutes(5), activationScale: 2 },
    });
    expect(() => Testing.synth(chart)).not.toThrow();
  });
});

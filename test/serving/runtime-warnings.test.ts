import { App, Chart, Duration, Testing } from 'cdk8s';
import { Secret } from 'cdk8s-plus-28';
import {
  AutoscalerClass, AutoscalingMetric, BundledRuntimeWarnings, Configuration, DomainMapping, FeatureFlagState, KnService, PortProtocol,
  Revision, Route, ServingControlPlane, TrafficSplit, TrafficTarget,
} from '../../src';

/** Lines written to stderr while `fn` runs. */
function stderrOf(fn: () => void): string[] {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array): boolean => {
    lines.push(...String(chunk).split('\n').filter((l) => l !== ''));
    return true;
  });
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

/** Let the current synchronous run end (the printed-once set is reset after it). */
const nextRun = (): Promise<void> => new Promise((r) => setImmediate(r));

function appWith(controlPlane: boolean): { app: App; chart: Chart } {
  const app = Testing.app();
  const chart = new Chart(app, 'apps', { namespace: 'default' });
  if (controlPlane) new ServingControlPlane(new Chart(app, 'infra'), 'Serving');
  return { app, chart };
}

const TBC = 'spec.template.metadata.annotations.autoscaling.knative.dev/target-burst-capacity';

describe('without a ServingControlPlane (upstream Knative honours everything)', () => {
  test('nothing is printed or recorded', () => {
    const { app, chart } = appWith(false);
    new KnService(chart, 'Svc', { image: 'img', containerConcurrency: 4, autoscaling: { targetBurstCapacity: 10 }, rolloutDuration: Duration.seconds(60) });
    new DomainMapping(chart, 'Dm', { domain: 'api.example.com', target: KnService.fromServiceName(chart, 'Ref', 'svc') });
    expect(stderrOf(() => app.synthYaml())).toEqual([]);
    expect(BundledRuntimeWarnings.of(app)).toEqual([]);
  });
});

describe('with a ServingControlPlane', () => {
  test('a warning is printed once per synthesis in the error format, however many charts', async () => {
    const app = Testing.app();
    for (const id of ['a', 'b', 'c']) {
      new KnService(new Chart(app, id, { namespace: 'default' }), 'Svc', { metadata: { name: `svc-${id}` }, image: 'img', autoscaling: { targetBurstCapacity: 10 } });
    }
    // Constructed after the services: still counts.
    new ServingControlPlane(new Chart(app, 'infra'), 'Serving');
    const expected = ['a', 'b', 'c'].map((id) =>
      `Warning: [${id}/Svc] ${TBC}: the bundled ingress is always in the request path (it is the activator, as upstream with `
      + 'target-burst-capacity -1), so this changes only the excess burst capacity the autoscaler reports (upstream Knative takes the '
      + 'activator out of the path while the spare capacity exceeds it) (got "10").');
    // 4 validation passes (app + 3 charts): each warning once.
    expect(stderrOf(() => app.synthYaml())).toEqual(expected);
    await nextRun();
    // The next synthesis (cached validation results, nothing changed) prints them again, once.
    expect(stderrOf(() => app.synthYaml())).toEqual(expected);
    expect(BundledRuntimeWarnings.of(app)).toEqual(expected.map((l) => l.replace(/^Warning: /, '')));
  });

  test('a control plane added after a synthesis: the cached validation still yields the warnings', async () => {
    const { app, chart } = appWith(false);
    new KnService(chart, 'Svc', { image: 'img', autoscaling: { targetBurstCapacity: 10 } });
    expect(stderrOf(() => app.synthYaml())).toEqual([]);
    await nextRun();
    new ServingControlPlane(new Chart(app, 'infra'), 'Serving');
    expect(stderrOf(() => app.synthYaml())).toEqual([expect.stringContaining(`Warning: [apps/Svc] ${TBC}:`)]);
  });

  test('warnings follow mutations, and never fail the synthesis', async () => {
    const { app, chart } = appWith(true);
    const svc = new KnService(chart, 'Svc', { image: 'img' });
    app.synthYaml();
    expect(BundledRuntimeWarnings.of(chart)).toEqual([]);
    await nextRun();
    svc.template.addRevisionAnnotation('autoscaling.knative.dev/target-burst-capacity', '0');
    const printed = stderrOf(() => app.synthYaml());
    expect(printed).toEqual([expect.stringContaining(`[apps/Svc] ${TBC}:`)]);
    expect(BundledRuntimeWarnings.of(chart)).toEqual([printed[0].replace(/^Warning: /, '')]);
  });

  test('order is construct-tree order, then the order of unsupportedSettings; the same on every synthesis', async () => {
    const { app, chart } = appWith(true);
    new KnService(chart, 'B', {
      image: 'img',
      containerConcurrency: 3,
      autoscaling: { window: Duration.seconds(90), metric: AutoscalingMetric.RPS, target: 5, targetBurstCapacity: 50 },
      rolloutDuration: Duration.minutes(2),
      port: 9000,
      portProtocol: PortProtocol.H2C,
    });
    new KnService(chart, 'A', { image: 'img', autoscaling: { minScale: 0, targetBurstCapacity: -1 } });
    app.synthYaml();
    const first = BundledRuntimeWarnings.of(app);
    expect(first.map((w) => w.replace(/:.*$/s, ''))).toEqual([
      `[apps/B] ${TBC}`,
      `[apps/A] ${TBC}`,
    ]);
    await nextRun();
    app.synthYaml();
    expect(BundledRuntimeWarnings.of(app)).toEqual(first);
    // of(scope) narrows to the scope.
    expect(BundledRuntimeWarnings.of(chart.node.findChild('A'))).toEqual([first[1]]);
  });

  test('every kind of unsupported setting, through the constructs', () => {
    const { app, chart } = appWith(true);
    const svc = new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'img', port: 9000, portProtocol: PortProtocol.H2C });
    new KnService(chart, 'Hpa', {
      image: 'img',
      autoscaling: { autoscalerClass: AutoscalerClass.HPA, metric: AutoscalingMetric.MEMORY, target: 10, window: Duration.seconds(60) },
    });
    new KnService(chart, 'HpaCpu', { image: 'img', autoscaling: { autoscalerClass: AutoscalerClass.HPA, metric: AutoscalingMetric.CPU, target: 70, maxScale: 5 } });
    new KnService(chart, 'Custom', { image: 'img', autoscaling: { autoscalerClass: AutoscalerClass.custom('my.autoscaler.example.com') } });
    const cfg = new Configuration(chart, 'Cfg', { metadata: { name: 'cfg' }, image: 'img', containerConcurrency: 1, autoscaling: { targetBurstCapacity: 0 } });
    new Revision(chart, 'Rev', { metadata: { name: 'cfg-v1' }, image: 'img', autoscaling: { targetBurstCapacity: 20 } });
    // rolled gradually, tag and all: no warning
    new Route(chart, 'Route', {
      traffic: TrafficSplit.create().to(TrafficTarget.configuration(cfg), 100).tag('next', TrafficTarget.configuration(cfg)),
      rolloutDuration: Duration.seconds(30),
    });
    svc.mapDomain('api.example.com', { tlsSecret: Secret.fromSecretName(chart, 'Tls', 'api-tls') });
    app.synthYaml();
    const heads = BundledRuntimeWarnings.of(chart).map((w) => w.replace(/: .*\(got (.*)\)\.$/s, ' = $1'));
    expect(heads).toEqual([
      '[apps/Hpa] spec.template.metadata.annotations.autoscaling.knative.dev/window = "60s"',
      '[apps/Custom] spec.template.metadata.annotations.autoscaling.knative.dev/class = "my.autoscaler.example.com"',
      '[apps/Cfg] spec.template.metadata.annotations.autoscaling.knative.dev/target-burst-capacity = "0"',
      '[apps/Rev] metadata.annotations.autoscaling.knative.dev/target-burst-capacity = "20"',
    ].map((h) => expect.stringMatching(new RegExp(`^${h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))));
  });

  test('an HPA-class metric other than cpu or memory fails the synthesis with the bundled runtime (path, value, fix); without it, it is upstream\'s business', () => {
    const { app, chart } = appWith(true);
    new KnService(chart, 'Custom', { image: 'img', autoscaling: { autoscalerClass: AutoscalerClass.HPA, metric: AutoscalingMetric.custom('queue_depth'), target: 10 } });
    new KnService(chart, 'Rps', { image: 'img', autoscaling: { autoscalerClass: AutoscalerClass.HPA, metric: AutoscalingMetric.RPS, target: 10 } });
    new KnService(chart, 'Cpu', { image: 'img', autoscaling: { autoscalerClass: AutoscalerClass.HPA, metric: AutoscalingMetric.CPU, target: 70 } });
    let message = '';
    try {
      app.synthYaml();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('[apps/Custom] spec.template.metadata.annotations.autoscaling.knative.dev/metric: the bundled runtime\'s HPA class '
      + '(autoscaling.knative.dev/class: hpa.autoscaling.knative.dev) scales on the resource metrics "cpu" and "memory" only');
    expect(message).toContain('(got "queue_depth"). Fix: Use the metric "cpu" or "memory" with the HPA class, or run this revision on upstream Knative');
    expect(message).toContain('[apps/Rps] spec.template.metadata.annotations.autoscaling.knative.dev/metric:');
    expect(message).toContain('(got "rps"). Fix: Scale on "rps" with the KPA class (set autoscaling.knative.dev/class to "kpa.autoscaling.knative.dev" or remove it)');
    expect(message).not.toContain('apps/Cpu');
    // the same app without a ServingControlPlane: valid Knative (upstream creates a Pods metric)
    const other = appWith(false);
    new KnService(other.chart, 'Custom', { image: 'img', autoscaling: { autoscalerClass: AutoscalerClass.HPA, metric: AutoscalingMetric.custom('queue_depth'), target: 10 } });
    expect(() => other.app.synthYaml()).not.toThrow();
  });

  test('the HPA class from the control plane\'s default (pod-autoscaler-class) counts too', () => {
    const app = Testing.app();
    new ServingControlPlane(new Chart(app, 'infra'), 'Serving', { autoscaler: { podAutoscalerClass: AutoscalerClass.HPA } });
    const chart = new Chart(app, 'apps', { namespace: 'default' });
    new KnService(chart, 'Svc', { image: 'img', autoscaling: { metric: AutoscalingMetric.custom('queue_depth'), target: 5 } });
    expect(() => app.synthYaml()).toThrow(/\[apps\/Svc\] .*autoscaling\.knative\.dev\/metric: the bundled runtime's HPA class \(the cluster's default class \(config-autoscaler pod-autoscaler-class: hpa\.autoscaling\.knative\.dev\)\)/);
  });

  test('the control plane\'s own props: autodetect-http2 (a rollout duration is honoured, a default containerConcurrency enforced)', async () => {
    const app = Testing.app();
    new ServingControlPlane(new Chart(app, 'infra'), 'Serving', {
      network: { rolloutDuration: Duration.seconds(120) },
      defaults: { containerConcurrency: 10 },
      features: { tagHeaderBasedRouting: FeatureFlagState.ENABLED, additionalFlags: { 'autodetect-http2': 'Enabled' } },
    });
    const printed = stderrOf(() => app.synthYaml());
    expect(printed).toEqual([
      expect.stringMatching(/^Warning: \[infra\/Serving\] features\.additionalFlags\["autodetect-http2"\]: .*only when its port is named h2c.* \(got "Enabled"\)\.$/),
    ]);
    expect(BundledRuntimeWarnings.of(app)).toEqual(printed.map((l) => l.replace(/^Warning: /, '')));
  });

  test('the control plane\'s autoscaler props: target burst capacity and activator capacity are named by their prop; the autoscaler reads the others', () => {
    const app = Testing.app();
    new ServingControlPlane(new Chart(app, 'infra'), 'Serving', {
      autoscaler: {
        allowZeroInitialScale: true,
        initialScale: 0,
        maxScale: 5,
        maxScaleLimit: 10,
        stableWindow: Duration.seconds(90),
        targetBurstCapacity: -1,
        scaleToZeroGracePeriod: Duration.seconds(45),
        activatorCapacity: 50,
      },
    });
    const printed = stderrOf(() => app.synthYaml());
    expect(printed).toEqual([
      expect.stringMatching(/^Warning: \[infra\/Serving\] autoscaler\.targetBurstCapacity: the bundled ingress is always in the request path.* \(got -1\)\.$/),
      expect.stringMatching(/^Warning: \[infra\/Serving\] autoscaler\.activatorCapacity: ignored by the bundled runtime: its ingress is the activator.* \(got 50\)\.$/),
    ]);
  });

  test('the control plane\'s default autoscaler class decides which warnings a revision gets', () => {
    const app = Testing.app();
    new ServingControlPlane(new Chart(app, 'infra'), 'Serving', { autoscaler: { podAutoscalerClass: AutoscalerClass.HPA } });
    const chart = new Chart(app, 'apps', { namespace: 'default' });
    new KnService(chart, 'Svc', { image: 'img', autoscaling: { window: Duration.seconds(60), metric: AutoscalingMetric.MEMORY, target: 80 } });
    app.synthYaml();
    // HPA: only the window is ignored (a KPA-class revision honours all three).
    expect(BundledRuntimeWarnings.of(chart)).toEqual([
      expect.stringMatching(/^\[apps\/Svc\] spec\.template\.metadata\.annotations\.autoscaling\.knative\.dev\/window: ignored by the bundled runtime's HorizontalPodAutoscaler/),
    ]);
  });

  test('a control plane at its defaults and Knative constructs at theirs: no warnings', () => {
    const { app, chart } = appWith(true);
    const svc = new KnService(chart, 'Svc', { image: 'img', autoscaling: { minScale: 1, maxScale: 3, initialScale: 2 }, containerConcurrency: 0 });
    new Route(chart, 'Route', { traffic: TrafficSplit.create().to(TrafficTarget.revisionName('svc-00001'), 100), rolloutDuration: Duration.seconds(0) });
    void svc;
    expect(stderrOf(() => app.synthYaml())).toEqual([]);
    expect(BundledRuntimeWarnings.of(app)).toEqual([]);
  });

  test('a control plane in another app does not count', () => {
    const { chart } = appWith(false);
    appWith(true);
    new KnService(chart, 'Svc', { image: 'img', autoscaling: { target: 10 } });
    expect(stderrOf(() => Testing.synth(chart))).toEqual([]);
  });
});

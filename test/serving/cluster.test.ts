import { App, Chart, Duration, Testing } from 'cdk8s';
import { EnvFieldPaths, EnvValue } from 'cdk8s-plus-28';
import {
  AutoscalerClass, DomainMapping, FeatureFlagState, KnativeCluster, KnativeClusterSettings, KnService, RevisionName, ServingControlPlane,
} from '../../src';
import { KnativeError } from '../../src/serving/errors';

/** The error message of `app.synthYaml()`, or '' when it succeeds. */
function synthErrors(app: App): string {
  try {
    app.synthYaml();
    return '';
  } catch (e) {
    return String(e);
  }
}

/** The program of the acceptance test: an 800 s timeout and zero initial scale. */
function program(app: App): { chart: Chart; svc: KnService } {
  const chart = new Chart(app, 'apps', { namespace: 'default' });
  const svc = new KnService(chart, 'Api', {
    metadata: { name: 'api' },
    image: 'ghcr.io/example/api:1',
    timeout: Duration.seconds(800),
    autoscaling: { initialScale: 0 },
  });
  return { chart, svc };
}

/** The cluster the program needs. */
const LONG_AND_ZERO: KnativeClusterSettings = {
  defaults: { maxRevisionTimeout: Duration.seconds(900) },
  autoscaler: { allowZeroInitialScale: true },
};

function serviceOf(chart: Chart): any {
  return Testing.synth(chart).find((o) => o.kind === 'Service' && o.apiVersion === 'serving.knative.dev/v1');
}

describe('acceptance: a program that needs a non-default cluster', () => {
  test('without a declaration synthesis fails, and each Fix names KnativeCluster.configure() with the setting to declare', () => {
    const app = Testing.app();
    program(app);
    const err = synthErrors(app);
    expect(err).toContain('[apps/Api] spec.template.spec.timeoutSeconds: expected 0 <= 800 <= 600');
    expect(err).toContain('set max-revision-timeout-seconds: "800" in the cluster\'s config-defaults ConfigMap and declare it with '
      + 'KnativeCluster.configure(scope, { defaults: { maxRevisionTimeout: Duration.seconds(800) } })');
    expect(err).toContain('autoscaling.knative.dev/initial-scale');
    expect(err).toContain('set allow-zero-initial-scale: "true" in the cluster\'s config-autoscaler ConfigMap and declare it with '
      + 'KnativeCluster.configure(scope, { autoscaler: { allowZeroInitialScale: true } })');
  });

  test('with KnativeCluster.configure() it synthesizes initial-scale 0 and timeoutSeconds 800', () => {
    const app = Testing.app();
    KnativeCluster.configure(app, LONG_AND_ZERO);
    const { chart } = program(app);
    expect(synthErrors(app)).toBe('');
    const svc = serviceOf(chart);
    expect(svc.spec.template.spec.timeoutSeconds).toBe(800);
    expect(svc.spec.template.metadata.annotations['autoscaling.knative.dev/initial-scale']).toBe('0');
    // The response-start default is the declared revision timeout (300 s, Knative's), below 800.
    expect(svc.spec.template.spec.responseStartTimeoutSeconds).toBe(300);
  });

  test('with a ServingControlPlane in the app it synthesizes the same, without a declaration', () => {
    const app = Testing.app();
    const { chart } = program(app);
    new ServingControlPlane(new Chart(app, 'infra'), 'Serving', LONG_AND_ZERO);
    expect(synthErrors(app)).toBe('');
    const svc = serviceOf(chart);
    expect(svc.spec.template.spec.timeoutSeconds).toBe(800);
    expect(svc.spec.template.metadata.annotations['autoscaling.knative.dev/initial-scale']).toBe('0');
    expect(KnativeCluster.isConfigured(chart)).toBe(true);
  });

  test('with a ServingControlPlane that does not allow it, the Fix names the control plane\'s prop', () => {
    const app = Testing.app();
    program(app);
    new ServingControlPlane(new Chart(app, 'infra'), 'Serving');
    const err = synthErrors(app);
    expect(err).toContain('set defaults.maxRevisionTimeout: Duration.seconds(800) on the ServingControlPlane "infra/Serving" '
      + '(it renders config-defaults: max-revision-timeout-seconds)');
    expect(err).toContain('set autoscaler.allowZeroInitialScale: true on the ServingControlPlane "infra/Serving"');
    expect(err).not.toContain('KnativeCluster.configure(');
  });
});

describe('where the configuration comes from', () => {
  test('an explicit declaration beats the ServingControlPlane, both ways', () => {
    // The control plane allows the program; a declaration on the chart that does not replaces it.
    const strict = Testing.app();
    const { chart } = program(strict);
    new ServingControlPlane(new Chart(strict, 'infra'), 'Serving', LONG_AND_ZERO);
    KnativeCluster.configure(chart, { defaults: { maxRevisionTimeout: Duration.seconds(850) } });
    const err = synthErrors(strict);
    expect(err).not.toContain('timeoutSeconds');
    expect(err).toContain('initial-scale');
    expect(err).toContain('declare it in the KnativeCluster.configure() call on "apps": { autoscaler: { allowZeroInitialScale: true } }');

    // The control plane does not allow it; the declaration does.
    const lenient = Testing.app();
    const p = program(lenient);
    new ServingControlPlane(new Chart(lenient, 'infra'), 'Serving');
    KnativeCluster.configure(p.chart, LONG_AND_ZERO);
    expect(synthErrors(lenient)).toBe('');
  });

  test('the nearest declaration wins, as a whole; other charts keep the outer one', () => {
    const app = Testing.app();
    KnativeCluster.configure(app, LONG_AND_ZERO);
    const { chart } = program(app);
    const other = new Chart(app, 'other', { namespace: 'default' });
    new KnService(other, 'Long', { metadata: { name: 'long' }, image: 'img', timeout: Duration.seconds(800) });
    expect(synthErrors(app)).toBe('');
    // A chart-level declaration replaces the app's for that chart only (allowZeroInitialScale falls back to false).
    KnativeCluster.configure(chart, { defaults: { maxRevisionTimeout: Duration.seconds(900) } });
    const err = synthErrors(app);
    expect(err).toContain('[apps/Api]');
    expect(err).toContain('initial-scale');
    expect(err).not.toContain('[other/Long]');
  });

  test('a declaration or a control plane added after a synthesis is seen by the next one (cached results invalidated)', () => {
    const declared = Testing.app();
    program(declared);
    expect(synthErrors(declared)).toContain('timeoutSeconds');
    KnativeCluster.configure(declared, LONG_AND_ZERO);
    expect(synthErrors(declared)).toBe('');

    const withControlPlane = Testing.app();
    program(withControlPlane);
    expect(synthErrors(withControlPlane)).toContain('timeoutSeconds');
    new ServingControlPlane(new Chart(withControlPlane, 'infra'), 'Serving', LONG_AND_ZERO);
    expect(synthErrors(withControlPlane)).toBe('');
  });

  test('the first ServingControlPlane of an app supplies the configuration', () => {
    const app = Testing.app();
    program(app);
    new ServingControlPlane(new Chart(app, 'a'), 'Serving', LONG_AND_ZERO);
    new ServingControlPlane(new Chart(app, 'b'), 'Serving');
    expect(synthErrors(app)).toBe('');
  });

  test('isConfigured: false for Knative\'s defaults, true below a declaration', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    KnativeCluster.configure(b, {});
    expect(KnativeCluster.isConfigured(a)).toBe(false);
    expect(KnativeCluster.isConfigured(b)).toBe(true);
  });
});

describe('what the configuration changes', () => {
  test('revision defaults render from the declared config-defaults, and content-hash names follow them', () => {
    const nameAndSpec = (settings?: KnativeClusterSettings): [string, any] => {
      const app = Testing.app();
      if (settings) KnativeCluster.configure(app, settings);
      const chart = new Chart(app, 'c', { namespace: 'default' });
      new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'img', revisionName: RevisionName.contentHash() });
      const tpl = serviceOf(chart).spec.template;
      return [tpl.metadata.name, tpl.spec];
    };
    const [knative, knativeSpec] = nameAndSpec();
    expect(knativeSpec).toMatchObject({ timeoutSeconds: 300, containerConcurrency: 0 });
    const [declared, declaredSpec] = nameAndSpec({ defaults: { revisionTimeout: Duration.seconds(120), containerConcurrency: 10 } });
    expect(declaredSpec).toMatchObject({ timeoutSeconds: 120, containerConcurrency: 10 });
    expect(declared).not.toBe(knative);
    // Settings the template does not render leave the name unchanged.
    const [tuned] = nameAndSpec({ autoscaler: { stableWindow: Duration.seconds(90) }, defaults: { maxRevisionTimeout: Duration.seconds(900) } });
    expect(tuned).toBe(knative);
  });

  test('a feature gate the configuration enables renders its fields without enabledFeatures', () => {
    const app = Testing.app();
    new ServingControlPlane(new Chart(app, 'infra'), 'Serving', { features: { podSpecFieldRef: FeatureFlagState.ENABLED } });
    const chart = new Chart(app, 'apps', { namespace: 'default' });
    new KnService(chart, 'Svc', { image: 'img', envVariables: { POD: EnvValue.fromFieldRef(EnvFieldPaths.POD_NAME) } });
    expect(synthErrors(app)).toBe('');
    expect(serviceOf(chart).spec.template.spec.containers[0].env).toEqual([{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
  });

  test('a gate the configuration leaves disabled: the error names where to enable it', () => {
    const app = Testing.app();
    new ServingControlPlane(new Chart(app, 'infra'), 'Serving');
    const chart = new Chart(app, 'apps', { namespace: 'default' });
    new KnService(chart, 'Svc', { image: 'img', envVariables: { POD: EnvValue.fromFieldRef(EnvFieldPaths.POD_NAME) } });
    expect(synthErrors(app)).toContain('requires the Knative feature gate "kubernetes.podspec-fieldref", which the ServingControlPlane "infra/Serving" '
      + 'leaves "Disabled". Fix: To use it, set features.podSpecFieldRef: FeatureFlagState.ENABLED on the ServingControlPlane "infra/Serving"');
  });

  test('an Allowed gate lets the field render, and validation follows the declared state', () => {
    // fieldref accepts Allowed; init containers need Enabled.
    const app = Testing.app();
    KnativeCluster.configure(app, { features: { podSpecFieldRef: FeatureFlagState.ALLOWED, podSpecInitContainers: FeatureFlagState.ALLOWED } });
    const chart = new Chart(app, 'apps', { namespace: 'default' });
    new KnService(chart, 'Svc', {
      image: 'img',
      envVariables: { POD: EnvValue.fromFieldRef(EnvFieldPaths.POD_NAME) },
      initContainers: [{ image: 'init' }],
    });
    const err = synthErrors(app);
    expect(err).not.toContain('podspec-fieldref');
    expect(err).toContain('spec.template.spec.initContainers');
    expect(err).toContain('set kubernetes.podspec-init-containers: "Enabled" in the cluster\'s config-features ConfigMap and declare it in the '
      + 'KnativeCluster.configure() call on "(app)": { features: { podSpecInitContainers: FeatureFlagState.ENABLED } }');
  });

  test('the declared max-scale-limit and containerConcurrency limit are what validation checks', () => {
    const app = Testing.app();
    KnativeCluster.configure(app, { autoscaler: { maxScaleLimit: 10, maxScale: 10 }, defaults: { containerConcurrencyMaxLimit: 50 } });
    const chart = new Chart(app, 'apps', { namespace: 'default' });
    new KnService(chart, 'Svc', { image: 'img', containerConcurrency: 80, autoscaling: { maxScale: 20 } });
    const err = synthErrors(app);
    expect(err).toContain('expected 1 <= 20 <= 10');
    expect(err).toContain('{ autoscaler: { maxScaleLimit: 20 } }');
    expect(err).toContain('expected 0 <= 80 <= 50');
    expect(err).toContain('{ defaults: { containerConcurrencyMaxLimit: 80 } }');
  });

  test('the declared cluster domain is the one DomainMappings must stay out of', () => {
    const app = Testing.app();
    KnativeCluster.configure(app, { clusterDomain: 'corp.internal' });
    const chart = new Chart(app, 'apps', { namespace: 'default' });
    const svc = new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'img' });
    new DomainMapping(chart, 'Dm', { domain: 'api.svc.corp.internal', target: svc });
    expect(synthErrors(app)).toContain('must not be a subdomain of cluster local domain "corp.internal"');
  });
});

describe('declaration errors', () => {
  const cases: Array<[string, KnativeClusterSettings, RegExp]> = [
    ['zero initial scale without allowing it', { autoscaler: { initialScale: 0 } },
      /^\[\(app\)\] KnativeCluster\.configure\(\)\.autoscaler\.initialScale: may be 0 only when autoscaler\.allowZeroInitialScale is true \(got 0\)\. Fix: Set allowZeroInitialScale: true/],
    ['a fractional timeout', { defaults: { maxRevisionTimeout: Duration.millis(1500) } },
      /KnativeCluster\.configure\(\)\.defaults\.maxRevisionTimeout: must be a whole number of seconds \(got "1500ms"\)/],
    ['a custom class ending in .knative.dev', { autoscaler: { podAutoscalerClass: AutoscalerClass.custom('my.knative.dev') } },
      /autoscaler\.podAutoscalerClass: is not a Knative autoscaler class.*\(got "my.knative.dev"\)/],
    ['a bad cluster domain', { clusterDomain: 'Corp' }, /KnativeCluster\.configure\(\)\.clusterDomain: is not a valid DNS subdomain \(got "Corp"\)/],
  ];
  test.each(cases)('%s', (_name, settings, message) => {
    let err: unknown;
    try {
      KnativeCluster.configure(Testing.app(), settings);
    } catch (e) {
      err = e;
    }
    expect(KnativeError.is(err)).toBe(true);
    expect((err as Error).message).toMatch(message);
  });

  test('errors on a chart carry its path', () => {
    expect(() => KnativeCluster.configure(new Chart(Testing.app(), 'apps'), { autoscaler: { maxScaleUpRate: 1 } }))
      .toThrow(/^\[apps\] KnativeCluster\.configure\(\)\.autoscaler\.maxScaleUpRate: must be a number > 1 \(got 1\)/);
  });
});

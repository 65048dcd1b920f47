import {
  bundledRuntimeErrors, defaultServingConfig, formatViolation, KubeObject, RevisionObject, unsupportedConfigSettings, unsupportedHpaMetric,
  unsupportedSettings,
} from '../../src/core';
import { makeDeployment, makeHpa, makePodSpec } from '../../src/runtime/controller/resources/revision';

const KPA = 'kpa.autoscaling.knative.dev';
const HPA = 'hpa.autoscaling.knative.dev';

function revision(annotations: Record<string, string> = {}, spec: Record<string, unknown> = {}): RevisionObject {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: { name: 'web-00001', namespace: 'default', uid: 'u-1', annotations, labels: {} },
    spec: { containers: [{ image: 'img', ports: [{ containerPort: 8080 }] }], containerConcurrency: 0, timeoutSeconds: 300, ...spec },
  };
}

function service(templateAnnotations: Record<string, string>, spec: Record<string, unknown> = {},
  annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', annotations },
    spec: { template: { metadata: { annotations: templateAnnotations }, spec: { containers: [{ image: 'img' }], containerConcurrency: 0, ...spec } } },
  };
}

const paths = (obj: KubeObject): string[] => unsupportedSettings(obj).map((v) => v.path);

describe('unsupportedSettings: KPA class (default or explicit)', () => {
  // Every KPA setting the bundled runtime reads none of, with a valid value.
  const ignored: Array<[string, string]> = [
    ['autoscaling.knative.dev/metric', 'rps'],
    ['autoscaling.knative.dev/target', '50'],
    ['autoscaling.knative.dev/target-utilization-percentage', '80'],
    ['autoscaling.knative.dev/target-burst-capacity', '-1'],
    ['autoscaling.knative.dev/activation-scale', '3'],
    ['autoscaling.knative.dev/window', '90s'],
    ['autoscaling.knative.dev/panic-window-percentage', '20'],
    ['autoscaling.knative.dev/panic-threshold-percentage', '300'],
    ['autoscaling.knative.dev/scale-down-delay', '30s'],
    ['autoscaling.knative.dev/scale-to-zero-pod-retention-period', '10s'],
    ['autoscaling.knative.dev/metric-aggregation-algorithm', 'weighted-exponential'],
    // legacy spellings are read by Knative too
    ['autoscaling.knative.dev/targetUtilizationPercentage', '80'],
    ['autoscaling.knative.dev/scaleDownDelay', '30s'],
  ];

  test.each(ignored)('%s is reported, and really changes nothing the runtime creates', (key, value) => {
    for (const cls of [undefined, KPA]) {
      const annotations = { ...(cls ? { 'autoscaling.knative.dev/class': cls } : {}), [key]: value };
      const rev = revision(annotations);
      const found = unsupportedSettings(rev);
      expect(found).toEqual([{
        path: `metadata.annotations.${key}`,
        value,
        severity: 'warning',
        message: expect.stringContaining('ignored by the bundled runtime, which does not autoscale KPA-class revisions'),
      }]);
      // The claim: the runtime's Deployment for this revision is the one it makes without the setting.
      const without = revision(cls ? { 'autoscaling.knative.dev/class': cls } : {});
      expect(makeDeployment(rev, defaultServingConfig())).toEqual(makeDeployment(without, defaultServingConfig()));
    }
  });

  test('min/max/initial scale are honoured (no warning, and they change the Deployment)', () => {
    const base = makeDeployment(revision(), defaultServingConfig()).spec.replicas;
    for (const [key, value] of [['autoscaling.knative.dev/min-scale', '3'], ['autoscaling.knative.dev/initial-scale', '2'], ['autoscaling.knative.dev/minScale', '4']]) {
      const rev = revision({ [key]: value });
      expect(unsupportedSettings(rev)).toEqual([]);
      expect(makeDeployment(rev, defaultServingConfig()).spec.replicas).not.toBe(base);
    }
    const capped = revision({ 'autoscaling.knative.dev/initial-scale': '5', 'autoscaling.knative.dev/max-scale': '2' });
    expect(unsupportedSettings(capped)).toEqual([]);
    expect(makeDeployment(capped, defaultServingConfig()).spec.replicas).toBe(2);
  });

  test('an explicit min-scale 0 is reported: the runtime does not scale to zero', () => {
    const rev = revision({ 'autoscaling.knative.dev/min-scale': '0' });
    expect(unsupportedSettings(rev)).toEqual([expect.objectContaining({
      path: 'metadata.annotations.autoscaling.knative.dev/min-scale', value: '0', message: expect.stringContaining('does not scale to zero'),
    })]);
    expect(makeDeployment(rev, defaultServingConfig()).spec.replicas).toBe(1);
  });

  test('the class default comes from the configuration', () => {
    const cfg = defaultServingConfig();
    cfg.autoscaler.podAutoscalerClass = HPA;
    const rev = revision({ 'autoscaling.knative.dev/target': '50' });
    expect(unsupportedSettings(rev)).toHaveLength(1);
    expect(unsupportedSettings(rev, cfg)).toEqual([]);
  });
});

describe('unsupportedSettings: HPA class', () => {
  const hpa = (extra: Record<string, string>): RevisionObject => revision({ 'autoscaling.knative.dev/class': HPA, ...extra });

  test('cpu and memory with a target are honoured', () => {
    for (const metric of ['cpu', 'memory']) {
      const a = hpa({ 'autoscaling.knative.dev/metric': metric, 'autoscaling.knative.dev/target': '60' });
      const b = hpa({ 'autoscaling.knative.dev/metric': metric, 'autoscaling.knative.dev/target': '70' });
      expect(unsupportedSettings(a)).toEqual([]);
      expect(makeHpa(a, defaultServingConfig()).spec.metrics).not.toEqual(makeHpa(b, defaultServingConfig()).spec.metrics);
    }
    // KPA-only settings are ignored by upstream's HPA class too: nothing to warn about.
    expect(unsupportedSettings(hpa({ 'autoscaling.knative.dev/target-utilization-percentage': '50', 'autoscaling.knative.dev/min-scale': '0' }))).toEqual([]);
  });

  test('a metric other than cpu or memory is an error (bundledRuntimeErrors), not a warning: the runtime\'s HPA would scale on CPU instead', () => {
    for (const metric of ['queue_depth', 'rps', 'concurrency']) {
      const rev = hpa({ 'autoscaling.knative.dev/metric': metric, 'autoscaling.knative.dev/target': '10' });
      expect(unsupportedSettings(rev)).toEqual([]);
      const [err, ...more] = bundledRuntimeErrors(rev);
      expect(more).toEqual([]);
      expect(err).toEqual({
        path: 'metadata.annotations.autoscaling.knative.dev/metric',
        value: metric,
        message: expect.stringContaining('scales on the resource metrics "cpu" and "memory" only'),
        fix: expect.stringContaining(metric === 'queue_depth' ? 'custom-metrics adapter' : 'KPA class'),
      });
      expect(err.severity).toBeUndefined();
      // the claim: the runtime's HPA is the CPU one
      expect(makeHpa(rev, defaultServingConfig()).spec.metrics).toEqual(
        makeHpa(hpa({ 'autoscaling.knative.dev/metric': 'cpu', 'autoscaling.knative.dev/target': '10' }), defaultServingConfig()).spec.metrics);
    }
    for (const metric of ['cpu', 'memory']) expect(bundledRuntimeErrors(hpa({ 'autoscaling.knative.dev/metric': metric }))).toEqual([]);
    // KPA class: rps is fine here (and only a warning while the runtime runs no KPA)
    expect(bundledRuntimeErrors(revision({ 'autoscaling.knative.dev/metric': 'rps' }))).toEqual([]);
    // templates, and the class from the configuration
    const cfg = defaultServingConfig();
    cfg.autoscaler.podAutoscalerClass = HPA;
    const svc = service({ 'autoscaling.knative.dev/metric': 'queue_depth' });
    expect(bundledRuntimeErrors(svc)).toEqual([]);
    expect(bundledRuntimeErrors(svc, cfg).map((v) => v.path)).toEqual(['spec.template.metadata.annotations.autoscaling.knative.dev/metric']);
    expect(formatViolation(unsupportedHpaMetric({ 'autoscaling.knative.dev/metric': 'rps' }, 'metadata.annotations', cfg)!)).toMatch(
      /^metadata\.annotations\.autoscaling\.knative\.dev\/metric: .* \(got "rps"\)\. Fix: Scale on "rps" with the KPA class \(set autoscaling\.knative\.dev\/class: "kpa\.autoscaling\.knative\.dev"\)/);
  });

  test('window is reported: the runtime sets no stabilization window', () => {
    const rev = hpa({ 'autoscaling.knative.dev/window': '120s' });
    expect(paths(rev)).toEqual(['metadata.annotations.autoscaling.knative.dev/window']);
    expect(makeHpa(rev, defaultServingConfig())).toEqual(makeHpa(hpa({}), defaultServingConfig()));
  });
});

test('a custom autoscaler class is reported: the runtime creates no PodAutoscaler for it', () => {
  const rev = revision({ 'autoscaling.knative.dev/class': 'my.autoscaler.example.com', 'autoscaling.knative.dev/target': '5' });
  expect(unsupportedSettings(rev)).toEqual([expect.objectContaining({
    path: 'metadata.annotations.autoscaling.knative.dev/class', value: 'my.autoscaler.example.com', message: expect.stringContaining('creates no PodAutoscaler'),
  })]);
});

describe('unsupportedSettings: revision spec', () => {
  test('containerConcurrency > 0 is reported (the pod spec drops it; nothing else reads it)', () => {
    expect(unsupportedSettings(revision({}, { containerConcurrency: 0 }))).toEqual([]);
    const rev = revision({}, { containerConcurrency: 5 });
    expect(unsupportedSettings(rev)).toEqual([expect.objectContaining({ path: 'spec.containerConcurrency', value: 5, message: expect.stringContaining('not enforced') })]);
    expect(makePodSpec(rev)).toEqual(makePodSpec(revision({}, { containerConcurrency: 0 })));
  });

  test('an h2c port is reported', () => {
    const rev = revision({}, { containers: [{ image: 'img', ports: [{ name: 'h2c', containerPort: 9000 }] }] });
    expect(unsupportedSettings(rev)).toEqual([expect.objectContaining({ path: 'spec.containers[0].ports[0].name', value: 'h2c', message: expect.stringContaining('HTTP/1.1 only') })]);
    expect(unsupportedSettings(revision({}, { containers: [{ image: 'img', ports: [{ name: 'http1', containerPort: 9000 }] }] }))).toEqual([]);
  });
});

describe('unsupportedSettings: other kinds', () => {
  test('Service: rollout-duration, template annotations and spec, in that order, with template paths', () => {
    const svc = service({ 'autoscaling.knative.dev/window': '90s', 'autoscaling.knative.dev/target': '10' },
      { containerConcurrency: 2, containers: [{ image: 'img', ports: [{ name: 'h2c', containerPort: 8080 }] }] },
      { 'serving.knative.dev/rollout-duration': '300s' });
    expect(paths(svc)).toEqual([
      'metadata.annotations.serving.knative.dev/rollout-duration',
      // Knative's key order, not the object's
      'spec.template.metadata.annotations.autoscaling.knative.dev/target',
      'spec.template.metadata.annotations.autoscaling.knative.dev/window',
      'spec.template.spec.containerConcurrency',
      'spec.template.spec.containers[0].ports[0].name',
    ]);
  });

  test('rollout-duration: only a positive duration is reported, in any spelling the runtime reads', () => {
    const route = (a: Record<string, string>): KubeObject => ({ apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: { name: 'r', annotations: a }, spec: {} });
    expect(paths(route({ 'serving.knative.dev/rollout-duration': '0s' }))).toEqual([]);
    expect(paths(route({ 'serving.knative.dev/rollout-duration': '2m' }))).toEqual(['metadata.annotations.serving.knative.dev/rollout-duration']);
    expect(paths(route({ 'serving.knative.dev/rolloutDuration': '120s' }))).toEqual(['metadata.annotations.serving.knative.dev/rolloutDuration']);
    // Bare seconds are not a Go duration: admission rejects them, and the runtime does not read them.
    expect(paths(route({ 'serving.knative.dev/rollout-duration': '120' }))).toEqual([]);
    expect(unsupportedSettings(route({ 'serving.knative.dev/rollout-duration': '2m' }))[0].message).toContain('GradualRolloutNotSupported');
  });

  test('Configuration: template checks only', () => {
    const cfg: KubeObject = { ...service({ 'autoscaling.knative.dev/target': '1' }), kind: 'Configuration' };
    expect(paths(cfg)).toEqual(['spec.template.metadata.annotations.autoscaling.knative.dev/target']);
  });

  test('DomainMapping: not served at all; TLS reported too', () => {
    const dm: KubeObject = {
      apiVersion: 'serving.knative.dev/v1beta1',
      kind: 'DomainMapping',
      metadata: { name: 'api.example.com' },
      spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'web' }, tls: { secretName: 'api-tls' } },
    };
    expect(unsupportedSettings(dm).map(formatViolation)).toEqual([
      expect.stringMatching(/^metadata\.name: DomainMappings are not served by the bundled runtime.* \(got "api\.example\.com"\)\.$/),
      expect.stringMatching(/^spec\.tls\.secretName: the bundled runtime does not terminate TLS.* \(got "api-tls"\)\.$/),
    ]);
  });

  test('a plain Service and non-Knative objects have nothing to report', () => {
    expect(unsupportedSettings(service({}))).toEqual([]);
    expect(unsupportedSettings({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { containerConcurrency: 3 } })).toEqual([]);
  });
});

describe('unsupportedConfigSettings', () => {
  test('non-default rollout-duration, container-concurrency and autodetect-http2 are reported with map, key, value and reason', () => {
    expect(unsupportedConfigSettings({
      'config-network': { 'rollout-duration': '300' },
      'config-defaults': { 'container-concurrency': '10' },
      'config-features': { 'autodetect-http2': 'Enabled' },
    })).toEqual([
      { configMap: 'config-network', key: 'rollout-duration', value: '300', message: expect.stringContaining('gradual rollout is not supported') },
      { configMap: 'config-defaults', key: 'container-concurrency', value: '10', message: expect.stringContaining('does not enforce it') },
      { configMap: 'config-features', key: 'autodetect-http2', value: 'Enabled', message: expect.stringContaining('HTTP/1.1 only') },
    ]);
  });

  test('defaults and zero values are not reported; unparsable configuration is left to the parser', () => {
    expect(unsupportedConfigSettings({})).toEqual([]);
    expect(unsupportedConfigSettings({
      'config-network': { 'rollout-duration': '0' },
      'config-defaults': { 'container-concurrency': '0' },
      'config-features': { 'autodetect-http2': 'Disabled', 'tag-header-based-routing': 'Enabled' },
    })).toEqual([]);
    expect(unsupportedConfigSettings({ 'config-network': { 'rollout-duration': 'soon' } })).toEqual([]);
  });
});

describe('unsupportedConfigSettings: config-autoscaler', () => {
  const AS = 'config-autoscaler';
  test('request-driven tuning, scale to zero and the activator are reported; the scale bounds the runtime reads are not', () => {
    const data = {
      [AS]: {
        'pod-autoscaler-class': 'kpa.autoscaling.knative.dev',
        'initial-scale': '0',
        'allow-zero-initial-scale': 'true',
        'min-scale': '1',
        'max-scale': '5',
        'max-scale-limit': '10',
        'container-concurrency-target-default': '50',
        'stable-window': '90s',
        'panic-threshold-percentage': '300',
        'enable-scale-to-zero': 'true',
        'scale-to-zero-grace-period': '45s',
        'activator-capacity': '50',
      },
    };
    const got = unsupportedConfigSettings(data);
    expect(got.map((u) => u.key)).toEqual([
      'container-concurrency-target-default', 'stable-window', 'panic-threshold-percentage', 'enable-scale-to-zero', 'scale-to-zero-grace-period', 'activator-capacity',
    ]);
    expect(got[1]).toEqual({ configMap: AS, key: 'stable-window', value: '90s', message: expect.stringContaining('runs no request-driven autoscaler') });
    expect(got[3].message).toContain('does not scale to zero');
    expect(got[5].message).toContain('no activator');
  });

  test('min-scale 0 and a custom default class are reported; scale to zero turned off and the HPA class are not', () => {
    expect(unsupportedConfigSettings({ [AS]: { 'min-scale': '0', 'pod-autoscaler-class': 'autoscaler.example.com' } }).map((u) => [u.key, u.value])).toEqual([
      ['pod-autoscaler-class', 'autoscaler.example.com'], ['min-scale', '0'],
    ]);
    expect(unsupportedConfigSettings({ [AS]: { 'enable-scale-to-zero': 'false', 'pod-autoscaler-class': 'hpa.autoscaling.knative.dev' } })).toEqual([]);
  });
});

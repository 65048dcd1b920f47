import {
  bundledRuntimeErrors, defaultServingConfig, formatViolation, KubeObject, RevisionObject, unsupportedConfigSettings, unsupportedHpaMetric,
  unsupportedSettings,
} from '../../src/core';
import { parseServingConfig } from '../../src/core/config';
import { revisionDeciderSpec } from '../../src/runtime/controller/autoscaler/decider';
import { makeDeployment, makeHpa } from '../../src/runtime/controller/resources/revision';

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
  // Every KPA setting the controller's autoscaler reads (through core/autoscaler's deciderSpec), with a valid value.
  const honoured: Array<[string, string]> = [
    ['autoscaling.knative.dev/metric', 'rps'],
    ['autoscaling.knative.dev/target', '50'],
    ['autoscaling.knative.dev/target-utilization-percentage', '80'],
    ['autoscaling.knative.dev/activation-scale', '3'],
    ['autoscaling.knative.dev/window', '90s'],
    ['autoscaling.knative.dev/panic-window-percentage', '20'],
    ['autoscaling.knative.dev/panic-threshold-percentage', '300'],
    ['autoscaling.knative.dev/scale-down-delay', '30s'],
    ['autoscaling.knative.dev/scale-to-zero-pod-retention-period', '10s'],
    ['autoscaling.knative.dev/metric-aggregation-algorithm', 'weighted-exponential'],
    ['autoscaling.knative.dev/min-scale', '0'],
    ['autoscaling.knative.dev/min-scale', '3'],
    ['autoscaling.knative.dev/max-scale', '7'],
    ['autoscaling.knative.dev/initial-scale', '2'],
    // legacy spellings are read by Knative too
    ['autoscaling.knative.dev/targetUtilizationPercentage', '80'],
    ['autoscaling.knative.dev/scaleDownDelay', '30s'],
  ];
  const spec = (rev: RevisionObject) => revisionDeciderSpec(rev, defaultServingConfig(), true);

  test.each(honoured)('%s=%s is not reported: it changes the autoscaler\'s decider input', (key, value) => {
    for (const cls of [undefined, KPA]) {
      const base: Record<string, string> = cls ? { 'autoscaling.knative.dev/class': cls } : {};
      const rev = revision({ ...base, [key]: value });
      expect(unsupportedSettings(rev)).toEqual([]);
      if (!(key.endsWith('/min-scale') && value === '0')) expect(spec(rev)).not.toEqual(spec(revision(base)));
    }
  });

  test('target-burst-capacity is reported: it changes only the excess burst capacity (the ingress stays in the path)', () => {
    const rev = revision({ 'autoscaling.knative.dev/target-burst-capacity': '-1' });
    expect(unsupportedSettings(rev)).toEqual([{
      path: 'metadata.annotations.autoscaling.knative.dev/target-burst-capacity',
      value: '-1',
      severity: 'warning',
      message: expect.stringContaining('the bundled ingress is always in the request path'),
    }]);
    const { targetBurstCapacity: a, ...withIt } = spec(rev);
    const { targetBurstCapacity: b, ...without } = spec(revision());
    expect([a, b]).toEqual([-1, 211]);
    expect(withIt).toEqual(without);
  });

  test('min/max/initial scale still shape the Deployment the revision starts with', () => {
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

  test('the class default comes from the configuration', () => {
    const cfg = defaultServingConfig();
    cfg.autoscaler.podAutoscalerClass = HPA;
    const rev = revision({ 'autoscaling.knative.dev/target-burst-capacity': '50' });
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
  test('containerConcurrency is not reported: the ingress enforces it per pod and the autoscaler reads it', () => {
    const rev = revision({}, { containerConcurrency: 5 });
    expect(unsupportedSettings(rev)).toEqual([]);
    expect(revisionDeciderSpec(rev, defaultServingConfig(), true).total).toBe(5);
  });

  test('an h2c port is not reported (the ingress reaches h2c revisions over HTTP/2)', () => {
    const rev = revision({}, { containers: [{ image: 'img', ports: [{ name: 'h2c', containerPort: 9000 }] }] });
    expect(unsupportedSettings(rev)).toEqual([]);
    expect(unsupportedSettings(revision({}, { containers: [{ image: 'img', ports: [{ name: 'http1', containerPort: 9000 }] }] }))).toEqual([]);
  });
});

describe('unsupportedSettings: other kinds', () => {
  test('Service: template annotations and spec, with template paths; rollout-duration with a tagged latest target is not reported', () => {
    const svc = {
      ...service({ 'autoscaling.knative.dev/window': '90s', 'autoscaling.knative.dev/target-burst-capacity': '10' },
        { containerConcurrency: 2, containers: [{ image: 'img', ports: [{ name: 'h2c', containerPort: 8080 }] }] },
        { 'serving.knative.dev/rollout-duration': '300s' }),
    };
    svc.spec = { ...svc.spec, traffic: [{ latestRevision: true, percent: 100 }, { tag: 'latest', latestRevision: true, percent: 0 }] };
    expect(paths(svc)).toEqual([
      'spec.template.metadata.annotations.autoscaling.knative.dev/target-burst-capacity',
    ]);
  });

  test('rollout-duration is honoured for every latestRevision target, tagged or not (core/rollout): nothing is reported', () => {
    const traffic = [
      { configurationName: 'c', latestRevision: true, percent: 70 },
      { tag: 'pinned', revisionName: 'c-1', percent: 0 },
      { tag: 'canary', configurationName: 'c', percent: 30 },
      { tag: 'next', configurationName: 'c', percent: 0 },
    ];
    const route = (a: Record<string, string>): KubeObject =>
      ({ apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: { name: 'r', annotations: a }, spec: { traffic } });
    for (const d of ['2m', '0s', '120s']) expect(unsupportedSettings(route({ 'serving.knative.dev/rollout-duration': d }))).toEqual([]);
  });

  test('Configuration: template checks only', () => {
    const cfg: KubeObject = { ...service({ 'autoscaling.knative.dev/target-burst-capacity': '1' }), kind: 'Configuration' };
    expect(paths(cfg)).toEqual(['spec.template.metadata.annotations.autoscaling.knative.dev/target-burst-capacity']);
  });

  test('DomainMapping: a Knative Service or Route or a Kubernetes Service target is served, TLS too (the ingress\'s HTTPS listener); other kinds are reported', () => {
    const dm = (ref: Record<string, string>, tls?: string): KubeObject => ({
      apiVersion: 'serving.knative.dev/v1beta1',
      kind: 'DomainMapping',
      metadata: { name: 'api.example.com' },
      spec: { ref, ...(tls ? { tls: { secretName: tls } } : {}) },
    });
    expect(unsupportedSettings(dm({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'web' }))).toEqual([]);
    expect(unsupportedSettings(dm({ apiVersion: 'serving.knative.dev/v1', kind: 'Route', name: 'web' }))).toEqual([]);
    expect(unsupportedSettings(dm({ apiVersion: 'v1', kind: 'Service', name: 'web' }, 'api-tls'))).toEqual([]);
    expect(unsupportedSettings(dm({ apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'default' })).map(formatViolation)).toEqual([
      expect.stringMatching(/^spec\.ref\.kind: the bundled runtime resolves only serving\.knative\.dev\/v1 Service and Route references and v1 \(Kubernetes\) Services.* \(got "Broker"\)\.$/),
    ]);
    expect(unsupportedSettings(dm({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'web' }, 'api-tls'))).toEqual([]);
  });

  test('a plain Service and non-Knative objects have nothing to report', () => {
    expect(unsupportedSettings(service({}))).toEqual([]);
    expect(unsupportedSettings({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { containerConcurrency: 3 } })).toEqual([]);
  });
});

describe('unsupportedConfigSettings', () => {
  test('autodetect-http2 is reported with map, key, value and reason; rollout-duration is honoured (core/rollout), container-concurrency enforced', () => {
    expect(unsupportedConfigSettings({
      'config-network': { 'rollout-duration': '300' },
      'config-defaults': { 'container-concurrency': '10' },
      'config-features': { 'autodetect-http2': 'Enabled' },
    })).toEqual([
      { configMap: 'config-features', key: 'autodetect-http2', value: 'Enabled', message: expect.stringContaining('only when its port is named h2c') },
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
  test('the autoscaler reads every key but activator-capacity (reported) and target-burst-capacity (reported: reporting only)', () => {
    const data = {
      [AS]: {
        'pod-autoscaler-class': 'kpa.autoscaling.knative.dev',
        'initial-scale': '0',
        'allow-zero-initial-scale': 'true',
        'min-scale': '1',
        'max-scale': '5',
        'max-scale-limit': '10',
        'container-concurrency-target-default': '50',
        'container-concurrency-target-percentage': '80',
        'requests-per-second-target-default': '150',
        'target-burst-capacity': '-1',
        'stable-window': '90s',
        'panic-window-percentage': '20',
        'panic-threshold-percentage': '300',
        'scale-down-delay': '10s',
        'max-scale-up-rate': '100',
        'max-scale-down-rate': '3',
        'enable-scale-to-zero': 'true',
        'scale-to-zero-grace-period': '45s',
        'scale-to-zero-pod-retention-period': '5s',
        'activator-capacity': '50',
      },
    };
    const got = unsupportedConfigSettings(data);
    expect(got.map((u) => u.key)).toEqual(['target-burst-capacity', 'activator-capacity']);
    expect(got[0]).toEqual({ configMap: AS, key: 'target-burst-capacity', value: '-1', message: expect.stringContaining('always in the request path') });
    expect(got[1].message).toContain('runs ingress.replicas replicas whatever the load');
    // the claim: each of the others changes the decider input (spec) of a plain revision
    const cfgOf = (d: Record<string, string>) => parseServingConfig({ [AS]: d });
    const skip = ['pod-autoscaler-class', 'activator-capacity', 'target-burst-capacity', 'allow-zero-initial-scale', 'max-scale-limit', 'enable-scale-to-zero', 'initial-scale'];
    for (const [key, value] of Object.entries(data[AS])) {
      if (skip.includes(key)) continue;
      // the rps target default applies to rps revisions
      const rev = revision(key.startsWith('requests-per-second') ? { 'autoscaling.knative.dev/metric': 'rps' } : {});
      expect([key, revisionDeciderSpec(rev, cfgOf({ [key]: value }), true)]).not.toEqual([key, revisionDeciderSpec(rev, cfgOf({}), true)]);
    }
    expect(revisionDeciderSpec(revision(), cfgOf({ 'enable-scale-to-zero': 'false' }), true).enableScaleToZero).toBe(false);
    expect(revisionDeciderSpec(revision(), cfgOf({ 'initial-scale': '0', 'allow-zero-initial-scale': 'true' }), true).initialScale).toBe(0);
  });

  test('a custom default class is reported; min-scale 0, scale to zero turned off and the HPA class are not', () => {
    expect(unsupportedConfigSettings({ [AS]: { 'min-scale': '0', 'pod-autoscaler-class': 'autoscaler.example.com' } }).map((u) => [u.key, u.value])).toEqual([
      ['pod-autoscaler-class', 'autoscaler.example.com'],
    ]);
    expect(unsupportedConfigSettings({ [AS]: { 'enable-scale-to-zero': 'false', 'pod-autoscaler-class': 'hpa.autoscaling.knative.dev' } })).toEqual([]);
  });

});

import {
  ConfigError, defaultServingConfig, featureFlag, formatGoDuration, parseDomainSelector, parseGoDuration, parseServingConfig, renderTemplate,
} from '../../src/core/config';

function expectConfigError(fn: () => unknown, cm: string, key: string, value: string): ConfigError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const ce = err as ConfigError;
  expect(ce.configMap).toBe(cm);
  expect(ce.key).toBe(key);
  expect(ce.value).toBe(value);
  expect(ce.fix).not.toBe('');
  expect(ce.message).toContain(cm);
  expect(ce.message).toContain(key);
  expect(ce.message).toContain('Fix:');
  return ce;
}

describe('parseGoDuration', () => {
  test.each([
    ['1h2m3s', 3723],
    ['0', 0],
    ['0s', 0],
    ['300ms', 0.3],
    ['1.5h', 5400],
    ['-30s', -30],
    ['+5m', 300],
    ['10m0s', 600],
    ['48h', 172800],
    ['1us', 1e-6],
    ['1µs', 1e-6],
    ['2ns', 2e-9],
    ['.5s', 0.5],
  ])('%s → %d', (s, want) => {
    expect(parseGoDuration(s)).toBeCloseTo(want, 12);
  });
  test.each(['', '10', '5d', 's', '1h 2m', 'abc', '-'])('rejects %j', (s) => {
    expect(() => parseGoDuration(s)).toThrow(/time: /);
  });
  test('formatGoDuration writes Go duration strings', () => {
    expect(formatGoDuration(3723)).toBe('1h2m3s');
    expect(formatGoDuration(600)).toBe('10m0s');
    expect(formatGoDuration(30)).toBe('30s');
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(0.3)).toBe('300ms');
  });
});

describe('defaults', () => {
  test('defaultServingConfig has the 1.17 defaults', () => {
    const c = defaultServingConfig();
    expect(c.clusterDomain).toBe('cluster.local');
    expect(c.defaults).toEqual({
      revisionTimeoutSeconds: 300,
      maxRevisionTimeoutSeconds: 600,
      revisionResponseStartTimeoutSeconds: 300,
      revisionIdleTimeoutSeconds: 0,
      containerConcurrency: 0,
      containerConcurrencyMaxLimit: 1000,
      allowContainerConcurrencyZero: true,
      enableServiceLinks: false,
      containerNameTemplate: 'user-container',
      initContainerNameTemplate: 'init-container',
    });
    expect(c.features['multi-container']).toBe('Enabled');
    expect(c.features['kubernetes.podspec-volumes-emptydir']).toBe('Enabled');
    expect(c.features['kubernetes.podspec-dryrun']).toBe('Allowed');
    expect(c.features['kubernetes.podspec-fieldref']).toBe('Disabled');
    expect(c.features['multi-container-probing']).toBe('Disabled');
    expect(c.autoscaler.podAutoscalerClass).toBe('kpa.autoscaling.knative.dev');
    expect(c.autoscaler.initialScale).toBe(1);
    expect(c.autoscaler.maxScaleLimit).toBe(0);
    expect(c.autoscaler.allowZeroInitialScale).toBe(false);
    expect(c.autoscaler.stableWindowSeconds).toBe(60);
    expect(c.autoscaler.targetBurstCapacity).toBe(211);
    expect(c.network).toMatchObject({
      domainTemplate: '{{.Name}}.{{.Namespace}}.{{.Domain}}',
      tagTemplate: '{{.Tag}}-{{.Name}}',
      defaultExternalScheme: 'http',
      rolloutDurationSeconds: 0,
      ingressClass: 'istio.ingress.networking.knative.dev',
      externalDomainTls: 'Disabled',
      httpProtocol: 'Enabled',
    });
    expect(c.domain).toEqual({});
    expect(c.gc).toEqual({
      retainSinceCreateTimeSeconds: 172800,
      retainSinceLastActiveTimeSeconds: 54000,
      minNonActiveRevisions: 20,
      maxNonActiveRevisions: 1000,
    });
    expect(c.deployment.progressDeadlineSeconds).toBe(600);
    expect(c.deployment.registriesSkippingTagResolving).toEqual(['kind.local', 'ko.local', 'dev.local']);
  });
  test('parse of nothing equals defaults; cluster domain is honoured', () => {
    expect(parseServingConfig({})).toEqual(defaultServingConfig());
    expect(parseServingConfig({}, 'corp.internal').clusterDomain).toBe('corp.internal');
  });
  test('returned objects are independent', () => {
    const a = defaultServingConfig();
    a.features['multi-container'] = 'Disabled';
    expect(defaultServingConfig().features['multi-container']).toBe('Enabled');
  });
  test('featureFlag falls back to defaults', () => {
    expect(featureFlag(undefined, 'kubernetes.podspec-volumes-emptydir')).toBe('Enabled');
    expect(featureFlag(defaultServingConfig(), 'no-such-flag')).toBe('Disabled');
  });
});

describe('config-defaults', () => {
  test('values parsed; _example ignored; response-start timeout follows revision-timeout-seconds; unknown enable-service-links → unset', () => {
    const c = parseServingConfig({
      'config-defaults': {
        '_example': 'ignored: true',
        'revision-timeout-seconds': '120',
        'max-revision-timeout-seconds': '900',
        'container-concurrency': '10',
        'enable-service-links': 'maybe',
        'container-name-template': '{{.Name}}',
        'revision-cpu-request': '100m',
      },
    });
    expect(c.defaults.revisionTimeoutSeconds).toBe(120);
    expect(c.defaults.revisionResponseStartTimeoutSeconds).toBe(120);
    expect(c.defaults.maxRevisionTimeoutSeconds).toBe(900);
    expect(c.defaults.containerConcurrency).toBe(10);
    expect(c.defaults.enableServiceLinks).toBeUndefined();
    expect(c.defaults.containerNameTemplate).toBe('{{.Name}}');
    expect(c.defaults.revisionCpuRequest).toBe('100m');
    expect(parseServingConfig({ 'config-defaults': { 'enable-service-links': 'true' } }).defaults.enableServiceLinks).toBe(true);
  });
  test('bad values throw ConfigError naming map, key, value and fix; allow-container-concurrency-zero=false alone is accepted', () => {
    expectConfigError(() => parseServingConfig({ 'config-defaults': { 'revision-timeout-seconds': 'abc' } }),
      'config-defaults', 'revision-timeout-seconds', 'abc');
    expectConfigError(() => parseServingConfig({ 'config-defaults': { 'revision-timeout-seconds': '700' } }),
      'config-defaults', 'revision-timeout-seconds', '700');
    expectConfigError(() => parseServingConfig({ 'config-defaults': { 'container-concurrency': '2000' } }),
      'config-defaults', 'container-concurrency', '2000');
    // Knative accepts allow-container-concurrency-zero=false with the default container-concurrency 0
    expect(parseServingConfig({ 'config-defaults': { 'allow-container-concurrency-zero': 'false' } }).defaults.allowContainerConcurrencyZero).toBe(false);
    expectConfigError(() => parseServingConfig({ 'config-defaults': { 'container-name-template': '{{.Nope}}' } }),
      'config-defaults', 'container-name-template', '{{.Nope}}');
    expectConfigError(() => parseServingConfig({ 'config-defaults': { 'revision-idle-timeout-seconds': '400' } }),
      'config-defaults', 'revision-idle-timeout-seconds', '400');
    expectConfigError(() => parseServingConfig({ 'config-defaults': { 'revision-response-start-timeout-seconds': '400' } }),
      'config-defaults', 'revision-response-start-timeout-seconds', '400');
    // Knative checks the idle and response-start timeouts only when positive (issue 16)
    expect(parseServingConfig({ 'config-defaults': { 'revision-idle-timeout-seconds': '-1' } }).defaults.revisionIdleTimeoutSeconds).toBe(-1);
    expect(parseServingConfig({ 'config-defaults': { 'revision-timeout-seconds': '-1' } }).defaults.revisionResponseStartTimeoutSeconds).toBe(-1);
    expectConfigError(() => parseServingConfig({ 'config-defaults': { 'revision-memory-limit': 'lots' } }),
      'config-defaults', 'revision-memory-limit', 'lots');
  });
});

describe('config-features', () => {
  test('case-insensitive, unknown values keep default', () => {
    const c = parseServingConfig({
      'config-features': {
        'kubernetes.podspec-fieldref': 'enabled',
        'kubernetes.podspec-affinity': 'ALLOWED',
        'multi-container': 'disabled',
        'kubernetes.podspec-volumes-emptydir': 'bogus',
        'tag-header-based-routing': 'Enabled',
      },
    });
    expect(c.features['kubernetes.podspec-fieldref']).toBe('Enabled');
    expect(c.features['kubernetes.podspec-affinity']).toBe('Allowed');
    expect(c.features['multi-container']).toBe('Disabled');
    expect(c.features['kubernetes.podspec-volumes-emptydir']).toBe('Enabled');
    expect(c.features['tag-header-based-routing']).toBe('Enabled');
    expect(c.features['kubernetes.podspec-dryrun']).toBe('Allowed');
  });
});

describe('config-autoscaler', () => {
  test('values parsed', () => {
    const c = parseServingConfig({
      'config-autoscaler': {
        'allow-zero-initial-scale': 'true',
        'initial-scale': '0',
        'max-scale-limit': '10',
        'max-scale': '5',
        'stable-window': '2m',
        'scale-down-delay': '15m',
        'container-concurrency-target-percentage': '80',
      },
    });
    expect(parseServingConfig({ 'config-autoscaler': { 'container-concurrency-target-percentage': '0.5' } })
      .autoscaler.containerConcurrencyTargetPercentage).toBe(50);
    expect(c.autoscaler.allowZeroInitialScale).toBe(true);
    expect(c.autoscaler.initialScale).toBe(0);
    expect(c.autoscaler.maxScaleLimit).toBe(10);
    expect(c.autoscaler.maxScale).toBe(5);
    expect(c.autoscaler.stableWindowSeconds).toBe(120);
    expect(c.autoscaler.scaleDownDelaySeconds).toBe(900);
    expect(c.autoscaler.containerConcurrencyTargetPercentage).toBe(80);
  });
  test('bad values throw ConfigError naming map, key, value and fix', () => {
    expectConfigError(() => parseServingConfig({ 'config-autoscaler': { 'initial-scale': '0' } }), 'config-autoscaler', 'initial-scale', '0');
    expectConfigError(() => parseServingConfig({ 'config-autoscaler': { 'stable-window': '2h' } }), 'config-autoscaler', 'stable-window', '2h');
    expectConfigError(() => parseServingConfig({ 'config-autoscaler': { 'stable-window': 'soon' } }), 'config-autoscaler', 'stable-window', 'soon');
    expectConfigError(() => parseServingConfig({ 'config-autoscaler': { 'enable-scale-to-zero': 'yes' } }),
      'config-autoscaler', 'enable-scale-to-zero', 'yes');
    expectConfigError(() => parseServingConfig({ 'config-autoscaler': { 'max-scale-limit': '5', 'max-scale': '6' } }),
      'config-autoscaler', 'max-scale', '6');
    // Under a limit the default max-scale 0 (unlimited) is rejected, as Knative does.
    expectConfigError(() => parseServingConfig({ 'config-autoscaler': { 'max-scale-limit': '5' } }), 'config-autoscaler', 'max-scale', '0');
    expectConfigError(() => parseServingConfig({ 'config-autoscaler': { 'max-scale': '3', 'min-scale': '4' } }), 'config-autoscaler', 'min-scale', '4');
    expectConfigError(() => parseServingConfig({ 'config-autoscaler': { 'min-scale': '-1' } }), 'config-autoscaler', 'min-scale', '-1');
    // 6s × 10 % = 0.6s: below the 1s bucket; the key the user wrote is named.
    expectConfigError(() => parseServingConfig({ 'config-autoscaler': { 'stable-window': '6s' } }), 'config-autoscaler', 'stable-window', '6s');
    expectConfigError(() => parseServingConfig({ 'config-autoscaler': { 'stable-window': '60s', 'panic-window-percentage': '1' } }),
      'config-autoscaler', 'panic-window-percentage', '1');
    expectConfigError(() => parseServingConfig({ 'config-autoscaler': { 'container-concurrency-target-percentage': '150' } }),
      'config-autoscaler', 'container-concurrency-target-percentage', '150');
    // Knative: positive (issue 16; the constructs' setting asks for at least 6s)
    expectConfigError(() => parseServingConfig({ 'config-autoscaler': { 'scale-to-zero-grace-period': '0s' } }),
      'config-autoscaler', 'scale-to-zero-grace-period', '0s');
    expect(parseServingConfig({ 'config-autoscaler': { 'scale-to-zero-grace-period': '5s' } }).autoscaler.scaleToZeroGracePeriodSeconds).toBe(5);
  });
});

describe('config-network', () => {
  test('kebab-case keys are read and enum values normalized', () => {
    const c = parseServingConfig({
      'config-network': {
        'domain-template': '{{.Name}}-{{.Namespace}}.{{.Domain}}',
        'tag-template': '{{.Name}}-{{.Tag}}',
        'default-external-scheme': 'https',
        'rollout-duration': '120',
        'ingress-class': 'kourier.ingress.networking.knative.dev',
        'external-domain-tls': 'enabled',
        'http-protocol': 'redirected',
      },
    });
    expect(c.network.domainTemplate).toBe('{{.Name}}-{{.Namespace}}.{{.Domain}}');
    expect(c.network.tagTemplate).toBe('{{.Name}}-{{.Tag}}');
    expect(c.network.defaultExternalScheme).toBe('https');
    expect(c.network.rolloutDurationSeconds).toBe(120);
    expect(c.network.ingressClass).toBe('kourier.ingress.networking.knative.dev');
    expect(c.network.externalDomainTls).toBe('Enabled');
    expect(c.network.httpProtocol).toBe('Redirected');
  });
  test('legacy camelCase keys are read; new keys win', () => {
    const c = parseServingConfig({
      'config-network': {
        'domainTemplate': '{{.Name}}.{{.Domain}}',
        'tagTemplate': '{{.Tag}}.{{.Name}}',
        'rolloutDuration': '30',
        'ingress.class': 'legacy.class',
        'autoTLS': 'Enabled',
        'httpProtocol': 'Disabled',
      },
    });
    expect(c.network.domainTemplate).toBe('{{.Name}}.{{.Domain}}');
    expect(c.network.tagTemplate).toBe('{{.Tag}}.{{.Name}}');
    expect(c.network.rolloutDurationSeconds).toBe(30);
    expect(c.network.ingressClass).toBe('legacy.class');
    expect(c.network.externalDomainTls).toBe('Enabled');
    expect(c.network.httpProtocol).toBe('Disabled');
    const both = parseServingConfig({ 'config-network': { 'domainTemplate': '{{.Name}}.{{.Domain}}', 'domain-template': '{{.Name}}.x.{{.Domain}}' } });
    expect(both.network.domainTemplate).toBe('{{.Name}}.x.{{.Domain}}');
  });
  test('bad values throw ConfigError naming map, key, value and fix; an empty http-protocol keeps the default', () => {
    expectConfigError(() => parseServingConfig({ 'config-network': { 'rollout-duration': '-1' } }), 'config-network', 'rollout-duration', '-1');
    expectConfigError(() => parseServingConfig({ 'config-network': { 'rollout-duration': '5m' } }), 'config-network', 'rollout-duration', '5m');
    expectConfigError(() => parseServingConfig({ 'config-network': { 'domain-template': '{{.Name}}.{{.Domain}}/path' } }),
      'config-network', 'domain-template', '{{.Name}}.{{.Domain}}/path');
    expectConfigError(() => parseServingConfig({ 'config-network': { 'domain-template': '{{.Bogus}}.{{.Domain}}' } }),
      'config-network', 'domain-template', '{{.Bogus}}.{{.Domain}}');
    expectConfigError(() => parseServingConfig({ 'config-network': { 'tag-template': '{{.Namespace}}-{{.Tag}}' } }),
      'config-network', 'tag-template', '{{.Namespace}}-{{.Tag}}');
    expectConfigError(() => parseServingConfig({ 'config-network': { 'default-external-scheme': 'not a scheme' } }),
      'config-network', 'default-external-scheme', 'not a scheme');
    expectConfigError(() => parseServingConfig({ 'config-network': { 'cluster-local-domain-tls': 'maybe' } }),
      'config-network', 'cluster-local-domain-tls', 'maybe');
    expect(parseServingConfig({ 'config-network': { 'http-protocol': '' } }).network.httpProtocol).toBe('Enabled');
    expectConfigError(() => parseServingConfig({ 'config-network': { 'http-protocol': 'sometimes' } }),
      'config-network', 'http-protocol', 'sometimes');
  });
});

describe('config-domain', () => {
  test('only _example → empty (every route cluster-local)', () => {
    const c = parseServingConfig({ 'config-domain': { _example: 'example.com: |\n  selector:\n    app: x\n' } });
    expect(c.domain).toEqual({});
  });
  test('suffixes with selectors', () => {
    const c = parseServingConfig({
      'config-domain': {
        'example.com': '',
        'example.org': 'selector:\n  app: nonprofit\n',
        'svc.cluster.local': 'selector:\n  app: secret\n  "tier": \'backend\' # comment\n',
        'flow.example': 'selector: {app: flow, env: "prod"}',
        'empty.example': 'selector: {}',
      },
    });
    expect(c.domain).toEqual({
      'example.com': {},
      'example.org': { app: 'nonprofit' },
      'svc.cluster.local': { app: 'secret', tier: 'backend' },
      'flow.example': { app: 'flow', env: 'prod' },
      'empty.example': {},
    });
  });
  test('bad shapes throw ConfigError', () => {
    expectConfigError(() => parseDomainSelector('example.com', 'labels:\n  app: x'), 'config-domain', 'example.com', 'labels:\n  app: x');
    expectConfigError(() => parseDomainSelector('example.com', 'selector:\n  app x'), 'config-domain', 'example.com', 'selector:\n  app x');
    expectConfigError(() => parseDomainSelector('example.com', 'selector: app'), 'config-domain', 'example.com', 'selector: app');
    expectConfigError(() => parseServingConfig({ 'config-domain': { 'a.b': 'selector:\n  x: y\n    z: w' } }), 'config-domain', 'a.b', 'selector:\n  x: y\n    z: w');
  });
});

describe('config-gc and config-deployment', () => {
  test('gc durations and disabled', () => {
    const c = parseServingConfig({
      'config-gc': {
        'retain-since-create-time': 'disabled',
        'retain-since-last-active-time': '1h30m',
        'min-non-active-revisions': '2',
        'max-non-active-revisions': 'Disabled',
      },
    });
    expect(c.gc).toEqual({
      retainSinceCreateTimeSeconds: null,
      retainSinceLastActiveTimeSeconds: 5400,
      minNonActiveRevisions: 2,
      maxNonActiveRevisions: null,
    });
  });
  test('gc: bad values throw ConfigError naming map, key, value and fix', () => {
    expectConfigError(() => parseServingConfig({ 'config-gc': { 'retain-since-create-time': '2 days' } }),
      'config-gc', 'retain-since-create-time', '2 days');
    expectConfigError(() => parseServingConfig({ 'config-gc': { 'retain-since-create-time': '-1h' } }),
      'config-gc', 'retain-since-create-time', '-1h');
    expectConfigError(() => parseServingConfig({ 'config-gc': { 'min-non-active-revisions': '30', 'max-non-active-revisions': '10' } }),
      'config-gc', 'min-non-active-revisions', '30');
    expectConfigError(() => parseServingConfig({ 'config-gc': { 'max-non-active-revisions': '-3' } }),
      'config-gc', 'max-non-active-revisions', '-3');
  });
  test('progress-deadline is parsed; 0s, sub-second and unit-less values throw ConfigError', () => {
    expect(parseServingConfig({ 'config-deployment': { 'progress-deadline': '5m' } }).deployment.progressDeadlineSeconds).toBe(300);
    expectConfigError(() => parseServingConfig({ 'config-deployment': { 'progress-deadline': '0s' } }),
      'config-deployment', 'progress-deadline', '0s');
    expectConfigError(() => parseServingConfig({ 'config-deployment': { 'progress-deadline': '1.5s' } }),
      'config-deployment', 'progress-deadline', '1.5s');
    expectConfigError(() => parseServingConfig({ 'config-deployment': { 'progress-deadline': '600' } }),
      'config-deployment', 'progress-deadline', '600');
  });
});

describe('renderTemplate', () => {
  test('fields, index and trim markers', () => {
    expect(renderTemplate('{{.Name}}.{{ .Namespace }}', { Name: 'a', Namespace: 'b' })).toBe('a.b');
    expect(renderTemplate('{{index .Annotations "x/y"}}-z', { Annotations: { 'x/y': 'v' } })).toBe('v-z');
    expect(renderTemplate('{{index .Labels "missing"}}z', { Labels: {} })).toBe('z');
    expect(renderTemplate('a {{- .Name -}} b', { Name: 'N' })).toBe('aNb');
  });
  test('unsupported actions throw', () => {
    expect(() => renderTemplate('{{if .Name}}x{{end}}', { Name: 'a' })).toThrow(/unsupported action/);
    expect(() => renderTemplate('{{.Nope}}', { Name: 'a' })).toThrow(/can't evaluate field Nope/);
    expect(() => renderTemplate('{{.Name', { Name: 'a' })).toThrow(/unclosed/);
  });
});

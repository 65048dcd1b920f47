import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { applyDefaults } from '../../src/core/rules';
import { AutoscalerClass } from '../../src/serving/autoscaling';
import { PortProtocol } from '../../src/serving/container';
import { KnativeFeature, KnativeFeatures } from '../../src/serving/features';
import { KnService } from '../../src/serving/kn-service';
import { KnativeProbe } from '../../src/serving/probe';
import { Revision } from '../../src/serving/revision';
import { RevisionName, RevisionTemplate, RevisionTemplateProps } from '../../src/serving/template';

function template(props: RevisionTemplateProps = {}, scope: Construct = Testing.chart()): RevisionTemplate {
  return new RevisionTemplate(scope, props);
}

/** Synthesize a standalone Revision (same spec rendering as a template) and return its spec. */
function synthSpec(build: (chart: Construct) => void): Record<string, any> {
  const chart = Testing.chart();
  build(chart);
  return Testing.synth(chart)[0].spec;
}

function synthError(build: (chart: Construct) => void): string {
  const chart = Testing.chart();
  build(chart);
  try {
    Testing.synth(chart);
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

describe('rendering', () => {
  test('image shortcut renders one container plus Knative admission defaults only', () => {
    expect(template({ image: 'ghcr.io/x/hello' })._toKube('hello')).toEqual({
      metadata: {},
      spec: {
        containers: [{
          name: 'user-container',
          image: 'ghcr.io/x/hello',
          readinessProbe: { successThreshold: 1, tcpSocket: { port: 0 } },
          resources: {},
        }],
        enableServiceLinks: false,
        containerConcurrency: 0,
        timeoutSeconds: 300,
      },
    });
  });

  test('shortcut port, protocol and env apply to the image container', () => {
    const spec = template({ image: 'img', port: 9000, portProtocol: PortProtocol.H2C, envVariables: { A: kplus.EnvValue.fromValue('1') } })._toKube('s').spec;
    expect(spec.containers[0]).toMatchObject({ ports: [{ containerPort: 9000, name: 'h2c' }], env: [{ name: 'A', value: '1' }] });
  });

  test('timeouts and containerConcurrency: Knative\'s defaults rendered when unset, user values otherwise', () => {
    const unset = template({ image: 'img' })._toKube('s').spec;
    expect(unset).toMatchObject({ timeoutSeconds: 300, containerConcurrency: 0 });
    expect(unset).not.toHaveProperty('responseStartTimeoutSeconds');
    expect(unset).not.toHaveProperty('idleTimeoutSeconds');
    expect(template({
      image: 'img',
      containerConcurrency: 0,
      timeout: Duration.minutes(5),
      responseStartTimeout: Duration.seconds(30),
      idleTimeout: Duration.seconds(10),
    })._toKube('s').spec).toMatchObject({
      containerConcurrency: 0,
      timeoutSeconds: 300,
      responseStartTimeoutSeconds: 30,
      idleTimeoutSeconds: 10,
    });
    expect(template({ image: 'img', containerConcurrency: 10, timeout: Duration.seconds(20) })._toKube('s').spec)
      .toMatchObject({ containerConcurrency: 10, timeoutSeconds: 20 });
  });

  test('a timeout above 300s gets responseStartTimeoutSeconds: 300 unless set, as Knative\'s defaulting does', () => {
    const long = template({ image: 'img', timeout: Duration.seconds(600) })._toKube('s').spec;
    expect(long).toMatchObject({ timeoutSeconds: 600, responseStartTimeoutSeconds: 300 });
    expect(long).not.toHaveProperty('idleTimeoutSeconds');
    expect(applyDefaults({ apiVersion: 'serving.knative.dev/v1', kind: 'Revision', metadata: { name: 'r' }, spec: long } as any, { operation: 'create' }))
      .toEqual({ apiVersion: 'serving.knative.dev/v1', kind: 'Revision', metadata: { name: 'r' }, spec: long });
    expect(template({ image: 'img', timeout: Duration.seconds(600), responseStartTimeout: Duration.seconds(500) })._toKube('s').spec)
      .toMatchObject({ timeoutSeconds: 600, responseStartTimeoutSeconds: 500 });
    expect(template({ image: 'img', timeout: Duration.seconds(300) })._toKube('s').spec).not.toHaveProperty('responseStartTimeoutSeconds');
  });

  test('timeout 0 is rejected eagerly (Knative would replace it with the default)', () => {
    expect(() => template({ image: 'img', timeout: Duration.seconds(0) }))
      .toThrow(/^\[test\] timeout: must be at least 1 second \(Knative replaces timeoutSeconds: 0 with the cluster default.*\) \(got 0 seconds\)\. Fix: Omit timeout to use the cluster default/);
    // responseStart/idle 0 are kept by Knative's defaulting (only nil is defaulted), so they stay allowed.
    expect(template({ image: 'img', responseStartTimeout: Duration.seconds(0), idleTimeout: Duration.seconds(0) })._toKube('s').spec)
      .toMatchObject({ responseStartTimeoutSeconds: 0, idleTimeoutSeconds: 0 });
  });

  test('service account, image pull secrets, enableServiceLinks, automountServiceAccountToken', () => {
    const chart = Testing.chart();
    const spec = template({
      image: 'img',
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, 'Sa', 'runner'),
      imagePullSecrets: [kplus.Secret.fromSecretName(chart, 'Pull', 'regcred')],
      enableServiceLinks: true,
      automountServiceAccountToken: false,
    }, chart)._toKube('s').spec;
    expect(spec).toMatchObject({
      serviceAccountName: 'runner',
      imagePullSecrets: [{ name: 'regcred' }],
      enableServiceLinks: true,
      automountServiceAccountToken: false,
    });
  });

  test('revision labels and annotations are template metadata', () => {
    const t = template({ image: 'img', revisionLabels: { team: 'a' }, revisionAnnotations: { 'serving.knative.dev/progress-deadline': '300s' } });
    t.addRevisionLabel('app', 'hello');
    t.addRevisionAnnotation('example.com/note', 'x');
    expect(t._toKube('s').metadata).toEqual({
      labels: { app: 'hello', team: 'a' },
      annotations: { 'example.com/note': 'x', 'serving.knative.dev/progress-deadline': '300s' },
    });
  });

  test('containers are named like Knative names them', () => {
    const names = (t: RevisionTemplate): string[] => t._toKube('s').spec.containers.map((c: any) => c.name);
    expect(names(template({ containers: [{ image: 'a' }] }))).toEqual(['user-container']);
    expect(names(template({ containers: [{ image: 'a', port: 8080 }, { image: 'b' }] }))).toEqual(['user-container-0', 'user-container-1']);
    expect(names(template({ containers: [{ image: 'a', name: 'user-container-0', port: 8080 }, { image: 'b' }, { image: 'c' }] })))
      .toEqual(['user-container-0', 'user-container-1', 'user-container-2']);
    expect(names(template({ containers: [{ image: 'a', name: 'app', port: 8080 }, { image: 'b', name: 'proxy' }] }))).toEqual(['app', 'proxy']);
    // a user-supplied init container name clashing with the default
    expect(names(template({ containers: [{ image: 'a' }], initContainers: [{ image: 'i', name: 'user-container' }] }))).toEqual(['user-container-0']);
  });

  test('only the serving container gets the default readiness probe', () => {
    const spec = template({ containers: [{ image: 'side' }, { image: 'app', port: 8080 }] })._toKube('s').spec;
    expect(spec.containers[0].readinessProbe).toBeUndefined();
    expect(spec.containers[1].readinessProbe).toEqual({ tcpSocket: { port: 0 }, successThreshold: 1 });
  });

  test('volumes: the mounted ones, in mount order, each once', () => {
    const chart = Testing.chart();
    const secret = kplus.Volume.fromSecret(chart, 'S', kplus.Secret.fromSecretName(chart, 'Sec', 'creds'), { items: { 'tls.crt': { path: 'cert.pem' } } });
    const cm = kplus.Volume.fromConfigMap(chart, 'C', kplus.ConfigMap.fromConfigMapName(chart, 'Cm', 'settings'), { defaultMode: 0o444 });
    const tmp = kplus.Volume.fromEmptyDir(chart, 'E', 'tmp', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(64) });
    const t = template({ image: 'img' }, chart);
    t.containers[0].mount('/etc/creds', secret);
    t.containers[0].mount('/etc/settings', cm);
    const side = t.addContainer({ image: 'side' });
    side.mount('/tmp', tmp);
    side.mount('/creds', secret);
    expect(t._toKube('s').spec.volumes).toEqual([
      { name: 'secret-creds', secret: { secretName: 'creds', items: [{ key: 'tls.crt', path: 'cert.pem' }] } },
      { name: 'configmap-settings', configMap: { name: 'settings', defaultMode: 0o444 } },
      { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    ]);
  });

  test('emptyDir needs no opt-in', () => {
    expect(synthSpec(chart => {
      const r = new Revision(chart, 'Rev', { image: 'img' });
      r.containers[0].mount('/tmp', kplus.Volume.fromEmptyDir(chart, 'E', 'tmp'));
    }).volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
  });

  test('getters return copies', () => {
    const t = template({ image: 'img', revisionLabels: { a: '1' } });
    t.containers.pop();
    t.revisionLabels.b = '2';
    expect(t.containers).toHaveLength(1);
    expect(t.revisionLabels).toEqual({ a: '1' });
  });

  test('the output is a fixed point of Knative defaulting', () => {
    const chart = Testing.chart();
    const secret = kplus.Volume.fromSecret(chart, 'S', kplus.Secret.fromSecretName(chart, 'Sec', 'creds'));
    const r = new Revision(chart, 'Rev', {
      containers: [
        { image: 'app', port: 8080, readiness: KnativeProbe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(3) }) },
        { image: 'sidecar', volumeMounts: [{ volume: secret, path: '/creds' }] },
      ],
      initContainers: [{ image: 'init', volumeMounts: [{ volume: secret, path: '/init-creds' }] }],
      enabledFeatures: [KnativeFeature.INIT_CONTAINERS],
      autoscaling: { minScale: 1 },
    });
    r.containers[0].mount('/etc/creds', secret);
    const [manifest] = Testing.synth(chart);
    expect(applyDefaults(manifest as any, { operation: 'create' })).toEqual(manifest);
  });
});

describe('feature gates', () => {
  const pvc = (chart: Construct, readOnly: boolean): kplus.Volume =>
    kplus.Volume.fromPersistentVolumeClaim(chart, 'P', kplus.PersistentVolumeClaim.fromClaimName(chart, 'Claim', 'data'), { readOnly });

  test('persistentVolumeClaim fails without PERSISTENT_VOLUME_CLAIM and is not rendered', () => {
    const message = synthError(chart => {
      const r = new Revision(chart, 'Rev', { image: 'img' });
      r.containers[0].mount('/data', pvc(chart, true));
    });
    expect(message).toMatch(/spec\.volumes\["pvc-data"\]\.persistentVolumeClaim: requires the Knative feature gate "kubernetes\.podspec-persistent-volume-claim"/);
    expect(message).toMatch(/KnativeFeature.PERSISTENT_VOLUME_CLAIM/);
    expect(message).not.toMatch(/no matching volume/);
  });

  test('read-only persistentVolumeClaim renders with PERSISTENT_VOLUME_CLAIM', () => {
    const spec = synthSpec(chart => {
      const r = new Revision(chart, 'Rev', { image: 'img', enabledFeatures: [KnativeFeature.PERSISTENT_VOLUME_CLAIM] });
      r.containers[0].mount('/data', pvc(chart, true));
    });
    expect(spec.volumes).toEqual([{ name: 'pvc-data', persistentVolumeClaim: { claimName: 'data', readOnly: true } }]);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'pvc-data', mountPath: '/data', readOnly: true }]);
  });

  test('writable persistentVolumeClaim also needs PERSISTENT_VOLUME_WRITE', () => {
    expect(synthError(chart => {
      const r = new Revision(chart, 'Rev', { image: 'img', enabledFeatures: [KnativeFeature.PERSISTENT_VOLUME_CLAIM] });
      r.containers[0].mount('/data', pvc(chart, false));
    })).toMatch(/\.persistentVolumeClaim: a claim that is not read-only requires the Knative feature gate "kubernetes\.podspec-persistent-volume-write"/);
    const spec = synthSpec(chart => {
      const r = new Revision(chart, 'Rev', { image: 'img', enabledFeatures: [KnativeFeature.PERSISTENT_VOLUME_CLAIM, KnativeFeature.PERSISTENT_VOLUME_WRITE] });
      r.containers[0].mount('/data', pvc(chart, false));
    });
    expect(spec.volumes).toEqual([{ name: 'pvc-data', persistentVolumeClaim: { claimName: 'data' } }]);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'pvc-data', mountPath: '/data' }]);
  });

  test('hostPath needs HOST_PATH', () => {
    const build = (features: KnativeFeature[]) => (chart: Construct): void => {
      const r = new Revision(chart, 'Rev', { image: 'img', enabledFeatures: features });
      r.containers[0].mount('/host', kplus.Volume.fromHostPath(chart, 'H', 'host', { path: '/var/log' }));
    };
    expect(synthError(build([]))).toMatch(/spec\.volumes\["host"\]\.hostPath: requires the Knative feature gate "kubernetes\.podspec-volumes-hostpath"/);
    expect(synthSpec(build([KnativeFeature.HOST_PATH])).volumes).toEqual([{ name: 'host', hostPath: { path: '/var/log' } }]);
  });

  test('csi needs CSI_VOLUMES', () => {
    const build = (features: KnativeFeature[]) => (chart: Construct): void => {
      const r = new Revision(chart, 'Rev', { image: 'img', enabledFeatures: features });
      r.containers[0].mount('/secrets', kplus.Volume.fromCsi(chart, 'Csi', 'secrets-store.csi.k8s.io', { name: 'store', readOnly: true }));
    };
    expect(synthError(build([]))).toMatch(/spec\.volumes\["store"\]\.csi: a CSI volume \(Knative >= 1\.18\) requires the Knative feature gate "kubernetes\.podspec-volumes-csi"/);
    expect(synthSpec(build([KnativeFeature.CSI_VOLUMES])).volumes).toEqual([{ name: 'store', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true } }]);
  });

  test('an nfs volume (a kind Knative never accepts) fails synthesis', () => {
    expect(synthError(chart => {
      const r = new Revision(chart, 'Rev', { image: 'img' });
      r.containers[0].mount('/nfs', kplus.Volume.fromNfs(chart, 'N', 'share', { server: 'nfs.local', path: '/export' }));
    })).toMatch(/spec\.volumes\["share"\]\.nfs: is a volume kind Knative Serving does not support\. Fix: Use a secret, configMap, projected or emptyDir volume/);
  });

  test('nodeSelector needs NODE_SELECTOR', () => {
    expect(synthError(chart => new Revision(chart, 'Rev', { image: 'img', nodeSelector: { disk: 'ssd' } })))
      .toMatch(/spec\.nodeSelector: requires the Knative feature gate "kubernetes\.podspec-nodeselector"/);
    expect(synthSpec(chart => new Revision(chart, 'Rev', { image: 'img', nodeSelector: { disk: 'ssd' }, enabledFeatures: [KnativeFeature.NODE_SELECTOR] })).nodeSelector)
      .toEqual({ disk: 'ssd' });
  });

  test('init containers need INIT_CONTAINERS and are rendered without regular-container defaults', () => {
    const build = (features: KnativeFeature[]) => (chart: Construct): void => {
      const secret = kplus.Volume.fromSecret(chart, 'S', kplus.Secret.fromSecretName(chart, 'Sec', 'creds'));
      const r = new Revision(chart, 'Rev', {
        image: 'app',
        initContainers: [{ image: 'migrate', command: ['/migrate'] }],
        enabledFeatures: features,
      });
      r.addInitContainer({ image: 'fetch', volumeMounts: [{ volume: secret, path: '/creds' }] });
    };
    expect(synthError(build([]))).toMatch(/spec\.initContainers: requires the Knative feature gate "kubernetes\.podspec-init-containers"/);
    const spec = synthSpec(build([KnativeFeature.INIT_CONTAINERS]));
    expect(spec.initContainers).toEqual([
      { name: 'init-container-0', image: 'migrate', command: ['/migrate'] },
      { name: 'init-container-1', image: 'fetch', volumeMounts: [{ name: 'secret-creds', mountPath: '/creds', readOnly: true }] },
    ]);
    expect(spec.containers[0].name).toBe('user-container');
    expect(spec.volumes).toEqual([{ name: 'secret-creds', secret: { secretName: 'creds' } }]);
  });

  test('a single unnamed init container is named init-container', () => {
    const spec = synthSpec(chart => new Revision(chart, 'Rev', {
      image: 'app', initContainers: [{ image: 'migrate' }], enabledFeatures: [KnativeFeature.INIT_CONTAINERS],
    }));
    expect(spec.initContainers[0].name).toBe('init-container');
  });

  test('chart-wide KnativeFeatures.enable() works even when called after the constructs', () => {
    const spec = synthSpec(chart => {
      new Revision(chart, 'Rev', { image: 'img', envVariables: { POD: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) } });
      KnativeFeatures.enable(chart, KnativeFeature.FIELD_REF);
    });
    expect(spec.containers[0].env).toEqual([{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
  });

  test('features can be declared through construct context', () => {
    const app = Testing.app();
    app.node.setContext(KnativeFeatures.CONTEXT_KEY, [KnativeFeature.NODE_SELECTOR]);
    const chart = new Chart(app, 'c');
    const r = new Revision(chart, 'Rev', { image: 'img', nodeSelector: { disk: 'ssd' } });
    expect(KnativeFeatures.isEnabled(r, KnativeFeature.NODE_SELECTOR)).toBe(true);
    expect(r.enabledFeatures).toEqual(['kubernetes.podspec-nodeselector', 'kubernetes.podspec-volumes-emptydir']);
    expect(Testing.synth(chart)[0].spec.nodeSelector).toEqual({ disk: 'ssd' });
  });

  test('features declared on one chart do not leak into another', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    KnativeFeatures.enable(a, KnativeFeature.FIELD_REF);
    expect(KnativeFeatures.of(a)).toEqual([KnativeFeature.FIELD_REF]);
    expect(KnativeFeatures.of(b)).toEqual([]);
  });
});

describe('RevisionName', () => {
  test('generated (default) emits no name', () => {
    expect(template({ image: 'img' })._toKube('hello').metadata).toEqual({});
    expect(template({ image: 'img', revisionName: RevisionName.generated() }).revisionName.isGenerated).toBe(true);
  });

  test('of() adds the parent prefix unless present', () => {
    expect(template({ image: 'img', revisionName: RevisionName.of('v2') })._toKube('hello').metadata).toEqual({ name: 'hello-v2' });
    expect(template({ image: 'img', revisionName: RevisionName.of('hello-v2') })._toKube('hello').metadata).toEqual({ name: 'hello-v2' });
    expect(template({ image: 'img', revisionName: RevisionName.of('hello') })._toKube('hello').metadata).toEqual({ name: 'hello-hello' });
  });

  test('of() with an invalid name: recorded, thrown with the construct path by the template using it', () => {
    const chart = Testing.chart();
    for (const name of ['', 'V2', 'a_b', '--']) {
      const revisionName = RevisionName.of(name);
      expect(() => new KnService(chart, `Svc-${name}`, { image: 'img', revisionName })).toThrow(
        `[test/Svc-${name}] revisionName: RevisionName.of() needs a revision name or suffix of lowercase letters, digits and '-' (got ${JSON.stringify(name)}). Fix: Use e.g. "v2" (rendered as "<parent>-v2").`);
    }
  });

  const build = (extra: Partial<RevisionTemplateProps> = {}, mutate?: (t: RevisionTemplate) => void): string => {
    const chart = Testing.chart();
    const t = new RevisionTemplate(chart, {
      image: 'ghcr.io/x/hello:1',
      port: 8080,
      envVariables: { A: kplus.EnvValue.fromValue('1') },
      autoscaling: { minScale: 1 },
      revisionLabels: { team: 'a' },
      revisionName: RevisionName.contentHash(),
      ...extra,
    });
    mutate?.(t);
    return t._toKube('hello').metadata!.name!;
  };

  test('contentHash() is stable across independent syntheses', () => {
    const a = build();
    expect(a).toMatch(/^hello-[a-z0-9]+$/);
    expect(build()).toBe(a);
    // insertion order of labels does not matter
    expect(build({ revisionLabels: { team: 'a' } }, t => t.addRevisionAnnotation('x', 'y'))).toBe(build({ revisionAnnotations: { x: 'y' } }));
  });

  test('contentHash() changes with each template change: image, port, env, autoscaling, labels, annotations, timeout, containerConcurrency, containers', () => {
    const base = build();
    const variants = [
      build({ image: 'ghcr.io/x/hello:2' }),
      build({ port: 9000 }),
      build({ envVariables: { A: kplus.EnvValue.fromValue('2') } }),
      build({}, t => t.containers[0].addEnv('B', kplus.EnvValue.fromValue('1'))),
      build({ autoscaling: { minScale: 2 } }),
      build({ autoscaling: { minScale: 1, autoscalerClass: AutoscalerClass.KPA } }),
      build({ revisionLabels: { team: 'b' } }),
      build({}, t => t.addRevisionAnnotation('example.com/a', 'b')),
      build({ timeout: Duration.seconds(60) }),
      build({ containerConcurrency: 10 }),
      build({}, t => t.addContainer({ image: 'sidecar' })),
    ];
    for (const v of variants) {
      expect(v).not.toBe(base);
    }
    expect(new Set(variants).size).toBe(variants.length);
  });

  test('contentHash() names stay within 63 characters for long parents', () => {
    const parent = 'a'.repeat(60);
    const chart = Testing.chart();
    const name = new RevisionTemplate(chart, { image: 'img', revisionName: RevisionName.contentHash() })._toKube(parent).metadata!.name!;
    expect(name.length).toBeLessThanOrEqual(63);
  });
});

describe('eager errors', () => {
  test('throws when both image and containers are given', () => {
    expect(() => template({ image: 'a', containers: [{ image: 'b' }] })).toThrow('[test] image: is the single-container shortcut and cannot be combined with `containers` (got "a"). Fix: Move the image into `containers`, or drop `containers`.');
  });

  test.each(['port', 'portProtocol', 'envVariables'])('throws on %s without image', key => {
    const values: Record<string, unknown> = { port: 8080, portProtocol: PortProtocol.H2C, envVariables: {} };
    expect(() => template({ containers: [{ image: 'b' }], [key]: values[key] })).toThrow(new RegExp(`^\\[test\\] ${key}: is a shortcut for the \`image\` container and needs \`image\` \\(got .*\\)\\. Fix: `));
  });

  test('throws on a non-integer containerConcurrency', () => {
    expect(() => template({ image: 'a', containerConcurrency: 2.5 })).toThrow('[test] containerConcurrency: must be an integer (got 2.5). Fix: Use a whole number such as 3.');
  });

  test('throws on timeouts that are not whole seconds', () => {
    expect(() => template({ image: 'a', timeout: Duration.millis(1500) })).toThrow('[test] timeout: must be a whole number of seconds (got 1 second 500 millis). Fix: Use e.g. Duration.seconds(2).');
    expect(() => template({ image: 'a', idleTimeout: Duration.millis(1) })).toThrow(/^\[test\] idleTimeout: must be a whole number of seconds \(got 1 milli\)/);
    expect(() => template({ image: 'a', responseStartTimeout: Duration.millis(1) })).toThrow(/^\[test\] responseStartTimeout: must be a whole number of seconds/);
  });

  test('throws on automountServiceAccountToken: true', () => {
    expect(() => template({ image: 'a', automountServiceAccountToken: true })).toThrow('[test] automountServiceAccountToken: may only be false in Knative (got true). Fix: Remove it, or set false to disable the token mount.');
  });

  test('throws on duplicate container names', () => {
    const t = template({ containers: [{ image: 'a', name: 'app' }] });
    expect(() => t.addContainer({ image: 'b', name: 'app' }))
      .toThrow('[test] containers[1].name: is already used by another container of this revision template (got "app"). Fix: Give each container (and init container) a unique name.');
    expect(() => t.addInitContainer({ image: 'b', name: 'app' })).toThrow(/^\[test\] initContainers\[0\]\.name: is already used/);
  });

  test('throws on probes on init containers', () => {
    const t = template({ image: 'a' });
    expect(() => t.addInitContainer({ image: 'b', name: 'init', readiness: KnativeProbe.fromTcpSocket() }))
      .toThrow('[test] initContainers[0].readiness: probes are not allowed on init containers (Knative rejects them). Fix: Remove `readiness`.');
    expect(() => template({ image: 'a', initContainers: [{ image: 'b', liveness: KnativeProbe.fromCommand(['true']) }] }))
      .toThrow(/^\[test\] initContainers\[0\]\.liveness: probes are not allowed on init containers/);
  });

  test('two different volumes with the same name fail synthesis (duplicate volume name)', () => {
    const chart = Testing.chart();
    const svc = new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: 'a' });
    svc.template.containers[0].mount('/a', kplus.Volume.fromEmptyDir(chart, 'A', 'cache'));
    svc.template.containers[0].mount('/b', kplus.Volume.fromEmptyDir(chart, 'B', 'cache'));
    expect(() => Testing.synth(chart)).toThrow(/spec\.template\.spec\.volumes\[1\]\.name: duplicate volume name/);
  });
});

describe('synth-time validation', () => {
  test('timeout above the cluster maximum fails with the Knative message', () => {
    expect(synthError(chart => new Revision(chart, 'Rev', { image: 'img', timeout: Duration.minutes(20) })))
      .toMatch(/expected 0 <= 1200 <= 600.*timeoutSeconds|timeoutSeconds.*expected 0 <= 1200 <= 600/);
  });

  test('two serving ports across containers fail', () => {
    expect(synthError(chart => new Revision(chart, 'Rev', { containers: [{ image: 'a', port: 8080 }, { image: 'b', port: 9000 }] })))
      .toMatch(/more than one container port is set/);
  });

  test('all errors are reported at once', () => {
    const message = synthError(chart => new Revision(chart, 'Rev', {
      image: 'img',
      port: 8013,
      timeout: Duration.minutes(20),
      envVariables: { K_SERVICE: kplus.EnvValue.fromValue('x'), POD: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) },
    }));
    expect(message).toMatch(/8013 is a reserved port/);
    expect(message).toMatch(/1200/);
    expect(message).toMatch(/"K_SERVICE" is a reserved environment variable/);
    expect(message).toMatch(/kubernetes.podspec-fieldref/);
  });
});

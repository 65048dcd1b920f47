import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Container, PortProtocol } from '../../src/serving/container';
import { KnativeFeature } from '../../src/serving/features';
import { KnativeProbe } from '../../src/serving/probe';
import { Revision } from '../../src/serving/revision';

const SERVING = { defaultName: 'user-container', serving: true, enabled: new Set<string>() };

function render(props: ConstructorParameters<typeof Container>[0], ctx = SERVING): Record<string, any> {
  return new Container(props)._toKube(ctx);
}

/** Synthesize a standalone Revision with one container and return its container. */
function synthContainer(props: ConstructorParameters<typeof Container>[0], features: KnativeFeature[] = []): Record<string, any> {
  const chart = Testing.chart();
  new Revision(chart, 'Rev', { containers: [props], enabledFeatures: features });
  return Testing.synth(chart)[0].spec.containers[0];
}

describe('rendering', () => {
  test('minimal container gets only Knative admission defaults', () => {
    expect(synthContainer({ image: 'ghcr.io/x/hello' })).toEqual({
      name: 'user-container',
      image: 'ghcr.io/x/hello',
      readinessProbe: { successThreshold: 1, tcpSocket: { port: 0 } },
      resources: {},
    });
  });

  test('no cdk8s-plus defaults leak into the output', () => {
    const chart = Testing.chart();
    new Revision(chart, 'Rev', { image: 'ghcr.io/x/hello', port: 8080 });
    const [rev] = Testing.synth(chart);
    const text = JSON.stringify(rev);
    for (const field of ['restartPolicy', 'dnsPolicy', 'setHostnameAsFQDN', 'privileged', 'securityContext',
      'startupProbe', 'imagePullPolicy', 'terminationGracePeriodSeconds', 'automountServiceAccountToken']) {
      expect(text).not.toContain(field);
    }
    expect(rev.spec.containers[0].resources).toEqual({});
  });

  test('serving port renders as containerPort, with the protocol as port name (h2c, http1)', () => {
    expect(render({ image: 'img', port: 9000 }).ports).toEqual([{ containerPort: 9000 }]);
    expect(render({ image: 'img', port: 9000, portProtocol: PortProtocol.H2C }).ports).toEqual([{ containerPort: 9000, name: 'h2c' }]);
    expect(render({ image: 'img', port: 9000, portProtocol: PortProtocol.HTTP1 }).ports).toEqual([{ containerPort: 9000, name: 'http1' }]);
  });

  test('command, args, workingDir, imagePullPolicy', () => {
    const c = render({
      image: 'img',
      command: ['/bin/app'],
      args: ['--port', '8080'],
      workingDir: '/app',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    });
    expect(c).toMatchObject({ command: ['/bin/app'], args: ['--port', '8080'], workingDir: '/app', imagePullPolicy: 'IfNotPresent' });
  });

  test('env values from literals, secrets and config maps, in insertion order', () => {
    const chart = Testing.chart();
    const secret = kplus.Secret.fromSecretName(chart, 'S', 'creds');
    const cm = kplus.ConfigMap.fromConfigMapName(chart, 'C', 'settings');
    const c = new Container({
      image: 'img',
      envVariables: {
        B: kplus.EnvValue.fromValue('b'),
        A: kplus.EnvValue.fromSecretValue({ secret, key: 'password' }, { optional: true }),
      },
    });
    c.addEnv('C', kplus.EnvValue.fromConfigMap(cm, 'level'));
    expect(c._toKube(SERVING).env).toEqual([
      { name: 'B', value: 'b' },
      { name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'password', optional: true } } },
      { name: 'C', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level' } } },
    ]);
  });

  test('envFrom config maps and secrets', () => {
    const chart = Testing.chart();
    const c = new Container({ image: 'img', envFrom: [kplus.Env.fromConfigMap(kplus.ConfigMap.fromConfigMapName(chart, 'C', 'settings'), 'APP_')] });
    c.addEnvFrom(kplus.Env.fromSecret(kplus.Secret.fromSecretName(chart, 'S', 'creds')));
    expect(c._toKube(SERVING).envFrom).toEqual([
      { configMapRef: { name: 'settings' }, prefix: 'APP_' },
      { secretRef: { name: 'creds' } },
    ]);
  });

  test('fieldRef env values render only with FIELD_REF', () => {
    const value = kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME);
    expect(render({ image: 'img', envVariables: { POD: value } }).env).toBeUndefined();
    expect(render({ image: 'img', envVariables: { POD: value } }, { ...SERVING, enabled: new Set([KnativeFeature.FIELD_REF]) }).env)
      .toEqual([{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
    const res = kplus.EnvValue.fromResource(kplus.ResourceFieldPaths.MEMORY_LIMIT, { divisor: '1Mi' });
    expect(render({ image: 'img', envVariables: { MEM: res } }, { ...SERVING, enabled: new Set([KnativeFeature.FIELD_REF]) }).env)
      .toEqual([{ name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } }]);
  });

  test('resources use Kubernetes quantities and only what was set', () => {
    expect(render({
      image: 'img',
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(1) },
        memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
        ephemeralStorage: { limit: Size.gibibytes(2) },
      },
    }).resources).toEqual({
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { 'cpu': '1', 'memory': '1Gi', 'ephemeral-storage': '2Gi' },
    });
    expect(render({ image: 'img', resources: { memory: { limit: Size.mebibytes(128) } } }).resources).toEqual({ limits: { memory: '128Mi' } });
  });

  test('readiness probe gets Knative probe defaults; no cdk8s-plus defaults', () => {
    expect(render({ image: 'img', readiness: KnativeProbe.fromHttpGet('/ready') }).readinessProbe)
      .toEqual({ httpGet: { path: '/ready', port: 0 }, successThreshold: 1 });
    expect(render({ image: 'img', readiness: KnativeProbe.fromHttpGet('/ready', { periodSeconds: Duration.seconds(5), port: 8080 }) }).readinessProbe)
      .toEqual({ httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5, successThreshold: 1, failureThreshold: 3, timeoutSeconds: 1 });
  });

  test('liveness and startup probes render only handler and numbers that were set', () => {
    const c = render({
      image: 'img',
      port: 9000,
      liveness: KnativeProbe.fromCommand(['cat', '/tmp/healthy'], { initialDelaySeconds: Duration.seconds(3), failureThreshold: 5 }),
      startup: KnativeProbe.fromTcpSocket({ periodSeconds: Duration.seconds(2) }),
    });
    expect(c.livenessProbe).toEqual({ exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 3, failureThreshold: 5 });
    expect(c.startupProbe).toEqual({ tcpSocket: { port: 9000 }, periodSeconds: 2 });
    expect(c.readinessProbe).toEqual({ tcpSocket: { port: 0 }, successThreshold: 1 });
  });

  test('sidecars get no default readiness probe', () => {
    expect(render({ image: 'img' }, { ...SERVING, serving: false }).readinessProbe).toBeUndefined();
  });

  test('security context renders only the allowed subset that was set', () => {
    expect(render({
      image: 'img',
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 3000,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilitiesDrop: [kplus.Capability.ALL],
        seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
        privileged: false,
      },
    }).securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 3000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
      privileged: false,
    });
    expect(render({ image: 'img', securityContext: {} }).securityContext).toBeUndefined();
  });

  test('capabilities.add renders only with ADD_CAPABILITIES', () => {
    const props = { image: 'img', securityContext: { capabilitiesAdd: [kplus.Capability.NET_ADMIN], capabilitiesDrop: [kplus.Capability.ALL] } };
    expect(render(props).securityContext).toEqual({ capabilities: { drop: ['ALL'] } });
    expect(render(props, { ...SERVING, enabled: new Set([KnativeFeature.ADD_CAPABILITIES]) }).securityContext)
      .toEqual({ capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } });
  });

  test('mounts default readOnly like Knative does', () => {
    const chart = Testing.chart();
    const secret = kplus.Volume.fromSecret(chart, 'S', kplus.Secret.fromSecretName(chart, 'Sec', 'creds'));
    const cm = kplus.Volume.fromConfigMap(chart, 'C', kplus.ConfigMap.fromConfigMapName(chart, 'Cm', 'settings'));
    const tmp = kplus.Volume.fromEmptyDir(chart, 'E', 'tmp');
    const pvcRo = kplus.Volume.fromPersistentVolumeClaim(chart, 'P', kplus.PersistentVolumeClaim.fromClaimName(chart, 'Pvc', 'data'), { readOnly: true });
    const c = new Container({ image: 'img', volumeMounts: [{ volume: secret, path: '/etc/creds' }] });
    c.mount('/etc/settings', cm, { subPath: 'app.yaml' });
    c.mount('/tmp', tmp);
    c.mount('/data', pvcRo);
    expect(c._toKube(SERVING).volumeMounts).toEqual([
      { name: 'secret-creds', mountPath: '/etc/creds', readOnly: true },
      { name: 'configmap-settings', mountPath: '/etc/settings', readOnly: true, subPath: 'app.yaml' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'pvc-data', mountPath: '/data', readOnly: true },
    ]);
    expect(c.mounts.map(m => m.path)).toEqual(['/etc/creds', '/etc/settings', '/tmp', '/data']);
  });

  test('getters return copies', () => {
    const c = new Container({ image: 'img', command: ['a'], envVariables: { A: kplus.EnvValue.fromValue('1') } });
    c.command!.push('b');
    delete c.envVariables.A;
    expect(c.command).toEqual(['a']);
    expect(Object.keys(c.envVariables)).toEqual(['A']);
  });
});

describe('eager errors', () => {
  test('throws on an empty image', () => {
    expect(() => new Container({ image: '' })).toThrow('image: must be a non-empty image reference without surrounding spaces (got ""). Fix: Pass e.g. image: "ghcr.io/org/app:1.0".');
  });

  test('throws on a non-integer port', () => {
    expect(() => new Container({ image: 'img', port: 80.5 })).toThrow(/^port: must be an integer \(got 80\.5\)\. Fix: /);
  });

  test('throws when portProtocol is set without port', () => {
    expect(() => new Container({ image: 'img', portProtocol: PortProtocol.H2C })).toThrow('portProtocol: requires port (got "h2c"). Fix: Also set port (Knative\'s default is 8080).');
  });

  test('throws on privileged: true', () => {
    expect(() => new Container({ image: 'img', securityContext: { privileged: true } })).toThrow(/^securityContext\.privileged: true is not allowed by Knative \(got true\)\. Fix: /);
  });

  test('throws on non-integer runAsUser', () => {
    expect(() => new Container({ image: 'img', securityContext: { runAsUser: 1.5 } })).toThrow(/^securityContext\.runAsUser: must be an integer id \(got 1\.5\)\. Fix: /);
  });

  test('throws on a duplicate env variable', () => {
    const c = new Container({ image: 'img', name: 'app', envVariables: { A: kplus.EnvValue.fromValue('1') } });
    // A container outside a template has no construct path; in a template it has one (kn-service tests).
    expect(() => c.addEnv('A', kplus.EnvValue.fromValue('2'))).toThrow('env["A"]: is already defined on container "app" (got "A"). Fix: Define each variable once.');
    expect(() => c.addEnv('', kplus.EnvValue.fromValue('2'))).toThrow(/^env: a variable name must not be empty \(got ""\)\. Fix: /);
  });

  test('throws on relative or duplicate mount paths', () => {
    const chart = Testing.chart();
    const v = kplus.Volume.fromEmptyDir(chart, 'E', 'tmp');
    const c = new Container({ image: 'img' });
    expect(() => c.mount('tmp', v)).toThrow('volumeMounts["tmp"].path: must be absolute (got "tmp"). Fix: Use a path such as "/etc/config".');
    c.mount('/tmp', v);
    expect(() => c.mount('/tmp', kplus.Volume.fromEmptyDir(chart, 'E2', 'other')))
      .toThrow('volumeMounts["other"].path: is already the mount path of volume "tmp" in container (image img) (got "/tmp"). Fix: Mount paths must be unique within a container.');
  });
});

describe('synth-time validation', () => {
  test('fails for a reserved port with the Knative message', () => {
    expect(() => synthContainer({ image: 'img', port: 8012 })).toThrow(/spec.containers\[0\].ports\[0\].containerPort: 8012 is a reserved port/);
  });

  test('fails for a reserved env variable', () => {
    expect(() => synthContainer({ image: 'img', envVariables: { PORT: kplus.EnvValue.fromValue('1') } })).toThrow(/"PORT" is a reserved environment variable/);
  });

  test('fails for fieldRef env without FIELD_REF, naming the feature and the config-features key', () => {
    expect(() => synthContainer({ image: 'img', envVariables: { POD: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) } }))
      .toThrow(/spec\.containers\[0\]\.env\["POD"\]\.valueFrom\.fieldRef: requires the Knative feature gate "kubernetes\.podspec-fieldref".*kubernetes\.podspec-fieldref: Enabled.*KnativeFeature\.FIELD_REF/);
    expect(synthContainer({ image: 'img', envVariables: { POD: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) } }, [KnativeFeature.FIELD_REF]).env)
      .toEqual([{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
  });

  test('fails for capabilities.add without ADD_CAPABILITIES', () => {
    const props = { image: 'img', securityContext: { capabilitiesAdd: [kplus.Capability.NET_ADMIN] } };
    expect(() => synthContainer(props)).toThrow(/securityContext\.capabilities\.add: requires the Knative feature gate "kubernetes\.containerspec-addcapabilities"/);
    expect(synthContainer(props, [KnativeFeature.ADD_CAPABILITIES]).securityContext).toEqual({ capabilities: { add: ['NET_ADMIN'] } });
  });

  test('secure-pod-defaults allows exactly NET_BIND_SERVICE', () => {
    const props = { image: 'img', securityContext: { capabilitiesAdd: [kplus.Capability.NET_BIND_SERVICE] } };
    expect(synthContainer(props, [KnativeFeature.SECURE_POD_DEFAULTS]).securityContext).toEqual({ capabilities: { add: ['NET_BIND_SERVICE'] } });
    expect(() => synthContainer({ image: 'img', securityContext: { capabilitiesAdd: [kplus.Capability.NET_ADMIN] } }, [KnativeFeature.SECURE_POD_DEFAULTS]))
      .toThrow(/securityContext.capabilities.add/);
  });

  test('fails for a readiness timeout without a period (Knative probe rule)', () => {
    expect(() => synthContainer({ image: 'img', readiness: KnativeProbe.fromHttpGet('/r', { timeoutSeconds: Duration.seconds(2) }) }))
      .toThrow(/timeoutSeconds/);
  });
});

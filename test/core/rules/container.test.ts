import { C0, ctrSvc, errors, podSvc, T, withFeatures } from './helpers';
import { validate } from '../../../src/core/rules';
import type { KubeObject } from '../../../src/core/types';

const C1 = `${T}.containers[1]`;
const I0 = `${T}.initContainers[0]`;
const INIT = withFeatures({ 'kubernetes.podspec-init-containers': 'Enabled' });
const PROBING = withFeatures({ 'multi-container-probing': 'Enabled' });
/** Serving container 0 with a port, sidecar 1 mutated. */
const sidecar = (mut: (c: any) => void) => podSvc((p) => {
  p.containers = [{ image: 'aa', ports: [{ containerPort: 8080 }] }, { image: 'bb' }];
  mut(p.containers[1]);
});
const init = (mut: (c: any) => void) => podSvc((p) => {
  p.initContainers = [{ image: 'ii' }];
  mut(p.initContainers[0]);
});

const validateOnly = (obj: KubeObject) => validate(obj).filter((v) => v.severity !== 'warning').map((v) => `${v.path}: ${v.message}`);

describe('§6.4 every container (C1–C10)', () => {
  test('C1 completely empty container (validation only)', () => {
    const obj = podSvc((p) => { p.containers = [{ image: 'aa', ports: [{}], readinessProbe: { tcpSocket: {}, successThreshold: 1 } }, {}]; });
    (obj.spec as any).traffic = [{ percent: 100, latestRevision: true }];
    expect(validateOnly(obj)).toEqual([`${C1}: missing field(s)`]);
  });

  test.each<[string, KubeObject, string[]]>([
    ['C1 empty container after defaulting → image missing', podSvc((p) => { p.containers = [{ image: 'aa', ports: [{}] }, {}]; }), [`${C1}.image: missing field(s)`]],
    ['C2 lifecycle', ctrSvc((c) => { c.lifecycle = { preStop: {} }; }), [`${C0}.lifecycle: must not set the field(s)`]],
    ['C2 stdin', ctrSvc((c) => { c.stdin = true; }), [`${C0}.stdin: must not set the field(s)`]],
    ['C2 tty', ctrSvc((c) => { c.tty = true; }), [`${C0}.tty: must not set the field(s)`]],
    ['C2 volumeDevices', ctrSvc((c) => { c.volumeDevices = [{ name: 'd', devicePath: '/dev/xvda' }]; }), [`${C0}.volumeDevices: must not set the field(s)`]],
    ['C2 resizePolicy', ctrSvc((c) => { c.resizePolicy = [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }]; }), [`${C0}.resizePolicy: must not set the field(s)`]],
    ['C2 restartPolicy', ctrSvc((c) => { c.restartPolicy = 'Always'; }), [`${C0}.restartPolicy: must not set the field(s)`]],
    ['C3 image missing', ctrSvc((c) => { delete c.image; }), [`${C0}.image: missing field(s)`]],
    ['C3 bad image', ctrSvc((c) => { c.image = 'UPPER/Case:!'; }), [`${C0}.image: Failed to parse image reference`]],
    ['C3 digest image ok', ctrSvc((c) => { c.image = `ghcr.io/x/y@sha256:${'a'.repeat(64)}`; }), []],
    ['C4 env PORT reserved', ctrSvc((c) => { c.env = [{ name: 'PORT', value: '1' }]; }), [`${C0}.env[0].name: "PORT" is a reserved environment variable`]],
    ['C4 env K_SERVICE reserved', ctrSvc((c) => { c.env = [{ name: 'K_SERVICE' }]; }), [`${C0}.env[0].name: "K_SERVICE" is a reserved environment variable`]],
    ['C4 env name missing', ctrSvc((c) => { c.env = [{ value: 'x' }]; }), [`${C0}.env[0].name: missing field(s)`]],
    ['C4 fieldRef gated', ctrSvc((c) => { c.env = [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]; }),
      [`${C0}.env[0].valueFrom.fieldRef: must not set the field(s)`]],
    ['C4 resourceFieldRef gated', ctrSvc((c) => { c.env = [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }]; }),
      [`${C0}.env[0].valueFrom.resourceFieldRef: must not set the field(s)`]],
    ['C4 secretKeyRef ok', ctrSvc((c) => { c.env = [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }]; }), []],
    ['C5 envFrom both', ctrSvc((c) => { c.envFrom = [{ configMapRef: { name: 'a' }, secretRef: { name: 'b' } }]; }), [`${C0}.envFrom[0]: expected exactly one, got both`]],
    ['C5 envFrom neither', ctrSvc((c) => { c.envFrom = [{ prefix: 'X_' }]; }), [`${C0}.envFrom[0]: expected exactly one, got neither`]],
    ['C5 envFrom ref field', ctrSvc((c) => { c.envFrom = [{ secretRef: { name: 'b', key: 'x' } }]; }), [`${C0}.envFrom[0].secretRef.key: must not set the field(s)`]],
    ['C6 resources.claims', ctrSvc((c) => { c.resources = { claims: [{ name: 'gpu' }] }; }), [`${C0}.resources.claims: must not set the field(s)`]],
    ['C8 terminationMessagePolicy', ctrSvc((c) => { c.terminationMessagePolicy = 'Always'; }), [`${C0}.terminationMessagePolicy: invalid value: Always`]],
    ['C10 reserved port', ctrSvc((c) => { c.ports = [{ containerPort: 8012 }]; }), [`${C0}.ports[0].containerPort: 8012 is a reserved port`]],
    ['C10 port range', ctrSvc((c) => { c.ports = [{ containerPort: 70000 }]; }), [`${C0}.ports[0].containerPort: expected 0 <= 70000 <= 65535`]],
    ['C10 hostPort', ctrSvc((c) => { c.ports = [{ containerPort: 8080, hostPort: 80 }]; }), [`${C0}.ports[0].hostPort: must not set the field(s)`]],
    ['C10 hostIP', ctrSvc((c) => { c.ports = [{ containerPort: 8080, hostIP: '1.2.3.4' }]; }), [`${C0}.ports[0].hostIP: must not set the field(s)`]],
    ['command wrong type', ctrSvc((c) => { c.command = 'run'; }), [`${C0}.command: invalid value: "run"`]],
  ])('%s', (_n, obj, want) => {
    expect(errors(obj)).toEqual(want);
  });

  test.each([8012, 8013, 8022, 8008, 9090, 9091])('reserved port %d', (port) => {
    expect(errors(ctrSvc((c) => { c.ports = [{ containerPort: port }]; }))).toEqual([`${C0}.ports[0].containerPort: ${port} is a reserved port`]);
  });

  test('C4 fieldRef accepted when kubernetes.podspec-fieldref is Allowed', () => {
    const obj = ctrSvc((c) => { c.env = [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]; });
    expect(errors(obj, withFeatures({ 'kubernetes.podspec-fieldref': 'Allowed' }))).toEqual([]);
  });
});

describe('serving container (U1–U4)', () => {
  test.each<[string, KubeObject, string[]]>([
    ['U1 protocol UDP', ctrSvc((c) => { c.ports = [{ containerPort: 8080, protocol: 'UDP' }]; }), [`${C0}.ports[0].protocol: invalid value: UDP`]],
    ['U1 port name', ctrSvc((c) => { c.ports = [{ containerPort: 8080, name: 'web' }]; }), [`${C0}.ports[0].name: Port name web is not allowed`]],
    ['U1 h2c ok', ctrSvc((c) => { c.ports = [{ containerPort: 8080, name: 'h2c' }]; }), []],
    ['U2 no handler (liveness)', ctrSvc((c) => { c.livenessProbe = { periodSeconds: 3 }; }), [`${C0}.livenessProbe: expected exactly one, got neither`]],
    ['U2 two handlers', ctrSvc((c) => { c.readinessProbe = { httpGet: { path: '/' }, exec: { command: ['true'] } }; }), [`${C0}.readinessProbe: expected exactly one, got both`]],
    ['U2 named port mismatch', ctrSvc((c) => { c.ports = [{ containerPort: 8080, name: 'h2c' }]; c.readinessProbe = { httpGet: { port: 'http' } }; }),
      [`${C0}.readinessProbe.httpGet.port: Probe port must match container port`]],
    ['U2 unnamed port counts as http', ctrSvc((c) => { c.livenessProbe = { tcpSocket: { port: 'http' } }; }), []],
    ['U2 handler field mask', ctrSvc((c) => { c.livenessProbe = { httpGet: { path: '/', extra: 1 } }; }), [`${C0}.livenessProbe.httpGet.extra: must not set the field(s)`]],
    ['U2 probe field mask', ctrSvc((c) => { c.livenessProbe = { httpGet: {}, terminationGracePeriodSeconds: 5 }; }),
      [`${C0}.livenessProbe.terminationGracePeriodSeconds: must not set the field(s)`]],
    ['U3 negative periodSeconds', ctrSvc((c) => { c.readinessProbe = { tcpSocket: {}, periodSeconds: -1 }; }),
      [`${C0}.readinessProbe.periodSeconds: expected 0 <= -1 <= 2147483647`]],
    ['U3 negative initialDelaySeconds', ctrSvc((c) => { c.readinessProbe = { tcpSocket: {}, initialDelaySeconds: -1 }; }),
      [`${C0}.readinessProbe.initialDelaySeconds: expected 0 <= -1 <= 2147483647`]],
    ['U3 failureThreshold with periodSeconds 0', ctrSvc((c) => { c.readinessProbe = { tcpSocket: {}, failureThreshold: 3 }; }),
      [`${C0}.readinessProbe.failureThreshold: failureThreshold is disallowed when periodSeconds is zero`]],
    ['U3 timeoutSeconds with periodSeconds 0', ctrSvc((c) => { c.readinessProbe = { tcpSocket: {}, timeoutSeconds: 3 }; }),
      [`${C0}.readinessProbe.timeoutSeconds: timeoutSeconds is disallowed when periodSeconds is zero`]],
    ['U3 liveness numbers unchecked', ctrSvc((c) => { c.livenessProbe = { tcpSocket: {}, timeoutSeconds: 3 }; }), []],
    ['probe not an object', ctrSvc((c) => { c.livenessProbe = 'curl'; }), [`${C0}.livenessProbe: invalid value: "curl"`]],
    ['probe port wrong type', ctrSvc((c) => { c.livenessProbe = { httpGet: { port: true } }; }), [`${C0}.livenessProbe.httpGet.port: invalid value: true`]],
    ['§6.10 tcpSocket mask', ctrSvc((c) => { c.livenessProbe = { tcpSocket: { port: 8080, path: '/' } }; }), [`${C0}.livenessProbe.tcpSocket.path: must not set the field(s)`]],
    ['§6.10 grpc mask', ctrSvc((c) => { c.livenessProbe = { grpc: { port: 9000, host: 'x' } }; }), [`${C0}.livenessProbe.grpc.host: must not set the field(s)`]],
    ['§6.10 exec mask', ctrSvc((c) => { c.livenessProbe = { exec: { command: ['true'], timeout: 1 } }; }), [`${C0}.livenessProbe.exec.timeout: must not set the field(s)`]],
    ['U4 startupProbe handler checked', ctrSvc((c) => { c.startupProbe = { periodSeconds: 1 }; }), [`${C0}.startupProbe: expected exactly one, got neither`]],
  ])('%s', (_n, obj, want) => {
    expect(errors(obj)).toEqual(want);
  });

  test('U3 successThreshold < 1 (validation without defaulting)', () => {
    const obj = ctrSvc((c) => {
      c.readinessProbe = { tcpSocket: {}, successThreshold: 0, periodSeconds: 1, timeoutSeconds: 0, failureThreshold: 1 };
    });
    (obj.spec as any).traffic = [{ percent: 100, latestRevision: true }];
    expect(validateOnly(obj)).toEqual([
      `${C0}.readinessProbe.successThreshold: expected 1 <= 0 <= 2147483647`,
      `${C0}.readinessProbe.timeoutSeconds: expected 1 <= 0 <= 2147483647`,
    ]);
  });

  test('U3 unset probe numbers are not range-checked (Knative defaults them to valid values), so no error shows a "got 0" nobody wrote', () => {
    const probe = (readinessProbe: object) => {
      const obj = ctrSvc((c) => { c.readinessProbe = readinessProbe; });
      (obj.spec as any).traffic = [{ percent: 100, latestRevision: true }];
      return validate(obj).filter((v) => v.severity !== 'warning');
    };
    expect(probe({ tcpSocket: {}, periodSeconds: 5 })).toEqual([]);
    expect(probe({ grpc: { port: 8080 } })).toEqual([]);
    // Set to 0 explicitly: reported, with the value as written.
    expect(probe({ tcpSocket: {}, periodSeconds: 5, successThreshold: 0 })).toEqual([expect.objectContaining({
      path: `${C0}.readinessProbe.successThreshold`, message: 'expected 1 <= 0 <= 2147483647', value: 0,
    })]);
  });
});

describe('sidecars (SC1–SC2)', () => {
  test.each(['livenessProbe', 'readinessProbe', 'startupProbe'])('SC1 %s forbidden by default', (kind) => {
    expect(errors(sidecar((c) => { c[kind] = { tcpSocket: { port: 9000 } }; }))).toEqual([`${C1}.${kind}: must not set the field(s)`]);
  });
  test.each<[string, (c: any) => void, string[]]>([
    ['valid explicit port', (c) => { c.readinessProbe = { tcpSocket: { port: 9000 } }; }, []],
    ['port missing', (c) => { c.readinessProbe = { httpGet: { path: '/' } }; }, [`${C1}.readinessProbe.httpGet.port: Probe port must be specified`]],
    ['port 0', (c) => { c.livenessProbe = { tcpSocket: { port: 0 } }; }, [`${C1}.livenessProbe.tcpSocket.port: Probe port must be specified`]],
    ['numbers still checked', (c) => { c.readinessProbe = { tcpSocket: { port: 9000 }, timeoutSeconds: 2 }; },
      [`${C1}.readinessProbe.timeoutSeconds: timeoutSeconds is disallowed when periodSeconds is zero`]],
  ])('SC2 with multi-container-probing Enabled: %s', (_n, mut, want) => {
    expect(errors(sidecar(mut), PROBING)).toEqual(want);
  });
  test('sidecar may use PORT env', () => {
    expect(errors(sidecar((c) => { c.env = [{ name: 'PORT', value: '1' }]; }))).toEqual([]);
  });
  test('a sidecar may not set K_REVISION (reserved)', () => {
    expect(errors(sidecar((c) => { c.env = [{ name: 'K_REVISION', value: '1' }]; }))).toEqual([`${C1}.env[0].name: "K_REVISION" is a reserved environment variable`]);
  });
});

describe('init containers (I1–I3)', () => {
  test.each<[string, (c: any) => void, string[]]>([
    ['I1 livenessProbe', (c) => { c.livenessProbe = { tcpSocket: {} }; }, [`${I0}.livenessProbe: field not allowed in an init container`]],
    ['I1 readinessProbe', (c) => { c.readinessProbe = { tcpSocket: {} }; }, [`${I0}.readinessProbe: field not allowed in an init container`]],
    ['I1 startupProbe', (c) => { c.startupProbe = { tcpSocket: {} }; }, [`${I0}.startupProbe: field not allowed in an init container`]],
    ['I1 lifecycle', (c) => { c.lifecycle = {}; }, [`${I0}.lifecycle: field not allowed in an init container`]],
    ['I2 many ports, any name/protocol', (c) => { c.ports = [{ containerPort: 1, name: 'x', protocol: 'UDP' }, { containerPort: 2 }]; }, []],
    ['I2 reserved port', (c) => { c.ports = [{ containerPort: 1 }, { containerPort: 9091 }]; }, [`${I0}.ports[1].containerPort: 9091 is a reserved port`]],
    ['I2 hostPort', (c) => { c.ports = [{ containerPort: 1, hostPort: 1 }]; }, [`${I0}.ports[0].hostPort: must not set the field(s)`]],
    ['I3 PORT allowed', (c) => { c.env = [{ name: 'PORT', value: '1' }]; }, []],
    ['I3 K_CONFIGURATION reserved', (c) => { c.env = [{ name: 'K_CONFIGURATION', value: '1' }]; }, [`${I0}.env[0].name: "K_CONFIGURATION" is a reserved environment variable`]],
  ])('%s', (_n, mut, want) => {
    expect(errors(init(mut), INIT)).toEqual(want);
  });
});

describe('C3 image references (go-containerregistry weak validation)', () => {
  test.each([
    ['nginx', true], ['nginx:1.25', true], ['docker.io/library/nginx:latest', true], ['localhost:5000/app', true],
    ['gcr.io/knative-samples/helloworld-go', true], [`ghcr.io/x/y:v1@sha256:${'0'.repeat(64)}`, true],
    ['ghcr.io/Org/app', false], ['app:', false], ['app@sha256:123', false], ['', false], ['a b', false],
    // v0.20.3 (the version Knative 1.17–1.23 build with) wants a repository of at least 2 characters
    ['a', false], ['a:1', false], ['ghcr.io/a', false], ['ab', true], ['ghcr.io/ab', true], ['a/b', true],
  ])('%s → %s', (image, ok) => {
    expect(errors(ctrSvc((c) => { c.image = image; }))).toEqual(ok ? [] : [image ? `${C0}.image: Failed to parse image reference` : `${C0}.image: missing field(s)`]);
  });
});

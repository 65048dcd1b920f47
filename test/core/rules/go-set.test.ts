/**
 * "Set" as Knative's field masks see it (issue 16): `apis.CheckDisallowedFields` compares the
 * decoded Go object with its mask, so a field Knative's Go types hold as a pointer (or a list or
 * map) is set whenever present, even at 0, false or "", while a plain value is set only when it is
 * not its zero value. Expected verdicts read from knative.dev/serving v0.44.2 (Knative 1.17.2)
 * `pkg/apis/serving/fieldmask.go` + `k8s_validation.go` and the k8s.io/api core/v1 field types.
 */
import { C0, ctrSvc, errors, podSvc, SECURE_SC, T, withFeatures } from './helpers';
import { validate } from '../../../src/core/rules';

const MUST_NOT = 'must not set the field(s)';

describe('PodSpec: pointer fields are set at their zero value, plain fields are not', () => {
  test.each<[string, unknown]>([
    ['terminationGracePeriodSeconds', 0], // *int64
    ['activeDeadlineSeconds', 0], // *int64
    ['priority', 0], // *int32
    ['setHostnameAsFQDN', false], // *bool
    ['hostUsers', false], // *bool
    ['shareProcessNamespace', false], // *bool, gated (Disabled by default)
    ['runtimeClassName', ''], // *string, gated (Disabled by default)
    ['preemptionPolicy', ''], // *string
    ['os', {}], // *PodOS
    ['automountServiceAccountToken', true], // *bool, only false passes the mask
  ])('%s: %j is rejected', (field, value) => {
    expect(errors(podSvc((p) => { p[field] = value; }))).toEqual([`${T}.${field}: ${MUST_NOT}`]);
  });

  test.each<[string, unknown]>([
    ['restartPolicy', ''], ['nodeName', ''], ['hostname', ''], ['subdomain', ''], ['serviceAccount', ''],
    ['hostNetwork', false], ['hostPID', false], ['hostIPC', false], ['dnsPolicy', ''], ['schedulerName', ''], ['priorityClassName', ''],
    ['automountServiceAccountToken', false], ['terminationGracePeriodSeconds', null], ['shareProcessNamespace', null],
  ])('%s: %j passes', (field, value) => {
    expect(errors(podSvc((p) => { p[field] = value; }))).toEqual([]);
  });

  test('a gated pointer field at its zero value passes once its gate is on', () => {
    const ctx = withFeatures({ 'kubernetes.podspec-shareprocessnamespace': 'Enabled', 'kubernetes.podspec-runtimeclassname': 'Enabled' });
    expect(errors(podSvc((p) => { p.shareProcessNamespace = false; p.runtimeClassName = ''; }), ctx)).toEqual([]);
  });
});

describe('Container and its parts', () => {
  test.each<[string, (c: any) => void, string]>([
    ['restartPolicy: "" (*string)', (c) => { c.restartPolicy = ''; }, `${C0}.restartPolicy`],
    ['securityContext.privileged: true (*bool, only false passes)', (c) => { c.securityContext = { ...SECURE_SC, privileged: true }; }, `${C0}.securityContext.privileged`],
    ['securityContext.procMount: "" (*string)', (c) => { c.securityContext = { ...SECURE_SC, procMount: '' }; }, `${C0}.securityContext.procMount`],
    ['securityContext.appArmorProfile: {} (*struct)', (c) => { c.securityContext = { ...SECURE_SC, appArmorProfile: {} }; }, `${C0}.securityContext.appArmorProfile`],
    ['readinessProbe.terminationGracePeriodSeconds: 0 (*int64)', (c) => { c.readinessProbe = { tcpSocket: {}, terminationGracePeriodSeconds: 0 }; },
      `${C0}.readinessProbe.terminationGracePeriodSeconds`],
    ['volumeMounts[0].mountPropagation: "" (*string)', (c) => { c.volumeMounts = [{ name: 'v', mountPath: '/v', readOnly: true, mountPropagation: '' }]; },
      `${C0}.volumeMounts[0].mountPropagation`],
    ['volumeMounts[0].recursiveReadOnly: "" (*string)', (c) => { c.volumeMounts = [{ name: 'v', mountPath: '/v', readOnly: true, recursiveReadOnly: '' }]; },
      `${C0}.volumeMounts[0].recursiveReadOnly`],
  ])('%s is rejected', (_n, mut, path) => {
    const obj = podSvc((p) => {
      p.volumes = [{ name: 'v', secret: { secretName: 's' } }];
      p.containers[0].volumeMounts = [{ name: 'v', mountPath: '/v', readOnly: true }];
      mut(p.containers[0]);
    });
    expect(errors(obj)).toEqual([`${path}: ${MUST_NOT}`]);
  });

  test.each<[string, (c: any) => void]>([
    ['stdin, stdinOnce, tty: false (bool)', (c) => { c.stdin = false; c.stdinOnce = false; c.tty = false; }],
    ['securityContext.privileged: false', (c) => { c.securityContext = { ...SECURE_SC, privileged: false }; }],
    ['ports[0].hostPort: 0 and hostIP: "" (plain)', (c) => { c.ports = [{ containerPort: 8080, hostPort: 0, hostIP: '' }]; }],
    ['volumeMounts[0].subPathExpr: "" (plain)', (c) => { c.volumeMounts = [{ name: 'v', mountPath: '/v', readOnly: true, subPathExpr: '' }]; }],
    ['terminationMessagePath and workingDir: ""', (c) => { c.terminationMessagePath = ''; c.workingDir = ''; }],
  ])('%s passes', (_n, mut) => {
    const obj = podSvc((p) => {
      p.volumes = [{ name: 'v', secret: { secretName: 's' } }];
      p.containers[0].volumeMounts = [{ name: 'v', mountPath: '/v', readOnly: true }];
      mut(p.containers[0]);
    });
    expect(errors(obj)).toEqual([]);
  });

  test('a container whose fields are all zero values is missing (Knative compares it with the empty Container); a pointer {} is not', () => {
    const check = (second: unknown) => validate(podSvc((p) => {
      p.containers = [{ name: 'a', image: 'aa', ports: [{ containerPort: 8080 }] }, second];
    }), { ...withFeatures({ 'multi-container': 'Enabled' }), warnings: false }).map((v) => `${v.path}: ${v.message}`)
      .filter((e) => e.startsWith(`${T}.containers`));
    expect(check({ stdin: false, workingDir: '', resources: {} })).toEqual([`${T}.containers[1]: missing field(s)`]);
    expect(check({ securityContext: {} })).toEqual([`${T}.containers[1].image: missing field(s)`]);
  });
});

describe('pod securityContext (kubernetes.podspec-securitycontext Enabled)', () => {
  const ctx = withFeatures({ 'kubernetes.podspec-securitycontext': 'Enabled' });
  test.each([['fsGroupChangePolicy'], ['supplementalGroupsPolicy'], ['seLinuxChangePolicy']])('%s: "" (*string) is rejected', (field) => {
    expect(errors(podSvc((p) => { p.securityContext = { [field]: '' }; }), ctx)).toEqual([`${T}.securityContext.${field}: ${MUST_NOT}`]);
  });
});

describe('sidecar probes with multi-container-probing off: Knative compares the probe with an empty one', () => {
  const ctx = withFeatures({ 'multi-container': 'Enabled' });
  const sidecar = (probe: unknown) => podSvc((p) => {
    p.containers = [{ image: 'aa', ports: [{ containerPort: 8080 }] }, { image: 'bb', livenessProbe: probe }];
  });
  test('{} and zero plain numbers pass', () => {
    expect(errors(sidecar({}), ctx)).toEqual([]);
    expect(errors(sidecar({ periodSeconds: 0, initialDelaySeconds: 0 }), ctx)).toEqual([]);
  });
  test('a handler, or terminationGracePeriodSeconds: 0 (*int64), is rejected', () => {
    expect(errors(sidecar({ tcpSocket: { port: 8080 } }), ctx)).toEqual([`${T}.containers[1].livenessProbe: ${MUST_NOT}`]);
    expect(errors(sidecar({ terminationGracePeriodSeconds: 0 }), ctx)).toEqual([`${T}.containers[1].livenessProbe: ${MUST_NOT}`]);
  });
});

describe('unknown keys (deliberate strictness: Knative drops them while decoding, we reject them)', () => {
  test('an unknown key is set whenever present, even as null', () => {
    expect(errors(ctrSvc((c) => { c.madeUp = null; }))).toEqual([`${C0}.madeUp: ${MUST_NOT}`]);
  });
});

describe('probe terminationGracePeriodSeconds: rejected on liveness/readiness (1.17 mask), allowed on startupProbe (1.17 does not check it, 1.23 allows it)', () => {
  test('serving container', () => {
    expect(errors(ctrSvc((c) => { c.startupProbe = { httpGet: {}, terminationGracePeriodSeconds: 10 }; }))).toEqual([]);
    expect(errors(ctrSvc((c) => { c.livenessProbe = { httpGet: {}, terminationGracePeriodSeconds: 10 }; })))
      .toEqual([`${C0}.livenessProbe.terminationGracePeriodSeconds: ${MUST_NOT}`]);
  });
  test('sidecar: compared with an empty probe while multi-container-probing is off, masked like the serving container once on', () => {
    const sidecar = (probe: unknown) => podSvc((p) => {
      p.containers = [{ image: 'aa', ports: [{ containerPort: 8080 }] }, { image: 'bb', startupProbe: probe }];
    });
    const probe = { tcpSocket: { port: 9000 }, terminationGracePeriodSeconds: 10 };
    expect(errors(sidecar(probe), withFeatures({ 'multi-container': 'Enabled' }))).toEqual([`${T}.containers[1].startupProbe: ${MUST_NOT}`]);
    expect(errors(sidecar(probe), withFeatures({ 'multi-container': 'Enabled', 'multi-container-probing': 'Enabled' }))).toEqual([]);
  });
});

import { C0, errors, podSvc, SECURE_SC, T, warnings, withFeatures } from './helpers';
import { applyDefaults, validate } from '../../../src/core/rules';
import type { KubeObject } from '../../../src/core/types';

const two = (extra: Record<string, unknown> = {}) => (p: any) => {
  p.containers = [{ image: 'aa', ports: [{ containerPort: 8080 }] }, { image: 'bb', ...extra }];
};

describe('§6.4 pod-level rules', () => {
  test.each<[string, KubeObject, string[]]>([
    ['P2 no containers', podSvc((p) => { p.containers = []; }), [`${T}.containers: missing field(s)`]],
    ['P2 containers absent', podSvc((p) => { delete p.containers; }), [`${T}.containers: missing field(s)`]],
    ['P4 two ports on one container', podSvc((p) => { p.containers[0].ports = [{ containerPort: 8080 }, { containerPort: 8081 }]; }),
      [`${T}.containers[*].ports: more than one container port is set`]],
    ['P4 multi-container without port', podSvc((p) => { p.containers = [{ image: 'aa' }, { image: 'bb' }]; }), [`${T}.containers[*].ports: missing field(s)`]],
    ['P4 multi-container with two ports', podSvc((p) => { p.containers = [{ image: 'aa', ports: [{}] }, { image: 'bb', ports: [{ containerPort: 9000 }] }]; }),
      [`${T}.containers[*].ports: more than one container port is set`]],
    ['P5 duplicate names', podSvc((p) => { p.containers = [{ name: 'x', image: 'aa', ports: [{}] }, { name: 'x', image: 'bb' }]; }),
      [`${T}.containers[1].name: duplicate container name "x"`]],
    ['P5 queue-proxy reserved', podSvc((p) => { p.containers[0].name = 'queue-proxy'; }), [`${C0}.name: "queue-proxy" is a reserved container name`]],
    ['P6 init containers off', podSvc((p) => { p.initContainers = [{ image: 'ii' }]; }),
      [`${T}.initContainers: must not set the field(s)`, `${T}.initContainers: pod spec support for init-containers is off, but found 1 init containers`]],
    ['P7 serviceAccountName', podSvc((p) => { p.serviceAccountName = 'Bad_SA'; }), [`${T}.serviceAccountName: invalid value: Bad_SA`]],
    ['P10 timeoutSeconds > max', podSvc((p) => { p.timeoutSeconds = 601; }), [`${T}.timeoutSeconds: expected 0 <= 601 <= 600`]],
    ['P10 timeoutSeconds < 0', podSvc((p) => { p.timeoutSeconds = -1; }), [`${T}.timeoutSeconds: expected 0 <= -1 <= 600`]],
    ['P10 timeoutSeconds wrong type', podSvc((p) => { p.timeoutSeconds = '300'; }), [`${T}.timeoutSeconds: invalid value: "300"`]],
    ['P10 containerConcurrency > limit', podSvc((p) => { p.containerConcurrency = 1001; }), [`${T}.containerConcurrency: expected 0 <= 1001 <= 1000`]],
    ['P10 containerConcurrency < 0', podSvc((p) => { p.containerConcurrency = -1; }), [`${T}.containerConcurrency: expected 0 <= -1 <= 1000`]],
    ['automountServiceAccountToken true', podSvc((p) => { p.automountServiceAccountToken = true; }), [`${T}.automountServiceAccountToken: must not set the field(s)`]],
    ['automountServiceAccountToken false ok', podSvc((p) => { p.automountServiceAccountToken = false; }), []],
    ['imagePullSecrets extra field', podSvc((p) => { p.imagePullSecrets = [{ name: 'r', x: 1 }]; }), [`${T}.imagePullSecrets[0].x: must not set the field(s)`]],
  ])('%s', (_n, obj, want) => {
    expect(errors(obj)).toEqual(want);
  });

  test('P3 multi-container off', () => {
    expect(errors(podSvc(two()), withFeatures({ 'multi-container': 'Disabled' }))).toEqual([`${T}.containers: multi-container is off, but found 2 containers`]);
  });
  test('P6 init containers Allowed passes the mask but fails P6', () => {
    expect(errors(podSvc((p) => { p.initContainers = [{ image: 'ii' }]; }), withFeatures({ 'kubernetes.podspec-init-containers': 'Allowed' })))
      .toEqual([`${T}.initContainers: pod spec support for init-containers is off, but found 1 init containers`]);
  });
  test('P5 init container name clashing with a container', () => {
    expect(errors(podSvc((p) => { p.containers[0].name = 'x'; p.initContainers = [{ name: 'x', image: 'ii' }]; }), withFeatures({ 'kubernetes.podspec-init-containers': 'Enabled' })))
      .toEqual([`${T}.initContainers[0].name: duplicate container name "x"`]);
  });
  test('P5 two init containers with the same name: Knative compares init names with the containers only (issue 16)', () => {
    expect(errors(podSvc((p) => { p.initContainers = [{ name: 'x', image: 'ii' }, { name: 'x', image: 'jj' }]; }),
      withFeatures({ 'kubernetes.podspec-init-containers': 'Enabled' }))).toEqual([]);
  });
  test('P10 limits come from config', () => {
    const ctx = withFeatures({}, (c) => {
      c.defaults.maxRevisionTimeoutSeconds = 900;
      c.defaults.allowContainerConcurrencyZero = false;
      c.defaults.containerConcurrencyMaxLimit = 50;
    });
    expect(errors(podSvc((p) => { p.timeoutSeconds = 900; p.containerConcurrency = 0; }), ctx)).toEqual([`${T}.containerConcurrency: expected 1 <= 0 <= 50`]);
  });
});

describe('§6.5 PodSpec field allowance', () => {
  const gated: Array<[string, string, unknown, 'Enabled' | 'Allowed']> = [
    ['affinity', 'kubernetes.podspec-affinity', {}, 'Allowed'],
    ['topologySpreadConstraints', 'kubernetes.podspec-topologyspreadconstraints', [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }], 'Allowed'],
    ['hostAliases', 'kubernetes.podspec-hostaliases', [{ ip: '10.0.0.1', hostnames: ['db'] }], 'Allowed'],
    ['nodeSelector', 'kubernetes.podspec-nodeselector', { a: 'b' }, 'Allowed'],
    ['runtimeClassName', 'kubernetes.podspec-runtimeclassname', 'gvisor', 'Allowed'],
    ['tolerations', 'kubernetes.podspec-tolerations', [{ key: 'gpu', operator: 'Exists' }], 'Allowed'],
    ['shareProcessNamespace', 'kubernetes.podspec-shareprocessnamespace', true, 'Allowed'],
    ['priorityClassName', 'kubernetes.podspec-priorityclassname', 'high', 'Allowed'],
    ['schedulerName', 'kubernetes.podspec-schedulername', 'custom', 'Allowed'],
    ['dnsPolicy', 'kubernetes.podspec-dnspolicy', 'None', 'Allowed'],
    ['dnsConfig', 'kubernetes.podspec-dnsconfig', {}, 'Allowed'],
    ['hostIPC', 'kubernetes.podspec-hostipc', true, 'Allowed'],
    ['hostPID', 'kubernetes.podspec-hostpid', true, 'Allowed'],
    ['hostNetwork', 'kubernetes.podspec-hostnetwork', true, 'Allowed'],
    ['securityContext', 'kubernetes.podspec-securitycontext', {}, 'Allowed'],
  ];
  test.each(gated)('%s rejected by default, accepted when %s is %s', (field, flag, value, state) => {
    const obj = podSvc((p) => { p[field] = value; });
    expect(errors(obj)).toEqual([`${T}.${field}: must not set the field(s)`]);
    expect(errors(obj, withFeatures({ [flag]: state }))).toEqual([]);
  });

  test.each<[string, unknown]>([
    ['restartPolicy', 'Always'], ['terminationGracePeriodSeconds', 30], ['activeDeadlineSeconds', 60], ['nodeName', 'n1'],
    ['hostname', 'h'], ['subdomain', 's'], ['priority', 5], ['readinessGates', [{ conditionType: 'x' }]], ['serviceAccount', 'sa'],
    ['ephemeralContainers', [{ name: 'e', image: 'ii' }]], ['overhead', { cpu: '1' }], ['preemptionPolicy', 'Never'], ['os', { name: 'linux' }],
    ['hostUsers', true], ['setHostnameAsFQDN', true], ['schedulingGates', [{ name: 'g' }]], ['resourceClaims', [{ name: 'r' }]],
    ['resources', { limits: { cpu: '1' } }], ['madeUpField', { x: 1 }],
  ])('forbidden PodSpec field %s', (field, value) => {
    expect(errors(podSvc((p) => { p[field] = value; }))).toEqual([`${T}.${field}: must not set the field(s)`]);
  });

  test('zero plain values count as unset (pointer fields: test/core/rules/go-set.test.ts)', () => {
    expect(errors(podSvc((p) => { p.hostNetwork = false; p.restartPolicy = ''; p.nodeName = ''; }))).toEqual([]);
  });

  test('securityContext passes the mask with secure-pod-defaults Enabled', () => {
    expect(errors(podSvc((p) => { p.securityContext = { seccompProfile: { type: 'RuntimeDefault' } }; }), withFeatures({ 'secure-pod-defaults': 'Enabled' }))).toEqual([]);
  });
});

describe('omitempty: the defaulting webhook\'s Go JSON round trip drops empty lists and maps before validation', () => {
  test.each<[string, (p: any) => void]>([
    ['tolerations: []', (p) => { p.tolerations = []; }],
    ['nodeSelector: {}', (p) => { p.nodeSelector = {}; }],
    ['initContainers: []', (p) => { p.initContainers = []; }],
    ['hostAliases: [] and topologySpreadConstraints: []', (p) => { p.hostAliases = []; p.topologySpreadConstraints = []; }],
    ['capabilities.add: []', (p) => { p.containers[0].securityContext = { capabilities: { add: [] } }; }],
    ['container volumeDevices: [] and lifecycle: null', (p) => { p.containers[0].volumeDevices = []; p.containers[0].lifecycle = null; }],
    ['readinessGates: [] and overhead: {}', (p) => { p.readinessGates = []; p.overhead = {}; }],
  ])('%s is accepted with every gate at its default (upstream accepts it too)', (_n, mut) => {
    expect(errors(podSvc(mut))).toEqual([]);
  });

  test.each<[string, (p: any) => void, string]>([
    ['affinity: {}', (p) => { p.affinity = {}; }, `${T}.affinity: must not set the field(s)`],
    ['dnsConfig: {}', (p) => { p.dnsConfig = {}; }, `${T}.dnsConfig: must not set the field(s)`],
    ['securityContext: {}', (p) => { p.securityContext = {}; }, `${T}.securityContext: must not set the field(s)`],
    ['container lifecycle: {}', (p) => { p.containers[0].lifecycle = {}; }, `${C0}.lifecycle: must not set the field(s)`],
  ])('%s (a pointer to a struct) survives the round trip and is rejected', (_n, mut, want) => {
    expect(errors(podSvc(mut))).toEqual([want]);
  });

  test('the validating webhook alone (no round trip) still sees tolerations: [] as set, as Knative\'s does', () => {
    const obj = applyDefaults(podSvc((p) => { p.tolerations = []; }));
    expect(validate(obj, { warnings: false }).map((v) => `${v.path}: ${v.message}`)).toEqual([`${T}.tolerations: must not set the field(s)`]);
  });
});

describe('W1 security warnings', () => {
  const P = `${C0}.securityContext`;
  test.each<[string, KubeObject, string[]]>([
    ['all missing', podSvc(() => undefined), [
      `${P}.runAsNonRoot: missing field(s)`, `${P}.allowPrivilegeEscalation: missing field(s)`,
      `${P}.seccompProfile: missing field(s)`, `${P}.capabilities: missing field(s)`,
    ]],
    ['all set', podSvc((p) => { p.containers[0].securityContext = SECURE_SC; }), []],
    ['drop missing', podSvc((p) => { p.containers[0].securityContext = { ...SECURE_SC, capabilities: {} }; }), [`${P}.capabilities.drop: missing field(s)`]],
    ['drop "all" lowercase', podSvc((p) => { p.containers[0].securityContext = { ...SECURE_SC, capabilities: { drop: ['all'] } }; }), [`${P}.capabilities.drop: invalid value: all`]],
  ])('%s', (_n, obj, want) => {
    expect(warnings(obj)).toEqual(want);
  });
  test('warnings: false reports the same errors and no warnings', () => {
    const obj = applyDefaults(podSvc((p) => { p.containers[0].ports = [{ containerPort: 8012 }]; }));
    const all = validate(obj);
    const errorsOnly = validate(obj, { warnings: false });
    expect(all.some((v) => v.severity === 'warning')).toBe(true);
    expect(errorsOnly.length).toBeGreaterThan(0);
    expect(errorsOnly).toEqual(all.filter((v) => v.severity !== 'warning'));
  });
  test('pod-level runAsNonRoot/seccomp satisfy the warning', () => {
    const obj = podSvc((p) => {
      p.securityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
      p.containers[0].securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
    });
    expect(warnings(obj, withFeatures({ 'kubernetes.podspec-securitycontext': 'Enabled' }))).toEqual([]);
  });
  test('secure-pod-defaults Enabled: its defaults leave nothing to warn about, unless the user wrote capabilities without drop (Knative 1.17 warns then) (issue 16)', () => {
    expect(warnings(podSvc(() => undefined), withFeatures({ 'secure-pod-defaults': 'Enabled' }))).toEqual([]);
    expect(warnings(podSvc((p) => { p.containers[0].securityContext = { capabilities: {} }; }), withFeatures({ 'secure-pod-defaults': 'Enabled' })))
      .toEqual([`${C0}.securityContext.capabilities.drop: missing field(s)`]);
    expect(warnings(podSvc((p) => { p.containers[0].securityContext = { capabilities: {} }; }), withFeatures({ 'secure-pod-defaults': 'AllowRootBounded' })))
      .toEqual([]);
  });
  test('a bare container gets security warnings but no errors (warnings do not block)', () => {
    expect(warnings(podSvc(() => undefined)).length).toBeGreaterThan(0);
    expect(errors(podSvc(() => undefined))).toEqual([]);
  });
});

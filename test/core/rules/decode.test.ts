/**
 * Values that do not decode into Knative's Go types (issue 16): Knative's webhooks decode the
 * object with `encoding/json` before SetDefaults and Validate, and a value that does not fit the
 * field's Go type rejects the object with nothing else said. We report each such value with the
 * field, the value and the fix, and nothing else.
 */
import { C0, ctrSvc, errors, podSvc, route, service, T } from './helpers';
import { goDecodeProblems } from '../../../src/core/go-json';
import { formatViolation, validate, admit } from '../../../src/core/rules';

describe('goDecodeProblems', () => {
  test.each<[string, unknown, string]>([
    ['a number in args', { args: ['--port', 8080] }, 'args[1]'],
    ['a string for a list', { command: 'run' }, 'command'],
    ['a bool in env value', { env: [{ name: 'A', value: true }] }, 'env[0].value'],
    ['an unparsable limit', { resources: { limits: { memory: '1 GB' } } }, 'resources.limits.memory'],
    ['a bool quantity', { resources: { requests: { cpu: true } } }, 'resources.requests.cpu'],
    ['a fractional integer', { ports: [{ containerPort: 80.5 }] }, 'ports[0].containerPort'],
    ['an object for an int-or-string', { readinessProbe: { httpGet: { port: { n: 1 } } } }, 'readinessProbe.httpGet.port'],
    ['a list for an object', { securityContext: [] }, 'securityContext'],
    ['a string for a map', { resources: { limits: 'lots' } }, 'resources.limits'],
    ['a string for a pointer bool', { securityContext: { runAsNonRoot: 'yes' } }, 'securityContext.runAsNonRoot'],
  ])('%s', (_n, container, path) => {
    const obj = ctrSvc((c) => Object.assign(c, container));
    expect(goDecodeProblems(obj).map((p) => p.path)).toEqual([`${C0}.${path}`]);
  });

  test('values that decode: numbers as quantities, null anywhere, " 1Gi " (trimmed), int-or-string as either, valid times', () => {
    const obj = ctrSvc((c) => {
      c.resources = { limits: { cpu: 1, memory: ' 1Gi ' }, requests: { cpu: null } };
      c.readinessProbe = { httpGet: { port: 'http' } };
      c.livenessProbe = { tcpSocket: { port: 8080 } };
      c.args = null;
      c.env = null;
    });
    (obj.metadata as any).creationTimestamp = '2024-01-02T03:04:05Z';
    expect(goDecodeProblems(obj)).toEqual([]);
  });

  test('a bad creationTimestamp, a number label value, unknown kinds', () => {
    expect(goDecodeProblems(service((s) => { s.metadata.creationTimestamp = 'yesterday'; })).map((p) => p.path)).toEqual(['metadata.creationTimestamp']);
    expect(goDecodeProblems(service((s) => { s.metadata.labels = { a: 1 }; })).map((p) => p.path)).toEqual(['metadata.labels.a']);
    expect(goDecodeProblems({ apiVersion: 'v1', kind: 'Pod', spec: { containers: 5 } })).toEqual([]);
  });
});

describe('validation reports values that do not decode, and nothing else', () => {
  test('an unparsable resource quantity names the field, the value and the fix', () => {
    const vs = admit(ctrSvc((c) => { c.resources = { limits: { memory: '1 GB' } }; c.ports = [{ containerPort: 8012 }]; })).violations;
    expect(vs.filter((v) => v.severity !== 'warning').map(formatViolation)).toEqual([
      `${C0}.resources.limits.memory: invalid quantity: "1 GB" (got "1 GB"). Fix: Use a Kubernetes quantity such as "500m", "512Mi" or "1Gi" (Knative cannot read the object otherwise).`,
    ]);
  });

  test('a number inside args', () => {
    const vs = validate(ctrSvc((c) => { c.args = ['--workers', 4]; }));
    expect(vs.map(formatViolation)).toEqual([
      `${C0}.args[1]: invalid value: 4 (got 4). Fix: Use a string here (Knative cannot read the object otherwise).`,
    ]);
  });

  test.each<[string, any, string[]]>([
    ['env value a number', ctrSvc((c) => { c.env = [{ name: 'A', value: 1 }]; }), [`${C0}.env[0].value: invalid value: 1`]],
    ['timeoutSeconds a string', podSvc((p) => { p.timeoutSeconds = '30'; }), [`${T}.timeoutSeconds: invalid value: "30"`]],
    ['containerConcurrency fractional', podSvc((p) => { p.containerConcurrency = 1.5; }), [`${T}.containerConcurrency: invalid value: 1.5`]],
    ['volume list an object', podSvc((p) => { p.volumes = { a: 1 }; }), [`${T}.volumes: invalid value: {"a":1}`]],
    ['emptyDir sizeLimit unparsable', podSvc((p) => {
      p.volumes = [{ name: 'v', emptyDir: { sizeLimit: 'big' } }];
      p.containers[0].volumeMounts = [{ name: 'v', mountPath: '/v' }];
    }), [`${T}.volumes[0].emptyDir.sizeLimit: invalid quantity: "big"`]],
    ['traffic percent a string', route((r) => { r.spec.traffic = [{ configurationName: 'c', percent: '100' }]; }), ['spec.traffic[0].percent: invalid value: "100"']],
    ['annotation value a number', service((s) => { s.metadata.annotations = { a: 1 }; }), ['metadata.annotations.a: invalid value: 1']],
  ])('%s', (_n, obj, want) => {
    expect(errors(obj)).toEqual(want);
  });
});

describe('int32 fields (k8s core/v1) take only what fits an int32; int64 fields more', () => {
  const INT32 = 'Use an integer between -2147483648 and 2147483647 here (Knative cannot read the object otherwise).';
  test.each<[string, (c: any) => void, string, string]>([
    ['readinessProbe.periodSeconds', (c) => { c.readinessProbe = { tcpSocket: {}, periodSeconds: 2 ** 31 }; }, `${C0}.readinessProbe.periodSeconds: invalid value: 2147483648`, INT32],
    ['livenessProbe.initialDelaySeconds', (c) => { c.livenessProbe = { tcpSocket: {}, initialDelaySeconds: 3e9 }; }, `${C0}.livenessProbe.initialDelaySeconds: invalid value: 3000000000`, INT32],
    ['ports[0].containerPort', (c) => { c.ports = [{ containerPort: 2 ** 32 }]; }, `${C0}.ports[0].containerPort: invalid value: 4294967296`, INT32],
    ['httpGet.port (int-or-string)', (c) => { c.readinessProbe = { httpGet: { port: 2 ** 31 } }; }, `${C0}.readinessProbe.httpGet.port: invalid value: 2147483648`,
      'Use an integer or a string here (Knative cannot read the object otherwise).'],
  ])('%s beyond int32 does not decode', (_n, mut, want, fix) => {
    const vs = validate(ctrSvc(mut), { warnings: false });
    expect(vs.map((v) => `${v.path}: ${v.message}`)).toEqual([want]);
    expect(vs[0].fix).toBe(fix);
  });

  test('int64 fields take values beyond int32 (range rules apply after decoding)', () => {
    expect(errors(ctrSvc((c) => { c.securityContext = { runAsUser: 2 ** 31 }; })))
      .toEqual([`${C0}.securityContext.runAsUser: expected 0 <= 2147483648 <= 2147483647`]);
    expect(goDecodeProblems(podSvc((p) => { p.timeoutSeconds = 2 ** 40; }))).toEqual([]);
  });
});

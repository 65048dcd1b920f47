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

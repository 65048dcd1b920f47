import { ANN, annSvc, configuration, errors, revision, service } from './helpers';
import { admit, applyDefaults, validate, validateRevisionTemplate } from '../../../src/core/rules';
import type { KubeObject } from '../../../src/core/types';

const named = (name: string) => (s: any) => { s.spec.template.metadata = { name }; };

describe('§5.2 template (R1–R3, S3)', () => {
  test.each<[string, KubeObject, string[]]>([
    ['R3 BYO name ok', service(named('hello-v1')), []],
    ['R3 BYO name without parent prefix', service(named('other-v1')), ['spec.template.metadata.name: "other-v1" must have prefix "hello-"']],
    ['R3 BYO name on Configuration', configuration(named('hellov1')), ['spec.template.metadata.name: "hellov1" must have prefix "hello-"']],
    ['R3 BYO name not DNS-1035', service(named('hello-V1')), [
      "spec.template.metadata.name: not a DNS 1035 label: [a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')]",
    ]],
    ['R3 parent uses generateName', service((s) => { s.metadata = { generateName: 'hello-' }; named('hello-v1')(s); }), ['spec.template.metadata.name: must not set the field(s)']],
    ['R3 template generateName prefix', service((s) => { s.spec.template.metadata = { generateName: 'Bad' }; }), [
      "spec.template.metadata.generateName: not a DNS 1035 label prefix: [a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')]",
    ]],
    ['template missing', service((s) => { delete s.spec.template; }), ['spec.template: missing field(s)']],
    ['template spec not an object', service((s) => { s.spec.template.spec = 'x'; }), ['spec.template.spec: invalid value: "x"']],
    ['unknown template field', service((s) => { s.spec.template.kind = 'Pod'; }), ['spec.template.kind: must not set the field(s)']],
    ['unknown Service spec field', service((s) => { s.spec.replicas = 2; }), ['spec.replicas: must not set the field(s)']],
    ['unknown Configuration spec field', configuration((c) => { c.spec.traffic = []; }), ['spec.traffic: must not set the field(s)']],
    ['spec missing', service((s) => { delete s.spec; }), ['spec: missing field(s)']],
  ])('%s', (_n, obj, want) => {
    expect(errors(obj)).toEqual(want);
  });
});

describe('§5.2 R2 template annotations', () => {
  test.each<[string, Record<string, string>, string[]]>([
    ['R2b unknown networking key', { 'networking.knative.dev/visibility': 'cluster-local' }, [`${ANN}: invalid key name "networking.knative.dev/visibility"`]],
    ['R2b allowed networking key', { 'networking.knative.dev/ingress.class': 'x', 'networking.knative.dev/http-protocol': 'enabled' }, []],
    ['progress-deadline ok', { 'serving.knative.dev/progress-deadline': '120s' }, []],
    ['progress-deadline precision', { 'serving.knative.dev/progress-deadline': '1500ms' }, [`${ANN}.serving.knative.dev/progress-deadline: progress-deadline=1500ms is not at second precision`]],
    ['progress-deadline invalid', { 'serving.knative.dev/progress-deadline': '10' }, [`${ANN}.serving.knative.dev/progress-deadline: invalid value: 10`]],
    ['progress-deadline negative', { 'serving.knative.dev/progress-deadline': '-1s' }, [`${ANN}.serving.knative.dev/progress-deadline: progress-deadline=-1s must be positive`]],
    ['queue sidecar quantity ok', { 'queue.sidecar.serving.knative.dev/cpu-resource-request': '25m' }, []],
    ['queue sidecar quantity invalid', { 'queue.sidecar.serving.knative.dev/memory-resource-limit': 'lots' }, [`${ANN}.queue.sidecar.serving.knative.dev/memory-resource-limit: invalid value: lots`]],
    ['queue resource-percentage range', { 'queue.sidecar.serving.knative.dev/resource-percentage': '200' }, [`${ANN}.queue.sidecar.serving.knative.dev/resource-percentage: expected 0.1 <= 200 <= 100`]],
    ['autoscaling validated on template', { 'autoscaling.knative.dev/window': '2s' }, [`${ANN}.autoscaling.knative.dev/window: expected 6s <= 2s <= 1h0m0s`]],
  ])('%s', (_n, anns, want) => {
    expect(errors(annSvc(anns))).toEqual(want);
  });

  test('queue resource-percentage is always a deprecation warning', () => {
    const v = admit(annSvc({ 'queue.sidecar.serving.knative.dev/resourcePercentage': '50' })).violations.filter((x) => x.path.startsWith(ANN));
    expect(v).toEqual([{
      path: `${ANN}.queue.sidecar.serving.knative.dev/resourcePercentage`,
      message: 'queue.sidecar.serving.knative.dev/resourcePercentage is deprecated',
      value: '50',
      fix: 'Use the queue.sidecar.serving.knative.dev/<resource>-resource-request/-limit annotations instead.',
      severity: 'warning',
    }]);
  });
});

describe('update rules (R4 / S7, §6.2)', () => {
  const upd = (old: KubeObject, next: KubeObject) => {
    const ctx = { operation: 'update' as const, old: applyDefaults(old) };
    return validate(applyDefaults(next, ctx), ctx).filter((v) => v.severity !== 'warning').map((v) => `${v.path}: ${v.message}`);
  };
  test('R4 template changed under the same BYO name', () => {
    const next = service((s) => { named('hello-v1')(s); s.spec.template.spec.containers[0].image = 'ghcr.io/x/other'; });
    expect(upd(service(named('hello-v1')), next)).toEqual(['spec.template.metadata.name: Saw the following changes without a name change (-old +new)']);
  });
  test('R4: templates are not re-defaulted under an unchanged BYO name, so an undefaulted resubmission is a change (§14.4)', () => {
    expect(upd(service(named('hello-v1')), service(named('hello-v1')))).toEqual(['spec.template.metadata.name: Saw the following changes without a name change (-old +new)']);
  });
  test('R4 value lists the changed paths', () => {
    const old = applyDefaults(configuration(named('hello-v1')));
    const next = configuration((c) => { named('hello-v1')(c); c.spec.template.metadata.labels = { a: 'b' }; });
    const ctx = { operation: 'update' as const, old };
    expect(validate(applyDefaults(next, ctx), ctx).find((v) => v.path === 'spec.template.metadata.name')?.value)
      .toEqual(['spec.template.metadata.labels', 'spec.template.spec.containerConcurrency', 'spec.template.spec.containers',
        'spec.template.spec.enableServiceLinks', 'spec.template.spec.timeoutSeconds']);
  });
  test('R4: resubmitting the stored (defaulted) template is fine; a new name is fine', () => {
    const stored = applyDefaults(service(named('hello-v1')));
    expect(upd(stored, JSON.parse(JSON.stringify(stored)))).toEqual([]);
    expect(upd(service(named('hello-v1')), service((s) => { named('hello-v2')(s); s.spec.template.spec.containers[0].image = 'bb'; }))).toEqual([]);
  });
  test('§6.2 Revision spec is immutable', () => {
    const old = applyDefaults(revision());
    const next = JSON.parse(JSON.stringify(old));
    next.spec.timeoutSeconds = 10;
    next.metadata.labels = { a: 'b' };
    expect(validate(next, { operation: 'update', old })).toEqual([{
      path: 'spec',
      message: 'Immutable fields changed (-old +new)',
      value: ['spec.timeoutSeconds'],
      fix: 'Revisions are immutable; change the Configuration/Service template (or create a new Revision) instead.',
    }]);
  });
  test('§6.2 Revision metadata may change', () => {
    const old = applyDefaults(revision());
    const next = JSON.parse(JSON.stringify(old));
    next.metadata.labels = { a: 'b' };
    expect(validate(next, { operation: 'update', old })).toEqual([]);
  });
});

test('validateRevisionTemplate reports a BYO name without the parent prefix, with value and fix', () => {
  expect(validateRevisionTemplate({ metadata: { name: 'x-1' }, spec: { containers: [{ image: 'aa', readinessProbe: { tcpSocket: {}, successThreshold: 1 } }] } }, { name: 'hello' })
    .filter((v) => v.severity !== 'warning')).toEqual([{
    path: 'spec.template.metadata.name', message: '"x-1" must have prefix "hello-"', value: 'x-1', fix: 'Name the revision "hello-<suffix>".',
  }]);
});

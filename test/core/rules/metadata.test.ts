import { configuration, errors, revision, route, service, warnings } from './helpers';
import { applyDefaults, applyUserInfo, validate } from '../../../src/core/rules';
import type { KubeObject } from '../../../src/core/types';

const DNS1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const owner = (kind: string, name: string) => [{ apiVersion: 'serving.knative.dev/v1', kind, name, uid: 'u1', controller: true }];

describe('§2.2 metadata', () => {
  test.each<[string, KubeObject, string[]]>([
    ['valid Service', service(), []],
    ['name not DNS-1035', service((s) => { s.metadata.name = '1hello'; }), [`metadata.name: not a DNS 1035 label: [${DNS1035}]`]],
    ['name too long', route((r) => { r.metadata.name = 'a'.repeat(64); }), ['metadata.name: not a DNS 1035 label: [must be no more than 63 characters]']],
    ['generateName with trailing dash is fine', route((r) => { r.metadata = { generateName: 'hello-' }; }), []],
    ['generateName not a prefix', route((r) => { r.metadata = { generateName: 'Hello-' }; }), [`metadata.generateName: not a DNS 1035 label prefix: [${DNS1035}]`]],
    ['neither name nor generateName', route((r) => { r.metadata = {}; }), ['metadata.name: name or generateName is required']],
    ['autoscaling annotation on Service', service((s) => { s.metadata.annotations = { 'autoscaling.knative.dev/min-scale': '1' }; }),
      ['metadata.annotations: invalid key name "autoscaling.knative.dev/min-scale"']],
    ['autoscaling annotation on Configuration', configuration((s) => { s.metadata.annotations = { 'autoscaling.knative.dev/class': 'x' }; }),
      ['metadata.annotations: invalid key name "autoscaling.knative.dev/class"']],
    ['autoscaling annotation on Route', route((r) => { r.metadata.annotations = { 'autoscaling.knative.devx': 'x' }; }),
      ['metadata.annotations: invalid key name "autoscaling.knative.devx"']],
    ['autoscaling annotation allowed and validated on Revision', revision((r) => { r.metadata.annotations = { 'autoscaling.knative.dev/min-scale': '-1' }; }),
      ['metadata.annotations.autoscaling.knative.dev/min-scale: expected 0 <= -1 <= 2147483647']],
    ['service label without owner (Configuration)', configuration((c) => { c.metadata.labels = { 'serving.knative.dev/service': 'hello' }; }),
      ['metadata.labels.serving.knative.dev/service: missing field(s)']],
    ['service label with owner (Route)', route((r) => { r.metadata.labels = { 'serving.knative.dev/service': 'hello' }; r.metadata.ownerReferences = owner('Service', 'hello'); }), []],
    ['service label with wrong owner (Route)', route((r) => { r.metadata.labels = { 'serving.knative.dev/service': 'hello' }; r.metadata.ownerReferences = owner('Service', 'other'); }),
      ['metadata.labels.serving.knative.dev/service: missing field(s)']],
    ['configuration label without owner (Revision)', revision((r) => { r.metadata.labels = { 'serving.knative.dev/configuration': 'hello' }; }),
      ['metadata.labels.serving.knative.dev/configuration: missing field(s)']],
    ['configuration label with owner (Revision)', revision((r) => { r.metadata.labels = { 'serving.knative.dev/configuration': 'hello' }; r.metadata.ownerReferences = owner('Configuration', 'hello'); }), []],
    ['visibility cluster-local ok', service((s) => { s.metadata.labels = { 'networking.knative.dev/visibility': 'cluster-local' }; }), []],
    // Knative does not check the value (every value but cluster-local is public): a warning, not an error
    ['visibility bad value (Route): no error', route((r) => { r.metadata.labels = { 'networking.knative.dev/visibility': 'private' }; }), []],
    // Revision.Validate runs only the autoscaling annotation rules on its own metadata (1.17 and 1.23)
    ['Revision metadata: no queue-sidecar rules', revision((r) => { r.metadata.annotations = { 'queue.sidecar.serving.knative.dev/cpu-resource-limit': 'x' }; }), []],
    ['Revision metadata: no networking key rule', revision((r) => { r.metadata.annotations = { 'networking.knative.dev/foo': 'x' }; }), []],
    ['Revision metadata: no progress-deadline rule', revision((r) => { r.metadata.annotations = { 'serving.knative.dev/progress-deadline': 'abc' }; }), []],
    ['Revision metadata: autoscaling rules', revision((r) => { r.metadata.annotations = { 'autoscaling.knative.dev/min-scale': 'x' }; }),
      ['metadata.annotations.autoscaling.knative.dev/min-scale: invalid value: x']],
    ['unknown top-level field', service((s) => { s.extra = 1; }), ['extra: must not set the field(s)']],
    ['unknown metadata field', service((s) => { s.metadata.foo = 'x'; }), ['metadata.foo: must not set the field(s)']],
    ['labels wrong type', service((s) => { s.metadata.labels = { a: 1 }; }), ['metadata.labels.a: invalid value: 1']],
  ])('%s', (_n, obj, want) => {
    expect(errors(obj)).toEqual(want);
  });
});

describe('§10.1 rollout-duration (S2, Route)', () => {
  const RD = 'serving.knative.dev/rollout-duration';
  test.each<[string, Record<string, string>, string[]]>([
    ['valid', { [RD]: '300s' }, []],
    ['valid minutes', { [RD]: '5m' }, []],
    ['unparsable', { [RD]: '5 minutes' }, [`metadata.annotations.${RD}: invalid value: 5 minutes`]],
    ['sub-second', { [RD]: '1.5s' }, [`metadata.annotations.${RD}: rollout-duration=1.5s is not at second precision`]],
    ['negative', { [RD]: '-10s' }, [`metadata.annotations.${RD}: rollout-duration=-10s must be positive`]],
    ['alt key', { 'serving.knative.dev/rolloutDuration': 'x' }, ['metadata.annotations.serving.knative.dev/rolloutDuration: invalid value: x']],
    ['primary key wins (KeyPriority)', { [RD]: '10s', 'serving.knative.dev/rolloutDuration': 'x' }, []],
  ])('%s', (_n, anns, want) => {
    expect(errors(service((s) => { s.metadata.annotations = anns; }))).toEqual(want);
    expect(errors(route((r) => { r.metadata.annotations = anns; }))).toEqual(want);
  });
});

describe('§2.3 creator/lastModifier on update (S6)', () => {
  const C = 'serving.knative.dev/creator';
  const M = 'serving.knative.dev/lastModifier';
  const stored = applyUserInfo(applyDefaults(service()), 'alice');
  const update = (mut: (s: any) => void) => {
    const next: any = JSON.parse(JSON.stringify(stored));
    mut(next);
    return validate(next, { operation: 'update', old: stored }).filter((v) => v.severity !== 'warning').map((v) => `${v.path}: ${v.message}`);
  };
  test.each<[string, (s: any) => void, string[]]>([
    ['unchanged', () => undefined, []],
    ['creator changed', (s) => { s.metadata.annotations[C] = 'mallory'; }, [`metadata.annotations.${C}: annotation value is immutable`]],
    ['creator dropped', (s) => { delete s.metadata.annotations[C]; }, [`metadata.annotations.${C}: annotation value is immutable`]],
    ['lastModifier changed without spec change', (s) => { s.metadata.annotations[M] = 'bob'; }, [`metadata.annotations.${M}: invalid value: bob`]],
    ['lastModifier changed with spec change', (s) => { s.metadata.annotations[M] = 'bob'; s.spec.template.spec.containers[0].image = 'bb'; }, []],
  ])('%s', (_n, mut, want) => {
    expect(update(mut)).toEqual(want);
  });
  test.each([['standalone Route', route], ['standalone Configuration', configuration]])('%s is checked', (_n, make) => {
    const old = applyDefaults(make((o: any) => { o.metadata.annotations = { [C]: 'a' }; }));
    const next = applyDefaults(make((o: any) => { o.metadata.annotations = { [C]: 'b' }; }));
    expect(validate(next, { operation: 'update', old }).filter((v) => v.severity !== 'warning').map((v) => `${v.path}: ${v.message}`))
      .toEqual([`metadata.annotations.${C}: annotation value is immutable`]);
  });
  test('owned Configuration is not checked', () => {
    const old = configuration((c) => { c.metadata.ownerReferences = owner('Service', 'hello'); c.metadata.annotations = { [C]: 'a' }; });
    const next = configuration((c) => { c.metadata.ownerReferences = owner('Service', 'hello'); c.metadata.annotations = { [C]: 'b' }; });
    expect(validate(applyDefaults(next), { operation: 'update', old: applyDefaults(old) }).filter((v) => v.severity !== 'warning')).toEqual([]);
  });
});

test('a visibility label other than cluster-local is a warning (Knative accepts it and makes the object public)', () => {
  expect(warnings(route((r) => { r.metadata.labels = { 'networking.knative.dev/visibility': 'cluster-locall' }; })))
    .toEqual(['metadata.labels.networking.knative.dev/visibility: invalid value: cluster-locall']);
  expect(warnings(service((s) => { s.metadata.labels = { 'networking.knative.dev/visibility': 'cluster-local' }; }))
    .filter((w) => w.startsWith('metadata.'))).toEqual([]);
});

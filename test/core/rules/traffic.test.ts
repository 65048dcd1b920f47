import { errors, route, service } from './helpers';
import { formatViolation, validateTraffic } from '../../../src/core/rules';

const routeErrs = (traffic: unknown) => errors(route((r) => { r.spec.traffic = traffic; }));
const svcErrs = (traffic: unknown) => errors(service((s) => { s.spec.traffic = traffic; }));

describe('§7.2 Route traffic', () => {
  test.each<[string, unknown, string[]]>([
    ['valid split', [{ configurationName: 'c', percent: 60 }, { revisionName: 'r', percent: 40, tag: 'v1' }], []],
    ['T1 sum ≠ 100', [{ configurationName: 'c', percent: 60 }, { revisionName: 'r', percent: 60 }], ['spec.traffic: Traffic targets sum to 120, want 100']],
    ['T1 empty traffic', [], ['spec.traffic: Traffic targets sum to 0, want 100']],
    ['T1 absent traffic', undefined, ['spec.traffic: Traffic targets sum to 0, want 100']],
    ['T2 percent > 100', [{ configurationName: 'c', percent: 101 }], ['spec.traffic[0].percent: expected 0 <= 101 <= 100', 'spec.traffic: Traffic targets sum to 101, want 100']],
    ['T2 percent < 0', [{ configurationName: 'c', percent: -1 }, { revisionName: 'r', percent: 101 }],
      ['spec.traffic[0].percent: expected 0 <= -1 <= 100', 'spec.traffic[1].percent: expected 0 <= 101 <= 100']],
    ['T2 percent wrong type (does not decode: nothing else is said)', [{ configurationName: 'c', percent: '100' }], ['spec.traffic[0].percent: invalid value: "100"']],
    ['T3 bad tag', [{ configurationName: 'c', percent: 100, tag: 'V1' }],
      ["spec.traffic[0].tag: invalid value: not a DNS 1035 label: [a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')]"]],
    ['T4 duplicate tag', [{ configurationName: 'c', percent: 100, tag: 'a' }, { configurationName: 'c', tag: 'a' }],
      ['spec.traffic[1].tag: Multiple definitions for "a"', 'spec.traffic[0].tag: Multiple definitions for "a"']],
    ['T5 both', [{ configurationName: 'c', revisionName: 'r', percent: 100 }], ['spec.traffic[0]: expected exactly one, got both']],
    ['T5 neither', [{ percent: 100 }], ['spec.traffic[0]: expected exactly one, got neither']],
    ['T7 bad revisionName', [{ revisionName: 'bad name', percent: 100 }], ['spec.traffic[0].revisionName: invalid key name "bad name"']],
    ['T7 prefixed qualified name ok', [{ revisionName: 'example.com/rev', percent: 100 }], []],
    ['T7 too many slashes', [{ revisionName: 'a/b/c', percent: 100 }], ['spec.traffic[0].revisionName: invalid key name "a/b/c"']],
    ['T7 bad prefix', [{ revisionName: 'Bad_Prefix/rev', percent: 100 }], ['spec.traffic[0].revisionName: invalid key name "Bad_Prefix/rev"']],
    ['T7 bad configurationName', [{ configurationName: '-x', percent: 100 }], ['spec.traffic[0].configurationName: invalid key name "-x"']],
    ['T8 latestRevision true with revisionName', [{ revisionName: 'r', latestRevision: true, percent: 100 }],
      ['spec.traffic[0].latestRevision: may not set revisionName "r" when latestRevision is true']],
    ['T8 latestRevision false without revisionName', [{ configurationName: 'c', latestRevision: false, percent: 100 }],
      ['spec.traffic[0].latestRevision: may not set revisionName "" when latestRevision is false']],
    ['T9 url', [{ configurationName: 'c', percent: 100, url: 'http://x' }], ['spec.traffic[0].url: must not set the field(s)']],
    ['T9 url "" (decodes to the empty URL, which Knative lets through)', [{ configurationName: 'c', percent: 100, url: '' }], []],
    ['unknown target field', [{ configurationName: 'c', percent: 100, weight: 1 }], ['spec.traffic[0].weight: must not set the field(s)']],
    ['traffic not a list', { a: 1 }, ['spec.traffic: invalid value: {"a":1}']],
    ['target not an object', ['x'], ['spec.traffic[0]: invalid value: "x"']],
  ])('%s', (_n, traffic, want) => {
    expect(routeErrs(traffic)).toEqual(want);
  });

  test('unknown spec field on Route', () => {
    expect(errors(route((r) => { r.spec.template = {}; }))).toEqual(['spec.template: must not set the field(s)']);
  });
});

describe('§3.2 Service traffic (S4, S5)', () => {
  test.each<[string, unknown, string[]]>([
    ['S5 revisionName optional', [{ percent: 100 }], []],
    ['pinned + latest', [{ revisionName: 'hello-1', percent: 50 }, { percent: 50, tag: 'latest' }], []],
    ['S4 configurationName forbidden', [{ configurationName: 'hello', percent: 100 }], ['spec.traffic[0].configurationName: must not set the field(s)']],
    ['T1 on Service', [{ percent: 90 }], ['spec.traffic: Traffic targets sum to 90, want 100']],
  ])('%s', (_n, traffic, want) => {
    expect(svcErrs(traffic)).toEqual(want);
  });
});

test('validateTraffic entry point reports value and fix', () => {
  expect(validateTraffic([{ configurationName: 'c', percent: 120 }], { path: 'traffic' })).toEqual([
    { path: 'traffic[0].percent', message: 'expected 0 <= 120 <= 100', value: 120, fix: 'Use a value between 0 and 100.' },
    { path: 'traffic', message: 'Traffic targets sum to 120, want 100', value: [120], fix: 'Make the traffic percents add up to exactly 100.' },
  ]);
});

test('a wrong sum shows the percents as written, none for absent traffic or unset percents', () => {
  const sumError = (traffic: unknown) => validateTraffic(traffic).find((v) => v.path === 'spec.traffic');
  expect(sumError([{ configurationName: 'c', percent: 50 }, { revisionName: 'r', percent: 40 }, { revisionName: 's' }]))
    .toMatchObject({ message: 'Traffic targets sum to 90, want 100', value: [50, 40] });
  expect(sumError(undefined)).not.toHaveProperty('value');
  expect(formatViolation(sumError(undefined)!)).toBe('spec.traffic: Traffic targets sum to 0, want 100. Fix: Make the traffic percents add up to exactly 100.');
});

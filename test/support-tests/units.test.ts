/** Pure pieces of the emulator: patches, selectors, resource lookup. */
import { ApiError } from '../support/errors';
import { deepEqual, jsonPatch, mergePatch } from '../support/patch';
import { resolveType } from '../support/resources';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../support/selectors';

describe('JSON patch (RFC 6902)', () => {
  const doc = { 'a': { b: 1, list: [1, 2, 3] }, 'x/y': { '~t': true } };

  test.each([
    [[{ op: 'add', path: '/a/c', value: 2 }], { 'a': { b: 1, c: 2, list: [1, 2, 3] }, 'x/y': { '~t': true } }],
    [[{ op: 'add', path: '/a/list/-', value: 4 }], { 'a': { b: 1, list: [1, 2, 3, 4] }, 'x/y': { '~t': true } }],
    [[{ op: 'add', path: '/a/list/0', value: 0 }], { 'a': { b: 1, list: [0, 1, 2, 3] }, 'x/y': { '~t': true } }],
    [[{ op: 'replace', path: '/a/b', value: 5 }], { 'a': { b: 5, list: [1, 2, 3] }, 'x/y': { '~t': true } }],
    [[{ op: 'remove', path: '/a/list/1' }], { 'a': { b: 1, list: [1, 3] }, 'x/y': { '~t': true } }],
    [[{ op: 'remove', path: '/x~1y/~0t' }], { 'a': { b: 1, list: [1, 2, 3] }, 'x/y': {} }],
    [[{ op: 'move', from: '/a/b', path: '/b' }], { 'a': { list: [1, 2, 3] }, 'b': 1, 'x/y': { '~t': true } }],
    [[{ op: 'copy', from: '/a/b', path: '/a/d' }], { 'a': { b: 1, d: 1, list: [1, 2, 3] }, 'x/y': { '~t': true } }],
    [[{ op: 'test', path: '/a/b', value: 1 }, { op: 'replace', path: '', value: { z: 1 } }], { z: 1 }],
  ])('%j', (ops, want) => {
    expect(jsonPatch(doc, ops)).toEqual(want);
  });

  test.each([
    [[{ op: 'test', path: '/a/b', value: 2 }], 422],
    [[{ op: 'replace', path: '/a/nope', value: 2 }], 422],
    [[{ op: 'remove', path: '/a/list/9' }], 422],
    [[{ op: 'add', path: '/missing/x', value: 1 }], 422],
    [[{ op: 'frobnicate', path: '/a' }], 400],
    [{ not: 'a list' }, 400],
    [[{ op: 'add', path: 'no-slash', value: 1 }], 400],
  ])('%j fails with %i', (ops, code) => {
    expect(() => jsonPatch(doc, ops)).toThrow(ApiError);
    try {
      jsonPatch(doc, ops);
    } catch (e) {
      expect((e as ApiError).code).toBe(code);
    }
  });

  test('does not mutate its input', () => {
    const copy = structuredClone(doc);
    jsonPatch(doc, [{ op: 'remove', path: '/a' }]);
    expect(doc).toEqual(copy);
  });
});

test('merge patch (RFC 7386)', () => {
  expect(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1] }, { a: null, b: { c: null, e: 4 }, l: [2] })).toEqual({ b: { d: 3, e: 4 }, l: [2] });
  expect(mergePatch({ a: 1 }, [1])).toEqual([1]);
});

test('deepEqual ignores undefined members', () => {
  expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
  expect(deepEqual([1, { x: 2 }], [1, { x: 2 }])).toBe(true);
  expect(deepEqual([1], { 0: 1 })).toBe(false);
});

describe('selectors', () => {
  test('label selector syntax errors are 400', () => {
    for (const bad of ['a in b', 'a/b/c=1']) {
      expect(() => parseLabelSelector(bad)).toThrow(ApiError);
      try {
        parseLabelSelector(bad);
      } catch (e) {
        expect([bad, (e as ApiError).code]).toEqual([bad, 400]);
      }
    }
  });
  test('label and field selectors match and reject', () => {
    expect(matchesLabels({ a: '1' }, parseLabelSelector('a,b!=2,c notin (x)'))).toBe(true);
    expect(matchesLabels({ a: '1', b: '2' }, parseLabelSelector('a,b!=2'))).toBe(false);
    expect(matchesLabels({ c: 'x' }, parseLabelSelector('c notin (x)'))).toBe(false);
    expect(matchesLabels(undefined, parseLabelSelector('!a'))).toBe(true);
    expect(matchesLabels({ a: '1' }, parseLabelSelector('!a'))).toBe(false);
    expect(matchesFields({ metadata: { name: 'n', namespace: 'ns' } }, parseFieldSelector('metadata.name==n,metadata.namespace=ns'))).toBe(true);
    expect(matchesFields({ metadata: { name: 'n', namespace: 'ns' } }, parseFieldSelector('metadata.name=other'))).toBe(false);
  });
});

test('resolveType resolves plural, short, group-qualified, path and kind names; unknown → undefined', () => {
  expect(resolveType('services')!.group).toBe('');
  expect(resolveType('ksvc')!.group).toBe('serving.knative.dev');
  expect(resolveType('services.serving.knative.dev')!.kind).toBe('Service');
  expect(resolveType('serving.knative.dev/v1/services')!.group).toBe('serving.knative.dev');
  expect(resolveType('deployments.apps')!.kind).toBe('Deployment');
  expect(resolveType('Revision')!.plural).toBe('revisions');
  expect(resolveType('dm')!.version).toBe('v1beta1');
  expect(resolveType('widgets')).toBeUndefined();
});

import * as fc from 'fast-check';
import {
  byoRevisionName, canonicalJson, childName, contentHash, contentRevisionName, deploymentName,
  isDns1035Label, isDns1123Label, isDns1123Subdomain, isQualifiedName, revisionNameForGeneration, revisionServiceName,
} from '../../src/core/names';

describe('DNS predicates', () => {
  test('DNS-1035 label', () => {
    expect(isDns1035Label('hello')).toBe(true);
    expect(isDns1035Label('a')).toBe(true);
    expect(isDns1035Label('a'.repeat(63))).toBe(true);
    expect(isDns1035Label('a'.repeat(64))).toBe(false);
    expect(isDns1035Label('1abc')).toBe(false);
    expect(isDns1035Label('abc-')).toBe(false);
    expect(isDns1035Label('Abc')).toBe(false);
    expect(isDns1035Label('')).toBe(false);
  });
  test('DNS-1123 label and subdomain', () => {
    expect(isDns1123Label('1abc')).toBe(true);
    expect(isDns1123Label('a.b')).toBe(false);
    expect(isDns1123Subdomain('a.b-c.example.com')).toBe(true);
    expect(isDns1123Subdomain('a..b')).toBe(false);
    expect(isDns1123Subdomain('a'.repeat(254))).toBe(false);
    expect(isDns1123Subdomain('a'.repeat(253))).toBe(true);
  });
  test('qualified names', () => {
    expect(isQualifiedName('hello-00001')).toBe(true);
    expect(isQualifiedName('example.com/Name_1')).toBe(true);
    expect(isQualifiedName('-bad')).toBe(false);
    expect(isQualifiedName('a/b/c')).toBe(false);
    expect(isQualifiedName('x'.repeat(64))).toBe(false);
  });
});

describe('childName (kmeta.ChildName)', () => {
  test('short names are concatenated', () => {
    expect(childName('asdf', '-deployment')).toBe('asdf-deployment');
    expect(childName('f'.repeat(52), '-deployment')).toBe('f'.repeat(52) + '-deployment');
  });
  test('long parent is hashed (Knative test vector)', () => {
    expect(childName('f'.repeat(63), '-deployment')).toBe('ffffffffffffffffffff105d7597f637e83cc711605ac3ea4957-deployment');
    expect(childName('f'.repeat(63), '-deploy')).toBe('ffffffffffffffffffffffff105d7597f637e83cc711605ac3ea4957-deploy');
  });
  test('58-char config name gives <first 25 chars><32 hex>-00001', () => {
    const name = 'my-very-long-service-name-that-goes-on-and-on-for-58-chars';
    expect(name).toHaveLength(58);
    const got = revisionNameForGeneration(name, 1);
    expect(got).toBe('my-very-long-service-name8633ff615afbdffe6cd7008a27a3915f-00001');
    expect(got).toHaveLength(63);
    expect(got.slice(0, 25)).toBe(name.slice(0, 25));
    expect(isDns1035Label(got)).toBe(true);
  });
  test('57-char name still fits', () => {
    const name = 'a'.repeat(57);
    expect(revisionNameForGeneration(name, 1)).toBe(name + '-00001');
  });
  test('suffix of 31+ chars hashes parent+suffix and pads with the suffix', () => {
    const suffix = '-' + 's'.repeat(40);
    const got = childName('x'.repeat(25), suffix);
    // 25 + 32 = 57, padded with the first 6 chars of the suffix
    expect(got).toBe('x'.repeat(25) + 'c0066aec7adb00e487e2873958a1d4bf' + '-sssss');
    expect(got).toHaveLength(63);
    // 30 + 32 = 62, padded with '-' which is then trimmed
    expect(childName('x'.repeat(30), suffix)).toBe('x'.repeat(30) + '953f8b2fa74a7ebadf82827e38197e2e');
  });
  test('trailing dashes are trimmed', () => {
    const got = childName('p'.repeat(40), '-'.repeat(40));
    expect(got.endsWith('-')).toBe(false);
    expect(got.startsWith('p'.repeat(31))).toBe(true);
  });
});

describe('derived names', () => {
  test('revision name per generation', () => {
    expect(revisionNameForGeneration('hello', 1)).toBe('hello-00001');
    expect(revisionNameForGeneration('hello', 42)).toBe('hello-00042');
    expect(revisionNameForGeneration('hello', 100000)).toBe('hello-100000');
  });
  test('deployment and service names', () => {
    expect(deploymentName('hello-00001')).toBe('hello-00001-deployment');
    expect(deploymentName('f'.repeat(63))).toBe('ffffffffffffffffffff105d7597f637e83cc711605ac3ea4957-deployment');
    expect(revisionServiceName('hello-00001')).toBe('hello-00001');
  });
  test('content revision names are stable and key-order independent', () => {
    const a = { spec: { containers: [{ image: 'x', name: 'user-container' }] }, metadata: { labels: { a: '1' } } };
    const b = { metadata: { labels: { a: '1' } }, spec: { containers: [{ name: 'user-container', image: 'x' }] } };
    expect(canonicalJson(a)).toBe('{"metadata":{"labels":{"a":"1"}},"spec":{"containers":[{"image":"x","name":"user-container"}]}}');
    expect(contentRevisionName('hello', a)).toBe(contentRevisionName('hello', b));
    expect(contentRevisionName('hello', a)).toMatch(/^hello-[0-9a-f]{8}$/);
    expect(contentRevisionName('hello', a)).toBe(`hello-${contentHash(b)}`);
    expect(contentRevisionName('hello', { ...a, spec: { containers: [{ image: 'y' }] } })).not.toBe(contentRevisionName('hello', a));
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
  test('content revision name for a long parent stays a valid label', () => {
    const parent = 'p'.repeat(60);
    const got = contentRevisionName(parent, { x: 1 });
    expect(got).toHaveLength(63);
    expect(isDns1035Label(got)).toBe(true);
    expect(got.endsWith('-' + contentHash({ x: 1 }))).toBe(true);
  });
  test('BYO revision names', () => {
    expect(byoRevisionName('hello', 'v1')).toBe('hello-v1');
    expect(byoRevisionName('hello', 'hello-v1')).toBe('hello-v1');
    expect(byoRevisionName('hello', '-v2')).toBe('hello-v2');
    expect(byoRevisionName('hello', 'hello')).toBe('hello-hello');
  });
});

describe('properties', () => {
  const dns1035 = fc.stringMatching(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);

  test('revision names are always valid DNS-1035 labels ≤ 63 and deterministic', () => {
    fc.assert(fc.property(dns1035, fc.integer({ min: 1, max: 9_999_999 }), (parent, gen) => {
      const n = revisionNameForGeneration(parent, gen);
      return n.length <= 63 && isDns1035Label(n) && n === revisionNameForGeneration(parent, gen) &&
        (parent.length + 1 + Math.max(5, String(gen).length) <= 63 ? n === `${parent}-${String(gen).padStart(5, '0')}` : n.length === 63);
    }));
  });

  test('content revision names are valid labels and ignore key order', () => {
    fc.assert(fc.property(dns1035, fc.dictionary(fc.string(), fc.jsonValue()), (parent, obj) => {
      const reversed = Object.fromEntries(Object.entries(obj).reverse());
      const n = contentRevisionName(parent, obj);
      return n === contentRevisionName(parent, reversed) && n.length <= 63 && isDns1035Label(n);
    }));
  });
});

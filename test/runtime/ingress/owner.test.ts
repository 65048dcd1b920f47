/**
 * The owner replica of a revision (owner.ts): rendezvous hashing of `<ns>/<rev>` over the ready
 * ingress replicas' addresses.
 */
import { normalizePeerAddress, ownerOf, peerWeight } from '../../../src/runtime/ingress/owner';

const keys = Array.from({ length: 3000 }, (_, i) => `ns-${i % 7}/rev-${i}-00001`);
const peers3 = ['10.0.0.11', '10.0.0.12', '10.0.0.13'];

/** The owner's address (this replica's own when `ownerOf` says undefined). */
const owner = (key: string, peers: readonly string[], self = 'none'): string => ownerOf(key, peers, self) ?? self;

describe('ownerOf', () => {
  test('no peers, or the peers are only self: self owns every revision', () => {
    expect(ownerOf('default/a-00001', [], '10.0.0.11')).toBeUndefined();
    expect(ownerOf('default/a-00001', [], undefined)).toBeUndefined();
    expect(ownerOf('default/a-00001', ['10.0.0.11'], '10.0.0.11')).toBeUndefined();
  });

  test('one other peer (self not ready yet): that peer owns every revision', () => {
    for (const k of keys.slice(0, 100)) expect(ownerOf(k, ['10.0.0.12'], '10.0.0.11')).toBe('10.0.0.12');
  });

  test('deterministic and independent of the peer list order; every replica agrees', () => {
    for (const k of keys) {
      const o = owner(k, peers3);
      expect(owner(k, [...peers3].reverse())).toBe(o);
      expect(owner(k, [peers3[1], peers3[2], peers3[0]])).toBe(o);
      // each replica either owns it itself or names the same other owner
      for (const self of peers3) expect(owner(k, peers3, self)).toBe(o);
    }
    expect(peerWeight('default/a', '10.0.0.1')).toBe(peerWeight('default/a', '10.0.0.1'));
    expect(peerWeight('default/a', '10.0.0.1')).not.toBe(peerWeight('default/a', '10.0.0.2'));
  });

  test('distribution: each of 3 peers owns about a third of 3,000 revisions', () => {
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(owner(k, peers3), (counts.get(owner(k, peers3)) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(peers3);
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(120); // within 12 %
  });

  test('a peer added: only the keys it wins move (about 1/4 with 4 peers), all to it; removed again: they move back', () => {
    const peers4 = [...peers3, '10.0.0.14'];
    let moved = 0;
    for (const k of keys) {
      const before = owner(k, peers3);
      const after = owner(k, peers4);
      if (before !== after) {
        moved++;
        expect(after).toBe('10.0.0.14');
      }
      expect(owner(k, peers4.filter((p) => p !== '10.0.0.14'))).toBe(before);
    }
    expect(moved / keys.length).toBeGreaterThan(0.2);
    expect(moved / keys.length).toBeLessThan(0.3);
  });

  test('a peer removed: only its keys move, spread over the others', () => {
    const gone = peers3[0];
    const rest = peers3.slice(1);
    const to = new Map<string, number>();
    for (const k of keys) {
      const before = owner(k, peers3);
      const after = owner(k, rest);
      if (before !== gone) expect(after).toBe(before);
      else to.set(after, (to.get(after) ?? 0) + 1);
    }
    expect([...to.keys()].sort()).toEqual(rest);
  });
});

test('normalizePeerAddress: IPv4-mapped IPv6 as IPv4; others unchanged', () => {
  expect(normalizePeerAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
  expect(normalizePeerAddress('10.1.2.3')).toBe('10.1.2.3');
  expect(normalizePeerAddress('fd00::1')).toBe('fd00::1');
});

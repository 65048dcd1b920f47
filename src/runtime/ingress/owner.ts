/**
 * Which ingress replica owns a revision (pure). A revision with `containerConcurrency` > 0 has
 * one owner replica among the ready ingress replicas: the only one that sends its requests to
 * its pods, so the per-pod limit holds however many replicas there are (the others forward to the
 * owner's peer port, proxy.ts).
 *
 * Rendezvous (highest random weight) hashing of the revision key `<namespace>/<revision>` over
 * the peer addresses: each peer's weight is a hash of (key, peer), the highest weight wins (ties:
 * the smaller address). Adding or removing a peer moves only the keys it wins or won (about 1/N
 * of them), and every replica with the same peer list picks the same owner.
 */
import { createHash } from 'node:crypto';

/** The weight of `peer` for `key`: the first 32 bits of SHA-1(`<key>\n<peer>`) (stable across replicas and versions). */
export function peerWeight(key: string, peer: string): number {
  return createHash('sha1').update(`${key}\n${peer}`).digest().readUInt32BE(0);
}

/**
 * The owner of `key` among `peers` (the ready ingress replicas' addresses, any order), or
 * `undefined` when it is this replica (`self`): no peer known, the peers are only `self`, or the
 * hash picks `self`. A replica not in `peers` (not ready yet) still gets the owner among them.
 */
export function ownerOf(key: string, peers: readonly string[], self: string | undefined): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const p of peers) {
    const w = peerWeight(key, p);
    if (w > bestWeight || (w === bestWeight && best !== undefined && p < best)) {
      best = p;
      bestWeight = w;
    }
  }
  return best === undefined || best === self ? undefined : best;
}

/** An address as a peer set holds it: an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as plain IPv4. */
export function normalizePeerAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

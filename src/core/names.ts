/**
 * Naming rules (reference §0, §2.5, §4.4, §6.13): DNS name predicates and Knative's derived names.
 */
import { createHash } from 'node:crypto';

/** DNS-1035 label (without the ≤ 63 length check; use `isDns1035Label`). */
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 label (without the ≤ 63 length check; use `isDns1123Label`). */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain (without the ≤ 253 length check; use `isDns1123Subdomain`). */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Name part of a Kubernetes qualified name (without the ≤ 63 length check). */
export const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export const MAX_LABEL_LENGTH = 63;
export const MAX_SUBDOMAIN_LENGTH = 253;

export function isDns1035Label(s: string): boolean {
  return typeof s === 'string' && s.length >= 1 && s.length <= MAX_LABEL_LENGTH && DNS1035_LABEL.test(s);
}

export function isDns1123Label(s: string): boolean {
  return typeof s === 'string' && s.length >= 1 && s.length <= MAX_LABEL_LENGTH && DNS1123_LABEL.test(s);
}

/** Kubernetes IsDNS1123Subdomain: ≤ 253 chars, dot-separated DNS-1123 labels. */
export function isDns1123Subdomain(s: string): boolean {
  return typeof s === 'string' && s.length >= 1 && s.length <= MAX_SUBDOMAIN_LENGTH && DNS1123_SUBDOMAIN.test(s);
}

/** Kubernetes IsQualifiedName: optional `<dns-1123-subdomain>/` prefix + name part ≤ 63. */
export function isQualifiedName(s: string): boolean {
  if (typeof s !== 'string' || s === '') return false;
  const parts = s.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (parts.length === 2 && !isDns1123Subdomain(parts[0])) return false;
  return name.length >= 1 && name.length <= MAX_LABEL_LENGTH && QUALIFIED_NAME_PART.test(name);
}

const LONGEST = 63;
const MD5_LEN = 32;
const HEAD = LONGEST - MD5_LEN; // 31

function md5hex(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

/**
 * knative.dev/pkg kmeta.ChildName: `parent + suffix`, hashed with md5 so the result stays ≤ 63.
 * - fits → `parent + suffix`
 * - `len(suffix) < 31` → `parent[:31-len(suffix)] + md5hex(parent) + suffix`
 * - otherwise → `parent[:31] + md5hex(parent + suffix)`, padded with the start of the suffix up
 *   to 63 chars, trailing `-` trimmed.
 */
export function childName(parent: string, suffix: string): string {
  if (parent.length <= LONGEST - suffix.length) return parent + suffix;
  if (HEAD - suffix.length <= 0) {
    const h = md5hex(parent + suffix);
    const p = parent.length > HEAD ? parent.slice(0, HEAD) : parent;
    let ret = p + h;
    const d = LONGEST - ret.length;
    if (d > 0) ret += suffix.slice(0, d);
    return ret.replace(/-+$/, '');
  }
  return parent.slice(0, HEAD - suffix.length) + md5hex(parent) + suffix;
}

/** Go `%05d`. */
function pad5(n: number): string {
  const neg = n < 0;
  const s = String(Math.abs(Math.trunc(n)));
  return (neg ? '-' : '') + s.padStart(neg ? 4 : 5, '0');
}

/** Auto revision name: `ChildName(config, "-%05d")` → `<config>-00001`. */
export function revisionNameForGeneration(config: string, generation: number): string {
  return childName(config, '-' + pad5(generation));
}

/** Deployment created for a Revision: `ChildName(rev, "-deployment")`. */
export function deploymentName(revision: string): string {
  return childName(revision, '-deployment');
}

/** ClusterIP Service our runtime creates for a Revision: the revision name itself. */
export function revisionServiceName(revision: string): string {
  return revision;
}

/** Canonical JSON: object keys sorted, `undefined` members dropped (as JSON.stringify). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(x => (x === undefined || typeof x === 'function' ? null : sortKeys(x)));
  if (v !== null && typeof v === 'object') {
    const src = (typeof (v as any).toJSON === 'function') ? (v as any).toJSON() : v;
    if (src === null || typeof src !== 'object' || Array.isArray(src)) return sortKeys(src);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(src as object).sort()) {
      const x = (src as any)[k];
      if (x === undefined || typeof x === 'function') continue;
      out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/** First 8 hex chars of sha256(canonical JSON of `value`). */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex').slice(0, 8);
}

/**
 * Deterministic, content-addressed revision name: `<parent>-<8 hex of sha256(canonical JSON)>`.
 * Same template (regardless of key order) → same name; any change → new name. If
 * `<parent>-<hash>` would exceed 63 chars, `childName(parent, '-' + hash)` keeps it a valid
 * DNS-1035 label ≤ 63 (note: the webhook's `<parent>-` prefix rule cannot be met for parents
 * longer than 53 chars anyway).
 */
export function contentRevisionName(parent: string, template: unknown): string {
  return childName(parent, '-' + contentHash(template));
}

/** BYO revision name: `<parent>-<suffix>` unless `suffix` already starts with `<parent>-`. */
export function byoRevisionName(parent: string, suffix: string): string {
  if (suffix.startsWith(parent + '-') && suffix.length > parent.length + 1) return suffix;
  return `${parent}-${suffix.replace(/^-+/, '')}`;
}

/**
 * General helpers of the controller's reconcile loop (not child-object makers, which live in
 * resources/): semantic equality of API objects as the API server stores them, the "fields we
 * own are unchanged" test used to diff children, and cloning.
 */
export { clone } from '../../core/rules/util';

/**
 * Deep equality of JSON values where `null`, `undefined` and a missing member are the same
 * thing (the API server omits empty fields; a JSON round trip turns `undefined` into a missing
 * member). Key order is ignored; arrays compare element by element.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    return (a === undefined || a === null) && (b === undefined || b === null);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

/**
 * Semantic "desired ⊆ existing": every field we set has the same value in the existing object;
 * fields the API server defaulted (and we never set) are ignored. Arrays must have equal length.
 */
export function isSubset(desired: unknown, existing: unknown): boolean {
  if (desired === undefined || desired === null) return true;
  if (typeof desired !== 'object') {
    // An empty string is stored as no value by the API server's `omitempty` string fields (e.g. a
    // bare Configuration's revision has `K_SERVICE: ""`, which comes back without `value`).
    if (desired === '' && existing === undefined) return true;
    if (typeof desired === typeof existing) return desired === existing;
    // int-or-string values ("8080" vs 8080) compare loosely
    return String(desired) === String(existing);
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(existing) || existing.length !== desired.length) {
      return desired.length === 0 && (existing === undefined || existing === null || (Array.isArray(existing) && existing.length === 0));
    }
    return desired.every((d, i) => isSubset(d, existing[i]));
  }
  if (typeof existing !== 'object' || existing === null || Array.isArray(existing)) {
    return Object.keys(desired as object).length === 0 && (existing === undefined || existing === null);
  }
  for (const [k, v] of Object.entries(desired as Record<string, unknown>)) {
    if (!isSubset(v, (existing as Record<string, unknown>)[k])) return false;
  }
  return true;
}

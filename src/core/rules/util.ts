/**
 * Shape helpers shared by the rule groups: JSON type guards, Knative's "is set" test,
 * table-driven field allow-lists and typed field readers that report wrong types.
 */
import { goFieldIsSet } from '../go-json';
import { at, Sink } from './violation';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/**
 * "Set" without a Go type: zero scalars and null/undefined are unset; any object or list is set.
 * Where the Go type is known, `goFieldIsSet` (src/core/go-json) is the test Knative makes.
 */
export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
}

/**
 * Gate predicates of `checkFields`: undefined = allowed right now, else the fix text. `R` is the
 * admission request (`Req` of ./context, which imports this module); `value` is the field's value
 * (a few fields are allowed with one value only, e.g. `automountServiceAccountToken: false`).
 */
export type Gates<R> = Readonly<Record<string, (req: R, value: unknown) => string | undefined>>;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Report every set key of `obj` that is not in `allowed` (`must not set the field(s)`), as
 * Knative's field masks do. `goType` names the Go struct `obj` decodes into (src/core/go-json);
 * "set" then follows Go: a pointer, list or map field is set whenever present and not null
 * (`terminationGracePeriodSeconds: 0`, `shareProcessNamespace: false`, `affinity: {}`), a plain
 * value unless it is its zero value (`hostNetwork: false`), and a key the Go type does not have
 * whenever present (deliberately stricter than Knative, whose webhooks drop unknown keys while
 * decoding; the API server's structural schema prunes them anyway). Without `goType`, zero scalars and null count as unset (`isSet`).
 * `gated` maps further keys to a predicate telling whether they are allowed right now
 * (called with `req` and the value). Allow-lists and gate tables are module constants at every
 * call site.
 */
export function checkFields<R>(
  sink: Sink,
  obj: Obj,
  path: string,
  goType: string | undefined,
  allowed: readonly string[],
  gated?: Gates<R>,
  req?: R,
): void {
  // (for-in over own keys: Object.keys' order, without allocating the list)
  for (const k in obj) {
    if (!hasOwn.call(obj, k)) continue;
    const v = obj[k];
    if (allowed.includes(k) || !(goType === undefined ? isSet(v) : goFieldIsSet(goType, k, v))) continue;
    if (gated !== undefined && hasOwn.call(gated, k)) {
      const blocked = gated[k](req!, v);
      if (blocked !== undefined) sink.disallowed(at(path, k), v, blocked);
      continue;
    }
    sink.disallowed(at(path, k), v);
  }
}

type Kind = 'string' | 'integer' | 'boolean' | 'object' | 'array' | 'number';

function typeOk(v: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'string': return typeof v === 'string';
    case 'integer': return isInt(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'boolean': return typeof v === 'boolean';
    case 'object': return isObj(v);
    case 'array': return Array.isArray(v);
  }
}

/** Report a wrongly typed value. */
export function wrongType(sink: Sink, path: string, v: unknown, kind: Kind): void {
  sink.error(path, `invalid value: ${JSON.stringify(v) ?? String(v)}`, v, `Use ${kind === 'integer' || kind === 'array' || kind === 'object' ? 'an' : 'a'} ${kind} here.`);
}

/**
 * Read `obj[key]`; absent/null → undefined; wrong type → violation and undefined.
 */
export function get<T>(sink: Sink, obj: Obj, key: string, path: string, kind: Kind): T | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!typeOk(v, kind)) {
    wrongType(sink, at(path, key), v, kind);
    return undefined;
  }
  return v as T;
}

export const getStr = (s: Sink, o: Obj, k: string, p: string) => get<string>(s, o, k, p, 'string');
export const getInt = (s: Sink, o: Obj, k: string, p: string) => get<number>(s, o, k, p, 'integer');
export const getBool = (s: Sink, o: Obj, k: string, p: string) => get<boolean>(s, o, k, p, 'boolean');
export const getObj = (s: Sink, o: Obj, k: string, p: string) => get<Obj>(s, o, k, p, 'object');
export const getArr = (s: Sink, o: Obj, k: string, p: string) => get<unknown[]>(s, o, k, p, 'array');

/** Validate that every entry of a string map is a string. Returns the map (or undefined). */
export function getStringMap(sink: Sink, obj: Obj, key: string, path: string): Record<string, string> | undefined {
  const m = getObj(sink, obj, key, path);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  const keys = Object.keys(m);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = m[k];
    if (typeof v === 'string') out[k] = v;
    else wrongType(sink, at(at(path, key), k), v, 'string');
  }
  return out;
}

/** Items of an array field that are objects; non-objects are reported. */
export function objItems(sink: Sink, arr: unknown[] | undefined, path: string): Array<[Obj, number, string]> {
  const out: Array<[Obj, number, string]> = [];
  if (arr === undefined) return out;
  for (let i = 0; i < arr.length; i++) {
    if (!(i in arr)) continue; // holes are skipped, as forEach does
    const item = arr[i];
    const p = `${path}[${i}]`;
    if (isObj(item)) out.push([item, i, p]);
    else wrongType(sink, p, item, 'object');
  }
  return out;
}

/** Deep semantic equality of JSON values (key order ignored, undefined members ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Paths (dotted) at which two JSON values differ; used for "(-old +new)" details. */
export function diffPaths(a: unknown, b: unknown, path = ''): string[] {
  if (deepEqual(a, b)) return [];
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffPaths(a[k], b[k], at(path, k)));
  }
  return [path || '.'];
}

/** Structured clone for JSON data. */
export function clone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

/**
 * JSON Patch (RFC 6902) generation: the operations that turn one JSON document into another, as
 * an admission webhook returns them (`patchType: JSONPatch`). PURE module (not exported from
 * src/index.ts).
 *
 * The diff walks both documents: a key only in the source is removed, a key only in the target
 * is added, a key in both is compared recursively. Arrays of the same length are compared element
 * by element (a defaulted container list patches only the fields it gains); arrays whose length
 * changed, and values whose JSON type changed, are replaced whole. `undefined` members count as
 * absent (JSON has no undefined). Paths are JSON Pointers (RFC 6901: `~` → `~0`, `/` → `~1`).
 */

/** One RFC 6902 operation (only the three a diff needs). */
export interface JsonPatchOperation {
  readonly op: 'add' | 'remove' | 'replace';
  /** JSON Pointer of the target location. */
  readonly path: string;
  /** The new value (add, replace). */
  readonly value?: unknown;
}

/** A key as one JSON Pointer reference token (RFC 6901 §3). */
export function jsonPointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const own = (o: Record<string, unknown>, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => own(b, k) !== undefined && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** A JSON copy of a value (drops undefined members, as the patch's JSON encoding would). */
function copy(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

function diff(from: unknown, to: unknown, path: string, out: JsonPatchOperation[]): void {
  if (jsonEqual(from, to)) return;
  if (isPlainObject(from) && isPlainObject(to)) {
    // Own properties only: a key such as `__proto__` is data here, never the prototype.
    for (const k of Object.keys(from)) {
      if (from[k] !== undefined && own(to, k) === undefined) out.push({ op: 'remove', path: `${path}/${jsonPointerToken(k)}` });
    }
    for (const k of Object.keys(to)) {
      if (to[k] === undefined) continue;
      const p = `${path}/${jsonPointerToken(k)}`;
      if (own(from, k) === undefined) out.push({ op: 'add', path: p, value: copy(to[k]) });
      else diff(from[k], to[k], p, out);
    }
    return;
  }
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    for (let i = 0; i < to.length; i++) {
      // null and undefined elements are both JSON null.
      diff(from[i] ?? null, to[i] ?? null, `${path}/${i}`, out);
    }
    return;
  }
  out.push({ op: 'replace', path, value: copy(to) });
}

/**
 * The operations that turn `from` into `to` (empty when they are equal as JSON). Applying them in
 * order to `from` gives a document equal to `to`.
 */
export function jsonPatchDiff(from: unknown, to: unknown): JsonPatchOperation[] {
  const out: JsonPatchOperation[] = [];
  diff(from, to, '', out);
  return out;
}

/**
 * A structural-schema checker for Knative custom resources, as kube-apiserver applies a CRD's
 * schema: types, formats, enums, required fields, and where the schema is open. Test-only: the
 * emulator and the schema tests use it; the library ships only the schemas (src/core/schema.ts).
 */
import { crdFor, JsonSchema, KnativeKind } from '../../src/core/schema';

/** One finding of `schemaViolations`. */
export interface SchemaViolation {
  /** Dotted path with list indices, e.g. `spec.template.spec.containers[0].ports[0].containerPort`. */
  path: string;
  message: string;
}

// ---------------------------------------------------------------------------
// schemaViolations
// ---------------------------------------------------------------------------

/** ObjectMeta fields the API server keeps; anything else under `metadata` is dropped. */
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation',
  'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations',
  'ownerReferences', 'finalizers', 'managedFields',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function checkNode(schema: JsonSchema, value: unknown, path: string, out: SchemaViolation[]): void {
  if (value === null || value === undefined) return; // null is dropped for non-nullable fields
  if (schema['x-kubernetes-int-or-string']) {
    const t = typeOf(value);
    if (t !== 'integer' && t !== 'string') {
      out.push({ path, message: `must be an integer or a string, got ${t}` });
    } else if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) {
      out.push({ path, message: `invalid quantity "${value}"` });
    }
    return;
  }
  const t = typeOf(value);
  switch (schema.type) {
    case 'string':
      if (t !== 'string') out.push({ path, message: `must be a string, got ${t}` });
      return;
    case 'boolean':
      if (t !== 'boolean') out.push({ path, message: `must be a boolean, got ${t}` });
      return;
    case 'number':
      if (t !== 'integer' && t !== 'number') out.push({ path, message: `must be a number, got ${t}` });
      return;
    case 'integer': {
      if (t !== 'integer') {
        out.push({ path, message: `must be an integer, got ${t}${t === 'string' ? ` "${String(value)}"` : ''}` });
        return;
      }
      const n = value as number;
      if (schema.format === 'int32' && (n < -2147483648 || n > 2147483647)) {
        out.push({ path, message: `${n} does not fit in int32` });
      } else if (!Number.isSafeInteger(n)) {
        out.push({ path, message: `${n} is not a safe int64 value` });
      }
      return;
    }
    case 'array': {
      if (t !== 'array') {
        out.push({ path, message: `must be an array, got ${t}` });
        return;
      }
      const list = value as unknown[];
      list.forEach((item, i) => checkNode(schema.items ?? {}, item, `${path}[${i}]`, out));
      const keys = schema['x-kubernetes-list-map-keys'];
      if (schema['x-kubernetes-list-type'] === 'map' && keys) {
        const seen = new Map<string, number>();
        list.forEach((item, i) => {
          if (typeOf(item) !== 'object') return;
          const rec = item as Record<string, unknown>;
          const id = JSON.stringify(keys.map(k => rec[k]));
          const prev = seen.get(id);
          if (prev !== undefined) {
            out.push({ path: `${path}[${i}]`, message: `duplicate entry for key [${keys.join(', ')}] = ${keys.map(k => JSON.stringify(rec[k])).join(', ')} (also at index ${prev})` });
          } else {
            seen.set(id, i);
          }
        });
      }
      return;
    }
    case 'object': {
      if (t !== 'object') {
        out.push({ path, message: `must be an object, got ${t}` });
        return;
      }
      const rec = value as Record<string, unknown>;
      for (const req of schema.required ?? []) {
        if (rec[req] === undefined || rec[req] === null) out.push({ path: join(path, req), message: 'Required value' });
      }
      for (const [k, v] of Object.entries(rec)) {
        const p = join(path, k);
        const child = schema.properties?.[k];
        if (child) {
          checkNode(child, v, p, out);
        } else if (schema.additionalProperties) {
          checkNode(schema.additionalProperties, v, p, out);
        } else if (!schema['x-kubernetes-preserve-unknown-fields']) {
          out.push({ path: p, message: 'field not declared in the schema (the API server prunes it, or rejects it under strict field validation)' });
        }
      }
      return;
    }
    default:
      return; // untyped: only int-or-string nodes are untyped, handled above
  }
}

/**
 * Check a Knative object against its CRD schema. Reports, with dotted paths:
 *  - fields the schema does not declare (the API server would prune them);
 *  - type and integer-format mismatches, duplicate list-map keys, missing required fields;
 *  - unknown top-level or `metadata` fields and a wrong `apiVersion`.
 * Returns `[]` for a conforming object. Never throws on odd input.
 */
export function schemaViolations(kind: KnativeKind, manifest: unknown): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  const crd = crdFor(kind);
  if (typeOf(manifest) !== 'object') return [{ path: '', message: `must be an object, got ${typeOf(manifest)}` }];
  const rec = manifest as Record<string, unknown>;
  if (rec.apiVersion !== undefined && rec.apiVersion !== crd.apiVersion) {
    out.push({ path: 'apiVersion', message: `${kind} is served only as ${crd.apiVersion}, got ${JSON.stringify(rec.apiVersion)}` });
  }
  if (rec.kind !== undefined && rec.kind !== kind) {
    out.push({ path: 'kind', message: `expected "${kind}", got ${JSON.stringify(rec.kind)}` });
  }
  const meta = rec.metadata;
  if (meta !== undefined && meta !== null) {
    if (typeOf(meta) !== 'object') {
      out.push({ path: 'metadata', message: `must be an object, got ${typeOf(meta)}` });
    } else {
      for (const k of Object.keys(meta as object)) {
        if (!OBJECT_META_FIELDS.has(k)) out.push({ path: `metadata.${k}`, message: 'not an ObjectMeta field (the API server drops it)' });
      }
      const m = meta as Record<string, unknown>;
      for (const mapKey of ['labels', 'annotations']) {
        const v = m[mapKey];
        if (v === undefined || v === null) continue;
        if (typeOf(v) !== 'object') {
          out.push({ path: `metadata.${mapKey}`, message: `must be an object, got ${typeOf(v)}` });
          continue;
        }
        for (const [k, val] of Object.entries(v as object)) {
          if (typeof val !== 'string') out.push({ path: `metadata.${mapKey}.${k}`, message: `must be a string, got ${typeOf(val)}` });
        }
      }
    }
  }
  const withoutMeta: Record<string, unknown> = { ...rec };
  delete withoutMeta.metadata;
  checkNode(crd.schema, withoutMeta, '', out);
  return out;
}

/**
 * Paths (dotted, `[]` for list items) of every node carrying `x-kubernetes-preserve-unknown-fields`.
 * Used by tests to pin exactly where the schema is open.
 */
export function preserveUnknownPaths(schema: JsonSchema, path = ''): string[] {
  const out: string[] = [];
  if (schema['x-kubernetes-preserve-unknown-fields']) out.push(path);
  for (const [k, child] of Object.entries(schema.properties ?? {})) out.push(...preserveUnknownPaths(child, join(path, k)));
  if (schema.items) out.push(...preserveUnknownPaths(schema.items, `${path}[]`));
  if (schema.additionalProperties) out.push(...preserveUnknownPaths(schema.additionalProperties, `${path}{}`));
  return out;
}

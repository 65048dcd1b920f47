/**
 * What kube-apiserver does with a custom resource against its CRD's structural schema
 * (src/core/schema.ts, the same schema ServingControlPlane installs): prune fields the schema does
 * not declare (reporting them for `fieldValidation=Warn|Strict`), then reject type/format/required
 * violations with 422.
 */
import type { StatusCause } from './errors';
import { isPlainObject } from './patch';
import { schemaViolations } from './schema-validator';
import { JsonSchema, KnativeKind, schemaFor } from '../../src/core/schema';
import type { KubeObject } from '../../src/core/types';

const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation',
  'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations',
  'ownerReferences', 'finalizers', 'managedFields',
]);

const KINDS = new Set<string>(['Service', 'Configuration', 'Revision', 'Route', 'DomainMapping']);

export function hasCrdSchema(kind: string): kind is KnativeKind {
  return KINDS.has(kind);
}

function pruneNode(schema: JsonSchema, value: unknown, path: string, pruned: string[]): void {
  if (schema['x-kubernetes-preserve-unknown-fields'] && !schema.properties && !schema.items && !schema.additionalProperties) return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => pruneNode(schema.items!, v, `${path}[${i}]`, pruned));
    return;
  }
  if (!isPlainObject(value) || (schema.type !== 'object' && !schema.properties)) return;
  for (const key of Object.keys(value)) {
    const p = path ? `${path}.${key}` : key;
    const child = schema.properties?.[key] ?? schema.additionalProperties;
    if (child) {
      pruneNode(child, value[key], p, pruned);
    } else if (!schema['x-kubernetes-preserve-unknown-fields']) {
      delete value[key];
      pruned.push(p);
    }
  }
}

/** Remove (in place) every field the CRD schema does not declare; returns their paths. */
export function pruneUnknownFields(kind: KnativeKind, obj: KubeObject): string[] {
  const pruned: string[] = [];
  const meta = obj.metadata as Record<string, unknown> | undefined;
  if (isPlainObject(meta)) {
    for (const k of Object.keys(meta)) {
      if (!OBJECT_META_FIELDS.has(k)) {
        delete meta[k];
        pruned.push(`metadata.${k}`);
      }
    }
  }
  const schema = schemaFor(kind);
  const rec = obj as Record<string, unknown>;
  for (const key of Object.keys(rec)) {
    if (key === 'metadata') continue;
    const child = schema.properties?.[key];
    if (child) {pruneNode(child, rec[key], key, pruned);} else {
      delete rec[key];
      pruned.push(key);
    }
  }
  return pruned;
}

/** Type, format and required-field violations of a (pruned) object, as Status causes. */
export function schemaCauses(kind: KnativeKind, obj: KubeObject): StatusCause[] {
  return schemaViolations(kind, obj)
    .filter((v) => !/not declared in the schema|not an ObjectMeta field/.test(v.message))
    .map((v) => ({
      reason: v.message === 'Required value' ? 'FieldValueRequired' : 'FieldValueInvalid',
      field: v.path,
      message: v.message === 'Required value' ? 'Required value' : `Invalid value: ${v.message}`,
    }));
}

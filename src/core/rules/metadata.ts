/**
 * Object metadata rules (reference §2.2) and creator/lastModifier immutability (§2.3).
 */
import { goTypeOf } from '../go-json';
import type { KubeObject } from '../types';
import {
  autoscalingRules, noAutoscalingKeys, ROLLOUT_DURATION_KEYS, secondsDuration,
} from './annotations';
import { Req } from './context';
import { dns1035Errors } from './formats';
import { checkFields, deepEqual, getArr, getStr, getStringMap, isObj, Obj, objItems } from './util';
import { at, Sink } from './violation';

export const CREATOR = 'serving.knative.dev/creator';
export const LAST_MODIFIER = 'serving.knative.dev/lastModifier';
export const SERVICE_LABEL = 'serving.knative.dev/service';
export const CONFIGURATION_LABEL = 'serving.knative.dev/configuration';
export const VISIBILITY_LABEL = 'networking.knative.dev/visibility';

/** Fields of a Kubernetes ObjectMeta. */
export const OBJECT_META_FIELDS = [
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
] as const;

export const TOP_LEVEL_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'] as const;

export type MetaKind = 'Service' | 'Configuration' | 'Route' | 'Revision';

/** Reads an ObjectMeta, reporting wrong types; returns a normalized view. */
export interface MetaView {
  name?: string;
  generateName?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  raw: Obj;
  /** Object.keys(annotations), computed once (annotations is a fresh plain string map). */
  annotationKeys: string[];
}

export function readMeta(sink: Sink, meta: unknown, path: string): MetaView {
  if (meta !== undefined && !isObj(meta)) {
    sink.error(path, `invalid value: ${JSON.stringify(meta)}`, meta, 'Make metadata an object.');
  }
  const raw = isObj(meta) ? meta : {};
  checkFields(sink, raw, path, 'ObjectMeta', OBJECT_META_FIELDS);
  const name = getStr(sink, raw, 'name', path);
  const generateName = getStr(sink, raw, 'generateName', path);
  const labels = getStringMap(sink, raw, 'labels', path) ?? {};
  const annotations = getStringMap(sink, raw, 'annotations', path) ?? {};
  return { name, generateName, labels, annotations, raw, annotationKeys: Object.keys(annotations) };
}

/** DNS-1035 name check (`not a DNS 1035 label: [...]`). */
export function checkDns1035Name(sink: Sink, name: string, path: string): void {
  const errs = dns1035Errors(name);
  if (errs.length) {
    sink.error(path, `not a DNS 1035 label: [${errs.join(' ')}]`, name,
      'Use ≤ 63 lowercase letters, digits and "-", starting with a letter and ending with a letter or digit.');
  }
}

/** generateName must be a DNS-1035 prefix (trailing '-' tolerated). */
export function checkGenerateName(sink: Sink, gen: string, path: string): void {
  const errs = dns1035Errors(gen.endsWith('-') ? gen.slice(0, -1) : gen);
  if (errs.length) {
    sink.error(path, `not a DNS 1035 label prefix: [${errs.join(' ')}]`, gen,
      'Use lowercase letters, digits and "-", starting with a letter (a trailing "-" is fine).');
  }
}

/** Name / generateName rules shared by Service, Configuration, Route, Revision. */
export function checkNames(sink: Sink, m: MetaView, path: string): void {
  if (m.generateName) checkGenerateName(sink, m.generateName, at(path, 'generateName'));
  if (m.name) checkDns1035Name(sink, m.name, at(path, 'name'));
  else if (!m.generateName) sink.error(at(path, 'name'), 'name or generateName is required', undefined, 'Set metadata.name.');
}

function ownerLabel(sink: Sink, m: MetaView, label: string, ownerKind: string, path: string): void {
  const want = m.labels[label];
  if (want === undefined) return;
  const refs = objItems(sink, getArr(sink, m.raw, 'ownerReferences', path), at(path, 'ownerReferences'));
  if (!refs.some(([r]) => r.kind === ownerKind && r.name === want)) {
    sink.missing(at(at(path, 'labels'), label),
      `Remove the ${label} label (it is reserved for objects owned by ${ownerKind} "${want}").`);
  }
}

/**
 * §10.1: the visibility label on Service/Route metadata means something only as `cluster-local`;
 * any other value is public. Knative does not check the value, so neither do we: a warning only
 * (a typo such as `cluster-locall` would otherwise make the service public without a word).
 */
function visibility(sink: Sink, m: MetaView, path: string): void {
  const v = m.labels[VISIBILITY_LABEL];
  if (v !== undefined && v !== 'cluster-local') {
    sink.warn(at(at(path, 'labels'), VISIBILITY_LABEL), `invalid value: ${v}`, v,
      'Knative treats every value but "cluster-local" as public: use "cluster-local", or remove the label for public visibility.');
  }
}

/** §2.2 for one object of the given kind. */
export function validateObjectMeta(sink: Sink, obj: KubeObject, kind: MetaKind, req: Req): MetaView {
  const path = 'metadata';
  const m = readMeta(sink, obj.metadata, path);
  checkNames(sink, m, path);
  const annPath = at(path, 'annotations');
  // A Revision's own annotations get the autoscaling rules only (Revision.Validate runs
  // autoscaling.ValidateAnnotations on its metadata); the other template annotation rules
  // (networking.knative.dev keys, queue-sidecar quantities, progress-deadline) belong to
  // RevisionTemplateSpec.Validate, i.e. to Service/Configuration templates.
  if (kind === 'Revision') autoscalingRules(sink, m.annotations, m.annotationKeys, annPath, req);
  else noAutoscalingKeys(sink, m.annotations, annPath);
  if (kind === 'Configuration' || kind === 'Route') ownerLabel(sink, m, SERVICE_LABEL, 'Service', path);
  if (kind === 'Revision') ownerLabel(sink, m, CONFIGURATION_LABEL, 'Configuration', path);
  if (kind === 'Service' || kind === 'Route') {
    secondsDuration(sink, m.annotations, m.annotationKeys, ROLLOUT_DURATION_KEYS, 'rollout-duration', annPath);
    visibility(sink, m, path);
  }
  return m;
}

/** Reject fields outside apiVersion/kind/metadata/spec/status. */
export function checkTopLevel(sink: Sink, obj: KubeObject): void {
  checkFields(sink, obj as unknown as Obj, '', goTypeOf(obj), TOP_LEVEL_FIELDS);
}

/** §2.3 validation on update: creator immutable; lastModifier unchanged when the spec is unchanged. */
export function checkUserInfo(sink: Sink, obj: KubeObject, req: Req): void {
  const old = req.old;
  if (req.op !== 'update' || !old) return;
  const oldAnn = (isObj(old.metadata?.annotations) ? old.metadata.annotations : {}) as Record<string, unknown>;
  const newAnn = (isObj(obj.metadata?.annotations) ? obj.metadata.annotations : {}) as Record<string, unknown>;
  const path = 'metadata.annotations';
  if (oldAnn[CREATOR] !== newAnn[CREATOR]) {
    sink.error(at(path, CREATOR), 'annotation value is immutable', newAnn[CREATOR],
      `Keep ${CREATOR} exactly as stored (${JSON.stringify(oldAnn[CREATOR] ?? '')}); never write it from a client.`);
  }
  if (deepEqual(old.spec, obj.spec) && oldAnn[LAST_MODIFIER] !== newAnn[LAST_MODIFIER]) {
    sink.error(at(path, LAST_MODIFIER), `invalid value: ${newAnn[LAST_MODIFIER] ?? ''}`, newAnn[LAST_MODIFIER],
      `Keep ${LAST_MODIFIER} as stored; it only changes when the spec changes.`);
  }
}

/** Whether §2.3 applies (Service/DomainMapping always; Configuration/Route only when standalone). */
export function tracksUserInfo(obj: KubeObject): boolean {
  if (obj.kind === 'Service' || obj.kind === 'DomainMapping') return true;
  if (obj.kind === 'Configuration' || obj.kind === 'Route') return obj.metadata?.ownerReferences == null;
  return false;
}

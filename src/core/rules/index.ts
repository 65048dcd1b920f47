/**
 * Knative Serving admission, emulated purely: defaulting (SetDefaults) and validation
 * (reference §2, §3, §5–§8, §10, §12). Not exported from src/index.ts.
 */
import { goJsonRoundTrip } from '../go-json';
import type { KubeObject } from '../types';
import { AdmissionContext, toReq } from './context';
import { applyDefaults } from './defaults';
import { readMeta } from './metadata';
import { validate } from './resources';
import { templateRules } from './template';
import { isObj } from './util';
import { Sink, Violation } from './violation';

export type { Violation } from './violation';
export { formatProblem, formatViolation, safeJson } from './violation';
export type { AdmissionContext } from './context';
export { applyDefaults, applyUserInfo, probeDefaults, storedByKnative } from './defaults';
export {
  validate, validateService, validateConfiguration, validateRevision, validateRoute, validateDomainMapping,
} from './resources';
export { validateTraffic } from './traffic';
export type { TrafficOptions } from './traffic';
export { validateAutoscalingAnnotations } from './annotations';
export { RESERVED_PORTS } from './container';

/**
 * Knative's admission chain on a raw manifest, as the API server runs it: the Go JSON round trip
 * of the defaulting webhook (`goJsonRoundTrip`: a field Go leaves out, such as an empty list or
 * map of an `omitempty` field — `tolerations: []`, `nodeSelector: {}`, `capabilities.add: []` —
 * is gone before anything is checked; fields Go would add at their zero values are not added),
 * then defaults, then validation.
 */
export function admit(obj: KubeObject, ctx?: AdmissionContext): { object: KubeObject; violations: Violation[] } {
  const object = applyDefaults(goJsonRoundTrip(obj, { fillAbsent: false }), ctx);
  return { object, violations: validate(object, ctx) };
}

/**
 * Validate a RevisionTemplateSpec on its own (§5.2), as part of a parent with metadata `parent`
 * (name/generateName drive the BYO-name rule). Paths are rooted at `path` (default `spec.template`).
 */
export function validateRevisionTemplate(
  template: unknown,
  parent: { name?: string; generateName?: string },
  ctx?: AdmissionContext,
  path = 'spec.template',
): Violation[] {
  const sink = new Sink();
  const req = toReq(ctx);
  const meta = readMeta(new Sink(), isObj(parent) ? parent : {}, 'metadata');
  const old = req.op === 'update' && isObj(req.old?.spec) ? req.old.spec.template : undefined;
  templateRules(sink, template, meta, path, req, old);
  return sink.list;
}

/**
 * What Knative's admission webhooks compute for one request, as pure functions shared by the
 * bundled admission webhook (src/runtime/webhook): the defaulted object (`defaultedForAdmission`),
 * the validation verdict (`validateForAdmission`) and the config-map check
 * (`configMapProblem`). Not exported from src/index.ts.
 *
 * Upstream (knative.dev/pkg webhook/resourcesemantics and webhook/configmaps, reference
 * runtime §7, API §2.1–2.3):
 *  - defaulting: the Go JSON round trip of the request object (`roundTripPatch`), `SetDefaults`
 *    with the old object as baseline on update, then creator/lastModifier from the request's
 *    user (`applyUserInfo`); `/status` writes are not defaulted;
 *  - validation: `Validate` of the object as the API server hands it over (already defaulted by
 *    the mutating webhook); errors deny with every message, warnings go back as admission
 *    warnings; on `/status` writes only a Route is validated; DELETE always passes;
 *  - config maps: a ConfigMap the controllers read is parsed with their parser; a parse error
 *    denies the write with the parser's message.
 */
import { ConfigError, parseServingConfig, SERVING_CONFIG_MAP_NAMES, ServingConfig } from './config';
import { goJsonRoundTrip } from './go-json';
import { AdmissionContext, applyDefaults, applyUserInfo, formatViolation, validate } from './rules';
import type { KubeObject } from './types';

/** The kinds Knative's resource webhooks admit, by apiVersion. */
export const ADMITTED_KINDS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'serving.knative.dev/v1': Object.freeze(['Service', 'Configuration', 'Revision', 'Route']),
  'serving.knative.dev/v1beta1': Object.freeze(['DomainMapping']),
});

/** Whether Knative's resource webhooks admit objects of this apiVersion and kind. */
export function isAdmittedKind(apiVersion: string, kind: string): boolean {
  return ADMITTED_KINDS[apiVersion]?.includes(kind) ?? false;
}

/** Kinds validated on `/status` writes (API §2.2: only Route validates its spec then). */
const VALIDATED_ON_STATUS: readonly string[] = ['Route'];

/** One admission request, as the pure functions need it. */
export interface AdmissionInput {
  /** 'create' | 'update' (other operations are not defaulted, and always pass validation). */
  readonly operation: 'create' | 'update';
  /** The object written. */
  readonly object: KubeObject;
  /** The stored object (update). */
  readonly old?: KubeObject;
  /** The request's subresource (`status`), if any. */
  readonly subresource?: string;
  /** The requesting user's name (creator/lastModifier). */
  readonly user?: string;
  /** The cluster's configuration (config-defaults, config-features, config-autoscaler, …). */
  readonly config?: ServingConfig;
}

function contextOf(input: AdmissionInput): AdmissionContext {
  const ctx: AdmissionContext = { operation: input.operation, config: input.config };
  if (input.operation === 'update' && input.old !== undefined) ctx.old = input.old;
  return ctx;
}

/**
 * The object Knative's defaulting webhook makes of `input.object`: Go JSON round trip, then
 * `applyDefaults`, then `applyUserInfo` with the requesting user. A `/status` write is returned
 * unchanged. Never mutates its input.
 */
export function defaultedForAdmission(input: AdmissionInput): KubeObject {
  if (input.subresource === 'status') return input.object;
  const ctx = contextOf(input);
  let object = goJsonRoundTrip(input.object);
  // The round trip writes `status: {}` for an absent status; the API server resets status on
  // create and keeps the stored one on update (status subresource), so it is not patched in.
  if (input.object.status === undefined) delete object.status;
  object = applyDefaults(object, ctx);
  if (input.user) object = applyUserInfo(object, input.user, ctx);
  return object;
}

/** The verdict of Knative's validating webhook: error texts deny the request, warnings do not. */
export interface AdmissionVerdict {
  /** `formatViolation` of each error-severity violation (empty: allowed). */
  readonly errors: string[];
  /** `formatViolation` of each warning-severity violation. */
  readonly warnings: string[];
}

/** Validate `input.object` as Knative's validating webhook does (no defaulting here). */
export function validateForAdmission(input: AdmissionInput): AdmissionVerdict {
  if (input.subresource === 'status' && !VALIDATED_ON_STATUS.includes(input.object.kind)) return { errors: [], warnings: [] };
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const v of validate(input.object, contextOf(input))) {
    (v.severity === 'warning' ? warnings : errors).push(formatViolation(v));
  }
  return { errors, warnings };
}

/**
 * Knative's config validation webhook for one ConfigMap of the system namespace: the parser's
 * message when `name` is a ConfigMap the runtime reads (`SERVING_CONFIG_MAP_NAMES`) and `data`
 * does not parse, else undefined. `_example` keys are ignored, as by the parser.
 */
export function configMapProblem(name: string, data: Record<string, string> | undefined): string | undefined {
  if (!SERVING_CONFIG_MAP_NAMES.includes(name)) return undefined;
  try {
    parseServingConfig({ [name]: { ...(data ?? {}) } });
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    return `${name}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

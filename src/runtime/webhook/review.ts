/**
 * AdmissionReview v1 (admission.k8s.io/v1) handling for the bundled admission webhook: pure
 * functions from a review request and the cluster's configuration to the review response.
 *
 *  - `defaultingReview`: a JSON Patch (RFC 6902, base64, `patchType: JSONPatch`) that turns the
 *    request object into `defaultedForAdmission` (src/core/admission.ts): Go JSON round trip,
 *    `applyDefaults`, creator/lastModifier; no patch when nothing changes;
 *  - `validationReview`: `allowed: false` with `status.message` = `validation failed: ` and the
 *    `formatViolation` text of every error (one per line, as synth time reports them), warnings
 *    as `warnings`;
 *  - `configValidationReview`: a ConfigMap of the system namespace the runtime reads is denied
 *    with its parser's message when it does not parse.
 *
 * Requests for other kinds, operations (DELETE, CONNECT) or namespaces are allowed unchanged, as
 * upstream's webhooks allow what they do not handle.
 */
import { configMapProblem, defaultedForAdmission, isAdmittedKind, validateForAdmission, AdmissionInput } from '../../core/admission';
import type { ServingConfig } from '../../core/config';
import { jsonPatchDiff } from '../../core/json-patch';
import type { KubeObject } from '../../core/types';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export interface GroupVersionKind { group: string; version: string; kind: string }

/** The fields of AdmissionRequest (admission.k8s.io/v1) the webhook reads. */
export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource?: { group: string; version: string; resource: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT' | string;
  userInfo?: { username?: string; uid?: string; groups?: string[] };
  object?: KubeObject | null;
  oldObject?: KubeObject | null;
  dryRun?: boolean;
}

/** AdmissionResponse (admission.k8s.io/v1). */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { status: 'Failure'; code: number; reason: string; message: string };
  patch?: string;
  patchType?: 'JSONPatch';
  warnings?: string[];
}

export interface AdmissionReview {
  apiVersion: string;
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

/** A malformed review body: the server answers 400 with this message. */
export class ReviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReviewError';
  }
}

/** Parse and check an AdmissionReview body (throws ReviewError naming what is wrong). */
export function parseReview(body: string): AdmissionRequest {
  let review: unknown;
  try {
    review = JSON.parse(body);
  } catch (e) {
    throw new ReviewError(`the body is not JSON (${(e as Error).message}); send an admission.k8s.io/v1 AdmissionReview`);
  }
  const r = review as Partial<AdmissionReview> | null;
  if (typeof r !== 'object' || r === null || r.kind !== 'AdmissionReview' || r.apiVersion !== ADMISSION_API_VERSION) {
    throw new ReviewError(`expected an AdmissionReview of apiVersion ${ADMISSION_API_VERSION} (got kind ${JSON.stringify(r?.kind)}, apiVersion ${JSON.stringify(r?.apiVersion)}); register the webhook with admissionReviewVersions: ["v1"]`);
  }
  const req = r.request;
  if (typeof req !== 'object' || req === null || typeof req.uid !== 'string' || req.uid === '' || typeof req.operation !== 'string') {
    throw new ReviewError('the AdmissionReview has no request with a uid and an operation');
  }
  if (typeof req.kind !== 'object' || req.kind === null) throw new ReviewError(`request ${req.uid} has no kind`);
  return req;
}

/** The response wrapped in its AdmissionReview. */
export function reviewOf(response: AdmissionResponse): AdmissionReview {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}

function allow(req: AdmissionRequest, warnings?: string[]): AdmissionResponse {
  const out: AdmissionResponse = { uid: req.uid, allowed: true };
  if (warnings && warnings.length > 0) out.warnings = warnings;
  return out;
}

function deny(req: AdmissionRequest, message: string, warnings?: string[]): AdmissionResponse {
  const out: AdmissionResponse = { uid: req.uid, allowed: false, status: { status: 'Failure', code: 400, reason: 'BadRequest', message } };
  if (warnings && warnings.length > 0) out.warnings = warnings;
  return out;
}

function apiVersionOf(k: GroupVersionKind): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

/** The AdmissionInput of a CREATE/UPDATE of an admitted kind, else undefined (allowed as is). */
function inputOf(req: AdmissionRequest, config: ServingConfig | undefined): AdmissionInput | undefined {
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return undefined;
  if (!isAdmittedKind(apiVersionOf(req.kind), req.kind.kind)) return undefined;
  const object = req.object;
  if (typeof object !== 'object' || object === null) return undefined;
  // The API server sends apiVersion/kind with the object; make sure the rules see them.
  const obj: KubeObject = { ...object, apiVersion: object.apiVersion ?? apiVersionOf(req.kind), kind: object.kind ?? req.kind.kind };
  const update = req.operation === 'UPDATE';
  const old = update && typeof req.oldObject === 'object' && req.oldObject !== null ? req.oldObject : undefined;
  return {
    operation: update ? 'update' : 'create',
    object: obj,
    old,
    subresource: req.subResource || undefined,
    user: req.userInfo?.username,
    config,
  };
}

/** The defaulting webhook (`/defaulting`). */
export function defaultingReview(req: AdmissionRequest, config: ServingConfig | undefined): AdmissionResponse {
  const input = inputOf(req, config);
  if (input === undefined) return allow(req);
  const ops = jsonPatchDiff(input.object, defaultedForAdmission(input));
  if (ops.length === 0) return allow(req);
  return { ...allow(req), patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') };
}

/** The validating webhook (`/resource-validation`). */
export function validationReview(req: AdmissionRequest, config: ServingConfig | undefined): AdmissionResponse {
  const input = inputOf(req, config);
  if (input === undefined) return allow(req);
  // An object being deleted only has its finalizers removed: upstream does not validate it.
  if (input.object.metadata?.deletionTimestamp) return allow(req);
  const verdict = validateForAdmission(input);
  if (verdict.errors.length === 0) return allow(req, verdict.warnings);
  return deny(req, `validation failed: ${verdict.errors.join('\n')}`, verdict.warnings);
}

/** The config validation webhook (`/config-validation`) for ConfigMaps of `systemNamespace`. */
export function configValidationReview(req: AdmissionRequest, systemNamespace: string): AdmissionResponse {
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return allow(req);
  if (req.kind.group !== '' || req.kind.kind !== 'ConfigMap') return allow(req);
  const cm = req.object;
  if (typeof cm !== 'object' || cm === null) return allow(req);
  const namespace = cm.metadata?.namespace ?? req.namespace;
  if (namespace !== systemNamespace) return allow(req);
  const problem = configMapProblem(cm.metadata?.name ?? req.name ?? '', (cm as { data?: Record<string, string> }).data);
  return problem === undefined ? allow(req) : deny(req, `validation failed: ${problem}`);
}

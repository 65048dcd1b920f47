/**
 * Kubernetes-shaped `Status` error bodies (metav1.Status) as kube-apiserver returns them.
 */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

/** An error carrying an HTTP status code and a Status body; thrown inside the emulator and sent as the response. */
export class ApiError extends Error {
  constructor(public readonly code: number, public readonly body: StatusBody) {
    super(body.message);
  }
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function reasonFor(code: number): string {
  return REASONS[code] ?? 'Unknown';
}

export function status(code: number, message: string, reason?: string, details?: StatusDetails): StatusBody {
  const body: StatusBody = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: reason ?? reasonFor(code),
    code,
  };
  if (details) body.details = details;
  return body;
}

export function apiError(code: number, message: string, reason?: string, details?: StatusDetails): ApiError {
  return new ApiError(code, status(code, message, reason, details));
}

/** `<plural>.<group>` or `<plural>` for the core group, as Kubernetes prints qualified resources. */
export function qualified(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export function notFound(plural: string, group: string, name: string): ApiError {
  return apiError(404, `${qualified(plural, group)} "${name}" not found`, 'NotFound', { name, group, kind: plural });
}

export function alreadyExists(plural: string, group: string, name: string): ApiError {
  return apiError(409, `${qualified(plural, group)} "${name}" already exists`, 'AlreadyExists', { name, group, kind: plural });
}

export function conflict(plural: string, group: string, name: string, why?: string): ApiError {
  return apiError(
    409,
    `Operation cannot be fulfilled on ${qualified(plural, group)} "${name}": ${why ?? 'the object has been modified; please apply your changes to the latest version and try again'}`,
    'Conflict',
    { name, group, kind: plural },
  );
}

export function invalid(kind: string, group: string, name: string, causes: StatusCause[], prefix?: string): ApiError {
  const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : String(c.message)));
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const message = `${qualifiedKind} "${name}" is invalid: ${prefix ? prefix + ': ' : ''}${list.length === 1 ? list[0] : '[' + list.join(', ') + ']'}`;
  return apiError(422, message, 'Invalid', { name, group, kind, causes });
}

export function badRequest(message: string): ApiError {
  return apiError(400, message, 'BadRequest');
}

export function gone(message = 'too old resource version'): ApiError {
  return apiError(410, message, 'Expired');
}

export function methodNotAllowed(message = 'the server does not allow this method on the requested resource'): ApiError {
  return apiError(405, message, 'MethodNotAllowed');
}

export function internal(message = 'Internal error occurred: injected failure'): ApiError {
  return apiError(500, message, 'InternalError');
}

/**
 * Violation records and the small collector used by every rule group.
 */

export interface Violation {
  path: string;
  message: string;
  value?: unknown;
  fix?: string;
  severity?: 'error' | 'warning';
}

/** Collects violations for one admission request. Never throws. */
export class Sink {
  public readonly list: Violation[] = [];

  /** @param warnings whether to record warnings (callers that only act on errors pass false) */
  constructor(public readonly warnings = true) {}

  public error(path: string, message: string, value?: unknown, fix?: string): void {
    this.list.push(record(path, message, value, fix, undefined));
  }

  public warn(path: string, message: string, value?: unknown, fix?: string): void {
    if (!this.warnings) return;
    this.list.push(record(path, message, value, fix, 'warning'));
  }

  /** `must not set the field(s)` on `path`. */
  public disallowed(path: string, value: unknown, fix?: string): void {
    this.error(path, 'must not set the field(s)', value, fix ?? `Remove ${lastSegment(path)}; Knative does not allow it here.`);
  }

  /** `missing field(s)` on `path`. */
  public missing(path: string, fix?: string): void {
    this.error(path, 'missing field(s)', undefined, fix ?? `Set ${lastSegment(path)}.`);
  }

  /** `expected <lo> <= <v> <= <hi>` on `path`. */
  public outOfBounds(path: string, value: unknown, lo: unknown, hi: unknown, fix?: string): void {
    this.error(path, `expected ${lo} <= ${value} <= ${hi}`, value, fix ?? `Use a value between ${lo} and ${hi}.`);
  }
}

/** A Violation without undefined members (same key order as before: path, message, value, fix, severity). */
function record(path: string, message: string, value: unknown, fix: string | undefined, severity: 'warning' | undefined): Violation {
  const out: Violation = { path, message };
  if (value !== undefined) out.value = value;
  if (fix !== undefined) out.fix = fix;
  if (severity !== undefined) out.severity = severity;
  return out;
}

const LAST_SEGMENT_RE = /([^.[\]]+)(\[\d+\])?$/;

function lastSegment(path: string): string {
  const m = LAST_SEGMENT_RE.exec(path);
  return m ? m[1] : path;
}

/** "<path>: <message> (got <json value>). Fix: <fix>" — parts without data are left out. */
export function formatViolation(v: Violation): string {
  return formatProblem(v.path, v.message, v.value === undefined ? undefined : safeJson(v.value), v.fix);
}

/**
 * The one error shape shared by admission, synth-time validation and the constructs' thrown
 * errors: `<field>: <message> (got <shown>). Fix: <fix>`. `shown` is the bad value as text
 * (left out when undefined: never report a value the user did not write); `fix` is left out
 * when empty.
 */
export function formatProblem(field: string, message: string, shown: string | undefined, fix: string | undefined): string {
  let s = field ? `${field}: ${message}` : message;
  if (shown !== undefined) s += ` (got ${shown})`;
  s += '.';
  if (fix) s += ` Fix: ${fix}`;
  return s;
}

/** A value as error messages show it: JSON (strings quoted), or `String(v)` when not JSON-able. */
export function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s;
  } catch {
    return String(v);
  }
}

/** Join a field onto a Knative-style path. */
export function at(base: string, field: string): string {
  return base ? `${base}.${field}` : field;
}

/** Index a Knative-style path. */
export function ix(base: string, i: number): string {
  return `${base}[${i}]`;
}

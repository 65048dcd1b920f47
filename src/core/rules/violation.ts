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
  let s = `${v.path}: ${v.message}`;
  if (v.value !== undefined) s += ` (got ${safeJson(v.value)})`;
  s += '.';
  if (v.fix) s += ` Fix: ${v.fix}`;
  return s;
}

function safeJson(v: unknown): string {
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

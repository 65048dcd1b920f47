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

  public error(path: string, message: string, value?: unknown, fix?: string): void {
    this.list.push(clean({ path, message, value, fix }));
  }

  public warn(path: string, message: string, value?: unknown, fix?: string): void {
    this.list.push(clean({ path, message, value, fix, severity: 'warning' }));
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

function clean(v: Violation): Violation {
  const out: Violation = { path: v.path, message: v.message };
  if (v.value !== undefined) out.value = v.value;
  if (v.fix !== undefined) out.fix = v.fix;
  if (v.severity !== undefined) out.severity = v.severity;
  return out;
}

function lastSegment(path: string): string {
  const m = /([^.[\]]+)(\[\d+\])?$/.exec(path);
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

/** Injected time source: reconcilers never call Date.now() directly. */
export interface Clock {
  now(): Date;
}

export const realClock: Clock = { now: () => new Date() };

/** A clock that always returns the same instant (tests). */
export function fixedClock(iso: string | Date): Clock & { set(t: string | Date): void; advance(ms: number): void } {
  let t = new Date(iso);
  return {
    now: () => new Date(t.getTime()),
    set: (v) => { t = new Date(v); },
    advance: (ms) => { t = new Date(t.getTime() + ms); },
  };
}

/** RFC 3339 without fractional seconds, as Kubernetes metav1.Time serialises. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with microseconds, as metav1.MicroTime serialises (Lease renewTime). */
export function microTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

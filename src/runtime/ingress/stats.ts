/**
 * Pure per-revision request statistics for the autoscaler (like Knative's activator
 * concurrency reporter, reference runtime.md §2.2). Time is passed in (seconds, any monotonic
 * origin); nothing here reads a clock or does I/O.
 *
 * Per revision and period (the caller ticks every 1 s):
 * - `concurrency`: time-weighted average of the requests in flight at this ingress replica
 *   (queued and held requests count, from arrival until the response ends);
 * - `requests`: requests that arrived in the period.
 * A revision with nothing in flight and no arrival in a whole period is dropped (left out of the
 * batch). Poke: when a request arrives for a revision with no entry in the current period and no
 * ready pod, `arrive` returns a poke stat to send at once (`{concurrency: 1, requests: 1, poke: true}`)
 * and that period's tick reports `max(avg − 1, 0)` and `requests − 1`, so nothing counts twice.
 */

export interface RevisionStat {
  readonly namespace: string;
  readonly revision: string;
  readonly concurrency: number;
  readonly requests: number;
  readonly poke: boolean;
}

interface Entry {
  readonly namespace: string;
  readonly revision: string;
  inFlight: number;
  /** ∫ inFlight dt since the period started (request·seconds). */
  accum: number;
  lastChange: number;
  arrivals: number;
  /** 1 in the period whose first request poked, else 0. */
  first: number;
}

export class StatsAccumulator {
  private readonly entries = new Map<string, Entry>();
  private periodStart: number;

  constructor(nowSeconds: number) {
    this.periodStart = nowSeconds;
  }

  /** Revisions with an entry (in flight, or seen this period). */
  public get size(): number {
    return this.entries.size;
  }

  /**
   * A request arrived for `<namespace>/<revision>` (key = `<namespace>/<revision>`). Returns the
   * poke stat to send at once, or undefined.
   */
  public arrive(key: string, namespace: string, revision: string, nowSeconds: number, hasReadyPod: boolean): RevisionStat | undefined {
    let e = this.entries.get(key);
    let poke: RevisionStat | undefined;
    if (e === undefined) {
      e = { namespace, revision, inFlight: 0, accum: 0, lastChange: nowSeconds, arrivals: 0, first: 0 };
      this.entries.set(key, e);
      if (!hasReadyPod) {
        e.first = 1;
        poke = { namespace, revision, concurrency: 1, requests: 1, poke: true };
      }
    }
    this.advance(e, nowSeconds);
    e.inFlight++;
    e.arrivals++;
    return poke;
  }

  /** A request of that revision ended (answered, failed, timed out or the client left). */
  public depart(key: string, nowSeconds: number): void {
    const e = this.entries.get(key);
    if (e === undefined || e.inFlight === 0) return;
    this.advance(e, nowSeconds);
    e.inFlight--;
  }

  /** Requests in flight for a revision right now. */
  public inFlight(key: string): number {
    return this.entries.get(key)?.inFlight ?? 0;
  }

  /** Close the period ending at `nowSeconds`: the batch to send (may be empty); a new period starts. */
  public tick(nowSeconds: number): RevisionStat[] {
    const elapsed = nowSeconds - this.periodStart;
    const out: RevisionStat[] = [];
    for (const [key, e] of this.entries) {
      this.advance(e, nowSeconds);
      const avg = elapsed > 0 ? e.accum / elapsed : e.inFlight;
      if (e.inFlight === 0 && e.arrivals === 0 && e.accum === 0) {
        this.entries.delete(key); // idle for the whole period
        continue;
      }
      out.push({
        namespace: e.namespace,
        revision: e.revision,
        concurrency: Math.max(avg - e.first, 0),
        requests: Math.max(e.arrivals - e.first, 0),
        poke: false,
      });
      e.accum = 0;
      e.arrivals = 0;
      e.first = 0;
    }
    this.periodStart = nowSeconds;
    return out;
  }

  private advance(e: Entry, now: number): void {
    const dt = now - e.lastChange;
    if (dt > 0) e.accum += e.inFlight * dt;
    if (now > e.lastChange) e.lastChange = now;
  }
}

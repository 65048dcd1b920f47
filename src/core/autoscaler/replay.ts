/**
 * Replaying the KPA decider on a recorded (or made-up) trace: `npm run -s autoscale:replay --
 * TRACE.json` (scripts/autoscale-replay.ts). The trace format and its timing rules are in the
 * README ("Replaying the autoscaler"); test/autoscaler-upstream/ replays the same traces through
 * upstream Knative's own Go packages, and test/core/autoscaler/upstream.test.ts compares the two.
 */
import { Decider } from './decider';
import { deciderSpec } from './spec';
import { MetricWindows } from './windows';
import { parseAutoscaler } from '../config/config-autoscaler';

/** One second of a trace: stats received at second `t`, and the ready pods then. */
export interface ReplaySecond {
  /** Whole second ≥ 0; strictly increasing. */
  readonly t: number;
  /** Sum over pods of the average in-flight requests during that second. */
  readonly concurrency?: number;
  /** Requests in that second. */
  readonly requests?: number;
  /** Ready pods at that second (default: the previous entry's, 0 for the first). */
  readonly readyPods?: number;
}

/** A replay input (see the README). */
export interface ReplayTrace {
  /** config-autoscaler data (strings), parsed with `parseAutoscaler`. */
  readonly autoscalerConfig?: Record<string, string>;
  /** The revision's annotations. */
  readonly annotations?: Record<string, string>;
  readonly containerConcurrency?: number;
  /** Default true; false = an Unreachable revision (e.g. a reserve one). */
  readonly reachable?: boolean;
  readonly tickSeconds: number;
  readonly durationSeconds: number;
  readonly seconds: readonly ReplaySecond[];
}

export interface ReplayTick {
  readonly t: number;
  readonly desired: number;
  readonly ebc: number;
  readonly panic: boolean;
  readonly valid: boolean;
  /** Only with `observed: true`: the stable and panic averages the decision used. */
  readonly observedStable?: number;
  readonly observedPanic?: number;
}

export interface ReplayOptions {
  /** Add each tick's stable and panic averages (the differential test compares them bit for bit). */
  readonly observed?: boolean;
}

export interface ReplayResult {
  readonly ticks: ReplayTick[];
}

/** Bad trace input: names the field, the value and the fix. */
export class ReplayTraceError extends Error {
  constructor(field: string, value: unknown, problem: string, fix: string) {
    super(`trace ${field}: ${problem} (got ${JSON.stringify(value)}). Fix: ${fix}`);
    this.name = 'ReplayTraceError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(v: unknown, field: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw new ReplayTraceError(field, v, 'must be an object of strings', 'write e.g. {"stable-window": "60s"}');
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw new ReplayTraceError(`${field}.${k}`, x, 'must be a string', `quote it: "${String(x)}"`);
  }
  return v as Record<string, string>;
}

function num(v: unknown, field: string, opts: { min?: number; whole?: boolean; positive?: boolean }): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ReplayTraceError(field, v, 'must be a number', 'use a finite JSON number');
  if (opts.whole && !Number.isInteger(v)) throw new ReplayTraceError(field, v, 'must be a whole number', `use ${Math.round(v)}`);
  if (opts.positive && !(v > 0)) throw new ReplayTraceError(field, v, 'must be greater than 0', 'use e.g. 2');
  if (opts.min !== undefined && v < opts.min) throw new ReplayTraceError(field, v, `must be at least ${opts.min}`, `use a value ≥ ${opts.min}`);
  return v;
}

/** Validate a parsed JSON trace. */
export function parseReplayTrace(input: unknown): ReplayTrace {
  if (!isRecord(input)) throw new ReplayTraceError('(root)', input, 'must be a JSON object', 'see the README, "Replaying the autoscaler"');
  const seconds = input.seconds;
  if (!Array.isArray(seconds)) throw new ReplayTraceError('seconds', seconds, 'must be an array', 'write "seconds": [{"t": 0, "concurrency": 1, "requests": 10, "readyPods": 1}]');
  let prev = -1;
  const out: ReplaySecond[] = seconds.map((s: unknown, i: number) => {
    const f = `seconds[${i}]`;
    if (!isRecord(s)) throw new ReplayTraceError(f, s, 'must be an object', 'write {"t": 0, "concurrency": 1, "requests": 10, "readyPods": 1}');
    const t = num(s.t, `${f}.t`, { min: 0, whole: true });
    if (t <= prev) throw new ReplayTraceError(`${f}.t`, t, `must be greater than the previous entry's t (${prev})`, 'list seconds in increasing order, each once');
    prev = t;
    return {
      t,
      concurrency: s.concurrency === undefined ? undefined : num(s.concurrency, `${f}.concurrency`, { min: 0 }),
      requests: s.requests === undefined ? undefined : num(s.requests, `${f}.requests`, { min: 0 }),
      readyPods: s.readyPods === undefined ? undefined : num(s.readyPods, `${f}.readyPods`, { min: 0, whole: true }),
    };
  });
  if (input.reachable !== undefined && typeof input.reachable !== 'boolean') {
    throw new ReplayTraceError('reachable', input.reachable, 'must be a boolean', 'use true or false');
  }
  return {
    autoscalerConfig: stringMap(input.autoscalerConfig, 'autoscalerConfig'),
    annotations: stringMap(input.annotations, 'annotations'),
    containerConcurrency: input.containerConcurrency === undefined ? 0 : num(input.containerConcurrency, 'containerConcurrency', { min: 0, whole: true }),
    reachable: input.reachable as boolean | undefined,
    tickSeconds: num(input.tickSeconds, 'tickSeconds', { positive: true }),
    durationSeconds: num(input.durationSeconds, 'durationSeconds', { min: 0 }),
    seconds: out,
  };
}

/**
 * Replay a trace: the decider is created at t = 0 with the ready pods of second 0; then for each
 * whole second s = 0, 1, … ≤ durationSeconds, that second's stat (if any) is recorded at s, and
 * after it every tick k·tickSeconds in [s, s + 1) decides with that second's ready pods.
 */
export function replay(trace: ReplayTrace, options: ReplayOptions = {}): ReplayResult {
  const t = parseReplayTrace(trace);
  const config = parseAutoscaler(t.autoscalerConfig ?? {});
  const spec = deciderSpec(t.annotations, t.containerConcurrency ?? 0, config, t.reachable ?? true);
  const windows = new MetricWindows(spec);

  // The state of every second: the last entry at or before it (none before the first entry).
  const last = Math.floor(t.durationSeconds);
  let entry = -1;
  let ready = 0;
  let stat: { c: number; r: number } | undefined;
  const advance = (s: number): void => {
    while (entry + 1 < t.seconds.length && t.seconds[entry + 1].t <= s) {
      const e = t.seconds[++entry];
      ready = e.readyPods ?? ready;
      stat = e.concurrency === undefined && e.requests === undefined ? undefined : { c: e.concurrency ?? 0, r: e.requests ?? 0 };
    }
  };
  advance(0);
  const decider = new Decider(spec, 0, ready);
  const ticks: ReplayTick[] = [];
  let k = 1;
  for (let s = 0; s <= last; s++) {
    advance(s);
    if (stat) windows.record(s, stat.c, stat.r);
    for (let tick = k * t.tickSeconds; tick < s + 1 && tick <= t.durationSeconds; tick = ++k * t.tickSeconds) {
      const r = decider.scale(tick, ready, windows);
      const out: ReplayTick = { t: tick, desired: r.desired, ebc: r.ebc, panic: r.panic, valid: r.valid };
      ticks.push(options.observed ? { ...out, observedStable: r.observedStable, observedPanic: r.observedPanic } : out);
    }
  }
  return { ticks };
}

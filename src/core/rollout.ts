/**
 * Gradual rollout (reference runtime.md §6, API §7.6): the state machine upstream runs in
 * `pkg/reconciler/route/traffic/rollout.go` and `reconcileRollout`, written from its description.
 *
 * A rollout is kept per (tag, configuration) of the Route's `latestRevision: true` targets: the
 * revisions currently sharing the configuration's percent, oldest first, and the step
 * parameters. A new latest revision starts at 1 % (taken from the newest older revision with
 * traffic); once the data plane has that split, the step size and interval are computed from the
 * rollout duration and the time the first step took, and the remaining percent moves in equal
 * steps (older revisions drained newest first).
 *
 * Times are milliseconds since the epoch here; the serialized state (`serializeRollout`) uses
 * upstream's JSON shape with nanoseconds.
 */
import type { ConfigurationObject, WireTrafficTarget } from './types';

/** The Configurations a rollout is built from (core/traffic's `TrafficLookup` extends it). */
export interface ConfigurationLookup {
  configuration(name: string): ConfigurationObject | undefined;
}

/**
 * Where the state is kept. Upstream keeps it on the KIngress; this runtime has no KIngress (the
 * ingress reads the Route status), so it is kept in the Route's `status.annotations` under the
 * same key.
 */
export const ROLLOUT_STATE_ANNOTATION = 'networking.internal.knative.dev/rollout';

/** IngressReady reason/message while a rollout runs (upstream `MarkIngressRolloutInProgress`). */
export const ROLLOUT_IN_PROGRESS_REASON = 'RolloutInProgress';
export const ROLLOUT_IN_PROGRESS_MESSAGE = 'A gradual rollout of the latest revision(s) is in progress.';

/** One revision of a configuration rollout and its share of the Route's traffic. */
export interface RolloutRevision {
  readonly revisionName: string;
  readonly percent: number;
}

/** Timing and size of a configuration's steps (all 0: no rollout running or not yet observed). */
export interface RolloutStepParams {
  /** When the rollout of the newest revision started (ms since the epoch); 0 if none. */
  readonly startTime: number;
  /** When the next step is due (ms since the epoch); 0 if none. */
  readonly nextStepTime: number;
  /** Time between two steps (ms); 0 until the first 1 % step has been observed. */
  readonly stepDuration: number;
  /** Percent moved per step; 0 until the first 1 % step has been observed. */
  readonly stepSize: number;
}

/** The rollout of one configuration under one tag (`tag` empty: the Route's main traffic). */
export interface ConfigurationRollout {
  readonly configurationName: string;
  /** @default - the main traffic (no tag) */
  readonly tag?: string;
  /** Total percent of the Route's traffic the configuration's targets carry. */
  readonly percent: number;
  /** Oldest first; the last one is the configuration's latest ready revision. */
  readonly revisions: RolloutRevision[];
  readonly stepParams: RolloutStepParams;
}

/** The rollout state of a Route: sorted by tag, then configuration name. */
export interface Rollout {
  readonly configurations: ConfigurationRollout[];
}

/** Result of `stepRollout`. */
export interface RolloutStep {
  readonly rollout: Rollout;
  /** The earliest next step time (ms since the epoch) of a rolling configuration; 0 if none is scheduled. */
  readonly nextStepTime: number;
}

const NO_PARAMS: RolloutStepParams = { startTime: 0, nextStepTime: 0, stepDuration: 0, stepSize: 0 };

/** True when no configuration has more than one revision (nothing to step). */
export function rolloutDone(ro: Rollout): boolean {
  return ro.configurations.every((c) => c.revisions.length < 2);
}

/**
 * Upstream's consistency check of a deserialized state: per configuration, percent ≤ 100,
 * 0 ≤ stepSize ≤ percent and the revision percents add up to percent.
 */
export function validateRollout(ro: Rollout): boolean {
  for (const c of ro.configurations) {
    if (c.percent > 100) return false;
    if (c.stepParams.stepSize < 0 || c.stepParams.stepSize > c.percent) return false;
    if (c.revisions.reduce((s, r) => s + r.percent, 0) !== c.percent) return false;
  }
  return true;
}

/**
 * Step parameters of a configuration whose first 1 % step took `minStepSeconds` (≥ 1), for a
 * rollout of `durationSeconds` (upstream `computeProperties`): the remaining time
 * `max(1, duration − minStep)` is split into `min(max(1, remaining / minStep), percent − 1)`
 * steps of `round((percent − 1) / steps)` percent each.
 */
export function rolloutStepProperties(
  percent: number, startTime: number, nowMs: number, minStepSeconds: number, durationSeconds: number,
): RolloutStepParams {
  const dur = Math.max(1, durationSeconds - minStepSeconds);
  let steps = Math.max(1, dur / minStepSeconds);
  const rem = percent - 1;
  if (rem < steps) steps = rem;
  const stepSize = Math.round(rem / steps);
  // Go truncates the float64 nanoseconds to int64.
  const stepDuration = Math.trunc(dur / steps * 1e9) / 1e6;
  return { startTime, stepDuration, stepSize, nextStepTime: nowMs + stepDuration };
}

/**
 * Once the data plane serves the state (upstream: the KIngress turned ready while the Route's
 * IngressReady was not True), every configuration that started a rollout but has no step
 * parameters yet gets them, with the time the first step took, `ceil(now − startTime)` seconds
 * (at least 1), as the minimum step interval.
 */
export function observeRolloutReady(ro: Rollout, nowMs: number, durationSeconds: number): Rollout {
  return {
    configurations: ro.configurations.map((c) => {
      const p = c.stepParams;
      if (p.stepDuration !== 0 || p.startTime <= 0) return c;
      const minStep = Math.max(1, Math.ceil((nowMs - p.startTime) / 1000));
      return { ...c, stepParams: rolloutStepProperties(c.percent, p.startTime, nowMs, minStep, durationSeconds) };
    }),
  };
}

/** The previous revisions refitted to a new total (upstream `adjustPercentage`). */
function adjustPercentage(goal: number, prev: ConfigurationRollout): RolloutRevision[] {
  const revs = prev.revisions.map((r) => ({ ...r }));
  let diff = goal - prev.percent;
  if (goal === 0) return [];
  if (diff > 0) {
    revs[revs.length - 1].percent += diff;
    return revs;
  }
  if (diff < 0) {
    diff = -diff;
    let i = 0;
    while (diff > 0 && i < revs.length) {
      if (revs[i].percent > diff) {
        revs[i].percent -= diff;
        break;
      }
      diff -= revs[i].percent;
      i++;
    }
    return revs.slice(i);
  }
  return revs;
}

/** Move one step of traffic to the newest revision if it is due (upstream `stepRevisions`). */
function stepRevisions(c: ConfigurationRollout, nowMs: number): ConfigurationRollout {
  const p = c.stepParams;
  if (nowMs < p.nextStepTime || c.revisions.length < 2) return c;
  const revs = c.revisions.map((r) => ({ ...r }));
  const n = revs.length;
  let remaining = p.stepSize;
  let write = n - 1;
  let read = n - 2;
  while (remaining > 0 && read >= 0) {
    if (revs[read].percent > remaining) {
      revs[read].percent -= remaining;
      break;
    }
    remaining -= revs[read].percent;
    write--;
    read--;
  }
  revs[write] = { ...revs[n - 1], percent: Math.min(revs[n - 1].percent + p.stepSize, c.percent) };
  const out = revs.slice(0, write + 1);
  return {
    ...c,
    revisions: out,
    stepParams: out.length > 1 ? { ...p, nextStepTime: nowMs + p.stepDuration } : NO_PARAMS,
  };
}

/** Merge a configuration's goal (one revision at full percent) with its previous state (upstream `stepConfig`). */
function stepConfig(goal: ConfigurationRollout, prev: ConfigurationRollout, nowMs: number): ConfigurationRollout {
  const prevRevs = prev.revisions.length > 0 ? adjustPercentage(goal.percent, prev) : [];
  const goalRev = goal.revisions[0];
  const lastPrev = prev.revisions[prev.revisions.length - 1];
  if (prev.revisions.length === 0 || goalRev.revisionName === lastPrev.revisionName) {
    if (prevRevs.length < 2) return { ...goal, stepParams: NO_PARAMS };
    const cont: ConfigurationRollout = { ...goal, revisions: prevRevs, stepParams: prev.stepParams };
    // Not yet observed ready: no step size, nothing to move yet.
    return cont.stepParams.stepSize > 0 ? stepRevisions(cont, nowMs) : cont;
  }
  // A new latest revision: it gets 1 %, taken from the newest previous revision with traffic.
  const revs = prevRevs.map((r) => ({ ...r }));
  for (let i = revs.length - 1; i >= 0; i--) {
    if (revs[i].percent > 0) {
      revs[i].percent--;
      break;
    }
  }
  return {
    ...goal,
    revisions: [...revs.filter((r) => r.percent !== 0), { revisionName: goalRev.revisionName, percent: 1 }],
    stepParams: { ...NO_PARAMS, startTime: nowMs },
  };
}

function compareConfig(a: ConfigurationRollout, b: ConfigurationRollout): number {
  const ta = a.tag ?? '';
  const tb = b.tag ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.configurationName < b.configurationName ? -1 : a.configurationName > b.configurationName ? 1 : 0;
}

/**
 * Merge the desired state `cur` (each configuration's latest revision at full percent) with the
 * previous state (upstream `Rollout.Step`): without a previous state `cur` is returned as is. Per
 * tag and configuration: new ones come from `cur`, removed ones are dropped, 1 % targets are never
 * rolled, 0 % ones are ignored; otherwise the previous revisions are refitted to the new percent,
 * and either stepped (same latest revision) or a new rollout starts (new latest revision at 1 %).
 */
export function stepRollout(cur: Rollout, prev: Rollout | undefined, nowMs: number): RolloutStep {
  if (!prev || prev.configurations.length === 0) return { rollout: cur, nextStepTime: 0 };
  const byTag = (ro: Rollout): Map<string, ConfigurationRollout[]> => {
    const m = new Map<string, ConfigurationRollout[]>();
    for (const c of ro.configurations) {
      const t = c.tag ?? '';
      m.set(t, [...(m.get(t) ?? []), c]);
    }
    for (const list of m.values()) list.sort(compareConfig);
    return m;
  };
  const curTags = byTag(cur);
  const prevTags = byTag(prev);
  const out: ConfigurationRollout[] = [];
  let next = Number.POSITIVE_INFINITY;
  for (const [tag, ccfgs] of curTags) {
    const pcfgs = prevTags.get(tag);
    if (!pcfgs) {
      // Nothing to roll from under this tag: every configuration starts at its goal. (Upstream
      // keeps only the first, assuming one configuration per new tag; the main traffic can be new
      // too now that a state may hold tags only, and may have several configurations.)
      out.push(...ccfgs);
      continue;
    }
    let i = 0;
    let j = 0;
    while (i < ccfgs.length) {
      const c = ccfgs[i];
      if (j >= pcfgs.length) {
        out.push(c);
        i++;
      } else if (c.configurationName === pcfgs[j].configurationName) {
        if (c.percent > 1) {
          const sc = stepConfig(c, pcfgs[j], nowMs);
          out.push(sc);
          const nst = sc.stepParams.nextStepTime;
          if (nst > 0 && nst < next) next = nst;
        } else if (c.percent === 1) {
          out.push(c);
        }
        i++;
        j++;
      } else if (c.configurationName < pcfgs[j].configurationName) {
        if (c.percent !== 0) out.push(c);
        i++;
      } else {
        j++;
      }
    }
  }
  out.sort(compareConfig);
  return { rollout: { configurations: out }, nextStepTime: next === Number.POSITIVE_INFINITY ? 0 : next };
}

/**
 * The desired state of a Route (upstream `BuildRollout`), called after the traffic resolved
 * (`resolveTraffic` ok, so every named Configuration has a latest ready revision):
 *
 * - the main traffic: one configuration rollout per Configuration its `latestRevision: true`
 *   targets name, tagged or not, with their percents added (above 0), holding the Configuration's
 *   latest ready revision at that percent;
 * - each tag with a `latestRevision: true` target: a rollout of that tag's Configuration at 100 %
 *   (the tag's own host serves only that target, as upstream's consolidated tag targets).
 *
 * Upstream also merges a pinned target of the revision being rolled out into the main rollout
 * (its `consolidate` joins targets by revision name), so part of the pinned share still goes to
 * older revisions until the rollout ends; here a pinned `revisionName` target never moves.
 */
export function buildRollout(specTraffic: WireTrafficTarget[] | undefined, lookup: ConfigurationLookup): Rollout {
  const totals = new Map<string, number>();
  const configurations: ConfigurationRollout[] = [];
  const latestOf = (name: string): string | undefined => lookup.configuration(name)?.status?.latestReadyRevisionName;
  for (const tt of specTraffic ?? []) {
    if (tt.revisionName || !tt.configurationName || tt.latestRevision === false) continue;
    totals.set(tt.configurationName, (totals.get(tt.configurationName) ?? 0) + (tt.percent ?? 0));
    const latest = latestOf(tt.configurationName);
    if (tt.tag && latest) {
      const revisions = [{ revisionName: latest, percent: 100 }];
      configurations.push({ configurationName: tt.configurationName, tag: tt.tag, percent: 100, revisions, stepParams: NO_PARAMS });
    }
  }
  for (const [name, percent] of totals) {
    const latest = latestOf(name);
    if (percent <= 0 || !latest) continue;
    configurations.push({ configurationName: name, percent, revisions: [{ revisionName: latest, percent }], stepParams: NO_PARAMS });
  }
  configurations.sort(compareConfig);
  return { configurations };
}

/** The newest revision of a configuration rollout (the Configuration's latest ready revision). */
const goalOf = (c: ConfigurationRollout): string | undefined => c.revisions[c.revisions.length - 1]?.revisionName;

/**
 * `status.traffic` during a rollout. For each rolling configuration of the main traffic, the
 * `latestRevision: true` entries (tagged or not) naming its newest revision share the rollout's
 * revisions: taken oldest first, in `status.traffic` order, each entry is shown once per revision
 * it carries (same fields, that revision's part of the entry's percent). The percents of
 * `status.traffic` still add up to 100 and are exactly the main traffic's split; with one
 * untagged entry per configuration this is upstream's `GetRevisionTrafficTargets`. Entries at
 * 0 % and all others are unchanged.
 *
 * Upstream shows a tagged `latestRevision` entry with the tag's own rollout instead (percents
 * adding up to 100 for that tag alone, so its `status.traffic` can add up to more than 100); here
 * a tag's own host follows the tag's rollout in the state annotation (`tagRolloutSplit`).
 */
export function applyRolloutToTraffic(traffic: WireTrafficTarget[], ro: Rollout): WireTrafficTarget[] {
  const rolling = ro.configurations.filter((c) => !c.tag && c.revisions.length > 1);
  // per rolling configuration: the revision being handed out and how much of it is handed out
  const cursors = new Map<ConfigurationRollout, { i: number; used: number }>();
  const out: WireTrafficTarget[] = [];
  for (const tt of traffic) {
    const pct = tt.percent ?? 0;
    const c = tt.latestRevision === true && pct > 0 ? rolling.find((x) => goalOf(x) === tt.revisionName) : undefined;
    if (!c) {
      out.push(tt);
      continue;
    }
    const cur = cursors.get(c) ?? { i: 0, used: 0 };
    let left = pct;
    while (left > 0 && cur.i < c.revisions.length) {
      const r = c.revisions[cur.i];
      const take = Math.min(left, r.percent - cur.used);
      if (take > 0) out.push({ ...tt, revisionName: r.revisionName, percent: take });
      left -= take;
      cur.used += take;
      if (cur.used >= r.percent) {
        cur.i++;
        cur.used = 0;
      }
    }
    // Only if the state and the traffic disagree (they are computed together): the rest stays on the entry's revision.
    if (left > 0) out.push({ ...tt, percent: left });
    cursors.set(c, cur);
  }
  return out;
}

/**
 * The split of a tag's own host while the tag's `latestRevision` target is being rolled: the
 * tag's configuration rollout (oldest first), or `undefined` when the tag is not rolling or the
 * state's newest revision is not among `revisionNames` (the tag's entries in `status.traffic`).
 */
export function tagRolloutSplit(ro: Rollout | undefined, tag: string, revisionNames: readonly string[]): RolloutRevision[] | undefined {
  const c = ro?.configurations.find((x) => x.tag === tag);
  if (!c || c.revisions.length < 2 || !revisionNames.includes(goalOf(c) ?? '')) return undefined;
  return c.revisions;
}

/** Milliseconds (possibly fractional) → integer nanoseconds as a decimal string, without float error. */
function nsString(ms: number): string {
  if (!(ms > 0)) return '0';
  const whole = Math.floor(ms);
  const frac = Math.round((ms - whole) * 1e6);
  if (whole === 0) return String(frac);
  return `${whole}${String(frac).padStart(6, '0')}`;
}

/** The state as upstream's JSON (times in nanoseconds; zero values omitted as Go's omitempty does). */
export function serializeRollout(ro: Rollout): string {
  const cfgs = ro.configurations.map((c) => {
    const p = c.stepParams;
    const params: string[] = [];
    if (p.startTime > 0) params.push(`"starttime":${nsString(p.startTime)}`);
    if (p.nextStepTime > 0) params.push(`"nextStepTime":${nsString(p.nextStepTime)}`);
    if (p.stepDuration > 0) params.push(`"stepDuration":${nsString(p.stepDuration)}`);
    if (p.stepSize !== 0) params.push(`"stepSize":${p.stepSize}`);
    const parts = [`"configurationName":${JSON.stringify(c.configurationName)}`];
    if (c.tag) parts.push(`"tag":${JSON.stringify(c.tag)}`);
    parts.push(`"percent":${c.percent}`);
    if (c.revisions.length > 0) parts.push(`"revisions":${JSON.stringify(c.revisions.map((r) => ({ revisionName: r.revisionName, percent: r.percent })))}`);
    parts.push(`"stepParams":{${params.join(',')}}`);
    return `{${parts.join(',')}}`;
  });
  return cfgs.length > 0 ? `{"configurations":[${cfgs.join(',')}]}` : '{}';
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * Parse a stored state; `undefined` (start afresh, as upstream does) when absent, not JSON, of
 * the wrong shape, or failing `validateRollout`.
 */
export function parseRollout(text: string | undefined): Rollout | undefined {
  if (!text) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const list = (raw as { configurations?: unknown }).configurations ?? [];
  if (!Array.isArray(list)) return undefined;
  const configurations: ConfigurationRollout[] = [];
  const ms = (v: unknown): number | undefined => (v === undefined ? 0 : isInt(v) && v >= 0 ? v / 1e6 : undefined);
  for (const c of list) {
    if (typeof c !== 'object' || c === null) return undefined;
    const { configurationName, tag, percent, revisions, stepParams } = c as Record<string, unknown>;
    if (typeof configurationName !== 'string' || (tag !== undefined && typeof tag !== 'string') || !isInt(percent)) return undefined;
    const revs: RolloutRevision[] = [];
    if (revisions !== undefined && revisions !== null) {
      if (!Array.isArray(revisions)) return undefined;
      for (const r of revisions) {
        if (typeof r !== 'object' || r === null || typeof r.revisionName !== 'string' || !isInt(r.percent) || r.percent < 0) return undefined;
        revs.push({ revisionName: r.revisionName, percent: r.percent });
      }
    }
    const p = (typeof stepParams === 'object' && stepParams !== null ? stepParams : {}) as Record<string, unknown>;
    const startTime = ms(p.starttime);
    const nextStepTime = ms(p.nextStepTime);
    const stepDuration = ms(p.stepDuration);
    const stepSize = p.stepSize === undefined ? 0 : p.stepSize;
    if (startTime === undefined || nextStepTime === undefined || stepDuration === undefined || !isInt(stepSize)) return undefined;
    configurations.push({
      configurationName,
      ...(tag ? { tag } : {}),
      percent,
      revisions: revs,
      stepParams: { startTime, nextStepTime, stepDuration, stepSize },
    });
  }
  const ro = { configurations };
  return validateRollout(ro) ? ro : undefined;
}

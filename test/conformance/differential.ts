/**
 * The differential judgement: each case is admitted (CREATE) by our rules exactly as the bundled
 * webhook does (src/core/admission: `defaultedForAdmission`, then `validateForAdmission`) and by
 * upstream Knative (test/upstream-admission, every version in UPSTREAM_VERSIONS), and counted:
 *  - agree: both accept (every version accepts), or both reject (at least one version rejects);
 *    a version that lacks a feature flag the case's config enables does not judge that case
 *    (`UpstreamVersion.absentFlags`: e.g. 1.17 has no CSI volumes);
 *  - false_accept: we accept, some version rejects (our README promises every version admits
 *    what we admit);
 *  - false_reject: we reject, every version accepts; documented_strictness: those explained by
 *    an entry of ./strictness.ts;
 *  - not_fixed_point: an example or property-test object we accept whose upstream defaulting
 *    patch is not empty, ignoring the round trip's `creationTimestamp: null` and `status: {}`.
 *
 * Informational (reported as classes, not counted in the RESULT): where both admit an object, the
 * paths where our defaulted object differs from a version's, and versions that warn where we do
 * not (or the other way round).
 */
import { isDeepStrictEqual } from 'util';
import type { Case } from './cases';
import { documentedStrictness } from './strictness';
import { PatchOp, runUpstream, UPSTREAM_VERSIONS, UpstreamVerdict, upstreamRejects, versionJudges } from './upstream';
import { defaultedForAdmission, validateForAdmission } from '../../src/core/admission';
import { parseServingConfig, ServingConfig } from '../../src/core/config';
import type { KubeObject } from '../../src/core/types';

/** Our verdict. */
export interface OurVerdict {
  readonly errors: string[];
  readonly warnings: string[];
  /** Our code threw (a bug: admission must not throw). */
  readonly threw?: string;
  /** parseServingConfig refused the case's config maps. */
  readonly configError?: string;
  /** Our defaulted object. */
  readonly defaulted?: KubeObject;
}

export type Outcome = 'agree' | 'false_accept' | 'false_reject';

/** One case's judgement. */
export interface Judged {
  readonly case: Case;
  readonly ours: OurVerdict;
  /** By Knative version. */
  readonly upstream: Record<string, UpstreamVerdict>;
  readonly outcome: Outcome;
  /** The strictness entry explaining a false reject. */
  readonly strictness?: string;
  /** Versions whose defaulting patch (noise removed) is not empty, for example/property objects we accept. */
  readonly notFixedPoint: Record<string, PatchOp[]>;
  /**
   * Where our defaulted object differs from a version's (both admit the object; round-trip noise
   * removed), by version: informational, not part of the RESULT counts.
   */
  readonly defaultsDiffer: Record<string, string[]>;
  /** Versions that warn where we do not, or the other way round (both admit): informational. */
  readonly warningsDiffer: string[];
}

export interface Summary {
  knative_versions: string[];
  objects: number;
  agree: number;
  false_accept: number;
  false_reject: number;
  documented_strictness: number;
  not_fixed_point: number;
}

const configs = new Map<string, ServingConfig | Error | undefined>();

function parsedConfig(c: Case): ServingConfig | Error | undefined {
  if (c.config === undefined) return undefined;
  const key = JSON.stringify(c.config);
  if (!configs.has(key)) {
    try {
      configs.set(key, parseServingConfig(c.config));
    } catch (e) {
      configs.set(key, e as Error);
    }
  }
  return configs.get(key);
}

/** Our admission of one case on CREATE, as the bundled webhook does it. */
export function ourVerdict(c: Case): OurVerdict {
  const config = parsedConfig(c);
  if (config instanceof Error) return { errors: [], warnings: [], configError: config.message };
  try {
    const object = defaultedForAdmission({ operation: 'create', object: c.object, config });
    return { ...validateForAdmission({ operation: 'create', object, config }), defaulted: object };
  } catch (e) {
    return { errors: [], warnings: [], threw: (e as Error).stack ?? String(e) };
  }
}

/** Whether we deny the CREATE. */
export function weReject(v: OurVerdict): boolean {
  return v.errors.length > 0 || v.threw !== undefined || v.configError !== undefined;
}

/** Drop `creationTimestamp: null` members (Go writes them for a zero metav1.Time before apimachinery v0.34). */
function withoutNullTimestamps(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNullTimestamps);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'creationTimestamp' && x === null) continue;
    out[k] = withoutNullTimestamps(x);
  }
  return out;
}

/** Paths (JSON pointer) where `a` and `b` differ, at most `max`. */
export function differingPaths(a: unknown, b: unknown, path = '', out: string[] = [], max = 5): string[] {
  if (out.length >= max || isDeepStrictEqual(a, b)) return out;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const k of keys) differingPaths((a as any)[k], (b as any)[k], `${path}/${k}`, out, max);
    return out;
  }
  out.push(path || '/');
  return out;
}

/** Upstream's defaulted object without the round trip's `creationTimestamp: null` and an empty status. */
function comparableDefaulted(v: KubeObject): unknown {
  const o = withoutNullTimestamps(v) as Record<string, unknown>;
  if (isDeepStrictEqual(o.status, {})) delete o.status;
  return o;
}

/** The defaulting patch without the round trip's `creationTimestamp: null` and `status: {}`. */
export function meaningfulPatch(patch: readonly PatchOp[]): PatchOp[] {
  const out: PatchOp[] = [];
  for (const op of patch) {
    if (op.op === 'add' && op.path.endsWith('/creationTimestamp') && op.value === null) continue;
    if (op.op === 'add' && op.path === '/status' && isDeepStrictEqual(op.value, {})) continue;
    out.push(op.value === undefined ? op : { ...op, value: withoutNullTimestamps(op.value) });
  }
  return out;
}

/** Judge every case (one upstream process per version). */
export function judge(cases: readonly Case[]): { judged: Judged[]; summary: Summary } {
  const inputs = cases.map((c) => ({ id: c.id, object: c.object, config: c.config }));
  const byVersion = UPSTREAM_VERSIONS.map((v) => [v.knative, runUpstream(v, inputs)] as const);
  const summary: Summary = {
    knative_versions: UPSTREAM_VERSIONS.map((v) => v.knative),
    objects: cases.length,
    agree: 0,
    false_accept: 0,
    false_reject: 0,
    documented_strictness: 0,
    not_fixed_point: 0,
  };
  const judged = cases.map((c, i): Judged => {
    const ours = ourVerdict(c);
    const upstream: Record<string, UpstreamVerdict> = {};
    for (const [k, vs] of byVersion) {
      if (versionJudges(UPSTREAM_VERSIONS.find((v) => v.knative === k)!, c.config)) upstream[k] = vs[i];
    }
    const rejects = weReject(ours);
    const someRejects = Object.values(upstream).some(upstreamRejects);
    let outcome: Outcome = 'agree';
    let strictness: string | undefined;
    if (!rejects && someRejects) outcome = 'false_accept';
    if (rejects && !someRejects) {
      outcome = 'false_reject';
      strictness = ours.threw === undefined && ours.configError === undefined ? documentedStrictness(c.object, ours.errors)?.id : undefined;
    }
    summary[outcome]++;
    if (strictness !== undefined) summary.documented_strictness++;
    const notFixedPoint: Record<string, PatchOp[]> = {};
    if (!rejects && (c.source === 'example' || c.source === 'property')) {
      for (const [k, v] of Object.entries(upstream)) {
        const p = meaningfulPatch(v.patch);
        if (p.length > 0) notFixedPoint[k] = p;
      }
      if (Object.keys(notFixedPoint).length > 0) summary.not_fixed_point++;
    }
    const defaultsDiffer: Record<string, string[]> = {};
    if (!rejects && !someRejects) {
      for (const [k, v] of Object.entries(upstream)) {
        if (v.defaulted === undefined) continue;
        const d = differingPaths(ours.defaulted, comparableDefaulted(v.defaulted));
        if (d.length > 0) defaultsDiffer[k] = d;
      }
    }
    const warningsDiffer = rejects || someRejects ? [] : Object.entries(upstream)
      .filter(([, v]) => (v.warnings.length > 0) !== (ours.warnings.length > 0)).map(([k]) => k);
    return { case: c, ours, upstream, outcome, strictness, notFixedPoint, defaultsDiffer, warningsDiffer };
  });
  return { judged, summary };
}

/** A message with its specifics (quoted values, numbers, indexes) blanked, to group disagreements. */
function shape(s: string): string {
  return s.replace(/"[^"]*"/g, '"…"').replace(/\[\d+\]/g, '[i]').replace(/-?\d+(\.\d+)?/g, 'N').split('\n')[0].slice(0, 160);
}

/** One class of disagreements: same outcome, same first message shape. */
export interface DisagreementClass {
  readonly outcome: Outcome | 'not_fixed_point' | 'defaults_differ' | 'warnings_differ';
  readonly key: string;
  readonly count: number;
  readonly families: string[];
  readonly example: Judged;
}

/** Group the disagreements (and the objects that are not a fixed point) into classes, largest first. */
export function disagreementClasses(judged: readonly Judged[]): DisagreementClass[] {
  const classes = new Map<string, { outcome: DisagreementClass['outcome']; key: string; count: number; families: Set<string>; example: Judged }>();
  const add = (outcome: DisagreementClass['outcome'], key: string, j: Judged) => {
    const id = `${outcome}|${key}`;
    let c = classes.get(id);
    if (!c) classes.set(id, c = { outcome, key, count: 0, families: new Set(), example: j });
    c.count++;
    j.case.families.forEach((f) => c!.families.add(f));
    // Prefer the smallest example object.
    if (JSON.stringify(j.case.object).length < JSON.stringify(c.example.case.object).length) c.example = j;
  };
  for (const j of judged) {
    if (j.outcome === 'false_accept') {
      const [version, v] = Object.entries(j.upstream).find(([, x]) => upstreamRejects(x))!;
      const msg = v.configError ?? v.decodeError ?? v.panic ?? v.errors[0];
      add('false_accept', `${version}: ${shape(msg)}`, j);
    } else if (j.outcome === 'false_reject' && j.strictness === undefined) {
      add('false_reject', shape(j.ours.threw ?? j.ours.configError ?? j.ours.errors[0]), j);
    }
    for (const version of j.warningsDiffer) {
      const w = j.upstream[version].warnings[0] ?? j.ours.warnings[0];
      add('warnings_differ', `${version}: ${j.upstream[version].warnings.length > 0 ? 'only upstream warns' : 'only we warn'}: ${shape(w)}`, j);
    }
    for (const [version, d] of Object.entries(j.defaultsDiffer)) add('defaults_differ', `${version}: ${d.map((p) => p.replace(/\/\d+/g, '/i')).join(', ')}`, j);
    for (const [version, p] of Object.entries(j.notFixedPoint)) add('not_fixed_point', `${version}: ${p.map((o) => `${o.op} ${o.path.replace(/\/\d+/g, '/i')}`).join(', ')}`, j);
  }
  return [...classes.values()].map((c) => ({ ...c, families: [...c.families].sort() })).sort((a, b) => b.count - a.count);
}

import type { IConfiguration } from './configuration';
import { KnativeErrorDetails, ProblemList } from './errors';
import type { IRevision } from './revision';
import { _touch } from './state';
import { isDns1035Label } from '../core/names';
import type { WireTrafficTarget } from '../core/types';

/** What a traffic entry points at (internal discriminator). */
enum TargetKind {
  LATEST = 'latest',
  REVISION = 'revision',
  REVISION_NAME = 'revisionName',
  CONFIGURATION = 'configuration',
}

/**
 * The destination of one traffic entry.
 *
 * A union-like class: use the static factories.
 *
 * - `TrafficTarget.latestRevision()`: the latest ready Revision of the owning Service's
 *   Configuration (`latestRevision: true`). Service only: a standalone Route must name a
 *   Configuration instead (`TrafficTarget.configuration()`).
 * - `TrafficTarget.revision(rev)` / `TrafficTarget.revisionName(name)`: pin to one Revision
 *   (`revisionName: …`, `latestRevision: false`).
 * - `TrafficTarget.configuration(cfg)`: float to the latest ready Revision of a Configuration
 *   (`configurationName: …`, `latestRevision: true`). Route only (a Service rejects it).
 */
export class TrafficTarget {
  /**
   * The latest ready Revision of the owning Service (`latestRevision: true`).
   */
  public static latestRevision(): TrafficTarget {
    return new TrafficTarget(TargetKind.LATEST);
  }

  /**
   * A specific Revision (`revisionName`, `latestRevision: false`). The name is read when the
   * manifest is synthesized, so content-hash revision names reflect the final template.
   *
   * @param rev the revision, e.g. `svc.currentRevision`, `svc.revision('v1')` or `Revision.fromRevisionName(...)`
   */
  public static revision(rev: IRevision): TrafficTarget {
    if (!rev) {
      return new TrafficTarget(TargetKind.REVISION, undefined, undefined, undefined, {
        message: 'TrafficTarget.revision() needs a revision',
        value: rev,
        fix: '`currentRevision` is only defined when the template names its revision (revisionName: RevisionName.of(...) or RevisionName.contentHash()); otherwise use svc.revision(\'<suffix>\') or TrafficTarget.latestRevision().',
      });
    }
    return new TrafficTarget(TargetKind.REVISION, rev);
  }

  /**
   * A Revision by its full name (`revisionName`, `latestRevision: false`).
   *
   * @param name the full Revision name, e.g. `my-service-00001` or `stock-service-example-v1`
   */
  public static revisionName(name: string): TrafficTarget {
    if (typeof name !== 'string' || name.length === 0) {
      return new TrafficTarget(TargetKind.REVISION_NAME, undefined, undefined, undefined, {
        message: 'TrafficTarget.revisionName() needs a revision name',
        value: name,
        fix: 'Pass the full Revision name, e.g. \'my-service-00001\', or use TrafficTarget.latestRevision().',
      });
    }
    return new TrafficTarget(TargetKind.REVISION_NAME, undefined, name);
  }

  /**
   * The latest ready Revision of a Configuration (`configurationName`, `latestRevision: true`).
   * Only valid in a Route: a Service's traffic implicitly refers to its own Configuration
   * (use `TrafficTarget.latestRevision()` there).
   */
  public static configuration(cfg: IConfiguration): TrafficTarget {
    if (!cfg) {
      return new TrafficTarget(TargetKind.CONFIGURATION, undefined, undefined, undefined, {
        message: 'TrafficTarget.configuration() needs a configuration',
        value: cfg,
        fix: 'Pass a Configuration or Configuration.fromConfigurationName(...).',
      });
    }
    return new TrafficTarget(TargetKind.CONFIGURATION, undefined, undefined, cfg);
  }

  private constructor(
    private readonly kind: TargetKind,
    private readonly rev?: IRevision,
    private readonly name?: string,
    private readonly cfg?: IConfiguration,
    /** A factory misuse, reported (with the field of its entry) where the target is used. */
    private readonly problem?: Omit<KnativeErrorDetails, 'field'>,
  ) {}

  /**
   * Whether this target floats to the latest ready revision (`latestRevision: true`).
   */
  public get isLatest(): boolean {
    return this.kind === TargetKind.LATEST || this.kind === TargetKind.CONFIGURATION;
  }

  /**
   * A short human description, used in error messages (e.g. `revision "my-svc-v1"`).
   */
  public describe(): string {
    switch (this.kind) {
      case TargetKind.LATEST: return 'latest revision';
      case TargetKind.CONFIGURATION: return `configuration "${this.cfg?.configurationName ?? ''}"`;
      default: return `revision "${this.resolvedRevisionName() ?? ''}"`;
    }
  }

  /**
   * The target part of a Knative TrafficTarget (`revisionName`/`configurationName` and an
   * explicit `latestRevision`, as Knative's defaulting webhook would fill it in).
   * @internal
   */
  public _toKube(): WireTrafficTarget {
    switch (this.kind) {
      case TargetKind.LATEST:
        return { latestRevision: true };
      case TargetKind.CONFIGURATION:
        return this.cfg ? { configurationName: this.cfg.configurationName, latestRevision: true } : { latestRevision: true };
      default: {
        const revisionName = this.resolvedRevisionName();
        // An empty name is rendered as-is (latestRevision: false without revisionName) so that
        // validation reports it with the construct path.
        return revisionName ? { revisionName, latestRevision: false } : { latestRevision: false };
      }
    }
  }

  /**
   * Whether this is `TrafficTarget.latestRevision()` (the owning Service's latest revision).
   * @internal
   */
  public get _isServiceLatest(): boolean {
    return this.kind === TargetKind.LATEST;
  }

  /**
   * The factory misuse this target records, if any (see src/serving/errors.ts: deferral).
   * @internal
   */
  public get _problem(): Omit<KnativeErrorDetails, 'field'> | undefined {
    return this.problem;
  }

  private resolvedRevisionName(): string | undefined {
    return this.kind === TargetKind.REVISION ? this.rev?.revisionName : this.name;
  }
}

/**
 * Per-entry options shared by the fluent methods (`to`, `toRevision`, `toLatest`, `remainderTo`).
 */
export interface TrafficTagOptions {
  /**
   * A tag for this entry. Knative gives every tag its own URL
   * (`<tag>-<route>.<namespace>.<domain>` with the default templates). Must be a DNS-1035 label
   * and unique within the split.
   *
   * @default - no tag
   */
  readonly tag?: string;
}

/**
 * Percent and tag of one traffic entry.
 */
export interface TrafficEntryOptions extends TrafficTagOptions {
  /**
   * Share of the traffic, a whole number 0–100.
   *
   * @default 0
   */
  readonly percent?: number;
}

/**
 * One traffic entry in declarative form (see `TrafficSplit.fromEntries`).
 */
export interface TrafficEntry extends TrafficEntryOptions {
  /**
   * Where the traffic goes.
   */
  readonly target: TrafficTarget;

  /**
   * This entry receives whatever the other entries leave (100 minus their sum, computed at
   * synthesis), like `remainderTo()`. `percent` must not be set. At most one per split.
   *
   * @default false
   */
  readonly remainder?: boolean;
}

/**
 * Options for `TrafficSplit.pin()`.
 */
export interface TrafficPinOptions {
  /**
   * Also add a 0% entry for the latest ready revision under this tag, so new revisions are
   * reachable for testing at the tag URL before they get traffic.
   *
   * @default - no latest-revision entry
   */
  readonly latestTag?: string;
}

/**
 * Options for `TrafficSplit.rollback()`.
 */
export interface TrafficRollbackOptions {
  /**
   * Also add a 0% entry for the latest ready revision under this tag, so the revision rolled
   * back from stays reachable at its tag URL (e.g. to debug it).
   *
   * @default - no latest-revision entry (an untagged 0% entry would give no URL and route nothing)
   */
  readonly latestTag?: string;
}

/**
 * Options for `TrafficSplit.release()`.
 */
export interface TrafficReleaseOptions {
  /**
   * The revision serving production traffic now. Receives `100 - candidatePercent`.
   */
  readonly current: IRevision;

  /**
   * The revision being rolled out.
   *
   * @default - no candidate: `current` gets 100% (release mode before a candidate exists)
   */
  readonly candidate?: IRevision;

  /**
   * Percent of the traffic sent to the candidate (0–100).
   *
   * @default 0
   */
  readonly candidatePercent?: number;

  /**
   * Tag of the current revision's entry.
   *
   * @default 'current'
   */
  readonly currentTag?: string;

  /**
   * Tag of the candidate's entry.
   *
   * @default 'candidate'
   */
  readonly candidateTag?: string;

  /**
   * Tag of the 0% latest-revision entry.
   *
   * @default 'latest'
   */
  readonly latestTag?: string;
}

/**
 * Options for `TrafficSplit.promote()`.
 */
export interface TrafficPromoteOptions {
  /**
   * Tag of the entry that serves production traffic now (removed by the promotion; the
   * promoted entry takes this tag).
   *
   * @default 'current'
   */
  readonly currentTag?: string;

  /**
   * Tag of the entry being promoted.
   *
   * @default 'candidate'
   */
  readonly candidateTag?: string;
}

interface Entry {
  readonly target: TrafficTarget;
  /** undefined for the remainder entry */
  percent?: number;
  tag?: string;
  remainder: boolean;
}

/**
 * The `traffic` block of a Knative Service or Route: an ordered list of entries, each a
 * target with a percent and an optional tag.
 *
 * Fluent (each method returns this `TrafficSplit`):
 *
 * ```ts
 * TrafficSplit.create()
 *   .toRevision(v1, 40, { tag: 'v1' })
 *   .toRevision(v2, 30, { tag: 'v2' })
 *   .remainderTo(TrafficTarget.revision(v3), { tag: 'v3' })
 *   .tag('latest', TrafficTarget.latestRevision());
 * ```
 *
 * Declarative: `TrafficSplit.fromEntries([{ target, percent, tag }, …])`.
 *
 * Helpers for common flows: `latest()`, `pin()`, `release()`, `promote()`, `rollback()`,
 * `rollbackTo()`.
 *
 * Each entry is checked when added (percent a whole number 0–100, tag a DNS-1035 label, tags
 * unique), and so are the helpers' preconditions; a split is not attached to a construct yet, so
 * a problem is recorded rather than thrown, and the Service or Route that receives the split
 * (`traffic` prop, `replaceTraffic()`, `addTraffic()`) throws it with its construct path
 * (`[chart/Svc] traffic[1].percent: … Fix: …`). Problems recorded after that are reported at
 * synthesis, with the checks on the whole table (percents sum to 100, tag host lengths, targets
 * allowed by the owning resource).
 */
export class TrafficSplit {
  /**
   * An empty split; add entries with the fluent methods.
   */
  public static create(): TrafficSplit {
    return new TrafficSplit();
  }

  /**
   * Knative's default: 100% to the latest ready revision (`[{latestRevision: true, percent: 100}]`).
   */
  public static latest(): TrafficSplit {
    return new TrafficSplit().toLatest(100);
  }

  /**
   * 100% to one revision; new revisions get no traffic until the split changes.
   *
   * @param rev the revision to pin
   */
  public static pin(rev: IRevision, options: TrafficPinOptions = {}): TrafficSplit {
    const split = new TrafficSplit().toRevision(rev, 100);
    if (options.latestTag !== undefined) {
      split.tag(options.latestTag, TrafficTarget.latestRevision());
    }
    return split;
  }

  /**
   * Release mode: `current` (tag `current`) gets `100 - candidatePercent`, `candidate`
   * (tag `candidate`) gets `candidatePercent`, and the latest ready revision stays reachable at
   * 0% under tag `latest`. Call it with 0, 5, 50 and 100 to walk a release; `promote()` finishes it.
   */
  public static release(options: TrafficReleaseOptions): TrafficSplit {
    const split = new TrafficSplit();
    let candidatePercent = options.candidatePercent ?? 0;
    if (!isPercent(candidatePercent)) {
      split.problems.add({
        field: 'traffic',
        message: 'TrafficSplit.release(): candidatePercent must be a whole number from 0 to 100',
        value: candidatePercent,
        fix: 'Use an integer between 0 and 100.',
      });
      candidatePercent = 0;
    } else if (!options.candidate && candidatePercent !== 0) {
      split.problems.add({
        field: 'traffic',
        message: 'TrafficSplit.release(): candidatePercent is set but no candidate revision was given',
        value: candidatePercent,
        fix: 'Pass \'candidate\', or set candidatePercent to 0.',
      });
    }
    split.toRevision(options.current, 100 - candidatePercent, { tag: options.currentTag ?? 'current' });
    if (options.candidate) {
      split.toRevision(options.candidate, candidatePercent, { tag: options.candidateTag ?? 'candidate' });
    }
    return split.tag(options.latestTag ?? 'latest', TrafficTarget.latestRevision());
  }

  /**
   * Roll back to a known-good revision: 100% to `rev`, as `kn service update --traffic <rev>=100`
   * does. New revisions get no traffic until the split changes. With `latestTag`, the latest
   * ready revision also stays reachable at 0% under that tag; without it, no latest-revision
   * entry is written. The same split as `pin(rev, options)`.
   */
  public static rollback(rev: IRevision, options: TrafficRollbackOptions = {}): TrafficSplit {
    return TrafficSplit.pin(rev, { latestTag: options.latestTag });
  }

  /**
   * The declarative form: one entry per element, in order. Equivalent to calling `to()` for
   * each entry.
   */
  public static fromEntries(entries: TrafficEntry[]): TrafficSplit {
    const split = new TrafficSplit();
    for (const e of entries) {
      if (e.remainder) {
        if (e.percent !== undefined) {
          split.problems.add({
            field: `traffic[${split.entries.length}].percent`,
            message: `TrafficSplit.fromEntries(): the remainder entry for ${e.target.describe()} also sets percent`,
            value: e.percent,
            fix: 'Drop percent (the remainder is computed) or drop remainder.',
          });
        }
        split.remainderTo(e.target, { tag: e.tag });
      } else {
        split.to(e.target, e.percent ?? 0, { tag: e.tag });
      }
    }
    return split;
  }

  private readonly entries = new Array<Entry>();
  private readonly problems = new ProblemList();

  private constructor() {}

  /**
   * Send `percent` of the traffic to `target`.
   *
   * @param target where the traffic goes
   * @param percent whole number 0–100
   */
  public to(target: TrafficTarget, percent: number, options: TrafficTagOptions = {}): TrafficSplit {
    if (!isPercent(percent)) {
      this.problems.add({
        field: `traffic[${this.entries.length}].percent`,
        message: 'must be a whole number from 0 to 100',
        value: percent,
        fix: 'Use an integer between 0 and 100.',
      });
    }
    return this.add({ target, percent, tag: options.tag, remainder: false });
  }

  /**
   * Send `percent` of the traffic to a specific revision.
   */
  public toRevision(rev: IRevision, percent: number, options: TrafficTagOptions = {}): TrafficSplit {
    return this.to(TrafficTarget.revision(rev), percent, options);
  }

  /**
   * Send `percent` of the traffic to the latest ready revision.
   */
  public toLatest(percent: number, options: TrafficTagOptions = {}): TrafficSplit {
    return this.to(TrafficTarget.latestRevision(), percent, options);
  }

  /**
   * Give `target` a tag (its own URL) without sending it main-route traffic (0%).
   */
  public tag(tag: string, target: TrafficTarget): TrafficSplit {
    return this.to(target, 0, { tag });
  }

  /**
   * Send whatever the other entries leave (100 minus their sum, computed at synthesis) to
   * `target`. At most one remainder entry per split.
   */
  public remainderTo(target: TrafficTarget, options: TrafficTagOptions = {}): TrafficSplit {
    const existing = this.entries.find(e => e.remainder);
    if (existing) {
      this.problems.add({
        field: 'traffic',
        message: `TrafficSplit.remainderTo(): the split already sends the remainder to ${existing.target.describe()}`,
        value: target,
        shown: target.describe(),
        fix: 'Use to() with an explicit percent for one of them.',
      });
      return this;
    }
    return this.add({ target, tag: options.tag, remainder: true });
  }

  /**
   * Finish a release: the entry tagged `candidate` takes the tag `current` and 100% of the
   * traffic, the old `current` entry is removed, every other entry keeps its tag at 0%.
   */
  public promote(options: TrafficPromoteOptions = {}): TrafficSplit {
    const currentTag = options.currentTag ?? 'current';
    const candidateTag = options.candidateTag ?? 'candidate';
    const candidate = this.entries.find(e => e.tag === candidateTag);
    if (!candidate) {
      this.problems.add({
        field: 'traffic',
        message: `TrafficSplit.promote(): no entry is tagged "${candidateTag}" (tags: ${this.tagList()})`,
        ...(options.candidateTag !== undefined ? { value: options.candidateTag } : {}),
        fix: 'Promote a split built with TrafficSplit.release({ candidate, … }), or pass { candidateTag }.',
      });
      return this;
    }
    _touch();
    const current = this.entries.findIndex(e => e.tag === currentTag);
    if (current >= 0) {
      this.entries.splice(current, 1);
    }
    candidate.tag = currentTag;
    // Keep the promoted entry first, like `knative release … finish`.
    this.entries.splice(this.entries.indexOf(candidate), 1);
    this.entries.unshift(candidate);
    this.setOnly(candidate);
    return this;
  }

  /**
   * Roll back within this split: 100% to the entry tagged `tag`, 0% to every other entry
   * (their tags, and so their URLs, stay).
   */
  public rollbackTo(tag: string): TrafficSplit {
    const entry = this.entries.find(e => e.tag === tag);
    if (!entry) {
      this.problems.add({
        field: 'traffic',
        message: `TrafficSplit.rollbackTo(): no entry has this tag (tags: ${this.tagList()})`,
        value: tag,
        fix: 'Use one of the tags of this split, or TrafficSplit.rollback(revision).',
      });
      return this;
    }
    this.setOnly(entry);
    return this;
  }

  /**
   * The tags used in this split, in entry order.
   */
  public get tags(): string[] {
    return this.entries.filter(e => e.tag !== undefined).map(e => e.tag!);
  }

  /**
   * Number of entries.
   */
  public get length(): number {
    return this.entries.length;
  }

  /**
   * Problems recorded while building the split (see src/serving/errors.ts: deferral), raised by
   * the construct the split is attached to.
   * @internal
   */
  public get _problems(): ProblemList {
    return this.problems;
  }

  /**
   * The entries' targets and tags, in order.
   * @internal
   */
  public _entries(): Array<{ target: TrafficTarget; tag?: string }> {
    return this.entries.map(e => ({ target: e.target, tag: e.tag }));
  }

  /**
   * Render the `traffic` list with Knative's per-entry defaults made explicit
   * (`latestRevision` and `percent` always present), so the output is a fixed point of admission.
   * @internal
   */
  public _toKube(): WireTrafficTarget[] {
    const fixed = this.entries.filter(e => !e.remainder).reduce((sum, e) => sum + (e.percent ?? 0), 0);
    return this.entries.map(e => {
      const out: WireTrafficTarget = {};
      if (e.tag !== undefined) out.tag = e.tag;
      Object.assign(out, e.target._toKube());
      out.percent = e.remainder ? Math.max(0, 100 - fixed) : e.percent;
      return out;
    });
  }

  private add(entry: Entry): TrafficSplit {
    const field = `traffic[${this.entries.length}]`;
    const problem = entry.target._problem;
    if (problem) this.problems.add({ ...problem, field });
    if (entry.tag !== undefined) {
      if (typeof entry.tag !== 'string' || !isDns1035Label(entry.tag)) {
        this.problems.add({
          field: `${field}.tag`,
          message: 'is not a DNS-1035 label',
          value: entry.tag,
          fix: 'Use 1-63 lowercase letters, digits or \'-\', starting with a letter and ending with a letter or digit (e.g. \'v2\', \'candidate\').',
        });
      }
      const clash = this.entries.find(e => e.tag === entry.tag);
      if (clash) {
        this.problems.add({
          field: `${field}.tag`,
          message: `is already used by the entry for ${clash.target.describe()}; tags must be unique within a traffic split (Knative: Multiple definitions for "${entry.tag}")`,
          value: entry.tag,
          fix: `Choose another tag for ${entry.target.describe()}.`,
        });
      }
    }
    _touch();
    this.entries.push(entry);
    return this;
  }

  private setOnly(winner: Entry): void {
    _touch();
    for (const e of this.entries) {
      e.remainder = false;
      e.percent = e === winner ? 100 : 0;
    }
  }

  private tagList(): string {
    const tags = this.tags;
    return tags.length ? tags.map(t => `"${t}"`).join(', ') : 'none';
  }
}

function isPercent(percent: number): boolean {
  return typeof percent === 'number' && Number.isInteger(percent) && percent >= 0 && percent <= 100;
}

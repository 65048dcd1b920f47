/**
 * One error type for every error a user can see from src/serving and src/control-plane.
 *
 * Shape (the same as synth-time validation errors, which cdk8s prints as `[<path>] <error>`):
 *
 *     [<construct path>] <field>: <message> (got <value>). Fix: <fix>
 *
 * - `(got <value>)` appears only when the user wrote a value (the `value` key is present in the
 *   details); never for a default the user did not write.
 * - The text after `[<path>] ` is built by `formatProblem` in src/core/rules/violation.ts, the
 *   formatter synth-time validation and the runtime's admission use, so the three cannot drift.
 *
 * Internal: not exported from src/index.ts (jsii does not see it; jsii cannot model an `Error`
 * subclass as a class of the public API anyway, and users only need the message). Tests read the
 * structured parts (`constructPath`, `field`, `problem`, `value`, `fix`) from the object.
 *
 * Where the construct path comes from:
 * - Constructors and mutators know their construct: `throw new KnativeError(this, {...})`, or
 *   run helpers that throw path-less errors inside `_withPath(this, () => ...)`, which locates
 *   them at `this` (and prefixes the field when the helper's field is relative).
 * - Value objects not yet attached to a construct (`TrafficSplit`, `TrafficTarget.*`,
 *   `RevisionName.of`, `AutoscalerClass.custom`, `AutoscalingMetric.custom`, projected-volume
 *   factories) DEFER: the factory records a path-less `KnativeError` in the object (see
 *   `ProblemList`) instead of throwing, and the attach point (the construct prop or mutator that
 *   receives the object) throws the first recorded problem located at its construct and field
 *   (`_throwProblems`). Problems recorded after attaching (a split mutated later) are reported by
 *   the construct's synth-time validation, also with the path. We defer rather than catch and
 *   rethrow at the attach point because the factory runs before the attach point exists: an
 *   error thrown there could never carry the path. A value object that is never attached never
 *   reports its problem (it has no effect on the output either).
 */
import { IConstruct } from 'constructs';
import { formatProblem, safeJson } from '../core/rules';

const BRAND = Symbol.for('cdk8s-knative-serving.KnativeError');

/** What went wrong, where in the resource, and how to fix it. */
export interface KnativeErrorDetails {
  /**
   * The field or prop, as a Knative path (`spec.template.spec.timeoutSeconds`) or the construct
   * prop (`ingress.nodePort`, `autoscaling.target`). Relative fields of value objects
   * (`traffic[1].percent`) get a prefix when the object is attached (`located`).
   */
  readonly field: string;
  /** The problem, lower-case, without a trailing period (`must be at least 1 second`). */
  readonly message: string;
  /**
   * The bad value as the user wrote it. Leave the key out (not `value: undefined`) when the
   * user wrote no value; `value: undefined` reports `(got undefined)`.
   */
  readonly value?: unknown;
  /**
   * How `value` is shown, when JSON is not what the user wrote (e.g. a Duration as
   * `1.5 seconds`). Default: JSON of `value` (a cdk8s Duration: its human string).
   */
  readonly shown?: string;
  /** The fix, a sentence (`Omit timeout, or set e.g. Duration.seconds(60).`). */
  readonly fix: string;
}

/**
 * A user error: construct path, field, bad value and fix (see the file comment).
 * @internal
 */
export class KnativeError extends Error {
  /** Whether `x` is a `KnativeError` (also across copies of this module). */
  public static is(x: unknown): x is KnativeError {
    return typeof x === 'object' && x !== null && BRAND in x;
  }

  /** The construct path (`chart/Api`), or undefined while not located. */
  public readonly constructPath: string | undefined;
  /** The field or prop. */
  public readonly field: string;
  /** The problem (the `message` of the details; `message` is the whole text). */
  public readonly problem: string;
  /** Whether the user wrote a value (`(got …)` is shown). */
  public readonly hasValue: boolean;
  /** The bad value (undefined when `hasValue` is false). */
  public readonly value: unknown;
  /** The value as shown after `got`. */
  public readonly shown: string | undefined;
  /** The fix. */
  public readonly fix: string;
  /** The message without the `[<path>] ` prefix: what synth-time validation returns. */
  public readonly body: string;

  /**
   * @param scope the construct (or its path) the error is about; undefined while not known
   *   (value objects: see `located`)
   */
  constructor(scope: IConstruct | string | undefined, details: KnativeErrorDetails, options: { cause?: unknown } = {}) {
    const path = typeof scope === 'string' ? scope : scope?.node.path;
    const hasValue = 'value' in details;
    const shown = details.shown ?? (hasValue ? showValue(details.value) : undefined);
    const body = formatProblem(details.field, details.message, shown, details.fix);
    super(path !== undefined ? `[${path}] ${body}` : body, options.cause !== undefined ? { cause: options.cause } : undefined);
    Object.defineProperty(this, BRAND, { value: true });
    this.name = 'KnativeError';
    this.constructPath = path;
    this.field = details.field;
    this.problem = details.message;
    this.hasValue = hasValue;
    this.value = hasValue ? details.value : undefined;
    this.shown = shown;
    this.fix = details.fix;
    this.body = body;
  }

  /** The details this error was built from. */
  public get details(): KnativeErrorDetails {
    const d: { -readonly [K in keyof KnativeErrorDetails]: KnativeErrorDetails[K] } = {
      field: this.field, message: this.problem, fix: this.fix, shown: this.shown,
    };
    if (this.hasValue) d.value = this.value;
    return d;
  }

  /**
   * This error located at `scope`, its field prefixed with `fieldPrefix` (`spec` +
   * `traffic[1].percent` → `spec.traffic[1].percent`). An error that already has a construct
   * path is returned unchanged (the innermost construct is the most precise).
   */
  public located(scope: IConstruct | string | undefined, fieldPrefix?: string): KnativeError {
    if (this.constructPath !== undefined || scope === undefined) return this;
    const field = fieldPrefix ? joinField(fieldPrefix, this.field) : this.field;
    return new KnativeError(scope, { ...this.details, field }, { cause: this });
  }
}

/**
 * Problems recorded by a value object (see the file comment: deferral), raised by the construct
 * it is attached to.
 * @internal
 */
export class ProblemList {
  private readonly list: KnativeError[] = [];

  /** Record a path-less problem. */
  public add(details: KnativeErrorDetails): void {
    this.list.push(new KnativeError(undefined, details));
  }

  /** Recorded problems, in order. */
  public get all(): readonly KnativeError[] {
    return this.list;
  }

  /** Number of recorded problems. */
  public get length(): number {
    return this.list.length;
  }

  /**
   * Throw the first problem (from index `from`: e.g. only those a mutator call added) located at
   * `scope` (field under `fieldPrefix`), if any.
   */
  public throwFirst(scope: IConstruct, fieldPrefix?: string, from = 0): void {
    if (this.list.length > from) throw this.list[from].located(scope, fieldPrefix);
  }

  /** Every problem as synth-time validation reports it (`field: … Fix: …`, cdk8s adds the path). */
  public bodies(fieldPrefix?: string): string[] {
    return this.list.map(e => e.located('-', fieldPrefix).body);
  }
}

/**
 * Run `fn`; a path-less `KnativeError` it throws is rethrown located at `scope` (field under
 * `fieldPrefix`); a located one (a nested construct's) passes unchanged. Any other error (a
 * library bug, an error from cdk8s or cdk8s-plus) is rethrown as a `KnativeError` at `scope`
 * whose message is the original one, so the user still sees where it happened.
 * @internal
 */
export function _withPath<T>(scope: IConstruct | undefined, fn: () => T, fieldPrefix?: string): T {
  try {
    return fn();
  } catch (e) {
    throw _pathError(scope, e, fieldPrefix);
  }
}

/**
 * The error `e` located at `scope` (see `_withPath`).
 * @internal
 */
export function _pathError(scope: IConstruct | undefined, e: unknown, fieldPrefix?: string): unknown {
  if (!scope) return e;
  if (KnativeError.is(e)) return e.located(scope, fieldPrefix);
  const message = e instanceof Error ? e.message : String(e);
  // Already located (a nested construct's foreign error wrapped once).
  if (message.startsWith('[')) return e;
  return new KnativeError(scope, { field: fieldPrefix ?? '', message: stripPeriod(message), fix: '' }, { cause: e });
}

/**
 * The path a construct `id` under `scope` will have: for errors thrown before `super()` (or by
 * an import factory) about the construct being created.
 * @internal
 */
export function _childPath(scope: IConstruct, id: string): string {
  return scope.node.path ? `${scope.node.path}/${id}` : id;
}

/** A value as shown after `got`: a cdk8s Duration by its human string, otherwise JSON. */
export function showValue(v: unknown): string {
  if (isDuration(v)) return v.toHumanString();
  return safeJson(v);
}

function isDuration(v: unknown): v is { toHumanString(): string; toMilliseconds(): number } {
  return typeof v === 'object' && v !== null
    && typeof (v as { toHumanString?: unknown }).toHumanString === 'function'
    && typeof (v as { toMilliseconds?: unknown }).toMilliseconds === 'function';
}

function joinField(prefix: string, field: string): string {
  if (!field) return prefix;
  return field.startsWith('[') ? `${prefix}${field}` : `${prefix}.${field}`;
}

function stripPeriod(s: string): string {
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

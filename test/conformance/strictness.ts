/**
 * Deliberate strictness: objects our rules (src/core/rules) reject although every upstream
 * Knative version run by the conformance test admits them, on purpose. Each entry says why and
 * matches exactly its cases (a predicate over the object and our error texts); a false reject no
 * entry matches fails the conformance test. README, "Upstream conformance", lists these.
 */
import { goFieldAt, goTypeOf } from '../../src/core/go-json';
import type { KubeObject } from '../../src/core/types';

/** One documented deliberate strictness. */
export interface Strictness {
  /** Short kebab-case id (shown in reports). */
  readonly id: string;
  /** Why we reject what upstream admits. */
  readonly reason: string;
  /** Whether this entry explains our rejection of `object` with these error texts. */
  readonly applies: (object: KubeObject, ourErrors: readonly string[]) => boolean;
}

/** `a.b[0].c` as go-json path steps (`['a', 'b', '[]', 'c']`). */
function steps(path: string): string[] {
  return path.split('.').flatMap((p) => {
    const m = /^([^[]+)((\[\d+\])*)$/.exec(p);
    if (!m) return [p];
    return [m[1], ...(m[2].match(/\[\d+\]/g) ?? []).map(() => '[]')];
  });
}

const DISALLOWED = /^([^:]+): must not set the field\(s\)/;

/** Whether `error` is our "must not set" for a key that the Go type holding it does not have. */
function unknownFieldError(object: KubeObject, error: string): boolean {
  const m = DISALLOWED.exec(error);
  const type = goTypeOf(object);
  if (!m || type === undefined) return false;
  const path = steps(m[1]);
  const parent = path.slice(0, -1);
  // The parent is a struct the table models, and it has no such field.
  return (parent.length === 0 || goFieldAt(type, parent) !== undefined) && goFieldAt(type, path) === undefined;
}

export const STRICTNESS: readonly Strictness[] = [
  {
    id: 'unknown-fields',
    reason: 'A key the Knative Go types do not have is rejected ("must not set the field(s)"). Knative\'s webhook decodes with '
      + 'unknown fields allowed and drops them, and the API server prunes them (or, under kubectl\'s strict field validation, '
      + 'rejects them); a typo (`contianerPort`) would otherwise vanish silently.',
    applies: (object, errors) => errors.length > 0 && errors.every((e) => unknownFieldError(object, e)),
  },
];

/** The entry that explains a false reject, if any: every one of our errors must be explained by the same entry. */
export function documentedStrictness(object: KubeObject, ourErrors: readonly string[]): Strictness | undefined {
  return STRICTNESS.find((s) => s.applies(object, ourErrors));
}

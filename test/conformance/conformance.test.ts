/**
 * Upstream conformance (README, "Upstream conformance"): our admission rules (src/core/rules, as
 * the bundled webhook runs them) against upstream Knative's own admission code, built from
 * knative.dev/serving for two versions by test/upstream-admission/build.sh (cached), on more than
 * 20,000 objects (examples, the property test's arbitraries, a hand-written corpus per rule family
 * under feature gates and config knobs, seeded random combinations). Fails on any false accept,
 * any false reject not on the documented strictness list (./strictness.ts) and any example or
 * property-test object we accept that upstream's defaulting changes. Prints the same RESULT line
 * as `npm run conformance`. Skipped (with the reason printed) only when `go` is not installed.
 */
import type { Judged, Summary } from './differential';
import { conformance } from './run';
import { STRICTNESS } from './strictness';
import { haveGo, UPSTREAM_VERSIONS, upstreamRejects } from './upstream';

const go = haveGo();
if (!go) {
  // eslint-disable-next-line no-console
  console.log('SKIPPED test/conformance/conformance.test.ts: `go` is not installed, so upstream Knative\'s admission cannot be built');
}
const maybe = go ? describe : describe.skip;

maybe('upstream conformance: core/rules vs Knative\'s admission', () => {
  let summary: Summary;
  let judged: Judged[];
  let report: string[];
  beforeAll(() => {
    const lines: string[] = [];
    ({ summary, judged, report } = conformance((l) => lines.push(l)));
    // eslint-disable-next-line no-console
    console.log([...lines, ...report, `RESULT ${JSON.stringify(summary)}`].join('\n'));
  }, 600_000);

  const disagreements = (pred: (j: Judged) => boolean) => judged.filter(pred).map((j) => ({
    id: j.case.id,
    config: j.case.configName,
    object: j.case.object,
    ours: j.ours.threw ?? j.ours.configError ?? j.ours.errors,
    upstream: Object.fromEntries(Object.entries(j.upstream).map(([v, u]) => [v, u.configError ?? u.decodeError ?? u.panic ?? u.errors])),
  })).slice(0, 5);

  test('over 20,000 objects from every source, judged by every version', () => {
    expect(summary.objects).toBeGreaterThanOrEqual(20_000);
    expect(summary.knative_versions).toEqual(UPSTREAM_VERSIONS.map((v) => v.knative));
    const sources = new Set(judged.map((j) => j.case.source));
    expect([...sources].sort()).toEqual(['corpus', 'example', 'mutation', 'property']);
    expect(summary.agree + summary.false_accept + summary.false_reject).toBe(summary.objects);
  });

  test('the judge is not vacuous: upstream rejects and accepts, and we do both', () => {
    // Both sides reject plenty (the corpus is mostly edge cases) and accept plenty.
    const upstreamRejected = judged.filter((j) => Object.values(j.upstream).some(upstreamRejects)).length;
    expect(upstreamRejected).toBeGreaterThan(summary.objects / 5);
    expect(summary.objects - upstreamRejected).toBeGreaterThan(summary.objects / 5);
    // Pinned upstream verdicts (Knative 1.17 and 1.23 alike): a pointer field at its zero value is set, an empty
    // omitempty list is gone after the round trip, a number in args does not decode.
    const verdict = (field: string, value: unknown) => judged.find((j) => j.case.source === 'corpus' && j.case.object.kind === 'Service'
      && j.case.configName === 'default' && j.case.edits?.length === 1 && j.case.edits[0].field === field
      && JSON.stringify(j.case.edits[0].value) === JSON.stringify(value))!;
    for (const v of Object.values(verdict('terminationGracePeriodSeconds', 0).upstream)) expect(v.errors.join('\n')).toMatch(/must not set the field\(s\): spec.template.spec.terminationGracePeriodSeconds/);
    for (const v of Object.values(verdict('tolerations', []).upstream)) expect(upstreamRejects(v)).toBe(false);
    for (const v of Object.values(verdict('args', [1]).upstream)) expect(v.decodeError).toMatch(/cannot decode incoming new object/);
  });

  test('no false accept: whatever we admit, every version admits', () => {
    expect(disagreements((j) => j.outcome === 'false_accept')).toEqual([]);
    expect(summary.false_accept).toBe(0);
  });

  test('every false reject is documented deliberate strictness', () => {
    expect(disagreements((j) => j.outcome === 'false_reject' && j.strictness === undefined)).toEqual([]);
    expect(summary.false_reject).toBe(summary.documented_strictness);
  });

  test('every documented strictness still explains some case (no dead entries)', () => {
    const used = new Set(judged.map((j) => j.strictness).filter((s) => s !== undefined));
    expect(STRICTNESS.map((s) => s.id).filter((id) => !used.has(id))).toEqual([]);
  });

  test('every example and property-test object we admit is admitted and a fixed point of upstream defaulting', () => {
    const ours = judged.filter((j) => (j.case.source === 'example' || j.case.source === 'property') && j.ours.errors.length === 0 && !j.ours.threw);
    expect(ours.filter((j) => j.case.source === 'example').length).toBeGreaterThan(10);
    expect(ours.filter((j) => j.case.source === 'property').length).toBeGreaterThan(150); // 184 of 1,497 with the default seed: the arbitraries aim at edge cases
    const changed = ours.filter((j) => Object.keys(j.notFixedPoint).length > 0);
    expect(changed.slice(0, 5).map((j) => ({ id: j.case.id, object: j.case.object, patch: j.notFixedPoint })))
      .toEqual([]);
    expect(summary.not_fixed_point).toBe(0);
  });
});

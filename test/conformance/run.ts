/**
 * `npm run conformance`: builds test/upstream-admission (cached), judges every case of
 * ./cases.ts by our rules and by upstream Knative (./differential.ts), prints the disagreement
 * classes and ends with `RESULT {...}`. Exit status 1 when a case is a false accept, an
 * undocumented false reject or not a fixed point.
 *
 * Env: CONFORMANCE_SEED (default 20261206), CONFORMANCE_MUTATIONS (random cases, default
 * 17000), CONFORMANCE_REPORT (write every disagreement as JSON lines to this file).
 */
import { writeFileSync } from 'fs';
import { Case, corpusCases, exampleCases, mutationCases, propertyCases } from './cases';
import { disagreementClasses, judge, Judged, Summary, weReject } from './differential';
import { buildUpstream, UPSTREAM_VERSIONS, upstreamRejects } from './upstream';

export const SEED = Number(process.env.CONFORMANCE_SEED ?? 20261206);
export const MUTATIONS = Number(process.env.CONFORMANCE_MUTATIONS ?? 17000);

/** Every case of the run, in a fixed order. */
export function allCases(): Case[] {
  return [...exampleCases(), ...propertyCases(2500, 1000, SEED), ...corpusCases(), ...mutationCases(MUTATIONS, SEED)];
}

/** Build, judge, and describe the classes of disagreement. */
export function conformance(log: (line: string) => void): { summary: Summary; judged: Judged[]; report: string[]; passed: boolean } {
  log(buildUpstream().trim());
  const cases = allCases();
  const { judged, summary } = judge(cases);
  const report: string[] = [];
  const bySource = new Map<string, number>();
  for (const c of cases) bySource.set(c.source, (bySource.get(c.source) ?? 0) + 1);
  report.push(`cases by source: ${[...bySource].map(([s, n]) => `${s} ${n}`).join(', ')}`);
  // Each version alone (the RESULT takes a rejection by any version as upstream's verdict).
  for (const v of UPSTREAM_VERSIONS) {
    const counts = { judged: 0, agree: 0, we_accept_it_rejects: 0, we_reject_it_accepts: 0 };
    for (const j of judged) {
      const u = j.upstream[v.knative];
      if (u === undefined) continue;
      counts.judged++;
      const ours = weReject(j.ours);
      const theirs = upstreamRejects(u);
      if (ours === theirs) counts.agree++;
      else if (theirs) counts.we_accept_it_rejects++;
      else counts.we_reject_it_accepts++;
    }
    report.push(`Knative ${v.knative} alone: ${JSON.stringify(counts)}`);
  }
  for (const c of disagreementClasses(judged)) {
    report.push(`${c.outcome} ×${c.count} [${c.families.join(' ')}] ${c.key}`);
    const j = c.example;
    report.push(`    e.g. ${j.case.id} (config ${j.case.configName}): ${JSON.stringify(j.case.edits?.map((e) => ({ [e.field]: e.value })) ?? j.case.object)}`);
    report.push(`    ours: ${JSON.stringify(j.ours.threw ?? j.ours.configError ?? j.ours.errors.slice(0, 2))}`);
    for (const [v, u] of Object.entries(j.upstream)) {
      const extra = c.outcome === 'not_fixed_point' ? ` patch ${JSON.stringify(j.notFixedPoint[v] ?? [])}`
        : c.outcome === 'defaults_differ' ? ` differs at ${JSON.stringify(j.defaultsDiffer[v] ?? [])}`
          : c.outcome === 'warnings_differ' ? ` warnings ${JSON.stringify(u.warnings)}, ours ${JSON.stringify(j.ours.warnings)}` : '';
      report.push(`    ${v}: ${JSON.stringify(u.configError ?? u.decodeError ?? u.panic ?? u.errors.slice(0, 2))}${extra}`);
    }
  }
  const passed = summary.false_accept === 0 && summary.false_reject === summary.documented_strictness && summary.not_fixed_point === 0;
  if (process.env.CONFORMANCE_REPORT) {
    const reported = (j: Judged) => j.outcome !== 'agree' || Object.keys(j.notFixedPoint).length > 0 || Object.keys(j.defaultsDiffer).length > 0;
    writeFileSync(process.env.CONFORMANCE_REPORT, judged.filter(reported)
      .map((j) => JSON.stringify({
        id: j.case.id,
        outcome: j.outcome,
        strictness: j.strictness,
        config: j.case.configName,
        object: j.case.object,
        ours: j.ours,
        upstream: j.upstream,
        notFixedPoint: j.notFixedPoint,
        defaultsDiffer: j.defaultsDiffer,
      }))
      .join('\n') + '\n');
  }
  return { summary, judged, report, passed };
}

if (require.main === module) {
  const start = Date.now();
  // eslint-disable-next-line no-console
  const log = (l: string) => console.log(l);
  const { summary, report, passed } = conformance(log);
  report.forEach(log);
  log(`took ${((Date.now() - start) / 1000).toFixed(1)} s`);
  log(`RESULT ${JSON.stringify(summary)}`);
  process.exitCode = passed ? 0 : 1;
}

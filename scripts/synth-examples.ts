/**
 * `npm run synth`: the main job. Synthesizes every example under examples/ into
 * dist/manifests/<example>/ (multi-step scenarios into dist/manifests/<example>/<NN>-<step>/)
 * and prints, per Knative Service and Route, a table like the seeds' `revisions list`
 * (tags, traffic %, revision, URL), computed from the synthesized objects.
 *
 * URLs assume the cluster's config-domain is `example.com` (override with KN_DOMAIN) and the
 * default domain/tag templates; cluster-local services get `svc.cluster.local` hosts.
 *
 * Every serving.knative.dev object is also checked against Knative admission (src/core/rules,
 * src/core/go-json.ts): its Go JSON round trip must drop or rewrite nothing, defaulting must
 * change nothing, and validation must report no errors. Problems are reported as
 * warnings; `--strict` (or SYNTH_STRICT=1) makes them fatal.
 *
 *   npx ts-node --project tsconfig.dev.json scripts/synth-examples.ts [--strict] [example …]
 */
import { readdirSync, existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { App } from 'cdk8s';
import { Example, ExampleStep } from '../examples/example';
import { goJsonRoundTripChanges, parseServingConfig, routeHosts, ServingConfig } from '../src/core';
import { applyDefaults, formatViolation, validate } from '../src/core/rules';
import { KubeObject, WireTrafficTarget } from '../src/core/types';

const root = join(__dirname, '..');
const outRoot = join(root, 'dist', 'manifests');
const domain = process.env.KN_DOMAIN ?? 'example.com';
const config: ServingConfig = parseServingConfig({ 'config-domain': { [domain]: '' } });

interface Row { tags: string; traffic: string; revision: string; url: string }

/**
 * Rows for one Service/Route: one per traffic target, tags (and percents) of identical targets
 * merged like the seeds' `knative revisions list`. In a Service whose template has a BYO name,
 * the latest-revision entry is shown as that revision (it is the latest once it is Ready), so a
 * `latest` tag merges with the entry pinning the same revision (`current,latest 100% ghi`).
 */
export function trafficRows(obj: KubeObject, cfg: ServingConfig): { header: string; rows: Row[] } {
  const isService = obj.kind === 'Service';
  const name = obj.metadata.name ?? '(generated)';
  const namespace = obj.metadata.namespace ?? 'default';
  const traffic: WireTrafficTarget[] = obj.spec?.traffic ?? (isService ? [{ latestRevision: true, percent: 100 }] : []);
  const tags = traffic.map((t) => t.tag).filter((t): t is string => !!t);
  const hosts = routeHosts({ name, namespace, labels: obj.metadata.labels, annotations: obj.metadata.annotations }, tags, cfg);
  const templateName: string | undefined = isService ? obj.spec?.template?.metadata?.name : undefined;
  const byTarget = new Map<string, Row & { tagList: string[]; percentSum: number }>();
  for (const t of traffic) {
    let revision: string;
    if (t.revisionName) revision = t.revisionName;
    else if (t.configurationName) revision = `@latest of ${t.configurationName}`;
    else revision = templateName ?? '@latest';
    const key = revision;
    const row = byTarget.get(key) ?? { tags: '', traffic: '', revision, url: '', tagList: [], percentSum: 0 };
    if (t.tag) row.tagList.push(t.tag);
    row.percentSum += t.percent ?? 0;
    byTarget.set(key, row);
  }
  const rows = [...byTarget.values()].map((r) => ({
    tags: r.tagList.join(',') || '-',
    traffic: `${r.percentSum}%`,
    revision: r.revision,
    url: r.tagList.length ? r.tagList.map((t) => hosts.tags[t].url).join(' ') : '',
  }));
  const kind = isService ? 'Service' : 'Route';
  return { header: `${kind} ${namespace}/${name}  ${hosts.url}${hosts.clusterLocal ? '  (cluster-local)' : ''}`, rows };
}

function formatTable(rows: Row[]): string {
  const head: Row = { tags: 'Tags', traffic: 'Traffic', revision: 'Revision', url: 'URL' };
  const all = [head, ...rows];
  const w = (k: keyof Row) => Math.max(...all.map((r) => r[k].length));
  const widths = { tags: w('tags'), traffic: w('traffic'), revision: w('revision') };
  return all
    .map((r) => `  ${r.tags.padEnd(widths.tags)}  ${r.traffic.padEnd(widths.traffic)}  ${r.revision.padEnd(widths.revision)}  ${r.url}`.trimEnd())
    .join('\n');
}

export function loadExamples(dir = join(root, 'examples')): Example[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'main.ts')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(join(dir, name, 'main.ts')) as { example?: Example };
      if (!mod.example) throw new Error(`examples/${name}/main.ts must export \`example\` (see examples/example.ts)`);
      return mod.example;
    });
}

/**
 * Knative admission problems of one synthesized object: fields its Go JSON round trip would drop
 * or rewrite (`goJsonRoundTripChanges`; fields Go only adds are no problem), fields the defaulting
 * webhook would add or change (the object is not a fixed point of `applyDefaults`) and validation
 * errors.
 */
export function admissionProblems(obj: KubeObject): string[] {
  const problems: string[] = [];
  // Knative's webhooks only see serving.knative.dev objects.
  if (!obj.apiVersion.startsWith('serving.knative.dev/')) return problems;
  const lost = goJsonRoundTripChanges(obj).flatMap((c) => {
    if (c.change === 'removed') return [`drop ${c.path}=${JSON.stringify(c.before)}`];
    if (c.change === 'changed') return [`rewrite ${c.path}=${JSON.stringify(c.before)} as ${JSON.stringify(c.after)}`];
    return [];
  });
  if (lost.length) problems.push(`${obj.kind} ${obj.metadata.name}: Knative's Go round trip would ${lost.join(', ')}`);
  const defaulted = applyDefaults(obj, { operation: 'create' });
  const changes = diffPaths(obj, defaulted, '');
  if (changes.length) {
    problems.push(`${obj.kind} ${obj.metadata.name}: Knative defaulting would change ${changes.join(', ')} (emit the defaulted values)`);
  }
  for (const v of validate(obj, { operation: 'create' })) {
    if (v.severity !== 'warning') problems.push(`${obj.kind} ${obj.metadata.name}: ${formatViolation(v)}`);
  }
  return problems;
}

/** Paths where `after` differs from `before`, as `path=value` (value as defaulted). */
function diffPaths(before: unknown, after: unknown, path: string): string[] {
  if (before !== null && after !== null && typeof before === 'object' && typeof after === 'object') {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((k) => diffPaths((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k],
      Array.isArray(after) ? `${path}[${k}]` : path ? `${path}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [`${path}=${JSON.stringify(after)}`];
}

/** One synthesized step of an example. */
export interface SynthesizedStep {
  readonly step: ExampleStep;
  readonly index: number;
  /** `<outRoot>/<example>/` for single-step examples, `<outRoot>/<example>/<NN>-<step>/` otherwise. */
  readonly outdir: string;
  readonly objects: KubeObject[];
  /** Number of manifest files written (one per chart). */
  readonly charts: number;
}

/** Synthesize every step of an example into its directory under `outRoot` (the layout `npm run local` reads). */
export function synthesizeExample(example: Example, outRootDir: string): SynthesizedStep[] {
  return example.steps.map((step, index) => {
    const stepDir = example.steps.length === 1 ? '' : `${String(index + 1).padStart(2, '0')}-${step.name}`;
    const outdir = join(outRootDir, example.name, stepDir);
    const app = new App({ outdir });
    step.build(app);
    app.synth();
    return { step, index, outdir, objects: app.charts.flatMap((c) => c.toJson() as KubeObject[]), charts: app.charts.length };
  });
}

function main(): void {
  const argv = process.argv.slice(2);
  const strict = argv.includes('--strict') || process.env.SYNTH_STRICT === '1';
  const only = argv.filter((a) => !a.startsWith('--'));
  const examples = loadExamples().filter((e) => only.length === 0 || only.includes(e.name));
  if (examples.length === 0) throw new Error(`no examples matched ${only.join(', ')}`);
  // Re-synthesizing a subset leaves the other examples' output alone.
  if (only.length === 0) rmSync(outRoot, { recursive: true, force: true });
  for (const e of examples) rmSync(join(outRoot, e.name), { recursive: true, force: true });
  let files = 0;
  const allProblems: string[] = [];
  for (const example of examples) {
    console.log(`\n=== ${example.name}: ${example.title}`);
    console.log(`    scenario: ${example.scenario}`);
    synthesizeExample(example, outRoot).forEach(({ step, index: i, outdir, objects, charts }) => {
      files += charts;
      const label = example.steps.length === 1 ? '' : `step ${i + 1}/${example.steps.length} ${step.name}: `;
      console.log(`\n--- ${label}${step.description}`);
      const problems = objects.flatMap(admissionProblems);
      allProblems.push(...problems.map((p) => `${example.name}/${step.name}: ${p}`));
      const kindCounts = new Map<string, number>();
      for (const o of objects) kindCounts.set(o.kind, (kindCounts.get(o.kind) ?? 0) + 1);
      const kinds = [...kindCounts].map(([k, c]) => (c > 1 ? `${k} x${c}` : k)).join(', ');
      console.log(`    ${objects.length} objects (${kinds}) -> ${relative(root, outdir)}/`);
      console.log(problems.length ? problems.map((p) => `    ✗ ${p}`).join('\n') : '    ✓ admission: unchanged by Knative\'s Go round trip and defaulting, no validation errors');
      for (const obj of objects) {
        if (obj.apiVersion !== 'serving.knative.dev/v1' || (obj.kind !== 'Service' && obj.kind !== 'Route')) continue;
        const t = trafficRows(obj, config);
        console.log(`\n  ${t.header}`);
        console.log(formatTable(t.rows));
      }
    });
  }
  if (allProblems.length) {
    console.error(`\n${allProblems.length} admission problem(s)${strict ? '' : ' (warning; --strict makes them fatal)'}:\n${allProblems.join('\n')}`);
    if (strict) process.exitCode = 1;
  }
  console.log(`\nSynthesized ${examples.length} examples (${files} manifest files) into ${relative(root, outRoot)}/ (URLs assume config-domain ${domain}).`);
}

if (require.main === module) {
  main();
}

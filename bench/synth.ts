/**
 * bench:synth (design.md §7): time to synthesize + validate N KnServices through our L2
 * constructs, vs. the same manifests built as raw cdk8s `ApiObject`s (no validation), vs. N
 * cdk8s-plus Deployment+Service pairs, for N = 100, 1000, 10000, all in one run.
 *
 * Each KnService: 1 container with 2 env vars and an httpGet readiness probe, autoscaling
 * annotations, a BYO revision name and a 2-entry traffic split (90% pinned revision + 10%
 * latest, both tagged). "Synth" = build the constructs + `app.synthYaml()`, which runs every
 * construct's `node.validate()` (our Knative admission rules) before rendering.
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/synth.ts [--sizes 100,1000,10000] [--runs 15]
 *
 * Prints a table, then as its LAST line:
 *   RESULT {"n1000_l2_over_raw": x, "n1000_l2_over_plus": y, "n10000_over_n1000": z}
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { ApiObject, App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { KnativeProbe, KnService, RevisionName, TrafficSplit, TrafficTarget } from '../src';

const args = process.argv.slice(2);
const argOf = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const SIZES = (argOf('sizes') ?? '100,1000,10000').split(',').map(Number);
const RUNS = Number(argOf('runs') ?? 15);
const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

type Variant = 'l2' | 'raw' | 'plus';
const IMAGE = 'ghcr.io/example/app:1.0';

/** `count` charts (services are spread round-robin); 1 unless measuring the multi-chart case. */
let chartCount = 1;
function charts(app: App): Chart[] {
  return Array.from({ length: chartCount }, (_, k) => new Chart(app, chartCount === 1 ? 'bench' : `bench${k}`, { namespace: 'default' }));
}

/** N KnServices through the L2 constructs. */
function buildL2(app: App, n: number): void {
  const cs = charts(app);
  for (let i = 0; i < n; i++) {
    const svc = new KnService(cs[i % cs.length], `Svc${i}`, {
      metadata: { name: `svc-${i}` },
      revisionName: RevisionName.of('v2'),
      containers: [{
        image: IMAGE,
        port: 8080,
        envVariables: { INDEX: kplus.EnvValue.fromValue(String(i)), LOG_LEVEL: kplus.EnvValue.fromValue('info') },
        readiness: KnativeProbe.fromHttpGet('/healthz', { periodSeconds: Duration.seconds(5) }),
      }],
      autoscaling: { minScale: 1, maxScale: 10, target: 50 },
      containerConcurrency: 0,
      timeout: Duration.seconds(300),
    });
    svc.replaceTraffic(TrafficSplit.create()
      .toRevision(svc.revision('v1'), 90, { tag: 'v1' })
      .remainderTo(TrafficTarget.latestRevision(), { tag: 'latest' }));
  }
}

/** The manifest `buildL2` renders for service i, written by hand. */
function rawService(i: number): { metadata: Record<string, unknown>; spec: Record<string, unknown> } {
  return {
    metadata: { name: `svc-${i}` },
    spec: {
      template: {
        metadata: {
          annotations: {
            'autoscaling.knative.dev/max-scale': '10',
            'autoscaling.knative.dev/min-scale': '1',
            'autoscaling.knative.dev/target': '50',
          },
          name: `svc-${i}-v2`,
        },
        spec: {
          containerConcurrency: 0,
          containers: [{
            env: [{ name: 'INDEX', value: String(i) }, { name: 'LOG_LEVEL', value: 'info' }],
            image: IMAGE,
            name: 'user-container',
            ports: [{ containerPort: 8080 }],
            readinessProbe: {
              failureThreshold: 3,
              httpGet: { path: '/healthz', port: 0 },
              periodSeconds: 5,
              successThreshold: 1,
              timeoutSeconds: 1,
            },
            resources: {},
          }],
          enableServiceLinks: false,
          timeoutSeconds: 300,
        },
      },
      traffic: [
        { latestRevision: false, percent: 90, revisionName: `svc-${i}-v1`, tag: 'v1' },
        { latestRevision: true, percent: 10, tag: 'latest' },
      ],
    },
  };
}

/** The same manifests as raw ApiObjects (no validation). */
function buildRaw(app: App, n: number): void {
  const cs = charts(app);
  for (let i = 0; i < n; i++) {
    const { metadata, spec } = rawService(i);
    new ApiObject(cs[i % cs.length], `Svc${i}`, { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata, spec });
  }
}

/** N cdk8s-plus Deployment + Service pairs with the same container. */
function buildPlus(app: App, n: number): void {
  const cs = charts(app);
  for (let i = 0; i < n; i++) {
    const dep = new kplus.Deployment(cs[i % cs.length], `Dep${i}`, {
      metadata: { name: `svc-${i}` },
      replicas: 1,
      containers: [{
        image: IMAGE,
        portNumber: 8080,
        envVariables: { INDEX: kplus.EnvValue.fromValue(String(i)), LOG_LEVEL: kplus.EnvValue.fromValue('info') },
        readiness: kplus.Probe.fromHttpGet('/healthz', { periodSeconds: Duration.seconds(5) }),
      }],
    });
    dep.exposeViaService({ name: `svc-${i}`, ports: [{ port: 80, targetPort: 8080 }] });
  }
}

const BUILDERS: Record<Variant, (app: App, n: number) => void> = { l2: buildL2, raw: buildRaw, plus: buildPlus };

/**
 * One measurement: build + synthYaml (validation included). Returns wall-clock ms and the
 * process CPU ms (user + system) spent in it; CPU time is what the ratios use, because it is
 * robust against other processes competing for this machine's cores.
 */
function measure(variant: Variant, n: number): { ms: number; cpu: number; bytes: number } {
  gc();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const app = new App();
  BUILDERS[variant](app, n);
  const yaml = app.synthYaml();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpu: (c.user + c.system) / 1000, bytes: yaml.length };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The L2 path must really validate, and render exactly the raw manifests. */
function sanityChecks(): void {
  const bad = new App();
  const chart = new Chart(bad, 'bad', { namespace: 'default' });
  const svc = new KnService(chart, 'Svc', { metadata: { name: 'svc' }, image: IMAGE, port: 9091 });
  svc.replaceTraffic(TrafficSplit.create().toLatest(50));
  let failed = false;
  try {
    bad.synthYaml();
  } catch (e) {
    failed = /reserved port/.test(String(e)) && /sum to 50/.test(String(e));
  }
  if (!failed) throw new Error('sanity: Knative validation did not run in the measured synth path');
  const l2 = new App();
  buildL2(l2, 3);
  const raw = new App();
  buildRaw(raw, 3);
  if (l2.synthYaml() !== raw.synthYaml()) throw new Error('sanity: L2 and raw manifests differ; the comparison would be unfair');
}

function main(): void {
  sanityChecks();
  console.log(`bench:synth  node ${process.version}  ${os.cpus().length} cores  load ${os.loadavg()[0].toFixed(1)}  gc=${(globalThis as { gc?: unknown }).gc ? 'exposed' : 'unavailable'}  runs=${RUNS} (median; 1 run above 1000)`);
  // Warm-up: JIT all three paths.
  for (let k = 0; k < 3; k++) for (const v of ['l2', 'raw', 'plus'] as Variant[]) measure(v, 200);

  const results: Record<Variant, Record<number, number>> = { l2: {}, raw: {}, plus: {} };
  const rows: string[][] = [];
  for (const n of SIZES) {
    const runs = n <= 1000 ? RUNS : 1;
    const cpu: Record<Variant, number[]> = { l2: [], raw: [], plus: [] };
    const wall: Record<Variant, number[]> = { l2: [], raw: [], plus: [] };
    const bytes: Record<Variant, number> = { l2: 0, raw: 0, plus: 0 };
    const order: Variant[] = ['l2', 'raw', 'plus'];
    for (let r = 0; r < runs; r++) {
      // Interleave the variants so drift affects them alike, rotating the order every run so that no
      // variant always runs right after the same other one (each inherits the previous one's heap
      // and inline-cache state).
      for (let k = 0; k < order.length; k++) {
        const v = order[(r + k) % order.length];
        const m = measure(v, n);
        cpu[v].push(m.cpu);
        wall[v].push(m.ms);
        bytes[v] = m.bytes;
      }
    }
    for (const v of ['l2', 'raw', 'plus'] as Variant[]) {
      results[v][n] = median(cpu[v]);
      rows.push([String(n), v, results[v][n].toFixed(0), (results[v][n] * 1000 / n).toFixed(0), median(wall[v]).toFixed(0),
        (bytes[v] / 1024).toFixed(0), cpu[v].map((x) => x.toFixed(0)).join(' ')]);
    }
  }
  const load = os.loadavg()[0];
  const head = ['N', 'variant', 'CPU ms (median)', 'CPU µs/object', 'wall ms (median)', 'YAML KiB', 'CPU ms samples'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log('\n' + fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(fmt(r));
  console.log(`\nload average at the end: ${load.toFixed(1)} (ratios use CPU time, which other processes do not inflate)`);
  console.log('variants: l2 = KnService constructs + Knative validation; raw = same manifests as ApiObjects; plus = cdk8s-plus Deployment+Service');

  // cdk8s 2.70 validates the whole app once in synthYaml() and again inside every
  // Chart.toJson(), so each construct's validation is called (charts + 1) times per synthesis; ours
  // computes once and reuses the result until something changes (src/serving/state.ts).
  if (!args.includes('--no-multichart') && results.l2[1000] !== undefined) {
    const n = 1000;
    const k = 50;
    chartCount = k;
    const cpu: Record<Variant, number[]> = { l2: [], raw: [], plus: [] };
    for (let r = 0; r < 3; r++) for (const v of ['l2', 'raw', 'plus'] as Variant[]) cpu[v].push(measure(v, n).cpu);
    chartCount = 1;
    const m = (v: Variant) => median(cpu[v]);
    console.log(`\nsame ${n} objects spread over ${k} charts (cdk8s calls each validation ${k + 1}x): `
      + `l2 ${m('l2').toFixed(0)} ms, raw ${m('raw').toFixed(0)} ms, plus ${m('plus').toFixed(0)} ms CPU (median of 3); `
      + `l2/raw ${(m('l2') / m('raw')).toFixed(2)}, l2 ${k} charts / 1 chart ${(m('l2') / results.l2[n]).toFixed(2)}`);
  }

  const ratio = (a: number, b: number) => Number((a / b).toFixed(3));
  const x = results.l2[1000] !== undefined ? ratio(results.l2[1000], results.raw[1000]) : null;
  const y = results.l2[1000] !== undefined ? ratio(results.l2[1000], results.plus[1000]) : null;
  const z = results.l2[10000] !== undefined && results.l2[1000] !== undefined ? ratio(results.l2[10000], results.l2[1000]) : null;
  console.log(`targets: l2/raw@1000 ${x} (≤ 1.5)  l2/plus@1000 ${y} (< 1.0)  l2 10000/1000 ${z} (≤ 12)`);
  console.log(`RESULT ${JSON.stringify({ n1000_l2_over_raw: x, n1000_l2_over_plus: y, n10000_over_n1000: z })}`);
}

main();

/**
 * Differential test: our KPA decider (src/core/autoscaler `replay`) against upstream Knative
 * 1.17's own Go packages (test/autoscaler-upstream, knative.dev/serving v0.44.0), tick for tick,
 * on the hand-written traces in ./traces and on seeded random traces. Skipped (with the reason
 * printed) only when `go` is not installed; the first run builds the Go program (cached by
 * test/autoscaler-upstream/build.sh).
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseReplayTrace, replay, ReplaySecond, ReplayTrace, smoothingCoefficient } from '../../../src/core/autoscaler';

const ROOT = join(__dirname, '..', '..', '..');
const UPSTREAM = join(ROOT, 'test', 'autoscaler-upstream');
const BIN = join(UPSTREAM, '.bin', 'autoscaler-upstream');
const TRACES = join(__dirname, 'traces');
const AS = 'autoscaling.knative.dev/';

const haveGo = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
if (!haveGo) {
  // eslint-disable-next-line no-console
  console.log('SKIPPED test/core/autoscaler/upstream.test.ts: `go` is not installed, so upstream Knative\'s decider cannot be built');
}
const maybe = haveGo ? describe : describe.skip;

/** Deterministic PRNG (Park–Miller minimal standard; exact in doubles). */
function rng(seed: number): () => number {
  let a = seed % 2147483647 || 1;
  return () => {
    a = (a * 48271) % 2147483647;
    return (a - 1) / 2147483646;
  };
}

/** A random trace: random settings, bursts, idle stretches, gaps without stats, pods following with a lag. */
export function randomTrace(seed: number): ReplayTrace {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const annotations: Record<string, string> = {};
  const config: Record<string, string> = {};
  const metric = r() < 0.3 ? 'rps' : 'concurrency';
  if (metric === 'rps') annotations[`${AS}metric`] = 'rps';
  if (r() < 0.4) annotations[`${AS}target`] = String(pick([1, 2.5, 5, 10, 25, 50, 100]));
  if (r() < 0.3) annotations[`${AS}target-utilization-percentage`] = String(pick([30, 50, 85, 100]));
  if (r() < 0.4) annotations[`${AS}window`] = `${pick([6, 7, 10, 13, 20, 30, 41, 42, 60, 90])}s`;
  if (r() < 0.3) annotations[`${AS}panic-window-percentage`] = String(pick([1, 5, 10, 25, 33, 50, 100]));
  if (r() < 0.3) annotations[`${AS}panic-threshold-percentage`] = String(pick([110, 150, 200, 400]));
  if (r() < 0.35) annotations[`${AS}metric-aggregation-algorithm`] = 'weighted-exponential';
  if (r() < 0.3) annotations[`${AS}target-burst-capacity`] = String(pick([-1, 0, 10, 211, 500]));
  if (r() < 0.3) annotations[`${AS}scale-down-delay`] = `${pick([1, 2, 5, 10, 30])}s`;
  if (r() < 0.2) annotations[`${AS}activation-scale`] = String(pick([2, 3, 5]));
  if (r() < 0.2) config['max-scale-up-rate'] = String(pick([1.1, 2, 10]));
  if (r() < 0.2) config['max-scale-down-rate'] = String(pick([1.5, 3, 10]));
  if (r() < 0.15) config['stable-window'] = `${pick([10, 20, 120])}s`; // parseAutoscaler rejects a config panic window below 1 s (upstream clamps it)
  const cc = r() < 0.4 ? pick([1, 2, 10, 50]) : 0;
  const duration = 60 + Math.floor(r() * 300);
  const seconds: ReplaySecond[] = [];
  let pods = pick([0, 1, 1, 1, 2, 3, 6]);
  let level = r() * 50;
  for (let t = Math.floor(r() * 3) * 5; t <= duration; t += 1 + Math.floor(r() * 4)) {
    const u = r();
    if (u < 0.08) level = r() * 600; // burst
    else if (u < 0.16) level = 0;
    else if (u < 0.5) level = Math.max(0, level * (0.6 + r() * 0.8));
    if (r() < 0.3) pods = Math.max(0, Math.min(60, pods + Math.floor(r() * 7) - 3));
    if (r() < 0.12) {
      seconds.push({ t, readyPods: pods }); // no stat this second (an idle revision is left out)
    } else {
      const c = Math.round(level * 1000) / 1000;
      seconds.push({ t, concurrency: c, requests: Math.round(c * (1 + r() * 20)), readyPods: pods });
    }
  }
  return {
    ...(Object.keys(config).length ? { autoscalerConfig: config } : {}),
    annotations,
    containerConcurrency: cc,
    ...(r() < 0.1 ? { reachable: false } : {}),
    tickSeconds: pick([2, 2, 2, 1, 3]),
    durationSeconds: duration,
    seconds,
  };
}

const RANDOM_SEEDS = Array.from({ length: 60 }, (_, i) => 1000 + i);

maybe('replay matches upstream Knative 1.17 (knative.dev/serving v0.44.0) tick for tick', () => {
  let dir: string;
  const files: Array<[string, string]> = []; // [name, path]

  beforeAll(() => {
    const t0 = Date.now();
    const build = spawnSync('bash', [join(UPSTREAM, 'build.sh')], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`building test/autoscaler-upstream failed:\n${build.stdout}\n${build.stderr}`);
    // eslint-disable-next-line no-console
    console.log(`${build.stdout.trim()} (${Date.now() - t0} ms)`);
    dir = mkdtempSync(join(tmpdir(), 'autoscaler-traces-'));
    for (const f of readdirSync(TRACES).filter((n) => n.endsWith('.json')).sort()) files.push([f, join(TRACES, f)]);
    for (const seed of RANDOM_SEEDS) {
      const p = join(dir, `random-${seed}.json`);
      writeFileSync(p, JSON.stringify(randomTrace(seed)));
      files.push([`random seed ${seed}`, p]);
    }
  }, 900_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('smoothing coefficients of the weighted-exponential windows (1…3600 buckets) are Go\'s bits', () => {
    const out = spawnSync(BIN, ['-alpha'], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const buf = Buffer.alloc(8);
    const bad = out.stdout.trim().split('\n').map((l) => l.split(' ')).filter(([nb, hex]) => {
      buf.writeDoubleBE(smoothingCoefficient(Number(nb)));
      return buf.readBigUInt64BE().toString(16) !== hex;
    });
    expect(bad).toEqual([]);
  });

  test('every trace: decisions, and the window averages behind them bit for bit', () => {
    const out = spawnSync(BIN, ['-observed', ...files.map(([, p]) => p)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (out.status !== 0) throw new Error(`autoscaler-upstream failed: ${out.stderr}`);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(files.length);
    let ticks = 0;
    const mismatches: string[] = [];
    files.forEach(([name, path], i) => {
      const ours = replay(parseReplayTrace(JSON.parse(readFileSync(path, 'utf8'))), { observed: true }).ticks;
      const theirs = JSON.parse(lines[i]).ticks as typeof ours;
      ticks += theirs.length;
      const n = Math.max(ours.length, theirs.length);
      for (let k = 0; k < n; k++) {
        if (JSON.stringify(ours[k]) !== JSON.stringify(theirs[k])) {
          mismatches.push(`${name}: tick ${k}: ours ${JSON.stringify(ours[k])}, upstream ${JSON.stringify(theirs[k])}`);
          break;
        }
      }
    });
    expect(mismatches).toEqual([]);
    expect(ticks).toBeGreaterThan(5000);
  });
});

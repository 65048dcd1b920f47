/** A tiny Prometheus registry (text exposition format 0.0.4); no dependencies. */
type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',');
}

abstract class Metric {
  constructor(public readonly name: string, public readonly help: string, public readonly type: string) {}
  abstract render(): string[];
}

export class Counter extends Metric {
  private readonly values = new Map<string, number>();
  constructor(name: string, help: string) { super(name, help, 'counter'); }
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number { return this.values.get(labelKey(labels)) ?? 0; }
  total(): number { let s = 0; for (const v of this.values.values()) s += v; return s; }
  render(): string[] {
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

export class Gauge extends Metric {
  private readonly values = new Map<string, number | (() => number)>();
  constructor(name: string, help: string) { super(name, help, 'gauge'); }
  set(labels: Labels, v: number | (() => number)): void { this.values.set(labelKey(labels), v); }
  get(labels: Labels = {}): number {
    const v = this.values.get(labelKey(labels));
    return typeof v === 'function' ? v() : (v ?? 0);
  }
  render(): string[] {
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${typeof v === 'function' ? v() : v}`);
  }
}

export const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Histogram extends Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number; labels: Labels }>();
  constructor(name: string, help: string, public readonly buckets: number[] = DEFAULT_BUCKETS) { super(name, help, 'histogram'); }
  observe(labels: Labels, v: number): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0, labels };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) s.counts[i]++;
    s.sum += v;
    s.count++;
  }
  render(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      for (let i = 0; i < this.buckets.length; i++) {
        out.push(`${this.name}_bucket{${labelKey({ ...s.labels, le: String(this.buckets[i]) })}} ${s.counts[i]}`);
      }
      out.push(`${this.name}_bucket{${labelKey({ ...s.labels, le: '+Inf' })}} ${s.count}`);
      const lk = labelKey(s.labels);
      out.push(`${this.name}_sum${lk ? `{${lk}}` : ''} ${s.sum}`);
      out.push(`${this.name}_count${lk ? `{${lk}}` : ''} ${s.count}`);
    }
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  register<T extends Metric>(m: T): T { this.metrics.push(m); return m; }
  render(): string {
    const lines: string[] = [];
    for (const m of this.metrics) {
      lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.render());
    }
    return lines.join('\n') + '\n';
  }
}

/** The controller's metric set. */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly reconciles = this.registry.register(new Counter('knative_controller_reconcile_total', 'Reconciles per kind and result.'));
  readonly reconcileErrors = this.registry.register(new Counter('knative_controller_reconcile_errors_total', 'Failed reconciles per kind.'));
  readonly reconcileDuration = this.registry.register(new Histogram('knative_controller_reconcile_duration_seconds', 'Reconcile latency per kind.'));
  readonly queueDepth = this.registry.register(new Gauge('knative_controller_workqueue_depth', 'Keys waiting per queue.'));
  readonly leader = this.registry.register(new Gauge('knative_controller_leader', '1 if this replica holds the leader Lease.'));
  readonly apiRequests = this.registry.register(new Counter('knative_controller_api_requests_total', 'API requests by verb and outcome.'));
  readonly apiLatency = this.registry.register(new Histogram('knative_controller_api_request_duration_seconds', 'API request latency by verb and resource.'));
  /** Raw reconcile durations in ms, kept for benchmarks (bounded ring). */
  private readonly samples: number[] = [];
  private readonly maxSamples = 200_000;

  recordReconcile(kind: string, seconds: number, ok: boolean): void {
    this.reconciles.inc({ kind, result: ok ? 'success' : 'error' });
    if (!ok) this.reconcileErrors.inc({ kind });
    this.reconcileDuration.observe({ kind }, seconds);
    if (this.samples.length < this.maxSamples) this.samples.push(seconds * 1000);
  }

  /** Percentile of recorded reconcile durations in milliseconds. */
  percentileMs(p: number): number {
    if (this.samples.length === 0) return 0;
    const s = [...this.samples].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  }

  render(): string { return this.registry.render(); }

  /** Mean API latency per verb/resource in ms (bench output). */
  apiLatencySummary(): Record<string, { n: number; meanMs: number }> {
    const out: Record<string, { n: number; meanMs: number }> = {};
    for (const line of this.apiLatency.render()) {
      const m = /_(sum|count)\{resource="([^"]+)",verb="([^"]+)"\} (.*)$/.exec(line);
      if (!m) continue;
      const k = `${m[3]} ${m[2]}`;
      out[k] ??= { n: 0, meanMs: 0 };
      if (m[1] === 'count') out[k].n = Number(m[4]);
      else out[k].meanMs = Number(m[4]);
    }
    for (const v of Object.values(out)) v.meanMs = v.n ? Number(((v.meanMs / v.n) * 1000).toFixed(2)) : 0;
    return out;
  }
}

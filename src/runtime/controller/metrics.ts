/** The controller's metric set, on the runtime's shared registry (src/runtime/common/metrics.ts). */
import { Registry } from '../common/metrics';

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly reconciles = this.registry.counter('knative_controller_reconcile_total', 'Reconciles per kind and result.', ['kind', 'result']);
  readonly reconcileErrors = this.registry.counter('knative_controller_reconcile_errors_total', 'Failed reconciles per kind.', ['kind']);
  readonly reconcileDuration = this.registry.histogram('knative_controller_reconcile_duration_seconds', 'Reconcile latency per kind.', ['kind']);
  readonly queueDepth = this.registry.gauge('knative_controller_workqueue_depth', 'Keys waiting per queue.', ['queue']);
  readonly leader = this.registry.gauge('knative_controller_leader', '1 if this replica holds the leader Lease.');
  readonly apiRequests = this.registry.counter('knative_controller_api_requests_total', 'API requests by verb and outcome.', ['code', 'resource', 'verb']);
  readonly apiLatency = this.registry.histogram('knative_controller_api_request_duration_seconds', 'API request latency by verb and resource.', ['resource', 'verb']);
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
    const lines: string[] = [];
    this.apiLatency.render(lines);
    for (const line of lines) {
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

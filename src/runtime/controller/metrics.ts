/** The controller's metric set, on the runtime's shared registry (src/runtime/common/metrics.ts). */
import type { Autoscaler } from './autoscaler/autoscaler';
import { Registry } from '../common/metrics';

/** A Prometheus label value, escaped. */
function lv(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly reconciles = this.registry.counter('knative_controller_reconcile_total', 'Reconciles per kind and result.', ['kind', 'result']);
  readonly reconcileErrors = this.registry.counter('knative_controller_reconcile_errors_total', 'Failed reconciles per kind.', ['kind']);
  readonly reconcileDuration = this.registry.histogram('knative_controller_reconcile_duration_seconds', 'Reconcile latency per kind.', ['kind']);
  readonly queueDepth = this.registry.gauge('knative_controller_workqueue_depth', 'Keys waiting per queue.', ['queue']);
  readonly leader = this.registry.gauge('knative_controller_leader', '1 if this replica holds the leader Lease.');
  readonly apiRequests = this.registry.counter('knative_controller_api_requests_total', 'API requests by verb and outcome.', ['code', 'resource', 'verb']);
  readonly apiLatency = this.registry.histogram('knative_controller_api_request_duration_seconds', 'API request latency by verb and resource.', ['resource', 'verb']);
  /** Stats batches by outcome: `accepted` or the HTTP status of a rejection (400, 401, 403, 413, 503, ...). */
  readonly statBatches = this.registry.counter('knative_autoscaler_stat_batches_total', 'Stats batches received by outcome (accepted, or the rejection status code).', ['result']);
  private autoscaler?: Autoscaler;
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

  /** Expose the autoscaler's counters and its per-revision values. */
  watchAutoscaler(a: Autoscaler): void {
    this.autoscaler = a;
    const c = a.counters;
    this.registry.counter('knative_autoscaler_stats_recorded_total', 'Per-revision stats recorded into the metric windows.').collect({}, () => c.statsRecorded);
    this.registry.counter('knative_autoscaler_stats_unknown_revision_total', 'Stats dropped: no KPA-class Revision of that name in the cache.').collect({}, () => c.statsUnknownRevision);
    this.registry.counter('knative_autoscaler_pokes_total', 'Immediate scale decisions run because traffic reached a revision at zero (or a poke).').collect({}, () => c.pokes);
    this.registry.counter('knative_autoscaler_decisions_total', 'Decider runs (leader only).').collect({}, () => c.decisions);
    this.registry.counter('knative_autoscaler_scale_writes_total', 'Successful deployments/scale updates.').collect({}, () => c.scaleWrites);
    this.registry.counter('knative_autoscaler_scale_write_errors_total', 'Failed deployments/scale updates (conflicts included; retried).').collect({}, () => c.scaleWriteErrors);
  }

  /** Per-revision gauges (rendered from the autoscaler's live state, so deleted revisions disappear). */
  private renderRevisions(): string {
    if (!this.autoscaler) return '';
    const rows = this.autoscaler.revisionsForMetrics();
    const out: string[] = [];
    const gauge = (name: string, help: string, value: (r: (typeof rows)[number]) => number): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const r of rows) out.push(`${name}{namespace="${lv(r.namespace)}",revision="${lv(r.name)}"} ${value(r)}`);
    };
    gauge('knative_autoscaler_desired_pods', 'The decider\'s last desired scale before bounds (-1: no decision yet).', (r) => r.desired);
    gauge('knative_autoscaler_want_pods', 'Replicas the KPA step wants after min/max/initial scale and the scale-to-zero gate (-1: none).', (r) => r.want);
    gauge('knative_autoscaler_actual_pods', 'Ready pods of the revision at the last KPA step.', (r) => r.actual);
    gauge('knative_autoscaler_panic_mode', '1 while the revision\'s decider is in panic mode.', (r) => (r.panic ? 1 : 0));
    gauge('knative_autoscaler_excess_burst_capacity', 'Excess burst capacity from the last decision.', (r) => r.ebc);
    return out.length ? out.join('\n') + '\n' : '';
  }

  render(): string { return this.registry.render() + this.renderRevisions(); }

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

/**
 * Prometheus text exposition (format 0.0.4) for the ingress. Counters live in typed arrays keyed by
 * a per-target series object that the proxy looks up once per request: recording allocates nothing.
 */

export const DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];

const CODE_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

export type UpstreamErrorKind = 'refused' | 'reset' | 'timeout' | 'other';
const UPSTREAM_KINDS: readonly UpstreamErrorKind[] = ['refused', 'reset', 'timeout', 'other'];

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** Counters for one (route, revision) pair. */
export class Series {
  public readonly labels: string;
  public readonly codes = new Float64Array(5);
  public readonly buckets = new Float64Array(DURATION_BUCKETS.length);
  public readonly upstream = new Float64Array(UPSTREAM_KINDS.length);
  public sum = 0;
  public count = 0;
  constructor(public readonly route: string, public readonly revision: string) {
    this.labels = `route="${esc(route)}",revision="${esc(revision)}"`;
  }

  public observe(status: number, seconds: number): void {
    const cls = Math.floor(status / 100);
    if (cls >= 1 && cls <= 5) this.codes[cls - 1]++;
    this.count++;
    this.sum += seconds;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (seconds <= DURATION_BUCKETS[i]) {
        b[i]++;
        break;
      }
    }
  }

  public upstreamError(kind: UpstreamErrorKind): void {
    this.upstream[UPSTREAM_KINDS.indexOf(kind)]++;
  }
}

export class IngressMetrics {
  public inFlight = 0;
  public tableGeneration = 0;
  public tableSwaps = 0;
  public hosts = 0;
  public externalHosts = 0;
  public routes = 0;
  /** Requests for which no route matched (404) or no target was ready (503 without a revision). */
  public readonly unrouted = new Series('', '');
  private readonly series = new Map<string, Series>();

  /** The series for a target (route label `<ns>/<route>`); looked up by the target's precomputed id. */
  public seriesFor(t: { readonly id: string; readonly namespace: string; readonly route: string; readonly revision: string }): Series {
    let s = this.series.get(t.id);
    if (s === undefined) {
      s = new Series(`${t.namespace}/${t.route}`, t.revision);
      this.series.set(t.id, s);
    }
    return s;
  }

  public render(): string {
    const all = [this.unrouted, ...this.series.values()];
    const out: string[] = [];
    out.push('# HELP ingress_requests_total Requests proxied, by route, revision and response code class.');
    out.push('# TYPE ingress_requests_total counter');
    for (const s of all) {
      for (let i = 0; i < 5; i++) if (s.codes[i] > 0) out.push(`ingress_requests_total{${s.labels},code="${CODE_CLASSES[i]}"} ${s.codes[i]}`);
    }
    out.push('# HELP ingress_request_duration_seconds Request duration from request to response end.');
    out.push('# TYPE ingress_request_duration_seconds histogram');
    for (const s of all) {
      if (s.count === 0) continue;
      let cum = 0;
      for (let i = 0; i < DURATION_BUCKETS.length; i++) {
        cum += s.buckets[i];
        out.push(`ingress_request_duration_seconds_bucket{${s.labels},le="${DURATION_BUCKETS[i]}"} ${cum}`);
      }
      out.push(`ingress_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.count}`);
      out.push(`ingress_request_duration_seconds_sum{${s.labels}} ${s.sum}`);
      out.push(`ingress_request_duration_seconds_count{${s.labels}} ${s.count}`);
    }
    out.push('# HELP ingress_upstream_errors_total Upstream (revision) errors by kind.');
    out.push('# TYPE ingress_upstream_errors_total counter');
    for (const s of all) {
      for (let i = 0; i < UPSTREAM_KINDS.length; i++) {
        if (s.upstream[i] > 0) out.push(`ingress_upstream_errors_total{${s.labels},kind="${UPSTREAM_KINDS[i]}"} ${s.upstream[i]}`);
      }
    }
    out.push('# HELP ingress_requests_in_flight Requests currently being proxied.');
    out.push('# TYPE ingress_requests_in_flight gauge');
    out.push(`ingress_requests_in_flight ${this.inFlight}`);
    out.push('# HELP ingress_table_generation Generation of the routing table in use.');
    out.push('# TYPE ingress_table_generation gauge');
    out.push(`ingress_table_generation ${this.tableGeneration}`);
    out.push('# HELP ingress_table_swaps_total Routing table swaps.');
    out.push('# TYPE ingress_table_swaps_total counter');
    out.push(`ingress_table_swaps_total ${this.tableSwaps}`);
    out.push('# HELP ingress_table_hosts Hosts in the routing table (all served on the internal listener).');
    out.push('# TYPE ingress_table_hosts gauge');
    out.push(`ingress_table_hosts ${this.hosts}`);
    out.push('# HELP ingress_table_external_hosts Hosts served on the external listener (the rest are cluster-local).');
    out.push('# TYPE ingress_table_external_hosts gauge');
    out.push(`ingress_table_external_hosts ${this.externalHosts}`);
    out.push('# HELP ingress_table_routes Routes in the routing table.');
    out.push('# TYPE ingress_table_routes gauge');
    out.push(`ingress_table_routes ${this.routes}`);
    return out.join('\n') + '\n';
  }
}

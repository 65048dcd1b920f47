/**
 * The ingress's metric set, on the runtime's shared registry (src/runtime/common/metrics.ts). The
 * proxy looks up a target's Series once per request; the Series holds that target's registry series,
 * so recording allocates nothing.
 */
import { Counter, Histogram, HistogramSeries, Registry, ValueSeries } from '../common/metrics';

export const DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];

const CODE_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

export type UpstreamErrorKind = 'refused' | 'reset' | 'timeout' | 'other';
const UPSTREAM_KINDS: readonly UpstreamErrorKind[] = ['refused', 'reset', 'timeout', 'other'];

/** The metrics of one (route, revision) pair. */
export class Series {
  private readonly byCodeClass: readonly ValueSeries[];
  private readonly duration: HistogramSeries;
  private readonly upstream: readonly ValueSeries[];

  constructor(
    families: { readonly requests: Counter; readonly duration: Histogram; readonly upstreamErrors: Counter },
    public readonly route: string,
    public readonly revision: string,
  ) {
    this.byCodeClass = CODE_CLASSES.map((code) => families.requests.labels({ route, revision, code }));
    this.duration = families.duration.labels({ route, revision });
    this.upstream = UPSTREAM_KINDS.map((kind) => families.upstreamErrors.labels({ route, revision, kind }));
  }

  /** Requests per response code class (index 0 = 1xx … 4 = 5xx). */
  public get codes(): readonly number[] {
    return this.byCodeClass.map((s) => s.get());
  }

  public observe(status: number, seconds: number): void {
    const cls = Math.floor(status / 100);
    if (cls >= 1 && cls <= 5) this.byCodeClass[cls - 1].inc();
    this.duration.observe(seconds);
  }

  public upstreamError(kind: UpstreamErrorKind): void {
    this.upstream[UPSTREAM_KINDS.indexOf(kind)].inc();
  }
}

export class IngressMetrics {
  public inFlight = 0;
  public tableGeneration = 0;
  public tableSwaps = 0;
  public hosts = 0;
  public externalHosts = 0;
  public routes = 0;
  public readonly registry = new Registry();
  public readonly requests = this.registry.counter('ingress_requests_total', 'Requests proxied, by route, revision and response code class.', ['route', 'revision', 'code']);
  public readonly duration = this.registry.histogram('ingress_request_duration_seconds', 'Request duration from request to response end.', ['route', 'revision'], DURATION_BUCKETS);
  public readonly upstreamErrors = this.registry.counter('ingress_upstream_errors_total', 'Upstream (revision) errors by kind.', ['route', 'revision', 'kind']);
  public readonly overflows = this.registry.counter('ingress_queue_overflows_total', 'Requests answered 503 "pending request queue full": the revision\'s (or the ingress\'s) queue of requests waiting for a pod was full.', ['namespace', 'revision']);
  public readonly waitTimeouts = this.registry.counter('ingress_wait_timeouts_total', 'Requests answered 504 "activator request timeout": no pod slot within the revision\'s timeout.', ['namespace', 'revision']);
  public readonly podWait = this.registry.histogram('ingress_pod_wait_seconds',
    'Time from a request\'s arrival until it was sent to a pod, for requests that had to wait, by reason: cold_start (it arrived while its revision '
    + 'had no usable pod and was held until one was ready: the cold start its client saw) or concurrency (every pod was at its containerConcurrency). '
    + 'Requests sent at once are not observed; those that never got a pod are counted by ingress_wait_timeouts_total.',
    ['namespace', 'revision', 'reason'], DURATION_BUCKETS);
  public readonly probes = this.registry.counter('ingress_pod_probes_total', 'Probes of not-ready pods by the ingress, by result.', ['result']);
  /** The owner side of forwarded requests (route and revision labels: '' and `<ns>/<rev>`): counted apart from the route series above. */
  public readonly peerRequests = this.registry.counter('ingress_peer_requests_total',
    'Requests another ingress replica forwarded to this one (the revision\'s owner), by revision and response code class; '
    + 'ingress_requests_total counts them once, at the replica the client reached.', ['route', 'revision', 'code']);
  public readonly peerDuration = this.registry.histogram('ingress_peer_request_duration_seconds',
    'Duration of forwarded requests at the owner replica.', ['route', 'revision'], DURATION_BUCKETS);
  public readonly peerUpstreamErrors = this.registry.counter('ingress_peer_upstream_errors_total',
    'Upstream (revision) errors of forwarded requests at the owner replica, by kind.', ['route', 'revision', 'kind']);
  public pokes = 0;
  /** Requests sent to the revision's owner replica (containerConcurrency > 0, another replica owns it). */
  public peerForwards = 0;
  /** Requests served here because the owner replica could not be reached. */
  public peerFallbacks = 0;
  /** Peer-port requests refused: the source is not a known ingress replica. */
  public peerRefused = 0;
  public statsPushed = 0;
  public statsPushFailures = 0;
  /** Requests for which no route matched (404) or no target was ready (503 without a revision). */
  public readonly unrouted = new Series(this, '', '');
  private readonly series = new Map<string, Series>();
  private readonly peerSeriesByRevision = new Map<string, Series>();

  constructor() {
    const r = this.registry;
    r.gauge('ingress_requests_in_flight', 'Requests currently being proxied.').set({}, () => this.inFlight);
    r.gauge('ingress_table_generation', 'Generation of the routing table in use.').set({}, () => this.tableGeneration);
    r.counter('ingress_table_swaps_total', 'Routing table swaps.').collect({}, () => this.tableSwaps);
    r.gauge('ingress_table_hosts', 'Hosts in the routing table (all served on the internal listener).').set({}, () => this.hosts);
    r.gauge('ingress_table_external_hosts', 'Hosts served on the external listener (the rest are cluster-local).').set({}, () => this.externalHosts);
    r.gauge('ingress_table_routes', 'Routes in the routing table.').set({}, () => this.routes);
    r.counter('ingress_autoscaler_pokes_total', 'Pokes sent to the autoscaler (a request for a revision with no ready pod).').collect({}, () => this.pokes);
    r.counter('ingress_peer_forwards_total', 'Requests forwarded to the owner replica of their revision (containerConcurrency > 0).')
      .collect({}, () => this.peerForwards);
    r.counter('ingress_peer_fallbacks_total', 'Requests served by this replica because the owner replica of their revision refused the connection.')
      .collect({}, () => this.peerFallbacks);
    r.counter('ingress_peer_refused_total', 'Peer-port requests refused (403): the source address is not a ready ingress replica.')
      .collect({}, () => this.peerRefused);
    r.counter('ingress_stats_pushes_total', 'Stats batches delivered to autoscaler endpoints.').collect({}, () => this.statsPushed);
    r.counter('ingress_stats_push_failures_total', 'Stats batches not delivered (error or non-2xx answer).').collect({}, () => this.statsPushFailures);
  }

  /** The proxy's counts of requests waiting for a pod: all, and those whose revision has no usable pod (held at zero). */
  public waitingSource(waiting: () => number, held: () => number): void {
    this.registry.gauge('ingress_requests_waiting', 'Requests waiting for a pod slot (queued behind full pods or held while the revision has no ready pod).').set({}, waiting);
    this.registry.gauge('ingress_requests_held', 'Requests waiting while their revision has no usable pod (scale from zero).').set({}, held);
  }

  public queueOverflow(namespace: string, revision: string): void {
    this.overflows.inc({ namespace, revision });
  }

  public waitTimedOut(namespace: string, revision: string): void {
    this.waitTimeouts.inc({ namespace, revision });
  }

  /** A queued request got a pod after `seconds` (`coldStart`: it was held while its revision had no usable pod). */
  public podWaited(namespace: string, revision: string, coldStart: boolean, seconds: number): void {
    this.podWait.observe({ namespace, revision, reason: coldStart ? 'cold_start' : 'concurrency' }, seconds);
  }

  public probed(ok: boolean): void {
    this.probes.inc({ result: ok ? 'success' : 'failure' });
  }

  /** The series for a target (route label `<ns>/<route>`); looked up by the target's precomputed id. */
  public seriesFor(t: { readonly id: string; readonly namespace: string; readonly route: string; readonly revision: string }): Series {
    let s = this.series.get(t.id);
    if (s === undefined) {
      s = new Series(this, `${t.namespace}/${t.route}`, t.revision);
      this.series.set(t.id, s);
    }
    return s;
  }

  /** The owner-side series of requests forwarded for a revision (`<ns>/<rev>`). */
  public peerSeriesFor(revisionKey: string): Series {
    let s = this.peerSeriesByRevision.get(revisionKey);
    if (s === undefined) {
      s = new Series({ requests: this.peerRequests, duration: this.peerDuration, upstreamErrors: this.peerUpstreamErrors }, '', revisionKey);
      this.peerSeriesByRevision.set(revisionKey, s);
    }
    return s;
  }

  public render(): string {
    return this.registry.render();
  }
}

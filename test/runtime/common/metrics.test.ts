import { Counter, Gauge, Histogram, Registry } from '../../../src/runtime/common/metrics';
import { ControllerMetrics } from '../../../src/runtime/controller/metrics';
import { IngressMetrics } from '../../../src/runtime/ingress/metrics';

describe('runtime metrics registry', () => {
  test('text exposition: HELP and TYPE per metric in registration order, labels in declared order, histogram le last and cumulative', () => {
    const r = new Registry();
    const c = r.counter('x_total', 'Things.', ['route', 'code']);
    const g = r.gauge('x_depth', 'Depth.', ['queue']);
    const h = r.histogram('x_seconds', 'Latency.', ['route'], [0.1, 1]);
    c.inc({ route: 'a', code: '2xx' });
    c.inc({ code: '2xx', route: 'a' }, 2); // the same series whatever the key order
    c.inc({ route: 'b', code: '5xx' });
    g.set({ queue: 'q' }, 0);
    h.observe({ route: 'a' }, 0.05);
    h.observe({ route: 'a' }, 0.1); // on the bound: in that bucket
    h.observe({ route: 'a' }, 3); // beyond the last bound: only +Inf
    expect(r.render()).toBe([
      '# HELP x_total Things.',
      '# TYPE x_total counter',
      'x_total{route="a",code="2xx"} 3',
      'x_total{route="b",code="5xx"} 1',
      '# HELP x_depth Depth.',
      '# TYPE x_depth gauge',
      'x_depth{queue="q"} 0',
      '# HELP x_seconds Latency.',
      '# TYPE x_seconds histogram',
      'x_seconds_bucket{route="a",le="0.1"} 2',
      'x_seconds_bucket{route="a",le="1"} 2',
      'x_seconds_bucket{route="a",le="+Inf"} 3',
      'x_seconds_sum{route="a"} 3.15',
      'x_seconds_count{route="a"} 3',
      '',
    ].join('\n'));
  });

  test('unlabelled series always appear; a labelled counter or histogram series only once it has counted something', () => {
    const r = new Registry();
    const c = r.counter('c_total', 'C.', ['k']);
    const u = r.counter('u_total', 'U.');
    const g = r.gauge('g', 'G.');
    const h = r.histogram('h_seconds', 'H.', ['k']);
    const hu = r.histogram('hu_seconds', 'HU.', [], [1]);
    c.labels({ k: 'pre-bound' });
    u.labels();
    g.set({}, 0);
    h.labels({ k: 'pre-bound' });
    hu.observe({}, 0.5);
    expect(r.render().split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      'u_total 0',
      'g 0',
      'hu_seconds_bucket{le="1"} 1',
      'hu_seconds_bucket{le="+Inf"} 1',
      'hu_seconds_sum 0.5',
      'hu_seconds_count 1',
      '',
    ]);
  });

  test('label values are escaped (backslash, quote, newline)', () => {
    const r = new Registry();
    r.counter('e_total', 'E.', ['v']).inc({ v: 'a\\b"c\nd' });
    expect(r.render()).toContain('e_total{v="a\\\\b\\"c\\nd"} 1\n');
  });

  test('a bound series records without a lookup; get, total and function-valued series', () => {
    const r = new Registry();
    const c = r.counter('b_total', 'B.', ['k']);
    const s = c.labels({ k: 'a' });
    s.inc();
    s.inc(4);
    c.inc({ k: 'b' });
    expect([c.get({ k: 'a' }), c.get({ k: 'missing' }), c.total()]).toEqual([5, 0, 6]);
    let n = 1;
    const swaps = r.counter('swaps_total', 'S.');
    swaps.collect({}, () => n);
    const depth = r.gauge('depth', 'D.', ['q']);
    depth.set({ q: 'x' }, () => n * 10);
    n = 7;
    expect(r.render()).toMatch(/^swaps_total 7$/m);
    expect(r.render()).toMatch(/^depth\{q="x"\} 70$/m);
    expect(depth.get({ q: 'x' })).toBe(70);
  });

  test('mistakes are errors that name the metric', () => {
    const c = new Counter('m_total', 'M.', ['kind', 'result']);
    expect(() => c.inc({ kind: 'Service' })).toThrow('m_total: labels {kind} do not match the declared label names {kind, result}');
    expect(() => c.inc({ kind: 'Service', result: 'ok', extra: 'x' })).toThrow(/m_total: labels \{kind, result, extra\}/);
    expect(() => c.inc({ kind: 'Service', reslt: 'ok' })).toThrow(/do not match/);
    expect(() => c.inc({ kind: 'Service', result: 'ok' }, -1)).toThrow('a counter can only go up (inc by -1)');
    expect(() => new Gauge('bad-name', 'B.')).toThrow('metric name "bad-name" is not a valid Prometheus metric name');
    expect(() => new Gauge('g', 'G.', ['__reserved'])).toThrow('g: label name "__reserved" is not a valid Prometheus label name');
    expect(() => new Gauge('g', 'G.', ['a', 'a'])).toThrow('g: duplicate label names in [a, a]');
    expect(() => new Histogram('h', 'H.', ['le'])).toThrow('h: a histogram cannot have a label named "le"');
    expect(() => new Histogram('h', 'H.', [], [1, 0.5])).toThrow('h: buckets must be finite and strictly increasing (got [1, 0.5])');
    const r = new Registry();
    r.counter('dup_total', 'D.');
    expect(() => r.gauge('dup_total', 'D.')).toThrow('metric "dup_total" is already registered');
  });
});

describe('the metric sets on the registry (names and labels the README and dashboards use)', () => {
  test('controller: reconciles, errors, durations, queue depth, leader, API requests and latency; the autoscaler\'s counters and per-revision gauges', () => {
    const m = new ControllerMetrics();
    const counters = { statsRecorded: 12, statsUnknownRevision: 1, pokes: 2, scaleWrites: 3, scaleWriteErrors: 0, decisions: 40 };
    const revisions = [{ namespace: 'default', name: 'hello-00001', desired: 4, actual: 3, panic: true, ebc: -211, want: 4 }];
    m.watchAutoscaler({ counters, revisionsForMetrics: () => revisions } as any);
    m.statBatches.inc({ result: 'accepted' });
    m.statBatches.inc({ result: '401' });
    m.recordReconcile('Service', 0.003, true);
    m.recordReconcile('Service', 0.2, false);
    m.queueDepth.set({ queue: 'Service' }, () => 7);
    m.leader.set({}, 1);
    m.apiRequests.inc({ verb: 'get', resource: 'routes', code: '2xx' });
    m.apiLatency.observe({ verb: 'get', resource: 'routes' }, 0.004);
    const text = m.render();
    expect(text.split('\n').filter((l) => l.startsWith('# TYPE'))).toEqual([
      '# TYPE knative_controller_reconcile_total counter',
      '# TYPE knative_controller_reconcile_errors_total counter',
      '# TYPE knative_controller_reconcile_duration_seconds histogram',
      '# TYPE knative_controller_workqueue_depth gauge',
      '# TYPE knative_controller_leader gauge',
      '# TYPE knative_controller_api_requests_total counter',
      '# TYPE knative_controller_api_request_duration_seconds histogram',
      '# TYPE knative_autoscaler_stat_batches_total counter',
      '# TYPE knative_autoscaler_stats_recorded_total counter',
      '# TYPE knative_autoscaler_stats_unknown_revision_total counter',
      '# TYPE knative_autoscaler_pokes_total counter',
      '# TYPE knative_autoscaler_decisions_total counter',
      '# TYPE knative_autoscaler_scale_writes_total counter',
      '# TYPE knative_autoscaler_scale_write_errors_total counter',
      '# TYPE knative_autoscaler_desired_pods gauge',
      '# TYPE knative_autoscaler_want_pods gauge',
      '# TYPE knative_autoscaler_actual_pods gauge',
      '# TYPE knative_autoscaler_panic_mode gauge',
      '# TYPE knative_autoscaler_excess_burst_capacity gauge',
    ]);
    for (const line of [
      'knative_controller_reconcile_total{kind="Service",result="success"} 1',
      'knative_controller_reconcile_total{kind="Service",result="error"} 1',
      'knative_controller_reconcile_errors_total{kind="Service"} 1',
      'knative_controller_reconcile_duration_seconds_bucket{kind="Service",le="0.005"} 1',
      'knative_controller_reconcile_duration_seconds_count{kind="Service"} 2',
      'knative_controller_workqueue_depth{queue="Service"} 7',
      'knative_controller_leader 1',
      'knative_controller_api_requests_total{code="2xx",resource="routes",verb="get"} 1',
      'knative_autoscaler_stat_batches_total{result="accepted"} 1',
      'knative_autoscaler_stat_batches_total{result="401"} 1',
      'knative_autoscaler_stats_recorded_total 12',
      'knative_autoscaler_pokes_total 2',
      'knative_autoscaler_scale_writes_total 3',
      'knative_autoscaler_desired_pods{namespace="default",revision="hello-00001"} 4',
      'knative_autoscaler_actual_pods{namespace="default",revision="hello-00001"} 3',
      'knative_autoscaler_panic_mode{namespace="default",revision="hello-00001"} 1',
      'knative_autoscaler_excess_burst_capacity{namespace="default",revision="hello-00001"} -211',
      'knative_controller_api_request_duration_seconds_bucket{resource="routes",verb="get",le="0.005"} 1',
      'knative_controller_api_request_duration_seconds_sum{resource="routes",verb="get"} 0.004',
    ]) expect(text.split('\n')).toContain(line);
    expect(m.apiLatencySummary()).toEqual({ 'get routes': { n: 1, meanMs: 4 } });
  });

  test('ingress: requests by code class, durations, upstream errors, in-flight and table gauges, the activator\'s counters and waiting gauges, exactly', () => {
    const m = new IngressMetrics();
    const s = m.seriesFor({ id: 't1', namespace: 'default', route: 'hello', revision: 'hello-1' });
    expect(m.seriesFor({ id: 't1', namespace: 'default', route: 'hello', revision: 'hello-1' })).toBe(s);
    s.observe(200, 0.002);
    s.observe(502, 0.5);
    s.upstreamError('refused');
    m.unrouted.observe(404, 0.0001);
    m.inFlight = 2;
    m.tableGeneration = 3;
    m.tableSwaps = 4;
    m.hosts = 5;
    m.externalHosts = 1;
    m.routes = 1;
    m.queueOverflow('default', 'hello-1');
    m.waitTimedOut('default', 'hello-1');
    m.waitTimedOut('default', 'hello-1');
    m.podWaited('default', 'hello-1', true, 0.3);
    m.podWaited('default', 'hello-1', true, 1.5);
    m.podWaited('default', 'hello-1', false, 0.004);
    m.probed(true);
    m.probed(false);
    m.pokes = 6;
    m.statsPushed = 7;
    m.statsPushFailures = 8;
    m.waitingSource(() => 9, () => 3);
    expect(s.codes).toEqual([0, 1, 0, 0, 1]);
    // `at` holds the index of the bucket each observation falls in.
    const bounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    const bucketLines = (labels: string, at: number[], name = 'ingress_request_duration_seconds'): string[] =>
      bounds.map((le, i) => `${name}_bucket{${labels},le="${le}"} ${at.filter((b) => b <= i).length}`);
    const wait = 'namespace="default",revision="hello-1",reason';
    expect(m.render()).toBe([
      '# HELP ingress_requests_total Requests proxied, by route, revision and response code class.',
      '# TYPE ingress_requests_total counter',
      'ingress_requests_total{route="",revision="",code="4xx"} 1',
      'ingress_requests_total{route="default/hello",revision="hello-1",code="2xx"} 1',
      'ingress_requests_total{route="default/hello",revision="hello-1",code="5xx"} 1',
      '# HELP ingress_request_duration_seconds Request duration from request to response end.',
      '# TYPE ingress_request_duration_seconds histogram',
      ...bucketLines('route="",revision=""', [0]),
      'ingress_request_duration_seconds_bucket{route="",revision="",le="+Inf"} 1',
      'ingress_request_duration_seconds_sum{route="",revision=""} 0.0001',
      'ingress_request_duration_seconds_count{route="",revision=""} 1',
      ...bucketLines('route="default/hello",revision="hello-1"', [1, 8]),
      'ingress_request_duration_seconds_bucket{route="default/hello",revision="hello-1",le="+Inf"} 2',
      'ingress_request_duration_seconds_sum{route="default/hello",revision="hello-1"} 0.502',
      'ingress_request_duration_seconds_count{route="default/hello",revision="hello-1"} 2',
      '# HELP ingress_upstream_errors_total Upstream (revision) errors by kind.',
      '# TYPE ingress_upstream_errors_total counter',
      'ingress_upstream_errors_total{route="default/hello",revision="hello-1",kind="refused"} 1',
      '# HELP ingress_queue_overflows_total Requests answered 503 "pending request queue full": the revision\'s (or the ingress\'s) queue of requests waiting for a pod was full.',
      '# TYPE ingress_queue_overflows_total counter',
      'ingress_queue_overflows_total{namespace="default",revision="hello-1"} 1',
      '# HELP ingress_wait_timeouts_total Requests answered 504 "activator request timeout": no pod slot within the revision\'s timeout.',
      '# TYPE ingress_wait_timeouts_total counter',
      'ingress_wait_timeouts_total{namespace="default",revision="hello-1"} 2',
      '# HELP ingress_pod_wait_seconds Time from a request\'s arrival until it was sent to a pod, for requests that had to wait, by reason: cold_start '
        + '(it arrived while its revision had no usable pod and was held until one was ready: the cold start its client saw) or concurrency (every pod '
        + 'was at its containerConcurrency). Requests sent at once are not observed; those that never got a pod are counted by ingress_wait_timeouts_total.',
      '# TYPE ingress_pod_wait_seconds histogram',
      ...bucketLines(`${wait}="cold_start"`, [8, 10], 'ingress_pod_wait_seconds'),
      `ingress_pod_wait_seconds_bucket{${wait}="cold_start",le="+Inf"} 2`,
      `ingress_pod_wait_seconds_sum{${wait}="cold_start"} 1.8`,
      `ingress_pod_wait_seconds_count{${wait}="cold_start"} 2`,
      ...bucketLines(`${wait}="concurrency"`, [2], 'ingress_pod_wait_seconds'),
      `ingress_pod_wait_seconds_bucket{${wait}="concurrency",le="+Inf"} 1`,
      `ingress_pod_wait_seconds_sum{${wait}="concurrency"} 0.004`,
      `ingress_pod_wait_seconds_count{${wait}="concurrency"} 1`,
      '# HELP ingress_pod_probes_total Probes of not-ready pods by the ingress, by result.',
      '# TYPE ingress_pod_probes_total counter',
      'ingress_pod_probes_total{result="success"} 1',
      'ingress_pod_probes_total{result="failure"} 1',
      '# HELP ingress_peer_requests_total Requests another ingress replica forwarded to this one (the revision\'s owner), by revision and response code class; ingress_requests_total counts them once, at the replica the client reached.',
      '# TYPE ingress_peer_requests_total counter',
      '# HELP ingress_peer_request_duration_seconds Duration of forwarded requests at the owner replica.',
      '# TYPE ingress_peer_request_duration_seconds histogram',
      '# HELP ingress_peer_upstream_errors_total Upstream (revision) errors of forwarded requests at the owner replica, by kind.',
      '# TYPE ingress_peer_upstream_errors_total counter',
      '# HELP ingress_requests_in_flight Requests currently being proxied.',
      '# TYPE ingress_requests_in_flight gauge',
      'ingress_requests_in_flight 2',
      '# HELP ingress_table_generation Generation of the routing table in use.',
      '# TYPE ingress_table_generation gauge',
      'ingress_table_generation 3',
      '# HELP ingress_table_swaps_total Routing table swaps.',
      '# TYPE ingress_table_swaps_total counter',
      'ingress_table_swaps_total 4',
      '# HELP ingress_table_hosts Hosts in the routing table (all served on the internal listener).',
      '# TYPE ingress_table_hosts gauge',
      'ingress_table_hosts 5',
      '# HELP ingress_table_external_hosts Hosts served on the external listener (the rest are cluster-local).',
      '# TYPE ingress_table_external_hosts gauge',
      'ingress_table_external_hosts 1',
      '# HELP ingress_table_routes Routes in the routing table.',
      '# TYPE ingress_table_routes gauge',
      'ingress_table_routes 1',
      '# HELP ingress_autoscaler_pokes_total Pokes sent to the autoscaler (a request for a revision with no ready pod).',
      '# TYPE ingress_autoscaler_pokes_total counter',
      'ingress_autoscaler_pokes_total 6',
      '# HELP ingress_peer_forwards_total Requests forwarded to the owner replica of their revision (containerConcurrency > 0).',
      '# TYPE ingress_peer_forwards_total counter',
      'ingress_peer_forwards_total 0',
      '# HELP ingress_peer_fallbacks_total Requests served by this replica because the owner replica of their revision refused the connection.',
      '# TYPE ingress_peer_fallbacks_total counter',
      'ingress_peer_fallbacks_total 0',
      '# HELP ingress_peer_refused_total Peer-port requests refused (403): the source address is not a ready ingress replica.',
      '# TYPE ingress_peer_refused_total counter',
      'ingress_peer_refused_total 0',
      '# HELP ingress_stats_pushes_total Stats batches delivered to autoscaler endpoints.',
      '# TYPE ingress_stats_pushes_total counter',
      'ingress_stats_pushes_total 7',
      '# HELP ingress_stats_push_failures_total Stats batches not delivered (error or non-2xx answer).',
      '# TYPE ingress_stats_push_failures_total counter',
      'ingress_stats_push_failures_total 8',
      '# HELP ingress_requests_waiting Requests waiting for a pod slot (queued behind full pods or held while the revision has no ready pod).',
      '# TYPE ingress_requests_waiting gauge',
      'ingress_requests_waiting 9',
      '# HELP ingress_requests_held Requests waiting while their revision has no usable pod (scale from zero).',
      '# TYPE ingress_requests_held gauge',
      'ingress_requests_held 3',
      '',
    ].join('\n'));
  });
});

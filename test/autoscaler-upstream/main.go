// Command autoscaler-upstream replays autoscaler traces (the format of `npm run autoscale:replay`,
// see the README's "Replaying the autoscaler") through upstream Knative Serving 1.17's own Go
// packages: the decider spec from kpa/resources.MakeDecider and resources.MakeMetric, the
// metric windows of metrics.MetricCollector (fed with Record, as upstream's stat server feeds the
// activator's stats), and the autoscaler of scaling.New with a fake ready-pod counter.
// It prints one {"ticks":[...]} line per trace file. It only calls upstream's packages; the
// TypeScript decider in src/core/autoscaler is our own code, compared with this one by
// test/core/autoscaler/upstream.test.ts.
//
// Time: upstream's autoscaler starts its panic time from time.Now() when it is created with more
// than one ready pod, so trace second 0 is mapped to a wall-clock instant on a 2 s boundary taken
// just before the autoscaler is created (at most 0.9 s earlier), and trace time t to that
// instant + t. Bucket indices (unix seconds) and scale-down-delay slots (unix/2) then line up
// with the TypeScript replay, which uses t itself as unix time.
//
// With -observed each tick also carries the stable and panic averages the decision used.
// With -alpha it prints instead the weighted-exponential smoothing coefficient (as float64 bits)
// for windows of 1…3600 buckets, as upstream's WeightedFloat64Buckets computes it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"time"
	"unsafe"

	"go.uber.org/zap"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	autoscalingv1alpha1 "knative.dev/serving/pkg/apis/autoscaling/v1alpha1"
	"knative.dev/serving/pkg/autoscaler/aggregation"
	asconfig "knative.dev/serving/pkg/autoscaler/config"
	"knative.dev/serving/pkg/autoscaler/metrics"
	"knative.dev/serving/pkg/autoscaler/scaling"
	kparesources "knative.dev/serving/pkg/reconciler/autoscaling/kpa/resources"
	aresources "knative.dev/serving/pkg/reconciler/autoscaling/resources"
)

type second struct {
	T           float64  `json:"t"`
	Concurrency *float64 `json:"concurrency"`
	Requests    *float64 `json:"requests"`
	ReadyPods   *int     `json:"readyPods"`
}

type trace struct {
	AutoscalerConfig     map[string]string `json:"autoscalerConfig"`
	Annotations          map[string]string `json:"annotations"`
	ContainerConcurrency int64             `json:"containerConcurrency"`
	Reachable            *bool             `json:"reachable"`
	TickSeconds          float64           `json:"tickSeconds"`
	DurationSeconds      float64           `json:"durationSeconds"`
	Seconds              []second          `json:"seconds"`
}

type tick struct {
	T       float64 `json:"t"`
	Desired int32   `json:"desired"`
	EBC     int32   `json:"ebc"`
	Panic   bool    `json:"panic"`
	Valid   bool    `json:"valid"`
	// With -observed: the stable and panic averages upstream's MetricCollector reports at the tick.
	ObservedStable *float64 `json:"observedStable,omitempty"`
	ObservedPanic  *float64 `json:"observedPanic,omitempty"`
}

type result struct {
	Ticks []tick `json:"ticks"`
}

// readyCounter is the autoscaler's pod counter: the trace's ready pods at the current second.
type readyCounter struct{ n int }

func (c *readyCounter) ReadyCount() (int, error)    { return c.n, nil }
func (c *readyCounter) NotReadyCount() (int, error) { return 0, nil }

// idleScraper stands for the queue-proxy scraper of a Metric with a scrape target: it records
// nothing (every stat of the trace arrives through Record), but its existence makes an empty
// window "no data", as upstream.
type idleScraper struct{}

func (idleScraper) Scrape(time.Duration) (metrics.Stat, error) { return metrics.Stat{}, nil }

// panicking reads the autoscaler's unexported panicTime (upstream reports panic mode only as a
// metric).
func panicking(s scaling.UniScaler) bool {
	f := reflect.ValueOf(s).Elem().FieldByName("panicTime")
	return !(*(*time.Time)(unsafe.Pointer(f.UnsafeAddr()))).IsZero()
}

// epoch returns a wall-clock instant on a 2 s boundary in the past, at most 0.9 s ago when the
// autoscaler created next will take time.Now() as its panic time (more than one ready pod).
func epoch(startsInPanic bool) time.Time {
	for {
		now := time.Now()
		base := now.Truncate(2 * time.Second)
		if !startsInPanic || now.Sub(base) < 900*time.Millisecond {
			return base
		}
		time.Sleep(base.Add(2 * time.Second).Sub(now))
	}
}

func at(base time.Time, t float64) time.Time {
	return base.Add(time.Duration(math.Round(t * 1e9)))
}

func run(tr *trace, observed bool) (*result, error) {
	cfg, err := asconfig.NewConfigFromMap(tr.AutoscalerConfig)
	if err != nil {
		return nil, fmt.Errorf("autoscalerConfig: %w", err)
	}
	annotations := tr.Annotations
	if annotations == nil {
		annotations = map[string]string{}
	}
	reach := autoscalingv1alpha1.ReachabilityReachable
	if tr.Reachable != nil && !*tr.Reachable {
		reach = autoscalingv1alpha1.ReachabilityUnreachable
	}
	pa := &autoscalingv1alpha1.PodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rev", Annotations: annotations},
		Spec: autoscalingv1alpha1.PodAutoscalerSpec{
			ContainerConcurrency: tr.ContainerConcurrency,
			Reachability:         reach,
			ProtocolType:         "http1",
		},
	}
	decider := kparesources.MakeDecider(pa, cfg)
	// The KPA reconciler's scrape target: none when TBC is -1 (resolveScrapeTarget).
	scrapeTarget := "rev-private"
	if decider.Spec.TargetBurstCapacity == -1 {
		scrapeTarget = ""
	}
	metric := aresources.MakeMetric(pa, scrapeTarget, cfg)
	logger := zap.NewNop().Sugar()
	collector := metrics.NewMetricCollector(func(m *autoscalingv1alpha1.Metric, _ *zap.SugaredLogger) (metrics.StatsScraper, error) {
		if m.Spec.ScrapeTarget == "" {
			return nil, nil
		}
		return idleScraper{}, nil
	}, logger)
	if err := collector.CreateOrUpdate(metric); err != nil {
		return nil, err
	}
	key := types.NamespacedName{Namespace: "ns", Name: "rev"}
	defer collector.Delete("ns", "rev")

	last := int(math.Floor(tr.DurationSeconds))
	entry := -1
	ready := 0
	var stat *metrics.Stat
	advance := func(s float64) {
		for entry+1 < len(tr.Seconds) && tr.Seconds[entry+1].T <= s {
			entry++
			e := tr.Seconds[entry]
			if e.ReadyPods != nil {
				ready = *e.ReadyPods
			}
			if e.Concurrency == nil && e.Requests == nil {
				stat = nil
				continue
			}
			st := metrics.Stat{PodName: "activator"}
			if e.Concurrency != nil {
				st.AverageConcurrentRequests = *e.Concurrency
			}
			if e.Requests != nil {
				st.RequestCount = *e.Requests
			}
			stat = &st
		}
	}
	advance(0)
	counter := &readyCounter{n: ready}
	base := epoch(ready > 1)
	scaler := scaling.New(context.Background(), "ns", "rev", collector, counter, &decider.Spec)

	out := &result{Ticks: []tick{}}
	k := 1
	for s := 0; s <= last; s++ {
		advance(float64(s))
		counter.n = ready
		if stat != nil {
			collector.Record(key, at(base, float64(s)), *stat)
		}
		for t := float64(k) * tr.TickSeconds; t < float64(s+1) && t <= tr.DurationSeconds; t = float64(k) * tr.TickSeconds {
			now := at(base, t)
			var stable, panicValue float64
			if decider.Spec.ScalingMetric == "rps" {
				stable, panicValue, _ = collector.StableAndPanicRPS(key, now)
			} else {
				stable, panicValue, _ = collector.StableAndPanicConcurrency(key, now)
			}
			sr := scaler.Scale(logger, now)
			tk := tick{T: t, Desired: sr.DesiredPodCount, EBC: sr.ExcessBurstCapacity, Panic: panicking(scaler), Valid: sr.ScaleValid}
			if observed {
				tk.ObservedStable, tk.ObservedPanic = &stable, &panicValue
			}
			out.Ticks = append(out.Ticks, tk)
			k++
		}
	}
	return out, nil
}

func alphas() {
	for nb := 1; nb <= 3600; nb++ {
		b := aggregation.NewWeightedFloat64Buckets(time.Duration(nb)*time.Second, time.Second)
		f := reflect.ValueOf(b).Elem().FieldByName("smoothingCoeff")
		fmt.Printf("%d %x\n", nb, math.Float64bits(*(*float64)(unsafe.Pointer(f.UnsafeAddr()))))
	}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-alpha" {
		alphas()
		return
	}
	args := os.Args[1:]
	observed := len(args) > 0 && args[0] == "-observed"
	if observed {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: autoscaler-upstream [-observed] TRACE.json... | -alpha")
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout)
	for _, path := range args {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var tr trace
		if err := json.Unmarshal(data, &tr); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			os.Exit(1)
		}
		res, err := run(&tr, observed)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			os.Exit(1)
		}
		if err := enc.Encode(res); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

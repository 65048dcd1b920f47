// Seed scenario 3, "Managed release of a new Revision - config change only"
// (examples/managed-release/main.ts in Go): traffic pinned to my-service-def (tag current), the
// config change HELLO=blurg deployed as my-service-ghi behind the latest tag, released
// 0% → 5% → 50% under the candidate tag, then promoted to current.
//
//	go run ./managedrelease <outdir> [step...]
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/jsii-runtime-go"
	serving "github.com/cdk8s-knative/cdk8s-knative-serving-go/cdk8sknativeserving"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	"github.com/cdk8s-team/cdk8s-plus-go/cdk8splus28/v2"
)

// The HELLO value of each revision's template: def is in production, ghi is the config change.
var templates = map[string]string{"def": "world", "ghi": "blurg"}

// myService adds my-service with the template of revision and the traffic block traffic computes.
func myService(app cdk8s.App, revision string, traffic func(svc serving.KnService) serving.TrafficSplit) {
	chart := cdk8s.NewChart(app, jsii.String("managed-release"), &cdk8s.ChartProps{Namespace: jsii.String("default")})
	svc := serving.NewKnService(chart, jsii.String("MyService"), &serving.KnServiceProps{
		Metadata: &cdk8s.ApiObjectMetadata{Name: jsii.String("my-service")},
		Image:    jsii.String("gcr.io/knative-samples/helloworld-go"),
		EnvVariables: &map[string]cdk8splus28.EnvValue{
			"FOO":   cdk8splus28.EnvValue_FromValue(jsii.String("bar")),
			"HELLO": cdk8splus28.EnvValue_FromValue(jsii.String(templates[revision])),
		},
		// BYO name: Knative does not re-default a named template on update.
		RevisionName: serving.RevisionName_Of(jsii.String(revision)),
	})
	svc.ReplaceTraffic(traffic(svc))
}

func current(svc serving.KnService) serving.IRevision   { return svc.Revision(jsii.String("def")) }
func candidate(svc serving.KnService) serving.IRevision { return svc.Revision(jsii.String("ghi")) }

// release is the release-mode split: current, plus the candidate at percent when percent >= 0.
func release(percent float64) func(svc serving.KnService) serving.TrafficSplit {
	return func(svc serving.KnService) serving.TrafficSplit {
		if percent < 0 {
			return serving.TrafficSplit_Release(&serving.TrafficReleaseOptions{Current: current(svc)})
		}
		return serving.TrafficSplit_Release(&serving.TrafficReleaseOptions{
			Current:          current(svc),
			Candidate:        candidate(svc),
			CandidatePercent: jsii.Number(percent),
		})
	}
}

type step struct {
	name  string
	build func(app cdk8s.App)
}

var steps = []step{
	{"pin-current", func(app cdk8s.App) { myService(app, "def", release(-1)) }},
	{"deploy-candidate", func(app cdk8s.App) { myService(app, "ghi", release(-1)) }},
	{"begin", func(app cdk8s.App) { myService(app, "ghi", release(0)) }},
	{"candidate-5", func(app cdk8s.App) { myService(app, "ghi", release(5)) }},
	{"candidate-50", func(app cdk8s.App) { myService(app, "ghi", release(50)) }},
	{"promote", func(app cdk8s.App) {
		myService(app, "ghi", func(svc serving.KnService) serving.TrafficSplit {
			return release(50)(svc).Promote(nil)
		})
	}},
}

func main() {
	defer jsii.Close()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: managedrelease <outdir> [step...]")
		os.Exit(2)
	}
	wanted := map[string]bool{}
	for _, name := range os.Args[2:] {
		wanted[name] = true
	}
	for _, s := range steps {
		if len(wanted) > 0 && !wanted[s.name] {
			continue
		}
		app := cdk8s.NewApp(&cdk8s.AppProps{Outdir: jsii.String(filepath.Join(os.Args[1], s.name))})
		s.build(app)
		app.Synth()
	}
}

// Seed 002, traffic gray release of the stock-service-example rest-api
// (examples/stock-service-gray-release/main.ts in Go): v1 → v2 50/50 → v3 behind the latest
// tag → v1/v2/v3 40/30/30.
//
//	go run ./stockservicegrayrelease <outdir> [step...]
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

func stockService(app cdk8s.App, version string, traffic func(svc serving.KnService) serving.TrafficSplit) {
	chart := cdk8s.NewChart(app, jsii.String("stock-service-gray-release"), &cdk8s.ChartProps{Namespace: jsii.String("default")})
	svc := serving.NewKnService(chart, jsii.String("StockService"), &serving.KnServiceProps{
		Metadata:     &cdk8s.ApiObjectMetadata{Name: jsii.String("stock-service-example")},
		RevisionName: serving.RevisionName_Of(jsii.String(version)),
		Containers: &[]*serving.ContainerProps{{
			Image: jsii.String("registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1"),
			EnvVariables: &map[string]cdk8splus28.EnvValue{
				"RESOURCE": cdk8splus28.EnvValue_FromValue(jsii.String(version)),
			},
			Readiness: serving.KnativeProbe_FromHttpGet(jsii.String("/"), &cdk8splus28.HttpGetProbeOptions{
				InitialDelaySeconds: cdk8s.Duration_Seconds(jsii.Number(0)),
				PeriodSeconds:       cdk8s.Duration_Seconds(jsii.Number(3)),
			}),
		}},
	})
	if traffic != nil {
		svc.ReplaceTraffic(traffic(svc))
	}
}

func tag(name string) *serving.TrafficTagOptions {
	return &serving.TrafficTagOptions{Tag: jsii.String(name)}
}

// fiftyFifty: v1 and v2 50/50 (tags v1, v2) and the latest ready revision at 0% (tag latest).
func fiftyFifty(svc serving.KnService) serving.TrafficSplit {
	return serving.TrafficSplit_Create().
		ToRevision(svc.Revision(jsii.String("v1")), jsii.Number(50), tag("v1")).
		ToRevision(svc.Revision(jsii.String("v2")), jsii.Number(50), tag("v2")).
		ToLatest(jsii.Number(0), tag("latest"))
}

type step struct {
	name  string
	build func(app cdk8s.App)
}

var steps = []step{
	{"v1", func(app cdk8s.App) { stockService(app, "v1", nil) }},
	{"v2-50-50", func(app cdk8s.App) { stockService(app, "v2", fiftyFifty) }},
	{"v3-latest-only", func(app cdk8s.App) { stockService(app, "v3", fiftyFifty) }},
	{"v3-40-30-30", func(app cdk8s.App) {
		stockService(app, "v3", func(svc serving.KnService) serving.TrafficSplit {
			return serving.TrafficSplit_Create().
				ToRevision(svc.Revision(jsii.String("v1")), jsii.Number(40), tag("v1")).
				ToRevision(svc.Revision(jsii.String("v2")), jsii.Number(30), tag("v2")).
				ToRevision(svc.CurrentRevision(), jsii.Number(30), tag("v3")).
				ToLatest(jsii.Number(0), tag("latest"))
		})
	}},
}

func main() {
	defer jsii.Close()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: stockservicegrayrelease <outdir> [step...]")
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

// One bad input: a traffic split that sums to 90. app.Synth() panics with the construct path,
// the bad value and the fix, exactly as `cdk8s synth` reports it for a TypeScript app.
//
//	go run ./badinput <outdir>
package main

import (
	"os"

	"github.com/aws/jsii-runtime-go"
	serving "github.com/cdk8s-knative/cdk8s-knative-serving-go/cdk8sknativeserving"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
)

func main() {
	defer jsii.Close()
	app := cdk8s.NewApp(&cdk8s.AppProps{Outdir: jsii.String(os.Args[1])})
	chart := cdk8s.NewChart(app, jsii.String("shop"), &cdk8s.ChartProps{Namespace: jsii.String("default")})
	svc := serving.NewKnService(chart, jsii.String("Api"), &serving.KnServiceProps{
		Metadata:     &cdk8s.ApiObjectMetadata{Name: jsii.String("api")},
		Image:        jsii.String("ghcr.io/example/api:1.0"),
		RevisionName: serving.RevisionName_Of(jsii.String("v2")),
	})
	svc.ReplaceTraffic(serving.TrafficSplit_Create().
		ToRevision(svc.Revision(jsii.String("v1")), jsii.Number(60), &serving.TrafficTagOptions{Tag: jsii.String("stable")}).
		ToLatest(jsii.Number(30), &serving.TrafficTagOptions{Tag: jsii.String("latest")}))
	app.Synth() // panics: [shop/Api] spec.traffic: Traffic targets sum to 90, want 100 (got [60,30]). Fix: …
}

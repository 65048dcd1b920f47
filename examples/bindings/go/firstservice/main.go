// Seed scenario 2, "Creating a new Service" (examples/first-service/main.ts in Go): the first
// deployment of my-service, 100% to its first revision.
//
//	go run ./firstservice <outdir> [create]
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

func create(app cdk8s.App) {
	chart := cdk8s.NewChart(app, jsii.String("first-service"), &cdk8s.ChartProps{Namespace: jsii.String("default")})
	serving.NewKnService(chart, jsii.String("MyService"), &serving.KnServiceProps{
		Metadata: &cdk8s.ApiObjectMetadata{Name: jsii.String("my-service")},
		Image:    jsii.String("gcr.io/knative-samples/helloworld-go"),
		EnvVariables: &map[string]cdk8splus28.EnvValue{
			"FOO":   cdk8splus28.EnvValue_FromValue(jsii.String("bar")),
			"HELLO": cdk8splus28.EnvValue_FromValue(jsii.String("world")),
		},
	})
}

func main() {
	defer jsii.Close()
	steps := map[string]func(cdk8s.App){"create": create}
	order := []string{"create"}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: firstservice <outdir> [step...]")
		os.Exit(2)
	}
	if len(os.Args) > 2 {
		order = os.Args[2:]
	}
	for _, name := range order {
		build, ok := steps[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "no step %q\n", name)
			os.Exit(2)
		}
		app := cdk8s.NewApp(&cdk8s.AppProps{Outdir: jsii.String(filepath.Join(os.Args[1], name))})
		build(app)
		app.Synth()
	}
}

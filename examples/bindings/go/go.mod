module github.com/cdk8s-knative/cdk8s-knative-serving/examples/bindings/go

go 1.26.0

require (
	github.com/aws/jsii-runtime-go v1.141.0
	github.com/cdk8s-knative/cdk8s-knative-serving-go/cdk8sknativeserving v0.0.0
	github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 v2.70.0
	github.com/cdk8s-team/cdk8s-plus-go/cdk8splus28/v2 v2.5.6
)

require (
	github.com/Masterminds/semver/v3 v3.5.0 // indirect
	github.com/aws/constructs-go/constructs/v10 v10.3.0 // indirect
	github.com/fatih/color v1.19.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/yuin/goldmark v1.7.16 // indirect
	golang.org/x/lint v0.0.0-20241112194109-818c5a804067 // indirect
	golang.org/x/mod v0.41.0 // indirect
	golang.org/x/sync v0.23.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/telemetry v0.0.0-20260908163034-4bcc4b2ee518 // indirect
	golang.org/x/tools v0.50.0 // indirect
	golang.org/x/tools/cmd/godoc v0.1.0-deprecated // indirect
	golang.org/x/tools/godoc v0.1.0-deprecated // indirect
)

// `npm run bindings` generates these modules with jsii-pacmak into build/bindings/go: this
// library, and cdk8s 2.70.0, cdk8s-plus-28 2.5.6 and constructs 10.3.0 from the pinned npm
// packages (the Go module proxy reachable here serves none of those three at these versions).
// A user of the published modules drops these lines.
replace (
	github.com/aws/constructs-go/constructs/v10 => ../../../build/bindings/go/constructs
	github.com/cdk8s-knative/cdk8s-knative-serving-go/cdk8sknativeserving => ../../../build/bindings/go/cdk8sknativeserving
	github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 => ../../../build/bindings/go/cdk8s
	github.com/cdk8s-team/cdk8s-plus-go/cdk8splus28/v2 => ../../../build/bindings/go/cdk8splus28
)

// jsii-pacmak 1.140.0 writes `require github.com/aws/jsii-runtime-go v1.140.0`, a version the
// proxy does not serve; v1.141.0 is the next one it does.
replace github.com/aws/jsii-runtime-go v1.140.0 => github.com/aws/jsii-runtime-go v1.141.0

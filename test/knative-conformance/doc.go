// Package knativeconformance holds no code: its go.mod pins knative.dev/serving v0.44.1
// (Knative 1.17.1), whose conformance test packages and test images build.sh compiles.
package knativeconformance

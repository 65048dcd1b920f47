module knativeconformance

go 1.26

// Knative Serving's own module pins k8s.io to v0.31.4 with these replaces; a replace in a
// dependency is ignored, so they are repeated here to build its tests as upstream does.
replace (
	k8s.io/api => k8s.io/api v0.31.4
	k8s.io/apiextensions-apiserver => k8s.io/apiextensions-apiserver v0.31.4
	k8s.io/apimachinery => k8s.io/apimachinery v0.31.4
	k8s.io/client-go => k8s.io/client-go v0.31.4
	k8s.io/code-generator => k8s.io/code-generator v0.31.4
)

require knative.dev/serving v0.44.1

#!/usr/bin/env bash
# Builds the real control plane for the cluster test tier from the pinned Go module in go/:
# etcd, kube-apiserver, kube-controller-manager and kubectl, into test/cluster/.bin/ (gitignored).
# Go's build cache makes rebuilds cheap; a stamp file (hash of go.mod, go.sum, the mains,
# this script and the Go version) skips the build entirely when nothing changed.
# On a developer's machine (shared by several people) it builds at the lowest CPU priority, one
# package at a time; in CI (CI set, as .ci/run runs) it uses every core at normal priority.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${KNATIVE_CLUSTER_BIN:-$here/.bin}"
cd "$here/go"
tools=(etcd kube-apiserver kube-controller-manager kubectl)
# The release built from go.mod, written into the binaries like upstream's hack/lib/version.sh does.
kube_version="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"
stamp="$( { cat go.mod go.sum "$here/build.sh"; find cmd -name '*.go' | LC_ALL=C sort | xargs cat; go version; } | sha256sum | cut -c1-32)"
up_to_date=1
for t in "${tools[@]}"; do [ -x "$bin/$t" ] || up_to_date=0; done
if [ "$up_to_date" = 1 ] && [ "$(cat "$bin/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "cluster binaries up to date in $bin (Kubernetes $kube_version)"
  exit 0
fi
major="${kube_version#v}"; major="${major%%.*}"
minor="${kube_version#v*.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ldflags+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
mkdir -p "$bin"
rm -f "$bin/.stamp"
start=$(date +%s)
echo "building ${tools[*]} (Kubernetes $kube_version) into $bin ..."
if [ -n "${CI:-}" ]; then
  go build -trimpath -ldflags "$ldflags" -o "$bin/" ./cmd/...
else
  nice -n 19 go build -p 1 -trimpath -ldflags "$ldflags" -o "$bin/" ./cmd/...
fi
echo "$stamp" > "$bin/.stamp"
echo "built in $(( $(date +%s) - start ))s"

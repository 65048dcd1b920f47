#!/usr/bin/env bash
# Builds Knative Serving's own conformance suite (knative.dev/serving v0.44.1 = Knative 1.17.1,
# pinned by go.mod/go.sum here) and the test images it asks for, into
# test/knative-conformance/.bin/ (gitignored):
#   conformance-api-v1.test, conformance-api-v1beta1.test, conformance-runtime.test
#       `go test -c -tags=e2e` of test/conformance/api/v1, api/v1beta1 and runtime
#   images/<name>   each knative.dev/serving/test/test_images/<name> those packages reference
#       (the played kubelet, test/cluster/kubelet.ts, runs `<--dockerrepo>/<name>` as this binary)
#   sandbox-exec    ours (sandbox-exec/main.go): chroot, working directory, uid/gid, exec, the last
#       step of starting a container in the pod sandbox (test/cluster/pod-sandbox.ts)
# Go's build cache makes rebuilds cheap; a stamp (hash of go.mod, go.sum, this script and the Go
# version) skips the build entirely when nothing changed. Never more than 2 packages at a time;
# outside CI at the lowest CPU priority (the machine may be shared).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${KNATIVE_CONFORMANCE_BIN:-$here/.bin}"
cd "$here"
suites=(api/v1 api/v1beta1 runtime)
# The images test/conformance/{api/v1,api/v1beta1,runtime} name (test.<Image> constants and
# pkgTest.ImagePath calls); `invalidhelloworld` is deliberately not an image (error-condition test).
images=(autoscale failing hellovolume helloworld pizzaplanetv1 pizzaplanetv2 readiness runtime
  singlethreaded timeout volumes multicontainer/servingcontainer multicontainer/sidecarcontainer)
stamp="$( { cat go.mod go.sum "$here/build.sh" sandbox-exec/*.go; go version; } | sha256sum | cut -c1-32)"
if [ "$(cat "$bin/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "Knative conformance suite up to date in $bin"
  exit 0
fi
mkdir -p "$bin/images"
rm -f "$bin/.stamp"
nice=(nice -n 19)
[ -n "${CI:-}" ] && nice=()
start=$(date +%s)
echo "building knative.dev/serving $(go list -m -f '{{.Version}}' knative.dev/serving) conformance suites (${suites[*]}) and ${#images[@]} test images into $bin ..."
for s in "${suites[@]}"; do
  "${nice[@]}" go test -c -p 2 -trimpath -tags=e2e -o "$bin/conformance-${s//\//-}.test" "knative.dev/serving/test/conformance/$s"
done
pkgs=()
for i in "${images[@]}"; do pkgs+=("knative.dev/serving/test/test_images/$i"); done
# Static, as ko builds them (CGO off): they run in a bare root (test/cluster/pod-sandbox.ts).
CGO_ENABLED=0 "${nice[@]}" go build -p 2 -trimpath -ldflags "-s -w" -o "$bin/images/" "${pkgs[@]}"
CGO_ENABLED=0 "${nice[@]}" go build -p 2 -trimpath -ldflags "-s -w" -o "$bin/sandbox-exec" ./sandbox-exec
echo "$stamp" > "$bin/.stamp"
echo "built in $(( $(date +%s) - start ))s"

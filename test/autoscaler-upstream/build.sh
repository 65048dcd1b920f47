#!/usr/bin/env bash
# Builds the upstream autoscaler replayer (main.go: upstream Knative 1.17's decider packages from
# knative.dev/serving v0.44.0, see go.mod) into test/autoscaler-upstream/.bin/ (gitignored).
# Go's build cache makes rebuilds cheap; a stamp (hash of go.mod, go.sum, main.go, this script and
# the Go version) skips the build entirely when nothing changed. Outside CI it builds at the
# lowest CPU priority (the machine may be shared).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/.bin"
cd "$here"
stamp="$( { cat go.mod go.sum main.go "$here/build.sh"; go version; } | sha256sum | cut -c1-32)"
if [ -x "$bin/autoscaler-upstream" ] && [ "$(cat "$bin/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "autoscaler-upstream up to date in $bin"
  exit 0
fi
mkdir -p "$bin"
rm -f "$bin/.stamp"
start=$(date +%s)
echo "building autoscaler-upstream (knative.dev/serving $(go list -m -f '{{.Version}}' knative.dev/serving)) into $bin ..."
if [ -n "${CI:-}" ]; then
  go build -trimpath -o "$bin/autoscaler-upstream" .
else
  nice -n 19 go build -trimpath -o "$bin/autoscaler-upstream" .
fi
echo "$stamp" > "$bin/.stamp"
echo "built in $(( $(date +%s) - start ))s"

#!/usr/bin/env bash
# Builds the upstream admission runner (main.go) once per Knative version into
# test/upstream-admission/.bin/ (gitignored):
#   upstream-admission-1.17  knative.dev/serving v0.44.1 (Knative 1.17.1), go.mod + go.sum
#   upstream-admission-1.23  knative.dev/serving v0.50.0 (Knative 1.23.0), knative-1.23.mod + .sum
# (one main.go, two module files: `go build -modfile`). v0.44.2 (1.17.2) and every release newer
# than v0.50.0 were not to be had from the Go module proxy (README, "Upstream conformance").
# Go's build cache makes rebuilds cheap; a stamp per binary (hash of its module files, main.go,
# this script and the Go version) skips the build when nothing changed.
# Outside CI it builds at the lowest CPU priority (the machine may be shared).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/.bin"
cd "$here"
mkdir -p "$bin"
build() { # <version> <modfile>
  local version="$1" modfile="$2" sum="${2%.mod}.sum" out="$bin/upstream-admission-$1"
  local stamp
  stamp="$( { cat "$modfile" "$sum" main.go "$here/build.sh"; go version; } | sha256sum | cut -c1-32)"
  if [ -x "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "upstream-admission-$version up to date in $bin"
    return 0
  fi
  rm -f "$out.stamp"
  local start
  start=$(date +%s)
  echo "building upstream-admission-$version (knative.dev/serving $(go list -modfile="$modfile" -m -f '{{.Version}}' knative.dev/serving)) into $bin ..."
  if [ -n "${CI:-}" ]; then
    go build -modfile="$modfile" -trimpath -o "$out" .
  else
    nice -n 19 go build -modfile="$modfile" -trimpath -o "$out" .
  fi
  echo "$stamp" > "$out.stamp"
  echo "built in $(( $(date +%s) - start ))s"
}
build 1.17 go.mod
build 1.23 knative-1.23.mod

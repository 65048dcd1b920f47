#!/usr/bin/env bash
# Builds `kn`, the Knative CLI (module knative.dev/client at the version go.mod pins, a `tool`
# directive), into test/cluster/.bin/kn (gitignored) for test/cluster/kn.test.ts.
# A stamp file (hash of go.mod, go.sum, this script and the Go version) skips the build when
# nothing changed; Go's build cache makes a rebuild after a change cheap.
# Never more than 2 packages at a time (the machines have 2 cores); outside CI at the lowest
# CPU priority, as test/cluster/build.sh does.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${KNATIVE_CLUSTER_BIN:-$(cd "$here/.." && pwd)/.bin}"
cd "$here"
version="$(go list -m -f '{{.Version}}' knative.dev/client)"
stamp="$( { cat go.mod go.sum "$here/build.sh"; go version; } | sha256sum | cut -c1-32)"
if [ -x "$bin/kn" ] && [ "$(cat "$bin/.kn-stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "kn up to date in $bin (knative.dev/client $version)"
  exit 0
fi
mkdir -p "$bin"
rm -f "$bin/.kn-stamp"
start=$(date +%s)
echo "building kn (knative.dev/client $version) into $bin ..."
# kn version prints these (upstream's hack/build.sh sets them the same way).
ldflags="-s -w -X knative.dev/client/pkg/kn/commands/version.Version=$version"
ldflags+=" -X knative.dev/client/pkg/kn/commands/version.BuildDate=1970-01-01T00:00:00Z"
ldflags+=" -X knative.dev/client/pkg/kn/commands/version.GitRevision=$version"
if [ -n "${CI:-}" ]; then
  go build -p 2 -trimpath -ldflags "$ldflags" -o "$bin/kn" knative.dev/client/cmd/kn
else
  nice -n 19 go build -p 2 -trimpath -ldflags "$ldflags" -o "$bin/kn" knative.dev/client/cmd/kn
fi
echo "$stamp" > "$bin/.kn-stamp"
echo "built kn in $(( $(date +%s) - start ))s"

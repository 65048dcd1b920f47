#!/usr/bin/env bash
# Runs a command inside a private network + PID namespace for the cluster tier:
#   - network: only `lo`, with 10.0.0.0/8 routed as local (node 10.0.0.1, Services 10.96/16,
#     pods 10.244/16; see network.ts), so nothing can leave the namespace;
#   - PID: the command is the namespace's init, so when it exits (or is killed) the kernel kills
#     every process it left behind (etcd, kube-apiserver, controllers, ...);
#   - TMPDIR: a fresh directory removed on exit, whatever happened.
# Builds the Go binaries (cached) and the runtime bundles first: the namespace has no network.
# Needs root (CI and the project's machines run as root).
#
#   test/cluster/netns.sh npx jest -c test/cluster/jest.config.js
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ "$#" -eq 0 ]; then echo "usage: $0 <command> [args...]" >&2; exit 2; fi
bash "$here/build.sh"
# The OCI registry a cluster test starts on loopback (test/support/registry.ts; apt has no network inside).
if ! command -v docker-registry >/dev/null || ! command -v htpasswd >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-registry apache2-utils >/dev/null \
    || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-registry apache2-utils >/dev/null; }
fi
(cd "$root" && node scripts/vendor-k8s-client.mjs && node scripts/build-runtime.mjs >/dev/null)
tmp="$(mktemp -d "${TMPDIR:-/tmp}/knative-cluster-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
status=0
TMPDIR="$tmp" KNATIVE_CLUSTER_NETNS=1 KNATIVE_CLUSTER_WRAPPER_PID=$$ KNATIVE_CLUSTER_BIN="${KNATIVE_CLUSTER_BIN:-$here/.bin}" \
  unshare --net --pid --fork --kill-child --mount-proc -- bash -c '
    set -e
    ip link set lo up
    ip route add local 10.0.0.0/8 dev lo
    exec "$@"' netns "$@" || status=$?
exit "$status"

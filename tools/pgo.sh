#!/usr/bin/env bash
# Regenerates cmd/kubenet/default.pgo, the CPU profile `go build` and `go install`
# optimize kubenet with (profile-guided optimization; docs/performance.md). The profile
# is of the work kubenet spends its time on in large runs: lint over the generated
# cluster and its Cilium, Calico and Gateway variants, and reach over the cluster.
# Run it after large changes to the load, the facts or the rules; a stale profile still
# builds, and only optimizes less.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local CGO_ENABLED=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

go build -pgo=off -trimpath -o "$d/kubenet" ./cmd/kubenet
go build -o "$d/kubenet-gen" ./cmd/kubenet-gen

# run PROFILE ARGS...: kubenet ARGS under the CPU profiler; findings (exit 1) are expected.
run() {
  local prof=$1
  shift
  KUBENET_CPUPROFILE="$d/$prof.prof" "$d/kubenet" "$@" >/dev/null || [ $? = 1 ]
}

"$d/kubenet-gen" -out "$d/cluster" >/dev/null
run lint lint --format json "$d/cluster"
run reach reach "$d/cluster"
for variant in "-kind cilium" "-kind calico" "-routes"; do
  name=${variant##* }
  # shellcheck disable=SC2086 # the variant is two words: a flag and its value
  "$d/kubenet-gen" -out "$d/$name" $variant >/dev/null
  run "$name" lint --format json "$d/$name"
done
go tool pprof -proto "$d"/*.prof > cmd/kubenet/default.pgo
echo "wrote cmd/kubenet/default.pgo ($(wc -c < cmd/kubenet/default.pgo) bytes)"

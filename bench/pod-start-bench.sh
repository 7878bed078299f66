#!/usr/bin/env bash
# The pod start benchmark (issue 4): starts `capstan up` on its own containerd (as root, with
# scripts/install-runtime-deps' packages), then PodStartBench measures 20 times the time from
# creating a 1-replica busybox Deployment to its pod's Ready condition, alternating with the bare
# CRI pod start against the same containerd socket (the runtime's floor). Prints a Markdown table
# with the load average and keeps it in bench/results/. Usage: bench/pod-start-bench.sh [--runs 20]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
. "$root/bench/lib/bench-run.sh"
if [ -z "${CAPSTAN_BENCH_NO_BUILD:-}" ]; then
  "$root/scripts/install-build-deps"   # the runtime's packages: the launcher installs them for `up`
  bench_build
fi
work="$(mktemp -d /tmp/capstan-pod-bench.XXXXXX)"
up_pid=""
cleanup() {
  if [ -n "$up_pid" ]; then
    kill "$up_pid" 2>/dev/null || true   # SIGTERM: up stops its pods and its containerd
    wait "$up_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Through the launcher, so `up` runs with the JVM options users get; ports out of the defaults' way.
CAPSTAN_NO_REBUILD=1 CAPSTAN_CONFIG="$work/config" "$root/capstan" up --runtime containerd \
  --data-dir "$work/data" --node-name bench-node --api-port 26443 --raft-port 26380 --etcd-port 0 \
  --agent-port 26250 --metrics-port 26060 >"$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 1 240); do
  grep -q "^Capstan is up" "$work/up.log" && break
  kill -0 "$up_pid" 2>/dev/null || { cat "$work/up.log" >&2; exit 1; }
  sleep 0.5
done
grep -q "^Capstan is up" "$work/up.log" || { echo "capstan up did not come up in 120 s" >&2; cat "$work/up.log" >&2; exit 1; }
socket="$(sed -n 's/^  runtime: *containerd (own, \(.*\))$/\1/p' "$work/up.log")"

result="$root/bench/results/pod-start-$(date -u +%Y%m%dT%H%M%SZ).md"
bench_java dev.capstan.bench.pods.PodStartBench \
  --config "$work/config" --containerd-socket "$socket" --work "$work/bench" "$@" | tee "$result"
echo "kept in $result" >&2

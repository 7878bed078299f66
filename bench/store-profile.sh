#!/usr/bin/env bash
# Where a put's server CPU goes: a 3-peer Capstan store on loopback (through the launcher, as
# store-bench.sh starts it), closed-loop jetcd clients putting 256 B values, and after a warm-up
# the CPU of every server thread over the measured seconds, grouped and per put, with the puts
# per Raft entry. Prints Markdown and keeps it in bench/results/.
# Usage: bench/store-profile.sh [--clients 16] [--warmup-seconds 60] [--seconds 20]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
"$root/scripts/install-build-deps"
"$root/scripts/install-test-deps"
cd "$root"
# shellcheck source=bench/lib/bench-run.sh
. "$root/bench/lib/bench-run.sh"
# shellcheck source=bench/lib/store-clusters.sh
. "$root/bench/lib/store-clusters.sh"
bench_build
bench_work_dir /tmp capstan-store-profile

start_capstan_store_peers "$root" "$work"
join() { local IFS=,; echo "$*"; }
result="$root/bench/results/store-profile-$(date -u +%Y%m%dT%H%M%SZ).md"
java -cp "bench/target/capstan-bench-0.1.0-SNAPSHOT.jar:$(cat bench/target/cp.txt)" dev.capstan.bench.store.StoreProfile \
  --target "capstan=$capstan_endpoints@$(join "${capstan_pids[@]}")" "$@" | tee "$result"
echo "kept in $result" >&2

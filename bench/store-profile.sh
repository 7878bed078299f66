#!/usr/bin/env bash
# Where a put's server CPU goes: a 3-peer Capstan store on loopback (through the launcher, as
# store-bench.sh starts it), closed-loop jetcd clients putting 256 B values, and after a warm-up
# the CPU of every server thread over the measured seconds, grouped and per put, with the puts
# per Raft entry. Prints Markdown and keeps it in bench/results/.
# Usage: bench/store-profile.sh [--clients 16] [--warmup-seconds 60] [--seconds 20]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=bench/lib/bench-run.sh
. "$root/bench/lib/bench-run.sh"
# shellcheck source=bench/lib/store-clusters.sh
. "$root/bench/lib/store-clusters.sh"
bench_prepare capstan-store-profile --with-test-deps

start_capstan_store_peers "$root" "$work"
bench_run_driver store-profile dev.capstan.bench.store.StoreProfile \
  --target "capstan=$capstan_endpoints@$(bench_join "${capstan_pids[@]}")" "$@"

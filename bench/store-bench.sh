#!/usr/bin/env bash
# The store benchmark: one jetcd load driver against a 3-member etcd and a 3-peer Capstan store,
# both on loopback on this machine, both with their default durability (every write fsynced
# by its Raft log before it is acknowledged), in the same run. Prints a Markdown table and keeps
# it in bench/results/. Usage: bench/store-bench.sh [--scale 0.1] [--only put,cas,watch,range,memory]
# [--warmup-seconds 20] [--rounds 1] (several rounds: medians, and each round's ratio as the spread)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=bench/lib/bench-run.sh
. "$root/bench/lib/bench-run.sh"
# shellcheck source=bench/lib/store-clusters.sh
. "$root/bench/lib/store-clusters.sh"
bench_prepare capstan-store-bench --with-test-deps

start_etcd_members "$work/etcd" "$work/etcd" 22379

start_capstan_store_peers "$root" "$work"
wait_for_writes 127.0.0.1:22379

bench_run_driver store dev.capstan.bench.store.StoreBench \
  --target "capstan=$capstan_endpoints@$(bench_join "${capstan_pids[@]}")" \
  --target "etcd=$etcd_urls@$(bench_join "${etcd_pids[@]}")" "$@"

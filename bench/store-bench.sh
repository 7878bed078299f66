#!/usr/bin/env bash
# The store benchmark: one jetcd load driver against a 3-member etcd and a 3-peer Capstan store,
# both on loopback on this machine, both with their default durability (every write fsynced
# by its Raft log before it is acknowledged), in the same run. Prints a Markdown table and keeps
# it in bench/results/. Usage: bench/store-bench.sh [--scale 0.1] [--only put,cas,watch,range,memory]
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
bench_work_dir /tmp capstan-store-bench

start_etcd_members "$work/etcd" "$work/etcd" 22379

start_capstan_store_peers "$root" "$work"
wait_for_writes 127.0.0.1:22379

join() { local IFS=,; echo "$*"; }
result="$root/bench/results/store-$(date -u +%Y%m%dT%H%M%SZ).md"
java -cp "bench/target/capstan-bench-0.1.0-SNAPSHOT.jar:$(cat bench/target/cp.txt)" dev.capstan.bench.store.StoreBench \
  --target "capstan=$capstan_endpoints@$(join "${capstan_pids[@]}")" \
  --target "etcd=$etcd_urls@$(join "${etcd_pids[@]}")" \
  "$@" | tee "$result"
echo "kept in $result" >&2

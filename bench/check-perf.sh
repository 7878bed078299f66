#!/usr/bin/env bash
# etcd's own check, `etcdctl check perf --load=s`, on this machine's disk, against a fresh 3-member
# etcd 3.4 and a fresh 3-peer Capstan store in alternation (etcd, Capstan, etcd, Capstan, ...), so
# both meet the same disk in neighbouring minutes. Capstan's side is EtcdctlCheckPerfTest (the
# check CI runs, whose peers use tmpfs there) pointed at the disk with -Dcapstan.checkPerf.dataDir.
# Each run also records the longest stretch in which every task wanting I/O was stalled
# (/proc/pressure/io "full", sampled every 250 ms), to tell the disk's stalls from the store's.
# Prints a Markdown table and keeps it in bench/results/. Usage: bench/check-perf.sh [--rounds 3]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="${2:?--rounds needs a number}"; shift 2 ;;
    *) echo "check-perf.sh: unknown argument $1 (usage: bench/check-perf.sh [--rounds N])" >&2; exit 2 ;;
  esac
done
case "$rounds" in ''|*[!0-9]*|0) echo "check-perf.sh: --rounds must be a positive number, got '$rounds'" >&2; exit 2 ;; esac

"$root/scripts/install-build-deps"
"$root/scripts/install-test-deps"
cd "$root"
mvn -B -q -ntp ${CAPSTAN_MVN_OPTS:-} -DskipTests install -pl raft-store -am >&2

# shellcheck source=bench/lib/bench-run.sh
. "$root/bench/lib/bench-run.sh"
# shellcheck source=bench/lib/store-clusters.sh
. "$root/bench/lib/store-clusters.sh"
# On the root disk, like the store's data in a default install (not /dev/shm, not a tmpfs /tmp).
bench_work_dir /var/tmp capstan-check-perf

# Longest run of consecutive 250 ms samples with "full" I/O stall over 100 ms, in ms of stall.
watch_io_stalls() {
  local prev cur longest=0 run=0
  prev=$(sed -n 's/^full .*total=//p' /proc/pressure/io)
  while [ ! -e "$work/stop-psi" ]; do
    sleep 0.25
    cur=$(sed -n 's/^full .*total=//p' /proc/pressure/io)
    local stalled=$(( (cur - prev) / 1000 ))
    prev=$cur
    if [ "$stalled" -gt 100 ]; then run=$((run + stalled)); else run=0; fi
    [ "$run" -gt "$longest" ] && longest=$run
  done
  echo "$longest" >"$work/psi-longest"
}

# Runs a command while watching I/O stalls; the longest stall in ms is left in $work/psi-longest.
with_io_watch() {
  rm -f "$work/stop-psi" "$work/psi-longest"
  watch_io_stalls &
  local watcher=$!
  "$@"
  touch "$work/stop-psi"
  wait "$watcher"
}

verdict_of() { # check perf's verdict lines -> "throughput | slowest | stddev | verdict"
  tr '\r' '\n' | sed 's/.*%//' | awk '
    /Throughput/ { t = $0; sub(/.*Throughput[^0-9]*/, "", t); sub(/ writes\/s.*/, "", t) }
    /Slowest request/ { s = $0; sub(/.*Slowest request[^0-9]*/, "", s); sub(/s$/, "", s) }
    /Stddev/ { d = $0; sub(/.*Stddev[^0-9]*/, "", d); sub(/s$/, "", d) }
    /^(FAIL|PASS)$/ { v = $0 }
    END { printf "%s | %s | %s | %s", t, s, d, v }'
}

run_etcd() {
  local dir="$work/etcd-$1"
  start_etcd_members "$dir" "$work/etcd-$1" 32379
  local members=("${etcd_pids[@]}")
  wait_for_writes 127.0.0.1:32379 || true
  sync
  ETCDCTL_API=3 etcdctl --endpoints "$etcd_endpoints" check perf --load=s \
    >"$work/etcd-$1.out" 2>&1 || true
  kill "${members[@]}" 2>/dev/null || true
  wait "${members[@]}" 2>/dev/null || true
  rm -rf "$dir"
}

run_capstan() {
  local dir="$work/capstan-$1"
  mkdir -p "$dir"
  mvn -B -q -ntp ${CAPSTAN_MVN_OPTS:-} -pl raft-store surefire:test@etcdctl-check-perf \
    -Dcapstan.checkPerf.dataDir="$dir" >"$work/capstan-$1.mvn" 2>&1 || true
  cat raft-store/target/surefire-reports/dev.capstan.store.etcd.EtcdctlCheckPerfTest-output.txt \
    >"$work/capstan-$1.out" 2>/dev/null || true
  rm -rf "$dir"
}

result="$root/bench/results/check-perf-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "# etcdctl check perf --load=s on disk, etcd and Capstan in alternation"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, data on $(df --output=source,fstype "$work" | tail -1 | tr -s ' '), etcd $(etcd --version | sed -n 's/^etcd Version: //p'), Capstan $(git rev-parse --short HEAD)"
  echo
  echo "| round | store | started (UTC) | writes/s | slowest (s) | stddev (s) | verdict | I/O stall, longest stretch (ms) |"
  echo "|---|---|---|---|---|---|---|---|"
} | tee "$result"
for round in $(seq 1 "$rounds"); do
  for store in etcd capstan; do
    started=$(date -u +%H:%M:%S)
    with_io_watch "run_$store" "$round"
    echo "| $round | $store | $started | $(verdict_of <"$work/$store-$round.out") | $(cat "$work/psi-longest") |" \
      | tee -a "$result"
  done
done
echo "kept in $result" >&2

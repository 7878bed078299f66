#!/usr/bin/env bash
# What a hand-off between two threads costs on this machine, back to back and after idle gaps
# (dev.capstan.bench.host.HandOffCost): the wake-up cost that makes a server's CPU per request
# fall as the request rate rises (docs/benchmarks.md). The JVM runs C1 only, as the daemons do.
# Run it on a quiet machine; keeps the result in bench/results/handoff-<UTC time>.md.
# Usage: bench/handoff-cost.sh [--seconds 3] [--gaps-us 0,50,200,1000,5000]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=bench/lib/bench-run.sh
. "$root/bench/lib/bench-run.sh"
bench_prepare capstan-handoff
mkdir -p bench/results
result="$root/bench/results/handoff-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "# Thread hand-off cost, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r)," \
    "cpuidle driver $(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null || echo unknown);" \
    "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  bench_memory_monitor
  echo "command: bench/handoff-cost.sh $*"
  echo
} >"$result"
CAPSTAN_BENCH_JAVA_OPTS="${CAPSTAN_BENCH_JAVA_OPTS:--XX:TieredStopAtLevel=1}" \
  bench_java dev.capstan.bench.host.HandOffCost "$@" | tee -a "$result"
echo "kept in $result" >&2

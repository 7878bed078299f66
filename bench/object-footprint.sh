#!/usr/bin/env bash
# What one pod costs on a server's heap decoded and as the watch cache holds it (its stored bytes
# and selector fields), against its encoded size (dev.capstan.bench.api.ObjectFootprint, Java
# Object Layout), and the time a decode takes against the cache's read of the selector fields,
# with the servers' JIT (C1 only, as the launcher runs them; CAPSTAN_BENCH_JAVA_OPTS replaces that). No servers are started; the output is
# kept in bench/results/footprint-<UTC time>.md.
# Usage: bench/object-footprint.sh [--count 2000]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=bench/lib/bench-run.sh
. "$root/bench/lib/bench-run.sh"
bench_prepare capstan-footprint
# Java Object Layout loads its agent into this JVM for exact object sizes.
CAPSTAN_BENCH_JAVA_OPTS="${CAPSTAN_BENCH_JAVA_OPTS:--XX:TieredStopAtLevel=1} -Djdk.attach.allowAttachSelf=true" \
  bench_run_driver footprint dev.capstan.bench.api.ObjectFootprint "$@"

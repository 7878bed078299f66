#!/usr/bin/env bash
# The apiserver benchmark: three `capstan server` processes on loopback forming one cluster (each a
# store peer, an apiserver and the leader-elected scheduler and controllers; default JVM options and
# default durability), a static token file with an admin token, and one ApiBench load driver with
# clients spread over the three. Prints Markdown tables and keeps them in bench/results/.
# CAPSTAN_BENCH_PEER_TLS=1 runs the servers with mutual TLS on their Raft ports; CAPSTAN_BENCH_JAVA_OPTS
# are the load driver's JVM options.
# Usage: bench/api-bench.sh [--scale 0.1] [--rates 100,500] [--seconds 30] [--warmup-seconds 45]
#                           [--only warmup,memory,latency] [--verbs create,get,list,update,patch]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# shellcheck source=bench/lib/bench-run.sh
. "$root/bench/lib/bench-run.sh"
bench_prepare capstan-api-bench

admin="admin-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
secret="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
umask 077
cat >"$work/tokens.csv" <<TOKENS
$admin,admin,admin,"system:masters"
scheduler-$secret,system:kube-scheduler,kube-scheduler
controllers-$secret,system:kube-controller-manager,kube-controller-manager
TOKENS

base=${CAPSTAN_BENCH_PORT_BASE:-24400}
cluster="s1=127.0.0.1:$((base + 11)),s2=127.0.0.1:$((base + 12)),s3=127.0.0.1:$((base + 13))"
servers=()
peer_tls=()
for i in 1 2 3; do
  # CAPSTAN_BENCH_PEER_TLS=1: mutual TLS between the servers' Raft ports (docs/operations.md)
  if [ "${CAPSTAN_BENCH_PEER_TLS:-0}" = 1 ]; then
    CAPSTAN_NO_REBUILD=1 ./capstan certificate peer "s$i" --host 127.0.0.1 --dir "$work/peer-pki" >&2
    peer_tls[$i]="--peer-cert-file $work/peer-pki/s$i.crt --peer-key-file $work/peer-pki/s$i.key --peer-trusted-ca-file $work/peer-pki/ca.crt"
  fi
done
for i in 1 2 3; do
  # Through the launcher (which execs java, so $! is the server's pid), so the servers run with
  # the JVM options users get; the runs before 2026-12 used plain `java -jar` (full tiered JIT).
  CAPSTAN_NO_REBUILD=1 ./capstan server --name "s$i" --data-dir "$work/s$i" \
    --api-port "$((base + i))" --raft-port "$((base + 10 + i))" --etcd-port "$((base + 20 + i))" \
    --metrics-port "$((base + 30 + i))" \
    --initial-cluster "$cluster" --token-auth-file "$work/tokens.csv" ${peer_tls[$i]:-} >"$work/s$i.log" 2>&1 &
  pids+=($!)
  servers+=(--server "127.0.0.1:$((base + i))@$!")
done

for i in 1 2 3; do
  for _ in $(seq 1 240); do
    grep -q '^capstan server ".*" is up' "$work/s$i.log" && break
    if ! kill -0 "${pids[$((i - 1))]}" 2>/dev/null; then
      echo "server s$i exited:" >&2; tail -50 "$work/s$i.log" >&2; exit 1
    fi
    sleep 0.5
  done
  grep -q '^capstan server ".*" is up' "$work/s$i.log" || { echo "server s$i not up in 120 s" >&2; tail -50 "$work/s$i.log" >&2; exit 1; }
done

mkdir -p bench/results
result="$root/bench/results/api-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "# apiserver benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1);" \
    "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  bench_memory_monitor
  echo "command: bench/api-bench.sh $*$([ "${CAPSTAN_BENCH_PEER_TLS:-0}" = 1 ] && echo ' (CAPSTAN_BENCH_PEER_TLS=1: mutual TLS between the Raft ports)')"
  [ -n "${CAPSTAN_JAVA_OPTS:-}" ] && echo "servers' extra JVM options (CAPSTAN_JAVA_OPTS): $CAPSTAN_JAVA_OPTS"
  [ -n "${CAPSTAN_BENCH_JAVA_OPTS:-}" ] && echo "driver's JVM options (CAPSTAN_BENCH_JAVA_OPTS): $CAPSTAN_BENCH_JAVA_OPTS"
  echo
} >"$result"
bench_java dev.capstan.bench.api.ApiBench \
  "${servers[@]}" --token "$admin" --certificate-authority "$work/s1/pki/ca.crt" \
  --metrics "127.0.0.1:$((base + 31)),127.0.0.1:$((base + 32)),127.0.0.1:$((base + 33))" "$@" >>"$result"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$result"
{
  # which server had which role (from their logs), to read the per-server columns against
  for i in 1 2 3; do
    grep -q 'MvccStateMachine - Leader ready' "$work/s$i.log" && echo "Raft leader (at some point): s$i = 127.0.0.1:$((base + i))"
  done
  grep -h -o 's[123] became leader of lease [^ ]*' "$work"/s?.log | sort -u || true
} >>"$result"
cat "$result"
echo "kept in $result" >&2

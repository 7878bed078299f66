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
mvn -B -q -ntp -DskipTests -Dmaven.test.skip=true package dependency:build-classpath \
  -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=runtime -pl bench,cli -am >&2
work="$(mktemp -d /tmp/capstan-store-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

etcd_cluster="e1=http://127.0.0.1:22380,e2=http://127.0.0.1:22382,e3=http://127.0.0.1:22384"
for i in 1 2 3; do
  client=$((22377 + 2 * i)); peer=$((22378 + 2 * i))
  etcd --name "e$i" --data-dir "$work/etcd-$i" \
    --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "$etcd_cluster" --initial-cluster-state new --logger zap --log-level error \
    >"$work/etcd-$i.log" 2>&1 &
  pids+=($!)
  etcd_pids+=($!)
done

capstan_cluster="c1=127.0.0.1:23380,c2=127.0.0.1:23382,c3=127.0.0.1:23384"
capstan_urls="c1=http://127.0.0.1:23379,c2=http://127.0.0.1:23381,c3=http://127.0.0.1:23383"
for i in 1 2 3; do
  client=$((23377 + 2 * i)); peer=$((23378 + 2 * i))
  # Through the launcher, so the store runs with the JVM options users get.
  CAPSTAN_NO_REBUILD=1 "$root/capstan" store --name "c$i" --data-dir "$work/capstan-$i" \
    --raft-port "$peer" --client-port "$client" --initial-cluster "$capstan_cluster" \
    --cluster-client-urls "$capstan_urls" >"$work/capstan-$i.log" 2>&1 &
  pids+=($!)
  capstan_pids+=($!)
done

for ep in 127.0.0.1:22379 127.0.0.1:23379; do
  for _ in $(seq 1 120); do
    ETCDCTL_API=3 etcdctl --endpoints "$ep" put /bench-ready x >/dev/null 2>&1 && break
    sleep 0.5
  done
done

join() { local IFS=,; echo "$*"; }
result="$root/bench/results/store-$(date -u +%Y%m%dT%H%M%SZ).md"
java -cp "bench/target/capstan-bench-0.1.0-SNAPSHOT.jar:$(cat bench/target/cp.txt)" dev.capstan.bench.store.StoreBench \
  --target "capstan=http://127.0.0.1:23379,http://127.0.0.1:23381,http://127.0.0.1:23383@$(join "${capstan_pids[@]}")" \
  --target "etcd=http://127.0.0.1:22379,http://127.0.0.1:22381,http://127.0.0.1:22383@$(join "${etcd_pids[@]}")" \
  "$@" | tee "$result"
echo "kept in $result" >&2

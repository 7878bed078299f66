#!/usr/bin/env bash
# The store's write path alone: three Raft store peers in one JVM on loopback (default durability),
# closed-loop writers of 1 KiB puts through a follower's or the leader's store
# (dev.capstan.bench.store.InProcessWrites). Prints puts/s, CPU per put and where it went, by
# thread. The JVM runs C1 only, as the launcher runs the daemons. Compare commits by running this
# at each; it measures no RPC in front of the store.
# Usage: bench/inprocess-writes.sh [--writers 16] [--seconds 10] [--rounds 2] [--via follower|leader|all]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
"$root/scripts/install-build-deps"
cd "$root"
mvn -B -q -ntp ${CAPSTAN_MVN_OPTS:-} -DskipTests -Dmaven.test.skip=true package dependency:build-classpath \
  -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=runtime -pl bench -am >&2
exec java -XX:TieredStopAtLevel=1 ${CAPSTAN_JAVA_OPTS:-} \
  -cp "bench/target/capstan-bench-0.1.0-SNAPSHOT.jar:$(cat bench/target/cp.txt)" \
  dev.capstan.bench.store.InProcessWrites "$@"

# Sourced by the bench scripts: the build they share, their scratch directory, running a driver.

# Builds the bench and cli jars and the bench's runtime classpath (bench/target/cp.txt).
# CAPSTAN_MVN_OPTS=-o builds offline once the dependencies are in the local repository.
bench_build() {
  mvn -B -q -ntp ${CAPSTAN_MVN_OPTS:-} -DskipTests -Dmaven.test.skip=true package dependency:build-classpath \
    -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=runtime -pl bench,cli -am >&2
}

# Makes $work (mktemp under PARENT, named NAME.XXXXXX) and an empty pids array; on exit every
# process in pids is killed and $work removed.
bench_work_dir() {
  work="$(mktemp -d "$1/$2.XXXXXX")"
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

# The start every bench that runs the bench's drivers shares: the build's packages (and with
# --with-test-deps etcd and the rest of the test packages), the build, and a scratch directory
# /tmp/NAME.XXXXXX. Needs $root, the project root.
#   bench_prepare NAME [--with-test-deps]
bench_prepare() {
  "$root/scripts/install-build-deps"
  if [ "${2:-}" = --with-test-deps ]; then
    "$root/scripts/install-test-deps"
  fi
  cd "$root"
  bench_build
  bench_work_dir /tmp "$1"
}

# Runs the bench's MAIN_CLASS with ARGS on the bench jar's class path, with the driver's JVM
# options from CAPSTAN_BENCH_JAVA_OPTS.
#   bench_java MAIN_CLASS [ARGS...]
bench_java() {
  java ${CAPSTAN_BENCH_JAVA_OPTS:-} \
    -cp "$root/bench/target/capstan-bench-0.1.0-SNAPSHOT.jar:$(cat "$root/bench/target/cp.txt")" "$@"
}

# Runs MAIN_CLASS as bench_java does, shows its output and keeps it as
# bench/results/NAME-<UTC time>.md.
#   bench_run_driver NAME MAIN_CLASS [ARGS...]
bench_run_driver() {
  local name="$1" result
  shift
  result="$root/bench/results/$name-$(date -u +%Y%m%dT%H%M%SZ).md"
  bench_java "$@" | tee "$result"
  echo "kept in $result" >&2
}

# Its arguments joined by commas (pid lists for the drivers' --target).
bench_join() {
  local IFS=,
  echo "$*"
}

# One line on the kernel's memory monitor (DAMON), for a result's header: where it samples
# physical memory, each sampling pass stalls every process on the machine for tens of ms
# (docs/benchmarks.md, "A stall every 0.57 s: the host kernel's memory monitor"), which shows in
# any latency tail measured here.
bench_memory_monitor() {
  local admin=/sys/kernel/mm/damon/admin/kdamonds line="" k ctx
  for k in "$admin"/[0-9]*; do
    [ -r "$k/state" ] || continue
    for ctx in "$k"/contexts/[0-9]*; do
      [ -r "$ctx/operations" ] || continue
      line="$line${line:+; }kdamond $(basename "$k") $(cat "$k/state"): $(cat "$ctx/operations")"
      line="$line, sampling every $(( $(cat "$ctx/monitoring_attrs/intervals/sample_us" 2>/dev/null || echo 0) / 1000 )) ms"
    done
  done
  echo "kernel memory monitor (DAMON): ${line:-none}"
}

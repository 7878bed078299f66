# Sourced by the bench scripts: the build they share and their scratch directory.

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

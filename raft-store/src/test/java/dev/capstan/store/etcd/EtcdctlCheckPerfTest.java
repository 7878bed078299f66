package dev.capstan.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.store.ratis.RaftStorePeer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's own acceptance check, {@code etcdctl check perf --load=s} (150 puts/s of 1 KiB from 50
 * clients for 60 s), against three Raft store peers in this JVM. It takes a minute and its
 * latency bounds (slowest request 0.5 s, stddev 0.1 s) do not hold on a 2-core machine shared with
 * other builds, so it runs only when asked for with {@code -Dcapstan.checkPerf=true}.
 *
 * <p>Run with the JVM flags the launcher gives the daemons ({@code -DargLine=-XX:TieredStopAtLevel=1})
 * it passed on a quiet 2-core machine on 2026-11-30: 151 writes/s, slowest 0.41 s, stddev 0.018 s.
 * With full tiered compilation the slowest request took 0.52 s (stddev 0.047 s).
 */
class EtcdctlCheckPerfTest {

  @Test
  void checkPerfSmallLoadPasses(@TempDir Path dir) {
    Assumptions.assumeTrue(Boolean.getBoolean("capstan.checkPerf"), "set -Dcapstan.checkPerf=true to run");
    Etcdctl.assumeInstalled();
    RaftStorePeer.Tuning tuning = RaftStorePeer.Tuning.defaults()
        .withElectionTimeouts(Duration.ofMillis(1000), Duration.ofMillis(2000));
    try (EtcdTestCluster cluster = new EtcdTestCluster(dir, 3, tuning, Clock.systemUTC())) {
      Etcdctl.Result result = new Etcdctl(cluster.endpoints()).run(Duration.ofMinutes(3), "", "check", "perf",
          "--load=s");
      // Only the verdict lines: the rest is a progress bar redrawn many times.
      String verdict = (result.out() + "\n" + result.err()).lines()
          .map(line -> line.replaceFirst("^.*%(?=(PASS|FAIL))", ""))
          .filter(line -> line.matches("^(PASS|FAIL|Slowest|Stddev|Throughput|Error).*"))
          .collect(java.util.stream.Collectors.joining("\n"));
      System.out.println("etcdctl check perf --load=s:\n" + verdict);
      assertThat(result.exitCode()).as(verdict).isZero();
      assertThat(result.out()).contains("PASS: Throughput").contains("PASS: Slowest request")
          .contains("PASS: Stddev").contains("PASS");
    }
  }
}

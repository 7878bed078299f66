package dev.capstan.bench.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StoreBenchTableTest {

  private static final List<Target> TARGETS =
      List.of(new Target("capstan", List.of(), List.of()), new Target("etcd", List.of(), List.of()));

  @Test
  void oneRoundPrintsEachValueAndTheirRatio() {
    String table = StoreBench.table(TARGETS, List.of(List.of(
        new ScenarioResult("put 256 B, 16 clients", "capstan", "throughput", 3000, "puts/s"),
        new ScenarioResult("put 256 B, 16 clients", "etcd", "throughput", 2000, "puts/s"))));

    assertThat(table).isEqualTo("""
        | scenario | measure | capstan | etcd | capstan / etcd |
        |---|---|---|---|---|
        | put 256 B, 16 clients | throughput (puts/s) | 3000.00 | 2000.00 | 1.50 |
        """);
  }

  @Test
  void severalRoundsPrintMediansTheMedianOfEachRoundsRatioAndEveryRatio() {
    String table = StoreBench.table(TARGETS, List.of(
        round(1000, 1000),
        round(4000, 2000),
        round(500, 1000)));

    // Medians 1000 and 1000, but the ratio is the median of 1.0, 2.0 and 0.5 taken within rounds.
    assertThat(table).isEqualTo("""
        | scenario | measure | capstan | etcd | capstan / etcd | ratio in each round |
        |---|---|---|---|---|---|
        | put | p99 (ms) | 1000.00 | 1000.00 | 1.00 | 1.00, 2.00, 0.50 |
        """);
  }

  @Test
  void aRoundMissingATargetShowsADashAndDoesNotCountInTheRatio() {
    String table = StoreBench.table(TARGETS, List.of(
        round(3000, 1000),
        List.of(new ScenarioResult("put", "capstan", "p99", 10, "ms"))));

    assertThat(table).contains("| put | p99 (ms) | 1505.00 | 1000.00 | 3.00 | 3.00, - |");
  }

  @Test
  void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
    assertThat(StoreBench.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
    assertThat(StoreBench.median(List.of(7.0))).isEqualTo(7.0);
  }

  private static List<ScenarioResult> round(double capstan, double etcd) {
    return List.of(
        new ScenarioResult("put", "capstan", "p99", capstan, "ms"),
        new ScenarioResult("put", "etcd", "p99", etcd, "ms"));
  }
}

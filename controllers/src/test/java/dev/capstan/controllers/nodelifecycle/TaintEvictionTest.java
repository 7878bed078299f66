package dev.capstan.controllers.nodelifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.core.v1.Toleration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaintEvictionTest {
  private static final Instant ADDED = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant NOW = ADDED.plusSeconds(10);
  private static final Taint UNREACHABLE_NO_EXECUTE = NodeTaintsTest.taint("node.kubernetes.io/unreachable", "NoExecute", ADDED);
  private static final Taint UNREACHABLE_NO_SCHEDULE = NodeTaintsTest.taint("node.kubernetes.io/unreachable", "NoSchedule", ADDED);

  @Test
  void aPodThatDoesNotTolerateANoExecuteTaintGoesAtOnce() {
    assertThat(TaintEviction.evictionTime(List.of(), List.of(UNREACHABLE_NO_SCHEDULE, UNREACHABLE_NO_EXECUTE), NOW))
        .contains(NOW);
  }

  @Test
  void noScheduleTaintsAloneEvictNothing() {
    assertThat(TaintEviction.evictionTime(List.of(), List.of(UNREACHABLE_NO_SCHEDULE), NOW)).isEmpty();
  }

  @Test
  void tolerationSecondsCountFromTimeAddedAndTheSmallestMatchingWins() {
    assertThat(TaintEviction.evictionTime(List.of(toleration("node.kubernetes.io/unreachable", 300L)),
        List.of(UNREACHABLE_NO_EXECUTE), NOW)).contains(ADDED.plusSeconds(300));
    assertThat(TaintEviction.evictionTime(List.of(toleration("node.kubernetes.io/unreachable", 300L),
        toleration("", 60L), toleration("node.kubernetes.io/unreachable", null)),
        List.of(UNREACHABLE_NO_EXECUTE), NOW)).contains(ADDED.plusSeconds(60));
  }

  @Test
  void aTolerationWithoutSecondsToleratesForEver() {
    assertThat(TaintEviction.evictionTime(List.of(toleration("node.kubernetes.io/unreachable", null)),
        List.of(UNREACHABLE_NO_EXECUTE), NOW)).isEmpty();
  }

  @Test
  void oneUntoleratedTaintAmongToleratedOnesEvictsAtOnce() {
    Taint other = NodeTaintsTest.taint("maintenance", "NoExecute", ADDED);
    assertThat(TaintEviction.evictionTime(List.of(toleration("node.kubernetes.io/unreachable", null)),
        List.of(UNREACHABLE_NO_EXECUTE, other), NOW)).contains(NOW);
  }

  private static Toleration toleration(String key, Long seconds) {
    Toleration.Builder t = Toleration.newBuilder().setKey(key).setOperator("Exists").setEffect("NoExecute");
    if (seconds != null) {
      t.setTolerationSeconds(seconds);
    }
    return t.build();
  }
}

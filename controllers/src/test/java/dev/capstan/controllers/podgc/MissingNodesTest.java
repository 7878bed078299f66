package dev.capstan.controllers.podgc;

import static dev.capstan.controllers.TestObjects.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MissingNodesTest {
  private static final Duration QUARANTINE = Duration.ofSeconds(40);
  private final MissingNodes missing = new MissingNodes(QUARANTINE);

  @Test
  void aNodeIsGoneOnlyAfterTheWholeQuarantine() {
    missing.observe(Set.of("a"), T0);
    missing.observe(Set.of("a", "b"), T0.plusSeconds(10));
    assertThat(missing.expired(T0.plusSeconds(39))).isEmpty();
    assertThat(missing.nextExpiry(T0.plusSeconds(39))).contains(T0.plusSeconds(40));

    missing.observe(Set.of("a", "b"), T0.plusSeconds(40));
    assertThat(missing.expired(T0.plusSeconds(40))).containsExactly("a");
    assertThat(missing.nextExpiry(T0.plusSeconds(40))).contains(T0.plusSeconds(50));
    assertThat(missing.expired(T0.plusSeconds(50))).containsExactly("a", "b");
    assertThat(missing.nextExpiry(T0.plusSeconds(50))).isEmpty();
  }

  @Test
  void aNodeSeenAgainStartsOver() {
    missing.observe(Set.of("late"), T0);
    // Its Node reached the cache after the pod was bound to it.
    missing.observe(Set.of(), T0.plusSeconds(5));
    missing.observe(Set.of("late"), T0.plusSeconds(30));
    assertThat(missing.expired(T0.plusSeconds(60))).isEmpty();
    assertThat(missing.expired(T0.plusSeconds(70))).containsExactly("late");

    missing.forget("late");
    assertThat(missing.expired(T0.plusSeconds(70))).isEmpty();
    missing.observe(Set.of("late"), T0.plusSeconds(80));
    assertThat(missing.nextExpiry(T0.plusSeconds(80))).contains(T0.plusSeconds(120));
  }

  @Test
  void aNegativeQuarantineIsRefused() {
    assertThatThrownBy(() -> new MissingNodes(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("quarantine");
  }
}

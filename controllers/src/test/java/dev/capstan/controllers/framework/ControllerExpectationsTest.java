package dev.capstan.controllers.framework;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControllerExpectationsTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2024-05-01T10:00:00Z"));
  private final ControllerExpectations expectations = new ControllerExpectations(clock);

  @Test
  void nothingExpectedIsSatisfied() {
    assertThat(expectations.satisfied("default/web")).isTrue();
  }

  @Test
  void creationsMustAllBeObserved() {
    expectations.expectCreations("default/web", 3);
    expectations.creationObserved("default/web");
    expectations.creationObserved("default/web");
    assertThat(expectations.satisfied("default/web")).isFalse();
    expectations.creationObserved("default/web");
    assertThat(expectations.satisfied("default/web")).isTrue();
    // More observations than expected (someone else's pods) do not go negative.
    expectations.creationObserved("default/web");
    expectations.expectCreations("default/web", 1);
    assertThat(expectations.satisfied("default/web")).isFalse();
  }

  @Test
  void deletionsAreTrackedByKeySoARepeatedObservationCountsOnce() {
    expectations.expectDeletions("default/web", List.of("default/web-a", "default/web-b"));
    expectations.deletionObserved("default/web", "default/web-a");
    expectations.deletionObserved("default/web", "default/web-a");
    assertThat(expectations.satisfied("default/web")).isFalse();
    expectations.deletionObserved("default/web", "default/web-b");
    assertThat(expectations.satisfied("default/web")).isTrue();
  }

  @Test
  void expectationsExpireAfterTheTtl() {
    expectations.expectCreations("default/web", 2);
    clock.advance(ControllerExpectations.DEFAULT_TTL.minusSeconds(1));
    assertThat(expectations.satisfied("default/web")).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(expectations.satisfied("default/web")).isTrue();
  }

  @Test
  void keysAreIndependentAndForgettable() {
    expectations.expectCreations("default/a", 1);
    assertThat(expectations.satisfied("default/b")).isTrue();
    assertThat(expectations.pending("default/a")).containsExactly(1, 0);
    expectations.forget("default/a");
    assertThat(expectations.satisfied("default/a")).isTrue();
  }

  @Test
  void rejectsNegativeCounts() {
    assertThatThrownBy(() -> expectations.expectCreations("k", -1)).hasMessageContaining("count");
  }
}

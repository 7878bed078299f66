package dev.capstan.agent.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.agent.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RestartBackOffTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private final MutableClock clock = new MutableClock(T0);
  private final RestartBackOff backOff = new RestartBackOff(clock, Duration.ofSeconds(10), Duration.ofMinutes(5),
      Duration.ofMinutes(10));

  @Test
  void restartsAtOnceFirstThenDoublesFromTenSecondsUpToFiveMinutes() {
    Instant exit = T0;
    long[] expected = {0, 10, 20, 40, 80, 160, 300, 300};
    for (long seconds : expected) {
      Instant at = backOff.restartAt("uid", "app", exit.minusSeconds(1), exit);
      assertThat(Duration.between(exit, at)).isEqualTo(Duration.ofSeconds(seconds));
      backOff.restarted("uid", "app");
      exit = at.plusSeconds(1);
    }
  }

  @Test
  void aContainerThatRanTenMinutesStartsOverWithAnImmediateRestart() {
    for (int i = 0; i < 4; i++) {
      backOff.restarted("uid", "app");
    }
    assertThat(backOff.currentDelay("uid", "app")).isEqualTo(Duration.ofSeconds(80));
    Instant started = T0;
    Instant exited = started.plus(Duration.ofMinutes(10));
    assertThat(backOff.restartAt("uid", "app", started, exited)).isEqualTo(exited);
    assertThat(backOff.currentDelay("uid", "app")).isEqualTo(Duration.ZERO);
  }

  @Test
  void aShortRunKeepsTheCount() {
    backOff.restarted("uid", "app");
    Instant exited = T0.plus(Duration.ofMinutes(9));
    assertThat(backOff.restartAt("uid", "app", T0, exited)).isEqualTo(exited.plusSeconds(10));
  }

  @Test
  void keysArePerPodAndContainerAndForgottenWithThePod() {
    backOff.restarted("uid", "app");
    assertThat(backOff.currentDelay("uid", "app")).isEqualTo(Duration.ofSeconds(10));
    assertThat(backOff.currentDelay("uid", "sidecar")).isEqualTo(Duration.ZERO);
    assertThat(backOff.currentDelay("other", "app")).isEqualTo(Duration.ZERO);
    backOff.forget("uid");
    assertThat(backOff.currentDelay("uid", "app")).isEqualTo(Duration.ZERO);
  }

  @Test
  void failuresToCreateDelayTheNextTryFromNow() {
    assertThat(backOff.retryAt("uid", "app")).isEmpty();
    assertThat(backOff.failed("uid", "app")).isEqualTo(T0.plusSeconds(10));
    assertThat(backOff.retryAt("uid", "app")).contains(T0.plusSeconds(10));
    clock.advance(Duration.ofSeconds(10));
    assertThat(backOff.failed("uid", "app")).isEqualTo(T0.plusSeconds(30));
  }

  @Test
  void rejectsAnInitialDelayAboveTheMaximum() {
    assertThatThrownBy(() -> new RestartBackOff(clock, Duration.ofMinutes(6), Duration.ofMinutes(5), Duration.ZERO))
        .hasMessageContaining("initial");
  }
}

package dev.capstan.controllers.nodelifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.controllers.framework.MutableClock;
import dev.capstan.controllers.nodelifecycle.EvictionPolicy.Mode;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EvictionPolicyTest {
  @Test
  void moreThanHalfDownIsPartialAndAllDownIsFullDisruption() {
    assertThat(EvictionPolicy.mode(4, 0)).isEqualTo(Mode.NORMAL);
    assertThat(EvictionPolicy.mode(4, 2)).isEqualTo(Mode.NORMAL);
    assertThat(EvictionPolicy.mode(4, 3)).isEqualTo(Mode.PARTIAL_DISRUPTION);
    assertThat(EvictionPolicy.mode(4, 4)).isEqualTo(Mode.FULL_DISRUPTION);
    assertThat(EvictionPolicy.mode(1, 1)).isEqualTo(Mode.FULL_DISRUPTION);
    assertThat(EvictionPolicy.mode(2, 1)).isEqualTo(Mode.NORMAL);
  }

  @Test
  void newNoExecuteTaintsArePacedByMode() {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    EvictionPolicy policy = new EvictionPolicy();
    assertThat(policy.admitNewTaint(Mode.NORMAL, clock.instant())).isZero();
    assertThat(policy.admitNewTaint(Mode.NORMAL, clock.instant())).isEqualTo(Duration.ofSeconds(10));
    clock.advance(Duration.ofSeconds(4));
    assertThat(policy.admitNewTaint(Mode.NORMAL, clock.instant())).isEqualTo(Duration.ofSeconds(6));
    clock.advance(Duration.ofSeconds(6));
    assertThat(policy.admitNewTaint(Mode.PARTIAL_DISRUPTION, clock.instant())).isZero();
    clock.advance(Duration.ofSeconds(10));
    assertThat(policy.admitNewTaint(Mode.PARTIAL_DISRUPTION, clock.instant())).isEqualTo(Duration.ofSeconds(90));
    clock.advance(Duration.ofSeconds(90));
    assertThat(policy.admitNewTaint(Mode.FULL_DISRUPTION, clock.instant())).isNull();
    assertThat(policy.admitNewTaint(Mode.NORMAL, clock.instant())).isZero();
  }
}

package dev.capstan.scheduler;

import static dev.capstan.scheduler.TestObjects.boundTo;
import static dev.capstan.scheduler.TestObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class UnschedulableConditionTest {
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

  @Test
  void addsTheConditionWithReasonAndMessage() {
    Pod updated = UnschedulableCondition.apply(pod("p", "1", null), "0/1 nodes are available: 1 Insufficient cpu.", T0)
        .orElseThrow();

    PodCondition c = updated.getStatus().getConditions(0);
    assertThat(c.getType()).isEqualTo("PodScheduled");
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getReason()).isEqualTo("Unschedulable");
    assertThat(c.getMessage()).isEqualTo("0/1 nodes are available: 1 Insufficient cpu.");
    assertThat(c.getLastTransitionTime().getSeconds()).isEqualTo(T0.getEpochSecond());
  }

  @Test
  void anUnchangedConditionNeedsNoWrite() {
    Pod once = UnschedulableCondition.apply(pod("p", "1", null), "m", T0).orElseThrow();

    assertThat(UnschedulableCondition.apply(once, "m", T0.plusSeconds(5))).isEmpty();
  }

  @Test
  void aNewMessageKeepsTheTransitionTime() {
    Pod once = UnschedulableCondition.apply(pod("p", "1", null), "m1", T0).orElseThrow();

    Pod twice = UnschedulableCondition.apply(once, "m2", T0.plusSeconds(5)).orElseThrow();

    assertThat(twice.getStatus().getConditionsCount()).isEqualTo(1);
    assertThat(twice.getStatus().getConditions(0).getMessage()).isEqualTo("m2");
    assertThat(twice.getStatus().getConditions(0).getLastTransitionTime().getSeconds()).isEqualTo(T0.getEpochSecond());
  }

  @Test
  void replacesATrueConditionAndKeepsOthers() {
    Pod p = pod("p", "1", null);
    p = p.toBuilder().setStatus(p.getStatus().toBuilder()
        .addConditions(PodCondition.newBuilder().setType("Initialized").setStatus("True"))
        .addConditions(PodCondition.newBuilder().setType("PodScheduled").setStatus("True")
            .setLastTransitionTime(Timestamp.newBuilder().setSeconds(1)))).build();

    Pod updated = UnschedulableCondition.apply(p, "m", T0).orElseThrow();

    assertThat(updated.getStatus().getConditionsList()).extracting(PodCondition::getType)
        .containsExactly("Initialized", "PodScheduled");
    assertThat(updated.getStatus().getConditions(1).getLastTransitionTime().getSeconds())
        .isEqualTo(T0.getEpochSecond());
  }

  @Test
  void aBoundPodIsLeftAlone() {
    assertThat(UnschedulableCondition.apply(boundTo(pod("p", "1", null), "n"), "m", T0)).isEmpty();
  }
}

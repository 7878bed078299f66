package dev.capstan.controllers.nodelifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Taint;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeTaintsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Taint USER = Taint.newBuilder().setKey("dedicated").setValue("gpu").setEffect("NoSchedule").build();

  @Test
  void unknownGetsUnreachableAndFalseGetsNotReadyBothEffectsWithTimeAdded() {
    assertThat(NodeTaints.desired(List.of(USER), "Unknown", true, T0)).containsExactly(USER,
        taint("node.kubernetes.io/unreachable", "NoSchedule", T0), taint("node.kubernetes.io/unreachable", "NoExecute", T0));
    assertThat(NodeTaints.desired(List.of(), "False", true, T0)).containsExactly(
        taint("node.kubernetes.io/not-ready", "NoSchedule", T0), taint("node.kubernetes.io/not-ready", "NoExecute", T0));
  }

  @Test
  void existingTaintsKeepTheirTimeAddedAndReadyRemovesThemButNotOthers() {
    List<Taint> tainted = NodeTaints.desired(List.of(USER), "Unknown", true, T0);
    assertThat(NodeTaints.desired(tainted, "Unknown", true, T0.plusSeconds(30))).isEqualTo(tainted);
    assertThat(NodeTaints.desired(tainted, "True", true, T0.plusSeconds(30))).containsExactly(USER);
  }

  @Test
  void aChangeFromUnknownToFalseSwapsTheKey() {
    List<Taint> tainted = NodeTaints.desired(List.of(), "Unknown", true, T0);
    assertThat(NodeTaints.desired(tainted, "False", true, T0.plusSeconds(1))).extracting(Taint::getKey)
        .containsOnly("node.kubernetes.io/not-ready");
  }

  @Test
  void withoutNoExecuteOnlyNoScheduleIsSetAndAnExistingNoExecuteGoes() {
    List<Taint> tainted = NodeTaints.desired(List.of(), "Unknown", true, T0);
    assertThat(NodeTaints.desired(tainted, "Unknown", false, T0)).containsExactly(
        taint("node.kubernetes.io/unreachable", "NoSchedule", T0));
    assertThat(NodeTaints.hasNoExecuteFor(tainted, "Unknown")).isTrue();
    assertThat(NodeTaints.hasNoExecuteFor(tainted, "False")).isFalse();
  }

  @Test
  void aForeignNoExecuteTaintGetsTimeAdded() {
    Taint foreign = Taint.newBuilder().setKey("maintenance").setEffect("NoExecute").build();
    assertThat(NodeTaints.desired(List.of(foreign), "True", false, T0)).containsExactly(
        foreign.toBuilder().setTimeAdded(ProtoTime.toTimestamp(T0)).build());
  }

  static Taint taint(String key, String effect, Instant added) {
    return Taint.newBuilder().setKey(key).setEffect(effect).setTimeAdded(ProtoTime.toTimestamp(added)).build();
  }
}

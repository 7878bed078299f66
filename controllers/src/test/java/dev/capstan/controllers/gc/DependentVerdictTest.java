package dev.capstan.controllers.gc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.meta.v1.OwnerReference;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DependentVerdictTest {
  private final OwnerReference a = OwnerReference.newBuilder().setKind("ReplicaSet").setName("a").setUid("ua").build();
  private final OwnerReference b = OwnerReference.newBuilder().setKind("ReplicaSet").setName("b").setUid("ub").build();

  private static Map<OwnerReference, OwnerState> owners(Object... refsAndStates) {
    Map<OwnerReference, OwnerState> m = new LinkedHashMap<>();
    for (int i = 0; i < refsAndStates.length; i += 2) {
      m.put((OwnerReference) refsAndStates[i], (OwnerState) refsAndStates[i + 1]);
    }
    return m;
  }

  @Test
  void anObjectWhoseOwnersAreAllGoneIsDeleted() {
    DependentVerdict v = DependentVerdict.of(owners(a, OwnerState.ABSENT, b, OwnerState.ABSENT));
    assertThat(v.action()).isEqualTo(DependentVerdict.Action.DELETE);
  }

  @Test
  void anObjectWithALiveOwnerLosesOnlyTheDanglingReferences() {
    DependentVerdict v = DependentVerdict.of(owners(a, OwnerState.ABSENT, b, OwnerState.PRESENT));
    assertThat(v.action()).isEqualTo(DependentVerdict.Action.REMOVE_DANGLING_REFERENCES);
    assertThat(v.dangling()).containsExactly(a);
  }

  @Test
  void unknownOwnersAndLiveOwnersKeepTheObject() {
    assertThat(DependentVerdict.of(owners(a, OwnerState.PRESENT)).action()).isEqualTo(DependentVerdict.Action.KEEP);
    assertThat(DependentVerdict.of(owners(a, OwnerState.UNKNOWN)).action()).isEqualTo(DependentVerdict.Action.KEEP);
    assertThat(DependentVerdict.of(owners()).action()).isEqualTo(DependentVerdict.Action.KEEP);
  }
}

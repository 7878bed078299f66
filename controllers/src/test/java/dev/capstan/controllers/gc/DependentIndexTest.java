package dev.capstan.controllers.gc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.OwnerReference;
import java.util.List;
import org.junit.jupiter.api.Test;

class DependentIndexTest {
  private static OwnerReference ref(String uid) {
    return OwnerReference.newBuilder().setKind("ReplicaSet").setName("rs-" + uid).setUid(uid).build();
  }

  @Test
  void findsDependentsByOwnerUidAsReferencesComeAndGo() {
    DependentIndex index = new DependentIndex();
    index.add("pods:default/a", ObjectMeta.newBuilder().addOwnerReferences(ref("u1")).build());
    index.add("pods:default/b", ObjectMeta.newBuilder().addOwnerReferences(ref("u1")).addOwnerReferences(ref("u2"))
        .build());
    assertThat(index.dependents("u1")).containsExactlyInAnyOrder("pods:default/a", "pods:default/b");
    assertThat(index.dependents("u2")).containsExactly("pods:default/b");

    index.update("pods:default/b", List.of(ref("u1"), ref("u2")), List.of(ref("u2")));
    assertThat(index.dependents("u1")).containsExactly("pods:default/a");

    index.remove("pods:default/a", ObjectMeta.newBuilder().addOwnerReferences(ref("u1")).build());
    assertThat(index.dependents("u1")).isEmpty();
    assertThat(index.dependents("unknown")).isEmpty();
  }
}

package dev.capstan.controllers.framework;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.OwnerReference;
import dev.capstan.client.Kinds;
import org.junit.jupiter.api.Test;

class OwnerReferencesTest {
  private final ObjectMeta owner = ObjectMeta.newBuilder().setName("web-abc").setNamespace("default")
      .setUid("u1").build();

  @Test
  void newControllerRefNamesTheOwnerAndBlocksItsDeletion() {
    OwnerReference ref = OwnerReferences.newControllerRef(owner, Kinds.REPLICA_SET);
    assertThat(ref.getApiVersion()).isEqualTo("apps/v1");
    assertThat(ref.getKind()).isEqualTo("ReplicaSet");
    assertThat(ref.getName()).isEqualTo("web-abc");
    assertThat(ref.getUid()).isEqualTo("u1");
    assertThat(ref.getController()).isTrue();
    assertThat(ref.getBlockOwnerDeletion()).isTrue();
  }

  @Test
  void controllerOfFindsTheControllingReferenceOnly() {
    OwnerReference other = OwnerReference.newBuilder().setKind("ConfigMap").setName("c").setUid("u0").build();
    ObjectMeta dependent = ObjectMeta.newBuilder().addOwnerReferences(other)
        .addOwnerReferences(OwnerReferences.newControllerRef(owner, Kinds.REPLICA_SET)).build();
    assertThat(OwnerReferences.controllerOf(dependent)).get().extracting(OwnerReference::getUid).isEqualTo("u1");
    assertThat(OwnerReferences.isControlledBy(dependent, owner)).isTrue();
    assertThat(OwnerReferences.isControlledBy(dependent, owner.toBuilder().setUid("u2").build())).isFalse();
    assertThat(OwnerReferences.controllerOf(ObjectMeta.newBuilder().addOwnerReferences(other).build())).isEmpty();
  }

  @Test
  void anOwnerWithoutUidIsRejected() {
    assertThatThrownBy(() -> OwnerReferences.newControllerRef(ObjectMeta.newBuilder().setName("x").build(),
        Kinds.DEPLOYMENT)).hasMessageContaining("uid");
  }
}

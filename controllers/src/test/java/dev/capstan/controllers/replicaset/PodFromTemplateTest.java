package dev.capstan.controllers.replicaset;

import static dev.capstan.controllers.TestObjects.T0;
import static dev.capstan.controllers.TestObjects.replicaSet;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.core.v1.Pod;
import org.junit.jupiter.api.Test;

class PodFromTemplateTest {
  @Test
  void aNewPodCarriesTheTemplateAndAControllerReference() {
    ReplicaSet rs = replicaSet("web-1", 1, 0, T0, 1);
    Pod pod = PodFromTemplate.newPod(rs);
    assertThat(pod.getMetadata().getGenerateName()).isEqualTo("web-1-");
    assertThat(pod.getMetadata().getName()).isEmpty();
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(pod.getMetadata().getLabelsMap()).isEqualTo(rs.getSpec().getTemplate().getMetadata().getLabelsMap());
    assertThat(pod.getSpec()).isEqualTo(rs.getSpec().getTemplate().getSpec());
    assertThat(pod.getMetadata().getOwnerReferencesList()).singleElement().satisfies(ref -> {
      assertThat(ref.getUid()).isEqualTo("uid-web-1");
      assertThat(ref.getKind()).isEqualTo("ReplicaSet");
      assertThat(ref.getController()).isTrue();
      assertThat(ref.getBlockOwnerDeletion()).isTrue();
    });
  }
}

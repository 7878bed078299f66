package dev.capstan.bench.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodStatus;
import org.junit.jupiter.api.Test;

class SelectorFieldsTest {

  @Test
  void readsFromTheBytesWhatADecodeGivesForEverySelectorField() {
    Pod stored = ObjectFootprint.storedPod();
    Pod pod = stored.toBuilder()
        .setSpec(stored.getSpec().toBuilder().setNodeName("node-7"))
        .setStatus(PodStatus.newBuilder().setPhase("Running"))
        .build();
    SelectorFields fields = SelectorFields.ofPod(pod.toByteString());
    assertThat(fields.namespace()).isEqualTo(pod.getMetadata().getNamespace()).isEqualTo("bench-create");
    assertThat(fields.name()).isEqualTo(pod.getMetadata().getName());
    assertThat(fields.labels()).isEqualTo(pod.getMetadata().getLabelsMap()).hasSize(4);
    assertThat(fields.nodeName()).isEqualTo("node-7");
    assertThat(fields.phase()).isEqualTo("Running");
  }

  @Test
  void fieldsAPodDoesNotSetAreEmpty() {
    SelectorFields fields = SelectorFields.ofPod(Pod.getDefaultInstance().toByteString());
    assertThat(fields).isEqualTo(new SelectorFields("", "", java.util.Map.of(), "", ""));
  }
}

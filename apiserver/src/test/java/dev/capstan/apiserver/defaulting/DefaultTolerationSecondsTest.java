package dev.capstan.apiserver.defaulting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentSpec;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.core.v1.Toleration;
import dev.capstan.client.Kinds;
import org.junit.jupiter.api.Test;

class DefaultTolerationSecondsTest {
  private static final PodSpec BARE = PodSpec.newBuilder()
      .addContainers(Container.newBuilder().setName("web").setImage("nginx:1")).build();

  private static Pod defaulted(PodSpec spec) {
    return Defaulters.forKind(Kinds.POD).applyDefaults(Pod.newBuilder().setSpec(spec).build());
  }

  @Test
  void aPodGetsNotReadyAndUnreachableTolerationsOf300Seconds() {
    assertThat(defaulted(BARE).getSpec().getTolerationsList()).containsExactly(
        toleration("node.kubernetes.io/not-ready", 300L), toleration("node.kubernetes.io/unreachable", 300L));
  }

  @Test
  void aPodsOwnTolerationIsKeptAndNotDoubled() {
    Toleration forever = toleration("node.kubernetes.io/unreachable", null);
    Pod pod = defaulted(BARE.toBuilder().addTolerations(forever).build());
    assertThat(pod.getSpec().getTolerationsList()).containsExactly(forever, toleration("node.kubernetes.io/not-ready", 300L));
    assertThat(Defaulters.forKind(Kinds.POD).applyDefaults(pod)).isEqualTo(pod);
    Toleration everything = Toleration.newBuilder().setOperator("Exists").build();
    assertThat(defaulted(BARE.toBuilder().addTolerations(everything).build()).getSpec().getTolerationsList())
        .containsExactly(everything);
  }

  @Test
  void templatesAreLeftAlone() {
    Deployment d = Defaulters.forKind(Kinds.DEPLOYMENT).applyDefaults(Deployment.newBuilder()
        .setSpec(DeploymentSpec.newBuilder().setTemplate(PodTemplateSpec.newBuilder().setSpec(BARE))).build());
    assertThat(d.getSpec().getTemplate().getSpec().getTolerationsList()).isEmpty();
  }

  private static Toleration toleration(String key, Long seconds) {
    Toleration.Builder t = Toleration.newBuilder().setKey(key).setOperator("Exists").setEffect("NoExecute");
    if (seconds != null) {
      t.setTolerationSeconds(seconds);
    }
    return t.build();
  }
}

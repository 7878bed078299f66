package dev.capstan.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImagePullPolicyTest {
  @Test
  void explicitPoliciesWin() {
    assertThat(ImagePullPolicy.of("Always", "busybox:1.36")).isEqualTo(ImagePullPolicy.ALWAYS);
    assertThat(ImagePullPolicy.of("IfNotPresent", "busybox")).isEqualTo(ImagePullPolicy.IF_NOT_PRESENT);
    assertThat(ImagePullPolicy.of("Never", "busybox:latest")).isEqualTo(ImagePullPolicy.NEVER);
  }

  @Test
  void theDefaultIsAlwaysOnlyForLatestOrUntaggedImages() {
    assertThat(ImagePullPolicy.of("", "busybox")).isEqualTo(ImagePullPolicy.ALWAYS);
    assertThat(ImagePullPolicy.of("", "busybox:latest")).isEqualTo(ImagePullPolicy.ALWAYS);
    assertThat(ImagePullPolicy.of("", "registry.local:5000/team/app")).isEqualTo(ImagePullPolicy.ALWAYS);
    assertThat(ImagePullPolicy.of("", "registry.local:5000/team/app:2.1")).isEqualTo(ImagePullPolicy.IF_NOT_PRESENT);
    assertThat(ImagePullPolicy.of(null, "busybox:1.36")).isEqualTo(ImagePullPolicy.IF_NOT_PRESENT);
    assertThat(ImagePullPolicy.of("", "busybox@sha256:0123")).isEqualTo(ImagePullPolicy.IF_NOT_PRESENT);
  }

  @Test
  void rejectsUnknownPolicies() {
    assertThatThrownBy(() -> ImagePullPolicy.of("Sometimes", "busybox")).hasMessageContaining("Sometimes");
  }
}

package dev.capstan.controllers.deployment;

import static dev.capstan.controllers.TestObjects.template;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.PodTemplateSpec;
import org.junit.jupiter.api.Test;

class PodTemplateHashTest {
  @Test
  void equalTemplatesHashEquallyWhateverTheMapInsertionOrder() {
    PodTemplateSpec a = template("web", "nginx:1");
    a = a.toBuilder().setMetadata(a.getMetadata().toBuilder().putLabels("tier", "front").putLabels("zone", "a")
        .putAnnotations("x", "1").putAnnotations("y", "2")).build();
    PodTemplateSpec b = template("web", "nginx:1");
    b = b.toBuilder().setMetadata(b.getMetadata().toBuilder().clearLabels().putLabels("zone", "a")
        .putLabels("tier", "front").putLabels("app", "web").putAnnotations("y", "2").putAnnotations("x", "1")).build();
    assertThat(a).isEqualTo(b);
    assertThat(PodTemplateHash.compute(a, 0)).isEqualTo(PodTemplateHash.compute(b, 0));
  }

  @Test
  void isStableAcrossProcesses() {
    // Pinned: a changed value would rename every Deployment's ReplicaSets on upgrade and roll all pods.
    // The value was checked against an independent FNV-1a over the hand-encoded template bytes.
    assertThat(PodTemplateHash.compute(template("web", "nginx:1"), 0)).isEqualTo("699777f8c7");
  }

  @Test
  void differentTemplatesOrCollisionCountsHashDifferently() {
    String h = PodTemplateHash.compute(template("web", "nginx:1"), 0);
    assertThat(PodTemplateHash.compute(template("web", "nginx:2"), 0)).isNotEqualTo(h);
    assertThat(PodTemplateHash.compute(template("web", "nginx:1"), 1)).isNotEqualTo(h);
    assertThat(PodTemplateHash.compute(template("web", "nginx:1"), 2))
        .isNotEqualTo(PodTemplateHash.compute(template("web", "nginx:1"), 1));
  }

  @Test
  void usesOnlyLabelSafeCharactersWithoutVowels() {
    for (int i = 0; i < 50; i++) {
      assertThat(PodTemplateHash.compute(template("web", "nginx:" + i), 0)).matches("[bcdfghjklmnpqrstvwxz2456789]{1,10}");
    }
  }
}

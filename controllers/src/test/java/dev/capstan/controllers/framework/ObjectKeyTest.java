package dev.capstan.controllers.framework;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ObjectKeyTest {
  @Test
  void parsesNamespacedAndClusterScopedKeys() {
    assertThat(ObjectKey.parse("default/web")).isEqualTo(new ObjectKey("default", "web"));
    assertThat(ObjectKey.parse("node-1")).isEqualTo(new ObjectKey("", "node-1"));
    assertThat(ObjectKey.parse("default/web").toString()).isEqualTo("default/web");
    assertThat(ObjectKey.parse("node-1").toString()).isEqualTo("node-1");
  }

  @Test
  void rejectsMalformedKeys() {
    assertThatThrownBy(() -> ObjectKey.parse("a/b/c")).hasMessageContaining("a/b/c");
    assertThatThrownBy(() -> ObjectKey.parse("default/")).hasMessageContaining("default/");
  }
}

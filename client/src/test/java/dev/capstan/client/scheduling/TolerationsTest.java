package dev.capstan.client.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.core.v1.Toleration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TolerationsTest {
  private static final Taint GPU = Taint.newBuilder().setKey("gpu").setValue("true").setEffect("NoSchedule").build();

  private static Toleration toleration(String key, String operator, String value, String effect) {
    return Toleration.newBuilder().setKey(key).setOperator(operator).setValue(value).setEffect(effect).build();
  }

  @Test
  void equalNeedsTheSameKeyAndValue() {
    assertThat(Tolerations.tolerates(toleration("gpu", "Equal", "true", "NoSchedule"), GPU)).isTrue();
    assertThat(Tolerations.tolerates(toleration("gpu", "Equal", "false", "NoSchedule"), GPU)).isFalse();
    assertThat(Tolerations.tolerates(toleration("tpu", "Equal", "true", "NoSchedule"), GPU)).isFalse();
  }

  @Test
  void anEmptyOperatorMeansEqual() {
    assertThat(Tolerations.tolerates(toleration("gpu", "", "true", "NoSchedule"), GPU)).isTrue();
    assertThat(Tolerations.tolerates(toleration("gpu", "", "", "NoSchedule"), GPU)).isFalse();
  }

  @Test
  void existsIgnoresTheValueAndAnEmptyKeyMatchesEveryKey() {
    assertThat(Tolerations.tolerates(toleration("gpu", "Exists", "", "NoSchedule"), GPU)).isTrue();
    assertThat(Tolerations.tolerates(toleration("", "Exists", "", ""), GPU)).isTrue();
    assertThat(Tolerations.tolerates(toleration("", "Exists", "", "NoExecute"), GPU)).isFalse();
  }

  @Test
  void anEmptyEffectMatchesEveryEffectOtherwiseItMustBeEqual() {
    assertThat(Tolerations.tolerates(toleration("gpu", "Equal", "true", ""), GPU)).isTrue();
    assertThat(Tolerations.tolerates(toleration("gpu", "Equal", "true", "NoExecute"), GPU)).isFalse();
  }

  @Test
  void anEmptyKeyWithEqualTolerateNothingAndUnknownOperatorsNeither() {
    Taint noKey = Taint.newBuilder().setEffect("NoSchedule").build();
    assertThat(Tolerations.tolerates(toleration("", "Equal", "", "NoSchedule"), noKey)).isFalse();
    assertThat(Tolerations.tolerates(toleration("gpu", "Gt", "true", "NoSchedule"), GPU)).isFalse();
  }

  @Test
  void anyToleratesChecksEveryToleration() {
    List<Toleration> list = List.of(toleration("a", "Exists", "", ""), toleration("gpu", "Exists", "", ""));
    assertThat(Tolerations.anyTolerates(list, GPU)).isTrue();
    assertThat(Tolerations.anyTolerates(List.of(), GPU)).isFalse();
  }
}

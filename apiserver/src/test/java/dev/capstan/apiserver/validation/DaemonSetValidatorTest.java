package dev.capstan.apiserver.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.DaemonSet;
import dev.capstan.api.apps.v1.DaemonSetSpec;
import dev.capstan.api.apps.v1.DaemonSetUpdateStrategy;
import dev.capstan.api.apps.v1.RollingUpdateDaemonSet;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.client.Kinds;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class DaemonSetValidatorTest {
  private final Validator<DaemonSet> validator = Validators.forKind(Kinds.DAEMON_SET);

  static DaemonSet daemonSet() {
    return DaemonSet.newBuilder()
        .setMetadata(Fixtures.meta("node-exporter"))
        .setSpec(DaemonSetSpec.newBuilder().setSelector(Fixtures.selector()).setTemplate(Fixtures.template())
            .setUpdateStrategy(DaemonSetUpdateStrategy.newBuilder().setType("RollingUpdate")
                .setRollingUpdate(RollingUpdateDaemonSet.newBuilder().setMaxUnavailable("1").setMaxSurge("0"))))
        .build();
  }

  private List<String> errorsAfter(Consumer<DaemonSetSpec.Builder> change) {
    DaemonSetSpec.Builder spec = daemonSet().getSpec().toBuilder();
    change.accept(spec);
    return validator.validate(daemonSet().toBuilder().setSpec(spec).build(), null).stream()
        .map(FieldError::toString).toList();
  }

  @Test
  void validDaemonSetHasNoErrors() {
    assertThat(validator.validate(daemonSet(), null)).isEmpty();
    assertThat(errorsAfter(s -> s.setUpdateStrategy(DaemonSetUpdateStrategy.newBuilder().setType("OnDelete"))))
        .isEmpty();
    assertThat(errorsAfter(s -> s.getUpdateStrategyBuilder().getRollingUpdateBuilder().setMaxUnavailable("20%")))
        .isEmpty();
  }

  @Test
  void selectorAndTemplateAreCheckedAsForOtherWorkloads() {
    assertThat(errorsAfter(DaemonSetSpec.Builder::clearSelector)).containsExactly("spec.selector: required");
    assertThat(errorsAfter(s -> s.setSelector(LabelSelector.newBuilder().putMatchLabels("app", "db"))))
        .containsExactly("spec.template.metadata.labels: does not match the selector");
    assertThat(errorsAfter(s -> s.getTemplateBuilder().getSpecBuilder().setRestartPolicy("Never")))
        .containsExactly("spec.template.spec.restartPolicy: unsupported value \"Never\": supported values: \"Always\"");
    assertThat(errorsAfter(s -> s.setMinReadySeconds(-1)))
        .containsExactly("spec.minReadySeconds: must be greater than or equal to 0");
  }

  @Test
  void updateStrategyIsRollingUpdateWithAPositiveBudgetOrOnDelete() {
    assertThat(errorsAfter(s -> s.getUpdateStrategyBuilder().setType("Recreate"))).containsExactly(
        "spec.updateStrategy.type: unsupported value \"Recreate\": supported values: \"OnDelete\", \"RollingUpdate\"");
    assertThat(errorsAfter(s -> s.getUpdateStrategyBuilder().setType("OnDelete"))).containsExactly(
        "spec.updateStrategy.rollingUpdate: may not be specified when strategy `type` is 'OnDelete'");
    assertThat(errorsAfter(s -> s.getUpdateStrategyBuilder().getRollingUpdateBuilder().setMaxUnavailable("0")))
        .containsExactly("spec.updateStrategy.rollingUpdate.maxUnavailable: may not be 0 when `maxSurge` is 0");
    assertThat(errorsAfter(s -> s.getUpdateStrategyBuilder().getRollingUpdateBuilder().setMaxUnavailable("150%")))
        .containsExactly("spec.updateStrategy.rollingUpdate.maxUnavailable: must not be greater than 100%");
    assertThat(errorsAfter(s -> s.getUpdateStrategyBuilder().getRollingUpdateBuilder().setMaxUnavailable("x")))
        .containsExactly("spec.updateStrategy.rollingUpdate.maxUnavailable: invalid value \"x\": must be an integer"
            + " or a percentage such as '25%'");
    assertThat(errorsAfter(s -> s.getUpdateStrategyBuilder().getRollingUpdateBuilder().setMaxSurge("1")))
        .containsExactly("spec.updateStrategy.rollingUpdate.maxSurge: invalid value \"1\": only 0 is supported:"
            + " Capstan replaces a node's daemon pod by deleting it first");
  }

  @Test
  void selectorIsImmutable() {
    DaemonSet old = daemonSet();
    DaemonSet changed = old.toBuilder().setSpec(old.getSpec().toBuilder()
        .setSelector(LabelSelector.newBuilder().putMatchLabels("tier", "frontend"))).build();
    assertThat(validator.validate(changed, old)).extracting(FieldError::toString)
        .containsExactly("spec.selector: field is immutable");
  }
}

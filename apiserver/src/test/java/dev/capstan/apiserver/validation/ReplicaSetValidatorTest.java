package dev.capstan.apiserver.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.ReplicaSetSpec;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.client.Kinds;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ReplicaSetValidatorTest {
  private final Validator<ReplicaSet> validator = Validators.forKind(Kinds.REPLICA_SET);

  private List<String> errorsAfter(Consumer<ReplicaSetSpec.Builder> change) {
    ReplicaSetSpec.Builder spec = Fixtures.replicaSet().getSpec().toBuilder();
    change.accept(spec);
    return validator.validate(Fixtures.replicaSet().toBuilder().setSpec(spec).build(), null).stream()
        .map(FieldError::toString).toList();
  }

  @Test
  void validReplicaSetHasNoErrors() {
    assertThat(validator.validate(Fixtures.replicaSet(), null)).isEmpty();
  }

  @Test
  void rulesShareTheirPathsWithDeployments() {
    assertThat(errorsAfter(s -> s.setReplicas(-2))).containsExactly("spec.replicas: must be greater than or equal to 0");
    assertThat(errorsAfter(ReplicaSetSpec.Builder::clearSelector)).containsExactly("spec.selector: required");
    assertThat(errorsAfter(s -> s.setSelector(LabelSelector.newBuilder().putMatchLabels("app", "db"))))
        .containsExactly("spec.template.metadata.labels: does not match the selector");
    assertThat(errorsAfter(s -> s.getTemplateBuilder().getSpecBuilder().getContainersBuilder(1).setImage("")))
        .containsExactly("spec.template.spec.containers[1].image: required");
    assertThat(errorsAfter(s -> s.getTemplateBuilder().getSpecBuilder().setActiveDeadlineSeconds(10)))
        .containsExactly("spec.template.spec.activeDeadlineSeconds: activeDeadlineSeconds in ReplicaSet is not supported");
  }

  @Test
  void selectorIsImmutable() {
    ReplicaSet old = Fixtures.replicaSet();
    ReplicaSet changed = old.toBuilder().setSpec(old.getSpec().toBuilder()
        .setSelector(LabelSelector.newBuilder().putMatchLabels("tier", "frontend"))).build();
    assertThat(validator.validate(changed, old)).extracting(FieldError::toString)
        .containsExactly("spec.selector: field is immutable");
    ReplicaSet scaled = old.toBuilder().setSpec(old.getSpec().toBuilder().setReplicas(7)).build();
    assertThat(validator.validate(scaled, old)).isEmpty();
  }
}

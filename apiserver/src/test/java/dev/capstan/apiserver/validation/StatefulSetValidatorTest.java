package dev.capstan.apiserver.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.api.apps.v1.StatefulSetSpec;
import dev.capstan.api.apps.v1.StatefulSetUpdateStrategy;
import dev.capstan.api.apps.v1.VolumeClaimTemplate;
import dev.capstan.api.apps.v1.VolumeClaimTemplateSpec;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kinds;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class StatefulSetValidatorTest {
  private final Validator<StatefulSet> validator = Validators.forKind(Kinds.STATEFUL_SET);

  static StatefulSet statefulSet() {
    return StatefulSet.newBuilder()
        .setMetadata(Fixtures.meta("db"))
        .setSpec(StatefulSetSpec.newBuilder().setReplicas(3).setSelector(Fixtures.selector())
            .setTemplate(Fixtures.template()).setServiceName("db").setPodManagementPolicy("OrderedReady")
            .setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("RollingUpdate")))
        .build();
  }

  private List<String> errorsAfter(Consumer<StatefulSetSpec.Builder> change) {
    StatefulSetSpec.Builder spec = statefulSet().getSpec().toBuilder();
    change.accept(spec);
    return validator.validate(statefulSet().toBuilder().setSpec(spec).build(), null).stream()
        .map(FieldError::toString).toList();
  }

  @Test
  void validStatefulSetHasNoErrors() {
    assertThat(validator.validate(statefulSet(), null)).isEmpty();
    assertThat(errorsAfter(s -> s.setPodManagementPolicy("Parallel").clearServiceName())).isEmpty();
  }

  @Test
  void fieldsAreCheckedByName() {
    assertThat(errorsAfter(s -> s.setReplicas(-1))).containsExactly("spec.replicas: must be greater than or equal to 0");
    assertThat(errorsAfter(s -> s.setPodManagementPolicy("Random"))).containsExactly(
        "spec.podManagementPolicy: unsupported value \"Random\": supported values: \"OrderedReady\", \"Parallel\"");
    assertThat(errorsAfter(s -> s.getUpdateStrategyBuilder().getRollingUpdateBuilder().setPartition(-1)))
        .containsExactly("spec.updateStrategy.rollingUpdate.partition: must be greater than or equal to 0");
    assertThat(errorsAfter(s -> s.getUpdateStrategyBuilder().setType("OnDelete").getRollingUpdateBuilder()
        .setPartition(1))).containsExactly(
        "spec.updateStrategy.rollingUpdate: may not be specified when strategy `type` is 'OnDelete'");
    assertThat(errorsAfter(s -> s.setServiceName("Db_Service"))).singleElement().asString()
        .startsWith("spec.serviceName: invalid value \"Db_Service\"");
    assertThat(errorsAfter(StatefulSetSpec.Builder::clearTemplate)).containsExactly("spec.template: required");
  }

  @Test
  void volumeClaimTemplatesAreRefusedByName() {
    assertThat(errorsAfter(s -> s.addVolumeClaimTemplates(VolumeClaimTemplate.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("data"))
        .setSpec(VolumeClaimTemplateSpec.newBuilder().addAccessModes("ReadWriteOnce")))))
        .containsExactly("spec.volumeClaimTemplates: not supported: Capstan has no persistent volumes yet;"
            + " use emptyDir or hostPath volumes in spec.template.spec.volumes");
  }

  @Test
  void theNameMustBeALabelSinceItStartsEveryPodsHostname() {
    StatefulSet dotted = statefulSet().toBuilder().setMetadata(Fixtures.meta("db.v2")).build();
    assertThat(validator.validate(dotted, null)).extracting(FieldError::toString).singleElement().asString()
        .startsWith("metadata.name: invalid value \"db.v2\"");
  }

  @Test
  void onUpdateOnlyReplicasTemplateStrategyAndMinReadySecondsMayChange() {
    StatefulSet old = statefulSet();
    StatefulSet scaled = old.toBuilder().setSpec(old.getSpec().toBuilder().setReplicas(5).setMinReadySeconds(3)
        .setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("OnDelete"))).build();
    assertThat(validator.validate(scaled, old)).isEmpty();
    StatefulSet renamed = old.toBuilder().setSpec(old.getSpec().toBuilder().setServiceName("other")).build();
    assertThat(validator.validate(renamed, old)).extracting(FieldError::toString).containsExactly(
        "spec: updates to statefulset spec for fields other than 'replicas', 'template', 'updateStrategy' and"
            + " 'minReadySeconds' are forbidden");
  }
}

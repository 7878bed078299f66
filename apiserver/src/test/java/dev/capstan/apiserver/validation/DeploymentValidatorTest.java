package dev.capstan.apiserver.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentSpec;
import dev.capstan.api.apps.v1.RollingUpdateDeployment;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.LabelSelectorRequirement;
import dev.capstan.apiserver.defaulting.Defaulters;
import dev.capstan.client.Kinds;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class DeploymentValidatorTest {
  private final Validator<Deployment> validator = Validators.forKind(Kinds.DEPLOYMENT);

  private List<String> errorsAfter(Consumer<DeploymentSpec.Builder> change) {
    DeploymentSpec.Builder spec = Fixtures.deployment().getSpec().toBuilder();
    change.accept(spec);
    return validator.validate(Fixtures.deployment().toBuilder().setSpec(spec).build(), null).stream()
        .map(FieldError::toString).toList();
  }

  private List<String> rollingErrors(String maxSurge, String maxUnavailable) {
    return errorsAfter(s -> s.getStrategyBuilder().setRollingUpdate(
        RollingUpdateDeployment.newBuilder().setMaxSurge(maxSurge).setMaxUnavailable(maxUnavailable)));
  }

  @Test
  void validDeploymentHasNoErrors() {
    assertThat(validator.validate(Fixtures.deployment(), null)).isEmpty();
  }

  @Test
  void defaultedMinimalDeploymentHasNoErrors() {
    Deployment minimal = Deployment.newBuilder()
        .setMetadata(Fixtures.meta("web"))
        .setSpec(DeploymentSpec.newBuilder().setSelector(Fixtures.selector())
            .setTemplate(Fixtures.template().toBuilder().setSpec(dev.capstan.api.core.v1.PodSpec.newBuilder()
                .addContainers(Container.newBuilder().setName("web").setImage("nginx")))))
        .build();
    assertThat(validator.validate(Defaulters.forKind(Kinds.DEPLOYMENT).applyDefaults(minimal), null)).isEmpty();
  }

  @Test
  void replicasMayNotBeNegative() {
    assertThat(errorsAfter(s -> s.setReplicas(-1))).containsExactly("spec.replicas: must be greater than or equal to 0");
    assertThat(errorsAfter(s -> s.setReplicas(0))).isEmpty();
  }

  @Test
  void selectorIsRequiredAndNotEmpty() {
    assertThat(errorsAfter(DeploymentSpec.Builder::clearSelector)).containsExactly("spec.selector: required");
    assertThat(errorsAfter(s -> s.setSelector(LabelSelector.getDefaultInstance())))
        .containsExactly("spec.selector: empty selector is invalid for Deployment");
  }

  @Test
  void selectorExpressionsAreChecked() {
    assertThat(errorsAfter(s -> s.getSelectorBuilder().addMatchExpressions(
        LabelSelectorRequirement.newBuilder().setKey("tier").setOperator("Has"))))
        .containsExactly("spec.selector.matchExpressions[0].operator: unsupported value \"Has\": supported values:"
            + " \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"");
    assertThat(errorsAfter(s -> s.getSelectorBuilder().addMatchExpressions(
        LabelSelectorRequirement.newBuilder().setKey("tier").setOperator("In"))))
        .containsExactly("spec.selector.matchExpressions[0].values: must be specified when `operator` is 'In' or 'NotIn'");
    assertThat(errorsAfter(s -> s.getSelectorBuilder().addMatchExpressions(
        LabelSelectorRequirement.newBuilder().setKey("tier").setOperator("In").addValues("frontend"))))
        .isEmpty();
  }

  @Test
  void templateLabelsMustMatchTheSelector() {
    assertThat(errorsAfter(s -> s.getTemplateBuilder().getMetadataBuilder().putLabels("app", "api")))
        .containsExactly("spec.template.metadata.labels: does not match the selector");
    assertThat(errorsAfter(s -> s.getSelectorBuilder().addMatchExpressions(
        LabelSelectorRequirement.newBuilder().setKey("tier").setOperator("NotIn").addValues("frontend"))))
        .containsExactly("spec.template.metadata.labels: does not match the selector");
  }

  @Test
  void templateIsRequired() {
    assertThat(errorsAfter(DeploymentSpec.Builder::clearTemplate)).containsExactly("spec.template: required");
  }

  @Test
  void templateSpecIsValidatedAsAPodSpec() {
    assertThat(errorsAfter(s -> s.getTemplateBuilder().getSpecBuilder().getContainersBuilder(0).setImage("")))
        .containsExactly("spec.template.spec.containers[0].image: required");
    assertThat(errorsAfter(s -> s.getTemplateBuilder().getSpecBuilder().clearContainers()))
        .containsExactly("spec.template.spec.containers: required");
  }

  @Test
  void templateRestartPolicyMustBeAlways() {
    assertThat(errorsAfter(s -> s.getTemplateBuilder().getSpecBuilder().setRestartPolicy("OnFailure")))
        .containsExactly("spec.template.spec.restartPolicy: unsupported value \"OnFailure\": supported values: \"Always\"");
  }

  @Test
  void strategyTypeIsRollingUpdateOrRecreate() {
    assertThat(errorsAfter(s -> s.getStrategyBuilder().setType("BlueGreen")))
        .containsExactly("spec.strategy.type: unsupported value \"BlueGreen\": supported values: \"Recreate\", \"RollingUpdate\"");
    assertThat(errorsAfter(s -> s.getStrategyBuilder().setType("Recreate")))
        .containsExactly("spec.strategy.rollingUpdate: may not be specified when strategy `type` is 'Recreate'");
    assertThat(errorsAfter(s -> s.getStrategyBuilder().setType("Recreate").clearRollingUpdate())).isEmpty();
  }

  @Test
  void surgeAndUnavailableAreNonNegativeIntsOrPercentages() {
    assertThat(rollingErrors("1", "0")).isEmpty();
    assertThat(rollingErrors("0", "10%")).isEmpty();
    assertThat(rollingErrors("-1", "1")).containsExactly("spec.strategy.rollingUpdate.maxSurge: must be greater than or equal to 0");
    assertThat(rollingErrors("1", "-5%")).containsExactly("spec.strategy.rollingUpdate.maxUnavailable: must be greater than or equal to 0");
    assertThat(rollingErrors("lots", "1")).containsExactly(
        "spec.strategy.rollingUpdate.maxSurge: invalid value \"lots\": must be an integer or a percentage such as '25%'");
    assertThat(rollingErrors("1", "150%")).containsExactly("spec.strategy.rollingUpdate.maxUnavailable: must not be greater than 100%");
    assertThat(rollingErrors("0", "0%")).containsExactly("spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when `maxSurge` is 0");
  }

  @Test
  void countsAndDeadlinesAreChecked() {
    assertThat(errorsAfter(s -> s.setRevisionHistoryLimit(-1)))
        .containsExactly("spec.revisionHistoryLimit: must be greater than or equal to 0");
    assertThat(errorsAfter(s -> s.setMinReadySeconds(600)))
        .containsExactly("spec.progressDeadlineSeconds: must be greater than minReadySeconds");
  }

  @Test
  void selectorIsImmutableButTemplateMayChange() {
    Deployment old = Fixtures.deployment();
    Deployment newSelector = old.toBuilder().setSpec(old.getSpec().toBuilder()
        .setSelector(LabelSelector.newBuilder().putMatchLabels("tier", "frontend"))).build();
    assertThat(validator.validate(newSelector, old)).extracting(FieldError::toString)
        .containsExactly("spec.selector: field is immutable");
    Deployment newImage = old.toBuilder().setSpec(old.getSpec().toBuilder()
        .setTemplate(old.getSpec().getTemplate().toBuilder().setSpec(old.getSpec().getTemplate().getSpec().toBuilder()
            .setContainers(0, old.getSpec().getTemplate().getSpec().getContainers(0).toBuilder().setImage("nginx:2"))))
        .setReplicas(5)).build();
    assertThat(validator.validate(newImage, old)).isEmpty();
  }
}

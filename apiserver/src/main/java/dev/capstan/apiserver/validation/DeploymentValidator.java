package dev.capstan.apiserver.validation;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentSpec;
import dev.capstan.api.apps.v1.DeploymentStrategy;
import dev.capstan.api.apps.v1.RollingUpdateDeployment;
import dev.capstan.client.quantity.IntOrPercent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Validates Deployments as Kubernetes' apps validation does: counts not negative, selector and
 * template as {@link PodTemplateValidator} checks them, a RollingUpdate or Recreate strategy whose
 * maxSurge and maxUnavailable are non-negative integers or percentages (maxUnavailable at most
 * 100%) and not both zero, no rollingUpdate parameters with Recreate, and a progress deadline
 * longer than minReadySeconds. On update the selector may not change (apps/v1).
 */
final class DeploymentValidator implements Validator<Deployment> {
  private final ObjectMetaValidator meta = ObjectMetaValidator.subdomainNames(true);

  @Override
  public List<FieldError> validate(Deployment deployment, Deployment old) {
    List<FieldError> errors = new ArrayList<>(
        meta.validate(deployment.getMetadata(), old == null ? null : old.getMetadata()));
    DeploymentSpec spec = deployment.getSpec();
    FieldPath path = FieldPath.of("spec");
    if (spec.hasReplicas() && spec.getReplicas() < 0) {
      errors.add(path.child("replicas").error("must be greater than or equal to 0"));
    }
    if (spec.getMinReadySeconds() < 0) {
      errors.add(path.child("minReadySeconds").error("must be greater than or equal to 0"));
    }
    if (spec.hasRevisionHistoryLimit() && spec.getRevisionHistoryLimit() < 0) {
      errors.add(path.child("revisionHistoryLimit").error("must be greater than or equal to 0"));
    }
    if (spec.hasProgressDeadlineSeconds()) {
      if (spec.getProgressDeadlineSeconds() < 0) {
        errors.add(path.child("progressDeadlineSeconds").error("must be greater than or equal to 0"));
      } else if (spec.getProgressDeadlineSeconds() <= spec.getMinReadySeconds()) {
        errors.add(path.child("progressDeadlineSeconds").error("must be greater than minReadySeconds"));
      }
    }
    errors.addAll(PodTemplateValidator.validate(spec.hasSelector(), spec.getSelector(), spec.hasTemplate(),
        spec.getTemplate(), path, "Deployment"));
    if (spec.hasStrategy()) {
      errors.addAll(strategy(spec.getStrategy(), path.child("strategy")));
    }
    if (old != null && !spec.getSelector().equals(old.getSpec().getSelector())) {
      errors.add(path.child("selector").immutable());
    }
    return errors;
  }

  private static List<FieldError> strategy(DeploymentStrategy strategy, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    String type = strategy.getType();
    switch (type) {
      case "", "RollingUpdate" -> {
        if (strategy.hasRollingUpdate()) {
          errors.addAll(rollingUpdate(strategy.getRollingUpdate(), path.child("rollingUpdate")));
        }
      }
      case "Recreate" -> {
        if (strategy.hasRollingUpdate()) {
          errors.add(path.child("rollingUpdate").error("may not be specified when strategy `type` is 'Recreate'"));
        }
      }
      default -> errors.add(path.child("type").unsupported(type, "Recreate", "RollingUpdate"));
    }
    return errors;
  }

  private static List<FieldError> rollingUpdate(RollingUpdateDeployment rolling, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    Optional<IntOrPercent> surge = intOrPercent(rolling.getMaxSurge(), path.child("maxSurge"), errors);
    Optional<IntOrPercent> unavailable = intOrPercent(rolling.getMaxUnavailable(), path.child("maxUnavailable"), errors);
    if (unavailable.isPresent() && unavailable.get().isPercent() && unavailable.get().amount() > 100) {
      errors.add(path.child("maxUnavailable").error("must not be greater than 100%"));
    }
    if (surge.isPresent() && unavailable.isPresent() && surge.get().isZero() && unavailable.get().isZero()) {
      errors.add(path.child("maxUnavailable").error("may not be 0 when `maxSurge` is 0"));
    }
    return errors;
  }

  /**
   * The parsed value, empty when unset (the default applies) or invalid (an error is added); the
   * DaemonSet's rollingUpdate fields are checked the same way.
   */
  static Optional<IntOrPercent> intOrPercent(String text, FieldPath path, List<FieldError> errors) {
    if (text.isEmpty()) {
      return Optional.empty();
    }
    IntOrPercent value;
    try {
      value = IntOrPercent.parse(text);
    } catch (IllegalArgumentException e) {
      errors.add(path.invalid(text, "must be an integer or a percentage such as '25%'"));
      return Optional.empty();
    }
    if (value.amount() < 0) {
      errors.add(path.error("must be greater than or equal to 0"));
      return Optional.empty();
    }
    return Optional.of(value);
  }
}

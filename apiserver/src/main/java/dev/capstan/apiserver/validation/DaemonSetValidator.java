package dev.capstan.apiserver.validation;

import dev.capstan.api.apps.v1.DaemonSet;
import dev.capstan.api.apps.v1.DaemonSetSpec;
import dev.capstan.api.apps.v1.DaemonSetUpdateStrategy;
import dev.capstan.api.apps.v1.RollingUpdateDaemonSet;
import dev.capstan.client.quantity.IntOrPercent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Validates DaemonSets as Kubernetes' apps validation does: minReadySeconds and
 * revisionHistoryLimit not negative, selector and template as {@link PodTemplateValidator} checks
 * them, an updateStrategy of RollingUpdate (maxUnavailable a positive integer or a percentage up to
 * 100%) or OnDelete (no rollingUpdate parameters). maxSurge may only be 0: Capstan does not run an
 * old and a new daemon pod on one node at once. On update the selector may not change.
 */
final class DaemonSetValidator implements Validator<DaemonSet> {
  private final ObjectMetaValidator meta = ObjectMetaValidator.subdomainNames(true);

  @Override
  public List<FieldError> validate(DaemonSet ds, DaemonSet old) {
    List<FieldError> errors = new ArrayList<>(meta.validate(ds.getMetadata(), old == null ? null : old.getMetadata()));
    DaemonSetSpec spec = ds.getSpec();
    FieldPath path = FieldPath.of("spec");
    if (spec.getMinReadySeconds() < 0) {
      errors.add(path.child("minReadySeconds").error("must be greater than or equal to 0"));
    }
    if (spec.hasRevisionHistoryLimit() && spec.getRevisionHistoryLimit() < 0) {
      errors.add(path.child("revisionHistoryLimit").error("must be greater than or equal to 0"));
    }
    errors.addAll(PodTemplateValidator.validate(spec.hasSelector(), spec.getSelector(), spec.hasTemplate(),
        spec.getTemplate(), path, "DaemonSet"));
    errors.addAll(updateStrategy(spec.getUpdateStrategy(), path.child("updateStrategy")));
    if (old != null && !spec.getSelector().equals(old.getSpec().getSelector())) {
      errors.add(path.child("selector").immutable());
    }
    return errors;
  }

  private static List<FieldError> updateStrategy(DaemonSetUpdateStrategy strategy, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    switch (strategy.getType()) {
      case "", "RollingUpdate" -> {
        if (strategy.hasRollingUpdate()) {
          errors.addAll(rollingUpdate(strategy.getRollingUpdate(), path.child("rollingUpdate")));
        }
      }
      case "OnDelete" -> {
        if (strategy.hasRollingUpdate()) {
          errors.add(path.child("rollingUpdate").error("may not be specified when strategy `type` is 'OnDelete'"));
        }
      }
      default -> errors.add(path.child("type").unsupported(strategy.getType(), "OnDelete", "RollingUpdate"));
    }
    return errors;
  }

  private static List<FieldError> rollingUpdate(RollingUpdateDaemonSet rolling, FieldPath path) {
    List<FieldError> errors = new ArrayList<>();
    FieldPath unavailablePath = path.child("maxUnavailable");
    Optional<IntOrPercent> unavailable = DeploymentValidator.intOrPercent(rolling.getMaxUnavailable(),
        unavailablePath, errors);
    if (unavailable.isPresent() && unavailable.get().isPercent() && unavailable.get().amount() > 100) {
      errors.add(unavailablePath.error("must not be greater than 100%"));
    }
    if (unavailable.isPresent() && unavailable.get().isZero()) {
      errors.add(unavailablePath.error("may not be 0 when `maxSurge` is 0"));
    }
    FieldPath surgePath = path.child("maxSurge");
    Optional<IntOrPercent> surge = DeploymentValidator.intOrPercent(rolling.getMaxSurge(), surgePath, errors);
    if (surge.isPresent() && !surge.get().isZero()) {
      errors.add(surgePath.invalid(rolling.getMaxSurge(),
          "only 0 is supported: Capstan replaces a node's daemon pod by deleting it first"));
    }
    return errors;
  }
}

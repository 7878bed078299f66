package dev.capstan.controllers.deployment;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.RollingUpdateDeployment;
import dev.capstan.client.quantity.IntOrPercent;

/**
 * How far a rollout may stray from {@code spec.replicas}, resolved as Kubernetes resolves it: both
 * values are taken against spec.replicas, maxSurge rounding up and maxUnavailable rounding down; if
 * both come out 0, maxUnavailable becomes 1 (else no rollout could proceed); maxUnavailable never
 * exceeds spec.replicas. A Recreate Deployment has neither. An unset value means 25%.
 *
 * @param maxSurge how many pods above spec.replicas may exist during the rollout
 * @param maxUnavailable how many pods below spec.replicas may be unavailable during the rollout
 */
public record RolloutBounds(int maxSurge, int maxUnavailable) {
  public static final String RECREATE = "Recreate";
  public static final String ROLLING_UPDATE = "RollingUpdate";
  static final String DEFAULT_BOUND = "25%";

  /** @throws IllegalArgumentException naming the field of an invalid maxSurge or maxUnavailable */
  public static RolloutBounds of(Deployment d) {
    if (!isRollingUpdate(d)) {
      return new RolloutBounds(0, 0);
    }
    int replicas = ReplicaCounts.desired(d);
    RollingUpdateDeployment rolling = d.getSpec().getStrategy().getRollingUpdate();
    int surge = parse("spec.strategy.rollingUpdate.maxSurge", rolling.getMaxSurge())
        .scaledValue(replicas, true);
    int unavailable = parse("spec.strategy.rollingUpdate.maxUnavailable", rolling.getMaxUnavailable())
        .scaledValue(replicas, false);
    if (surge == 0 && unavailable == 0) {
      unavailable = 1;
    }
    return new RolloutBounds(surge, replicas == 0 ? 0 : Math.min(unavailable, replicas));
  }

  public static boolean isRollingUpdate(Deployment d) {
    String type = d.getSpec().getStrategy().getType();
    if (type.isEmpty() || type.equals(ROLLING_UPDATE)) {
      return true;
    }
    if (type.equals(RECREATE)) {
      return false;
    }
    throw new IllegalArgumentException("spec.strategy.type: unsupported value \"" + type
        + "\": supported values: \"Recreate\", \"RollingUpdate\"");
  }

  private static IntOrPercent parse(String field, String value) {
    try {
      IntOrPercent parsed = IntOrPercent.parse(value.isEmpty() ? DEFAULT_BOUND : value);
      if (parsed.amount() < 0) {
        throw new IllegalArgumentException("invalid value \"" + value + "\": must be greater than or equal to 0");
      }
      return parsed;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
    }
  }
}

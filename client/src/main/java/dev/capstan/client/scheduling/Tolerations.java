package dev.capstan.client.scheduling;

import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.core.v1.Toleration;
import java.util.List;

/**
 * Kubernetes' toleration matching. A toleration tolerates a taint when
 * <ul>
 *   <li>its effect is empty (any effect) or equals the taint's,
 *   <li>its key is empty (any key; only with operator Exists) or equals the taint's, and
 *   <li>its operator is Exists, or Equal (also the default when empty) with an equal value.
 * </ul>
 */
public final class Tolerations {
  public static final String NO_SCHEDULE = "NoSchedule";
  public static final String PREFER_NO_SCHEDULE = "PreferNoSchedule";
  public static final String NO_EXECUTE = "NoExecute";

  private Tolerations() {}

  public static boolean tolerates(Toleration toleration, Taint taint) {
    if (!toleration.getEffect().isEmpty() && !toleration.getEffect().equals(taint.getEffect())) {
      return false;
    }
    if (!toleration.getKey().isEmpty() && !toleration.getKey().equals(taint.getKey())) {
      return false;
    }
    return switch (toleration.getOperator()) {
      case "Exists" -> true;
      case "", "Equal" -> !toleration.getKey().isEmpty() && toleration.getValue().equals(taint.getValue());
      default -> false;
    };
  }

  public static boolean anyTolerates(List<Toleration> tolerations, Taint taint) {
    for (Toleration t : tolerations) {
      if (tolerates(t, taint)) {
        return true;
      }
    }
    return false;
  }
}

package dev.capstan.client.quota;

import dev.capstan.client.quantity.Quantity;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Whether a request fits one ResourceQuota: for every resource the quota limits and the request
 * uses, used + requested must not exceed hard. The refusal reads as Kubernetes' does:
 * {@code exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2}, naming only the
 * resources that would go over.
 */
public final class QuotaCheck {
  private QuotaCheck() {}

  /** The resources of {@code requested} that {@code hard} limits. */
  public static ResourceList charged(ResourceList hard, ResourceList requested) {
    return requested.only(hard.amounts().keySet());
  }

  /** The refusal message, or empty when the request fits. */
  public static Optional<String> exceeded(String quotaName, ResourceList hard, ResourceList used,
      ResourceList requested) {
    var req = new TreeMap<String, Quantity>();
    var use = new TreeMap<String, Quantity>();
    var lim = new TreeMap<String, Quantity>();
    for (var e : charged(hard, requested).amounts().entrySet()) {
      String name = e.getKey();
      if (e.getValue().signum() > 0 && used.get(name).plus(e.getValue()).compareTo(hard.get(name)) > 0) {
        req.put(name, e.getValue());
        use.put(name, used.get(name));
        lim.put(name, hard.get(name));
      }
    }
    if (req.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of("exceeded quota: " + quotaName + ", requested: " + new ResourceList(req)
        + ", used: " + new ResourceList(use) + ", limited: " + new ResourceList(lim));
  }
}

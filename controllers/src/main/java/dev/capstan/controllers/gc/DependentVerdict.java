package dev.capstan.controllers.gc;

import dev.capstan.api.meta.v1.OwnerReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the garbage collector does with an object whose owners it has checked, Kubernetes' rules for
 * background propagation: an object with no owner left is deleted; one that still has an owner
 * keeps living, and the references to owners that are gone ("dangling") are removed from it.
 *
 * @param action what to do
 * @param dangling the references to owners that are gone
 */
public record DependentVerdict(Action action, List<OwnerReference> dangling) {
  public enum Action { KEEP, DELETE, REMOVE_DANGLING_REFERENCES }

  public DependentVerdict {
    dangling = List.copyOf(dangling);
  }

  /** @param owners each owner reference of the object with what is known about that owner */
  public static DependentVerdict of(Map<OwnerReference, OwnerState> owners) {
    if (owners.isEmpty()) {
      return new DependentVerdict(Action.KEEP, List.of());
    }
    List<OwnerReference> dangling = new ArrayList<>();
    owners.forEach((ref, state) -> {
      if (state == OwnerState.ABSENT) {
        dangling.add(ref);
      }
    });
    if (dangling.isEmpty()) {
      return new DependentVerdict(Action.KEEP, List.of());
    }
    if (dangling.size() == owners.size()) {
      return new DependentVerdict(Action.DELETE, dangling);
    }
    return new DependentVerdict(Action.REMOVE_DANGLING_REFERENCES, dangling);
  }
}

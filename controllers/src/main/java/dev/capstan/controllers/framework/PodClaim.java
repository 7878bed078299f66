package dev.capstan.controllers.framework;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.OwnerReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Which pods a controller manages, Kubernetes' claiming rules: a pod belongs to the controller its
 * controller reference names (by uid), as long as the controller's selector matches its labels.
 *
 * <ul>
 *   <li>owned: controlled by the owner and matching its selector;</li>
 *   <li>to adopt: no controller, matching the selector (never while the owner is being deleted);</li>
 *   <li>to release: controlled by the owner but no longer matching (its labels were changed);
 *       never while the owner is being deleted.</li>
 * </ul>
 * Pods controlled by someone else are left alone.
 *
 * @param owned the pods the owner manages now
 * @param toAdopt orphans to take over by setting a controller reference
 * @param toRelease pods to let go by removing the controller reference
 */
public record PodClaim(List<Pod> owned, List<Pod> toAdopt, List<Pod> toRelease) {

  public static PodClaim of(ObjectMeta owner, Predicate<Map<String, String>> selector, List<Pod> pods) {
    boolean ownerDeleting = owner.hasDeletionTimestamp();
    List<Pod> owned = new ArrayList<>();
    List<Pod> adopt = new ArrayList<>();
    List<Pod> release = new ArrayList<>();
    for (Pod pod : pods) {
      Optional<OwnerReference> ref = OwnerReferences.controllerOf(pod.getMetadata());
      boolean matches = selector.test(pod.getMetadata().getLabelsMap());
      if (ref.isPresent()) {
        if (!ref.get().getUid().equals(owner.getUid())) {
          continue;
        }
        if (matches) {
          owned.add(pod);
        } else if (!ownerDeleting) {
          release.add(pod);
        }
      } else if (matches && !ownerDeleting && !pod.getMetadata().hasDeletionTimestamp()) {
        adopt.add(pod);
      }
    }
    return new PodClaim(List.copyOf(owned), List.copyOf(adopt), List.copyOf(release));
  }
}

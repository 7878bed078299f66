package dev.capstan.apiserver.defaulting;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.ResourceRequirements;

/**
 * Pod defaults: the pod spec defaults, and for Pods only, not templates, as Kubernetes: each
 * container's requests default to its limits for every resource that has a limit and no request,
 * and the not-ready/unreachable tolerations of {@link DefaultTolerationSeconds}.
 */
final class PodDefaulter implements Defaulter<Pod> {
  @Override
  public Pod applyDefaults(Pod pod) {
    if (!pod.hasSpec()) {
      return pod.toBuilder()
          .setSpec(DefaultTolerationSeconds.apply(PodSpecDefaults.apply(PodSpec.getDefaultInstance()))).build();
    }
    PodSpec.Builder spec = DefaultTolerationSeconds.apply(PodSpecDefaults.apply(pod.getSpec())).toBuilder();
    for (int i = 0; i < spec.getContainersCount(); i++) {
      spec.setContainers(i, requestsFromLimits(spec.getContainers(i)));
    }
    for (int i = 0; i < spec.getInitContainersCount(); i++) {
      spec.setInitContainers(i, requestsFromLimits(spec.getInitContainers(i)));
    }
    return pod.toBuilder().setSpec(spec).build();
  }

  private static Container requestsFromLimits(Container container) {
    ResourceRequirements resources = container.getResources();
    if (resources.getLimitsCount() == 0) {
      return container;
    }
    ResourceRequirements.Builder r = resources.toBuilder();
    resources.getLimitsMap().forEach((name, limit) -> {
      if (!r.containsRequests(name)) {
        r.putRequests(name, limit);
      }
    });
    return container.toBuilder().setResources(r).build();
  }
}

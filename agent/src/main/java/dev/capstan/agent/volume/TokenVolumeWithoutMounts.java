package dev.capstan.agent.volume;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Volume;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A pod as a runtime without mounts (the plain-process runtime) runs it: without the
 * ServiceAccount token volume that admission adds to every pod ({@code kube-api-access-*},
 * projected, mounted at {@value #TOKEN_MOUNT_PATH}). Such a runtime cannot place a volume at a
 * path, and refusing every pod for the volume nobody asked for would leave it running none; so
 * there the pod runs as it did before tokens were mounted, and a process that wants the API uses
 * the node's credentials as any host process does. A volume the pod's author wrote keeps its mounts
 * (and still fails there, naming the mount).
 */
public final class TokenVolumeWithoutMounts {
  public static final String TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
  static final String VOLUME_PREFIX = "kube-api-access-";

  private TokenVolumeWithoutMounts() {}

  /** The pod without its admission-made token volume and that volume's mounts; the pod itself if it has none. */
  public static Pod strip(Pod pod) {
    Set<String> tokenVolumes = pod.getSpec().getVolumesList().stream()
        .filter(v -> v.getName().startsWith(VOLUME_PREFIX) && v.hasProjected())
        .map(Volume::getName).collect(Collectors.toSet());
    if (tokenVolumes.isEmpty()) {
      return pod;
    }
    PodSpec.Builder spec = pod.getSpec().toBuilder().clearVolumes();
    pod.getSpec().getVolumesList().stream().filter(v -> !tokenVolumes.contains(v.getName())).forEach(spec::addVolumes);
    spec.clearInitContainers().clearContainers();
    pod.getSpec().getInitContainersList().forEach(c -> spec.addInitContainers(withoutMounts(c, tokenVolumes)));
    pod.getSpec().getContainersList().forEach(c -> spec.addContainers(withoutMounts(c, tokenVolumes)));
    return pod.toBuilder().setSpec(spec).build();
  }

  private static Container withoutMounts(Container c, Set<String> volumes) {
    Container.Builder b = c.toBuilder().clearVolumeMounts();
    c.getVolumeMountsList().stream().filter(m -> !volumes.contains(m.getName())).forEach(b::addVolumeMounts);
    return b.build();
  }
}

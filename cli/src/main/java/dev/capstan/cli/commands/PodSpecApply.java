package dev.capstan.cli.commands;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.core.v1.VolumeMount;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What {@code apply} sends for a Pod that exists: the manifest's spec with what the cluster filled
 * in and the manifest leaves out kept from the live pod -- the scheduler's {@code nodeName},
 * admission's {@code serviceAccountName} and ServiceAccount token volume with its mounts, defaults.
 * A pod's spec is immutable but for a few fields, so sending the manifest as it is would be refused
 * for changing them. This is what {@code kubectl apply}'s merge patch leaves alone: fields the
 * manifest does not set, list entries (volumes by name, containers by name, mounts by path) it
 * does not name.
 */
final class PodSpecApply {
  /** Lists of a pod spec merged entry by entry (below) rather than taken whole. */
  private static final Set<String> SPEC_LISTS_BY_KEY = Set.of("volumes", "containers", "init_containers");
  private static final Set<String> CONTAINER_LISTS_BY_KEY = Set.of("volume_mounts");

  private PodSpecApply() {}

  static PodSpec merge(PodSpec manifest, PodSpec live) {
    PodSpec.Builder merged = keepUnset(manifest, live, SPEC_LISTS_BY_KEY).toBuilder();
    merged.clearVolumes().addAllVolumes(byKey(manifest.getVolumesList(), live.getVolumesList(), Volume::getName));
    merged.clearContainers().addAllContainers(containers(manifest.getContainersList(), live.getContainersList()));
    merged.clearInitContainers()
        .addAllInitContainers(containers(manifest.getInitContainersList(), live.getInitContainersList()));
    return merged.build();
  }

  private static List<Container> containers(List<Container> manifest, List<Container> live) {
    Map<String, Container> liveByName = new HashMap<>();
    live.forEach(c -> liveByName.put(c.getName(), c));
    return manifest.stream().map(c -> {
      Container was = liveByName.get(c.getName());
      if (was == null) {
        return c;
      }
      Container kept = keepUnset(c, was, CONTAINER_LISTS_BY_KEY);
      return kept.toBuilder().clearVolumeMounts()
          .addAllVolumeMounts(byKey(c.getVolumeMountsList(), was.getVolumeMountsList(), VolumeMount::getMountPath))
          .build();
    }).toList();
  }

  /** The manifest's entries, then the live ones whose key the manifest does not name. */
  private static <T> List<T> byKey(List<T> manifest, List<T> live, Function<T, String> key) {
    Set<String> named = new HashSet<>();
    manifest.forEach(e -> named.add(key.apply(e)));
    List<T> all = new ArrayList<>(manifest);
    live.stream().filter(e -> !named.contains(key.apply(e))).forEach(all::add);
    return all;
  }

  /** {@code manifest} with every field it leaves unset (or empty) taken from {@code live}, but {@code byKey}. */
  @SuppressWarnings("unchecked")
  private static <T extends Message> T keepUnset(T manifest, T live, Set<String> byKey) {
    Message.Builder b = manifest.toBuilder();
    for (FieldDescriptor f : manifest.getDescriptorForType().getFields()) {
      if (byKey.contains(f.getName())) {
        continue;
      }
      boolean unset = f.isRepeated() ? manifest.getRepeatedFieldCount(f) == 0 : !manifest.hasField(f);
      boolean liveHas = f.isRepeated() ? live.getRepeatedFieldCount(f) > 0 : live.hasField(f);
      if (unset && liveHas) {
        b.setField(f, live.getField(f));
      }
    }
    return (T) b.build();
  }
}

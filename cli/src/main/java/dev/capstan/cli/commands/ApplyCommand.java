package dev.capstan.cli.commands;

import com.google.protobuf.Message;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.manifest.ManifestCodec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code capstan apply -f FILE|-}: creates each object of a manifest, or updates it to match
 * the manifest if it exists. Every document is decoded and checked before anything is written.
 */
@Command(name = "apply", description = "Create or update objects from a manifest file (YAML or JSON).")
public final class ApplyCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Option(names = {"-f", "--filename"}, required = true, description = "manifest file, or - for standard input")
  String file;

  private final ManifestCodec codec = new ManifestCodec();

  @Override
  public Integer call() throws IOException {
    List<Message> objects = readManifest(codec, file);
    int failures = 0;
    try (CapstanClient c = client.connect()) {
      for (Message object : objects) {
        try {
          System.out.println(applyOne(c, object));
        } catch (StatusRuntimeException e) {
          System.err.println(ErrorReport.describe(e, client.serverAddress()));
          failures++;
        }
      }
    }
    return failures == 0 ? 0 : 1;
  }

  static List<Message> readManifest(ManifestCodec codec, String file) throws IOException {
    if (file.equals("-")) {
      return codec.decode(System.in);
    }
    Path path = Path.of(file);
    if (!Files.isRegularFile(path)) {
      throw new CliException("the path \"" + file + "\" does not exist");
    }
    try (InputStream in = Files.newInputStream(path)) {
      return codec.decode(in);
    }
  }

  private <T extends Message> String applyOne(CapstanClient c, Message raw) {
    @SuppressWarnings("unchecked")
    Kind<T> kind = (Kind<T>) Kinds.of(raw.getClass());
    @SuppressWarnings("unchecked")
    T object = (T) raw;
    ObjectMeta meta = kind.metadata(object);
    if (kind.namespaced()) {
      String ns = client.namespace();
      if (meta.getNamespace().isEmpty()) {
        object = kind.withMetadata(object, meta.toBuilder().setNamespace(ns).build());
      } else if (client.namespace != null && !client.namespace.equals(meta.getNamespace())) {
        throw new CliException("the namespace from the provided object \"" + meta.getNamespace()
            + "\" does not match the namespace \"" + client.namespace + "\". You must pass '--namespace="
            + meta.getNamespace() + "' to perform this operation.");
      }
      meta = kind.metadata(object);
    }
    if (meta.getName().isEmpty()) {
      throw new CliException(ResourceNames.qualified(kind, "") + ": metadata.name: Required value: apply needs a name"
          + " (use create for generateName)");
    }
    ResourceClient<T> rc = c.resource(kind);
    for (int attempt = 0; ; attempt++) {
      T existing;
      try {
        existing = rc.get(meta.getNamespace(), meta.getName());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
        rc.create(object);
        return ResourceNames.qualified(kind, meta.getName()) + " created";
      }
      T merged = mergeForApply(kind, object, existing);
      try {
        T updated = rc.update(merged);
        boolean same = kind.metadata(updated).getResourceVersion().equals(kind.metadata(existing).getResourceVersion());
        return ResourceNames.qualified(kind, meta.getName()) + (same ? " unchanged" : " configured");
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED || attempt >= 4) {
          throw e;
        }
      }
    }
  }

  /**
   * The manifest's object carrying what the server and controllers own: identity, the
   * resourceVersion it was read at, owner references, finalizers, annotations the manifest does
   * not set, and the replica count when the manifest leaves it out (so `scale` survives re-apply);
   * for a Pod, what the cluster filled into its spec ({@link PodSpecApply}).
   */
  static <T extends Message> T mergeForApply(Kind<T> kind, T manifest, T existing) {
    ObjectMeta live = kind.metadata(existing);
    ObjectMeta want = kind.metadata(manifest);
    Map<String, String> annotations = new LinkedHashMap<>(live.getAnnotationsMap());
    annotations.putAll(want.getAnnotationsMap());
    ObjectMeta.Builder m = want.toBuilder()
        .setResourceVersion(live.getResourceVersion())
        .setUid(live.getUid())
        .clearAnnotations().putAllAnnotations(annotations);
    if (want.getOwnerReferencesCount() == 0) {
      m.addAllOwnerReferences(live.getOwnerReferencesList());
    }
    if (want.getFinalizersCount() == 0) {
      m.addAllFinalizers(live.getFinalizersList());
    }
    T merged = kind.withMetadata(manifest, m.build());
    if (manifest instanceof Pod pod && existing instanceof Pod livePod) {
      @SuppressWarnings("unchecked")
      T withSpec = (T) ((Pod) merged).toBuilder().setSpec(PodSpecApply.merge(pod.getSpec(), livePod.getSpec())).build();
      return withSpec;
    }
    return keepReplicasIfUnset(merged, existing);
  }

  private static <T extends Message> T keepReplicasIfUnset(T merged, T existing) {
    var specField = merged.getDescriptorForType().findFieldByName("spec");
    if (specField == null || specField.getMessageType() == null) {
      return merged;
    }
    var replicasField = specField.getMessageType().findFieldByName("replicas");
    if (replicasField == null) {
      return merged;
    }
    Message spec = (Message) merged.getField(specField);
    if (spec.hasField(replicasField)) {
      return merged;
    }
    Message liveSpec = (Message) existing.getField(specField);
    if (!liveSpec.hasField(replicasField)) {
      return merged;
    }
    Message newSpec = spec.toBuilder().setField(replicasField, liveSpec.getField(replicasField)).build();
    @SuppressWarnings("unchecked")
    T t = (T) merged.toBuilder().setField(specField, newSpec).build();
    return t;
  }

}

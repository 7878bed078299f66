package dev.capstan.apiserver.registry;

import com.google.protobuf.Message;
import dev.capstan.client.Kind;

/**
 * Admission of writes. A create is admitted by {@link ResourceRegistry#create} in Kubernetes' order:
 * defaulting, then {@link #mutate} (may change the object), then validation, then {@link #admit}
 * (may only refuse, or charge something such as a quota, before the object is stored). An Update
 * or Patch (not UpdateStatus) passes {@link #admitUpdate} after validation. Each refuses by
 * throwing a {@link io.grpc.StatusRuntimeException}. {@link ResourceRegistry#delete} tells
 * {@link #admitDelete} of each delete before it reads the object.
 */
public interface Admission {
  Admission NONE = new Admission() {};

  /** Mutating admission: the object as it is to be validated and stored. */
  default <T extends Message> T mutate(Kind<T> kind, T object) {
    return object;
  }

  /** Validating admission of an object that passed validation; called once per create. */
  default <T extends Message> void admit(Kind<T> kind, T object) {}

  /**
   * Validating admission of an Update or Patch: {@code updated} as it is to be stored over
   * {@code old}; called once per attempt to store it (again when a patch is re-applied after a
   * conflict).
   */
  default <T extends Message> void admitUpdate(Kind<T> kind, T updated, T old) {}

  /** Admission of a delete of {@code namespace/name} ("" namespace for cluster-scoped kinds); may refuse. */
  default void admitDelete(Kind<?> kind, String namespace, String name) {}
}

package dev.capstan.apiserver.registry;

import com.google.protobuf.Message;
import dev.capstan.client.Kind;

/**
 * Admission of new objects, run by {@link ResourceRegistry#create} in Kubernetes' order: defaulting,
 * then {@link #mutate} (may change the object), then validation, then {@link #admit} (may only
 * refuse, or charge something such as a quota, before the object is stored). Both refuse by
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

  /** Admission of a delete of {@code namespace/name} ("" namespace for cluster-scoped kinds); may refuse. */
  default void admitDelete(Kind<?> kind, String namespace, String name) {}
}

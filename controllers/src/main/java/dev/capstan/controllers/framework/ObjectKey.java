package dev.capstan.controllers.framework;

import dev.capstan.api.meta.v1.ObjectMeta;
import java.util.Objects;

/**
 * The work-queue key of an object: "namespace/name" for namespaced objects, "name" for
 * cluster-scoped ones, the same format {@link dev.capstan.client.Kind#key} produces.
 */
public record ObjectKey(String namespace, String name) {
  public ObjectKey {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("name: must not be empty");
    }
  }

  /** Parses "namespace/name" or "name"; rejects anything else with a message naming the key. */
  public static ObjectKey parse(String key) {
    Objects.requireNonNull(key, "key");
    int slash = key.indexOf('/');
    if (slash < 0) {
      return new ObjectKey("", key);
    }
    if (key.indexOf('/', slash + 1) >= 0 || slash == key.length() - 1) {
      throw new IllegalArgumentException("key: \"" + key + "\" is not of the form namespace/name");
    }
    return new ObjectKey(key.substring(0, slash), key.substring(slash + 1));
  }

  public static ObjectKey of(ObjectMeta metadata) {
    return new ObjectKey(metadata.getNamespace(), metadata.getName());
  }

  @Override
  public String toString() {
    return namespace.isEmpty() ? name : namespace + "/" + name;
  }
}

package dev.capstan.apiserver.defaulting;

import com.google.protobuf.Message;

/**
 * Fills the unset fields of an object of one kind with Kubernetes' defaults, before the registry
 * validates and stores it. Fields already set are never changed, so applying defaults twice gives
 * the same object as applying them once.
 *
 * @param <T> the resource message
 */
public interface Defaulter<T extends Message> {
  T applyDefaults(T object);
}

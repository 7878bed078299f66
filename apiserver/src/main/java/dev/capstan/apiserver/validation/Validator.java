package dev.capstan.apiserver.validation;

import com.google.protobuf.Message;
import java.util.List;

/**
 * Checks an object of one kind before the registry stores it, as Kubernetes' per-kind
 * validation does. The registry applies defaults first, so a validator sees a defaulted object.
 *
 * @param <T> the resource message
 */
public interface Validator<T extends Message> {
  /**
   * Errors in a new object ({@code old == null}, create) or in an update of {@code old}. Metadata
   * checks (name, namespace, labels, annotations, owner references) are included. Empty when valid.
   */
  List<FieldError> validate(T object, T old);
}

package dev.capstan.agent.runtime.cri;

import dev.capstan.agent.runtime.ContainerNotFoundException;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Turns CRI gRPC failures into the runtime interface's exceptions, naming the object concerned. */
final class CriErrors {
  private CriErrors() {}

  static boolean notFound(StatusRuntimeException e) {
    return e.getStatus().getCode() == Status.Code.NOT_FOUND;
  }

  /** NOT_FOUND becomes {@link ContainerNotFoundException}; anything else {@link ContainerRuntimeException}. */
  static ContainerRuntimeException translate(String what, StatusRuntimeException e) {
    if (notFound(e)) {
      return new ContainerNotFoundException(what + " not found");
    }
    return new ContainerRuntimeException(what + ": " + describe(e), e);
  }

  /** "CODE: description" of the runtime's answer. */
  static String describe(StatusRuntimeException e) {
    Status s = e.getStatus();
    return s.getDescription() == null ? s.getCode().toString() : s.getCode() + ": " + s.getDescription();
  }
}

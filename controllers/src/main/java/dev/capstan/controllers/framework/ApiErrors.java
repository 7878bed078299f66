package dev.capstan.controllers.framework;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Classifies the failures of API calls by the gRPC status the apiserver maps Kubernetes' statuses
 * to: NOT_FOUND, ALREADY_EXISTS, ABORTED (409 Conflict: a stale resourceVersion).
 */
public final class ApiErrors {
  private ApiErrors() {}

  public static boolean isNotFound(Throwable t) {
    return code(t) == Status.Code.NOT_FOUND;
  }

  public static boolean isAlreadyExists(Throwable t) {
    return code(t) == Status.Code.ALREADY_EXISTS;
  }

  /** A write lost an optimistic-concurrency race; retry against a fresh read. */
  public static boolean isConflict(Throwable t) {
    return code(t) == Status.Code.ABORTED;
  }

  /** The gRPC status code of {@code t} or of its first cause that carries one; null if none does. */
  /** A create refused because its namespace is being deleted (the apiserver's PERMISSION_DENIED). */
  public static boolean isNamespaceTerminating(Throwable t) {
    return code(t) == Status.Code.PERMISSION_DENIED && String.valueOf(t.getMessage()).contains("being terminated");
  }

  public static Status.Code code(Throwable t) {
    for (Throwable e = t; e != null; e = e.getCause()) {
      if (e instanceof StatusRuntimeException s) {
        return s.getStatus().getCode();
      }
      if (e instanceof io.grpc.StatusException s) {
        return s.getStatus().getCode();
      }
      if (e.getCause() == e) {
        break;
      }
    }
    return null;
  }
}

package dev.capstan.cli.commands;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Server errors as kubectl words them: "Error from server (NotFound): pods \"x\" not found". */
public final class ErrorReport {
  private ErrorReport() {}

  public static String describe(StatusRuntimeException e, String server) {
    Status s = e.getStatus();
    String reason = switch (s.getCode()) {
      case NOT_FOUND -> "NotFound";
      case ALREADY_EXISTS -> "AlreadyExists";
      case ABORTED -> "Conflict";
      case INVALID_ARGUMENT -> "Invalid";
      case UNAUTHENTICATED -> "Unauthorized";
      case PERMISSION_DENIED -> "Forbidden";
      case OUT_OF_RANGE -> "Expired";
      case RESOURCE_EXHAUSTED -> "TooManyRequests";
      case FAILED_PRECONDITION -> "BadRequest";
      case UNIMPLEMENTED -> "MethodNotAllowed";
      case DEADLINE_EXCEEDED -> "Timeout";
      case UNAVAILABLE -> null;
      default -> "InternalError";
    };
    if (reason == null) {
      return "error: the API server" + (server == null ? "" : " at " + server) + " is unavailable: " + s.getDescription()
          + " (is the cluster up? `capstan up` starts one)";
    }
    return "Error from server (" + reason + "): " + s.getDescription();
  }
}

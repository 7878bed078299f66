package dev.capstan.apiserver.registry;

import dev.capstan.client.Kind;
import dev.capstan.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Kubernetes' API statuses as gRPC statuses (DESIGN §6), with Kubernetes' wording so users
 * recognise them: {@code pods "web-1" not found}, {@code Operation cannot be fulfilled ...}.
 */
public final class ApiErrors {
  private ApiErrors() {}

  /** "pods" for the core group, "deployments.apps" otherwise: how Kubernetes names a resource in errors. */
  public static String qualifiedResource(Kind<?> kind) {
    return kind.group().isEmpty() ? kind.resource() : kind.resource() + "." + kind.group();
  }

  public static StatusRuntimeException notFound(Kind<?> kind, String name) {
    return Status.NOT_FOUND.withDescription(qualifiedResource(kind) + " \"" + name + "\" not found")
        .asRuntimeException();
  }

  public static StatusRuntimeException alreadyExists(Kind<?> kind, String name) {
    return Status.ALREADY_EXISTS.withDescription(qualifiedResource(kind) + " \"" + name + "\" already exists")
        .asRuntimeException();
  }

  public static StatusRuntimeException conflict(Kind<?> kind, String name, String why) {
    return Status.ABORTED.withDescription("Operation cannot be fulfilled on " + qualifiedResource(kind)
        + " \"" + name + "\": " + why).asRuntimeException();
  }

  public static StatusRuntimeException modified(Kind<?> kind, String name) {
    return conflict(kind, name, "the object has been modified; please apply your changes to the latest"
        + " version and try again");
  }

  public static StatusRuntimeException invalid(Kind<?> kind, String name, String details) {
    return Status.INVALID_ARGUMENT.withDescription(kind.kind()
        + (kind.group().isEmpty() ? "" : "." + kind.group()) + " \"" + name + "\" is invalid: " + details)
        .asRuntimeException();
  }

  public static StatusRuntimeException badRequest(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  /**
   * A resourceVersion newer than any revision the store has made: no server returned it, so
   * waiting would not help (Kubernetes answers "Too large resource version" after a wait).
   * {@code verb} is what the client should do again without it ("get", "list").
   */
  public static StatusRuntimeException resourceVersionTooNew(long resourceVersion, long current, String verb) {
    return Status.OUT_OF_RANGE.withDescription("resourceVersion: " + resourceVersion + " is newer than the store's"
        + " current revision " + current + ": " + verb + " without resourceVersion, or with one a server returned")
        .asRuntimeException();
  }

  /** Maps a store failure to the status a client can act on. */
  public static StatusRuntimeException fromStore(Throwable t) {
    Throwable e = t;
    while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof StatusRuntimeException s) {
      return s;
    }
    if (e instanceof StoreException se) {
      Status status = switch (se.code()) {
        case COMPACTED -> Status.OUT_OF_RANGE;
        case FUTURE_REVISION, INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
        case NO_LEADER, UNAVAILABLE -> Status.UNAVAILABLE;
        case TOO_LARGE -> Status.RESOURCE_EXHAUSTED;
        case LEASE_NOT_FOUND -> Status.NOT_FOUND;
        case LEASE_EXISTS -> Status.ALREADY_EXISTS;
        case LEASE_TTL_TOO_LARGE -> Status.INVALID_ARGUMENT;
        case UNIMPLEMENTED -> Status.UNIMPLEMENTED;
        case INTERNAL -> Status.INTERNAL;
      };
      return status.withDescription(se.getMessage()).withCause(se).asRuntimeException();
    }
    return Status.INTERNAL.withDescription("storage error: " + e).withCause(e).asRuntimeException();
  }
}

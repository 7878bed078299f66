package dev.capstan.store.remote;

import dev.capstan.store.StoreErrors;
import dev.capstan.store.StoreException;
import io.grpc.Status;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.util.Set;

/**
 * Maps what an etcd server answers over gRPC to the store's {@link StoreException} codes, the way
 * the Ratis binding reports the same causes: etcd's texts (which clients match on) are recognised
 * first; an etcd that cannot commit or confirm in time (no leader, leader changed, request timed
 * out, deadline exceeded) is {@code NO_LEADER}; an endpoint that cannot be reached is
 * {@code UNAVAILABLE}; a request over gRPC's size limit is {@code TOO_LARGE}.
 */
final class EtcdFailures {

  /** etcd's texts for "the cluster could not commit or confirm this in time". */
  private static final Set<String> NO_LEADER_TEXTS = Set.of(
      StoreErrors.NO_LEADER,
      "etcdserver: not leader",
      "etcdserver: leader changed",
      "etcdserver: request timed out",
      "etcdserver: request timed out, possibly due to previous leader failure",
      "etcdserver: request timed out, possibly due to connection lost",
      "etcdserver: request timed out, waiting for the applied index took too long");

  private EtcdFailures() {}

  static StoreException toStoreException(Status status) {
    String text = status.getDescription() == null ? "" : status.getDescription();
    Throwable cause = status.asRuntimeException();
    switch (text) {
      case StoreErrors.COMPACTED: return StoreErrors.compacted();
      case StoreErrors.FUTURE_REVISION: return StoreErrors.futureRevision();
      case StoreErrors.EMPTY_KEY: return StoreErrors.emptyKey();
      case StoreErrors.TOO_MANY_OPS: return StoreErrors.tooManyOps();
      case StoreErrors.REQUEST_TOO_LARGE: return StoreErrors.requestTooLarge();
      case StoreErrors.DUPLICATE_KEY: return StoreErrors.duplicateKey();
      case StoreErrors.KEY_NOT_FOUND: return StoreErrors.keyNotFound();
      case StoreErrors.VALUE_PROVIDED: return StoreErrors.valueProvided();
      case StoreErrors.LEASE_PROVIDED: return StoreErrors.leaseProvided();
      case StoreErrors.INVALID_SORT_OPTION: return StoreErrors.invalidSortOption();
      case StoreErrors.LEASE_NOT_FOUND: return StoreErrors.leaseNotFound();
      default: break;
    }
    if (NO_LEADER_TEXTS.contains(text)) {
      return StoreErrors.noLeader(cause);
    }
    return switch (status.getCode()) {
      // Over grpc's receive limit (etcd's --max-request-bytes plus gRPC overhead): etcd never saw it.
      case RESOURCE_EXHAUSTED -> text.startsWith("grpc: received message larger than max")
          ? new StoreException(StoreException.Code.TOO_LARGE, StoreErrors.REQUEST_TOO_LARGE, cause)
          : new StoreException(StoreException.Code.UNAVAILABLE, "store is overloaded: " + text, cause);
      case DEADLINE_EXCEEDED -> StoreErrors.noLeader(cause);
      case UNAVAILABLE -> StoreErrors.unavailable("etcd is unreachable: " + describe(status), cause);
      case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION ->
          new StoreException(StoreException.Code.INVALID_ARGUMENT, text, cause);
      default -> new StoreException(StoreException.Code.INTERNAL, "etcd request failed: " + describe(status), cause);
    };
  }

  /**
   * Whether a failed attempt may be sent again to another endpoint. Reads may always move on from
   * an unavailable endpoint. A write may only when it cannot have been applied: the connection
   * was never made, or etcd refused it up front because its member had no leader (the
   * "hasleader" check happens before a proposal). Anything else is ambiguous, and a write sent
   * twice would bump the revision twice.
   */
  static boolean worthAnotherEndpoint(Status status, boolean idempotent) {
    if (StoreErrors.NO_LEADER.equals(status.getDescription())) {
      return true;
    }
    if (status.getCode() != Status.Code.UNAVAILABLE) {
      return false;
    }
    return idempotent || neverConnected(status);
  }

  private static boolean neverConnected(Status status) {
    for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
        return true;
      }
    }
    return false;
  }

  private static String describe(Status status) {
    String text = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    return status.getCause() == null ? text : text + " (" + status.getCause() + ")";
  }
}

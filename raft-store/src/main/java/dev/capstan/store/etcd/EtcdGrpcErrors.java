package dev.capstan.store.etcd;

import dev.capstan.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Maps store failures to the gRPC statuses etcd answers with, keeping etcd's texts as the
 * description: etcd's clients recognise errors by that text (compacted is OUT_OF_RANGE "etcdserver:
 * mvcc: required revision has been compacted", no leader is UNAVAILABLE "etcdserver: no leader",
 * bad requests are INVALID_ARGUMENT, an unknown lease is NOT_FOUND, ...).
 */
final class EtcdGrpcErrors {

  private EtcdGrpcErrors() {}

  static StatusRuntimeException toStatus(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof StatusRuntimeException status) {
      return status;
    }
    if (!(cause instanceof StoreException store)) {
      return Status.INTERNAL.withDescription(String.valueOf(cause)).withCause(cause).asRuntimeException();
    }
    Status status = switch (store.code()) {
      case COMPACTED, FUTURE_REVISION, LEASE_TTL_TOO_LARGE -> Status.OUT_OF_RANGE;
      case NO_LEADER, UNAVAILABLE -> Status.UNAVAILABLE;
      case LEASE_NOT_FOUND -> Status.NOT_FOUND;
      case LEASE_EXISTS -> Status.FAILED_PRECONDITION;
      case INVALID_ARGUMENT, TOO_LARGE -> Status.INVALID_ARGUMENT;
      case UNIMPLEMENTED -> Status.UNIMPLEMENTED;
      case INTERNAL -> Status.INTERNAL;
    };
    return status.withDescription(store.getMessage()).asRuntimeException();
  }
}

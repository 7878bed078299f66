package dev.capstan.store.ratis;

import dev.capstan.store.StoreErrors;
import dev.capstan.store.StoreException;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.protocol.exceptions.StateMachineException;

/**
 * Maps what Ratis fails with to the store's {@link StoreException} codes: anything that means the
 * group could not get a leader to commit or confirm the request in time (no leader, not leader,
 * retries exhausted, read index failed, timeouts, unreachable peers) is {@code NO_LEADER} with
 * etcd's "etcdserver: no leader"; a closed client or server is {@code UNAVAILABLE}.
 */
final class RatisFailures {

  private RatisFailures() {}

  static StoreException toStoreException(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof StoreException store) {
      return store;
    }
    if (cause instanceof AlreadyClosedException && cause.getCause() != null) {
      // A Raft client fails the writes queued behind one that failed for good as "closed": they
      // failed for that one's reason (and may have been applied, as any write that times out).
      return toStoreException(cause.getCause());
    }
    if (cause instanceof AlreadyClosedException) {
      return StoreErrors.unavailable("store peer or client is closed", cause);
    }
    if (cause instanceof ResourceUnavailableException) {
      return new StoreException(StoreException.Code.UNAVAILABLE, "store is overloaded: " + cause.getMessage(), cause);
    }
    if (cause instanceof StateMachineException) {
      return new StoreException(StoreException.Code.INTERNAL, "store state machine failed: " + cause.getMessage(), cause);
    }
    if (cause instanceof TimeoutException || cause instanceof IOException) {
      // NotLeader, LeaderNotReady, RaftRetryFailure, ReadIndex, TimeoutIO... are all IOExceptions.
      return StoreErrors.noLeader(cause);
    }
    return new StoreException(StoreException.Code.INTERNAL, "store request failed: " + cause, cause);
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}

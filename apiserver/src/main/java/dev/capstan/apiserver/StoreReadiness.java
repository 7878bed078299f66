package dev.capstan.apiserver;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a start-up step against the store, retrying with backoff while the store has no leader
 * yet (a peer that just started, or a cluster electing), up to a timeout; any other error, or
 * the same one after the timeout, propagates.
 */
public final class StoreReadiness {
  private static final Logger log = LoggerFactory.getLogger(StoreReadiness.class);

  private StoreReadiness() {}

  public static <T> T await(Supplier<T> step, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long backoffMillis = 50;
    while (true) {
      try {
        return step.get();
      } catch (RuntimeException e) {
        if (!storeUnavailable(e) || System.nanoTime() > deadline) {
          throw e;
        }
        log.info("store not ready yet ({}); retrying in {} ms", e.getMessage(), backoffMillis);
      }
      try {
        Thread.sleep(backoffMillis);  // backoff between attempts, not a wait for a state
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the store", ie);
      }
      backoffMillis = Math.min(backoffMillis * 2, 1000);
    }
  }

  private static boolean storeUnavailable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNAVAILABLE) {
        return true;
      }
      if (t instanceof dev.capstan.store.StoreException se
          && (se.code() == dev.capstan.store.StoreException.Code.NO_LEADER
              || se.code() == dev.capstan.store.StoreException.Code.UNAVAILABLE)) {
        return true;
      }
    }
    return false;
  }
}

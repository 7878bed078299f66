package dev.capstan.store.ratis;

import dev.capstan.store.StoreErrors;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Futures that complete once this peer's state machine has applied a given Raft log index. A
 * write is acknowledged by the leader, but the caller reads and watches through its local peer;
 * waiting for the local apply gives it read-your-writes there, as etcd does (an etcd member answers
 * a write only after applying it itself). Futures complete on {@code executor}, never on the
 * apply thread, since callers chain their own work onto them.
 */
final class AppliedIndexWaiters {

  private final Executor executor;
  // Guarded by this.
  private final NavigableMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();
  private long applied = -1;
  private boolean closed;

  AppliedIndexWaiters(Executor executor) {
    this.executor = executor;
  }

  /** Completes once {@code index} has been applied here (at once if it already has). */
  synchronized CompletableFuture<Void> await(long index) {
    if (closed) {
      return CompletableFuture.failedFuture(StoreErrors.unavailable("store peer is closed"));
    }
    if (index <= applied) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> future = new CompletableFuture<>();
    waiting.computeIfAbsent(index, i -> new ArrayList<>(1)).add(future);
    return future;
  }

  /** The state machine has applied everything up to {@code index}. */
  void applied(long index) {
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    synchronized (this) {
      if (index <= applied) {
        return;
      }
      applied = index;
      NavigableMap<Long, List<CompletableFuture<Void>>> done = waiting.headMap(index, true);
      done.values().forEach(ready::addAll);
      done.clear();
    }
    for (CompletableFuture<Void> future : ready) {
      try {
        executor.execute(() -> future.complete(null));
      } catch (RejectedExecutionException e) {
        future.completeExceptionally(StoreErrors.unavailable("store peer is closed", e));
      }
    }
  }

  /** Fails every waiter and all later ones: the peer is going away. */
  void close() {
    List<CompletableFuture<Void>> failed = new ArrayList<>();
    synchronized (this) {
      closed = true;
      waiting.values().forEach(failed::addAll);
      waiting.clear();
    }
    failed.forEach(f -> f.completeExceptionally(StoreErrors.unavailable("store peer is closed")));
  }
}

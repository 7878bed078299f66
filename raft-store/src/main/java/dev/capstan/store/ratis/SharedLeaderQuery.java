package dev.capstan.store.ratis;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One question to the leader on behalf of every read that needs its answer, as etcd's
 * linearizable read loop shares one ReadIndex among the reads waiting for it: at most one query
 * is on its way; reads that arrive meanwhile wait for the next one, which is sent as soon as the
 * current one is answered and serves all of them.
 *
 * <p>A read may only use an answer to a query sent after it arrived (an earlier query may miss
 * a write acknowledged between its sending and the read's arrival), hence the second, not yet
 * sent, query instead of joining the one on its way. A failed query fails the reads it serves;
 * the next one is still sent.
 *
 * @param <T> the answer
 */
final class SharedLeaderQuery<T> {
  private final Supplier<CompletableFuture<T>> query;
  /** Whether a query is on its way now. */
  private boolean sending;
  /** The reads that arrived while a query was on its way: answered by the next one. */
  private CompletableFuture<T> next;

  /** {@code query} sends one query to the leader each time it is called. */
  SharedLeaderQuery(Supplier<CompletableFuture<T>> query) {
    this.query = query;
  }

  /** The answer to a query sent no earlier than now. */
  CompletableFuture<T> ask() {
    CompletableFuture<T> answer;
    synchronized (this) {
      if (sending) {
        if (next == null) {
          next = new CompletableFuture<>();
        }
        return next;
      }
      sending = true;
      answer = new CompletableFuture<>();
    }
    send(answer);
    return answer;
  }

  private void send(CompletableFuture<T> answer) {
    CompletableFuture<T> sent;
    try {
      sent = query.get();
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((value, error) -> {
      CompletableFuture<T> waiting;
      synchronized (this) {
        waiting = next;
        next = null;
        sending = waiting != null;
      }
      // the next query first: the readers of this answer may take a while
      if (waiting != null) {
        send(waiting);
      }
      if (error != null) {
        answer.completeExceptionally(error);
      } else {
        answer.complete(value);
      }
    });
  }
}

package dev.capstan.store.ratis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.ratis.protocol.Message;

/**
 * Groups concurrent store writes into shared Raft log entries, so that Raft's cost per entry
 * (an RPC to the leader, a pending request, log framing, one append per follower, a reply) is
 * paid once per group instead of once per write.
 *
 * <p>Batching is natural, never timed: a write is sent at once while fewer than
 * {@code maxInFlight} entries are on their way, so a lone writer waits for nobody. Otherwise it
 * queues, and when an entry completes, everything queued (up to {@code maxCommands} commands
 * and about {@code maxBytes}) leaves as the next entry, before the completed entry's writes are
 * answered. A single queued command is sent as
 * itself; several go as one {@link StoreEnvelope#batch}, whose commands apply in order, each
 * with its own revision and reply, exactly as separate entries would.
 *
 * <p>A failure to commit an entry (no leader, timeout) fails every write in it.
 */
final class WriteBatcher {

  private record Pending(Message command, CompletableFuture<Message> reply) {
    int size() {
      return command.getContent().size();
    }
  }

  private final Function<Message, CompletableFuture<Message>> commit;
  private final int maxInFlight;
  private final int maxCommands;
  private final int maxBytes;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final StoreStats stats;
  private int inFlight;

  /**
   * @param commit commits one log entry and completes with the state machine's reply to it (or
   *     fails), once the entry is applied where the writer will read
   */
  WriteBatcher(Function<Message, CompletableFuture<Message>> commit, int maxInFlight, int maxCommands, int maxBytes) {
    this(commit, maxInFlight, maxCommands, maxBytes, new StoreStats());
  }

  /** As above, counting each entry sent and the commands it carries in {@code stats}. */
  WriteBatcher(Function<Message, CompletableFuture<Message>> commit, int maxInFlight, int maxCommands, int maxBytes,
      StoreStats stats) {
    if (maxInFlight < 1 || maxCommands < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("batch limits must be positive: maxInFlight=" + maxInFlight
          + ", maxCommands=" + maxCommands + ", maxBytes=" + maxBytes);
    }
    this.commit = commit;
    this.maxInFlight = maxInFlight;
    this.maxCommands = maxCommands;
    this.maxBytes = maxBytes;
    this.stats = stats;
  }

  /** Completes with the reply to {@code command} once the entry that carries it is committed. */
  CompletableFuture<Message> submit(Message command) {
    Pending pending = new Pending(command, new CompletableFuture<>());
    List<Pending> batch = null;
    synchronized (this) {
      queue.add(pending);
      if (inFlight < maxInFlight) {
        inFlight++;
        batch = takeBatch();
      }
    }
    if (batch != null) {
      send(batch);
    }
    return pending.reply();
  }

  private void send(List<Pending> batch) {
    CompletableFuture<Message> committed;
    stats.entrySent(batch.size());
    try {
      committed = commit.apply(batch.size() == 1 ? batch.get(0).command()
          : StoreEnvelope.batch(batch.stream().map(Pending::command).toList()));
    } catch (RuntimeException e) {
      committed = CompletableFuture.failedFuture(e);
    }
    committed.whenComplete((reply, error) -> {
      // The next entry leaves before this one's writes are answered: answering runs the writers'
      // continuations (parsing replies, sending responses), which the queued writes need not wait for.
      List<Pending> next;
      synchronized (this) {
        if (queue.isEmpty()) {
          inFlight--;
          next = null;
        } else {
          next = takeBatch();
        }
      }
      try {
        if (next != null) {
          send(next);
        }
      } finally {
        complete(batch, reply, error);
      }
    });
  }

  private static void complete(List<Pending> batch, Message reply, Throwable error) {
    if (error != null) {
      batch.forEach(p -> p.reply().completeExceptionally(error));
      return;
    }
    if (batch.size() == 1) {
      batch.get(0).reply().complete(reply);
      return;
    }
    List<Message> replies;
    try {
      replies = StoreEnvelope.splitBatchReply(reply, batch.size());
    } catch (RuntimeException e) {
      batch.forEach(p -> p.reply().completeExceptionally(e));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).reply().complete(replies.get(i));
    }
  }

  /** Takes queued writes up to the limits; at least one, however large. Holds the lock. */
  private List<Pending> takeBatch() {
    List<Pending> batch = new ArrayList<>();
    int bytes = 0;
    while (!queue.isEmpty() && batch.size() < maxCommands) {
      Pending next = queue.peek();
      if (!batch.isEmpty() && bytes + next.size() > maxBytes) {
        break;
      }
      batch.add(queue.poll());
      bytes += next.size();
    }
    return batch;
  }
}

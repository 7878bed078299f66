package dev.capstan.store.remote;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.StoreException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts the history of an external etcd that apiservers keep their objects in, as the
 * kube-apiserver does for its etcd (its {@code --etcd-compaction-interval}): every interval, to the
 * revision the store had one interval before. Without it an etcd started with its defaults keeps
 * every old version of every object until it reaches its space quota and refuses writes.
 *
 * <p>Several apiservers on one etcd each run one; they agree through the store which of them
 * compacts. Each round is one transaction on {@link #KEY}: if the key's version is still the one
 * this compactor saw last round, it writes the key (so the version moves on and the other
 * compactors' transactions of this round fail) and then compacts to the revision it noted the
 * round before; otherwise it only learns the key's version. Either way it notes the store's
 * revision now. So the store is compacted once per interval whichever apiservers run, never to a
 * revision newer than one interval old, and a compactor that just started first waits a round.
 *
 * <p>Not for Capstan's own Raft store, whose leader compacts it ({@code --auto-compaction-retention}).
 * Thread-safe; rounds run on a daemon thread of its own.
 */
public final class IntervalCompactor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IntervalCompactor.class);

  /** The key the compactors of one store agree through (the one the kube-apiserver uses). */
  public static final ByteString KEY = ByteString.copyFromUtf8("compact_rev_key");

  private final KeyValueStore store;
  private final Duration timeout;
  private final ScheduledExecutorService rounds;
  // Guarded by this.
  private long keyVersion;
  private long notedRevision;

  private IntervalCompactor(KeyValueStore store, Duration timeout, ScheduledExecutorService rounds) {
    this.store = Objects.requireNonNull(store, "store");
    this.timeout = timeout;
    this.rounds = rounds;
  }

  /** A compactor whose rounds the caller runs ({@link #round}); for tests. */
  static IntervalCompactor manual(KeyValueStore store, Duration timeout) {
    return new IntervalCompactor(store, timeout, null);
  }

  /**
   * Starts rounds every {@code interval} on {@code store}, the first one an interval from now.
   *
   * @throws IllegalArgumentException if {@code interval} is not positive
   */
  public static IntervalCompactor start(KeyValueStore store, Duration interval) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("compaction interval must be positive, got " + interval);
    }
    ScheduledExecutorService rounds = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "etcd-compactor");
      t.setDaemon(true);
      return t;
    });
    // A round waits for the store at most one interval (at least 10 s), so rounds never pile up.
    Duration timeout = interval.compareTo(Duration.ofSeconds(10)) > 0 ? interval : Duration.ofSeconds(10);
    IntervalCompactor compactor = new IntervalCompactor(store, timeout, rounds);
    rounds.scheduleWithFixedDelay(compactor::roundLogged, interval.toMillis(), interval.toMillis(),
        TimeUnit.MILLISECONDS);
    return compactor;
  }

  private void roundLogged() {
    try {
      long compacted = round();
      if (compacted > 0) {
        LOG.info("Compacted the store to revision {}", compacted);
      }
    } catch (StoreException | TimeoutException e) {
      LOG.warn("Compacting the store failed this round: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn("Compacting the store failed this round", e);
    }
  }

  /**
   * One round: returns the revision this compactor compacted the store to, or 0 when another
   * compactor took this round or there was nothing to compact yet.
   */
  synchronized long round() throws StoreException, TimeoutException, InterruptedException {
    long target = notedRevision;
    TxnRequest claim = TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(KEY).setTarget(Compare.CompareTarget.VERSION)
            .setResult(Compare.CompareResult.EQUAL).setVersion(keyVersion))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(KEY)
            .setValue(ByteString.copyFromUtf8(Long.toString(target)))))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(KEY)))
        .build();
    TxnResponse response = await(store.txn(claim));
    notedRevision = response.getHeader().getRevision();
    if (!response.getSucceeded()) {
      var kvs = response.getResponses(0).getResponseRange().getKvsList();
      keyVersion = kvs.isEmpty() ? 0 : kvs.get(0).getVersion();
      return 0;
    }
    keyVersion++;
    if (target <= 0) {
      return 0;
    }
    try {
      await(store.compact(CompactionRequest.newBuilder().setRevision(target).build()));
    } catch (StoreException e) {
      if (e.code() == StoreException.Code.COMPACTED) {
        return 0; // compacted this far already (by hand, say): as good
      }
      throw e;
    }
    return target;
  }

  private <T> T await(java.util.concurrent.CompletableFuture<T> future)
      throws StoreException, TimeoutException, InterruptedException {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StoreException store) {
        throw store;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public void close() {
    if (rounds != null) {
      rounds.shutdownNow();
    }
  }
}

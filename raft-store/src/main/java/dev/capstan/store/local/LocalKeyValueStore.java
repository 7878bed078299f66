package dev.capstan.store.local;

import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.CompactionResponse;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.DeleteRangeResponse;
import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.LeaseGrantResponse;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveResponse;
import dev.capstan.etcd.etcdserverpb.LeaseLeasesResponse;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeRequest;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeResponse;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveResponse;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.PutResponse;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.StoreException;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import dev.capstan.store.mvcc.DaemonThreadFactory;
import dev.capstan.store.mvcc.MvccStore;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A {@link KeyValueStore} held in this process's memory, with no Raft and no persistence: an
 * {@link MvccStore} behind the asynchronous interface. For other modules' unit tests and for
 * tools that need etcd semantics without a cluster. Every call completes before it returns;
 * failures complete the future exceptionally with a {@link StoreException}. Serializable and
 * linearizable reads are the same thing here.
 *
 * <p>Leases are timed on the store's clock, but no timer runs here: they expire when the owner
 * calls {@link #expireLeases()}, which keeps tests in control of time.
 */
public final class LocalKeyValueStore implements KeyValueStore {

  private final MvccStore store;
  private final ExecutorService ownedExecutor;

  /** A store whose watch listeners run on a daemon thread it owns and stops on {@link #close}. */
  public LocalKeyValueStore() {
    this.ownedExecutor = Executors.newSingleThreadExecutor(new DaemonThreadFactory("capstan-local-store-watch"));
    this.store = new MvccStore(ownedExecutor);
    store.promoteLeases();
  }

  /**
   * A store whose watch listeners run on {@code watchExecutor}; pass {@code Runnable::run} to
   * have them run inline on the writing thread, which makes watch tests fully deterministic.
   */
  public LocalKeyValueStore(Executor watchExecutor) {
    this(watchExecutor, Clock.systemUTC());
  }

  /** As {@link #LocalKeyValueStore(Executor)}, timing leases on {@code clock}. */
  public LocalKeyValueStore(Executor watchExecutor, Clock clock) {
    this.ownedExecutor = null;
    this.store = new MvccStore(watchExecutor, clock);
    // This store is its own leader.
    store.promoteLeases();
  }

  /** The underlying store, for tests that need its revision or snapshot directly. */
  public MvccStore mvccStore() {
    return store;
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    return complete(() -> store.range(request));
  }

  @Override
  public CompletableFuture<PutResponse> put(PutRequest request) {
    return complete(() -> store.put(request).response());
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
    return complete(() -> store.deleteRange(request).response());
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest request) {
    return complete(() -> store.txn(request).response());
  }

  @Override
  public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
    return complete(() -> store.compact(request).response());
  }

  @Override
  public StoreWatch watch(WatchCreateRequest request, StoreWatchListener listener) {
    return store.watch(request, listener);
  }

  @Override
  public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
    return complete(() -> store.leaseGrant(request).response());
  }

  @Override
  public CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request) {
    return complete(() -> store.leaseRevoke(request).response());
  }

  @Override
  public CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request) {
    return complete(() -> store.leaseKeepAlive(request));
  }

  @Override
  public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest request) {
    return complete(() -> store.leaseTimeToLive(request));
  }

  @Override
  public CompletableFuture<LeaseLeasesResponse> leaseLeases() {
    return complete(store::leaseLeases);
  }

  /** Revokes every lease whose TTL has run out on the store's clock; answers how many. */
  public int expireLeases() {
    int revoked = 0;
    for (long id : store.takeExpiredLeases(Integer.MAX_VALUE)) {
      try {
        store.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build());
        revoked++;
      } catch (StoreException e) {
        // Already revoked meanwhile.
      }
    }
    return revoked;
  }

  /** Sends progress notifications to idle watches that asked for them (no timer runs here). */
  public void notifyProgress() {
    store.notifyProgress();
  }

  @Override
  public void close() {
    store.close();
    if (ownedExecutor != null) {
      // Let the watches' final onError deliveries run, then stop the thread.
      ownedExecutor.shutdown();
    }
  }

  private static <T> CompletableFuture<T> complete(Supplier<T> call) {
    try {
      return CompletableFuture.completedFuture(call.get());
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

}

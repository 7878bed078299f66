package dev.capstan.store;

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
import java.util.concurrent.CompletableFuture;

/**
 * A key-value store with etcd v3 semantics, spoken in etcd's own request and response messages.
 *
 * <p>Contract (the same for every binding: the in-process Ratis store, a remote etcd; the
 * conformance suite in the tests checks it against both and a real etcd):
 * <ul>
 *   <li>A global revision starts at 1 and grows by one per mutating request; all changes of one
 *       request share it. Each key carries create_revision, mod_revision and version.</li>
 *   <li>Reads are linearizable unless {@code RangeRequest.serializable} is set. A write's future
 *       completes only once this store's serializable reads and watches see the write.</li>
 *   <li>Failures complete the future exceptionally with a {@link StoreException} whose
 *       {@link StoreException.Code} says why (compacted, future revision, no leader, ...).</li>
 *   <li>A failed compare in a txn is not a failure: the response says {@code succeeded=false}.</li>
 *   <li>Leases as etcd's: a put may attach its key to a granted lease; revoking the lease (or its
 *       expiry, which is a revoke) deletes the attached keys in one revision. An unknown lease
 *       fails with {@link StoreException.Code#LEASE_NOT_FOUND} ("etcdserver: requested lease not
 *       found"). Bindings that have no leases fail lease calls with
 *       {@link StoreException.Code#UNIMPLEMENTED}.</li>
 * </ul>
 */
public interface KeyValueStore extends AutoCloseable {

  CompletableFuture<RangeResponse> range(RangeRequest request);

  CompletableFuture<PutResponse> put(PutRequest request);

  CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request);

  CompletableFuture<TxnResponse> txn(TxnRequest request);

  CompletableFuture<CompactionResponse> compact(CompactionRequest request);

  /**
   * Watches a key or range from {@code start_revision} (inclusive; 0 = after every write that
   * completed before this call returned; a future revision waits for it). Events are
   * delivered in revision order, one callback per revision, on a thread of the store's choosing;
   * the listener must not block. A start revision below the compacted revision calls
   * {@link StoreWatchListener#onCompacted} and ends the watch.
   */
  StoreWatch watch(WatchCreateRequest request, StoreWatchListener listener);

  /** Grants a lease of {@code TTL} seconds; {@code ID} 0 lets the store choose the ID. */
  default CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
    return CompletableFuture.failedFuture(StoreErrors.unimplemented("leases"));
  }

  /** Revokes a lease and deletes its keys. */
  default CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request) {
    return CompletableFuture.failedFuture(StoreErrors.unimplemented("leases"));
  }

  /** Restarts a lease's TTL; the response carries the granted TTL. */
  default CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request) {
    return CompletableFuture.failedFuture(StoreErrors.unimplemented("leases"));
  }

  /** A lease's remaining and granted TTL, and its keys if asked. */
  default CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest request) {
    return CompletableFuture.failedFuture(StoreErrors.unimplemented("leases"));
  }

  /** Every granted lease. */
  default CompletableFuture<LeaseLeasesResponse> leaseLeases() {
    return CompletableFuture.failedFuture(StoreErrors.unimplemented("leases"));
  }

  @Override
  void close();
}

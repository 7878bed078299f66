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
 * A store passed on call for call, for stores (test doubles mostly) that observe or hold back part of it
 * (they override what they watch). Closing it leaves the real store open: its owner closes it.
 */
public abstract class ForwardingKeyValueStore implements KeyValueStore {
  private final KeyValueStore store;

  protected ForwardingKeyValueStore(KeyValueStore store) {
    this.store = store;
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    return store.range(request);
  }

  @Override
  public CompletableFuture<PutResponse> put(PutRequest request) {
    return store.put(request);
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
    return store.deleteRange(request);
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest request) {
    return store.txn(request);
  }

  @Override
  public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
    return store.compact(request);
  }

  @Override
  public StoreWatch watch(WatchCreateRequest request, StoreWatchListener listener) {
    return store.watch(request, listener);
  }

  @Override
  public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
    return store.leaseGrant(request);
  }

  @Override
  public CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request) {
    return store.leaseRevoke(request);
  }

  @Override
  public CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request) {
    return store.leaseKeepAlive(request);
  }

  @Override
  public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest request) {
    return store.leaseTimeToLive(request);
  }

  @Override
  public CompletableFuture<LeaseLeasesResponse> leaseLeases() {
    return store.leaseLeases();
  }

  @Override
  public void close() {}
}

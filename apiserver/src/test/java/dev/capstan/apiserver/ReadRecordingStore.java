package dev.capstan.apiserver;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.CompactionResponse;
import dev.capstan.etcd.etcdserverpb.DeleteRangeRequest;
import dev.capstan.etcd.etcdserverpb.DeleteRangeResponse;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.PutResponse;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A real store that records the key of every range read an apiserver makes through it, so a test
 * can tell which requests read the store and which were served from memory. Everything else is
 * passed on as it is; closing it leaves the real store open.
 */
final class ReadRecordingStore implements KeyValueStore {
  private final KeyValueStore store;
  private final ConcurrentLinkedQueue<ByteString> reads = new ConcurrentLinkedQueue<>();

  ReadRecordingStore(KeyValueStore store) {
    this.store = store;
  }

  /** The keys read since the last call, whose key starts with {@code prefix}; forgets every read. */
  List<String> readsUnder(ByteString prefix) {
    List<String> under = reads.stream().filter(k -> k.startsWith(prefix)).map(ByteString::toStringUtf8).toList();
    reads.clear();
    return under;
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    reads.add(request.getKey());
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
  public void close() {}
}

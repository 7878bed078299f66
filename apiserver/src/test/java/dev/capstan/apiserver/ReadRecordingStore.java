package dev.capstan.apiserver;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.store.ForwardingKeyValueStore;
import dev.capstan.store.KeyValueStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A real store that records the key of every range read an apiserver makes through it, so a test
 * can tell which requests read the store and which were served from memory. Everything else is
 * passed on as it is; closing it leaves the real store open.
 */
public final class ReadRecordingStore extends ForwardingKeyValueStore {
  private final ConcurrentLinkedQueue<ByteString> reads = new ConcurrentLinkedQueue<>();

  public ReadRecordingStore(KeyValueStore store) {
    super(store);
  }

  /** The keys read since the last call, whose key starts with {@code prefix}; forgets every read. */
  public List<String> readsUnder(ByteString prefix) {
    List<String> under = reads.stream().filter(k -> k.startsWith(prefix)).map(ByteString::toStringUtf8).toList();
    reads.clear();
    return under;
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    reads.add(request.getKey());
    return super.range(request);
  }
}

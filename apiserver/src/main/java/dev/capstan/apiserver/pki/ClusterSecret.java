package dev.capstan.apiserver.pki;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.store.KeyValueStore;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * One secret of a whole cluster (its CA, its ServiceAccount signing key), kept as text at one
 * store key outside the {@code /registry/} prefix the API serves, so no API call can read it.
 * Every server of a cluster shares the store, so they all end up with the same value:
 * {@link #loadOrCreate} reads the key and makes a value only when there is none, stores it with
 * a create-if-absent transaction, and when another server stored one first takes that one.
 * Whoever can read the store (its etcd endpoint, its data dir) can read the secret.
 */
public final class ClusterSecret {
  private ClusterSecret() {}

  /**
   * The value at {@code key}: the stored one, or else one {@code create} makes now, stored unless
   * another server stored its own meanwhile (then that one). {@code create} runs only when the
   * key was found absent. Store errors (no leader yet, say) propagate, for the caller to retry.
   */
  public static String loadOrCreate(KeyValueStore store, String key, Supplier<String> create) {
    ByteString storeKey = ByteString.copyFromUtf8(key);
    RangeResponse found = await(store.range(RangeRequest.newBuilder().setKey(storeKey).build()), key);
    if (found.getKvsCount() > 0) {
      return found.getKvs(0).getValue().toString(StandardCharsets.US_ASCII);
    }
    String fresh = create.get();
    TxnResponse r = await(store.txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(storeKey).setTarget(Compare.CompareTarget.CREATE)
            .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(storeKey)
            .setValue(ByteString.copyFrom(fresh, StandardCharsets.US_ASCII))))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(storeKey)))
        .build()), key);
    if (r.getSucceeded()) {
      return fresh;
    }
    // Another server stored its value between our read and our write: everyone uses that one.
    var winner = r.getResponses(0).getResponseRange().getKvsList();
    if (winner.isEmpty()) {
      throw new IllegalStateException("the store holds " + key + " but returned no value for it");
    }
    return winner.get(0).getValue().toString(StandardCharsets.US_ASCII);
  }

  private static <R> R await(CompletableFuture<R> f, String key) {
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading " + key + " from the store", e);
    }
  }
}

package dev.capstan.apiserver.pki;

import com.google.protobuf.ByteString;
import dev.capstan.store.KeyValueStore;
import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.ExecutionException;

/**
 * The one CA of a cluster, kept in the store under {@link #KEY}, outside the {@code /registry/}
 * prefix the API serves, so no API call can read it. The first server to start creates it with a
 * create-if-absent transaction; every other server, and the same one after a restart, loads it.
 * Whoever can read the store (its etcd endpoint, its data dir) can read the CA's key.
 */
public final class ClusterCa {
  public static final String KEY = "/capstan/pki/ca";
  public static final String COMMON_NAME = "capstan-ca";

  private ClusterCa() {}

  /**
   * Loads the cluster's CA, creating it first when the store has none. Store errors (no leader
   * yet, say) propagate, for the caller to retry.
   */
  public static CertificateAuthority loadOrCreate(KeyValueStore store, Clock clock, SecureRandom random) {
    ByteString key = ByteString.copyFromUtf8(KEY);
    CertificateAuthority fresh = CertificateAuthority.create(COMMON_NAME, clock, random);
    TxnRequest txn = TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
            .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)
            .setValue(ByteString.copyFrom(fresh.toPem(), StandardCharsets.US_ASCII))))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
        .build();
    TxnResponse response = join(store.txn(txn));
    if (response.getSucceeded()) {
      return fresh;
    }
    var kvs = response.getResponses(0).getResponseRange().getKvsList();
    if (kvs.isEmpty()) {
      throw new IllegalStateException("the store holds " + KEY + " but returned no value for it");
    }
    return CertificateAuthority.fromPem(kvs.get(0).getValue().toString(StandardCharsets.US_ASCII), clock, random);
  }

  private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading the cluster CA", e);
    }
  }
}

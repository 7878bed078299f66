package dev.capstan.apiserver.authn;

import com.google.protobuf.ByteString;
import dev.capstan.apiserver.pki.Pem;
import dev.capstan.etcd.etcdserverpb.Compare;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RequestOp;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.store.KeyValueStore;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.concurrent.ExecutionException;

/**
 * The cluster's one key pair for signing ServiceAccount tokens (EC P-256, ES256), kept in the
 * store under {@link #STORE_KEY} as PEM (a PKCS#8 private key, then the X.509 public key). Every
 * server of a cluster shares the store, so the first one to start makes the pair with a
 * create-if-absent transaction and every other one, and every restart, loads that same pair: a
 * token signed by one server is accepted by all of them.
 */
public final class ServiceAccountKey {
  /** Outside {@code /registry/}: no API kind lists it, and no API call can read it. */
  public static final String STORE_KEY = "/capstan/pki/service-account-key";

  private ServiceAccountKey() {}

  /** The cluster's pair: the stored one, or a new one stored now if there is none. */
  public static KeyPair loadOrCreate(KeyValueStore store) {
    ByteString key = ByteString.copyFromUtf8(STORE_KEY);
    KeyPair fresh = generate();
    TxnResponse r = await(store.txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
            .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)
            .setValue(ByteString.copyFromUtf8(toPem(fresh)))))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
        .build()));
    if (r.getSucceeded()) {
      return fresh;
    }
    return fromPem(r.getResponses(0).getResponseRange().getKvs(0).getValue().toString(StandardCharsets.UTF_8));
  }

  public static KeyPair generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make EC P-256 keys", e);
    }
  }

  static String toPem(KeyPair pair) {
    return Pem.privateKey(pair.getPrivate()) + Pem.publicKey(pair.getPublic());
  }

  static KeyPair fromPem(String pem) {
    try {
      return new KeyPair(Pem.publicKeyOf(pem), Pem.privateKeyOf(pem));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(STORE_KEY + " in the store is not an EC key pair in PEM: " + e.getMessage(), e);
    }
  }

  private static <R> R await(java.util.concurrent.CompletableFuture<R> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading the service-account key", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    }
  }
}
